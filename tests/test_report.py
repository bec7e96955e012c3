from __future__ import annotations

import hashlib
import re
import shutil

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


def test_headers_and_formats_come_from_the_registry():
    from wlr_geo.present.report import column_format, column_header

    assert column_header("length_m", "per_gemeente.csv") == "Lengte tracé (m)"
    assert column_header("n_rail") == "Kruisingen spoor"
    assert column_header("demand_connection_m_norm", "landing_scores.csv") == "Afstand tot warmtevraag genormaliseerd"
    assert column_header("distance_route_end_m_norm") != "Distance_route_end_m_norm"  # not taken by {year}
    assert column_format("year") == "year" and column_format("chainage_m") == "km"
    assert column_format("area_m2_werkstrook") == "number0" and column_format("n_crossings") == "integer"
    assert column_format("score") == "number2"


def test_wide_tables_are_split_and_years_stay_years():
    from wlr_geo.present.report import Table

    wide = pd.DataFrame({"variant": ["Variant A"], **{f"n_{c}": [1] for c in
                                                       ("road", "rail", "water", "cable_pipe", "green", "building",
                                                        "open_trench", "boring_persing", "hdd", "crossings", "acute")},
                         "year": [2027], "length_m": [15758.154]})
    page = build_report_html([ReportSection("Breed", blocks=[Table("Tabel", wide, max_columns=6)])],
                             title="t", manifest={}, indicative=False, attribution="a")
    assert "Tabel (deel 1 van 3)" in page and "Tabel (deel 3 van 3)" in page
    assert page.count("<th>Variant</th>") == 3  # the key column repeats in every part
    assert ">2027<" in page and "2.027" not in page
    assert ">15.758<" in page and "15758" not in page
    assert "n_road" not in page and "Kruisingen weg" in page


def test_side_by_side_says_not_analysed():
    from wlr_geo.present.report import NOT_ANALYSED, side_by_side

    variants = pd.DataFrame({"variant": ["A", "B"], "length_m": [1500.4, 2500.6], "n_rail": [0, 0],
                             "n_road": [2, 0], "not_analysed": ["rail;building", "rail;building"]})
    frame, cols = side_by_side(variants, key="variant", not_analysed=["n_rail"])
    assert [c.header for c in cols] == ["Kenmerk", "A", "B"]
    rows = {r["__label"]: (r["A"], r["B"]) for r in frame.to_dict("records")}
    assert rows["Lengte (m)"] == ("1.500", "2.501")
    assert rows["Kruisingen spoor"] == (NOT_ANALYSED, NOT_ANALYSED)
    assert rows["Kruisingen weg"] == ("2", "0")  # a zero that was looked at stays a zero
    assert set(rows[next(k for k in rows if k.lower().startswith("niet geanalyseerd"))]) == {"Spoor, Gebouw"}
    page = build_report_html([ReportSection("Gemeente X", new_page=True, subsections=[ReportSection("Sub")])],
                             title="t", manifest={}, indicative=False, attribution="a")
    assert "class='new-page'" in page and "href='#h1-1'" in page and "id='h1-1'" in page  # linked contents


@pytest.mark.browser
@pytest.mark.skipif(find_chromium() is None or shutil.which("pdftotext") is None,
                    reason="Chromium or poppler-utils not installed")
def test_wide_table_fits_the_printed_page(tmp_path):
    """A 14-column register printed to A4: every Dutch header is a whole word on the page
    (no header wrapped letter by letter), and the parts carry their captions."""
    import subprocess

    from wlr_geo.present.report import Table

    frame = pd.DataFrame({c: [1234.5, 2.0] for c in
                          ("length_m", "area_m2_werkstrook", "area_m2_belemmeringenstrook", "n_road", "n_rail",
                           "n_water", "n_cable_pipe", "n_open_trench", "n_boring_persing", "n_hdd", "n_crossings",
                           "n_acute", "n_parallel_runs")})
    frame.insert(0, "variant", ["Variant A", "Variant B"])
    html_path = tmp_path / "r.html"
    html_path.write_text(build_report_html([ReportSection("Varianten", blocks=[Table("Register", frame, file="variants.csv")])],
                                           title="Rapport", manifest={}, indicative=False, attribution="bron"))
    pdf = html_to_pdf(html_path, tmp_path / "r.pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    words = set(text.split())
    assert "Register (deel 1 van 2)" in text and "Register (deel 2 van 2)" in text
    for word in ("Oppervlakte", "belemmeringenstrook", "ontgraving", "Kruisingen", "liggingen"):
        assert word in words, word
    assert not [w for w in words if len(w) == 1 and w.isalpha() and w not in ("m", "A", "B")]


def test_affected_objects_are_booked_to_the_gemeente_that_holds_them():
    from shapely.geometry import box

    from wlr_geo.workflows.report import _affected_per_gemeente

    gm = gpd.GeoDataFrame({"gm_naam": ["West", "Oost"]}, geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)],
                          crs="EPSG:28992")
    affected = gpd.GeoDataFrame(
        {"variant": ["A", "A", "A", "B"], "strip": ["werkstrook"] * 4, "category": ["green", "green", "road", "green"],
         "area_m2": [10.0, 5.0, 2.0, 1.0]},
        geometry=[box(10, 10, 20, 20), box(30, 30, 40, 40), box(150, 10, 160, 20), box(300, 0, 310, 10)],
        crs="EPSG:28992")
    out = _affected_per_gemeente(affected, gm, "gm_naam")
    rows = {(r["gemeente"], r["variant"], r["category"]): (r["n"], r["area_m2"]) for r in out.to_dict("records")}
    assert rows == {("West", "A", "green"): (2, 15.0), ("Oost", "A", "road"): (1, 2.0)}  # outside every gemeente: none
