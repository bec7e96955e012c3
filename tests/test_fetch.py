"""Tests of ``wlr-geo fetch``: the PDOK registry, areas, the downloader and its cache.

The downloader runs against a local stand-in for PDOK (``tests/_pdok_server.py``) that behaves
like PDOK's OGC API server: no ``numberMatched``, ``limit`` capped at 1000, 400 on unknown
parameters, absolute cursor ``rel=next`` links that keep ``crs``/``bbox``/``bbox-crs``, a
``Content-Crs`` header. Faults are injected on request: HTTP 500/503 (with ``Retry-After``), a
response slower than the client timeout, a truncated body, a malformed JSON body, a wrong
``numberReturned``, 404, looping or CRS-dropping next links. No test touches anything but
loopback. PDOK-specific behaviour (datasets, BGT, CBS, the BGT download API) is in
``test_fetch_pdok.py``; the fetch → impact/landing workflow in ``test_fetch_workflow.py``.
"""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

import geopandas as gpd
import pytest
import shapely
from _pdok_server import CRS84, RD, FakePdok, points, serve
from shapely.geometry import LineString, box

from wlr_geo import DownloadError, WlrGeoInputError
from wlr_geo.catalog import CatalogEntry, embedded_path, load_catalog
from wlr_geo.cli.main import main
from wlr_geo.io.pdok._http import DownloadSettings, HttpClient, PoliteRetry, next_link
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
    catalog_toml,
    download_collection,
    export_results,
    fetch,
    read_cache_entry,
    registered_entries,
)
from wlr_geo.io.vector import file_sha256, read_layer, write_layer


@pytest.fixture
def server(monkeypatch):
    # a proxy configured on the developer's machine must not intercept loopback requests
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with serve() as api:
        yield api


FAST = DownloadSettings(timeout_s=5.0, retries=2, backoff_base_s=0.01, backoff_max_s=0.05,
                        rate_limit_per_s=0, page_limit=2)
AREA = Area(bbox=(89_000.0, 459_000.0, 91_000.0, 461_000.0), description="test box")


def query_for(api: FakePdok, collection: str = "wijken", dataset: str = "wijken",
              area: Area | None = AREA, page_limit: int = 2) -> CollectionQuery:
    return CollectionQuery.build(dataset, api.url + "/cbs/test/ogc/v1", collection, area,
                                 page_limit=page_limit)


def entry_files(entry_dir: Path) -> list[str]:
    """Files of a cache entry, without the lock file."""
    return sorted(p.name for p in entry_dir.iterdir() if p.name != ".lock") if entry_dir.exists() else []


# ------------------------------------------------------------------------------ paging


@pytest.mark.network
def test_paging_follows_cursor_links_over_three_pages_without_number_matched(server, tmp_path):
    server.collections["wijken"] = points(5)
    q = query_for(server)
    res = download_collection(q, cache_dir=tmp_path, settings=FAST)
    assert server.offsets() == [0, 2, 4]
    assert res.feature_count == 5 and not res.from_cache
    prov = res.provenance
    assert prov["pages"] == 3 and prov["number_matched"] is None and prov["feature_count"] == 5
    checks = prov["page_checks"]
    assert checks["pages_with_number_returned"] == 3 and checks["ended_without_next_link"]
    assert checks["next_links_kept"] == ["crs", "bbox", "bbox-crs"] and checks["content_crs"] == RD
    assert (checks["requested_limit"], checks["largest_page"], checks["last_page"]) == (2, 2, 1)
    assert "numberMatched niet geleverd" in prov["checks_summary"]
    assert "numberReturned klopt op elke pagina" in prov["checks_summary"]
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
def test_a_server_capping_limit_silently_still_gives_every_feature(server, tmp_path):
    server.collections["wijken"] = points(7)
    server.max_limit = 3  # PDOK lowers a larger limit to its maximum without saying so
    res = download_collection(query_for(server, page_limit=1000), cache_dir=tmp_path, settings=FAST)
    assert server.offsets() == [0, 3, 6] and res.feature_count == 7
    checks = res.provenance["page_checks"]
    assert (checks["requested_limit"], checks["largest_page"], checks["last_page"]) == (1000, 3, 1)


@pytest.mark.network
def test_requests_carry_only_pdok_parameters_and_next_links_keep_them(server, tmp_path):
    server.collections["wijken"] = points(3)
    download_collection(query_for(server), cache_dir=tmp_path, settings=FAST)
    first, second = server.log
    assert first["path"] == "/cbs/test/ogc/v1/collections/wijken/items"
    assert first["query"] == {"f": "json", "limit": "2", "crs": RD,
                              "bbox": "89000,459000,91000,461000", "bbox-crs": RD}
    assert first["user_agent"].startswith("wlr_geo/")
    # the absolute next link keeps every parameter and adds the server's cursor
    assert {k: second["query"][k] for k in ("crs", "bbox", "bbox-crs", "limit")} == {
        k: first["query"][k] for k in ("crs", "bbox", "bbox-crs", "limit")}
    assert "cursor" in second["query"] and second["offset"] == 2


@pytest.mark.network
def test_relative_next_links_are_resolved(server, tmp_path):
    server.collections["wijken"] = points(5)
    server.relative_links = True
    res = download_collection(query_for(server), cache_dir=tmp_path, settings=FAST)
    assert server.offsets() == [0, 2, 4] and res.feature_count == 5


@pytest.mark.network
def test_next_link_to_a_page_already_fetched_is_an_error(server, tmp_path):
    server.collections["wijken"] = points(1)
    server.always[("wijken", 0)] = "self-loop"
    with pytest.raises(DownloadError, match="verwijst terug naar een pagina die al is opgehaald"):
        download_collection(query_for(server), cache_dir=tmp_path, settings=FAST)


@pytest.mark.network
def test_next_link_that_drops_crs_is_not_followed(server, tmp_path):
    server.collections["wijken"] = points(3)
    server.always[("wijken", 0)] = "drop-crs-in-next"
    q = query_for(server)
    with pytest.raises(DownloadError, match=r"next-link van de server laat crs weg.*coördinatenstelsels door elkaar"):
        download_collection(q, cache_dir=tmp_path, settings=FAST)
    assert server.offsets() == [0] and read_cache_entry(q.entry_dir(tmp_path)) is None


@pytest.mark.network
def test_next_link_to_another_host_is_not_followed(server, tmp_path):
    server.collections["wijken"] = points(3)
    server.always[("wijken", 0)] = "foreign-next"
    with pytest.raises(DownloadError, match=r"andere host \(http://127.0.0.2:9\)"):
        download_collection(query_for(server), cache_dir=tmp_path, settings=FAST)
    assert server.offsets() == [0]


# ------------------------------------------------------------------------------ failures


@pytest.mark.network
def test_http_500_then_success_is_retried(server, tmp_path):
    server.collections["wijken"] = points(5)
    server.faults[("wijken", 2)] = ["500"]
    res = download_collection(query_for(server), cache_dir=tmp_path, settings=FAST)
    assert server.offsets() == [0, 2, 2, 4]
    assert res.feature_count == 5


@pytest.mark.network
def test_retry_after_header_is_honoured(server, tmp_path):
    server.collections["wijken"] = points(1)
    server.faults[("wijken", 0)] = ["503-retry-after"]
    slept: list[float] = []
    settings = DownloadSettings(timeout_s=5, retries=2, backoff_base_s=0.01, backoff_max_s=60,
                                rate_limit_per_s=0, page_limit=2)
    client = HttpClient(settings, sleep=slept.append)
    res = download_collection(query_for(server), cache_dir=tmp_path, client=client)
    assert slept == [7.0]
    assert res.feature_count == 1


@pytest.mark.network
def test_retry_after_is_capped_at_backoff_max(server, tmp_path):
    server.collections["wijken"] = points(1)
    server.faults[("wijken", 0)] = ["503-retry-after"]
    slept: list[float] = []
    settings = DownloadSettings(timeout_s=5, retries=2, backoff_base_s=0.01, backoff_max_s=2.5,
                                rate_limit_per_s=0, page_limit=2)
    download_collection(query_for(server), cache_dir=tmp_path, client=HttpClient(settings, sleep=slept.append))
    assert slept == [2.5]


@pytest.mark.network
def test_timeout_then_success(server, tmp_path):
    server.collections["wijken"] = points(3)
    server.faults[("wijken", 0)] = ["sleep"]
    server.sleep_s = 0.6
    settings = DownloadSettings(timeout_s=0.2, retries=2, backoff_base_s=0.01, backoff_max_s=0.02,
                                rate_limit_per_s=0, page_limit=2)
    res = download_collection(query_for(server), cache_dir=tmp_path, settings=settings)
    assert server.offsets() == [0, 0, 2]
    assert res.feature_count == 3


@pytest.mark.network
def test_timeout_on_every_attempt_gives_clear_error_and_no_entry(server, tmp_path):
    server.collections["wijken"] = points(3)
    server.always[("wijken", 0)] = "sleep"
    server.sleep_s = 0.5
    settings = DownloadSettings(timeout_s=0.2, retries=1, backoff_base_s=0.01, backoff_max_s=0.02,
                                rate_limit_per_s=0, page_limit=2)
    q = query_for(server)
    with pytest.raises(DownloadError, match=r"time-out na 0,2 s") as info:
        download_collection(q, cache_dir=tmp_path, settings=settings)
    assert q.url in str(info.value) and "2 poging(en)" in str(info.value)
    assert server.offsets() == [0, 0]
    assert read_cache_entry(q.entry_dir(tmp_path)) is None
    assert "data.gpkg" not in entry_files(q.entry_dir(tmp_path))


@pytest.mark.network
def test_truncated_body_is_retried(server, tmp_path):
    server.collections["wijken"] = points(5)
    server.faults[("wijken", 2)] = ["truncate"]
    res = download_collection(query_for(server), cache_dir=tmp_path, settings=FAST)
    assert server.offsets() == [0, 2, 2, 4] and res.feature_count == 5


@pytest.mark.network
def test_truncated_body_every_time_fails_without_complete_entry(server, tmp_path):
    server.collections["wijken"] = points(5)
    server.always[("wijken", 2)] = "truncate"
    q = query_for(server)
    with pytest.raises(DownloadError, match="afgekapt antwoord"):
        download_collection(q, cache_dir=tmp_path, settings=FAST)
    assert server.offsets() == [0, 2, 2, 2]
    assert entry_files(q.entry_dir(tmp_path)) == [".partial"]  # only resumable work, nothing final
    assert read_cache_entry(q.entry_dir(tmp_path)) is None


@pytest.mark.network
def test_wrong_number_returned_is_a_truncated_page(server, tmp_path):
    server.collections["wijken"] = points(3)
    server.always[("wijken", 0)] = "wrong-returned"
    with pytest.raises(DownloadError, match="afgekapte pagina: numberReturned is 3 maar de pagina bevat 2 objecten"):
        download_collection(query_for(server), cache_dir=tmp_path, settings=FAST)
    assert server.offsets() == [0, 0, 0]


@pytest.mark.network
def test_malformed_json_once_is_retried_and_always_fails_clearly(server, tmp_path):
    server.collections["wijken"] = points(3)
    server.faults[("wijken", 0)] = ["malformed"]
    res = download_collection(query_for(server), cache_dir=tmp_path, settings=FAST)
    assert res.feature_count == 3 and server.offsets() == [0, 0, 2]

    server.always[("wijken", 0)] = "malformed"
    q = query_for(server, collection="wijken", area=Area((0, 300_000, 1, 300_001), "other"))
    with pytest.raises(DownloadError, match="ongeldige JSON") as info:
        download_collection(q, cache_dir=tmp_path, settings=FAST)
    assert "collections/wijken/items" in str(info.value)
    assert read_cache_entry(q.entry_dir(tmp_path)) is None


@pytest.mark.network
def test_empty_collection_is_a_valid_result_with_a_note(server, tmp_path):
    server.collections["natura2000"] = []
    q = query_for(server, collection="natura2000", dataset="natura2000")
    res = download_collection(q, cache_dir=tmp_path, settings=FAST)
    assert res.feature_count == 0 and res.provenance["pages"] == 1
    assert any("0 objecten" in n for n in res.notes)
    assert len(res.read()) == 0
    out = export_results([res], tmp_path / "out", area=AREA)
    assert read_layer(tmp_path / "out" / "natura2000.gpkg", "natura2000", allow_empty=True).empty
    assert out.selected_features == {("natura2000", "natura2000"): 0}


@pytest.mark.network
def test_http_404_fails_at_once_with_hint(server, tmp_path):
    q = query_for(server, collection="nonexistent")
    with pytest.raises(DownloadError, match=r"HTTP 404.*collection nonexistent not found.*collectienaam"):
        download_collection(q, cache_dir=tmp_path, settings=FAST)
    assert len(server.log) == 1


@pytest.mark.network
def test_http_400_on_an_unknown_parameter_fails_at_once_naming_it(server):
    server.collections["wijken"] = points(1)
    url = server.url + "/x/collections/wijken/items?f=json&skipGeometry=true"
    with pytest.raises(DownloadError, match=r"HTTP 400.*unknown query parameter\(s\) found: skipGeometry"):
        HttpClient(FAST).get_page(url)
    assert len(server.log) == 1


@pytest.mark.network
def test_number_matched_of_other_servers_is_checked_mismatch_restarts_once(server, tmp_path):
    server.collections["wijken"] = points(3)
    server.number_matched["wijken"] = 99
    q = query_for(server)
    with pytest.raises(DownloadError, match="numberMatched is 99 maar de pagina's bevatten 3"):
        download_collection(q, cache_dir=tmp_path, settings=FAST)
    assert server.offsets() == [0, 2, 0, 2]  # one full restart
    assert entry_files(q.entry_dir(tmp_path)) == []

    server.number_matched["wijken"] = 3
    res = download_collection(q, cache_dir=tmp_path, settings=FAST)
    assert res.provenance["number_matched"] == 3 and "numberMatched 3 klopt" in res.provenance["checks_summary"]


@pytest.mark.network
def test_wrong_content_crs_is_rejected(server, tmp_path):
    server.collections["wijken"] = points(1)
    server.content_crs = CRS84
    with pytest.raises(DownloadError, match=r"CRS84.*niet in het gevraagde"):
        download_collection(query_for(server), cache_dir=tmp_path, settings=FAST)


@pytest.mark.network
def test_server_ignoring_crs_is_caught_by_the_bounds_check(server, tmp_path):
    server.collections["wijken"] = points(2)
    server.ignore_crs = True  # serves lon/lat whatever crs asks ...
    server.content_crs = None  # ... and does not say so
    q = query_for(server)
    with pytest.raises(DownloadError, match=r"geen RD-meters.*negeerde waarschijnlijk crs"):
        download_collection(q, cache_dir=tmp_path, settings=FAST)
    assert read_cache_entry(q.entry_dir(tmp_path)) is None


@pytest.mark.network
def test_unreadable_geometry_names_the_feature(server, tmp_path):
    feats = points(3)
    feats[1]["geometry"] = {"type": "Polygon", "coordinates": [[[90_000, 460_000], [90_001]]]}
    server.collections["wijken"] = feats
    with pytest.raises(DownloadError, match="object f1 heeft een onleesbare geometrie"):
        download_collection(query_for(server), cache_dir=tmp_path, settings=FAST)


@pytest.mark.network
def test_missing_content_crs_is_recorded_not_fatal(server, tmp_path):
    server.collections["wijken"] = points(2)
    server.content_crs = None
    res = download_collection(query_for(server), cache_dir=tmp_path, settings=FAST)
    assert res.provenance["page_checks"]["content_crs"] is None
    assert "geen Content-Crs-header" in res.provenance["checks_summary"]


# ------------------------------------------------------------------------------ resume, cache


@pytest.mark.network
def test_resume_after_interruption_requests_only_missing_pages(server, tmp_path):
    server.collections["wijken"] = points(5)
    server.always[("wijken", 4)] = "500"
    q = query_for(server)
    settings = DownloadSettings(timeout_s=5, retries=1, backoff_base_s=0.01, backoff_max_s=0.02,
                                rate_limit_per_s=0, page_limit=2)
    with pytest.raises(DownloadError, match=r"HTTP 500.*2 poging\(en\).*gaat hier verder"):
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
    assert res.provenance["page_checks"]["pages"] == 3
    assert list(res.read()["nr"]) == [0, 1, 2, 3, 4]
    assert entry_files(entry_dir) == ["data.gpkg", "provenance.json"]


@pytest.mark.network
def test_refresh_drops_a_partial_download(server, tmp_path):
    server.collections["wijken"] = points(5)
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
    server.collections["wijken"] = points(3)
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
    server.collections["wijken"] = points(3)
    with pytest.raises(DownloadError, match="offline: geen volledige download van wijken/wijken"):
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
    server.collections["wijken"] = points(3)
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
    assert stale.from_cache and "40 dagen oud" in stale.notes[0] and server.log == []

    fresh = download_collection(q, cache_dir=tmp_path, settings=settings)
    assert not fresh.from_cache and server.offsets() == [0, 2]
    assert fresh.entry.age_days() < 1 and "40 dagen oud" in fresh.provenance["notes"][0]


@pytest.mark.network
def test_corrupt_cached_file_is_detected_and_downloaded_again(server, tmp_path):
    server.collections["wijken"] = points(3)
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
    server.collections["wijken"] = points(3)
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
    server.collections["wijken"] = points(3)
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
    server.collections["wijken"] = points(5)  # x 90000..90040
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
    assert e.provenance["page_checks"]["ended_without_next_link"] is True
    prov = json.loads((tmp_path / "out" / "provenance.json").read_text())
    assert prov[0]["request_url"].startswith(server.url + "/x/collections/wijken/items?")


def test_catalog_toml_is_written_by_tomli_w_and_round_trips_awkward_text():
    awkward = 'quote " backslash \\ newline\nand [brackets] = "x"; ünicode, tab\t'
    entry = CatalogEntry(
        name="x", theme="districts", file="x.gpkg", publisher="p", licence="CC0 1.0", date="2026-01-01",
        accuracy="a", status="real", attribution="a", notes=awkward, id_column="wk_code",
        columns={"wijk_name": "wk_naam"},
        provenance={"query": {"bbox-crs": RD}, "number_matched": None, "notes": [awkward, None],
                    "page_checks": {"pages": 2, "content_crs": None}},
    )
    text = catalog_toml([entry], header="line one\nline two")
    assert text.startswith("# line one\n# line two\n")
    doc = tomllib.loads(text)
    layer = doc["layer"][0]
    assert layer["notes"] == awkward and layer["provenance"]["notes"] == [awkward]
    assert layer["id_column"] == "wk_code" and layer["columns"] == {"wijk_name": "wk_naam"}
    assert "number_matched" not in layer["provenance"]  # None is left out, not written as text
    assert layer["provenance"]["page_checks"] == {"pages": 2}


# ------------------------------------------------------------------------------ HTTP client units


def test_rate_limit_waits_between_requests():
    slept: list[float] = []
    client = HttpClient(DownloadSettings(rate_limit_per_s=10), sleep=slept.append)
    client._throttle()
    client._throttle()
    assert len(slept) == 1 and 0 < slept[0] <= 0.1


def test_backoff_is_urllib3s_exponential_schedule_with_jitter_and_cap():
    client = HttpClient(DownloadSettings(retries=10, backoff_base_s=1.0, backoff_max_s=5.0))
    retry = client.retry_policy()
    assert isinstance(retry, PoliteRetry) and retry.backoff_jitter == 1.0
    # urllib3: no wait before the first retry, then base × 2^(n-1) plus up to `base` of jitter
    expected = {1: (0.0, 0.0), 2: (2.0, 3.0), 3: (4.0, 5.0), 4: (5.0, 5.0), 6: (5.0, 5.0)}
    for _ in range(6):
        retry = retry.increment(method="GET", url="http://h/", error=OSError("x"))
        n = len(retry.history)
        if n in expected:
            lo, hi = expected[n]
            for _ in range(20):
                assert lo <= retry.get_backoff_time() <= hi


def test_malformed_retry_after_falls_back_to_backoff():
    class Response:
        headers: ClassVar[dict[str, str]] = {"Retry-After": "soon, honestly"}

    retry = HttpClient(DownloadSettings()).retry_policy()
    assert retry.get_retry_after(Response()) is None


def test_next_link_prefers_geojson_and_resolves_relative():
    doc = {"links": [{"rel": "next", "type": "text/html", "href": "/h?p=2"},
                     {"rel": "next", "type": "application/geo+json", "href": "items?p=2"}]}
    assert next_link(doc, "http://h/a/collections/c/items?p=1") == "http://h/a/collections/c/items?p=2"
    assert next_link({"links": [{"rel": "self", "href": "x"}]}, "http://h/") is None


def test_only_http_urls_are_fetched():
    with pytest.raises(DownloadError, match="alleen http"):
        HttpClient(FAST).get_page("file:///etc/passwd")


def test_query_never_asks_more_than_1000_and_only_known_parameters():
    q = CollectionQuery.build("wijken", "http://h/s", "wijken", AREA, page_limit=5000)
    assert dict(q.params)["limit"] == "1000"
    assert set(dict(q.params)) == {"f", "limit", "crs", "bbox", "bbox-crs"}
    with_time = CollectionQuery.build("bgt", "http://h/s", "pand", None, datetime="2026-01-01T00:00:00Z")
    assert set(dict(with_time.params)) == {"f", "limit", "crs", "datetime"}
    assert with_time.key() != CollectionQuery.build("bgt", "http://h/s", "pand", None).key()


# ------------------------------------------------------------------------------ registry, areas


def test_registry_has_every_dataset_of_the_issue():
    assert set(DATASETS) == {"gemeenten", "wijken", "buurten", "bgt", "bag", "natura2000", "wegen", "spoor"}
    for d in DATASETS.values():
        assert d.base_url().startswith("https://api.pdok.nl/") and "/ogc/" in d.path
        assert d.url_status in ("confirmed", "best knowledge") and d.collections
        assert d.rd_output in ("confirmed", "best knowledge") and d.sources  # every entry names its source


def test_base_url_overrides(monkeypatch):
    ds = DATASETS["wijken"]
    year = ds.year
    monkeypatch.delenv("WLR_GEO_PDOK_ROOT", raising=False)
    monkeypatch.delenv("WLR_GEO_PDOK_URL_WIJKEN", raising=False)
    assert resolve_base_url(ds) == f"https://api.pdok.nl/cbs/wijken-en-buurten-{year}/ogc/v1"
    assert resolve_base_url(ds, api_root="http://127.0.0.1:9/") == f"http://127.0.0.1:9/cbs/wijken-en-buurten-{year}/ogc/v1"
    monkeypatch.setenv("WLR_GEO_PDOK_URL_WIJKEN", "http://env/w/")
    assert resolve_base_url(ds) == "http://env/w"
    ov = parse_base_url_overrides(["wijken=http://one/", "http://all"])
    assert ov == {"wijken": "http://one/", "*": "http://all"}
    assert resolve_base_url(ds, overrides=ov) == "http://one"
    assert resolve_base_url(DATASETS["bag"], overrides=ov) == "http://all"
    with pytest.raises(WlrGeoInputError, match="onbekende dataset 'nope'"):
        parse_base_url_overrides(["nope=http://x"])
    with pytest.raises(WlrGeoInputError, match="geen http"):
        parse_base_url_overrides(["ftp://x"])


def test_area_from_gemeenten_matches_embedded_boundaries():
    gm = gpd.read_file(embedded_path("boundaries.gpkg"), layer="municipalities")
    sel = gm[gm["gm_code"].isin(["GM0546", "GM0547"])]
    area = area_from_gemeenten(["GM0546", "0547"])
    assert area.bbox == pytest.approx(tuple(sel.total_bounds))
    assert area.geometry.area == pytest.approx(sel.union_all().area)
    assert area.description == "gemeente GM0546, GM0547"


def test_area_from_unknown_gemeente_lists_known_codes():
    with pytest.raises(WlrGeoInputError, match=r"onbekende gemeentecode.*GM9999") as info:
        area_from_gemeenten(["GM9999"])
    assert "GM0546" in str(info.value)


@pytest.mark.parametrize(("text", "match"), [
    ("1,2,3", "vier eindige getallen"),
    ("a,b,c,d", "geen reeks van vier getallen"),
    ("100000,470000,90000,460000", "leeg of omgekeerd"),
    ("4.4,52.1,4.6,52.2", "lijken graden"),
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
                 "--refresh", "--max-age-days", "--list-datasets", "--base-url", "--cbs-year",
                 "--bgt-source", "-o, --out", *DATASETS):
        assert word in out
    assert "--output" not in out  # the old spelling still works but is not advertised


def test_fetch_list_datasets(capsys):
    assert main(["fetch", "--list-datasets"]) == 0
    out = capsys.readouterr().out
    assert "natura2000" in out and "wegvakken" in out and "brk-bestuurlijke-gebieden" in out


def test_fetch_needs_exactly_one_area(capsys, tmp_path):
    assert main(["fetch", "-d", "wijken", "-o", str(tmp_path)]) == 2
    assert "geef precies één gebied op" in capsys.readouterr().err
    assert main(["fetch", "-d", "wijken", "-o", str(tmp_path), "--bbox", "1,2,3,4",
                 "--gemeente", "GM0546"]) == 2


def test_fetch_out_and_output_must_agree(capsys, tmp_path):
    assert main(["fetch", "-d", "wijken", "--bbox", "90000,460000,91000,461000",
                 "--out", str(tmp_path / "a"), "--output", str(tmp_path / "b")]) == 2
    assert "twee verschillende uitvoermappen" in capsys.readouterr().err


def test_fetch_offline_without_cache_fails_clearly(capsys, tmp_path):
    code = main(["fetch", "--offline", "--bbox", "90000,460000,91000,461000", "-d", "natura2000",
                 "-o", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "cache"), "--no-progress"])
    assert code == 2
    err = capsys.readouterr().err
    assert "offline: geen volledige download van natura2000/natura2000" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.network
@pytest.mark.parametrize("out_option", ["-o", "--out", "--output"])
def test_fetch_cli_end_to_end_then_offline(server, tmp_path, capsys, out_option):
    server.collections["wegvakken"] = points(3)
    args = ["fetch", "--bbox", "89000,459000,91000,461000", "-d", "wegen", out_option, str(tmp_path / "out"),
            "--cache-dir", str(tmp_path / "cache"), "--api-root", server.url, "--rate-limit", "0",
            "--no-progress"]
    assert main(args) == 0
    assert server.log[0]["path"] == "/rws/nationaal-wegenbestand-wegen/ogc/v1/collections/wegvakken/items"
    cat = load_catalog(tmp_path / "out" / "catalog.toml")
    assert cat["wegen"].features == 3 and cat["wegen"].attribution == DATASETS["wegen"].attribution
    n = len(server.log)
    assert main([*args, "--offline"]) == 0
    assert len(server.log) == n
    captured = capsys.readouterr()
    assert "cache" in captured.out and "catalog.toml" in captured.out
    assert "[project] catalogs" in captured.out


@pytest.mark.network
def test_fetch_reads_fetch_table_of_a_project_config(server, tmp_path, capsys):
    server.collections["natura2000"] = points(2)
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
    err = capsys.readouterr().err  # the config check names the nearest valid key
    assert "onbekende sleutel 'rate_limit'" in err and "bedoeld: 'rate_limit_per_s'" in err


@pytest.mark.network
def test_page_size_above_1000_is_lowered_with_a_warning(server, tmp_path, capsys):
    server.collections["natura2000"] = points(2)
    base = ["fetch", "--bbox", "89000,459000,91000,461000", "-d", "natura2000", "--api-root", server.url,
            "--rate-limit", "0", "--no-progress", "--cache-dir", str(tmp_path / "c")]
    assert main([*base, "--page-size", "5000", "-o", str(tmp_path / "o1")]) == 0
    assert server.log[0]["query"]["limit"] == "1000"
    assert "--page-size = 5.000 is meer dan PDOK levert" in capsys.readouterr().err
    cfg = tmp_path / "p.toml"
    cfg.write_text('[project]\nname = "t"\n[fetch]\npage_size = 2500\n')
    assert main([*base, "--config", str(cfg), "--refresh", "-o", str(tmp_path / "o2")]) == 0
    assert server.log[-1]["query"]["limit"] == "1000"
    assert "page_size" in capsys.readouterr().err
    # the library warns an API user too
    with pytest.warns(UserWarning, match=r"boven het maximum van PDOK \(1\.000\)"):
        fetch(["natura2000"], AREA, cache_dir=tmp_path / "c", api_root=server.url,
              settings=DownloadSettings(page_limit=1500, rate_limit_per_s=0))


# ------------------------------------------------------------------------------ robustness


@pytest.mark.network
def test_page_stored_after_last_state_update_is_fetched_again(server, tmp_path):
    server.collections["wijken"] = points(5)
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
    server.collections["wijken"] = points(1)
    q = query_for(server)
    entry = q.entry_dir(tmp_path)
    entry.mkdir(parents=True)
    with open(entry / ".lock", "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        with pytest.raises(DownloadError, match="een andere wlr-geo fetch downloadt wijken/wijken"):
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
