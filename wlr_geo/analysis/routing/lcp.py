"""Least-cost routing on a :class:`~wlr_geo.analysis.routing.cost.CostRaster`.

* :func:`least_cost_path` — one optimal path from a start to an end point (RD metres), either at
  full resolution (``method="full"``) or coarse-to-fine (default): solve on a grid coarsened by
  block aggregation, then refine at full resolution inside a corridor around the coarse path,
  window by window along it, so memory stays bounded by the window size instead of the grid.
* :func:`k_alternatives` — k distinct alternatives: after each path, the cells within a corridor
  around all accepted paths are made ``penalty`` times more expensive and the next path is
  searched; a candidate closer than ``min_separation_m`` to an accepted path is rejected and the
  penalty raised.
* :func:`route_variants` — build the cost raster from layers and return k alternatives.
* :func:`compare_variants` — one table: length, cost, crossings by class, impacted area.

Path cost follows ``skimage.graph.MCP_Geometric``: a step between two 8-connected cells costs
step length × mean of the two cells' costs per metre, so on open ground (cost 1) a path costs its
length in metres. Diagonal steps may pass between two barrier cells that touch only at a corner;
the cost raster builder rasterises barriers and lines with ``all_touched`` so that this cannot
happen with vector barriers.

**Separation** between two paths is the *symmetric mean distance*: the mean over points sampled
every cell along path A of the distance to path B, averaged with the same from B to A. Unlike the
Hausdorff distance it is not dominated by one detour, and unlike the minimum distance it is not
zero because all alternatives share the start and end.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString

from wlr_geo._errors import WlrGeoInputError
from wlr_geo.analysis.routing._grid import coarsen, mcp_path, path_cost, refine_in_windows
from wlr_geo.analysis.routing.cost import (
    CostRaster,
    CostTable,
    RasterLayer,
    build_cost_raster,
    read_raster_layer,
)
from wlr_geo.crs import RD_NEW, ensure_rd

__all__ = [
    "NoPathError",
    "PathResult",
    "coarsen",
    "compare_variants",
    "k_alternatives",
    "least_cost_path",
    "path_cost",
    "path_separation",
    "route_variants",
]

log = logging.getLogger("wlr_geo")

#: Fine cells per refinement window (the bound on memory of coarse-to-fine).
DEFAULT_WINDOW_CELLS = 1_500_000


class NoPathError(WlrGeoInputError):
    """Start and end are separated by barriers (no finite-cost path exists)."""


@dataclass(frozen=True)
class PathResult:
    """A least-cost path.

    Attributes
    ----------
    line
        The simplified path in RD metres, from the exact start to the exact end point.
    cost
        Cost of the raster path in equivalent metres (sum of step length × mean cell cost).
    length_m
        Length of ``line``.
    cells
        (n, 2) array of (row, col) of the raster path, start to end.
    method
        ``"full"`` or ``"coarse-to-fine"``.
    info
        Diagnostics (coarse factor, corridor, windows, fallbacks).
    """

    line: LineString
    cost: float
    length_m: float
    cells: np.ndarray
    method: str
    info: dict[str, Any] = field(default_factory=dict)



def _snap(raster: CostRaster, xy: Sequence[float], what: str) -> tuple[int, int]:
    try:
        x, y = (float(v) for v in xy)
    except (TypeError, ValueError):
        raise WlrGeoInputError(f"{what} {xy!r} is not an (x, y) pair", hint="give RD metres as X,Y") from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise WlrGeoInputError(f"{what} ({x}, {y}) is not finite", hint="give RD metres as X,Y")
    r, c = raster.index(x, y)
    if not raster.contains(r, c):
        xmin, ymin, xmax, ymax = raster.bounds
        raise WlrGeoInputError(
            f"{what} ({x:.1f}, {y:.1f}) lies outside the cost raster "
            f"(x {xmin:.0f}…{xmax:.0f}, y {ymin:.0f}…{ymax:.0f})",
            hint="check the coordinates (RD metres, x first) or enlarge the raster bounds",
        )
    if not np.isfinite(raster.cost[r, c]):
        raise WlrGeoInputError(
            f"{what} ({x:.1f}, {y:.1f}) lies on a barrier cell of the cost raster (row {r}, col {c})",
            hint=f"move the {what} point off the barrier (e.g. out of a building or structure), or "
                 "lower that category's [area] cost in the cost table",
        )
    return r, c



def _to_line(raster: CostRaster, cells: np.ndarray, start_xy: Sequence[float], end_xy: Sequence[float],
             tolerance_m: float) -> LineString:
    """The cell path as a line from the exact start to the exact end, simplified.

    The tolerance is halved (down to the raw cell-centre line) while the simplified line would
    run through a barrier cell (checked at quarter-cell spacing).
    """
    x, y = raster.xy(cells[:, 0], cells[:, 1])
    coords = np.column_stack([x, y])
    coords[0] = (float(start_xy[0]), float(start_xy[1]))
    coords[-1] = (float(end_xy[0]), float(end_xy[1]))
    line = LineString(coords)
    tol = tolerance_m
    for _ in range(4):
        if tol <= 0:
            break
        simple = line.simplify(tol, preserve_topology=True)
        if isinstance(simple, LineString) and not simple.is_empty and not _hits_barrier(raster, simple, line):
            return simple
        tol /= 2.0
    return line


def _hits_barrier(raster: CostRaster, simple: LineString, raw: LineString) -> bool:
    """Whether ``simple`` runs through the interior of barrier cells for longer than ``raw``.

    Exact: the barrier cells within one cell of points sampled every half cell along
    ``simple`` become squares, and the lengths of both lines inside them are compared (the
    raw cell path may touch barrier corners on diagonal steps, with length 0).
    """
    cell = raster.cell_m
    n = max(2, math.ceil(simple.length / (cell / 2.0)) + 1)
    pts = shapely.get_coordinates(shapely.line_interpolate_point(simple, np.linspace(0.0, simple.length, n)))
    col = np.floor((pts[:, 0] - raster.transform.c) / cell).astype(np.int64)
    row = np.floor((raster.transform.f - pts[:, 1]) / cell).astype(np.int64)
    near = np.unique(np.concatenate([np.column_stack([row + dr, col + dc])
                                     for dr in (-1, 0, 1) for dc in (-1, 0, 1)]), axis=0)
    ok = (near[:, 0] >= 0) & (near[:, 0] < raster.shape[0]) & (near[:, 1] >= 0) & (near[:, 1] < raster.shape[1])
    near = near[ok]
    near = near[~np.isfinite(raster.cost[near[:, 0], near[:, 1]])]
    if not len(near):
        return False
    x0 = raster.transform.c + near[:, 1] * cell
    y1 = raster.transform.f - near[:, 0] * cell
    cells = shapely.union_all(shapely.box(x0, y1 - cell, x0 + cell, y1))
    inside_simple = shapely.length(shapely.intersection(simple, cells))
    inside_raw = shapely.length(shapely.intersection(raw, cells))
    return bool(inside_simple > inside_raw + 1e-6 * cell)


def least_cost_path(
    raster: CostRaster,
    start_xy: Sequence[float],
    end_xy: Sequence[float],
    *,
    method: str = "coarse-to-fine",
    coarse_factor: int | None = None,
    corridor_m: float | None = None,
    max_window_cells: int = DEFAULT_WINDOW_CELLS,
    simplify_m: float | None = None,
) -> PathResult:
    """The least-cost path between two RD points.

    Parameters
    ----------
    raster
        Cost per metre per cell (``inf`` = barrier).
    start_xy, end_xy
        (x, y) in RD metres.
    method
        ``"full"``: one ``MCP_Geometric`` solve on the whole grid (exact; memory ~60 bytes per
        cell). ``"coarse-to-fine"``: solve on a grid coarsened ``coarse_factor`` times
        (:func:`coarsen`), then at full resolution in a corridor of half-width ``corridor_m``
        around the coarse path, window by window (≤ about ``max_window_cells`` cells each). If
        the corridor holds no path (a gap narrower than a coarse cell), the corridor is widened
        twice, then the coarse factor halved once and, for grids of ≤ 25 M cells, the full
        solve is the last resort.
    coarse_factor
        Fine cells per coarse cell side (default: ``max(4, ceil(longest side / 700))``).
    corridor_m
        Corridor half-width (default: 4 coarse cells).
    max_window_cells
        Cells per refinement window.
    simplify_m
        Simplification tolerance of the output line (default: one cell).

    Returns
    -------
    PathResult

    Raises
    ------
    WlrGeoInputError
        Start or end outside the raster or on a barrier; unknown method.
    NoPathError
        No finite-cost path exists.

    Examples
    --------
    >>> import numpy as np
    >>> from affine import Affine
    >>> from wlr_geo.analysis.routing.cost import CostRaster
    >>> r = CostRaster(np.ones((50, 50), dtype="float32"), Affine(10, 0, 0, 0, -10, 500))
    >>> p = least_cost_path(r, (5, 495), (495, 495), method="full")
    >>> round(p.cost), round(p.length_m)
    (490, 490)
    """
    if method not in ("full", "coarse-to-fine"):
        raise WlrGeoInputError(f"unknown routing method {method!r}", hint='use "full" or "coarse-to-fine"')
    start = _snap(raster, start_xy, "start")
    end = _snap(raster, end_xy, "end")
    if start == end:
        raise WlrGeoInputError(
            f"start {tuple(start_xy)} and end {tuple(end_xy)} fall in the same {raster.cell_m:g} m cell",
            hint="give two different points, or use a smaller cell size",
        )
    cell = raster.cell_m
    tol = cell if simplify_m is None else simplify_m
    h, w = raster.shape
    factor = coarse_factor or max(4, math.ceil(max(h, w) / 700))
    if factor < 2:
        raise WlrGeoInputError(f"coarse_factor {factor} must be ≥ 2", hint="use e.g. coarse_factor = 8")
    info: dict[str, Any] = {"cells": h * w}
    cells: np.ndarray | None = None
    if method == "coarse-to-fine" and min(h, w) >= 3 * factor:
        cells = _coarse_to_fine(raster, start, end, factor, corridor_m, max_window_cells, info)
        if cells is None and factor >= 4:
            log.info("coarse-to-fine found no path in the corridor; retrying with coarse factor %d", factor // 2)
            info["retry_coarse_factor"] = factor // 2
            cells = _coarse_to_fine(raster, start, end, factor // 2, corridor_m, max_window_cells, info)
        if cells is None:
            if h * w > 25_000_000:
                raise NoPathError(
                    "no path was found in the corridor around the coarse path",
                    hint="lower coarse_factor or widen corridor_m (a gap in a barrier is narrower than the corridor sees)",
                )
            log.info("coarse-to-fine found no path in the corridor; solving at full resolution")
            info["fallback"] = "full"
    if cells is None:
        solved = mcp_path(raster.cost, start, end)
        if solved is None:
            raise NoPathError(
                f"no path connects start {tuple(start_xy)} and end {tuple(end_xy)}: barriers separate them",
                hint="check the barrier layers (buildings, structures) or lower their cost in the cost table",
            )
        cells = solved[0]
        method_used = "full" if method == "full" else method
    else:
        method_used = "coarse-to-fine"
    cost = path_cost(raster.cost, cells, cell)
    line = _to_line(raster, cells, start_xy, end_xy, tol)
    return PathResult(line=line, cost=cost, length_m=float(line.length), cells=cells,
                      method=method_used, info=info)


def _coarse_to_fine(raster: CostRaster, start: tuple[int, int], end: tuple[int, int], factor: int,
                    corridor_m: float | None, max_window_cells: int, info: dict[str, Any]) -> np.ndarray | None:
    cell = raster.cell_m
    cs, ce = (start[0] // factor, start[1] // factor), (end[0] // factor, end[1] // factor)
    solved = None
    for rule, options in (("split", {}), ("mean", {"split_barriers": False}),
                          ("open", {"split_barriers": False, "barrier_fraction": 1.01})):
        coarse = coarsen(raster.cost, factor, **options)
        for rc in (cs, ce):
            if not np.isfinite(coarse[rc]):
                block = raster.cost[rc[0] * factor:(rc[0] + 1) * factor, rc[1] * factor:(rc[1] + 1) * factor]
                coarse[rc] = float(np.mean(block[np.isfinite(block)]))
        solved = mcp_path(coarse, cs, ce)
        del coarse
        if solved is not None:
            info["coarse_rule"] = rule
            break
    if solved is None:
        return None
    ccells = solved[0]
    centres = (ccells + 0.5) * factor  # index space (row, col) of coarse cell centres
    pts = [(start[1] + 0.5, start[0] + 0.5)]
    pts += [(c, r) for r, c in centres[1:-1]]
    pts.append((end[1] + 0.5, end[0] + 0.5))
    if len(pts) == 2 and pts[0] == pts[1]:
        return np.asarray([start], dtype=np.int64)
    guide = LineString(pts)
    half = (corridor_m / cell) if corridor_m else 4.0 * factor
    half = max(half, 1.5 * factor)
    info.update(coarse_factor=factor, corridor_m=half * cell, coarse_path_cells=len(ccells))
    for attempt in range(3):
        budget_side = math.sqrt(max_window_cells)
        overlap = max(half, 2.0 * factor)
        step = math.sqrt(2.0) * (budget_side - 2 * half) - overlap - half
        step = max(step, 2.0 * overlap)
        refined = refine_in_windows(raster.cost, guide, start, end, half_width=half, step=step, overlap=overlap,
                          max_window_cells=max_window_cells)
        if refined is not None:
            info["windows"] = refined[1]
            info["corridor_m"] = half * cell
            if attempt:
                info["corridor_widened"] = attempt
            return refined[0]
        half *= 2.0
        log.info("no path in the corridor; widening it to %.0f m", half * cell)
    return None


def path_separation(a: LineString, b: LineString, *, step_m: float) -> float:
    """Symmetric mean distance between two lines (see the module docstring), in metres."""
    def one_way(p: LineString, q: LineString) -> float:
        n = max(2, math.ceil(p.length / max(step_m, 1e-9)) + 1)
        pts = shapely.line_interpolate_point(p, np.linspace(0.0, p.length, n))
        return float(np.mean(shapely.distance(pts, q)))

    return 0.5 * (one_way(a, b) + one_way(b, a))


def k_alternatives(
    raster: CostRaster,
    start: Sequence[float],
    end: Sequence[float],
    *,
    k: int = 3,
    min_separation_m: float | None = None,
    penalty: float = 3.0,
    penalty_width_m: float | None = None,
    max_tries: int = 4,
    method: str = "coarse-to-fine",
    **path_options: Any,
) -> gpd.GeoDataFrame:
    """Up to ``k`` distinct least-cost alternatives, best first.

    Parameters
    ----------
    raster
        The cost raster.
    start, end
        RD (x, y) points.
    k
        Number of alternatives wanted.
    min_separation_m
        Minimum symmetric mean distance (:func:`path_separation`) between any two alternatives
        (default: 20 cells).
    penalty
        Cost multiplier inside the penalty corridor around accepted paths; multiplied by 2 for
        each rejected candidate.
    penalty_width_m
        Half-width of the penalty corridor around accepted paths (default: ``2 × min_separation_m``).
    max_tries
        Candidates tried per alternative before giving up (fewer than ``k`` rows are returned
        and the shortfall is logged).
    method, path_options
        Passed to :func:`least_cost_path` (``coarse_factor``, ``corridor_m``, ...).

    Returns
    -------
    GeoDataFrame
        Columns ``rank`` (1 = cheapest), ``cost`` (on the *unpenalised* raster, equivalent
        metres), ``length_m``, ``separation_m`` (to the nearest better alternative; NaN for
        rank 1), ``method``, geometry (EPSG:28992).
    """
    from rasterio.features import rasterize

    if not isinstance(k, int) or k < 1:
        raise WlrGeoInputError(f"k = {k!r} must be a positive integer", hint="use e.g. k = 3")
    if not penalty > 1.0:
        raise WlrGeoInputError(f"penalty = {penalty!r} must be > 1", hint="use e.g. penalty = 3")
    cell = raster.cell_m
    sep_min = 20.0 * cell if min_separation_m is None else float(min_separation_m)
    pen_width = penalty_width_m if penalty_width_m is not None else max(2.0 * sep_min, 2.0 * cell)
    accepted: list[PathResult] = []
    separations: list[float] = []
    penalised = raster
    mask = np.zeros(raster.shape, dtype=bool)
    for i in range(k):
        factor = penalty
        found = False
        for _ in range(max_tries):
            if accepted:
                mult = np.where(mask, np.float32(factor), np.float32(1.0))
                penalised = CostRaster(cost=raster.cost * mult, transform=raster.transform, crs=raster.crs)
                del mult
            result = least_cost_path(penalised, start, end, method=method, **path_options)
            seps = [path_separation(result.line, p.line, step_m=cell) for p in accepted]
            if not seps or min(seps) >= sep_min:
                cost = path_cost(raster.cost, result.cells, cell)
                accepted.append(PathResult(result.line, cost, result.length_m, result.cells,
                                           result.method, result.info))
                separations.append(min(seps) if seps else math.nan)
                found = True
                break
            factor *= 2.0
            log.debug("alternative %d: separation %.0f m < %.0f m; penalty → %g", i + 1, min(seps), sep_min, factor)
        if not found:
            log.warning("only %d of %d alternatives are at least %.0f m apart", len(accepted), k, sep_min)
            break
        if i + 1 < k:
            burnt = rasterize([(accepted[-1].line.buffer(pen_width), 1)], out_shape=raster.shape,
                              transform=raster.transform, fill=0, dtype="uint8")
            mask |= burnt.astype(bool)
            del burnt
    order = sorted(range(len(accepted)), key=lambda j: accepted[j].cost)
    gdf = gpd.GeoDataFrame(
        {
            "rank": np.arange(1, len(accepted) + 1, dtype=np.int64),
            "cost": [accepted[j].cost for j in order],
            "length_m": [accepted[j].length_m for j in order],
            "separation_m": [separations[j] for j in order],
            "method": [accepted[j].method for j in order],
        },
        geometry=[accepted[j].line for j in order],
        crs=RD_NEW,
    )
    # separation to the nearest *better* alternative after re-ranking by cost
    lines = list(gdf.geometry)
    gdf["separation_m"] = [math.nan] + [
        min(path_separation(lines[j], lines[m], step_m=cell) for m in range(j)) for j in range(1, len(lines))
    ]
    return gdf


def route_variants(
    layers: Mapping[str, gpd.GeoDataFrame],
    start_xy: Sequence[float],
    end_xy: Sequence[float],
    *,
    k: int = 3,
    cell_m: float = 25.0,
    table: CostTable | None = None,
    bounds: Sequence[float] | None = None,
    margin_m: float = 2_000.0,
    raster_costs: Sequence[tuple[RasterLayer | np.ndarray | str | os.PathLike[str], float]] = (),
    min_separation_m: float | None = None,
    return_raster: bool = False,
) -> gpd.GeoDataFrame | tuple[gpd.GeoDataFrame, CostRaster]:
    """Build a cost raster from ``layers`` and return ``k`` route alternatives.

    Parameters
    ----------
    layers
        Role → GeoDataFrame, as for :func:`~wlr_geo.analysis.routing.cost.build_cost_raster`.
    start_xy, end_xy
        RD (x, y).
    k, min_separation_m
        See :func:`k_alternatives`.
    cell_m
        Cell size of the cost raster.
    table
        Cost table (default: the package default).
    bounds
        Raster bounds; default: the box around start and end widened by ``margin_m``.
    raster_costs
        ``(raster, factor)`` pairs, e.g. population density: a RasterLayer, an array of the
        grid's shape, or a GeoTIFF path (this convenience wrapper reads it with
        :func:`wlr_geo.analysis.routing.cost.read_raster_layer`).
    return_raster
        Also return the cost raster.

    Returns
    -------
    GeoDataFrame
        ``rank``, ``cost``, ``length_m``, ``separation_m``, ``method``, geometry.
    """
    if bounds is None:
        xs = (float(start_xy[0]), float(end_xy[0]))
        ys = (float(start_xy[1]), float(end_xy[1]))
        bounds = (min(xs) - margin_m, min(ys) - margin_m, max(xs) + margin_m, max(ys) + margin_m)
    rasters = [(read_raster_layer(r) if isinstance(r, str | os.PathLike) else r, float(f)) for r, f in raster_costs]
    raster = build_cost_raster(layers, bounds=bounds, cell_m=cell_m, table=table, raster_costs=rasters)
    routes = k_alternatives(raster, start_xy, end_xy, k=k, min_separation_m=min_separation_m)
    return (routes, raster) if return_raster else routes


def _variant_names(routes: gpd.GeoDataFrame) -> list[str]:
    ranks = routes["rank"] if "rank" in routes.columns else pd.Series(range(1, len(routes) + 1))
    if "target" in routes.columns and routes["target"].nunique() > 1:
        return [f"{t} alternatief {r}" for t, r in zip(routes["target"], ranks, strict=True)]
    return [f"alternatief {r}" for r in ranks]


def compare_variants(
    routes: gpd.GeoDataFrame,
    layers: Mapping[str, gpd.GeoDataFrame] | None = None,
    *,
    width_m: float | None = None,
    category_column: str = "category",
    table: CostTable | None = None,
    use_impact: bool = True,
    **impact_options: Any,
) -> pd.DataFrame:
    """One comparison table of route variants: length, cost, crossings by class, impacted area.

    With ``use_impact`` (default) and ``wlr_geo.analysis.impact.run`` installed, the impact analysis
    (:func:`wlr_geo.analysis.impact.run.run_impact`, each route a variant named ``variant``) adds its
    per-variant table: ``n_crossings``, crossings per object class and technique, strip areas,
    buildings near, etc. Otherwise this function counts itself: ``crossings_<category>`` =
    number of separate intersections of each route with the line features of each category,
    ``area_<category>_m2`` = area of polygons of each category inside the werkstrook.
    Both use the one strip of the impact analysis
    (:func:`wlr_geo.analysis.route.strips.make_strips`): ``strips`` in ``impact_options`` (the
    ``[strips]`` section) or the default :class:`~wlr_geo.analysis.route.strips.StripSpec`,
    with a symmetric werkstrook of ``width_m`` when that is given.
    ``variant``, ``rank``, ``target``, ``cost`` and ``length_m`` are always present.

    Parameters
    ----------
    routes
        Output of :func:`k_alternatives` (``rank``, ``cost``, ``length_m``, geometry).
    layers
        Role → GeoDataFrame of crossing and area layers (features' category from
        ``category_column`` or the role default of ``table``).
    width_m
        Total werkstrook width (m), overriding the werkstrook of ``strips``; default: as given.
    use_impact
        Use the impact analysis when installed.
    impact_options
        Passed to ``run_impact`` (e.g. ``municipalities``, ``wijken``, ``objects``, ``cables``).

    Returns
    -------
    DataFrame
        One row per variant, indexed like ``routes``.
    """
    routes = ensure_rd(routes, layer="routes", check=False)
    layers = dict(layers or {})
    base = pd.DataFrame({c: routes[c] for c in ("rank", "target", "cost", "length_m") if c in routes.columns})
    base.insert(0, "variant", _variant_names(routes))
    from wlr_geo.analysis.impact.run import run_impact
    from wlr_geo.analysis.route.strips import StripSpec, make_strips

    spec = impact_options.pop("strips", None) or StripSpec()
    spec = spec if width_m is None else spec.with_width(width_m)
    if run_impact is not None and use_impact:
        named = routes.assign(variant=base["variant"].to_numpy())
        result = run_impact(named, layers, variant_column="variant", strips=spec, **impact_options)
        table_v = getattr(result, "variants", None)
        if isinstance(table_v, pd.DataFrame) and "variant" in table_v.columns:
            extra = table_v.drop(columns=[c for c in table_v.columns if c in base.columns and c != "variant"])
            merged = base.merge(extra, on="variant", how="left", validate="one_to_one")
            merged.index = base.index
            return merged
        log.info("wlr_geo.analysis.impact.run.run_impact returned no per-variant table; counting crossings here")
    table = table or CostTable.default()
    from wlr_geo.analysis.routing.cost import _categories

    crossings: dict[str, np.ndarray] = {}
    areas: dict[str, np.ndarray] = {}
    geoms = routes.geometry.to_numpy()
    strips = np.array([make_strips(g, spec).geometry.iloc[0] for g in geoms], dtype=object)  # werkstrook
    for role, gdf in layers.items():
        if len(gdf) == 0:
            continue
        gdf = ensure_rd(gdf, layer=role, check=False)
        cats = _categories(gdf, role, table, category_column)
        g = gdf.geometry.to_numpy()
        gtype = shapely.get_type_id(g)
        for code in np.unique(cats):
            sel = cats == code
            lines = g[sel & np.isin(gtype, (1, 2, 5))]
            polys = g[sel & np.isin(gtype, (3, 6))]
            if len(lines):
                merged = shapely.union_all(lines)
                hits = shapely.intersection(geoms, merged)
                n = np.array([0 if shapely.is_empty(x) else shapely.get_num_geometries(x) for x in hits])
                crossings[f"crossings_{code}"] = crossings.get(f"crossings_{code}", 0) + n
            if len(polys):
                merged = shapely.union_all(polys)
                areas[f"area_{code}_m2"] = areas.get(f"area_{code}_m2", 0) + shapely.area(shapely.intersection(strips, merged))
    out = base.copy()
    for name, values in sorted(crossings.items()):
        out[name] = np.asarray(values, dtype=np.int64)
    if crossings:
        out["crossings_total"] = out[sorted(crossings)].sum(axis=1)
    for name, values in sorted(areas.items()):
        out[name] = np.round(np.asarray(values, dtype=float), 1)
    out["strip_area_m2"] = np.round(shapely.area(strips), 1)
    return out
