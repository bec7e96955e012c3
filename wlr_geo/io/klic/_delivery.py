"""Find the KLIC deliveries in the paths a user gives: zips, unpacked folders or XML files.

A KLIC delivery is a zip (or its unpacked folder) holding
``GI_gebiedsinformatielevering_<meldnummer>_<volgnummer>_V2.xml`` (IMKL 2.x), a start page
``_Startpagina.html``, ``LI_<meldnummer>.pdf`` and attachments under ``bronnen/``. Archives of
IMKL 1.2.1 (2015–2022) and network-operator exports hold a single IMKL XML with another name;
those are accepted too when no ``GI_*.xml`` is present.

Files are recognised by their content, not by a strict name: the GI file is the XML that holds
a ``GebiedsinformatieLevering`` (whatever its name, e.g. ``GI_GebiedsinformatieLevering
17O051010_1.xml``), and without one every IMKL ``FeatureCollection`` is read. Other XML (a
voorzorgsmaatregelen file, an empty file, an operator's own document) is skipped and listed in
``skipped`` with the reason, as are zips nested more than one level deep; a wrapper zip that
holds delivery zips is read through.

Zips are never extracted: members are checked by :func:`wlr_geo._safe.safe_members` (path
traversal, size and compression-ratio limits) and the XML is streamed from the archive (a
delivery zip inside a wrapper zip is copied to a temporary file first).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from wlr_geo._errors import KlicError, WlrGeoInputError
from wlr_geo._nl import nl
from wlr_geo._safe import head_text, open_member, safe_members

__all__ = ["DeliverySource", "discover"]

_GI_XML = re.compile(r"(^|/)GI_gebiedsinformatielevering_[^/]*\.xml$", re.IGNORECASE)
#: Start tag of the delivery envelope: only the GI file of a delivery holds it.
_GI_ELEMENT = re.compile(r"<(?:[\w.\-]+:)?GebiedsinformatieLevering[\s>/]")
_ROOT = re.compile(r"<(?![?!])(?:[\w.\-]+:)?([A-Za-z_][\w.\-]*)([^>]*)>")
_IMKL_NS = re.compile(r"geostandaarden\.nl/imkl|geonovum\.nl/wion|/wion/2015/|/imkl/2015/")
_SNIFF_BYTES = 64 * 1024
#: (location, reason) of each file or nested zip not read as a delivery
Skipped = list[tuple[str, str]]

_EXPECTED = (
    "een KLIC-levering: een Levering_*.zip, de uitgepakte map daarvan, of het "
    "GI_gebiedsinformatielevering_*.xml (IMKL 2.x) / een IMKL 1.2.1-XML zelf"
)


@dataclass(frozen=True)
class DeliverySource:
    """One IMKL XML to read, and where it lives.

    Attributes
    ----------
    path
        The zip, folder or XML file as given (resolved).
    xml_name
        The XML inside: zip member name, path relative to the folder, or the file name.
    kind
        ``"zip"``, ``"folder"`` or ``"xml"``.
    files
        Files of the delivery relative to the XML's folder (POSIX), used to check that the
        attachments named in the XML are present.
    xml_bytes
        Uncompressed size of the XML.
    """

    path: Path
    xml_name: str
    kind: str
    files: tuple[str, ...] = field(default=())
    xml_bytes: int = 0
    inner: str | None = None

    @property
    def label(self) -> str:
        """Human-readable location, e.g. ``Levering_x.zip!x/GI_...xml``."""
        if self.kind == "xml":
            return str(self.path)
        if self.kind == "zip":
            inner = f"!{self.inner}" if self.inner else ""
            return f"{self.path}{inner}!{self.xml_name}"
        return f"{self.path}{os.sep}{self.xml_name}"

    @contextlib.contextmanager
    def open_xml(self) -> Iterator[IO[bytes]]:
        """Open the XML as a binary stream (streamed from the zip, never extracted)."""
        if self.kind == "zip":
            with _open_zip(self.path, self.inner) as (zf, where):
                infos = {i.filename: i for i in safe_members(zf, source=where)}
                with open_member(zf, infos[self.xml_name], source=where) as fh:
                    yield fh
        else:
            target = self.path / self.xml_name if self.kind == "folder" else self.path
            with open(target, "rb") as fh:
                yield fh


def _relative_files(names: Sequence[str], xml_name: str) -> tuple[str, ...]:
    base = PurePosixPath(xml_name).parent
    out = []
    for n in names:
        p = PurePosixPath(n)
        try:
            out.append(str(p.relative_to(base)))
        except ValueError:
            continue
    return tuple(sorted(out))


@contextlib.contextmanager
def _open_zip(path: Path, inner: str | None = None) -> Iterator[tuple[zipfile.ZipFile, str]]:
    """The zip at ``path`` (or its member ``inner``, itself a zip) and its label."""
    try:
        outer = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise KlicError(
            f"geen geldig zipbestand ({exc}); verwacht: {_EXPECTED}", source=str(path),
            hint="download de levering opnieuw bij KLIC",
        ) from None
    with outer:
        if inner is None:
            yield outer, str(path)
            return
        where = f"{path}!{inner}"
        infos = {i.filename: i for i in safe_members(outer, source=str(path))}
        with tempfile.TemporaryFile() as tmp:
            with open_member(outer, infos[inner], source=str(path)) as fh:
                shutil.copyfileobj(fh, tmp, 1 << 20)
            tmp.seek(0)
            try:
                nested = zipfile.ZipFile(tmp)
            except zipfile.BadZipFile as exc:
                raise KlicError(f"geen geldig zipbestand ({exc})", source=where,
                                hint="download de levering opnieuw bij KLIC") from None
            with nested:
                yield nested, where


def _kind(head: bytes, where: str) -> tuple[str, str]:
    """What an XML file is from its first bytes: ``("gi" | "imkl" | "other", reason)``."""
    try:
        text = head_text(head, source=where)
    except WlrGeoInputError as exc:
        return "other", exc.problems[0].message
    if not text.strip():
        return "other", "leeg bestand"
    if _GI_ELEMENT.search(text):
        return "gi", ""
    m = _ROOT.search(re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL))
    if m is None:
        return "other", "geen XML-element gevonden"
    if m.group(1) not in ("FeatureCollection", "FeatureCollectionType"):
        return "other", f"geen IMKL-bestand (hoofdelement <{m.group(1)}>)"
    if not _IMKL_NS.search(m.group(2)):
        return "other", "geen IMKL-namespace"
    return "imkl", ""


def _choose(names: Sequence[str], sniff: Callable[[str], tuple[str, str]], where: Callable[[str], str],
            skipped: Skipped) -> tuple[list[str], bool]:
    """The XML files to read among ``names`` and whether they are GI files: the GI files (by
    name or content), else every IMKL file; the other XML files go to ``skipped``."""
    xmls = [n for n in names if n.lower().endswith((".xml", ".gml"))]
    kinds = {n: ("gi", "") if _GI_XML.search(n) else sniff(n) for n in xmls}
    gi = [n for n in xmls if kinds[n][0] == "gi"]
    if gi:
        return sorted(gi), True  # the operators' own files beside the GI file are attachments
    chosen = [n for n in xmls if kinds[n][0] == "imkl"]
    skipped.extend((where(n), kinds[n][1]) for n in xmls if kinds[n][0] != "imkl")
    return sorted(chosen), False


def _from_zip(path: Path, skipped: Skipped, inner: str | None = None) -> list[DeliverySource]:
    out: list[DeliverySource] = []
    with _open_zip(path, inner) as (zf, where):
        members = safe_members(zf, source=where)
        names = [m.filename for m in members]
        sizes = {m.filename: m.file_size for m in members}
        infos = {m.filename: m for m in members}

        def sniff(name: str) -> tuple[str, str]:
            with open_member(zf, infos[name], source=where) as fh:
                return _kind(fh.read(_SNIFF_BYTES), f"{where}!{name}")

        xmls, _ = _choose(names, sniff, lambda n: f"{where}!{n}", skipped)
        out.extend(DeliverySource(path, x, "zip", _relative_files(names, x), sizes[x], inner) for x in xmls)
        for name in names:
            if name.lower().endswith(".zip"):
                if inner is not None:
                    skipped.append((f"{where}!{name}", "zip in een zip in een zip: niet gelezen"))
                elif not xmls:  # a wrapper zip holding delivery zips
                    out.extend(_from_zip(path, skipped, inner=name))
    if not out and inner is None:
        reasons = "; ".join(f"{w.rsplit('!', 1)[-1]}: {r}" for w, r in skipped[-3:])
        raise KlicError(
            f"de zip bevat geen IMKL-XML ({nl(len(names))} bestanden{'; ' + reasons if reasons else ''}); "
            f"verwacht: {_EXPECTED}",
            source=str(path), hint="geef de zip van de KLIC-levering op (Levering_<meldnummer>_<n>.zip)",
        )
    return out


def _from_folder(path: Path, skipped: Skipped) -> list[DeliverySource]:
    """Every delivery in a folder: unpacked deliveries (a GI file with its files around it),
    delivery zips and loose IMKL files, at any depth."""
    files = sorted(p for p in path.rglob("*") if p.is_file())
    xml_names = [p.relative_to(path).as_posix() for p in files if p.suffix.lower() in (".xml", ".gml")]

    def sniff(name: str) -> tuple[str, str]:
        with open(path / name, "rb") as fh:
            return _kind(fh.read(_SNIFF_BYTES), str(path / name))

    kinds = {n: ("gi", "") if _GI_XML.search(n) else sniff(n) for n in xml_names}
    gi_dirs = [(path / n).parent for n in xml_names if kinds[n][0] == "gi"]

    def in_delivery(p: Path) -> bool:  # inside an unpacked delivery: one of its files
        return any(p.is_relative_to(d) for d in gi_dirs)

    out: list[DeliverySource] = []
    for p in files:
        name = p.relative_to(path).as_posix()
        kind = kinds.get(name, ("", ""))[0]
        if kind == "gi":
            base = p.parent
            rel = tuple(sorted(q.relative_to(base).as_posix() for q in base.rglob("*") if q.is_file()))
            out.append(DeliverySource(path, name, "folder", rel, p.stat().st_size))
        elif in_delivery(p):
            continue
        elif kind == "imkl":
            out.append(DeliverySource(p, p.name, "xml", (), p.stat().st_size))
        elif name in kinds:
            skipped.append((str(p), kinds[name][1]))
        elif p.suffix.lower() == ".zip":
            out.extend(_from_zip(p, skipped))
    if not out:
        raise KlicError(
            f"de map bevat geen KLIC-levering; verwacht: {_EXPECTED}", source=str(path),
            hint="verwijs naar de uitgepakte leveringsmap of de Levering_*.zip",
        )
    return out


def discover(
    paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]], *, skipped: Skipped | None = None,
) -> list[DeliverySource]:
    """List the IMKL XML files behind ``paths`` (zips, folders or XML files), in order.

    ``skipped`` (when given) receives ``(location, reason)`` of every XML file or nested zip
    that is not read (not IMKL, empty, nested too deep).

    Raises
    ------
    KlicError
        A path does not exist or holds no delivery.
    UnsafeInputError
        A zip has members with path traversal or an absurd size or compression ratio.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    skipped = [] if skipped is None else skipped
    out: list[DeliverySource] = []
    for raw in paths:
        p = Path(raw).expanduser().resolve()
        if not p.exists():
            raise KlicError(f"bestand of map bestaat niet; verwacht: {_EXPECTED}", source=str(raw),
                            hint="controleer het pad")
        if p.is_dir():
            out.extend(_from_folder(p, skipped))
        elif p.suffix.lower() == ".zip" or zipfile.is_zipfile(p):
            out.extend(_from_zip(p, skipped))
        elif p.suffix.lower() in (".xml", ".gml"):
            out.append(DeliverySource(p, p.name, "xml", _siblings(p), p.stat().st_size))
        else:
            raise KlicError(
                f"{p.suffix or 'een bestand zonder extensie'} is geen KLIC-levering; verwacht: {_EXPECTED}",
                source=str(p), hint="geef de Levering_*.zip, de map daarvan of het GI_*.xml op",
            )
    if not out:
        raise KlicError("geen invoer opgegeven", hint="geef minstens één KLIC-levering op")
    return out


def _siblings(xml: Path) -> tuple[str, ...]:
    """Files next to a loose GI file (an unpacked delivery), for the attachment check."""
    if not _GI_XML.search(xml.name):
        with open(xml, "rb") as fh:
            if _kind(fh.read(_SNIFF_BYTES), str(xml))[0] != "gi":
                return ()
    base = xml.parent
    return tuple(sorted(q.relative_to(base).as_posix() for q in base.rglob("*") if q.is_file()))
