"""The crossing register: where the centreline crosses roads, rail, water, cables and pipes.

Method (all in route chainage, metres):

* The route is cut into its straight segments; each crossed layer keeps an STRtree
  (:class:`IndexedLayer`) that is queried with those segments, so only candidate objects near
  the route are ever touched, and a second route variant reuses the tree.
* **Line objects** (cables, pipes, road axes): each intersection point of a route segment with
  the object is a crossing. The angle (0–90°) is between the route segment and the object's
  direction at the point (from points 5 cm either side along the object).
* **Area objects** (BGT road, rail and water polygons): each connected stretch of route inside
  the polygon is a crossing. ``width_m`` is the length of route inside the polygon, the
  chainage is the middle of the stretch, and the angle is the mean of the angles between the
  route and the polygon *edges* where the route enters and leaves (for a stretch without a
  boundary crossing, e.g. a route that starts inside, the long axis of the polygon's minimum
  rotated rectangle). Touching without overlap, or running along the boundary, is not a
  crossing.
* **Merging**: crossings of the same object less than ``merge_distance_m`` apart along the
  route are one crossing (``n_merged`` counts them; area widths are added).
* **Parallel runs**: the parts of a line object within ``parallel_distance_m`` of a route
  segment are projected onto the route; where they cover at least ``parallel_min_length_m``
  of chainage at a mean angle of at most ``parallel_max_angle_deg`` the object runs *along*
  the route: a parallel run, and crossings inside it are folded into the run, not listed.
  An area stretch at least ``parallel_min_length_m`` long is a parallel run too (the route runs
  inside a road, verge or ditch) when its entry and exit edges are both within
  ``parallel_max_angle_deg`` of the route, or when the polygon is narrow there: its local width
  (twice the largest distance to the polygon boundary from the points at 1/4, 1/2 and 3/4
  of the stretch) is at most a third
  of the stretch. Known limit: a wide water crossed at right angles whose BGT polygon is cut
  close to the route can look "narrow" and be reported as a parallel run.

Classification of a crossed layer (:func:`classify_objects`): a KLIC frame (column ``thema``)
gives ``object_class="cable_pipe"`` and ``subtype=thema``; a frame with a ``category`` column
(BGT or user data, codes of :mod:`wlr_geo.categories`) gives its category and as subtype the
first non-empty of ``functie``/``bgt_functie``/``function``/``bgt_type``/``type``/``bgt_class``
(else the category); else
the layer name is matched against keywords (``snelweg``, ``spoor``, ``kabel``, ...).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString

from wlr_geo._errors import WlrGeoInputError
from wlr_geo.categories import CATEGORIES, CATEGORY_GROUPS
from wlr_geo.crs import require_projected
from wlr_geo.route import route_segments

__all__ = [
    "CROSSING_COLUMNS",
    "PARALLEL_COLUMNS",
    "CrossingOptions",
    "IndexedLayer",
    "RouteGeometry",
    "category_from_name",
    "classify_objects",
    "find_crossings",
    "object_class_of",
]

log = logging.getLogger("wlr_geo")

#: Columns of a crossing table from :func:`find_crossings` (before gemeente/technique).
CROSSING_COLUMNS = [
    "chainage_m", "x", "y", "object_class", "category", "subtype", "angle_deg", "width_m",
    "from_m", "to_m", "relatieveHoogteligging", "netbeheerder", "source_layer", "object_id",
    "geometry_kind", "n_merged",
]
#: Columns of a parallel-run table.
PARALLEL_COLUMNS = [
    "from_m", "to_m", "length_m", "angle_deg", "object_class", "category", "subtype",
    "netbeheerder", "source_layer", "object_id", "geometry_kind", "n_crossings_folded",
]

#: Layer-name keywords → category (first match wins; Dutch and English).
_NAME_KEYWORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("snelweg", "motorway", "rijksweg"), "motorway"),
    (("spoor", "rail"), "rail"),
    (("provinciale", "regional"), "regional_road"),
    (("fiets", "cycle", "bike"), "cycle_path"),
    (("voetpad", "footpath", "footway", "wandel"), "footpath"),
    (("vaarweg", "kanaal", "rivier", "major_water", "hoofdwater"), "major_water"),
    (("kabel", "cable", "leiding", "pipe", "power", "klic", "spanning", "gas", "riool"), "cable_pipe"),
    (("weg", "road", "straat", "street"), "local_road"),
    (("water", "sloot", "sloten", "ditch"), "minor_water"),
    (("gebouw", "building", "pand"), "building"),
)
_SUBTYPE_COLUMNS = ("functie", "bgt_functie", "function", "bgt_type", "type", "bgt_class")
_ID_COLUMNS = ("object_id", "gml_id", "lokaalid", "lokaal_id", "identificatie", "id", "fid")
_HOOGTE_COLUMNS = ("relatieveHoogteligging", "relatieve_hoogteligging", "hoogteligging")
_USED_COLUMNS = frozenset({
    "thema", "category", "source_layer", "netbeheerder", "operator",
    *_SUBTYPE_COLUMNS, *_ID_COLUMNS, *_HOOGTE_COLUMNS,
})
_CLASS_OF_CATEGORY = {
    cat: ("cable_pipe" if cat == "cable_pipe" else group)
    for group, cats in CATEGORY_GROUPS.items() for cat in cats
}
_DELTA_M = 0.05


def category_from_name(name: str) -> str:
    """Category code guessed from a layer name (``"other"`` when nothing matches)."""
    low = name.lower()
    for words, cat in _NAME_KEYWORDS:
        if any(w in low for w in words):
            return cat
    return "other"


def object_class_of(category: str) -> str:
    """Crossing class of a category code: road, rail, water, cable_pipe, building, green, paved, other."""
    return _CLASS_OF_CATEGORY.get(category, "other")


def classify_objects(frame: pd.DataFrame, layer_name: str) -> pd.DataFrame:
    """Object class, category, subtype, ids and heights of the rows of one crossed layer.

    Returns a DataFrame on ``frame.index`` with ``object_class``, ``category``, ``subtype``,
    ``object_id``, ``source_layer``, ``relatieveHoogteligging``, ``netbeheerder``.
    """
    n = len(frame)

    def values(name: str) -> tuple[np.ndarray, np.ndarray]:
        v = frame[name].to_numpy(dtype=object)
        return v, np.asarray(pd.isna(v), dtype=bool)

    def text(v: np.ndarray) -> Any:
        # exact str values pass as they are (str(x) is x); others as before
        return pd.array([x if type(x) is str else (None if pd.isna(x) else str(x)) for x in v], dtype="str")

    if "thema" in frame.columns:
        category = np.full(n, "cable_pipe", dtype=object)
        v, na = values("thema")
        subtype = np.where(na, "onbekend", v)
    elif "category" in frame.columns:
        v, na = values("category")
        category = np.where(na, "other", v)
        category = np.where(np.isin(category.astype(str), CATEGORIES), category, "other")
        subtype = np.full(n, None, dtype=object)
        for sub_col in (c for c in _SUBTYPE_COLUMNS if c in frame.columns):
            sv, sna = values(sub_col)
            fill = np.asarray(pd.isna(subtype), dtype=bool) & ~sna
            subtype[fill] = sv[fill]
        subtype = np.where(np.asarray(pd.isna(subtype), dtype=bool), category, subtype)
    else:
        category = np.full(n, category_from_name(layer_name), dtype=object)
        subtype = np.full(n, layer_name, dtype=object)
    id_col = next((c for c in _ID_COLUMNS if c in frame.columns), None)
    ids = values(id_col)[0] if id_col is not None else np.array([f"{layer_name}:{i}" for i in frame.index], dtype=object)
    if "source_layer" in frame.columns:
        v, na = values("source_layer")
        source = np.where(na, layer_name, v)
    else:
        source = np.full(n, layer_name, dtype=object)
    h_col = next((c for c in _HOOGTE_COLUMNS if c in frame.columns), None)
    op_col = next((c for c in ("netbeheerder", "operator") if c in frame.columns), None)
    return pd.DataFrame({
        "object_class": text(np.array([object_class_of(str(c)) for c in category], dtype=object)),
        "category": text(category),
        "subtype": text(subtype),
        "object_id": text(ids),
        "source_layer": text(source),
        "relatieveHoogteligging": (pd.to_numeric(frame[h_col], errors="coerce").astype("Float64").array
                                   if h_col else pd.array([pd.NA] * n, dtype="Float64")),
        "netbeheerder": text(values(op_col)[0]) if op_col else pd.array([None] * n, dtype="str"),
    }, index=frame.index)


@dataclass
class IndexedLayer:
    """A crossed layer with its STRtree, checked once and reused for every route variant.

    Build with :meth:`build`. Only line and polygon features are kept; points, null/empty and
    zero-length geometries are dropped and listed in ``notes``; invalid polygons are repaired
    with ``make_valid``. The source frame is not copied.
    """

    name: str
    frame: gpd.GeoDataFrame
    positions: np.ndarray  # row positions in frame of the kept geometries
    geoms: np.ndarray
    is_area: np.ndarray
    tree: shapely.STRtree
    notes: list[str] = field(default_factory=list)
    bounds: tuple[float, float, float, float] = (np.nan, np.nan, np.nan, np.nan)
    has_area: bool = False
    has_line: bool = False

    def __post_init__(self) -> None:
        if len(self.geoms):
            b = shapely.total_bounds(self.geoms)
            self.bounds = (float(b[0]), float(b[1]), float(b[2]), float(b[3]))
        self.has_area = bool(self.is_area.any())
        self.has_line = bool((~self.is_area).any())

    @classmethod
    def build(cls, gdf: gpd.GeoDataFrame, *, name: str) -> IndexedLayer:
        """Check and index ``gdf`` (EPSG:28992) under the layer name ``name``."""
        require_projected(gdf, what=f"crossing layer {name!r}")
        notes: list[str] = []
        geoms = np.asarray(gdf.geometry.values, dtype=object)
        present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        if (~present).any():
            notes.append(f"layer {name!r}: {int((~present).sum())} null/empty geometries skipped")
        tid = np.full(len(geoms), -1)
        tid[present] = shapely.get_type_id(geoms[present])
        is_line = np.isin(tid, (1, 2, 5))
        is_poly = np.isin(tid, (3, 6))
        other = present & ~is_line & ~is_poly
        if other.any():
            notes.append(
                f"layer {name!r}: {int(other.sum())} point/collection features skipped "
                "(crossings need lines or polygons)"
            )
        keep = is_line | is_poly
        coords, cidx = shapely.get_coordinates(geoms[keep], return_index=True)
        finite = np.isfinite(coords).all(axis=1)
        if not finite.all():
            bad = int(np.flatnonzero(keep)[cidx[np.flatnonzero(~finite)[0]]])
            raise WlrGeoInputError(
                "a feature has NaN or infinite coordinates", layer=name, feature=str(gdf.index[bad]),
                hint="correct or remove that feature in the source",
            )
        zero = is_line & keep
        zero[zero] = shapely.length(geoms[zero]) <= 0
        if zero.any():
            notes.append(f"layer {name!r}: {int(zero.sum())} zero-length lines skipped")
        keep &= ~zero
        if is_poly.any():
            pidx = np.flatnonzero(is_poly & keep)
            invalid = ~shapely.is_valid(geoms[pidx])
            if invalid.any():
                geoms = geoms.copy()
                fixed = shapely.make_valid(geoms[pidx[invalid]], method="structure", keep_collapsed=False)
                fixed_area = shapely.area(fixed) > 0
                geoms[pidx[invalid]] = fixed
                keep[pidx[invalid][~fixed_area]] = False
                notes.append(
                    f"layer {name!r}: {int(invalid.sum())} invalid polygons repaired with make_valid"
                    + (f", {int((~fixed_area).sum())} collapsed ones skipped" if (~fixed_area).any() else "")
                )
                # make_valid may return collections: keep only their polygons
                coll = pidx[invalid][fixed_area]
                for i in coll[shapely.get_type_id(geoms[coll]) == 7]:
                    geoms[i] = shapely.union_all([g for g in shapely.get_parts(geoms[i]) if g.geom_type.endswith("Polygon")])
        positions = np.flatnonzero(keep)
        kept = geoms[positions]
        if len(positions) == 0:
            notes.append(f"layer {name!r}: no usable line or polygon features")
        for note in notes:
            log.info(note)
        return cls(
            name=name, frame=gdf, positions=positions, geoms=kept,
            is_area=is_poly[positions], tree=shapely.STRtree(kept), notes=notes,
        )

    def __len__(self) -> int:
        return len(self.positions)

    def classified(self, idx: np.ndarray) -> pd.DataFrame:
        """Classification (see :func:`classify_objects`) of kept features ``idx`` (tree indices)."""
        rows = self.positions[idx]
        frame = self.frame
        cols = [c for c in frame.columns if c in _USED_COLUMNS]
        data = pd.DataFrame({c: frame[c].iloc[rows].to_numpy() for c in cols}, index=frame.index[rows])
        return classify_objects(data, self.name).reset_index(drop=True)


@dataclass
class RouteGeometry:
    """A centreline cut into straight segments, with the helpers the register needs."""

    line: LineString
    starts: np.ndarray
    ends: np.ndarray
    from_m: np.ndarray
    seg_len: np.ndarray
    unit: np.ndarray
    segments: np.ndarray
    _rects: dict[float, np.ndarray] = field(default_factory=dict)

    @classmethod
    def of(cls, line: LineString) -> RouteGeometry:
        starts, ends, from_m = route_segments(line)
        vec = ends - starts
        seg_len = np.hypot(vec[:, 0], vec[:, 1])
        ok = seg_len > 0
        starts, ends, from_m, vec, seg_len = starts[ok], ends[ok], from_m[ok], vec[ok], seg_len[ok]
        segments = shapely.linestrings(np.stack([starts, ends], axis=1))
        return cls(line, starts, ends, from_m, seg_len, vec / seg_len[:, None], segments)

    @property
    def length(self) -> float:
        return float(self.line.length)

    def rects(self, half_width_m: float) -> np.ndarray:
        """Flat-capped buffers of every segment (cached per width)."""
        if half_width_m not in self._rects:
            self._rects[half_width_m] = shapely.buffer(self.segments, half_width_m, cap_style="flat")
        return self._rects[half_width_m]

    def project(self, seg: np.ndarray, xy: np.ndarray) -> np.ndarray:
        """Chainage of points ``xy`` projected onto segments ``seg`` (clamped to the segment)."""
        t = np.einsum("ij,ij->i", xy - self.starts[seg], self.unit[seg])
        return self.from_m[seg] + np.clip(t, 0.0, self.seg_len[seg])

    def xy_at(self, chainage_m: np.ndarray) -> np.ndarray:
        """Coordinates (n, 2) of the route at ``chainage_m``."""
        seg = self.segment_at(chainage_m)
        return self.starts[seg] + self.unit[seg] * (chainage_m - self.from_m[seg])[:, None]

    def substring(self, from_m: float, to_m: float) -> LineString:
        """The part of the route between two chainages (a straight piece when they are equal)."""
        inner = (self.from_m > from_m) & (self.from_m < to_m)
        xy = np.vstack([self.xy_at(np.array([from_m])), self.starts[inner], self.xy_at(np.array([to_m]))])
        return LineString(xy)

    def segment_at(self, chainage_m: np.ndarray, *, before: bool = False) -> np.ndarray:
        i = np.searchsorted(self.from_m, chainage_m, side="left" if before else "right") - 1
        return np.clip(i, 0, len(self.from_m) - 1)


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
                raise WlrGeoInputError(f"{key} must be a number ≥ 0, got {v!r}", hint="see [impact] in the README")
        if self.parallel_distance_m <= 0:
            raise WlrGeoInputError("parallel_distance_m must be > 0", hint="e.g. 5.0")


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
    if len(obj) == 0:
        return np.empty(0, dtype=int)
    df = pd.DataFrame({"obj": obj, "hi": hi})
    run_hi = df.groupby("obj")["hi"].cummax().to_numpy()
    new = np.ones(len(obj), dtype=bool)
    new[1:] = (obj[1:] != obj[:-1]) | (lo[1:] > run_hi[:-1] + gap_m)
    return np.cumsum(new) - 1


def _line_parts(route: RouteGeometry, layer: IndexedLayer, opts: CrossingOptions) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Raw crossing points and parallel pieces of the line objects of one layer."""
    d = opts.parallel_distance_m
    seg_i, obj_i = layer.tree.query(route.segments, predicate="dwithin", distance=d)
    line = ~layer.is_area[obj_i]
    seg_i, obj_i = seg_i[line], obj_i[line]
    segs, objs = route.segments[seg_i], layer.geoms[obj_i]
    # crossing points
    hit = shapely.intersects(segs, objs)
    inter = shapely.intersection(segs[hit], objs[hit])
    parts, pidx = shapely.get_parts(inter, return_index=True)
    ptype = shapely.get_type_id(parts)
    is_pt = ptype == 0
    pts = parts[is_pt]
    p_seg = seg_i[hit][pidx[is_pt]]
    p_obj = obj_i[hit][pidx[is_pt]]
    xy = shapely.get_coordinates(pts)
    ch = route.project(p_seg, xy)
    angle = _angle_deg(route.unit[p_seg], _object_direction(layer.geoms[p_obj], pts)) if len(pts) else np.empty(0)
    points = pd.DataFrame({"obj": p_obj, "chainage_m": ch, "x": xy[:, 0], "y": xy[:, 1], "angle_deg": angle})
    # parallel pieces: parts within d of each segment, projected on it
    pieces = shapely.intersection(objs, route.rects(d)[seg_i])
    pp, ppi = shapely.get_parts(pieces, return_index=True)
    lines = np.isin(shapely.get_type_id(pp), (1, 2)) & (shapely.length(pp) > 0)
    pp, ppi = pp[lines], ppi[lines]
    a = shapely.get_coordinates(shapely.get_point(pp, 0))
    b = shapely.get_coordinates(shapely.get_point(pp, -1))
    q_seg = seg_i[ppi]
    ca, cb = route.project(q_seg, a), route.project(q_seg, b)
    plen = shapely.length(pp)
    pang = _angle_deg(route.unit[q_seg], b - a) if len(pp) else np.empty(0)
    par = pd.DataFrame({
        "obj": obj_i[ppi], "lo": np.minimum(ca, cb), "hi": np.maximum(ca, cb),
        "len": plen, "wang": pang * plen,
    })
    return points, par


def _runs_from_pieces(par: pd.DataFrame, opts: CrossingOptions) -> pd.DataFrame:
    if par.empty:
        return _EMPTY_RUNS
    order = np.lexsort((par["lo"].to_numpy(), par["obj"].to_numpy()))
    obj, lo, hi, ln, wang = (par[c].to_numpy()[order] for c in ("obj", "lo", "hi", "len", "wang"))
    grp = _merge_intervals(obj, lo, hi, opts.merge_distance_m)
    starts = np.flatnonzero(np.r_[True, grp[1:] != grp[:-1]])
    from_m = np.minimum.reduceat(lo, starts)
    to_m = np.maximum.reduceat(hi, starts)
    with np.errstate(invalid="ignore", divide="ignore"):
        angle = np.add.reduceat(wang, starts) / np.add.reduceat(ln, starts)
    keep = (to_m - from_m >= opts.parallel_min_length_m) & (angle <= opts.parallel_max_angle_deg)
    return pd.DataFrame({"obj": obj[starts][keep], "from_m": from_m[keep], "to_m": to_m[keep], "angle_deg": angle[keep]})


def _fold_and_merge_points(points: pd.DataFrame, runs: pd.DataFrame, opts: CrossingOptions) -> tuple[pd.DataFrame, np.ndarray]:
    """Drop points inside parallel runs of their object; merge close points. Returns kept points
    (with n_merged) and the number of points folded into each run."""
    folded = np.zeros(len(runs), dtype=int)
    if points.empty:
        return points.assign(n_merged=pd.Series(dtype=int)), folded
    inside = np.zeros(len(points), dtype=bool)
    if not runs.empty:
        tol = opts.merge_distance_m
        p_obj, p_ch = points["obj"].to_numpy(), points["chainage_m"].to_numpy(dtype=float)
        for k, (r_obj, lo, hi) in enumerate(zip(runs["obj"].to_numpy(), runs["from_m"].to_numpy(dtype=float),
                                                runs["to_m"].to_numpy(dtype=float), strict=True)):
            hit = ~inside & (p_obj == r_obj) & (p_ch >= lo - tol) & (p_ch <= hi + tol)
            folded[k] = int(hit.sum())
            inside |= hit
    pts = points[~inside].sort_values(["obj", "chainage_m"], kind="stable").reset_index(drop=True)
    if pts.empty:
        return pts.assign(n_merged=pd.Series(dtype=int)), folded
    ch = pts["chainage_m"].to_numpy()
    obj = pts["obj"].to_numpy()
    gap = max(opts.merge_distance_m, 1e-6)
    new = np.ones(len(pts), dtype=bool)
    new[1:] = (obj[1:] != obj[:-1]) | (np.diff(ch) > gap)
    g = np.cumsum(new) - 1
    sizes = np.bincount(g)
    out = pts[new].copy()
    out["n_merged"] = sizes
    return out.reset_index(drop=True), folded


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


_EMPTY_AREA = pd.DataFrame(columns=["obj", "chainage_m", "x", "y", "angle_deg", "width_m", "from_m", "to_m", "n_merged"])
_EMPTY_RUNS = pd.DataFrame(columns=["obj", "from_m", "to_m", "angle_deg"])


def _area_crossings(route: RouteGeometry, layer: IndexedLayer, opts: CrossingOptions) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Crossings and parallel runs of the polygon objects of one layer."""
    seg_i, obj_i = layer.tree.query(route.segments, predicate="intersects")
    area = layer.is_area[obj_i]
    seg_i, obj_i = seg_i[area], obj_i[area]
    if len(seg_i) == 0:
        return _EMPTY_AREA, _EMPTY_RUNS
    inter = shapely.intersection(route.segments[seg_i], layer.geoms[obj_i])
    parts, pidx = shapely.get_parts(inter, return_index=True)
    keep = np.isin(shapely.get_type_id(parts), (1, 2)) & (shapely.length(parts) > 0)
    # a route running along the boundary only touches: its middle is not properly inside
    keep[keep] = shapely.contains_properly(
        layer.geoms[obj_i[pidx[keep]]], shapely.line_interpolate_point(parts[keep], 0.5, normalized=True))
    parts, pidx = parts[keep], pidx[keep]
    empty = _EMPTY_AREA
    if len(parts) == 0:
        return _EMPTY_AREA, _EMPTY_RUNS
    s = seg_i[pidx]
    ca = route.project(s, shapely.get_coordinates(shapely.get_point(parts, 0)))
    cb = route.project(s, shapely.get_coordinates(shapely.get_point(parts, -1)))
    df = pd.DataFrame({"obj": obj_i[pidx], "lo": np.minimum(ca, cb), "hi": np.maximum(ca, cb)})
    df = df.sort_values(["obj", "lo"], kind="stable").reset_index(drop=True)
    # connected stretches (parts of consecutive segments touch at the vertex)
    g = _merge_intervals(df["obj"].to_numpy(), df["lo"].to_numpy(), df["hi"].to_numpy(), 1e-6)
    stretches = df.assign(g=g).groupby("g").agg(obj=("obj", "first"), lo=("lo", "min"), hi=("hi", "max"))
    stretches["inside"] = stretches["hi"] - stretches["lo"]
    stretches = stretches.reset_index(drop=True)
    # entry/exit angles per stretch (vectorised over stretches)
    total = route.length
    obj = stretches["obj"].to_numpy(dtype=int)
    lo, hi, inside = (stretches[c].to_numpy(dtype=float) for c in ("lo", "hi", "inside"))
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
    stretches["angle_deg"] = angles
    is_run = along & (stretches["inside"].to_numpy() >= opts.parallel_min_length_m)
    runs = stretches[is_run].rename(columns={"lo": "from_m", "hi": "to_m"})[["obj", "from_m", "to_m", "angle_deg"]]
    cr = stretches[~is_run].sort_values(["obj", "lo"], kind="stable").reset_index(drop=True)
    if cr.empty:
        return empty, runs.reset_index(drop=True)
    obj, lo, hi = cr["obj"].to_numpy(), cr["lo"].to_numpy(), cr["hi"].to_numpy()
    new = np.ones(len(cr), dtype=bool)
    new[1:] = (obj[1:] != obj[:-1]) | (lo[1:] - hi[:-1] > opts.merge_distance_m)
    grp = np.cumsum(new) - 1
    cr["wang"] = cr["angle_deg"] * cr["inside"]
    agg = cr.assign(g=grp).groupby("g").agg(
        obj=("obj", "first"), from_m=("lo", "min"), to_m=("hi", "max"), width_m=("inside", "sum"),
        wang=("wang", "sum"), n_merged=("obj", "size"), angle_first=("angle_deg", "first"),
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        agg["angle_deg"] = np.where(agg["width_m"] > 0, agg["wang"] / agg["width_m"], agg["angle_first"])
    agg["chainage_m"] = (agg["from_m"] + agg["to_m"]) / 2
    mid = shapely.get_coordinates(shapely.line_interpolate_point(route.line, agg["chainage_m"].to_numpy()))
    agg["x"], agg["y"] = mid[:, 0], mid[:, 1]
    return agg[list(empty.columns)].reset_index(drop=True), runs.reset_index(drop=True)


def find_crossings(
    route: LineString | RouteGeometry,
    layer: IndexedLayer | gpd.GeoDataFrame,
    *,
    options: CrossingOptions | None = None,
    name: str = "layer",
) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """Crossings and parallel runs of one centreline with one layer.

    Parameters
    ----------
    route
        The centreline (or a prepared :class:`RouteGeometry`, to reuse across layers).
    layer
        An :class:`IndexedLayer` (reused across variants) or a GeoDataFrame of lines and/or
        polygons (indexed on the fly under ``name``).
    options
        Thresholds; default :class:`CrossingOptions`.

    Returns
    -------
    crossings : DataFrame
        :data:`CROSSING_COLUMNS`, ordered by chainage. ``width_m`` is NaN for line objects.
    parallel_runs : GeoDataFrame
        :data:`PARALLEL_COLUMNS` plus the route stretch as geometry (no CRS set).
    """
    opts = options or CrossingOptions()
    rg = route if isinstance(route, RouteGeometry) else RouteGeometry.of(route)
    il = layer if isinstance(layer, IndexedLayer) else IndexedLayer.build(layer, name=name)
    if len(il) == 0 or len(rg.segments) == 0:
        return _empty_crossings(), _empty_runs()
    frames: list[pd.DataFrame] = []
    run_frames: list[pd.DataFrame] = []
    if il.has_line:
        points, pieces = _line_parts(rg, il, opts)
        line_runs = _runs_from_pieces(pieces, opts)
        line_pts, folded = _fold_and_merge_points(points, line_runs, opts)
        if len(line_pts):
            frames.append(line_pts.assign(width_m=np.nan, from_m=line_pts["chainage_m"],
                                          to_m=line_pts["chainage_m"], geometry_kind="line"))
        if len(line_runs):
            run_frames.append(line_runs.assign(n_crossings_folded=folded, geometry_kind="line"))
    if il.has_area:
        area_cr, area_runs = _area_crossings(rg, il, opts)
        if len(area_cr):
            frames.append(area_cr.assign(geometry_kind="area"))
        if len(area_runs):
            run_frames.append(area_runs.assign(n_crossings_folded=0, geometry_kind="area"))
    cr = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    runs = pd.concat(run_frames, ignore_index=True) if run_frames else pd.DataFrame()
    # classify the objects of crossings and runs in one go (one classification per call)
    n_cr = len(cr)
    obj_all = np.concatenate([cr["obj"].to_numpy(dtype=int) if n_cr else np.empty(0, dtype=int),
                              runs["obj"].to_numpy(dtype=int) if len(runs) else np.empty(0, dtype=int)])
    info_all = il.classified(obj_all) if len(obj_all) else None
    crossings = (_merge_same_id(_attach(cr, il, CROSSING_COLUMNS, info_all, 0), opts)
                 if n_cr else _empty_crossings())
    crossings = crossings.sort_values(["chainage_m", "source_layer", "object_id"], kind="stable").reset_index(drop=True)
    if len(runs):
        runs["length_m"] = runs["to_m"] - runs["from_m"]
        runs_df = (_attach(runs, il, PARALLEL_COLUMNS, info_all, n_cr)
                   .sort_values("from_m", kind="stable").reset_index(drop=True))
        geoms = [rg.substring(a, b) for a, b in zip(runs_df["from_m"], runs_df["to_m"], strict=True)]
        par = gpd.GeoDataFrame(runs_df, geometry=geoms)
    else:
        par = _empty_runs()
    return crossings, par


def _attach(df: pd.DataFrame, il: IndexedLayer, columns: list[str],
            info_all: pd.DataFrame | None = None, offset: int = 0) -> pd.DataFrame:
    """``df`` without ``obj`` plus the classification of its objects (rows ``offset``… of
    ``info_all`` when given, classified here otherwise)."""
    if info_all is not None:
        info = info_all.iloc[offset:offset + len(df)].reset_index(drop=True)
    else:
        info = il.classified(df["obj"].to_numpy(dtype=int))
    out = pd.concat([df.drop(columns=["obj"]).reset_index(drop=True), info], axis=1)
    for c in ("n_merged", "n_crossings_folded"):
        if c in out.columns:
            out[c] = out[c].astype(int)
    return out[columns]


def _merge_same_id(cr: pd.DataFrame, opts: CrossingOptions) -> pd.DataFrame:
    """Merge point crossings of rows sharing one object id (e.g. a KLIC cable delivered as
    several links) that lie within ``merge_distance_m`` of each other."""
    is_line = (cr["geometry_kind"] == "line").to_numpy(dtype=bool)
    ids = cr["object_id"].to_numpy(dtype=object)[is_line]
    if len(ids) < 2 or len(set(ids)) == len(ids):
        return cr
    lines = cr[is_line].sort_values(["source_layer", "object_id", "chainage_m"], kind="stable")
    key = (lines["source_layer"].astype(str) + "\x00" + lines["object_id"].astype(str)).to_numpy()
    ch = lines["chainage_m"].to_numpy()
    new = np.ones(len(lines), dtype=bool)
    new[1:] = (key[1:] != key[:-1]) | (np.diff(ch) > max(opts.merge_distance_m, 1e-6))
    if new.all():
        return cr
    g = np.cumsum(new) - 1
    kept = lines[new].copy()
    kept["n_merged"] = np.bincount(g, weights=lines["n_merged"].to_numpy(dtype=float)).astype(int)
    return pd.concat([cr[cr["geometry_kind"] != "line"], kept], ignore_index=True)


def _empty_crossings() -> pd.DataFrame:
    df = pd.DataFrame({c: pd.Series(dtype=float) for c in CROSSING_COLUMNS})
    for c in ("object_class", "category", "subtype", "netbeheerder", "source_layer", "object_id", "geometry_kind"):
        df[c] = pd.Series(dtype="str")
    df["relatieveHoogteligging"] = pd.Series(dtype="Float64")
    df["n_merged"] = pd.Series(dtype=int)
    return df


def _empty_runs() -> gpd.GeoDataFrame:
    if _EMPTY_RUNS_GDF:
        return _EMPTY_RUNS_GDF[0].copy()
    df = pd.DataFrame({c: pd.Series(dtype=float) for c in PARALLEL_COLUMNS})
    for c in ("object_class", "category", "subtype", "netbeheerder", "source_layer", "object_id", "geometry_kind"):
        df[c] = pd.Series(dtype="str")
    df["n_crossings_folded"] = pd.Series(dtype=int)
    _EMPTY_RUNS_GDF.append(gpd.GeoDataFrame(df, geometry=gpd.GeoSeries([])))
    return _EMPTY_RUNS_GDF[0].copy()


_EMPTY_RUNS_GDF: list[gpd.GeoDataFrame] = []
