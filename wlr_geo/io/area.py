"""Reading big layers by area: partitioned GeoParquet, GeoParquet files and GDAL files.

Big layers (national BGT/BAG, every KLIC delivery along a 60 km corridor) are stored as
partitioned GeoParquet (:mod:`wlr_geo.io.parquet`, ``wlr-geo convert``) and never loaded whole:

* :func:`read_near` reads only the features of a big layer within a :class:`Corridor` of the
  route, through the layer's own spatial index: a GeoPackage's R-tree (one SQL query over the
  R-tree per route chunk), a FlatGeobuf's packed Hilbert R-tree, a Shapefile's ``.qix``, the
  ``bbox`` covering column of partitioned GeoParquet or a GeoParquet file (row groups skipped on
  their statistics). The result equals the whole layer filtered to the corridor, row for row:
  the same features, the same ids (index: the feature's id, as the whole-layer reader gives
  it — for a GeoPackage its ``fid``, for a Shapefile or FlatGeobuf its record number; for a
  dataset see :mod:`wlr_geo.io.parquet`), in the same order. Small layers and layers without
  an index are left to the whole-layer reader;* :func:`read_area` reads the features of a layer that intersect an area — from a partitioned
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

import functools
import logging
import math
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
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
from wlr_geo._nl import nl
from wlr_geo.crs import ensure_rd
from wlr_geo.io.parquet import (
    INDEX_NAME,
    POSITION,
    dataset_info,
    query_area,
    read_dataset_boxes,
    read_parquet_boxes,
)

__all__ = [
    "Corridor",
    "IndexedSource",
    "duckdb_segment_counts",
    "load_near_route",
    "read_area",
    "read_boxes",
    "read_dask",
    "read_near",
    "spatial_index",
]

#: ``mapper(func, items) -> list``: runs ``func`` on every item (in this process, or on Dask).
Mapper = Callable[[Callable[[Any], Any], Sequence[Any]], list[Any]]

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
        raise LayerReadError("de laag bestaat niet", source=str(path),
                             hint="geef een map met een gepartitioneerde dataset, een GeoParquet-bestand of een GPKG")
    is_parquet = path.suffix.lower() in (".parquet", ".geoparquet")
    if engine == "duckdb" and (_is_dataset(path) or is_parquet):
        from wlr_geo.io.duck import query_area_duckdb

        out = query_area_duckdb(path, geom, columns=columns, con=_duck_connection())
        return out.drop(columns=["bbox"], errors="ignore")
    if _is_dataset(path):
        return query_area(path, geom, columns=columns)
    if path.is_dir():
        raise LayerReadError("de map is geen gepartitioneerde GeoParquet-dataset", source=str(path),
                             hint="zet de gegevens om met 'wlr-geo convert INPUT -o DIR'")
    if is_parquet:
        cols = None if columns is None else [*columns, "geometry"]
        try:
            gdf = gpd.read_parquet(path, columns=cols, bbox=geom.bounds)
        except ValueError:  # no covering bbox column: read whole, filter below
            log.info("%s heeft geen bbox-kolom (covering); het bestand wordt helemaal gelezen", path)
            gdf = gpd.read_parquet(path, columns=cols)
        gdf = ensure_rd(gdf, source=str(path), check=False)
    else:
        try:
            gdf = pyogrio.read_dataframe(path, layer=spec.layer, bbox=geom.bounds, columns=columns)
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
            raise LayerReadError(f"kan niet worden geopend: {exc}", source=str(path), layer=spec.layer) from None
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
        raise WlrGeoError("dask-geopandas is niet geïnstalleerd: pip install 'wlr_geo[scale]'") from None
    info = dataset_info(dataset)
    if not info.files:
        raise LayerReadError("de dataset bevat geen bestanden", source=str(info.path))
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
        raise WlrGeoInputError("het tracé heeft geen geometrie", hint="controleer de tracélaag")
    return parts


def load_near_route(source: Source, route: gpd.GeoDataFrame | gpd.GeoSeries | BaseGeometry, *,
                    buffer_m: float = 250.0, piece_m: float = 2_000.0, columns: list[str] | None = None,
                    engine: str = "embedded") -> gpd.GeoDataFrame:
    """Features of a big layer within ``buffer_m`` of a route (all variants/parts), read by area.

    ``source`` is a partitioned dataset, a GeoParquet file or a GDAL file (``path`` or
    ``path:layer``). The route is cut into pieces of ``piece_m`` whose boxes (widened by
    ``buffer_m``) are read through the layer's spatial index (:func:`read_boxes`); the result is
    exactly the features within ``buffer_m`` of the route, each once, in layer order, with the
    layer's feature ids as index. Not validated (see :func:`read_near` for the checked read).
    """
    from wlr_geo.io.vector import parse_layer_spec

    if not buffer_m >= 0 or not piece_m > 0:
        raise WlrGeoInputError(f"buffer_m moet ≥ 0 en piece_m > 0 zijn (gekregen: {nl(buffer_m)}, {nl(piece_m)})")
    spec = parse_layer_spec(source)
    if not spec.path.exists():
        raise LayerReadError("de laag bestaat niet", source=str(spec.path),
                             hint="geef een map met een gepartitioneerde dataset, een GeoParquet-bestand of een GPKG")
    src = spatial_index(spec.path, spec.layer, require=True)
    assert src is not None
    corridor = Corridor.around(route, buffer_m, chunk_m=piece_m, engine=engine)
    gdf = read_boxes(src, corridor.boxes(piece_m=min(piece_m, src.piece_m)), corridor, columns=columns)
    return gdf.drop(columns=[POSITION])


# ------------------------------------------------------------------------------ corridor reads
_RD = "EPSG:28992"


@dataclass(frozen=True)
class Corridor:
    """What a run needs from its big layers: every feature within ``width_m`` of the route.

    Parameters
    ----------
    lines_wkb
        The route lines (all variants and parts) in EPSG:28992, as WKB (so a corridor pickles
        small and every task builds its own geometries).
    width_m
        Distance from the route (m) within which features are read.
    chunk_m
        Length of route per chunk: the unit of work of the Dask engine (one task per chunk).
    min_features
        Layers with fewer features are read whole (:func:`read_near` returns None for them).
    engine
        Reader of GeoParquet sources: ``"embedded"`` (pyarrow) or ``"duckdb"``.
    """

    lines_wkb: tuple[bytes, ...]
    width_m: float
    chunk_m: float = 2_000.0
    min_features: int = 20_000
    engine: str = "embedded"

    def __post_init__(self) -> None:
        if not (math.isfinite(self.width_m) and self.width_m >= 0 and self.chunk_m > 0):
            raise WlrGeoInputError(
                f"de corridorbreedte moet ≥ 0 en chunk_m > 0 zijn (gekregen: {nl(self.width_m)}, {nl(self.chunk_m)})")

    @classmethod
    def around(cls, route: gpd.GeoDataFrame | gpd.GeoSeries | BaseGeometry, width_m: float, **kwargs: Any) -> Corridor:
        """The corridor of ``width_m`` around a route (a frame of lines, in any CRS, or a geometry in RD)."""
        return cls(tuple(shapely.to_wkb(g) for g in _route_lines(route)), float(width_m), **kwargs)

    def lines(self) -> list[BaseGeometry]:
        """The route lines (fresh geometries)."""
        return list(shapely.from_wkb(list(self.lines_wkb)))

    def boxes(self, piece_m: float = 500.0) -> np.ndarray:
        """The route cut into pieces of at most ``piece_m``: each piece's box widened by ``width_m``.

        Every point within ``width_m`` of the route lies in at least one box. Rows ``(xmin,
        ymin, xmax, ymax)`` in RD, line by line in chainage order.
        """
        return np.concatenate([b for b, _ in self._pieces(piece_m)]) if self.lines_wkb else np.empty((0, 4))

    def chunks(self, piece_m: float = 500.0) -> list[np.ndarray]:
        """:meth:`boxes` grouped per ``chunk_m`` of route (the tasks of a distributed read)."""
        out: list[np.ndarray] = []
        for boxes, chunk in self._pieces(piece_m):
            for c in np.unique(chunk):
                out.append(boxes[chunk == c])
        return out

    def _pieces(self, piece_m: float) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per line: the piece boxes and the chunk number of each piece."""
        out = []
        step = max(min(piece_m, self.chunk_m), 1e-3)
        for line in self.lines():
            dense = shapely.segmentize(line, step) if line.length > step else line
            xy = shapely.get_coordinates(dense)
            if len(xy) < 2:
                xy = np.vstack([xy, xy])
            seg = np.hypot(*np.diff(xy, axis=0).T)
            start = np.concatenate([[0.0], np.cumsum(seg)[:-1]])
            piece = np.floor(start / step).astype(np.int64)
            first = np.flatnonzero(np.r_[True, piece[1:] != piece[:-1]])
            a, b = xy[:-1], xy[1:]
            lo = np.minimum.reduceat(np.minimum(a, b), first, axis=0)
            hi = np.maximum.reduceat(np.maximum(a, b), first, axis=0)
            w = self.width_m
            boxes = np.column_stack([lo[:, 0] - w, lo[:, 1] - w, hi[:, 0] + w, hi[:, 1] + w])
            out.append((boxes, np.floor(start[first] / self.chunk_m).astype(np.int64)))
        return out

    def near(self, geoms: np.ndarray) -> np.ndarray:
        """Which geometries (RD) lie within ``width_m`` of the route (missing geometries: True).

        Exactly ``shapely.dwithin(geom, route, width_m)``, computed in two steps: a geometry that
        meets the route's buffer polygon is near (the polygon's vertices lie at ``width_m`` and its
        edges are chords inside the true zone, shrunk by 1 mm against rounding); one that misses
        a buffer 3 % + 1 mm wider (wider than any chord's sagitta at 16 segments per quarter
        circle) is not; only the few in the thin band between are measured exactly.
        Prepared-polygon tests are far cheaper than distances to a long route.
        """
        geoms = np.asarray(geoms, dtype=object)
        route = shapely.multilinestrings(self.lines()) if len(self.lines_wkb) > 1 else self.lines()[0]
        missing = shapely.is_missing(geoms)
        out = np.ones(len(geoms), dtype=bool)
        todo = geoms[~missing]
        w = self.width_m
        if w <= 0 or len(todo) < 256:
            shapely.prepare(route)
            out[~missing] = shapely.dwithin(todo, route, w)
            return out
        inner = shapely.buffer(route, w - 1e-3, quad_segs=16)
        outer = shapely.buffer(route, w * 1.03 + 1e-3, quad_segs=16)
        shapely.prepare(inner)
        shapely.prepare(outer)
        result = shapely.intersects(inner, todo)
        band = ~result & shapely.intersects(outer, todo)
        if band.any():
            shapely.prepare(route)
            result[band] = shapely.dwithin(route, todo[band], w)
        out[~missing] = result
        return out


@dataclass(frozen=True)
class IndexedSource:
    """A big layer and how it is read by area (:func:`spatial_index`)."""

    path: str
    layer: str | None
    kind: str  # "gpkg" (SQL over the R-tree), "ogr" (GDAL bbox filter), "dataset", "parquet"
    index: str | None  # the spatial index that serves box reads; None: every read scans the layer
    n_total: int | None
    crs: Any = None
    table: str | None = None
    geometry: str | None = None
    fid: str | None = None
    piece_m: float = 500.0

    @property
    def indexed(self) -> bool:
        return self.index is not None


def _sqlite_ident(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _gpkg_rtree(path: Path, table: str, geometry: str) -> str | None:
    """The table's R-tree in a GeoPackage, when it has one (read-only look-up; None: read the layer whole).

    The features keep their ``fid`` as id, as in the whole-layer reader, so gaps in the fids do
    not matter.
    """
    name = f"rtree_{table}_{geometry}"
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        row = con.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND lower(name) = lower(?)",
                          (name,)).fetchone()
        return str(row[0]) if row else None
    except sqlite3.Error:
        return None
    finally:
        con.close()


def spatial_index(path: str | os.PathLike[str], layer: str | None = None, *,
                  require: bool = False) -> IndexedSource | None:
    """How the layer at ``path`` can be read by area, or None when it cannot (wrong or several layers).

    A GDAL layer whose driver reports a fast spatial filter (GeoPackage with its R-tree,
    FlatGeobuf with its index, Shapefile with ``.qix``/``.sbn``, ...) is ``indexed``; a
    partitioned dataset or a GeoParquet file with a ``bbox`` covering column too. With
    ``require`` a layer that cannot be opened raises instead of returning None.
    """
    p = Path(path)
    if _is_dataset(p):
        info = dataset_info(p)
        return IndexedSource(str(p), None, "dataset", "GeoParquet bbox", info.n_rows, info.crs)
    if p.suffix.lower() in (".parquet", ".geoparquet"):
        import pyarrow.parquet as pq

        from wlr_geo.io.parquet import _covering, _geo_metadata

        try:
            pf = pq.ParquetFile(p)
            meta = _geo_metadata(pf.schema_arrow)
        except (OSError, ValueError, LayerReadError) as exc:
            if require:
                raise LayerReadError(f"GeoParquet niet leesbaar: {exc}", source=str(p)) from None
            return None
        cover = _covering(meta)
        return IndexedSource(str(p), None, "parquet", "GeoParquet bbox" if cover else None, pf.metadata.num_rows)
    try:
        layers = [str(n) for n in pyogrio.list_layers(p)[:, 0]]
        if layer is None and len(layers) != 1:
            raise LayerReadError(f"het bestand heeft {nl(len(layers))} lagen en er is geen laag genoemd", source=str(p))
        name = layer if layer is not None else layers[0]
        info = pyogrio.read_info(p, layer=name)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, LayerReadError, OSError) as exc:
        if require:
            raise LayerReadError(f"kan niet worden geopend: {str(exc).splitlines()[0] if str(exc) else exc}",
                                 source=str(p), layer=layer) from None
        return None
    driver = str(info.get("driver"))
    fast = bool(info.get("capabilities", {}).get("fast_spatial_filter"))
    n = int(info["features"]) if int(info["features"]) >= 0 else None
    if driver == "GPKG" and fast and info.get("geometry_name"):
        fid = str(info.get("fid_column") or "fid")
        found = _gpkg_rtree(p, name, str(info["geometry_name"]))
        if found is not None:
            return IndexedSource(str(p), name, "gpkg", "GeoPackage R-tree", n, info.get("crs"), table=found,
                                 geometry=str(info["geometry_name"]), fid=fid)
    # FlatGeobuf and Shapefile number their features 0, 1, ... in file order, as the whole reader
    index = {"FlatGeobuf": "FlatGeobuf index", "ESRI Shapefile": "Shapefile .qix"}.get(driver) if fast else None
    return IndexedSource(str(p), name, "ogr", index, n, info.get("crs"), piece_m=1_000.0)


def _boxes_in(boxes: np.ndarray, crs: Any) -> np.ndarray:
    """RD boxes in the layer's CRS (each the bounds of the transformed, densified box)."""
    if crs is None or not len(boxes):
        return boxes
    from pyproj import CRS, Transformer

    target = CRS.from_user_input(crs)
    if target.equals(_RD):
        return boxes
    tr = Transformer.from_crs(_RD, target, always_xy=True)
    return np.array([tr.transform_bounds(float(b[0]), float(b[1]), float(b[2]), float(b[3]), densify_pts=21)
                     for b in boxes], dtype=float)


def _sql_number(v: float) -> str:
    return repr(float(v))


def _gpkg_boxes(src: IndexedSource, boxes: np.ndarray, columns: list[str] | None, on_invalid: str) -> gpd.GeoDataFrame:
    """Features whose R-tree entry meets one of ``boxes``: one read, filtered by SQLite.

    The R-tree query is the layer's attribute filter (``fid IN (SELECT id FROM rtree … UNION
    ALL …)``), which GDAL hands to SQLite as it is: the layer keeps its own field types, and the
    rows come without the second run of the query that a SQL result layer costs (GDAL counts
    its rows before reading them).
    """
    assert src.table is not None and src.geometry is not None and src.fid is not None
    sub = " UNION ALL ".join(
        f"SELECT id FROM {_sqlite_ident(src.table)} WHERE minx <= {_sql_number(x1)} AND maxx >= {_sql_number(x0)} "  # noqa: S608
        f"AND miny <= {_sql_number(y1)} AND maxy >= {_sql_number(y0)}"
        for x0, y0, x1, y1 in boxes)
    where = f"{_sqlite_ident(src.fid)} IN ({sub})"  # identifiers quoted, numbers formatted
    gdf = pyogrio.read_dataframe(src.path, layer=src.layer, where=where, columns=columns, fid_as_index=True,
                                 on_invalid=on_invalid)
    gdf.index = pd.Index(np.asarray(gdf.index, dtype=np.int64), name="fid")
    if not gdf.index.is_monotonic_increasing:
        gdf = gdf.sort_index(kind="stable")
    if gdf.crs is None and src.crs is not None:
        gdf = gdf.set_crs(src.crs)
    return gdf


def _ogr_boxes(src: IndexedSource, boxes: np.ndarray, columns: list[str] | None, encoding: str | None,
               on_invalid: str) -> gpd.GeoDataFrame:
    """Features meeting one of ``boxes`` through GDAL's spatial filter (one read per box), each once."""
    kw: dict[str, Any] = {"encoding": encoding} if encoding else {}
    if not len(boxes):
        raise WlrGeoInputError("geen vakken om te lezen", hint="meld dit als fout (bug)")
    frames = [pyogrio.read_dataframe(src.path, layer=src.layer, bbox=tuple(float(v) for v in b), columns=columns,
                                     fid_as_index=True, on_invalid=on_invalid, **kw) for b in boxes]
    non_empty = [f for f in frames if len(f)] or frames[:1]
    gdf = non_empty[0] if len(non_empty) == 1 else gpd.GeoDataFrame(pd.concat(non_empty), crs=non_empty[0].crs)
    gdf = gdf.loc[~gdf.index.duplicated()]
    return gdf.sort_index(kind="stable")


def _parquet_files(src: IndexedSource) -> tuple[list[tuple[Path, int]], str | None, Any]:
    """(file, row offset) of every file of a dataset or GeoParquet file, its fid column and CRS."""
    p = Path(src.path)
    if src.kind == "dataset":
        info = dataset_info(p)
        return [(info.path / f["file"], int(o)) for f, o in zip(info.files, info.offsets, strict=True)], \
            info.fid_column, info.crs
    return [(p, 0)], None, None


def _duck_boxes(src: IndexedSource, boxes: np.ndarray, columns: list[str] | None) -> gpd.GeoDataFrame:
    """:func:`read_parquet_boxes` done by DuckDB: the same rows, ids and order."""
    import pyarrow.parquet as pq

    from wlr_geo.io.duck import _quote_ident
    from wlr_geo.io.parquet import _covering, _geo_crs, _geo_metadata

    files, fid_col, _ = _parquet_files(src)
    if src.kind == "dataset":
        info = dataset_info(src.path)
        from wlr_geo.io.parquet import _box_hits

        hit = _box_hits(np.array([f["bounds"] for f in info.files], dtype=float).reshape(-1, 4), boxes)
        files = [f for f, h in zip(files, hit, strict=True) if h]
    first = files[0][0] if files else _parquet_files(src)[0][0][0]
    schema = pq.read_schema(first)
    meta = _geo_metadata(schema)
    geom = meta["primary_column"]
    cover = _covering(meta)
    names = schema.names
    keep = [c for c in names if (columns is None or c in {*columns, geom}) and c not in
            {*([cover[0]] if cover else []), *([fid_col] if fid_col else [])}]
    if not files or not len(boxes):
        return read_parquet_boxes(first, np.empty((0, 4)), columns=columns, fid_column=fid_col)
    offsets = {str(f): o for f, o in files}
    assert cover is not None  # only indexed sources come here
    c = _quote_ident(cover[0])
    f0, f1, f2, f3 = (f"{c}.{_quote_ident(f)}" for f in cover[1])
    where = " OR ".join(f"({f0} <= {_sql_number(x1)} AND {f2} >= {_sql_number(x0)} AND {f1} <= {_sql_number(y1)} "
                        f"AND {f3} >= {_sql_number(y0)})" for x0, y0, x1, y1 in boxes)
    attrs = ", ".join(_quote_ident(k) for k in keep if k != geom)
    sql = (f"SELECT {attrs + ', ' if attrs else ''}ST_AsWKB({_quote_ident(geom)}) AS __wkb, "  # noqa: S608 — identifiers quoted
           f"{_quote_ident(fid_col) + ' AS __fid, ' if fid_col else ''}filename AS __file, file_row_number AS __row "
           f"FROM read_parquet(?, filename = true, file_row_number = true, hive_partitioning = false) WHERE {where}")
    result = _duck_connection().execute(sql, [[str(f) for f, _ in files]])
    # DuckDB ≥ 1.4 names it to_arrow_table (fetch_arrow_table is deprecated)
    table = result.to_arrow_table() if hasattr(result, "to_arrow_table") else result.fetch_arrow_table()
    pos = (np.array([offsets[str(f)] for f in table.column("__file").to_pylist()], dtype=np.int64)
           + np.asarray(table.column("__row").to_numpy(zero_copy_only=False), dtype=np.int64))
    ids = np.asarray(table.column("__fid").to_numpy(zero_copy_only=False), dtype=np.int64) if fid_col else pos
    geoms = shapely.from_wkb(np.asarray(table.column("__wkb").to_numpy(zero_copy_only=False), dtype=object))
    frame = table.select([k for k in keep if k != geom]).to_pandas()
    frame.index = pd.Index(ids, dtype=np.int64)
    frame.insert(keep.index(geom), geom, gpd.array.from_shapely(geoms, crs=_geo_crs(meta, geom)))
    frame[POSITION] = pos
    gdf = gpd.GeoDataFrame(frame, geometry=geom)
    return gdf.iloc[np.argsort(pos, kind="stable")]


def read_boxes(src: IndexedSource, boxes: np.ndarray, corridor: Corridor, *, columns: list[str] | None = None,
               encoding: str | None = None, assume_crs: str | None = None) -> gpd.GeoDataFrame:
    """The features of ``src`` within ``corridor`` whose box meets one of ``boxes`` (RD): one task.

    A module-level function of picklable arguments, so the Dask engine can run it on a worker.
    Returns the features in EPSG:28992, each once, in layer order; index: the layer's feature
    ids; column :data:`~wlr_geo.io.parquet.POSITION`: the order key (the row's place in the
    whole layer). Geometries GEOS cannot build are read again with GDAL's repair
    (``attrs["_unbuildable_fixed"]`` counts them); missing geometries are kept for the
    validation to count.
    """
    q = _boxes_in(np.asarray(boxes, dtype=float).reshape(-1, 4), src.crs)
    unbuildable = 0
    if src.kind in ("gpkg", "ogr"):
        def read(on_invalid: str) -> gpd.GeoDataFrame:
            if src.kind == "gpkg":
                return _gpkg_boxes(src, q, columns, on_invalid)
            return _ogr_boxes(src, q, columns, encoding, on_invalid)

        import warnings

        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*Measured \\(M\\) geometry types.*")
            warnings.filterwarnings("ignore", message=".*Non closed ring detected.*")
            try:
                gdf = read("ignore")
                if len(gdf) and gdf.geometry.isna().any():
                    fixed = read("fix")
                    unbuildable = int((gdf.geometry.isna().to_numpy() & fixed.geometry.notna().to_numpy()).sum())
                    gdf = fixed if unbuildable else gdf
            except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, pyogrio.errors.FieldError,
                    pyogrio.errors.GeometryError, OSError) as exc:
                raise LayerReadError(f"GDAL kon de laag niet lezen: {str(exc).splitlines()[0] if str(exc) else exc}",
                                     source=src.path, layer=src.layer,
                                     hint="het bestand is mogelijk afgekapt of beschadigd; exporteer of download "
                                     "het opnieuw") from None
        gdf = _text_dtypes(gdf, src, columns)
        gdf.index = pd.Index(np.asarray(gdf.index, dtype=np.int64))
        gdf[POSITION] = np.asarray(gdf.index, dtype=np.int64)
    elif corridor.engine == "duckdb" and src.indexed:
        gdf = _duck_boxes(src, q, columns)
    else:
        files, fid_col, _ = _parquet_files(src)
        if src.kind == "dataset":
            gdf = read_dataset_boxes(dataset_info(src.path), q, columns=columns)
        else:
            gdf = read_parquet_boxes(files[0][0], q, columns=columns, fid_column=fid_col)
    gdf = ensure_rd(gdf, source=src.path, layer=src.layer, assume_crs=assume_crs, check=False)
    gdf = gdf.loc[corridor.near(np.asarray(gdf.geometry.values))]
    gdf.attrs["_unbuildable_fixed"] = unbuildable
    return gdf


def _text_dtypes(gdf: gpd.GeoDataFrame, src: IndexedSource, columns: list[str] | None) -> gpd.GeoDataFrame:
    """Text fields that are empty in every row read get the layer's text dtype (as in a whole read)."""
    blank = [c for c in gdf.columns if c != gdf.geometry.name and gdf[c].dtype == object and gdf[c].isna().all()]
    if not blank:
        return gdf
    schema = pyogrio.read_dataframe(src.path, layer=src.layer, max_features=0, columns=blank, read_geometry=False)
    for c in blank:
        if c in schema.columns and isinstance(schema[c].dtype, pd.StringDtype):
            gdf[c] = pd.Series(np.full(len(gdf), np.nan, dtype=object), index=gdf.index).astype(schema[c].dtype)
    return gdf


def _serial(func: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
    return [func(item) for item in items]


def _assemble(frames: Iterable[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """The task results as one frame: each feature once, in layer order."""
    frames = list(frames)
    non_empty = [f for f in frames if len(f)] or frames[:1]
    if len(non_empty) == 1:
        return non_empty[0]
    gdf = gpd.GeoDataFrame(pd.concat(non_empty), crs=non_empty[0].crs)
    gdf = gdf.loc[~pd.Index(gdf[POSITION]).duplicated()]
    return gdf.iloc[np.argsort(gdf[POSITION].to_numpy(), kind="stable")]


def read_near(path: str | os.PathLike[str], layer: str | None, corridor: Corridor, *, mapper: Mapper | None = None,
              encoding: str | None = None, assume_crs: str | None = None, id_column: str | None = None,
              geometry_types: list[str] | None = None) -> gpd.GeoDataFrame | None:
    """The features of a big layer within ``corridor``, read through its spatial index and validated.

    Returns None — read the layer whole — when the layer has fewer than
    ``corridor.min_features`` features, has no spatial index, or cannot be opened (the whole
    reader then reports why). Otherwise the result equals the whole layer
    (:func:`wlr_geo.io.dispatch.read_source`) filtered to the features within
    ``corridor.width_m`` of the route: the same rows, ids (index) and order. The validation
    (:func:`wlr_geo.validate.validate_layer`) covers the features read.

    Parameters
    ----------
    path, layer
        The layer (GDAL file and layer name, partitioned dataset or GeoParquet file).
    corridor
        The route and the width to read.
    mapper
        Runs the reading tasks, one per route chunk (``mapper(func, chunks) -> list``), e.g. on a
        Dask cluster; default: one task for the whole route, in this process.
    encoding, assume_crs, id_column, geometry_types
        As for :func:`wlr_geo.io.vector.read_layer`.

    Returns
    -------
    GeoDataFrame or None
        ``attrs["wlr_geo"]["corridor"]``: ``width_m``, ``n_near`` (features read), ``n_total``
        (features in the layer), ``index`` (what served the reads) and ``tasks``.
    """
    from wlr_geo.io.vector import _check_text_encoding
    from wlr_geo.validate import validate_layer

    p = Path(path)
    if not p.exists():
        return None
    src = spatial_index(p, layer)
    if src is None or not src.indexed or (src.n_total is not None and src.n_total < corridor.min_features):
        return None
    tasks = corridor.chunks(src.piece_m) if mapper is not None else [corridor.boxes(src.piece_m)]
    read = functools.partial(read_boxes, src, corridor=corridor, encoding=encoding, assume_crs=assume_crs)
    frames = (mapper or _serial)(read, tasks)
    unbuildable = sum(int(f.attrs.get("_unbuildable_fixed", 0) or 0) for f in frames)
    gdf = _assemble(frames).drop(columns=[POSITION])
    gdf.attrs.pop("_unbuildable_fixed", None)
    layer_name = src.layer if src.kind in ("gpkg", "ogr") else None
    _check_text_encoding(gdf, source=str(p), layer=layer_name, encoding=encoding)
    n_read = len(gdf)
    gdf, report = validate_layer(gdf, source=str(p), layer=layer_name, id_column=id_column,
                                 geometry_types=geometry_types, allow_empty=True)
    if unbuildable:
        report.messages.append(f"{nl(unbuildable)} geometrieën met open of te korte ringen bij het lezen gesloten")
    if report.repaired_invalid or report.dropped_collapsed or report.dropped_null or report.dropped_empty:
        log.info("%s: %s", layer_name or p, report.summary())
    gdf.attrs["wlr_geo"] = {
        "source": str(p), "layer": layer_name,
        "sha256": None,  # the run's manifest hashes the file once
        "validation": report.to_dict(),
        "corridor": {"width_m": corridor.width_m, "n_near": len(gdf), "n_read": n_read, "n_total": src.n_total,
                     "index": src.index, "tasks": len(tasks)},
    }
    return gdf


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
