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
    assert [t.strip() for t in overlays] == list(GROUP_NAMES)
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
    for label in ("Variant A", "Variant B", "Boosterstation", "autosnelweg", "Warmte", "Laagspanning", "Gemeentegrens"):
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
