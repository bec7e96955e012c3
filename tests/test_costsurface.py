"""Tests of wlr_geo.analysis.routing.cost: cost table, raster building with hand-computed cells, GeoTIFF I/O."""

from __future__ import annotations

import math

import numpy as np
import pytest
import rasterio
from _rd import X0, Y0, rd_frame
from affine import Affine
from pyproj import CRS
from shapely.geometry import LineString, Point, box

from wlr_geo._errors import ConfigError, CRSError, WlrGeoInputError
from wlr_geo.analysis.routing.cost import (
    CostRaster,
    CostTable,
    RasterLayer,
    barrier_mask,
    build_cost_raster,
    grid_for_bounds,
    read_cost_raster,
    write_cost_raster,
)
from wlr_geo.categories import CATEGORIES


def _plain_table() -> CostTable:
    """The default area/crossing costs without buffers or bundling, so each test sees one effect."""
    d = CostTable.default()
    return CostTable(base=1.0, area=d.area, crossing=d.crossing, roles=d.roles)


# --- cost table -------------------------------------------------------------------------------


def test_default_table_covers_every_category():
    t = CostTable.default()
    frame = t.to_frame()
    assert list(frame["category"]) == list(CATEGORIES)
    assert math.isinf(t.area["building"])
    assert t.base == 1.0
    assert t.crossing["rail"] > t.crossing["local_road"] > 0
    assert 0 < t.bundling_factor < 1


def test_table_overrides_keep_other_values():
    t = CostTable.from_dict({"area": {"nature": "barrier", "green": 2.5}, "crossing": {"motorway": 900}})
    d = CostTable.default()
    assert math.isinf(t.area["nature"]) and t.area["green"] == 2.5 and t.crossing["motorway"] == 900.0
    assert t.area["paved"] == d.area["paved"]
    assert t.buffer == d.buffer


@pytest.mark.parametrize(
    ("raw", "match"),
    [
        ({"area": {"forest": 3.0}}, "forest"),
        ({"area": {"green": -1}}, "geen kostenwaarde"),
        ({"crossing": {"rail": "expensive"}}, "geen kostenwaarde"),
        ({"bundling": {"factor": 1.5}}, "buiten het bereik"),
        ({"buffer": {"building": [[5.0]]}}, "distance_m, cost"),
        ({"colours": {}}, "onbekende sleutels in de kostentabel"),
        ({"roles": {"trees": "forest"}}, "forest"),
    ],
)
def test_table_rejects_bad_values(raw, match):
    with pytest.raises(ConfigError, match=match):
        CostTable.from_dict(raw)


def test_table_from_toml_file(tmp_path):
    p = tmp_path / "t.toml"
    p.write_text('base = 2.0\n[area]\nnature = 30\n', encoding="utf-8")
    t = CostTable.from_toml(p)
    assert t.base == 2.0 and t.area["nature"] == 30.0 and math.isinf(t.area["building"])
    with pytest.raises(ConfigError, match="bestaat niet"):
        CostTable.from_toml(tmp_path / "missing.toml")


# --- grid -------------------------------------------------------------------------------------


def test_grid_snaps_outward():
    transform, shape = grid_for_bounds((X0 + 3, Y0 + 7, X0 + 98, Y0 + 41), 10)
    assert shape == (5, 10)
    assert (transform.c, transform.f, transform.a, transform.e) == (X0, Y0 + 50, 10, -10)


@pytest.mark.parametrize(("bounds", "cell"), [((0, 0, 10, 10), 0), ((0, 0, 0, 10), 1), ((0, 0, 1e6, 1e6), 0.01)])
def test_grid_rejects_bad_input(bounds, cell):
    with pytest.raises(WlrGeoInputError):
        grid_for_bounds(bounds, cell)


# --- building ---------------------------------------------------------------------------------


def test_building_is_barrier_and_rest_is_base():
    bld = rd_frame([box(X0 + 40, Y0 + 40, X0 + 60, Y0 + 60)])
    r = build_cost_raster({"buildings": bld}, bounds=(X0, Y0, X0 + 100, Y0 + 100), cell_m=10, table=_plain_table())
    assert r.shape == (10, 10) and r.cost.dtype == np.float32
    inf = np.isinf(r.cost)
    assert inf.sum() == 4
    assert inf[4:6, 4:6].all()  # rows 4-5 = y 60..40, cols 4-5 = x 40..60
    assert np.all(r.cost[~inf] == 1.0)
    assert r.bounds == (X0, Y0, X0 + 100, Y0 + 100)


def test_area_costs_highest_wins_and_category_column():
    polys = rd_frame([box(X0, Y0, X0 + 50, Y0 + 100), box(X0 + 20, Y0, X0 + 100, Y0 + 100)],
                 category=["nature", "green"])
    r = build_cost_raster({"landcover": polys}, bounds=(X0, Y0, X0 + 100, Y0 + 100), cell_m=10, table=_plain_table())
    t = CostTable.default()
    assert np.all(r.cost[:, :5] == np.float32(t.area["nature"]))
    assert np.all(r.cost[:, 5:] == np.float32(t.area["green"]))


def test_crossing_surcharge_per_cell_and_one_crossing_total():
    road = rd_frame([LineString([(X0, Y0 + 55), (X0 + 100, Y0 + 55)])], category=["local_road"])
    r = build_cost_raster({"roads": road}, bounds=(X0, Y0, X0 + 100, Y0 + 100), cell_m=10, table=_plain_table())
    surcharge = CostTable.default().crossing["local_road"]
    assert np.allclose(r.cost[4], 1.0 + surcharge / 10)  # row 4 = y 60..50
    assert np.all(r.cost[[0, 1, 2, 3, 5, 6, 7, 8, 9]] == 1.0)
    # a perpendicular crossing (column of 10 cells, cell 10 m) costs 100 m + the surcharge
    col = r.cost[:, 3].astype(float)
    crossing_cost = np.sum((col[:-1] + col[1:]) / 2 * 10)
    assert crossing_cost == pytest.approx(90 + surcharge)


def test_buffer_rings_innermost_wins():
    table = CostTable.from_dict({"buffer": {"building": [[10.0, 5.0], [30.0, 1.0]]}})
    table = CostTable(base=1.0, area=table.area, crossing=table.crossing, buffer=table.buffer, roles=table.roles)
    bld = rd_frame([box(X0 + 50, Y0 + 50, X0 + 60, Y0 + 60)])
    r = build_cost_raster({"buildings": bld}, bounds=(X0, Y0, X0 + 110, Y0 + 110), cell_m=10, table=table)
    # building cell: row 5, col 5
    assert np.isinf(r.cost[5, 5])
    assert r.cost[5, 6] == 6.0 and r.cost[5, 4] == 6.0  # 10 m
    assert r.cost[6, 6] == 2.0  # 14.1 m: outer ring
    assert r.cost[5, 8] == 2.0  # 30 m
    assert r.cost[5, 9] == 1.0  # 40 m


def test_bundling_discount_beside_line_not_on_it():
    table = CostTable(base=1.0, area=CostTable.default().area, crossing={"cable_pipe": 10.0},
                      bundling_categories=("cable_pipe",), bundling_width_m=20.0, bundling_factor=0.5,
                      roles={"pipelines": "cable_pipe"})
    pipe = rd_frame([LineString([(X0, Y0 + 55), (X0 + 100, Y0 + 55)])])
    r = build_cost_raster({"pipelines": pipe}, bounds=(X0, Y0, X0 + 100, Y0 + 100), cell_m=10, table=table)
    assert np.allclose(r.cost[4], 1.0 + 10.0 / 10)  # the line itself: crossing, no discount
    assert np.allclose(r.cost[[2, 3, 5, 6]], 0.5)   # within 20 m
    assert np.allclose(r.cost[[0, 1, 7, 8, 9]], 1.0)


def test_raster_costs_array_and_resampled_layer():
    bounds = (X0, Y0, X0 + 100, Y0 + 100)
    arr = np.arange(100, dtype=np.float32).reshape(10, 10)
    r = build_cost_raster({}, bounds=bounds, cell_m=10, table=_plain_table(), raster_costs=[(arr, 0.5)])
    assert np.allclose(r.cost, 1.0 + 0.5 * arr)
    # a 50 m raster with one nodata cell, resampled onto 10 m cells
    coarse = RasterLayer(np.array([[2.0, np.nan], [4.0, 6.0]], dtype=np.float32),
                         Affine(50, 0, X0, 0, -50, Y0 + 100), CRS.from_epsg(28992), nodata=np.nan)
    r = build_cost_raster({}, bounds=bounds, cell_m=10, table=_plain_table(), raster_costs=[(coarse, 1.0)])
    assert np.all(r.cost[:5, :5] == 3.0) and np.all(r.cost[:5, 5:] == 1.0)
    assert np.all(r.cost[5:, :5] == 5.0) and np.all(r.cost[5:, 5:] == 7.0)
    with pytest.raises(WlrGeoInputError, match="vorm \\(shape\\)"):
        build_cost_raster({}, bounds=bounds, cell_m=10, raster_costs=[(arr[:5], 1.0)])


def test_inputs_not_mutated_and_reprojected_layer_accepted():
    bld = rd_frame([box(X0 + 40, Y0 + 40, X0 + 60, Y0 + 60)])
    before = bld.copy()
    wgs = bld.to_crs(4326)
    r1 = build_cost_raster({"buildings": bld}, bounds=(X0, Y0, X0 + 100, Y0 + 100), cell_m=10)
    r2 = build_cost_raster({"buildings": wgs}, bounds=(X0, Y0, X0 + 100, Y0 + 100), cell_m=10)
    assert bld.equals(before)
    assert np.array_equal(np.isinf(r1.cost), np.isinf(r2.cost))


def test_unknown_category_and_missing_role_default_raise():
    bounds = (X0, Y0, X0 + 100, Y0 + 100)
    with pytest.raises(WlrGeoInputError, match="forest"):
        build_cost_raster({"x": rd_frame([box(X0, Y0, X0 + 10, Y0 + 10)], category=["forest"])}, bounds=bounds, cell_m=10)
    with pytest.raises(WlrGeoInputError, match=r"\[roles\]"):
        build_cost_raster({"mystery": rd_frame([box(X0, Y0, X0 + 10, Y0 + 10)])}, bounds=bounds, cell_m=10)


def test_point_objects_only_give_buffers():
    table = CostTable(base=1.0, buffer={"structure": ((15.0, 4.0),)}, roles={"masts": "structure"},
                      area={"structure": math.inf})
    masts = rd_frame([Point(X0 + 55, Y0 + 55)])
    r = build_cost_raster({"masts": masts}, bounds=(X0, Y0, X0 + 100, Y0 + 100), cell_m=10, table=table)
    assert not np.isinf(r.cost).any()
    assert r.cost[4, 5] == 1.0  # the point's own cell is the object: no ring there
    assert r.cost[4, 6] == 5.0 and r.cost[5, 6] == 5.0 and r.cost[4, 7] == 1.0


# --- I/O --------------------------------------------------------------------------------------


def test_geotiff_round_trip(tmp_path):
    bld = rd_frame([box(X0 + 40, Y0 + 40, X0 + 60, Y0 + 60)])
    r = build_cost_raster({"buildings": bld}, bounds=(X0, Y0, X0 + 100, Y0 + 100), cell_m=10)
    p = write_cost_raster(r, tmp_path / "c.tif")
    back = read_cost_raster(p)
    assert back.transform == r.transform and back.shape == r.shape
    assert np.array_equal(np.isinf(back.cost), np.isinf(r.cost))
    assert np.array_equal(back.cost[np.isfinite(back.cost)], r.cost[np.isfinite(r.cost)])
    assert back.crs.to_epsg() == 28992
    assert not list(tmp_path.glob(".*part*"))  # atomic write left no temp file


def _write_tif(path, arr, crs="EPSG:28992", nodata=None):
    with rasterio.open(path, "w", driver="GTiff", width=arr.shape[1], height=arr.shape[0], count=1,
                       dtype="float32", crs=crs, transform=Affine(5, 0, X0, 0, -5, Y0 + 50), nodata=nodata) as ds:
        ds.write(arr.astype(np.float32), 1)


def test_read_rejects_bad_cost_rasters(tmp_path):
    arr = np.ones((10, 10), dtype=np.float32)
    bad = arr.copy()
    bad[3, 3] = 0.0
    _write_tif(tmp_path / "zero.tif", bad)
    with pytest.raises(WlrGeoInputError, match="kosten ≤ 0"):
        read_cost_raster(tmp_path / "zero.tif")
    _write_tif(tmp_path / "nocrs.tif", arr, crs=None)
    with pytest.raises(CRSError, match="geen CRS"):
        read_cost_raster(tmp_path / "nocrs.tif")
    _write_tif(tmp_path / "utm.tif", arr, crs="EPSG:32631")
    with pytest.raises(CRSError, match="niet in EPSG:28992"):
        read_cost_raster(tmp_path / "utm.tif")
    with pytest.raises(WlrGeoInputError, match="rasterbestand bestaat niet"):
        read_cost_raster(tmp_path / "missing.tif")


def test_read_nodata_is_barrier(tmp_path):
    arr = np.full((10, 10), 2.0, dtype=np.float32)
    arr[0, 0] = -1
    _write_tif(tmp_path / "nd.tif", arr, nodata=-1)
    r = read_cost_raster(tmp_path / "nd.tif")
    assert np.isinf(r.cost[0, 0]) and np.isinf(r.cost).sum() == 1
    assert isinstance(r, CostRaster) and r.cell_m == 5.0


def test_read_nan_and_infinities_are_barriers_and_coded_no_go_stays(tmp_path):
    arr = np.full((10, 10), 2.0, dtype=np.float32)
    arr[1, 1], arr[2, 2], arr[3, 3], arr[4, 4] = np.nan, np.inf, -np.inf, 9999.0
    _write_tif(tmp_path / "codes.tif", arr)
    r = read_cost_raster(tmp_path / "codes.tif")
    assert np.isinf(r.cost[[1, 2, 3], [1, 2, 3]]).all() and (r.cost[[1, 2, 3], [1, 2, 3]] > 0).all()
    assert r.cost[4, 4] == 9999.0  # a coded "no-go" is a cost until the router gets barrier_cost
    assert barrier_mask(r.cost).sum() == 3
    assert barrier_mask(r.cost, 9999).sum() == 4
    assert barrier_mask(r.cost, 10_000).sum() == 3


def test_barrier_mask_definition():
    values = np.array([1.0, 0.0, np.nan, np.inf, -np.inf, 9998.9, 9999.0, 1e30])
    assert barrier_mask(values).tolist() == [False, False, True, True, True, False, False, False]
    assert barrier_mask(values, 9999.0).tolist() == [False, False, True, True, True, False, True, True]
    assert np.isnan(values[2]) and values[6] == 9999.0  # the input is not modified
