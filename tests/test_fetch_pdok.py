"""PDOK's datasets as they are on the live service, against the local stand-in
(``tests/_pdok_server.py``): the current Bestuurlijke-gebieden path, CBS years and no-data codes,
standard columns next to PDOK's own, the BGT's non-current objects, and PDOK's BGT download API
(asynchronous custom extract → zip → ``read_bgt``). Loopback only."""

from __future__ import annotations

import json
import random
import zipfile

import pytest
import shapely
from _pdok_server import BGT_API, points, serve
from _pdok_server import bgt_wegdeel_gml as wegdeel_gml
from _pdok_server import feature as ft

from wlr_geo import DownloadError, WlrGeoInputError
from wlr_geo.catalog import load_catalog
from wlr_geo.io.bgt import read_bgt
from wlr_geo.io.pdok._http import DownloadSettings, HttpClient
from wlr_geo.io.pdok.datasets import (
    CBS_YEARS,
    DATASETS,
    DEFAULT_CBS_YEAR,
    OGC_QUERY_PARAMETERS,
    Area,
    bgt_geofilter,
    get_dataset,
)
from wlr_geo.io.pdok.download import export_results, fetch, read_cache_entry, registered_entries
from wlr_geo.io.vector import file_sha256, read_layer

pytestmark = pytest.mark.network

AREA = Area(bbox=(89_000.0, 459_000.0, 95_000.0, 463_000.0), description="proefgebied")
FAST = DownloadSettings(timeout_s=5.0, retries=2, backoff_base_s=0.01, backoff_max_s=0.05,
                        rate_limit_per_s=0, poll_interval_s=0.5)


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with serve() as api:
        yield api


def client(slept: list[float] | None = None, **kw) -> HttpClient:
    settings = DownloadSettings(**{**FAST.__dict__, **kw})
    return HttpClient(settings, sleep=(slept if slept is not None else []).append)


def sent_parameters(api) -> set[str]:
    return {k for r in api.item_requests() for k in r["query"]}


# ------------------------------------------------------------------------------ Bestuurlijke gebieden


def test_gemeenten_come_from_brk_bestuurlijke_gebieden_with_standard_columns(server, tmp_path):
    server.collections["gemeentegebied"] = [
        ft("g1", shapely.box(90_000, 460_000, 92_000, 462_000), identificatie="GM0546", code="0546", naam="Leiden"),
        ft("g2", shapely.box(92_000, 460_000, 94_000, 462_000), identificatie="GM0547", code="0547", naam="Leiderdorp"),
    ]
    [res] = fetch(["gemeenten"], AREA, cache_dir=tmp_path / "c", api_root=server.url, client=client())
    assert server.log[0]["path"] == "/kadaster/brk-bestuurlijke-gebieden/ogc/v1/collections/gemeentegebied/items"
    assert sent_parameters(server) <= set(OGC_QUERY_PARAMETERS) | {"cursor"}
    gdf = res.read()
    assert list(gdf["gm_code"]) == ["GM0546", "GM0547"] and list(gdf["gm_naam"]) == ["Leiden", "Leiderdorp"]
    assert list(gdf["identificatie"]) == ["GM0546", "GM0547"] and list(gdf["naam"]) == ["Leiden", "Leiderdorp"]
    assert res.provenance["standard_columns"] == {"gm_code": "identificatie", "gm_naam": "naam"}
    assert res.provenance["id_column"] == "gm_code"
    export_results([res], tmp_path / "out", area=AREA)
    entry = load_catalog(tmp_path / "out" / "catalog.toml")["gemeenten"]
    assert entry.id_column == "gm_code"
    assert entry.columns == {"municipality_code": "gm_code", "municipality_name": "gm_naam"}


def test_missing_source_property_is_a_note_not_a_silent_column(server, tmp_path):
    server.collections["gemeentegebied"] = [ft("g1", shapely.box(90_000, 460_000, 92_000, 462_000), naam="Leiden")]
    [res] = fetch(["gemeenten"], AREA, cache_dir=tmp_path, api_root=server.url, client=client())
    assert "gm_code" not in res.read().columns and "gm_naam" in res.read().columns
    assert any("gm_code niet gemaakt" in n and "identificatie" in n for n in res.provenance["notes"])
    assert res.provenance["id_column"] is None
    assert res.provenance["column_roles"] == {"municipality_name": "gm_naam"}


# ------------------------------------------------------------------------------ CBS wijken en buurten


def test_cbs_year_option_default_newest_complete_and_recorded(server, tmp_path):
    assert DEFAULT_CBS_YEAR == 2023 and CBS_YEARS[2023] == "complete" and set(CBS_YEARS) == {2023, 2024, 2025}
    assert DATASETS["wijken"].path == "/cbs/wijken-en-buurten-2023/ogc/v1"
    assert get_dataset("buurten", year=2025).path == "/cbs/wijken-en-buurten-2025/ogc/v1"
    assert get_dataset("gemeenten", year=2024) is DATASETS["gemeenten"]  # not a yearly service
    with pytest.raises(WlrGeoInputError, match="geen CBS-dienst wijken-en-buurten voor 2019"):
        get_dataset("wijken", year=2019)
    server.collections["wijken"] = points(1, x0=91_000, y0=461_000)
    [res] = fetch(["wijken"], AREA, cache_dir=tmp_path, api_root=server.url, client=client(), cbs_year=2024)
    assert server.log[0]["path"] == "/cbs/wijken-en-buurten-2024/ogc/v1/collections/wijken/items"
    assert res.provenance["year"] == 2024 and res.provenance["release"].startswith("partial")
    assert "2024" in res.provenance["title"]


def test_cbs_null_codes_standard_columns_and_originals(server, tmp_path):
    wijk = shapely.box(90_000, 460_000, 91_000, 461_000)
    props = {"gemeentecode": "GM0546", "gemeentenaam": "Leiden", "wijkcode": "WK054601", "wijknaam": "Binnenstad",
             "aantal_inwoners": 12_345, "aantal_huishoudens": -99997, "gemiddeld_gasverbruik_totaal": -99995,
             "woningvoorraad": -99991, "water": "NEE", "percentage_koopwoningen": 42.0}
    other = dict(props, wijkcode="WK054602", wijknaam="Noord", aantal_inwoners=-99997,
                 aantal_huishoudens=3_000, gemiddeld_gasverbruik_totaal=1_100, woningvoorraad=2_900)
    server.collections["wijken"] = [ft("w1", wijk, **props), ft("w2", wijk.buffer(-10), **other)]
    [res] = fetch(["wijken"], AREA, cache_dir=tmp_path, api_root=server.url, client=client())
    gdf = res.read().set_index("wk_code")
    # the three CBS no-data codes are null, every other number is as served
    assert gdf.loc["WK054601", "aantal_inwoners"] == 12_345
    for col in ("aantal_huishoudens", "gemiddeld_gasverbruik_totaal", "woningvoorraad"):
        assert gdf[col].isna().loc["WK054601"], col
    assert gdf["aantal_inwoners"].isna().loc["WK054602"]
    assert gdf.loc["WK054602", "woningvoorraad"] == 2_900 and gdf.loc["WK054601", "percentage_koopwoningen"] == 42.0
    assert res.provenance["nulled_values"] == {"aantal_inwoners": 1, "aantal_huishoudens": 1,
                                               "gemiddeld_gasverbruik_totaal": 1, "woningvoorraad": 1}
    assert any("4 geen-waardecodes (-99997, -99995, -99991)" in n for n in res.provenance["notes"])
    # standard columns next to the originals, with their values
    assert gdf.loc["WK054601", "wk_naam"] == "Binnenstad" == gdf.loc["WK054601", "wijknaam"]
    assert gdf.loc["WK054601", "gm_code"] == "GM0546" and gdf.loc["WK054601", "gm_naam"] == "Leiden"
    assert gdf.loc["WK054601", "inwoners"] == 12_345 and gdf["inwoners"].isna().loc["WK054602"]
    assert res.provenance["column_roles"] == {
        "municipality_code": "gm_code", "municipality_name": "gm_naam", "wijk_code": "wk_code",
        "wijk_name": "wk_naam", "inhabitants": "inwoners", "households": "huishoudens"}


def test_buurten_get_bu_columns(server, tmp_path):
    server.collections["buurten"] = [ft("b1", shapely.box(90_000, 460_000, 90_500, 460_500),
                                        buurtcode="BU05460101", buurtnaam="Pieterswijk", wijkcode="WK054601",
                                        gemeentecode="GM0546", gemeentenaam="Leiden", aantal_inwoners=1_500)]
    [res] = fetch(["buurten"], AREA, cache_dir=tmp_path, api_root=server.url, client=client())
    row = res.read().iloc[0]
    assert (row["bu_code"], row["bu_naam"], row["wk_code"], row["gm_naam"]) == (
        "BU05460101", "Pieterswijk", "WK054601", "Leiden")
    assert res.provenance["id_column"] == "bu_code"


# ------------------------------------------------------------------------------ BGT via the OGC API


def _bgt_props(status: str = "bestaand", eind: str | None = None, term: str | None = None) -> dict:
    return {"lokaal_id": "x", "status": status, "eind_registratie": eind, "termination_date": term,
            "bgt_functie": "rijbaan lokale weg", "creation_date": "2020-01-01"}


def test_bgt_ogc_keeps_only_current_objects(server, tmp_path):
    sq = shapely.box(90_000, 460_000, 90_010, 460_010)
    server.collections["wegdeel"] = [
        ft("now", sq, **_bgt_props()),
        ft("case", sq, **_bgt_props("Bestaand")),
        ft("ended", sq, **_bgt_props(eind="2021-05-05T00:00:00Z")),
        ft("terminated", sq, **_bgt_props(term="2021-05-05")),
        ft("plan", sq, **_bgt_props("plan")),
        ft("historie", sq, **_bgt_props("historie", eind="2019-01-01T00:00:00Z")),
    ]
    for cls in DATASETS["bgt"].collections:
        server.collections.setdefault(cls, [])
    results = fetch(["bgt"], AREA, cache_dir=tmp_path, api_root=server.url, client=client())
    assert [r.collection for r in results] == list(DATASETS["bgt"].collections)
    wegdeel = results[0]
    assert sorted(wegdeel.read()["id"]) == ["case", "now"]
    cf = wegdeel.provenance["current_filter"]
    assert (cf["objects"], cf["kept"], cf["with_eind_registratie"], cf["with_termination_date"],
            cf["status_not_bestaand"]) == (6, 2, 2, 1, 2)
    assert wegdeel.provenance["downloaded_features"] == 6 and wegdeel.feature_count == 2
    assert any("4 niet-actuele BGT-objecten" in n for n in wegdeel.provenance["notes"])
    assert "datetime" not in sent_parameters(server)  # refused (400) by PDOK for non-temporal collections


def test_bgt_ogc_without_status_is_refused_not_guessed(server, tmp_path):
    server.collections["wegdeel"] = [ft("x", shapely.box(90_000, 460_000, 90_010, 460_010), lokaal_id="x")]
    bgt_wegdeel = get_dataset("bgt")
    import dataclasses

    only = dataclasses.replace(bgt_wegdeel, collections=("wegdeel",))
    with pytest.raises(DownloadError, match=r"geen eigenschap 'status'.*--bgt-source download"):
        fetch([only], AREA, cache_dir=tmp_path, api_root=server.url, client=client())


def test_datetime_is_refused_by_pdok_for_collections_without_time(server, tmp_path):
    from wlr_geo.io.pdok.download import CollectionQuery, download_collection

    server.collections["pand"] = [ft("p", shapely.box(90_000, 460_000, 90_010, 460_010), **_bgt_props())]
    q = CollectionQuery.build("bgt", server.url + "/lv/bgt/ogc/v1", "pand", AREA, datetime="2026-01-01T00:00:00Z")
    with pytest.raises(DownloadError, match=r"HTTP 400.*datetime param is currently not supported"):
        download_collection(q, cache_dir=tmp_path, client=client())
    server.temporal.add("pand")
    assert download_collection(q, cache_dir=tmp_path, client=client()).feature_count == 1


# ------------------------------------------------------------------------------ BGT download API


def _extract(server) -> None:
    server.bgt_files = {"bgt_wegdeel.gml": wegdeel_gml([
        {"gid": "w-now", "polygon": shapely.box(90_500, 460_900, 90_600, 461_100)},
        {"gid": "w-ended", "polygon": shapely.box(90_700, 460_900, 90_800, 461_100), "ended": True},
        {"gid": "w-plan", "polygon": shapely.box(90_900, 460_900, 91_000, 461_100), "status": "plan"},
    ])}


def posts(server) -> list[dict]:
    return [r for r in server.log if r["method"] == "POST"]


def test_bgt_download_api_async_flow_zip_into_read_bgt(server, tmp_path):
    _extract(server)
    slept: list[float] = []
    results = fetch(["bgt"], AREA, cache_dir=tmp_path / "c", api_root=server.url, client=client(slept),
                    bgt_source="download")
    [post] = posts(server)
    assert post["path"] == f"{BGT_API}/full/custom"
    body = json.loads(post["body"])
    assert body["featuretypes"] == list(DATASETS["bgt"].collections) and body["format"] == "citygml"
    geofilter = shapely.from_wkt(body["geofilter"])
    assert geofilter.geom_type == "Polygon" and geofilter.covers(shapely.box(*AREA.bbox))
    paths = [r["path"] for r in server.log if r["method"] == "GET"]
    assert paths == [f"{BGT_API}/full/custom/req-0001/status"] * 3 + [f"{BGT_API}/full/custom/req-0001/download"]
    assert slept == [0.5, 0.5]  # waited between PENDING, RUNNING and COMPLETED
    by_class = {r.collection: r for r in results}
    assert list(by_class) == list(DATASETS["bgt"].collections)
    wegdeel = by_class["wegdeel"].read()
    assert list(wegdeel["gml_id"]) == ["w-now"] and list(wegdeel["category"]) == ["local_road"]
    assert by_class["waterdeel"].feature_count == 0
    prov = by_class["wegdeel"].provenance
    entry = read_cache_entry(by_class["wegdeel"].entry.path)
    assert entry is not None
    assert prov["extract_sha256"] == file_sha256(entry.path / "extract.zip")
    assert prov["download_request_id"] == "req-0001" and prov["layers"]["wegdeel"] == 1
    assert prov["current_filter"]["not_current_dropped"] == 2

    out = tmp_path / "out"
    export_results(results, out, area=AREA)
    cat = load_catalog(out / "catalog.toml")
    assert cat["bgt_wegdeel"].features == 1 and cat["bgt_extract"].format == "bgt"
    assert zipfile.is_zipfile(out / "bgt_extract.zip")
    assert list(read_bgt(out / "bgt_extract.zip")["wegdeel"]["gml_id"]) == ["w-now"]
    assert read_layer(out / "bgt.gpkg", "wegdeel")["gml_id"].tolist() == ["w-now"]

    # the cache answers the same request; the listing expands the extract into its classes
    server.log.clear()
    again = fetch(["bgt"], AREA, cache_dir=tmp_path / "c", api_root=server.url, client=client(),
                  bgt_source="download")
    assert server.log == [] and all(r.from_cache for r in again)
    names = {e.name for e in registered_entries(tmp_path / "c")}
    assert {"bgt_wegdeel", "bgt_pand"} <= names


def test_bgt_download_resumes_polling_the_same_request(server, tmp_path):
    _extract(server)
    server.bgt_polls_needed = 3
    with pytest.raises(DownloadError, match=r"req-0001 is nog PENDING.*voer dezelfde opdracht opnieuw uit"):
        fetch(["bgt"], AREA, cache_dir=tmp_path, api_root=server.url, client=client(poll_timeout_s=0.1),
              bgt_source="download")
    results = fetch(["bgt"], AREA, cache_dir=tmp_path, api_root=server.url, client=client(), bgt_source="download")
    assert len(posts(server)) == 1  # the extract was not asked for twice
    assert results[0].provenance["download_request_id"] == "req-0001"


def test_bgt_download_request_the_server_forgot_is_asked_anew(server, tmp_path):
    _extract(server)
    server.bgt_polls_needed = 3
    with pytest.raises(DownloadError, match="nog PENDING"):
        fetch(["bgt"], AREA, cache_dir=tmp_path, api_root=server.url, client=client(poll_timeout_s=0.1),
              bgt_source="download")
    server.bgt_requests.clear()  # expired on the server
    results = fetch(["bgt"], AREA, cache_dir=tmp_path, api_root=server.url, client=client(), bgt_source="download")
    assert len(posts(server)) == 2 and results[0].provenance["download_request_id"] == "req-0001"
    assert results[0].read()["gml_id"].tolist() == ["w-now"]


def test_bgt_download_truncated_zip_is_resumed_with_range(server, tmp_path):
    _extract(server)
    # a few MB, so that the first chunks are on disk when the connection breaks half-way
    server.bgt_files["toelichting.bin"] = random.Random(1).randbytes(3_000_000)
    server.bgt_faults = ["truncate-download"]
    results = fetch(["bgt"], AREA, cache_dir=tmp_path, api_root=server.url, client=client(), bgt_source="download")
    downloads = [r for r in server.log if r["path"].endswith("/download")]
    assert len(downloads) == 2 and downloads[0]["range"] is None and downloads[1]["range"].startswith("bytes=")
    assert results[0].read()["gml_id"].tolist() == ["w-now"]


def test_bgt_download_failed_request_is_an_error_and_next_run_asks_anew(server, tmp_path):
    _extract(server)
    server.bgt_final_status = "FAILED"
    with pytest.raises(DownloadError, match="req-0001 eindigde als FAILED"):
        fetch(["bgt"], AREA, cache_dir=tmp_path, api_root=server.url, client=client(), bgt_source="download")
    server.bgt_final_status = "COMPLETED"
    fetch(["bgt"], AREA, cache_dir=tmp_path, api_root=server.url, client=client(), bgt_source="download")
    assert len(posts(server)) == 2


def test_bgt_download_post_is_retried_on_503_with_retry_after(server, tmp_path):
    _extract(server)
    server.bgt_faults = ["post-503"]
    slept: list[float] = []
    fetch(["bgt"], AREA, cache_dir=tmp_path, api_root=server.url, client=client(slept, backoff_max_s=60),
          bgt_source="download")
    assert len(posts(server)) == 2 and slept[0] == 1.0


def test_bgt_download_offline_and_area_required(server, tmp_path):
    with pytest.raises(DownloadError, match="offline: geen volledig BGT-uittreksel"):
        fetch(["bgt"], AREA, cache_dir=tmp_path, api_root=server.url, offline=True, bgt_source="download")
    with pytest.raises(DownloadError, match="heeft een gebied nodig"):
        fetch(["bgt"], None, cache_dir=tmp_path, api_root=server.url, bgt_source="download")
    assert server.log == []


def test_bgt_geofilter_has_no_holes_and_covers_the_area():
    ring = shapely.box(90_000, 460_000, 91_000, 461_000).difference(shapely.box(90_400, 460_400, 90_600, 460_600))
    two = shapely.MultiPolygon([shapely.box(90_000, 460_000, 90_100, 460_100),
                                shapely.box(92_000, 460_000, 92_100, 460_100)])
    for geom in (ring, two):
        area = Area(bbox=geom.bounds, description="x", geometry=geom)
        out = shapely.from_wkt(bgt_geofilter(area))
        assert out.geom_type in ("Polygon", "MultiPolygon")
        parts = [out] if out.geom_type == "Polygon" else list(out.geoms)
        assert all(not p.interiors for p in parts) and out.covers(geom)
    assert shapely.from_wkt(bgt_geofilter(Area(bbox=(1, 2, 3, 4), description="b"))).covers(shapely.box(1, 2, 3, 4))


def test_gemeente_area_selects_layers_with_gm_code_by_code(server, tmp_path):
    # a wijk of a neighbour that reaches into the (generalised) embedded polygon is not taken,
    # a wijk of the municipality whose corner lies outside that polygon is
    from wlr_geo.io.pdok.datasets import area_from_gemeenten

    area = area_from_gemeenten(["GM0546"])
    inside = area.geometry.representative_point()
    x, y = inside.x, inside.y
    server.collections["wijken"] = [
        ft("own", shapely.box(x - 10, y - 10, x + 10, y + 10), wijkcode="WK054601", wijknaam="a",
           gemeentecode="GM0546", gemeentenaam="Leiden", aantal_inwoners=1),
        ft("neighbour", shapely.box(x - 5, y - 5, x + 5, y + 5), wijkcode="WK999901", wijknaam="b",
           gemeentecode="GM9999", gemeentenaam="Elders", aantal_inwoners=1),
    ]
    results = fetch(["wijken"], area, cache_dir=tmp_path, api_root=server.url, client=client())
    export_results(results, tmp_path / "out", area=area, cut=True)
    got = read_layer(tmp_path / "out" / "wijken.gpkg", "wijken")
    assert list(got["wk_code"]) == ["WK054601"] and got.geometry.iloc[0].area == pytest.approx(400.0)


def test_bgt_geofilter_of_ten_municipalities_stays_small_and_covers_them():
    from wlr_geo.io.pdok.datasets import area_from_gemeenten

    codes = ["GM0537", "GM0546", "GM0547", "GM0579", "GM0626", "GM0638", "GM0518", "GM0603", "GM0629", "GM1916"]
    area = area_from_gemeenten(codes)
    out = shapely.from_wkt(bgt_geofilter(area, max_vertices=300))
    assert shapely.get_num_coordinates(out) <= 300 and out.covers(area.geometry)


def test_bgt_download_damaged_cached_extract_is_fetched_again(server, tmp_path):
    _extract(server)
    first = fetch(["bgt"], AREA, cache_dir=tmp_path, api_root=server.url, client=client(), bgt_source="download")
    (first[0].entry.path / "extract.zip").write_bytes(b"not the zip any more")
    again = fetch(["bgt"], AREA, cache_dir=tmp_path, api_root=server.url, client=client(), bgt_source="download")
    assert not again[0].from_cache and len(posts(server)) == 2
    assert zipfile.is_zipfile(again[0].entry.path / "extract.zip")
