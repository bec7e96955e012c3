"""Benchmark: plain folium vs wlr_geo consultation maps with many line features.

For N synthetic cable/pipe lines (5 vertices, ~60 m, IMKL thema + operator + id, in RD New
around Leiden) both paths build a map with the same content — lines coloured by thema, a popup
with three fields and a tooltip — and write one HTML file:

* ``folium``: ``folium.GeoJson`` with ``style_function``, ``GeoJsonPopup`` and
  ``GeoJsonTooltip`` (the usual way; issue folium#787);
* ``wlr_geo``: :func:`wlr_geo.present.webmap.build_map` + :func:`write_map` with the layer switched ON
  at start (the worst case: everything is decoded and drawn before first paint);
* ``wlr_geo lazy``: the same, layer off at start (how the heavy KLIC layer ships by default).

Measured per path and size: Python build+write time and peak RSS (in a child process each),
HTML size, first paint = time from navigation start to the first frame painted after all inline
scripts ran (``performance.now()`` in the second requestAnimationFrame after
DOMContentLoaded) in headless Debian Chromium, and the JS heap after a forced GC (CDP
``Performance.getMetrics`` → ``JSHeapUsedSize``) plus, separately, the typed arrays of
wlr_geo's heavy-line layer, which V8 keeps outside that figure. The network is blocked: folium's CDN
requests for Leaflet are answered from wlr_geo's vendored copy, its other CDN files (jQuery,
Bootstrap, Font Awesome, awesome-markers) with empty responses (which only flatters folium);
tile requests are refused for both.

Run::

    python benchmarks/bench_maps.py            # N = 1e4 and 1e5 (about 2-3 minutes)
    python benchmarks/bench_maps.py --quick    # N = 1e3 and 1e4
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
THEMAS = ["laagspanning", "middenspanning", "datatransport", "gasLageDruk", "water", "warmte", "rioolVrijverval"]


def make_lines(n: int, seed: int = 1):
    import geopandas as gpd
    import numpy as np
    import shapely

    rng = np.random.default_rng(seed)
    x0 = rng.uniform(88_000, 98_000, n)
    y0 = rng.uniform(458_000, 468_000, n)
    steps = rng.normal(0, 15, (n, 4, 2)).cumsum(axis=1)
    coords = np.concatenate([np.zeros((n, 1, 2)), steps], axis=1) + np.stack([x0, y0], axis=1)[:, None, :]
    geoms = shapely.linestrings(coords)
    return gpd.GeoDataFrame(
        {
            "object_id": [f"nl.imkl-TEST.{i:07d}" for i in range(n)],
            "thema": rng.choice(THEMAS, n),
            "netbeheerder": rng.choice(["Liander", "Stedin", "KPN", "Dunea", "Vattenfall"], n),
        },
        geometry=geoms,
        crs="EPSG:28992",
    )


def build(impl: str, n: int, out: Path) -> dict[str, float]:
    t0 = time.perf_counter()
    gdf = make_lines(n)
    t_data = time.perf_counter() - t0
    t0 = time.perf_counter()
    if impl == "folium":
        import folium

        from wlr_geo.crs import to_web
        from wlr_geo.present.styles import THEMA_COLOURS

        web = to_web(gdf)
        m = folium.Map(location=[52.16, 4.49], zoom_start=12)
        folium.GeoJson(
            web,
            style_function=lambda f: {"color": THEMA_COLOURS[f["properties"]["thema"]], "weight": 2},
            popup=folium.GeoJsonPopup(fields=["thema", "netbeheerder", "object_id"], aliases=["Thema", "Netbeheerder", "Id"]),
            tooltip=folium.GeoJsonTooltip(fields=["thema"], aliases=["Thema"]),
        ).add_to(m)
        m.save(str(out))
    else:
        from wlr_geo.present.mapdefs import map_definition_from_dict
        from wlr_geo.present.webmap import build_map, write_map

        definition = map_definition_from_dict({
            "title": "Benchmark",
            "warn_threshold": 10**9,
            "minimap": False,
            "group": [{"name": "Ondergrond per thema", "show": impl == "wlr_geo", "layer": [{
                "role": "cables", "label": "Kabel of leiding", "category": "thema", "palette": "imkl_thema",
                "style": {"weight": 2}, "popup": {"thema": "Thema", "netbeheerder": "Netbeheerder", "object_id": "Id"},
                "tooltip": "thema"}]}],
        })
        write_map(build_map({"cables": gdf}, definition), out)
    return {
        "data_s": t_data,
        "build_s": time.perf_counter() - t0,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def measure_page(path: Path) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    from wlr_geo.present.webmap.assets import asset_path

    leaflet_js = asset_path("leaflet_js").read_bytes()
    leaflet_css = asset_path("leaflet_css").read_bytes()

    def route(r):
        url = r.request.url
        if url.startswith("file://"):
            return r.continue_()
        if "leaflet@" in url and url.endswith("leaflet.js"):
            return r.fulfill(status=200, content_type="application/javascript", body=leaflet_js)
        if "leaflet@" in url and url.endswith("leaflet.css"):
            return r.fulfill(status=200, content_type="text/css", body=leaflet_css)
        if any(h in url for h in ("cdn.jsdelivr", "cdnjs", "code.jquery", "bootstrapcdn")):
            ctype = "text/css" if url.endswith(".css") else "application/javascript"
            return r.fulfill(status=200, content_type=ctype, body=b"")
        return r.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.route("**/*", route)
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")
        # all inline scripts (data decoding, layer building) run before DOMContentLoaded; the
        # second animation frame after it is the first frame with the data layers painted.
        # Recorded by a script injected before the page's own (same for both paths), in ms
        # since navigation start, so no Python/CDP round trip is included.
        page.add_init_script(
            "document.addEventListener('DOMContentLoaded', () => requestAnimationFrame(() => "
            "requestAnimationFrame(() => { window.__paint = performance.now(); })));"
        )
        page.goto(path.as_uri(), wait_until="domcontentloaded", timeout=600_000)
        page.wait_for_function("() => window.__paint !== undefined", timeout=600_000)
        paint = page.evaluate("() => window.__paint") / 1000.0
        # typed arrays (ArrayBuffer backing stores) are not in V8's JSHeapUsedSize: add them
        typed = page.evaluate("""() => !window.WLR ? 0 : WLR.entries.reduce((sum, e) => {
            if (!e.layer) { return sum; }
            e.layer.eachLayer(l => { ['xy', 'start', 'fid', 'cat', 'bbox'].forEach(k => { if (l[k]) { sum += l[k].byteLength; } }); });
            return sum; }, 0)""")
        cdp.send("HeapProfiler.collectGarbage")
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        browser.close()
    return {"paint_s": paint, "js_heap_mb": metrics.get("JSHeapUsedSize", float("nan")) / 1e6, "typed_mb": typed / 1e6}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="N = 1e3 and 1e4 instead of 1e4 and 1e5")
    ap.add_argument("--sizes", type=int, nargs="*", help="explicit feature counts")
    ap.add_argument("--build", nargs=3, metavar=("IMPL", "N", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.build:
        impl, n, out = args.build
        print(json.dumps(build(impl, int(n), Path(out))))
        return
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing: apt-get install chromium")
    sizes = args.sizes or ([1_000, 10_000] if args.quick else [10_000, 100_000])
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            results = {}
            for impl in ("folium", "wlr_geo", "wlr_geo_lazy"):
                out = Path(tmp) / f"{impl}_{n}.html"
                proc = subprocess.run([sys.executable, __file__, "--build", impl, str(n), str(out)],
                                      capture_output=True, text=True, check=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
                res = json.loads(proc.stdout.strip().splitlines()[-1])
                res["html_mb"] = out.stat().st_size / 1e6
                res.update(measure_page(out))
                results[impl] = res
                out.unlink()
                print(f"  n={n:>7} {impl:<13} built {res['build_s']:.1f} s, {res['html_mb']:.1f} MB, "
                      f"paint {res['paint_s']:.2f} s, heap {res['js_heap_mb']:.0f} MB", file=sys.stderr)
            rows.append((n, results))
    header = (f"| {'N lines':>8} | {'path':<13} | {'build s':>7} | {'peak RSS MB':>11} | {'HTML MB':>7} | "
              f"{'first paint s':>13} | {'JS heap MB':>10} | {'+typed arrays MB':>16} | {'size ratio':>10} | {'paint ratio':>11} |")
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    for n, results in rows:
        base = results["folium"]
        for impl, r in results.items():
            print(f"| {n:>8} | {impl:<13} | {r['build_s']:>7.1f} | {r['peak_rss_mb']:>11.0f} | {r['html_mb']:>7.2f} | "
                  f"{r['paint_s']:>13.2f} | {r['js_heap_mb']:>10.0f} | {r['typed_mb']:>16.1f} | {base['html_mb'] / r['html_mb']:>9.1f}x | "
                  f"{base['paint_s'] / r['paint_s']:>10.1f}x |")


if __name__ == "__main__":
    main()
