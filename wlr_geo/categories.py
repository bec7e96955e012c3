"""The impact categories shared by the readers (BGT, user layers) and the impact analysis.

Every above-ground object an analysis meets is put in one of these categories; crossings,
areas and technique rules are expressed in them. Codes are English (API); ``LABELS_NL`` gives
the Dutch label used on maps and in reports.
"""

from __future__ import annotations

__all__ = ["CATEGORIES", "CATEGORY_GROUPS", "LABELS_NL", "label_nl"]

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
