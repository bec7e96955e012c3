"""Chainage (distance along a route) helpers shared by the route analyses.

A *centreline* is a single :class:`shapely.LineString` in RD metres; the *chainage* of a point
is the distance in metres from the centreline's first vertex to the point's nearest point on the
centreline. The segments and their chainage come from the one centreline model,
:class:`wlr_geo.analysis.route.centreline.RouteGeometry`; the helpers here are thin, vectorised
views of it for the impact modules and never loop over features in Python.

Also here, shared by the route analyses:

* :func:`route_candidates` — STRtree candidate selection for long, thin route geometries (a
  strip polygon or the centreline). Querying an STRtree with one diagonal 30 km strip makes the
  tree test every feature in the strip's bounding box; cutting the strip into grid cells first
  keeps the candidate set to the features near the route.
* :func:`clip_to_polygon` / :func:`safe_intersection` — intersection with a long strip through
  small grid pieces, never letting a raw ``GEOSException`` escape.
* :func:`locate_points` / :func:`distance_to_line` — chainage and distance through an STRtree
  over the centreline's segments (O(log n) per point on a detailed route).
* :func:`parallel_segments` / :func:`parallel_runs_of` / :func:`in_parallel_run` — the
  parallel-run rule, so that a crossing register can agree with it.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from shapely.errors import GEOSException
from shapely.geometry.base import BaseGeometry

from wlr_geo._errors import WlrGeoInputError
from wlr_geo._nl import nl
from wlr_geo.analysis.route.centreline import RouteGeometry

__all__ = [
    "FOLD_MAX_ANGLE_DEG",
    "as_centreline",
    "chainage_range",
    "clip_to_polygon",
    "cross_sections",
    "crossing_angles",
    "distance_to_line",
    "grid_pieces",
    "in_parallel_run",
    "keep_dimension",
    "local_direction",
    "locate_points",
    "parallel_runs_of",
    "parallel_segments",
    "project_chainage",
    "require_finite",
    "route_candidates",
    "safe_intersection",
    "segment_edges",
]

log = logging.getLogger("wlr_geo")

#: The parallel-run rule for crossings: a crossing of the route by an object inside one of that
#: object's parallel runs is part of the run (folded, not listed) only when the crossing angle
#: is at most this (degrees), i.e. closer to parallel than to square; a steeper crossing leaves
#: the run and is listed.
FOLD_MAX_ANGLE_DEG = 45.0

def as_centreline(geom: BaseGeometry) -> shapely.LineString:
    """Return ``geom`` as one LineString (merging a MultiLineString that forms one path).

    Raises
    ------
    WlrGeoInputError
        When ``geom`` is missing, empty, of zero length, or a MultiLineString whose parts do not
        join into one line.
    """
    if geom is None or not isinstance(geom, BaseGeometry) or geom.is_empty:
        raise WlrGeoInputError(
            "de hartlijn van het tracé ontbreekt of is leeg",
            layer="route",
            hint="geef het tracé als één LineString in EPSG:28992",
        )
    if geom.geom_type == "MultiLineString":
        merged = shapely.line_merge(geom)
        if merged.geom_type != "LineString":
            raise WlrGeoInputError(
                f"de hartlijn van het tracé heeft {len(getattr(merged, 'geoms', []))} delen die niet "
                "tot één lijn aansluiten",
                layer="route",
                hint="voeg de delen samen tot één LineString (één tracévariant tegelijk)",
            )
        geom = merged
    if geom.geom_type != "LineString":
        raise WlrGeoInputError(
            f"de hartlijn van het tracé is een {geom.geom_type}, verwacht een LineString",
            layer="route",
            hint="geef het tracé als één LineString in EPSG:28992",
        )
    if not np.isfinite(shapely.get_coordinates(geom)).all():
        raise WlrGeoInputError(
            "de hartlijn van het tracé heeft NaN- of oneindige coördinaten", layer="route",
            hint="corrigeer de tracégeometrie",
        )
    if geom.length <= 0:
        raise WlrGeoInputError(
            "de hartlijn van het tracé heeft lengte nul", layer="route",
            hint="geef een tracé met minstens twee verschillende hoekpunten",
        )
    return shapely.force_2d(geom)


def require_finite(geoms: NDArray[np.object_], ids: object, *, layer: str) -> None:
    """Raise :class:`~wlr_geo.WlrGeoInputError` naming the features with NaN/Inf coordinates.

    ``ids`` gives the feature ids of ``geoms`` (same order). Checked on candidates only, so a
    large layer costs nothing extra; NaN coordinates cannot be repaired (ROBUSTNESS B1).
    """
    coords, idx = shapely.get_coordinates(geoms, return_index=True)
    bad = ~np.isfinite(coords).all(axis=1)
    if bad.any():
        rows = np.unique(idx[bad])
        names = [str(v) for v in np.asarray(ids, dtype=object)[rows][:10]]
        raise WlrGeoInputError(
            f"{nl(len(rows))} object(en) met NaN- of oneindige coördinaten (ids {', '.join(names)})",
            layer=layer, feature=names[0],
            hint="valideer eerst de laag (wlr_geo.validate.validate_layer) en corrigeer of verwijder "
            "die objecten",
        )


def locate_points(
    line: shapely.LineString | RouteGeometry, xy: object
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Chainage, distance and local unit direction of ``line`` for each point ``xy`` (n × 2).

    The same answer as ``shapely.line_locate_point`` and ``shapely.distance`` (on equidistant
    segments the first one wins, as in GEOS), but through an STRtree over the centreline's
    segments (:meth:`RouteGeometry.locate`), so a long, detailed route costs O(log n) per point
    instead of O(n).

    Examples
    --------
    >>> ch, dist, direction = locate_points(shapely.LineString([(0, 0), (10, 0), (10, 10)]),
    ...                                     [(5, 1), (12, 4)])
    >>> ch.tolist(), dist.tolist(), direction.tolist()
    ([5.0, 14.0], [1.0, 2.0], [[1.0, 0.0], [0.0, 1.0]])
    """
    return _model(line).locate(xy)


def distance_to_line(line: shapely.LineString | RouteGeometry, geoms: object) -> NDArray[np.float64]:
    """Shortest distance (m) from each geometry to ``line`` (NaN for missing/empty ones).

    Equal to ``shapely.distance(line, geoms)``, via an STRtree over the line's segments.
    """
    return _model(line).distance(geoms)


def _model(line: shapely.LineString | RouteGeometry) -> RouteGeometry:
    return line if isinstance(line, RouteGeometry) else RouteGeometry.of(line)


def project_chainage(line: shapely.LineString, geoms: object) -> NDArray[np.float64]:
    """Chainage (m) along ``line`` of each geometry in ``geoms``.

    Points are projected with ``shapely.line_locate_point``; any other geometry by the point of
    it nearest to the line (``shapely.shortest_line``), which for a geometry crossing the line is
    a crossing point. Missing or empty geometries give NaN.

    Parameters
    ----------
    line
        The centreline.
    geoms
        A geometry or array-like of geometries.

    Examples
    --------
    >>> line = shapely.LineString([(0, 0), (100, 0)])
    >>> project_chainage(line, [shapely.Point(30, 5), shapely.LineString([(60, -2), (60, 2)])])
    array([30., 60.])
    """
    arr = np.atleast_1d(np.asarray(geoms, dtype=object))
    out = np.full(len(arr), np.nan)
    ok = ~(shapely.is_missing(arr) | shapely.is_empty(arr))
    if not ok.any():
        return out
    sub = arr[ok]
    is_point = shapely.get_type_id(sub) == 0
    pts = sub.copy()
    if (~is_point).any():
        nearest = shapely.shortest_line(sub[~is_point], line)
        pts[~is_point] = shapely.get_point(nearest, -1)
    out[ok] = locate_points(line, shapely.get_coordinates(pts))[0]
    return out


def chainage_range(
    line: shapely.LineString, geoms: object
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Lowest and highest chainage (m) of the vertices of each geometry in ``geoms``.

    For a straight piece of line this is the stretch of route it runs along. Missing or empty
    geometries give NaN.
    """
    arr = np.atleast_1d(np.asarray(geoms, dtype=object))
    lo = np.full(len(arr), np.nan)
    hi = np.full(len(arr), np.nan)
    coords, idx = shapely.get_coordinates(arr, return_index=True)
    if len(coords) == 0:
        return lo, hi
    ch = locate_points(line, coords)[0]
    np.fmin.at(lo, idx, ch)
    np.fmax.at(hi, idx, ch)
    return lo, hi


def local_direction(line: shapely.LineString | RouteGeometry, chainage_m: object) -> NDArray[np.float64]:
    """Unit direction vectors ``(dx, dy)`` of ``line`` at the given chainages.

    The direction of the centreline segment the chainage falls on (at a vertex, the segment
    that starts there; chainages outside ``0…length`` are clamped). Shape ``(n, 2)``.

    Examples
    --------
    >>> line = shapely.LineString([(0, 0), (10, 0), (10, 10)])
    >>> local_direction(line, [5.0, 15.0]).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    return _model(line).direction_at(chainage_m)


def segment_edges(length_m: float, step_m: float) -> NDArray[np.float64]:
    """Chainage boundaries ``0, step, 2·step, …, length`` (the last segment may be shorter)."""
    if step_m <= 0:
        raise WlrGeoInputError(f"de segmentlengte moet positief zijn, is {step_m}",
                               hint="gebruik bijvoorbeeld 100 (m)")
    edges = np.arange(0.0, length_m, step_m)
    return np.append(edges, length_m)


def cross_sections(
    line: shapely.LineString, chainage_m: object, half_length_m: float
) -> NDArray[np.object_]:
    """Straight lines perpendicular to ``line`` at the given chainages, ``2·half_length_m`` long."""
    ch = np.atleast_1d(np.asarray(chainage_m, dtype=float))
    if len(ch) == 0:
        return np.empty(0, dtype=object)
    rg = RouteGeometry.of(line)
    centre = rg.xy_at(ch)
    d = rg.direction_at(ch)
    normal = np.column_stack([-d[:, 1], d[:, 0]]) * half_length_m
    coords = np.stack([centre - normal, centre + normal], axis=1)
    return np.asarray(shapely.linestrings(coords), dtype=object)


def grid_pieces(geom: BaseGeometry, *, cell_m: float = 250.0, pad_m: float = 0.0) -> NDArray[np.object_]:
    """``geom`` cut into the cells of a ``cell_m`` grid (non-empty pieces only).

    With ``pad_m`` the grid covers ``geom``'s bounds widened by that distance. A geometry that
    spans at most 2 × 2 cells is returned whole.
    """
    xmin, ymin, xmax, ymax = geom.bounds
    nx = max(1, int(np.ceil((xmax - xmin + 2 * pad_m) / cell_m)))
    ny = max(1, int(np.ceil((ymax - ymin + 2 * pad_m) / cell_m)))
    if nx * ny <= 4:
        return np.asarray([geom], dtype=object)
    gx = xmin - pad_m + cell_m * np.arange(nx)
    gy = ymin - pad_m + cell_m * np.arange(ny)
    bx, by = np.meshgrid(gx, gy)
    boxes = shapely.box(bx.ravel(), by.ravel(), bx.ravel() + cell_m, by.ravel() + cell_m)
    hit = shapely.STRtree(boxes).query(geom, predicate="intersects")
    pieces = shapely.intersection(boxes[hit], geom)
    return np.asarray(pieces[~shapely.is_empty(pieces)], dtype=object)


def route_candidates(
    tree: shapely.STRtree,
    geom: BaseGeometry,
    *,
    distance_m: float = 0.0,
    cell_m: float = 250.0,
) -> NDArray[np.intp]:
    """Sorted indices of the tree's geometries that intersect ``geom`` (or lie within ``distance_m``).

    ``geom`` (a strip polygon or a centreline) is first cut into ``cell_m`` grid cells so that each
    STRtree query has a small bounding box; the exact predicate is then evaluated by the tree.

    Examples
    --------
    >>> tree = shapely.STRtree([shapely.Point(5, 1), shapely.Point(500, 500)])
    >>> route_candidates(tree, shapely.LineString([(0, 0), (10, 0)]), distance_m=2).tolist()
    [0]
    """
    if geom is None or geom.is_empty or len(tree) == 0:
        return np.empty(0, dtype=np.intp)
    pieces = grid_pieces(geom, cell_m=cell_m, pad_m=distance_m)
    if distance_m > 0:
        pairs = tree.query(pieces, predicate="dwithin", distance=distance_m)
    else:
        pairs = tree.query(pieces, predicate="intersects")
    return np.unique(pairs[1]).astype(np.intp)


def parallel_segments(
    centreline: shapely.LineString,
    lines: NDArray[np.object_],
    *,
    max_angle_deg: float = 15.0,
    gap_m: float = 1.0,
    densify_m: float = 10.0,
) -> pd.DataFrame:
    """Split ``lines`` into straight segments and flag those running parallel to the centreline.

    Segments are at most ``densify_m`` long; a segment is parallel when its angle to the
    centreline direction at the mean chainage of its ends is ≤ ``max_angle_deg`` (either
    direction).
    Non-parallel stretches shorter than ``gap_m`` between two parallel ones (digitising jitter)
    count as parallel. Returns one row per segment: ``line`` (position in ``lines``), ``x0``,
    ``y0``, ``x1``, ``y1``, ``length_m``, the chainage (``ch0``, ``ch1``) and distance to the
    centreline (``d0``, ``d1``) of both ends, ``parallel`` and ``run`` (run number, −1 when not
    parallel; runs are consecutive parallel segments of one line).
    """
    dense = shapely.segmentize(np.asarray(lines, dtype=object), densify_m)
    coords, li = shapely.get_coordinates(dense, return_index=True)
    ch_v, d_v, _ = locate_points(centreline, coords)
    same = li[1:] == li[:-1]
    i0 = np.flatnonzero(same)
    p0, p1, line = coords[i0], coords[i0 + 1], li[i0]
    vec = p1 - p0
    length = np.hypot(vec[:, 0], vec[:, 1])
    nz = length > 0
    i0, p0, p1, line, vec, length = i0[nz], p0[nz], p1[nz], line[nz], vec[nz], length[nz]
    direction = local_direction(centreline, (ch_v[i0] + ch_v[i0 + 1]) / 2)
    cosang = np.abs(np.einsum("ij,ij->i", vec, direction)) / np.maximum(length, 1e-300)
    parallel = cosang >= np.cos(np.radians(max_angle_deg)) - 1e-12
    n = len(line)
    if n and gap_m > 0:
        new = np.r_[True, (line[1:] != line[:-1]) | (parallel[1:] != parallel[:-1])]
        stretch = np.cumsum(new) - 1
        s_len = np.bincount(stretch, weights=length)
        s_par = parallel[new]
        s_line = line[new]
        prev_ok = np.r_[False, s_par[:-1] & (s_line[:-1] == s_line[1:])]
        next_ok = np.r_[s_par[1:] & (s_line[1:] == s_line[:-1]), False]
        flip = ~s_par & (s_len < gap_m) & prev_ok & next_ok
        parallel = parallel | flip[stretch]
    start = np.r_[True, (line[1:] != line[:-1]) | (parallel[1:] != parallel[:-1])] if n else np.zeros(0, bool)
    run_all = np.cumsum(start) - 1
    run = np.full(n, -1)
    if parallel.any():
        _, run[parallel] = np.unique(run_all[parallel], return_inverse=True)
    return pd.DataFrame({"line": line, "x0": p0[:, 0], "y0": p0[:, 1], "x1": p1[:, 0],
                         "y1": p1[:, 1], "length_m": length, "ch0": ch_v[i0], "ch1": ch_v[i0 + 1],
                         "d0": d_v[i0], "d1": d_v[i0 + 1], "parallel": parallel, "run": run})


def in_parallel_run(
    parallel_runs: pd.DataFrame,
    gml_id: object,
    chainage_m: object,
    *,
    tolerance_m: float = 0.5,
    angle_deg: object = None,
    max_angle_deg: float = FOLD_MAX_ANGLE_DEG,
) -> NDArray[np.bool_]:
    """True where cable ``gml_id[i]`` at ``chainage_m[i]`` lies within one of its parallel runs.

    For a crossing register: a crossing of the centreline by a cable inside its own parallel run
    is part of the run (the route runs along that cable), not a separate crossing. With
    ``angle_deg`` (the crossing angle, 0–90°) only a crossing that follows the run, at most
    ``max_angle_deg`` off the route (closer to parallel than to square), is part of it; a cable
    that leaves its run and crosses the route at a larger angle keeps its crossing — the same
    rule as the crossing register (``FOLD_MAX_ANGLE_DEG``).
    """
    ids = np.atleast_1d(np.asarray(gml_id, dtype=object)).astype(str)
    ch = np.atleast_1d(np.asarray(chainage_m, dtype=float))
    out = np.zeros(len(ids), dtype=bool)
    if len(parallel_runs) == 0 or len(ids) == 0:
        return out
    runs = pd.DataFrame({"gml_id": parallel_runs["gml_id"].astype(str).to_numpy(dtype=object),
                         "lo": parallel_runs["from_m"].to_numpy(float) - tolerance_m,
                         "hi": parallel_runs["to_m"].to_numpy(float) + tolerance_m})
    q = pd.DataFrame({"gml_id": ids.astype(object), "ch": ch, "i": np.arange(len(ids))})
    m = q.merge(runs, on="gml_id")
    hit = m.loc[(m["ch"] >= m["lo"]) & (m["ch"] <= m["hi"]), "i"].to_numpy()
    out[hit] = True
    if angle_deg is not None:
        ang = np.atleast_1d(np.asarray(angle_deg, dtype=float))
        out &= ang <= max_angle_deg + 1e-9
    return out


def crossing_angles(line: shapely.LineString | RouteGeometry, geoms: object, points: object,
                    chainage_m: object, *, delta_m: float = 0.05) -> NDArray[np.float64]:
    """Angle (0–90°) between the route and each line ``geoms[i]`` where it meets ``points[i]``.

    The route direction is that of the segment at ``chainage_m[i]``; the line's direction is
    taken from its points ``delta_m`` either side of the meeting point (as the crossing
    register does).
    """
    objs = np.atleast_1d(np.asarray(geoms, dtype=object))
    pts = np.atleast_1d(np.asarray(points, dtype=object))
    if len(objs) == 0:
        return np.empty(0)
    d = shapely.line_locate_point(objs, pts)
    length = shapely.length(objs)
    a = shapely.get_coordinates(shapely.line_interpolate_point(objs, np.clip(d - delta_m, 0, length)))
    b = shapely.get_coordinates(shapely.line_interpolate_point(objs, np.clip(d + delta_m, 0, length)))
    u = _model(line).direction_at(chainage_m)
    v = b - a
    with np.errstate(invalid="ignore", divide="ignore"):
        c = np.abs(np.einsum("ij,ij->i", u, v)) / np.hypot(v[:, 0], v[:, 1])
    return np.degrees(np.arccos(np.clip(np.nan_to_num(c, nan=1.0), 0.0, 1.0)))


def safe_intersection(
    a: NDArray[np.object_], b: object, notes: list[str], what: str
) -> NDArray[np.object_]:
    """Vectorised ``shapely.intersection`` that never lets a raw GEOSException escape.

    On a topology error the inputs are repaired with ``make_valid`` and retried; geometries that
    still fail are replaced by an empty geometry and counted in ``notes``.
    """
    try:
        return np.asarray(shapely.intersection(a, b), dtype=object)
    except GEOSException:
        pass
    a_fixed = shapely.make_valid(a)
    b_fixed = shapely.make_valid(b)
    try:
        out = np.asarray(shapely.intersection(a_fixed, b_fixed), dtype=object)
        notes.append(f"{what}: geometrieën gerepareerd met make_valid na een GEOS-topologiefout")
        return out
    except GEOSException:
        pass
    out = np.empty(len(a_fixed), dtype=object)
    failed = 0
    b_arr = np.broadcast_to(np.asarray(b_fixed, dtype=object), a_fixed.shape)
    for i, (ga, gb) in enumerate(zip(a_fixed, b_arr, strict=True)):  # error path only
        try:
            out[i] = shapely.intersection(ga, gb)
        except GEOSException:
            out[i] = shapely.GeometryCollection()
            failed += 1
    if failed:
        notes.append(f"{what}: {nl(failed)} geometrieën overgeslagen, GEOS kon ze niet doorsnijden")
    else:
        notes.append(f"{what}: geometrieën één voor één doorsneden na een GEOS-topologiefout")
    return out


def clip_to_polygon(
    geoms: NDArray[np.object_],
    polygon: BaseGeometry,
    *,
    cell_m: float = 500.0,
    notes: list[str] | None = None,
    what: str = "clip",
) -> NDArray[np.object_]:
    """The part of each geometry inside ``polygon`` (an empty geometry when there is none).

    Equal to ``shapely.intersection(geoms, polygon)`` but faster for a long, detailed strip: the
    strip is cut into grid cells (:func:`grid_pieces`); a geometry meeting a single cell is
    intersected with that small piece only, the few that span a cell border with the whole
    strip. GEOS errors never escape (see :func:`safe_intersection`).
    """
    geoms = np.asarray(geoms, dtype=object)
    notes = notes if notes is not None else []
    pieces = grid_pieces(polygon, cell_m=cell_m)
    if len(pieces) <= 1 or len(geoms) == 0:
        return safe_intersection(geoms, polygon, notes, what)
    out = np.full(len(geoms), shapely.GeometryCollection(), dtype=object)
    gi, pi = shapely.STRtree(pieces).query(geoms, predicate="intersects")
    count = np.bincount(gi, minlength=len(geoms))
    one = count[gi] == 1
    gi, pi = gi[one], pi[one]
    # The pieces are this call's own objects, so preparing them is thread-safe (ROBUSTNESS E1).
    shapely.prepare(pieces)
    whole = shapely.contains_properly(pieces[pi], geoms[gi])
    out[gi[whole]] = geoms[gi[whole]]
    gi, pi = gi[~whole], pi[~whole]
    out[gi] = safe_intersection(geoms[gi], pieces[pi], notes, what)
    many = np.flatnonzero(count > 1)
    if len(many):
        out[many] = safe_intersection(geoms[many], polygon, notes, what)
    return out


def keep_dimension(geoms: NDArray[np.object_], dim: NDArray[np.int_]) -> NDArray[np.object_]:
    """Reduce GeometryCollections (from intersections) to their parts of dimension ``dim``.

    Only the (few) collections are visited; an element with no part of its dimension becomes an
    empty geometry.
    """
    out = geoms.copy()
    mixed = np.flatnonzero(shapely.get_type_id(geoms) == 7)
    builders = {0: shapely.MultiPoint, 1: shapely.MultiLineString, 2: shapely.MultiPolygon}
    for i in mixed:  # collections only: touching or degenerate overlaps
        parts = shapely.get_parts(shapely.get_parts(geoms[i]))
        parts = parts[shapely.get_dimensions(parts) == dim[i]]
        d = int(dim[i])
        if len(parts) == 0:
            out[i] = shapely.GeometryCollection()
        elif len(parts) == 1:
            out[i] = parts[0]
        elif d == 2:
            out[i] = shapely.union_all(parts)
        else:
            out[i] = builders[d](list(parts))
    return out


def parallel_runs_of(
    centreline: shapely.LineString,
    lines: NDArray[np.object_],
    *,
    min_length_m: float = 20.0,
    max_angle_deg: float = 15.0,
) -> tuple[pd.DataFrame, NDArray[np.object_]]:
    """Parallel runs of ``lines`` along ``centreline`` (see :func:`parallel_segments`).

    Returns a table with ``line`` (position in ``lines``), ``from_m``, ``to_m`` (lowest and
    highest chainage of the run's vertices), ``length_m`` and ``mean_offset_m`` (length-weighted
    distance to the centreline), one row per run of at least ``min_length_m``, and the runs'
    geometries.
    """
    seg = parallel_segments(centreline, lines, max_angle_deg=max_angle_deg)
    seg = seg[seg["parallel"]]
    if len(seg) == 0:
        return pd.DataFrame({"line": pd.Series(dtype="int64"), "from_m": [], "to_m": [], "length_m": [],
                             "mean_offset_m": []}), np.empty(0, dtype=object)
    r = seg["run"].to_numpy()
    p0 = seg[["x0", "y0"]].to_numpy()
    p1 = seg[["x1", "y1"]].to_numpy()
    length = seg["length_m"].to_numpy()
    off = (seg["d0"].to_numpy() + seg["d1"].to_numpy()) / 2
    ch0, ch1 = seg["ch0"].to_numpy(), seg["ch1"].to_numpy()
    nrun = int(r.max()) + 1
    run_len = np.bincount(r, weights=length, minlength=nrun)
    mean_off = np.bincount(r, weights=length * off, minlength=nrun) / run_len
    lo = np.full(nrun, np.inf)
    hi = np.full(nrun, -np.inf)
    np.minimum.at(lo, r, np.minimum(ch0, ch1))
    np.maximum.at(hi, r, np.maximum(ch0, ch1))
    first = np.r_[True, r[1:] != r[:-1]]
    pos = np.arange(len(r))
    xy = np.concatenate([p0[first], p1])
    rid = np.concatenate([r[first], r])
    order = np.argsort(np.concatenate([2 * pos[first], 2 * pos + 1]), kind="stable")
    geoms = np.asarray(shapely.linestrings(xy[order], indices=rid[order]), dtype=object)
    run_line = seg["line"].to_numpy()[first]
    keep = run_len >= min_length_m - 1e-9
    table = pd.DataFrame({"line": run_line[keep], "from_m": lo[keep], "to_m": hi[keep],
                          "length_m": run_len[keep], "mean_offset_m": mean_off[keep]})
    return table, geoms[keep]
