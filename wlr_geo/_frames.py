"""Column-wise concatenation of per-variant result frames (private helper of :mod:`wlr_geo.analysis.impact.run`).

``pd.concat`` of many small frames after a ``DataFrame.assign`` per frame copies every frame
twice and re-infers every column; the impact run instead keeps ``(variant, frame, extra
columns)`` parts and joins their columns once, with the same result as
``pd.concat([f.assign(**extra, variant=v) ...], ignore_index=True)``. Parts whose columns or
dtypes differ fall back to exactly that.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

__all__ = ["Part", "concat_columns", "concat_frames", "concat_parts", "frame_columns", "str_array"]

#: One per-variant piece of a result: variant name, frame (or dict of equally long column
#: arrays, geometry as an object array in ``"geometry"``), extra columns added after its own.
Part = tuple[str, pd.DataFrame | Mapping[str, Any], Mapping[str, Any]]


def str_array(values: Any) -> Any:
    """``values`` as a pandas ``str`` array (what assigning them to a frame would infer)."""
    return pd.array(np.asarray(values, dtype=object), dtype="str")


def _length(frame: pd.DataFrame | Mapping[str, Any]) -> int:
    if isinstance(frame, pd.DataFrame):
        return len(frame)
    return len(next(iter(frame.values()))) if frame else 0


def concat_frames(parts: list[Part]) -> pd.DataFrame:
    """The parts joined by pandas (which aligns columns and upcasts dtypes where they differ)."""
    return pd.concat([pd.DataFrame(frame).assign(**extra, variant=variant) for variant, frame, extra in parts],
                     ignore_index=True)


def _array(series: pd.Series) -> Any:
    a = series.array
    return a.to_numpy() if isinstance(a, pd.arrays.NumpyExtensionArray) else a


def frame_columns(frame: pd.DataFrame) -> dict[str, Any]:
    """The columns of ``frame`` as arrays (numpy for numpy-backed columns)."""
    return {c: _array(frame[c]) for c in frame.columns}


def _part_columns(part: Part) -> dict[str, Any]:
    variant, frame, extra = part
    if isinstance(frame, pd.DataFrame):
        cols: dict[str, Any] = frame_columns(frame)
    else:
        cols = dict(frame)
    n = _length(frame)
    for k, v in extra.items():
        cols[k] = v
    cols["variant"] = str_array(np.full(n, variant, dtype=object))
    return cols


def concat_columns(parts: list[Part]) -> dict[str, Any] | None:
    """The columns of the concatenated parts, or None when their columns or dtypes differ."""
    cols = [_part_columns(p) for p in parts]
    names = list(cols[0])
    if any(list(c) != names for c in cols[1:]):
        return None
    out: dict[str, Any] = {}
    for name in names:
        arrays = [c[name] for c in cols]
        dtype = arrays[0].dtype
        if any(a.dtype != dtype for a in arrays[1:]):
            return None
        if isinstance(dtype, gpd.array.GeometryDtype):
            data = np.concatenate([np.asarray(a) for a in arrays]) if len(arrays) > 1 else np.asarray(arrays[0])
            out[name] = gpd.array.from_shapely(data, crs=arrays[0].crs)
        elif len(arrays) == 1:
            out[name] = arrays[0]
        elif isinstance(arrays[0], np.ndarray):
            out[name] = np.concatenate(arrays)
        else:
            out[name] = type(arrays[0])._concat_same_type(arrays)
    return out


def concat_parts(parts: list[Part], crs: Any, *, front: bool = False) -> gpd.GeoDataFrame:
    """Concatenate the non-empty parts with their ``variant`` column; ``front`` puts it first.

    Same result as ``pd.concat`` of ``frame.assign(**extra, variant=variant)`` per part, made a
    GeoDataFrame (geometry column of the first part) in ``crs``.
    """
    parts = [p for p in parts if _length(p[1])]
    if not parts:
        return gpd.GeoDataFrame({"variant": pd.Series(dtype="str")}, geometry=gpd.GeoSeries([], crs=crs))
    first = parts[0][1]
    name = first.geometry.name if isinstance(first, gpd.GeoDataFrame) else "geometry"
    cols = concat_columns(parts)
    if cols is None:  # differing columns or dtypes: let pandas align and upcast
        gdf = concat_frames(parts)
        if front:
            gdf = gdf[["variant", *[c for c in gdf.columns if c != "variant"]]]
        return gpd.GeoDataFrame(gdf, geometry=name, crs=crs)
    if front:
        cols = {"variant": cols["variant"], **{k: v for k, v in cols.items() if k != "variant"}}
    cols[name] = gpd.array.from_shapely(np.asarray(cols[name], dtype=object), crs=crs)
    return gpd.GeoDataFrame(cols, geometry=name)
