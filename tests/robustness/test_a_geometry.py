"""ROBUSTNESS.md section A: geometry validity — each case, the documented outcome."""

from __future__ import annotations

import geopandas as gpd
import pyogrio
import pytest
import shapely
from shapely.geometry import LineString, Polygon, box

from wlr_geo.io.vector import read_layer
from wlr_geo.validate import validate_layer


def _gpkg(tmp_path, geoms, ids=None):
    p = tmp_path / "in.gpkg"
    ids = ids or [f"f{i}" for i in range(len(geoms))]
    gdf = gpd.GeoDataFrame({"id": ids}, geometry=geoms, crs="EPSG:28992")
    pyogrio.write_dataframe(gdf, p, layer="l", geometry_type="Unknown")
    return p


def test_a1_bowtie_repaired_before_any_area(tmp_path):
    bow = Polygon([(90_000, 460_000), (90_010, 460_010), (90_010, 460_000), (90_000, 460_010)])
    assert bow.area == 0  # the silent wrong answer the libraries give
    gdf = read_layer(_gpkg(tmp_path, [bow]), "l", id_column="id")
    rep = gdf.attrs["wlr_geo"]["validation"]
    assert rep["repaired_invalid"] == 1 and rep["repaired_ids"] == ["f0"]
    assert gdf.area.iloc[0] == pytest.approx(50.0)


def test_a2_layers_reach_overlay_valid(tmp_path):
    bow = Polygon([(90_000, 460_000), (90_010, 460_010), (90_010, 460_000), (90_000, 460_010)])
    gdf = read_layer(_gpkg(tmp_path, [bow, box(90_020, 460_000, 90_030, 460_010)]), "l")
    other = gpd.GeoDataFrame(geometry=[box(90_000, 460_000, 90_030, 460_005)], crs="EPSG:28992")
    # validated input lets overlay run without its own silent repair
    out = gpd.overlay(gdf, other, how="intersection", make_valid=False)
    assert out.area.sum() == pytest.approx(2 * 12.5 + 50.0)


def test_a3_collapsed_polygon_dropped_and_listed(tmp_path):
    spike = Polygon([(90_000, 460_000), (90_001, 460_001), (90_001, 460_002), (90_001, 460_001), (90_000, 460_000)])
    gdf = read_layer(_gpkg(tmp_path, [spike, box(90_000, 460_000, 90_001, 460_001)], ["spike", "ok"]), "l", id_column="id")
    assert list(gdf["id"]) == ["ok"]
    assert gdf.attrs["wlr_geo"]["validation"]["dropped_collapsed"] == ["spike"]


def test_a4_hole_outside_shell_repaired(tmp_path):
    poly = Polygon(box(90_000, 460_000, 90_010, 460_010).exterior.coords,
                   [box(90_020, 460_000, 90_022, 460_002).exterior.coords])
    assert not poly.is_valid
    gdf = read_layer(_gpkg(tmp_path, [poly]), "l")
    assert gdf.is_valid.all()
    assert gdf.attrs["wlr_geo"]["validation"]["repaired_invalid"] == 1


def test_a5_unclosed_ring_closed_and_counted(tmp_path):
    p = tmp_path / "unclosed.geojson"
    p.write_text('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"u"},'
                 '"geometry":{"type":"Polygon","coordinates":[[[4.40,52.10],[4.41,52.10],[4.41,52.11],[4.40,52.11]]]}}]}')
    gdf = read_layer(p, id_column="id")
    assert len(gdf) == 1 and gdf.is_valid.all() and gdf.area.iloc[0] > 0


def test_a6_ring_with_three_positions_dropped_and_listed(tmp_path):
    p = tmp_path / "short.geojson"
    p.write_text('{"type":"FeatureCollection","features":['
                 '{"type":"Feature","properties":{"id":"t"},"geometry":{"type":"Polygon","coordinates":[[[5.0,52.0],[5.1,52.0],[5.0,52.0]]]}},'
                 '{"type":"Feature","properties":{"id":"ok"},"geometry":{"type":"Polygon","coordinates":[[[5.0,52.0],[5.1,52.0],[5.1,52.1],[5.0,52.0]]]}}]}')
    gdf = read_layer(p, id_column="id")
    assert list(gdf["id"]) == ["ok"]
    assert gdf.attrs["wlr_geo"]["validation"]["dropped_collapsed"] == ["t"]


def test_a7_zero_length_line_never_reaches_analysis(tmp_path):
    zero = LineString([(90_000, 460_000), (90_000, 460_000)])
    gdf = read_layer(_gpkg(tmp_path, [zero, LineString([(90_000, 460_000), (90_010, 460_000)])], ["zero", "ok"]), "l", id_column="id")
    assert list(gdf["id"]) == ["ok"] and (gdf.length > 0).all()
    assert gdf.attrs["wlr_geo"]["validation"]["dropped_collapsed"] == ["zero"]


def test_a8_touching_polygons_have_zero_overlap_area():
    a, b = box(0, 0, 1, 1), box(1, 0, 2, 1)
    inter = shapely.intersection(a, b)
    assert a.intersects(b) and inter.area == 0  # the rule: a conflict needs area > tolerance (claims tests)


def test_validate_never_mutates_input(bowtie):
    before = bowtie.geometry.to_wkb().tolist()
    validate_layer(bowtie)
    assert bowtie.geometry.to_wkb().tolist() == before
