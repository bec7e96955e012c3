"""Tests of the offline consultation maps (wlr_geo.present.webmap) without a browser.

The browser end-to-end tests are in test_webmap_browser.py; both use :func:`demo_map_inputs`:
the embedded real layers (municipalities, wijken, KLIC sample lines) plus small INDICATIVE
route/strip/crossings/claims/landing frames built here.
"""

from __future__ import annotations

import html as html_mod
import json
import logging
import re
import tomllib
import warnings
from functools import cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from shapely.geometry import LineString, Point, box

from wlr_geo import ConfigError, WlrGeoWarning, read_layer
from wlr_geo.catalog import embedded_maps_dir, embedded_path, load_catalog
from wlr_geo.crs import to_web
from wlr_geo.present.mapdefs import (
    GROUP_NAMES,
    MapDefinition,
    load_map_definition,
    map_definition_from_dict,
)
from wlr_geo.present.webmap import (
    BASEMAP_SPECS,
    SelfContainedError,
    build_map,
    external_urls,
    municipality_layers,
    render_html,
    write_map,
)
from wlr_geo.present.webmap.assets import inline_assets
from wlr_geo.present.webmap.encode import encode_geometries, format_value, json_for_script
from wlr_geo.present.webmap.legend import BANNER_TEXT, NOTICE_TEXT

XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_SCRIPT = "<script>window.__xss = 1; alert(2)</script>"
RD = "EPSG:28992"


@cache
def _real_layers() -> dict[str, gpd.GeoDataFrame]:
    from wlr_geo.io.klic import read_klic

    gm = read_layer(embedded_path("boundaries.gpkg"), "municipalities")
    wk = read_layer(embedded_path("boundaries.gpkg"), "wijken")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WlrGeoWarning)
        cables = read_klic(embedded_path("klic/Levering_22C001966_3.zip")).lines
    return {"municipalities": gm, "wijken": wk, "cables": cables}


def indicative_frames() -> dict[str, gpd.GeoDataFrame]:
    """Small indicative frames in the Leidse regio (RD), with hostile text in some values."""
    a = LineString([(83_600, 451_200), (88_000, 455_000), (93_500, 460_300)])
    b = LineString([(83_600, 451_200), (86_000, 457_000), (93_500, 460_300)])
    route = gpd.GeoDataFrame(
        {"variant": ["Variant A", "Variant B"], "length_m": [a.length, b.length], "status": "indicatief",
         "bron": ["INDICATIEF — testtracé", XSS_SCRIPT]},
        geometry=[a, b], crs=RD,
    )
    strip = gpd.GeoDataFrame(
        {"variant": ["Variant A"], "width_m": [30.0], "area_m2": [a.buffer(15).area], "status": "indicatief"},
        geometry=[a.buffer(15, cap_style="flat")], crs=RD,
    )
    cross_pts = [a.interpolate(d) for d in (1500.0, 4000.0, 9000.0)]
    crossings = gpd.GeoDataFrame(
        {"variant": "Variant A", "category": ["motorway", "minor_water", "cable_pipe"],
         "object_class": ["road", "water", "cable_pipe"], "subtype": ["motorway", "minor_water", "hoogspanning"],
         "technique": ["hdd", "boring_persing", "open_trench"], "chainage_m": [1500.0, 4000.0, 9000.0],
         "gemeente": ["Rijswijk", "Leidschendam-Voorburg", "Leiden"], "object_id": ["w1", "s2", XSS_IMG],
         "status": "indicatief"},
        geometry=cross_pts, crs=RD,
    )
    claims = gpd.GeoDataFrame(
        {"claim_id": ["C01", "C02"], "facility_type": ["boosterstation", "werkterrein"], "initiatiefnemer": ["test", "test"],
         "year_from": [2027, 2028], "year_to": [2030, 2029], "status": ["wens", "wens"], "indicatief": [True, True]},
        geometry=[box(88_700, 455_500, 88_900, 455_700), box(86_100, 453_200, 86_300, 453_400)], crs=RD,
    )
    landing = gpd.GeoDataFrame(
        {"site_id": ["L1", "L2"], "naam": [XSS_IMG, "Zoeterwoude – A4-zone"], "score": [0.8123, 0.55],
         "status": "indicatief", "bron": [XSS_SCRIPT, "INDICATIEF"]},
        geometry=[Point(93_850, 464_250), Point(94_300, 459_900)], crs=RD,
    )
    return {"route": route, "strip": strip, "crossings": crossings, "claims": claims, "landing": landing}


def demo_map_inputs() -> dict[str, gpd.GeoDataFrame]:
    return {**_real_layers(), **indicative_frames()}


def full_definition(*, heavy_threshold: int = 1000, cables_show: bool = False) -> MapDefinition:
    """overzicht.toml plus the Kruisingen and Ondergrond groups of ondergrond.toml: all 7 groups."""
    base = tomllib.loads((embedded_maps_dir() / "overzicht.toml").read_text(encoding="utf-8"))
    under = tomllib.loads((embedded_maps_dir() / "ondergrond.toml").read_text(encoding="utf-8"))
    extra = {g["name"]: g for g in under["group"] if g["name"] in ("Kruisingen", "Ondergrond per thema")}
    extra["Ondergrond per thema"]["show"] = cables_show
    base["group"] = [*base["group"][:2], extra["Kruisingen"], extra["Ondergrond per thema"], *base["group"][2:]]
    base["heavy_threshold"] = heavy_threshold
    base["fit"] = ["route", "municipalities"]
    return map_definition_from_dict(base, name="test_alles")


@pytest.fixture(scope="module")
def full_map():
    return build_map(demo_map_inputs(), full_definition())


@pytest.fixture(scope="module")
def page(full_map) -> str:
    return render_html(full_map)


def _allowed_url(url: str) -> bool:
    tiles = {spec.url for spec in BASEMAP_SPECS.values()}
    attribution_links = {"https://www.openstreetmap.org/copyright", "https://leafletjs.com"}
    svg_namespace = {"http://www.w3.org/2000/svg"}
    return url in tiles | attribution_links | svg_namespace


def test_all_groups_in_order(full_map):
    assert full_map.group_names == [g for g in GROUP_NAMES if g != "Bovengrond per soort"]
    assert full_map.indicative


def test_page_is_self_contained(page):
    assert not re.search(r"<script[^>]+\bsrc\s*=", page, re.I)
    assert not re.search(r"<link[^>]+\bhref\s*=", page, re.I)
    assert "cdn.jsdelivr" not in page and "cdnjs" not in page and "code.jquery" not in page
    urls = external_urls(page)
    assert urls  # the tile templates are there
    assert [u for u in urls if not _allowed_url(u)] == []
    # icons inlined as data URIs (Leaflet's layer-control icon, measure tool icons)
    assert "data:image/png;base64," in page
    assert "wlr-asset:" not in page


def test_inline_assets_refuses_foreign_scripts():
    with pytest.raises(SelfContainedError, match=r"cdn\.example"):
        inline_assets('<script src="https://cdn.example/leaflet.js"></script>')
    with pytest.raises(SelfContainedError):
        inline_assets('<link rel="stylesheet" href="https://cdn.example/x.css"/>')


def test_hostile_values_do_not_reach_the_page_as_markup(page):
    assert XSS_IMG not in page
    assert "<script>window.__xss" not in page
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in page  # JSON text, decoded by the runtime
    # the runtime inserts values with textContent only
    js = (Path(__import__("wlr_geo.present.webmap", fromlist=["x"]).__file__).parent / "static" / "wlr_map.js").read_text()
    assert "innerHTML" not in js and "insertAdjacentHTML" not in js


def test_definition_text_is_html_escaped_in_legend_and_control():
    frames = indicative_frames()
    data = {
        "title": "Kaart <b>vet</b>",
        "group": [{"name": "Aanlandingsopties", "layer": [
            {"role": "landing", "label": "Locatie <img src=y onerror=alert(3)>", "catalog": "municipalities"}]}],
    }
    wm = build_map({"landing": frames["landing"]}, map_definition_from_dict(data))
    page = render_html(wm)
    assert "<img src=y" not in page
    assert "Locatie &lt;img src=y onerror=alert(3)&gt;" in page
    assert "<title>Kaart &lt;b&gt;vet&lt;/b&gt;</title>" in page


def test_legend_lists_styled_categories(full_map, page):
    legend = page[page.index('id="wlr-legend"'):]
    legend = legend[: legend.index('id="wlr-banner"')]
    for label in ("Variant A", "Variant B", "Boosterstation (drukverhoging)", "Werkterrein (tijdelijk)", "Weg",
                  "Water", "Kabel of leiding", "Warmte", "Laagspanning", "Datatransport", "Gemeentegrens"):
        assert html_mod.escape(label) in legend, label
    # colours in the legend match the styles: warmte from the IMKL table
    from wlr_geo.present.styles import THEMA_COLOURS

    assert THEMA_COLOURS["warmte"] in legend
    cables = next(s for s in full_map.layers if s.role == "cables")
    assert cables.categories[:2] == ["Warmte", "Laagspanning"] or set(cables.categories) >= {"Warmte", "Laagspanning"}
    assert "note wlr-indicative-note" in legend and BANNER_TEXT in legend  # legend note


def test_banner_and_notice_present(page):
    assert f">{BANNER_TEXT}<" in page
    assert html_mod.escape(NOTICE_TEXT) in page


def test_attribution_from_catalogue(full_map, page):
    cat = load_catalog()
    assert cat["municipalities"].attribution in full_map.sources
    assert html_mod.escape(cat["municipalities"].attribution) in page
    assert cat["klic_22C001966"].attribution in full_map.sources  # matched by file provenance
    for spec in BASEMAP_SPECS.values():
        assert spec.url in page
    assert "Kaartgegevens © Kadaster" in page and "OpenStreetMap-bijdragers" in page


def test_heavy_layer_is_lazy_and_compact(full_map):
    cables = next(s for s in full_map.layers if s.role == "cables")
    assert cables.heavy and cables.lazy
    assert cables.n_features == 5290
    route = next(s for s in full_map.layers if s.role == "route")
    assert not route.heavy and not route.lazy and route.indicative
    assert not next(s for s in full_map.layers if s.role == "municipalities").indicative


def test_warning_above_threshold(caplog):
    frames = indicative_frames()
    data = {"title": "t", "warn_threshold": 2, "group": [
        {"name": "Kruisingen", "layer": [{"role": "crossings", "label": "Kruising"}]}]}
    with caplog.at_level(logging.WARNING, logger="wlr_geo"):
        wm = build_map({"crossings": frames["crossings"]}, map_definition_from_dict(data))
    assert any("heeft 3 objecten" in r.getMessage() for r in caplog.records)
    assert wm.warnings == ["crossings: 3 objecten"]
    assert "Let op: 3 objecten" in render_html(wm)


def test_not_indicative_without_indicative_layers():
    gm = _real_layers()["municipalities"]
    wm = build_map({"municipalities": gm}, load_map_definition("overzicht"))
    assert wm.group_names == ["Gemeenten en wijken"]
    assert not wm.indicative
    page = render_html(wm)
    assert "note wlr-indicative-note" not in page


def test_required_layer_missing():
    data = {"title": "t", "group": [{"name": "Werkstrook", "layer": [{"role": "strip", "required": True}]}]}
    with pytest.raises(ConfigError, match="strip"):
        build_map({}, map_definition_from_dict(data))


def test_unknown_catalogue_name():
    data = {"title": "t", "group": [{"name": "Werkstrook", "layer": [{"role": "strip", "catalog": "bestaat_niet"}]}]}
    with pytest.raises(ConfigError, match="bestaat_niet"):
        build_map({"strip": indicative_frames()["strip"]}, map_definition_from_dict(data))


def _decode(run: list[int], scale: int) -> np.ndarray:
    arr = np.cumsum(np.asarray(run, dtype=np.int64).reshape(-1, 2), axis=0) / scale
    return arr[:, ::-1]  # back to lon, lat


def test_encoding_round_trip_lines_and_polygons():
    line = LineString([(90_000, 460_000), (90_500, 460_250), (91_000, 461_000)])
    poly = box(90_000, 460_000, 90_100, 460_100).difference(box(90_040, 460_040, 90_060, 460_060))
    gdf = gpd.GeoDataFrame(geometry=[line], crs=RD)
    _, geoms, scale, bounds = encode_geometries(gdf, "line", simplify_m=0.0)
    expect = shapely.get_coordinates(to_web(gdf).geometry.values)
    assert scale == 10**6
    np.testing.assert_allclose(_decode(geoms[0][0], scale), expect, atol=1e-6)
    assert bounds[0] == pytest.approx(expect[:, 0].min())
    pg = gpd.GeoDataFrame(geometry=[poly], crs=RD)
    _, pgeoms, scale, _ = encode_geometries(pg, "polygon", simplify_m=0.0)
    assert len(pgeoms[0]) == 1 and len(pgeoms[0][0]) == 2  # one polygon, shell + hole
    shell = _decode(pgeoms[0][0][0], scale)
    assert len(shell) == 4  # closing vertex dropped
    web_shell = shapely.get_coordinates(to_web(pg).geometry.values[0].exterior)[:-1]
    np.testing.assert_allclose(shell, web_shell, atol=1e-6)


def test_simplification_reduces_vertices_within_tolerance():
    xs = np.linspace(90_000, 91_000, 1001)
    ys = 460_000 + 0.05 * np.sin(xs)  # 5 cm wiggles, invisible on a web map
    gdf = gpd.GeoDataFrame(geometry=[LineString(np.c_[xs, ys])], crs=RD)
    _, geoms, _, _ = encode_geometries(gdf, "line", simplify_m=0.2)
    assert len(geoms[0][0]) // 2 == 2


def test_format_value_dutch():
    assert format_value(1234.5) == "1.234"  # large numbers without decimals
    assert format_value(12.345) == "12,35"
    assert format_value(3.0) == "3"
    assert format_value(25_000) == "25.000"
    assert format_value(True) == "ja"
    assert format_value(float("nan")) is None
    assert format_value(None) is None
    assert format_value("<b>") == "<b>"  # text is escaped later, by JSON and textContent


def test_json_for_script_cannot_close_the_element():
    text = json_for_script({"a": "</script><script>alert(1)</script>&"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"a": "</script><script>alert(1)</script>&"}


def test_write_map_is_atomic_and_complete(tmp_path, full_map):
    target = tmp_path / "kaart.html"
    write_map(full_map, target)
    text = target.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    assert '<html lang="nl">' in text
    assert [p.name for p in tmp_path.iterdir()] == ["kaart.html"]


def test_municipality_layers_filter():
    frames = demo_map_inputs()
    sub = municipality_layers(frames, "Leiden")
    assert sub["municipalities"]["gm_naam"].tolist() == ["Leiden"]
    assert set(sub["wijken"]["gm_naam"]) == {"Leiden"}
    assert sub["landing"]["site_id"].tolist() == ["L1"]
    assert len(sub["cables"]) == 0  # the KLIC sample lies outside the region
    with pytest.raises(ConfigError, match="Atlantis"):
        municipality_layers(frames, "Atlantis")


def test_cli_map_writes_files(tmp_path):
    from wlr_geo.cli.main import cli
    from wlr_geo.io.vector import write_layers

    frames = indicative_frames()
    out = tmp_path / "out"
    write_layers({"candidates": frames["landing"], "claims": frames["claims"]}, out / "landing.gpkg")
    write_layers({"route": frames["route"]}, tmp_path / "scenario.gpkg")
    cfg = tmp_path / "project.toml"
    cfg.write_text(
        '[project]\nname = "t"\n[layers.municipalities]\ncatalog = "municipalities"\n'
        '[layers.route]\nfile = "scenario.gpkg"\nlayer = "route"\n', encoding="utf-8",
    )
    res = CliRunner().invoke(cli, ["map", str(cfg), "-o", str(out), "--map", "overzicht", "--map", "gemeente",
                                   "--municipality", "Leiden"])
    assert res.exit_code == 0, res.output
    page = (out / "kaart_overzicht.html").read_text(encoding="utf-8")
    assert "Aanlandingsopties" in page and "Tracé en varianten" in page  # output + config layers
    assert (out / "kaart_gemeente_leiden.html").exists()
    assert "kaart_overzicht.html" in res.output


def test_cli_map_without_layers_fails_cleanly(tmp_path):
    from wlr_geo.cli.main import main

    cfg = tmp_path / "leeg.toml"
    cfg.write_text('[project]\nname = "leeg"\n', encoding="utf-8")
    assert main(["map", str(cfg), "-o", str(tmp_path / "o"), "--map", "overzicht"]) == 2


# ---- issue 18: markers, Dutch popup values, crossed objects, analysed classes, absent layers ----

def _specs(page: str) -> list[dict]:
    """The layer specs of WLR.addLayer(...) calls in a rendered page."""
    dec = json.JSONDecoder()
    out = []
    for m in re.finditer(r"WLR\.addLayer\([^,]+, [^,]+, ", page):
        spec, _ = dec.raw_decode(page, m.end())
        out.append(spec)
    return out


def _payload(page: str, data_id: str) -> dict:
    m = re.search(rf'<script type="application/json" id="{data_id}">(.*?)</script>', page, re.S)
    assert m is not None
    return json.loads(m.group(1))


def _column(payload: dict, i: int) -> list:
    col = payload["cols"][i]
    return col["v"] if "v" in col else [col["d"][k] for k in col["i"]]


def _spec(page: str, role: str) -> dict:
    return next(s for s in _specs(page) if s["role"] == role)


def _route_ab() -> gpd.GeoDataFrame:
    return indicative_frames()["route"]


def test_chainage_labels_come_from_the_impact_markers():
    route = _route_ab()
    markers = gpd.GeoDataFrame(
        {"variant": ["Variant A", "Variant A", "Variant B"], "chainage_m": [0.0, 1000.0, 2000.0],
         "label": ["km 0,0", "km 1,0 (A)", "km 2,0 (B)"], "major": [True, True, True]},
        geometry=[Point(83_600, 451_200), Point(84_400, 451_800), Point(84_000, 453_000)], crs=RD,
    )
    wm = build_map({"route": route, "markers": markers}, load_map_definition("overzicht"))
    page = render_html(wm)
    spec = _spec(page, "route_chainage")
    data = _payload(page, spec["data_id"])
    assert _column(data, 0) == ["km 0,0", "km 1,0 (A)", "km 2,0 (B)"]  # used as given, not recomputed
    assert data["ch"] == [0.0, 1000.0, 2000.0] and data["mj"] == [1, 1, 1]
    assert data["vi"] == [0, 0, 1]  # each label in its variant's style
    assert spec["styles"][1]["dashArray"] == "10 6" and spec["every"] == 1000.0
    # markers of variants the route layer does not show are left out
    wm = build_map({"route": route[route["variant"] == "Variant A"], "markers": markers},
                   load_map_definition("overzicht"), variants=["Variant A", "Variant B"])
    data = _payload(render_html(wm), _spec(render_html(wm), "route_chainage")["data_id"])
    assert _column(data, 0) == ["km 0,0", "km 1,0 (A)"]


def test_chainage_fallback_uses_the_centreline_model():
    route = _route_ab()
    page = render_html(build_map({"route": route}, load_map_definition("overzicht")))
    data = _payload(page, _spec(page, "route_chainage")["data_id"])
    ch = np.asarray(data["ch"])
    vi = np.asarray(data["vi"])
    for k, line in enumerate(route.geometry):
        mine = ch[vi == k]
        expect = np.arange(0, line.length + 1e-9, 100.0)
        np.testing.assert_allclose(mine, np.round(expect, 1))
        # oracle: shapely's interpolation along the line, in WGS84
        pts = to_web(gpd.GeoDataFrame(geometry=[line.interpolate(d) for d in expect], crs=RD))
        got = np.asarray(data["geoms"])[vi == k] / data["scale"]
        np.testing.assert_allclose(got[:, 0], pts.geometry.y, atol=2e-6)
        np.testing.assert_allclose(got[:, 1], pts.geometry.x, atol=2e-6)
    labels = _column(data, 0)
    assert labels[:3] == ["km 0,0", "km 0,1", "km 0,2"] and "km 1,0" in labels
    assert sum(data["mj"]) == sum(int(line.length // 1000) + 1 for line in route.geometry)


def test_popup_values_are_dutch():
    frames = indicative_frames()
    page = render_html(build_map(frames, load_map_definition("gemeente")))
    claims = _spec(page, "claims")
    data = _payload(page, claims["data_id"])
    labels = [label for _, label in claims["popup"]]
    years = _column(data, labels.index("Vanaf"))
    assert years == ["2027", "2028"]  # never "2.027"
    assert _column(data, labels.index("Voorziening")) == ["Boosterstation (drukverhoging)", "Werkterrein (tijdelijk)"]
    crossings = _spec(page, "crossings")
    data = _payload(page, crossings["data_id"])
    labels = [label for _, label in crossings["popup"]]
    assert _column(data, labels.index("Kilometrering")) == ["km 1,5", "km 4,0", "km 9,0"]
    assert _column(data, labels.index("Techniek")) == ["HDD (gestuurde boring)", "Boring/persing", "Open ontgraving"]
    assert _column(data, labels.index("Soort kruising")) == ["Weg", "Water", "Kabel of leiding"]
    assert _column(data, labels.index("Object")) == ["Autosnelweg", "Overig water", "Hoogspanning"]
    assert _column(data, labels.index("Gemeente")) == ["Rijswijk", "Leidschendam-Voorburg", "Leiden"]
    assert _column(data, labels.index("Variant")) == ["Variant A"] * 3
    assert "buffer_opslag" not in page and "boring_persing" not in page.replace('"boring_persing"', "")


def test_claim_colours_and_labels_are_the_same_on_every_map():
    frames = indicative_frames()
    frames["claims"] = frames["claims"].assign(facility_type=["buffer_opslag", "werkterrein"])
    seen = {}
    for name in ("overzicht", "gemeente", "ruimteclaims", "aanlanding"):
        spec = _spec(render_html(build_map(frames, load_map_definition(name))), "claims")
        seen[name] = list(zip(spec["cat_labels"], [s["fillColor"] for s in spec["styles"]], strict=True))
    first = next(iter(seen.values()))
    assert all(v == first for v in seen.values()), seen
    assert ("Buffer / warmteopslag", "#de77ae") in first


def test_crossed_objects_and_their_highlight():
    from wlr_geo.analysis.impact.run import run_impact
    from wlr_geo.present.webmap import crossed_objects

    route = _route_ab()
    links = gpd.GeoDataFrame(
        {"naam": ["dwars", "parallel ver weg", "dwars 2"]},
        geometry=[LineString([(85_000, 450_000), (85_500, 456_000)]), LineString([(70_000, 440_000), (71_000, 440_000)]),
                  LineString([(90_000, 455_000), (90_500, 462_000)])], crs=RD,
    ).assign(category="cable_pipe")
    res = run_impact(route, {"kabels": links}, variant_column="variant")
    assert len(res.crossings) >= 2
    objs = crossed_objects(res.crossings, {"kabels": links})
    assert sorted(objs["object_id"]) == ["kabels:0", "kabels:2"]  # only the crossed ones
    for oid, geom in zip(objs["object_id"], objs.geometry, strict=True):
        assert geom.equals(links.geometry.iloc[int(oid.split(":")[1])])
    layers = {"route": res.routes, "crossings": res.crossings, "crossed_objects": objs, "markers": res.markers}
    page = render_html(build_map(layers, load_map_definition("ondergrond")))
    spec = _spec(page, "crossings")
    data = _payload(page, spec["data_id"])
    assert spec["highlight"]["color"] == "#ffd400"
    assert len(data["hk"]) == len(res.crossings)
    key = data["hk"][0]
    kind, geom = data["hl"]["g"][key]
    assert kind == "line"
    obj = objs.geometry.iloc[list(objs["object_id"]).index(key.split("\x1f")[1])]
    expect = shapely.get_coordinates(to_web(gpd.GeoDataFrame(geometry=[obj], crs=RD)).geometry.values[0])
    np.testing.assert_allclose(_decode(geom[0], data["hl"]["scale"]), expect, atol=2e-6)


def test_legend_says_which_crossing_classes_were_not_analysed():
    frames = indicative_frames()
    analysed = {"road": True, "rail": False, "water": True, "cable_pipe": True, "green": False, "building": False}
    page = render_html(build_map(frames, load_map_definition("gemeente"), analysed_classes=analysed))
    legend = page[page.index('id="wlr-legend"'):page.index('id="wlr-banner"')]
    text = re.sub(r"<[^>]+>", "", legend)
    assert "Spoor niet geanalyseerd" in text and "Gebouw niet geanalyseerd" in text
    assert "Natuur en groen niet geanalyseerd" in text
    assert "Weg (1)" in text and "Water (1)" in text and "Kabel of leiding (1)" in text
    # a map without crossings says it in a note
    page = render_html(build_map(frames, load_map_definition("overzicht"), analysed_classes=analysed))
    assert "Kruisingen niet geanalyseerd (geen kaartlaag gegeven): spoor, natuur en groen, gebouw." in page


def test_a_promised_layer_that_is_missing_is_named():
    frames = indicative_frames()
    wm = build_map({k: frames[k] for k in ("route", "strip", "crossings")}, load_map_definition("ondergrond"))
    assert wm.absent == [("Kabel of leiding (KLIC)", "geen gegevens gegeven")]
    page = render_html(wm)
    assert "Kabel of leiding (KLIC): <span class=\"wlr-legend-note\">geen gegevens gegeven</span>" in page
    assert '<p class="wlr-title-note">Geen gegevens gegeven voor: Kabel of leiding (KLIC).</p>' in page


def test_municipal_map_says_what_lies_elsewhere():
    from wlr_geo.present.webmap import municipality_maps

    maps = municipality_maps(demo_map_inputs(), load_map_definition("gemeente"), municipalities=["Katwijk", "Leiden"])
    katwijk = render_html(maps["Katwijk"])
    assert maps["Katwijk"].area_name == "Katwijk"
    note = re.search(r'<p class="wlr-title-note">(.*?)</p>', katwijk).group(1)
    assert note == "Niet in Katwijk: Tracévariant, Werk- en belemmeringenstrook, Kruising, Ruimteclaim, Zoeklocatie aanlanding."
    leiden = maps["Leiden"]
    assert {label for label, _ in leiden.absent} == {"Werk- en belemmeringenstrook", "Ruimteclaim"}
    assert [s.role for s in leiden.layers if s.group == "Tracé en varianten"] == ["route"]
    # a variant keeps the look it has on the overview, also where it is the only one shown
    sub = municipality_layers(demo_map_inputs(), "Voorschoten")["route"]
    assert sub["variant"].tolist() == ["Variant B"]
    spec = _spec(render_html(municipality_maps(demo_map_inputs(), load_map_definition("gemeente"),
                                               municipalities=["Voorschoten"])["Voorschoten"]),
                 "route")
    assert spec["styles"][0]["color"] == "#2166ac" and spec["styles"][0]["dashArray"] == "10 6"
