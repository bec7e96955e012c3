"""Sensitivity of the landing-option ranking to its weights.

:func:`sensitivity` perturbs the weights of a :mod:`wlr_geo.analysis.landing.criteria` ranking — a seeded
Monte-Carlo over all weights at once, and one weight at a time — and reports how likely each
candidate ranks first and exactly which weight change flips the top rank (each candidate's score
is linear in one weight, so the flip factor is solved exactly).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from wlr_geo._errors import ConfigError, WlrGeoInputError
from wlr_geo.analysis.landing.criteria import _TIE_DECIMALS, Criterion, _normalised_matrix, _order

__all__ = ["SensitivityResult", "sensitivity"]

log = logging.getLogger("wlr_geo")


@dataclass
class SensitivityResult:
    """Outcome of :func:`sensitivity`.

    Attributes
    ----------
    baseline_top
        Candidate ranked first with the configured weights.
    monte_carlo
        Per candidate: ``p_rank1`` (share of samples in which it ranks first), ``mean_rank``,
        ``rank_p05`` and ``rank_p95``.
    one_at_a_time
        Per criterion: the top candidate with its weight ×(1 − p) and ×(1 + p), and the exact
        factors ``flip_factor_down`` / ``flip_factor_up`` (weight × factor, others fixed) at
        which the top rank changes, the weights that means (``flip_weight_down`` /
        ``flip_weight_up``) and the new top (``flip_to_down`` / ``flip_to_up``);
        NaN and ``"none within [0, 10×]"`` when it never changes in that range.
    p_top_changes
        Share of Monte-Carlo samples whose top differs from ``baseline_top``.
    """

    baseline_top: str
    monte_carlo: pd.DataFrame
    one_at_a_time: pd.DataFrame
    p_top_changes: float
    perturbation: float
    n_samples: int
    seed: int
    max_factor: float = 10.0
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "baseline_top": self.baseline_top,
            "p_top_changes": self.p_top_changes,
            "perturbation": self.perturbation,
            "n_samples": self.n_samples,
            "seed": self.seed,
            "p_rank1": {str(k): float(v) for k, v in self.monte_carlo["p_rank1"].items()},
            "flips": [
                {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
                for row in self.one_at_a_time.reset_index().to_dict(orient="records")
            ],
            "notes": self.notes,
        }


def _first_to_cross(
    crossings: list[tuple[float, int]], factor: float, slope: np.ndarray, ids: np.ndarray, *, going_up: bool
) -> str:
    """The candidate that takes the top at ``factor``: among those crossing there, the one that
    gains fastest beyond it (then the smaller id)."""
    tied = [i for r, i in crossings if math.isclose(r, factor, rel_tol=1e-12, abs_tol=1e-12)]
    key = (lambda i: (slope[i], ids[i])) if going_up else (lambda i: (-slope[i], ids[i]))
    return str(ids[min(tied, key=key)])


def _top_after(a: np.ndarray, b: np.ndarray, f: float, ids: np.ndarray) -> str:
    return str(ids[_order(a + f * b, ids)[0]])


def sensitivity(
    raw: pd.DataFrame,
    criteria: Sequence[Criterion],
    *,
    perturbation: float = 0.25,
    n_samples: int = 2000,
    seed: int = 20260101,
    max_factor: float = 10.0,
) -> SensitivityResult:
    """How robust is the top rank to the weights?

    Monte-Carlo: every weight is multiplied by an independent uniform factor in
    [1 − p, 1 + p] (``numpy.random.default_rng(seed)``, so results repeat exactly).
    One-at-a-time: one weight is multiplied by a factor f, the others fixed. Because all scores
    share the denominator Σw, candidate i's score is proportional to aᵢ + f·bᵢ (aᵢ the other
    criteria's weighted sum, bᵢ this criterion's weighted value), so the factor at which another
    candidate overtakes the top is found exactly: f* = (aᵢ − aₜ) / (bₜ − bᵢ).

    Parameters
    ----------
    perturbation
        p, the relative weight change (0.25 = ±25 %); 0 ≤ p < 1.
    n_samples
        Monte-Carlo samples (≥ 1).
    seed
        Random seed.
    max_factor
        Search range [0, max_factor] for the one-at-a-time flip factors.
    """
    if not (0 <= perturbation < 1):
        raise WlrGeoInputError(f"perturbation moet in [0, 1) liggen, is {perturbation}")
    if n_samples < 1:
        raise WlrGeoInputError(f"n_samples moet ≥ 1 zijn, is {n_samples}")
    v = _normalised_matrix(raw, criteria)
    w = np.array([c.weight for c in criteria], dtype=float)
    if w.sum() <= 0:
        raise ConfigError("alle criteriumgewichten zijn 0",
                          hint="geef minstens één criterium een weight > 0")
    ids = raw.index.astype(str).to_numpy()
    n, k = v.shape
    base_top = str(ids[_order(v @ (w / w.sum()), ids)[0]])
    # tie-break by id inside argmax: put candidates in id order so argmax picks the smaller id
    by_id = np.argsort(ids, kind="stable")
    rng = np.random.default_rng(seed)
    factors = rng.uniform(1 - perturbation, 1 + perturbation, size=(n_samples, k))
    ws = factors * w[None, :]
    scores = np.round((ws @ v[by_id].T) / ws.sum(axis=1, keepdims=True), _TIE_DECIMALS)  # (s, n)
    ranks = np.empty_like(scores, dtype=np.int64)
    order = np.argsort(-scores, axis=1, kind="stable")
    np.put_along_axis(ranks, order, np.arange(1, n + 1)[None, :].repeat(n_samples, axis=0), axis=1)
    top = order[:, 0]
    mc = pd.DataFrame(
        {
            "p_rank1": np.bincount(top, minlength=n) / n_samples,
            "mean_rank": ranks.mean(axis=0),
            "rank_p05": np.percentile(ranks, 5, axis=0),
            "rank_p95": np.percentile(ranks, 95, axis=0),
        },
        index=pd.Index(ids[by_id], name="candidate_id"),
    ).sort_values(["p_rank1", "mean_rank"], ascending=[False, True], kind="stable")
    p_change = float(np.mean(ids[by_id][top] != base_top))

    rows = []
    t = int(np.flatnonzero(ids == base_top)[0])
    none = f"none within [0, {max_factor:g}×]"
    for j, c in enumerate(criteria):
        b = w[j] * v[:, j]
        a = v @ w - b
        slope = b[t] - b  # d_i(f) = (a_t - a_i) + f * slope_i ; t leads while d_i > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            root = (a - a[t]) / slope
        # at a root the two tie and the smaller id leads; beyond it the other one leads
        up = [(root[i], i) for i in range(n) if i != t and slope[i] < 0
              and root[i] >= 1 and (root[i] < max_factor or (root[i] == max_factor and ids[i] < ids[t]))]
        down = [(root[i], i) for i in range(n) if i != t and slope[i] > 0
                and root[i] <= 1 and (root[i] > 0 or (root[i] == 0 and ids[i] < ids[t]))]
        f_up = min(up)[0] if up else math.nan
        f_down = max(down)[0] if down else math.nan
        rows.append({
            "criterion": c.name,
            "label": c.label,
            "weight": c.weight,
            "top_at_minus_p": _top_after(a, b, 1 - perturbation, ids),
            "top_at_plus_p": _top_after(a, b, 1 + perturbation, ids),
            "flip_factor_down": float(f_down),
            "flip_weight_down": float(f_down * c.weight),
            "flip_to_down": _first_to_cross(down, f_down, slope, ids, going_up=False) if down else none,
            "flip_factor_up": float(f_up),
            "flip_weight_up": float(f_up * c.weight),
            "flip_to_up": _first_to_cross(up, f_up, slope, ids, going_up=True) if up else none,
        })
    oat = pd.DataFrame(rows).set_index("criterion")
    oat["flips_within_p"] = (oat["top_at_minus_p"] != base_top) | (oat["top_at_plus_p"] != base_top)
    return SensitivityResult(
        baseline_top=base_top, monte_carlo=mc, one_at_a_time=oat, p_top_changes=p_change,
        perturbation=perturbation, n_samples=n_samples, seed=seed, max_factor=max_factor,
    )
