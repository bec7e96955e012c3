"""ROBUSTNESS.md F11 (a CRS declaration that fits the coordinates only by accident) and F15 (raw
Python and GDAL warnings become counted notes in the run's log)."""

from __future__ import annotations

import json
import logging
import warnings
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from pyproj import Transformer

from tests.robustness._hostile import assert_clean, run_cli
from wlr_geo import CRSError
from wlr_geo.catalog import embedded_path
from wlr_geo.crs import PROJECT_AREA_M, RD_NEW, ensure_rd
from wlr_geo.io.vector import read_layer
from wlr_geo.workflows._output import capture_warnings, current_warning_log

# RD coordinates in the Leidse regio (a short line along the coast near Katwijk)
_RD_LINE = shapely.LineString([(85_000, 462_000), (87_500, 463_000), (90_000, 461_000)])


def _layer(crs: object, geom: shapely.Geometry = _RD_LINE) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"naam": ["kabel"]}, geometry=[geom], crs=crs)


# ------------------------------------------------------------------------------------- F11
@pytest.mark.parametrize("wrong", ["EPSG:31370", "EPSG:2154", "EPSG:3812", "EPSG:25831", "EPSG:32631"])
def test_f11_rd_numbers_with_another_metric_crs_are_refused(wrong: str) -> None:
    with pytest.raises(CRSError) as info:
        ensure_rd(_layer(wrong), source="kabels.shp", layer="kabels")
    text = str(info.value)
    assert "lijken RD New (EPSG:28992)" in text
    assert wrong.split(":")[1] in text
    assert "assume_crs" in text and "kabels.shp" in text
    assert "\n" not in text


def test_f11_belgian_prj_on_rd_shapefile_via_reader_and_cli(tmp_path: Path) -> None:
    shp = tmp_path / "kabels.shp"
    _layer("EPSG:31370").to_file(shp)
    assert "Belge" in (tmp_path / "kabels.prj").read_text() or "Lambert" in (tmp_path / "kabels.prj").read_text()
    with pytest.raises(CRSError, match="lijken RD New"):
        read_layer(shp)
    r = run_cli(["convert", shp, "-o", tmp_path / "out"])
    assert_clean(r, codes=(2,))
    assert "kabels.shp" in r.err and "EPSG:31370" in r.err and "oplossing:" in r.err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.parquet"))
    # the input is untouched
    assert "Belge" in (tmp_path / "kabels.prj").read_text() or "Lambert" in (tmp_path / "kabels.prj").read_text()


def test_f11_assume_crs_wins_over_a_wrong_declaration() -> None:
    out = ensure_rd(_layer("EPSG:31370"), assume_crs="EPSG:28992")
    assert RD_NEW.equals(out.crs)
    assert out.geometry.iloc[0].equals_exact(_RD_LINE, 1e-9)


def test_f11_data_truly_in_another_crs_is_reprojected() -> None:
    # the same line truly in UTM 31N, Web Mercator, LAEA Europe: numbers that are not RD-like
    for epsg in (32631, 25831, 3857, 3035):
        to = Transformer.from_crs(28992, epsg, always_xy=True)
        moved = shapely.transform(_RD_LINE, lambda xy, to=to: __import__("numpy").column_stack(to.transform(xy[:, 0], xy[:, 1])))
        out = ensure_rd(_layer(f"EPSG:{epsg}", moved))
        assert out.geometry.iloc[0].hausdorff_distance(_RD_LINE) < 1.0, epsg


def test_f11_wgs84_numbers_declared_as_rd_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "punten.gpkg"
    _layer(28992, shapely.LineString([(4.45, 52.15), (4.5, 52.2)])).to_file(path)
    r = run_cli(["convert", path, "-o", tmp_path / "out"])
    assert_clean(r, codes=(2,))
    assert "punten.gpkg" in r.err


@pytest.mark.filterwarnings("ignore:'crs' was not provided:UserWarning")
def test_f11_layer_without_crs_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "geen_crs.shp"
    _layer(None).to_file(path)
    r = run_cli(["convert", path, "-o", tmp_path / "out"])
    assert_clean(r, codes=(2,))
    assert "geen_crs.shp" in r.err and "assume-crs" in r.err
    r = run_cli(["convert", path, "-o", tmp_path / "out", "--assume-crs", "EPSG:28992"])
    assert_clean(r)


def test_f11_project_area_holds_the_embedded_municipalities() -> None:
    xmin, ymin, xmax, ymax = gpd.read_file(embedded_path("boundaries.gpkg"), layer="municipalities").total_bounds
    assert PROJECT_AREA_M[0] <= xmin - 24_000 and PROJECT_AREA_M[1] <= ymin - 24_000
    assert PROJECT_AREA_M[2] >= xmax + 24_000 and PROJECT_AREA_M[3] >= ymax + 24_000
    assert PROJECT_AREA_M[2] - PROJECT_AREA_M[0] < (xmax - xmin) + 60_000


# ------------------------------------------------------------------------------------- F15
def test_f15_warnings_are_counted_not_printed(capsys: pytest.CaptureFixture[str]) -> None:
    with capture_warnings() as log:
        assert current_warning_log() is log
        for _ in range(3):
            warnings.warn("iets raars", RuntimeWarning, stacklevel=1)
        warnings.warn("anders", UserWarning, stacklevel=1)
        logging.getLogger("rasterio._env").warning("CPLE_AppDefined in GDAL: dubieus")
    assert current_warning_log() is None
    assert log.total == 5, log.notes()
    notes = log.notes()
    assert notes[0].startswith("waarschuwing (3×) RuntimeWarning") and "iets raars" in notes[0]
    assert any("log rasterio._env" in n and "dubieus" in n for n in notes)
    assert "iets raars" not in capsys.readouterr().err


def test_f15_many_kinds_are_summarised() -> None:
    with capture_warnings() as log:
        for i in range(30):
            warnings.warn(f"soort {i}", RuntimeWarning, stacklevel=1)
    notes = log.notes()
    assert len(notes) == log.MAX_NOTES + 1
    assert notes[-1].startswith("en nog 10 waarschuwing(en) van 10 andere soorten")


def test_f15_own_warnings_still_fail_tests() -> None:
    # pyproject turns wlr_geo's own warnings into errors; capture_warnings appends its filter
    with capture_warnings(), warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RuntimeWarning):
            warnings.warn("fout", RuntimeWarning, stacklevel=1)


def test_f15_cli_run_puts_warnings_in_the_manifest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from wlr_geo.workflows import convert as convert_workflow

    real = convert_workflow.run

    def noisy(*args: object, **kwargs: object) -> object:
        warnings.warn("GDAL zegt iets", RuntimeWarning, stacklevel=1)
        warnings.warn("GDAL zegt iets", RuntimeWarning, stacklevel=1)
        return real(*args, **kwargs)

    monkeypatch.setattr(convert_workflow, "run", noisy)
    src = tmp_path / "in.gpkg"
    _layer(28992).to_file(src)
    r = run_cli(["convert", src, "-o", tmp_path / "out"])
    assert_clean(r)
    assert "GDAL zegt iets" not in r.err
    assert "2 waarschuwing(en)" in r.err
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert any("(2×) RuntimeWarning" in n and "GDAL zegt iets" in n for n in manifest["notes"])
