"""The impact categories, and the one place where a layer's features get theirs.

Every above-ground object an analysis meets is put in one of these categories; crossings,
areas, cost tables and technique rules are expressed in them. Codes are English (API);
``LABELS_NL`` gives the Dutch label used on maps and in reports.

A feature's category comes from, in this order (:func:`assign_category`): the layer's fixed
``category`` (config ``category = "motorway"``), its ``category_column``, a ``category`` column it
already has (BGT layers: :mod:`wlr_geo.io.bgt.categories`), a default (the cost table's role
default, ``building`` for buildings), or a guess from the layer name
(:func:`category_from_name`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from wlr_geo._errors import LayerValidationError
from wlr_geo._nl import nl

__all__ = [
    "CATEGORIES",
    "CATEGORY_GROUPS",
    "LABELS_NL",
    "assign_category",
    "category_from_name",
    "category_values",
    "label_nl",
    "unknown_codes",
]

#: Category code → Dutch label.
LABELS_NL: dict[str, str] = {
    "motorway": "autosnelweg",
    "regional_road": "regionale weg",
    "local_road": "lokale weg",
    "cycle_path": "fietspad",
    "footpath": "voetpad",
    "rail": "spoor",
    "major_water": "hoofdwatergang",
    "minor_water": "overig water",
    "building": "gebouw",
    "green": "groen",
    "paved": "verharding",
    "nature": "natuur",
    "bare": "onbegroeid terrein",
    "structure": "kunstwerk",
    "cable_pipe": "kabel of leiding",
    "other": "overig",
}

#: All category codes, in display order.
CATEGORIES: tuple[str, ...] = tuple(LABELS_NL)

#: Coarser groups for summaries.
CATEGORY_GROUPS: dict[str, tuple[str, ...]] = {
    "road": ("motorway", "regional_road", "local_road", "cycle_path", "footpath"),
    "rail": ("rail",),
    "water": ("major_water", "minor_water"),
    "building": ("building",),
    "green": ("green", "nature"),
    "paved": ("paved", "bare"),
    "other": ("structure", "cable_pipe", "other"),
}


def label_nl(code: str) -> str:
    """Dutch label of a category code (the code itself when unknown)."""
    return LABELS_NL.get(code, code)


#: Layer-name keywords → category (first match wins; Dutch and English).
NAME_KEYWORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("snelweg", "motorway", "rijksweg"), "motorway"),
    (("spoor", "rail"), "rail"),
    (("provinciale", "regional"), "regional_road"),
    (("fiets", "cycle", "bike"), "cycle_path"),
    (("voetpad", "footpath", "footway", "wandel"), "footpath"),
    (("vaarweg", "kanaal", "rivier", "major_water", "hoofdwater"), "major_water"),
    (("kabel", "cable", "leiding", "pipe", "power", "klic", "spanning", "gas", "riool"), "cable_pipe"),
    (("weg", "road", "straat", "street"), "local_road"),
    (("water", "sloot", "sloten", "ditch"), "minor_water"),
    (("gebouw", "building", "pand"), "building"),
)


def category_from_name(name: str) -> str:
    """Category code guessed from a layer name (``"other"`` when nothing matches).

    Examples
    --------
    >>> category_from_name("A4 snelweg"), category_from_name("sloten"), category_from_name("x")
    ('motorway', 'minor_water', 'other')
    """
    low = name.lower()
    for words, cat in NAME_KEYWORDS:
        if any(w in low for w in words):
            return cat
    return "other"


def unknown_codes(codes: Iterable[Any]) -> list[Any]:
    """The values of ``codes`` that are not category codes, in first-seen order."""
    return list(dict.fromkeys(c for c in codes if c not in LABELS_NL))


def category_values(frame: pd.DataFrame, *, category: str | None = None, column: str | None = None,
                    default: str | None = None, name: str | None = None, layer: str | None = None,
                    strict: bool = False) -> np.ndarray:
    """The category code of every row of ``frame`` (see the module docstring for the order).

    Parameters
    ----------
    frame
        The layer.
    category
        One code for every row.
    column
        Column holding the codes.
    default
        Code for rows without one (missing values, or no column at all).
    name
        Layer name to guess from when nothing else gives a code.
    layer
        Layer name for messages.
    strict
        Raise when a value is not a category code (cost tables need known codes; the impact
        analysis books unknown codes as class ``other``).

    Raises
    ------
    LayerValidationError
        ``column`` is not a column of ``frame``, no code can be found, or (``strict``) a value is
        unknown.
    """
    n = len(frame)
    where = layer or name
    if category is not None:
        values = np.full(n, category, dtype=object)
    else:
        col = column or ("category" if "category" in frame.columns else None)
        if column is not None and column not in frame.columns:
            raise LayerValidationError(
                f"category_column {column!r} is geen kolom van de laag", layer=where,
                hint=f"kies een van de kolommen: {', '.join(map(str, frame.columns))}",
            )
        fill = default if default is not None else (category_from_name(name) if name is not None else None)
        if col is not None:
            series = frame[col].astype(object)
            values = series.where(series.notna(), fill).to_numpy(dtype=object)
        elif fill is not None:
            values = np.full(n, fill, dtype=object)
        else:
            raise LayerValidationError(
                "de laag heeft geen categoriekolom en geen standaardcategorie", layer=where,
                hint='voeg een kolom "category" met categoriecodes toe, of category = "<code>" in haar '
                     'configuratietabel',
            )
    if strict:
        bad = [v for v in unknown_codes(values) if v is not None]
        missing = int(sum(v is None for v in values))
        if bad or missing:
            first = bad[0] if bad else None
            raise LayerValidationError(
                f"de laag heeft categorie {first!r}, die wlr_geo niet kent" if bad
                else f"{nl(missing)} object(en) zonder categorie",
                layer=where, hint=f"gebruik een van: {', '.join(CATEGORIES)}",
            )
    return values


def assign_category(frame: Any, **kwargs: Any) -> Any:
    """A copy of ``frame`` with a ``category`` column from :func:`category_values` (same keywords)."""
    return frame.assign(category=category_values(frame, **kwargs))
