"""GML 3 (CityGML 2.0 / IMGeo 2.1) geometry → shapely, built with vectorised constructors.

Only the geometry a BGT file uses is supported, but in all its encodings: ``gml:Point``,
``gml:MultiPoint``, ``gml:LineString``, ``gml:Curve`` (``LineStringSegment``, ``Arc``,
``ArcString``, ``Circle``), ``gml:CompositeCurve``, ``gml:OrientableCurve``, ``gml:MultiCurve``,
``gml:Polygon`` (``LinearRing`` or ``Ring`` of curve members), ``gml:Surface`` with
``PolygonPatch``, ``gml:MultiSurface`` / ``gml:CompositeSurface``. Coordinates come from
``posList``, repeated ``pos`` or GML 2 ``coordinates``; ``srsDimension`` 3 (or a 3D ``srsName``
such as EPSG:7415) keeps x and y only. Both the GML 3.1 and the GML 3.2 namespace are accepted.

Parsing is two-step: :func:`parse_geometry` turns one element into a small nested spec (numpy
coordinate arrays), and :class:`GeometryCollector` gathers the specs of a whole file and builds
all shapely geometries at the end with ``shapely.linearrings/polygons/multipolygons/...`` and
``indices=`` — one vectorised call per geometry type instead of one Python object per ring.

Arcs are linearised so that the largest distance between the true arc and its chords (the
sagitta) is at most ``tolerance_m`` (default :data:`ARC_TOLERANCE_M`, 5 mm; the BGT itself is
accurate to about 0.2 m). Arc end points are kept exactly, so neighbouring BGT polygons that
share an arc still share their vertices.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely

from wlr_geo._nl import nl
from wlr_geo._safe import local_name

__all__ = [
    "ARC_TOLERANCE_M",
    "GeometryCollector",
    "GeometryStats",
    "GmlGeometryError",
    "is_gml",
    "linearise_arc",
    "parse_geometry",
]

#: Largest sagitta (arc-to-chord distance) allowed when linearising arcs, in metres.
ARC_TOLERANCE_M = 0.005
#: Upper bound of chords per arc (protects against absurd radii in broken data).
_MAX_ARC_SEGMENTS = 4096

_GML_PREFIX = "{http://www.opengis.net/gml"

Spec = tuple[str, Any]


class GmlGeometryError(ValueError):
    """A geometry element that cannot be read (unsupported type, bad coordinate list)."""


@dataclass
class GeometryStats:
    """What geometry parsing changed, for the read report."""

    arcs_linearised: int = 0
    rings_closed: int = 0
    z_dropped: int = 0
    parts_dropped: int = 0
    segment_gaps: int = 0
    messages: list[str] = field(default_factory=list)


def is_gml(el: Any) -> bool:
    """True if ``el`` is an element in a GML namespace (3.1 or 3.2)."""
    tag = el.tag
    return isinstance(tag, str) and tag.startswith(_GML_PREFIX)


def _dimension(el: Any, inherited: int) -> int:
    dim = el.get("srsDimension")
    if dim is not None:
        try:
            return int(dim)
        except ValueError:
            raise GmlGeometryError(f"srsDimension {dim!r} is geen getal") from None
    srs = el.get("srsName")
    if srs:
        code = srs.replace("#", ":").rstrip("/").split(":")[-1].split("/")[-1]
        if code in ("7415", "7931", "4979"):
            return 3
        return 2
    return inherited


def _numbers(text: str | None) -> np.ndarray:
    try:
        return np.array((text or "").split(), dtype=np.float64)
    except ValueError:
        raise GmlGeometryError(f"de coördinatenlijst bevat iets wat geen getal is: {(text or '')[:60]!r}") from None


def _reshape(values: np.ndarray, dim: int, stats: GeometryStats) -> np.ndarray:
    if dim not in (2, 3):
        raise GmlGeometryError(f"srsDimension {dim} wordt niet ondersteund (2 of 3)")
    if values.size % dim:
        raise GmlGeometryError(
            f"{nl(values.size)} coördinaatwaarden zijn niet te verdelen in punten van dimensie {dim}"
        )
    pts = values.reshape(-1, dim)
    if dim == 3:
        stats.z_dropped += 1
        pts = np.ascontiguousarray(pts[:, :2])
    if not np.isfinite(pts).all():
        raise GmlGeometryError("de coördinatenlijst bevat NaN of oneindige waarden")
    return pts


def _coords(el: Any, dim: int, stats: GeometryStats) -> np.ndarray:
    """Coordinates of a LinearRing / LineString / LineStringSegment / Arc / Point element."""
    dim = _dimension(el, dim)
    pos_parts: list[np.ndarray] = []
    for child in el:
        name = local_name(child.tag)
        if name == "posList":
            return _reshape(_numbers(child.text), _dimension(child, dim), stats)
        if name == "pos":
            pos_parts.append(_reshape(_numbers(child.text), _dimension(child, dim), stats))
        elif name == "coordinates":
            cs = child.get("cs", ",")
            ts = child.get("ts", " ")
            tuples = [t for t in (child.text or "").strip().split(ts) if t]
            rows = [_numbers(t.replace(cs, " "))[:2] for t in tuples]
            if any(r.size != 2 for r in rows):
                raise GmlGeometryError("gml:coordinates bevat een tupel met minder dan 2 waarden")
            return np.array(rows, dtype=np.float64).reshape(-1, 2)
        elif name in ("pointProperty", "pointRep"):
            pts = [c for c in child if local_name(c.tag) == "Point"]
            if pts:
                pos_parts.append(_coords(pts[0], dim, stats))
    if not pos_parts:
        raise GmlGeometryError(f"gml:{local_name(el.tag)} heeft geen coördinaten")
    return np.vstack(pos_parts)


def linearise_arc(p0: np.ndarray, p1: np.ndarray, p2: np.ndarray, *, tolerance_m: float = ARC_TOLERANCE_M,
                  full_circle: bool = False) -> np.ndarray:
    """Points along the circular arc from ``p0`` through ``p1`` to ``p2`` (end points exact).

    The chord count is the smallest that keeps every chord within ``tolerance_m`` of the arc.
    Collinear points give the straight line ``p0, p1, p2``. With ``full_circle`` the whole
    circle through the three points is returned, starting and ending at ``p0``.
    """
    # work relative to p0: RD coordinates are ~1e5 m and their squares would cost precision
    ox, oy = float(p0[0]), float(p0[1])
    ax, ay = 0.0, 0.0
    bx, by = float(p1[0]) - ox, float(p1[1]) - oy
    cx, cy = float(p2[0]) - ox, float(p2[1]) - oy
    d = 2.0 * (ax * (by - cy) + bx * (cy - ay) + cx * (ay - by))
    scale = max(abs(bx - ax), abs(by - ay), abs(cx - ax), abs(cy - ay), 1e-12)
    if abs(d) <= 1e-12 * scale * scale:
        return np.array([p0, p1, p2], dtype=np.float64) if not full_circle else np.array([p0, p2, p0])
    a2 = ax * ax + ay * ay
    b2 = bx * bx + by * by
    c2 = cx * cx + cy * cy
    ux = (a2 * (by - cy) + b2 * (cy - ay) + c2 * (ay - by)) / d
    uy = (a2 * (cx - bx) + b2 * (ax - cx) + c2 * (bx - ax)) / d
    r = math.hypot(ax - ux, ay - uy)
    t0 = math.atan2(ay - uy, ax - ux)
    t2 = math.atan2(cy - uy, cx - ux)
    ccw = d > 0  # orientation of p0 → p1 → p2
    if full_circle:
        sweep = 2 * math.pi if ccw else -2 * math.pi
    elif ccw:
        sweep = (t2 - t0) % (2 * math.pi)
    else:
        sweep = -((t0 - t2) % (2 * math.pi))
    step = math.pi / 2 if tolerance_m >= r else 2.0 * math.acos(1.0 - tolerance_m / r)
    n = int(min(max(math.ceil(abs(sweep) / step), 2), _MAX_ARC_SEGMENTS))
    t = t0 + sweep * np.arange(n + 1) / n
    pts = np.column_stack((ox + ux + r * np.cos(t), oy + uy + r * np.sin(t)))
    pts[0] = p0
    pts[-1] = p0 if full_circle else p2
    return pts


def _join(parts: list[np.ndarray], stats: GeometryStats | None = None) -> np.ndarray:
    """Concatenate coordinate runs, dropping the repeated point where one run starts at the last.

    Runs that do not meet are joined by a straight line; gaps over 1 mm are counted in ``stats``.
    """
    if len(parts) == 1:
        return parts[0]
    out = [parts[0]]
    for part in parts[1:]:
        last = out[-1][-1]
        if len(part) and last[0] == part[0, 0] and last[1] == part[0, 1]:
            part = part[1:]
        elif len(part) and stats is not None and math.hypot(last[0] - part[0, 0], last[1] - part[0, 1]) > 0.001:
            stats.segment_gaps += 1
        out.append(part)
    return np.vstack(out)


def _arc_string(el: Any, dim: int, stats: GeometryStats, tol: float, *, circle: bool = False) -> np.ndarray:
    pts = _coords(el, dim, stats)
    if circle:
        if len(pts) != 3:
            raise GmlGeometryError(f"gml:Circle heeft 3 punten nodig, gekregen: {nl(len(pts))}")
        stats.arcs_linearised += 1
        return linearise_arc(pts[0], pts[1], pts[2], tolerance_m=tol, full_circle=True)
    if len(pts) < 3 or len(pts) % 2 == 0:
        raise GmlGeometryError(f"gml:{local_name(el.tag)} heeft een oneven aantal (≥ 3) punten nodig, gekregen: {nl(len(pts))}")
    runs = []
    for i in range(0, len(pts) - 2, 2):
        runs.append(linearise_arc(pts[i], pts[i + 1], pts[i + 2], tolerance_m=tol))
        stats.arcs_linearised += 1
    return _join(runs)


def _curve(el: Any, dim: int, stats: GeometryStats, tol: float) -> np.ndarray:
    """Coordinates of any GML curve element (linearised)."""
    name = local_name(el.tag)
    dim = _dimension(el, dim)
    if name in ("LineString", "LinearRing", "LineStringSegment"):
        return _coords(el, dim, stats)
    if name in ("Arc", "ArcString"):
        return _arc_string(el, dim, stats, tol)
    if name == "Circle":
        return _arc_string(el, dim, stats, tol, circle=True)
    if name == "Curve":
        runs: list[np.ndarray] = []
        for segs in el:
            if local_name(segs.tag) != "segments":
                continue
            runs.extend(_curve(seg, dim, stats, tol) for seg in segs if is_gml(seg))
        if not runs:
            raise GmlGeometryError("gml:Curve heeft geen segmenten")
        return _join(runs, stats)
    if name == "CompositeCurve":
        runs = [_curve(m, dim, stats, tol) for prop in el for m in prop if is_gml(m)]
        if not runs:
            raise GmlGeometryError("gml:CompositeCurve heeft geen curveleden")
        return _join(runs, stats)
    if name == "OrientableCurve":
        base = [m for prop in el if local_name(prop.tag) == "baseCurve" for m in prop if is_gml(m)]
        if not base:
            raise GmlGeometryError("gml:OrientableCurve heeft geen baseCurve")
        pts = _curve(base[0], dim, stats, tol)
        return pts[::-1].copy() if el.get("orientation") == "-" else pts
    raise GmlGeometryError(f"gml:{name} is geen ondersteund curvetype")


def _ring(el: Any, dim: int, stats: GeometryStats, tol: float) -> np.ndarray | None:
    """A closed ring (≥ 4 points) or None if it is too short to be a ring."""
    name = local_name(el.tag)
    if name == "LinearRing":
        pts = _coords(el, dim, stats)
    elif name == "Ring":
        runs = [_curve(m, _dimension(el, dim), stats, tol)
                for prop in el if local_name(prop.tag) == "curveMember" for m in prop if is_gml(m)]
        if not runs:
            raise GmlGeometryError("gml:Ring heeft geen curveleden")
        pts = _join(runs, stats)
    else:
        raise GmlGeometryError(f"gml:{name} is geen ring")
    if len(pts) and (pts[0, 0] != pts[-1, 0] or pts[0, 1] != pts[-1, 1]):
        pts = np.vstack((pts, pts[:1]))
        stats.rings_closed += 1
    if len(pts) < 4:
        stats.parts_dropped += 1
        return None
    return pts


def _polygon(el: Any, dim: int, stats: GeometryStats, tol: float) -> list[np.ndarray] | None:
    """Rings of a Polygon / PolygonPatch (shell first); None if the shell is unusable."""
    dim = _dimension(el, dim)
    shell: np.ndarray | None = None
    holes: list[np.ndarray] = []
    seen_shell = False
    for prop in el:
        name = local_name(prop.tag)
        if name not in ("exterior", "interior", "outerBoundaryIs", "innerBoundaryIs"):
            continue
        rings = [c for c in prop if is_gml(c)]
        if not rings:
            continue
        ring = _ring(rings[0], dim, stats, tol)
        if name in ("exterior", "outerBoundaryIs"):
            seen_shell = True
            shell = ring
        elif ring is not None:
            holes.append(ring)
    if not seen_shell:
        raise GmlGeometryError(f"gml:{local_name(el.tag)} heeft geen buitenring")
    if shell is None:
        return None
    return [shell, *holes]


def _surfaces(el: Any, dim: int, stats: GeometryStats, tol: float) -> list[list[np.ndarray]]:
    """Polygons (lists of rings) of any GML surface element."""
    name = local_name(el.tag)
    dim = _dimension(el, dim)
    if name in ("Polygon", "PolygonPatch", "Rectangle"):
        poly = _polygon(el, dim, stats, tol)
        return [poly] if poly is not None else []
    if name == "Surface":
        out: list[list[np.ndarray]] = []
        for patches in el:
            if local_name(patches.tag) in ("patches", "polygonPatches"):
                for patch in patches:
                    if is_gml(patch):
                        out.extend(_surfaces(patch, dim, stats, tol))
        return out
    if name in ("MultiSurface", "CompositeSurface", "MultiPolygon", "Shell"):
        out = []
        for prop in el:
            if local_name(prop.tag) in ("surfaceMember", "surfaceMembers", "polygonMember", "polygonMembers"):
                for member in prop:
                    if is_gml(member):
                        out.extend(_surfaces(member, dim, stats, tol))
        return out
    if name == "OrientableSurface":
        return [s for prop in el if local_name(prop.tag) == "baseSurface" for m in prop if is_gml(m)
                for s in _surfaces(m, dim, stats, tol)]
    raise GmlGeometryError(f"gml:{name} is geen ondersteund vlaktype")


_CURVES = {"LineString", "Curve", "CompositeCurve", "OrientableCurve"}
_SURFACES = {"Polygon", "Surface", "OrientableSurface", "PolygonPatch"}
_MULTI_SURFACES = {"MultiSurface", "CompositeSurface", "MultiPolygon"}


def parse_geometry(el: Any, *, stats: GeometryStats, tolerance_m: float = ARC_TOLERANCE_M,
                   dim: int = 2) -> Spec | None:
    """Parse one GML geometry element into a spec for :class:`GeometryCollector`.

    Returns ``None`` when nothing usable is left (every ring or line too short). Raises
    :class:`GmlGeometryError` for unsupported or malformed geometry.
    """
    name = local_name(el.tag)
    dim = _dimension(el, dim)
    if name == "Point":
        pts = _coords(el, dim, stats)
        if len(pts) != 1:
            raise GmlGeometryError(f"gml:Point heeft {nl(len(pts))} posities")
        return ("point", pts)
    if name == "MultiPoint":
        pts_list = [_coords(p, dim, stats) for prop in el for p in prop if local_name(p.tag) == "Point"]
        if not pts_list:
            return None
        return ("multipoint", np.vstack(pts_list))
    if name in _CURVES:
        line = _curve(el, dim, stats, tolerance_m)
        if len(line) < 2:
            stats.parts_dropped += 1
            return None
        return ("line", line)
    if name in ("MultiCurve", "MultiLineString"):
        lines = []
        for prop in el:
            if local_name(prop.tag) in ("curveMember", "curveMembers", "lineStringMember"):
                for m in prop:
                    if is_gml(m):
                        line = _curve(m, dim, stats, tolerance_m)
                        if len(line) >= 2:
                            lines.append(line)
                        else:
                            stats.parts_dropped += 1
        return ("multiline", lines) if lines else None
    if name in _SURFACES:
        polys = _surfaces(el, dim, stats, tolerance_m)
        if not polys:
            return None
        return ("polygon", polys[0]) if len(polys) == 1 else ("multipolygon", polys)
    if name in _MULTI_SURFACES:
        polys = _surfaces(el, dim, stats, tolerance_m)
        return ("multipolygon", polys) if polys else None
    raise GmlGeometryError(f"gml:{name} is geen ondersteund geometrietype")


class GeometryCollector:
    """Collect geometry specs of many features; build them all at once with shapely 2."""

    def __init__(self) -> None:
        self._items: list[tuple[int, Spec]] = []

    def add(self, row: int, spec: Spec | None) -> None:
        """Register the geometry of output row ``row`` (``None``: the row gets no geometry)."""
        if spec is not None:
            self._items.append((row, spec))

    def build(self, n: int) -> np.ndarray:
        """An object array of ``n`` shapely geometries (``None`` where nothing was added)."""
        out = np.full(n, None, dtype=object)
        by_kind: dict[str, list[tuple[int, Any]]] = {}
        for row, (kind, data) in self._items:
            by_kind.setdefault(kind, []).append((row, data))
        for kind, items in by_kind.items():
            rows, data = zip(*items, strict=True)
            if kind in _SINGLE:
                out[list(rows)] = _SINGLE[kind](list(data))
            else:  # a multi-geometry: build the flattened parts, then group them per row
                part_kind, make_multi = _MULTI[kind]
                parts = _SINGLE[part_kind]([p for group in data for p in group])
                out[list(rows)] = make_multi(parts, indices=_owners(data))
        return out


def _owners(groups: Any) -> np.ndarray:
    """For items flattened from ``groups``: the index of the group each came from."""
    return np.repeat(np.arange(len(groups)), [len(g) for g in groups])


def _lines(lines: list[np.ndarray]) -> np.ndarray:
    idx = _owners(lines)
    return np.asarray(shapely.linestrings(np.vstack(lines), indices=idx))


def _polygons(polys: list[list[np.ndarray]]) -> np.ndarray:
    rings = [r for p in polys for r in p]
    ring_idx = _owners(rings)
    ring_geoms = shapely.linearrings(np.vstack(rings), indices=ring_idx)
    poly_idx = _owners(polys)
    return np.asarray(shapely.polygons(ring_geoms, indices=poly_idx))


#: Geometry spec kind → builder of all geometries of that kind from their data.
_SINGLE: dict[str, Any] = {
    "point": lambda pts: shapely.points(np.vstack(pts)),
    "line": _lines,
    "polygon": _polygons,
}
#: Multi kind → (kind of its parts, shapely builder grouping parts by index).
_MULTI: dict[str, tuple[str, Any]] = {
    "multipoint": ("point", shapely.multipoints),
    "multiline": ("line", shapely.multilinestrings),
    "multipolygon": ("polygon", shapely.multipolygons),
}
