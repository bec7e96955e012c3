"""Map BGT objects to the toolkit's impact categories with a user-editable TOML table.

The default table is ``wlr_geo/defaults/bgt_categories.toml`` (its comments document the
format). A table is a list of rules — a BGT class plus conditions on the code columns
(``functie``, ``plus_functie``, ``fysiek_voorkomen``, ``plus_fysiek_voorkomen``, ``bgt_type``,
``plus_type``) → a category code of :data:`wlr_geo.categories.CATEGORIES` — a fallback
category per class and a global default. The most specific matching rule wins (most
conditions; ties go to the earlier rule).

Examples
--------
>>> from wlr_geo.io.bgt.categories import load_category_table
>>> table = load_category_table()
>>> table.category_of("wegdeel", functie="rijbaan autosnelweg")
'motorway'
>>> table.category_of("waterdeel", bgt_type="waterloop", plus_type="sloot")
'minor_water'
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wlr_geo._errors import ConfigError, LayerValidationError, Problem
from wlr_geo._toml import read_toml
from wlr_geo.categories import CATEGORIES
from wlr_geo.defaults import default_path

__all__ = [
    "DEFAULT_TABLE_PATH",
    "MATCH_COLUMNS",
    "CategoryRule",
    "CategoryTable",
    "classify",
    "load_category_table",
]

#: The default table shipped with wlr_geo.
DEFAULT_TABLE_PATH = default_path("bgt_categories.toml")

#: Columns a rule may put conditions on.
MATCH_COLUMNS: tuple[str, ...] = (
    "functie", "plus_functie", "fysiek_voorkomen", "plus_fysiek_voorkomen", "bgt_type", "plus_type",
)
_SCHEMA = "wlr_geo.bgt_categories/1"


def _norm(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    text = str(value).strip().casefold()
    return text or None


@dataclass(frozen=True)
class CategoryRule:
    """One row of the table: ``bgt_class`` + conditions → ``category``."""

    bgt_class: str
    conditions: tuple[tuple[str, frozenset[str]], ...]
    category: str
    order: int = 0

    @property
    def specificity(self) -> int:
        """Number of conditions (more conditions win over fewer)."""
        return len(self.conditions)

    def matches(self, values: Mapping[str, Any]) -> bool:
        """True if every condition holds for the attribute values given."""
        return all(_norm(values.get(col)) in allowed for col, allowed in self.conditions)


@dataclass(frozen=True)
class CategoryTable:
    """Rules, class fallbacks and a default category (see the module docstring)."""

    rules: tuple[CategoryRule, ...]
    fallback: Mapping[str, str] = field(default_factory=dict)
    default: str = "other"
    source: str = "default"

    def rules_for(self, bgt_class: str) -> list[CategoryRule]:
        """The rules of one class, most specific first (ties in file order)."""
        cls = bgt_class.casefold()
        return sorted((r for r in self.rules if r.bgt_class == cls), key=lambda r: (-r.specificity, r.order))

    def explicit_category(self, bgt_class: str, **values: Any) -> str | None:
        """Category from a matching rule, or None when only the fallback would apply."""
        for rule in self.rules_for(bgt_class):
            if rule.matches(values):
                return rule.category
        return None

    def category_of(self, bgt_class: str, **values: Any) -> str:
        """Category of one object of ``bgt_class`` with the given attribute values."""
        found = self.explicit_category(bgt_class, **values)
        if found is not None:
            return found
        return self.fallback.get(bgt_class.casefold(), self.default)


def _as_values(raw: Any, *, where: str, problems: list[Problem], source: str) -> frozenset[str] | None:
    items = raw if isinstance(raw, list) else [raw]
    if not items or not all(isinstance(v, str) and v.strip() for v in items):
        problems.append(Problem(f"{where}: verwacht een niet-lege tekst of lijst van teksten, gekregen: {raw!r}",
                                source=source, hint="schrijf bijv. functie = [\"fietspad\", \"voetpad\"]"))
        return None
    return frozenset(v.strip().casefold() for v in items)


def _check_category(value: Any, *, where: str, problems: list[Problem], source: str) -> str | None:
    if isinstance(value, str) and value in CATEGORIES:
        return value
    problems.append(Problem(
        f"{where}: categorie {value!r} is niet een van {', '.join(CATEGORIES)}",
        source=source, hint="gebruik een categoriecode uit wlr_geo/categories.py",
    ))
    return None


def _parse_table(data: dict[str, Any], *, source: str, order_offset: int = 0) -> tuple[list[CategoryRule], dict[str, str], str | None, list[Problem]]:
    problems: list[Problem] = []
    schema = data.get("schema", _SCHEMA)
    if schema != _SCHEMA:
        problems.append(Problem(f"schema {schema!r} is niet {_SCHEMA!r}", source=source,
                                hint="begin met wlr_geo/defaults/bgt_categories.toml"))
    known_top = {"schema", "default", "fallback", "rule", "extends"}
    for key in sorted(set(data) - known_top):
        problems.append(Problem(f"onbekende sleutel {key!r}", source=source,
                                hint=f"gebruik een van de toegestane sleutels: {', '.join(sorted(known_top))}"))
    default = None
    if "default" in data:
        default = _check_category(data["default"], where="default", problems=problems, source=source)
    fallback: dict[str, str] = {}
    raw_fb = data.get("fallback", {})
    if not isinstance(raw_fb, dict):
        problems.append(Problem("[fallback] moet een tabel van klasse = categorie zijn", source=source,
                                hint="schrijf bijv. [fallback] wegdeel = \"local_road\""))
        raw_fb = {}
    for cls, cat in raw_fb.items():
        checked = _check_category(cat, where=f"fallback.{cls}", problems=problems, source=source)
        if checked is not None:
            fallback[str(cls).casefold()] = checked
    rules: list[CategoryRule] = []
    raw_rules = data.get("rule", [])
    if not isinstance(raw_rules, list):
        problems.append(Problem("regels moeten als [[rule]]-blokken worden geschreven", source=source))
        raw_rules = []
    for i, raw in enumerate(raw_rules, start=1):
        where = f"regel {i}"
        if not isinstance(raw, dict):
            problems.append(Problem(f"{where}: geen tabel", source=source))
            continue
        cls = raw.get("class")
        if not isinstance(cls, str) or not cls.strip():
            problems.append(Problem(f"{where}: 'class' (de BGT-klasse, bijv. \"wegdeel\") ontbreekt", source=source))
            continue
        category = _check_category(raw.get("category"), where=f"{where} ({cls})", problems=problems, source=source)
        unknown = sorted(set(raw) - {"class", "category", *MATCH_COLUMNS})
        if unknown:
            problems.append(Problem(
                f"{where} ({cls}): onbekend(e) attribu(u)t(en) {', '.join(unknown)}", source=source,
                hint=f"gebruik in voorwaarden alleen {', '.join(MATCH_COLUMNS)}",
            ))
            continue
        conditions = []
        for col in MATCH_COLUMNS:
            if col in raw:
                values = _as_values(raw[col], where=f"{where} ({cls}).{col}", problems=problems, source=source)
                if values is not None:
                    conditions.append((col, values))
        if category is None:
            continue
        rules.append(CategoryRule(cls.strip().casefold(), tuple(conditions), category, order_offset + i))
    return rules, fallback, default, problems


def _read_toml(path: Path) -> dict[str, Any]:
    return read_toml(path, what="categorietabel")


def load_category_table(path: str | os.PathLike[str] | None = None) -> CategoryTable:
    """Load a category table; ``None`` loads the default shipped with wlr_geo.

    A user table with ``extends = "default"`` is layered over the default: its rules are tried
    before the default rules (at equal specificity) and its fallbacks replace the default ones.

    Raises
    ------
    ConfigError
        File missing, invalid TOML, unknown category codes or keys (all problems at once).
    """
    default_data = _read_toml(DEFAULT_TABLE_PATH)
    if path is None:
        rules, fallback, default, problems = _parse_table(default_data, source=str(DEFAULT_TABLE_PATH))
        if problems:  # pragma: no cover - the shipped table is tested
            raise ConfigError(problems=problems)
        return CategoryTable(tuple(rules), fallback, default or "other", source="default")
    p = Path(path)
    data = _read_toml(p)
    extends = data.get("extends")
    if extends not in (None, "default"):
        raise ConfigError(f"extends = {extends!r}: alleen \"default\" kan worden uitgebreid", source=str(p),
                          hint="schrijf extends = \"default\" of laat de sleutel weg")
    rules, fallback, default, problems = _parse_table(data, source=str(p))
    if problems:
        raise ConfigError(problems=problems)
    if extends == "default":
        base_rules, base_fb, base_default, _ = _parse_table(default_data, source=str(DEFAULT_TABLE_PATH),
                                                             order_offset=len(rules) + 1)
        rules = rules + base_rules
        fallback = {**base_fb, **fallback}
        default = default or base_default
    return CategoryTable(tuple(rules), fallback, default or "other", source=str(p))


def _normed_column(values: pd.Series) -> pd.Series:
    """Stripped, case-folded text; missing and blank values become NA (and match nothing)."""
    text = values.astype("string").str.strip().str.casefold()
    return text.mask(text == "")


def classify(gdf: pd.DataFrame, table: CategoryTable | None = None, *, bgt_class: str | None = None) -> pd.Series:
    """Impact category code of every row, aligned to ``gdf.index`` (the input is not changed).

    Parameters
    ----------
    gdf
        BGT objects as returned by :func:`wlr_geo.io.bgt.read_bgt`: a ``bgt_class`` column (or
        ``bgt_class=`` for the whole frame) and any of the code columns the rules use; missing
        code columns count as empty.
    table
        A :class:`CategoryTable`; default: :func:`load_category_table()`.
    bgt_class
        The class of every row, when ``gdf`` has no ``bgt_class`` column.

    Returns
    -------
    pandas.Series
        Named ``category``, string dtype.
    """
    table = table or load_category_table()
    n = len(gdf)
    if bgt_class is not None:
        classes = np.full(n, bgt_class.casefold(), dtype=object)
    elif "bgt_class" in gdf.columns:
        classes = _normed_column(gdf["bgt_class"]).fillna("").to_numpy(dtype=object)
    else:
        raise LayerValidationError("de tabel heeft geen kolom 'bgt_class'",
                                   hint="geef bgt_class=\"wegdeel\" (enz.) op")
    normed = {col: _normed_column(gdf[col]) if col in gdf.columns else None for col in MATCH_COLUMNS}
    out = np.full(n, None, dtype=object)
    for cls in pd.unique(classes):
        rows = np.flatnonzero(classes == cls)
        unset = np.ones(len(rows), dtype=bool)
        for rule in table.rules_for(str(cls)):
            mask = unset.copy()
            for col, allowed in rule.conditions:
                column = normed[col]
                if column is None:
                    mask[:] = False
                    break
                mask &= column.iloc[rows].isin(allowed).to_numpy(dtype=bool)
            out[rows[mask]] = rule.category
            unset &= ~mask
            if not unset.any():
                break
        out[rows[unset]] = table.fallback.get(str(cls), table.default)
    return pd.Series(out, index=gdf.index, name="category", dtype="string")
