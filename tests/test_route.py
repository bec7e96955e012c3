"""Tests of wlr_geo.analysis.route.centreline: merging parts, chainage, split per area, markers."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from _rd import X0, Y0, rd_frame
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, MultiLineString, Point, box

from wlr_geo._errors import LayerValidationError, WlrGeoInputError
from wlr_geo.analysis.route.centreline import (
    RouteGeometry,
    chainage_at,
    chainage_markers,
    format_km,
    point_at,
    prepare_route,
    split_by_areas,
)


def test_prepare_merges_ordered_parts_and_flips_reversed_part():
    parts = [
        LineString([(X0, Y0), (X0 + 100, Y0)]),
        LineString([(X0 + 300, Y0), (X0 + 100, Y0)]),  # drawn the other way
        LineString([(X0 + 300, Y0), (X0 + 300, Y0 + 50)]),
    ]
    out = prepare_route(rd_frame(parts))
    assert list(out["variant"]) == ["route"]
    line = out.geometry.iloc[0]
    assert line.length == pytest.approx(350.0)
    assert shapely.get_coordinates(line).tolist() == [[X0, Y0], [X0 + 100, Y0], [X0 + 300, Y0], [X0 + 300, Y0 + 50]]
    assert any("omgedraaid" in n for n in out.attrs["notes"])


def test_prepare_drops_duplicate_vertices_with_note():
    line = LineString([(X0, Y0), (X0, Y0), (X0 + 10, Y0), (X0 + 10, Y0), (X0 + 20, Y0)])
    out = prepare_route(rd_frame([line]))
    assert len(shapely.get_coordinates(out.geometry.iloc[0])) == 3
    assert any("2 dubbele hoekpunten" in n for n in out.attrs["notes"])


def test_reverse_option_and_variants():
    a = LineString([(X0, Y0), (X0 + 1000, Y0)])
    b = LineString([(X0, Y0), (X0, Y0 + 500)])
    gdf = rd_frame([a, b], v=["noord", "oost"])
    out = prepare_route(gdf, variant_column="v", reverse=["noord"])
    assert list(out["variant"]) == ["noord", "oost"]
    noord = out.geometry.iloc[0]
    assert chainage_at(noord, Point(X0 + 1000, Y0))[0] == pytest.approx(0.0)
    assert chainage_at(noord, Point(X0, Y0))[0] == pytest.approx(1000.0)
    assert out["length_m"].tolist() == pytest.approx([1000.0, 500.0])


def test_multilinestring_input_and_order_column():
    gdf = rd_frame(
        [LineString([(X0 + 100, Y0), (X0 + 200, Y0)]), MultiLineString([[(X0, Y0), (X0 + 100, Y0)]])],
        order=[2, 1],
    )
    out = prepare_route(gdf, order_column="order")
    assert shapely.get_coordinates(out.geometry.iloc[0])[0].tolist() == [X0, Y0]


@pytest.mark.parametrize(
    ("geoms", "match"),
    [
        ([LineString([(X0, Y0), (X0, Y0)])], "lengte nul"),
        ([Point(X0, Y0)], "Point"),
        ([LineString([(X0, Y0), (X0 + 10, Y0)]), LineString([(X0 + 100, Y0), (X0 + 200, Y0)])], "begint 90,0 m"),
    ],
)
def test_prepare_bad_routes_raise_clear_errors(geoms, match):
    with pytest.raises(LayerValidationError, match=match):
        prepare_route(rd_frame(geoms))


def test_prepare_empty_route_raises():
    with pytest.raises(LayerValidationError, match="heeft geen geometrieën"):
        prepare_route(gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=28992)))


def test_prepare_missing_variant_column():
    with pytest.raises(LayerValidationError, match="geen kolom 'v'"):
        prepare_route(rd_frame([LineString([(X0, Y0), (X0 + 1, Y0)])]), variant_column="v")


def test_chainage_and_point_roundtrip():
    line = LineString([(X0, Y0), (X0 + 300, Y0), (X0 + 300, Y0 + 400)])
    pts = point_at(line, [0.0, 150.0, 300.0, 500.0, 700.0])
    assert shapely.get_coordinates(pts).tolist() == [
        [X0, Y0], [X0 + 150, Y0], [X0 + 300, Y0], [X0 + 300, Y0 + 200], [X0 + 300, Y0 + 400]]
    assert chainage_at(line, pts).tolist() == pytest.approx([0, 150, 300, 500, 700])
    with pytest.raises(WlrGeoInputError, match="buiten het tracé"):
        point_at(line, 701.0)


def test_split_leave_and_reenter():
    line = LineString([(X0, Y0), (X0 + 1000, Y0)])
    areas = gpd.GeoDataFrame(
        {"gm_naam": ["A", "B"]},
        geometry=[
            box(X0 - 10, Y0 - 10, X0 + 400, Y0 + 10).union(box(X0 + 600, Y0 - 10, X0 + 1010, Y0 + 10)),
            box(X0 + 400, Y0 - 10, X0 + 600, Y0 + 10),
        ],
        crs=28992,
    )
    out = split_by_areas(line, areas, name_column="gm_naam")
    assert out["gm_naam"].tolist() == ["A", "B", "A"]
    assert out["from_m"].tolist() == pytest.approx([0, 400, 600])
    assert out["to_m"].tolist() == pytest.approx([400, 600, 1000])
    assert out["length_m"].sum() == pytest.approx(1000.0)
    assert out.geometry.length.tolist() == pytest.approx([400, 200, 400])


def test_split_outside_every_area_is_none_and_extra_columns():
    line = LineString([(X0, Y0), (X0 + 100, Y0)])
    areas = gpd.GeoDataFrame({"wk_naam": ["W"], "gm_naam": ["G"]}, geometry=[box(X0 + 50, Y0 - 5, X0 + 200, Y0 + 5)], crs=28992)
    out = split_by_areas(line, areas, name_column="wk_naam", extra_columns=["gm_naam"])
    assert out["wk_naam"].isna().tolist() == [True, False]
    assert out["wk_naam"].iloc[1] == "W"
    assert out["gm_naam"].isna().tolist() == [True, False]
    assert out["from_m"].tolist() == pytest.approx([0, 50])


def test_split_missing_column():
    line = LineString([(X0, Y0), (X0 + 100, Y0)])
    areas = gpd.GeoDataFrame({"x": [1]}, geometry=[box(X0, Y0 - 5, X0 + 200, Y0 + 5)], crs=28992)
    with pytest.raises(LayerValidationError, match="gm_naam"):
        split_by_areas(line, areas, name_column="gm_naam")


def test_markers_dutch_labels():
    line = LineString([(X0, Y0), (X0 + 2350, Y0)])
    m = chainage_markers(line, crs=28992)
    assert len(m) == 24
    assert m["label"].iloc[12] == "km 1,2"
    assert m.loc[m["major"], "chainage_m"].tolist() == [0, 1000, 2000]
    assert m.crs.to_epsg() == 28992
    assert format_km(25_000, 0) == "km 25"
    with pytest.raises(WlrGeoInputError):
        chainage_markers(line, every_m=0)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 2000), st.floats(0, 2000)), min_size=2, max_size=12),
       st.floats(100, 1900))
def test_split_lengths_sum_to_route_length(coords, cut_x):
    coords = [(X0 + x, Y0 + y) for x, y in coords]
    line = LineString(coords)
    if line.length < 1:
        return
    areas = gpd.GeoDataFrame({"n": ["W", "E"]}, geometry=[
        box(X0 - 1, Y0 - 1, X0 + cut_x, Y0 + 2001), box(X0 + cut_x, Y0 - 1, X0 + 2001, Y0 + 2001)], crs=28992)
    out = split_by_areas(line, areas, name_column="n")
    assert out["length_m"].sum() == pytest.approx(line.length, rel=1e-9, abs=1e-6)
    assert np.all(np.diff(out["from_m"]) > 0)
    assert out["n"].notna().all()


def test_route_geometry_is_the_one_segment_model():
    line = LineString([(X0, Y0), (X0 + 300, Y0), (X0 + 300, Y0), (X0 + 300, Y0 + 400)])
    rg = RouteGeometry.of(line)
    assert rg.from_m.tolist() == [0.0, 300.0]  # the zero-length segment is left out
    assert rg.vertex_chainage.tolist() == [0.0, 300.0, 700.0]
    assert rg.xy_at(np.array([150.0, 300.0, 500.0, 700.0])).tolist() == [
        [X0 + 150, Y0], [X0 + 300, Y0], [X0 + 300, Y0 + 200], [X0 + 300, Y0 + 400]]
    assert rg.direction_at([299.0, 300.0]).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    ch, dist, _ = rg.locate([(X0 + 100, Y0 + 5), (X0 + 310, Y0 + 250)])
    assert ch.tolist() == pytest.approx([100.0, 550.0])
    assert dist.tolist() == pytest.approx([5.0, 10.0])
    assert rg.substring(100.0, 500.0).coords[:] == [(X0 + 100, Y0), (X0 + 300, Y0), (X0 + 300, Y0 + 200)]
    m = rg.markers(every_m=250.0, major_every_m=500.0)
    assert m["chainage_m"].tolist() == [0.0, 250.0, 500.0]
    assert m["major"].tolist() == [True, False, True]
    with pytest.raises(WlrGeoInputError, match="moet een positief getal zijn"):
        rg.markers(every_m=float("nan"), major_every_m=1000.0)


def test_prepare_refuses_a_part_without_variant():
    gdf = rd_frame([LineString([(X0, Y0), (X0 + 10, Y0)]), LineString([(X0, Y0 + 5), (X0 + 10, Y0 + 5)])],
                   v=["noord", None])
    with pytest.raises(LayerValidationError, match="zonder waarde in de variantkolom 'v'"):
        prepare_route(gdf, variant_column="v")
