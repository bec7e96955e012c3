"""ROBUSTNESS.md section B: coordinates and numbers."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from shapely.geometry import Point, box

from wlr_geo import LayerValidationError, OutOfBoundsError, WlrGeoInputError
from wlr_geo.io.vector import read_layer
from wlr_geo.validate import validate_layer


def test_b1_nan_coordinate_is_an_error_naming_the_feature():
    with np.errstate(invalid="ignore"):
        pts = shapely.points([[93_700, 463_800], [np.nan, 463_800]])
    gdf = gpd.GeoDataFrame({"id": ["ok", "nan"]}, geometry=pts, crs="EPSG:28992")
    with pytest.raises(LayerValidationError) as err:
        validate_layer(gdf, source="pts.gpkg", layer="p", id_column="id")
    assert err.value.feature == "nan" and "NaN" in str(err.value) and "pts.gpkg" in str(err.value)


def test_b1_inf_coordinate_from_file(tmp_path):
    p = tmp_path / "inf.geojson"
    p.write_text('{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::28992"}},'
                 '"features":[{"type":"Feature","properties":{"id":1},"geometry":{"type":"Point","coordinates":[1e400, 463800]}}]}')
    with pytest.raises(WlrGeoInputError):
        read_layer(p)


def test_b2_out_of_area_rd_point():
    gdf = gpd.GeoDataFrame(geometry=[Point(-200_000, 463_800)], crs="EPSG:28992")
    with pytest.raises(OutOfBoundsError, match="buiten het toepassingsgebied van RD New"):
        validate_layer(gdf, source="x.gpkg")


def test_b3_millimetres_suggest_unit_mixup(tmp_path):
    p = tmp_path / "mm.gpkg"
    pyogrio.write_dataframe(gpd.GeoDataFrame(geometry=[Point(93_700_000, 463_800_000)], crs="EPSG:28992"), p)
    with pytest.raises(OutOfBoundsError, match="millimeters"):
        read_layer(p)


def test_b4_huge_values_caught_before_geos():
    gdf = gpd.GeoDataFrame(geometry=[box(1e20, 1e20, 1e20 + 1000, 1e20 + 1000)], crs="EPSG:28992")
    assert gdf.area.iloc[0] == 0  # what GEOS silently returns
    with pytest.raises(OutOfBoundsError):
        validate_layer(gdf)


def test_b5_grid_snapping_keeps_counts_stable():
    # overlay noise: two squares sharing an edge at floating-point noise distance
    a = box(90_000.0, 460_000.0, 90_010.0, 460_010.0)
    b = box(90_010.0 + 1e-10, 460_000.0, 90_020.0, 460_010.0)
    snapped = shapely.intersection(a, b, grid_size=0.001)
    assert snapped.is_empty or snapped.area == 0
