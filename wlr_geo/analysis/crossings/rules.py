"""Suggested crossing technique from a documented, configurable rule table.

The default table is ``wlr_geo/defaults/crossing_rules.toml`` (read it for the rules and their
reasons). Rules are tried in order; the first whose conditions all hold gives the technique
(``open_trench``, ``boring_persing`` or ``hdd``). Crossings more acute than
``acute_angle_deg`` are flagged. A project overrides the table in its config::

    [crossing_rules]
    acute_angle_deg = 45.0          # optional
    default_technique = "open_trench"
    replace = false                 # true: the rules below replace the defaults entirely

    [[crossing_rules.rule]]         # tried BEFORE the default rules unless replace = true
    category = "local_road"
    subtype = "hoofdontsluitingsweg"
    technique = "boring_persing"
    note = "busroute"
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from wlr_geo._errors import ConfigError, Problem
from wlr_geo._nl import nl

__all__ = ["TECHNIQUES", "CrossingRule", "RuleTable", "apply_rules", "load_rules", "rule_columns"]

#: Technique codes and their Dutch labels.
TECHNIQUES: dict[str, str] = {
    "open_trench": "open ontgraving",
    "boring_persing": "boring/persing",
    "hdd": "HDD (gestuurde boring)",
}

_CONDITIONS = ("object_class", "category", "subtype")
_RULE_KEYS = {*_CONDITIONS, "min_width_m", "max_width_m", "technique", "note"}


@dataclass(frozen=True)
class CrossingRule:
    """One row of the rule table: conditions (None = any) and the resulting technique."""

    technique: str
    object_class: tuple[str, ...] | None = None
    category: tuple[str, ...] | None = None
    subtype: tuple[str, ...] | None = None
    min_width_m: float | None = None
    max_width_m: float | None = None
    note: str = ""

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        """Rows of ``frame`` (columns object_class, category, subtype, width_m) this rule matches."""
        m = np.ones(len(frame), dtype=bool)
        for key in _CONDITIONS:
            values = getattr(self, key)
            if values is not None:
                m &= frame[key].astype(object).isin(values).to_numpy()
        width = pd.to_numeric(frame["width_m"], errors="coerce").to_numpy(dtype=float)
        if self.min_width_m is not None:
            m &= np.nan_to_num(width, nan=0.0) >= self.min_width_m
        if self.max_width_m is not None:
            m &= np.nan_to_num(width, nan=0.0) < self.max_width_m
        return m


@dataclass(frozen=True)
class RuleTable:
    """The ordered rules plus the acute-angle threshold and the fallback technique."""

    rules: tuple[CrossingRule, ...]
    acute_angle_deg: float = 60.0
    default_technique: str = "open_trench"
    labels: Mapping[str, str] = field(default_factory=lambda: dict(TECHNIQUES))


def _as_tuple(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def _parse_rules(tables: Sequence[Any], where: str, problems: list[Problem]) -> list[CrossingRule]:
    rules = []
    for i, t in enumerate(tables):
        if not isinstance(t, Mapping):
            problems.append(Problem(f"{where}: regel #{i + 1} moet een tabel zijn",
                                    hint="schrijf elke regel als [[crossing_rules.rule]]-tabel"))
            continue
        bad = sorted(set(t) - _RULE_KEYS)
        if bad:
            problems.append(Problem(f"{where}: regel #{i + 1} heeft onbekende sleutel(s) {', '.join(bad)}",
                                    hint=f"toegestaan: {', '.join(sorted(_RULE_KEYS))}"))
            continue
        tech = t.get("technique")
        if tech not in TECHNIQUES:
            problems.append(Problem(f"{where}: regel #{i + 1} heeft onbekende technique {tech!r}",
                                    hint=f"gebruik een van {', '.join(TECHNIQUES)}"))
            continue
        rules.append(CrossingRule(
            technique=str(tech),
            object_class=_as_tuple(t.get("object_class")),
            category=_as_tuple(t.get("category")),
            subtype=_as_tuple(t.get("subtype")),
            min_width_m=None if t.get("min_width_m") is None else float(t["min_width_m"]),
            max_width_m=None if t.get("max_width_m") is None else float(t["max_width_m"]),
            note=str(t.get("note", "")),
        ))
    return rules


def _default_document() -> dict[str, Any]:
    text = resources.files("wlr_geo").joinpath("defaults/crossing_rules.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def load_rules(overrides: Mapping[str, Any] | None = None) -> RuleTable:
    """The default rule table, with a config's ``[crossing_rules]`` table applied.

    Raises
    ------
    ConfigError
        Unknown keys or techniques, with every problem listed.
    """
    doc = _default_document()
    problems: list[Problem] = []
    settings = dict(doc.get("settings", {}))
    labels = {**TECHNIQUES, **doc.get("labels", {})}
    rules = _parse_rules(doc.get("rule", []), "crossing_rules.toml", problems)
    if overrides:
        allowed = {"acute_angle_deg", "default_technique", "replace", "rule", "labels"}
        bad = sorted(set(overrides) - allowed)
        if bad:
            problems.append(Problem(f"[crossing_rules] heeft onbekende sleutel(s) {', '.join(bad)}",
                                    hint=f"toegestaan: {', '.join(sorted(allowed))}"))
        user = _parse_rules(overrides.get("rule", []), "[crossing_rules]", problems)
        rules = user if overrides.get("replace", False) else user + rules
        for key in ("acute_angle_deg", "default_technique"):
            if key in overrides:
                settings[key] = overrides[key]
        labels.update(overrides.get("labels", {}))
    default_technique = str(settings.get("default_technique", "open_trench"))
    if default_technique not in TECHNIQUES:
        problems.append(Problem(f"default_technique {default_technique!r} is onbekend",
                                hint=f"gebruik een van {', '.join(TECHNIQUES)}"))
    try:
        acute = float(settings.get("acute_angle_deg", 60.0))
    except (TypeError, ValueError):
        problems.append(Problem("acute_angle_deg moet een getal (graden) zijn",
                                hint="bijvoorbeeld acute_angle_deg = 60"))
        acute = 60.0
    if not 0.0 <= acute <= 90.0:
        problems.append(Problem(f"acute_angle_deg moet tussen 0 en 90 liggen, is {nl(acute)}"))
    if problems:
        raise ConfigError(problems=problems)
    return RuleTable(rules=tuple(rules), acute_angle_deg=acute, default_technique=default_technique, labels=labels)


def _rule_mask(rule: CrossingRule, coded: Mapping[str, tuple[np.ndarray, Any]], width: np.ndarray) -> np.ndarray:
    """:meth:`CrossingRule.mask` on pre-factorized condition columns (missing values never match)."""
    m = np.ones(len(width), dtype=bool)
    for key in _CONDITIONS:
        values = getattr(rule, key)
        if values is not None:
            codes, uniques = coded[key]
            wanted = set(values)
            hit = np.fromiter((u in wanted for u in uniques), dtype=bool, count=len(uniques))
            m &= (codes >= 0) & np.append(hit, False)[codes]
    if rule.min_width_m is not None:
        m &= width >= rule.min_width_m
    if rule.max_width_m is not None:
        m &= width < rule.max_width_m
    return m


def apply_rules(crossings: pd.DataFrame, rules: RuleTable | None = None) -> pd.DataFrame:
    """Add ``technique``, ``technique_nl``, ``rule_note`` and ``acute`` to a crossing table.

    ``crossings`` needs ``object_class``, ``category``, ``subtype``, ``width_m`` and
    ``angle_deg``. Returns a new frame; the input is not modified.
    """
    rules = rules or load_rules()
    out = crossings.copy()
    n = len(out)
    cols = rule_columns(
        {k: out[k].to_numpy(dtype=object) for k in _CONDITIONS} if n else {},
        pd.to_numeric(out["width_m"], errors="coerce").to_numpy(dtype=float) if n else np.empty(0),
        pd.to_numeric(out["angle_deg"], errors="coerce").to_numpy(dtype=float) if n else np.empty(0),
        rules, n,
    )
    for k, v in cols.items():
        out[k] = pd.Series(v, index=out.index, dtype="str") if k != "acute" else v
    return out


def rule_columns(conditions: Mapping[str, np.ndarray], width_m: np.ndarray, angle_deg: np.ndarray,
                 rules: RuleTable, n: int) -> dict[str, Any]:
    """The columns :func:`apply_rules` adds, from plain arrays.

    Parameters
    ----------
    conditions
        ``object_class``, ``category`` and ``subtype`` as object arrays (ignored when ``n`` is 0).
    width_m, angle_deg
        Float arrays (NaN for missing).
    rules
        The rule table.
    n
        Number of crossings.

    Returns
    -------
    dict
        ``technique``, ``technique_nl``, ``rule_note`` (object arrays of str) and ``acute``
        (bool array), in that order.
    """
    technique = np.full(n, rules.default_technique, dtype=object)
    note = np.full(n, "", dtype=object)
    done = np.zeros(n, dtype=bool)
    if n:
        # factorize the condition columns and the width once, not per rule
        coded = {k: pd.factorize(conditions[k], use_na_sentinel=True) for k in _CONDITIONS}
        width = np.nan_to_num(width_m, nan=0.0)
        for rule in rules.rules:
            m = _rule_mask(rule, coded, width) & ~done
            technique[m] = rule.technique
            note[m] = rule.note
            done |= m
    return {
        "technique": technique,
        "technique_nl": np.array([rules.labels.get(t, t) for t in technique], dtype=object),
        "rule_note": note,
        "acute": np.nan_to_num(angle_deg, nan=90.0) < rules.acute_angle_deg if n else np.zeros(0, dtype=bool),
    }
