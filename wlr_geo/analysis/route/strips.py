"""Working strip (werkstrook) and protection strip (belemmeringenstrook) along the route.

Both strips are polygons built from the centreline with a width per side; left and right are
seen in the direction of increasing chainage, and may differ (asymmetric strips: e.g. the soil
depot on one side). A strip is the union of one-sided buffers of the route's straight segments
(flat ends) with mitre joins on the outer side of every bend, clipped at ``MITRE_LIMIT`` times
the width (:func:`strip_polygon`): a route that closes, crosses itself or doubles back gets a
band along its line on both passes, never the area it encloses. Widths may change per chainage range (:class:`StripOverride`), e.g. a
narrower working strip through a street. Landing sites and stations add their own footprints
(:func:`footprints`).

Defaults — ASSUMPTIONS the user must check against the project's own design
------------------------------------------------------------------------------
For a DN 700–900 steel transport pipeline laid in open trench a working strip of about
30–40 m in total is common in the Netherlands (trench, soil depot, driving lane); the
belemmeringenstrook of a heat transport pipeline is typically agreed at about 5 m on each side
of the pipe axis. The defaults are therefore:

============================  =======  ========
strip                         left_m   right_m
============================  =======  ========
werkstrook                    15.0     20.0
belemmeringenstrook           5.0      5.0
============================  =======  ========

These numbers are indicative, not the WarmtelinQ+ design values.

Config (TOML)::

    [strips]
    werkstrook_left_m = 15.0
    werkstrook_right_m = 20.0
    belemmeringenstrook_left_m = 5.0
    belemmeringenstrook_right_m = 5.0

    [[strips.override]]          # optional, any number
    from_m = 1200.0
    to_m = 1850.0
    werkstrook_left_m = 6.0
    werkstrook_right_m = 6.0

    [strips.footprints]          # size (length_m, width_m) per site kind
    aanlanding = [100.0, 60.0]
    station = [60.0, 40.0]
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.affinity import rotate
from shapely.geometry import LineString, Polygon

from wlr_geo._errors import ConfigError, LayerValidationError, Problem
from wlr_geo._options import MAX_DISTANCE_M, MAX_WIDTH_M, object_problems, option
from wlr_geo.analysis.route.centreline import RouteGeometry

__all__ = [
    "DEFAULT_FOOTPRINTS_M",
    "MITRE_LIMIT",
    "STRIP_KINDS",
    "StripOverride",
    "StripSpec",
    "footprints",
    "make_strips",
    "strip_polygon",
]

log = logging.getLogger("wlr_geo")

#: The two strip kinds, in the order they are written.
STRIP_KINDS: tuple[str, ...] = ("werkstrook", "belemmeringenstrook")

#: Indicative footprint (length_m, width_m) per site kind; check against the design.
DEFAULT_FOOTPRINTS_M: dict[str, tuple[float, float]] = {
    "aanlanding": (100.0, 60.0),
    "landing": (100.0, 60.0),
    "station": (60.0, 40.0),
    "pompstation": (60.0, 40.0),
    "overslagstation": (80.0, 50.0),
}

_WIDTH_KEYS = (
    "werkstrook_left_m",
    "werkstrook_right_m",
    "belemmeringenstrook_left_m",
    "belemmeringenstrook_right_m",
)


@dataclass(frozen=True)
class StripOverride:
    """Other widths on the chainage range ``[from_m, to_m)``; ``None`` keeps the default."""

    from_m: float = option(help="Chainage where the override starts.", unit="m", ge=0, le=MAX_DISTANCE_M)
    to_m: float = option(help="Chainage where it ends (exclusive).", unit="m", ge=0, le=MAX_DISTANCE_M)
    werkstrook_left_m: float | None = option(None, help="Werkstrook width left on this range.", unit="m",
                                             ge=0, lt=MAX_WIDTH_M)
    werkstrook_right_m: float | None = option(None, help="Werkstrook width right on this range.", unit="m",
                                              ge=0, lt=MAX_WIDTH_M)
    belemmeringenstrook_left_m: float | None = option(None, help="Belemmeringenstrook width left on this range.",
                                                      unit="m", ge=0, lt=MAX_WIDTH_M)
    belemmeringenstrook_right_m: float | None = option(None, help="Belemmeringenstrook width right on this range.",
                                                       unit="m", ge=0, lt=MAX_WIDTH_M)


@dataclass(frozen=True)
class StripSpec:
    """Strip widths (m) per side, with optional overrides per chainage range.

    The defaults are indicative assumptions (see the module docstring) that the user must check.
    """

    werkstrook_left_m: float = option(15.0, unit="m", ge=0, lt=MAX_WIDTH_M,
                                      help="Working strip width left of the centreline (an assumption).")
    werkstrook_right_m: float = option(20.0, unit="m", ge=0, lt=MAX_WIDTH_M,
                                       help="Working strip width right of the centreline (an assumption).")
    belemmeringenstrook_left_m: float = option(5.0, unit="m", ge=0, lt=MAX_WIDTH_M,
                                               help="Protection strip width left of the pipe axis (an assumption).")
    belemmeringenstrook_right_m: float = option(5.0, unit="m", ge=0, lt=MAX_WIDTH_M,
                                                help="Protection strip width right of the pipe axis (an assumption).")
    overrides: tuple[StripOverride, ...] = option(
        (), key="override", help="Other widths on chainage ranges ([[strips.override]] tables).")
    footprint_sizes_m: Mapping[str, tuple[float, float]] = option(
        default_factory=lambda: dict(DEFAULT_FOOTPRINTS_M), key="footprints", unit="m", gt=0, lt=MAX_WIDTH_M,
        help="Footprint (length_m, width_m) per site kind; merged with the defaults.",
        example="{ aanlanding = [100.0, 60.0] }")

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise ConfigError(problems=problems)

    def problems(self) -> list[Problem]:
        """All problems with the widths and ranges (an empty list when the spec is usable)."""
        out: list[Problem] = object_problems(self, "[strips]")
        for i, ov in enumerate(self.overrides):
            out.extend(object_problems(ov, f"[[strips.override]] #{i + 1}"))
        if out:
            return out
        for kind in STRIP_KINDS:
            if getattr(self, f"{kind}_left_m") + getattr(self, f"{kind}_right_m") <= 0:
                out.append(Problem(f"[strips] de {kind} heeft breedte nul", hint="geef een breedte > 0"))
        for i, ov in enumerate(self.overrides):
            if ov.to_m <= ov.from_m:
                out.append(Problem(
                    f"[[strips.override]] #{i + 1}: from_m {ov.from_m} moet kleiner zijn dan to_m {ov.to_m}",
                    hint="geef een kilometreringsbereik in meters vanaf het begin van het tracé",
                ))
        ranges = sorted((ov.from_m, ov.to_m) for ov in self.overrides)
        for (a0, a1), (b0, _b1) in itertools.pairwise(ranges):
            if b0 < a1:
                out.append(Problem(
                    f"[[strips.override]]: de bereiken {a0}–{a1} en {b0}… overlappen",
                    hint="laat de override-bereiken elkaar niet overlappen",
                ))
        return out

    def ranges(self, length_m: float) -> list[tuple[float, float, dict[str, float]]]:
        """Chainage ranges covering ``[0, length_m]`` with the widths that apply on each."""
        base = {k: float(getattr(self, k)) for k in _WIDTH_KEYS}
        cuts = {0.0, float(length_m)}
        for ov in self.overrides:
            cuts.update((min(max(ov.from_m, 0.0), length_m), min(max(ov.to_m, 0.0), length_m)))
        edges = sorted(cuts)
        out: list[tuple[float, float, dict[str, float]]] = []
        for a, b in itertools.pairwise(edges):
            if b - a <= 1e-9:
                continue
            widths = dict(base)
            mid = (a + b) / 2.0
            for ov in self.overrides:
                if ov.from_m <= mid < ov.to_m:
                    widths.update({k: float(v) for k in _WIDTH_KEYS if (v := getattr(ov, k)) is not None})
            if out and out[-1][2] == widths:
                out[-1] = (out[-1][0], b, widths)
            else:
                out.append((a, b, widths))
        return out

    def with_width(self, total_m: float) -> StripSpec:
        """A symmetric copy whose werkstrook is ``total_m`` wide (CLI ``--width-m``)."""
        return replace(self, werkstrook_left_m=total_m / 2.0, werkstrook_right_m=total_m / 2.0)


#: A mitre join is cut off where it reaches this many strip widths from the bend's vertex,
#: measured along the bisector (as GEOS's ``mitre_limit``): bends up to 120° keep their full
#: mitre; at sharper bends, and where the route doubles back, no point of the strip lies further
#: than ``sqrt(1 + MITRE_LIMIT**2)`` widths from the centreline (no long spikes).
MITRE_LIMIT = 2.0

#: |sin| of a bend below which the route counts as straight there (no join).
_STRAIGHT_SIN = 1e-12


def _pieces(rg: RouteGeometry, ranges: list[tuple[float, float, dict[str, float]]],
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The route's segments cut at the range edges: start and end points, unit directions and
    the index of the width range of each piece, in chainage order."""
    seg = np.arange(len(rg.from_m))
    t = np.zeros(len(seg))
    inner = np.array([a for a, _, _ in ranges[1:]], dtype=float)
    if len(inner):
        k = rg.segment_at(inner)
        tk = inner - rg.from_m[k]
        ok = (tk > 1e-9) & (tk < rg.seg_len[k] - 1e-9)
        seg, t = np.concatenate([seg, k[ok]]), np.concatenate([t, tk[ok]])
        order = np.lexsort((t, seg))
        seg, t = seg[order], t[order]
    start = rg.starts[seg] + rg.unit[seg] * t[:, None]
    end = np.vstack([start[1:], rg.ends[-1:]])
    same_seg = np.append(seg[1:], -1) == seg
    t_end = np.where(same_seg, np.append(t[1:], 0.0), rg.seg_len[seg])
    mid = rg.from_m[seg] + (t + t_end) / 2.0
    rng = np.searchsorted(np.array([a for a, _, _ in ranges]), mid, side="right") - 1
    return start, end, rg.unit[seg], np.clip(rng, 0, len(ranges) - 1)


def _side_pieces(start: np.ndarray, end: np.ndarray, unit: np.ndarray, width: np.ndarray, side: int,
                 ) -> np.ndarray:
    """Polygons whose union is the strip on one side (``side`` +1 left, -1 right).

    One rectangle per piece on that side, ``width`` wide (flat ends), and at every bend where
    that side is the outer side a mitre join (clipped at :data:`MITRE_LIMIT` widths from the
    vertex) of the narrower of the two widths. Where the side is the inner side the rectangles
    overlap and need no join.
    """
    out: list[np.ndarray] = []
    m = side * np.column_stack([-unit[:, 1], unit[:, 0]])  # outward normal of this side
    has = width > 0
    if has.any():
        w = width[has, None]
        ring = np.stack([start[has], end[has], end[has] + w * m[has], start[has] + w * m[has]], axis=1)
        out.append(np.asarray(shapely.polygons(ring), dtype=object))
    if len(unit) > 1:
        u1, u2, m1, m2 = unit[:-1], unit[1:], m[:-1], m[1:]
        cross = u1[:, 0] * u2[:, 1] - u1[:, 1] * u2[:, 0]
        dot = np.einsum("ij,ij->i", u1, u2)
        straight = np.abs(cross) <= _STRAIGHT_SIN
        outer = np.where(straight, dot < 0, side * cross < 0)  # doubling back: both sides
        wj = np.minimum(width[:-1], width[1:])
        j = np.flatnonzero(outer & (wj > 0))
        if len(j):
            v, w = end[j], wj[j, None]
            u1, u2, m1, m2 = u1[j], u2[j], m1[j], m2[j]
            bsum = m1 + m2
            blen = np.hypot(bsum[:, 0], bsum[:, 1])
            b = np.where(blen[:, None] > 1e-12, bsum / np.maximum(blen, 1e-300)[:, None], u1)
            a_pt, b_pt = v + w * m1, v + w * m2
            with np.errstate(divide="ignore", invalid="ignore"):
                mitre = v + w * bsum / (1.0 + np.einsum("ij,ij->i", m1, m2))[:, None]
                reach = w[:, 0] * MITRE_LIMIT
                ta = (reach - w[:, 0] * np.einsum("ij,ij->i", m1, b)) / np.einsum("ij,ij->i", u1, b)
                tb = (reach - w[:, 0] * np.einsum("ij,ij->i", m2, b)) / -np.einsum("ij,ij->i", u2, b)
            full = MITRE_LIMIT * blen >= 2.0  # mitre length w / cos(θ/2) within the limit
            a_far = np.where(full[:, None], mitre, a_pt + ta[:, None] * u1)
            b_far = np.where(full[:, None], mitre, b_pt - tb[:, None] * u2)
            ring = np.stack([v, a_pt, a_far, b_far, b_pt], axis=1)
            out.append(np.asarray(shapely.polygons(ring), dtype=object))
    return np.concatenate(out) if out else np.empty(0, dtype=object)


def strip_polygon(route: LineString | RouteGeometry, left_m: float | np.ndarray, right_m: float | np.ndarray,
                  *, ranges: list[tuple[float, float, dict[str, float]]] | None = None,
                  kind: str | None = None) -> shapely.Geometry:
    """The strip ``left_m`` wide on the left and ``right_m`` on the right of the route.

    The union of one-sided buffers per straight segment (rectangles with flat ends) and mitre
    joins on the outer side of each bend (:data:`MITRE_LIMIT`). Unlike a single-sided buffer
    of the whole line, this stays right for a route that closes, nearly closes, crosses
    itself or doubles back: a ring gets a band along its line, never its interior.

    Parameters
    ----------
    route
        The centreline (or its :class:`~wlr_geo.analysis.route.centreline.RouteGeometry`).
    left_m, right_m
        Widths (m) on each side, seen in the direction of increasing chainage.
    ranges, kind
        Widths per chainage range (from :meth:`StripSpec.ranges`) and the strip kind whose
        ``<kind>_left_m``/``<kind>_right_m`` apply; they replace ``left_m``/``right_m``.

    Examples
    --------
    >>> ring = LineString([(0, 0), (0, 200), (2000, 200), (2000, 0), (0, 0)])
    >>> round(strip_polygon(ring, 15.0, 20.0).area)
    153075
    """
    rg = route if isinstance(route, RouteGeometry) else RouteGeometry.of(route)
    rngs = ranges if ranges is not None else [(0.0, rg.length, {"l": float(left_m), "r": float(right_m)})]
    keys = (f"{kind}_left_m", f"{kind}_right_m") if ranges is not None and kind else ("l", "r")
    start, end, unit, idx = _pieces(rg, rngs)
    parts = []
    for side, key in ((1, keys[0]), (-1, keys[1])):
        width = np.array([w[key] for _, _, w in rngs], dtype=float)[idx]
        parts.append(_side_pieces(start, end, unit, width, side))
    polys = np.concatenate(parts)
    if len(polys) == 0:
        return Polygon()
    geom = shapely.union_all(polys)
    return geom if geom.is_valid else shapely.make_valid(geom)


def make_strips(route: LineString | gpd.GeoDataFrame, spec: StripSpec | None = None, *, crs: Any = None) -> gpd.GeoDataFrame:
    """The werkstrook and belemmeringenstrook polygons of one centreline.

    Parameters
    ----------
    route
        The centreline (a LineString, or a one-row GeoDataFrame from
        :func:`wlr_geo.analysis.route.centreline.prepare_route`).
    spec
        Widths; default :class:`StripSpec` (indicative).
    crs
        CRS of the output when ``route`` is a bare LineString.

    Returns
    -------
    GeoDataFrame
        One row per strip kind: ``strip`` ("werkstrook", "belemmeringenstrook"),
        ``width_left_m``/``width_right_m`` (the default widths; overrides apply on their ranges),
        ``n_ranges``, ``area_m2``, ``geometry`` (Polygon/MultiPolygon). A zero-width strip is an
        empty polygon with area 0.
    """
    spec = spec or StripSpec()
    if isinstance(route, gpd.GeoDataFrame):
        if len(route) != 1:
            raise LayerValidationError(
                f"make_strips verwacht één hartlijn, kreeg {len(route)} rijen",
                hint="roep het per variant aan (prepare_route geeft één rij per variant)",
            )
        crs = route.crs
        line = route.geometry.iloc[0]
    else:
        line = route
    if not isinstance(line, LineString) or line.is_empty or line.length <= 0:
        raise LayerValidationError(
            "het tracé moet een niet-lege LineString met lengte > 0 zijn",
            hint="bereid het tracé voor met wlr_geo.analysis.route.centreline.prepare_route",
        )
    ranges = spec.ranges(line.length)
    rg = RouteGeometry.of(line)
    rows = []
    for kind in STRIP_KINDS:
        geom = strip_polygon(rg, 0.0, 0.0, ranges=ranges, kind=kind)
        rows.append({
            "strip": kind,
            "width_left_m": float(getattr(spec, f"{kind}_left_m")),
            "width_right_m": float(getattr(spec, f"{kind}_right_m")),
            "n_ranges": len(ranges),
            "area_m2": float(geom.area),
            "geometry": geom,
        })
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)


def footprints(
    sites: gpd.GeoDataFrame,
    sizes: Mapping[str, tuple[float, float]] | None = None,
    *,
    kind_column: str = "kind",
    rotation_column: str = "rotation_deg",
) -> gpd.GeoDataFrame:
    """Footprints of landing sites and stations, to add to the strips.

    Polygon sites are their own footprint. A point site gets a rectangle of
    ``sizes[kind] = (length_m, width_m)`` centred on it, rotated by ``rotation_column``
    (degrees counter-clockwise from east) when present.

    Returns
    -------
    GeoDataFrame
        ``strip`` (= "footprint"), ``kind``, ``area_m2``, ``geometry``.
    """
    sizes = dict(DEFAULT_FOOTPRINTS_M if sizes is None else sizes)
    rows = []
    for idx, row in sites.iterrows():
        geom = row.geometry
        if geom is None or geom.is_empty:
            continue
        kind = str(row[kind_column]) if kind_column in sites.columns and pd.notna(row[kind_column]) else "station"
        if geom.geom_type in ("Polygon", "MultiPolygon"):
            fp = geom
        elif geom.geom_type == "Point":
            if kind not in sizes:
                raise LayerValidationError(
                    f"locatiesoort {kind!r} heeft geen afmeting van het ruimtebeslag",
                    feature=str(idx),
                    hint=f"voeg haar toe aan [strips.footprints]; bekend zijn: {', '.join(sorted(sizes))}",
                )
            length_m, width_m = sizes[kind]
            fp = shapely.box(geom.x - length_m / 2, geom.y - width_m / 2, geom.x + length_m / 2, geom.y + width_m / 2)
            if rotation_column in sites.columns and pd.notna(row[rotation_column]):
                fp = rotate(fp, float(row[rotation_column]), origin=geom)
        else:
            raise LayerValidationError(
                f"locatiegeometrie {geom.geom_type} kan geen ruimtebeslag hebben",
                feature=str(idx), hint="geef locaties als punten of vlakken",
            )
        rows.append({"strip": "footprint", "kind": kind, "area_m2": float(fp.area), "geometry": fp})
    return gpd.GeoDataFrame(rows, columns=["strip", "kind", "area_m2", "geometry"], geometry="geometry", crs=sites.crs)
