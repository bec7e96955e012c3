"""Partitioned GeoParquet: the storage format for big layers.

A *dataset* is a folder of GeoParquet files, spatially partitioned on a square tile grid in RD
(``tile_m``, default 5 km), rows inside each file sorted along a Hilbert curve, each file with a
GeoParquet 1.1 covering ``bbox`` column and row groups of ``row_group_size`` rows. An index file
``_wlr_geo_index.json`` lists every file with its bounds and row count, so a query by area opens
only the files that can match and, inside them, reads only row groups whose bbox statistics
intersect (predicate push-down). A layer is therefore never loaded whole.

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
    "FOLDER_MARKER",
    "INDEX_NAME",
    "DatasetInfo",
    "dataset_info",
    "iter_vector_chunks",
    "query_area",
    "write_partitioned",
]

log = logging.getLogger("wlr_geo")

INDEX_NAME = "_wlr_geo_index.json"


@dataclass(frozen=True)
class DatasetInfo:
    """What the index of a partitioned dataset says."""

    path: Path
    files: list[dict[str, Any]]
    tile_m: float
    crs: str

    @property
    def n_rows(self) -> int:
        return int(sum(f["rows"] for f in self.files))

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        b = np.array([f["bounds"] for f in self.files]) if self.files else np.zeros((1, 4))
        return (float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max()))


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
) -> DatasetInfo:
    """Write frames (one, or an iterable of chunks in EPSG:28992) as a partitioned dataset.

    Memory stays bounded by the chunk size plus the buffered rows: a tile is flushed to its own
    file at ``max_rows_per_file`` rows, and when all buffers together exceed
    ``max_buffered_rows`` the largest ones are flushed until at most half of that is held (a
    tile may then consist of several files, each Hilbert-sorted).
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
        index = {"format": "wlr_geo partitioned GeoParquet", "version": 1, "crs": crs_text, "tile_m": tile_m, "files": files}
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
            "not a wlr_geo partitioned GeoParquet dataset (no index file)", source=str(p),
            hint="create it with 'wlr-geo convert INPUT -o DIR'",
        )
    data = json.loads(index.read_text())
    return DatasetInfo(path=p, files=data["files"], tile_m=float(data["tile_m"]), crs=data["crs"])


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
    filtered with an exact ``intersects`` test.
    """
    info = dataset if isinstance(dataset, DatasetInfo) else dataset_info(dataset)
    geom = shapely.box(*area) if isinstance(area, tuple) else area
    bxmin, bymin, bxmax, bymax = geom.bounds
    parts = []
    for f in info.files:
        fx0, fy0, fx1, fy1 = f["bounds"]
        if fx0 > bxmax or fx1 < bxmin or fy0 > bymax or fy1 < bymin:
            continue
        part = gpd.read_parquet(info.path / f["file"], columns=columns, bbox=(bxmin, bymin, bxmax, bymax))
        if len(part):
            parts.append(part)
    if not parts:
        empty = gpd.read_parquet(info.path / info.files[0]["file"], columns=columns).iloc[:0] if info.files else gpd.GeoDataFrame(geometry=[], crs=info.crs)
        return empty.drop(columns=["bbox"], errors="ignore")
    out = _concat(parts)
    if exact:
        out = out.loc[shapely.intersects(out.geometry.values, geom)]
    return out.drop(columns=["bbox"], errors="ignore").reset_index(drop=True)


def iter_vector_chunks(
    path: str | os.PathLike[str],
    layer: str | None = None,
    *,
    chunk_rows: int = 500_000,
    assume_crs: str | None = None,
) -> Iterator[gpd.GeoDataFrame]:
    """Read a GDAL vector layer in validated chunks (EPSG:28992) without loading it whole."""
    p = Path(path)
    if not p.exists():
        raise LayerReadError("the file does not exist", source=str(p), hint="check the path")
    try:
        info = pyogrio.read_info(p, layer=layer)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise LayerReadError(f"cannot open: {exc}", source=str(p), layer=layer) from None
    total = int(info["features"])
    if total < 0:
        raise WlrGeoInputError("the driver cannot count features; convert to GeoPackage first", source=str(p), layer=layer)
    for start in range(0, total, chunk_rows):
        gdf = pyogrio.read_dataframe(p, layer=layer, skip_features=start, max_features=chunk_rows)
        gdf = ensure_rd(gdf, source=str(p), layer=layer, assume_crs=assume_crs, check=False)
        gdf, _ = validate_layer(gdf, source=str(p), layer=layer, allow_empty=True)
        yield gdf
