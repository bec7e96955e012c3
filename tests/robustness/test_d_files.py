"""ROBUSTNESS.md section D: files and formats (the GDAL-level cases; KLIC/BGT cases live with
their readers' tests)."""

from __future__ import annotations

import geopandas as gpd
import pyogrio
import pytest
import shapely
from shapely.geometry import LineString, Point, box

from wlr_geo import LayerReadError, LayerValidationError, OutOfBoundsError, WlrGeoInputError
from wlr_geo.io.vector import read_layer, write_layer
from wlr_geo.validate import validate_layer

GML_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<wfs:FeatureCollection xmlns:wfs="http://www.opengis.net/wfs/2.0" '
            'xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:t="http://example.org/t">')


def _gml_line(poslist: str, dim: str = "") -> str:
    return (f'<wfs:member><t:cable gml:id="c1"><t:geom><gml:LineString srsName="urn:ogc:def:crs:EPSG::28992"{dim}>'
            f"<gml:posList>{poslist}</gml:posList></gml:LineString></t:geom></t:cable></wfs:member>")


def test_d1_truncated_geojson(tmp_path):
    p = tmp_path / "t.geojson"
    p.write_text('{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[4.4,52')
    with pytest.raises(LayerReadError, match=r"t\.geojson"):
        read_layer(p)


def test_d2_gml_with_unclosed_root_is_not_silently_empty(tmp_path):
    p = tmp_path / "cut.gml"
    p.write_text(GML_HEAD + _gml_line("155000 463000 155010 463000"))  # no closing root tag
    assert len(pyogrio.read_dataframe(p)) == 0  # what GDAL does silently
    with pytest.raises(LayerReadError, match="featureMember-element"):
        read_layer(p)


def test_d3_gml_3d_poslist_with_srsdimension(tmp_path):
    p = tmp_path / "z.gml"
    p.write_text(GML_HEAD + _gml_line("155000 463000 -1.2 155010 463000 -1.3", ' srsDimension="3"') + "</wfs:FeatureCollection>")
    gdf = read_layer(p)
    assert gdf.has_z.all() and gdf.length.iloc[0] == pytest.approx(10.0)


def test_d4_gml_3d_poslist_without_srsdimension_caught(tmp_path):
    p = tmp_path / "z.gml"
    p.write_text(GML_HEAD + _gml_line("155000 463000 -1.2 155010 463000 -1.3") + "</wfs:FeatureCollection>")
    with pytest.raises(OutOfBoundsError):
        read_layer(p)


def test_d7_mixed_geometry_types_refused(tmp_path):
    p = tmp_path / "mixed.gpkg"
    gdf = gpd.GeoDataFrame(geometry=[Point(93_700, 463_800), box(93_700, 463_800, 93_710, 463_810)], crs="EPSG:28992")
    pyogrio.write_dataframe(gdf, p, geometry_type="Unknown")
    with pytest.raises(LayerValidationError, match="mengt geometrietypen"):
        read_layer(p)


def test_d7_single_and_multi_written_with_promotion(tmp_path, squares):
    mixed = gpd.GeoDataFrame(geometry=[squares.geometry.iloc[0], shapely.MultiPolygon([squares.geometry.iloc[1]])], crs="EPSG:28992")
    p = write_layer(mixed, tmp_path / "m.gpkg", "m")
    assert pyogrio.read_info(p, layer="m")["geometry_type"] == "MultiPolygon"


def test_d8_shapefile_output_refused(tmp_path, squares):
    with pytest.raises(WlrGeoInputError, match=r"\.gpkg"):
        write_layer(squares, tmp_path / "out.shp")


def test_d9_empty_layer(tmp_path):
    p = tmp_path / "e.gpkg"
    write_layer(gpd.GeoDataFrame({"a": []}, geometry=gpd.GeoSeries([], crs="EPSG:28992")), p, "e")
    assert len(read_layer(p, "e", allow_empty=True)) == 0
    with pytest.raises(LayerReadError, match="geen objecten"):
        read_layer(p, "e")


def test_d10_null_and_empty_geometries_dropped_and_counted():
    gdf = gpd.GeoDataFrame({"id": [1, 2, 3]}, geometry=[None, shapely.Point(), Point(93_700, 463_800)], crs="EPSG:28992")
    out, report = validate_layer(gdf)
    assert len(out) == 1 and report.dropped_null == 1 and report.dropped_empty == 1


def test_d11_m_values_dropped_and_written(tmp_path):
    geom = shapely.from_wkt("LINESTRING M (93700 463800 1, 93710 463800 2)")
    gdf = gpd.GeoDataFrame({"id": [1]}, geometry=[geom], crs="EPSG:28992")
    out, report = validate_layer(gdf)
    assert report.dropped_m == 1 and not shapely.has_m(out.geometry.values).any()
    write_layer(out, tmp_path / "m.gpkg", "m")
    assert read_layer(tmp_path / "m.gpkg", "m").length.iloc[0] == pytest.approx(10.0)


def test_d12_strip_polygons_are_2d():
    line = LineString([(93_700, 463_800, -1.0), (93_710, 463_800, -1.2)])
    assert not shapely.has_z(line.buffer(5.0))  # documented: corridors are 2D, depth comes from the lines


def test_d13_cp1252_without_cpg_detected(tmp_path):
    p = tmp_path / "enc.shp"
    gdf = gpd.GeoDataFrame({"naam": ["Gasunie ’s-Hertogenbosch"]}, geometry=[Point(93_700, 463_800)], crs="EPSG:28992")
    gdf.to_file(p, encoding="cp1252")
    p.with_suffix(".cpg").unlink()
    with pytest.raises(WlrGeoInputError, match="cp1252"):
        read_layer(p)
    assert read_layer(p, encoding="cp1252")["naam"].iloc[0] == "Gasunie ’s-Hertogenbosch"


def test_d13_invalid_utf8_in_geojson_is_a_typed_error(tmp_path):
    """Found by the GeoJSON fuzzer: a stray 0x80 byte made pyogrio raise a bare UnicodeDecodeError."""
    p = tmp_path / "bad.geojson"
    p.write_bytes(b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"naam":"\x80x"},'
                  b'"geometry":{"type":"Point","coordinates":[4.48,52.16]}}]}')
    with pytest.raises(LayerReadError, match="geen geldige utf-8") as err:
        read_layer(p)
    assert "bad.geojson" in str(err.value) and "encoding" in str(err.value)
