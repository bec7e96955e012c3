from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import LineString, Point, box

from wlr_geo import LayerNotFoundError, LayerReadError, LayerValidationError, WlrGeoInputError
from wlr_geo.io.vector import (
    file_sha256,
    list_layers,
    parse_layer_spec,
    read_layer,
    write_layer,
    write_layers,
)


def test_read_embedded_layer_has_provenance(boundaries_gpkg):
    gm = read_layer(boundaries_gpkg, "municipalities", id_column="gm_code")
    assert len(gm) == 10 and gm.crs.to_epsg() == 28992
    meta = gm.attrs["wlr_geo"]
    assert meta["layer"] == "municipalities"
    assert meta["sha256"] == file_sha256(boundaries_gpkg)


def test_missing_layer_lists_existing_layers(boundaries_gpkg):
    with pytest.raises(LayerNotFoundError) as err:
        read_layer(boundaries_gpkg, "buurten")
    text = str(err.value)
    assert "municipalities" in text and "wijken" in text and "buurten" in text


def test_multi_layer_file_without_layer_name_lists_layers(boundaries_gpkg):
    with pytest.raises(LayerReadError, match="municipalities"):
        read_layer(boundaries_gpkg)


def test_missing_file(tmp_path):
    with pytest.raises(LayerReadError, match="bestaat niet"):
        read_layer(tmp_path / "nope.gpkg")


def test_truncated_geojson_is_a_clear_error(tmp_path):
    p = tmp_path / "cut.geojson"
    p.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [4.4, 52')
    with pytest.raises(LayerReadError) as err:
        read_layer(p)
    assert "cut.geojson" in str(err.value) and "afgekapt" in str(err.value)


def test_empty_layer_is_an_error_unless_allowed(tmp_path):
    p = tmp_path / "empty.gpkg"
    gdf = gpd.GeoDataFrame({"id": []}, geometry=gpd.GeoSeries([], crs="EPSG:28992"))
    write_layer(gdf, p, "e")
    with pytest.raises(LayerReadError, match="geen objecten"):
        read_layer(p, "e")
    assert len(read_layer(p, "e", allow_empty=True)) == 0


def test_invalid_polygons_are_repaired_and_counted(tmp_path, bowtie):
    p = tmp_path / "bow.gpkg"
    write_layer(bowtie, p, "bow")
    gdf = read_layer(p, "bow", id_column="id")
    assert gdf.is_valid.all()
    report = gdf.attrs["wlr_geo"]["validation"]
    assert report["repaired_invalid"] == 1 and report["repaired_ids"] == ["bow"]
    # a bow-tie of two triangles of 25 m² each: the repair keeps both lobes
    assert gdf.set_index("id").area["bow"] == pytest.approx(50.0)


def test_all_problems_reported_at_once(tmp_path):
    p = tmp_path / "bad.gpkg"
    gdf = gpd.GeoDataFrame(
        {"id": ["x", "x", "y"]},
        geometry=[box(90_000, 460_000, 90_010, 460_010), box(90_020, 460_000, 90_030, 460_010), LineString([(90_000, 460_000), (90_010, 460_000)])],
        crs="EPSG:28992",
    )
    pyogrio.write_dataframe(gdf, p, layer="bad", geometry_type="Unknown")
    with pytest.raises(LayerValidationError) as err:
        read_layer(p, "bad", id_column="id", geometry_types=["polygon"])
    assert len(err.value.problems) == 2
    text = str(err.value)
    assert "LineString" in text and "komen meer dan eens voor" in text


def test_geojson_reprojected_on_read(tmp_path):
    p = tmp_path / "pt.geojson"
    gpd.GeoDataFrame({"id": [1]}, geometry=[Point(4.484, 52.1583)], crs="EPSG:4326").to_file(p)
    gdf = read_layer(p)
    assert gdf.crs.to_epsg() == 28992 and 90_000 < gdf.geometry.x.iloc[0] < 97_000


@pytest.mark.parametrize("suffix", [".gpkg", ".parquet"])
def test_write_then_read_round_trip(tmp_path, squares, suffix):
    p = tmp_path / f"sq{suffix}"
    write_layer(squares, p, "sq")
    back = read_layer(p, "sq" if suffix == ".gpkg" else None, id_column="id")
    assert list(back["id"]) == ["a", "b"]
    assert back.area.sum() == pytest.approx(20_000.0)


def test_write_adds_layer_and_keeps_others(tmp_path, squares):
    p = tmp_path / "two.gpkg"
    write_layer(squares, p, "one")
    write_layer(squares.iloc[:1], p, "two")
    write_layer(squares.iloc[:1], p, "one")  # replace
    assert sorted(list_layers(p)) == ["one", "two"]
    assert len(read_layer(p, "one")) == 1


def test_write_layers_all_or_nothing(tmp_path, squares):
    p = tmp_path / "out.gpkg"
    write_layers({"a": squares}, p)
    before = p.read_bytes()
    with pytest.raises(WlrGeoInputError):
        write_layers({}, p)
    assert p.read_bytes() == before


def test_interrupted_atomic_write_keeps_earlier_file(tmp_path, squares):
    """Kill a process in the middle of writing: the earlier file survives unchanged."""
    p = tmp_path / "result.gpkg"
    write_layer(squares, p, "sq")
    before = p.read_bytes()
    script = textwrap.dedent(
        f"""
        import os, pathlib, geopandas as gpd
        from shapely.geometry import box
        from wlr_geo.io.vector import write_layer
        def killed(self, target):
            os._exit(9)  # the process dies after writing the temp file, before the rename
        pathlib.Path.replace = killed
        gdf = gpd.GeoDataFrame({{"id": ["z"]}}, geometry=[box(90000, 460000, 90001, 460001)], crs="EPSG:28992")
        write_layer(gdf, {str(p)!r}, "sq", replace_file=True)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, check=False)
    assert proc.returncode == 9
    assert p.read_bytes() == before
    assert len(read_layer(p, "sq")) == 2
    # the temp file is left as a hidden *.part* file, never under the final name
    assert all(".part" in f.name for f in tmp_path.iterdir() if f.name != "result.gpkg")


def test_failed_write_leaves_no_partial_file(tmp_path, squares, monkeypatch):
    p = tmp_path / "x.gpkg"

    def half_write(df, path, **kwargs):
        with open(path, "wb") as fh:
            fh.write(b"SQLite format 3\x00 half")
        raise OSError("disk full")

    monkeypatch.setattr("wlr_geo.io.vector.pyogrio.write_dataframe", half_write)
    with pytest.raises(OSError, match="disk full"):
        write_layer(squares, p, "x")
    assert not p.exists()
    assert os.listdir(tmp_path) == []


def test_parse_layer_spec(tmp_path):
    spec = parse_layer_spec("data/boundaries.gpkg:wijken")
    assert spec.layer == "wijken" and spec.path.name == "boundaries.gpkg"
    assert parse_layer_spec("route.geojson").layer is None


def test_wrong_encoding_detected(tmp_path):
    p = tmp_path / "enc.shp"
    gdf = gpd.GeoDataFrame({"naam": ["Gasunie Ünie ’s-Hertogenbosch"]}, geometry=[Point(93_700, 463_800)], crs="EPSG:28992")
    gdf.to_file(p, encoding="cp1252")
    p.with_suffix(".cpg").unlink(missing_ok=True)
    try:
        read_layer(p, encoding="cp1252")
    except LayerReadError:
        pytest.skip("GDAL build cannot read cp1252")
    back = read_layer(p, encoding="cp1252")
    assert back["naam"].iloc[0] == "Gasunie Ünie ’s-Hertogenbosch"


def test_write_layer_leaves_ogr_current_date_as_it_was(tmp_path):
    """Our GeoPackages are dated reproducibly, but a user's own later writes keep the real date."""
    import datetime as dt
    import sqlite3

    import geopandas as gpd
    import pyogrio
    from shapely.geometry import Point

    from wlr_geo.io.vector import write_layer

    gdf = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(90_000, 460_000)], crs="EPSG:28992")

    def stamp(path):
        with sqlite3.connect(path) as con:
            return con.execute("SELECT last_change FROM gpkg_contents").fetchone()[0]

    assert pyogrio.get_gdal_config_option("OGR_CURRENT_DATE") is None
    write_layer(gdf, tmp_path / "ours.gpkg", "x")
    assert stamp(tmp_path / "ours.gpkg").startswith("1980-01-01")
    assert pyogrio.get_gdal_config_option("OGR_CURRENT_DATE") is None  # restored: nothing set
    gdf.to_file(tmp_path / "theirs.gpkg", layer="x", engine="pyogrio")
    assert stamp(tmp_path / "theirs.gpkg").startswith(str(dt.datetime.now(dt.UTC).year))
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2001-02-03T04:05:06.000Z"})
    try:
        write_layer(gdf, tmp_path / "ours2.gpkg", "x")
        assert stamp(tmp_path / "ours2.gpkg").startswith("1980-01-01")
        assert pyogrio.get_gdal_config_option("OGR_CURRENT_DATE") == "2001-02-03T04:05:06.000Z"  # the user's own
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})
