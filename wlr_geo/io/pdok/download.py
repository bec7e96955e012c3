"""Downloading OGC API Features collections into a local cache, with provenance.

Only :func:`fetch` / :func:`download_collection` (and :mod:`wlr_geo.io.pdok.download_bgt` for PDOK's
BGT download API) touch the network, and only when a user runs ``wlr-geo fetch``. The rest of
wlr_geo reads the cache (:func:`registered_entries`) or the exported folder (``catalog.toml``).

How a collection is downloaded
------------------------------
1. The query is built from ``f``, ``limit``, ``crs``, ``bbox``, ``bbox-crs`` (and
   ``datetime``) only: PDOK's server answers 400 on any other parameter. ``limit`` is never
   above 1000, PDOK's maximum. The query and what :func:`_commit` does to the pages are
   hashed into a cache key: ``<cache>/<dataset>/<collection>-<key>/``.
2. Pages are fetched by following ``rel=next`` links. Each page is stored as it arrives in the
   ``.partial/`` work folder (written atomically), and ``state.json`` records the next URL after
   every page, so an interrupted download resumes from the last complete page.
3. Requests go through :class:`~wlr_geo.io.pdok._http.HttpClient` (requests with urllib3's ``Retry``:
   rate limit, backoff with jitter, ``Retry-After``; body problems retried under the same
   policy). Other HTTP errors (404, 400) fail at once.
4. Page checks, since PDOK gives no ``numberMatched``: ``numberReturned`` equals the features
   of every page that carries it; each next link stays on the same host, keeps ``crs``,
   ``bbox``, ``bbox-crs`` (and ``datetime``) and never returns to a page already fetched; the
   last page has no next link; the ``Content-Crs`` header, when sent, is RD New; every
   coordinate lies in the RD area of use. A ``numberMatched`` a server does give is checked too
   (a mismatch restarts the collection once, then fails). What was checked is recorded in the
   provenance (``page_checks`` and ``checks_summary``).
5. When the last page is in, the features get the dataset's standard columns next to PDOK's own
   (:attr:`wlr_geo.io.pdok.datasets.Dataset.standard_columns`), no-data codes become null, and for the BGT
   only current objects are kept. The layer is written to ``data.gpkg`` (atomically) and
   ``provenance.json`` last. An entry is complete only when ``provenance.json`` exists and the
   SHA-256 it records matches the data file, so a failed download never looks complete.

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
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import pandas as pd
import shapely
import shapely.errors
import shapely.geometry
import tomli_w

from wlr_geo._atomic import atomic_write_bytes, atomic_write_text
from wlr_geo._errors import DownloadError, OutOfBoundsError, WlrGeoError, WlrGeoWarning
from wlr_geo._nl import nl
from wlr_geo._version import __version__
from wlr_geo.catalog import CatalogEntry
from wlr_geo.crs import check_bounds
from wlr_geo.io.pdok._http import (
    PDOK_MAX_LIMIT,
    USER_AGENT,
    DownloadSettings,
    HttpClient,
    Page,
    next_link,
)
from wlr_geo.io.pdok.datasets import (
    DATASETS,
    OGC_QUERY_PARAMETERS,
    RD_CRS_URI,
    Area,
    Dataset,
    bgt_current_mask,
    get_dataset,
    resolve_base_url,
)
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
    "processing_signature",
    "read_cache_entry",
    "registered_entries",
]

log = logging.getLogger("wlr_geo")

_DATA_FILE = "data.gpkg"
_PROVENANCE = "provenance.json"
_PARTIAL = ".partial"
#: Bumped whenever :func:`_commit` writes something else for the same pages (part of the key).
_PROCESSING_VERSION = 2
#: Query parameters a next link must keep unchanged (when the first request had them).
_KEPT_PARAMETERS = ("crs", "bbox", "bbox-crs", "datetime")


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


def processing_signature(ds: Dataset) -> str:
    """What :func:`_commit` does to a dataset's pages, as a short string for the cache key."""
    blob = json.dumps([_PROCESSING_VERSION, sorted(ds.standard_columns.items()),
                       list(ds.nodata_values), ds.current_only], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


# ----------------------------------------------------------------------------------- cache


@dataclass(frozen=True)
class CollectionQuery:
    """What is asked of one collection; its :meth:`key` names the cache entry.

    ``processing`` (:func:`processing_signature`) is part of the key but not of the URL.
    """

    dataset: str
    base_url: str
    collection: str
    params: tuple[tuple[str, str], ...]
    processing: str = ""

    @classmethod
    def build(cls, dataset: str, base_url: str, collection: str, area: Area | None,
              *, page_limit: int = PDOK_MAX_LIMIT, datetime: str | None = None,
              processing: str | None = None) -> CollectionQuery:
        """The query of ``collection``; ``limit`` is capped at :data:`~wlr_geo.io.pdok._http.PDOK_MAX_LIMIT`."""
        limit = max(1, min(int(page_limit), PDOK_MAX_LIMIT))
        params = [("f", "json"), ("limit", str(limit)), ("crs", RD_CRS_URI)]
        if area is not None:
            params += [("bbox", area.query_bbox()), ("bbox-crs", RD_CRS_URI)]
        if datetime is not None:
            params.append(("datetime", datetime))
        assert all(k in OGC_QUERY_PARAMETERS for k, _ in params)
        if processing is None:
            processing = processing_signature(DATASETS[dataset]) if dataset in DATASETS else ""
        return cls(dataset, base_url.rstrip("/"), collection, tuple(params), processing)

    def key(self) -> str:
        blob = json.dumps([self.base_url, self.collection, sorted(self.params), self.processing],
                          sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    @property
    def url(self) -> str:
        quoted = urllib.parse.quote(self.collection, safe="")
        return f"{self.base_url}/collections/{quoted}/items?{urllib.parse.urlencode(self.params)}"

    @property
    def limit(self) -> int:
        return int(dict(self.params)["limit"])

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
        log.warning("%s: herkomstgegevens onleesbaar; deze gegevens worden opnieuw gedownload", prov_path)
        return None
    if not isinstance(prov, dict) or not data.is_file():
        return None
    if data.stat().st_size != prov.get("bytes") or (verify and file_sha256(data) != prov.get("sha256")):
        log.warning("%s: het gegevensbestand past niet bij de herkomstgegevens (grootte/SHA-256); "
                    "het wordt opnieuw gedownload", data)
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
    """Reported after every page or status poll (and once for a cache hit).

    ``total`` is the expected end value when known: a ``numberMatched`` a server gave, or 100
    for the percentage of an asynchronous extract; ``None`` while paging PDOK.
    """

    dataset: str
    collection: str
    pages: int
    features: int
    total: int | None
    from_cache: bool = False
    done: bool = False


ProgressCallback = Callable[[ProgressEvent], None]


class _CountMismatchError(Exception):
    pass


def _write_json(path: Path, data: Any) -> None:
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True))


def _fresh_entry(entry_dir: Path, settings: DownloadSettings, *, offline: bool, refresh: bool,
                 what: str, notes: list[str]) -> CacheEntry | None:
    """The cached entry when it may be used (fresh, or stale but offline), else ``None``."""
    existing = None if refresh else read_cache_entry(entry_dir)
    if existing is None:
        return None
    age = existing.age_days()
    if age <= settings.max_age_days or offline:
        if age > settings.max_age_days:
            notes.append(f"kopie in de cache is {nl(age, 0)} dagen oud (ouder dan {nl(settings.max_age_days)}); "
                         "offline, dus toch gebruikt")
            log.warning("%s: %s", what, notes[-1])
        return existing
    notes.append(f"kopie in de cache was {nl(age, 0)} dagen oud; opnieuw gedownload")
    return None


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
        Registry entry, for publisher/licence, standard columns, no-data codes and the BGT
        currency filter (default: by name).
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
    existing = _fresh_entry(entry_dir, settings, offline=offline, refresh=refresh,
                            what=f"{query.dataset}/{query.collection}", notes=notes)
    if existing is not None:
        _emit(progress, query, existing.provenance, from_cache=True)
        return FetchResult(query.dataset, query.collection, existing, True, notes)
    if offline:
        raise DownloadError(
            f"offline: geen volledige download van {query.dataset}/{query.collection} voor dit "
            f"gebied in de cache {cache} (query {query.url}); draai eerst 'wlr-geo fetch' zonder --offline"
        )
    own = client is None
    http = client or HttpClient(settings)
    try:
        with _entry_lock(entry_dir, f"{query.dataset}/{query.collection}"):
            partial = entry_dir / _PARTIAL
            if refresh and partial.exists():
                shutil.rmtree(partial)
            return _download(query, ds, area, entry_dir, partial, settings, http, progress, notes)
    finally:
        if own:
            http.close()


@contextlib.contextmanager
def _entry_lock(entry_dir: Path, what: str) -> Iterator[None]:
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
                f"een andere wlr-geo fetch downloadt {what} op dit moment naar {entry_dir}; "
                "wacht tot die klaar is"
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
                raise DownloadError(f"download mislukt: {query.url}: {exc}; de gedeeltelijke download "
                                    "is weggegooid") from None
            restarts -= 1
            log.warning("%s: %s; de collectie wordt opnieuw gedownload", query.url, exc)
    entry = _commit(query, ds, area, entry_dir, partial, state, notes)
    shutil.rmtree(partial, ignore_errors=True)
    _emit(progress, query, entry.provenance, from_cache=False)
    return FetchResult(query.dataset, query.collection, entry, False, notes)


def _emit(progress: ProgressCallback | None, query: CollectionQuery, prov: Mapping[str, Any],
          *, from_cache: bool) -> None:
    if progress is not None:
        n = int(prov.get("feature_count", 0))
        progress(ProgressEvent(query.dataset, query.collection, int(prov.get("pages", 0)), n, n,
                               from_cache=from_cache, done=True))


_STATE_KEYS = ("key", "first_url", "next", "pages", "features", "number_matched", "urls",
               "started_utc", "page_sizes", "pages_with_number_returned", "content_crs")


def _load_state(partial: Path, query: CollectionQuery) -> dict[str, Any] | None:
    path = partial / "state.json"
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        log.warning("%s: hervatgegevens onleesbaar; de download begint opnieuw", path)
        return None
    if not isinstance(state, dict) or state.get("key") != query.key() or any(k not in state for k in _STATE_KEYS):
        return None
    done = state.get("pages")
    if not isinstance(done, int):
        return None
    for page_file in partial.glob("page-*.json"):
        # a page stored after the last state update (interrupted in between) is fetched again
        if int(page_file.stem.split("-")[1]) > done:
            page_file.unlink()
    if len(list(partial.glob("page-*.json"))) != done:
        log.warning("%s: hervatgegevens en opgeslagen pagina's komen niet overeen; de download begint opnieuw", partial)
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
                 "started_utc": _iso(_utcnow()), "resumed_from_page": None,
                 "page_sizes": [], "pages_with_number_returned": 0, "content_crs": []}
        _write_json(partial / "state.json", state)
    elif state["next"]:
        state["resumed_from_page"] = state["pages"] + 1
        log.info("%s/%s: verder bij pagina %d (%s objecten al opgeslagen)", query.dataset,
                 query.collection, state["pages"] + 1, nl(state["features"]))
    while state["next"]:
        url = str(state["next"])
        if state["pages"] >= settings.max_pages:
            raise DownloadError(f"download mislukt: {url}: meer dan {nl(settings.max_pages)} pagina's; "
                                "gebruik een kleiner gebied")
        page = client.get_page(url)
        crs = _check_crs(page)
        doc = page.doc
        matched = doc.get("numberMatched")
        if state["number_matched"] is None and isinstance(matched, int) and matched >= 0:
            state["number_matched"] = matched
        nxt = next_link(doc, url)
        if nxt is not None:
            _check_next_link(nxt, url, query, visited=state["urls"])
        n = state["pages"] + 1
        atomic_write_bytes(partial / f"page-{n:06d}.json", page.body)
        state.update(pages=n, features=state["features"] + len(doc["features"]), next=nxt,
                     urls=[*state["urls"], url], page_sizes=[*state["page_sizes"], len(doc["features"])],
                     pages_with_number_returned=state["pages_with_number_returned"] + ("numberReturned" in doc),
                     content_crs=sorted({*state["content_crs"], crs or "(none)"}))
        _write_json(partial / "state.json", state)
        if progress is not None:
            progress(ProgressEvent(query.dataset, query.collection, n, state["features"],
                                   state["number_matched"]))
    matched = state["number_matched"]
    if matched is not None and matched != state["features"]:
        raise _CountMismatchError(f"numberMatched is {nl(matched)} maar de pagina's bevatten {nl(state['features'])} "
                                  "objecten (de gegevens op de server veranderden tijdens het ophalen, of er "
                                  "gingen pagina's verloren)")
    return state


def _check_next_link(nxt: str, url: str, query: CollectionQuery, *, visited: Sequence[str]) -> None:
    """A next link must stay on the host, keep the query's CRS/area, and not loop."""
    if nxt == url or nxt in visited:
        raise DownloadError(f"download mislukt: {url}: de rel=next-link van de server verwijst terug "
                            f"naar een pagina die al is opgehaald ({nxt})")
    here, there = urllib.parse.urlsplit(url), urllib.parse.urlsplit(nxt)
    if (here.scheme, here.netloc) != (there.scheme, there.netloc):
        raise DownloadError(f"download mislukt: {url}: de rel=next-link van de server leidt naar een andere "
                            f"host ({there.scheme}://{there.netloc}); niet gevolgd")
    asked = dict(query.params)
    got = dict(urllib.parse.parse_qsl(there.query, keep_blank_values=True))
    for key in _KEPT_PARAMETERS:
        if key in asked and got.get(key) != asked[key]:
            raise DownloadError(
                f"download mislukt: {url}: de rel=next-link van de server "
                + (f"laat {key} weg" if key not in got else f"verandert {key} in {got[key]!r}")
                + f" (gevraagd: {asked[key]!r}); volgen zou "
                + ("coördinatenstelsels" if key.endswith("crs") else "gebieden" if key == "bbox" else "momenten")
                + " door elkaar halen"
            )


def _check_crs(page: Page) -> str | None:
    """The page's ``Content-Crs`` (``None`` when absent); anything but RD New is an error."""
    if page.content_crs is None:
        return None
    got = page.content_crs.strip().strip("<>").strip()
    if got != RD_CRS_URI:
        raise DownloadError(
            f"download mislukt: {page.url}: de server antwoordde in CRS {got}, niet in het gevraagde "
            f"{RD_CRS_URI}; deze dienst levert geen RD"
        )
    return got


def _geometries(features: Sequence[Mapping[str, Any]], *, source: str) -> Any:
    """Shapely geometries of GeoJSON features: GEOS's GeoJSON reader on all of them at once
    (about ten times faster than one ``shape()`` per feature); on an unreadable geometry the
    features are read one by one to name the culprit."""
    import numpy as np

    texts = np.array([json.dumps(f["geometry"]) if isinstance(f, Mapping) and f.get("geometry") else None
                      for f in features], dtype=object)
    with contextlib.suppress(shapely.errors.ShapelyError, ValueError, TypeError):
        return shapely.from_geojson(texts, on_invalid="raise")
    geoms = []
    for i, f in enumerate(features):
        g = f.get("geometry") if isinstance(f, Mapping) else None
        try:
            geoms.append(shapely.geometry.shape(g) if g else None)
        except (ValueError, TypeError, AttributeError, KeyError, shapely.errors.ShapelyError) as exc:
            fid = f.get("id", i) if isinstance(f, Mapping) else i
            raise DownloadError(f"download mislukt: {source}: object {fid} heeft een onleesbare "
                                f"geometrie ({exc})") from None
    return geoms


def _features_to_frame(features: Sequence[Mapping[str, Any]], *, source: str) -> gpd.GeoDataFrame:
    geoms = _geometries(features, source=source)
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


def _null_sentinels(gdf: gpd.GeoDataFrame, values: Iterable[float]) -> dict[str, int]:
    """Replace no-data codes in numeric columns by null; returns the count per column."""
    vals = list(values)
    counts: dict[str, int] = {}
    if not vals:
        return counts
    for col in gdf.columns:
        if col == gdf.geometry.name or not pd.api.types.is_numeric_dtype(gdf[col]) or pd.api.types.is_bool_dtype(gdf[col]):
            continue
        mask = gdf[col].isin(vals)
        if mask.any():
            counts[str(col)] = int(mask.sum())
            gdf[col] = gdf[col].astype("float64").mask(mask)
    return counts


def _standard_columns(gdf: gpd.GeoDataFrame, mapping: Mapping[str, str]) -> tuple[gpd.GeoDataFrame, dict[str, str], list[str]]:
    """Add the standard columns (copies of PDOK's properties) in front; originals are kept.

    Returns the frame, the standard columns made (→ source) and the notes for those that could
    not be made. A standard column the server already sends is left as it is.
    """
    made: dict[str, str] = {}
    problems: list[str] = []
    new: dict[str, Any] = {}
    for std, src in mapping.items():
        if std in gdf.columns:
            problems.append(f"kolom {std} kwam al van de server en is ongewijzigd gelaten")
        elif src in gdf.columns:
            new[std] = gdf[src]
            made[std] = src
        elif len(gdf):
            problems.append(f"standaardkolom {std} niet gemaakt: de server leverde geen {src}")
        else:
            new[std] = pd.Series([], dtype=object, index=gdf.index)
            made[std] = src
    if not new:
        return gdf, made, problems
    front = [c for c in gdf.columns if c in ("id", "feature_id")]
    rest = [c for c in gdf.columns if c not in front]
    out = pd.concat([gdf[front], pd.DataFrame(new, index=gdf.index), gdf[rest]], axis=1)
    return gpd.GeoDataFrame(out, geometry=gdf.geometry.name, crs=gdf.crs), made, problems


def _bgt_current(gdf: gpd.GeoDataFrame, source: str) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Keep the current BGT objects (:func:`wlr_geo.io.pdok.datasets.bgt_current_mask`); counts for provenance."""
    rule = "status = 'bestaand' en geen eind_registratie of termination_date (regel van de BGT-GML-lezer)"
    if not len(gdf):
        return gdf, {"rule": rule, "objects": 0, "kept": 0}
    try:
        keep = bgt_current_mask(gdf)
    except KeyError:
        raise DownloadError(
            f"download mislukt: {source}: de BGT-objecten hebben geen eigenschap 'status', dus actuele en "
            "historische objecten zijn niet te onderscheiden; gebruik --bgt-source download (CityGML-uittreksel)"
        ) from None
    stats: dict[str, Any] = {"rule": rule, "objects": len(gdf), "kept": int(keep.sum())}
    for col in ("eind_registratie", "termination_date"):
        if col in gdf.columns:
            stats[f"with_{col}"] = int(gdf[col].notna().sum())
    stats["status_not_bestaand"] = int((~gdf["status"].astype("string").str.strip().str.casefold()
                                        .eq("bestaand").fillna(False)).sum())
    return gpd.GeoDataFrame(gdf[keep.to_numpy()].reset_index(drop=True), crs=gdf.crs), stats


def _page_checks(query: CollectionQuery, state: Mapping[str, Any]) -> dict[str, Any]:
    sizes = list(state["page_sizes"])
    crs_seen = [c for c in state["content_crs"] if c != "(none)"]
    return {
        "pages": state["pages"],
        "pages_with_number_returned": state["pages_with_number_returned"],
        "number_returned_equals_features": True,
        "ended_without_next_link": True,
        "next_links_same_host": True,
        "next_links_kept": [k for k in _KEPT_PARAMETERS if k in dict(query.params)],
        "no_page_fetched_twice": True,
        "requested_limit": query.limit,
        "largest_page": max(sizes, default=0),
        "last_page": sizes[-1] if sizes else 0,
        "content_crs": crs_seen[0] if crs_seen else None,
        "pages_without_content_crs": "(none)" in state["content_crs"],
        "number_matched": state["number_matched"],
        "coordinates_in_rd_area": True,
    }


def _checks_summary(checks: Mapping[str, Any], features: int) -> str:
    parts = [f"{nl(checks['pages'])} pagina('s), {nl(features)} objecten"]
    if checks["pages_with_number_returned"] == checks["pages"]:
        parts.append("numberReturned klopt op elke pagina")
    else:
        parts.append(f"numberReturned klopt op {nl(checks['pages_with_number_returned'])} van de "
                     f"{nl(checks['pages'])} pagina's (de andere gaven het niet)")
    parts.append("laatste pagina zonder next-link; next-links op dezelfde host met "
                 + "/".join(checks["next_links_kept"]) + " ongewijzigd, geen pagina dubbel")
    if checks["number_matched"] is None:
        parts.append("numberMatched niet geleverd (PDOK geeft het niet), dus geen totaalcontrole")
    else:
        parts.append(f"numberMatched {nl(checks['number_matched'])} klopt")
    if checks["content_crs"] and not checks["pages_without_content_crs"]:
        parts.append("Content-Crs EPSG:28992 op elke pagina")
    elif checks["content_crs"]:
        parts.append("Content-Crs EPSG:28992 waar gegeven, niet op elke pagina")
    else:
        parts.append("geen Content-Crs-header")
    parts.append("alle coördinaten binnen het RD-bereik")
    if checks["largest_page"] > checks["requested_limit"]:
        parts.append(f"let op: een pagina had {nl(checks['largest_page'])} objecten bij limit "
                     f"{nl(checks['requested_limit'])}")
    return "; ".join(parts)


def _commit(query: CollectionQuery, ds: Dataset, area: Area | None, entry_dir: Path,
            partial: Path, state: dict[str, Any], notes: list[str]) -> CacheEntry:
    features: list[Any] = []
    for page_file in sorted(partial.glob("page-*.json")):
        features.extend(json.loads(page_file.read_bytes())["features"])
    if len(features) != state["features"]:
        shutil.rmtree(partial, ignore_errors=True)
        raise DownloadError(f"download mislukt: {query.url}: de opgeslagen pagina's bevatten {nl(len(features))} "
                            f"objecten, verwacht {nl(state['features'])}; de gedeeltelijke download is weggegooid")
    gdf = _features_to_frame(features, source=query.url)
    try:
        check_bounds(gdf, source=query.url, layer=query.collection)
    except OutOfBoundsError as exc:
        raise DownloadError(f"download mislukt: {query.url}: de coördinaten zijn geen RD-meters "
                            f"({exc.problems[0].message}); de server negeerde waarschijnlijk crs={RD_CRS_URI}") from None
    current = None
    if ds.current_only == "bgt":
        gdf, current = _bgt_current(gdf, query.url)
        dropped = current["objects"] - current["kept"]
        if dropped:
            notes.append(f"{nl(dropped)} niet-actuele BGT-objecten weggelaten (beëindigd of niet 'bestaand')")
    nulled = _null_sentinels(gdf, ds.nodata_values)
    if nulled:
        codes = ", ".join(f"{v:g}" for v in ds.nodata_values)
        notes.append(f"{nl(sum(nulled.values()))} geen-waardecodes ({codes}) als leeg opgeslagen")
    gdf, made, column_notes = _standard_columns(gdf, ds.standard_columns)
    notes.extend(column_notes)
    if not features:
        notes.append("0 objecten: de collectie heeft niets in dit gebied (een geldig, leeg resultaat)")
    elif current is not None and not len(gdf):
        notes.append("0 actuele objecten in dit gebied")
    checks = _page_checks(query, state)
    # the entry stops looking complete before the data file changes
    with contextlib.suppress(FileNotFoundError):
        (entry_dir / _PROVENANCE).unlink()
    data = write_layer(gdf, entry_dir / _DATA_FILE, layer=query.collection, replace_file=True)
    roles = {role: col for role, col in ds.roles.items() if col in made}
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
        "downloaded_features": len(features),
        "feature_count": len(gdf),
        "number_matched": state["number_matched"],
        "pages": state["pages"],
        "resumed_from_page": state.get("resumed_from_page"),
        "page_checks": checks,
        "checks_summary": _checks_summary(checks, len(features)),
        "file": _DATA_FILE,
        "layer": query.collection,
        "sha256": file_sha256(data),
        "bytes": data.stat().st_size,
        "crs": "EPSG:28992",
        "publisher": ds.publisher,
        "licence": ds.licence,
        "attribution": ds.attribution,
        "url_status": ds.url_status,
        "rd_output": ds.rd_output,
        "dataset_sources": list(ds.sources),
        "standard_columns": made,
        "column_roles": roles,
        "id_column": ds.id_column if ds.id_column in made else None,
        "nodata_values": list(ds.nodata_values),
        "nulled_values": nulled,
        "current_filter": current,
        "year": ds.year,
        "release": ds.release,
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
    cbs_year: int | None = None,
    bgt_source: Literal["ogc", "download"] = "ogc",
) -> list[FetchResult]:
    """Download (or take from the cache) every collection of ``datasets`` for ``area``.

    Parameters
    ----------
    datasets
        Dataset names of :data:`wlr_geo.io.pdok.datasets.DATASETS` (``"wijken"``, ``"bgt"``, ...).
    area
        What to download (:func:`~wlr_geo.io.pdok.datasets.area_from_gemeenten`,
        :func:`~wlr_geo.io.pdok.datasets.area_from_bbox`,
        :func:`~wlr_geo.io.pdok.datasets.area_from_route`); None for a whole collection.
    cache_dir
        The download cache (default :func:`default_cache_dir`).
    offline
        Only take complete downloads from the cache; never use the network.
    cbs_year
        Year of the CBS wijken-en-buurten services (:data:`wlr_geo.io.pdok.datasets.CBS_YEARS`); default
        :data:`wlr_geo.io.pdok.datasets.DEFAULT_CBS_YEAR`, the newest with complete key figures.
    bgt_source
        ``"ogc"``: BGT collections through the OGC API (current objects kept);
        ``"download"``: one CityGML extract from PDOK's BGT download API, read with
        :func:`wlr_geo.io.bgt.read_bgt` (needs an ``area``).

    Returns
    -------
    list of FetchResult
        One per collection, in registry order.

    Raises
    ------
    DownloadError
        At the first failure; collections done before it stay cached.

    Warns
    -----
    WlrGeoWarning
        A ``page_limit`` above PDOK's maximum of 1000 (1000 is used).

    Examples
    --------
    This example does not touch the network: the datasets are a table in the package, the area
    comes from the embedded municipal boundaries, and ``offline=True`` only reads the cache
    (an empty one here, so the call says what is missing).

    >>> import tempfile
    >>> import wlr_geo
    >>> from wlr_geo.io.pdok.datasets import DATASETS, area_from_gemeenten
    >>> sorted(DATASETS)
    ['bag', 'bgt', 'buurten', 'gemeenten', 'natura2000', 'spoor', 'wegen', 'wijken']
    >>> area = area_from_gemeenten(["GM0546"])  # Leiden
    >>> area.query_bbox()
    '90099,459364,95921,466645'
    >>> cache = tempfile.TemporaryDirectory()
    >>> wlr_geo.fetch(["wijken"], area, cache_dir=cache.name, offline=True)
    Traceback (most recent call last):
    ...
    wlr_geo._errors.DownloadError: offline: geen volledige download van wijken/wijken voor dit gebied ...
    >>> cache.cleanup()
    """
    settings = settings or (client.settings if client else DownloadSettings())
    if settings.page_limit > PDOK_MAX_LIMIT:
        warnings.warn(f"paginagrootte {nl(settings.page_limit)} is boven het maximum van PDOK "
                      f"({nl(PDOK_MAX_LIMIT)}); {nl(PDOK_MAX_LIMIT)} wordt gebruikt", WlrGeoWarning, stacklevel=2)
    if bgt_source not in ("ogc", "download"):
        raise ValueError(f"bgt_source moet 'ogc' of 'download' zijn, gekregen: {bgt_source!r}")
    own = client is None
    client = client or HttpClient(settings)
    try:
        return _fetch_all(datasets, area, client=client, settings=settings, cache_dir=cache_dir,
                          base_urls=base_urls, api_root=api_root, offline=offline, refresh=refresh,
                          progress=progress, cbs_year=cbs_year, bgt_source=bgt_source)
    finally:
        if own:
            client.close()


def _fetch_all(datasets: Sequence[str | Dataset], area: Area | None, *, client: HttpClient,
               settings: DownloadSettings, cache_dir: str | os.PathLike[str] | None,
               base_urls: Mapping[str, str] | None, api_root: str | None, offline: bool, refresh: bool,
               progress: ProgressCallback | None, cbs_year: int | None, bgt_source: str) -> list[FetchResult]:
    results = []
    for item in datasets:
        ds = item if isinstance(item, Dataset) else get_dataset(item)
        ds = ds.with_year(cbs_year)
        if ds.name == "bgt" and bgt_source == "download":
            from wlr_geo.io.pdok.download_bgt import fetch_bgt_extract

            if area is None:
                raise DownloadError("de BGT-download-API heeft een gebied nodig (--gemeente, --bbox of --route)")
            results.extend(fetch_bgt_extract(
                ds, area, cache_dir=cache_dir, settings=settings, client=client, api_root=api_root,
                offline=offline, refresh=refresh, progress=progress,
            ))
            continue
        base = resolve_base_url(ds, overrides=base_urls, api_root=api_root)
        for collection in ds.collections:
            query = CollectionQuery.build(ds.name, base, collection, area, page_limit=settings.page_limit,
                                          processing=processing_signature(ds))
            results.append(download_collection(
                query, dataset=ds, area=area, cache_dir=cache_dir, settings=settings,
                client=client, offline=offline, refresh=refresh, progress=progress,
            ))
    return results


def _layer_records(prov: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One provenance record per layer (a BGT extract entry holds one layer per class)."""
    layers = prov.get("layers")
    if not isinstance(layers, Mapping):
        return [dict(prov)]
    return [{**prov, "collection": name, "layer": name, "feature_count": int(n)} for name, n in layers.items()]


def registered_entries(cache_dir: str | os.PathLike[str] | None = None) -> list[CatalogEntry]:
    """Catalogue entries (status "real") for every complete download in the cache.

    Names are ``<dataset>_<collection>``, with the cache key appended when the cache holds the
    same collection for several areas. The provenance record is in ``entry.provenance``.
    """
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    if not cache.is_dir():
        return []
    found: list[tuple[CacheEntry, dict[str, Any]]] = []
    for prov_path in sorted(cache.glob(f"*/*/{_PROVENANCE}")):
        entry = read_cache_entry(prov_path.parent, verify=False)
        if entry is not None:
            found.extend((entry, rec) for rec in _layer_records(entry.provenance))
    counts: dict[str, int] = {}
    for _, rec in found:
        base = f"{rec.get('dataset')}_{rec.get('collection')}"
        counts[base] = counts.get(base, 0) + 1
    out = []
    for e, rec in found:
        try:
            out.append(catalog_entry(rec, file=str(e.data_path),
                                     unique=counts[f"{rec.get('dataset')}_{rec.get('collection')}"] == 1))
        except WlrGeoError as exc:  # an entry of a dataset this version no longer knows
            log.warning("%s: overgeslagen in de catalogus: %s", e.path, exc)
    return out


def catalog_entry(prov: Mapping[str, Any], *, file: str, features: int | None = None,
                  unique: bool = True, name: str | None = None) -> CatalogEntry:
    """A :class:`CatalogEntry` for a download described by provenance record ``prov``.

    The entry carries the layer's ``id_column`` and column roles (role → column), so a project
    config can name the layer with ``catalog = "<name>"`` and use it without renaming columns.
    """
    ds = get_dataset(str(prov.get("dataset")))
    collection = str(prov.get("collection"))
    default_name = f"{ds.name}_{collection}" + ("" if unique else f"_{prov.get('cache_key', '')[:8]}")
    area = prov.get("area") or {}
    title = str(prov.get("title", ds.title))
    roles = prov.get("column_roles")
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
        title=f"{title} — {collection}" + (f" ({area.get('description')})" if area else ""),
        layer=collection,
        format="vector",
        source=str(prov.get("request_url", "")),
        notes="; ".join(str(n) for n in prov.get("notes", [])) or ds.notes,
        features=int(prov.get("feature_count", 0)) if features is None else features,
        id_column=str(prov["id_column"]) if prov.get("id_column") else None,
        columns=dict(roles) if isinstance(roles, Mapping) else {},
        provenance=dict(prov),
    )


# ----------------------------------------------------------------------------------- export


def _toml_clean(value: Any) -> Any:
    """A value tomli-w can write: no ``None`` (dropped), tuples as lists, other objects as text."""
    if isinstance(value, Mapping):
        return {str(k): _toml_clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_toml_clean(v) for v in value if v is not None]
    if isinstance(value, bool | int | float | str | datetime):
        return value
    return str(value)


def catalog_toml(entries: Sequence[CatalogEntry], *, header: str = "") -> str:
    """Catalogue entries as ``[[layer]]`` TOML that :func:`wlr_geo.catalog.load_catalog` reads."""
    tables = []
    for e in entries:
        d = e.to_dict()
        d.pop("path", None)
        d.pop("base_dir", None)
        d = {k: v for k, v in d.items() if v is not None and v != "" and v != {}}
        tables.append(_toml_clean(d))
    text = tomli_w.dumps({"layer": tables})
    comments = "".join(f"# {line}\n" for line in header.splitlines())
    return comments + ("\n" if comments else "") + text


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
    GeoPackage is written atomically; ``catalog.toml`` lists every layer with its provenance,
    ``id_column`` and column roles (plus ``selected_features`` after the area selection), so a
    project config can name the layers (``[project] catalogs = ["<out>/catalog.toml"]``).
    ``provenance.json`` holds the same records for scripts. A BGT extract from the download API
    is also copied as ``bgt_extract.zip`` and listed as layer ``bgt_extract`` (format ``bgt``).
    Layers of other datasets that an earlier fetch wrote into the same folder stay listed (one
    folder can collect several fetch runs); those of the datasets fetched now are replaced.
    Returns the paths written and the feature count per layer.
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
        extract = _extract_of(items)
        if extract is not None:
            written.append(_copy_atomic(extract[0], out / "bgt_extract.zip"))
            entries.append(_extract_entry(extract[1], "bgt_extract.zip"))
    kept_entries, kept_records = _earlier_export(out, set(by_dataset))
    entries = kept_entries + entries
    records = kept_records + records
    header = (f"Lagen gedownload met wlr-geo fetch (wlr_geo {__version__}), {_iso(_utcnow())}.\n"
              "Laad met wlr_geo.catalog.load_catalog(dit bestand), of noem het in een projectconfiguratie:\n"
              "[project] catalogs = [\"<deze map>/catalog.toml\"]; de herkomst per laag staat hieronder.")
    written.append(atomic_write_text(out / "catalog.toml", catalog_toml(entries, header=header)))
    written.append(atomic_write_text(out / "provenance.json",
                                     json.dumps(records, indent=2, ensure_ascii=False)))
    return ExportResult(written, selected)


def _earlier_export(out: Path, datasets: set[str]) -> tuple[list[CatalogEntry], list[dict[str, Any]]]:
    """Entries and provenance records of an earlier fetch into ``out`` for other datasets."""
    from wlr_geo.catalog import load_catalog

    path = out / "catalog.toml"
    if not path.is_file():
        return [], []
    try:
        earlier = load_catalog(path)
    except WlrGeoError as exc:
        log.warning("%s: de eerdere catalogus is onleesbaar (%s); die wordt vervangen", path, exc)
        return [], []
    entries = [e for e in earlier.values()
               if e.provenance.get("dataset") not in datasets and e.path.exists()]
    records: list[dict[str, Any]] = []
    with contextlib.suppress(OSError, ValueError):
        loaded = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
        if isinstance(loaded, list):
            records = [r for r in loaded if isinstance(r, dict) and r.get("dataset") not in datasets]
    return entries, records


def _extract_of(items: Sequence[FetchResult]) -> tuple[Path, dict[str, Any]] | None:
    for r in items:
        name = r.provenance.get("extract_zip")
        if name:
            return r.entry.path / str(name), dict(r.provenance)
    return None


def _copy_atomic(src: Path, dst: Path) -> Path:
    from wlr_geo._atomic import atomic_path

    with atomic_path(dst) as tmp:
        shutil.copyfile(src, tmp)
    return dst


def _extract_entry(prov: Mapping[str, Any], file: str) -> CatalogEntry:
    ds = get_dataset("bgt")
    record = {k: v for k, v in prov.items() if k not in ("collection", "layer", "feature_count")}
    return CatalogEntry(
        name="bgt_extract", theme=ds.theme, file=file, publisher=ds.publisher, licence=ds.licence,
        date=str(prov.get("download_end_utc", ""))[:10], accuracy=ds.accuracy, status="real",
        attribution=ds.attribution, title="BGT-extract (CityGML) van de PDOK download-API",
        format="bgt", source=str(prov.get("download_url", "")),
        notes="hele leveringsvakken: meer dan het gebied; wlr_geo.io.bgt.read_bgt houdt alleen actuele objecten",
        provenance=record,
    )
