"""Streaming parser of one IMKL 2.x (and 1.2.1) XML into raw, unresolved records.

The XML is read with :func:`wlr_geo._safe.iterparse` (no DTD, no entities) and only the
``featureMember``/``member`` elements are reported; each feature is handled and then cleared
together with its finished siblings, so memory holds one feature tree at a time plus the
compact records collected here. Resolution (``net:link`` → ``UtilityLink``, ``inNetwork`` →
``Utiliteitsnet`` → ``thema``, operator, depth) happens afterwards in
:mod:`wlr_geo.io.klic._assemble`.

Feature types are recognised by their local name, so IMKL 2.x and 1.2.1 share this code
(see :mod:`wlr_geo.io.klic._imkl1`). A type that is not known is counted in
``RawDelivery.unknown_types``; if it has ``net:link`` children it is still read as a line
network element, and if it has a point geometry as a point element.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from wlr_geo._errors import KlicError, OutOfBoundsError
from wlr_geo._nl import nl
from wlr_geo._safe import head_text, iter_members, iterparse, local_name, read_prolog
from wlr_geo.io.klic._gml import RD_BOUNDS_M as _RD_BOUNDS
from wlr_geo.io.klic._gml import (
    GmlGeometryError,
    OutsideRDError,
    parse_geometry,
    parse_line_coords,
    parse_point_xy,
    rd_problem,
)
from wlr_geo.io.klic._imkl1 import IMKL1_NAMESPACES, IMKL2_NAMESPACE, RENAMED_1_TO_2, detect_version
from wlr_geo.io.klic._values import (
    ELEMENT_ORDER,
    ELEMENT_PROPS,
    POINT_ORDER,
    XLINK,
    Leaf,
    bool_of,
    code_of,
    depth_attrs,
    element_attrs,
    href_of,
    href_tail,
    leaf_of,
    measure_of,
    point_attrs,
    text_of,
)

__all__ = ["LINE_TYPES", "POINT_TYPES", "NoFeaturesError", "RawDelivery", "parse_stream"]


class NoFeaturesError(KlicError):
    """An IMKL file that is well-formed but holds no features (an empty netinformatie file)."""

GML_ID_ATTRS = ("{http://www.opengis.net/gml/3.2}id", "{http://www.opengis.net/gml}id")
_GML32_ID, _GML_ID = GML_ID_ATTRS

#: Cable, pipe and container types (IMKL KabelOfLeiding / KabelEnLeidingContainer + INSPIRE).
LINE_TYPES = frozenset({
    "Elektriciteitskabel", "Telecommunicatiekabel", "OlieGasChemicalienPijpleiding",
    "ThermischePijpleiding", "Waterleiding", "Rioolleiding", "Overig", "OverigePijpleiding",
    "OverigeKabel", "Mantelbuis", "Kabelbed", "Duct", "Buis",
    "Cable", "Pipe", "ElectricityCable", "TelecommunicationsCable", "OilGasChemicalsPipe",
    "ThermalPipe", "WaterPipe", "SewerPipe",
})
#: Point network elements (IMKL Leidingelement / ContainerLeidingelement + INSPIRE).
POINT_TYPES = frozenset({
    "Appurtenance", "Kast", "Mast", "Mangat", "Toren", "TechnischGebouw", "Leidingelement",
    "ContainerLeidingelement", "Cabinet", "Pole", "Manhole", "Tower",
})
DEPTH_TYPES = frozenset({"DiepteTovMaaiveld", "DiepteNAP"})
REQUEST_AREA_TYPES = frozenset({
    "Graafpolygoon", "Informatiepolygoon", "Orientatiepolygoon", "Calamiteitenpolygoon",
})
ATTACHMENT_TYPES = frozenset({"Bijlage", "EisVoorzorgsmaatregelBijlage", "ExtraDetailinfo"})
#: Known types this reader does not turn into a layer (map annotation, own topography, ...).
SKIPPED_TYPES = frozenset({
    "Annotatie", "Maatvoering", "EigenTopografie", "Belang", "UtilityNetwork", "Bouwwerk",
})
_HANDLED = (
    LINE_TYPES | POINT_TYPES | DEPTH_TYPES | REQUEST_AREA_TYPES | ATTACHMENT_TYPES | SKIPPED_TYPES
    | {"UtilityLink", "Utiliteitsnet", "Beheerder", "Belanghebbende", "ExtraGeometrie",
       "AanduidingEisVoorzorgsmaatregel", "GebiedsinformatieLevering",
       "GebiedsinformatieAanvraag"}
)

_ROOT_TAG = re.compile(r"<(?![?!])([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)([^>]*)>", re.DOTALL)
_XMLNS = re.compile(r"xmlns(?::[\w.\-]+)?\s*=\s*[\"']([^\"']+)[\"']")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


@dataclass
class RawDelivery:
    """What one XML contains, before links and networks are resolved."""

    source: str
    version: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)  # gml:id → feature type
    links: dict[str, tuple[np.ndarray, float | None, float | None, str | None]] = field(default_factory=dict)
    # cables/pipes: (type, gml:id, network, link hrefs, index into element_attrs)
    elements: list[tuple[str, str, str | None, tuple[str, ...], int]] = field(default_factory=list)
    # their distinct attribute sets (many elements share one; see _Parser._element)
    element_attrs: list[dict[str, Any]] = field(default_factory=list)
    points: list[tuple[str, str, str | None, BaseGeometry, dict[str, Any]]] = field(default_factory=list)
    depths: list[tuple[str, str, str | None, BaseGeometry, dict[str, Any]]] = field(default_factory=list)
    areas: list[tuple[str, str, str | None, BaseGeometry, dict[str, Any]]] = field(default_factory=list)
    request_areas: list[tuple[str, str, BaseGeometry]] = field(default_factory=list)
    precaution_areas: list[tuple[str, str | None, BaseGeometry | None, dict[str, Any]]] = field(default_factory=list)
    networks: dict[str, dict[str, Any]] = field(default_factory=dict)
    beheerders: dict[str, dict[str, Any]] = field(default_factory=dict)
    belanghebbenden: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    unknown_types: Counter[str] = field(default_factory=Counter)
    geometry_problems: list[tuple[str, str]] = field(default_factory=list)
    geometries_ok: int = 0
    geometries_outside_rd: int = 0
    namespaces: set[str] = field(default_factory=set)


#: Properties of a UtilityLink that the reader uses.
_LINK_PROPS = frozenset({"centrelineGeometry", "inNetwork"})
_NETWORK_SLOT = ELEMENT_ORDER.index("inNetwork")
_POINT_NETWORK_SLOT = POINT_ORDER.index("inNetwork")


def _point_leaves(props: dict[str, Any]) -> tuple[Leaf | None, ...]:
    """The ``POINT_ORDER`` leaves of a feature's first-child-per-name ``props``."""
    return tuple(None if (el := props.get(n)) is None else leaf_of(el) for n in POINT_ORDER)


#: Per set of wanted names: full tag → local name, or "" (not wanted / not an element).
_WANTED_NAMES: dict[frozenset[str] | None, dict[Any, str]] = {}


def _props(
    feat: Any, wanted: frozenset[str] | None = None, *, leaves: bool = False,
) -> tuple[dict[str, Any], list[str | None]]:
    """First child per local name (only names in ``wanted`` when given), plus the xlink:href of
    every ``link`` child (None where a link has none). With ``leaves`` the children are given
    as :data:`~wlr_geo.io.klic._values.Leaf` tuples instead of elements (hashable, so equal
    property sets share one attribute dict).

    The tag → name decision is cached per ``wanted``: this is the reader's hottest loop after
    the XML parse.
    """
    names = _WANTED_NAMES.get(wanted)
    if names is None:
        names = _WANTED_NAMES[wanted] = {}
    props: dict[str, Any] = {}
    links: list[str | None] = []
    for ch in feat:
        tag = ch.tag
        ln = names.get(tag)
        if ln is None:
            ln = local_name(tag)
            if wanted is not None and ln not in wanted:
                ln = ""
            names[tag] = ln
        if not ln:
            continue
        if ln == "link":
            links.append(ch.get(XLINK))
        elif ln not in props:
            props[ln] = leaf_of(ch) if leaves else ch
    return props, links


def _geom_child(prop: Any) -> Any:
    if prop is None:
        return None
    for ch in prop:
        if isinstance(ch.tag, str):
            return ch
    return None


def _multi(feat: Any, name: str) -> list[str]:
    return [h for ch in feat if local_name(ch.tag) == name and (h := ch.get(XLINK))]


# ----------------------------------------------------------------------------- the parser


class _Parser:
    def __init__(self, source: str) -> None:
        self.raw = RawDelivery(source)
        self._seen_types: set[str] = set()
        # index in raw.element_attrs per distinct tuple of cable/pipe property leaves
        self._attrs: dict[tuple[Leaf | None, ...], int] = {}
        # UtilityLink centre lines whose RD bounds check is still to do (see finish_links):
        # (gml:id, entry for raw.links, len(geometry_problems) when it was read)
        self._pending: list[tuple[str, tuple[np.ndarray, float | None, float | None, str | None], int]] = []

    def finish_links(self) -> None:
        """Check all pending centre lines against the RD area at once and store them.

        Gives the same ``links``, counts and (ordered) ``geometry_problems`` as checking each
        line while it is read.
        """
        pending = self._pending
        self._pending = []
        if not pending:
            return
        raw = self.raw
        sizes = np.fromiter((len(e[1][0]) for e in pending), dtype=np.intp, count=len(pending))
        xy = np.concatenate([e[1][0] for e in pending])
        starts = np.zeros(len(pending), dtype=np.intp)
        np.cumsum(sizes[:-1], out=starts[1:])
        lo = np.minimum.reduceat(xy, starts, axis=0)
        hi = np.maximum.reduceat(xy, starts, axis=0)
        x0, y0, x1, y1 = _RD_BOUNDS
        bad = ~((lo[:, 0] >= x0) & (lo[:, 1] >= y0) & (hi[:, 0] <= x1) & (hi[:, 1] <= y1))
        inserts: list[tuple[int, str, str]] = []
        for i, (gid, entry, pos) in enumerate(pending):
            if bad[i]:
                msg = rd_problem(float(lo[i, 0]), float(lo[i, 1]), float(hi[i, 0]), float(hi[i, 1]))
                raw.geometries_outside_rd += 1
                inserts.append((pos, gid, str(OutsideRDError(msg))))
            else:
                raw.geometries_ok += 1
                raw.links[gid] = entry
        for pos, gid, msg in reversed(inserts):
            raw.geometry_problems.insert(pos, (gid, msg))

    def _geometry(self, gid: str, prop: Any) -> tuple[BaseGeometry, float | None, float | None] | None:
        return self._geometry_of(gid, _geom_child(prop))

    def _geometry_of(self, gid: str, el: Any) -> tuple[BaseGeometry, float | None, float | None] | None:
        """The geometry element ``el`` (a gml:Point, LineString, ...) with its Z range."""
        if el is None:
            return None
        fast = parse_point_xy(el)
        if fast is not None:
            self.raw.geometries_ok += 1
            return shapely.Point(fast[0], fast[1]), fast[2], fast[2]
        try:
            pg = parse_geometry(el)
        except GmlGeometryError as exc:
            if isinstance(exc, OutsideRDError):
                self.raw.geometries_outside_rd += 1
            self.raw.geometry_problems.append((gid, str(exc)))
            return None
        self.raw.geometries_ok += 1
        return pg.geometry, pg.z_min, pg.z_max

    def _link(self, gid: str, network: str | None, el: Any) -> None:
        """A UtilityLink: its centre line ``el`` (RD check deferred to finish_links) and network."""
        raw = self.raw
        try:
            xy, zmin, zmax = parse_line_coords(el, check_rd=False)
        except GmlGeometryError as exc:
            if isinstance(exc, OutsideRDError):
                raw.geometries_outside_rd += 1
            raw.geometry_problems.append((gid, str(exc)))
            return
        self._pending.append((gid, (xy, zmin, zmax, network), len(raw.geometry_problems)))

    def _element(self, typ: str, gid: str, leaves: tuple[Leaf | None, ...], links: tuple[str, ...]) -> None:
        """A cable, pipe or container from its property ``leaves`` (in ``ELEMENT_ORDER``) and
        the non-empty hrefs of its ``net:link`` children."""
        attrs = self._attrs.get(leaves)
        if attrs is None:  # few distinct combinations per delivery: 236 of 5,277 in 22C001966
            attrs = self._attrs[leaves] = self._add_attrs(dict(zip(ELEMENT_ORDER, leaves, strict=True)))
        network = leaves[_NETWORK_SLOT]
        # only strings and an int: the tuple is not tracked by the garbage collector, which
        # keeps full collections (they walk every tracked object) away on big deliveries
        self.raw.elements.append((typ, gid, None if network is None else network[1], links, attrs))

    def _add_attrs(self, props: dict[str, Leaf | None]) -> int:
        """Store the attributes of a cable/pipe with property leaves ``props``; their index."""
        self.raw.element_attrs.append(element_attrs(props))
        return len(self.raw.element_attrs) - 1

    def _register(self, name: str, tag: str, gid: str | None) -> tuple[str, str] | None:
        """Count one feature (local name ``name``); its IMKL 2 type and id, None if skipped."""
        typ = RENAMED_1_TO_2.get(name, name)
        gid = gid or f"<{typ} zonder gml:id>"
        raw = self.raw
        raw.ids[gid] = typ
        raw.counts[typ] += 1
        if typ in SKIPPED_TYPES:
            return None
        if typ not in self._seen_types:
            self._seen_types.add(typ)
            ns = tag[1 : tag.find("}")] if tag.startswith("{") else ""
            if ns:
                raw.namespaces.add(ns)
        return typ, gid

    def feature(self, feat: Any) -> None:
        local = local_name(feat.tag)
        if not local:
            return
        reg = self._register(local, feat.tag, feat.get(_GML32_ID) or feat.get(_GML_ID))
        if reg is None:
            return
        typ, gid = reg
        raw = self.raw
        if typ == "UtilityLink":  # the most frequent type: only two properties are used
            props, _ = _props(feat, _LINK_PROPS)
            el = _geom_child(props.get("centrelineGeometry"))
            if el is not None:
                self._link(gid, href_of(props.get("inNetwork")), el)
            return
        if typ in LINE_TYPES:  # the next most frequent: only the used properties
            props, links = _props(feat, ELEMENT_PROPS, leaves=True)
            self._element(typ, gid, tuple(props.get(n) for n in ELEMENT_ORDER),
                          tuple(h for h in links if h))
            return
        props, links = _props(feat)
        network = href_of(props.get("inNetwork"))
        if typ not in _HANDLED:
            raw.unknown_types[typ] += 1
            if links:
                raw.elements.append((typ, gid, network, tuple(h for h in links if h),
                                     self._add_attrs({k: leaf_of(v) for k, v in props.items()})))
            else:
                g = self._geometry(gid, props.get("geometry"))
                if g is not None and g[0].geom_type == "Point":
                    raw.points.append((typ, gid, network, g[0], point_attrs(_point_leaves(props))))
            return
        if typ in POINT_TYPES:
            self._point(typ, gid, _point_leaves(props), _geom_child(props.get("geometry")))
        elif typ in DEPTH_TYPES:
            g = self._geometry(gid, props.get("ligging"))
            if g is not None:
                raw.depths.append((typ, gid, network, g[0], depth_attrs(typ, props)))
        elif typ == "Utiliteitsnet":
            raw.networks[gid] = {
                "thema": code_of(props.get("thema")),
                "network_type": code_of(props.get("utilityNetworkType")),
                "standaard_diepte_m": measure_of(props.get("standaardDieptelegging"), "m", "m"),
            }
        elif typ == "Beheerder":
            org = props.get("organisatie")
            name = None
            if org is not None:
                name = next((text_of(n) for n in org.iter("{*}naam")), None)
            raw.beheerders[gid] = {"bronhoudercode": text_of(props.get("bronhoudercode")), "naam": name}
        elif typ == "Belanghebbende":
            raw.belanghebbenden.append({
                "gml_id": gid,
                "netbeheerder": href_of(props.get("netbeheerder")),
                "utiliteitsnetten": _multi(feat, "utiliteitsnet"),
                "indicatie_ev": bool_of(props.get("indicatieEisVoorzorgsmaatregel")),
                "betrokken": bool_of(props.get("betrokkenBijAanvraag")),
            })
        elif typ == "ExtraGeometrie":
            for pname in ("vlakgeometrie2D", "vlakgeometrie2.5D", "vlakgeometrie3D", "puntgeometrie2.5D",
                          "lijngeometrie2.5D", "geometrie"):
                if pname in props:
                    g = self._geometry(gid, props[pname])
                    if g is not None:
                        raw.areas.append((typ, gid, network, g[0], {"geometrie_soort": pname}))
                    break
        elif typ in REQUEST_AREA_TYPES:
            g = self._geometry(gid, props.get("geometrie"))
            if g is not None:
                raw.request_areas.append((typ, gid, g[0]))
        elif typ == "AanduidingEisVoorzorgsmaatregel":
            g = self._geometry(gid, props.get("geometrie"))
            raw.precaution_areas.append((gid, network, None if g is None else g[0], {
                "eis": text_of(props.get("eisVoorzorgsmaatregel")),
                "net_omschrijving": text_of(props.get("netbeheerderNetOmschrijving")),
                "net_aanduiding": text_of(props.get("netbeheerderNetAanduiding")),
                "werk_aanduiding": text_of(props.get("netbeheerderWerkAanduiding")),
            }))
        elif typ in ATTACHMENT_TYPES:
            soort = href_tail(href_of(props.get("bijlageType")) or href_of(props.get("extraInfoType")))
            raw.attachments.append({
                "gml_id": gid, "object_type": typ, "soort": soort,
                "pad": text_of(props.get("bestandLocatie")),
                "bestand_id": text_of(props.get("bestandIdentificator")),
                "media_type": code_of(props.get("bestandMediaType")),
                "thema": code_of(props.get("thema")),
                "eis": text_of(props.get("eisVoorzorgsmaatregel")),
                "toelichting": text_of(props.get("toelichting")),
                "network": network,
            })
        elif typ == "GebiedsinformatieLevering":
            raw.meta["levering_id"] = gid
            raw.meta["leveringsvolgnummer"] = text_of(props.get("leveringsvolgnummer"))
            raw.meta["datum_levering"] = text_of(props.get("datumLeveringSamengesteld")) or text_of(props.get("beginLifespanVersion"))
            raw.meta["levering_compleet"] = bool_of(props.get("indicatieLeveringCompleet"))
            for kaart in feat.iter("{*}kaartreferentie"):
                raw.attachments.append({
                    "gml_id": gid, "object_type": "Achtergrondkaart", "soort": "achtergrondkaart",
                    "pad": text_of(kaart), "bestand_id": None, "media_type": None, "thema": None,
                    "eis": None, "toelichting": None, "network": None,
                })
        elif typ == "GebiedsinformatieAanvraag":
            raw.meta["meldnummer"] = text_of(props.get("klicMeldnummer"))
            raw.meta["aanvraag_soort"] = code_of(props.get("aanvraagSoort"))
            raw.meta["aanvraag_datum"] = text_of(props.get("aanvraagDatum")) or text_of(props.get("beginLifespanVersion"))
            raw.meta["referentie"] = text_of(props.get("referentie"))

    def _point(self, typ: str, gid: str, leaves: tuple[Leaf | None, ...], el: Any) -> None:
        """A point element from its property ``leaves`` (in ``POINT_ORDER``) and geometry."""
        g = self._geometry_of(gid, el)
        if g is None:
            return
        attrs = point_attrs(leaves)
        if g[1] is not None:
            attrs["z_min_m"], attrs["z_max_m"] = g[1], g[2]
        network = leaves[_POINT_NETWORK_SLOT]
        self.raw.points.append((typ, gid, None if network is None else network[1], g[0], attrs))

_EXPECTED = (
    "een KLIC-levering in IMKL 2.x (namespace " + IMKL2_NAMESPACE + ") of IMKL 1.2.1 ("
    + IMKL1_NAMESPACES[0] + "): een gml:FeatureCollection van IMKL-objecten"
)


def _check_root(head: bytes, source: str) -> tuple[str, set[str], bool]:
    """The root element's name and namespaces, and whether features sit in ``featureMembers``,
    from the first bytes of the file (decoded in its own encoding, see
    :func:`wlr_geo._safe.head_text`)."""
    stripped = _COMMENT.sub("", head_text(head, source=source))
    m = _ROOT_TAG.search(stripped)
    if m is None:
        raise KlicError(f"geen XML-element gevonden; verwacht: {_EXPECTED}", source=source,
                        hint="geef het GI_gebiedsinformatielevering_*.xml van de levering op")
    root = m.group(2)
    namespaces = set(_XMLNS.findall(m.group(3)))
    if root not in ("FeatureCollection", "FeatureCollectionType"):
        raise KlicError(
            f"het hoofdelement is <{root}>, geen gml:FeatureCollection; verwacht: {_EXPECTED}",
            source=source, hint="dit bestand is geen KLIC-levering; geef het GI_*.xml uit de Levering-zip op",
        )
    plural = "featureMembers" in stripped[: 4096 + m.end()]
    return root, namespaces, plural


def parse_stream(stream: IO[bytes], *, source: str) -> RawDelivery:
    """Parse one IMKL XML stream into a :class:`RawDelivery`.

    Raises
    ------
    UnsafeInputError
        The XML declares a DOCTYPE (entities).
    KlicError
        The file is not XML, not a FeatureCollection or has no IMKL namespace.
    """
    start: int | None = None
    try:
        if stream.seekable():  # a plain file: rewind instead of chaining (saves a copy per read)
            start = stream.tell()
    except (OSError, ValueError):
        start = None
    head = read_prolog(stream, source=source)  # refuses a DOCTYPE anywhere before the root
    head += stream.read(64 * 1024)  # the root's start tag with its namespace declarations
    _root, namespaces, plural = _check_root(head, source)
    parser = _Parser(source)
    raw = parser.raw
    raw.version = detect_version(namespaces)
    known_head: bytes | None = head  # parsed first, without reading the prolog again
    if start is not None:
        stream.seek(start)
        known_head = None
    from lxml import etree

    try:
        if plural:
            for _, el in iterparse(stream, source=source, events=("end",), head=known_head):
                parent = el.getparent()
                if parent is not None and local_name(parent.tag) == "featureMembers":
                    parser.feature(el)
                    el.clear()
                    while el.getprevious() is not None:
                        del parent[0]
        else:
            for member in iter_members(stream, source=source, tag=("{*}featureMember", "{*}member"),
                                       head=known_head):
                for feat in member:
                    parser.feature(feat)
    except etree.XMLSyntaxError as exc:
        raise KlicError(
            f"de XML is niet welgevormd ({exc}); verwacht: {_EXPECTED}", source=source,
            hint="het bestand is afgekapt of beschadigd: download de levering opnieuw",
        ) from None
    parser.finish_links()
    if raw.version is None:
        raw.version = detect_version(raw.namespaces)
    if raw.version is None:
        found = ", ".join(sorted(namespaces | raw.namespaces)) or "geen"
        raise KlicError(
            f"geen IMKL-namespace gevonden (namespaces: {found}); verwacht: {_EXPECTED}",
            source=source, hint="deze GML is geen KLIC-levering; geef een KLIC-levering op",
        )
    if raw.geometries_outside_rd and not raw.geometries_ok:
        first = raw.geometry_problems[0]
        raise OutOfBoundsError(
            f"alle {nl(raw.geometries_outside_rd)} geometrieën liggen buiten het RD New-gebied; eerste: {first[1]}",
            source=source, feature=first[0],
            hint="vraag de afzender het bestand te herstellen: IMKL is in EPSG:28992 en een 3D-posList "
            "heeft srsDimension=\"3\" nodig",
        )
    if not raw.ids:
        raise NoFeaturesError(
            f"het bestand bevat geen objecten; verwacht: {_EXPECTED}", source=source,
            hint="download de levering opnieuw (die is leeg of afgekapt)",
        )
    return raw
