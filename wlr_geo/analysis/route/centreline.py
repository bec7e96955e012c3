"""The route model: a centreline with chainage (kilometrering) from its start.

A route layer holds one or more variants; each variant is one or more line parts that are
merged, in order, into one :class:`~shapely.LineString`. Chainage (``chainage_m``) is the
distance along that line from its first vertex. Everything else in the impact analysis is
expressed in chainage: crossings, strips per chainage range, the split per municipality/wijk
and the kilometre markers.

Conventions
-----------
* Coordinates are RD New metres (EPSG:28992); lengths in metres.
* A point on a boundary between two areas belongs to the area the route *continues into*
  (intervals are half-open ``[from_m, to_m)``; the last interval also holds the end point).
* "Left" and "right" of the route are seen in the direction of increasing chainage.

Examples
--------
>>> import geopandas as gpd
>>> from shapely import LineString
>>> gdf = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (1000, 0)])], crs="EPSG:28992")
>>> routes = prepare_route(gdf)
>>> float(routes.geometry.iloc[0].length)
1000.0
>>> chainage_markers(routes.geometry.iloc[0], every_m=500)["label"].tolist()
['km 0,0', 'km 0,5', 'km 1,0']
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, MultiLineString
from shapely.ops import substring

from wlr_geo._errors import LayerValidationError, WlrGeoInputError
from wlr_geo.crs import require_projected

__all__ = [
    "DEFAULT_VARIANT",
    "chainage_at",
    "chainage_markers",
    "format_km",
    "point_at",
    "prepare_route",
    "route_segments",
    "split_by_areas",
]

log = logging.getLogger("wlr_geo")

#: Variant name used when the route layer has no variant column.
DEFAULT_VARIANT = "route"

#: Distance (m) below which consecutive vertices count as duplicates.
_DUP_TOL_M = 1e-6


def _parts_of(geom: shapely.Geometry) -> list[LineString]:
    if geom is None or geom.is_empty:
        return []
    if isinstance(geom, LineString):
        return [geom]
    if isinstance(geom, MultiLineString):
        return list(geom.geoms)
    return []


def _dedupe(coords: np.ndarray) -> tuple[np.ndarray, int]:
    """Drop consecutive duplicate vertices; return the coordinates and how many were dropped."""
    if len(coords) < 2:
        return coords, 0
    step = np.hypot(*np.diff(coords, axis=0).T)
    keep = np.concatenate([[True], step > _DUP_TOL_M])
    return coords[keep], int((~keep).sum())


def _chain_parts(parts: list[np.ndarray], *, max_gap_m: float, label: str) -> tuple[np.ndarray, list[str]]:
    """Join ordered parts end to start, flipping parts drawn the other way."""
    notes: list[str] = []
    chain = parts[0]
    if len(parts) > 1:
        # orient the first part so that its end is nearest to the second part
        nxt = parts[1]
        d_end = min(np.hypot(*(chain[-1] - nxt[0])), np.hypot(*(chain[-1] - nxt[-1])))
        d_start = min(np.hypot(*(chain[0] - nxt[0])), np.hypot(*(chain[0] - nxt[-1])))
        if d_start < d_end:
            chain = chain[::-1]
    for i, part in enumerate(parts[1:], start=1):
        d_fwd = float(np.hypot(*(chain[-1] - part[0])))
        d_rev = float(np.hypot(*(chain[-1] - part[-1])))
        if d_rev < d_fwd:
            part, gap = part[::-1], d_rev
            notes.append(f"{label}: part {i + 1} was drawn the other way and was reversed")
        else:
            gap = d_fwd
        if gap > max_gap_m:
            raise LayerValidationError(
                f"{label}: part {i + 1} starts {gap:.1f} m from the end of the previous part",
                feature=str(i + 1),
                hint=(
                    f"route parts must follow on each other (gap ≤ {max_gap_m} m); order them with "
                    "an order column, close the gap, or raise max_gap_m"
                ),
            )
        if gap > _DUP_TOL_M:
            notes.append(f"{label}: gap of {gap:.2f} m between parts {i} and {i + 1} closed")
        chain = np.vstack([chain, part])
    return chain, notes


def prepare_route(
    gdf: gpd.GeoDataFrame,
    *,
    reverse: bool | Sequence[str] = False,
    variant_column: str | None = None,
    order_column: str | None = None,
    max_gap_m: float = 5.0,
) -> gpd.GeoDataFrame:
    """Merge a route layer into one centreline per variant.

    Parameters
    ----------
    gdf
        Lines (LineString/MultiLineString) in a projected CRS (EPSG:28992). Not modified.
    reverse
        ``True`` reverses every variant (a route drawn in the wrong direction); a list of variant
        names reverses only those.
    variant_column
        Column naming the variant of each part; without it all parts form one route
        (variant ``"route"``).
    order_column
        Column giving the order of the parts; default the row order.
    max_gap_m
        Largest gap between consecutive parts that is closed silently (with a note).

    Returns
    -------
    GeoDataFrame
        One row per variant: ``variant``, ``length_m``, ``n_parts``, ``geometry`` (LineString),
        in the input CRS. ``attrs["notes"]`` lists repairs (duplicate vertices dropped, parts
        reversed, gaps closed).

    Raises
    ------
    LayerValidationError
        Empty layer, no line geometry, parts that do not follow on each other, zero length.
    """
    require_projected(gdf, what="the route model")
    if variant_column is not None and variant_column not in gdf.columns:
        raise LayerValidationError(
            f"the route layer has no column {variant_column!r}; columns: {', '.join(map(str, gdf.columns))}",
            layer="route", hint="set [route] variant_column to an existing column or remove it",
        )
    if order_column is not None and order_column not in gdf.columns:
        raise LayerValidationError(
            f"the route layer has no column {order_column!r}", layer="route",
            hint="set [route] order_column to an existing column or remove it",
        )
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    data = gdf if present.all() else gdf[present]
    if len(data) == 0:
        raise LayerValidationError(
            "the route layer has no geometries", layer="route", hint="give a layer with the route line(s)",
        )
    if order_column is not None:
        data = data.sort_values(order_column, kind="stable")
    is_line = np.isin(shapely.get_type_id(np.asarray(data.geometry.values, dtype=object)), (1, 5))
    if not is_line.all():
        bad = ~data.geom_type.isin(["LineString", "MultiLineString"])
        raise LayerValidationError(
            f"the route layer holds {', '.join(sorted(set(data.geom_type[bad])))} where lines are expected",
            layer="route", feature=str(data.index[bad][0]), hint="give the route as (multi)line geometry",
        )
    groups = (
        [(DEFAULT_VARIANT, data)] if variant_column is None
        else [(str(k), g) for k, g in data.groupby(variant_column, sort=False, dropna=False)]
    )
    reverse_set = (
        {name for name, _ in groups} if reverse is True else set() if reverse is False else set(map(str, reverse))
    )
    rows = []
    notes: list[str] = []
    for name, group in groups:
        label = f"route {name!r}"
        parts = []
        n_dup = 0
        for geom in group.geometry:
            for part in _parts_of(geom):
                coords, dropped = _dedupe(shapely.get_coordinates(part))
                n_dup += dropped
                if len(coords) >= 2:
                    parts.append(coords)
        if n_dup:
            notes.append(f"{label}: {n_dup} duplicate vertices dropped")
        if not parts:
            raise LayerValidationError(
                f"{label} has zero length", layer="route",
                hint="the route lines collapse to points; check the geometry",
            )
        chain, chain_notes = _chain_parts(parts, max_gap_m=max_gap_m, label=label)
        notes.extend(chain_notes)
        chain, dropped = _dedupe(chain)  # joints of parts that touch
        if name in reverse_set:
            chain = chain[::-1]
            notes.append(f"{label}: reversed (chainage now runs from the other end)")
        line = LineString(chain)
        if not line.is_simple:
            notes.append(f"{label}: the route crosses itself; chainage stays well defined, maps may look odd")
        rows.append({"variant": name, "length_m": float(line.length), "n_parts": len(parts), "geometry": line})
    for note in notes:
        log.info(note)
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=gdf.crs)
    out.attrs["notes"] = notes
    return out


def chainage_at(line: LineString, points: shapely.Geometry | Sequence[shapely.Geometry] | np.ndarray) -> np.ndarray:
    """Chainage (m from the start) of the point on ``line`` nearest to each of ``points``."""
    arr = np.atleast_1d(np.asarray(points, dtype=object))
    return np.asarray(shapely.line_locate_point(line, arr), dtype=float)


def point_at(line: LineString, chainage_m: float | Sequence[float] | np.ndarray) -> np.ndarray:
    """The point(s) on ``line`` at ``chainage_m``.

    Raises
    ------
    WlrGeoInputError
        A chainage below 0 or beyond the route length (1 mm tolerance).
    """
    ch = np.atleast_1d(np.asarray(chainage_m, dtype=float))
    length = line.length
    if np.any(~np.isfinite(ch)) or np.any(ch < -1e-3) or np.any(ch > length + 1e-3):
        raise WlrGeoInputError(
            f"chainage outside the route: got {ch.min():.3f}…{ch.max():.3f} m, route is {length:.3f} m",
            hint="give a chainage between 0 and the route length",
        )
    return np.asarray(shapely.line_interpolate_point(line, np.clip(ch, 0.0, length)), dtype=object)


def route_segments(line: LineString) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Straight segments of ``line``: (start xy (n, 2), end xy (n, 2), chainage of starts (n,))."""
    coords = shapely.get_coordinates(line)
    starts, ends = coords[:-1], coords[1:]
    seg_len = np.hypot(*(ends - starts).T)
    from_m = np.concatenate([[0.0], np.cumsum(seg_len)[:-1]])
    return starts, ends, from_m


def _boundary_chainages(line: LineString, areas: gpd.GeoSeries) -> np.ndarray:
    cand = np.asarray(shapely.STRtree(areas.values).query(line, predicate="intersects"), dtype=int)
    if len(cand) == 0:
        return np.empty(0)
    hits = shapely.intersection(line, shapely.boundary(areas.values[cand]))
    coords = shapely.get_coordinates(hits)
    if len(coords) == 0:
        return np.empty(0)
    return chainage_at(line, shapely.points(coords))


def split_by_areas(
    line: LineString,
    areas: gpd.GeoDataFrame,
    *,
    name_column: str,
    extra_columns: Sequence[str] = (),
    min_length_m: float = 1e-6,
) -> gpd.GeoDataFrame:
    """Split ``line`` where it crosses area boundaries (municipalities, wijken).

    A route that leaves an area and re-enters it gives two rows for that area; stretches
    outside every area get ``None`` as name. Stretches shorter than ``min_length_m`` are
    merged into their neighbours.

    Parameters
    ----------
    line
        The centreline.
    areas
        Polygons with a ``name_column`` (e.g. ``gm_naam``), same CRS as ``line``.
    name_column
        Column whose value names each stretch.
    extra_columns
        Further columns copied from the area (e.g. ``gm_naam`` for wijken).

    Returns
    -------
    GeoDataFrame
        ``name_column``, ``extra_columns``, ``from_m``, ``to_m``, ``length_m``, ``geometry``,
        ordered by chainage; the lengths sum to the route length.
    """
    missing = [c for c in (name_column, *extra_columns) if c not in areas.columns]
    if missing:
        raise LayerValidationError(
            f"the area layer lacks column(s) {', '.join(missing)}; it has {', '.join(map(str, areas.columns))}",
            hint="name the right column (municipalities: gm_naam, wijken: wk_naam)",
        )
    areas, owners, bounds, geoms = _area_stretches(line, areas, min_length_m=min_length_m)
    own = np.asarray(owners, dtype=np.intp)
    cols: dict[str, object] = {}
    for col in (name_column, *extra_columns):
        values = areas[col].tolist()
        cols[col] = [values[o] if o >= 0 else None for o in own]
    a = np.array([lo for lo, _ in bounds], dtype=float)
    b = np.array([hi for _, hi in bounds], dtype=float)
    cols.update(from_m=a, to_m=b, length_m=b - a, geometry=geoms)
    return gpd.GeoDataFrame(cols, geometry="geometry", crs=areas.crs)


def _area_stretches(line: LineString, areas: gpd.GeoDataFrame, *, min_length_m: float = 1e-6,
                   ) -> tuple[gpd.GeoDataFrame, list[int], list[tuple[float, float]], list[LineString]]:
    """The stretches of :func:`split_by_areas` without building a frame.

    Returns
    -------
    tuple
        The areas with a geometry (the frame ``owners`` index by position), the owning area
        position per stretch (-1 outside every area), ``(from_m, to_m)`` per stretch and the
        stretch lines, ordered by chainage.
    """
    length = line.length
    geom = areas.geometry
    missing = geom.isna().to_numpy() | geom.is_empty.to_numpy()
    if missing.any():
        areas = areas[~missing]
    cuts = np.unique(np.concatenate([[0.0, length], _boundary_chainages(line, areas.geometry)]))
    cuts = cuts[(cuts >= 0) & (cuts <= length)]
    # drop cuts closer than min_length_m to the previous one
    keep = np.concatenate([[True], np.diff(cuts) > min_length_m])
    cuts = cuts[keep]
    if cuts[-1] < length:
        cuts = np.append(cuts, length)
    else:
        cuts[-1] = length
    if len(cuts) < 2:
        cuts = np.array([0.0, length])
    mids = shapely.line_interpolate_point(line, (cuts[:-1] + cuts[1:]) / 2.0)
    tree = shapely.STRtree(areas.geometry.values)
    pt_idx, area_idx = tree.query(mids, predicate="intersects")
    owner = np.full(len(mids), -1, dtype=int)
    # first hit wins (areas should not overlap)
    order = np.argsort(pt_idx, kind="stable")
    pt_sorted, area_sorted = pt_idx[order], area_idx[order]
    first = np.concatenate([[True], pt_sorted[1:] != pt_sorted[:-1]]) if len(pt_sorted) else np.array([], bool)
    owner[pt_sorted[first]] = area_sorted[first]
    # merge consecutive intervals with the same owner
    owners: list[int] = []
    bounds: list[tuple[float, float]] = []
    lines: list[LineString] = []
    start = 0
    for i in range(1, len(owner) + 1):
        if i == len(owner) or owner[i] != owner[start]:
            a, b = float(cuts[start]), float(cuts[i])
            owners.append(int(owner[start]))
            bounds.append((a, b))
            lines.append(substring(line, a, b))
            start = i
    return areas, owners, bounds, lines


def format_km(chainage_m: float, decimals: int = 1) -> str:
    """Dutch kilometre label: 1200 m → ``"km 1,2"``."""
    return "km " + f"{chainage_m / 1000.0:.{decimals}f}".replace(".", ",")


def chainage_markers(
    line: LineString, *, every_m: float = 100.0, major_every_m: float = 1000.0, crs: object = None
) -> gpd.GeoDataFrame:
    """Markers (hectometre/kilometre posts) along ``line``.

    Returns
    -------
    GeoDataFrame
        ``chainage_m``, ``label`` (Dutch, e.g. ``"km 1,2"``), ``major`` (bool, every
        ``major_every_m``), point ``geometry`` (no CRS; set it from the route).
    """
    cols = _marker_columns(line, every_m=every_m, major_every_m=major_every_m)
    return gpd.GeoDataFrame(
        pd.DataFrame({k: cols[k] for k in ("chainage_m", "label", "major")}),
        geometry=list(cols["geometry"]),
        crs=crs,
    )


def _marker_columns(line: LineString, *, every_m: float, major_every_m: float) -> dict[str, np.ndarray]:
    """The columns of :func:`chainage_markers` as arrays (``label`` and ``geometry`` objects)."""
    if every_m <= 0 or major_every_m <= 0:
        raise WlrGeoInputError(
            f"marker spacing must be positive, got every_m={every_m}, major_every_m={major_every_m}",
            hint="use e.g. every_m = 100, major_every_m = 1000",
        )
    n = math.floor(line.length / every_m + 1e-9)
    ch = np.arange(n + 1, dtype=float) * every_m
    decimals = max(0, math.ceil(-math.log10(every_m / 1000.0) - 1e-9)) if every_m < 1000 else 0
    ratio = major_every_m / every_m
    major = np.isclose(np.mod(ch, major_every_m), 0.0) | np.isclose(np.mod(ch, major_every_m), major_every_m)
    if not np.isclose(ratio, round(ratio)):
        log.info("major_every_m %.1f is not a multiple of every_m %.1f", major_every_m, every_m)
    return {
        "chainage_m": ch,
        "label": np.array([format_km(c, decimals) for c in ch], dtype=object),
        "major": major,
        "geometry": shapely.line_interpolate_point(line, ch),
    }
