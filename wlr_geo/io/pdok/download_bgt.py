"""The BGT through PDOK's BGT download API: one CityGML extract (a zip) for an area.

Used by ``wlr-geo fetch -d bgt --bgt-source download``
(:func:`wlr_geo.io.pdok.download.fetch` with ``bgt_source="download"``). The flow (see
:data:`wlr_geo.io.pdok.datasets.BGT_DOWNLOAD_PATH` for the sources):

1. POST ``{api}/full/custom`` with the BGT classes of the ``bgt`` dataset, ``format``
   ``citygml`` and the area as ``geofilter`` (:func:`wlr_geo.io.pdok.datasets.bgt_geofilter`); the answer
   holds a ``downloadRequestId``. The POST is never repeated once the server may have taken it.
2. GET ``{api}/full/custom/{id}/status`` every ``poll_interval_s`` until ``COMPLETED``; the
   request id is kept in the cache's ``.partial/state.json``, so an interrupted run polls the
   same request again instead of asking for a new extract (a request the server no longer
   knows, HTTP 404, is asked anew).
3. GET the zip at ``_links.download.href`` (streamed, resumed with ``Range`` after a break).
4. The zip goes straight into :func:`wlr_geo.io.bgt.read_bgt` (safe-zip and XML guards, only
   current objects, the impact ``category``), one layer per class in ``data.gpkg``; the zip is
   kept next to it and its SHA-256 recorded in ``provenance.json``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import time
import urllib.parse
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd

from wlr_geo._errors import DownloadError, WlrGeoInputError
from wlr_geo._nl import nl
from wlr_geo._version import __version__
from wlr_geo.io.pdok._http import DownloadSettings, HttpClient, HttpStatusError
from wlr_geo.io.pdok.datasets import (
    BGT_DOWNLOAD_PATH,
    DEFAULT_API_ROOT,
    Area,
    Dataset,
    bgt_geofilter,
)
from wlr_geo.io.pdok.download import (
    _DATA_FILE,
    _PARTIAL,
    _PROVENANCE,
    CacheEntry,
    FetchResult,
    ProgressCallback,
    ProgressEvent,
    _entry_lock,
    _fresh_entry,
    _iso,
    _utcnow,
    _write_json,
    default_cache_dir,
)
from wlr_geo.io.vector import file_sha256

__all__ = ["EXTRACT_FILE", "bgt_download_url", "bgt_request", "fetch_bgt_extract"]

log = logging.getLogger("wlr_geo")

#: The extract's file name inside a cache entry.
EXTRACT_FILE = "extract.zip"
_VERSION = 1
_FAILED = frozenset({"FAILED", "ERROR", "CANCELLED", "CANCELED", "EXPIRED", "REJECTED"})
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._~-]{1,200}$")


def bgt_download_url(api_root: str | None = None) -> str:
    """Base URL of the BGT download API: ``WLR_GEO_PDOK_URL_BGT_DOWNLOAD``, else the API root
    (argument, ``WLR_GEO_PDOK_ROOT`` or ``https://api.pdok.nl``) + ``/lv/bgt/download/v1_0``."""
    env = os.environ.get("WLR_GEO_PDOK_URL_BGT_DOWNLOAD")
    if env:
        return env.rstrip("/")
    root = (api_root or os.environ.get("WLR_GEO_PDOK_ROOT") or DEFAULT_API_ROOT).rstrip("/")
    return root + BGT_DOWNLOAD_PATH


def bgt_request(ds: Dataset, area: Area) -> dict[str, Any]:
    """The body of the custom-download request for the classes of ``ds`` in ``area``."""
    return {"featuretypes": list(ds.collections), "format": "citygml", "geofilter": bgt_geofilter(area)}


def _key(base: str, request: dict[str, Any]) -> str:
    blob = json.dumps([_VERSION, base, request], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _emit(progress: ProgressCallback | None, polls: int, percent: int, *, done: bool = False,
          from_cache: bool = False) -> None:
    if progress is not None:
        progress(ProgressEvent("bgt", "extract", polls, percent, 100, from_cache=from_cache, done=done))


def _results(ds: Dataset, entry_dir: Path, prov: dict[str, Any], *, from_cache: bool,
             notes: list[str]) -> list[FetchResult]:
    layers = prov.get("layers") or {}
    return [
        FetchResult(ds.name, cls, CacheEntry(entry_dir, {**prov, "collection": cls, "layer": cls,
                                                         "feature_count": int(layers.get(cls, 0))}),
                    from_cache, list(notes))
        for cls in ds.collections
    ]


def fetch_bgt_extract(
    ds: Dataset,
    area: Area,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    settings: DownloadSettings | None = None,
    client: HttpClient | None = None,
    api_root: str | None = None,
    offline: bool = False,
    refresh: bool = False,
    progress: ProgressCallback | None = None,
) -> list[FetchResult]:
    """Request, await and read one BGT extract for ``area``; one :class:`FetchResult` per class.

    Raises
    ------
    DownloadError
        When the request fails, the extract does not complete within ``poll_timeout_s``
        (the request id is kept: run again to resume), or the zip cannot be read.
    """
    settings = settings or (client.settings if client else DownloadSettings())
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    base = bgt_download_url(api_root)
    request = bgt_request(ds, area)
    entry_dir = cache / "bgt" / f"download-{_key(base, request)}"
    notes: list[str] = []
    existing = _fresh_entry(entry_dir, settings, offline=offline, refresh=refresh, what="bgt/extract",
                            notes=notes)
    if existing is not None and not _extract_intact(existing):
        log.warning("%s: het BGT-uittreksel in de cache ontbreekt of past niet bij de herkomstgegevens; "
                    "het wordt opnieuw gedownload", entry_dir / EXTRACT_FILE)
        existing = None
    if existing is not None:
        _emit(progress, 0, 100, done=True, from_cache=True)
        return _results(ds, entry_dir, existing.provenance, from_cache=True, notes=notes)
    if offline:
        raise DownloadError(
            f"offline: geen volledig BGT-uittreksel voor dit gebied in de cache {cache}; "
            "draai eerst 'wlr-geo fetch' zonder --offline"
        )
    own = client is None
    client = client or HttpClient(settings)
    try:
        return _fetch_extract(ds, area, client, settings, base, request, entry_dir, refresh, progress, notes)
    finally:
        if own:
            client.close()


def _fetch_extract(ds: Dataset, area: Area, client: HttpClient, settings: DownloadSettings, base: str,
                   request: dict[str, Any], entry_dir: Path, refresh: bool, progress: ProgressCallback | None,
                   notes: list[str]) -> list[FetchResult]:
    with _entry_lock(entry_dir, "bgt/extract"):
        partial = entry_dir / _PARTIAL
        if refresh and partial.exists():
            shutil.rmtree(partial)
        partial.mkdir(parents=True, exist_ok=True)
        state = _load_state(partial, base, request)
        zip_path = partial / EXTRACT_FILE
        if not zip_path.is_file():
            _await_extract(client, settings, base, request, state, partial, progress)
            part = partial / (EXTRACT_FILE + ".part")
            size = client.download_file(str(state["download_url"]), part)
            if not zipfile.is_zipfile(part):
                part.unlink(missing_ok=True)
                raise DownloadError(f"download mislukt: {state['download_url']}: het uittreksel ({nl(size)} bytes) "
                                    "is geen zipbestand en is weggegooid; draai opnieuw om het opnieuw op te halen")
            part.replace(zip_path)
        prov = _commit(ds, area, base, request, state, entry_dir, partial, zip_path, notes)
        shutil.rmtree(partial, ignore_errors=True)
    _emit(progress, int(state.get("polls", 0)), 100, done=True)
    return _results(ds, entry_dir, prov, from_cache=False, notes=notes)


def _extract_intact(entry: CacheEntry) -> bool:
    path = entry.path / EXTRACT_FILE
    return path.is_file() and file_sha256(path) == entry.provenance.get("extract_sha256")


def _load_state(partial: Path, base: str, request: dict[str, Any]) -> dict[str, Any]:
    path = partial / "state.json"
    key = _key(base, request)
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        state = None
    if not isinstance(state, dict) or state.get("key") != key:
        state = {"key": key, "request_id": None, "status_url": None, "download_url": None,
                 "started_utc": _iso(_utcnow()), "polls": 0, "resumed": False}
        _write_json(path, state)
    elif state.get("request_id"):
        state["resumed"] = True
        log.info("bgt/extract: downloadverzoek %s wordt hervat", state["request_id"])
    return state


def _same_host(url: str, base: str) -> str:
    a, b = urllib.parse.urlsplit(url), urllib.parse.urlsplit(base)
    if (a.scheme, a.netloc) != (b.scheme, b.netloc):
        raise DownloadError(f"download mislukt: {base}: de BGT-download-API stuurde een link naar een andere "
                            f"host ({a.scheme}://{a.netloc}); niet gevolgd")
    return url


def _link(doc: dict[str, Any], rel: str) -> str | None:
    links = doc.get("_links")
    link = links.get(rel) if isinstance(links, dict) else None
    href = link.get("href") if isinstance(link, dict) else None
    return href if isinstance(href, str) and href else None


def _await_extract(client: HttpClient, settings: DownloadSettings, base: str, request: dict[str, Any],
                   state: dict[str, Any], partial: Path, progress: ProgressCallback | None) -> None:
    """Ask for the extract (unless a request is pending) and poll until it is ready."""
    state_path = partial / "state.json"
    for _ in range(2):  # a resumed request the server no longer knows is asked anew, once
        if not state.get("request_id"):
            # bytes of an earlier request's zip must not be resumed into this one
            (partial / (EXTRACT_FILE + ".part")).unlink(missing_ok=True)
            doc = client.post_json(base + "/full/custom", request)
            rid = doc.get("downloadRequestId")
            if not isinstance(rid, str) or not _REQUEST_ID.match(rid):
                raise DownloadError(f"download mislukt: {base}/full/custom: het antwoord bevat geen bruikbare "
                                    f"downloadRequestId ({str(rid)[:80]!r})")
            href = _link(doc, "status")
            status_url = (urllib.parse.urljoin(base + "/", href) if href
                          else f"{base}/full/custom/{urllib.parse.quote(rid, safe='')}/status")
            state.update(request_id=rid, status_url=_same_host(status_url, base), download_url=None,
                         resumed=False, requested_utc=_iso(_utcnow()))
            _write_json(state_path, state)
        try:
            _poll(client, settings, base, state, state_path, progress)
            return
        except HttpStatusError as exc:
            if exc.status != 404 or not state.get("resumed"):
                raise
            log.warning("bgt/extract: de server kent verzoek %s niet meer; er wordt een nieuw verzoek gedaan", state["request_id"])
            state.update(request_id=None, status_url=None, download_url=None)
            _write_json(state_path, state)
    raise DownloadError(f"download mislukt: {base}: het BGT-downloadverzoek kon niet worden afgerond")


def _poll(client: HttpClient, settings: DownloadSettings, base: str, state: dict[str, Any],
          state_path: Path, progress: ProgressCallback | None) -> None:
    status_url = str(state["status_url"])
    deadline = time.monotonic() + settings.poll_timeout_s
    status = "?"
    while True:
        doc = client.get_json(status_url)
        status = str(doc.get("status", "")).strip().upper()
        pct = doc.get("progress")
        percent = int(pct) if isinstance(pct, int | float) and not isinstance(pct, bool) else 0
        state["polls"] = int(state.get("polls", 0)) + 1
        _emit(progress, state["polls"], max(0, min(100, percent)))
        if status == "COMPLETED":
            href = _link(doc, "download")
            if href is None:
                raise DownloadError(f"download mislukt: {status_url}: COMPLETED zonder downloadlink")
            state["download_url"] = _same_host(urllib.parse.urljoin(status_url, href), base)
            state["completed_utc"] = _iso(_utcnow())
            _write_json(state_path, state)
            return
        if status in _FAILED:
            rid = state["request_id"]
            state.update(request_id=None, status_url=None, download_url=None)
            _write_json(state_path, state)
            raise DownloadError(f"download mislukt: het BGT-downloadverzoek {rid} eindigde als {status}; "
                                "draai opnieuw om een nieuw uittreksel aan te vragen")
        _write_json(state_path, state)
        if time.monotonic() + settings.poll_interval_s > deadline:
            raise DownloadError(
                f"download mislukt: het BGT-uittreksel {state['request_id']} is nog {status or 'in behandeling'} "
                f"na {nl(settings.poll_timeout_s)} s; voer dezelfde opdracht opnieuw uit om verder te wachten"
            )
        client.pause(settings.poll_interval_s)


def _commit(ds: Dataset, area: Area, base: str, request: dict[str, Any], state: dict[str, Any],
            entry_dir: Path, partial: Path, zip_path: Path, notes: list[str]) -> dict[str, Any]:
    from wlr_geo.io.bgt import COLUMNS, read_bgt
    from wlr_geo.io.vector import write_layers

    try:
        layers = read_bgt(zip_path, current_only=True)
    except WlrGeoInputError as exc:
        zip_path.unlink(missing_ok=True)
        raise DownloadError(f"download mislukt: {state.get('download_url')}: het BGT-uittreksel is "
                            f"onleesbaar ({exc}) en is weggegooid; draai opnieuw om het opnieuw op te halen") from None
    frames: dict[str, gpd.GeoDataFrame] = {}
    for cls in ds.collections:
        frame = layers.get(cls)
        if frame is None:
            frame = gpd.GeoDataFrame({c: [] for c in COLUMNS if c != "geometry"},
                                     geometry=gpd.GeoSeries([], crs="EPSG:28992"), crs="EPSG:28992")
            notes.append(f"{cls}: geen bestand in het extract (geen objecten van deze klasse)")
        frames[cls] = frame
    report = layers.report
    not_current = sum(c.n_not_current for c in report.classes.values())
    if not_current:
        notes.append(f"{nl(not_current)} niet-actuele BGT-objecten weggelaten door read_bgt")
    for name in (_PROVENANCE, _DATA_FILE, EXTRACT_FILE):
        (entry_dir / name).unlink(missing_ok=True)
    data = write_layers(frames, entry_dir / _DATA_FILE)
    final_zip = entry_dir / EXTRACT_FILE
    zip_path.replace(final_zip)
    prov: dict[str, Any] = {
        "wlr_geo_version": __version__,
        "dataset": ds.name,
        "title": ds.title,
        "source_kind": "BGT download API (custom CityGML extract)",
        "service_url": base,
        "request_url": base + "/full/custom",
        "request": request,
        "download_request_id": state.get("request_id"),
        "status_url": state.get("status_url"),
        "download_url": state.get("download_url"),
        "status_polls": state.get("polls"),
        "area": area.to_dict(),
        "download_start_utc": state.get("started_utc"),
        "download_end_utc": _iso(_utcnow()),
        "extract_zip": EXTRACT_FILE,
        "extract_sha256": file_sha256(final_zip),
        "extract_bytes": final_zip.stat().st_size,
        "layers": {cls: len(f) for cls, f in frames.items()},
        "feature_count": sum(len(f) for f in frames.values()),
        "bgt_report": {cls: {k: v for k, v in c.to_dict().items() if isinstance(v, int)}
                       for cls, c in report.classes.items()},
        "current_filter": {"rule": "read_bgt: geen eindRegistratie en bgt-status 'bestaand'",
                           "not_current_dropped": not_current},
        "checks_summary": "zip gecontroleerd (veilige namen, grootte), GML zonder DTD/entiteiten, "
                          "alle coördinaten binnen het RD-bereik (read_bgt)",
        "file": _DATA_FILE,
        "sha256": file_sha256(data),
        "bytes": data.stat().st_size,
        "crs": "EPSG:28992",
        "publisher": ds.publisher,
        "licence": ds.licence,
        "attribution": ds.attribution,
        "url_status": ds.url_status,
        "rd_output": "confirmed",
        "dataset_sources": [*ds.sources, "BGT download API: PDOK BGT FAQ (pdok.nl/bgt-faq) and "
                            "public clients of api.pdok.nl/lv/bgt/download/v1_0"],
        "cache_key": _key(base, request),
        "notes": list(notes),
    }
    _write_json(entry_dir / _PROVENANCE, prov)
    return prov
