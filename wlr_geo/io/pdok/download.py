"""Downloading OGC API Features collections into a local cache, with provenance.

Only :func:`fetch` / :func:`download_collection` touch the network, and only when a user runs
``wlr-geo fetch``. The rest of wlr_geo reads the cache (:func:`registered_entries`).

How a collection is downloaded
------------------------------
1. The query (service URL, collection, ``bbox`` + ``bbox-crs``, ``crs``, ``limit``) is hashed
   into a cache key: ``<cache>/<dataset>/<collection>-<key>/``.
2. Pages are fetched by following ``rel=next`` links. Each page is stored as it arrives in the
   ``.partial/`` work folder (written atomically), and ``state.json`` records the next URL after
   every page, so an interrupted download resumes from the last complete page.
3. Every request is rate limited, retried with exponential backoff and jitter on HTTP 429/5xx,
   timeouts, dropped connections, truncated bodies and malformed JSON, honouring
   ``Retry-After``. Other HTTP errors (404, 400) fail at once.
4. When the last page is in, the feature count (sum over pages) is checked against
   ``numberMatched`` when the server gave one (a mismatch restarts the collection once, then
   fails), the pages are merged into ``data.gpkg`` (written atomically) and ``provenance.json``
   is written last. An entry is complete only when ``provenance.json`` exists and the SHA-256
   it records matches the data file, so a failed download never looks complete.

An empty collection (0 features in the area) is a valid, cached result with a note, not an
error: "nothing of this kind here" is an answer a planner needs.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely.errors
import shapely.geometry

from wlr_geo._atomic import atomic_write_bytes, atomic_write_text
from wlr_geo._errors import DownloadError, OutOfBoundsError, WlrGeoError
from wlr_geo._version import __version__
from wlr_geo.catalog import CatalogEntry
from wlr_geo.crs import check_bounds
from wlr_geo.io.pdok._http import USER_AGENT, DownloadSettings, HttpClient, Page, next_link
from wlr_geo.io.pdok.datasets import RD_CRS_URI, Area, Dataset, get_dataset, resolve_base_url
from wlr_geo.io.vector import file_sha256, write_layer

__all__ = [
    "USER_AGENT",
    "CacheEntry",
    "CollectionQuery",
    "DownloadSettings",
    "ExportResult",
    "FetchResult",
    "HttpClient",
    "Page",
    "ProgressEvent",
    "catalog_entry",
    "catalog_toml",
    "default_cache_dir",
    "download_collection",
    "export_results",
    "fetch",
    "read_cache_entry",
    "registered_entries",
]

log = logging.getLogger("wlr_geo")

_DATA_FILE = "data.gpkg"
_PROVENANCE = "provenance.json"
_PARTIAL = ".partial"


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def default_cache_dir() -> Path:
    """``$WLR_GEO_CACHE``, else ``$XDG_CACHE_HOME/wlr_geo``, else ``~/.cache/wlr_geo``."""
    env = os.environ.get("WLR_GEO_CACHE")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "wlr_geo"


# ----------------------------------------------------------------------------------- cache


@dataclass(frozen=True)
class CollectionQuery:
    """What is asked of one collection; its :meth:`key` names the cache entry."""

    dataset: str
    base_url: str
    collection: str
    params: tuple[tuple[str, str], ...]

    @classmethod
    def build(cls, dataset: str, base_url: str, collection: str, area: Area | None,
              *, page_limit: int = 1000) -> CollectionQuery:
        params = [("f", "json"), ("limit", str(page_limit)), ("crs", RD_CRS_URI)]
        if area is not None:
            params += [("bbox", area.query_bbox()), ("bbox-crs", RD_CRS_URI)]
        return cls(dataset, base_url.rstrip("/"), collection, tuple(params))

    def key(self) -> str:
        blob = json.dumps([self.base_url, self.collection, sorted(self.params)], sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    @property
    def url(self) -> str:
        quoted = urllib.parse.quote(self.collection, safe="")
        return f"{self.base_url}/collections/{quoted}/items?{urllib.parse.urlencode(self.params)}"

    def entry_dir(self, cache_dir: Path) -> Path:
        return cache_dir / self.dataset / f"{self.collection}-{self.key()}"


@dataclass(frozen=True)
class CacheEntry:
    """A complete cached download: the data file and its provenance."""

    path: Path
    provenance: dict[str, Any]

    @property
    def data_path(self) -> Path:
        return self.path / _DATA_FILE

    @property
    def downloaded(self) -> datetime:
        text = str(self.provenance.get("download_end_utc", ""))
        try:
            return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            return datetime.fromtimestamp(0, UTC)

    def age_days(self, now: datetime | None = None) -> float:
        return ((now or _utcnow()) - self.downloaded).total_seconds() / 86400.0


def read_cache_entry(entry_dir: str | os.PathLike[str], *, verify: bool = True) -> CacheEntry | None:
    """The complete entry in ``entry_dir``, or ``None`` when absent, incomplete or corrupt.

    With ``verify`` the data file's SHA-256 must match the provenance record; otherwise only
    its size is compared (cheap, for listings).
    """
    d = Path(entry_dir)
    prov_path, data = d / _PROVENANCE, d / _DATA_FILE
    if not prov_path.is_file():
        return None
    try:
        prov = json.loads(prov_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        log.warning("%s: unreadable provenance record; the entry will be downloaded again", prov_path)
        return None
    if not isinstance(prov, dict) or not data.is_file():
        return None
    if data.stat().st_size != prov.get("bytes") or (verify and file_sha256(data) != prov.get("sha256")):
        log.warning("%s: the data file does not match its provenance record (size/SHA-256); "
                    "it will be downloaded again", data)
        return None
    return CacheEntry(d, prov)


@dataclass
class FetchResult:
    """The outcome for one collection: the cache entry and how it was obtained."""

    dataset: str
    collection: str
    entry: CacheEntry
    from_cache: bool
    notes: list[str] = field(default_factory=list)

    @property
    def feature_count(self) -> int:
        return int(self.entry.provenance.get("feature_count", 0))

    @property
    def provenance(self) -> dict[str, Any]:
        return self.entry.provenance

    def read(self) -> gpd.GeoDataFrame:
        """The downloaded layer (whole query box) as a validated GeoDataFrame in EPSG:28992."""
        from wlr_geo.io.vector import read_layer

        gdf = read_layer(self.entry.data_path, self.collection, allow_empty=True)
        gdf.attrs["wlr_geo"]["provenance"] = dict(self.entry.provenance)
        return gdf


@dataclass(frozen=True)
class ProgressEvent:
    """Reported after every page (and once for a cache hit)."""

    dataset: str
    collection: str
    pages: int
    features: int
    number_matched: int | None
    from_cache: bool = False
    done: bool = False


ProgressCallback = Callable[[ProgressEvent], None]


class _CountMismatchError(Exception):
    pass


def _write_json(path: Path, data: Any) -> None:
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True))


def download_collection(
    query: CollectionQuery,
    *,
    dataset: Dataset | None = None,
    area: Area | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    settings: DownloadSettings | None = None,
    client: HttpClient | None = None,
    offline: bool = False,
    refresh: bool = False,
    progress: ProgressCallback | None = None,
) -> FetchResult:
    """Fetch one collection into the cache (or take it from there) and return the entry.

    Parameters
    ----------
    query
        What to download (:meth:`CollectionQuery.build`).
    dataset
        Registry entry, for publisher/licence in the provenance (default: by name).
    offline
        Use only the cache; a missing entry is a :class:`~wlr_geo.DownloadError`.
    refresh
        Download again even when a fresh cached copy exists (also drops a partial download).

    Raises
    ------
    DownloadError
        When the download fails after its retries. Pages already stored stay in the
        ``.partial`` folder so the next run resumes; no complete-looking entry is left.
    """
    settings = settings or (client.settings if client else DownloadSettings())
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    ds = dataset or get_dataset(query.dataset)
    entry_dir = query.entry_dir(cache)
    notes: list[str] = []
    existing = None if refresh else read_cache_entry(entry_dir)
    if existing is not None:
        age = existing.age_days()
        if age <= settings.max_age_days or offline:
            if age > settings.max_age_days:
                notes.append(f"cached copy is {age:.0f} days old (older than {settings.max_age_days:g}); "
                             "offline, so it is used anyway")
                log.warning("%s/%s: %s", query.dataset, query.collection, notes[-1])
            _emit(progress, query, existing.provenance, from_cache=True)
            return FetchResult(query.dataset, query.collection, existing, True, notes)
        notes.append(f"cached copy was {age:.0f} days old; downloaded again")
    if offline:
        raise DownloadError(
            f"offline: no complete cached download of {query.dataset}/{query.collection} for this "
            f"area in {cache} (query {query.url}); run 'wlr-geo fetch' without --offline first"
        )
    with _entry_lock(entry_dir, query):
        partial = entry_dir / _PARTIAL
        if refresh and partial.exists():
            shutil.rmtree(partial)
        return _download(query, ds, area, entry_dir, partial, settings,
                         client or HttpClient(settings), progress, notes)


@contextlib.contextmanager
def _entry_lock(entry_dir: Path, query: CollectionQuery) -> Iterator[None]:
    """Hold an exclusive lock on a cache entry (POSIX; a no-op where ``fcntl`` is missing)."""
    entry_dir.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover — Windows
        yield
        return
    with open(entry_dir / ".lock", "a+b") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DownloadError(
                f"another wlr-geo fetch is downloading {query.dataset}/{query.collection} into "
                f"{entry_dir} right now; wait for it to finish"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _download(query: CollectionQuery, ds: Dataset, area: Area | None, entry_dir: Path,
              partial: Path, settings: DownloadSettings, client: HttpClient,
              progress: ProgressCallback | None, notes: list[str]) -> FetchResult:
    restarts = settings.restarts
    while True:
        try:
            state = _run_pages(query, partial, client, settings, progress)
            break
        except _CountMismatchError as exc:
            shutil.rmtree(partial, ignore_errors=True)
            if restarts <= 0:
                raise DownloadError(f"download failed: {query.url}: {exc}; the partial download "
                                    "was discarded") from None
            restarts -= 1
            log.warning("%s: %s; downloading the collection again", query.url, exc)
    entry = _commit(query, ds, area, entry_dir, partial, state, notes)
    shutil.rmtree(partial, ignore_errors=True)
    _emit(progress, query, entry.provenance, from_cache=False)
    return FetchResult(query.dataset, query.collection, entry, False, notes)


def _emit(progress: ProgressCallback | None, query: CollectionQuery, prov: Mapping[str, Any],
          *, from_cache: bool) -> None:
    if progress is not None:
        progress(ProgressEvent(query.dataset, query.collection, int(prov.get("pages", 0)),
                               int(prov.get("feature_count", 0)), prov.get("number_matched"),
                               from_cache=from_cache, done=True))


def _load_state(partial: Path, query: CollectionQuery) -> dict[str, Any] | None:
    path = partial / "state.json"
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        log.warning("%s: unreadable resume state; starting the download afresh", path)
        return None
    if not isinstance(state, dict) or state.get("key") != query.key():
        return None
    done = state.get("pages")
    if not isinstance(done, int):
        return None
    for page_file in partial.glob("page-*.json"):
        # a page stored after the last state update (interrupted in between) is fetched again
        if int(page_file.stem.split("-")[1]) > done:
            page_file.unlink()
    if len(list(partial.glob("page-*.json"))) != done:
        log.warning("%s: resume state and stored pages disagree; starting afresh", partial)
        return None
    return state


def _run_pages(query: CollectionQuery, partial: Path, client: HttpClient,
               settings: DownloadSettings, progress: ProgressCallback | None) -> dict[str, Any]:
    state = _load_state(partial, query)
    if state is None:
        if partial.exists():
            shutil.rmtree(partial)
        partial.mkdir(parents=True)
        state = {"key": query.key(), "first_url": query.url, "next": query.url, "pages": 0,
                 "features": 0, "number_matched": None, "urls": [],
                 "started_utc": _iso(_utcnow()), "resumed_from_page": None}
        _write_json(partial / "state.json", state)
    elif state["next"]:
        state["resumed_from_page"] = state["pages"] + 1
        log.info("%s/%s: resuming at page %d (%d features already stored)", query.dataset,
                 query.collection, state["pages"] + 1, state["features"])
    while state["next"]:
        url = str(state["next"])
        if state["pages"] >= settings.max_pages:
            raise DownloadError(f"download failed: {url}: more than {settings.max_pages} pages; "
                                "use a smaller area")
        page = client.get_page(url)
        _check_crs(page)
        doc = page.doc
        matched = doc.get("numberMatched")
        if state["number_matched"] is None and isinstance(matched, int) and matched >= 0:
            state["number_matched"] = matched
        nxt = next_link(doc, url)
        if nxt is not None and (nxt == url or nxt in state["urls"]):
            raise DownloadError(f"download failed: {url}: the server's rel=next link points back "
                                f"to a page already fetched ({nxt})")
        n = state["pages"] + 1
        atomic_write_bytes(partial / f"page-{n:06d}.json", page.body)
        state.update(pages=n, features=state["features"] + len(doc["features"]), next=nxt,
                     urls=[*state["urls"], url])
        _write_json(partial / "state.json", state)
        if progress is not None:
            progress(ProgressEvent(query.dataset, query.collection, n, state["features"],
                                   state["number_matched"]))
    matched = state["number_matched"]
    if matched is not None and matched != state["features"]:
        raise _CountMismatchError(f"numberMatched is {matched} but the pages held {state['features']} "
                             "features (the server's data changed during paging, or pages were lost)")
    return state


def _check_crs(page: Page) -> None:
    if page.content_crs is None:
        return
    got = page.content_crs.strip().strip("<>").strip()
    if got != RD_CRS_URI:
        raise DownloadError(
            f"download failed: {page.url}: the server answered in CRS {got}, not the requested "
            f"{RD_CRS_URI}; this service does not support RD output"
        )


def _features_to_frame(features: Sequence[Mapping[str, Any]], *, source: str) -> gpd.GeoDataFrame:
    geoms = []
    for i, f in enumerate(features):
        g = f.get("geometry") if isinstance(f, Mapping) else None
        try:
            geoms.append(shapely.geometry.shape(g) if g else None)
        except (ValueError, TypeError, AttributeError, KeyError, shapely.errors.ShapelyError) as exc:
            fid = f.get("id", i) if isinstance(f, Mapping) else i
            raise DownloadError(f"download failed: {source}: feature {fid} has an unreadable "
                                f"geometry ({exc})") from None
    props = pd.DataFrame.from_records(
        [dict(f.get("properties") or {}) for f in features], index=pd.RangeIndex(len(features))
    )
    ids = [f.get("id") for f in features]
    if any(i is not None for i in ids):
        props.insert(0, "feature_id" if "id" in props.columns else "id",
                     [None if i is None else str(i) for i in ids])
    if "geometry" in props.columns:
        props = props.rename(columns={"geometry": "geometry_attr"})
    return gpd.GeoDataFrame(props, geometry=gpd.GeoSeries(geoms, crs="EPSG:28992"), crs="EPSG:28992")


def _null_sentinels(gdf: gpd.GeoDataFrame, values: Iterable[float]) -> int:
    vals = list(values)
    if not vals:
        return 0
    replaced = 0
    for col in gdf.columns:
        if col == gdf.geometry.name or not pd.api.types.is_numeric_dtype(gdf[col]):
            continue
        mask = gdf[col].isin(vals)
        if mask.any():
            replaced += int(mask.sum())
            gdf[col] = gdf[col].astype("float64").mask(mask)
    return replaced


def _commit(query: CollectionQuery, ds: Dataset, area: Area | None, entry_dir: Path,
            partial: Path, state: dict[str, Any], notes: list[str]) -> CacheEntry:
    features: list[Any] = []
    for page_file in sorted(partial.glob("page-*.json")):
        features.extend(json.loads(page_file.read_bytes())["features"])
    if len(features) != state["features"]:
        shutil.rmtree(partial, ignore_errors=True)
        raise DownloadError(f"download failed: {query.url}: stored pages hold {len(features)} "
                            f"features, expected {state['features']}; the partial download was discarded")
    gdf = _features_to_frame(features, source=query.url)
    try:
        check_bounds(gdf, source=query.url, layer=query.collection)
    except OutOfBoundsError as exc:
        raise DownloadError(f"download failed: {query.url}: coordinates are not RD metres "
                            f"({exc.problems[0].message}); the server probably ignored crs={RD_CRS_URI}") from None
    nulled = _null_sentinels(gdf, ds.nodata_values)
    if nulled:
        notes.append(f"{nulled} no-data value(s) {', '.join(f'{v:g}' for v in ds.nodata_values)} stored as empty")
    if not features:
        notes.append("0 features: the collection has nothing in this area (a valid, empty result)")
    # the entry stops looking complete before the data file changes
    with contextlib.suppress(FileNotFoundError):
        (entry_dir / _PROVENANCE).unlink()
    data = write_layer(gdf, entry_dir / _DATA_FILE, layer=query.collection, replace_file=True)
    prov = {
        "wlr_geo_version": __version__,
        "dataset": query.dataset,
        "title": ds.title,
        "collection": query.collection,
        "service_url": query.base_url,
        "request_url": state["first_url"],
        "query": dict(query.params),
        "area": area.to_dict() if area is not None else None,
        "download_start_utc": state["started_utc"],
        "download_end_utc": _iso(_utcnow()),
        "feature_count": len(features),
        "number_matched": state["number_matched"],
        "pages": state["pages"],
        "resumed_from_page": state.get("resumed_from_page"),
        "file": _DATA_FILE,
        "layer": query.collection,
        "sha256": file_sha256(data),
        "bytes": data.stat().st_size,
        "crs": "EPSG:28992",
        "publisher": ds.publisher,
        "licence": ds.licence,
        "attribution": ds.attribution,
        "url_status": ds.url_status,
        "cache_key": query.key(),
        "notes": list(notes),
    }
    _write_json(entry_dir / _PROVENANCE, prov)
    return CacheEntry(entry_dir, prov)


def fetch(
    datasets: Sequence[str | Dataset],
    area: Area | None,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    settings: DownloadSettings | None = None,
    base_urls: Mapping[str, str] | None = None,
    api_root: str | None = None,
    offline: bool = False,
    refresh: bool = False,
    progress: ProgressCallback | None = None,
    client: HttpClient | None = None,
) -> list[FetchResult]:
    """Download (or take from the cache) every collection of ``datasets`` for ``area``.

    Returns one :class:`FetchResult` per collection, in registry order. Stops at the first
    failure with a :class:`~wlr_geo.DownloadError`; collections done before it stay cached.
    """
    settings = settings or DownloadSettings()
    client = client or HttpClient(settings)
    results = []
    for item in datasets:
        ds = item if isinstance(item, Dataset) else get_dataset(item)
        base = resolve_base_url(ds, overrides=base_urls, api_root=api_root)
        for collection in ds.collections:
            query = CollectionQuery.build(ds.name, base, collection, area, page_limit=settings.page_limit)
            results.append(download_collection(
                query, dataset=ds, area=area, cache_dir=cache_dir, settings=settings,
                client=client, offline=offline, refresh=refresh, progress=progress,
            ))
    return results


def registered_entries(cache_dir: str | os.PathLike[str] | None = None) -> list[CatalogEntry]:
    """Catalogue entries (status "real") for every complete download in the cache.

    Names are ``<dataset>_<collection>``, with the cache key appended when the cache holds the
    same collection for several areas. The provenance record is in ``entry.provenance``.
    """
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    if not cache.is_dir():
        return []
    found = []
    for prov_path in sorted(cache.glob(f"*/*/{_PROVENANCE}")):
        entry = read_cache_entry(prov_path.parent, verify=False)
        if entry is not None:
            found.append(entry)
    counts: dict[str, int] = {}
    for e in found:
        base = f"{e.provenance.get('dataset')}_{e.provenance.get('collection')}"
        counts[base] = counts.get(base, 0) + 1
    out = []
    for e in found:
        try:
            out.append(catalog_entry(e.provenance, file=str(e.data_path), unique=counts[
                f"{e.provenance.get('dataset')}_{e.provenance.get('collection')}"] == 1))
        except WlrGeoError as exc:  # an entry of a dataset this version no longer knows
            log.warning("%s: skipped in the catalogue: %s", e.path, exc)
    return out


def catalog_entry(prov: Mapping[str, Any], *, file: str, features: int | None = None,
                  unique: bool = True, name: str | None = None) -> CatalogEntry:
    """A :class:`CatalogEntry` for a download described by provenance record ``prov``."""
    ds = get_dataset(str(prov.get("dataset")))
    collection = str(prov.get("collection"))
    default_name = f"{ds.name}_{collection}" + ("" if unique else f"_{prov.get('cache_key', '')[:8]}")
    area = prov.get("area") or {}
    return CatalogEntry(
        name=name or default_name,
        theme=ds.theme,
        file=file,
        publisher=str(prov.get("publisher", ds.publisher)),
        licence=str(prov.get("licence", ds.licence)),
        date=str(prov.get("download_end_utc", ""))[:10],
        accuracy=ds.accuracy,
        status="real",
        attribution=str(prov.get("attribution", ds.attribution)),
        title=f"{ds.title} — {collection}" + (f" ({area.get('description')})" if area else ""),
        layer=collection,
        format="vector",
        source=str(prov.get("request_url", "")),
        notes="; ".join(str(n) for n in prov.get("notes", [])) or ds.notes,
        features=int(prov.get("feature_count", 0)) if features is None else features,
        provenance=dict(prov),
    )


# ----------------------------------------------------------------------------------- export


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if value == value and value not in (float("inf"), float("-inf")) else '"nan"'
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value if v is not None) + "]"
    if isinstance(value, Mapping):
        items = [f"{json.dumps(str(k), ensure_ascii=False)} = {_toml_value(v)}"
                 for k, v in value.items() if v is not None]
        return "{ " + ", ".join(items) + " }" if items else "{}"
    return json.dumps(str(value), ensure_ascii=False)


def catalog_toml(entries: Sequence[CatalogEntry], *, header: str = "") -> str:
    """Catalogue entries as ``[[layer]]`` TOML that :func:`wlr_geo.catalog.load_catalog` reads."""
    lines = [f"# {line}" for line in header.splitlines()]
    for e in entries:
        d = e.to_dict()
        d.pop("path", None)
        d.pop("base_dir", None)
        lines.append("")
        lines.append("[[layer]]")
        for key, value in d.items():
            if value is None or value == "" or key == "provenance":
                continue
            lines.append(f"{key} = {_toml_value(value)}")
        if e.provenance:
            lines.append("[layer.provenance]")
            for key, value in e.provenance.items():
                if value is not None:
                    lines.append(f"{json.dumps(str(key))} = {_toml_value(value)}")
    return "\n".join(lines).lstrip("\n") + "\n"


@dataclass(frozen=True)
class ExportResult:
    """What :func:`export_results` wrote: file paths and features per (dataset, collection)."""

    paths: list[Path]
    selected_features: dict[tuple[str, str], int]


def export_results(
    results: Sequence[FetchResult],
    out_dir: str | os.PathLike[str],
    *,
    area: Area | None = None,
    cut: bool = False,
) -> ExportResult:
    """Write one GeoPackage per dataset (a layer per collection) plus ``catalog.toml``.

    Features are selected to the area's polygons (:func:`wlr_geo.io.pdok.datasets.select_in_area`). Each
    GeoPackage is written atomically; ``catalog.toml`` lists every layer with its provenance
    (plus ``selected_features`` after the area selection) and ``provenance.json`` holds the same
    records for scripts. Returns the paths written and the feature count per layer.
    """
    from wlr_geo.io.pdok.datasets import select_in_area
    from wlr_geo.io.vector import write_layers

    out = Path(out_dir)
    by_dataset: dict[str, list[FetchResult]] = {}
    for r in results:
        by_dataset.setdefault(r.dataset, []).append(r)
    written: list[Path] = []
    entries: list[CatalogEntry] = []
    records = []
    selected: dict[tuple[str, str], int] = {}
    for dataset, items in by_dataset.items():
        layers = {}
        target = out / f"{dataset}.gpkg"
        for r in items:
            gdf = r.read()
            if area is not None:
                gdf = select_in_area(gdf, area, cut=cut)
            layers[r.collection] = gdf
            selected[(dataset, r.collection)] = len(gdf)
            prov = dict(r.provenance)
            prov.update(selected_features=len(gdf), output_file=target.name, cut_to_area=cut)
            records.append(prov)
            name = dataset if len(items) == 1 else f"{dataset}_{r.collection}"
            entries.append(catalog_entry(prov, file=target.name, features=len(gdf), name=name))
        written.append(write_layers(layers, target))
    header = (f"Layers downloaded by wlr-geo fetch (wlr_geo {__version__}), {_iso(_utcnow())}.\n"
              "Load with wlr_geo.catalog.load_catalog(this file); provenance per layer below.")
    written.append(atomic_write_text(out / "catalog.toml", catalog_toml(entries, header=header)))
    written.append(atomic_write_text(out / "provenance.json",
                                     json.dumps(records, indent=2, ensure_ascii=False)))
    return ExportResult(written, selected)
