"""Benchmark: ``wlr_geo.io.pdok.download`` (paged, cached, resumable, with provenance) vs a naive loop.

Usage::

    python benchmarks/bench_fetch.py            # 10 000 and 50 000 building polygons
    python benchmarks/bench_fetch.py --quick    # 5 000
    python benchmarks/bench_fetch.py --sizes 20000 100000

A local OGC API Features server (127.0.0.1, no internet) serves N BAG-like building squares
(5 vertices, 8 properties) in pages of 1000 with absolute ``rel=next`` links, ``numberReturned``
and no ``numberMatched``, as PDOK does. Measured, each in its own subprocess so its peak RSS
(``resource.getrusage``) is clean:

* ``baseline``: follow ``rel=next`` with urllib, keep every feature in memory,
  ``GeoDataFrame.from_features`` and ``to_file`` (GPKG) — no retries, cache or provenance;
* ``wlr download``: :func:`wlr_geo.io.pdok.download.download_collection` (requests + urllib3 ``Retry``
  transport, page checks, pages to ``.partial``, merge to GPKG atomically, SHA-256, provenance)
  and ``FetchResult.read()`` (validated read);
* ``wlr cache hit``: the same call again: SHA-256 check of the cached file and the read.

The rate limit is off (a real run against PDOK is bound by the network and the 2 req/s
default, not by this overhead).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

RD = "http://www.opengis.net/def/crs/EPSG/0/28992"
PAGE = 1000


def make_pages(n: int, base: str) -> dict[int, bytes]:
    feats = []
    for i in range(n):
        x, y = 90_000 + (i % 300) * 20.0, 455_000 + (i // 300) * 20.0
        ring = [[x, y], [x + 12, y], [x + 12, y + 9], [x, y + 9], [x, y]]
        feats.append({"type": "Feature", "id": f"pand.{i}", "geometry": {"type": "Polygon", "coordinates": [ring]},
                      "properties": {"identificatie": f"0546100000{i:06d}", "bouwjaar": 1900 + i % 120,
                                     "status": "Pand in gebruik", "gebruiksdoel": "woonfunctie",
                                     "oppervlakte_min": 40 + i % 50, "oppervlakte_max": 90 + i % 70,
                                     "aantal_verblijfsobjecten": 1 + i % 4, "rdf_seealso": f"https://x/{i}"}})
    pages = {}
    for off in range(0, max(n, 1), PAGE):
        chunk = feats[off: off + PAGE]
        doc = {"type": "FeatureCollection", "numberReturned": len(chunk), "features": chunk, "links": []}
        if off + PAGE < n:
            q = urllib.parse.urlencode({"f": "json", "limit": PAGE, "crs": RD, "offset": off + PAGE})
            doc["links"].append({"rel": "next", "type": "application/geo+json",
                                 "href": f"{base}/collections/pand/items?{q}"})
        pages[off] = json.dumps(doc).encode()
    return pages


def serve(pages: dict[int, bytes]) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
            body = pages[int(q.get("offset", 0))]
            self.send_response(200)
            self.send_header("Content-Type", "application/geo+json")
            self.send_header("Content-Crs", f"<{RD}>")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


def worker(kind: str, base: str, work: Path) -> dict[str, float]:
    import geopandas as gpd

    if kind != "baseline":  # imported before the clock starts, like geopandas for the baseline
        import wlr_geo.io.pdok.download  # noqa: F401
    t0 = time.perf_counter()
    if kind == "baseline":
        url: str | None = base + "/collections/pand/items?" + urllib.parse.urlencode({"f": "json", "limit": PAGE, "crs": RD})
        feats: list = []
        while url:
            with urllib.request.urlopen(url, timeout=60) as resp:
                doc = json.loads(resp.read())
            feats.extend(doc["features"])
            url = next((lk["href"] for lk in doc["links"] if lk["rel"] == "next"), None)
        gdf = gpd.GeoDataFrame.from_features(feats, crs=28992)
        gdf.to_file(work / "baseline.gpkg", layer="pand", driver="GPKG")
        n = len(gdf)
    else:
        from wlr_geo.io.pdok.download import CollectionQuery, DownloadSettings, download_collection

        q = CollectionQuery.build("bag", base, "pand", None, page_limit=PAGE)
        res = download_collection(q, cache_dir=work / "cache",
                                  settings=DownloadSettings(rate_limit_per_s=0, timeout_s=60))
        n = len(res.read())
    dt = time.perf_counter() - t0
    return {"seconds": dt, "features": n, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_worker(kind: str, base: str, work: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--worker", kind, "--base", base, "--work", str(work)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--sizes", type=int, nargs="*")
    ap.add_argument("--worker")
    ap.add_argument("--base")
    ap.add_argument("--work", type=Path)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.base, args.work)))
        return
    sizes = args.sizes or ([5_000] if args.quick else [10_000, 50_000])
    rows = []
    for n in sizes:
        pages: dict[int, bytes] = {}
        httpd, url = serve(pages)  # the next links need the server's URL: fill in afterwards
        pages.update(make_pages(n, url))
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            base = run_worker("baseline", url, work)
            wlr = run_worker("wlr", url, work)
            hit = run_worker("wlr", url, work)
        httpd.shutdown()
        httpd.server_close()
        for name, r in (("baseline (urllib + from_features)", base), ("wlr download", wlr), ("wlr cache hit", hit)):
            rows.append((n, name, r["features"], r["seconds"], r["seconds"] / base["seconds"], r["peak_mb"]))
    print(f"{'features':>9}  {'path':<34} {'read':>7} {'time s':>8} {'ratio':>6} {'peak MB':>8}")
    for n, name, got, sec, ratio, peak in rows:
        print(f"{n:>9}  {name:<34} {got:>7} {sec:>8.2f} {ratio:>6.2f} {peak:>8.0f}")


if __name__ == "__main__":
    main()
