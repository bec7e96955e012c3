"""The route model: a centreline with chainage (kilometrering) from its start.

A route layer holds one or more variants; each variant is one or more line parts that are
merged, in order, into one :class:`~shapely.LineString`. Chainage (``chainage_m``) is the
distance along that line from its first vertex. Everything else in the impact analysis is
expressed in chainage: crossings, strips per chainage range, the split per municipality/wijk
and the kilometre markers.

:class:`RouteGeometry` is the one segment model every route analysis uses: the centreline cut
into its straight segments with the chainage of each segment start. A point on the route is
located *per segment* (never by projecting it onto the whole line), so a route that closes,
crosses itself or doubles back keeps one well-defined chainage for every pass.

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
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, MultiLineString

from wlr_geo._errors import LayerValidationError, WlrGeoInputError
from wlr_geo._nl import nl
from wlr_geo.crs import require_projected

__all__ = [
    "DEFAULT_VARIANT",
    "RouteGeometry",
    "chainage_at",
    "chainage_markers",
    "format_km",
    "point_at",
    "prepare_route",
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
            notes.append(f"{label}: deel {i + 1} was andersom getekend en is omgedraaid")
        else:
            gap = d_fwd
        if gap > max_gap_m:
            raise LayerValidationError(
                f"{label}: deel {i + 1} begint {nl(gap, 1)} m van het einde van het vorige deel",
                feature=str(i + 1),
                hint=(
                    f"tracédelen moeten op elkaar aansluiten (gat ≤ {nl(max_gap_m)} m); orden ze met een "
                    "volgordekolom (order_column), dicht het gat of verhoog max_gap_m"
                ),
            )
        if gap > _DUP_TOL_M:
            notes.append(f"{label}: gat van {nl(gap, 2)} m tussen delen {i} en {i + 1} gedicht")
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
    require_projected(gdf, what="het tracémodel")
    if variant_column is not None and variant_column not in gdf.columns:
        raise LayerValidationError(
            f"de tracélaag heeft geen kolom {variant_column!r}; kolommen: {', '.join(map(str, gdf.columns))}",
            layer="route", hint="zet [route] variant_column op een bestaande kolom of laat de optie weg",
        )
    if order_column is not None and order_column not in gdf.columns:
        raise LayerValidationError(
            f"de tracélaag heeft geen kolom {order_column!r}", layer="route",
            hint="zet [route] order_column op een bestaande kolom of laat de optie weg",
        )
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    data = gdf if present.all() else gdf[present]
    if len(data) == 0:
        raise LayerValidationError(
            "de tracélaag heeft geen geometrieën", layer="route", hint="geef een laag met de tracélijn(en)",
        )
    if order_column is not None:
        data = data.sort_values(order_column, kind="stable")
    is_line = np.isin(shapely.get_type_id(np.asarray(data.geometry.values, dtype=object)), (1, 5))
    if not is_line.all():
        bad = ~data.geom_type.isin(["LineString", "MultiLineString"])
        raise LayerValidationError(
            f"de tracélaag bevat {', '.join(sorted(set(data.geom_type[bad])))} waar lijnen verwacht worden",
            layer="route", feature=str(data.index[bad][0]), hint="geef het tracé als (multi)lijngeometrie",
        )
    if variant_column is not None:
        values = data[variant_column].to_numpy(dtype=object)
        blank = np.asarray(pd.isna(values), dtype=bool)
        blank |= np.array([isinstance(v, str) and not v.strip() for v in values], dtype=bool)
        if blank.any():
            raise LayerValidationError(
                f"{nl(int(blank.sum()))} tracéobject(en) zonder waarde in de variantkolom {variant_column!r}",
                layer="route", feature=str(data.index[blank][0]),
                hint=f"geef elk tracédeel een naam in {variant_column!r}, of verwijder het deel",
            )
    groups = (
        [(DEFAULT_VARIANT, data)] if variant_column is None
        else [(str(k), g) for k, g in data.groupby(variant_column, sort=False)]
    )
    reverse_set = (
        {name for name, _ in groups} if reverse is True else set() if reverse is False else set(map(str, reverse))
    )
    rows = []
    notes: list[str] = []
    for name, group in groups:
        label = f"tracé {name!r}"
        parts = []
        n_dup = 0
        for geom in group.geometry:
            for part in _parts_of(geom):
                coords, dropped = _dedupe(shapely.get_coordinates(part))
                n_dup += dropped
                if len(coords) >= 2:
                    parts.append(coords)
        if n_dup:
            notes.append(f"{label}: {nl(n_dup)} dubbele hoekpunten verwijderd")
        if not parts:
            raise LayerValidationError(
                f"{label} heeft lengte nul", layer="route",
                hint="de tracélijnen vallen samen tot punten; controleer de geometrie",
            )
        chain, chain_notes = _chain_parts(parts, max_gap_m=max_gap_m, label=label)
        notes.extend(chain_notes)
        chain, dropped = _dedupe(chain)  # joints of parts that touch
        if name in reverse_set:
            chain = chain[::-1]
            notes.append(f"{label}: omgedraaid (de kilometrering loopt nu vanaf het andere einde)")
        line = LineString(chain)
        if not line.is_simple:
            notes.append(f"{label}: het tracé kruist zichzelf; de kilometrering blijft eenduidig, kaarten kunnen "
                         "vreemd ogen")
        rows.append({"variant": name, "length_m": float(line.length), "n_parts": len(parts), "geometry": line})
    for note in notes:
        log.info(note)
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=gdf.crs)
    out.attrs["notes"] = notes
    return out


def chainage_at(line: LineString, points: shapely.Geometry | Sequence[shapely.Geometry] | np.ndarray) -> np.ndarray:
    """Chainage (m from the start) of the point on ``line`` nearest to each of ``points``.

    On a route that passes a point twice (a self-crossing) the first pass wins, as in
    ``shapely.line_locate_point``; use :meth:`RouteGeometry.meeting_chainages` for every pass.
    """
    arr = np.atleast_1d(np.asarray(points, dtype=object))
    return RouteGeometry.of(line).locate(shapely.get_coordinates(arr))[0]


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
            f"kilometrering buiten het tracé: {nl(ch.min(), 3)}…{nl(ch.max(), 3)} m gekregen, het tracé is "
            f"{nl(length, 3)} m",
            hint="geef een kilometrering tussen 0 en de tracélengte",
        )
    return np.asarray(shapely.points(RouteGeometry.of(line).xy_at(np.clip(ch, 0.0, length))), dtype=object)


@dataclass
class RouteGeometry:
    """The centreline model: a route cut into its straight segments, located by chainage.

    Every route analysis (strips, split per area, crossings, markers, chainage of points)
    works on these segments. Zero-length segments are left out; ``from_m`` is the chainage of
    each segment's start, ``unit`` its direction and ``normal`` its left normal (left as seen in
    the direction of increasing chainage).

    Examples
    --------
    >>> rg = RouteGeometry.of(LineString([(0, 0), (100, 0), (100, 50)]))
    >>> rg.from_m.tolist(), rg.length
    ([0.0, 100.0], 150.0)
    >>> rg.xy_at(np.array([120.0])).tolist()
    [[100.0, 20.0]]
    """

    line: LineString
    starts: np.ndarray
    ends: np.ndarray
    from_m: np.ndarray
    seg_len: np.ndarray
    unit: np.ndarray
    segments: np.ndarray
    _rects: dict[float, np.ndarray] = field(default_factory=dict, repr=False)
    _query_rects: dict[float, np.ndarray] = field(default_factory=dict, repr=False)
    _tree: list[shapely.STRtree] = field(default_factory=list, repr=False)

    @classmethod
    def of(cls, line: LineString) -> RouteGeometry:
        """Cut ``line`` into its non-degenerate straight segments."""
        xy = shapely.get_coordinates(line)
        starts, ends = xy[:-1], xy[1:]
        vec = ends - starts
        seg_len = np.hypot(vec[:, 0], vec[:, 1])
        from_m = np.concatenate([[0.0], np.cumsum(seg_len)])[:-1]
        ok = seg_len > 0
        starts, ends, from_m, vec, seg_len = starts[ok], ends[ok], from_m[ok], vec[ok], seg_len[ok]
        segments = shapely.linestrings(np.stack([starts, ends], axis=1)) if len(starts) else np.empty(0, object)
        return cls(line, starts, ends, from_m, seg_len, vec / seg_len[:, None], segments)

    @property
    def length(self) -> float:
        """Length of the centreline (m)."""
        return float(self.line.length)

    @property
    def normal(self) -> np.ndarray:
        """Left unit normals ``(n, 2)`` of the segments."""
        return np.column_stack([-self.unit[:, 1], self.unit[:, 0]])

    @property
    def vertex_chainage(self) -> np.ndarray:
        """Chainage of the start of every segment and of the route end."""
        return np.append(self.from_m, self.from_m[-1] + self.seg_len[-1]) if len(self.from_m) else np.zeros(1)

    def rects(self, half_width_m: float, seg: np.ndarray | None = None) -> np.ndarray:
        """Flat-capped buffers of the segments ``seg`` (default all), each buffered once per width."""
        if half_width_m not in self._rects:
            self._rects[half_width_m] = np.full(len(self.segments), None, dtype=object)
        cache = self._rects[half_width_m]
        idx = np.arange(len(self.segments)) if seg is None else np.asarray(seg, dtype=int)
        todo = np.unique(idx[shapely.is_missing(cache[idx])])
        if len(todo):
            cache[todo] = shapely.buffer(self.segments[todo], half_width_m, cap_style="flat")
        return cache[idx]

    def query_rects(self, half_width_m: float) -> np.ndarray:
        """Rectangles slightly larger than :meth:`rects` and the segments themselves.

        Every object that meets a segment or its flat-capped buffer of ``half_width_m`` meets
        its query rectangle (the margin of 1 µm is far above rounding).
        """
        if half_width_m not in self._query_rects:
            e = _QUERY_MARGIN_M
            w = half_width_m + e
            normal = self.normal
            s = self.starts - e * self.unit
            t = self.ends + e * self.unit
            ring = np.stack([s + w * normal, t + w * normal, t - w * normal, s - w * normal, s + w * normal], axis=1)
            self._query_rects[half_width_m] = shapely.polygons(ring)
        return self._query_rects[half_width_m]

    def project(self, seg: np.ndarray, xy: np.ndarray) -> np.ndarray:
        """Chainage of points ``xy`` projected onto segments ``seg`` (clamped to the segment)."""
        t = np.einsum("ij,ij->i", xy - self.starts[seg], self.unit[seg])
        return self.from_m[seg] + np.clip(t, 0.0, self.seg_len[seg])

    def segment_at(self, chainage_m: np.ndarray, *, before: bool = False) -> np.ndarray:
        """Index of the segment holding each chainage (``before``: the one ending there)."""
        i = np.searchsorted(self.from_m, chainage_m, side="left" if before else "right") - 1
        return np.clip(i, 0, len(self.from_m) - 1)

    def xy_at(self, chainage_m: np.ndarray) -> np.ndarray:
        """Coordinates (n, 2) of the route at ``chainage_m`` (clamped to the route)."""
        ch = np.clip(np.asarray(chainage_m, dtype=float), 0.0, self.length)
        seg = self.segment_at(ch)
        t = np.clip(ch - self.from_m[seg], 0.0, self.seg_len[seg])
        return self.starts[seg] + self.unit[seg] * t[:, None]

    def direction_at(self, chainage_m: object) -> np.ndarray:
        """Unit direction ``(n, 2)`` at each chainage (at a vertex: of the segment starting there)."""
        ch = np.atleast_1d(np.asarray(chainage_m, dtype=float))
        return self.unit[self.segment_at(ch)]

    def substring(self, from_m: float, to_m: float) -> LineString:
        """The part of the route between two chainages (a straight piece when they are equal)."""
        return self.substrings(np.array([from_m], dtype=float), np.array([to_m], dtype=float))[0]

    def substrings(self, from_m: np.ndarray, to_m: np.ndarray) -> list[LineString]:
        """:meth:`substring` for many chainage ranges at once."""
        a = self.xy_at(np.asarray(from_m, dtype=float))
        b = self.xy_at(np.asarray(to_m, dtype=float))
        out = []
        for k, (lo, hi) in enumerate(zip(from_m, to_m, strict=True)):
            inner = (self.from_m > lo) & (self.from_m < hi)
            out.append(LineString(np.vstack([a[k:k + 1], self.starts[inner], b[k:k + 1]])))
        return out

    def tree(self) -> shapely.STRtree:
        """An STRtree over the segments (built once)."""
        if not self._tree:
            self._tree.append(shapely.STRtree(self.segments))
        return self._tree[0]

    def locate(self, xy: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Chainage, distance and unit direction of the nearest route point for each point ``xy``.

        The nearest segment decides; on equidistant segments the first one wins, as in GEOS's
        ``line_locate_point``. O(log n) per point through :meth:`tree`.
        """
        pts = np.asarray(xy, dtype=float).reshape(-1, 2)
        n = len(pts)
        if n == 0:
            return np.empty(0), np.empty(0), np.empty((0, 2))
        pairs = self.tree().query_nearest(shapely.points(pts), all_matches=True)
        order = np.lexsort((pairs[1], pairs[0]))
        pairs = pairs[:, order]
        first = np.r_[True, pairs[0][1:] != pairs[0][:-1]]
        seg = np.empty(n, dtype=np.intp)
        seg[pairs[0][first]] = pairs[1][first]
        rel = pts - self.starts[seg]
        t = np.clip(np.einsum("ij,ij->i", rel, self.unit[seg]), 0.0, self.seg_len[seg])
        foot = self.starts[seg] + t[:, None] * self.unit[seg]
        dist = np.hypot(pts[:, 0] - foot[:, 0], pts[:, 1] - foot[:, 1])
        return self.from_m[seg] + t, dist, self.unit[seg]

    def distance(self, geoms: object) -> np.ndarray:
        """Shortest distance (m) from each geometry to the route (NaN for missing/empty ones)."""
        arr = np.atleast_1d(np.asarray(geoms, dtype=object))
        out = np.full(len(arr), np.nan)
        if len(arr) == 0:
            return out
        idx, dist = self.tree().query_nearest(arr, return_distance=True, all_matches=False)
        out[idx[0]] = dist
        return out

    def meeting_chainages(self, geoms: object, *, tolerance_m: float = 1e-3) -> np.ndarray:
        """Chainages where the route meets ``geoms`` (e.g. area boundaries), on every pass.

        Each meeting point is located on every segment it lies on (within ``tolerance_m``),
        so a route that passes one point twice (a self-crossing on a boundary) gets a chainage
        for each pass. Where the route runs along a geometry, the ends and vertices of that
        shared piece are returned. Sorted, with duplicates.
        """
        arr = np.atleast_1d(np.asarray(geoms, dtype=object))
        arr = arr[~(shapely.is_missing(arr) | shapely.is_empty(arr))]
        if len(arr) == 0 or len(self.segments) == 0:
            return np.empty(0)
        cand = np.unique(shapely.STRtree(arr).query(self.line, predicate="intersects"))
        if len(cand) == 0:
            return np.empty(0)
        hits = shapely.intersection(self.line, arr[cand])
        xy = shapely.get_coordinates(hits)
        if len(xy) == 0:
            return np.empty(0)
        pt, seg = self.tree().query(shapely.points(xy), predicate="dwithin", distance=tolerance_m)
        return np.sort(self.project(seg, xy[pt]))

    def markers(self, *, every_m: float, major_every_m: float) -> dict[str, np.ndarray]:
        """Chainage markers as columns: ``chainage_m``, ``label``, ``major``, ``geometry``."""
        if not (np.isfinite(every_m) and np.isfinite(major_every_m)) or every_m <= 0 or major_every_m <= 0:
            raise WlrGeoInputError(
                f"de afstand tussen kilometerpunten moet een positief getal zijn, is every_m={every_m}, "
                f"major_every_m={major_every_m}",
                hint="gebruik bijvoorbeeld every_m = 100, major_every_m = 1000",
            )
        n = math.floor(self.length / every_m + 1e-9)
        ch = np.arange(n + 1, dtype=float) * every_m
        decimals = max(0, math.ceil(-math.log10(every_m / 1000.0) - 1e-9)) if every_m < 1000 else 0
        ratio = major_every_m / every_m
        rest = np.mod(ch, major_every_m)
        major = np.isclose(rest, 0.0) | np.isclose(rest, major_every_m)
        if not np.isclose(ratio, round(ratio)):
            log.info("major_every_m %s is geen veelvoud van every_m %s", nl(major_every_m, 1), nl(every_m, 1))
        return {
            "chainage_m": ch,
            "label": np.array([format_km(c, decimals) for c in ch], dtype=object),
            "major": major,
            "geometry": shapely.points(self.xy_at(ch)),
        }


#: Margin (m) of the segment query rectangles (:meth:`RouteGeometry.query_rects`).
_QUERY_MARGIN_M = 1e-6


def split_by_areas(
    line: LineString,
    areas: gpd.GeoDataFrame,
    *,
    name_column: str,
    extra_columns: Sequence[str] = (),
    min_length_m: float = 1e-6,
) -> gpd.GeoDataFrame:
    """Split ``line`` where it crosses area boundaries (municipalities, wijken).

    The route is cut at every chainage where a segment meets an area boundary (per segment,
    so a route crossing itself on a boundary is cut on each pass), and each stretch belongs
    to the area holding its middle. A route that leaves an area and re-enters it gives two
    rows for that area; stretches outside every area get ``None`` as name. Stretches shorter
    than ``min_length_m`` are merged into their neighbours.

    Parameters
    ----------
    line
        The centreline.
    areas
        Polygons with a ``name_column`` (e.g. ``gm_naam``), same CRS as ``line``. They must
        not overlap: a stretch inside two areas of different names raises
        :class:`~wlr_geo.LayerValidationError`.
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
            f"de gebiedslaag mist kolom(men) {', '.join(missing)}; ze heeft {', '.join(map(str, areas.columns))}",
            hint="noem de juiste kolom (municipalities: gm_naam, wijken: wk_naam)",
        )
    areas, owners, bounds, geoms = _area_stretches(line, areas, min_length_m=min_length_m,
                                                   name_column=name_column)
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
                    name_column: str | None = None,
                    ) -> tuple[gpd.GeoDataFrame, list[int], list[tuple[float, float]], list[LineString]]:
    """The stretches of :func:`split_by_areas` without building a frame.

    Returns
    -------
    tuple
        The areas with a geometry (the frame ``owners`` index by position), the owning area
        position per stretch (-1 outside every area), ``(from_m, to_m)`` per stretch and the
        stretch lines, ordered by chainage.
    """
    rg = RouteGeometry.of(line)
    length = rg.length
    geom = areas.geometry
    missing = geom.isna().to_numpy() | geom.is_empty.to_numpy()
    if missing.any():
        areas = areas[~missing]
    polys = np.asarray(areas.geometry.values, dtype=object)
    cuts = np.unique(np.concatenate([[0.0, length], rg.meeting_chainages(shapely.boundary(polys))]))
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
    mids = shapely.points(rg.xy_at((cuts[:-1] + cuts[1:]) / 2.0))
    pt_idx, area_idx = shapely.STRtree(polys).query(mids, predicate="intersects")
    # an area holding the middle in its interior comes before one that only touches it (a
    # stretch along a shared border goes to the first area that touches it)
    interior = shapely.within(mids[pt_idx], polys[area_idx])
    order = np.lexsort((area_idx, ~interior, pt_idx))
    pt_sorted, area_sorted, int_sorted = pt_idx[order], area_idx[order], interior[order]
    owner = np.full(len(mids), -1, dtype=int)
    first = np.concatenate([[True], pt_sorted[1:] != pt_sorted[:-1]]) if len(pt_sorted) else np.array([], bool)
    owner[pt_sorted[first]] = area_sorted[first]
    if name_column is not None:
        # a stretch inside two areas: allowed only when they carry one name (parts of one area)
        names = areas[name_column].to_numpy(dtype=object)
        other = np.flatnonzero(~first & int_sorted)
        clash = other[names[area_sorted[other]] != names[owner[pt_sorted[other]]]]
        if len(clash):
            k = clash[0]
            a, b = owner[pt_sorted[k]], area_sorted[k]
            raise LayerValidationError(
                f"gebieden {names[a]!r} en {names[b]!r} overlappen waar het tracé loopt "
                f"(kilometrering {nl(cuts[pt_sorted[k]], 1)}–{nl(cuts[pt_sorted[k] + 1], 1)} m); het tracé "
                "kan daar niet aan één van beide worden toegerekend",
                feature=f"{areas.index[a]}, {areas.index[b]}",
                hint="corrigeer de grenzen zodat de gebieden niet overlappen",
            )
    # merge consecutive intervals with the same owner
    owners: list[int] = []
    bounds: list[tuple[float, float]] = []
    start = 0
    for i in range(1, len(owner) + 1):
        if i == len(owner) or owner[i] != owner[start]:
            owners.append(int(owner[start]))
            bounds.append((float(cuts[start]), float(cuts[i])))
            start = i
    lines = rg.substrings(np.array([lo for lo, _ in bounds]), np.array([hi for _, hi in bounds]))
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
    return RouteGeometry.of(line).markers(every_m=every_m, major_every_m=major_every_m)
