"""Dutch column headers from the outputs registry: spreadsheet headers and QGIS field aliases.

A header is the registry label with its first letter capitalised and the unit in brackets
(``length_m`` → ``Lengte (m)``; labels that already name their unit keep it). Columns made per
value (``n_{object_class}``) get the value's Dutch name: ``n_rail`` → ``Kruisingen spoor``,
``distance_route_end_m_norm`` → ``Afstand tot eindpunt tracé genormaliseerd``.

Examples
--------
>>> from wlr_geo.outputs import layer
>>> column_header(layer("variants.csv", "variants"), "length_m")
'Lengte (m)'
>>> column_header(layer("variants.csv", "variants"), "n_rail")
'Kruisingen spoor'
"""

from __future__ import annotations

import re

from wlr_geo.outputs import Column, Layer
from wlr_geo.present.styles import value_label

__all__ = ["UNIT_TEXT", "column_header", "placeholder_values"]

#: How a registry unit is written in a header.
UNIT_TEXT: dict[str, str] = {"m": "m", "m2": "m²", "deg": "°", "mm": "mm", "kV": "kV", "bar": "bar", "0-1": "0–1"}

# placeholder → the column whose vocabulary its values come from
_VOCABULARY = {"object_class": "object_class", "category": "category", "thema": "thema"}


def placeholder_values(col: Column, name: str) -> dict[str, str]:
    """The values a pattern column's placeholders take in ``name`` (``n_{object_class}``, ``n_rail``
    → ``{"object_class": "rail"}``); empty for a plain column or no match."""
    if not col.is_pattern:
        return {}
    rx = re.escape(col.name)
    rx = re.sub(r"\\\{([a-z_]+)\\\}", r"(?P<\1>.+)", rx)
    m = re.fullmatch(rx, name)
    return dict(m.groupdict()) if m else {}


def _strip_unit(label: str) -> str:
    return re.sub(r"\s*\([^)]*\)\s*$", "", label)


def column_header(layer: Layer | None, name: str, *, unit: bool = True) -> str:
    """The Dutch header of column ``name`` of ``layer`` (the name itself when not registered)."""
    col = layer.column(str(name)) if layer is not None else None
    if col is None:
        return str(name)
    label = col.label
    for key, value in placeholder_values(col, str(name)).items():
        text = value
        other = layer.column(value) if layer is not None else None
        if other is not None and not other.is_pattern:
            text = _strip_unit(other.label)
        elif key in _VOCABULARY:
            text = str(value_label(_VOCABULARY[key], value))
            text = text[:1].lower() + text[1:] if not label.startswith("{") else text
        label = label.replace("{" + key + "}", text)
    label = label[:1].upper() + label[1:]
    if unit and col.unit and col.unit in UNIT_TEXT and "(" not in label and col.unit != "0-1":
        label = f"{label} ({UNIT_TEXT[col.unit]})"
    return label
