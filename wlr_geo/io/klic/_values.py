"""IMKL property values: text, code-list values, measures with units, and the attributes the
reader makes of them for cables/pipes, point elements and depth objects.

Two forms of a property are read. Most features hand over lxml elements. Cables, pipes and
point elements — the frequent features — come as a :data:`Leaf`: the ``(text, xlink:href,
uom)`` of the property element, hashable, so the parser computes the attributes once per
distinct set of properties. Both forms go through the same value functions below.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ELEMENT_ORDER",
    "ELEMENT_PROPS",
    "POINT_ORDER",
    "XLINK",
    "Leaf",
    "bool_of",
    "code_of",
    "depth_attrs",
    "element_attrs",
    "href_of",
    "href_tail",
    "leaf_of",
    "measure_of",
    "point_attrs",
    "text_of",
]

XLINK = "{http://www.w3.org/1999/xlink}href"

_UOM_FACTORS: dict[str, dict[str, float]] = {
    "mm": {"mm": 1.0, "cm": 10.0, "dm": 100.0, "m": 1000.0, "inch": 25.4, "in": 25.4},
    "kv": {"v": 0.001, "kv": 1.0, "mv": 1000.0},
    "bar": {"bar": 1.0, "mbar": 0.001, "pa": 1e-5, "kpa": 0.01, "mpa": 10.0, "psi": 0.0689476},
    "m": {"m": 1.0, "cm": 0.01, "mm": 0.001, "dm": 0.1},
}
_MATERIAL_TAGS = ("buismateriaalType", "telecommunicationsCableMaterialType", "pipeMaterial", "materiaal")
_PRODUCT_TAGS = (
    "thermalProductType", "oilGasChemicalsProductType", "waterType", "sewerWaterType", "producttype",
)

#: Properties of a cable/pipe/container that :func:`element_attrs` reads (``link``: the
#: UtilityLinks, kept separately).
ELEMENT_PROPS = frozenset({
    "inNetwork", "link", "currentStatus", "pipeDiameter", "kabelDiameter", "ductWidth",
    "nominalVoltage", "operatingVoltage", "pressure", "aantalKabelsLeidingen", "verticalPosition",
    "geoNauwkeurigheidXY", "label", "omschrijving", "validFrom", *_MATERIAL_TAGS, *_PRODUCT_TAGS,
})
#: The cable/pipe properties in a fixed order: the attributes of an element are a function of
#: the tuple of its property leaves in this order (and are cached per distinct tuple).
ELEMENT_ORDER = tuple(sorted(ELEMENT_PROPS - {"link"}))
#: The point properties read besides ``geometry``, in the order :func:`point_attrs` takes.
POINT_ORDER = ("currentStatus", "appurtenanceType", "inNetwork", "verticalPosition", "label", "omschrijving")

#: ``(text, xlink:href, uom)`` of one property element.
Leaf = tuple[str | None, str | None, str | None]


def _clean(text: str | None) -> str | None:
    """Text without surrounding white space; None if there is none left."""
    if text is None:
        return None
    return text.strip() or None


def href_tail(href: str | None) -> str | None:
    """The last part of an href: a code-list value (``…/ConditionOfFacilityValue/functional``)."""
    if not href:
        return None
    return href.rstrip("/").rsplit("/", 1)[-1] or None


def _measure_value(text: str | None, uom: str | None, kind: str, default_unit: str) -> float | None:
    t = _clean(text)
    if t is None:
        return None
    try:
        v = float(t)
    except ValueError:
        return None
    if v <= 0:
        return None
    unit = (uom or default_unit).rsplit(":", 1)[-1].strip().lower()
    factor = _UOM_FACTORS[kind].get(unit)
    return None if factor is None else v * factor


# ----------------------------------------------------------------------------- elements


def href_of(el: Any) -> str | None:
    return None if el is None else el.get(XLINK)


def text_of(el: Any) -> str | None:
    return None if el is None else _clean(el.text)


def code_of(el: Any) -> str | None:
    """The code-list value of a property element (the tail of its xlink:href)."""
    return None if el is None else href_tail(el.get(XLINK))


def measure_of(el: Any, kind: str, default_unit: str) -> float | None:
    """A gml:MeasureType value converted to the unit of ``kind``; None if absent or ≤ 0."""
    if el is None:
        return None
    return _measure_value(el.text, el.get("uom"), kind, default_unit)


def bool_of(el: Any) -> bool | None:
    t = text_of(el)
    if t is None:
        return None
    return t.lower() in ("true", "1", "ja")


# ----------------------------------------------------------------------------- leaves


def leaf_of(el: Any) -> Leaf:
    return el.text, el.get(XLINK), el.get("uom")


def _leaf_text(leaf: Leaf | None) -> str | None:
    return None if leaf is None else _clean(leaf[0])


def _leaf_code(leaf: Leaf | None) -> str | None:
    return None if leaf is None else href_tail(leaf[1])


def _leaf_measure(leaf: Leaf | None, kind: str, default_unit: str) -> float | None:
    return None if leaf is None else _measure_value(leaf[0], leaf[2], kind, default_unit)


def _first_value(props: dict[str, Leaf | None], names: tuple[str, ...]) -> str | None:
    """Code (xlink:href tail) or text of the first of ``names`` that ``props`` holds."""
    for name in names:
        leaf = props.get(name)
        if leaf is not None:
            return _leaf_code(leaf) or _leaf_text(leaf)
    return None


# ----------------------------------------------------------------------------- attributes


def element_attrs(p: dict[str, Leaf | None]) -> dict[str, Any]:
    """The line attributes of a cable/pipe/container from its property leaves."""
    get = p.get
    voltage = (_leaf_measure(get("nominalVoltage"), "kv", "V")
               or _leaf_measure(get("operatingVoltage"), "kv", "V"))
    count = _leaf_text(get("aantalKabelsLeidingen"))
    return {
        "status": _leaf_code(get("currentStatus")),
        "diameter_mm": (_leaf_measure(get("pipeDiameter"), "mm", "mm")
                        or _leaf_measure(get("kabelDiameter"), "mm", "mm")),
        "breedte_mm": _leaf_measure(get("ductWidth"), "mm", "cm"),
        "materiaal": _first_value(p, _MATERIAL_TAGS),
        "spanning_kv": voltage,
        "druk_bar": _leaf_measure(get("pressure"), "bar", "bar"),
        "aantal_kabels": int(count) if count and count.isdigit() else None,
        "product": _first_value(p, _PRODUCT_TAGS),
        "verticale_positie": _leaf_text(get("verticalPosition")),
        "nauwkeurigheid_xy": _leaf_code(get("geoNauwkeurigheidXY")),
        "label": _leaf_text(get("label")),
        "omschrijving": _leaf_text(get("omschrijving")),
        "geldig_vanaf": _leaf_text(get("validFrom")),
    }


def point_attrs(leaves: tuple[Leaf | None, ...]) -> dict[str, Any]:
    """The attributes of a point element from its :data:`POINT_ORDER` leaves."""
    status, soort, _network, position, label, omschrijving = leaves
    return {
        "status": _leaf_code(status),
        "soort": _leaf_code(soort),
        "verticale_positie": _leaf_text(position),
        "label": _leaf_text(label),
        "omschrijving": _leaf_text(omschrijving),
    }


def depth_attrs(typ: str, p: dict[str, Any]) -> dict[str, Any]:
    """The attributes of a ``DiepteTovMaaiveld``/``DiepteNAP`` object from its elements."""
    peil = text_of(p.get("dieptePeil"))
    try:
        value = float(peil) if peil is not None else None
    except ValueError:
        value = None
    return {
        "diepte_m": value,
        "diepte_referentie": "NAP" if typ == "DiepteNAP" else "maaiveld",
        "diepte_nauwkeurigheid": code_of(p.get("diepteNauwkeurigheid")),
        "diepte_aangrijpingspunt": code_of(p.get("diepteAangrijpingspunt")),
        "maaiveld_nap_m": measure_of(p.get("maaiveldPeil"), "m", "m"),
        "label": text_of(p.get("label")),
    }
