"""GML 3.2 geometry parsing for IMKL (points, lines, curves, polygons, multi-geometries).

Only what IMKL uses: ``Point``, ``LineString``, ``Curve`` with ``LineStringSegment`` /
``Arc`` / ``ArcString`` segments, ``Polygon`` / ``Surface`` (``PolygonPatch``) with
``LinearRing`` or ``Ring`` boundaries, ``MultiSurface``, ``MultiCurve``, ``MultiPoint``.
Coordinates come from ``posList``, ``pos`` or the old ``coordinates`` element; the dimension
comes from ``srsDimension`` on the element or an ancestor (default 2; 3 for the compound
RD + NAP CRS EPSG:7415). Geometries are returned 2D; the Z range, when present, is returned
separately so the reader can keep it as attributes (cover depth / NAP levels).

Arcs are linearised the way GDAL does by default (steps of at most 4 degrees), so lengths agree
with GDAL's GML driver.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from wlr_geo._nl import nl
from wlr_geo._safe import local_name

__all__ = [
    "RD_BOUNDS_M",
    "GmlGeometryError",
    "OutsideRDError",
    "ParsedGeometry",
    "line_dimension",
    "parse_geometry",
    "parse_line_coords",
    "parse_point_xy",
    "rd_problem",
]

#: Accepted RD coordinates (x_min, y_min, x_max, y_max), as :data:`wlr_geo.crs.RD_BOUNDS_M`.
RD_BOUNDS_M = (-10_000.0, 296_000.0, 300_000.0, 640_000.0)

_ARC_STEP_DEG = 4.0
_JOIN_TOLERANCE_M = 0.001
_RD_SRS = re.compile(r"(28992|7415)\b")
_SRS_OK: dict[str, int] = {}

class GmlGeometryError(ValueError):
    """A geometry that cannot be used (unknown CRS, odd coordinate count, broken curve)."""


class OutsideRDError(GmlGeometryError):
    """Coordinates outside the RD area (degrees, swapped axes, 3D read as 2D)."""


@dataclass(frozen=True)
class ParsedGeometry:
    """A 2D shapely geometry plus the Z range of its vertices when the GML was 3D."""

    geometry: BaseGeometry
    z_min: float | None = None
    z_max: float | None = None


def _srs_dimension(srs: str) -> int:
    """2 or 3 for an accepted RD srsName; raise for anything else."""
    dim = _SRS_OK.get(srs)
    if dim is not None:
        return dim
    m = _RD_SRS.search(srs)
    if m is None:
        raise GmlGeometryError(
            f"srsName {srs!r} is geen RD New (EPSG:28992) of RD + NAP (EPSG:7415)"
        )
    dim = 3 if m.group(1) == "7415" else 2
    _SRS_OK[srs] = dim
    return dim


class _Ctx:
    """Coordinates collected while walking one geometry."""

    __slots__ = ("z",)

    def __init__(self) -> None:
        self.z: list[np.ndarray] = []


def _dim(value: str | None, default: int) -> int:
    """srsDimension attribute as 2 or 3 (default when absent)."""
    if not value:
        return default
    if value.strip() in ("2", "3"):
        return int(value)
    raise GmlGeometryError(f"srsDimension={value!r}; IMKL gebruikt 2 of 3")


def _numbers(text: str | None) -> np.ndarray:
    if not text:
        return np.empty(0)
    try:
        return np.array(text.replace(",", " ").split(), dtype=float)
    except ValueError as exc:
        raise GmlGeometryError(f"coördinaten zijn geen getallen: {text[:60]!r}") from exc


def _coords(el: Any, dim: int, ctx: _Ctx) -> np.ndarray:
    """XY array (n, 2) of a posList/pos/coordinates holder ``el``; Z kept in ``ctx``."""
    values: list[np.ndarray] = []
    for ch in el:
        ln = local_name(ch.tag)
        if ln == "posList" or ln == "pos":
            d = _dim(ch.get("srsDimension"), dim)
            arr = _numbers(ch.text)
            if arr.size % d:
                raise GmlGeometryError(
                    f"{ln} heeft {nl(arr.size)} getallen, geen veelvoud van srsDimension={d}"
                )
            arr = arr.reshape(-1, d)
            if d >= 3:
                ctx.z.append(arr[:, 2])
            values.append(arr[:, :2])
        elif ln == "coordinates":
            pts = [p.split(",") for p in (ch.text or "").split()]
            try:
                arr = np.array([[float(v) for v in p] for p in pts], dtype=float)
            except ValueError as exc:
                raise GmlGeometryError("gml:coordinates zijn geen getallen") from exc
            if arr.ndim == 2 and arr.shape[1] >= 3:
                ctx.z.append(arr[:, 2])
            values.append(arr[:, :2].reshape(-1, 2))
        elif ln == "pointProperty" or ln == "pointRep":
            for pt in ch:
                values.append(_coords(pt, dim, ctx))
    if not values:
        return np.empty((0, 2))
    return values[0] if len(values) == 1 else np.vstack(values)


def _arc_points(p: np.ndarray) -> np.ndarray:
    """Linearise an arc through three points (start, mid, end) in steps of ≤ 4 degrees."""
    (x1, y1), (x2, y2), (x3, y3) = p
    d = 2 * (x1 * (y2 - y3) + x2 * (y3 - y1) + x3 * (y1 - y2))
    if abs(d) < 1e-12:  # collinear: a straight line
        return p
    ux = ((x1**2 + y1**2) * (y2 - y3) + (x2**2 + y2**2) * (y3 - y1) + (x3**2 + y3**2) * (y1 - y2)) / d
    uy = ((x1**2 + y1**2) * (x3 - x2) + (x2**2 + y2**2) * (x1 - x3) + (x3**2 + y3**2) * (x2 - x1)) / d
    r = math.hypot(x1 - ux, y1 - uy)
    a1 = math.atan2(y1 - uy, x1 - ux)
    a2 = math.atan2(y2 - uy, x2 - ux)
    a3 = math.atan2(y3 - uy, x3 - ux)
    # direction: counter-clockwise if the middle point lies on the ccw sweep from a1 to a3
    ccw = ((a2 - a1) % (2 * math.pi)) < ((a3 - a1) % (2 * math.pi))
    sweep = (a3 - a1) % (2 * math.pi) if ccw else -((a1 - a3) % (2 * math.pi))
    n = max(2, math.ceil(abs(math.degrees(sweep)) / _ARC_STEP_DEG))
    angles = a1 + sweep * np.arange(n + 1) / n
    out = np.column_stack([ux + r * np.cos(angles), uy + r * np.sin(angles)])
    out[0] = p[0]
    out[-1] = p[2]
    return out


def _curve_coords(el: Any, dim: int, ctx: _Ctx) -> np.ndarray:
    """Coordinates of a LineString, Curve or segment list, joined into one path."""
    ln = local_name(el.tag)
    dim = _dim(el.get("srsDimension"), dim)
    if ln in ("LineString", "LineStringSegment", "LinearRing"):
        return _coords(el, dim, ctx)
    if ln in ("Arc", "ArcString"):
        pts = _coords(el, dim, ctx)
        if len(pts) < 3 or (len(pts) - 1) % 2:
            raise GmlGeometryError(f"{ln} heeft 3, 5, 7 ... punten nodig, gekregen: {nl(len(pts))}")
        parts = [_arc_points(pts[i : i + 3]) for i in range(0, len(pts) - 1, 2)]
        return np.vstack([parts[0], *[q[1:] for q in parts[1:]]])
    if ln == "Curve" or ln == "Ring" or ln == "CompositeCurve":
        pieces: list[np.ndarray] = []
        for ch in el:
            cl = local_name(ch.tag)
            if cl in ("segments", "curveMember"):
                for seg in ch:
                    if not isinstance(seg.tag, str):
                        continue
                    inner = seg if cl == "segments" else _first_child(seg)
                    if inner is not None:
                        pieces.append(_curve_coords(inner, dim, ctx))
        return _join(pieces)
    raise GmlGeometryError(f"niet-ondersteund curvetype gml:{ln}")


def _first_child(el: Any) -> Any:
    for ch in el:
        if isinstance(ch.tag, str):
            return ch
    return None


def _join(pieces: list[np.ndarray]) -> np.ndarray:
    pieces = [p for p in pieces if len(p)]
    if not pieces:
        return np.empty((0, 2))
    out = [pieces[0]]
    for prev, nxt in itertools.pairwise(pieces):
        gap = float(np.hypot(*(nxt[0] - prev[-1])))
        if gap > _JOIN_TOLERANCE_M:
            raise GmlGeometryError(
                f"curvesegmenten sluiten niet op elkaar aan (gat van {nl(gap, 3)} m); GDAL weigert zulke curves "
                "en de KLIC-viewer slaat ze over"
            )
        out.append(nxt[1:])
    return np.vstack(out)


def _polygon(el: Any, dim: int, ctx: _Ctx) -> shapely.Polygon:
    shell: np.ndarray | None = None
    holes: list[np.ndarray] = []
    for ch in el:
        cl = local_name(ch.tag)
        if cl in ("exterior", "interior", "outerBoundaryIs", "innerBoundaryIs"):
            ring_el = _first_child(ch)
            if ring_el is None:
                continue
            ring = _curve_coords(ring_el, dim, ctx)
            if cl in ("exterior", "outerBoundaryIs"):
                shell = ring
            else:
                holes.append(ring)
        elif cl == "patches":
            for patch in ch:
                if isinstance(patch.tag, str):
                    return _polygon(patch, dim, ctx)
    if shell is None or len(shell) < 4:
        raise GmlGeometryError("polygoon zonder bruikbare buitenring (minder dan 4 posities)")
    return shapely.Polygon(shell, [h for h in holes if len(h) >= 4])


def _walk(el: Any, dim: int, ctx: _Ctx) -> BaseGeometry:
    ln = local_name(el.tag)
    dim = _dim(el.get("srsDimension"), dim)
    if ln == "Point":
        xy = _coords(el, dim, ctx)
        if len(xy) != 1:
            raise GmlGeometryError(f"gml:Point met {nl(len(xy))} posities")
        return shapely.Point(xy[0])
    if ln in ("LineString", "Curve", "CompositeCurve"):
        xy = _curve_coords(el, dim, ctx)
        if len(xy) < 2:
            raise GmlGeometryError(f"gml:{ln} met minder dan 2 posities")
        return shapely.LineString(xy)
    if ln in ("Polygon", "Surface", "PolygonPatch"):
        return _polygon(el, dim, ctx)
    if ln in ("MultiSurface", "MultiPolygon", "CompositeSurface"):
        polys = _member_parts(el, ("surfaceMember", "surfaceMembers", "polygonMember"), dim, ctx)
        if not polys:
            raise GmlGeometryError(f"lege gml:{ln}")
        return shapely.MultiPolygon(polys) if len(polys) > 1 else polys[0]
    if ln in ("MultiCurve", "MultiLineString"):
        lines = _member_parts(el, ("curveMember", "curveMembers", "lineStringMember"), dim, ctx)
        if not lines:
            raise GmlGeometryError(f"lege gml:{ln}")
        return shapely.MultiLineString(lines) if len(lines) > 1 else lines[0]
    if ln == "MultiPoint":
        pts = _member_parts(el, ("pointMember", "pointMembers"), dim, ctx)
        if not pts:
            raise GmlGeometryError("lege gml:MultiPoint")
        return shapely.MultiPoint(pts) if len(pts) > 1 else pts[0]
    raise GmlGeometryError(f"niet-ondersteund geometrietype gml:{ln}")


def _member_parts(el: Any, names: tuple[str, ...], dim: int, ctx: _Ctx) -> list[Any]:
    """The single-part geometries inside the member properties ``names`` of a multi-geometry."""
    parts: list[Any] = []
    for ch in el:
        if local_name(ch.tag) in names:
            for sub in ch:
                if isinstance(sub.tag, str):
                    g = _walk(sub, dim, ctx)
                    parts.extend(getattr(g, "geoms", [g]))
    return parts


def parse_geometry(el: Any) -> ParsedGeometry:
    """Parse a GML geometry element into a 2D shapely geometry plus its Z range.

    Parameters
    ----------
    el
        An lxml element such as ``gml:LineString`` (not the property element around it).

    Raises
    ------
    GmlGeometryError
        Unsupported type, a CRS other than RD, a coordinate count that does not fit the
        dimension, or curve segments that do not connect.
    """
    srs = el.get("srsName")
    dim = _srs_dimension(srs) if srs else 2
    ctx = _Ctx()
    geom = _walk(el, dim, ctx)
    _check_rd(shapely.get_coordinates(geom))
    if ctx.z:
        z = np.concatenate(ctx.z)
        if z.size:
            return ParsedGeometry(geom, float(z.min()), float(z.max()))
    return ParsedGeometry(geom)


def _c(v: float) -> str:
    """A coordinate for a message: Dutch separators, 6 significant digits (exponent when huge)."""
    v = float(f"{v:.6g}")
    return nl(v) if abs(v) < 1e9 else f"{v:.6g}".replace(".", ",")


def rd_problem(xmin: float, ymin: float, xmax: float, ymax: float) -> str | None:
    """The outside-RD message for a bounding box, or None when it lies inside the RD area."""
    bx0, by0, bx1, by1 = RD_BOUNDS_M
    if xmin >= bx0 and ymin >= by0 and xmax <= bx1 and ymax <= by1:
        return None
    return (
        f"coördinaten ({_c(xmin)}; {_c(ymin)}) … ({_c(xmax)}; {_c(ymax)}) liggen buiten het RD-gebied "
        "(graden? verwisselde assen? een 3D-posList zonder srsDimension?)"
    )


def _check_rd(xy: np.ndarray) -> None:
    xmin, ymin = xy.min(axis=0)
    xmax, ymax = xy.max(axis=0)
    msg = rd_problem(xmin, ymin, xmax, ymax)
    if msg is not None:
        raise OutsideRDError(msg)


def line_dimension(srs: str | None, srs_dimension: str | None) -> int:
    """Coordinate dimension of a line element from its ``srsName`` and ``srsDimension``.

    Raises
    ------
    GmlGeometryError
        A CRS other than RD, or a dimension other than 2 or 3.
    """
    dim = _srs_dimension(srs) if srs else 2
    return _dim(srs_dimension, dim)


def _plain_line_xy(pos_list: str | None, *, check_rd: bool) -> np.ndarray:
    """XY vertices of a 2D ``LineString`` holding one ``posList`` (the text of that posList):
    the common case of :func:`parse_line_coords`."""
    arr = _numbers(pos_list)
    if arr.size % 2:
        raise GmlGeometryError(f"posList heeft {nl(arr.size)} getallen, geen veelvoud van srsDimension=2")
    xy = arr.reshape(-1, 2)
    if len(xy) < 2:
        raise GmlGeometryError("gml:LineString met minder dan 2 posities")
    if check_rd:
        _check_rd(xy)
    return xy


def parse_line_coords(el: Any, *, check_rd: bool = True) -> tuple[np.ndarray, float | None, float | None]:
    """XY vertices (n, 2) of a line geometry (``LineString`` or ``Curve``) plus its Z range.

    The fast path of :func:`parse_geometry` for ``UtilityLink`` centre lines: no shapely
    object is made here, the reader builds all lines at once with ``shapely.linestrings``.

    With ``check_rd=False`` the RD bounds check is left to the caller, who can run it once for
    many lines (:func:`rd_problem` gives the same message as the raised error).

    Raises
    ------
    GmlGeometryError
        Not a single line, fewer than 2 positions, outside RD, or as :func:`parse_geometry`.
    """
    dim = line_dimension(el.get("srsName"), el.get("srsDimension"))
    ln = local_name(el.tag)
    if dim == 2 and ln == "LineString" and len(el) == 1:  # one 2D posList: the usual case
        pl = el[0]
        if local_name(pl.tag) == "posList" and pl.get("srsDimension") is None:
            return _plain_line_xy(pl.text, check_rd=check_rd), None, None
    ctx = _Ctx()
    if ln == "LineString":
        xy = _coords(el, dim, ctx)
    elif ln in ("Curve", "CompositeCurve"):
        xy = _curve_coords(el, dim, ctx)
    else:
        geom = _walk(el, dim, ctx)
        if geom.geom_type != "LineString":
            raise GmlGeometryError(f"de hartlijn van een UtilityLink moet één lijn zijn, gekregen: {geom.geom_type}")
        xy = np.asarray(geom.coords)[:, :2]
    if len(xy) < 2:
        raise GmlGeometryError(f"gml:{ln} met minder dan 2 posities")
    if check_rd:
        _check_rd(xy)
    if ctx.z:
        z = np.concatenate(ctx.z)
        if z.size:
            return xy, float(z.min()), float(z.max())
    return xy, None, None


def parse_point_xy(el: Any) -> tuple[float, float, float | None] | None:
    """Fast path for the common ``gml:Point`` with one ``gml:pos`` inside the RD area.

    Returns ``(x, y, z)`` (``z`` None for 2D), or None for anything else (another geometry
    type, attributes on ``pos``, odd values, outside RD): the caller then uses
    :func:`parse_geometry`, which gives the same result or raises the error.
    """
    if local_name(el.tag) != "Point" or len(el) != 1:
        return None
    pos = el[0]
    if local_name(pos.tag) != "pos":
        return None
    srs = el.get("srsName")
    dim = _SRS_OK.get(srs) if srs else 2
    if dim is None:
        return None
    for sd in (el.get("srsDimension"), pos.get("srsDimension")):  # Point, then its pos (as _walk/_coords)
        if sd is not None:
            sd = sd.strip()
            if sd not in ("2", "3"):
                return None
            dim = int(sd)
    text = pos.text
    if not text:
        return None
    parts = text.split()
    if len(parts) != dim or "," in text:
        return None
    try:
        x = float(parts[0])
        y = float(parts[1])
        z = float(parts[2]) if dim == 3 else None
    except ValueError:
        return None
    if rd_problem(x, y, x, y) is not None:
        return None
    return x, y, z
