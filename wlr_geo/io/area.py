"""Reading big layers by area: partitioned GeoParquet, GeoParquet files and GDAL files.

Big layers (national BGT/BAG, every KLIC delivery along a 60 km corridor) are stored as
partitioned GeoParquet (:mod:`wlr_geo.io.parquet`, ``wlr-geo convert``) and never loaded whole:

* :func:`read_area` reads the features of a layer that intersect an area — from a partitioned
  dataset folder, a single GeoParquet file (bbox push-down) or any GDAL file such as a GPKG
  (``path`` or ``path:layer``, read with a bbox filter), with the embedded engine (pyarrow) or
  DuckDB spatial. It is the reader the chunked engines of :mod:`wlr_geo.analysis.scale` are
  given;
* :func:`load_near_route` reads what lies within ``buffer_m`` of a route, piece by piece along
  it (so a diagonal route does not read its whole bounding box);
* :func:`read_dask` opens a partitioned dataset as a lazy dask-geopandas frame;
* :func:`duckdb_segment_counts` computes the cables per route segment entirely in SQL, an
  independent check of :func:`wlr_geo.analysis.scale.distributed.segment_counts`.
"""

from __future__ import annotations

import logging
import math
import os
import threading
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

from wlr_geo._errors import LayerReadError, WlrGeoError, WlrGeoInputError
from wlr_geo.crs import ensure_rd
from wlr_geo.io.parquet import INDEX_NAME, dataset_info, query_area

__all__ = ["duckdb_segment_counts", "load_near_route", "read_area", "read_dask"]

log = logging.getLogger("wlr_geo")

Source = str | os.PathLike[str]

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
