"""Reading only the corridor of a big layer through its spatial index equals reading it whole.

Oracle: the whole layer read by the ordinary reader (:func:`wlr_geo.io.dispatch.read_source`),
filtered with shapely ``dwithin`` on the route: the same rows, ids, attributes and geometries,
in the same order.
"""

from __future__ import annotations

import sqlite3
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from _rd import random_segments
from shapely.geometry import LineString

from wlr_geo._nl import nl
from wlr_geo.catalog import embedded_path
from wlr_geo.io.area import Corridor, read_near, spatial_index
from wlr_geo.io.dispatch import read_source
from wlr_geo.io.parquet import write_partitioned

LAYERS = embedded_path("demo.toml").parent
ROUTE = LineString([(80_000, 450_000), (82_500, 451_500), (85_000, 450_500), (88_000, 453_000)])


def _whole_near(path, layer, corridor):
    whole = read_source(path, layer, allow_empty=True)
    return whole.loc[corridor.near(np.asarray(whole.geometry.values))]


def _assert_same(got, expected):
    assert got is not None
    assert list(got.index) == list(expected.index)
    assert list(got.columns) == list(expected.columns)
    assert got.crs == expected.crs
    attrs = [c for c in got.columns if c != got.geometry.name]
    # a text column that is empty in the rows read comes back as object, not str: same values
    pd.testing.assert_frame_equal(pd.DataFrame(got[attrs]), pd.DataFrame(expected[attrs]), check_dtype=False)
    for c in attrs:
        if got[c].notna().any():
            assert got[c].dtype == expected[c].dtype, c
    assert shapely.equals_exact(got.geometry.values, expected.geometry.values, 0).all()


@pytest.fixture(scope="module")
def real_route():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_source(LAYERS / "scenario.gpkg", "route")


@pytest.mark.parametrize(("name", "layer"), [
    ("energy_osm.gpkg", "osm2017_power_links_abstract"),
    ("topography.gpkg", "osm_cycle_routes_rcn_denhaag"),
    ("boundaries.gpkg", "wijken"),
    ("topography.gpkg", "coepelduynen_landcover_annotations_2023"),
])
@pytest.mark.parametrize("width", [0.0, 30.0, 400.0])
def test_real_layers_equal_whole_read(real_route, name, layer, width):
    corridor = Corridor.around(real_route, width, min_features=0)
    got = read_near(LAYERS / name, layer, corridor)
    expected = _whole_near(LAYERS / name, layer, corridor)
    _assert_same(got, expected)
    info = got.attrs["wlr_geo"]["corridor"]
    assert info["index"] == "GeoPackage R-tree"
    assert info["n_near"] == len(expected) and info["n_total"] >= len(expected)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """3000 random lines (with attributes) around ROUTE in five indexed formats."""
    rng = np.random.default_rng(19)
    n = 3000
    geoms = random_segments(rng, n, max_length=400.0)
    gdf = gpd.GeoDataFrame({"cable_id": [f"c{i}" for i in range(n)], "diameter": rng.integers(50, 900, n),
                            "thema": rng.choice(["gas", "water", "laagspanning"], n)},
                           geometry=geoms, crs="EPSG:28992")
    d = tmp_path_factory.mktemp("corridor")
    paths = {"gpkg": d / "cables.gpkg", "fgb": d / "cables.fgb", "shp": d / "cables.shp",
             "parquet": d / "cables.parquet", "dataset": d / "cables_ds"}
    gdf.to_file(paths["gpkg"], layer="cables", engine="pyogrio")
    gdf.to_file(paths["fgb"], engine="pyogrio")
    gdf.to_file(paths["shp"], engine="pyogrio", layer_options={"SPATIAL_INDEX": "YES"})
    gdf.to_parquet(paths["parquet"], write_covering_bbox=True, row_group_size=200)
    write_partitioned(gdf, paths["dataset"], tile_m=2_000.0, row_group_size=200)
    return paths


@pytest.mark.parametrize("kind", ["gpkg", "fgb", "shp", "parquet", "dataset"])
@pytest.mark.parametrize("width", [0.0, 25.0, 300.0])
def test_generated_layers_equal_whole_read(generated, kind, width):
    layer = "cables" if kind == "gpkg" else None
    corridor = Corridor.around(gpd.GeoSeries([ROUTE], crs="EPSG:28992"), width, min_features=0)
    assert spatial_index(generated[kind], layer).indexed
    got = read_near(generated[kind], layer, corridor)
    expected = _whole_near(generated[kind], layer, corridor)
    assert 0 < len(expected) < 3000
    _assert_same(got, expected)


@pytest.mark.parametrize("kind", ["gpkg", "dataset"])
def test_chunked_tasks_give_the_same_rows(generated, kind):
    """Split over many route chunks (the Dask engine's tasks), each feature still comes once, in order."""
    layer = "cables" if kind == "gpkg" else None
    corridor = Corridor.around(gpd.GeoSeries([ROUTE], crs="EPSG:28992"), 150.0, chunk_m=700.0, min_features=0)
    calls = []

    def mapper(func, items):
        calls.append(len(items))
        return [func(i) for i in items]

    got = read_near(generated[kind], layer, corridor, mapper=mapper)
    assert calls and calls[0] > 5
    _assert_same(got, _whole_near(generated[kind], layer, corridor))


def test_route_at_layer_edge_and_empty_corridor(generated):
    # half of this route lies outside the layer's extent
    edge = LineString([(89_000, 452_000), (95_000, 452_000)])
    corridor = Corridor.around(gpd.GeoSeries([edge], crs="EPSG:28992"), 50.0, min_features=0)
    for kind, layer in (("gpkg", "cables"), ("dataset", None), ("fgb", None)):
        got = read_near(generated[kind], layer, corridor)
        expected = _whole_near(generated[kind], layer, corridor)
        assert len(expected) > 0
        _assert_same(got, expected)
    far = Corridor.around(gpd.GeoSeries([LineString([(150_000, 400_000), (151_000, 400_000)])], crs="EPSG:28992"),
                          100.0, min_features=0)
    for kind, layer in (("gpkg", "cables"), ("dataset", None), ("parquet", None), ("shp", None)):
        got = read_near(generated[kind], layer, far)
        assert got is not None and len(got) == 0
        assert {"cable_id", "diameter", "thema"} <= set(got.columns)
        assert got.crs == "EPSG:28992"


def test_layers_read_whole_when_no_index_or_small(generated, tmp_path):
    gdf = read_source(generated["gpkg"], "cables")
    corridor = Corridor.around(gpd.GeoSeries([ROUTE], crs="EPSG:28992"), 25.0, min_features=0)
    plain = tmp_path / "no_index.gpkg"
    gdf.to_file(plain, layer="cables", engine="pyogrio", layer_options={"SPATIAL_INDEX": "NO"})
    assert read_near(plain, "cables", corridor) is None
    # below min_features: whole
    assert read_near(generated["gpkg"], "cables", Corridor.around(ROUTE, 25.0)) is None
    assert read_near(tmp_path / "missing.gpkg", None, corridor) is None


def test_gaps_in_gpkg_fids_keep_the_fids(generated, tmp_path):
    """Both readers give a GeoPackage's fid as the id, so gaps in the fids need no whole read."""
    gapped = tmp_path / "gapped.gpkg"
    read_source(generated["gpkg"], "cables").to_file(gapped, layer="cables", engine="pyogrio")
    con = sqlite3.connect(gapped)
    con.execute("DELETE FROM cables WHERE fid IN (1, 2, 10, 1500)")
    con.commit()
    con.close()
    corridor = Corridor.around(gpd.GeoSeries([ROUTE], crs="EPSG:28992"), 300.0, min_features=0)
    got = read_near(gapped, "cables", corridor)
    expected = _whole_near(gapped, "cables", corridor)
    _assert_same(got, expected)
    whole = read_source(gapped, "cables")
    assert whole.index[0] == 3 and 10 not in whole.index and 1500 not in whole.index
    # the index is the fid: the feature with fid k is the k-th written (cable_id c{k-1})
    assert (whole["cable_id"] == [f"c{k - 1}" for k in whole.index]).all()


def test_corridor_boxes_cover_the_corridor():
    corridor = Corridor.around(ROUTE, 40.0)
    boxes = corridor.boxes(piece_m=300.0)
    pts = shapely.points(np.random.default_rng(1).uniform((79_900, 449_900), (88_100, 453_100), (20_000, 2)))
    near = shapely.dwithin(pts, ROUTE, 40.0)
    xy = shapely.get_coordinates(pts[near])
    inside = ((xy[:, None, 0] >= boxes[None, :, 0]) & (xy[:, None, 0] <= boxes[None, :, 2])
              & (xy[:, None, 1] >= boxes[None, :, 1]) & (xy[:, None, 1] <= boxes[None, :, 3])).any(axis=1)
    assert near.sum() > 100 and inside.all()
    assert sum(len(c) for c in corridor.chunks(300.0)) == len(boxes)


def test_impact_on_corridor_read_equals_impact_on_whole_layer(tmp_path, caplog):
    """The quick ``wlr-geo impact`` form reads a big GPKG near the route only: same crossings, same lengths."""
    import logging

    from wlr_geo.analysis.impact.run import run_impact
    from wlr_geo.analysis.route.strips import StripSpec
    from wlr_geo.workflows.impact import corridor_width, run_quick

    rng = np.random.default_rng(7)
    n = 21_000  # above Corridor.min_features: read through the R-tree
    geoms = random_segments(rng, n)
    cables = gpd.GeoDataFrame({"thema": rng.choice(["gas", "water", "laagspanning"], n)}, geometry=geoms,
                              crs="EPSG:28992")
    cables.to_file(tmp_path / "cables.gpkg", layer="cables", engine="pyogrio")
    route = gpd.GeoDataFrame({"name": ["a"]}, geometry=[ROUTE], crs="EPSG:28992")
    route.to_file(tmp_path / "route.gpkg", layer="route", engine="pyogrio")
    assert corridor_width(StripSpec()) < 100.0  # as wide as the analysis looks, not the old 250 m floor
    with caplog.at_level(logging.INFO, logger="wlr_geo"):
        quick = run_quick(f"{tmp_path / 'route.gpkg'}:route", [f"{tmp_path / 'cables.gpkg'}:cables"]).result
    assert any(f"van {nl(n)} objecten nabij het tracé" in r.getMessage() for r in caplog.records)
    whole = run_impact(read_source(tmp_path / "route.gpkg", "route"),
                       {"cables": read_source(tmp_path / "cables.gpkg", "cables")})
    assert len(quick.crossings) > 50
    a = quick.crossings.drop(columns="geometry").reset_index(drop=True)
    b = whole.crossings.drop(columns="geometry").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    assert shapely.equals_exact(quick.crossings.geometry.values, whole.crossings.geometry.values, 1e-9).all()
    pd.testing.assert_frame_equal(quick.parallel_runs.drop(columns="geometry").reset_index(drop=True),
                                  whole.parallel_runs.drop(columns="geometry").reset_index(drop=True))
    assert quick.summary() == whole.summary()


@pytest.mark.parametrize("width", [0.5, 12.0, 94.7, 250.0])
def test_corridor_near_is_exactly_dwithin_at_the_boundary(width):
    """Corridor.near takes a buffer-polygon shortcut; it must equal shapely.dwithin exactly, also for
    geometries a hair inside or outside the width next to bends (where buffer chords cut corners)."""
    rng = np.random.default_rng(11)
    ang = np.cumsum(rng.normal(0, 0.6, 120))
    xy = np.column_stack([np.cumsum(60 * np.cos(ang)), np.cumsum(60 * np.sin(ang))]) + np.array([85_000.0, 450_000.0])
    route_line = LineString(xy)
    route = gpd.GeoDataFrame(geometry=[route_line], crs="EPSG:28992")
    corridor = Corridor.around(route, width)
    # points at distance width ± 1e-6 … ± 1 m from the route, in every direction (around bends too)
    base = shapely.line_interpolate_point(route_line, rng.uniform(0, route_line.length, 3_000))
    theta = rng.uniform(0, 2 * np.pi, 3_000)
    offset = width + rng.choice([-1.0, -1e-3, -1e-6, 1e-6, 1e-3, 1.0], 3_000)
    bx, by = shapely.get_x(base), shapely.get_y(base)
    pts = shapely.points(bx + offset * np.cos(theta), by + offset * np.sin(theta))
    # short lines and small polygons scattered over the corridor and beyond
    x0 = rng.uniform(xy[:, 0].min() - 2 * width - 50, xy[:, 0].max() + 2 * width + 50, 4_000)
    y0 = rng.uniform(xy[:, 1].min() - 2 * width - 50, xy[:, 1].max() + 2 * width + 50, 4_000)
    lines = shapely.linestrings(np.stack([np.column_stack([x0, y0]), np.column_stack([x0 + 20, y0 - 7])], axis=1))
    polys = shapely.buffer(shapely.points(x0[:1_000], y0[:1_000]), 3.0)
    geoms = np.concatenate([pts, lines, polys, np.array([None], dtype=object)])
    got = corridor.near(geoms)
    expected = np.r_[shapely.dwithin(geoms[:-1], route_line, width), True]
    assert got.sum() > 100 and (~got).sum() > 100
    np.testing.assert_array_equal(got, expected)
