"""Known-answer suite for least-cost routing (issue 17).

Every case of ``tests/_routing_cases.py`` (seeded) is routed with both methods and compared with
the full-resolution optimum computed independently of wlr_geo (explicit edge list +
``scipy.sparse.csgraph``; cross-checked with ``skimage.graph.MCP_Geometric`` where the raster
has no barrier pinch, and with networkx on the diagonal-barrier cases):

* walls with finite (1e3 … 1e30, 9999 with and without ``barrier_cost``) and nodata/±inf costs,
  gaps of 1–3 cells far from the straight line;
* cheap roads at 0–45°, one and two cells wide, that the optimum follows far from the straight line;
* rasters split by one-cell diagonal barrier lines (corner cutting would cross them);
* smooth fields, some with scattered nodata;
* walls with three gaps, for k = 3.

Pass: coarse-to-fine within 1 % of the optimum, the full method equal to it, no barrier cell
entered and no barrier corner cut (cell path and the vector line sampled at 1/20 cell), and for
k = 3 three alternatives through three different gaps.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from _routing_cases import (
    Case,
    barrier_mask,
    crossed_barrier,
    known_answer_cases,
    oracle_graph,
    oracle_mcp,
    oracle_networkx,
    pinch_corners,
    three_gap_cases,
)
from affine import Affine

from wlr_geo.analysis.routing.cost import CostRaster
from wlr_geo.analysis.routing.lcp import (
    DEFAULT_EPSILON,
    NoPathError,
    distinct_share,
    k_alternatives,
    least_cost_path,
)

CASES = known_answer_cases()
THREE_GAP = three_gap_cases()


def _raster(case: Case) -> CostRaster:
    h = case.cost.shape[0]
    return CostRaster(case.cost, Affine(1.0, 0, 0.0, 0, -1.0, float(h)))


def _xy(r: CostRaster, rc: tuple[int, int]) -> tuple[float, float]:
    x, y = r.xy(np.array([rc[0]]), np.array([rc[1]]))
    return float(x[0]), float(y[0])


def _index_line(case: Case, line) -> np.ndarray:
    xy = np.asarray(line.coords)
    return np.column_stack([xy[:, 0], case.cost.shape[0] - xy[:, 1]])  # x = col, y = row


def test_suite_covers_the_issue():
    names = [c.name for c in CASES]
    for needle in ("wall nodata", "wall 1e6", "wall 1e30", "wall 1e3", "wall 9999 gap", "9999+barrier",
                   "corridor 0°", "corridor 35°", "corridor 45° width 2", "diagonal barrier", "smooth field"):
        assert any(needle in n for n in names), needle
    assert {gap for c in CASES for gap in (1, 2, 3) if f"gap {gap}" in c.name} == {1, 2, 3}
    assert len(CASES) >= 70 and len(THREE_GAP) == 4
    assert any(len(pinch_corners(barrier_mask(c.cost, c.barrier_cost))) for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_known_answer(case: Case):
    r = _raster(case)
    bar = barrier_mask(case.cost, case.barrier_cost)
    optimum = oracle_graph(case.cost, case.start, case.end, case.barrier_cost)
    if not len(pinch_corners(bar)):  # MCP_Geometric knows no corner rule: only comparable without pinches
        assert oracle_mcp(case.cost, case.start, case.end, case.barrier_cost) == pytest.approx(optimum, rel=1e-9)
    a, b = _xy(r, case.start), _xy(r, case.end)
    if math.isinf(optimum):
        for method in ("full", "coarse-to-fine"):
            with pytest.raises(NoPathError):
                least_cost_path(r, a, b, method=method, barrier_cost=case.barrier_cost,
                                coarse_factor=case.coarse_factor)
        return
    full = least_cost_path(r, a, b, method="full", barrier_cost=case.barrier_cost)
    assert full.cost == pytest.approx(optimum, rel=1e-9)
    assert full.verification == "exact"
    c2f = least_cost_path(r, a, b, barrier_cost=case.barrier_cost, coarse_factor=case.coarse_factor)
    ratio = c2f.cost / optimum
    assert 1 - 1e-9 <= ratio <= 1 + DEFAULT_EPSILON, (case.name, ratio)
    assert c2f.verification in ("exact", "bound", "corridor", "full")
    assert c2f.verification_ratio <= 1 + DEFAULT_EPSILON
    for p in (full, c2f):
        assert crossed_barrier(_index_line(case, p.line), p.cells, bar) == 0
        assert tuple(p.cells[0]) == case.start and tuple(p.cells[-1]) == case.end


@pytest.mark.parametrize("case", [c for c in CASES if c.name.startswith("diagonal barrier") and "gap 1" in c.name],
                         ids=lambda c: c.name)
def test_diagonal_barrier_oracles_agree_and_mcp_would_cut_corners(case: Case):
    optimum = oracle_graph(case.cost, case.start, case.end, case.barrier_cost)
    assert oracle_networkx(case.cost, case.start, case.end, case.barrier_cost) == pytest.approx(optimum, rel=1e-12)
    # without the corner rule the diagonal line is no wall: MCP_Geometric is much cheaper
    assert oracle_mcp(case.cost, case.start, case.end, case.barrier_cost) < 0.8 * optimum


@pytest.mark.parametrize("case", THREE_GAP, ids=[c.name for c in THREE_GAP])
def test_three_gap_wall_gives_three_distinct_corridors(case: Case):
    r = _raster(case)
    bar = barrier_mask(case.cost, case.barrier_cost)
    alts = k_alternatives(r, _xy(r, case.start), _xy(r, case.end), k=3, barrier_cost=case.barrier_cost,
                          min_separation_m=10.0, coarse_factor=6)
    assert len(alts) == 3 and alts.attrs["shortfall"] is None
    optimum = oracle_graph(case.cost, case.start, case.end, case.barrier_cost)
    assert alts["cost"].iloc[0] <= optimum * (1 + DEFAULT_EPSILON)
    assert list(alts["cost"]) == sorted(alts["cost"])
    gaps_used = set()
    for line in alts.geometry:
        idx = _index_line(case, line)
        assert crossed_barrier(idx, np.column_stack([np.clip(np.floor(idx[:, 1]), 0, None),
                                                     np.clip(np.floor(idx[:, 0]), 0, None)]).astype(int)[:1],
                               bar) == 0
        # where does the line cross the wall column? (sampled densely)
        n = int(line.length * 20) + 2
        pts = np.array([line.interpolate(t).coords[0] for t in np.linspace(0, line.length, n)])
        rows = case.cost.shape[0] - pts[:, 1]
        at_wall = (pts[:, 0] > case.wall_col) & (pts[:, 0] < case.wall_col + 1)
        crossing_rows = np.floor(rows[at_wall]).astype(int)
        assert len(crossing_rows)
        for g, width in case.gaps:
            if ((crossing_rows >= g) & (crossing_rows < g + width)).all():
                gaps_used.add(g)
        if case.barrier_cost is not None or "1e3" not in case.name:
            assert not bar[crossing_rows, case.wall_col].any()  # through a gap, never through the wall
    assert len(gaps_used) == 3, (case.name, gaps_used)
    lines = list(alts.geometry)
    for i in range(3):
        for j in range(3):
            if i != j:
                assert distinct_share(lines[i], lines[j], buffer_m=10.0) >= 0.5
    assert math.isnan(alts["shared_share"].iloc[0]) and (alts["shared_share"].iloc[1:] <= 0.5).all()
    assert (alts["separation_m"].iloc[1:] > 10).all()
