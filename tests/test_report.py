from __future__ import annotations

import hashlib
import re

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString

from wlr_geo.present.figures import FigureLayer, municipality_figure
from wlr_geo.present.report import ReportSection, build_report_html, find_chromium, html_to_pdf
from wlr_geo.provenance import Manifest, write_manifest

EVIL = "<img src=x onerror=alert(1)><script>alert(2)</script>"


def _manifest(tmp_path, inputs):
    m = Manifest(command="test")
    for p in inputs:
        m.add_input(p, role="x")
    return m


def test_values_reach_the_report_as_text(tmp_path, boundaries_gpkg):
    df = pd.DataFrame({"gemeente": [EVIL], "length_m": [1234.5]})
    page = build_report_html(
        [ReportSection(EVIL, text=EVIL, tables=[(EVIL, df)])],
        title=EVIL, manifest=_manifest(tmp_path, [boundaries_gpkg]).to_dict(), indicative=True, attribution=EVIL,
    )
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "1.234" in page and "1234.5" not in page  # Dutch number format, metres whole
    assert "Indicatief" in page


def test_manifest_sha256_matches_files(tmp_path, boundaries_gpkg):
    m = _manifest(tmp_path, [boundaries_gpkg])
    out = tmp_path / "out.csv"
    out.write_text("a\n1\n")
    m.add_output(out)
    path = write_manifest(m, tmp_path)
    data = __import__("json").loads(path.read_text())
    rec = data["inputs"][0]
    assert rec["sha256"] == hashlib.sha256(boundaries_gpkg.read_bytes()).hexdigest()
    assert rec["publisher"].startswith("CBS")  # from the catalogue
    assert data["outputs"][0]["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    page = build_report_html([], title="t", manifest=data, indicative=False, attribution="a")
    assert rec["sha256"] in page


def test_municipality_figure_is_a_png(boundaries_gpkg):
    from wlr_geo import read_layer

    gm = read_layer(boundaries_gpkg, "municipalities")
    leiden = gm[gm.gm_naam == "Leiden"]
    route = gpd.GeoDataFrame(geometry=[LineString([(90_000, 460_000), (95_000, 465_000)])], crs="EPSG:28992")
    png = municipality_figure(leiden, {"route": (route, FigureLayer("tracé (indicatief)", color="red", linewidth=2))},
                              title="Leiden", attribution="CBS", indicative=True)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


@pytest.mark.browser
@pytest.mark.skipif(find_chromium() is None, reason="Chromium is not installed")
def test_pdf_printed_offline(tmp_path):
    html_path = tmp_path / "r.html"
    html_path.write_text(build_report_html([ReportSection("Tabel", tables=[("t", pd.DataFrame({"a": [1]}))])],
                                           title="Rapport", manifest={}, indicative=False, attribution="x"))
    pdf = html_to_pdf(html_path, tmp_path / "r.pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and re.search(rb"/Type\s*/Page", data)
    assert not list(tmp_path.glob("*.part*"))


def test_figure_handles_empty_layers(boundaries_gpkg):
    from wlr_geo import read_layer

    gm = read_layer(boundaries_gpkg, "municipalities").iloc[[0]]
    empty = gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs="EPSG:28992"))
    png = municipality_figure(gm, {"x": (empty, FigureLayer("leeg"))}, title="t")
    assert png[:4] == b"\x89PNG"
