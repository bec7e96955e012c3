"""Big layers in the analyses: the chunked route analysis, its engines, and ``[scale]``.

Big layers are read by area (:mod:`wlr_geo.io.area`, partitioned GeoParquet from ``wlr-geo
convert``); the analyses never read them themselves. :func:`run_route_analysis` runs a chunked
route analysis (:mod:`wlr_geo.analysis.scale.distributed`) on the engine of
:class:`ScaleOptions` — ``"embedded"`` (default, one process, chunk by chunk), ``"duckdb"``
(candidates selected by DuckDB) or ``"dask"`` (a LocalCluster, or the cluster at
``scheduler``) — with the *reader* it is given (normally :func:`wlr_geo.io.area.read_area`).

Config (all keys optional)::

    [scale]
    engine = "embedded"     # "embedded" | "duckdb" | "dask"
    scheduler = ""          # dask: address of a running scheduler, e.g. "tcp://10.0.0.5:8786";
                            # empty → a LocalCluster on this machine
    n_workers = 2           # dask LocalCluster: worker processes (one thread each)
    chunks = 0              # route chunks; 0 → one per chunk_m of route (dask: ≥ 4 per worker)
    chunk_m = 2000.0        # chunk length when chunks = 0 (m)
    margin_m = 200.0        # overlap of chunk windows; > the longest object along the route (m)
    buffer_m = 250.0        # big layers of the impact run: corridor read around the route (m);
                            # absent → as wide as the analysis looks (strips, distances + 50 m)
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

from shapely.geometry import LineString

from wlr_geo._options import MAX_DISTANCE_M, MAX_WIDTH_M, object_problems, option, raise_problems
from wlr_geo.analysis.scale.distributed import (
    AreaReader,
    RouteAnalysis,
    RouteResult,
    run_distributed,
    run_local,
)

__all__ = ["ENGINES", "ScaleOptions", "run_route_analysis"]

log = logging.getLogger("wlr_geo")

#: The engines a route analysis can run on.
ENGINES = ("embedded", "duckdb", "dask")

Source = str | os.PathLike[str]


@dataclass(frozen=True)
class ScaleOptions:
    """The ``[scale]`` config section (see the module docstring)."""

    engine: str = option("embedded", choices=ENGINES, help="Engine of chunked route analyses and big-layer reads.")
    scheduler: str | None = option(None, help="Dask: address of a running scheduler (empty → a LocalCluster).",
                                   example='"tcp://10.0.0.5:8786"')
    n_workers: int = option(2, ge=1, le=1024, help="Dask LocalCluster: worker processes (one thread each).")
    chunks: int = option(0, ge=0, le=1_000_000, help="Route chunks; 0 → one per chunk_m of route.")
    chunk_m: float = option(2_000.0, unit="m", gt=0, le=MAX_DISTANCE_M,
                            help="Chunk length when chunks = 0.")
    margin_m: float = option(200.0, unit="m", ge=0, le=MAX_DISTANCE_M,
                             help="Overlap of chunk windows; longer than any object along the route.")
    buffer_m: float | None = option(None, unit="m", ge=0, lt=MAX_WIDTH_M,
                                    help="Corridor around the route read from big layers; absent → as wide as the "
                                         "analysis looks (widest strip, parallel-run, building and clearance "
                                         "distances plus 50 m). A smaller value is raised to that width.")

    def __post_init__(self) -> None:
        if self.scheduler == "":
            object.__setattr__(self, "scheduler", None)
        raise_problems(object_problems(self, "[scale]"))


# ------------------------------------------------------------------------------ route analyses
def run_route_analysis(route: LineString, dataset: Source, analysis: RouteAnalysis, *, reader: AreaReader,
                       scale: ScaleOptions | None = None, segment_m: float = 100.0,
                       columns: list[str] | None = None) -> RouteResult:
    """Run a chunked route analysis (:mod:`wlr_geo.analysis.scale.distributed`) on the engine of ``scale``.

    ``reader`` reads the features of ``dataset`` near each chunk (normally
    :func:`wlr_geo.io.area.read_area`). All engines return the same frames (rows identical up to
    float rounding of chainage).
    """
    opts = scale or ScaleOptions()
    common: dict[str, Any] = {
        "n_chunks": opts.chunks or None, "chunk_m": opts.chunk_m, "segment_m": segment_m,
        "margin_m": opts.margin_m, "columns": columns, "reader": reader,
    }
    if opts.engine == "dask":
        return run_distributed(route, dataset, analysis, scheduler=opts.scheduler, n_workers=opts.n_workers, **common)
    return run_local(route, dataset, analysis, engine=opts.engine, **common)
