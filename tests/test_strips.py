"""Tests of wlr_geo.analysis.route.strips: widths per side, overrides per chainage range, footprints."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import LineString, Point, box

from wlr_geo._errors import ConfigError, LayerValidationError
from wlr_geo.analysis.route.strips import StripOverride, StripSpec, footprints, make_strips

X0, Y0 = 90_000.0, 460_000.0
LINE = LineString([(X0, Y0), (X0 + 1000, Y0)])


def _by_strip(gdf):
    return {r.strip: r for r in gdf.itertuples()}


def test_default_strips_straight_route():
    s = _by_strip(make_strips(LINE, crs=28992))
    assert s["werkstrook"].area_m2 == pytest.approx(1000 * 35.0)
    assert s["belemmeringenstrook"].area_m2 == pytest.approx(1000 * 10.0)
    # left of an eastward route is north: 15 m north, 20 m south
    assert s["werkstrook"].geometry.bounds == pytest.approx((X0, Y0 - 20, X0 + 1000, Y0 + 15))
    assert s["werkstrook"].geometry.equals(box(X0, Y0 - 20, X0 + 1000, Y0 + 15))


def test_asymmetric_and_zero_side():
    spec = StripSpec(werkstrook_left_m=0.0, werkstrook_right_m=12.0)
    s = _by_strip(make_strips(LINE, spec, crs=28992))
    assert s["werkstrook"].geometry.bounds == pytest.approx((X0, Y0 - 12, X0 + 1000, Y0))


def test_override_per_chainage_range():
    spec = StripSpec(overrides=(StripOverride(200.0, 400.0, werkstrook_left_m=3.0, werkstrook_right_m=3.0),))
    s = _by_strip(make_strips(LINE, spec, crs=28992))
    assert s["werkstrook"].area_m2 == pytest.approx(800 * 35.0 + 200 * 6.0)
    assert s["werkstrook"].n_ranges == 3
    # the protection strip is not overridden
    assert s["belemmeringenstrook"].area_m2 == pytest.approx(10_000.0)


def test_bent_route_symmetric_strip_equals_mitre_buffer():
    line = LineString([(X0, Y0), (X0 + 100, Y0), (X0 + 150, Y0 + 50)])
    s = _by_strip(make_strips(line, StripSpec(werkstrook_left_m=10, werkstrook_right_m=10)))
    ref = shapely.buffer(line, 10, cap_style="flat", join_style="mitre", mitre_limit=5.0)
    assert s["werkstrook"].area_m2 == pytest.approx(ref.area, rel=1e-9)


def test_from_config_and_errors():
    from wlr_geo.config import parse_section

    spec = parse_section("strips", {
        "werkstrook_left_m": 10, "override": [{"from_m": 5, "to_m": 10, "werkstrook_right_m": 2}],
        "footprints": {"station": [10, 20]},
    })
    assert spec.werkstrook_left_m == 10
    assert spec.overrides[0].werkstrook_right_m == 2
    assert spec.footprint_sizes_m["station"] == (10.0, 20.0)
    with pytest.raises(ConfigError, match="onbekende sleutel") as info:
        parse_section("strips", {"werkstrook_m": 10})
    assert "bedoeld: " in str(info.value)
    with pytest.raises(ConfigError, match="valt buiten het toegestane bereik"):
        StripSpec(werkstrook_left_m=-1)
    with pytest.raises(ConfigError, match="overlappen"):
        StripSpec(overrides=(StripOverride(0, 10), StripOverride(5, 20)))
    with pytest.raises(ConfigError, match="moet kleiner zijn dan to_m"):
        StripSpec(overrides=(StripOverride(10, 5),))
    with pytest.raises(ConfigError, match="mist from_m en to_m"):
        parse_section("strips", {"override": [{"to_m": 3}]})


def test_with_width():
    spec = StripSpec().with_width(30)
    assert (spec.werkstrook_left_m, spec.werkstrook_right_m) == (15.0, 15.0)


def test_make_strips_rejects_bad_route():
    with pytest.raises(LayerValidationError):
        make_strips(LineString())
    two = gpd.GeoDataFrame(geometry=[LINE, LINE], crs=28992)
    with pytest.raises(LayerValidationError, match="verwacht één hartlijn"):
        make_strips(two)


def test_footprints_points_and_polygons():
    sites = gpd.GeoDataFrame(
        {"kind": ["station", "aanlanding", None], "rotation_deg": [None, 90.0, None]},
        geometry=[Point(X0, Y0), Point(X0 + 500, Y0), box(X0, Y0, X0 + 10, Y0 + 10)], crs=28992,
    )
    fp = footprints(sites)
    assert fp["area_m2"].tolist() == pytest.approx([2400.0, 6000.0, 100.0])
    # the rotated landing site is 60 m wide in x, 100 m in y
    minx, miny, maxx, maxy = fp.geometry.iloc[1].bounds
    assert (maxx - minx, maxy - miny) == pytest.approx((60.0, 100.0))
    assert set(fp["strip"]) == {"footprint"}
    with pytest.raises(LayerValidationError, match="heeft geen afmeting van het ruimtebeslag"):
        footprints(gpd.GeoDataFrame({"kind": ["x"]}, geometry=[Point(X0, Y0)], crs=28992))
