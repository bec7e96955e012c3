"""ROBUSTNESS.md section C: CRS and axis order."""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import pytest
from pyproj import Transformer
from shapely.geometry import Point

import wlr_geo
from wlr_geo import CRSError, CRSMismatchError, OutOfBoundsError
from wlr_geo.crs import TRANSFORMATION_NOTE, check_same_crs
from wlr_geo.io.vector import read_layer

PKG = Path(wlr_geo.__file__).parent
GOLDEN_RD = (155_000.0, 463_000.0)  # Amersfoort, the RD origin
GOLDEN_LONLAT = Transformer.from_crs(28992, 4326, always_xy=True).transform(*GOLDEN_RD)


def test_c1_layer_without_crs(tmp_path):
    p = tmp_path / "nocrs.geojson"
    p.write_text('{"type":"FeatureCollection","features":[]}')
    shp = tmp_path / "nocrs.shp"
    with pytest.warns(UserWarning, match="crs"):
        gpd.GeoDataFrame({"a": [1]}, geometry=[Point(93_700, 463_800)]).to_file(shp)
    with pytest.raises(CRSError, match="assume"):
        read_layer(shp)
    assert read_layer(shp, assume_crs="EPSG:28992").crs.to_epsg() == 28992


def test_c2_mixed_crs_refused():
    a = gpd.GeoDataFrame(geometry=[Point(93_700, 463_800)], crs="EPSG:28992")
    b = a.to_crs(4326)
    with pytest.raises(CRSMismatchError):
        check_same_crs(a, b)


def test_c3_geojson_without_crs_but_rd_metres(tmp_path):
    p = tmp_path / "rd.geojson"
    p.write_text('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[93700,463800]}}]}')
    with pytest.raises(OutOfBoundsError, match="assume_crs"):
        read_layer(p)
    assert read_layer(p, assume_crs="EPSG:28992").crs.to_epsg() == 28992


def test_c4_legacy_crs_member_honoured(tmp_path):
    p = tmp_path / "legacy.geojson"
    p.write_text(json.dumps({"type": "FeatureCollection",
                             "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}},
                             "features": [{"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [93700, 463800]}}]}))
    gdf = read_layer(p)
    assert gdf.geometry.iloc[0].equals(Point(93_700, 463_800))


def test_c5_every_transformer_in_the_package_is_always_xy():
    offenders = []
    for f in PKG.rglob("*.py"):
        text = f.read_text(encoding="utf-8")
        for m in re.finditer(r"Transformer\.from_crs\((?:[^()]|\([^()]*\))*\)", text):
            if "always_xy=True" not in m.group(0):
                offenders.append(f"{f.name}: {m.group(0)}")
    assert offenders == []


@pytest.mark.parametrize("srs", ["EPSG:4326", "urn:ogc:def:crs:EPSG::4326", "http://www.opengis.net/def/crs/EPSG/0/4326"])
def test_c7_gml_srsname_forms(tmp_path, srs):
    lon, lat = GOLDEN_LONLAT
    # EPSG:4326 in the plain form is lon/lat in GDAL; URN and http forms are lat/lon (authority order)
    first, second = (lon, lat) if srs == "EPSG:4326" else (lat, lon)
    p = tmp_path / "pt.gml"
    p.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<wfs:FeatureCollection xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:t="http://example.org/t">'
        f'<wfs:member><t:obj gml:id="o1"><t:geom><gml:Point srsName="{srs}"><gml:pos>{first} {second}</gml:pos></gml:Point></t:geom></t:obj></wfs:member>'
        "</wfs:FeatureCollection>"
    )
    gdf = read_layer(p)
    assert gdf.geometry.iloc[0].distance(Point(GOLDEN_RD)) < 1.0


def test_c8_transformation_is_stated():
    assert "Helmert" in TRANSFORMATION_NOTE and "1 m" in TRANSFORMATION_NOTE
