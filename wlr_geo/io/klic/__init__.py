"""Read KLIC deliveries (IMKL 2.x and IMKL 1.2.1) into GeoDataFrames in EPSG:28992.

KLIC is how Dutch excavators and planners receive cable and pipe information. A delivery is a
zip (or its unpacked folder) with ``GI_gebiedsinformatielevering_<meldnummer>_V2.xml`` in
IMKL 2.x, a start page, PDFs and attachments under ``bronnen/``.

>>> from wlr_geo.catalog import embedded_path
>>> from wlr_geo.io.klic import read_klic
>>> data = read_klic(embedded_path("klic/Levering_22G003180_1.zip"))
>>> sorted(data.lines["thema"].unique())[:2]
['gasLageDruk', 'laagspanning']
>>> data.lines.crs.to_epsg()
28992

Modules: :mod:`~wlr_geo.io.klic._delivery` (finding the XML in zips and folders),
:mod:`~wlr_geo.io.klic._imkl2` (streaming parser), :mod:`~wlr_geo.io.klic._values` (property values
and attributes), :mod:`~wlr_geo.io.klic._imkl1` (versions),
:mod:`~wlr_geo.io.klic._gml` (geometry), :mod:`~wlr_geo.io.klic._assemble` (links, themes, depth),
:mod:`~wlr_geo.io.klic._merge` (several deliveries), colours: :mod:`wlr_geo.present.klic_themes`.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable, Sequence

from wlr_geo._errors import KlicError, LayerReadError, WlrGeoWarning
from wlr_geo._nl import nl
from wlr_geo.io.klic._assemble import assemble
from wlr_geo.io.klic._delivery import DeliverySource, discover
from wlr_geo.io.klic._imkl2 import NoFeaturesError, parse_stream
from wlr_geo.io.klic._merge import merge_layers
from wlr_geo.io.klic._model import KlicData, KlicReport, column_dtype

__all__ = [
    "DeliverySource",
    "KlicData",
    "KlicReport",
    "column_dtype",
    "discover",
    "read_klic",
]

log = logging.getLogger("wlr_geo")

PathArg = str | os.PathLike[str]


def _examples(items: Sequence[tuple[str, ...]], n: int = 3) -> str:
    return "; ".join(" ".join(x for x in it[1:] if x) for it in items[:n])


def _warn(report: KlicReport) -> None:
    """One WlrGeoWarning per kind of problem (with counts and examples)."""
    if report.unknown_types:
        warnings.warn(
            "KLIC: onbekend(e) IMKL-objecttype(n) "
            + ", ".join(f"{k} ×{nl(v)}" for k, v in report.unknown_types.most_common())
            + " — gelezen als leidingen/punten waar ze een net:link / puntgeometrie hebben, anders overgeslagen",
            WlrGeoWarning, stacklevel=3,
        )
    if report.skipped:
        warnings.warn(
            f"KLIC: {nl(len(report.skipped))} bestand(en) niet als levering gelezen (bijv. "
            + "; ".join(f"{w}: {r}" for w, r in report.skipped[:3]) + ")",
            WlrGeoWarning, stacklevel=3,
        )
    for items, what in (
        (report.broken_links, "net:link-verwijzing(en) wijzen niet naar een UtilityLink en zijn overgeslagen"),
        (report.geometry_problems, "geometrie(ën) konden niet worden gelezen en zijn overgeslagen"),
        (report.missing_attachments, "bijlage(n) genoemd in de XML zitten niet in de levering"),
    ):
        if items:
            warnings.warn(f"KLIC: {nl(len(items))} {what} (bijv. {_examples(items)})", WlrGeoWarning, stacklevel=3)


def read_klic(
    paths: PathArg | Sequence[PathArg],
    *,
    depth_tolerance_m: float = 1.0,
    on_delivery: Callable[[DeliverySource], None] | None = None,
    on_read: Callable[[int, int, DeliverySource, int], None] | None = None,
) -> KlicData:
    """Read one or more KLIC deliveries into GeoDataFrames (EPSG:28992).

    Parameters
    ----------
    paths
        Delivery zips (``Levering_<meldnummer>_<n>.zip``), unpacked delivery folders, folders
        holding several deliveries, or IMKL XML files (IMKL 2.x or 1.2.1); one or a sequence.
    depth_tolerance_m
        Largest distance (m) between a ``DiepteTovMaaiveld``/``DiepteNAP`` point and a line of
        the same network for the depth to be attached to that line.
    on_delivery
        Called with each :class:`DeliverySource` before it is read (progress reporting).
    on_read
        Called after each delivery is read with its number (1, 2, ...), the number of
        deliveries, its :class:`DeliverySource` and its number of cable/pipe lines (0 for an
        empty file that is skipped), before objects delivered more than once are merged.

    Returns
    -------
    KlicData
        ``lines``, ``points``, ``areas``, ``precautions``, ``request_areas`` (GeoDataFrames),
        ``attachments`` (DataFrame) and ``report``. Objects delivered more than once appear
        once with the newest delivery's attributes; ``report.duplicates_dropped`` counts the
        rest. A line (object-link) whose deliveries hold different pieces of it (KLIC clips at
        each request area) gets the line-merged union of the pieces (a MultiLineString where
        they do not touch) and its ``length_m`` recomputed; ``report.line_pieces_joined``
        counts the pieces joined.

    Raises
    ------
    KlicError
        A path is not a KLIC delivery (the message says what was expected).
    UnsafeInputError
        The XML declares a DOCTYPE/entities, or a zip has path traversal or is a zip bomb.
    OutOfBoundsError
        Coordinates outside the RD area (e.g. a 3D posList without ``srsDimension``).

    Warns
    -----
    WlrGeoWarning
        Unknown feature types, ``net:link`` references that do not resolve to a UtilityLink
        (missing or wrong type, kadaster/klic-win#66), unreadable geometries, attachments named
        but missing. Each is also listed in ``report``.

    Examples
    --------
    >>> import wlr_geo
    >>> from wlr_geo.catalog import embedded_path
    >>> data = wlr_geo.read_klic(embedded_path("klic/Levering_22G003180_1.zip"))
    >>> len(data.lines), data.lines.crs.to_epsg()
    (36, 28992)
    >>> data.report.deliveries[0]["meldnummer"], data.report.broken_links
    ('22G003180', [])
    """
    report = KlicReport()
    sources = discover(paths, skipped=report.skipped)
    parts = []
    empty: list[NoFeaturesError] = []
    for number, src in enumerate(sources, 1):
        if on_delivery is not None:
            on_delivery(src)
        log.info("KLIC: %s wordt gelezen", src.label)
        try:
            with src.open_xml() as fh:
                raw = parse_stream(fh, source=src.label)
        except NoFeaturesError as exc:  # an empty netinformatie file beside others: skip it
            empty.append(exc)
            report.skipped.append((src.label, "geen objecten"))
            if on_read is not None:
                on_read(number, len(sources), src, 0)
            continue
        except LayerReadError as exc:  # a damaged zip member: a delivery that cannot be read
            raise KlicError(problems=exc.problems) from None
        parts.append(assemble(raw, src, report, depth_tolerance_m=depth_tolerance_m))
        del raw
        if on_read is not None:
            on_read(number, len(sources), src, len(parts[-1]["lines"]))
    if not parts:
        raise empty[0]
    merged = merge_layers(parts, report)
    _warn(report)
    for line in report.summary_lines():
        log.info("KLIC: %s", line)
    return KlicData(
        lines=merged["lines"], points=merged["points"], areas=merged["areas"],
        precautions=merged["precautions"], request_areas=merged["request_areas"],
        attachments=merged["attachments"], report=report,
    )
