"""Least-cost routing on a :class:`~wlr_geo.analysis.routing.cost.CostRaster`.

* :func:`least_cost_path` — one optimal path from a start to an end point (RD metres), either at
  full resolution (``method="full"``, exact) or coarse-to-fine (default, verified).
* :func:`k_alternatives` — up to k distinct alternatives by penalising earlier corridors.
* :func:`route_variants` — build the cost raster from layers and return k alternatives.
* :func:`compare_variants` — one table: length, cost, crossings by class, impacted area.

**Path cost** follows ``skimage.graph.MCP_Geometric``: a step between two 8-connected cells costs
step length × mean of the two cells' costs per metre, so on open ground (cost 1) a path costs its
length in metres ("equivalent metres").

**Barriers.** A cell is a barrier when its value is nodata, NaN, +inf or −inf, or — with
``barrier_cost`` set — at or above ``barrier_cost`` (for rasters that code "no-go" as 9999 or
1e6 without declaring nodata). No path enters a barrier cell, and no diagonal step passes
between two barrier cells that touch at a corner (no corner cutting), with every method; a
one-cell diagonal line of barrier cells is therefore a wall.

**Coarse-to-fine** (default) in three steps:

1. *Coarse solve* (:class:`~wlr_geo.analysis.routing._grid.CoarseGraph`): the grid in blocks of F × F
   cells; each block's open cells split into 4-connected pieces, one coarse node each, joined
   where a fine step joins them. The coarse graph thus has exactly the connectivity of the fine
   grid: it never crosses a barrier wall where the grid has no gap and never loses a gap, however
   narrow. A coarse node costs its block's cheapest monotone crossing — left to right or top to
   bottom, at any angle up to 45° — either the cheaper direction (a cheap road or strip keeps
   its low cost, whatever its direction) or the dearer one (a line of very expensive but finite
   cells keeps the cost of crossing it). Both coarse paths are computed.
2. *Refine*: the exact optimum at full resolution inside a corridor around both coarse paths
   (``corridor_m``), with the same graph as the full solve.
3. *Verify*: the refined path is compared with (a) a lower bound on the optimum over the whole
   grid (the corridor optimum, or for each step leaving the corridor, the cost to it plus the
   lowest cell cost times the remaining distance) and (b) a re-solve in a corridor twice as wide
   around the refined path. When the path is within ``epsilon`` (default 1 %) of the bound
   (``verification="bound"``: proven) or of the wider re-solve (``"corridor"``), it is
   returned; otherwise the corridor is widened again. When the corridor would exceed
   ``max_corridor_cells``, the grid is solved at full resolution if that fits in memory
   (``"full"``), else the best path is returned as ``"unverified"`` with a warning.

**Alternatives** (:func:`k_alternatives`) come from penalising the corridors of earlier routes.
Every pair of alternatives is *distinct*: each has at least ``min_distinct_share`` of its length
farther than ``min_separation_m`` from the other. No alternative enters a barrier. When fewer
than k distinct alternatives exist, fewer are returned and the reason is logged and kept in
``attrs["shortfall"]``.

**Separation** between two paths is the *symmetric mean distance*: the mean over points sampled
every cell along path A of the distance to path B, averaged with the same from B to A.
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
from wlr_geo._nl import nl
from wlr_geo.analysis.routing._grid import (
    MCP_BYTES_PER_CELL,
    BlockGraph,
    CoarseGraph,
    barrier_of,
    coarsen,
    corner_cuts,
    full_solve_fits,
    observed_costs,
    path_cost,
    solve_blocks,
    solve_full,
)
from wlr_geo.analysis.routing.cost import (
    CostRaster,
    CostTable,
    RasterLayer,
    build_cost_raster,
    read_raster_layer,
)
from wlr_geo.crs import RD_NEW, ensure_rd

__all__ = [
    "DEFAULT_EPSILON",
    "VERIFICATIONS",
    "NoPathError",
    "PathResult",
    "coarsen",
    "compare_variants",
    "distinct_share",
    "k_alternatives",
    "least_cost_path",
    "path_cost",
    "path_separation",
    "route_variants",
]

log = logging.getLogger("wlr_geo")

#: Default tolerance of the coarse-to-fine verification (1 %).
DEFAULT_EPSILON = 0.01

#: Largest corridor (cells) coarse-to-fine solves before it falls back to full resolution: an
#: eighth of the grid, at least a million cells (small grids are widened up to the whole grid)
#: and at most eight million (about 1.5 GB for the corridor graph).
DEFAULT_CORRIDOR_CELLS = 8_000_000

#: Default corridor half-width around the coarse paths, in coarse blocks ...
DEFAULT_CORRIDOR_BLOCKS = 2
#: ... and at least this many cells (small coarse factors).
MIN_CORRIDOR_CELLS = 16

#: Verification outcomes (column ``verification``; see :class:`PathResult`).
VERIFICATIONS = ("exact", "bound", "corridor", "full", "unverified")


class NoPathError(WlrGeoInputError):
    """Start and end are separated by barriers (no finite-cost path exists)."""


_NO_PATH = "geen pad verbindt beginpunt en eindpunt: barrières scheiden ze"
_NO_PATH_HINT = ("controleer de barrièrelagen (gebouwen, kunstwerken) en barrier_cost, of verlaag hun kosten "
                 "in de kostentabel")


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
        ``"full"`` or ``"coarse-to-fine"`` (the method that produced the path).
    info
        Diagnostics (coarse factor, corridor cells, solves, fallbacks).
    verification
        How the cost was checked: ``"exact"`` (full-resolution solve, or a corridor that covers
        the whole grid), ``"bound"`` (within ε of a lower bound of the optimum), ``"corridor"``
        (a re-solve in a corridor twice as wide changed the cost by at most ε), ``"full"``
        (coarse-to-fine could not verify; solved at full resolution) or ``"unverified"``.
    verification_ratio
        The ratio checked: cost ÷ lower bound (``"bound"``), narrower ÷ wider corridor cost
        (``"corridor"``, ``"unverified"``), 1 for exact solves.
    """

    line: LineString
    cost: float
    length_m: float
    cells: np.ndarray
    method: str
    info: dict[str, Any] = field(default_factory=dict)
    verification: str = "exact"
    verification_ratio: float = 1.0


def _check_options(barrier_cost: float | None, epsilon: float) -> None:
    if barrier_cost is not None and (isinstance(barrier_cost, bool) or not isinstance(barrier_cost, int | float)
                                     or not math.isfinite(barrier_cost) or barrier_cost <= 0):
        raise WlrGeoInputError(f"barrier_cost = {barrier_cost!r} moet een eindig getal > 0 zijn",
                               hint="gebruik bijvoorbeeld barrier_cost = 9999 als het raster "
                                    "verboden gebied als 9999 codeert")
    if isinstance(epsilon, bool) or not isinstance(epsilon, int | float) or not 0.0 <= epsilon <= 0.5:
        raise WlrGeoInputError(f"epsilon = {epsilon!r} moet een getal van 0 tot 0.5 zijn",
                               hint="gebruik bijvoorbeeld epsilon = 0.01 (1 %)")


def _check_costs(raster: CostRaster) -> None:
    cost = raster.cost
    if cost.ndim != 2 or min(cost.shape) < 1:
        raise WlrGeoInputError(f"het kostenraster heeft vorm (shape) {cost.shape}",
                               hint="geef een tweedimensionaal raster")
    lowest = cost.min()
    if lowest >= 0:  # the common case: one pass, no temporaries (NaN and -inf fail this test)
        return
    if np.any((cost < 0) & np.isfinite(cost)):
        n = int(np.count_nonzero((cost < 0) & np.isfinite(cost)))
        raise WlrGeoInputError(f"het kostenraster heeft {nl(n)} cel(len) met negatieve kosten",
                               hint="geef kosten ≥ 0; markeer onbegaanbare cellen als nodata, inf of "
                                    "≥ barrier_cost")


_POINT_NAMES = {"start": "beginpunt", "end": "eindpunt"}


def _snap(raster: CostRaster, xy: Sequence[float], what: str, barrier_cost: float | None) -> tuple[int, int]:
    what = _POINT_NAMES.get(what, what)
    try:
        x, y = (float(v) for v in xy)
    except (TypeError, ValueError):
        raise WlrGeoInputError(f"{what} {xy!r} is geen (x, y)-paar",
                               hint="geef RD-meters als X,Y") from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise WlrGeoInputError(f"{what} ({x}, {y}) is niet eindig", hint="geef RD-meters als X,Y")
    r, c = raster.index(x, y)
    if not raster.contains(r, c):
        xmin, ymin, xmax, ymax = raster.bounds
        raise WlrGeoInputError(
            f"{what} ({nl(x, 1)}; {nl(y, 1)}) ligt buiten het kostenraster "
            f"(x {nl(xmin, 0)}…{nl(xmax, 0)}, y {nl(ymin, 0)}…{nl(ymax, 0)})",
            hint="controleer de coördinaten (RD-meters, x eerst) of vergroot de rastergrenzen (bounds)",
        )
    if barrier_of(np.asarray(raster.cost[r, c]), barrier_cost):
        raise WlrGeoInputError(
            f"{what} ({nl(x, 1)}; {nl(y, 1)}) ligt op een barrièrecel van het kostenraster "
            f"(rij {r}, kolom {c})",
            hint=f"verplaats het {what} van de barrière af (bijvoorbeeld uit een gebouw of kunstwerk), "
                 "of verlaag de [area]-kosten van die categorie in de kostentabel",
        )
    return r, c


def _to_line(raster: CostRaster, cells: np.ndarray, start_xy: Sequence[float], end_xy: Sequence[float],
             tolerance_m: float, barrier_cost: float | None) -> LineString:
    """The cell path as a line from the exact start to the exact end, simplified.

    The raw line runs start point → start cell centre → … → end cell centre → end point, so it
    lies in the path's cells (touching barrier cells at most in a corner point that a diagonal
    step may pass). The tolerance is halved (down to the raw line) while the simplified line
    would enter a barrier cell or pass a corner between two barrier cells.
    """
    x, y = raster.xy(cells[:, 0], cells[:, 1])
    coords = np.column_stack([x, y])
    coords = np.vstack([[float(start_xy[0]), float(start_xy[1])], coords,
                        [float(end_xy[0]), float(end_xy[1])]])
    keep = np.concatenate([[True], np.any(np.diff(coords, axis=0) != 0, axis=1)])
    line = LineString(coords[keep])
    tol = tolerance_m
    for _ in range(4):
        if tol <= 0:
            break
        simple = line.simplify(tol, preserve_topology=True)
        if isinstance(simple, LineString) and not simple.is_empty and not _hits_barrier(raster, simple, barrier_cost):
            return simple
        tol /= 2.0
    return line


def _hits_barrier(raster: CostRaster, line: LineString, barrier_cost: float | None) -> bool:
    """Whether ``line`` runs through a barrier cell (over any length) or through a corner point
    between two barrier cells that it passes diagonally (corner cutting). Exact: each segment is
    cut where it crosses grid lines, and every piece and every grid corner it meets is checked."""
    cell = raster.cell_m
    h, w = raster.shape
    xy = shapely.get_coordinates(line)
    cx = (xy[:, 0] - raster.transform.c) / cell   # index space: x = column, y = row
    cy = (raster.transform.f - xy[:, 1]) / cell
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    corner_pairs: list[np.ndarray] = []
    eps = 1e-9
    for x0, y0, x1, y1 in zip(cx[:-1], cy[:-1], cx[1:], cy[1:], strict=True):
        ts = [np.array([0.0, 1.0])]
        if x1 != x0:
            xs = np.arange(math.floor(min(x0, x1)) + 1, math.ceil(max(x0, x1)))
            ts.append((xs - x0) / (x1 - x0))
        if y1 != y0:
            ys = np.arange(math.floor(min(y0, y1)) + 1, math.ceil(max(y0, y1)))
            ts.append((ys - y0) / (y1 - y0))
        t = np.unique(np.clip(np.concatenate(ts), 0.0, 1.0))
        mid = 0.5 * (t[:-1] + t[1:])
        mx, my = x0 + mid * (x1 - x0), y0 + mid * (y1 - y0)
        # each piece lies in one cell, or runs along a grid line between two cells
        rx, ry = np.round(mx), np.round(my)
        on_x, on_y = np.abs(mx - rx) < eps, np.abs(my - ry) < eps
        col_a = np.where(on_x, rx - 1, np.floor(mx)).astype(np.int64)
        col_b = np.where(on_x, rx, np.floor(mx)).astype(np.int64)
        row_a = np.where(on_y, ry - 1, np.floor(my)).astype(np.int64)
        row_b = np.where(on_y, ry, np.floor(my)).astype(np.int64)
        rows += [row_a, row_b, row_a, row_b]
        cols += [col_a, col_b, col_b, col_a]
        if x1 != x0 and y1 != y0:  # grid corners met by a diagonal piece
            px, py = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
            at = (np.abs(px - np.round(px)) < eps) & (np.abs(py - np.round(py)) < eps) & (t > 0) & (t < 1)
            if at.any():
                kx, ky = np.round(px[at]).astype(np.int64), np.round(py[at]).astype(np.int64)
                sx, sy = np.sign(x1 - x0), np.sign(y1 - y0)
                # it passes between the cells beside the corner: (ky - 1 or ky) x (kx or kx - 1)
                side_a = np.column_stack([ky - (sy > 0), kx - (sx < 0)])
                side_b = np.column_stack([ky - (sy < 0), kx - (sx > 0)])
                corner_pairs.append(np.hstack([side_a, side_b]))
    r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    ok = (r >= 0) & (r < h) & (c >= 0) & (c < w)
    if barrier_of(np.asarray(raster.cost[r[ok], c[ok]]), barrier_cost).any():
        return True
    if corner_pairs:
        pairs = np.concatenate(corner_pairs)
        inside = ((pairs[:, [0, 2]] >= 0) & (pairs[:, [0, 2]] < h)).all(axis=1) & \
                 ((pairs[:, [1, 3]] >= 0) & (pairs[:, [1, 3]] < w)).all(axis=1)
        pairs = pairs[inside]
        a = barrier_of(np.asarray(raster.cost[pairs[:, 0], pairs[:, 1]]), barrier_cost)
        b = barrier_of(np.asarray(raster.cost[pairs[:, 2], pairs[:, 3]]), barrier_cost)
        if (a & b).any():
            return True
    return False


def least_cost_path(
    raster: CostRaster,
    start_xy: Sequence[float],
    end_xy: Sequence[float],
    *,
    method: str = "coarse-to-fine",
    barrier_cost: float | None = None,
    epsilon: float = DEFAULT_EPSILON,
    coarse_factor: int | None = None,
    corridor_m: float | None = None,
    max_corridor_cells: int | None = None,
    max_full_bytes: int | None = None,
    simplify_m: float | None = None,
) -> PathResult:
    """The least-cost path between two RD points.

    Parameters
    ----------
    raster
        Cost per metre per cell; barriers: nodata/NaN/±inf and values ≥ ``barrier_cost``.
    start_xy, end_xy
        (x, y) in RD metres.
    method
        ``"full"``: exact solve of the whole grid (``MCP_Geometric``, about 75 bytes per cell;
        if its path cuts a barrier corner, an exact graph solve). ``"coarse-to-fine"``: coarse
        solve, refinement in a corridor and verification (module docstring).
    barrier_cost
        Cells at or above this cost are barriers (default: only nodata, NaN, ±inf).
    epsilon
        Tolerance of the coarse-to-fine verification (0.01 = 1 %).
    coarse_factor
        Fine cells per coarse block side (default: ``max(4, ceil(longest side / 500))``).
    corridor_m
        Half-width of the refinement corridor around the coarse paths (default: 2 blocks, at
        least 16 cells).
    max_corridor_cells
        Largest corridor solved before falling back to full resolution (default: an eighth of
        the grid, at least 1 million and at most :data:`DEFAULT_CORRIDOR_CELLS` cells).
    max_full_bytes
        Memory allowed for a full-resolution fallback (default: half the available memory).
    simplify_m
        Simplification tolerance of the output line (default: one cell).

    Returns
    -------
    PathResult

    Raises
    ------
    WlrGeoInputError
        Start or end outside the raster or on a barrier; bad options; negative costs.
    NoPathError
        No path exists that avoids the barriers.

    Examples
    --------
    >>> import numpy as np
    >>> from affine import Affine
    >>> from wlr_geo.analysis.routing.cost import CostRaster
    >>> r = CostRaster(np.ones((50, 50), dtype="float32"), Affine(10, 0, 0, 0, -10, 500))
    >>> p = least_cost_path(r, (5, 495), (495, 495), method="full")
    >>> round(p.cost), round(p.length_m), p.verification
    (490, 490, 'exact')
    """
    if method not in ("full", "coarse-to-fine"):
        raise WlrGeoInputError(f"onbekende routeringsmethode {method!r}",
                               hint='gebruik "full" of "coarse-to-fine"')
    _check_options(barrier_cost, epsilon)
    _check_costs(raster)
    start = _snap(raster, start_xy, "start", barrier_cost)
    end = _snap(raster, end_xy, "end", barrier_cost)
    if start == end:
        raise WlrGeoInputError(
            f"beginpunt ({'; '.join(nl(float(v), 1) for v in start_xy)}) en eindpunt "
            f"({'; '.join(nl(float(v), 1) for v in end_xy)}) vallen in dezelfde cel van {nl(raster.cell_m)} m",
            hint="geef twee verschillende punten, of gebruik een kleinere celgrootte",
        )
    cell = raster.cell_m
    tol = cell if simplify_m is None else simplify_m
    h, w = raster.shape
    factor = coarse_factor or max(4, math.ceil(max(h, w) / 500))
    if isinstance(factor, bool) or not isinstance(factor, int) or factor < 2:
        raise WlrGeoInputError(f"coarse_factor {factor!r} moet een geheel getal ≥ 2 zijn",
                               hint="gebruik bijvoorbeeld coarse_factor = 8")
    info: dict[str, Any] = {"cells": h * w}
    if max_corridor_cells is None:
        max_corridor_cells = min(DEFAULT_CORRIDOR_CELLS, max(1_000_000, h * w // 8))
    if method == "coarse-to-fine" and min(h, w) >= 3 * factor:
        cells, verification, ratio = _coarse_to_fine(raster, start, end, factor, barrier_cost, epsilon,
                                                     corridor_m, max_corridor_cells, max_full_bytes, info)
        method_used = "full" if verification == "full" else "coarse-to-fine"
    else:
        if method == "coarse-to-fine":
            info["fallback"] = f"raster kleiner dan 3 grove blokken van {nl(factor)} cellen"
        cells = _full(raster, start, end, barrier_cost, max_full_bytes, info)
        verification, ratio, method_used = "exact", 1.0, "full"
    _check_path(raster, cells, barrier_cost)
    cost = path_cost(raster.cost, cells, cell)
    line = _to_line(raster, cells, start_xy, end_xy, tol, barrier_cost)
    return PathResult(line=line, cost=cost, length_m=float(line.length), cells=cells, method=method_used,
                      info=info, verification=verification, verification_ratio=ratio)


def _check_path(raster: CostRaster, cells: np.ndarray, barrier_cost: float | None) -> None:
    """Raise ``RuntimeError`` if a cell path enters a barrier, cuts a barrier corner or is not 8-connected.

    A safeguard on every path this module returns (it never fires unless a solver is wrong).
    """
    cells = np.asarray(cells, dtype=np.int64)
    steps = np.abs(np.diff(cells, axis=0))
    if len(steps) and (steps.max() > 1 or not (steps.sum(axis=1) > 0).all()):
        raise RuntimeError("internal error: the path is not a chain of 8-connected cells")
    r0, c0 = max(int(cells[:, 0].min()) - 1, 0), max(int(cells[:, 1].min()) - 1, 0)
    r1, c1 = int(cells[:, 0].max()) + 2, int(cells[:, 1].max()) + 2
    bar = barrier_of(np.asarray(raster.cost[r0:r1, c0:c1]), barrier_cost)
    local = cells - np.array([r0, c0])
    if bar[local[:, 0], local[:, 1]].any() or len(corner_cuts(local, bar)):
        raise RuntimeError("internal error: the path enters a barrier or cuts a barrier corner")


def _full(raster: CostRaster, start: tuple[int, int], end: tuple[int, int], barrier_cost: float | None,
          max_full_bytes: int | None, info: dict[str, Any]) -> np.ndarray:
    h, w = raster.shape
    if not full_solve_fits(h * w, max_full_bytes):
        raise WlrGeoInputError(
            f"de berekening op volle resolutie van {nl(h)} × {nl(w)} cellen vraagt ongeveer "
            f"{nl(h * w * MCP_BYTES_PER_CELL / 2**30, 1)} GB, meer dan het toegestane geheugen",
            hint='gebruik methode "coarse-to-fine" (de standaard) of een grotere celgrootte')
    try:
        solved = solve_full(raster.cost, start, end, barrier_cost, max_bytes=max_full_bytes)
    except MemoryError as exc:
        raise WlrGeoInputError(f"de berekening op volle resolutie past niet in het geheugen ({exc})",
                               hint='gebruik methode "coarse-to-fine"') from None
    if solved is None:
        raise NoPathError(_NO_PATH, hint=_NO_PATH_HINT)
    info["full_solver"] = solved[2]
    return solved[0]


def _corridor(mask: np.ndarray, radius: float) -> np.ndarray:
    """Blocks within ``radius`` blocks of the ``True`` blocks of ``mask``."""
    from scipy.ndimage import distance_transform_edt

    return np.asarray(distance_transform_edt(~mask) <= radius)


def _coarse_to_fine(raster: CostRaster, start: tuple[int, int], end: tuple[int, int], factor: int,
                    barrier_cost: float | None, epsilon: float, corridor_m: float | None,
                    max_corridor_cells: int, max_full_bytes: int | None,
                    info: dict[str, Any]) -> tuple[np.ndarray, str, float]:
    cost = raster.cost
    cell = raster.cell_m
    # the coarse paths that guide the corridor (see the module docstring); the coarse graphs
    # have the fine grid's connectivity, so no coarse path means no path at all
    # 1. pieces split by barriers and by "walls", cells costing ≥ 10× their block's median (a
    #    wall costs its crossing, whatever its angle): dearer crossing direction, then the cheaper
    graph = CoarseGraph(cost, factor, barrier_cost, walls=True)
    marked = np.zeros(graph.shape, dtype=bool)
    h, w = raster.shape
    for coarse, rules in ((graph, ("max", "min")), (None, ("min",))):
        if coarse is None:
            # 2. cheaper direction, walls not split off, on blocks shifted by half a block (a
            #    line that only clips block corners in one grid crosses blocks fully in the other)
            coarse = CoarseGraph(cost, factor, barrier_cost, offset=factor // 2)
        for rule in rules:
            blocks = coarse.path_blocks(start, end, rule)
            if blocks is None:
                raise NoPathError(_NO_PATH, hint=_NO_PATH_HINT)
            for dr in (0, factor - 1):  # the (up to 4) unshifted blocks a block overlaps
                for dc in (0, factor - 1):
                    rr = np.clip(blocks[:, 0] * factor - coarse.offset + dr, 0, h - 1) // factor
                    cc = np.clip(blocks[:, 1] * factor - coarse.offset + dc, 0, w - 1) // factor
                    marked[rr, cc] = True
        del coarse
    if corridor_m is None:
        radius = max(float(DEFAULT_CORRIDOR_BLOCKS), MIN_CORRIDOR_CELLS / factor)
    else:
        radius = max(1.0, corridor_m / (factor * cell))
    info.update(coarse_factor=factor, corridor_m=radius * factor * cell, coarse_nodes=graph.n_nodes)
    # one graph for the corridor and for the corridor twice as wide; first the narrow one
    inner = _corridor(marked, radius)
    region = _corridor(marked, 2.0 * radius)
    if int(region.sum()) * factor * factor > max_corridor_cells:
        region = inner
    blocks = np.argwhere(region)
    fine = BlockGraph(cost, barrier_cost, blocks, factor, end, min_cost=graph.min_cost)
    first = fine.solve(start, end, inner=None if region is inner else inner[blocks[:, 0], blocks[:, 1]])
    if first is None:  # pragma: no cover - every coarse path is followed by a fine path
        raise RuntimeError("internal error: no fine path in the corridor of a coarse path")
    info["first_corridor_cost"] = first.cost * cell
    solves = 1
    verification, ratio = "unverified", math.nan
    prev, res = first, first
    width = 4.0 * radius
    if region is not inner:
        wide = fine.solve(start, end, limit=first.cost * (1.0 + 1e-9) + 1e-9)
        assert wide is not None  # the first path lies in the wider corridor
        res = wide
        solves += 1
    del fine
    while True:
        ratio = prev.cost / res.cost if res.cost > 0 else 1.0
        if region.all():
            verification, ratio = "exact", 1.0
            break
        if res.cost <= (1.0 + epsilon) * res.lower_bound:
            verification, ratio = "bound", res.cost / res.lower_bound if res.lower_bound > 0 else 1.0
            break
        # the coarse costs were optimistic where the path runs: with what it really pays there,
        # does the cheaper coarse rule now prefer a route outside the corridor?
        seen = observed_costs(cost, res.cells, factor, graph.shape)
        reguide = graph.path_blocks(start, end, "min", observed=seen)
        escapes = reguide is not None and not region[reguide[:, 0], reguide[:, 1]].all()
        if solves > 1 and prev.cost <= (1.0 + epsilon) * res.cost and not escapes:
            verification = "corridor"
            break
        if escapes:
            log.info("coarse-to-fine: met de werkelijke kosten van het pad verlaat de grove route de corridor")
        elif solves > 1:
            log.info("coarse-to-fine: een bredere corridor verlaagde de kosten met %s %% (> ε = %s %%); "
                     "opnieuw verbreden", nl(100.0 * (ratio - 1.0), 2), nl(100.0 * epsilon))
        on_path = np.zeros(graph.shape, dtype=bool)
        on_path[res.cells[:, 0] // factor, res.cells[:, 1] // factor] = True
        wider = _corridor(on_path, width) | region
        if escapes:
            assert reguide is not None
            off = np.zeros(graph.shape, dtype=bool)
            off[reguide[:, 0], reguide[:, 1]] = True
            wider |= _corridor(off, 2.0 * radius)
        n_cells = int(wider.sum()) * factor * factor
        if n_cells > max_corridor_cells:
            log.info("coarse-to-fine: een corridor van %s cellen overschrijdt max_corridor_cells = %s",
                     nl(n_cells), nl(max_corridor_cells))
            break
        nxt = solve_blocks(cost, barrier_cost, np.argwhere(wider), factor, start, end,
                           limit=res.cost * (1.0 + 1e-9) + 1e-9, min_cost=graph.min_cost)
        solves += 1
        assert nxt is not None  # the previous path lies in the wider corridor
        prev, res, region = res, nxt, wider
        width *= 2.0
    info.update(corridor_cells=int(region.sum()) * factor * factor, solves=solves,
                lower_bound=res.lower_bound * cell)
    if verification == "unverified":
        h, w = raster.shape
        if full_solve_fits(h * w, max_full_bytes):
            log.info("coarse-to-fine kon het pad niet binnen ε = %s %% verifiëren; berekening op volle "
                     "resolutie", nl(100.0 * epsilon))
            info["fallback"] = "full (niet binnen epsilon geverifieerd)"
            try:
                return _full(raster, start, end, barrier_cost, max_full_bytes, info), "full", 1.0
            except WlrGeoInputError:
                pass  # the exact corner-cutting solve does not fit: keep the corridor path
        log.warning("het coarse-to-fine-pad kon niet binnen ε = %s %% worden geverifieerd (de laatste "
                    "verbreding veranderde de kosten met een factor %s) en de berekening op volle resolutie "
                    "past niet in het geheugen", nl(100.0 * epsilon), nl(ratio, 4))
    log.info("coarse-to-fine: %s (verhouding %s) na %d corridorberekening(en), %s cellen", verification,
             nl(ratio, 4), solves, nl(info["corridor_cells"]))
    return res.cells, verification, float(ratio)


def path_separation(a: LineString, b: LineString, *, step_m: float) -> float:
    """Symmetric mean distance between two lines (see the module docstring), in metres."""
    def one_way(p: LineString, q: LineString) -> float:
        n = max(2, math.ceil(p.length / max(step_m, 1e-9)) + 1)
        pts = shapely.line_interpolate_point(p, np.linspace(0.0, p.length, n))
        return float(np.mean(shapely.distance(pts, q)))

    return 0.5 * (one_way(a, b) + one_way(b, a))


def distinct_share(a: LineString, b: LineString, *, buffer_m: float) -> float:
    """Share (0–1) of the length of ``a`` that lies farther than ``buffer_m`` from ``b``."""
    if a.length <= 0:
        return 0.0
    outside = shapely.difference(a, shapely.buffer(b, buffer_m, quad_segs=16))
    return float(min(1.0, shapely.length(outside) / a.length))


def k_alternatives(
    raster: CostRaster,
    start: Sequence[float],
    end: Sequence[float],
    *,
    k: int = 3,
    min_separation_m: float | None = None,
    min_distinct_share: float = 0.5,
    penalty: float = 3.0,
    penalty_width_m: float | None = None,
    max_tries: int = 4,
    method: str = "coarse-to-fine",
    barrier_cost: float | None = None,
    **path_options: Any,
) -> gpd.GeoDataFrame:
    """Up to ``k`` distinct least-cost alternatives, cheapest first.

    The first alternative is the least-cost path. After each accepted alternative the cells
    within ``penalty_width_m`` of it cost ``penalty`` times more and the next path is searched on
    that penalised raster. A candidate is accepted when it is *distinct* from every accepted
    alternative — at least ``min_distinct_share`` of its length lies farther than
    ``min_separation_m`` from the other, and the same holds the other way round —; otherwise the
    penalty is doubled and the search repeated, at most ``max_tries`` times. Barriers (with
    ``barrier_cost``) are never entered: penalties only raise finite costs.

    Parameters
    ----------
    raster
        The cost raster.
    start, end
        RD (x, y) points.
    k
        Number of alternatives wanted.
    min_separation_m
        Buffer distance of the distinctness rule (default: 10 cells).
    min_distinct_share
        Share of length (0–1] that must lie outside the buffer (default 0.5).
    penalty
        Cost multiplier inside the penalty corridor around accepted paths (> 1).
    penalty_width_m
        Half-width of the penalty corridor (default: ``2 × min_separation_m``).
    max_tries
        Candidates tried per alternative before giving up.
    method, barrier_cost, path_options
        Passed to :func:`least_cost_path` (``epsilon``, ``coarse_factor``, ``corridor_m``, ...).

    Returns
    -------
    GeoDataFrame
        Columns ``rank`` (1 = cheapest), ``cost`` (on the *unpenalised* raster, equivalent
        metres), ``length_m``, ``separation_m`` (symmetric mean distance to the nearest cheaper
        alternative; NaN for rank 1), ``shared_share`` (largest share of the length within
        ``min_separation_m`` of a cheaper alternative; NaN for rank 1), ``method``,
        ``verification``, ``verification_ratio`` (of the search that found it, on the raster
        penalised for the earlier alternatives), geometry (EPSG:28992). ``attrs["shortfall"]``
        is ``None`` or a dict (``requested``, ``found``, ``reason``, ``message``) when fewer
        than ``k`` rows are returned; ``attrs["min_separation_m"]`` and
        ``attrs["min_distinct_share"]`` hold the rule used.
    """
    from rasterio.features import rasterize

    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise WlrGeoInputError(f"k = {k!r} moet een positief geheel getal zijn",
                               hint="gebruik bijvoorbeeld k = 3")
    if isinstance(penalty, bool) or not isinstance(penalty, int | float) or not (1.0 < penalty < math.inf):
        raise WlrGeoInputError(f"penalty = {penalty!r} moet een eindig getal > 1 zijn",
                               hint="gebruik bijvoorbeeld penalty = 3")
    if (isinstance(min_distinct_share, bool) or not isinstance(min_distinct_share, int | float)
            or not 0.0 < min_distinct_share <= 1.0):
        raise WlrGeoInputError(f"min_distinct_share = {min_distinct_share!r} moet in (0, 1] liggen",
                               hint="gebruik bijvoorbeeld min_distinct_share = 0.5")
    cell = raster.cell_m
    sep = 10.0 * cell if min_separation_m is None else float(min_separation_m)
    if not (math.isfinite(sep) and sep > 0):
        raise WlrGeoInputError(f"min_separation_m = {min_separation_m!r} moet een positief getal zijn",
                               hint="gebruik bijvoorbeeld min_separation_m = 250")
    pen_width = penalty_width_m if penalty_width_m is not None else max(2.0 * sep, 2.0 * cell)
    accepted: list[PathResult] = []
    shortfall: dict[str, Any] | None = None
    base: np.ndarray | None = None  # the raster with barriers as inf, for penalising
    mask = np.zeros(raster.shape, dtype=bool)
    for i in range(k):
        factor = penalty
        found = False
        tried: list[float] = []
        for _ in range(max_tries if accepted else 1):
            if accepted:
                if base is None:
                    dtype = np.float64 if raster.cost.dtype == np.float64 else np.float32
                    base = np.where(barrier_of(raster.cost, barrier_cost), np.inf, raster.cost).astype(dtype)
                penalised = CostRaster(cost=np.where(mask, base * base.dtype.type(factor), base),
                                       transform=raster.transform, crs=raster.crs)
                result = least_cost_path(penalised, start, end, method=method, barrier_cost=None, **path_options)
                del penalised
            else:
                result = least_cost_path(raster, start, end, method=method, barrier_cost=barrier_cost,
                                         **path_options)
            tried.append(factor)
            _check_path(raster, result.cells, barrier_cost)
            shares = [min(distinct_share(result.line, p.line, buffer_m=sep),
                          distinct_share(p.line, result.line, buffer_m=sep)) for p in accepted]
            if not shares or min(shares) >= min_distinct_share:
                cost = path_cost(raster.cost, result.cells, cell)
                accepted.append(PathResult(result.line, cost, result.length_m, result.cells, result.method,
                                           result.info, result.verification, result.verification_ratio))
                found = True
                break
            log.debug("alternatief %d: slechts %s %% onderscheidend (< %s %%); penalty → %s", i + 1,
                      nl(100 * min(shares), 0), nl(100 * min_distinct_share, 0), nl(factor * 2))
            factor *= 2.0
        if not found:
            message = (f"slechts {len(accepted)} van {k} alternatieven: geen ander tracé ligt over minstens "
                       f"{nl(100 * min_distinct_share, 0)} % van zijn lengte meer dan {nl(sep, 0)} m van elk "
                       f"ander tracé (geprobeerde penalty's: {'; '.join(nl(t) for t in tried)})")
            shortfall = {"requested": k, "found": len(accepted), "reason": "not_distinct", "message": message}
            log.warning("%s", message)
            break
        if i + 1 < k:
            burnt = rasterize([(accepted[-1].line.buffer(pen_width), 1)], out_shape=raster.shape,
                              transform=raster.transform, fill=0, dtype="uint8")
            mask |= burnt.astype(bool)
            del burnt
    del base
    order = sorted(range(len(accepted)), key=lambda j: accepted[j].cost)
    routes = [accepted[j] for j in order]
    lines = [r.line for r in routes]
    separation = [math.nan] + [min(path_separation(lines[j], lines[m], step_m=cell) for m in range(j))
                               for j in range(1, len(lines))]
    shared = [math.nan] + [max(1.0 - distinct_share(lines[j], lines[m], buffer_m=sep) for m in range(j))
                           for j in range(1, len(lines))]
    gdf = gpd.GeoDataFrame(
        {
            "rank": np.arange(1, len(routes) + 1, dtype=np.int64),
            "cost": [r.cost for r in routes],
            "length_m": [r.length_m for r in routes],
            "separation_m": separation,
            "shared_share": shared,
            "method": [r.method for r in routes],
            "verification": [r.verification for r in routes],
            "verification_ratio": [r.verification_ratio for r in routes],
        },
        geometry=lines,
        crs=RD_NEW,
    )
    gdf.attrs["shortfall"] = shortfall
    gdf.attrs["min_separation_m"] = sep
    gdf.attrs["min_distinct_share"] = float(min_distinct_share)
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
    min_distinct_share: float = 0.5,
    barrier_cost: float | None = None,
    method: str = "coarse-to-fine",
    return_raster: bool = False,
) -> gpd.GeoDataFrame | tuple[gpd.GeoDataFrame, CostRaster]:
    """Build a cost raster from ``layers`` and return ``k`` route alternatives.

    Parameters
    ----------
    layers
        Role → GeoDataFrame, as for :func:`~wlr_geo.analysis.routing.cost.build_cost_raster`.
    start_xy, end_xy
        RD (x, y).
    k, min_separation_m, min_distinct_share, barrier_cost, method
        See :func:`k_alternatives` and :func:`least_cost_path`.
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
        As :func:`k_alternatives`.
    """
    if bounds is None:
        xs = (float(start_xy[0]), float(end_xy[0]))
        ys = (float(start_xy[1]), float(end_xy[1]))
        bounds = (min(xs) - margin_m, min(ys) - margin_m, max(xs) + margin_m, max(ys) + margin_m)
    rasters = [(read_raster_layer(r) if isinstance(r, str | os.PathLike) else r, float(f)) for r, f in raster_costs]
    raster = build_cost_raster(layers, bounds=bounds, cell_m=cell_m, table=table, raster_costs=rasters)
    routes = k_alternatives(raster, start_xy, end_xy, k=k, min_separation_m=min_separation_m,
                            min_distinct_share=min_distinct_share, barrier_cost=barrier_cost, method=method)
    return (routes, raster) if return_raster else routes


def _variant_names(routes: gpd.GeoDataFrame) -> list[str]:
    ranks = routes["rank"] if "rank" in routes.columns else pd.Series(range(1, len(routes) + 1))
    if "target" in routes.columns and routes["target"].nunique() > 1:
        return [f"{t} alternatief {r}" for t, r in zip(routes["target"], ranks, strict=True)]
    return [f"alternatief {r}" for r in ranks]


#: Route columns carried into the comparison table, in this order.
_COMPARE_COLUMNS = ("rank", "target", "cost", "length_m", "separation_m", "shared_share", "method",
                    "verification", "verification_ratio")


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
    ``variant``, ``rank``, ``target``, ``cost`` and ``length_m`` are always present, and the
    routing columns of :func:`k_alternatives` (``separation_m``, ``shared_share``, ``method``,
    ``verification``, ``verification_ratio``) when ``routes`` has them.

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
    base = pd.DataFrame({c: routes[c] for c in _COMPARE_COLUMNS if c in routes.columns})
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
        log.info("wlr_geo.analysis.impact.run.run_impact gaf geen tabel per variant; de kruisingen worden "
                 "hier geteld")
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
