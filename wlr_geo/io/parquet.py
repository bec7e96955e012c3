"""Partitioned GeoParquet: the storage format for big layers.

A *dataset* is a folder of GeoParquet files, spatially partitioned on a square tile grid in RD
(``tile_m``, default 5 km), rows inside each file sorted along a Hilbert curve, each file with a
GeoParquet 1.1 covering ``bbox`` column and row groups of ``row_group_size`` rows. An index file
``_wlr_geo_index.json`` lists every file with its bounds and row count, so a query by area opens
only the files that can match and, inside them, reads only row groups whose bbox statistics
intersect (predicate push-down). A layer is therefore never loaded whole.

Feature ids: a frame read from a dataset has the source's stable feature ids as its index. A
dataset converted from a GDAL file (``wlr-geo convert``) stores the source's FID (the GeoPackage
``fid``, the record number of a Shapefile or FlatGeobuf) in a column named in the index
(``fid_column``, normally ``fid``), and the readers put it back into the index; in other datasets
the id is the row's number in the dataset (files in index order, rows in file order), which is
also the index of the whole dataset read at once. So the same feature has the same id however the
dataset is read: whole, by area, or piece by piece along a route.

Writing is atomic per dataset: files are written into a hidden temporary folder which is renamed
onto the target when complete; an interrupted conversion leaves any earlier dataset intact.
Every dataset holds the marker file ``.wlr_geo_dataset`` (:data:`wlr_geo._atomic.FOLDER_MARKER`);
an existing folder is replaced only if it holds the marker (or the index of a dataset written
before the marker existed) or is empty, so a folder wlr_geo did not make is never replaced or
deleted.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from shapely.geometry.base import BaseGeometry

from wlr_geo._atomic import (
    FOLDER_MARKER,
    ForeignFolderError,
    OutputNotADirectoryError,
    is_replaceable_folder,
    write_folder_marker,
)
from wlr_geo._errors import LayerReadError, WlrGeoInputError
from wlr_geo.crs import RD_BOUNDS_M, ensure_rd
from wlr_geo.validate import validate_layer

__all__ = [
    "FID_COLUMN",
    "FOLDER_MARKER",
    "INDEX_NAME",
    "POSITION",
    "DatasetInfo",
    "dataset_info",
    "iter_vector_chunks",
    "query_area",
    "read_parquet_boxes",
    "write_partitioned",
]

log = logging.getLogger("wlr_geo")

INDEX_NAME = "_wlr_geo_index.json"

#: Column of a converted dataset holding the source's feature id (the GDAL FID).
FID_COLUMN = "fid"

#: Internal column of frames read by area: the row's position in the whole layer (its order key).
POSITION = "__wlr_position"


@dataclass(frozen=True)
class DatasetInfo:
    """What the index of a partitioned dataset says."""

    path: Path
    files: list[dict[str, Any]]
    tile_m: float
    crs: str
    #: Column holding the source's feature ids (None: the row number in the dataset is the id).
    fid_column: str | None = None

    @property
    def n_rows(self) -> int:
        return int(sum(f["rows"] for f in self.files))

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        b = np.array([f["bounds"] for f in self.files]) if self.files else np.zeros((1, 4))
        return (float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max()))

    @property
    def offsets(self) -> np.ndarray:
        """Row number in the dataset of the first row of each file (files in index order)."""
        rows = np.array([int(f["rows"]) for f in self.files], dtype=np.int64)
        return np.concatenate([[0], np.cumsum(rows)[:-1]]).astype(np.int64) if len(rows) else rows


def _tile_keys(geoms: np.ndarray, tile_m: float) -> np.ndarray:
    xmin, ymin, xmax, ymax = shapely.bounds(geoms).T
    cx = np.floor(((xmin + xmax) / 2.0) / tile_m).astype(np.int64)
    cy = np.floor(((ymin + ymax) / 2.0) / tile_m).astype(np.int64)
    return np.char.add(np.char.add(cx.astype(str), "_"), cy.astype(str))


def _hilbert_sorted(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if len(gdf) < 2:
        return gdf
    order = np.argsort(gdf.geometry.hilbert_distance(total_bounds=RD_BOUNDS_M).to_numpy(), kind="stable")
    return gdf.iloc[order]


def write_partitioned(
    chunks: gpd.GeoDataFrame | Iterable[gpd.GeoDataFrame],
    out_dir: str | os.PathLike[str],
    *,
    tile_m: float = 5_000.0,
    row_group_size: int = 100_000,
    max_rows_per_file: int = 2_000_000,
    max_buffered_rows: int = 4_000_000,
    fid_column: str | None = None,
) -> DatasetInfo:
    """Write frames (one, or an iterable of chunks in EPSG:28992) as a partitioned dataset.

    Memory stays bounded by the chunk size plus the buffered rows: a tile is flushed to its own
    file at ``max_rows_per_file`` rows, and when all buffers together exceed
    ``max_buffered_rows`` the largest ones are flushed until at most half of that is held (a
    tile may then consist of several files, each Hilbert-sorted).

    With ``fid_column`` the frames' index (the source's feature ids, integers) is stored in a
    column of that name — ``fid_1``, ``fid_2``, ... when the frames already have such a column —
    named in the dataset index, and the readers give it back as the index.
    """
    out = Path(out_dir)
    _check_replaceable(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.{secrets.token_hex(6)}.part"
    tmp.mkdir()  # not mkdtemp: the dataset keeps the usual permissions (mkdtemp gives 0700)
    files: list[dict[str, Any]] = []
    buffers: dict[str, list[gpd.GeoDataFrame]] = defaultdict(list)
    buffered: dict[str, int] = defaultdict(int)
    counters: dict[str, int] = defaultdict(int)
    crs_text = "EPSG:28992"
    fid_name: str | None = None

    def flush(key: str) -> None:
        parts = buffers.pop(key, [])
        buffered.pop(key, None)
        if not parts:
            return
        gdf = _hilbert_sorted(gpd.GeoDataFrame(_concat(parts), crs=parts[0].crs))
        tile_dir = tmp / f"tile={key}"
        tile_dir.mkdir(exist_ok=True)
        name = tile_dir / f"part-{counters[key]:05d}.parquet"
        counters[key] += 1
        gdf.to_parquet(name, index=False, write_covering_bbox=True, schema_version="1.1.0", row_group_size=row_group_size)
        files.append({
            "file": str(name.relative_to(tmp)),
            "rows": len(gdf),
            "bounds": [float(v) for v in gdf.total_bounds],
        })

    try:
        frames = [chunks] if isinstance(chunks, gpd.GeoDataFrame) else chunks
        for chunk in frames:
            if len(chunk) == 0:
                continue
            chunk = ensure_rd(chunk, check=False)
            if fid_column is not None:
                if fid_name is None:
                    fid_name = _free_name(fid_column, chunk.columns)
                chunk = chunk.assign(**{fid_name: np.asarray(chunk.index, dtype=np.int64)})
            keys = _tile_keys(chunk.geometry.values, tile_m)
            for key in np.unique(keys):
                part = chunk.loc[keys == key]
                buffers[key].append(part)
                buffered[key] += len(part)
                if buffered[key] >= max_rows_per_file:
                    flush(key)
            if sum(buffered.values()) > max_buffered_rows:
                for key in sorted(buffered, key=buffered.__getitem__, reverse=True):
                    flush(key)
                    if sum(buffered.values()) <= max_buffered_rows // 2:
                        break
        for key in list(buffers):
            flush(key)
        index: dict[str, Any] = {"format": "wlr_geo partitioned GeoParquet", "version": 1, "crs": crs_text,
                                 "tile_m": tile_m, "files": files}
        if fid_name is not None:
            index["fid_column"] = fid_name
        (tmp / INDEX_NAME).write_text(json.dumps(index, indent=1))
        write_folder_marker(tmp, kind="partitioned GeoParquet")
        if out.exists():
            _check_replaceable(out)  # again: it may have changed while we wrote
            backup = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
            backup.rmdir()
            out.rename(backup)
            tmp.rename(out)
            shutil.rmtree(backup)
        else:
            tmp.rename(out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return dataset_info(out)


def _free_name(name: str, columns: Iterable[Any]) -> str:
    """``name``, or ``name_1``, ``name_2``, ... when ``columns`` already holds it."""
    taken = {str(c) for c in columns}
    candidate, i = name, 0
    while candidate in taken:
        i += 1
        candidate = f"{name}_{i}"
    return candidate


def _check_replaceable(out: Path) -> None:
    """Refuse to replace a file, or a folder that is not an (empty or) wlr_geo dataset."""
    if not (out.exists() or out.is_symlink()):
        return
    if out.is_symlink() or not out.is_dir():
        raise OutputNotADirectoryError(
            f"{out} bestaat al en is geen map; kies een andere naam of uitvoermap (-o)", path=out)
    if not is_replaceable_folder(out):
        raise ForeignFolderError(
            f"map {out} bestaat al en is geen wlr-geo-dataset (geen {FOLDER_MARKER}); wlr-geo vervangt "
            f"alleen eigen datasets: kies een andere uitvoermap (-o) of verwijder de map zelf")


def _concat(parts: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    import pandas as pd

    if len(parts) == 1:
        return parts[0]
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=parts[0].crs)


def dataset_info(path: str | os.PathLike[str]) -> DatasetInfo:
    """Read the index of a partitioned dataset."""
    p = Path(path)
    index = p / INDEX_NAME
    if not index.exists():
        raise LayerReadError(
            "geen gepartitioneerde GeoParquet-dataset van wlr_geo (geen indexbestand)", source=str(p),
            hint="maak de dataset met 'wlr-geo convert INPUT -o DIR'",
        )
    data = json.loads(index.read_text())
    return DatasetInfo(path=p, files=data["files"], tile_m=float(data["tile_m"]), crs=data["crs"],
                       fid_column=data.get("fid_column"))


def query_area(
    dataset: str | os.PathLike[str] | DatasetInfo,
    area: BaseGeometry | tuple[float, float, float, float],
    *,
    columns: list[str] | None = None,
    exact: bool = True,
) -> gpd.GeoDataFrame:
    """Features of a partitioned dataset that intersect ``area`` (a geometry or an RD bbox).

    Only files whose bounds intersect the area are opened, and inside them only row groups whose
    bbox statistics do (GeoParquet covering column). With ``exact=True`` the bbox candidates are
    filtered with an exact ``intersects`` test. The index holds the features' ids (see the
    module docstring), in dataset order.
    """
    info = dataset if isinstance(dataset, DatasetInfo) else dataset_info(dataset)
    geom = shapely.box(*area) if isinstance(area, tuple) else area
    out = read_dataset_boxes(info, np.array([geom.bounds], dtype=float), columns=columns)
    if exact and len(out):
        out = out.loc[shapely.intersects(out.geometry.values, geom)]
    return out.drop(columns=[POSITION])


def read_dataset_boxes(info: DatasetInfo, boxes: np.ndarray | None, *,
                       columns: list[str] | None = None) -> gpd.GeoDataFrame:
    """Rows of a partitioned dataset whose bbox intersects any of ``boxes`` (``(k, 4)``; None: all).

    Each row once, in dataset order; index: the features' ids; column :data:`POSITION`: the
    row's number in the dataset.
    """
    parts: list[gpd.GeoDataFrame] = []
    for f, offset in zip(info.files, info.offsets, strict=True):
        if boxes is not None and not _box_hits(np.asarray([f["bounds"]], dtype=float), boxes).any():
            continue
        part = read_parquet_boxes(info.path / f["file"], boxes, columns=columns, offset=int(offset),
                                  fid_column=info.fid_column)
        if len(part) or not parts:
            parts.append(part)
    if not parts:
        if info.files:
            return read_parquet_boxes(info.path / info.files[0]["file"], np.empty((0, 4)), columns=columns,
                                      fid_column=info.fid_column)
        return gpd.GeoDataFrame({POSITION: np.empty(0, dtype=np.int64)}, geometry=gpd.GeoSeries([], crs=info.crs))
    non_empty = [p for p in parts if len(p)] or parts[:1]
    if len(non_empty) == 1:
        return non_empty[0]
    return gpd.GeoDataFrame(pd.concat(non_empty), crs=non_empty[0].crs)


def _box_hits(bounds: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Which of the ``(n, 4)`` bounds intersect at least one of the ``(k, 4)`` boxes (closed)."""
    hit = np.zeros(len(bounds), dtype=bool)
    if not len(bounds) or not len(boxes):
        return hit
    for x0, y0, x1, y1 in boxes:
        hit |= (bounds[:, 0] <= x1) & (bounds[:, 2] >= x0) & (bounds[:, 1] <= y1) & (bounds[:, 3] >= y0)
    return hit


def _geo_metadata(schema: Any) -> dict[str, Any]:
    raw = (schema.metadata or {}).get(b"geo")
    if raw is None:
        raise LayerReadError("geen GeoParquet-bestand (geen geo-metadata)",
                             hint="schrijf het bestand met GeoPandas of 'wlr-geo convert'")
    meta: dict[str, Any] = json.loads(raw)
    return meta


def _covering(meta: dict[str, Any]) -> tuple[str, list[str]] | None:
    """The bbox covering column of the primary geometry: (struct column, [xmin, ymin, xmax, ymax] fields)."""
    cover = meta["columns"][meta["primary_column"]].get("covering", {}).get("bbox")
    if not cover:
        return None
    paths = [cover.get(k) for k in ("xmin", "ymin", "xmax", "ymax")]
    if not all(isinstance(p, list) and len(p) == 2 for p in paths) or len({p[0] for p in paths}) != 1:
        return None
    return paths[0][0], [p[1] for p in paths]


def _geo_crs(meta: dict[str, Any], column: str) -> Any:
    return meta["columns"][column].get("crs", "OGC:CRS84")  # GeoParquet: a missing crs means OGC:CRS84


def read_parquet_boxes(path: str | os.PathLike[str], boxes: np.ndarray | None, *, columns: list[str] | None = None,
                       offset: int = 0, fid_column: str | None = None) -> gpd.GeoDataFrame:
    """Rows of one GeoParquet file whose bbox intersects any of ``boxes`` (``(k, 4)``; None: all rows).

    Row groups are skipped on their bbox statistics (GeoParquet 1.1 covering column), the rows
    of the others are tested on their own bbox (from the covering column, else from the
    geometry). Returns the rows in file order; index: the ``fid_column`` values, else
    ``offset`` + the row number in the file; column :data:`POSITION` = ``offset`` + row number.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    meta = _geo_metadata(pf.schema_arrow)
    geom_col = meta["primary_column"]
    if meta["columns"][geom_col].get("encoding", "WKB") != "WKB":
        return _read_parquet_via_geopandas(path, boxes, columns=columns, offset=offset, fid_column=fid_column)
    cover = _covering(meta)
    md = pf.metadata
    n_rg = md.num_row_groups
    counts = np.array([md.row_group(i).num_rows for i in range(n_rg)], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64) if n_rg else counts
    chosen = np.arange(n_rg)
    if boxes is not None and cover is not None and n_rg:
        rg_bounds = _row_group_bounds(md, cover)
        chosen = chosen[_box_hits(rg_bounds, boxes)]
    names = pf.schema_arrow.names
    wanted = names if columns is None else [c for c in names if c in {*columns, geom_col}]
    read_cols = list(dict.fromkeys([*wanted, *([cover[0]] if cover else []),
                                    *([fid_column] if fid_column else [])]))
    table = pf.read_row_groups(chosen.tolist(), columns=read_cols) if len(chosen) else \
        pf.schema_arrow.empty_table().select(read_cols)
    rows = (np.concatenate([np.arange(starts[i], starts[i] + counts[i]) for i in chosen])
            if len(chosen) else np.empty(0, dtype=np.int64))
    if boxes is not None and table.num_rows:
        if cover is not None:
            struct = table.column(cover[0]).combine_chunks()
            bounds = np.column_stack([np.asarray(struct.field(f).to_numpy(zero_copy_only=False), dtype=float)
                                      for f in cover[1]])
        else:
            bounds = shapely.bounds(shapely.from_wkb(np.asarray(table.column(geom_col).to_numpy(zero_copy_only=False))))
        keep = _box_hits(bounds, boxes)
        table = table.filter(pa.array(keep))
        rows = rows[keep]
    ids = (np.asarray(table.column(fid_column).to_numpy(zero_copy_only=False), dtype=np.int64)
           if fid_column else offset + rows)
    # the covering bbox and the stored feature ids are not attributes
    table = table.drop_columns([c for c in dict.fromkeys([*([cover[0]] if cover else []), *([fid_column] if fid_column else [])])
                                if c in table.column_names])
    frame = table.drop_columns([geom_col]).to_pandas()
    frame.index = pd.Index(ids, dtype=np.int64)
    geoms = shapely.from_wkb(np.asarray(table.column(geom_col).to_numpy(zero_copy_only=False), dtype=object))
    frame.insert(table.column_names.index(geom_col), geom_col,
                 gpd.array.from_shapely(geoms, crs=_geo_crs(meta, geom_col)))
    frame[POSITION] = offset + rows
    return gpd.GeoDataFrame(frame, geometry=geom_col)


def _row_group_bounds(md: Any, cover: tuple[str, list[str]]) -> np.ndarray:
    """Bounds ``(n_row_groups, 4)`` from the covering column's statistics (infinite when absent)."""
    paths = [f"{cover[0]}.{f}" for f in cover[1]]
    idx = {}
    for j in range(md.num_columns):
        path = md.schema.column(j).path
        if path in paths:
            idx[path] = j
    out = np.tile(np.array([-np.inf, -np.inf, np.inf, np.inf]), (md.num_row_groups, 1))
    if len(idx) != 4:
        return out
    for i in range(md.num_row_groups):
        rg = md.row_group(i)
        vals = []
        for k, path in enumerate(paths):
            st = rg.column(idx[path]).statistics
            if st is None or not st.has_min_max:
                break
            vals.append(float(st.min) if k < 2 else float(st.max))
        else:
            out[i] = vals
    return out


def _read_parquet_via_geopandas(path: str | os.PathLike[str], boxes: np.ndarray | None, *,
                                columns: list[str] | None, offset: int, fid_column: str | None) -> gpd.GeoDataFrame:
    """GeoParquet with a GeoArrow geometry encoding: read whole with GeoPandas, then select."""
    gdf = gpd.read_parquet(path, columns=None if columns is None else [*columns, *([fid_column] if fid_column else [])])
    rows = np.arange(len(gdf), dtype=np.int64)
    if boxes is not None:
        keep = _box_hits(shapely.bounds(np.asarray(gdf.geometry.values)), boxes)
        gdf, rows = gdf.loc[keep], rows[keep]
    ids = gdf.pop(fid_column).to_numpy(dtype=np.int64) if fid_column else offset + rows
    gdf = gdf.drop(columns=["bbox"], errors="ignore")
    gdf.index = pd.Index(ids, dtype=np.int64)
    gdf[POSITION] = offset + rows
    return gdf


def iter_vector_chunks(
    path: str | os.PathLike[str],
    layer: str | None = None,
    *,
    chunk_rows: int = 500_000,
    assume_crs: str | None = None,
) -> Iterator[gpd.GeoDataFrame]:
    """Read a GDAL vector layer in validated chunks (EPSG:28992) without loading it whole.

    The chunks' index holds the source's feature ids (GDAL FIDs: the GeoPackage ``fid``, the
    record number of a Shapefile or FlatGeobuf).
    """
    p = Path(path)
    if not p.exists():
        raise LayerReadError("het bestand bestaat niet", source=str(p), hint="controleer het pad")
    try:
        info = pyogrio.read_info(p, layer=layer)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise LayerReadError(f"kan niet worden geopend: {exc}", source=str(p), layer=layer) from None
    total = int(info["features"])
    if total < 0:
        raise WlrGeoInputError("het stuurprogramma (driver) kan de objecten niet tellen",
                               source=str(p), layer=layer, hint="zet het bestand eerst om naar GeoPackage")
    for start in range(0, total, chunk_rows):
        # the index holds the source's feature ids (GDAL FIDs), which write_partitioned can keep
        gdf = pyogrio.read_dataframe(p, layer=layer, skip_features=start, max_features=chunk_rows, fid_as_index=True)
        gdf = ensure_rd(gdf, source=str(p), layer=layer, assume_crs=assume_crs, check=False)
        gdf, _ = validate_layer(gdf, source=str(p), layer=layer, allow_empty=True)
        yield gdf
