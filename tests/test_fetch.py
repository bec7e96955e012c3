"""Tests of ``wlr-geo fetch``: the PDOK registry, areas, the downloader and its cache.

The downloader runs against a local OGC API Features server (``ThreadingHTTPServer`` on
127.0.0.1, port 0) that serves GeoJSON pages in the documented shape: ``links`` with
``rel=next``, ``numberMatched``/``numberReturned``, ``Content-Crs``; and that injects faults on
request: HTTP 500/503 (with ``Retry-After``), a response slower than the client timeout, a
truncated body, a malformed JSON body, a wrong ``numberReturned``/``numberMatched``, 404.
No test touches anything but loopback.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import LineString, box

from wlr_geo import DownloadError, WlrGeoInputError
from wlr_geo.catalog import embedded_path, load_catalog
from wlr_geo.cli.main import main
from wlr_geo.io.pdok._http import DownloadSettings, HttpClient, next_link
from wlr_geo.io.pdok.datasets import (
    DATASETS,
    RD_CRS_URI,
    Area,
    area_from_bbox,
    area_from_gemeenten,
    area_from_route,
    parse_base_url_overrides,
    resolve_base_url,
)
from wlr_geo.io.pdok.download import (
    CollectionQuery,
    download_collection,
    export_results,
    fetch,
    read_cache_entry,
    registered_entries,
)
from wlr_geo.io.vector import file_sha256, read_layer, write_layer

# ------------------------------------------------------------------------- fake OGC API server


def make_features(n: int, *, x0: float = 90_000.0, y0: float = 460_000.0, props: dict | None = None) -> list[dict]:
    return [
        {
            "type": "Feature",
            "id": f"f{i}",
            "geometry": {"type": "Point", "coordinates": [x0 + 10.0 * i, y0 + 5.0 * i]},
            "properties": {"nr": i, "naam": f"object {i}", **(props or {})},
        }
        for i in range(n)
    ]


class FakeOgcApi:
    """State of the fake server: collections, faults to inject, and a log of requests."""

    def __init__(self) -> None:
        self.collections: dict[str, list[dict]] = {}
        self.faults: dict[tuple[str, int], list[str]] = {}  # (collection, offset) -> faults, consumed
        self.always: dict[tuple[str, int], str] = {}  # (collection, offset) -> fault on every request
        self.number_matched: dict[str, int] = {}
        self.content_crs: str | None = RD_CRS_URI
        self.relative_links = False
        self.self_loop = False
        self.sleep_s = 1.0
        self.log: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.url = ""

    def offsets(self, collection: str | None = None) -> list[int]:
        return [r["offset"] for r in self.log if collection in (None, r["collection"])]


class _Handler(BaseHTTPRequestHandler):
    api: FakeOgcApi  # set on the subclass per server

    def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
        pass

    def _send(self, code: int, body: bytes, *, headers: dict[str, str] | None = None,
              length: int | None = None) -> None:
        self.send_response(code)
        self.send_header("Content-Type", "application/geo+json")
        self.send_header("Content-Length", str(len(body) if length is None else length))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        api = self.api
        parsed = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(parsed.query))
        parts = parsed.path.rstrip("/").split("/")
        if len(parts) < 3 or parts[-1] != "items" or parts[-3] != "collections":
            self._send(404, b'{"detail": "not found"}')
            return
        collection = parts[-2]
        offset = int(query.get("offset", "0"))
        limit = int(query.get("limit", "10"))
        with api.lock:
            api.log.append({"path": parsed.path, "query": query, "collection": collection,
                            "offset": offset, "user_agent": self.headers.get("User-Agent", "")})
            queued = api.faults.get((collection, offset), [])
            fault = queued.pop(0) if queued else api.always.get((collection, offset))
        # the client may have given up already (timeout test)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._respond(api, collection, offset, limit, query, fault)

    def _respond(self, api: FakeOgcApi, collection: str, offset: int, limit: int,
                 query: dict[str, str], fault: str | None) -> None:
        if collection not in api.collections or fault == "404":
            self._send(404, b'{"detail": "collection not found"}')
            return
        if fault == "500":
            self._send(500, b'{"detail": "internal error"}')
            return
        if fault == "503-retry-after":
            self._send(503, b'{"detail": "busy"}', headers={"Retry-After": "7"})
            return
        if fault == "sleep":
            time.sleep(api.sleep_s)
        if fault == "malformed":
            self._send(200, b'{"type": "FeatureCollection", "features": [ {"type": Feature} ]}')
            return
        features = api.collections[collection]
        chunk = features[offset: offset + limit]
        doc: dict[str, Any] = {
            "type": "FeatureCollection",
            "timeStamp": "2026-01-01T00:00:00Z",
            "numberMatched": api.number_matched.get(collection, len(features)),
            "numberReturned": len(chunk) + (1 if fault == "wrong-returned" else 0),
            "features": chunk,
            "links": [{"rel": "self", "type": "application/geo+json", "href": self.path}],
        }
        if offset + limit < len(features) or api.self_loop:
            q = dict(query, offset=str(offset if api.self_loop else offset + limit))
            path = urllib.parse.urlsplit(self.path).path + "?" + urllib.parse.urlencode(q)
            href = ("items?" + urllib.parse.urlencode(q)) if api.relative_links else api.url + path
            doc["links"].append({"rel": "next", "type": "application/geo+json", "href": href})
        body = json.dumps(doc).encode()
        headers = {"Content-Crs": f"<{api.content_crs}>"} if api.content_crs else {}
        if fault == "truncate":
            self._send(200, body[: len(body) // 2], headers=headers, length=len(body))
            self.close_connection = True
            return
        self._send(200, body, headers=headers)


@pytest.fixture
def server(monkeypatch):
    # a proxy configured on the developer's machine must not intercept loopback requests
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    api = FakeOgcApi()
    handler = type("Handler", (_Handler,), {"api": api})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    api.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield api
    httpd.shutdown()
    httpd.server_close()


FAST = DownloadSettings(timeout_s=5.0, retries=2, backoff_base_s=0.01, backoff_max_s=0.05,
                        rate_limit_per_s=0, page_limit=2)
AREA = Area(bbox=(89_000.0, 459_000.0, 91_000.0, 461_000.0), description="test box")


def query_for(api: FakeOgcApi, collection: str = "wijken", dataset: str = "wijken",
              area: Area | None = AREA, page_limit: int = 2) -> CollectionQuery:
    return CollectionQuery.build(dataset, api.url + "/cbs/test/ogc/v1", collection, area,
                                 page_limit=page_limit)


def entry_files(entry_dir: Path) -> list[str]:
    """Files of a cache entry, without the lock file."""
    return sorted(p.name for p in entry_dir.iterdir() if p.name != ".lock") if entry_dir.exists() else []


# ------------------------------------------------------------------------------ paging


@pytest.mark.network
def test_paging_follows_rel_next_over_three_pages(server, tmp_path):
    server.collections["wijken"] = make_features(5)
    q = query_for(server)
    res = download_collection(q, cache_dir=tmp_path, settings=FAST)
    assert server.offsets() == [0, 2, 4]
    assert res.feature_count == 5 and not res.from_cache
    prov = res.provenance
    assert prov["pages"] == 3 and prov["number_matched"] == 5 and prov["feature_count"] == 5
    assert prov["sha256"] == file_sha256(res.entry.data_path)
    assert prov["service_url"] == server.url + "/cbs/test/ogc/v1"
    assert prov["collection"] == "wijken" and prov["query"]["bbox"] == "89000,459000,91000,461000"
    assert prov["download_start_utc"] <= prov["download_end_utc"]
    assert prov["licence"] == DATASETS["wijken"].licence
    gdf = res.read()
    assert gdf.crs.to_epsg() == 28992
    assert list(gdf["id"]) == [f"f{i}" for i in range(5)]
    assert gdf.geometry.x.tolist() == [90_000.0, 90_010.0, 90_020.0, 90_030.0, 90_040.0]
    assert gdf.attrs["wlr_geo"]["provenance"]["sha256"] == prov["sha256"]
    assert entry_files(res.entry.path) == ["data.gpkg", "provenance.json"]  # .partial removed


@pytest.mark.network
def test_requests_carry_crs_bbox_crs_limit_and_user_agent(server, tmp_path):
    server.collections["wijken"] = make_features(3)
    download_collection(query_for(server), cache_dir=tmp_path, settings=FAST)
    first = server.log[0]
    assert first["path"] == "/cbs/test/ogc/v1/collections/wijken/items"
    assert first["query"] == {"f": "json", "limit": "2", "crs": RD_CRS_URI,
                              "bbox": "89000,459000,91000,461000", "bbox-crs": RD_CRS_URI}
    assert first["user_agent"].startswith("wlr_geo/")
    # the next link keeps every parameter
    assert server.log[1]["query"]["bbox-crs"] == RD_CRS_URI and server.log[1]["offset"] == 2


@pytest.mark.network
def test_relative_next_links_are_resolved(server, tmp_path):
    server.collections["wijken"] = make_features(5)
    server.relative_links = True
    res = download_collection(query_for(server), cache_dir=tmp_path, settings=FAST)
    assert server.offsets() == [0, 2, 4] and res.feature_count == 5


@pytest.mark.network
def test_next_link_to_a_page_already_fetched_is_an_error(server, tmp_path):
    server.collections["wijken"] = make_features(1)
    server.self_loop = True
    with pytest.raises(DownloadError, match="points back to a page already fetched"):
        download_collection(query_for(server), cache_dir=tmp_path, settings=FAST)


# ------------------------------------------------------------------------------ failures


@pytest.mark.network
def test_http_500_then_success_is_retried(server, tmp_path):
    server.collections["wijken"] = make_features(5)
    server.faults[("wijken", 2)] = ["500"]
    res = download_collection(query_for(server), cache_dir=tmp_path, settings=FAST)
    assert server.offsets() == [0, 2, 2, 4]
    assert res.feature_count == 5


@pytest.mark.network
def test_retry_after_header_is_honoured(server, tmp_path):
    server.collections["wijken"] = make_features(1)
    server.faults[("wijken", 0)] = ["503-retry-after"]
    slept: list[float] = []
    settings = DownloadSettings(timeout_s=5, retries=2, backoff_base_s=0.01, backoff_max_s=60,
                                rate_limit_per_s=0, page_limit=2)
    client = HttpClient(settings, sleep=slept.append)
    res = download_collection(query_for(server), cache_dir=tmp_path, client=client)
    assert slept == [7.0]
    assert res.feature_count == 1


@pytest.mark.network
def test_timeout_then_success(server, tmp_path):
    server.collections["wijken"] = make_features(3)
    server.faults[("wijken", 0)] = ["sleep"]
    server.sleep_s = 0.6
    settings = DownloadSettings(timeout_s=0.2, retries=2, backoff_base_s=0.01, backoff_max_s=0.02,
                                rate_limit_per_s=0, page_limit=2)
    res = download_collection(query_for(server), cache_dir=tmp_path, settings=settings)
    assert server.offsets() == [0, 0, 2]
    assert res.feature_count == 3


@pytest.mark.network
def test_timeout_on_every_attempt_gives_clear_error_and_no_entry(server, tmp_path):
    server.collections["wijken"] = make_features(3)
    server.always[("wijken", 0)] = "sleep"
    server.sleep_s = 0.5
    settings = DownloadSettings(timeout_s=0.2, retries=1, backoff_base_s=0.01, backoff_max_s=0.02,
                                rate_limit_per_s=0, page_limit=2)
    q = query_for(server)
    with pytest.raises(DownloadError, match=r"timed out after 0\.2 s") as info:
        download_collection(q, cache_dir=tmp_path, settings=settings)
    assert q.url in str(info.value) and "2 attempt(s)" in str(info.value)
    assert read_cache_entry(q.entry_dir(tmp_path)) is None
    assert "data.gpkg" not in entry_files(q.entry_dir(tmp_path))


@pytest.mark.network
def test_truncated_body_is_retried(server, tmp_path):
    server.collections["wijken"] = make_features(5)
    server.faults[("wijken", 2)] = ["truncate"]
    res = download_collection(query_for(server), cache_dir=tmp_path, settings=FAST)
    assert server.offsets() == [0, 2, 2, 4] and res.feature_count == 5


@pytest.mark.network
def test_truncated_body_every_time_fails_without_complete_entry(server, tmp_path):
    server.collections["wijken"] = make_features(5)
    server.always[("wijken", 2)] = "truncate"
    q = query_for(server)
    with pytest.raises(DownloadError, match="truncated response"):
        download_collection(q, cache_dir=tmp_path, settings=FAST)
    assert server.offsets() == [0, 2, 2, 2]
    assert entry_files(q.entry_dir(tmp_path)) == [".partial"]  # only resumable work, nothing final
    assert read_cache_entry(q.entry_dir(tmp_path)) is None


@pytest.mark.network
def test_wrong_number_returned_is_a_truncated_page(server, tmp_path):
    server.collections["wijken"] = make_features(3)
    server.always[("wijken", 0)] = "wrong-returned"
    with pytest.raises(DownloadError, match="truncated page: numberReturned is 3 but it holds 2"):
        download_collection(query_for(server), cache_dir=tmp_path, settings=FAST)


@pytest.mark.network
def test_malformed_json_once_is_retried_and_always_fails_clearly(server, tmp_path):
    server.collections["wijken"] = make_features(3)
    server.faults[("wijken", 0)] = ["malformed"]
    res = download_collection(query_for(server), cache_dir=tmp_path, settings=FAST)
    assert res.feature_count == 3 and server.offsets() == [0, 0, 2]

    server.always[("wijken", 0)] = "malformed"
    q = query_for(server, collection="wijken", area=Area((0, 300_000, 1, 300_001), "other"))
    with pytest.raises(DownloadError, match="malformed JSON") as info:
        download_collection(q, cache_dir=tmp_path, settings=FAST)
    assert "collections/wijken/items" in str(info.value)
    assert read_cache_entry(q.entry_dir(tmp_path)) is None


@pytest.mark.network
def test_empty_collection_is_a_valid_result_with_a_note(server, tmp_path):
    server.collections["natura2000"] = []
    q = query_for(server, collection="natura2000", dataset="natura2000")
    res = download_collection(q, cache_dir=tmp_path, settings=FAST)
    assert res.feature_count == 0 and res.provenance["pages"] == 1
    assert any("0 features" in n for n in res.notes)
    assert len(res.read()) == 0
    out = export_results([res], tmp_path / "out", area=AREA)
    assert read_layer(tmp_path / "out" / "natura2000.gpkg", "natura2000", allow_empty=True).empty
    assert out.selected_features == {("natura2000", "natura2000"): 0}


@pytest.mark.network
def test_http_404_fails_at_once_with_hint(server, tmp_path):
    q = query_for(server, collection="nonexistent")
    with pytest.raises(DownloadError, match=r"HTTP 404.*collection name"):
        download_collection(q, cache_dir=tmp_path, settings=FAST)
    assert len(server.log) == 1


@pytest.mark.network
def test_number_matched_mismatch_restarts_once_then_fails_and_discards(server, tmp_path):
    server.collections["wijken"] = make_features(3)
    server.number_matched["wijken"] = 99
    q = query_for(server)
    with pytest.raises(DownloadError, match="numberMatched is 99 but the pages held 3"):
        download_collection(q, cache_dir=tmp_path, settings=FAST)
    assert server.offsets() == [0, 2, 0, 2]  # one full restart
    assert entry_files(q.entry_dir(tmp_path)) == []


@pytest.mark.network
def test_wrong_content_crs_is_rejected(server, tmp_path):
    server.collections["wijken"] = make_features(1)
    server.content_crs = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    with pytest.raises(DownloadError, match=r"CRS84.*not the requested"):
        download_collection(query_for(server), cache_dir=tmp_path, settings=FAST)


@pytest.mark.network
def test_degree_coordinates_are_rejected(server, tmp_path):
    server.collections["wijken"] = make_features(2, x0=4.5, y0=52.1)
    server.content_crs = None  # a server that ignores the crs parameter silently
    q = query_for(server)
    with pytest.raises(DownloadError, match="not RD metres"):
        download_collection(q, cache_dir=tmp_path, settings=FAST)
    assert read_cache_entry(q.entry_dir(tmp_path)) is None


@pytest.mark.network
def test_cbs_no_data_values_are_stored_as_null(server, tmp_path):
    feats = make_features(2, props={"aantal_inwoners": 100})
    feats[1]["properties"]["aantal_inwoners"] = -99997
    server.collections["wijken"] = feats
    res = download_collection(query_for(server), cache_dir=tmp_path, settings=FAST)
    gdf = res.read()
    assert gdf["aantal_inwoners"].iloc[0] == 100 and gdf["aantal_inwoners"].isna().iloc[1]
    assert any("-99997" in n for n in res.provenance["notes"])


# ------------------------------------------------------------------------------ resume, cache


@pytest.mark.network
def test_resume_after_interruption_requests_only_missing_pages(server, tmp_path):
    server.collections["wijken"] = make_features(5)
    server.always[("wijken", 4)] = "500"
    q = query_for(server)
    settings = DownloadSettings(timeout_s=5, retries=1, backoff_base_s=0.01, backoff_max_s=0.02,
                                rate_limit_per_s=0, page_limit=2)
    with pytest.raises(DownloadError, match=r"HTTP 500.*resumes from here"):
        download_collection(q, cache_dir=tmp_path, settings=settings)
    assert server.offsets() == [0, 2, 4, 4]
    entry_dir = q.entry_dir(tmp_path)
    assert entry_files(entry_dir) == [".partial"]
    assert sorted(p.name for p in (entry_dir / ".partial").iterdir()) == [
        "page-000001.json", "page-000002.json", "state.json"]

    server.always.clear()
    server.log.clear()
    res = download_collection(q, cache_dir=tmp_path, settings=settings)
    assert server.offsets() == [4]  # pages 1-2 were not requested again
    assert res.feature_count == 5 and res.provenance["resumed_from_page"] == 3
    assert list(res.read()["nr"]) == [0, 1, 2, 3, 4]
    assert entry_files(entry_dir) == ["data.gpkg", "provenance.json"]


@pytest.mark.network
def test_refresh_drops_a_partial_download(server, tmp_path):
    server.collections["wijken"] = make_features(5)
    server.always[("wijken", 4)] = "500"
    q = query_for(server)
    with pytest.raises(DownloadError):
        download_collection(q, cache_dir=tmp_path, settings=FAST)
    server.always.clear()
    server.log.clear()
    download_collection(q, cache_dir=tmp_path, settings=FAST, refresh=True)
    assert server.offsets() == [0, 2, 4]


@pytest.mark.network
def test_cache_hit_and_offline_touch_no_network(server, tmp_path):
    server.collections["wijken"] = make_features(3)
    q = query_for(server)
    first = download_collection(q, cache_dir=tmp_path, settings=FAST)
    n = len(server.log)
    again = download_collection(q, cache_dir=tmp_path, settings=FAST)
    offline = download_collection(q, cache_dir=tmp_path, settings=FAST, offline=True)
    assert len(server.log) == n
    assert again.from_cache and offline.from_cache
    assert again.provenance["sha256"] == first.provenance["sha256"]


@pytest.mark.network
def test_offline_without_cache_is_a_clear_error(server, tmp_path):
    server.collections["wijken"] = make_features(3)
    with pytest.raises(DownloadError, match="offline: no complete cached download of wijken/wijken"):
        download_collection(query_for(server), cache_dir=tmp_path, settings=FAST, offline=True)
    assert server.log == []


def _age_entry(entry_dir: Path, days: float) -> None:
    prov_path = entry_dir / "provenance.json"
    prov = json.loads(prov_path.read_text())
    old = datetime.now(UTC) - timedelta(days=days)
    prov["download_end_utc"] = old.strftime("%Y-%m-%dT%H:%M:%SZ")
    prov_path.write_text(json.dumps(prov))


@pytest.mark.network
def test_cache_expiry_downloads_again_and_offline_uses_stale_copy(server, tmp_path):
    server.collections["wijken"] = make_features(3)
    q = query_for(server)
    settings = DownloadSettings(timeout_s=5, retries=1, backoff_base_s=0.01, rate_limit_per_s=0,
                                page_limit=2, max_age_days=30)
    download_collection(q, cache_dir=tmp_path, settings=settings)
    _age_entry(q.entry_dir(tmp_path), 10)
    server.log.clear()
    assert download_collection(q, cache_dir=tmp_path, settings=settings).from_cache
    assert server.log == []

    _age_entry(q.entry_dir(tmp_path), 40)
    stale = download_collection(q, cache_dir=tmp_path, settings=settings, offline=True)
    assert stale.from_cache and "40 days old" in stale.notes[0] and server.log == []

    fresh = download_collection(q, cache_dir=tmp_path, settings=settings)
    assert not fresh.from_cache and server.offsets() == [0, 2]
    assert fresh.entry.age_days() < 1 and "40 days old" in fresh.provenance["notes"][0]


@pytest.mark.network
def test_corrupt_cached_file_is_detected_and_downloaded_again(server, tmp_path):
    server.collections["wijken"] = make_features(3)
    q = query_for(server)
    res = download_collection(q, cache_dir=tmp_path, settings=FAST)
    data = res.entry.data_path
    raw = bytearray(data.read_bytes())
    raw[-10] ^= 0xFF
    data.write_bytes(bytes(raw))
    assert read_cache_entry(q.entry_dir(tmp_path)) is None
    server.log.clear()
    again = download_collection(q, cache_dir=tmp_path, settings=FAST)
    assert not again.from_cache and server.offsets() == [0, 2]
    assert read_cache_entry(q.entry_dir(tmp_path)) is not None


@pytest.mark.network
def test_failed_refresh_keeps_the_earlier_complete_entry_intact(server, tmp_path):
    server.collections["wijken"] = make_features(3)
    q = query_for(server)
    first = download_collection(q, cache_dir=tmp_path, settings=FAST)
    server.always[("wijken", 2)] = "malformed"
    with pytest.raises(DownloadError):
        download_collection(q, cache_dir=tmp_path, settings=FAST, refresh=True)
    kept = read_cache_entry(q.entry_dir(tmp_path))
    assert kept is not None and kept.provenance["sha256"] == first.provenance["sha256"]


# ------------------------------------------------------------------------------ catalogue, export


@pytest.mark.network
def test_registered_entries_carry_provenance(server, tmp_path):
    server.collections["wijken"] = make_features(3)
    res = download_collection(query_for(server), cache_dir=tmp_path / "cache", settings=FAST, area=AREA)
    entries = registered_entries(tmp_path / "cache")
    assert len(entries) == 1
    e = entries[0]
    assert e.name == "wijken_wijken" and e.theme == "districts" and e.status == "real"
    assert e.features == 3 and e.layer == "wijken" and e.path == res.entry.data_path
    assert e.provenance["sha256"] == res.provenance["sha256"]
    assert e.publisher == DATASETS["wijken"].publisher and e.date == res.provenance["download_end_utc"][:10]
    assert "test box" in e.title
    # a second area of the same collection gets a distinct name
    download_collection(query_for(server, area=Area((0, 300_000, 10, 300_010), "b")),
                        cache_dir=tmp_path / "cache", settings=FAST)
    names = sorted(x.name for x in registered_entries(tmp_path / "cache"))
    assert len(names) == 2 and all(n.startswith("wijken_wijken_") for n in names)


def test_registered_entries_of_missing_cache_is_empty(tmp_path):
    assert registered_entries(tmp_path / "nothing") == []


@pytest.mark.network
def test_export_selects_to_area_and_writes_loadable_catalog(server, tmp_path):
    server.collections["wijken"] = make_features(5)  # x 90000..90040
    polygon = box(89_990, 459_990, 90_015, 460_100)  # holds features 0 and 1
    area = Area(bbox=(89_000.0, 459_000.0, 91_000.0, 461_000.0), description="poly",
                geometry=polygon, kind="gemeente")
    results = fetch(["wijken"], area, cache_dir=tmp_path / "c", settings=FAST,
                    base_urls={"wijken": server.url + "/x"})
    out = export_results(results, tmp_path / "out", area=area)
    gdf = read_layer(tmp_path / "out" / "wijken.gpkg", "wijken")
    assert sorted(gdf["nr"]) == [0, 1]
    assert out.selected_features == {("wijken", "wijken"): 2}
    cat = load_catalog(tmp_path / "out" / "catalog.toml")
    e = cat["wijken"]
    assert e.path == tmp_path / "out" / "wijken.gpkg" and e.layer == "wijken" and e.features == 2
    assert e.provenance["sha256"] == results[0].provenance["sha256"]
    assert e.provenance["query"]["bbox-crs"] == RD_CRS_URI
    assert e.provenance["selected_features"] == 2 and e.provenance["feature_count"] == 5
    prov = json.loads((tmp_path / "out" / "provenance.json").read_text())
    assert prov[0]["request_url"].startswith(server.url + "/x/collections/wijken/items?")


# ------------------------------------------------------------------------------ HTTP client units


def test_rate_limit_waits_between_requests():
    slept: list[float] = []
    client = HttpClient(DownloadSettings(rate_limit_per_s=10), sleep=slept.append)
    client._throttle()
    client._throttle()
    assert len(slept) == 1 and 0 < slept[0] <= 0.1


def test_backoff_grows_exponentially_with_jitter_and_cap():
    client = HttpClient(DownloadSettings(backoff_base_s=1.0, backoff_max_s=5.0))
    for attempt, full in ((0, 1.0), (1, 2.0), (2, 4.0), (5, 5.0)):
        for _ in range(20):
            assert 0.5 * full <= client.backoff(attempt) <= full


def test_next_link_prefers_geojson_and_resolves_relative():
    doc = {"links": [{"rel": "next", "type": "text/html", "href": "/h?p=2"},
                     {"rel": "next", "type": "application/geo+json", "href": "items?p=2"}]}
    assert next_link(doc, "http://h/a/collections/c/items?p=1") == "http://h/a/collections/c/items?p=2"
    assert next_link({"links": [{"rel": "self", "href": "x"}]}, "http://h/") is None


def test_only_http_urls_are_fetched():
    with pytest.raises(DownloadError, match="only http"):
        HttpClient(FAST).get_page("file:///etc/passwd")


# ------------------------------------------------------------------------------ registry, areas


def test_registry_has_every_dataset_of_the_issue():
    assert set(DATASETS) == {"gemeenten", "wijken", "buurten", "bgt", "bag", "natura2000", "wegen", "spoor"}
    for d in DATASETS.values():
        assert d.base_url().startswith("https://api.pdok.nl/") and "/ogc/" in d.path
        assert d.url_status in ("confirmed", "best knowledge") and d.collections


def test_base_url_overrides(monkeypatch):
    ds = DATASETS["wijken"]
    monkeypatch.delenv("WLR_GEO_PDOK_ROOT", raising=False)
    monkeypatch.delenv("WLR_GEO_PDOK_URL_WIJKEN", raising=False)
    assert resolve_base_url(ds) == "https://api.pdok.nl/cbs/wijken-en-buurten-2024/ogc/v1"
    assert resolve_base_url(ds, api_root="http://127.0.0.1:9/") == "http://127.0.0.1:9/cbs/wijken-en-buurten-2024/ogc/v1"
    monkeypatch.setenv("WLR_GEO_PDOK_URL_WIJKEN", "http://env/w/")
    assert resolve_base_url(ds) == "http://env/w"
    ov = parse_base_url_overrides(["wijken=http://one/", "http://all"])
    assert ov == {"wijken": "http://one/", "*": "http://all"}
    assert resolve_base_url(ds, overrides=ov) == "http://one"
    assert resolve_base_url(DATASETS["bag"], overrides=ov) == "http://all"
    with pytest.raises(WlrGeoInputError, match="unknown dataset 'nope'"):
        parse_base_url_overrides(["nope=http://x"])
    with pytest.raises(WlrGeoInputError, match="not an http"):
        parse_base_url_overrides(["ftp://x"])


def test_area_from_gemeenten_matches_embedded_boundaries():
    gm = gpd.read_file(embedded_path("boundaries.gpkg"), layer="municipalities")
    sel = gm[gm["gm_code"].isin(["GM0546", "GM0547"])]
    area = area_from_gemeenten(["GM0546", "0547"])
    assert area.bbox == pytest.approx(tuple(sel.total_bounds))
    assert area.geometry.area == pytest.approx(sel.union_all().area)
    assert area.description == "gemeente GM0546, GM0547"


def test_area_from_unknown_gemeente_lists_known_codes():
    with pytest.raises(WlrGeoInputError, match=r"unknown municipality code.*GM9999") as info:
        area_from_gemeenten(["GM9999"])
    assert "GM0546" in str(info.value)


@pytest.mark.parametrize(("text", "match"), [
    ("1,2,3", "four finite numbers"),
    ("a,b,c,d", "not four numbers"),
    ("100000,470000,90000,460000", "empty or inverted"),
    ("4.4,52.1,4.6,52.2", "look like degrees"),
])
def test_area_from_bbox_rejects_bad_boxes(text, match):
    with pytest.raises(WlrGeoInputError, match=match):
        area_from_bbox(text)


def test_area_from_bbox_and_query_string():
    area = area_from_bbox("90000.4, 455000, 100000.2, 470000")
    assert area.query_bbox() == "90000,455000,100001,470000"
    assert area.geometry is None


def test_area_from_route_buffers_the_route(tmp_path):
    route = gpd.GeoDataFrame({"naam": ["tracé"]}, geometry=[LineString([(90_000, 460_000), (92_000, 460_000)])],
                             crs=28992)
    path = write_layer(route, tmp_path / "route.gpkg", "trace")
    area = area_from_route(f"{path}:trace", buffer_m=500)
    assert area.bbox == pytest.approx((89_500, 459_500, 92_500, 460_500), abs=1e-6)
    assert shapely.contains(area.geometry, shapely.Point(91_000, 460_400))
    assert not shapely.contains(area.geometry, shapely.Point(89_600, 460_400))  # the round cap


# ------------------------------------------------------------------------------ CLI


def test_fetch_help_documents_datasets_and_area_options(capsys):
    assert main(["fetch", "--help"]) == 0
    out = capsys.readouterr().out
    for word in ("--gemeente", "--bbox", "--route", "--buffer-m", "--offline", "--cache-dir",
                 "--refresh", "--max-age-days", "--list-datasets", "--base-url", *DATASETS):
        assert word in out


def test_fetch_list_datasets(capsys):
    assert main(["fetch", "--list-datasets"]) == 0
    out = capsys.readouterr().out
    assert "natura2000" in out and "wegvakken" in out


def test_fetch_needs_exactly_one_area(capsys, tmp_path):
    assert main(["fetch", "-d", "wijken", "-o", str(tmp_path)]) == 2
    assert "give exactly one area" in capsys.readouterr().err
    assert main(["fetch", "-d", "wijken", "-o", str(tmp_path), "--bbox", "1,2,3,4",
                 "--gemeente", "GM0546"]) == 2


def test_fetch_offline_without_cache_fails_clearly(capsys, tmp_path):
    code = main(["fetch", "--offline", "--bbox", "90000,460000,91000,461000", "-d", "natura2000",
                 "-o", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "cache"), "--no-progress"])
    assert code == 2
    err = capsys.readouterr().err
    assert "offline: no complete cached download of natura2000/natura2000" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.network
def test_fetch_cli_end_to_end_then_offline(server, tmp_path, capsys):
    server.collections["wegvakken"] = make_features(3)
    args = ["fetch", "--bbox", "89000,459000,91000,461000", "-d", "wegen", "-o", str(tmp_path / "out"),
            "--cache-dir", str(tmp_path / "cache"), "--api-root", server.url, "--rate-limit", "0",
            "--no-progress"]
    assert main(args) == 0
    assert server.log[0]["path"] == "/rws/nationaal-wegenbestand-wegen/ogc/v1/collections/wegvakken/items"
    cat = load_catalog(tmp_path / "out" / "catalog.toml")
    assert cat["wegen"].features == 3 and cat["wegen"].attribution == DATASETS["wegen"].attribution
    n = len(server.log)
    assert main([*args, "--offline"]) == 0
    assert len(server.log) == n
    out = capsys.readouterr().out
    assert "cache" in out and "catalog.toml" in out


@pytest.mark.network
def test_fetch_reads_fetch_table_of_a_project_config(server, tmp_path, capsys):
    server.collections["natura2000"] = make_features(2)
    cfg = tmp_path / "project.toml"
    cfg.write_text(
        '[project]\nname = "t"\n\n[fetch]\n'
        f'base_urls = {{ natura2000 = "{server.url}/n2k" }}\n'
        'cache_dir = "cache"\nrate_limit_per_s = 0\npage_size = 1\n'
    )
    assert main(["fetch", "--config", str(cfg), "--bbox", "89000,459000,91000,461000",
                 "-d", "natura2000", "-o", str(tmp_path / "out"), "--no-progress"]) == 0
    assert [r["path"] for r in server.log] == ["/n2k/collections/natura2000/items"] * 2
    assert server.log[0]["query"]["limit"] == "1"
    assert registered_entries(tmp_path / "cache")[0].features == 2

    cfg.write_text('[project]\nname = "t"\n\n[fetch]\nrate_limit = 3\n')
    assert main(["fetch", "--config", str(cfg), "--bbox", "89000,459000,91000,461000",
                 "-d", "natura2000", "-o", str(tmp_path / "out2")]) == 2
    assert "unknown key 'rate_limit'" in capsys.readouterr().err


# ------------------------------------------------------------------------------ robustness


@pytest.mark.network
def test_page_stored_after_last_state_update_is_fetched_again(server, tmp_path):
    server.collections["wijken"] = make_features(5)
    server.always[("wijken", 4)] = "500"
    q = query_for(server)
    with pytest.raises(DownloadError):
        download_collection(q, cache_dir=tmp_path, settings=FAST)
    partial = q.entry_dir(tmp_path) / ".partial"
    # an interruption between writing page 3 and updating state.json leaves a stray page
    (partial / "page-000003.json").write_text('{"type": "FeatureCollection", "features": []}')
    server.always.clear()
    server.log.clear()
    res = download_collection(q, cache_dir=tmp_path, settings=FAST)
    assert server.offsets() == [4] and res.feature_count == 5


@pytest.mark.network
def test_a_second_download_of_the_same_entry_is_refused_while_locked(server, tmp_path):
    fcntl = pytest.importorskip("fcntl")
    server.collections["wijken"] = make_features(1)
    q = query_for(server)
    entry = q.entry_dir(tmp_path)
    entry.mkdir(parents=True)
    with open(entry / ".lock", "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        with pytest.raises(DownloadError, match="another wlr-geo fetch is downloading wijken/wijken"):
            download_collection(q, cache_dir=tmp_path, settings=FAST)
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    assert server.log == []
    assert download_collection(q, cache_dir=tmp_path, settings=FAST).feature_count == 1


def test_select_in_area_drops_neighbours_that_only_touch():
    from wlr_geo.io.pdok.datasets import select_in_area

    area = Area(bbox=(0.0, 0.0, 10.0, 10.0), description="sq", geometry=box(0, 0, 10, 10))
    gdf = gpd.GeoDataFrame(
        {"naam": ["inside", "overlaps", "touches", "outside"]},
        geometry=[box(2, 2, 4, 4), box(8, 8, 12, 12), box(10, 0, 20, 10), box(30, 30, 40, 40)],
        crs=28992,
    )
    kept = select_in_area(gdf, area)
    assert list(kept["naam"]) == ["inside", "overlaps"]
    assert kept.geometry.iloc[1].area == pytest.approx(16.0)  # whole feature kept
    cut = select_in_area(gdf, area, cut=True)
    assert sorted(cut["naam"]) == ["inside", "overlaps"]
    assert cut.set_index("naam").geometry["overlaps"].area == pytest.approx(4.0)
    assert len(gdf) == 4  # input untouched
