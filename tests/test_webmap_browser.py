"""End-to-end tests of a consultation map in real headless Chromium with the network blocked.

The map is built from the embedded real layers plus small indicative frames
(:func:`test_webmap.demo_map_inputs`). Every request the page makes is intercepted: the file
itself is served from disk, tile requests are answered by the test with a blank PNG (or
refused, to check the "tiles cannot load" notice) and anything else is refused and recorded.
"""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import urlparse

import pytest
from shapely.geometry import Point
from test_webmap import XSS_IMG, XSS_SCRIPT, demo_map_inputs, full_definition

from wlr_geo.present.mapdefs import GROUP_NAMES
from wlr_geo.present.webmap import TILE_HOSTS, build_map, write_map

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mP8/x8AAwMCAO+ip1sAAAAASUVORK5CYII="
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium (/usr/bin/chromium) is not installed"),
]


@pytest.fixture(scope="module")
def map_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("kaart") / "kaart.html"
    write_map(build_map(demo_map_inputs(), full_definition()), path)
    return path


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


class Session:
    def __init__(self, browser, map_file: Path, *, serve_tiles: bool) -> None:
        self.context = browser.new_context(viewport={"width": 1400, "height": 900})
        self.page = self.context.new_page()
        self.console: list[str] = []
        self.dialogs: list[str] = []
        self.foreign: list[str] = []
        self.tiles: list[str] = []
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))

        def on_dialog(d):
            self.dialogs.append(d.message)
            d.dismiss()

        self.page.on("dialog", on_dialog)

        def route(r):
            url = r.request.url
            if url.startswith("file://"):
                return r.continue_() if Path(urlparse(url).path) == map_file else self._refuse(r, url)
            if urlparse(url).hostname in TILE_HOSTS:
                self.tiles.append(url)
                if serve_tiles:
                    return r.fulfill(status=200, content_type="image/png", body=PNG_1PX)
                return r.abort("internetdisconnected")
            return self._refuse(r, url)

        self.context.route("**/*", route)
        self.page.goto(map_file.as_uri())
        self.page.wait_for_function("window.WLR && WLR.ready === true")

    def _refuse(self, r, url):
        self.foreign.append(url)
        return r.abort("blockedbyclient")

    def close(self):
        self.context.close()


@pytest.fixture
def session(browser, map_file):
    s = Session(browser, map_file, serve_tiles=True)
    yield s
    s.close()


INK = """() => {
  const c = document.querySelector('.leaflet-overlay-pane canvas');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; }
  return n;
}"""


def _overlay_checkbox(page, name):
    return page.locator(".leaflet-control-layers-overlays label", has_text=name).locator("input")


def test_page_loads_offline_with_all_groups(session):
    page = session.page
    page.wait_for_timeout(300)
    assert session.console == []
    assert session.foreign == []  # nothing but the file and the tile servers was asked for
    assert session.tiles and all(urlparse(u).hostname in TILE_HOSTS for u in session.tiles)
    overlays = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    assert [t.strip() for t in overlays] == [g for g in GROUP_NAMES if g != "Bovengrond per soort"]
    bases = [t.strip() for t in page.locator(".leaflet-control-layers-base label").all_inner_texts()]
    assert bases == ["BRT-Achtergrondkaart (standaard)", "BRT-Achtergrondkaart (grijs)", "Luchtfoto (PDOK)", "OpenStreetMap"]
    for cls in (".leaflet-control-scale", ".leaflet-control-zoom-fullscreen", ".leaflet-control-measure",
                ".leaflet-control-minimap", ".wlr-search"):
        assert page.locator(cls).count() == 1, cls
    assert page.locator("#wlr-tile-notice").is_hidden()  # tiles were served


def test_toggling_a_group_changes_the_drawing(session):
    page = session.page
    before = page.evaluate(INK)
    assert before > 0
    _overlay_checkbox(page, "Gemeenten en wijken").uncheck()
    page.wait_for_timeout(200)
    without = page.evaluate(INK)
    assert without < before
    _overlay_checkbox(page, "Gemeenten en wijken").check()
    page.wait_for_timeout(200)
    assert page.evaluate(INK) == before


def test_lazy_heavy_layer_is_built_when_switched_on(session):
    page = session.page
    state = "() => WLR.entries.filter(e => e.spec.role === 'cables').map(e => e.layer !== null)"
    assert page.evaluate(state) == [False]
    _overlay_checkbox(page, "Ondergrond per thema").check()
    page.wait_for_timeout(200)
    assert page.evaluate(state) == [True]
    assert page.evaluate("() => WLR.entries.find(e => e.spec.role === 'cables').n") == 5290
    assert session.console == []
    # click on the first vertex of the first cable: the heavy layer's own hit test opens a popup
    xy = page.evaluate("""() => {
        const m = WLR.maps[0], h = WLR.entries.find(e => e.spec.role === 'cables').layer.getLayers()[0];
        const ll = m.unproject(L.point(h.xy[0], h.xy[1]), 0);
        m.setView(ll, 18, {animate: false});
        const p = m.latLngToContainerPoint(ll), r = m.getContainer().getBoundingClientRect();
        return [r.left + p.x, r.top + p.y, ll.lng, ll.lat]; }""")
    page.mouse.click(xy[0], xy[1])
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible")
    text = popup.text_content()
    assert text.startswith("Kabel of leiding")
    assert "Thema" in text and "Netbeheerder" in text
    # oracle: the popup belongs to one of the cables within 1 m of the clicked point
    from wlr_geo.crs import wgs84_to_rd

    cables = demo_map_inputs()["cables"]
    x, y = wgs84_to_rd(xy[2], xy[3])
    near = cables[cables.distance(Point(x, y)) < 1.0]
    assert len(near) >= 1
    from wlr_geo.present.styles import THEMA_LABELS_NL

    assert any(f"Thema{THEMA_LABELS_NL[t]}Netbeheerder{nb}" in text
               for t, nb in zip(near["thema"], near["netbeheerder"], strict=True))


def test_popup_shows_hostile_text_as_text(session):
    page = session.page
    # centre the map on landing site L1 (its name is an <img onerror> payload) and click it
    page.evaluate("""() => { const m = WLR.maps[0]; m.setView([52.16456, 4.47893], 16, {animate: false}); }""")
    ll = page.evaluate("""() => {
        const e = WLR.entries.find(x => x.spec.role === 'landing');
        const lyr = e.layer.getLayers()[0]; const m = WLR.maps[0];
        m.setView(lyr.getLatLng(), 16, {animate: false});
        const p = m.latLngToContainerPoint(lyr.getLatLng()); const r = m.getContainer().getBoundingClientRect();
        return [r.left + p.x, r.top + p.y]; }""")
    page.mouse.click(ll[0], ll[1])
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible")
    text = popup.text_content()
    assert XSS_IMG in text
    assert XSS_SCRIPT in text
    assert "Zoeklocatie aanlanding" in text and "Indicatief" in text
    assert popup.locator("img").count() == 0 and popup.locator("script").count() == 0
    page.wait_for_timeout(200)
    assert session.dialogs == []
    assert page.evaluate("() => window.__xss === undefined")
    assert session.foreign == []  # the <img src=x> was never requested


def test_tooltip_and_route_popup_escape(session):
    page = session.page
    html = page.evaluate("""() => {
        const e = WLR.entries.find(x => x.spec.role === 'route');
        const lyr = e.layer.getLayers()[1]; lyr.openPopup();
        return document.querySelector('.leaflet-popup-content').innerHTML; }""")
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert session.dialogs == []


def test_legend_lists_categories_and_banner_follows_groups(session):
    page = session.page
    legend = page.locator("#wlr-legend").inner_text()
    for label in ("Variant A", "Variant B", "Boosterstation", "Weg", "Warmte", "Laagspanning", "Gemeentegrens"):
        assert label in legend
    assert "Bronnen" in legend and "Gemeentegrenzen © CBS" in legend
    banner = page.locator("#wlr-banner")
    assert banner.is_visible()
    assert "geen besluit of officieel PIP-tracé" in banner.inner_text()
    for name in ("Tracé en varianten", "Werkstrook", "Kruisingen", "Aanlandingsopties"):
        _overlay_checkbox(page, name).uncheck()
    assert banner.is_hidden()  # no indicative layer is shown any more
    _overlay_checkbox(page, "Werkstrook").check()
    assert banner.is_visible()
    attribution = page.locator(".leaflet-control-attribution").inner_text()
    assert "Kaartgegevens © Kadaster" in attribution and "Gemeentegrenzen © CBS" in attribution


def test_search_zooms_to_a_municipality(session):
    page = session.page
    page.fill(".wlr-search input", "Oegstgeest")
    page.press(".wlr-search input", "Enter")
    page.wait_for_timeout(300)
    centre = page.evaluate("() => { const c = WLR.maps[0].getCenter(); return [c.lat, c.lng]; }")
    assert 52.17 < centre[0] < 52.20 and 4.43 < centre[1] < 4.49  # Oegstgeest
    page.fill(".wlr-search input", "Atlantis")
    page.press(".wlr-search input", "Enter")
    assert page.locator(".wlr-search-msg").inner_text() == "Niet gevonden"


def test_notice_when_tiles_cannot_load(browser, map_file):
    s = Session(browser, map_file, serve_tiles=False)
    try:
        notice = s.page.locator("#wlr-tile-notice")
        notice.wait_for(state="visible", timeout=5000)
        assert "achtergrondkaart kan niet worden geladen" in notice.inner_text().lower()
        assert s.tiles  # it did try the tile servers, and only those
        assert s.foreign == []
        assert [m for m in s.console if "pageerror" in m] == []
        # the data layers still draw
        assert s.page.evaluate(INK) > 0
    finally:
        s.close()


# ---- issue 18: chainage labels, KLIC per thema, crossing and landing popups ----------------------

def _impact_inputs():
    """The two indicative variants against the real OSM power links: a real impact result."""
    import geopandas as gpd

    from wlr_geo import read_layer
    from wlr_geo.analysis.impact.run import run_impact
    from wlr_geo.catalog import embedded_path
    from wlr_geo.present.webmap import crossed_objects

    frames = demo_map_inputs()
    links = read_layer(embedded_path("energy_osm.gpkg"), "osm2017_power_links_abstract").assign(category="cable_pipe")
    res = run_impact(frames["route"], {"hoogspanning": links}, municipalities=frames["municipalities"],
                     variant_column="variant")
    routes = res.routes.merge(frames["route"][["variant", "status", "bron"]], on="variant")
    landing = frames["landing"].assign(rank=[1, 2], score=[0.8123, 0.55])
    layers = {"route": gpd.GeoDataFrame(routes, geometry="geometry", crs=res.routes.crs), "strip": res.strips,
              "crossings": res.crossings, "markers": res.markers, "landing": landing,
              "crossed_objects": crossed_objects(res.crossings, {"hoogspanning": links}),
              "municipalities": frames["municipalities"]}
    return res, layers


@pytest.fixture(scope="module")
def impact_map(tmp_path_factory):
    import tomllib

    from wlr_geo.catalog import embedded_maps_dir
    from wlr_geo.present.mapdefs import map_definition_from_dict

    raw = tomllib.loads((embedded_maps_dir() / "gemeente.toml").read_text(encoding="utf-8"))
    raw.update(per_municipality=False, title="Kaart met impactresultaat", fit=["route"])
    res, layers = _impact_inputs()
    path = tmp_path_factory.mktemp("impact") / "kaart.html"
    write_map(build_map(layers, map_definition_from_dict(raw), analysed_classes=res.analysed_classes), path)
    return path, res, layers


@pytest.fixture
def impact_session(browser, impact_map):
    s = Session(browser, impact_map[0], serve_tiles=True)
    yield s
    s.close()


LABEL_BOXES = """() => Array.from(document.querySelectorAll('.wlr-chainage')).map(e => {
  const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom, e.textContent]; })"""


def _overlaps(boxes):
    out = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]:
                out.append((a[4], b[4]))
    return out


@pytest.mark.parametrize("zoom", [12, 17])
def test_chainage_labels_never_overlap(impact_session, impact_map, zoom):
    page = impact_session.page
    res = impact_map[1]
    # centre on km 1 of variant A, where both variants run close together
    first = res.markers[(res.markers["variant"] == "Variant A") & (res.markers["chainage_m"] == 1000.0)]
    from wlr_geo.crs import to_web

    ll = to_web(first).geometry.iloc[0]
    page.evaluate(f"() => {{ WLR.maps[0].setView([{ll.y}, {ll.x}], {zoom}, {{animate: false}}); }}")
    page.wait_for_timeout(300)
    boxes = page.evaluate(LABEL_BOXES)
    assert boxes, "no chainage label in view"
    assert _overlaps(boxes) == []
    controls = page.evaluate("""() => Array.from(document.querySelectorAll('.leaflet-control, .wlr-banner'))
        .map(e => e.getBoundingClientRect()).filter(r => r.width > 0)
        .map(r => [r.left, r.top, r.right, r.bottom, 'control'])""")
    hidden = [o for o in _overlaps(boxes + controls) if (o[0] == "control") != (o[1] == "control")]
    assert controls and hidden == []  # no label hidden under a control, the title, legend or banner
    shown = page.evaluate("() => WLR.entries.find(e => e.spec.kind === 'chainage').layer.getLayers()[0].shown")
    step = page.evaluate("() => WLR.entries.find(e => e.spec.kind === 'chainage').layer.getLayers()[0].currentStep")
    texts = {b[4] for b in boxes}
    assert texts == {s["text"] for s in shown}
    if zoom <= 13:
        assert step >= 1000 and all(s["major"] for s in shown)  # kilometre labels only
    if zoom >= 17:
        assert step == 100 and any(not s["major"] for s in shown)  # hectometre labels
    # every label is the impact result's own text, in its variant's colour
    labels = set(res.markers["label"])
    assert texts <= labels
    colours = page.evaluate("() => Array.from(document.querySelectorAll('.wlr-chainage')).map(e => e.style.borderColor)")
    assert set(colours) <= {"rgb(178, 24, 43)", "rgb(33, 102, 172)"}


def test_crossing_popup_and_the_crossed_object(impact_session, impact_map):
    from wlr_geo.crs import to_web

    page = impact_session.page
    res, layers = impact_map[1], impact_map[2]
    xy = page.evaluate("""() => {
        const e = WLR.entries.find(x => x.spec.role === 'crossings'); const m = WLR.maps[0];
        const lyr = e.layer.getLayers()[0];
        m.setView(lyr.getLatLng(), 15, {animate: false});
        const p = m.latLngToContainerPoint(lyr.getLatLng()), r = m.getContainer().getBoundingClientRect();
        return [r.left + p.x, r.top + p.y]; }""")
    assert page.evaluate("() => WLR.highlight") is None
    page.mouse.click(xy[0], xy[1])
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible")
    rows = dict(zip(popup.locator("th").all_inner_texts(), popup.locator("td").all_inner_texts(), strict=True))
    first = res.crossings.iloc[0]
    assert rows["Variant"] == first["variant"]
    assert rows["Kilometrering"] == "km " + f"{first['chainage_m'] / 1000:.1f}".replace(".", ",")
    assert rows["Soort kruising"] == "Kabel of leiding"
    assert rows["Techniek"] == "Open ontgraving"
    assert rows["Gemeente"] == first["gemeente"] and rows["Object-id"] == first["object_id"]
    # the crossed object is drawn: its bounds are those of the power link the crossing crosses
    objs = layers["crossed_objects"]
    obj = objs[(objs["object_id"] == first["object_id"]) & (objs["source_layer"] == first["source_layer"])]
    w, s, e, n = to_web(obj).total_bounds
    got = page.evaluate("() => { const b = WLR.highlight.getBounds(); return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }")
    assert got == pytest.approx([w, s, e, n], abs=2e-5)
    assert page.evaluate("() => WLR.maps[0].hasLayer(WLR.highlight)")
    # it stays when the popup is closed, and goes with the next click on the map
    page.locator(".leaflet-popup-close-button").click()
    assert page.evaluate("() => WLR.highlight !== null")
    page.evaluate("() => { const m = WLR.maps[0]; m.fire('click', {latlng: m.getCenter(), originalEvent: new MouseEvent('click')}); }")
    assert page.evaluate("() => WLR.highlight === null")
    assert impact_session.console == []


def test_landing_popup_shows_rank_and_score(impact_session):
    page = impact_session.page
    xy = page.evaluate("""() => {
        const e = WLR.entries.find(x => x.spec.role === 'landing'); const m = WLR.maps[0];
        const lyr = e.layer.getLayers().find(l => true);
        m.setView(lyr.getLatLng(), 15, {animate: false});
        const p = m.latLngToContainerPoint(lyr.getLatLng()), r = m.getContainer().getBoundingClientRect();
        return [r.left + p.x, r.top + p.y]; }""")
    page.mouse.click(xy[0], xy[1])
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible")
    rows = dict(zip(popup.locator("th").all_inner_texts(), popup.locator("td").all_inner_texts(), strict=True))
    assert rows["Rang"] == "1" and rows["Score (0–1)"] == "0,81"
    assert rows["Locatie"] == "L1"
    legend = page.locator("#wlr-legend").inner_text()
    assert "Score 0,80 – 1,00 (hoogst)" in legend and "Spoor niet geanalyseerd" in legend


@pytest.fixture(scope="module")
def klic_map(tmp_path_factory):
    from wlr_geo import read_layer
    from wlr_geo.analysis.impact.run import run_impact
    from wlr_geo.catalog import embedded_path
    from wlr_geo.present.mapdefs import load_map_definition
    from wlr_geo.present.webmap import crossed_objects

    cables = demo_map_inputs()["cables"]
    route = read_layer(embedded_path("scenario.gpkg"), "ondergrond_testtrace")
    res = run_impact(route, cables=cables, variant_column="variant")
    layers = {"route": route, "strip": res.strips, "crossings": res.crossings, "markers": res.markers,
              "cables": cables, "cable_parallel_runs": res.cable_parallel_runs,
              "clearance_violations": res.clearance_violations,
              "crossed_objects": crossed_objects(res.crossings, {"klic": cables})}
    path = tmp_path_factory.mktemp("klic") / "kaart.html"
    write_map(build_map(layers, load_map_definition("ondergrond_voorbeeld"), analysed_classes=res.analysed_classes), path)
    return path, cables


def test_klic_lines_are_drawn_per_thema(browser, klic_map):
    path, cables = klic_map
    s = Session(browser, path, serve_tiles=True)
    try:
        page = s.page
        spec = page.evaluate("""() => { const s = WLR.entries.find(e => e.spec.role === 'cables').spec;
            return {heavy: s.heavy, lazy: s.lazy, cat_labels: s.cat_labels, styles: s.styles.map(x => ({color: x.color}))}; }""")
        assert spec["heavy"] and spec["lazy"]
        from wlr_geo.present.klic_themes import THEMA_COLOURS, THEMA_LABELS_NL

        themas = sorted(set(cables["thema"]))
        assert spec["cat_labels"] == [THEMA_LABELS_NL[t] for t in THEMA_LABELS_NL if t in themas]
        assert [st["color"] for st in spec["styles"]] == [THEMA_COLOURS[t] for t in THEMA_LABELS_NL if t in themas]
        # fit to the delivery and count what the canvas layer drew per thema
        from wlr_geo.crs import to_web

        w, so, e, n = to_web(cables).total_bounds
        page.evaluate(f"() => {{ WLR.maps[0].fitBounds([[{so}, {w}], [{n}, {e}]], {{animate: false}}); }}")
        page.wait_for_timeout(400)
        drawn = page.evaluate("() => WLR.entries.find(e => e.spec.role === 'cables').layer.getLayers()[0].drawnPerCat")
        counts = cables["thema"].value_counts()
        for i, label in enumerate(spec["cat_labels"]):
            thema = next(t for t, lab in THEMA_LABELS_NL.items() if lab == label)
            assert int(drawn.get(str(i), 0)) >= min(int(counts[thema]), 1), label
        # and the pixels: the canvas holds each thema's colour
        pixels = page.evaluate("""(cols) => {
            const c = document.querySelector('canvas.wlr-heavy'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            const want = cols.map(h => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)]);
            const n = want.map(() => 0);
            for (let i = 0; i < d.length; i += 4) { if (d[i + 3] < 200) continue;
              for (let k = 0; k < want.length; k++) { const w = want[k];
                if (Math.abs(d[i] - w[0]) < 8 && Math.abs(d[i + 1] - w[1]) < 8 && Math.abs(d[i + 2] - w[2]) < 8) { n[k]++; break; } } }
            return n; }""", [THEMA_COLOURS["warmte"], THEMA_COLOURS["laagspanning"], THEMA_COLOURS["datatransport"]])
        assert all(p > 50 for p in pixels), pixels
        legend = page.locator("#wlr-legend").inner_text()
        for t in themas:
            assert THEMA_LABELS_NL[t] in legend
        assert s.console == []
    finally:
        s.close()
