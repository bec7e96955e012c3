"""Working strip (werkstrook) and protection strip (belemmeringenstrook) along the route.

Both strips are polygons built from the centreline with a width per side; left and right are
seen in the direction of increasing chainage, and may differ (asymmetric strips: e.g. the soil
depot on one side). Widths may change per chainage range (:class:`StripOverride`), e.g. a
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
import pandas as pd
import shapely
from shapely.affinity import rotate
from shapely.geometry import LineString, Polygon
from shapely.ops import substring

from wlr_geo._errors import ConfigError, LayerValidationError, Problem
from wlr_geo._options import MAX_DISTANCE_M, MAX_WIDTH_M, object_problems, option

__all__ = [
    "DEFAULT_FOOTPRINTS_M",
    "STRIP_KINDS",
    "StripOverride",
    "StripSpec",
    "footprints",
    "make_strips",
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
                out.append(Problem(f"[strips] the {kind} has zero width", hint="give a width > 0"))
        for i, ov in enumerate(self.overrides):
            if ov.to_m <= ov.from_m:
                out.append(Problem(
                    f"[[strips.override]] #{i + 1}: from_m {ov.from_m} must be below to_m {ov.to_m}",
                    hint="give a chainage range in metres from the route start",
                ))
        ranges = sorted((ov.from_m, ov.to_m) for ov in self.overrides)
        for (a0, a1), (b0, _b1) in itertools.pairwise(ranges):
            if b0 < a1:
                out.append(Problem(
                    f"[[strips.override]] ranges {a0}–{a1} and {b0}… overlap",
                    hint="make the override ranges disjoint",
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


def _side_buffer(line: LineString, left_m: float, right_m: float) -> shapely.Geometry:
    parts = []
    if left_m > 0:
        parts.append(shapely.buffer(line, left_m, single_sided=True, join_style="mitre", mitre_limit=5.0))
    if right_m > 0:
        parts.append(shapely.buffer(line, -right_m, single_sided=True, join_style="mitre", mitre_limit=5.0))
    if not parts:
        return Polygon()
    return shapely.union_all(parts)


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
                f"make_strips takes one centreline, got {len(route)} rows",
                hint="run it per variant (prepare_route gives one row per variant)",
            )
        crs = route.crs
        line = route.geometry.iloc[0]
    else:
        line = route
    if not isinstance(line, LineString) or line.is_empty or line.length <= 0:
        raise LayerValidationError(
            "the route must be a non-empty LineString with length > 0",
            hint="prepare the route with wlr_geo.analysis.route.centreline.prepare_route",
        )
    ranges = spec.ranges(line.length)
    rows = []
    for kind in STRIP_KINDS:
        pieces = []
        for a, b, w in ranges:
            piece = line if (a <= 0 and b >= line.length) else substring(line, a, b)
            pieces.append(_side_buffer(piece, w[f"{kind}_left_m"], w[f"{kind}_right_m"]))
        geom = shapely.union_all(pieces) if len(pieces) > 1 else pieces[0]
        geom = shapely.make_valid(geom) if not geom.is_valid else geom
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
                    f"site kind {kind!r} has no footprint size",
                    feature=str(idx), hint=f"add it to [strips.footprints]; known: {', '.join(sorted(sizes))}",
                )
            length_m, width_m = sizes[kind]
            fp = shapely.box(geom.x - length_m / 2, geom.y - width_m / 2, geom.x + length_m / 2, geom.y + width_m / 2)
            if rotation_column in sites.columns and pd.notna(row[rotation_column]):
                fp = rotate(fp, float(row[rotation_column]), origin=geom)
        else:
            raise LayerValidationError(
                f"site geometry {geom.geom_type} cannot have a footprint",
                feature=str(idx), hint="give sites as points or polygons",
            )
        rows.append({"strip": "footprint", "kind": kind, "area_m2": float(fp.area), "geometry": fp})
    return gpd.GeoDataFrame(rows, columns=["strip", "kind", "area_m2", "geometry"], geometry="geometry", crs=sites.crs)
