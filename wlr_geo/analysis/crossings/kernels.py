"""Numeric kernels of the crossing register (private; see :mod:`wlr_geo.analysis.crossings.register`).

The thresholds (:class:`CrossingOptions`) and the
geometry steps of :func:`wlr_geo.analysis.crossings.register.find_crossings`: raw crossing points and parallel
pieces of line objects, parallel runs, folding and merging, and the stretches of area objects.
The steps pass plain column dicts of numpy arrays (no DataFrames) so that a second route
variant against an already indexed layer costs little more than its geometry.

Shortcuts that keep the result exact (each only skips work whose result is provably empty,
with margins of micrometres, far above floating-point rounding):

* line candidates come from an envelope query of the tree and are filtered with side tests in
  each segment's own frame (:func:`_line_candidates`), which also settle most "does the object
  meet the segment" questions; GEOS decides the rest;
* parallel pieces are cut out only for objects whose vertices span enough chainage to give a
  parallel run at all (:func:`_may_run`), and the segment buffers only for the segments used;
* group sums use the compensated summation of pandas' ``groupby().sum()``, so merged widths
  and angles are the same to the last bit as the earlier pandas implementation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import shapely

from wlr_geo._errors import WlrGeoInputError
from wlr_geo.analysis.route.centreline import _QUERY_MARGIN_M, RouteGeometry
from wlr_geo.analysis.route.linear import FOLD_MAX_ANGLE_DEG

__all__ = ["Columns", "CrossingOptions", "IndexedGeometries", "RouteGeometry", "crossing_arrays"]

#: A table as a dict of equally long numpy arrays.
Columns = dict[str, np.ndarray]

_DELTA_M = 0.05
#: Two crossing points of one object closer than this along the route (m) are one point (the
#: same intersection found on both segments that meet at a route vertex).
_SAME_POINT_M = 1e-4


class IndexedGeometries(Protocol):
    """What the kernels need of an indexed crossed layer
    (:class:`wlr_geo.analysis.crossings.register.IndexedLayer` satisfies it)."""

    geoms: np.ndarray
    is_area: np.ndarray
    tree: shapely.STRtree
    has_area: bool
    has_line: bool


@dataclass(frozen=True)
class CrossingOptions:
    """Thresholds of the register (metres, degrees); see the module docstring."""

    merge_distance_m: float = 5.0
    parallel_distance_m: float = 5.0
    parallel_min_length_m: float = 20.0
    parallel_max_angle_deg: float = 15.0

    def __post_init__(self) -> None:
        for key in ("merge_distance_m", "parallel_distance_m", "parallel_min_length_m", "parallel_max_angle_deg"):
            v = getattr(self, key)
            if not np.isfinite(v) or v < 0:
                raise WlrGeoInputError(f"{key} moet een getal ≥ 0 zijn, is {v!r}",
                                       hint="zie [impact] in de README")
        if self.parallel_distance_m <= 0:
            raise WlrGeoInputError("parallel_distance_m moet > 0 zijn",
                                   hint="gebruik bijvoorbeeld parallel_distance_m = 5.0")


def _angle_deg(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Angle between two direction arrays, folded to 0–90 degrees."""
    nu = np.hypot(u[:, 0], u[:, 1])
    nv = np.hypot(v[:, 0], v[:, 1])
    with np.errstate(invalid="ignore", divide="ignore"):
        c = np.abs(np.einsum("ij,ij->i", u, v)) / (nu * nv)
    return np.degrees(np.arccos(np.clip(np.nan_to_num(c, nan=1.0), 0.0, 1.0)))


def _object_direction(objs: np.ndarray, pts: np.ndarray) -> np.ndarray:
    d = shapely.line_locate_point(objs, pts)
    lengths = shapely.length(objs)
    a = shapely.line_interpolate_point(objs, np.clip(d - _DELTA_M, 0, lengths))
    b = shapely.line_interpolate_point(objs, np.clip(d + _DELTA_M, 0, lengths))
    return shapely.get_coordinates(b) - shapely.get_coordinates(a)


def _merge_intervals(obj: np.ndarray, lo: np.ndarray, hi: np.ndarray, gap_m: float) -> np.ndarray:
    """Group ids (sorted input by obj, lo) joining intervals of one object closer than gap_m."""
    n = len(obj)
    if n == 0:
        return np.empty(0, dtype=int)
    # running maximum of hi within each object: an exact cumulative max on ranks offset per object
    first = np.ones(n, dtype=bool)
    first[1:] = obj[1:] != obj[:-1]
    obj_no = np.cumsum(first) - 1
    order = np.argsort(hi, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    run = np.maximum.accumulate(obj_no.astype(np.int64) * n + rank) - obj_no * n
    run_hi = hi[order][run]
    new = first.copy()
    new[1:] |= lo[1:] > run_hi[:-1] + gap_m
    return np.cumsum(new) - 1


def _kahan_group_sum(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Per-group sums of consecutive groups with compensated summation (as pandas' groupby sum)."""
    n = len(values)
    ends = np.append(starts[1:], n)
    sizes = ends - starts
    total = np.zeros(len(starts))
    comp = np.zeros(len(starts))
    for k in range(int(sizes.max()) if len(sizes) else 0):
        g = np.flatnonzero(sizes > k)
        y = values[starts[g] + k] - comp[g]
        t = total[g] + y
        c = (t - total[g]) - y
        comp[g] = np.where(np.isnan(c), 0.0, c)
        total[g] = t
    return total


def _line_candidates(route: RouteGeometry, layer: IndexedGeometries, d: float,
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (segment, line object) that may give a crossing point or a parallel piece.

    The tree gives the objects whose envelope meets the envelope of a segment's
    :meth:`RouteGeometry.query_rects`; a pair is dropped only when all vertices of the object
    lie on one side of that rectangle in the segment's own frame (along-track ``t`` before its
    start or after its end, cross-track beyond ``d``, with a margin of 2 µm, far above
    rounding): then the object meets neither the segment nor its flat-capped buffer of ``d``.
    The kept pairs hold every pair meeting the rectangle, in tree order.

    Whether an object meets the segment itself is settled here where the same side tests
    are sure (all vertices beyond one side of the segment; for two-point objects also the
    segment's ends on one side of the object, or a proper crossing with both pairs of ends
    clearly apart), and left to GEOS otherwise.

    Returns
    -------
    tuple
        Segment and tree indices of the pairs, the objects, per pair the smallest and largest
        along-track coordinate ``t`` of the object's vertices, and per pair 1 (meets the
        segment), 0 (does not) or -1 (not sure).
    """
    seg_i, obj_i = layer.tree.query(route.query_rects(d))
    line = ~layer.is_area[obj_i]
    seg_i, obj_i = seg_i[line], obj_i[line]
    objs = layer.geoms[obj_i]
    n = len(seg_i)
    if n == 0:
        return seg_i, obj_i, objs, np.empty(0), np.empty(0), np.empty(0, dtype=np.int8)
    xy, pair = shapely.get_coordinates(objs, return_index=True)
    s = seg_i[pair]
    rel = xy - route.starts[s]
    u = route.unit[s]
    t = rel[:, 0] * u[:, 0] + rel[:, 1] * u[:, 1]
    c = rel[:, 1] * u[:, 0] - rel[:, 0] * u[:, 1]
    first = np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]])
    at = pair[first]
    tmin, tmax = np.full(n, np.inf), np.full(n, -np.inf)
    cmin, cmax = np.full(n, np.inf), np.full(n, -np.inf)
    tmin[at], tmax[at] = np.minimum.reduceat(t, first), np.maximum.reduceat(t, first)
    cmin[at], cmax[at] = np.minimum.reduceat(c, first), np.maximum.reduceat(c, first)
    m = 2 * _QUERY_MARGIN_M
    seg_len = route.seg_len[seg_i]
    keep = ~((tmax < -m) | (tmin > seg_len + m) | (cmax < -(d + m)) | (cmin > d + m))
    # does the object meet the segment itself? 1 yes, 0 no, -1 not sure (left to GEOS)
    hit = np.full(n, -1, dtype=np.int8)
    hit[(tmax < -m) | (tmin > seg_len + m) | (cmax < -m) | (cmin > m)] = 0
    # two-point objects: the segments cross properly, or the route segment lies on one side
    two = np.flatnonzero(np.diff(np.append(first, len(pair))) == 2)
    a, b = xy[first[two]], xy[first[two] + 1]
    v = b - a
    vlen = np.hypot(v[:, 0], v[:, 1])
    sure = vlen >= 0.01  # side tests of shorter objects are left to GEOS
    two, a, v, vlen = two[sure], a[sure], v[sure], vlen[sure]
    s_two = seg_i[at[two]]
    p_rel, q_rel = route.starts[s_two] - a, route.ends[s_two] - a
    dp = (v[:, 0] * p_rel[:, 1] - v[:, 1] * p_rel[:, 0]) / vlen
    dq = (v[:, 0] * q_rel[:, 1] - v[:, 1] * q_rel[:, 0]) / vlen
    ca, cb = c[first[two]], c[first[two] + 1]
    pq_apart = ((dp > m) & (dq > m)) | ((dp < -m) & (dq < -m))
    cross = (((ca > m) & (cb < -m)) | ((ca < -m) & (cb > m))) & (((dp > m) & (dq < -m)) | ((dp < -m) & (dq > m)))
    rows = at[two]
    hit[rows[pq_apart]] = 0
    hit[rows[cross]] = 1
    return seg_i[keep], obj_i[keep], objs[keep], tmin[keep], tmax[keep], hit[keep]


def _may_run(route: RouteGeometry, seg_i: np.ndarray, obj_i: np.ndarray, tmin: np.ndarray, tmax: np.ndarray,
             min_length_m: float) -> np.ndarray:
    """Candidate pairs whose object can give a parallel run of at least ``min_length_m``.

    A parallel piece of object ``o`` near segment ``s`` is part of ``o``, so its chainage
    interval lies inside the projection of ``o``'s vertices on ``s`` (``tmin``…``tmax``,
    clamped to ``s`` as :meth:`RouteGeometry.project` does). Every run of ``o`` therefore lies
    within the hull of these intervals over all pairs of ``o``; an object whose hull is
    shorter than ``min_length_m`` (less a margin of 1 µm, far above rounding) cannot give a
    run, and its pieces need not be cut out.
    """
    if len(seg_i) == 0:
        return np.ones(0, dtype=bool)
    lo = route.from_m[seg_i] + np.clip(tmin, 0.0, route.seg_len[seg_i])
    hi = route.from_m[seg_i] + np.clip(tmax, 0.0, route.seg_len[seg_i])
    uniq, inv = np.unique(obj_i, return_inverse=True)
    obj_lo = np.full(len(uniq), np.inf)
    obj_hi = np.full(len(uniq), -np.inf)
    np.minimum.at(obj_lo, inv, lo)
    np.maximum.at(obj_hi, inv, hi)
    return (obj_hi - obj_lo >= min_length_m - _QUERY_MARGIN_M)[inv]


def _line_parts(route: RouteGeometry, layer: IndexedGeometries, opts: CrossingOptions) -> tuple[Columns, Columns]:
    """Raw crossing points and parallel pieces of the line objects of one layer."""
    d = opts.parallel_distance_m
    seg_i, obj_i, objs, tmin, tmax, sure_hit = _line_candidates(route, layer, d)
    segs = route.segments[seg_i]
    # crossing points (GEOS decides the pairs the side tests leave open)
    hit = sure_hit == 1
    open_ = np.flatnonzero(sure_hit < 0)
    hit[open_] = shapely.intersects(segs[open_], objs[open_])
    inter = shapely.intersection(segs[hit], objs[hit])
    parts, pidx = shapely.get_parts(inter, return_index=True)
    is_pt = shapely.get_type_id(parts) == 0
    pts = parts[is_pt]
    p_seg = seg_i[hit][pidx[is_pt]]
    p_obj = obj_i[hit][pidx[is_pt]]
    xy = shapely.get_coordinates(pts)
    ch = route.project(p_seg, xy)
    angle = _angle_deg(route.unit[p_seg], _object_direction(layer.geoms[p_obj], pts)) if len(pts) else np.empty(0)
    points = {"obj": p_obj, "chainage_m": ch, "x": xy[:, 0], "y": xy[:, 1], "angle_deg": angle}
    # parallel pieces: parts within d of each segment, projected on it (only of objects that
    # can still give a parallel run)
    can_run = _may_run(route, seg_i, obj_i, tmin, tmax, opts.parallel_min_length_m)
    seg_i, obj_i, objs = seg_i[can_run], obj_i[can_run], objs[can_run]
    pieces = shapely.intersection(objs, route.rects(d, seg_i))
    pp, ppi = shapely.get_parts(pieces, return_index=True)
    plen = shapely.length(pp)
    lines = np.isin(shapely.get_type_id(pp), (1, 2)) & (plen > 0)
    pp, ppi, plen = pp[lines], ppi[lines], plen[lines]
    a = shapely.get_coordinates(shapely.get_point(pp, 0))
    b = shapely.get_coordinates(shapely.get_point(pp, -1))
    q_seg = seg_i[ppi]
    ca, cb = route.project(q_seg, a), route.project(q_seg, b)
    pang = _angle_deg(route.unit[q_seg], b - a) if len(pp) else np.empty(0)
    par = {"obj": obj_i[ppi], "lo": np.minimum(ca, cb), "hi": np.maximum(ca, cb), "len": plen, "wang": pang * plen}
    return points, par


def _runs_from_pieces(par: Columns, opts: CrossingOptions) -> Columns:
    if len(par["obj"]) == 0:
        return _empty_runs_cols()
    order = np.lexsort((par["lo"], par["obj"]))
    obj, lo, hi, ln, wang = (par[c][order] for c in ("obj", "lo", "hi", "len", "wang"))
    grp = _merge_intervals(obj, lo, hi, opts.merge_distance_m)
    starts = np.flatnonzero(np.r_[True, grp[1:] != grp[:-1]])
    from_m = np.minimum.reduceat(lo, starts)
    to_m = np.maximum.reduceat(hi, starts)
    with np.errstate(invalid="ignore", divide="ignore"):
        angle = np.add.reduceat(wang, starts) / np.add.reduceat(ln, starts)
    keep = (to_m - from_m >= opts.parallel_min_length_m) & (angle <= opts.parallel_max_angle_deg)
    return {"obj": obj[starts][keep], "from_m": from_m[keep], "to_m": to_m[keep], "angle_deg": angle[keep]}


def _empty_runs_cols() -> Columns:
    return {"obj": np.empty(0, dtype=int), "from_m": np.empty(0), "to_m": np.empty(0), "angle_deg": np.empty(0)}


def _take(cols: Columns, idx: np.ndarray) -> Columns:
    return {k: v[idx] for k, v in cols.items()}


def _fold_and_merge_points(points: Columns, runs: Columns, opts: CrossingOptions) -> tuple[Columns, np.ndarray]:
    """Drop points inside parallel runs of their object; merge close points. Returns kept points
    (with n_merged) and the number of points folded into each run.

    * One crossing found on two route segments (an object through a route vertex) is one
      point: points of one object at the same chainage (within :data:`_SAME_POINT_M`) are
      one raw point before anything else.
    * Only a point that follows the run is folded into it: at most ``FOLD_MAX_ANGLE_DEG``
      (or ``parallel_max_angle_deg`` when larger) between object and route, i.e. closer to
      parallel than to square. An object that runs beside the route and then crosses it at a
      larger angle keeps that crossing.
    """
    folded = np.zeros(len(runs["obj"]), dtype=int)
    p_obj, p_ch = points["obj"], points["chainage_m"]
    if len(p_obj) == 0:
        return {**points, "n_merged": np.empty(0, dtype=int)}, folded
    order = np.lexsort((p_ch, p_obj))
    same = np.zeros(len(order), dtype=bool)
    same[1:] = (p_obj[order][1:] == p_obj[order][:-1]) & (np.diff(p_ch[order]) <= _SAME_POINT_M)
    points = _take(points, np.sort(order[~same]))
    p_obj, p_ch, p_ang = points["obj"], points["chainage_m"], points["angle_deg"]
    inside = np.zeros(len(p_obj), dtype=bool)
    along = p_ang <= max(FOLD_MAX_ANGLE_DEG, opts.parallel_max_angle_deg) + 1e-9
    tol = opts.merge_distance_m
    for k, (r_obj, lo, hi) in enumerate(zip(runs["obj"], runs["from_m"], runs["to_m"], strict=True)):
        hit = ~inside & along & (p_obj == r_obj) & (p_ch >= lo - tol) & (p_ch <= hi + tol)
        folded[k] = int(hit.sum())
        inside |= hit
    keep = np.flatnonzero(~inside)
    keep = keep[np.lexsort((p_ch[keep], p_obj[keep]))]
    pts = _take(points, keep)
    if len(keep) == 0:
        return {**pts, "n_merged": np.empty(0, dtype=int)}, folded
    ch, obj = pts["chainage_m"], pts["obj"]
    gap = max(opts.merge_distance_m, 1e-6)
    new = np.ones(len(ch), dtype=bool)
    new[1:] = (obj[1:] != obj[:-1]) | (np.diff(ch) > gap)
    sizes = np.bincount(np.cumsum(new) - 1)
    out = _take(pts, new)
    out["n_merged"] = sizes.astype(np.int64)
    return out, folded


def _edge_angle(route: RouteGeometry, bnd: np.ndarray, chainage: np.ndarray, *, before: bool) -> np.ndarray:
    """Angle (0–90°) between the route and the polygon boundary where the route meets it."""
    seg = route.segment_at(chainage, before=before)
    pts = shapely.points(route.starts[seg] + route.unit[seg] * (chainage - route.from_m[seg])[:, None])
    d = shapely.line_locate_point(bnd, pts)
    length = shapely.length(bnd)
    a = shapely.line_interpolate_point(bnd, np.clip(d - _DELTA_M, 0, length))
    b = shapely.line_interpolate_point(bnd, np.clip(d + _DELTA_M, 0, length))
    return _angle_deg(route.unit[seg], shapely.get_coordinates(b) - shapely.get_coordinates(a))


def _mrr_axis(poly: shapely.Geometry) -> np.ndarray:
    c = shapely.get_coordinates(shapely.oriented_envelope(poly))
    if len(c) < 4:
        return np.array([1.0, 0.0])
    e1, e2 = c[1] - c[0], c[2] - c[1]
    return e1 if np.hypot(*e1) >= np.hypot(*e2) else e2


_AREA_KEYS = ("obj", "chainage_m", "x", "y", "angle_deg", "width_m", "from_m", "to_m", "n_merged")


def _empty_area_cols() -> Columns:
    cols = {k: np.empty(0) for k in _AREA_KEYS}
    cols["obj"] = np.empty(0, dtype=int)
    cols["n_merged"] = np.empty(0, dtype=np.int64)
    return cols


def _area_crossings(route: RouteGeometry, layer: IndexedGeometries, opts: CrossingOptions) -> tuple[Columns, Columns]:
    """Crossings and parallel runs of the polygon objects of one layer."""
    seg_i, obj_i = layer.tree.query(route.segments, predicate="intersects")
    area = layer.is_area[obj_i]
    seg_i, obj_i = seg_i[area], obj_i[area]
    if len(seg_i) == 0:
        return _empty_area_cols(), _empty_runs_cols()
    inter = shapely.intersection(route.segments[seg_i], layer.geoms[obj_i])
    parts, pidx = shapely.get_parts(inter, return_index=True)
    keep = np.isin(shapely.get_type_id(parts), (1, 2)) & (shapely.length(parts) > 0)
    # a route running along the boundary only touches: its middle is not properly inside
    keep[keep] = shapely.contains_properly(
        layer.geoms[obj_i[pidx[keep]]], shapely.line_interpolate_point(parts[keep], 0.5, normalized=True))
    parts, pidx = parts[keep], pidx[keep]
    if len(parts) == 0:
        return _empty_area_cols(), _empty_runs_cols()
    s = seg_i[pidx]
    ca = route.project(s, shapely.get_coordinates(shapely.get_point(parts, 0)))
    cb = route.project(s, shapely.get_coordinates(shapely.get_point(parts, -1)))
    p_obj, p_lo, p_hi = obj_i[pidx], np.minimum(ca, cb), np.maximum(ca, cb)
    order = np.lexsort((p_lo, p_obj))
    p_obj, p_lo, p_hi = p_obj[order], p_lo[order], p_hi[order]
    # connected stretches (parts of consecutive segments touch at the vertex)
    g = _merge_intervals(p_obj, p_lo, p_hi, 1e-6)
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    obj = p_obj[starts]
    lo = np.minimum.reduceat(p_lo, starts)
    hi = np.maximum.reduceat(p_hi, starts)
    inside = hi - lo
    # entry/exit angles per stretch (vectorised over stretches)
    total = route.length
    bnd = shapely.boundary(layer.geoms[obj])
    a_lo = np.where(lo > 1e-6, _edge_angle(route, bnd, lo, before=False), np.nan)
    a_hi = np.where(hi < total - 1e-6, _edge_angle(route, bnd, hi, before=True), np.nan)
    n_ends = np.isfinite(a_lo).astype(int) + np.isfinite(a_hi).astype(int)
    with np.errstate(invalid="ignore"):
        angles = (np.nan_to_num(a_lo) + np.nan_to_num(a_hi)) / np.maximum(n_ends, 1)
    max_end = np.fmax(np.nan_to_num(a_lo, nan=-1.0), np.nan_to_num(a_hi, nan=-1.0))
    for k in np.flatnonzero(n_ends == 0):  # the whole stretch inside: use the polygon's axis
        seg = int(route.segment_at(np.array([(lo[k] + hi[k]) / 2]))[0])
        angles[k] = float(_angle_deg(route.unit[seg][None], _mrr_axis(layer.geoms[obj[k]])[None])[0])
        max_end[k] = angles[k]
    width = np.zeros(len(obj))
    for f in (0.25, 0.5, 0.75):
        width = np.maximum(width, 2.0 * shapely.distance(bnd, shapely.points(route.xy_at(lo + (hi - lo) * f))))
    along = (max_end <= opts.parallel_max_angle_deg) | (width <= inside / 3.0)
    is_run = along & (inside >= opts.parallel_min_length_m)
    runs = {"obj": obj[is_run], "from_m": lo[is_run], "to_m": hi[is_run], "angle_deg": angles[is_run]}
    cr = ~is_run
    if not cr.any():
        return _empty_area_cols(), runs
    # the stretches are ordered by (obj, lo) already: merge close ones of one object
    obj, lo, hi, inside, angles = obj[cr], lo[cr], hi[cr], inside[cr], angles[cr]
    new = np.ones(len(obj), dtype=bool)
    new[1:] = (obj[1:] != obj[:-1]) | (lo[1:] - hi[:-1] > opts.merge_distance_m)
    st = np.flatnonzero(new)
    width_m = _kahan_group_sum(inside, st)
    wang = _kahan_group_sum(angles * inside, st)
    from_m, to_m = np.minimum.reduceat(lo, st), np.maximum.reduceat(hi, st)
    with np.errstate(invalid="ignore", divide="ignore"):
        angle = np.where(width_m > 0, wang / width_m, angles[st])
    chainage = (from_m + to_m) / 2
    mid = shapely.get_coordinates(shapely.line_interpolate_point(route.line, chainage))
    n_merged = np.diff(np.append(st, len(obj))).astype(np.int64)
    return {"obj": obj[st], "chainage_m": chainage, "x": mid[:, 0], "y": mid[:, 1], "angle_deg": angle,
            "width_m": width_m, "from_m": from_m, "to_m": to_m, "n_merged": n_merged}, runs


def crossing_arrays(route: RouteGeometry, layer: IndexedGeometries, opts: CrossingOptions) -> tuple[Columns, Columns]:
    """Crossings and parallel runs of one route with one indexed layer, as column dicts.

    Returns
    -------
    crossings : dict
        ``obj`` (tree index), ``chainage_m``, ``x``, ``y``, ``angle_deg``, ``width_m`` (NaN for
        lines), ``from_m``, ``to_m``, ``n_merged``, ``geometry_kind`` (object array): line
        points first, then area stretches.
    runs : dict
        ``obj``, ``from_m``, ``to_m``, ``angle_deg``, ``n_crossings_folded``, ``geometry_kind``.
    """
    cr_parts: list[Columns] = []
    run_parts: list[Columns] = []
    if layer.has_line:
        points, pieces = _line_parts(route, layer, opts)
        line_runs = _runs_from_pieces(pieces, opts)
        pts, folded = _fold_and_merge_points(points, line_runs, opts)
        n = len(pts["obj"])
        if n:
            cr_parts.append({**pts, "width_m": np.full(n, np.nan), "from_m": pts["chainage_m"],
                             "to_m": pts["chainage_m"], "geometry_kind": np.full(n, "line", dtype=object)})
        if len(line_runs["obj"]):
            run_parts.append({**line_runs, "n_crossings_folded": folded.astype(np.int64),
                              "geometry_kind": np.full(len(folded), "line", dtype=object)})
    if layer.has_area:
        area_cr, area_runs = _area_crossings(route, layer, opts)
        if len(area_cr["obj"]):
            cr_parts.append({**area_cr, "geometry_kind": np.full(len(area_cr["obj"]), "area", dtype=object)})
        n = len(area_runs["obj"])
        if n:
            run_parts.append({**area_runs, "n_crossings_folded": np.zeros(n, dtype=np.int64),
                              "geometry_kind": np.full(n, "area", dtype=object)})
    cr_keys = (*_AREA_KEYS, "geometry_kind")
    run_keys = ("obj", "from_m", "to_m", "angle_deg", "n_crossings_folded", "geometry_kind")
    return _concat_cols(cr_parts, cr_keys), _concat_cols(run_parts, run_keys)


def _concat_cols(parts: list[Columns], keys: tuple[str, ...]) -> Columns:
    if not parts:
        out = {k: np.empty(0) for k in keys}
        out["obj"] = np.empty(0, dtype=int)
        for k in ("n_merged", "n_crossings_folded"):
            if k in out:
                out[k] = np.empty(0, dtype=np.int64)
        out["geometry_kind"] = np.empty(0, dtype=object)
        return out
    if len(parts) == 1:
        return {k: parts[0][k] for k in keys}
    return {k: np.concatenate([p[k] for p in parts]) for k in keys}
