"""Big layers in the analyses: read by area, choose an engine, configure with ``[scale]``.

Big layers (national BGT/BAG, every KLIC delivery along a 60 km corridor) are stored as
partitioned GeoParquet (:mod:`wlr_geo.io.parquet`, ``wlr-geo convert``) and never loaded whole:

* :func:`read_area` reads the features of a layer that intersect an area — from a partitioned
  dataset folder, a single GeoParquet file (bbox push-down) or any GDAL file such as a GPKG
  (``path`` or ``path:layer``, read with a bbox filter), with the embedded engine (pyarrow) or
  DuckDB spatial;
* :func:`load_near_route` reads what lies within ``buffer_m`` of a route, piece by piece along
  it (so a diagonal route does not read its whole bounding box);
* :func:`impact_from_datasets` feeds such layers straight into
  :func:`wlr_geo.analysis.impact.run.run_impact`;
* :func:`run_route_analysis` runs a chunked route analysis (:mod:`wlr_geo.analysis.scale.distributed`) on the
  engine of :class:`ScaleOptions`: ``"embedded"`` (default, one process, chunk by chunk),
  ``"duckdb"`` (candidates selected by DuckDB) or ``"dask"`` (a LocalCluster, or the cluster at
  ``scheduler``);
* :func:`duckdb_segment_counts` computes the cables per route segment entirely in SQL, an
  independent check of :func:`wlr_geo.analysis.scale.distributed.segment_counts`.

Config (all keys optional)::

    [scale]
    engine = "embedded"     # "embedded" | "duckdb" | "dask"
    scheduler = ""          # dask: address of a running scheduler, e.g. "tcp://10.0.0.5:8786";
                            # empty → a LocalCluster on this machine
    n_workers = 2           # dask LocalCluster: worker processes (one thread each)
    chunks = 0              # route chunks; 0 → one per chunk_m of route (dask: ≥ 4 per worker)
    chunk_m = 2000.0        # chunk length when chunks = 0 (m)
    margin_m = 200.0        # overlap of chunk windows; > the longest object along the route (m)
    buffer_m = 250.0        # load_near_route / impact_from_datasets: corridor read (m)
"""

from __future__ import annotations

import logging
import math
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring

from wlr_geo._errors import ConfigError, LayerReadError, WlrGeoError, WlrGeoInputError
from wlr_geo.analysis.scale.distributed import (
    RouteAnalysis,
    RouteResult,
    run_distributed,
    run_local,
)
from wlr_geo.crs import ensure_rd
from wlr_geo.io.parquet import INDEX_NAME, dataset_info, query_area

__all__ = [
    "ENGINES",
    "ScaleOptions",
    "duckdb_segment_counts",
    "impact_from_datasets",
    "load_near_route",
    "read_area",
    "read_dask",
    "run_route_analysis",
]

log = logging.getLogger("wlr_geo")

#: The engines a route analysis can run on.
ENGINES = ("embedded", "duckdb", "dask")

Source = str | os.PathLike[str]


@dataclass(frozen=True)
class ScaleOptions:
    """The ``[scale]`` config section (see the module docstring)."""

    engine: str = "embedded"
    scheduler: str | None = None
    n_workers: int = 2
    chunks: int = 0
    chunk_m: float = 2_000.0
    margin_m: float = 200.0
    buffer_m: float = 250.0

    def __post_init__(self) -> None:
        problems = []
        if self.engine not in ENGINES:
            problems.append(f"engine must be one of {', '.join(ENGINES)}, got {self.engine!r}")
        if not isinstance(self.n_workers, int) or isinstance(self.n_workers, bool) or self.n_workers < 1:
            problems.append(f"n_workers must be an integer ≥ 1, got {self.n_workers!r}")
        if not isinstance(self.chunks, int) or isinstance(self.chunks, bool) or self.chunks < 0:
            problems.append(f"chunks must be an integer ≥ 0, got {self.chunks!r}")
        for key in ("chunk_m", "margin_m", "buffer_m"):
            v = getattr(self, key)
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v < 0:
                problems.append(f"{key} must be a number ≥ 0, got {v!r}")
        if isinstance(self.chunk_m, int | float) and self.chunk_m == 0:
            problems.append("chunk_m must be > 0")
        if self.scheduler is not None and not isinstance(self.scheduler, str):
            problems.append(f"scheduler must be an address string, got {self.scheduler!r}")
        if problems:
            raise ConfigError("[scale]: " + "; ".join(problems), hint="see the Scale section of the README")

    @classmethod
    def from_config(cls, section: Mapping[str, Any]) -> ScaleOptions:
        """Build from the raw ``[scale]`` table (``cfg.section("scale")``); unknown keys are an error."""
        from wlr_geo.config import reject_unknown_keys

        reject_unknown_keys(section, {f.name for f in fields(cls)}, "[scale]")
        kwargs = dict(section)
        if kwargs.get("scheduler") == "":
            kwargs["scheduler"] = None
        return cls(**kwargs)


# ----------------------------------------------------------------------------- reading by area
_LOCAL = threading.local()


def _duck_connection() -> Any:
    """This thread's DuckDB connection (spatial loaded once per thread, never shared)."""
    con = getattr(_LOCAL, "duck", None)
    if con is None:
        from wlr_geo.io.duck import connect

        con = _LOCAL.duck = connect()
    return con


def _is_dataset(path: Path) -> bool:
    return path.is_dir() and (path / INDEX_NAME).exists()


def read_area(source: Source, area: BaseGeometry | tuple[float, float, float, float], *,
              columns: list[str] | None = None, engine: str = "embedded") -> gpd.GeoDataFrame:
    """Features of a big layer that intersect ``area`` (EPSG:28992), without loading the layer.

    Parameters
    ----------
    source
        A partitioned dataset folder (:mod:`wlr_geo.io.parquet`), a GeoParquet file, or a GDAL
        vector file (``path`` or ``path:layer``, e.g. a GPKG; read with a bbox filter).
    area
        A geometry or an RD bbox ``(xmin, ymin, xmax, ymax)``.
    columns
        Attribute columns to read (default all).
    engine
        ``"embedded"`` (pyarrow/GDAL) or ``"duckdb"`` (partitioned datasets and GeoParquet files
        with a ``bbox`` covering column; other sources fall back to the embedded reader);
        ``"dask"`` reads like ``"embedded"``.

    Returns
    -------
    GeoDataFrame
        The intersecting features, geometries exact (not clipped), no ``bbox`` column.
    """
    from wlr_geo.io.vector import parse_layer_spec

    geom = shapely.box(*area) if isinstance(area, tuple) else area
    spec = parse_layer_spec(source)
    path = spec.path
    if not path.exists():
        raise LayerReadError("the layer does not exist", source=str(path),
                             hint="give a partitioned dataset folder, a GeoParquet file or a GPKG")
    is_parquet = path.suffix.lower() in (".parquet", ".geoparquet")
    if engine == "duckdb" and (_is_dataset(path) or is_parquet):
        from wlr_geo.io.duck import query_area_duckdb

        out = query_area_duckdb(path, geom, columns=columns, con=_duck_connection())
        return out.drop(columns=["bbox"], errors="ignore")
    if _is_dataset(path):
        return query_area(path, geom, columns=columns)
    if path.is_dir():
        raise LayerReadError("the folder is not a partitioned GeoParquet dataset", source=str(path),
                             hint="convert it with 'wlr-geo convert INPUT -o DIR'")
    if is_parquet:
        cols = None if columns is None else [*columns, "geometry"]
        try:
            gdf = gpd.read_parquet(path, columns=cols, bbox=geom.bounds)
        except ValueError:  # no covering bbox column: read whole, filter below
            log.info("%s has no bbox covering column; reading it whole", path)
            gdf = gpd.read_parquet(path, columns=cols)
        gdf = ensure_rd(gdf, source=str(path), check=False)
    else:
        try:
            gdf = pyogrio.read_dataframe(path, layer=spec.layer, bbox=geom.bounds, columns=columns)
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
            raise LayerReadError(f"cannot open: {exc}", source=str(path), layer=spec.layer) from None
        gdf = ensure_rd(gdf, source=str(path), layer=spec.layer, check=False)
    gdf = gdf.loc[shapely.intersects(gdf.geometry.values, geom)]
    return gdf.drop(columns=["bbox"], errors="ignore").reset_index(drop=True)


def read_dask(dataset: Source, *, columns: list[str] | None = None) -> Any:
    """A partitioned dataset as a lazy dask-geopandas GeoDataFrame.

    One partition per file, ``spatial_partitions`` set from the dataset index (so
    ``ddf.cx[...]`` and ``dask_geopandas.sjoin`` skip partitions that cannot match); the
    ``bbox`` covering column and the ``tile`` folder key are dropped.
    """
    try:
        import dask_geopandas
    except ImportError:
        raise WlrGeoError("dask-geopandas is not installed: pip install 'wlr_geo[scale]'") from None
    info = dataset_info(dataset)
    if not info.files:
        raise LayerReadError("the dataset holds no files", source=str(info.path))
    cols = None if columns is None else [*columns, "geometry"]
    ddf = dask_geopandas.read_parquet([str(info.path / f["file"]) for f in info.files], columns=cols)
    drop = [c for c in ("bbox", "tile") if c in ddf.columns]
    if drop:
        ddf = ddf.drop(columns=drop)
    ddf.spatial_partitions = gpd.GeoSeries([shapely.box(*f["bounds"]) for f in info.files], crs=info.crs)
    return ddf


def _route_lines(route: gpd.GeoDataFrame | gpd.GeoSeries | BaseGeometry) -> list[BaseGeometry]:
    if isinstance(route, gpd.GeoDataFrame | gpd.GeoSeries):
        if route.crs is not None and not route.crs.equals("EPSG:28992"):
            route = route.to_crs("EPSG:28992")
        geoms = list(route.geometry.values if isinstance(route, gpd.GeoDataFrame) else route.values)
    else:
        geoms = [route]
    parts = [p for g in geoms if g is not None and not g.is_empty for p in shapely.get_parts(g)]
    if not parts:
        raise WlrGeoInputError("the route has no geometry", hint="check the route layer")
    return parts


def load_near_route(source: Source, route: gpd.GeoDataFrame | gpd.GeoSeries | BaseGeometry, *,
                    buffer_m: float = 250.0, piece_m: float = 2_000.0, columns: list[str] | None = None,
                    engine: str = "embedded") -> gpd.GeoDataFrame:
    """Features of a big layer within ``buffer_m`` of a route (all variants/parts), read by area.

    The route is cut into pieces of ``piece_m``; each piece's buffer is read with
    :func:`read_area`, and a feature is kept from the first piece whose buffer it intersects,
    so the result is exactly the features intersecting the buffer of the whole route, each once.
    """
    if not buffer_m >= 0 or not piece_m > 0:
        raise WlrGeoInputError(f"buffer_m must be ≥ 0 and piece_m > 0 (got {buffer_m}, {piece_m})")
    pieces: list[BaseGeometry] = []
    for line in _route_lines(route):
        if isinstance(line, LineString) and line.length > piece_m:
            n = math.ceil(line.length / piece_m)
            pieces.extend(substring(line, i * line.length / n, (i + 1) * line.length / n) for i in range(n))
        else:
            pieces.append(line)
    frames: list[gpd.GeoDataFrame] = []
    seen: BaseGeometry | None = None
    for piece in pieces:
        area = piece.buffer(buffer_m)
        part = read_area(source, area, columns=columns, engine=engine)
        if seen is not None and len(part):
            part = part.loc[~shapely.intersects(part.geometry.values, seen)]
        if len(part):
            frames.append(part)
        seen = area if seen is None else shapely.union(seen, area)
    if not frames:
        return read_area(source, pieces[0].buffer(buffer_m), columns=columns, engine=engine).iloc[:0]
    crs = frames[0].crs
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=crs)


def impact_from_datasets(route: gpd.GeoDataFrame, datasets: Mapping[str, Source] | None = None, *,
                         cables: Source | None = None, objects: Source | None = None,
                         precautions: Source | None = None, scale: ScaleOptions | None = None,
                         **run_impact_kwargs: Any) -> Any:
    """:func:`wlr_geo.analysis.impact.run.run_impact` on big layers, reading only what lies near the route.

    Parameters
    ----------
    route
        Route lines (EPSG:28992), as for ``run_impact``.
    datasets
        Crossed layers by name → partitioned dataset / GeoParquet / GPKG (``path:layer``).
    cables, objects, precautions
        Optional big layers for the below-/above-ground impact (same kinds of source).
    scale
        :class:`ScaleOptions`: ``buffer_m`` (corridor read; must exceed the widest strip plus
        the building distance, default 250 m) and ``engine`` (``"duckdb"`` selects with DuckDB).
    **run_impact_kwargs
        Passed on (``municipalities``, ``wijken``, ``strips``, ``rules``, ``options``, ...).

    Returns
    -------
    wlr_geo.analysis.impact.run.ImpactResult
    """
    from wlr_geo.analysis.impact.run import run_impact

    opts = scale or ScaleOptions()
    engine = "duckdb" if opts.engine == "duckdb" else "embedded"

    def load(src: Source) -> gpd.GeoDataFrame:
        gdf = load_near_route(src, route, buffer_m=opts.buffer_m, engine=engine)
        log.info("%s: %d features within %.0f m of the route", src, len(gdf), opts.buffer_m)
        return gdf

    layers = {name: load(src) for name, src in (datasets or {}).items()}
    extra = {key: load(src) for key, src in (("cables", cables), ("objects", objects), ("precautions", precautions))
             if src is not None}
    return run_impact(route, layers, **extra, **run_impact_kwargs)


# ------------------------------------------------------------------------------ route analyses
def run_route_analysis(route: LineString, dataset: Source, analysis: RouteAnalysis, *,
                       scale: ScaleOptions | None = None, segment_m: float = 100.0,
                       columns: list[str] | None = None) -> RouteResult:
    """Run a chunked route analysis (:mod:`wlr_geo.analysis.scale.distributed`) on the engine of ``scale``.

    All engines return the same frames (rows identical up to float rounding of chainage).
    """
    opts = scale or ScaleOptions()
    common: dict[str, Any] = {
        "n_chunks": opts.chunks or None, "chunk_m": opts.chunk_m, "segment_m": segment_m,
        "margin_m": opts.margin_m, "columns": columns,
    }
    if opts.engine == "dask":
        return run_distributed(route, dataset, analysis, scheduler=opts.scheduler, n_workers=opts.n_workers, **common)
    return run_local(route, dataset, analysis, engine=opts.engine, **common)


def _segment_pieces(route: LineString, segment_m: float) -> tuple[np.ndarray, list[BaseGeometry]]:
    n = max(1, math.ceil(route.length / segment_m - 1e-9))
    ks = np.arange(n, dtype=np.int64)
    pieces = [substring(route, k * segment_m, min((k + 1) * segment_m, route.length)) for k in ks]
    return ks, pieces


def duckdb_segment_counts(dataset: Source, route: LineString, *, segment_m: float = 100.0,
                          corridor_m: float = 25.0, chunk_m: float = 2_000.0) -> pd.DataFrame:
    """Cables per route segment computed in DuckDB SQL (the oracle of ``segment_counts``).

    Per ``segment_m`` stretch of ``route``: ``n_cables`` = features of the partitioned dataset
    (or GeoParquet file with a ``bbox`` column) within ``corridor_m`` of the stretch
    (``ST_DWithin``), ``n_crossing`` = features intersecting it (``ST_Intersects``). The query
    runs per ``chunk_m`` group of segments so the bbox filter prunes row groups.
    """
    from wlr_geo.io.duck import connect

    ks, pieces = _segment_pieces(route, segment_m)
    glob = str(Path(dataset) / "**" / "*.parquet") if Path(dataset).is_dir() else str(dataset)
    per = max(1, int(chunk_m // segment_m))
    con = connect()
    rows = []
    for start in range(0, len(ks), per):
        sel = slice(start, start + per)
        b = shapely.bounds(np.asarray(pieces[sel], dtype=object)) + np.array([-corridor_m, -corridor_m, corridor_m, corridor_m])
        segs = pd.DataFrame({
            "segment": ks[sel], "wkb": [shapely.to_wkb(p) for p in pieces[sel]],
            "x0": b[:, 0], "y0": b[:, 1], "x1": b[:, 2], "y1": b[:, 3],
        })
        con.register("segs", segs)
        sql = (
            "WITH s AS (SELECT segment, ST_GeomFromWKB(wkb) AS g, x0, y0, x1, y1 FROM segs), "
            "c AS (SELECT geometry, bbox FROM read_parquet(?, hive_partitioning = false) "
            "      WHERE bbox.xmin <= ? AND bbox.xmax >= ? AND bbox.ymin <= ? AND bbox.ymax >= ?) "
            "SELECT s.segment, "
            "  count(*) FILTER (WHERE ST_DWithin(s.g, c.geometry, ?)) AS n_cables, "
            "  count(*) FILTER (WHERE ST_Intersects(s.g, c.geometry)) AS n_crossing "
            "FROM s JOIN c ON c.bbox.xmin <= s.x1 AND c.bbox.xmax >= s.x0 "
            "  AND c.bbox.ymin <= s.y1 AND c.bbox.ymax >= s.y0 "
            "GROUP BY s.segment"
        )
        params = [glob, float(b[:, 2].max()), float(b[:, 0].min()), float(b[:, 3].max()), float(b[:, 1].min()),
                  float(corridor_m)]
        rows.append(con.execute(sql, params).fetchdf())
        con.unregister("segs")
    got = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["segment", "n_cables", "n_crossing"])
    out = pd.DataFrame({"segment": ks, "chainage_m": ks * segment_m, "from_m": ks * segment_m,
                        "to_m": np.minimum((ks + 1) * segment_m, route.length)})
    out = out.merge(got, on="segment", how="left")
    for c in ("n_cables", "n_crossing"):
        out[c] = out[c].fillna(0).astype(np.int64)
    return out
