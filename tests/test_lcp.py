"""Tests of wlr_geo.analysis.routing.lcp and ``wlr-geo route``: paths with known answers, alternatives, scaling."""

from __future__ import annotations

import logging
import math
from itertools import combinations

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
from affine import Affine
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage
from scipy.ndimage import gaussian_filter
from shapely.geometry import LineString, box
from skimage.graph import MCP_Geometric

from wlr_geo._errors import WlrGeoInputError
from wlr_geo.analysis.routing._grid import BlockGraph, CoarseGraph, solve_blocks
from wlr_geo.analysis.routing.cost import CostRaster, CostTable, write_cost_raster
from wlr_geo.analysis.routing.lcp import (
    DEFAULT_EPSILON,
    NoPathError,
    coarsen,
    compare_variants,
    distinct_share,
    k_alternatives,
    least_cost_path,
    path_cost,
    path_separation,
    route_variants,
)
from wlr_geo.cli.main import cli

X0, Y0 = 90_000.0, 460_000.0


def _raster(cost: np.ndarray, cell: float = 1.0) -> CostRaster:
    h = cost.shape[0]
    return CostRaster(cost.astype(np.float32), Affine(cell, 0, X0, 0, -cell, Y0 + h * cell))


def _xy(r: CostRaster, row: int, col: int) -> tuple[float, float]:
    x, y = r.xy(np.array([row]), np.array([col]))
    return float(x[0]), float(y[0])


# --- analytic costs on uniform grids --------------------------------------------------------


@pytest.mark.parametrize("method", ["full", "coarse-to-fine"])
@pytest.mark.parametrize(
    ("d_row", "d_col", "cells"),
    [(0, 80, 80.0), (80, 80, 80 * math.sqrt(2)), (30, 80, 30 * math.sqrt(2) + 50)],
)
def test_uniform_grid_cost_is_octile_distance(method, d_row, d_col, cells):
    r = _raster(np.full((100, 100), 2.0), cell=5.0)
    p = least_cost_path(r, _xy(r, 10, 10), _xy(r, 10 + d_row, 10 + d_col), method=method)
    # 8-connected optimum: diagonal steps √2, straight steps 1, each × cell × cost 2
    assert p.cost == pytest.approx(cells * 5.0 * 2.0, rel=1e-9)
    assert p.line.coords[0] == _xy(r, 10, 10) and p.line.coords[-1] == _xy(r, 10 + d_row, 10 + d_col)


def test_two_cost_zones_mean_of_cells_rule():
    cost = np.ones((11, 10))
    cost[:, 5:] = 3.0
    r = _raster(cost, cell=2.0)
    p = least_cost_path(r, _xy(r, 5, 0), _xy(r, 5, 9), method="full")
    # steps 0→4 at 1, 4→5 at (1+3)/2, 5→9 at 3: (4 + 2 + 12) × 2 m
    assert p.cost == pytest.approx(36.0)
    assert p.length_m == pytest.approx(18.0)


def test_path_cost_matches_skimage_cumulative_cost():
    rng = np.random.default_rng(3)
    cost = 1 + rng.random((40, 40))
    mcp = MCP_Geometric(cost, fully_connected=True)
    cum, _ = mcp.find_costs([(0, 0)], [(39, 25)])
    cells = np.array(mcp.traceback((39, 25)))
    assert path_cost(cost, cells, 1.0) == pytest.approx(cum[39, 25], rel=1e-12)
    assert path_cost(cost, cells, 3.0) == pytest.approx(3 * cum[39, 25], rel=1e-12)


# --- barriers ------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["full", "coarse-to-fine"])
def test_path_goes_through_the_single_gap_in_a_wall(method):
    cost = np.ones((120, 120))
    cost[:, 60] = np.inf
    cost[100, 60] = 1.0  # the gap
    r = _raster(cost, cell=2.0)
    p = least_cost_path(r, _xy(r, 10, 10), _xy(r, 10, 110), method=method, coarse_factor=6)
    cells = {tuple(c) for c in p.cells.tolist()}
    assert (100, 60) in cells
    assert not any(c == 60 and row != 100 for row, c in cells)
    # the simplified line crosses the wall's column only inside the gap cell
    x_wall = X0 + 60 * 2.0
    hit = p.line.intersection(LineString([(x_wall + 1, Y0), (x_wall + 1, Y0 + 240)]))
    assert hit.geom_type == "Point"
    gap_y = _xy(r, 100, 60)[1]
    assert abs(hit.y - gap_y) <= 2.0
    assert p.cost == pytest.approx(path_cost(r.cost, p.cells, 2.0))
    assert math.isfinite(p.cost)


def test_gap_narrower_than_coarse_block_still_found():
    cost = np.ones((200, 200))
    cost[:, 100:104] = np.inf  # a 4-cell-thick wall: its coarse blocks are mostly barrier
    cost[37, 100:104] = 1.0    # one-cell gap far from the straight line
    r = _raster(cost)
    p = least_cost_path(r, _xy(r, 190, 10), _xy(r, 190, 190), coarse_factor=8)
    assert (37, 101) in {tuple(c) for c in p.cells.tolist()}
    full = least_cost_path(r, _xy(r, 190, 10), _xy(r, 190, 190), method="full")
    assert p.cost <= full.cost * 1.02


def test_start_or_end_on_barrier_raises_naming_the_point():
    cost = np.ones((50, 50))
    cost[20:30, 20:30] = np.inf
    r = _raster(cost, cell=10.0)
    xy = _xy(r, 25, 25)
    with pytest.raises(WlrGeoInputError, match=r"beginpunt \(90\.255,0; 460\.245,0\) ligt op een barrièrecel") as exc:
        least_cost_path(r, xy, _xy(r, 0, 0))
    assert "verplaats het beginpunt" in exc.value.hint
    with pytest.raises(WlrGeoInputError, match=r"eindpunt .* ligt op een barrièrecel"):
        least_cost_path(r, _xy(r, 0, 0), xy)
    with pytest.raises(WlrGeoInputError, match="buiten het kostenraster"):
        least_cost_path(r, (0.0, 0.0), xy)


def test_start_and_end_in_one_cell_raises():
    r = _raster(np.ones((10, 10)), cell=10.0)
    with pytest.raises(WlrGeoInputError, match="dezelfde cel van 10 m"):
        least_cost_path(r, (X0 + 1, Y0 + 1), (X0 + 9, Y0 + 9))


def test_simplified_line_never_enters_a_barrier_cell():
    cost = np.ones((60, 60))
    cost[20:40, 10:50] = np.inf  # a block the path must skirt
    r = _raster(cost, cell=5.0)
    p = least_cost_path(r, _xy(r, 30, 2), _xy(r, 30, 57), method="full", simplify_m=25.0)
    pts = np.array([p.line.interpolate(d).coords[0] for d in np.linspace(0, p.line.length, 2000)])
    rows = np.floor((Y0 + 300 - pts[:, 1]) / 5).astype(int)
    cols = np.floor((pts[:, 0] - X0) / 5).astype(int)
    assert np.isfinite(cost[rows, cols]).all()
    assert len(p.line.coords) < len(p.cells)  # it was simplified


def test_line_barrier_check_is_exact():
    from wlr_geo.analysis.routing.lcp import _hits_barrier

    cost = np.ones((6, 6))
    cost[2, 2] = cost[3, 3] = np.inf            # a pinch at the corner between rows 2|3, cols 2|3
    r = _raster(cost)                           # cell 1 m; index (row, col) -> x = X0 + col, y = Y0 + 6 - row

    def line(*pts):  # points in index space (col, row)
        return LineString([(X0 + x, Y0 + 6 - y) for x, y in pts])

    assert _hits_barrier(r, line((0.5, 2.5), (5.5, 2.5)), None)          # through cell (2, 2)
    assert not _hits_barrier(r, line((0.5, 1.5), (5.5, 1.5)), None)      # the row above
    assert _hits_barrier(r, line((0.5, 2.0), (5.5, 2.0)), None)          # along the edge of cell (2, 2)
    assert _hits_barrier(r, line((3.5, 2.5), (2.5, 3.5)), None)          # diagonal between the two: cut
    assert not _hits_barrier(r, line((1.5, 1.5), (2.0, 2.0)), None)      # ends on the corner of (2, 2)
    assert _hits_barrier(r, line((4.5, 1.5), (1.5, 4.5)), None)          # a long line across the pinch
    cost[3, 3] = 1.0                            # one barrier beside the corner: passing it is allowed
    assert not _hits_barrier(_raster(cost), line((3.5, 2.5), (2.5, 3.5)), None)
    assert _hits_barrier(_raster(np.full((4, 4), 5.0)), line((0.5, 0.5), (3.5, 3.5)), 5.0)  # barrier_cost


def test_no_path_raises():
    cost = np.ones((60, 60))
    cost[:, 30] = np.inf
    r = _raster(cost)
    for method in ("full", "coarse-to-fine"):
        with pytest.raises(NoPathError, match="barrières scheiden ze"):
            least_cost_path(r, _xy(r, 5, 5), _xy(r, 5, 55), method=method)


# --- coarse-to-fine ------------------------------------------------------------------------


def test_coarsen_min_keeps_cheap_lines_at_any_angle_and_max_keeps_walls():
    f = 8
    bg = np.full((f, f), 2.0)
    straight = bg.copy()
    straight[3, :] = 0.5                       # a horizontal road
    diagonal = bg.copy()
    diagonal[np.arange(f), np.arange(f)] = 0.5  # a 45° road: a chain of diagonal steps
    steep = bg.copy()
    steep[np.arange(f), (np.arange(f) * 0.6).astype(int)] = 0.5  # about 59° from the x axis
    wall = bg.copy()
    wall[:, 4] = 1e6                           # a finite wall across the block
    both = np.hstack([straight, diagonal, steep, wall])
    lo, hi = coarsen(both, f, rule="min"), coarsen(both, f, rule="max")
    # cost per metre along the road, entering and leaving included
    assert lo[0, 0] == pytest.approx(0.5)
    assert lo[0, 1] == pytest.approx(0.5)
    assert lo[0, 2] < 0.7
    assert lo[0, 3] == pytest.approx(2.0)      # along the wall it is cheap ...
    assert hi[0, 3] == pytest.approx((1e6 + 7 * 2.0) / 8, rel=1e-6)  # ... across it is not
    assert hi[0, 0] == pytest.approx((7 * 2.0 + 0.5) / 8)  # crossing the road: one cheap cell


def test_coarsen_barriers_and_smooth_blocks():
    cost = np.ones((8, 12))
    cost[:4, :4] = np.nan                      # block (0, 0): all barrier
    cost[4:, 4:8] = np.arange(16).reshape(4, 4) * 0.01 + 1.0  # smooth: within 10 %
    cost[0, 8:12] = -np.inf
    c = coarsen(cost, 4)
    assert math.isinf(c[0, 0])
    block = cost[4:, 4:8]
    # "min": a crossing may leave by a side after half the block, so the cheapest is the corner
    # cut over the two cheapest cells (1.00 and 1.01; half a cell in, one step, half a cell out)
    assert c[1, 1] == pytest.approx((block[0, 0] + block[0, 1]) / 2)
    # "max": the dearer of the two straight-through directions (row 0 left to right, column 0 down)
    assert coarsen(cost, 4, rule="max")[1, 1] == pytest.approx(max(block[0].mean(), block[:, 0].mean()))
    assert math.isfinite(c[0, 2])              # one barrier row: the rest is open
    assert math.isinf(coarsen(np.full((4, 4), 9999.0), 4, barrier_cost=9999)[0, 0])
    with pytest.raises(ValueError, match="rule"):
        coarsen(cost, 4, rule="mean")


def test_coarse_graph_keeps_walls_and_every_gap():
    cost = np.ones((48, 48))
    cost[:, 21] = np.inf   # one-cell wall: at most 1/8 of any 8×8 block
    cost[40, 21] = 1.0     # the gap, far from the straight line
    g = CoarseGraph(cost, 8)
    # blocks cut by the wall hold two pieces (two coarse nodes)
    assert g.node_of((5, 20)) != g.node_of((5, 22))
    blocks = g.path_blocks((5, 5), (5, 42), "min")
    assert blocks is not None and (5, 2) in {tuple(b) for b in blocks}  # through the gap's block
    cost[40, 21] = np.inf
    assert CoarseGraph(cost, 8).path_blocks((5, 5), (5, 42), "min") is None


def test_coarse_graph_diagonal_barrier_has_no_corner_leak():
    cost = np.ones((40, 40))
    cost[np.arange(40), np.arange(40)] = np.inf   # a diagonal line: only corners touch
    g = CoarseGraph(cost, 4)
    assert g.path_blocks((30, 5), (5, 30), "min") is None
    assert g.path_blocks((30, 5), (35, 2), "max") is not None


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), density=st.floats(0.0, 0.5), factor=st.integers(2, 7),
       h=st.integers(6, 40), w=st.integers(6, 40))
def test_coarse_graph_has_exactly_the_fine_connectivity(seed, density, factor, h, w):
    rng = np.random.default_rng(seed)
    cost = 1 + 4 * rng.random((h, w))
    cost[rng.random((h, w)) < density] = np.inf
    s = (int(rng.integers(0, h)), int(rng.integers(0, w)))
    e = (int(rng.integers(0, h)), int(rng.integers(0, w)))
    cost[s] = cost[e] = 1.0
    open_ = np.isfinite(cost)
    labels, _ = ndimage.label(open_)            # 4-connected = connected without corner cutting
    connected = labels[s] == labels[e]
    g = CoarseGraph(cost, factor)
    for rule in ("min", "max"):
        blocks = g.path_blocks(s, e, rule)
        assert (blocks is not None) == connected
        if blocks is not None:  # every coarse path is followed by a fine path through its blocks
            assert solve_blocks(cost, None, np.unique(blocks, axis=0), factor, s, e) is not None


def test_coarse_diagonal_step_beside_an_all_barrier_block_obeys_the_corner_rule():
    # found by hypothesis: blocks (18, 13) and (19, 14) touch diagonally at cells (37, 27) and
    # (38, 28); the cells beside that corner are barriers, one of them in an all-barrier block
    rng = np.random.default_rng(2)
    cost = 1 + 4 * rng.random((48, 48))
    cost[rng.random((48, 48)) < 0.34375] = np.inf
    cost[0, 0] = cost[47, 47] = 1.0
    assert np.isinf(cost[38:40, 26:28]).all() and np.isinf(cost[37, 28])
    g = CoarseGraph(cost, 2)
    assert g.node_of((38, 28)) not in g._slot_dst[g.node_of((37, 27))][g._exists[g.node_of((37, 27))]]
    for rule in ("min", "max"):
        blocks = g.path_blocks((0, 0), (47, 47), rule)
        assert blocks is not None
        assert solve_blocks(cost, None, np.unique(blocks, axis=0), 2, (0, 0), (47, 47)) is not None
    r = _raster(cost, cell=2.0)
    c2f = least_cost_path(r, _xy(r, 0, 0), _xy(r, 47, 47), coarse_factor=2)
    assert c2f.cost == pytest.approx(least_cost_path(r, _xy(r, 0, 0), _xy(r, 47, 47), method="full").cost)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), density=st.floats(0.0, 0.45), factor=st.integers(2, 8))
def test_block_solve_equals_the_mcp_optimum_without_pinches(seed, density, factor):
    rng = np.random.default_rng(seed)
    cost = 0.5 + 4 * rng.random((30, 37))
    cost[rng.random((30, 37)) < density] = np.inf
    cost[0, 0] = cost[29, 36] = 1.0
    bar = ~np.isfinite(cost)
    pinch = (bar[:-1, :-1] & bar[1:, 1:] & ~bar[:-1, 1:] & ~bar[1:, :-1]) | \
            (bar[:-1, 1:] & bar[1:, :-1] & ~bar[:-1, :-1] & ~bar[1:, 1:])
    blocks = np.indices((-(-30 // factor), -(-37 // factor))).reshape(2, -1).T
    res = solve_blocks(cost, None, blocks, factor, (0, 0), (29, 36), min_cost=0.5)
    cum, _ = MCP_Geometric(cost, fully_connected=True).find_costs([(0, 0)], [(29, 36)])
    if res is None:
        assert not np.isfinite(cum[29, 36]) or pinch.any()
        return
    assert res.cost >= cum[29, 36] * (1 - 1e-12)       # the corner rule only removes edges
    assert res.lower_bound == res.cost                  # the blocks cover the grid: nothing leaves
    if not pinch.any():
        assert res.cost == pytest.approx(cum[29, 36], rel=1e-12)
    assert path_cost(cost, res.cells, 1.0) == pytest.approx(res.cost, rel=1e-12)


def _landscape(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    f = gaussian_filter(rng.standard_normal((n, n)), n / 30)
    cost = 1 + 9 * (f - f.min()) / (f.max() - f.min())
    for _ in range(12):  # building blocks as barriers
        r0, c0 = rng.integers(0, n - 40, 2)
        cost[r0:r0 + rng.integers(5, 40), c0:c0 + rng.integers(5, 40)] = np.inf
    cost[: n // 20, : n // 20] = 1.0
    cost[-n // 20:, -n // 20:] = 1.0
    return cost


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), density=st.floats(0.0, 0.3), factor=st.integers(2, 6),
       radius=st.integers(0, 3))
def test_corridor_lower_bound_is_a_lower_bound(seed, density, factor, radius):
    """The bound a corridor solve reports never exceeds the optimum over the whole grid."""
    rng = np.random.default_rng(seed)
    h, w = 36, 44
    cost = 0.3 + 5 * rng.random((h, w))
    cost[rng.random((h, w)) < density] = np.inf
    s, e = (2, 3), (h - 3, w - 4)
    cost[s] = cost[e] = 1.0
    hb, wb = -(-h // factor), -(-w // factor)
    near = np.zeros((hb, wb), dtype=bool)  # blocks near the straight line
    for t in np.linspace(0, 1, 50):
        near[round((s[0] + t * (e[0] - s[0])) // factor), round((s[1] + t * (e[1] - s[1])) // factor)] = True
    blocks = np.argwhere(ndimage.binary_dilation(near, iterations=radius) if radius else near)
    res = solve_blocks(cost, None, blocks, factor, s, e, min_cost=float(cost[np.isfinite(cost)].min()))
    bar = ~np.isfinite(cost)
    everything = np.indices((hb, wb)).reshape(2, -1).T
    g = BlockGraph(cost, None, everything, factor, e)
    best = g.solve(s, e)
    if res is None:
        return
    assert best is not None and best.lower_bound == best.cost
    assert res.lower_bound <= best.cost * (1 + 1e-12) <= res.cost * (1 + 1e-12)
    # the same corridor as an inner part of the whole grid's graph
    in_corridor = np.isin(everything[:, 0] * wb + everything[:, 1], blocks[:, 0] * wb + blocks[:, 1])
    inner = g.solve(s, e, inner=in_corridor)
    assert inner is not None and inner.cost == pytest.approx(res.cost, rel=1e-12) and inner.lower_bound == 0.0
    assert not bar[res.cells[:, 0], res.cells[:, 1]].any()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_coarse_to_fine_within_epsilon_of_full(seed):
    r = _raster(_landscape(500, seed), cell=2.0)
    a, b = _xy(r, 5, 5), _xy(r, 494, 494)
    full = least_cost_path(r, a, b, method="full")
    c2f = least_cost_path(r, a, b, method="coarse-to-fine", coarse_factor=8)
    assert c2f.method == "coarse-to-fine" and c2f.verification in ("bound", "corridor")
    assert c2f.info["corridor_cells"] < 0.6 * 500 * 500
    assert full.cost <= c2f.cost * (1 + 1e-9)  # full is the optimum
    assert c2f.cost <= full.cost * (1 + DEFAULT_EPSILON)
    assert c2f.verification_ratio <= 1 + DEFAULT_EPSILON


def test_coarse_to_fine_falls_back_to_full_when_the_corridor_budget_is_exceeded(caplog):
    r = _raster(_landscape(300, 7), cell=1.0)
    a, b = _xy(r, 5, 5), _xy(r, 294, 294)
    with caplog.at_level(logging.INFO, logger="wlr_geo"):
        p = least_cost_path(r, a, b, coarse_factor=6, max_corridor_cells=1_000)
    assert p.method == "full" and p.verification == "full" and "fallback" in p.info
    assert "berekening op volle resolutie" in caplog.text
    assert p.cost == pytest.approx(least_cost_path(r, a, b, method="full").cost, rel=1e-12)


def test_coarse_to_fine_unverified_when_full_does_not_fit(caplog):
    r = _raster(_landscape(300, 7), cell=1.0)
    a, b = _xy(r, 5, 5), _xy(r, 294, 294)
    with caplog.at_level(logging.WARNING, logger="wlr_geo"):
        p = least_cost_path(r, a, b, coarse_factor=6, max_corridor_cells=1_000, max_full_bytes=1)
    assert p.method == "coarse-to-fine" and p.verification == "unverified"
    assert "kon niet binnen ε = 1 % worden geverifieerd" in caplog.text
    steps = np.abs(np.diff(p.cells, axis=0))
    assert steps.max() == 1 and np.isfinite(r.cost[p.cells[:, 0], p.cells[:, 1]]).all()


def test_full_method_names_the_option_when_it_does_not_fit():
    r = _raster(np.ones((50, 50)))
    with pytest.raises(WlrGeoInputError, match="vraagt ongeveer") as exc:
        least_cost_path(r, _xy(r, 1, 1), _xy(r, 48, 48), method="full", max_full_bytes=1000)
    assert "coarse-to-fine" in exc.value.hint


def test_full_method_does_not_cut_barrier_corners():
    cost = np.ones((60, 60))
    cost[np.arange(60), 59 - np.arange(60)] = np.nan  # anti-diagonal one-cell line
    cost[50, 9] = 1.0                                  # a one-cell gap far from the straight line
    r = _raster(cost)
    a, b = _xy(r, 10, 10), _xy(r, 49, 49)
    # MCP_Geometric slips through the corners: straight across
    cum, _ = MCP_Geometric(np.where(np.isfinite(cost), cost, np.inf), fully_connected=True).find_costs(
        [(10, 10)], [(49, 49)])
    for method in ("full", "coarse-to-fine"):
        p = least_cost_path(r, a, b, method=method, coarse_factor=5)
        side = p.cells.sum(axis=1) - 59          # < 0 before the line, > 0 after it
        k = int(np.flatnonzero(side > 0)[0])
        assert np.abs(p.cells[k - 1:k + 1] - [50, 9]).max() <= 1  # it crosses at the gap
        assert p.cost > 1.4 * cum[49, 49]           # MCP alone: straight through a corner
    assert least_cost_path(r, a, b, method="full").info["full_solver"] == "graph"


def test_nan_minus_inf_and_barrier_cost_are_barriers():
    cost = np.ones((40, 40), dtype=np.float32)
    cost[:, 20] = np.nan
    cost[:10, 20] = -np.inf
    cost[30, 20] = 9999.0                 # the only finite cell of the wall
    r = _raster(cost)
    a, b = _xy(r, 5, 5), _xy(r, 5, 35)
    for method in ("full", "coarse-to-fine"):
        through = least_cost_path(r, a, b, method=method, coarse_factor=4)
        assert (30, 20) in {tuple(c) for c in through.cells.tolist()}   # 9999 is merely expensive
        with pytest.raises(NoPathError, match="barrières scheiden ze"):
            least_cost_path(r, a, b, method=method, barrier_cost=9999, coarse_factor=4)
    with pytest.raises(WlrGeoInputError, match="ligt op een barrièrecel"):
        least_cost_path(r, _xy(r, 30, 20), b, barrier_cost=5000)
    with pytest.raises(WlrGeoInputError, match="ligt op een barrièrecel"):
        least_cost_path(r, _xy(r, 3, 20), b)                             # -inf


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), True, "9999"])
def test_bad_barrier_cost_is_rejected(bad):
    r = _raster(np.ones((20, 20)))
    with pytest.raises(WlrGeoInputError, match="barrier_cost"):
        least_cost_path(r, _xy(r, 1, 1), _xy(r, 18, 18), barrier_cost=bad)


def test_negative_costs_and_bad_epsilon_are_rejected():
    cost = np.ones((20, 20))
    cost[3, 3] = -2.0
    r = _raster(cost)
    with pytest.raises(WlrGeoInputError, match="negatieve kosten"):
        least_cost_path(r, _xy(r, 1, 1), _xy(r, 18, 18))
    with pytest.raises(WlrGeoInputError, match="epsilon"):
        least_cost_path(_raster(np.ones((20, 20))), _xy(r, 1, 1), _xy(r, 18, 18), epsilon=1.5)


# --- alternatives --------------------------------------------------------------------------


def test_k3_alternatives_are_pairwise_distinct_and_ranked():
    r = _raster(np.ones((150, 150)), cell=10.0)
    a, b = _xy(r, 75, 5), _xy(r, 75, 144)
    alts = k_alternatives(r, a, b, k=3, min_separation_m=100.0, method="full")
    assert list(alts["rank"]) == [1, 2, 3] and alts.attrs["shortfall"] is None
    assert list(alts["cost"]) == sorted(alts["cost"])
    assert alts["cost"].iloc[0] == pytest.approx(1390.0)  # the straight line on open ground
    for i, j in combinations(range(3), 2):
        for p, q in ((i, j), (j, i)):
            assert distinct_share(alts.geometry.iloc[p], alts.geometry.iloc[q], buffer_m=100.0) >= 0.5
    for j in (1, 2):  # shared_share: the largest share within 100 m of a cheaper alternative
        expect = max(1 - distinct_share(alts.geometry.iloc[j], alts.geometry.iloc[m], buffer_m=100.0)
                     for m in range(j))
        assert alts["shared_share"].iloc[j] == pytest.approx(expect)
        assert alts["separation_m"].iloc[j] == pytest.approx(min(
            path_separation(alts.geometry.iloc[j], alts.geometry.iloc[m], step_m=10) for m in range(j)))
    assert math.isnan(alts["separation_m"].iloc[0]) and math.isnan(alts["shared_share"].iloc[0])
    assert (alts["verification"] == "exact").all() and (alts["method"] == "full").all()
    assert alts.crs.to_epsg() == 28992
    # the reported cost is on the unpenalised raster: cost ≥ length on cost-1 ground
    assert (alts["cost"] >= alts["length_m"] - 1e-6).all()


def test_distinct_share_known_answers():
    a = LineString([(0, 0), (100, 0)])
    assert distinct_share(a, LineString([(0, 30), (100, 30)]), buffer_m=10) == pytest.approx(1.0)
    assert distinct_share(a, LineString([(0, 5), (100, 5)]), buffer_m=10) == pytest.approx(0.0)
    half = LineString([(0, 0), (50, 0)])
    assert distinct_share(a, half, buffer_m=10) == pytest.approx(0.4)  # 60 m within 10 m of 0…50


def test_fewer_alternatives_when_only_one_corridor_exists(caplog):
    cost = np.full((60, 80), np.nan)
    cost[28:32, :] = 1.0            # one channel, 4 cells wide: no distinct second route
    r = _raster(cost, cell=5.0)
    with caplog.at_level(logging.WARNING, logger="wlr_geo"):
        alts = k_alternatives(r, _xy(r, 30, 2), _xy(r, 30, 77), k=3, min_separation_m=25.0)
    assert len(alts) == 1
    short = alts.attrs["shortfall"]
    assert short["requested"] == 3 and short["found"] == 1 and short["reason"] == "not_distinct"
    assert "slechts 1 van 3 alternatieven" in caplog.text


def test_alternatives_never_enter_cells_at_or_above_barrier_cost():
    cost = np.ones((90, 90), dtype=np.float32)
    cost[:, 45] = 1e6               # a finite no-go wall ...
    cost[[10, 45, 80], 45] = 1.0    # ... with three gaps
    r = _raster(cost, cell=2.0)
    alts = k_alternatives(r, _xy(r, 45, 3), _xy(r, 45, 86), k=3, barrier_cost=1e5, min_separation_m=10.0,
                          coarse_factor=5)
    assert len(alts) == 3
    for line in alts.geometry:
        xs = np.array([line.interpolate(t).x for t in np.linspace(0, line.length, 4000)])
        ys = np.array([line.interpolate(t).y for t in np.linspace(0, line.length, 4000)])
        col = np.floor((xs - X0) / 2.0).astype(int)
        row = np.floor((Y0 + 180 - ys) / 2.0).astype(int)
        assert (cost[row, col] < 1e5).all()
    assert alts["cost"].max() < 1e5


def test_separation_is_symmetric_mean_distance():
    a = LineString([(0, 0), (100, 0)])
    b = LineString([(0, 30), (100, 30)])
    assert path_separation(a, b, step_m=1) == pytest.approx(30.0)
    c = LineString([(0, 0), (50, 40), (100, 0)])
    assert path_separation(a, c, step_m=0.5) == pytest.approx(path_separation(c, a, step_m=0.5))


def test_k_alternatives_rejects_bad_k():
    r = _raster(np.ones((20, 20)))
    with pytest.raises(WlrGeoInputError, match="positief geheel getal"):
        k_alternatives(r, _xy(r, 1, 1), _xy(r, 18, 18), k=0)


# --- layers → routes → comparison ----------------------------------------------------------


def _scenario():
    buildings = gpd.GeoDataFrame(geometry=[box(X0 + 400, Y0 + 100, X0 + 600, Y0 + 900)], crs=28992)
    roads = gpd.GeoDataFrame({"category": ["local_road", "local_road"]},
                             geometry=[LineString([(X0 + 250, Y0), (X0 + 250, Y0 + 1000)]),
                                       LineString([(X0 + 750, Y0), (X0 + 750, Y0 + 1000)])], crs=28992)
    return {"buildings": buildings, "roads": roads}


def test_route_variants_avoid_the_building_and_compare():
    layers = _scenario()
    start, end = (X0 + 50, Y0 + 500), (X0 + 950, Y0 + 500)
    routes, raster = route_variants(layers, start, end, k=2, cell_m=10, bounds=(X0, Y0, X0 + 1000, Y0 + 1000),
                                    min_separation_m=50,
                                    return_raster=True)
    assert len(routes) == 2
    assert not routes.intersects(layers["buildings"].geometry.iloc[0]).any()
    table = compare_variants(routes, {"roads": layers["roads"]}, width_m=10, use_impact=False)
    assert list(table["crossings_local_road"]) == [2, 2]
    assert list(table["rank"]) == [1, 2]
    assert (table["strip_area_m2"] > 0).all()
    assert isinstance(raster.table, CostTable)


def test_compare_variants_with_impact_analysis_agrees_with_own_count():
    pytest.importorskip("wlr_geo.analysis.impact.run")
    layers = _scenario()
    routes = route_variants(layers, (X0 + 50, Y0 + 500), (X0 + 950, Y0 + 500), k=2, cell_m=10,
                            bounds=(X0, Y0, X0 + 1000, Y0 + 1000), min_separation_m=50)
    with_impact = compare_variants(routes, {"roads": layers["roads"]})
    assert list(with_impact["variant"]) == ["alternatief 1", "alternatief 2"]
    assert list(with_impact["n_crossings"]) == [2, 2]
    own = compare_variants(routes, {"roads": layers["roads"]}, use_impact=False)
    assert list(own["crossings_local_road"]) == list(with_impact["n_crossings"])
    assert list(own["length_m"]) == list(with_impact["length_m"])


def test_compare_variants_counts_polygon_area_in_strip():
    routes = gpd.GeoDataFrame({"rank": [1], "cost": [1.0], "length_m": [100.0]},
                              geometry=[LineString([(X0, Y0), (X0 + 100, Y0)])], crs=28992)
    nature = gpd.GeoDataFrame(geometry=[box(X0 + 20, Y0 - 50, X0 + 50, Y0 + 50)], crs=28992)
    table = compare_variants(routes, {"nature": nature}, width_m=10, use_impact=False)
    assert table["area_nature_m2"].iloc[0] == pytest.approx(300.0)  # 30 m × 10 m strip


# --- CLI -----------------------------------------------------------------------------------


def _cli_raster(tmp_path):
    cost = np.ones((100, 100), dtype=np.float32)
    cost[:80, 50] = np.inf
    r = _raster(cost, cell=5.0)
    return write_cost_raster(r, tmp_path / "cost.tif"), r


def test_cli_configless_writes_routes_gpkg(tmp_path):
    path, r = _cli_raster(tmp_path)
    a, b = _xy(r, 5, 5), _xy(r, 5, 95)
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["route", "--cost", str(path), "--start", f"{a[0]},{a[1]}",
                                   "--end", f"{b[0]},{b[1]}", "-k", "2", "--min-separation", "20", "-o", str(out)])
    assert res.exit_code == 0, res.output
    routes = pyogrio.read_dataframe(out / "routes.gpkg", layer="routes")
    assert list(routes["rank"]) == [1, 2]
    assert {"cost", "length_m", "target"} <= set(routes.columns)
    assert routes.crs.to_epsg() == 28992
    assert (routes["cost"] > 5 * 90).all()  # must detour around the wall
    assert (out / "routes.csv").read_text().startswith("variant,rank,target,cost,length_m")


def test_cli_start_on_barrier_is_one_line_error(tmp_path):
    path, r = _cli_raster(tmp_path)
    a, b = _xy(r, 10, 50), _xy(r, 5, 95)
    res = CliRunner().invoke(cli, ["route", "--cost", str(path), "--start", f"{a[0]},{a[1]}",
                                   "--end", f"{b[0]},{b[1]}", "-o", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "beginpunt" in res.output and "barrièrecel" in res.output and "Traceback" not in res.output


def test_cli_config_form(tmp_path):
    layers = _scenario()
    pyogrio.write_dataframe(layers["buildings"], tmp_path / "in.gpkg", layer="buildings")
    pyogrio.write_dataframe(layers["roads"], tmp_path / "in.gpkg", layer="roads", append=True)
    (tmp_path / "p.toml").write_text(
        f"""[project]
name = "t"
[layers.buildings]
file = "in.gpkg"
layer = "buildings"
[layers.roads]
file = "in.gpkg"
layer = "roads"
[routing]
start = [{X0 + 50}, {Y0 + 500}]
ends = [[{X0 + 950}, {Y0 + 500}]]
cell_m = 10
k = 2
min_separation_m = 50
bounds = [{X0}, {Y0}, {X0 + 1000}, {Y0 + 1000}]
[routing.cost_table.area]
green = 1.5
""", encoding="utf-8")
    res = CliRunner().invoke(cli, ["route", str(tmp_path / "p.toml"), "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "out" / "cost.tif").exists()
    routes = pyogrio.read_dataframe(tmp_path / "out" / "routes.gpkg", layer="routes")
    assert len(routes) == 2 and (routes["target"] == f"{X0 + 950:.0f},{Y0 + 500:.0f}").all()


def test_cli_config_errors_reported_together(tmp_path):
    (tmp_path / "p.toml").write_text("[routing]\nstart = [1]\ncell_m = -5\nspeed = 3\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["route", str(tmp_path / "p.toml"), "-o", str(tmp_path / "out")])
    assert res.exit_code == 2
    assert "onbekende sleutel 'speed'" in res.output and "start" in res.output and "cell_m" in res.output


def test_cli_barrier_above_and_routing_columns(tmp_path):
    cost = np.ones((100, 100), dtype=np.float32)
    cost[:, 50] = 9999.0              # "no-go" coded as a number, no nodata declared
    cost[[10, 50, 90], 50] = 1.0
    r = _raster(cost, cell=5.0)
    path = write_cost_raster(r, tmp_path / "cost.tif")
    a, b = _xy(r, 50, 3), _xy(r, 50, 96)
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["route", "--cost", str(path), "--start", f"{a[0]},{a[1]}", "--end", f"{b[0]},{b[1]}",
                                   "-k", "3", "--min-separation", "25", "--barrier-above", "9999",
                                   "--epsilon", "0.005", "-o", str(out)])
    assert res.exit_code == 0, res.output
    routes = pyogrio.read_dataframe(out / "routes.gpkg", layer="routes")
    assert len(routes) == 3
    assert (routes["cost"] < 9999).all()  # no route through the coded wall
    header = (out / "routes.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[:10] == ["variant", "rank", "target", "cost", "length_m", "separation_m", "shared_share",
                           "method", "verification", "verification_ratio"]
    assert "alternatief 1:" in res.output and "geschreven:" in res.output
    assert set(routes["verification"]) <= {"exact", "bound", "corridor", "full"}


def test_cli_reports_fewer_alternatives_in_dutch(tmp_path):
    cost = np.full((60, 80), np.nan, dtype=np.float32)
    cost[28:32, :] = 1.0
    r = _raster(cost, cell=5.0)
    path = write_cost_raster(r, tmp_path / "cost.tif")
    a, b = _xy(r, 30, 2), _xy(r, 30, 77)
    res = CliRunner().invoke(cli, ["route", "--cost", str(path), "--start", f"{a[0]},{a[1]}", "--end", f"{b[0]},{b[1]}",
                                   "-k", "3", "--min-separation", "25", "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert "1 van 3 alternatieven gevonden" in res.output and "50 %" in res.output


@pytest.mark.parametrize("option", [["--barrier-above", "nan"], ["--barrier-above", "0"], ["--epsilon", "0.9"],
                                    ["--min-distinct-share", "0"], ["--coarse-factor", "1"],
                                    ["--min-separation", "0"], ["-k", "0"]])
def test_cli_rejects_bad_routing_options(tmp_path, option):
    path, r = _cli_raster(tmp_path)
    a, b = _xy(r, 5, 5), _xy(r, 5, 95)
    res = CliRunner().invoke(cli, ["route", "--cost", str(path), "--start", f"{a[0]},{a[1]}",
                                   "--end", f"{b[0]},{b[1]}", *option, "-o", str(tmp_path / "o")])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert f"{option[0]} = " in res.output  # one line naming the option
    assert not (tmp_path / "o").exists()    # checked before anything is read or written


def test_routing_keys_are_typed_options_shown_in_help_and_validate(tmp_path):
    from wlr_geo.config import parse_section

    opts = parse_section("routing", {"start": [83_600.0, 451_200.0], "barrier_cost": 9999, "epsilon": 0.02,
                                     "min_distinct_share": 0.4, "min_separation_m": 300.0})
    assert (opts.barrier_cost, opts.epsilon, opts.min_distinct_share) == (9999, 0.02, 0.4)
    kw = opts.path_options()
    assert (kw["barrier_cost"], kw["epsilon"], kw["min_distinct_share"], kw["min_separation_m"]) == (
        9999, 0.02, 0.4, 300.0)
    text = CliRunner().invoke(cli, ["route", "--help"]).output
    for flag, key in (("--barrier-above", "barrier_cost"), ("--epsilon", "epsilon"),
                      ("--min-distinct-share", "min_distinct_share"), ("--min-separation", "min_separation_m")):
        assert flag in text and f"[routing] {key}" in " ".join(text.split())
    cfg = tmp_path / "p.toml"
    cfg.write_text("[routing]\nstart = [83600, 451200]\nends = [[93500, 460300]]\nbarrier_cost = -1\n"
                   "epsilon = 0.7\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["validate", str(cfg)])
    assert res.exit_code == 2
    assert "[routing] barrier_cost = -1" in res.output and "[routing] epsilon = 0.7" in res.output


def test_cli_routing_keys_are_validated_together(tmp_path):
    (tmp_path / "p.toml").write_text(
        "[routing]\nstart = [1, 2]\nends = [[3, 4]]\nbarrier_cost = true\nepsilon = 2\n"
        "min_distinct_share = 0\npenalty = nan\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["route", str(tmp_path / "p.toml"), "-o", str(tmp_path / "out")])
    assert res.exit_code == 2
    for key in ("barrier_cost", "epsilon", "min_distinct_share", "penalty"):
        assert f"[routing] {key} = " in res.output


# --- property: coarse-to-fine is never better than the optimum and always a valid path -----


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), density=st.floats(0.0, 0.35), factor=st.integers(2, 6))
def test_coarse_to_fine_is_valid_and_never_beats_full(seed, density, factor):
    rng = np.random.default_rng(seed)
    cost = 1 + 4 * rng.random((48, 48))
    cost[rng.random((48, 48)) < density] = np.inf
    cost[0, 0] = cost[47, 47] = 1.0
    r = _raster(cost, cell=2.0)
    a, b = _xy(r, 0, 0), _xy(r, 47, 47)
    try:
        full = least_cost_path(r, a, b, method="full")
    except NoPathError:
        with pytest.raises(NoPathError):
            least_cost_path(r, a, b, coarse_factor=factor)
        return
    c2f = least_cost_path(r, a, b, coarse_factor=factor)
    steps = np.abs(np.diff(c2f.cells, axis=0))
    assert steps.max() <= 1 and (steps.sum(axis=1) > 0).all()
    assert np.isfinite(cost[c2f.cells[:, 0], c2f.cells[:, 1]]).all()
    assert tuple(c2f.cells[0]) == (0, 0) and tuple(c2f.cells[-1]) == (47, 47)
    assert c2f.cost >= full.cost * (1 - 1e-9)
