"""Find the KLIC deliveries in the paths a user gives: zips, unpacked folders or XML files.

A KLIC delivery is a zip (or its unpacked folder) holding
``GI_gebiedsinformatielevering_<meldnummer>_<volgnummer>_V2.xml`` (IMKL 2.x), a start page
``_Startpagina.html``, ``LI_<meldnummer>.pdf`` and attachments under ``bronnen/``. Archives of
IMKL 1.2.1 (2015–2022) and network-operator exports hold a single IMKL XML with another name;
those are accepted too when no ``GI_*.xml`` is present.

Zips are never extracted: members are checked by :func:`wlr_geo._safe.safe_members` (path
traversal, size and compression-ratio limits) and the XML is streamed from the archive.
"""

from __future__ import annotations

import contextlib
import os
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from wlr_geo._errors import KlicError
from wlr_geo._safe import open_member, safe_members

__all__ = ["DeliverySource", "discover"]

_GI_XML = re.compile(r"(^|/)GI_gebiedsinformatielevering_[^/]*\.xml$", re.IGNORECASE)

_EXPECTED = (
    "a KLIC delivery: a Levering_*.zip, its unpacked folder, or the "
    "GI_gebiedsinformatielevering_*.xml (IMKL 2.x) / an IMKL 1.2.1 XML itself"
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

    @property
    def label(self) -> str:
        """Human-readable location, e.g. ``Levering_x.zip!x/GI_...xml``."""
        if self.kind == "xml":
            return str(self.path)
        sep = "!" if self.kind == "zip" else os.sep
        return f"{self.path}{sep}{self.xml_name}"

    @contextlib.contextmanager
    def open_xml(self) -> Iterator[IO[bytes]]:
        """Open the XML as a binary stream (streamed from the zip, never extracted)."""
        if self.kind == "zip":
            try:
                zf = zipfile.ZipFile(self.path)
            except (zipfile.BadZipFile, OSError) as exc:
                raise KlicError(f"cannot open zip: {exc}", source=str(self.path), hint="re-download the delivery") from None
            with zf:
                infos = {i.filename: i for i in safe_members(zf, source=str(self.path))}
                with open_member(zf, infos[self.xml_name], source=str(self.path)) as fh:
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


def _from_zip(path: Path) -> list[DeliverySource]:
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise KlicError(
            f"not a valid zip file ({exc}); expected {_EXPECTED}", source=str(path),
            hint="re-download the delivery from KLIC",
        ) from None
    with zf:
        members = safe_members(zf, source=str(path))
    names = [m.filename for m in members]
    sizes = {m.filename: m.file_size for m in members}
    xmls = [n for n in names if _GI_XML.search(n)]
    if not xmls:
        xmls = [n for n in names if n.lower().endswith((".xml", ".gml"))]
    if not xmls:
        raise KlicError(
            f"the zip holds no XML ({len(names)} files); expected {_EXPECTED}",
            source=str(path), hint="pass the KLIC delivery zip (Levering_<meldnummer>_<n>.zip)",
        )
    return [
        DeliverySource(path, x, "zip", _relative_files(names, x), sizes[x]) for x in sorted(xmls)
    ]


def _from_folder(path: Path) -> list[DeliverySource]:
    gi = sorted(p for p in path.rglob("*.xml") if _GI_XML.search(p.as_posix()))
    out: list[DeliverySource] = []
    if gi:
        for x in gi:
            base = x.parent
            files = tuple(sorted(q.relative_to(base).as_posix() for q in base.rglob("*") if q.is_file()))
            out.append(DeliverySource(path, x.relative_to(path).as_posix(), "folder", files, x.stat().st_size))
        return out
    # a folder of deliveries (zips) and/or loose IMKL XML files
    for p in sorted(path.rglob("*")):
        if p.suffix.lower() == ".zip":
            out.extend(_from_zip(p))
        elif p.suffix.lower() in (".xml", ".gml") and p.is_file():
            out.append(DeliverySource(p, p.name, "xml", (), p.stat().st_size))
    if not out:
        raise KlicError(
            f"the folder holds no KLIC delivery; expected {_EXPECTED}", source=str(path),
            hint="point to the unpacked delivery folder or the Levering_*.zip",
        )
    return out


def discover(paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> list[DeliverySource]:
    """List the IMKL XML files behind ``paths`` (zips, folders or XML files), in order.

    Raises
    ------
    KlicError
        A path does not exist or holds no delivery.
    UnsafeInputError
        A zip has members with path traversal or an absurd size or compression ratio.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    out: list[DeliverySource] = []
    for raw in paths:
        p = Path(raw).expanduser().resolve()
        if not p.exists():
            raise KlicError(f"no such file or folder; expected {_EXPECTED}", source=str(raw), hint="check the path")
        if p.is_dir():
            out.extend(_from_folder(p))
        elif p.suffix.lower() == ".zip" or zipfile.is_zipfile(p):
            out.extend(_from_zip(p))
        elif p.suffix.lower() in (".xml", ".gml"):
            out.append(DeliverySource(p, p.name, "xml", _siblings(p), p.stat().st_size))
        else:
            raise KlicError(
                f"{p.suffix or 'a file without suffix'} is not a KLIC delivery; expected {_EXPECTED}",
                source=str(p), hint="pass the Levering_*.zip, its folder or the GI_*.xml",
            )
    if not out:
        raise KlicError("no input given", hint="pass at least one KLIC delivery")
    return out


def _siblings(xml: Path) -> tuple[str, ...]:
    """Files next to a loose GI_*.xml (an unpacked delivery), for the attachment check."""
    if not _GI_XML.search(xml.name):
        return ()
    base = xml.parent
    return tuple(sorted(q.relative_to(base).as_posix() for q in base.rglob("*") if q.is_file()))
