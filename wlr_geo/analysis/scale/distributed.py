"""Route analyses on big layers, chunk by chunk: in one process or spread over a Dask cluster.

The route is split into *chunks* of chainage whose boundaries are multiples of ``segment_m``
(:func:`route_chunks`). A chunk task (:func:`run_chunk`)

1. rebuilds the route from WKB (a fresh geometry per task: GEOS prepared geometries are not
   thread-safe, so nothing prepared is ever shared between workers or threads),
2. cuts the *window* ``[from_m - margin_m, to_m + margin_m]`` out of the route,
3. reads only the features within ``search_m`` of the window from the layer (a partitioned
   GeoParquet dataset, a GeoParquet file or a GPKG) with the *reader* it is given (normally
   :func:`wlr_geo.io.area.read_area`: the engines never import a reader themselves),
   building its own STRtree,
4. runs the analysis on the window with the window's start chainage as offset, and
5. keeps only the rows whose ``chainage_m`` falls in its own half-open range
   ``[from_m, to_m)`` (the last chunk also keeps ``chainage_m == route length``).

The concatenated rows equal the single-machine run on the whole route with the whole layer as
long as every object that a result row depends on lies inside the window: for the crossing
register that holds when ``margin_m`` exceeds the extent along the route of any one object plus
``merge_distance_m`` and ``parallel_distance_m`` (default 200 m; raise it for layers with long
objects, e.g. KLIC links of several hundred metres). Chainage on the window plus the offset
equals chainage on the route up to float rounding (~1e-9 m).

Engines: :func:`run_local` runs the chunks one after another in this process (memory bounded by
one chunk); :func:`run_distributed` runs them on a ``dask.distributed.LocalCluster`` (processes,
one thread each) or on an existing cluster given by its scheduler address. Both return the
same :data:`RouteResult`.

An analysis is a picklable callable ``(window_line, features, offset_m) -> {name: DataFrame}``
whose frames all have a ``chainage_m`` column measured along the whole route; it may carry a
``search_m`` attribute (how far from the line it needs features). :class:`CrossingAnalysis` is
the one shipped: crossings, parallel runs and cable counts per route segment.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString
from shapely.ops import substring

from wlr_geo._errors import WlrGeoError, WlrGeoInputError
from wlr_geo.analysis.crossings.register import CrossingOptions, find_crossings

__all__ = [
    "AreaReader",
    "ChunkTask",
    "CrossingAnalysis",
    "RouteAnalysis",
    "RouteResult",
    "close_client",
    "route_chunks",
    "run_chunk",
    "run_distributed",
    "run_local",
    "segment_counts",
]

log = logging.getLogger("wlr_geo")

#: Result of a chunked run: frame name → rows (each with ``chainage_m``).
RouteResult = dict[str, pd.DataFrame]
#: (window line, candidate features, chainage offset of the window start) → frames whose
#: ``chainage_m`` is measured along the whole route.
RouteAnalysis = Callable[[LineString, gpd.GeoDataFrame, float], Mapping[str, pd.DataFrame]]
#: Reads the features of a big layer near an area: ``reader(dataset, area, columns=..., engine=...)``
#: (normally :func:`wlr_geo.io.area.read_area`; a module-level function, so Dask can pickle it).
AreaReader = Callable[..., gpd.GeoDataFrame]

_SORT_KEYS = ("chainage_m", "object_id", "segment")


@dataclass(frozen=True)
class ChunkTask:
    """One piece of work: the route (as WKB, rebuilt in the worker) and its chainage range."""

    index: int
    route_wkb: bytes
    from_m: float
    to_m: float
    margin_m: float
    search_m: float
    last: bool


def route_chunks(route: LineString, *, n_chunks: int, segment_m: float = 100.0, margin_m: float = 200.0,
                 search_m: float = 100.0) -> list[ChunkTask]:
    """Split ``route`` into at most ``n_chunks`` chainage ranges whose bounds are multiples of ``segment_m``.

    Parameters
    ----------
    route
        The centreline (EPSG:28992, metres).
    n_chunks
        Wanted number of chunks (fewer when the route has fewer segments).
    segment_m, margin_m, search_m
        Segment length the bounds align to; overlap of each window with its neighbours; search
        distance around the window (all metres).
    """
    if not isinstance(route, LineString) or route.is_empty or not route.length > 0:
        raise WlrGeoInputError("het tracé moet een niet-lege LineString met positieve lengte zijn",
                               hint="voeg het tracé eerst samen met wlr_geo.analysis.route.centreline.prepare_route")
    if not (segment_m > 0 and margin_m >= 0 and search_m >= 0):
        raise WlrGeoInputError(f"segment_m moet > 0 zijn en margin_m, search_m ≥ 0 (gekregen: {segment_m}, "
                               f"{margin_m}, {search_m})")
    length = float(route.length)
    n_seg = max(1, math.ceil(length / segment_m - 1e-9))
    per = max(1, math.ceil(n_seg / max(1, int(n_chunks))))
    wkb = shapely.to_wkb(route)
    starts = list(range(0, n_seg, per))
    return [
        ChunkTask(i, wkb, start * segment_m, min(length, (start + per) * segment_m), margin_m, search_m,
                  last=i == len(starts) - 1)
        for i, start in enumerate(starts)
    ]


def run_chunk(task: ChunkTask, dataset: str, analysis: RouteAnalysis, columns: list[str] | None = None,
              engine: str = "embedded", *, reader: AreaReader) -> RouteResult:
    """Run one chunk: rebuild the route, read the features near the window, analyse, keep own rows."""
    route = shapely.from_wkb(task.route_wkb)  # a fresh geometry per task: nothing shared
    length = float(route.length)
    lo = max(0.0, task.from_m - task.margin_m)
    hi = min(length, task.to_m + task.margin_m)
    window = substring(route, lo, hi)
    features = reader(dataset, window.buffer(task.search_m), columns=columns, engine=engine)
    out: RouteResult = {}
    for name, rows in analysis(window, features, lo).items():
        ch = rows["chainage_m"].to_numpy(dtype=float)
        own = (ch >= task.from_m) & ((ch < task.to_m) | task.last)
        out[name] = rows.loc[own]
    return out


def _finish(parts: list[RouteResult]) -> RouteResult:
    names: list[str] = []
    for p in parts:
        names.extend(n for n in p if n not in names)
    out: RouteResult = {}
    for name in names:
        frames = [p[name] for p in parts if name in p]
        non_empty = [f for f in frames if len(f)]
        df = pd.concat(non_empty, ignore_index=True) if non_empty else frames[0].iloc[:0].reset_index(drop=True)
        keys = [k for k in _SORT_KEYS if k in df.columns]
        out[name] = df.sort_values(keys, kind="stable").reset_index(drop=True) if keys else df
    return out


def _n_chunks(route: LineString, n_chunks: int | None, chunk_m: float, minimum: int = 1) -> int:
    if n_chunks is not None and n_chunks > 0:
        return int(n_chunks)
    return max(minimum, math.ceil(route.length / chunk_m))


def _search(analysis: RouteAnalysis, search_m: float | None) -> float:
    if search_m is not None:
        return float(search_m)
    return float(getattr(analysis, "search_m", 100.0))


def run_local(route: LineString, dataset: str | os.PathLike[str], analysis: RouteAnalysis, *,
              n_chunks: int | None = None, chunk_m: float = 2_000.0, segment_m: float = 100.0,
              margin_m: float = 200.0, search_m: float | None = None, columns: list[str] | None = None,
              engine: str = "embedded", reader: AreaReader) -> RouteResult:
    """The embedded single-process engine: chunk by chunk, memory bounded by one chunk.

    Parameters
    ----------
    route
        Centreline in EPSG:28992.
    dataset
        A partitioned GeoParquet dataset folder, a GeoParquet file or a GPKG (``path`` or
        ``path:layer``).
    analysis
        See :data:`RouteAnalysis`, e.g. :class:`CrossingAnalysis`.
    n_chunks, chunk_m
        Number of chunks, or (when ``n_chunks`` is None) one chunk per ``chunk_m`` of route.
    segment_m, margin_m, search_m
        See :func:`route_chunks`; ``search_m`` defaults to ``analysis.search_m`` (else 100).
    columns
        Attribute columns to read (default all).
    engine
        ``"embedded"`` (GeoParquet bbox push-down) or ``"duckdb"`` (candidates selected by DuckDB
        spatial); the analysis itself is the same.
    reader
        Reads the features near each chunk window (:data:`AreaReader`, normally
        :func:`wlr_geo.io.area.read_area`).
    """
    tasks = route_chunks(route, n_chunks=_n_chunks(route, n_chunks, chunk_m), segment_m=segment_m,
                         margin_m=margin_m, search_m=_search(analysis, search_m))
    return _finish([run_chunk(t, str(dataset), analysis, columns, engine, reader=reader) for t in tasks])


def run_distributed(route: LineString, dataset: str | os.PathLike[str], analysis: RouteAnalysis, *,
                    n_chunks: int | None = None, chunk_m: float = 2_000.0, scheduler: str | None = None,
                    n_workers: int = 2, threads_per_worker: int = 1, segment_m: float = 100.0,
                    margin_m: float = 200.0, search_m: float | None = None,
                    columns: list[str] | None = None, engine: str = "embedded",
                    reader: AreaReader) -> RouteResult:
    """Run the analysis on a Dask cluster: a LocalCluster unless ``scheduler`` is given.

    The parameters are those of :func:`run_local`, plus ``scheduler`` (address of a running
    ``dask scheduler``, e.g. ``"tcp://10.0.0.5:8786"``; its workers must have wlr_geo installed
    and see ``dataset`` at the same path), ``n_workers`` and ``threads_per_worker`` (for the
    LocalCluster, whose workers are separate processes). At least four chunks per worker are
    made so the work balances.
    """
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise WlrGeoError("Dask is niet geïnstalleerd: pip install 'wlr_geo[scale]'") from None
    path = Path(dataset)
    ds = str(path.resolve()) if path.exists() else str(dataset)
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=threads_per_worker, processes=True,
                               dashboard_address=":0", silence_logs=logging.ERROR)
        client = Client(cluster)
    try:
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        n = _n_chunks(route, n_chunks, chunk_m, minimum=4 * workers)
        tasks = route_chunks(route, n_chunks=n, segment_m=segment_m, margin_m=margin_m,
                             search_m=_search(analysis, search_m))
        log.info("dask: %d stukken op %d worker(s)", len(tasks), workers)
        futures = client.map(run_chunk, tasks, dataset=ds, analysis=analysis, columns=columns, engine=engine,
                             reader=reader, pure=False)
        parts = client.gather(futures)
    finally:
        close_client(client, cluster)
    return _finish(list(parts))


def close_client(client: Any, cluster: Any) -> None:
    """Close the client and a cluster we started; a slow worker shutdown (a busy machine) is not
    an error once the results are in: the worker processes end with the cluster anyway."""
    for part in (client, cluster):
        if part is not None:
            with contextlib.suppress(TimeoutError):
                part.close()


def segment_counts(line: LineString, features: gpd.GeoDataFrame, *, offset_m: float = 0.0,
                   segment_m: float = 100.0, corridor_m: float = 25.0) -> pd.DataFrame:
    """Cables per route segment: near it (within ``corridor_m``) and crossing it.

    Segments are the stretches ``[k·segment_m, (k+1)·segment_m)`` of the *whole* route (``line``
    starts at chainage ``offset_m``); a stretch cut off by the end of ``line`` is partial.

    Returns
    -------
    DataFrame
        ``segment`` (k), ``chainage_m`` (= ``from_m``), ``from_m``, ``to_m``, ``n_cables`` (features
        within ``corridor_m`` of the stretch), ``n_crossing`` (features intersecting it).
    """
    length = float(line.length)
    k0 = math.ceil(offset_m / segment_m - 1e-9)
    ks = np.arange(k0, max(k0, math.ceil((offset_m + length) / segment_m - 1e-9)))
    starts = np.maximum(ks * segment_m - offset_m, 0.0)
    ends = np.minimum((ks + 1) * segment_m - offset_m, length)
    keep = ends > starts
    ks, starts, ends = ks[keep], starts[keep], ends[keep]
    pieces = np.array([substring(line, a, b) for a, b in zip(starts, ends, strict=True)], dtype=object)
    geoms = np.asarray(features.geometry.values, dtype=object)
    tree = shapely.STRtree(geoms)
    near = np.zeros(len(ks), dtype=np.int64)
    crossing = np.zeros(len(ks), dtype=np.int64)
    if len(pieces) and len(geoms):
        pi, _ = tree.query(pieces, predicate="dwithin", distance=corridor_m)
        near = np.bincount(pi, minlength=len(ks)).astype(np.int64)
        ci, _ = tree.query(pieces, predicate="intersects")
        crossing = np.bincount(ci, minlength=len(ks)).astype(np.int64)
    return pd.DataFrame({
        "segment": ks.astype(np.int64), "chainage_m": ks * segment_m, "from_m": ks * segment_m,
        "to_m": np.minimum((ks + 1) * segment_m, offset_m + length), "n_cables": near, "n_crossing": crossing,
    })


@dataclass(frozen=True)
class CrossingAnalysis:
    """Crossing register, parallel runs and cables per segment of a route with one line layer.

    Frames returned (chainage along the whole route):

    ``crossings``
        :func:`wlr_geo.analysis.crossings.register.find_crossings` rows (``chainage_m``, ``from_m``, ``to_m``
        shifted by the window offset).
    ``parallel_runs``
        Its parallel runs without geometry, ``chainage_m`` = ``from_m``.
    ``segment_counts``
        :func:`segment_counts` per ``segment_m`` stretch.
    """

    options: CrossingOptions = field(default_factory=CrossingOptions)
    name: str = "kabels"
    segment_m: float = 100.0
    corridor_m: float = 25.0

    @property
    def search_m(self) -> float:
        """Distance from the window within which features are needed (m)."""
        return max(self.corridor_m, self.options.parallel_distance_m) + 1.0

    def __call__(self, line: LineString, features: gpd.GeoDataFrame, offset_m: float) -> RouteResult:
        crossings, runs = find_crossings(line, features, options=self.options, name=self.name)
        crossings = crossings.assign(
            chainage_m=crossings["chainage_m"] + offset_m, from_m=crossings["from_m"] + offset_m,
            to_m=crossings["to_m"] + offset_m,
        )
        run_df = pd.DataFrame(runs.drop(columns=runs.geometry.name))
        run_df = run_df.assign(from_m=run_df["from_m"] + offset_m, to_m=run_df["to_m"] + offset_m)
        run_df.insert(0, "chainage_m", run_df["from_m"])
        counts = segment_counts(line, features, offset_m=offset_m, segment_m=self.segment_m,
                                corridor_m=self.corridor_m)
        return {"crossings": crossings, "parallel_runs": run_df, "segment_counts": counts}
