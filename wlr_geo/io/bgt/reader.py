"""Read a BGT extract (PDOK zip or folder of ``bgt_<class>.gml``, IMGeo 2.1 / CityGML 2.0).

**Which class.** The class of an object comes from its element in the ``cityObjectMember``
(:func:`bgt_class_of_element`), so the same objects give the same layer and category whatever
the file is called (``bgt_pand-s.gml``, an English ``bgt_buildingpart.gml``, ``pand.gml``).
Only a file without objects takes its class from its name (:func:`bgt_class_of`, which knows
the Dutch and the English names), so that an empty class still gives its empty layer.

Every GML file is streamed with :func:`wlr_geo._safe.iterparse` (no DTD, no entities) straight
out of the zip (members checked by :func:`wlr_geo._safe.safe_members`, nothing extracted to
disk). One ``cityObjectMember`` is handled at a time and then freed, so memory stays flat.

**Current objects.** By default only objects that are current are kept: no
``imgeo:eindRegistratie`` (the version has not been superseded) *and* an ``imgeo:bgt-status``
of ``bestaand`` (not planned, "plan"/"geenWaarde" as on new buildings). An object without any
``bgt-status`` (``plaatsbepalingspunt`` has none) is current unless it has ended. The others
are counted in the report as ``not_current``. An object given twice (the same ``gml:id``, e.g.
one class in two files of a zip) is kept once; ``ClassReport.duplicates_dropped`` counts the
rest.

**Which IMGeo attribute fills which column.** CityGML stores some IMGeo attributes in generic
elements; they are mapped per class:

=========================  ================================================================
column                     IMGeo / CityGML element
=========================  ================================================================
``functie``                ``function`` of wegdeel, ondersteunendwegdeel, spoor
                           (bgt-functie); ``hoortBijTypeOverbrugging`` of overbruggingsdeel
``fysiek_voorkomen``       ``surfaceMaterial`` (wegdelen), ``class`` (begroeidterreindeel),
                           ``bgt-fysiekVoorkomen`` (onbegroeidterreindeel)
``bgt_type``               ``bgt-type*``; ``class``/``function`` of every other class
                           (waterdeel: watervlakte/waterloop/..., IMGeo-only objects: niet-bgt)
``plus_*``                 ``plus-functie*``, ``plus-fysiekVoorkomen*``, ``plus-type*``
``naam``                   ``naam``, ``openbareRuimteNaam/Label/tekst``
``bag_id``                 ``identificatieBAGPND`` (pand), ``identificatieBAGOPR`` (labels)
``op_talud``               ``*OpTalud``
=========================  ================================================================

Void values (``geenWaarde``, ``waardeOnbekend``, ``xsi:nil``, ...) become missing values.

**Geometry.** The object's own geometry property (``geometrie2d*``, ``lod0``/``lod1``...) is
read; ``kruinlijn*`` (top-of-slope lines) and the label points of ``nummeraanduidingreeks`` are
not, and are counted in the report. Label classes (openbareruimtelabel) get the point(s) of
their label positions. Arcs are linearised (see :mod:`wlr_geo.io.bgt._gml`), 3D coordinates are
read as 2D (the BGT is a 2D registration; the height of an object relative to ground is
``relatieve_hoogteligging``). Invalid polygons are repaired with ``shapely.make_valid``
(``method="structure"``) and counted; objects whose geometry collapses are dropped and listed.
"""

from __future__ import annotations

import io
import logging
import os
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from lxml import etree

from wlr_geo._errors import LayerNotFoundError, LayerReadError
from wlr_geo._nl import nl
from wlr_geo._safe import head_text, iter_members, local_name, open_member, safe_members
from wlr_geo.crs import check_bounds
from wlr_geo.io.bgt._gml import (
    ARC_TOLERANCE_M,
    GeometryCollector,
    GeometryStats,
    GmlGeometryError,
    is_gml,
    parse_geometry,
)
from wlr_geo.io.bgt.categories import CategoryTable, classify, load_category_table

__all__ = [
    "BGT_CLASSES",
    "COLUMNS",
    "BgtLayers",
    "BgtReport",
    "ClassReport",
    "bgt_class_of",
    "bgt_class_of_element",
    "read_bgt",
]

log = logging.getLogger("wlr_geo")

#: The 35 classes of a full PDOK BGT download (file ``bgt_<class>.gml`` each).
BGT_CLASSES: tuple[str, ...] = (
    "bak", "begroeidterreindeel", "bord", "buurt", "functioneelgebied", "gebouwinstallatie",
    "installatie", "kast", "kunstwerkdeel", "mast", "onbegroeidterreindeel",
    "ondersteunendwaterdeel", "ondersteunendwegdeel", "ongeclassificeerdobject", "openbareruimte",
    "openbareruimtelabel", "overbruggingsdeel", "overigbouwwerk", "overigescheiding", "paal", "pand",
    "put", "scheiding", "sensor", "spoor", "stadsdeel", "straatmeubilair", "tunneldeel",
    "vegetatieobject", "waterdeel", "waterinrichtingselement", "waterschap", "wegdeel",
    "weginrichtingselement", "wijk",
)

_TEXT = ["bgt_class", "gml_id", "lokaal_id", "bronhouder"]
_DATES = ["lv_publicatiedatum", "creation_date", "tijdstip_registratie", "eind_registratie", "termination_date"]
_CODES = ["status", "plus_status", "functie", "plus_functie", "fysiek_voorkomen", "plus_fysiek_voorkomen",
          "bgt_type", "plus_type"]
_EXTRA = ["relatieve_hoogteligging", "op_talud", "bag_id", "naam"]
#: Columns of every frame :func:`read_bgt` returns, in order (plus ``category`` and ``geometry``).
COLUMNS: tuple[str, ...] = (*_TEXT, *_DATES, *_CODES, *_EXTRA, "category", "geometry")
_RECORD = [c for c in COLUMNS if c not in ("bgt_class", "category", "geometry")]
_POS = {c: i for i, c in enumerate(_RECORD)}

_VOID = frozenset({"geenwaarde", "waardeonbekend", "nietbekend", "niet bekend", "nietondersteund",
                   "onbekend", "unknown", "inapplicable", "missing", "withheld", "template"})

_SIMPLE = {
    "creationDate": "creation_date",
    "terminationDate": "termination_date",
    "LV-publicatiedatum": "lv_publicatiedatum",
    "tijdstipRegistratie": "tijdstip_registratie",
    "eindRegistratie": "eind_registratie",
    "relatieveHoogteligging": "relatieve_hoogteligging",
    "bronhouder": "bronhouder",
    "bgt-status": "status",
    "plus-status": "plus_status",
    "surfaceMaterial": "fysiek_voorkomen",
    "bgt-fysiekVoorkomen": "fysiek_voorkomen",
    "bgt-functie": "functie",
    "hoortBijTypeOverbrugging": "functie",
    "openbareRuimteType": "bgt_type",
    "identificatieBAGPND": "bag_id",
    "identificatieBAGOPR": "bag_id",
    "naam": "naam",
}
_PREFIX = (
    ("plus-functie", "plus_functie"),
    ("plus-fysiekVoorkomen", "plus_fysiek_voorkomen"),
    ("plus-type", "plus_type"),
    ("bgt-type", "bgt_type"),
    ("bgt-functie", "functie"),
    ("bgt-fysiekVoorkomen", "fysiek_voorkomen"),
)
_FUNCTION_IS_FUNCTIE = frozenset({"wegdeel", "ondersteunendwegdeel", "spoor"})
_CLASS_IS_FYSIEK = frozenset({"begroeidterreindeel"})
_GEOM_PREFIXES = ("geometrie", "lod0", "lod1", "lod2", "lod3", "lod4", "geometry", "position")
#: The CityGML 2.0 classes that IMGeo 2.1 extends (its ``_GenericApplicationPropertyOf<Class>``
#: elements) and the BGT class each one holds. Every other IMGeo object is an ``imgeo:<Name>``
#: element whose class is the name in lower case (``imgeo:OndersteunendWaterdeel`` →
#: ondersteunendwaterdeel). Source: the IMGeo 2.1 GML application schema, Geonovum
#: (imgeo.xsd, https://register.geostandaarden.nl/gmlapplicatieschema/imgeo/2.1.1/imgeo.xsd;
#: the same file is in the GitHub repository Geonovum/IMGeo, gmlapplicatieschema/2.1).
CITYGML_CLASSES: dict[str, str] = {
    "BuildingPart": "pand",  # bui: (building/2.0)
    "BuildingInstallation": "gebouwinstallatie",
    "TrafficArea": "wegdeel",  # tra: (transportation/2.0)
    "AuxiliaryTrafficArea": "ondersteunendwegdeel",
    "Railway": "spoor",
    "PlantCover": "begroeidterreindeel",  # veg: (vegetation/2.0)
    "SolitaryVegetationObject": "vegetatieobject",
    "BridgeConstructionElement": "overbruggingsdeel",  # bri: (bridge/2.0)
    "TunnelPart": "tunneldeel",  # tun: (tunnel/2.0)
}
#: Class names a file name may carry: the Dutch ones and the CityGML element names in lower
#: case (older PDOK extracts name files ``bgt_buildingpart.gml``, ``bgt_trafficarea.gml``).
_NAME_CLASSES: dict[str, str] = {
    **{c: c for c in (*BGT_CLASSES, "plaatsbepalingspunt")},
    **{k.lower(): v for k, v in CITYGML_CLASSES.items()},
}
_BY_LENGTH = sorted(_NAME_CLASSES, key=len, reverse=True)
_XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"


@dataclass
class ClassReport:
    """What reading one BGT class did."""

    bgt_class: str
    source: str
    n_objects: int = 0
    n_current: int = 0
    n_ended: int = 0
    n_status_not_bestaand: int = 0
    n_kept: int = 0
    n_without_geometry: int = 0
    repaired_invalid: int = 0
    repaired_ids: list[str] = field(default_factory=list)
    dropped_collapsed: list[str] = field(default_factory=list)
    geometry_errors: list[str] = field(default_factory=list)
    arcs_linearised: int = 0
    rings_closed: int = 0
    z_dropped: int = 0
    segment_gaps: int = 0
    parts_dropped: int = 0
    kruinlijn_not_read: int = 0
    duplicates_dropped: int = 0

    @property
    def n_not_current(self) -> int:
        """Objects skipped because they are not current (ended or not 'bestaand')."""
        return self.n_objects - self.n_current

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in (*self.__dataclass_fields__, "n_not_current")}


@dataclass
class BgtReport:
    """Counts per class, objects dropped as not current, geometry repairs."""

    source: str
    current_only: bool
    arc_tolerance_m: float
    classes: dict[str, ClassReport] = field(default_factory=dict)

    def summary_frame(self) -> pd.DataFrame:
        """One row per class: objects in the file, current, kept, not current, repairs."""
        rows = [
            {
                "bgt_class": c.bgt_class, "objects": c.n_objects, "current": c.n_current,
                "not_current": c.n_not_current, "kept": c.n_kept, "repaired": c.repaired_invalid,
                "dropped_collapsed": len(c.dropped_collapsed), "geometry_errors": len(c.geometry_errors),
                "without_geometry": c.n_without_geometry, "arcs_linearised": c.arcs_linearised,
                "duplicates_dropped": c.duplicates_dropped,
            }
            for c in self.classes.values()
        ]
        return pd.DataFrame(rows)

    @property
    def total_kept(self) -> int:
        return sum(c.n_kept for c in self.classes.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "current_only": self.current_only,
            "arc_tolerance_m": self.arc_tolerance_m,
            "classes": {k: v.to_dict() for k, v in self.classes.items()},
        }


class BgtLayers(dict[str, gpd.GeoDataFrame]):
    """``{class name: GeoDataFrame}`` as returned by :func:`read_bgt`, with its ``report``."""

    def __init__(self, layers: dict[str, gpd.GeoDataFrame], report: BgtReport) -> None:
        super().__init__(layers)
        self.report = report


def bgt_class_of_element(tag: str) -> str:
    """BGT class of a ``cityObjectMember`` element (its tag, with or without namespace).

    >>> bgt_class_of_element("{http://www.opengis.net/citygml/building/2.0}BuildingPart")
    'pand'
    >>> bgt_class_of_element("{http://www.geostandaarden.nl/imgeo/2.1}OndersteunendWaterdeel")
    'ondersteunendwaterdeel'
    """
    name = local_name(tag) or tag
    return CITYGML_CLASSES.get(name) or name.lower()


def bgt_class_of(filename: str) -> str:
    """BGT class named by a file name, Dutch or English; the fallback for files without objects.

    The longest class name found in the name's letters wins, so prefixes, suffixes and
    English element names do not matter; a name without a class name gives its stem.

    >>> bgt_class_of("bgt_wegdeel.gml"), bgt_class_of("bgt_pand-s.gml"), bgt_class_of("bgt_railway.gml")
    ('wegdeel', 'pand', 'spoor')
    """
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    stem = Path(base).stem.lower()
    letters = re.sub(r"[^a-z]", "", stem)
    for name in _BY_LENGTH:
        if name in letters:
            return _NAME_CLASSES[name]
    return stem


Opener = Callable[[], AbstractContextManager[IO[bytes]]]


def _file_opener(path: Path) -> Opener:
    def _open() -> IO[bytes]:
        return open(path, "rb")

    return _open


def _sources(path: Path) -> Iterator[tuple[str, str, Opener]]:
    """(file name, display name, opener) of every GML file of a zip, folder or single file."""
    src = str(path)
    if not path.exists():
        raise LayerReadError("bestand of map niet gevonden", source=src,
                             hint="geef een PDOK-BGT-zip, een map met bgt_*.gml-bestanden of één .gml-bestand")
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == ".gml")
        for f in files:
            yield f.name, str(f), _file_opener(f)
        return
    if path.suffix.lower() == ".gml":
        yield path.name, src, _file_opener(path)
        return
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise LayerReadError("geen zipbestand en geen .gml-bestand", source=src,
                             hint="geef de BGT-download (zip), een map met bgt_*.gml-bestanden of één .gml-bestand") from None
    with zf:
        for info in safe_members(zf, source=src):
            if info.filename.lower().endswith(".gml"):
                yield (info.filename, f"{src}!{info.filename}",
                       (lambda info=info: open_member(zf, info, source=src)))  # type: ignore[misc]


def _text(el: Any) -> str | None:
    if el.get(_XSI_NIL) in ("true", "1"):
        return None
    text = (el.text or "").strip()
    if not text or text.casefold() in _VOID:
        return None
    return text


def _column_of(name: str, bgt_class: str) -> str | None:
    col = _SIMPLE.get(name)
    if col is not None:
        return col
    if name == "function":
        return "functie" if bgt_class in _FUNCTION_IS_FUNCTIE else "bgt_type"
    if name == "class":
        return "fysiek_voorkomen" if bgt_class in _CLASS_IS_FYSIEK else "bgt_type"
    for prefix, c in _PREFIX:
        if name.startswith(prefix):
            return c
    if name.endswith("OpTalud"):
        return "op_talud"
    return None


def _geometry_child(prop: Any) -> Any | None:
    for child in prop:
        if is_gml(child):
            return child
    return None


def _label_points(prop: Any) -> list[Any]:
    return list(prop.iter("{*}Point"))


#: Size above which a GML file without any object is an error, not an empty class.
_EMPTY_FILE_BYTES = 4096


class _CountingReader(io.RawIOBase):
    """Pass a binary stream through, counting the bytes read."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.n_bytes = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self.n_bytes += len(data)
        return data

    def readinto(self, b: Any) -> int:
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)


_MEMBER_TAGS = ("{*}cityObjectMember", "{*}featureMember")
_FIRST_MEMBER = re.compile(
    r"<(?:[\w.\-]+:)?(?:cityObjectMember|featureMember)\b[^>]*>\s*(?:<!--.*?-->\s*)*"
    r"<(?:[\w.\-]+:)?([A-Za-z_][\w.\-]*)", re.DOTALL)
_SNIFF_BYTES = 64 * 1024


def _first_class(opener: Opener, source: str) -> tuple[str | None, bool]:
    """The class of the first object in a GML file, from its first bytes (decoded in the file's
    own encoding), and whether those bytes were the whole file. ``(None, True)``: no objects."""
    with opener() as stream:
        head = stream.read(_SNIFF_BYTES)
        whole = not stream.read(1)
    m = _FIRST_MEMBER.search(head_text(head, source=source))
    return (bgt_class_of_element(m.group(1)) if m else None), whole


class _FileReader:
    """Reads one GML stream, handing each object to the :class:`_ClassReader` of its class."""

    def __init__(self, file_class: str, source: str, *, current_only: bool, tolerance_m: float,
                 wanted: list[str] | None) -> None:
        self.file_class = file_class  # from the file name: only for a file without objects
        self.source = source
        self.current_only = current_only
        self.tol = tolerance_m
        self.wanted = wanted
        self.readers: dict[str, _ClassReader] = {}
        self._classes: dict[str, str] = {}

    def _reader(self, bgt_class: str) -> _ClassReader:
        reader = self.readers.get(bgt_class)
        if reader is None:
            reader = self.readers[bgt_class] = _ClassReader(
                bgt_class, self.source, current_only=self.current_only, tolerance_m=self.tol)
        return reader

    def read(self, stream: IO[bytes]) -> None:
        counted = _CountingReader(stream)
        n_members = 0
        try:
            for member in iter_members(cast("IO[bytes]", counted), source=self.source, tag=_MEMBER_TAGS):
                n_members += 1
                feature = next((c for c in member if isinstance(c.tag, str)), None)
                if feature is None:
                    continue
                bgt_class = self._classes.get(feature.tag)
                if bgt_class is None:
                    bgt_class = self._classes[feature.tag] = bgt_class_of_element(feature.tag)
                if self.wanted is None or bgt_class in self.wanted:
                    self._reader(bgt_class)._feature(feature)
        except etree.XMLSyntaxError as exc:
            raise LayerReadError(f"XML niet welgevormd: {exc}", source=self.source, layer=self.file_class,
                                 hint="het bestand is afgekapt of beschadigd; download het BGT-uittreksel opnieuw") from None
        if n_members == 0 and counted.n_bytes > _EMPTY_FILE_BYTES:
            # an empty BGT class file is ~400 bytes; a larger file without members is not BGT
            raise LayerReadError(
                f"{nl(counted.n_bytes)} bytes maar geen cityObjectMember-/featureMember-elementen",
                source=self.source, layer=self.file_class,
                hint="dit is geen BGT-bestand (IMGeo/CityGML); geef de PDOK-BGT-download op",
            )
        if n_members == 0 and (self.wanted is None or self.file_class in self.wanted):
            self._reader(self.file_class)  # an empty class file: its class's empty layer


class _ClassReader:
    """Collects the objects of one class from one GML file into records + geometry specs."""

    def __init__(self, bgt_class: str, source: str, *, current_only: bool, tolerance_m: float) -> None:
        self.bgt_class = bgt_class
        self.source = source
        self.current_only = current_only
        self.tol = tolerance_m
        self.records: list[list[Any]] = []
        self.collector = GeometryCollector()
        self.stats = GeometryStats()
        self.report = ClassReport(bgt_class, source)
        self._kinds: dict[Any, str] = {}

    def _kind_of(self, tag: Any) -> str:
        """What a property element is: a record column, ``@...`` for special handling, ``""`` to skip."""
        name = local_name(tag)
        if not name:
            return ""
        if name == "identificatie":
            return "@identificatie"
        if name == "openbareRuimteNaam":
            return "@naam"
        if name.startswith("kruinlijn"):
            return "@kruinlijn"
        col = _column_of(name, self.bgt_class)
        if col is not None:
            return col
        if name.startswith(_GEOM_PREFIXES):
            return "@geometry"
        return ""

    def _feature(self, feat: Any) -> None:
        rep = self.report
        rep.n_objects += 1
        rec: list[Any] = [None] * len(_RECORD)
        rec[_POS["gml_id"]] = next((v for k, v in feat.attrib.items() if local_name(k) == "id"), None)
        geom_el = None
        has_kruinlijn = False
        has_status = False
        labels: list[Any] = []
        for prop in feat:
            kind = self._kinds.get(prop.tag)
            if kind is None:
                kind = self._kinds[prop.tag] = self._kind_of(prop.tag)
            if kind == "":
                continue
            if kind == "@identificatie":
                lid = next(prop.iter("{*}lokaalID"), None)
                rec[_POS["lokaal_id"]] = _text(lid) if lid is not None else None
            elif kind == "@naam":
                tekst = next(prop.iter("{*}tekst"), None)
                rec[_POS["naam"]] = _text(tekst) if tekst is not None else None
                labels = _label_points(prop)
            elif kind == "@kruinlijn":
                has_kruinlijn = has_kruinlijn or len(prop) > 0
            elif kind == "@geometry":
                if geom_el is None:
                    geom_el = _geometry_child(prop)
            elif rec[_POS[kind]] is None:
                rec[_POS[kind]] = _text(prop)
                has_status = has_status or kind == "status"
        ended = rec[_POS["eind_registratie"]] is not None
        # without a bgt-status element (plaatsbepalingspunt has none) an object is current
        # unless it has ended; with one, only "bestaand" is (a void value is not)
        bestaand = not has_status or (rec[_POS["status"]] or "").casefold() == "bestaand"
        if ended:
            rep.n_ended += 1
        if not bestaand:
            rep.n_status_not_bestaand += 1
        current = not ended and bestaand
        rep.n_current += current
        if self.current_only and not current:
            return
        row = len(self.records)
        self.records.append(rec)
        rep.kruinlijn_not_read += has_kruinlijn
        spec = None
        try:
            if geom_el is not None:
                spec = parse_geometry(geom_el, stats=self.stats, tolerance_m=self.tol)
            elif labels:
                points = [s[1] for s in (parse_geometry(p, stats=self.stats) for p in labels) if s is not None]
                if points:
                    spec = ("point", points[0]) if len(points) == 1 else ("multipoint", np.vstack(points))
        except GmlGeometryError as exc:
            rep.geometry_errors.append(f"{rec[_POS['gml_id']]}: {exc}")
            spec = None
        self.collector.add(row, spec)

    def frame(self) -> gpd.GeoDataFrame:
        rep = self.report
        geoms = self.collector.build(len(self.records))
        rep.arcs_linearised = self.stats.arcs_linearised
        rep.rings_closed = self.stats.rings_closed
        rep.z_dropped = self.stats.z_dropped
        rep.segment_gaps = self.stats.segment_gaps
        rep.parts_dropped = self.stats.parts_dropped
        data = {col: [r[i] for r in self.records] for i, col in enumerate(_RECORD)}
        gdf = _build_frame(self.bgt_class, data, geoms, str(self.source))
        gdf = _repair(gdf, rep, source=self.source)
        rep.n_without_geometry = int(shapely.is_missing(np.asarray(gdf.geometry.values)).sum())
        rep.n_kept = len(gdf)
        if rep.geometry_errors:
            log.warning("%s: %s object(en) met onleesbare geometrie zonder geometrie behouden (eerste: %s)",
                        self.source, nl(len(rep.geometry_errors)), rep.geometry_errors[0])
        return gdf


def _dates(values: list[Any]) -> pd.Series:
    s = pd.Series(values, dtype="string")
    return pd.to_datetime(s, format="ISO8601", errors="coerce").astype("datetime64[ms]")


#: A relatieveHoogteligging as IMGeo writes it: a small integer (-9 … 9 in practice), ASCII digits.
_LEVEL = re.compile(r"[+-]?[0-9]{1,2}", re.ASCII)


def _level(value: str | None) -> int | None:
    """The integer of a relatieveHoogteligging text; None when missing or not a small integer."""
    if value is None:
        return None
    text = value.strip()
    return int(text) if _LEVEL.fullmatch(text) else None


def _build_frame(bgt_class: str, data: dict[str, list[Any]], geoms: np.ndarray, source: str | None = None
                 ) -> gpd.GeoDataFrame:
    n = len(geoms)
    cols: dict[str, Any] = {"bgt_class": pd.Series([bgt_class] * n, dtype="string")}
    for col in ("gml_id", "lokaal_id", "bronhouder"):
        cols[col] = pd.Series(data[col], dtype="string")
    for col in _DATES:
        cols[col] = _dates(data[col])
    for col in _CODES:
        cols[col] = pd.Series(data[col], dtype="string")
    rh = [_level(v) for v in data["relatieve_hoogteligging"]]
    unreadable = sum(1 for v, r in zip(data["relatieve_hoogteligging"], rh, strict=True) if r is None and v)
    if unreadable:
        log.warning("%s: %s object(en) van klasse %s met een onleesbare relatieveHoogteligging (geen geheel getal "
                    "van -99 tot 99) zonder waarde behouden", source or bgt_class, nl(unreadable), bgt_class)
    cols["relatieve_hoogteligging"] = pd.Series(pd.array(rh, dtype="Int64"))
    talud = [None if v is None else v.casefold() in ("true", "1") for v in data["op_talud"]]
    cols["op_talud"] = pd.Series(pd.array(talud, dtype="boolean"))
    cols["bag_id"] = pd.Series(data["bag_id"], dtype="string")
    cols["naam"] = pd.Series(data["naam"], dtype="string")
    cols["category"] = pd.Series([None] * n, dtype="string")
    frame = pd.DataFrame(cols)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs="EPSG:28992"), crs="EPSG:28992")


#: shapely type id → the id of its single-part type (0 point, 1 line, 3 polygon).
_FAMILY_BASE = {0: 0, 4: 0, 1: 1, 2: 1, 5: 1, 3: 3, 6: 3}


def _repair(gdf: gpd.GeoDataFrame, rep: ClassReport, *, source: str) -> gpd.GeoDataFrame:
    """make_valid invalid polygons (structure method), drop geometries that collapse."""
    arr = np.asarray(gdf.geometry.values, dtype=object)
    present = ~shapely.is_missing(arr)
    if not present.any():
        return gdf
    invalid = present & ~shapely.is_valid(arr)
    if not invalid.any():
        return gdf
    ids = gdf["gml_id"].to_numpy(dtype=object)
    type_ids = shapely.get_type_id(arr)
    fixed = arr.copy()
    collapsed = np.zeros(len(arr), dtype=bool)
    for i in np.flatnonzero(invalid):
        base = _FAMILY_BASE.get(int(type_ids[i]))
        if base is None:  # a GeometryCollection: nothing to keep it to
            continue
        repaired = shapely.make_valid(arr[i], method="structure", keep_collapsed=False)
        parts = [q for q in shapely.get_parts(repaired)
                 if _FAMILY_BASE.get(int(shapely.get_type_id(q))) == base and not q.is_empty]
        if not parts:
            collapsed[i] = True
        elif len(parts) == 1:
            fixed[i] = parts[0]
        elif base == 3:
            fixed[i] = shapely.union_all(parts)
        elif base == 1:
            fixed[i] = shapely.multilinestrings(parts)
        else:
            fixed[i] = shapely.multipoints(parts)
    rep.repaired_invalid = int((invalid & ~collapsed).sum())
    rep.repaired_ids = [str(v) for v in ids[invalid & ~collapsed]]
    rep.dropped_collapsed = [str(v) for v in ids[collapsed]]
    log.info("%s: %s ongeldige geometrieën gerepareerd met make_valid, %s ingestort en verwijderd",
             source, nl(rep.repaired_invalid), nl(len(rep.dropped_collapsed)))
    out = gdf.set_geometry(gpd.GeoSeries(fixed, index=gdf.index, crs=gdf.crs))
    if collapsed.any():
        out = out.loc[~collapsed].reset_index(drop=True)
    return out


def _empty_frame(bgt_class: str) -> gpd.GeoDataFrame:
    return _build_frame(bgt_class, {c: [] for c in _RECORD}, np.empty(0, dtype=object))


def read_bgt(
    path: str | os.PathLike[str],
    *,
    classes: list[str] | None = None,
    current_only: bool = True,
    category_table: CategoryTable | str | os.PathLike[str] | None = None,
    arc_tolerance_m: float = ARC_TOLERANCE_M,
) -> BgtLayers:
    """Read a BGT extract into one GeoDataFrame per class, in EPSG:28992.

    Parameters
    ----------
    path
        PDOK BGT download (zip of ``bgt_<class>.gml``), a folder of such files, or one file.
    classes
        Only these classes (e.g. ``["wegdeel", "waterdeel"]``); default: every class present.
    current_only
        Keep only current objects (no ``eindRegistratie`` and ``bgt-status`` = bestaand).
    category_table
        Table for the ``category`` column (a :class:`CategoryTable` or a TOML path); default:
        the shipped ``wlr_geo/defaults/bgt_categories.toml``.
    arc_tolerance_m
        Largest distance between a GML arc and its linearisation, in metres.

    Returns
    -------
    BgtLayers
        ``{class: GeoDataFrame}`` with the columns of :data:`COLUMNS`; classes whose file is
        empty are present as empty frames with the same schema. ``.report`` is a
        :class:`BgtReport` (counts per class, not-current objects, repairs).

    Raises
    ------
    LayerReadError
        Missing file, not a zip/GML, damaged XML, no GML files.
    LayerNotFoundError
        A class in ``classes`` is not in the extract.
    UnsafeInputError
        DOCTYPE/entities in a GML file, unsafe zip members.

    Examples
    --------
    >>> from wlr_geo.catalog import embedded_path
    >>> layers = read_bgt(embedded_path("bgt/bgt_otterlo_2020.zip"), classes=["waterdeel"])
    >>> len(layers["waterdeel"]), layers["waterdeel"].crs.to_epsg()
    (296, 28992)
    """
    if arc_tolerance_m <= 0:
        raise ValueError(f"arc_tolerance_m moet positief zijn, gekregen: {arc_tolerance_m}")
    p = Path(path)
    table = category_table if isinstance(category_table, CategoryTable) else load_category_table(category_table)
    wanted = None if classes is None else [c.casefold() for c in classes]
    report = BgtReport(str(p), current_only, arc_tolerance_m)
    frames: dict[str, list[gpd.GeoDataFrame]] = {}
    for file_name, display, opener in _sources(p):
        file_class = bgt_class_of(file_name)
        if wanted is not None:  # skip a file of another class without parsing it
            first, whole = _first_class(opener, display)
            if (first or (file_class if whole else None)) not in (*wanted, None):
                continue
        fr = _FileReader(file_class, display, current_only=current_only, tolerance_m=arc_tolerance_m,
                         wanted=wanted)
        with opener() as stream:
            fr.read(stream)
        for bgt_class, reader in fr.readers.items():
            frames.setdefault(bgt_class, []).append(reader.frame())
            _merge_report(report, reader.report)
    if not frames and wanted is None:
        raise LayerReadError("geen .gml-bestanden gevonden", source=str(p),
                             hint="geef de zip van de downloaddienst van PDOK-BGT (met bgt_<klasse>.gml erin)")
    if wanted is not None:
        missing = [c for c in wanted if c not in frames]
        if missing:
            raise LayerNotFoundError(
                f"klasse(n) {', '.join(missing)} niet in dit uittreksel",
                source=str(p), hint=f"kies uit de beschikbare klassen: {', '.join(_available(p))}",
            )
    layers: dict[str, gpd.GeoDataFrame] = {}
    for bgt_class in sorted(frames):
        parts = frames[bgt_class]
        gdf = parts[0] if len(parts) == 1 else gpd.GeoDataFrame(
            pd.concat(parts, ignore_index=True), geometry="geometry", crs="EPSG:28992")
        ids = gdf["gml_id"]
        dup = (ids.notna() & ids.duplicated()).to_numpy(dtype=bool)
        if dup.any():  # the same object twice (one class in two files): keep the first
            gdf = gdf.loc[~dup].reset_index(drop=True)
            rep = report.classes[bgt_class]
            rep.duplicates_dropped = int(dup.sum())
            rep.n_kept -= rep.duplicates_dropped
            log.warning("%s: %s object(en) van klasse %s dubbel geleverd (zelfde gml:id), één keer behouden",
                        p, nl(rep.duplicates_dropped), bgt_class)
        if len(gdf):
            _check_rd(gdf, source=str(p), layer=bgt_class)
            gdf["category"] = classify(gdf, table)
        layers[bgt_class] = gdf
    return BgtLayers(layers, report)


def _merge_report(report: BgtReport, part: ClassReport) -> None:
    old = report.classes.get(part.bgt_class)
    if old is None:
        report.classes[part.bgt_class] = part
        return
    for name in ("n_objects", "n_current", "n_ended", "n_status_not_bestaand", "n_kept", "n_without_geometry",
                 "repaired_invalid", "arcs_linearised", "rings_closed", "z_dropped", "segment_gaps",
                 "parts_dropped", "kruinlijn_not_read"):
        setattr(old, name, getattr(old, name) + getattr(part, name))
    old.repaired_ids += part.repaired_ids
    old.dropped_collapsed += part.dropped_collapsed
    old.geometry_errors += part.geometry_errors
    old.source = f"{old.source}; {part.source}"


def _available(p: Path) -> list[str]:
    out = set()
    for name, display, opener in _sources(p):
        first, _ = _first_class(opener, display)
        out.add(first or bgt_class_of(name))
    return sorted(out)


def _check_rd(gdf: gpd.GeoDataFrame, *, source: str, layer: str) -> None:
    """Coordinates must lie in the RD area of use (catches axis swaps and unit mix-ups)."""
    geoms = gpd.GeoSeries(gdf.geometry.values, index=gdf["gml_id"].astype(object).to_numpy(), crs=gdf.crs)
    check_bounds(geoms, source=source, layer=layer)
