"""The outputs registry: every file wlr_geo writes, its layers or sheets, and every column.

One entry per output file: its name (or name pattern such as ``kaart_gemeente_{gemeente}.html``),
kind, the command that writes it, a Dutch title, and for tables and GeoPackages their layers
with per column the machine name, a Dutch label, the unit and a description. Writers take file,
layer and sheet names from here; the report takes its sections and captions; maps find analysis
layers through it; the manifest records each output's kind; Dutch spreadsheet headers, QGIS
aliases and the output reference in the documentation are generated from it.

Column names may be patterns (``n_{object_class}``) for columns that exist once per value found
in the data. Layers whose columns are those of an input (``layers.gpkg``) or of a reader
(``klic.gpkg``, ``bgt.gpkg``) are described here as well, so every column of every file the demo
writes has a label and a unit.

How the files are written
-------------------------
**CSV** files are for programs: the column names are the stable machine names of this registry
(English, snake_case; they do not change with the Dutch labels), UTF-8 *without* a byte-order
mark, comma-separated, ``.`` as decimal point, one header row, ``\n`` line ends. Excel users
open the ``.xlsx`` beside them (a Dutch Excel splits CSV files on ``;``, so no BOM would make
these CSVs open well there). Text that begins with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is neutralised as OWASP's advice on CSV injection says: a single quote ``'`` is
put in front, so no spreadsheet runs it as a formula; text that is a plain number (``-12.5``) and
numeric columns are left alone, so numbers stay numbers. Text that already begins with ``'``
followed by one of those characters gets one more ``'``, so the neutralisation can be undone
exactly (:func:`wlr_geo.io.tables.read_csv`). Control characters are kept as they are.
Where a crossing class was not analysed, its count cell is empty and the class is named in the
``not_analysed`` column (:data:`NOT_ANALYSED_NL`).

**XLSX** workbooks are for people: one sheet per table with the Dutch title as its name, a bold,
frozen header row with the Dutch labels and units (``Lengte (m)``), an autofilter, fitted column
widths and number formats from the unit (metres and m² with one decimal, counts and ranks
without decimals, 0–1 scores with two; years, codes and identifiers as text, never with a
thousands separator). Every text cell is a text cell (never a formula), characters XLSX cannot
hold (control characters) are replaced by U+FFFD and counted in the run's notes, and counts of
classes that were not analysed read "niet geanalyseerd".

**GeoPackages** (version 1.2, which QGIS 3.22 opens without warnings) carry per layer a Dutch
title and description (``gpkg_contents``), a default QGIS style with Dutch field aliases
(``layer_styles``, from :mod:`wlr_geo.present.styles`), the file's provenance (sources with
publisher, licence, date and SHA-256; tool version; whether the data is indicative) in
``gpkg_metadata``, one geometry type per layer (see :data:`MIXED_GEOMETRY_SUFFIXES`; empty
layers keep their declared type) and attribute-only tables as GeoPackage attribute tables.

This module is part of the base layer: it imports nothing else of wlr_geo.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "MIXED_GEOMETRY_SUFFIXES",
    "NOT_ANALYSED_NL",
    "OUTPUTS",
    "STYLE_LAYER",
    "Column",
    "Layer",
    "OutputFile",
    "column",
    "file_names",
    "layer",
    "output",
    "report_tables",
    "sheet_name",
]


@dataclass(frozen=True)
class Column:
    """One column of an output table or layer.

    Attributes
    ----------
    name
        Machine name (English API name or the source's own name); may hold one ``{placeholder}``.
    label
        Dutch label (spreadsheet header, QGIS alias, popup).
    unit
        ``"m"``, ``"m2"``, ``"deg"``, ``"mm"``, ``"kV"``, ``"bar"``, ``"0-1"``, ... or None.
    description
        What the value means (English, for the output reference).
    """

    name: str
    label: str
    unit: str | None = None
    description: str = ""

    @property
    def is_pattern(self) -> bool:
        return "{" in self.name

    def matches(self, name: str) -> bool:
        if not self.is_pattern:
            return name == self.name
        rx = re.escape(self.name)
        rx = re.sub(r"\\\{[a-z_]+\\\}", r"[^/]+", rx)
        return re.fullmatch(rx, name) is not None


@dataclass(frozen=True)
class Layer:
    """A layer of a GeoPackage, a sheet of a workbook, or the one table of a CSV file.

    ``geometry`` is the geometry type (``"Point"``, ``"LineString"``, ``"Polygon"``,
    ``"MultiLineString"``, ``"MultiPolygon"``) or ``"any"`` (one family per layer, taken from the
    data: a layer that mixes families is written as one layer per family, see
    :data:`MIXED_GEOMETRY_SUFFIXES`), or None for an attribute table. An empty layer is written
    with its declared type. ``passthrough`` marks layers that also keep the columns of their
    input. ``roles`` are the map roles the layer can play (see :mod:`wlr_geo.workflows.maps`).
    ``description_nl`` is the Dutch description written into GeoPackages
    (``gpkg_contents.description``, the layer's abstract in QGIS); ``part_of`` names the layer
    whose rows of one geometry family this layer holds.
    """

    name: str
    title: str
    columns: tuple[Column, ...] = ()
    geometry: str | None = None
    description: str = ""
    passthrough: bool = False
    optional: bool = False
    roles: tuple[str, ...] = ()
    description_nl: str = ""
    part_of: str | None = None

    def column(self, name: str) -> Column | None:
        """The column called ``name`` (an exact name first, then a pattern), or None."""
        for c in self.columns:
            if c.name == name:
                return c
        return next((c for c in self.columns if c.is_pattern and c.matches(name)), None)


@dataclass(frozen=True)
class OutputFile:
    """One output file (``name`` may be a pattern such as ``kaart_{map}.html``).

    ``report`` holds, for tables shown in the report, (section title, caption, text) in Dutch.
    """

    name: str
    kind: str
    command: str
    title: str
    description: str = ""
    layers: tuple[Layer, ...] = ()
    report: tuple[str, str, str] | None = None
    optional: bool = False

    @property
    def is_pattern(self) -> bool:
        return "{" in self.name

    def matches(self, name: str) -> bool:
        return Column(self.name, "").matches(name)

    def layer(self, name: str) -> Layer:
        """The layer or sheet called ``name`` (a pattern layer matches any name).

        Every GeoPackage also has the QGIS style table ``layer_styles`` (:data:`STYLE_LAYER`).
        """
        if self.kind == "gpkg" and name == STYLE_LAYER.name:
            return STYLE_LAYER  # before the pattern layers ("{bgt_class}" would match it)
        for lay in self.layers:
            if lay.name == name or ("{" in lay.name and Column(lay.name, "").matches(name)):
                return lay
        raise KeyError(f"{self.name} has no layer {name!r}; it has {', '.join(la.name for la in self.layers)}")

    @property
    def layer_names(self) -> tuple[str, ...]:
        return tuple(la.name for la in self.layers)


def _c(name: str, label: str, unit: str | None = None, description: str = "") -> Column:
    return Column(name, label, unit, description)


#: A layer whose rows mix geometry families (``"any"`` layers, e.g. a BGT class of lines and
#: areas) is written as one layer per family: the highest dimension keeps the layer's name and
#: the others get these suffixes (QGIS opens and styles one geometry type per layer).
MIXED_GEOMETRY_SUFFIXES: dict[str, str] = {"polygon": "_polygons", "line": "_lines", "point": "_points"}

#: What a CSV cell holds where a crossing class was not analysed (no layer of that class was
#: given): nothing (an empty cell), and the class is listed in the row's ``not_analysed`` column;
#: spreadsheets and the report show :data:`NOT_ANALYSED_NL`.
NOT_ANALYSED_NL = "niet geanalyseerd"

#: The QGIS style table every wlr_geo GeoPackage holds (the QGIS convention: QGIS reads the
#: default style of each layer from it when the layer is opened).
STYLE_LAYER = Layer("layer_styles", "QGIS-laagstijlen", (
    Column("f_table_catalog", "catalogus", None, "Empty (GeoPackage)."),
    Column("f_table_schema", "schema", None, "Empty (GeoPackage)."),
    Column("f_table_name", "laag", None, "The layer the style belongs to."),
    Column("f_geometry_column", "geometriekolom", None, "The layer's geometry column (empty for a table)."),
    Column("styleName", "stijlnaam", None, "Name of the style."),
    Column("styleQML", "stijl (QML)", None, "The style as a QGIS QML document."),
    Column("styleSLD", "stijl (SLD)", None, "Empty: wlr_geo writes QML only."),
    Column("useAsDefault", "standaardstijl", None, "True: QGIS applies the style when the layer is opened."),
    Column("description", "omschrijving", None, "Description of the style."),
    Column("owner", "eigenaar", None, "Empty."),
    Column("ui", "formulier", None, "Empty."),
    Column("update_time", "tijdstip", None, "Fixed time stamp (identical results make identical files)."),
), None, "The default QGIS style of every layer (QML), generated from wlr_geo.present.styles.",
    description_nl="De standaardstijl van elke laag voor QGIS (QML), gemaakt uit de stijlbron van wlr_geo.")


# ------------------------------------------------------------------------------ shared columns
VARIANT = _c("variant", "variant", None, "Route variant the row belongs to.")
GEMEENTE = _c("gemeente", "gemeente", None,
              "Municipality (permit authority) at this chainage; '(buiten gemeenten)' outside every boundary.")
WIJK = _c("wijk", "wijk", None, "CBS wijk at this chainage (empty without a wijken layer).")
FROM_M = _c("from_m", "van (m)", "m", "Chainage where the stretch starts, from the route start.")
TO_M = _c("to_m", "tot (m)", "m", "Chainage where the stretch ends.")
LENGTH_M = _c("length_m", "lengte (m)", "m", "Length.")
CHAINAGE_M = _c("chainage_m", "kilometrering (m)", "m", "Distance along the route from its first vertex.")
AREA_M2 = _c("area_m2", "oppervlakte (m²)", "m2", "Area.")
OBJECT_CLASS = _c("object_class", "objectklasse", None,
                  "Crossing class: road, rail, water, cable_pipe, building, green, paved or other.")
CATEGORY = _c("category", "categorie", None, "Impact category (a code of wlr_geo.categories).")
SUBTYPE = _c("subtype", "subtype", None, "Function or type of the object in its source (e.g. BGT functie).")
ANGLE_DEG = _c("angle_deg", "hoek (graden)", "deg", "Angle between route and object, 0–90 degrees.")
NETBEHEERDER = _c("netbeheerder", "netbeheerder", None, "Network operator (KLIC).")
SOURCE_LAYER = _c("source_layer", "bronlaag", None, "Input layer the object comes from.")
OBJECT_ID = _c("object_id", "object-id", None, "Identifier of the object in its source layer.")
GEOMETRY_KIND = _c("geometry_kind", "geometriesoort", None, "line or polygon: how the object was crossed.")
STRIP = _c("strip", "strook", None, "werkstrook, belemmeringenstrook or footprint.")
THEMA = _c("thema", "thema", None, "IMKL thema of the cable or pipe (e.g. laagspanning, gasLageDruk).")
GML_ID = _c("gml_id", "GML-id", None, "Identifier of the object in its delivery.")

CROSSING_COLUMNS: tuple[Column, ...] = (
    VARIANT, CHAINAGE_M,
    _c("x", "x (RD)", "m", "RD New x of the crossing point."),
    _c("y", "y (RD)", "m", "RD New y of the crossing point."),
    OBJECT_CLASS, CATEGORY, SUBTYPE, ANGLE_DEG,
    _c("width_m", "breedte (m)", "m", "Route length inside a crossed polygon (0 for lines)."),
    _c("from_m", "van (m)", "m", "Chainage where the route enters the crossed object."),
    _c("to_m", "tot (m)", "m", "Chainage where the route leaves the crossed object."),
    _c("relatieveHoogteligging", "relatieve hoogteligging", None, "Relative height level of the object (BGT)."),
    GEMEENTE, WIJK,
    _c("technique", "techniek", None, "Suggested crossing technique code: open_trench, boring_persing or hdd."),
    _c("technique_nl", "techniek (omschrijving)", None, "Suggested crossing technique in Dutch."),
    _c("acute", "scherpe hoek", None, "True when the crossing angle is below the rule table's minimum."),
    _c("rule_note", "toelichting regel", None, "Which rule of the crossing rule table chose the technique."),
    NETBEHEERDER, SOURCE_LAYER, OBJECT_ID, GEOMETRY_KIND,
    _c("n_merged", "samengevoegd", None, "Number of intersections merged into this crossing."),
)

PARALLEL_COLUMNS: tuple[Column, ...] = (
    VARIANT, FROM_M, TO_M, LENGTH_M,
    _c("angle_deg", "hoek (graden)", "deg", "Mean angle between route and object along the run."),
    OBJECT_CLASS, CATEGORY, SUBTYPE, NETBEHEERDER, SOURCE_LAYER, OBJECT_ID, GEOMETRY_KIND,
    _c("n_crossings_folded", "opgenomen kruisingen", None, "Crossings of the object folded into this run."),
    GEMEENTE, WIJK,
)

SEGMENT_COLUMNS: tuple[Column, ...] = (
    VARIANT, GEMEENTE, WIJK, FROM_M, TO_M, LENGTH_M,
    _c("km_range", "kilometrering", None, "The stretch as written on maps, e.g. 'km 0,40 – km 0,60'."),
)

SUMMARY_COUNTS: tuple[Column, ...] = (
    _c("n_{object_class}", "kruisingen {object_class}", None, "Crossings of this object class."),
    _c("n_open_trench", "open ontgraving", None, "Crossings with suggested technique open trench."),
    _c("n_boring_persing", "boring/persing", None, "Crossings with suggested technique boring or pushing."),
    _c("n_hdd", "HDD", None, "Crossings with suggested technique horizontal directional drilling."),
    _c("n_crossings", "kruisingen", None, "All crossings."),
    _c("n_acute", "scherpe kruisingen", None, "Crossings at an angle below the rule table's minimum."),
    _c("n_parallel_runs", "parallelle liggingen", None, "Objects running along the route (not crossings)."),
    _c("area_m2_{category}", "oppervlakte {category} in werkstrook (m²)", "m2",
       "Area of objects of this impact category inside the werkstrook."),
    _c("n_buildings_in_werkstrook", "gebouwen in werkstrook", None, "Buildings (partly) inside the werkstrook."),
    _c("n_buildings_near", "gebouwen nabij", None, "Buildings within building_distance_m of the centreline."),
    _c("klic_operators", "netbeheerders (KLIC)", None, "Network operators whose cables are crossed or run along."),
    _c("n_klic_operators", "aantal netbeheerders", None, "Number of such operators."),
    _c("not_analysed", "niet geanalyseerd", None,
       "Crossing classes for which no layer was given, separated by ';' (e.g. 'rail;water'); their "
       "n_<class> cells are empty (spreadsheets: 'niet geanalyseerd'), so 0 always means 'looked, none found'."),
)

PER_AREA_HEAD: tuple[Column, ...] = (
    _c("length_m", "lengte tracé (m)", "m", "Route length inside the area."),
    _c("n_stretches", "aantal stukken", None, "Separate stretches of the route inside the area."),
)

VARIANT_HEAD: tuple[Column, ...] = (
    VARIANT,
    _c("length_m", "lengte (m)", "m", "Route length."),
    _c("n_gemeenten", "aantal gemeenten", None, "Municipalities the route passes."),
    _c("area_m2_werkstrook", "oppervlakte werkstrook (m²)", "m2", "Area of the working strip."),
    _c("area_m2_belemmeringenstrook", "oppervlakte belemmeringenstrook (m²)", "m2", "Area of the protection strip."),
)
VARIANT_TAIL: tuple[Column, ...] = (
    _c("n_clearance_violations", "te kleine afstanden", None, "Cables closer to the centreline than their clearance."),
)

ABOVE_TOTALS: tuple[Column, ...] = (
    STRIP, CATEGORY,
    _c("area_m2", "oppervlakte (m²)", "m2", "Area of objects of the category inside the strip."),
    _c("length_m", "lengte (m)", "m", "Length of line objects of the category inside the strip."),
    _c("count", "aantal", None, "Objects of the category inside the strip."),
    VARIANT,
)

BELOW_TOTALS: tuple[Column, ...] = (
    THEMA, NETBEHEERDER,
    _c("n_cables", "kabels en leidingen", None, "Cables and pipes inside the strips."),
    _c("cable_length_m", "lengte kabels (m)", "m", "Their length inside the strips."),
    _c("n_parallel_runs", "parallelle liggingen", None, "Runs of cables along the route."),
    _c("parallel_length_m", "lengte parallel (m)", "m", "Length of those runs."),
    _c("n_violations", "te kleine afstanden", None, "Stretches closer to the centreline than the clearance."),
    _c("violation_length_m", "lengte te dichtbij (m)", "m", "Length of those stretches."),
    _c("min_clearance_m", "kleinste afstand (m)", "m", "Smallest distance of such a cable to the centreline."),
    VARIANT,
)

CABLE_DENSITY: tuple[Column, ...] = (
    FROM_M, TO_M,
    _c("n_cables", "kabels en leidingen", None, "Cables and pipes in the strips on this route segment."),
    _c("cable_length_m", "lengte kabels (m)", "m", "Their length on this segment."),
    _c("n_{thema}", "aantal {thema}", None, "Cables and pipes of this IMKL thema on this segment."),
    VARIANT,
)

ROUTES_HEAD: tuple[Column, ...] = (
    VARIANT,
    _c("rank", "rang", None, "Rank of the alternative for its target (1 = cheapest)."),
    _c("target", "doel", None, "End point (landing candidate or X,Y)."),
    _c("cost", "kosten (equivalente m)", "m", "Path cost in equivalent metres of open-ground trench."),
)

#: How each route alternative was found (wlr_geo.analysis.routing.lcp.k_alternatives).
ROUTING_COLUMNS: tuple[Column, ...] = (
    _c("separation_m", "afstand tot eerdere (m)", "m", "Mean distance to the nearest cheaper alternative."),
    _c("shared_share", "gedeeld aandeel", None,
       "Largest share of the length within min_separation_m of a cheaper alternative (0-1)."),
    _c("method", "methode", None, "coarse-to-fine or full."),
    _c("verification", "controle", None,
       "exact, bound (within epsilon of a lower bound), corridor (a wider corridor agreed), full (fell back "
       "to full resolution) or unverified."),
    _c("verification_ratio", "controleverhouding", None,
       "Cost ÷ the lower bound, or narrower ÷ wider corridor cost (1 = exact)."),
)

CLAIM_CONFLICT_COLUMNS: tuple[Column, ...] = (
    _c("conflict_type", "soort conflict", None, "claim-claim or claim-<constraint layer>."),
    _c("relation", "relatie", None, "overlap or raakt (touch)."),
    _c("is_conflict", "is conflict", None, "True for an overlap above tolerance_m2 in a shared year."),
    _c("claim_id", "claim", None, "The claim."),
    _c("facility_type", "voorziening", None, "Facility type of the claim."),
    _c("other_layer", "andere laag", None, "'claims' or the constraint layer."),
    _c("other_id", "ander object", None, "The other claim or constraint object."),
    _c("other_facility_type", "andere voorziening", None, "Facility type of the other claim."),
    _c("area_m2", "overlap (m²)", "m2", "Overlapping area (0 for claims that only touch)."),
    _c("year_from", "vanaf jaar", None, "First shared year."),
    _c("year_to", "tot en met jaar", None, "Last shared year."),
    _c("years", "jaren", None, "The shared years as text."),
)

LANDING_CRITERIA: tuple[Column, ...] = (
    _c("distance_route_end_m", "afstand tot eindpunt tracé (m)", "m", "Distance from the route end to the site."),
    _c("demand_connection_m", "afstand tot warmtevraag (m)", "m",
       "Weight-averaged distance from the site to the wijken (demand)."),
    _c("free_area_m2", "vrije ruimte (m²)", "m2", "Site or footprint area minus constraints and buildings."),
    _c("conflicts_n", "conflicten", None, "Space claims and constraints the site overlaps."),
    _c("conflict_area_m2", "conflictoppervlak (m²)", "m2", "Area of those overlaps."),
    _c("distance_homes_m", "afstand tot woningen (m)", "m", "Distance to the nearest building."),
    _c("distance_substation_m", "afstand tot onderstation (m)", "m", "Distance to the nearest substation."),
    _c("crossings_n", "kruisingen aansluiting", None, "Features crossed by the link from the route end."),
    _c("site_area_m2", "oppervlakte locatie (m²)", "m2", "Area of the site polygon or the assumed footprint."),
    _c("{criterion}_norm", "{criterion} genormaliseerd", "0-1", "The criterion normalised to 0–1 (1 = best)."),
    _c("score", "score", "0-1", "Weighted mean of the normalised criteria."),
    _c("rank", "rang", None, "Rank by score (1 = best)."),
)

KLIC_COMMON: tuple[Column, ...] = (
    GML_ID,
    _c("meldnummer", "meldnummer", None, "KLIC notification number of the delivery."),
    _c("object_type", "objecttype", None, "IMKL object type (Kabel, OlieGasChemicalienPijpleiding, Mast, ...)."),
    THEMA,
    _c("thema_bron", "bron thema", None, "'net' (from the Utiliteitsnet) or 'afgeleid' (from the object type)."),
    _c("bronhoudercode", "bronhoudercode", None, "Code of the network operator."),
    NETBEHEERDER,
    _c("status", "status", None, "Status of the object (functional, planned, ...)."),
    _c("link_id", "link-id", None, "The UtilityLink giving this row's geometry."),
    _c("diameter_mm", "diameter (mm)", "mm", "Outer diameter."),
    _c("breedte_mm", "breedte (mm)", "mm", "Width (ducts)."),
    _c("materiaal", "materiaal", None, "Material."),
    _c("spanning_kv", "spanning (kV)", "kV", "Operating voltage."),
    _c("druk_bar", "druk (bar)", "bar", "Operating pressure."),
    _c("aantal_kabels", "aantal kabels", None, "Cables in a bundle or duct."),
    _c("product", "product", None, "Transported product."),
    _c("soort", "soort", None, "Kind of the point object or attachment."),
    _c("diepte_m", "diepte (m)", "m", "Depth from the nearest depth object."),
    _c("diepte_referentie", "diepte t.o.v.", None, "maaiveld or NAP."),
    _c("diepte_nauwkeurigheid", "nauwkeurigheid diepte", None, "Accuracy of the depth."),
    _c("diepte_aangrijpingspunt", "aangrijpingspunt diepte", None, "Where on the object the depth is measured."),
    _c("diepte_aantal", "aantal dieptes", None, "Depth objects matched to the line."),
    _c("standaard_diepte_m", "standaarddiepte (m)", "m", "Standard depth given by the operator."),
    _c("maaiveld_nap_m", "maaiveld (m NAP)", "m", "Ground level in metres NAP."),
    _c("z_min_m", "z min (m)", "m", "Lowest Z of the 3D geometry."),
    _c("z_max_m", "z max (m)", "m", "Highest Z of the 3D geometry."),
    _c("verticale_positie", "verticale positie", None, "Vertical position (onderGrondsGelegen, ...)."),
    _c("nauwkeurigheid_xy", "nauwkeurigheid xy", None, "Horizontal accuracy class."),
    _c("label", "label", None, "Label text of the object."),
    _c("omschrijving", "omschrijving", None, "Description."),
    _c("geldig_vanaf", "geldig vanaf", None, "Valid-from date."),
    _c("utiliteitsnet_id", "utiliteitsnet", None, "Network the object belongs to."),
    _c("length_m", "lengte (m)", "m", "Length of the line."),
    _c("area_m2", "oppervlakte (m²)", "m2", "Area of the polygon."),
    _c("geometrie_soort", "geometriesoort", None, "Kind of extra geometry."),
    _c("imkl_versie", "IMKL-versie", None, "IMKL version of the delivery."),
    _c("levering_datum", "leveringsdatum", None, "Date the delivery was composed."),
    _c("eis", "eis", None, "Precaution required by the operator."),
    _c("van_toepassing", "van toepassing", None, "Whether the precaution applies to the request."),
    _c("bron", "bron", None, "Source of the precaution."),
    _c("net_omschrijving", "omschrijving net", None, "Description of the network."),
    _c("net_aanduiding", "aanduiding net", None, "Network designation."),
    _c("werk_aanduiding", "aanduiding werk", None, "Work designation."),
    _c("bijlage", "bijlage", None, "Attachment the precaution refers to."),
    _c("geometrie_is_verzoekgebied", "geometrie = verzoekgebied", None,
       "True when the precaution's geometry is the whole request area."),
    _c("aanvraag_soort", "soort aanvraag", None, "Kind of KLIC request."),
    _c("aanvraag_datum", "aanvraagdatum", None, "Date of the request."),
    _c("pad", "pad", None, "Path of the attachment inside the delivery."),
    _c("aanwezig", "aanwezig", None, "Whether the attachment is present in the delivery."),
    _c("bestand_id", "bestand-id", None, "Identifier of the attachment."),
    _c("media_type", "mediatype", None, "Media type of the attachment."),
    _c("toelichting", "toelichting", None, "Explanation."),
    _c("levering", "levering", None, "The delivery the attachment belongs to."),
)

BGT_COLUMNS: tuple[Column, ...] = (
    _c("bgt_class", "BGT-klasse", None, "BGT object class (wegdeel, waterdeel, pand, ...)."),
    GML_ID,
    _c("lokaal_id", "lokaal id", None, "Local identifier (NL.IMGeo...)."),
    _c("bronhouder", "bronhouder", None, "Source holder code."),
    _c("lv_publicatiedatum", "publicatiedatum LV", None, "Publication date in the national facility."),
    _c("creation_date", "ontstaansdatum", None, "Creation date of the object."),
    _c("tijdstip_registratie", "tijdstip registratie", None, "Registration time."),
    _c("eind_registratie", "eind registratie", None, "End of registration (ended objects only)."),
    _c("termination_date", "beëindigingsdatum", None, "Termination date (ended objects only)."),
    _c("status", "status", None, "BGT status (bestaand, plan)."),
    _c("plus_status", "plus-status", None, "IMGeo plus status."),
    _c("functie", "functie", None, "BGT functie."),
    _c("plus_functie", "plus-functie", None, "IMGeo plus functie."),
    _c("fysiek_voorkomen", "fysiek voorkomen", None, "BGT fysiek voorkomen."),
    _c("plus_fysiek_voorkomen", "plus-fysiek voorkomen", None, "IMGeo plus fysiek voorkomen."),
    _c("bgt_type", "type", None, "BGT type."),
    _c("plus_type", "plus-type", None, "IMGeo plus type."),
    _c("relatieve_hoogteligging", "relatieve hoogteligging", None, "Relative height level."),
    _c("op_talud", "op talud", None, "On an embankment."),
    _c("bag_id", "BAG-id", None, "BAG identifier of a building."),
    _c("naam", "naam", None, "Name."),
    CATEGORY,
)


def _table(name: str, title: str, columns: tuple[Column, ...], description: str = "", *,
           optional: bool = False, nl: str = "") -> Layer:
    return Layer(name, title, columns, None, description, optional=optional, description_nl=nl)


def _geo(name: str, title: str, geometry: str, columns: tuple[Column, ...], description: str = "", *,
         optional: bool = False, roles: tuple[str, ...] = (), passthrough: bool = False, nl: str = "",
         part_of: str | None = None) -> Layer:
    return Layer(name, title, columns, geometry, description, optional=optional, roles=roles, passthrough=passthrough,
                 description_nl=nl, part_of=part_of)


# ------------------------------------------------------------------------------------- impact
_CROSSINGS = _geo("crossings", "kruisingen", "Point", CROSSING_COLUMNS,
                  "The crossing register: what the centreline crosses, with chainage and technique.",
                  roles=("crossings",),
                  nl="Kruisingenregister: wat de hartlijn van het tracé kruist, met kilometrering, kruisingshoek, "
                     "voorgestelde techniek en gemeente.")
_PARALLEL = _geo("parallel_runs", "parallelle ligging", "LineString", PARALLEL_COLUMNS,
                 "Objects running along the route over at least parallel_min_length_m.",
                 nl="Objecten die over een afstand langs het tracé lopen (geen kruisingen).")
_SEGMENTS = _geo("segments", "tracé per gemeente en wijk", "LineString", SEGMENT_COLUMNS,
                 "The route split into stretches per gemeente (and wijk), in chainage order.",
                 nl="Het tracé in stukken per gemeente (en wijk), in volgorde van kilometrering; elke gemeente "
                    "is bevoegd gezag op haar eigen grondgebied.")
_PER_GEMEENTE = _table("per_gemeente", "per gemeente",
                       (VARIANT, GEMEENTE, *PER_AREA_HEAD, *SUMMARY_COUNTS),
                       "One row per variant and gemeente.")
_PER_WIJK = _table("per_wijk", "per wijk", (VARIANT, GEMEENTE, WIJK, *PER_AREA_HEAD, *SUMMARY_COUNTS),
                   "One row per variant, gemeente and wijk.", optional=True)
_VARIANTS = _table("variants", "varianten", (*VARIANT_HEAD, *SUMMARY_COUNTS, *VARIANT_TAIL),
                   "One row per route variant, side by side.")
_ABOVE = _table("above_ground_totals", "bovengrond totalen", ABOVE_TOTALS,
                "Objects inside the strips per strip and impact category.", optional=True)
_BELOW = _table("below_ground_totals", "ondergrond totalen", BELOW_TOTALS,
                "Cables and pipes in the strips per thema and operator.", optional=True)
_DENSITY = _table("cable_density", "kabeldichtheid", CABLE_DENSITY,
                  "Cables and pipes per route segment of segment_m.", optional=True)

IMPACT_TABLES: tuple[Layer, ...] = (_CROSSINGS, _PARALLEL, _SEGMENTS, _PER_GEMEENTE, _VARIANTS, _PER_WIJK,
                                    _ABOVE, _BELOW, _DENSITY)

_AFFECTED_COLUMNS: tuple[Column, ...] = (
    OBJECT_ID, SOURCE_LAYER, CATEGORY, STRIP,
    _c("area_m2", "oppervlakte in strook (m²)", "m2", "Area of the object inside the strip."),
    _c("length_m", "lengte in strook (m)", "m", "Length of a line object inside the strip."),
    _c("distance_m", "afstand tot hartlijn (m)", "m", "Distance from the object to the centreline."),
    VARIANT,
)

#: The affected objects, one layer per geometry family (QGIS styles and opens one type per layer);
#: all three are written whenever the above-ground impact ran, empty ones with their type.
_AFFECTED: tuple[Layer, ...] = (
    _geo("affected_objects", "geraakte objecten (vlakken)", "MultiPolygon", _AFFECTED_COLUMNS,
         "Topography (BGT, buildings) inside the strips, clipped: the areas.", optional=True,
         nl="Topografie (BGT, gebouwen) binnen de stroken, uitgesneden: de vlakken."),
    _geo("affected_objects_lines", "geraakte objecten (lijnen)", "MultiLineString", _AFFECTED_COLUMNS,
         "The line objects of affected_objects.", optional=True, part_of="affected_objects",
         nl="Topografie binnen de stroken, uitgesneden: de lijnobjecten (scheidingen, ...)."),
    _geo("affected_objects_points", "geraakte objecten (punten)", "Point", _AFFECTED_COLUMNS,
         "The point objects of affected_objects.", optional=True, part_of="affected_objects",
         nl="Topografie binnen de stroken: de puntobjecten (palen, kasten, bomen, ...)."),
)

_IMPACT_GPKG_LAYERS: tuple[Layer, ...] = (
    _geo("routes", "tracé", "LineString", (
        VARIANT, _c("length_m", "lengte (m)", "m", "Length of the merged route."),
        _c("n_parts", "aantal delen", None, "Input parts merged into the route."),
    ), "One merged line per variant.", roles=("route",), nl="Het tracé: één lijn per variant."),
    _SEGMENTS,
    _geo("markers", "kilometrering", "Point", (
        CHAINAGE_M, _c("label", "label", None, "Marker text, e.g. 'km 1,2'."),
        _c("major", "hoofdmarkering", None, "True for every kilometre (marker_major_every_m)."), VARIANT,
    ), "Chainage markers every marker_every_m.", roles=("markers",),
       nl="Kilometrering langs het tracé (elke 100 m, hoofdmarkering elke km)."),
    _geo("strips", "stroken", "Polygon", (
        VARIANT, STRIP,
        _c("width_left_m", "breedte links (m)", "m", "Width left of the centreline (seen along the chainage)."),
        _c("width_right_m", "breedte rechts (m)", "m", "Width right of the centreline."),
        _c("n_ranges", "aantal bereiken", None, "Chainage ranges with their own widths (overrides)."),
        AREA_M2,
    ), "Werkstrook, belemmeringenstrook and site footprints.", roles=("strip",),
       nl="Werkstrook, belemmeringenstrook en voetafdrukken van locaties."),
    _CROSSINGS,
    _PARALLEL,
    *_AFFECTED,
    _geo("buildings_near", "gebouwen nabij", "Polygon", (
        OBJECT_ID, SOURCE_LAYER, CATEGORY,
        _c("distance_m", "afstand tot hartlijn (m)", "m", "Distance from the building to the centreline."),
        VARIANT,
    ), "Buildings within building_distance_m of the centreline.", optional=True,
       nl="Gebouwen binnen de ingestelde afstand van de hartlijn."),
    _geo("cable_parallel_runs", "kabels parallel", "LineString", (
        GML_ID, THEMA, NETBEHEERDER, STRIP, FROM_M, TO_M, LENGTH_M,
        _c("mean_offset_m", "gemiddelde afstand (m)", "m", "Mean distance of the run to the centreline."),
        VARIANT,
    ), "KLIC cables and pipes running along the route inside a strip.", optional=True,
       nl="Kabels en leidingen (KLIC) die binnen een strook langs het tracé lopen."),
    _geo("clearance_violations", "te kleine afstanden", "LineString", (
        GML_ID, THEMA, NETBEHEERDER,
        _c("required_m", "vereiste afstand (m)", "m", "Clearance required for the thema."),
        _c("min_distance_m", "kleinste afstand (m)", "m", "Smallest distance to the centreline."),
        FROM_M, TO_M, LENGTH_M,
        _c("crossing", "kruist", None, "True when the cable crosses the centreline."),
        VARIANT,
    ), "Stretches of cables closer to the centreline than their clearance.", optional=True,
       nl="Stukken kabel of leiding die dichter bij de hartlijn liggen dan de vereiste afstand."),
    _geo("precautions_touched", "voorzorgsmaatregelen", "Polygon", (
        STRIP, *[c for c in KLIC_COMMON if c.name in (
            "netbeheerder", "thema", "eis", "van_toepassing", "gml_id", "meldnummer", "bronhoudercode", "bron",
            "net_omschrijving", "net_aanduiding", "werk_aanduiding", "bijlage", "geometrie_is_verzoekgebied",
            "levering_datum")],
        _c("area_m2", "oppervlakte in strook (m²)", "m2", "Area of the precaution zone inside the strip."),
        VARIANT,
    ), "KLIC precaution zones (EV) that the strips touch.", optional=True,
       nl="Zones met een eis voorzorgsmaatregel (KLIC) die de stroken raken."),
)

_BGT_LAYER = _geo("{bgt_class}", "BGT {bgt_class}", "any", BGT_COLUMNS, "The objects of one BGT class.",
                  nl="De actuele objecten van één BGT-klasse, met hun impactcategorie.")

# ------------------------------------------------------------------------------ the registry
_FILES: list[OutputFile] = [
    OutputFile("manifest.json", "json", "*", "herkomst en controle",
               "Inputs with SHA-256, config, tool version and the outputs of the run."),
    # impact
    OutputFile("impact.gpkg", "gpkg", "impact", "impactanalyse",
               "Every impact layer of every variant.", _IMPACT_GPKG_LAYERS),
    OutputFile("crossings.csv", "csv", "impact", "kruisingenregister", layers=(_CROSSINGS,),
               report=("Kruisingenregister",
                       "Kruisingen van de hartlijn met wegen, spoor, water, kabels en leidingen",
                       "Kilometrering vanaf het begin van het tracé; de voorgestelde techniek volgt uit de "
                       "regeltabel en is een eerste indicatie.")),
    OutputFile("parallel_runs.csv", "csv", "impact", "parallelle ligging", layers=(_PARALLEL,),
               report=("Parallelle ligging", "Stukken waar het tracé langs kabels of leidingen loopt", "")),
    OutputFile("segments.csv", "csv", "impact", "tracé per gemeente en wijk", layers=(_SEGMENTS,)),
    OutputFile("per_gemeente.csv", "csv", "impact", "samenvatting per gemeente", layers=(_PER_GEMEENTE,),
               report=("Samenvatting per gemeente", "Tracé, kruisingen en impact per gemeente",
                       "Elke gemeente is bevoegd gezag op haar eigen grondgebied; daarom staat alles per gemeente.")),
    OutputFile("variants.csv", "csv", "impact", "varianten", layers=(_VARIANTS,),
               report=("Varianten naast elkaar", "Dezelfde analyse voor elke tracévariant", "")),
    OutputFile("per_wijk.csv", "csv", "impact", "samenvatting per wijk", layers=(_PER_WIJK,), optional=True,
               report=("Samenvatting per wijk", "Tracé en impact per wijk", "")),
    OutputFile("above_ground_totals.csv", "csv", "impact", "bovengrond totalen", layers=(_ABOVE,), optional=True),
    OutputFile("below_ground_totals.csv", "csv", "impact", "ondergrond totalen", layers=(_BELOW,), optional=True),
    OutputFile("cable_density.csv", "csv", "impact", "kabeldichtheid", layers=(_DENSITY,), optional=True),
    OutputFile("impact.xlsx", "xlsx", "impact", "impactanalyse (Excel)",
               "The impact tables as sheets.", IMPACT_TABLES),
    OutputFile("summary.json", "json", "impact", "samenvatting", "Counts and totals per variant and gemeente."),
    # routing
    OutputFile("routes.gpkg", "gpkg", "route", "tracéalternatieven", layers=(
        _geo("routes", "tracéalternatieven", "LineString", (
            _c("target", "doel", None, "End point (landing candidate or X,Y)."),
            _c("rank", "rang", None, "Rank of the alternative for its target (1 = cheapest)."),
            _c("cost", "kosten (equivalente m)", "m", "Path cost in equivalent metres of open-ground trench."),
            _c("length_m", "lengte (m)", "m", "Length of the path."),
            *ROUTING_COLUMNS,
        ), "Least-cost route alternatives, vectorised and simplified.", roles=("route_alternatives",),
            nl="Tracéalternatieven met de laagste kosten over het kostenraster (indicatief)."),
    )),
    OutputFile("routes.csv", "csv", "route", "vergelijking tracéalternatieven", layers=(
        _table("routes", "vergelijking", (*ROUTES_HEAD, *VARIANT_HEAD[1:], *ROUTING_COLUMNS, *SUMMARY_COUNTS,
                                          *VARIANT_TAIL),
               "Each alternative through the impact analysis, side by side."),
    ), report=("Tracéalternatieven (least-cost)", "Lengte, kosten en kruisingen per alternatief", "")),
    OutputFile("cost.tif", "tif", "route", "kostenraster",
               "Cost per metre of open-ground trench (float32, nodata = barrier)."),
    # claims
    OutputFile("claims.gpkg", "gpkg", "claims", "ruimteclaims", layers=(
        _geo("claims", "ruimteclaims", "Polygon", (
            _c("claim_id", "claim", None, "Identifier of the claim."),
            _c("facility_type", "voorziening", None, "Facility type code."),
            _c("initiatiefnemer", "initiatiefnemer", None, "Who makes the claim."),
            _c("year_from", "vanaf jaar", None, "First year of the claim."),
            _c("year_to", "tot en met jaar", None, "Last year of the claim."),
            _c("status", "status", None, "wens, gepland, vergund or gerealiseerd."),
            _c("indicatief", "indicatief", None, "True when the claim is indicative."),
            _c("bron", "bron", None, "Source of the claim."),
            _c("footprint_source", "herkomst vorm", None, "drawn (polygon as given) or the template used."),
            _c("footprint_m2", "footprint (m²)", "m2", "Area of the facility itself."),
            _c("clearance_m", "vrije zone (m)", "m", "Clearance ring around the footprint."),
            _c("area_m2", "oppervlakte claim (m²)", "m2", "Area claimed, clearance included."),
            _c("facility_label", "voorziening (omschrijving)", None, "Facility type in Dutch."),
        ), "One footprint per claim.", roles=("claims",), passthrough=True,
            nl="Ruimteclaims: één voetafdruk per claim, met voorziening, jaren en planstatus."),
        _geo("conflicts", "conflicten", "Polygon", CLAIM_CONFLICT_COLUMNS,
             "Overlaps above tolerance_m2 in at least one shared year.", roles=("claim_conflicts",),
             nl="Overlap tussen claims (of met een beperking) boven de tolerantie, in minstens één gedeeld jaar."),
        _geo("raakt", "raakt", "Point", (*CLAIM_CONFLICT_COLUMNS,
                                          _c("contact_length_m", "lengte contact (m)", "m",
                                             "Length of the shared boundary.")),
             "Claims that only touch, as points.", nl="Claims die elkaar alleen raken, als punt."),
        _geo("klic_beschermstroken", "KLIC-beschermstroken", "Polygon", (
            OBJECT_ID, THEMA,
            _c("protection_m", "halve breedte (m)", "m", "Half width of the protection strip."),
        ), "Protection strips around high-pressure gas and high-voltage cables.", optional=True,
            nl="Beschermstroken rond hogedrukgasleidingen en hoogspanningskabels (KLIC)."),
    )),
    OutputFile("claims_programme.csv", "csv", "claims", "meerjarenprogramma ruimteclaims", layers=(
        _table("programma", "programma", (
            GEMEENTE, _c("year", "jaar", None, "Year."),
            _c("facility_type", "voorziening", None, "Facility type ('totaal' = all types)."),
            _c("claimed_area_m2", "geclaimd (m²)", "m2", "Area claimed in the gemeente that year."),
            _c("n_claims", "claims", None, "Claims active that year."),
            _c("n_conflicts", "conflicten", None, "Conflicts active that year."),
            _c("conflict_area_m2", "conflictoppervlak (m²)", "m2", "Overlapping area of those conflicts."),
        ), "Claimed m² per gemeente × year × facility type."),
    ), report=("Ruimteclaims — meerjarenprogramma", "Geclaimde m² per gemeente, jaar en voorziening",
               "Conflicten: overlap boven de tolerantie in overlappende jaren; elkaar rakende claims tellen "
               "niet als conflict.")),
    OutputFile("claims_programme.xlsx", "xlsx", "claims", "meerjarenprogramma (Excel)", layers=(
        _table("programma", "programma", (), "As claims_programme.csv."),
        _table("m2_per_gemeente_per_jaar", "m² per gemeente per jaar", (
            GEMEENTE, _c("{year}", "{year}", "m2", "Claimed area that year.")), "Pivot of the totals."),
        _table("conflicten_per_jaar", "conflicten per jaar", (
            GEMEENTE, _c("{year}", "{year}", None, "Conflicts that year.")), "Pivot of the conflicts."),
    )),
    # landing
    OutputFile("landing_scores.csv", "csv", "landing", "aanlandingsopties — rangorde", layers=(
        _table("scores", "scores", (_c("candidate_id", "locatie", None, "The landing candidate."),
                                    *LANDING_CRITERIA), "Raw and normalised criteria, score and rank."),
    ), report=("Aanlandingsopties — rangorde", "Score per criterium (ruw en genormaliseerd) en rang", "")),
    OutputFile("landing_scores.xlsx", "xlsx", "landing", "aanlandingsopties (Excel)", layers=(
        _table("scores", "scores", (), "As landing_scores.csv."),
        _table("criteria", "criteria", (
            _c("criterium", "criterium", None, "Criterion name."), _c("label", "omschrijving", None, "Dutch label."),
            _c("richting", "richting", None, "min or max: which end is best."),
            _c("normalisatie", "normalisatie", None, "minmax, max or rank."),
            _c("gewicht", "gewicht", None, "Weight in the score."),
        ), "The criteria used."),
        _table("monte_carlo", "Monte-Carlo", (), "As landing_sensitivity.csv."),
        _table("een_voor_een", "één voor één", (), "As landing_sensitivity_oat.csv."),
    )),
    OutputFile("landing_sensitivity.csv", "csv", "landing", "aanlandingsopties — gevoeligheid", layers=(
        _table("monte_carlo", "Monte-Carlo", (
            _c("candidate_id", "locatie", None, "The landing candidate."),
            _c("p_rank1", "kans op nr. 1", "0-1", "Share of the samples in which the candidate ranks first."),
            _c("mean_rank", "gemiddelde rang", None, "Mean rank over the samples."),
            _c("rank_p05", "rang p5", None, "5th percentile of the rank."),
            _c("rank_p95", "rang p95", None, "95th percentile of the rank."),
        ), "Seeded Monte-Carlo over perturbed weights."),
    ), report=("Aanlandingsopties — gevoeligheid", "Monte-Carlo: kans op de eerste plaats", "")),
    OutputFile("landing_sensitivity_oat.csv", "csv", "landing", "aanlandingsopties — omslagpunten", layers=(
        _table("een_voor_een", "één voor één", (
            _c("criterion", "criterium", None, "The criterion whose weight changes."),
            _c("label", "omschrijving", None, "Its Dutch label."),
            _c("weight", "gewicht", None, "Its weight."),
            _c("top_at_minus_p", "nr. 1 bij −p", None, "Top candidate with the weight lowered by the perturbation."),
            _c("top_at_plus_p", "nr. 1 bij +p", None, "Top candidate with the weight raised by the perturbation."),
            _c("flip_factor_down", "omslagfactor omlaag", None, "Factor on the weight at which the top changes (down)."),
            _c("flip_weight_down", "omslaggewicht omlaag", None, "The weight at that factor."),
            _c("flip_to_down", "nieuwe nr. 1 (omlaag)", None, "The new top candidate."),
            _c("flip_factor_up", "omslagfactor omhoog", None, "Factor on the weight at which the top changes (up)."),
            _c("flip_weight_up", "omslaggewicht omhoog", None, "The weight at that factor."),
            _c("flip_to_up", "nieuwe nr. 1 (omhoog)", None, "The new top candidate."),
            _c("flips_within_p", "wisselt binnen p", None, "True when the top changes within ±perturbation."),
        ), "One weight at a time: the factor at which the top rank flips."),
    ), report=("Aanlandingsopties — omslagpunten",
               "Eén gewicht tegelijk: bij welke factor wisselt de nummer één", "")),
    OutputFile("landing.json", "json", "landing", "aanlandingsopties (samenvatting)",
               "Criteria, ranking, route end, sensitivity summary."),
    OutputFile("landing.gpkg", "gpkg", "landing", "aanlandingsopties", layers=(
        _geo("candidates", "aanlandingsopties", "any", (
            *LANDING_CRITERIA[:1], *LANDING_CRITERIA[1:]),
             "The candidates with their criteria, score and rank.", roles=("landing",), passthrough=True,
             nl="Zoeklocaties voor de aanlanding met hun criteria, score (0–1) en rang."),
        _geo("route_end", "eindpunt tracé", "Point", (_c("naam", "naam", None, "Name of the point."),),
             "The route end the distances are measured from.", nl="Het eindpunt van het tracé waarvanaf "
                                                                   "de afstanden gemeten zijn."),
    )),
    # maps and report
    OutputFile("kaart_{map}.html", "html", "map", "consultatiekaart",
               "One self-contained offline map per definition (kaart_gemeente_<gemeente>.html per gemeente)."),
    OutputFile("report.html", "html", "report", "rapport", "The consultation report."),
    OutputFile("report.pdf", "pdf", "report", "rapport (PDF)", "The report printed by headless Chromium.",
               optional=True),
    OutputFile("figures/gemeente_{gemeente}.png", "png", "report", "kaartfiguur per gemeente",
               "Static map of one municipality."),
    # readers
    OutputFile("klic.gpkg", "gpkg", "klic", "KLIC-leveringen", "KLIC/IMKL deliveries in one schema.", layers=(
        _geo("klic_lines", "kabels en leidingen", "LineString", KLIC_COMMON, "One row per (feature, link).",
             roles=("cables",), nl="Kabels en leidingen uit de KLIC-leveringen, per thema (WION-kleuren)."),
        _geo("klic_points", "puntobjecten", "Point", KLIC_COMMON, "Appurtenances, depth points, masts, ...",
             nl="Puntobjecten uit de KLIC-leveringen: appurtenances, diepten, masten."),
        _geo("klic_areas", "vlakobjecten", "Polygon", KLIC_COMMON, "ExtraGeometrie.",
             nl="Vlakken uit de KLIC-leveringen (extra geometrie)."),
        _geo("klic_precautions", "voorzorgsmaatregelen", "Polygon", KLIC_COMMON, "EisVoorzorgsmaatregel zones.",
             nl="Zones met een eis voorzorgsmaatregel van een netbeheerder."),
        _geo("klic_request_areas", "aanvraaggebieden", "Polygon", KLIC_COMMON, "Request polygons.",
             nl="Graafpolygonen (aanvraaggebieden) van de KLIC-meldingen."),
        _table("klic_attachments", "bijlagen", KLIC_COMMON, "Attachments of the deliveries.",
               nl="Bijlagen van de KLIC-leveringen (een tabel zonder geometrie)."),
    )),
    OutputFile("bgt.gpkg", "gpkg", "bgt", "BGT", "One layer per BGT class, current objects, categorised.", layers=(
        _BGT_LAYER,
    )),
    OutputFile("bgt_{extract}.gpkg", "gpkg", "bgt", "BGT (per uittreksel)",
               "As bgt.gpkg, named after the extract (the demo's bovengrond/bgt_otterlo.gpkg).", layers=(_BGT_LAYER,)),
    OutputFile("bgt_report.json", "json", "bgt", "BGT-leesverslag", "Counts, repairs and drops per class.",
               optional=True),
    # convert
    OutputFile("{dataset}", "parquet-dataset", "convert", "gepartitioneerde GeoParquet-dataset",
               "One big layer as partitioned GeoParquet (5 km tiles, Hilbert-sorted rows, bbox column, "
               "an index of file bounds and the marker .wlr_geo_dataset); columns as the input's."),
    # the demo
    OutputFile("layers.gpkg", "gpkg", "demo", "ingelezen lagen",
               "Every single-layer vector role of the config, read, validated and in RD New.", layers=(
                   _geo("{role}", "laag {role}", "any", (), "The input layer of one role, columns as given.",
                        passthrough=True, nl="Een invoerlaag, ingelezen, gecontroleerd en in RD New."),
               )),
    OutputFile("logs/{step}.txt", "txt", "demo", "logboek per stap", "What each demo step printed."),
]

#: Every output file, by name (or name pattern).
OUTPUTS: dict[str, OutputFile] = {f.name: f for f in _FILES}


def output(name: str) -> OutputFile:
    """The registry entry of the output file ``name`` (a concrete name matches its pattern).

    ``name`` may lie in a sub folder (``ondergrond/impact.gpkg``); an exact name wins over a
    pattern, and a more specific pattern over a less specific one (``bgt_{extract}.gpkg`` before
    ``{dataset}``).

    Raises
    ------
    KeyError
        The name is not a registered output.
    """
    key = str(name).replace("\\", "/")
    base = key.rsplit("/", 1)[-1]
    for candidate in dict.fromkeys((key, base)):
        if candidate in OUTPUTS:
            return OUTPUTS[candidate]
    for candidate in dict.fromkeys((key, base)):
        # the most specific pattern wins: "bgt_{extract}.gpkg" before "{dataset}"
        matching = [f for f in _FILES if f.is_pattern and f.matches(candidate)]
        if matching:
            return max(matching, key=lambda f: len(re.sub(r"\{[a-z_]+\}", "", f.name)))
    raise KeyError(f"{name!r} is not a registered output of wlr_geo (see wlr_geo.outputs)")


def layer(file: str, name: str) -> Layer:
    """The layer or sheet ``name`` of the output file ``file``."""
    return output(file).layer(name)


def column(file: str, layer_name: str, name: str) -> Column | None:
    """The registry entry of one column (None when the layer does not describe it)."""
    return output(file).layer(layer_name).column(name)


def file_names(command: str, *, include_optional: bool = True) -> list[str]:
    """Names (and patterns) of the files ``command`` writes, in registry order."""
    return [f.name for f in _FILES if f.command == command and (include_optional or not f.optional)]


def sheet_name(layer: Layer, taken: set[str] | None = None) -> str:
    """The Dutch sheet name of a table in a workbook: its title, first letter capitalised,
    without the characters Excel refuses (``[]:*?/\\``), at most 31 characters, unique among
    ``taken`` (which it is added to)."""
    name = re.sub(r"[\[\]:*?/\\]", "-", layer.title).strip("' ") or layer.name
    name = (name[:1].upper() + name[1:])[:31]
    if taken is not None:
        base, i = name, 2
        while name.lower() in {t.lower() for t in taken}:
            suffix = f" ({i})"
            name, i = base[: 31 - len(suffix)] + suffix, i + 1
        taken.add(name)
    return name


def report_tables() -> list[tuple[str, str, str, str]]:
    """(file, section title, caption, text) of every table the report shows, in report order."""
    order = ["per_gemeente.csv", "variants.csv", "crossings.csv", "per_wijk.csv", "parallel_runs.csv",
             "claims_programme.csv", "landing_scores.csv", "landing_sensitivity.csv",
             "landing_sensitivity_oat.csv", "routes.csv"]
    out = []
    for name in order:
        rep = OUTPUTS[name].report
        assert rep is not None
        out.append((name, *rep))
    return out

