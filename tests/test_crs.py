from __future__ import annotations

import geopandas as gpd
import pytest
from pyproj import Transformer
from shapely.geometry import Point, box

from wlr_geo import CRSError, CRSMismatchError, GeographicCRSError, OutOfBoundsError
from wlr_geo.crs import (
    check_bounds,
    check_same_crs,
    ensure_rd,
    rd_to_wgs84,
    require_projected,
    wgs84_to_rd,
)


def test_reprojection_from_wgs84_lands_within_1m_of_pyproj(caplog):
    lon, lat = 4.4840, 52.1583  # Leiden centre
    expected_x, expected_y = Transformer.from_crs(4326, 28992, always_xy=True).transform(lon, lat)
    gdf = gpd.GeoDataFrame({"id": [1]}, geometry=[Point(lon, lat)], crs="EPSG:4326")
    with caplog.at_level("INFO", logger="wlr_geo"):
        rd = ensure_rd(gdf, source="leiden.geojson")
    assert rd.crs.to_epsg() == 28992
    assert rd.geometry.iloc[0].distance(Point(expected_x, expected_y)) < 1.0
    # and it is really in Leiden (Pieterskerk is near RD 93 700, 463 800)
    assert rd.geometry.iloc[0].distance(Point(93_700, 463_800)) < 1_000
    assert "leiden.geojson wordt omgerekend" in caplog.text
    assert gdf.crs.to_epsg() == 4326  # input untouched


def test_round_trip_helpers_use_xy_order():
    x, y = wgs84_to_rd(4.4840, 52.1583)
    assert 90_000 < x < 97_000 and 460_000 < y < 467_000
    lon, lat = rd_to_wgs84(x, y)
    assert lon == pytest.approx(4.4840, abs=1e-7) and lat == pytest.approx(52.1583, abs=1e-7)


def test_layer_without_crs_is_an_error_naming_the_file():
    gdf = gpd.GeoDataFrame({"id": [1]}, geometry=[Point(93_700, 463_800)])
    with pytest.raises(CRSError) as err:
        ensure_rd(gdf, source="route.shp")
    assert "route.shp" in str(err.value) and "assume_crs" in str(err.value)
    assert ensure_rd(gdf, assume_crs="EPSG:28992").crs.to_epsg() == 28992


def test_rd_metres_declared_as_wgs84_are_caught():
    gdf = gpd.GeoDataFrame({"id": [1]}, geometry=[Point(93_700, 463_800)], crs="EPSG:4326")
    with pytest.raises(OutOfBoundsError, match="kunnen geen graden zijn"):
        ensure_rd(gdf, source="route.geojson")


@pytest.mark.parametrize(
    ("xy", "hint"),
    [((463_800, 93_700), "verwisseld"), ((93_700_000, 463_800_000), "millimeters"), ((-200_000, 463_800), "CRS")],
)
def test_bounds_check_names_the_likely_mistake(xy, hint):
    gdf = gpd.GeoDataFrame({"id": [1, 2]}, geometry=[Point(93_700, 463_800), Point(*xy)], crs="EPSG:28992")
    with pytest.raises(OutOfBoundsError) as err:
        check_bounds(gdf, source="x.gpkg", layer="l")
    assert hint in str(err.value)
    assert err.value.feature == "1"


def test_metric_operation_on_geographic_data_raises():
    gdf = gpd.GeoDataFrame(geometry=[box(4.4, 52.1, 4.5, 52.2)], crs="EPSG:4326")
    with pytest.raises(GeographicCRSError):
        require_projected(gdf, what="strip area")


def test_crs_mismatch_names_both():
    a = gpd.GeoDataFrame(geometry=[Point(0, 0)], crs="EPSG:28992")
    b = gpd.GeoDataFrame(geometry=[Point(0, 0)], crs="EPSG:4326")
    with pytest.raises(CRSMismatchError, match="EPSG:4326"):
        check_same_crs(a, b, names=["route", "cables"])
