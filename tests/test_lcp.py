"""Tests of wlr_geo.analysis.routing.lcp and ``wlr-geo route``: paths with known answers, alternatives, scaling."""

from __future__ import annotations

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
from scipy.ndimage import gaussian_filter
from shapely.geometry import LineString, box
from skimage.graph import MCP_Geometric

from wlr_geo._errors import WlrGeoInputError
from wlr_geo.analysis.routing.cost import CostRaster, CostTable, write_cost_raster
from wlr_geo.analysis.routing.lcp import (
    NoPathError,
    coarsen,
    compare_variants,
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
    with pytest.raises(WlrGeoInputError, match=r"start \(90255\.0, 460245\.0\) lies on a barrier") as exc:
        least_cost_path(r, xy, _xy(r, 0, 0))
    assert "move the start point" in exc.value.hint
    with pytest.raises(WlrGeoInputError, match=r"end .* lies on a barrier"):
        least_cost_path(r, _xy(r, 0, 0), xy)
    with pytest.raises(WlrGeoInputError, match="outside the cost raster"):
        least_cost_path(r, (0.0, 0.0), xy)


def test_start_and_end_in_one_cell_raises():
    r = _raster(np.ones((10, 10)), cell=10.0)
    with pytest.raises(WlrGeoInputError, match="same 10 m cell"):
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


def test_no_path_raises():
    cost = np.ones((60, 60))
    cost[:, 30] = np.inf
    r = _raster(cost)
    for method in ("full", "coarse-to-fine"):
        with pytest.raises(NoPathError, match="barriers"):
            least_cost_path(r, _xy(r, 5, 5), _xy(r, 5, 55), method=method)


# --- coarse-to-fine ------------------------------------------------------------------------


def test_coarsen_mean_and_barrier_rule():
    cost = np.array([[1, 3, np.inf, np.inf, 5],
                      [1, 3, np.inf, 2.0, 5],
                      [7, 7, 1, 1, 9]], dtype=np.float32)
    c = coarsen(cost, 2, directional=False, split_barriers=False)
    assert c.shape == (2, 3)
    assert c[0, 0] == 2.0
    assert math.isinf(c[0, 1])          # 3 of 4 cells barrier
    assert c[0, 2] == 5.0               # edge block of 2 existing cells
    assert c[1, 0] == 7.0 and c[1, 1] == 1.0 and c[1, 2] == 9.0
    assert coarsen(cost, 2, barrier_fraction=1.01, directional=False, split_barriers=False)[0, 1] == 2.0
    # directional: the cheapest row or column of the block (column 0 of block (0, 0) = 1)
    assert coarsen(cost, 2, split_barriers=False)[0, 0] == 1.0


def test_coarsen_keeps_a_cheap_strip_cheap():
    cost = np.full((8, 8), 5.0)
    cost[1, :] = 1.0  # a one-cell bundling strip
    assert coarsen(cost, 4, split_barriers=False)[0, 0] == 1.0
    assert coarsen(cost, 4, split_barriers=False, directional=False)[0, 0] == 4.0


def test_coarsen_splits_blocks_cut_by_a_thin_wall_but_keeps_the_gap():
    cost = np.ones((48, 48))
    cost[:, 21] = np.inf   # one-cell wall: at most 1/8 of any 8×8 block
    cost[40, 21] = 1.0     # gap in block row 5
    split = coarsen(cost, 8)
    plain = coarsen(cost, 8, split_barriers=False)
    assert np.isfinite(plain).all()
    assert np.isinf(split[:4, 2]).all()  # blocks cut by the wall
    assert np.isinf(split[:4, 3]).all()  # its widened window (cols 20-35) is cut too
    assert np.isfinite(split[4:, 2:4]).all()  # windows holding the gap stay open
    assert np.isfinite(split[:, [0, 1, 4, 5]]).all()


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


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_coarse_to_fine_within_2_percent_of_full(seed):
    r = _raster(_landscape(500, seed), cell=2.0)
    a, b = _xy(r, 5, 5), _xy(r, 494, 494)
    full = least_cost_path(r, a, b, method="full")
    c2f = least_cost_path(r, a, b, method="coarse-to-fine", coarse_factor=8)
    assert c2f.method == "coarse-to-fine" and "fallback" not in c2f.info
    assert full.cost <= c2f.cost * (1 + 1e-9)  # full is the optimum
    assert c2f.cost <= full.cost * 1.02


def test_coarse_to_fine_uses_several_windows_and_stays_valid():
    r = _raster(_landscape(600, 7), cell=1.0)
    a, b = _xy(r, 5, 5), _xy(r, 594, 594)
    c2f = least_cost_path(r, a, b, coarse_factor=6, max_window_cells=40_000)
    assert c2f.info["windows"] > 3
    steps = np.abs(np.diff(c2f.cells, axis=0))
    assert steps.max() == 1 and (steps.sum(axis=1) > 0).all()  # 8-connected, no repeats
    assert np.isfinite(r.cost[c2f.cells[:, 0], c2f.cells[:, 1]]).all()
    full = least_cost_path(r, a, b, method="full")
    assert c2f.cost <= full.cost * 1.02


# --- alternatives --------------------------------------------------------------------------


def test_k3_alternatives_are_pairwise_separated_and_ranked():
    r = _raster(np.ones((150, 150)), cell=10.0)
    a, b = _xy(r, 75, 5), _xy(r, 75, 144)
    alts = k_alternatives(r, a, b, k=3, min_separation_m=100.0, method="full")
    assert list(alts["rank"]) == [1, 2, 3]
    assert list(alts["cost"]) == sorted(alts["cost"])
    assert alts["cost"].iloc[0] == pytest.approx(1390.0)  # the straight line on open ground
    for i, j in combinations(range(3), 2):
        assert path_separation(alts.geometry.iloc[i], alts.geometry.iloc[j], step_m=10) >= 100.0
    assert math.isnan(alts["separation_m"].iloc[0]) and (alts["separation_m"].iloc[1:] >= 100).all()
    assert alts.crs.to_epsg() == 28992
    # the reported cost is on the unpenalised raster: cost ≥ length on cost-1 ground
    assert (alts["cost"] >= alts["length_m"] - 1e-6).all()


def test_separation_is_symmetric_mean_distance():
    a = LineString([(0, 0), (100, 0)])
    b = LineString([(0, 30), (100, 30)])
    assert path_separation(a, b, step_m=1) == pytest.approx(30.0)
    c = LineString([(0, 0), (50, 40), (100, 0)])
    assert path_separation(a, c, step_m=0.5) == pytest.approx(path_separation(c, a, step_m=0.5))


def test_k_alternatives_rejects_bad_k():
    r = _raster(np.ones((20, 20)))
    with pytest.raises(WlrGeoInputError, match="positive integer"):
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
    assert "start" in res.output and "barrier" in res.output and "Traceback" not in res.output


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
    assert "unknown key 'speed'" in res.output and "start" in res.output and "cell_m" in res.output


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
