"""Result types of the KLIC reader: :class:`KlicData` and :class:`KlicReport`, and the schema.

The column lists below are the documented output schema (README section "KLIC/IMKL inlezen");
every layer always has all its columns, in this order, even when empty.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd

from wlr_geo._nl import nl

__all__ = [
    "AREA_COLUMNS",
    "ATTACHMENT_COLUMNS",
    "LINE_COLUMNS",
    "POINT_COLUMNS",
    "PRECAUTION_COLUMNS",
    "REQUEST_AREA_COLUMNS",
    "KlicData",
    "KlicReport",
    "column_dtype",
    "empty_frame",
]

LINE_COLUMNS: tuple[str, ...] = (
    "gml_id", "link_id", "meldnummer", "object_type", "thema", "thema_bron", "bronhoudercode",
    "netbeheerder", "status", "diameter_mm", "breedte_mm", "materiaal", "spanning_kv", "druk_bar",
    "aantal_kabels", "product", "diepte_m", "diepte_referentie", "diepte_nauwkeurigheid",
    "diepte_aangrijpingspunt", "diepte_aantal", "standaard_diepte_m", "z_min_m", "z_max_m",
    "verticale_positie", "nauwkeurigheid_xy", "label", "omschrijving", "geldig_vanaf",
    "utiliteitsnet_id", "length_m", "imkl_versie", "levering_datum",
)
POINT_COLUMNS: tuple[str, ...] = (
    "gml_id", "meldnummer", "object_type", "thema", "bronhoudercode", "netbeheerder", "status",
    "soort", "diepte_m", "diepte_referentie", "diepte_nauwkeurigheid", "diepte_aangrijpingspunt",
    "maaiveld_nap_m", "z_min_m", "z_max_m", "verticale_positie", "label", "omschrijving",
    "utiliteitsnet_id", "imkl_versie", "levering_datum",
)
AREA_COLUMNS: tuple[str, ...] = (
    "gml_id", "meldnummer", "object_type", "thema", "bronhoudercode", "netbeheerder",
    "geometrie_soort", "utiliteitsnet_id", "area_m2", "imkl_versie", "levering_datum",
)
PRECAUTION_COLUMNS: tuple[str, ...] = (
    "gml_id", "meldnummer", "bronhoudercode", "netbeheerder", "thema", "eis", "van_toepassing",
    "bron", "net_omschrijving", "net_aanduiding", "werk_aanduiding", "bijlage",
    "geometrie_is_verzoekgebied", "levering_datum",
)
REQUEST_AREA_COLUMNS: tuple[str, ...] = (
    "gml_id", "meldnummer", "object_type", "aanvraag_soort", "aanvraag_datum", "area_m2",
    "imkl_versie", "levering_datum",
)
ATTACHMENT_COLUMNS: tuple[str, ...] = (
    "meldnummer", "gml_id", "object_type", "soort", "bronhoudercode", "netbeheerder", "thema",
    "pad", "aanwezig", "bestand_id", "media_type", "eis", "toelichting", "levering",
)


#: Column types of the layers; every column not listed here is text (pandas ``str``), so a
#: layer has the same schema whether a delivery fills a column or leaves it empty.
FLOAT_COLUMNS = frozenset({
    "diameter_mm", "breedte_mm", "spanning_kv", "druk_bar", "diepte_m", "standaard_diepte_m",
    "z_min_m", "z_max_m", "length_m", "maaiveld_nap_m", "area_m2",
})
INTEGER_COLUMNS = frozenset({"aantal_kabels", "diepte_aantal"})
BOOL_COLUMNS = frozenset({"van_toepassing", "aanwezig", "geometrie_is_verzoekgebied"})


def column_dtype(name: str) -> str:
    """The pandas dtype of a KLIC layer column: ``float64``, ``Int64``, ``boolean`` or ``str``."""
    if name in FLOAT_COLUMNS:
        return "float64"
    if name in INTEGER_COLUMNS:
        return "Int64"
    if name in BOOL_COLUMNS:
        return "boolean"
    return "str"


def empty_frame(columns: tuple[str, ...], *, geometry: bool = True) -> pd.DataFrame:
    """An empty (Geo)DataFrame with the given columns, typed (and EPSG:28992 geometry)."""
    df = pd.DataFrame({c: pd.Series(dtype=column_dtype(c)) for c in columns})
    if geometry:
        return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries([], crs=28992), crs=28992)
    return df


@dataclass
class KlicReport:
    """What was read and what was repaired, skipped or dropped.

    Attributes
    ----------
    deliveries
        One dict per XML read: ``source``, ``meldnummer``, ``imkl_versie``, ``levering_datum``,
        ``leveringsvolgnummer``, ``aanvraag_soort``, ``xml_bytes``.
    features_per_type
        Number of features per IMKL type over all deliveries (before de-duplication).
    unknown_types
        Types this reader does not know (still read as lines/points when they have
        ``net:link``/a point geometry).
    broken_links
        ``(source, feature gml:id, href, reason)`` for each ``net:link`` that does not resolve
        to a ``UtilityLink`` (missing: clipped away by KLIC or an operator error; wrong type:
        kadaster/klic-win#66).
    geometry_problems
        ``(source, gml:id, reason)`` of geometries that could not be read (skipped).
    missing_attachments
        ``(source, path)`` of attachment files named in the XML but absent from the delivery.
    duplicates_dropped
        Layer name → rows dropped because a newer (or the same) delivery had the same object
        (for lines: the same piece of it, or one lying within 1 mm of the kept piece).
    line_pieces_joined
        Line rows of older deliveries whose piece of an object-link added line that the newest
        delivery's piece lacks (KLIC clips networks at each request area): joined into the
        kept row's geometry, not dropped.
    lines_joined
        Kept line rows whose geometry is such a union of delivered pieces.
    thema_derived
        Lines whose ``thema`` was derived from the object type because the ``Utiliteitsnet``
        was missing.
    skipped
        ``(location, reason)`` of files not read as a delivery: XML that is not IMKL (a
        voorzorgsmaatregelen file, an operator's own document), empty IMKL files, zips nested
        more than one level deep.
    """

    deliveries: list[dict[str, Any]] = field(default_factory=list)
    features_per_type: Counter[str] = field(default_factory=Counter)
    unknown_types: Counter[str] = field(default_factory=Counter)
    broken_links: list[tuple[str, str, str, str]] = field(default_factory=list)
    geometry_problems: list[tuple[str, str, str]] = field(default_factory=list)
    missing_attachments: list[tuple[str, str]] = field(default_factory=list)
    duplicates_dropped: dict[str, int] = field(default_factory=dict)
    line_pieces_joined: int = 0
    lines_joined: int = 0
    thema_derived: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def summary_lines(self) -> list[str]:
        """The report as short Dutch lines (for logs and the CLI)."""
        out = [
            f"{nl(len(self.deliveries))} leveringsbestand(en): "
            + ", ".join(f"{d['meldnummer'] or '?'} (IMKL {d['imkl_versie']}, {d['levering_datum'] or 'geen datum'})"
                        for d in self.deliveries)
        ]
        if self.unknown_types:
            out.append("onbekende IMKL-typen: "
                       + ", ".join(f"{k} ×{nl(v)}" for k, v in self.unknown_types.most_common()))
        if self.broken_links:
            out.append(f"{nl(len(self.broken_links))} net:link-verwijzing(en) niet herleid tot een UtilityLink")
        if self.geometry_problems:
            out.append(f"{nl(len(self.geometry_problems))} geometrie(ën) overgeslagen")
        if self.missing_attachments:
            out.append(f"{nl(len(self.missing_attachments))} bijlagebestand(en) genoemd maar niet in de levering")
        dropped = {k: v for k, v in self.duplicates_dropped.items() if v}
        if dropped:
            out.append("dubbele objecten verwijderd: " + ", ".join(f"{k} {nl(v)}" for k, v in dropped.items()))
        if self.line_pieces_joined:
            out.append(f"{nl(self.line_pieces_joined)} lijnstuk(ken) van oudere leveringen samengevoegd tot "
                       f"{nl(self.lines_joined)} object-link(s) (overlappende aanvraaggebieden)")
        if self.skipped:
            out.append(f"{nl(len(self.skipped))} bestand(en) overgeslagen (geen IMKL-levering of leeg): "
                       + "; ".join(f"{w} ({r})" for w, r in self.skipped[:3]))
        if self.thema_derived:
            out.append(f"{nl(self.thema_derived)} leiding(en) zonder Utiliteitsnet: thema afgeleid van het objecttype")
        return out


@dataclass
class KlicData:
    """The layers of one or more KLIC deliveries, in EPSG:28992.

    Attributes
    ----------
    lines
        Cables, pipes and containers: one row per (feature, UtilityLink) pair.
    points
        Point network elements (appurtenances, cabinets, ...) and depth points.
    areas
        ``ExtraGeometrie`` areas (outlines of buildings, cabinets, ...).
    precautions
        Precaution requirements (``EisVoorzorgsmaatregel``): areas and per-operator indications.
    request_areas
        The request polygons (``Graafpolygoon``, ``Orientatiepolygoon``, ``Informatiepolygoon``).
    attachments
        Table (no geometry) of the delivery's attachment files.
    report
        Counts, skipped items and duplicates, see :class:`KlicReport`.
    """

    lines: gpd.GeoDataFrame
    points: gpd.GeoDataFrame
    areas: gpd.GeoDataFrame
    precautions: gpd.GeoDataFrame
    request_areas: gpd.GeoDataFrame
    attachments: pd.DataFrame
    report: KlicReport = field(default_factory=KlicReport)

    def layers(self) -> dict[str, gpd.GeoDataFrame]:
        """All layers by GeoPackage layer name (``klic_lines`` ... ``klic_attachments``).

        The attachments table is returned as a GeoDataFrame without geometry values (GPKG
        stores it as an attribute table with an empty geometry column).
        """
        att = gpd.GeoDataFrame(self.attachments.copy(), geometry=gpd.GeoSeries([None] * len(self.attachments), index=self.attachments.index, crs=28992), crs=28992)
        return {
            "klic_lines": self.lines,
            "klic_points": self.points,
            "klic_areas": self.areas,
            "klic_precautions": self.precautions,
            "klic_request_areas": self.request_areas,
            "klic_attachments": att,
        }
