"""Compact encoding of layers for the web maps.

A layer becomes a small JSON document that the page's runtime (``static/wlr_map.js``) decodes:

* geometry simplified in metres (RD) at a tolerance suited to the most detailed zoom the map
  is meant for, then reprojected with :func:`wlr_geo.crs.to_web` (the only reprojection to WGS84);
* coordinates as integers at ``10**-decimals`` degrees (6 decimals ≈ 0.1 m; 5 ≈ 1 m), stored
  as [lat, lon] pairs delta-encoded within each ring or part;
* attribute values as pre-formatted text, dictionary-encoded when they repeat;
* JSON made safe to embed in ``<script type="application/json">``: ``<``, ``>`` and ``&`` are
  written as ``\\u003c`` etc., so no value can close the element or start markup.

Lines of one layer may be MultiLineStrings, polygons MultiPolygons; points are exploded.
"""

from __future__ import annotations

import functools
import json
import logging
import math
from collections.abc import Callable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from wlr_geo._nl import nl
from wlr_geo.crs import to_web
from wlr_geo.present.format import format_for_column
from wlr_geo.present.format import format_value as _format

__all__ = [
    "encode_columns",
    "encode_geometries",
    "format_value",
    "json_for_script",
    "pixel_size_m",
    "split_by_kind",
    "tolerance_for_zoom",
]

log = logging.getLogger("wlr_geo")

_KIND = {
    "Point": "point", "MultiPoint": "point",
    "LineString": "line", "MultiLineString": "line", "LinearRing": "line",
    "Polygon": "polygon", "MultiPolygon": "polygon",
}


def pixel_size_m(zoom: int, lat_deg: float = 52.2) -> float:
    """Size of one screen pixel in metres at ``zoom`` (256-px Web Mercator tiles) at ``lat_deg``."""
    return 156_543.033_92 * math.cos(math.radians(lat_deg)) / (2**zoom)


def tolerance_for_zoom(zoom: int) -> float:
    """Simplification tolerance (m) that is invisible at ``zoom``: half a pixel."""
    return pixel_size_m(zoom) / 2.0


def _decimals_for(tolerance_m: float) -> int:
    # 1e-6 degree latitude ≈ 0.11 m; 1e-5 ≈ 1.1 m
    return 6 if tolerance_m < 0.5 else 5


def json_for_script(obj: Any) -> str:
    """Compact JSON that can sit inside a ``<script>`` element without ending it or adding markup."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    )


def format_value(value: Any, fmt: str = "auto") -> str | None:
    """Display text of an attribute value in Dutch notation (``1.234,5``); None when missing.

    ``fmt`` is a format of :data:`wlr_geo.present.format.FORMATS` (``"year"``, ``"km"`` …).
    """
    text = _format(value, fmt)
    return text or None


def _column_payload(values: Sequence[str | None]) -> dict[str, Any]:
    n = len(values)
    uniques: dict[str | None, int] = {}
    idx = [uniques.setdefault(v, len(uniques)) for v in values]
    if n > 8 and len(uniques) <= n // 2:
        return {"d": list(uniques), "i": idx}
    return {"v": list(values)}


def split_by_kind(gdf: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    """Split a frame into point / line / polygon parts (dropping null and empty geometries)."""
    geoms = gdf.geometry.values
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    dropped = int((~keep).sum())
    if dropped:
        log.info("kaartlaag: %s object(en) zonder geometrie weggelaten", nl(dropped))
    sub = gdf[keep]
    if len(sub) == 0:
        return {}
    kinds = np.array([_KIND.get(t, "other") for t in sub.geom_type], dtype=object)
    out: dict[str, gpd.GeoDataFrame] = {}
    for kind in ("polygon", "line", "point"):
        part = sub[kinds == kind]
        if len(part):
            out[kind] = part
    other = int((kinds == "other").sum())
    if other:
        log.warning("kaartlaag: %s geometrieverzameling(en) weggelaten; splits ze eerst op in losse delen", nl(other))
    return out


def _delta_runs(coords_latlon: np.ndarray, counts: np.ndarray, scale: float) -> list[list[int]]:
    """Integer, delta-encoded [lat, lon, dlat, dlon, ...] per run of ``counts`` vertices."""
    if len(coords_latlon) == 0:
        return []
    q = np.round(coords_latlon * scale).astype(np.int64)
    d = q.copy()
    d[1:] -= q[:-1]
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    d[starts] = q[starts]
    flat = d.reshape(-1)
    return [a.tolist() for a in np.split(flat, 2 * np.cumsum(counts)[:-1])]


def encode_geometries(
    gdf: gpd.GeoDataFrame,
    kind: str,
    *,
    simplify_m: float,
) -> tuple[gpd.GeoDataFrame, list[Any], int, tuple[float, float, float, float] | None]:
    """Encode the geometries of a single-kind frame.

    Returns
    -------
    frame, geoms, scale, bounds
        The frame actually encoded (points exploded), the nested integer geometry list,
        the integer scale (``10**decimals``) and the WGS84 bounds (west, south, east, north).
    """
    data = gdf
    if kind == "point":
        data = gdf.explode(index_parts=False)
    if simplify_m > 0 and kind != "point" and data.crs is not None and not data.crs.is_geographic:
        data = data.set_geometry(shapely.simplify(data.geometry.values, simplify_m, preserve_topology=kind == "polygon"))
    web = to_web(data)
    decimals = _decimals_for(simplify_m)
    scale = 10**decimals
    geoms = web.geometry.values
    if len(geoms) == 0:
        return web, [], scale, None
    w, s, e, n = (float(v) for v in shapely.total_bounds(geoms))
    bounds = (w, s, e, n)
    if kind == "point":
        xy = shapely.get_coordinates(geoms)
        q = np.round(xy[:, ::-1] * scale).astype(np.int64)
        return web, q.tolist(), scale, bounds
    if kind == "line":
        parts, part_of = shapely.get_parts(geoms, return_index=True)
        coords = shapely.get_coordinates(parts)
        counts = shapely.get_num_coordinates(parts)
        runs = _delta_runs(coords[:, ::-1], counts, scale)
        out: list[Any] = [[] for _ in range(len(geoms))]
        for run, f in zip(runs, part_of.tolist(), strict=True):
            out[f].append(run)
        return web, out, scale, bounds
    polys, poly_of = shapely.get_parts(geoms, return_index=True)
    rings, ring_of = shapely.get_rings(polys, return_index=True)
    coords = shapely.get_coordinates(rings)
    counts = shapely.get_num_coordinates(rings)
    # drop the closing vertex of each ring (Leaflet closes rings itself)
    keep = np.ones(len(coords), dtype=bool)
    keep[np.cumsum(counts) - 1] = False
    runs = _delta_runs(coords[keep][:, ::-1], counts - 1, scale)
    poly_rings: list[list[list[int]]] = [[] for _ in range(len(polys))]
    for run, p in zip(runs, ring_of.tolist(), strict=True):
        poly_rings[p].append(run)
    out = [[] for _ in range(len(geoms))]
    for rings_of_poly, f in zip(poly_rings, poly_of.tolist(), strict=True):
        out[f].append(rings_of_poly)
    return web, out, scale, bounds


def encode_columns(
    frame: pd.DataFrame,
    columns: Sequence[str],
    *,
    formatter: Callable[[str], Callable[[Any], str | None]] | None = None,
) -> list[dict[str, Any]]:
    """Display text of ``columns`` (present ones; others empty), column-wise and compact.

    ``formatter(column)`` gives the function that turns a value of that column into its text
    (default: :func:`format_value` in the format :func:`wlr_geo.present.format.format_for_column`
    picks for the column). Each distinct value is formatted once.
    """
    out = []
    for col in columns:
        if col in frame.columns:
            one: Callable[[Any], str | None]
            if formatter is None:
                fmt = format_for_column(col)
                one = functools.partial(format_value, fmt=fmt)
            else:
                one = formatter(col)
            memo: dict[Any, str | None] = {}
            values = []
            for v in frame[col].tolist():
                try:
                    text = memo[v]
                except KeyError:
                    text = memo[v] = one(v)
                except TypeError:  # unhashable value
                    text = one(v)
                values.append(text)
        else:
            values = [None] * len(frame)
        out.append(_column_payload(values))
    return out
