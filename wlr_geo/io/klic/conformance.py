"""Compare the KLIC reader with GDAL's GML driver, delivery by delivery.

The check behind ``wlr-geo check-klic DIR`` and the conformance tests: it lets a GIS team see
on its own deliveries that wlr_geo reads what GDAL reads. Per IMKL XML:

* **rows**: wlr_geo's line rows (one per object and ``net:link``) against a plain count of
  the distinct (object, link) pairs in the XML whose link is a ``UtilityLink`` that GDAL reads
  with a geometry;
* **links**: the distinct links in wlr_geo's lines against the ``UtilityLink`` ids GDAL reads
  that some object refers to;
* **lengths**: per link, wlr_geo's length against GDAL's (largest difference, and totals).

Links wlr_geo skips on purpose (a geometry outside the RD area, curve segments that do not
connect; each one is also a warning of :func:`~wlr_geo.io.klic.read_klic`) are counted apart and
left out of the comparison. The file is read by wlr_geo first, which refuses DTDs, entities and
unsafe zips, and only then handed to GDAL; GDAL is told not to write a ``.gfs`` file next to
the input.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from wlr_geo._errors import WlrGeoInputError
from wlr_geo._safe import iter_members, local_name
from wlr_geo.io.klic._assemble import assemble
from wlr_geo.io.klic._delivery import DeliverySource, discover
from wlr_geo.io.klic._imkl2 import GML_ID_ATTRS, parse_stream
from wlr_geo.io.klic._model import KlicReport
from wlr_geo.io.klic._values import XLINK

__all__ = ["LENGTH_TOLERANCE_M", "Conformance", "check_deliveries", "compare_delivery", "gdal_path"]

log = logging.getLogger("wlr_geo")

#: Largest per-link length difference (m) still counted as equal.
LENGTH_TOLERANCE_M = 1e-6


@dataclass(frozen=True)
class Conformance:
    """The comparison of one IMKL XML with GDAL (see the module docstring)."""

    delivery: str
    imkl_versie: str | None
    rows: int
    rows_reference: int
    links: int
    links_gdal: int
    links_skipped: int
    length_m: float
    length_gdal_m: float
    max_length_difference_m: float

    @property
    def equal(self) -> bool:
        """Rows, links and every link length agree (skipped links left out)."""
        return (self.rows == self.rows_reference and self.links == self.links_gdal
                and self.max_length_difference_m <= LENGTH_TOLERANCE_M)


def gdal_path(src: DeliverySource) -> str:
    """The path GDAL opens for ``src`` (``/vsizip/`` for zips, nested for a wrapper zip)."""
    if src.kind == "zip":
        outer = src.path.as_posix()
        if src.inner:
            return f"/vsizip/{{/vsizip/{outer}/{src.inner}}}/{src.xml_name}"
        return f"/vsizip/{outer}/{src.xml_name}"
    if src.kind == "folder":
        return (src.path / src.xml_name).as_posix()
    return src.path.as_posix()


def _gdal_links(src: DeliverySource) -> dict[str, float]:
    """UtilityLink gml:id → length (m) as GDAL reads it (links without geometry left out)."""
    import pyogrio

    path = gdal_path(src)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GDAL's notes on unresolved hrefs and the like
        try:  # (not list_layers: it cannot tell GDAL to leave out the .gfs file)
            df = pyogrio.read_dataframe(path, layer="UtilityLink", columns=["gml_id"], WRITE_GFS="NO")
        except pyogrio.errors.DataLayerError:
            return {}
    present = df.geometry.notna() & ~df.geometry.is_empty
    return dict(zip(df.loc[present, "gml_id"], df.loc[present].geometry.length, strict=True))


def _link_pairs(src: DeliverySource) -> set[tuple[str, str]]:
    """(object gml:id, href) of every ``link`` child in the XML (plain streaming count)."""
    pairs: set[tuple[str, str]] = set()
    with src.open_xml() as fh:
        for member in iter_members(fh, source=src.label, tag=("{*}featureMember", "{*}member", "{*}featureMembers")):
            for feat in member:
                if not isinstance(feat.tag, str):
                    continue
                gid = feat.get(GML_ID_ATTRS[0]) or feat.get(GML_ID_ATTRS[1]) or ""
                for ch in feat:
                    if local_name(ch.tag) == "link" and (href := ch.get(XLINK)):
                        pairs.add((gid, href))
    return pairs


def compare_delivery(src: DeliverySource) -> Conformance:
    """Read one IMKL XML with wlr_geo and with GDAL and compare them.

    Raises
    ------
    KlicError, UnsafeInputError
        As :func:`~wlr_geo.io.klic.read_klic` (the file is not given to GDAL then).
    """
    with src.open_xml() as fh:
        raw = parse_stream(fh, source=src.label)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lines = assemble(raw, src, KlicReport())["lines"]
    skipped = {gid for gid, _ in raw.geometry_problems if raw.ids.get(gid) == "UtilityLink"}
    gdal = _gdal_links(src)
    pairs = {(g, h) for g, h in _link_pairs(src) if h in gdal and h not in skipped}
    referenced = {h for _, h in pairs}
    ours = lines.drop_duplicates("link_id").set_index("link_id")["length_m"]
    common = [h for h in ours.index if h in gdal]
    diff = np.abs(ours.loc[common].to_numpy() - np.array([gdal[h] for h in common])) if common else np.zeros(0)
    missing = len(set(ours.index) - set(gdal))  # links GDAL did not read: a difference of a whole link
    return Conformance(
        delivery=src.label, imkl_versie=raw.version,
        rows=len(lines.drop_duplicates(["gml_id", "link_id"])), rows_reference=len(pairs),
        links=len(ours), links_gdal=len(referenced), links_skipped=len(skipped & set(gdal)),
        length_m=float(ours.sum()), length_gdal_m=float(sum(gdal[h] for h in referenced)),
        max_length_difference_m=float(np.inf if missing else (diff.max() if len(diff) else 0.0)),
    )


def check_deliveries(
    paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    *, on_delivery: Callable[[DeliverySource], None] | None = None,
) -> tuple[list[Conformance], list[tuple[str, str]]]:
    """Compare every IMKL XML behind ``paths`` (zips, folders, XML files) with GDAL.

    Returns the comparisons and ``(location, reason)`` of what could not be compared (files
    that are not IMKL deliveries, or that wlr_geo refuses).
    """
    skipped: list[tuple[str, str]] = []
    out: list[Conformance] = []
    for src in discover(paths, skipped=skipped):
        if on_delivery is not None:
            on_delivery(src)
        try:
            out.append(compare_delivery(src))
        except WlrGeoInputError as exc:  # refused or unreadable: listed, the others still compared
            skipped.append((src.label, exc.problems[0].message))
    return out, skipped
