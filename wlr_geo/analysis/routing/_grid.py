"""Grid kernels of least-cost routing (used by :mod:`wlr_geo.analysis.routing.lcp`).

Path cost as ``skimage.graph.MCP_Geometric`` counts it, block aggregation of a cost array
(:func:`coarsen`), and the windowed full-resolution refinement along a coarse path.
Index space throughout: ``x = col + ½``, ``y = row + ½``.
"""

from __future__ import annotations

import itertools
import logging
import math

import numpy as np
import shapely
import shapely.ops
from shapely.geometry import LineString

__all__ = ["coarsen", "mcp_path", "path_cost", "refine_in_windows"]

log = logging.getLogger("wlr_geo")


def path_cost(cost: np.ndarray, cells: np.ndarray, cell_m: float) -> float:
    """Cost of a cell path as ``MCP_Geometric`` counts it, in equivalent metres."""
    cells = np.asarray(cells)
    if len(cells) < 2:
        return 0.0
    c = np.asarray(cost[cells[:, 0], cells[:, 1]], dtype=np.float64)
    step = np.hypot(*np.diff(cells, axis=0).T.astype(np.float64))
    return float(np.sum((c[:-1] + c[1:]) * 0.5 * step) * cell_m)


def coarsen(cost: np.ndarray, factor: int, *, barrier_fraction: float = 0.5,
            split_barriers: bool = True, directional: bool = True) -> np.ndarray:
    """Block-aggregate a cost array by ``factor``.

    A coarse cell is the cost of the cheapest straight crossing of its block: the lowest mean
    of one fine row or one fine column without barriers (``directional``, the default; a cheap
    strip such as a bundling zone along a road keeps its low cost at the coarse level, where a
    plain mean would dilute it); when every row and column holds a barrier, or with
    ``directional=False``, the mean of the block's finite costs. It is a barrier (``inf``) if

    * at least ``barrier_fraction`` of the block's cells are barriers (edge blocks count only
      the cells that exist), or
    * ``split_barriers`` and the block, widened by ``factor // 2`` cells on each side, is *split*:
      its open cells form two or more 8-connected pieces that each reach the window's edge — a
      wall thinner than a block runs through it. Without this rule a coarse path would cross
      thin walls (canals, embankments) anywhere and the corridor would miss their gaps; with it,
      the blocks that hold a gap stay open.

    Works in strips of one block row, so it needs little extra memory.
    """
    h, w = cost.shape
    hb, wb = -(-h // factor), -(-w // factor)
    out = np.empty((hb, wb), dtype=np.float64)
    pad = wb * factor - w
    for i in range(hb):
        strip = cost[i * factor:(i + 1) * factor]
        finite = np.isfinite(strip)
        vals = np.where(finite, strip, 0.0).astype(np.float64)
        rows = strip.shape[0]
        if pad:
            vals = np.pad(vals, ((0, 0), (0, pad)))
            finite = np.pad(finite, ((0, 0), (0, pad)))
        total = np.full(wb, rows * factor, dtype=np.float64)
        if pad:
            total[-1] = rows * (factor - pad)
        s = vals.reshape(rows, wb, factor).sum(axis=(0, 2))
        n = finite.reshape(rows, wb, factor).sum(axis=(0, 2)).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            row = np.where(n > 0, s / np.maximum(n, 1), np.inf)
        if directional:
            full = strip if not pad else np.pad(strip, ((0, 0), (0, pad)), mode="edge")
            blocks = np.asarray(full, dtype=np.float64).reshape(rows, wb, factor)
            best = np.minimum(blocks.mean(axis=2).min(axis=0), blocks.mean(axis=0).min(axis=1))
            row = np.where(np.isfinite(best), best, row)
        row[(total - n) >= barrier_fraction * total] = np.inf
        if split_barriers:
            row[_split_row(cost, i, factor, wb)] = np.inf
        out[i] = row
    return out


def _split_row(cost: np.ndarray, i: int, factor: int, wb: int) -> np.ndarray:
    """For block row ``i``: which blocks (widened by factor // 2) are split by barriers."""
    from numpy.lib.stride_tricks import sliding_window_view
    from scipy import ndimage

    halo = factor // 2
    h, w = cost.shape
    r0, r1 = i * factor - halo, (i + 1) * factor + halo
    strip = np.zeros((r1 - r0, wb * factor + 2 * halo), dtype=bool)
    a, b = max(r0, 0), min(r1, h)
    strip[a - r0:b - r0, halo:halo + w] = np.isfinite(cost[a:b])
    win = sliding_window_view(strip, factor + 2 * halo, axis=1)[:, ::factor][:, :wb]
    n_open = win.sum(axis=(0, 2))
    mixed = np.flatnonzero((n_open > 0) & (n_open < win.shape[0] * win.shape[2]))
    split = np.zeros(wb, dtype=bool)
    if not len(mixed):  # all windows open or all barrier: nothing can be split
        return split
    sub = np.ascontiguousarray(win[:, mixed].transpose(1, 0, 2))
    structure = np.zeros((3, 3, 3), dtype=bool)
    structure[1] = True  # 8-connected within a window, never across windows
    labels, _ = ndimage.label(sub, structure=structure)
    border = np.concatenate([labels[:, 0, :], labels[:, -1, :], labels[:, :, 0], labels[:, :, -1]], axis=1)
    srt = np.sort(border, axis=1)
    pieces = ((srt[:, 1:] != srt[:, :-1]) & (srt[:, 1:] > 0)).sum(axis=1) + (srt[:, 0] > 0)
    split[mixed] = pieces >= 2
    return split

def mcp_path(cost: np.ndarray, start: tuple[int, int], end: tuple[int, int]) -> tuple[np.ndarray, float] | None:
    from skimage.graph import MCP_Geometric

    mcp = MCP_Geometric(cost, fully_connected=True)
    cum, _ = mcp.find_costs([start], [end])
    total = float(cum[end])
    if not math.isfinite(total):
        return None
    cells = np.asarray(mcp.traceback(end), dtype=np.int64)
    return cells, total


def _remove_loops(cells: np.ndarray) -> np.ndarray:
    seen: dict[tuple[int, int], int] = {}
    out: list[tuple[int, int]] = []
    for r, c in cells.tolist():
        key = (r, c)
        if key in seen:
            cut = seen[key]
            for k in out[cut + 1:]:
                seen.pop(k, None)
            out = out[:cut + 1]
            continue
        seen[key] = len(out)
        out.append(key)
    return np.asarray(out, dtype=np.int64)


def _corridor_mask(xy: np.ndarray, half_width: float, r0: int, r1: int, c0: int, c1: int,
                   seeds: int) -> np.ndarray:
    """Cells of the window [r0:r1, c0:c1] within ``half_width`` cells of the polyline ``xy[1:]``
    (index space, x = col + ½) or of the first point (and the last point when ``seeds`` is 2)."""
    from scipy.ndimage import distance_transform_edt
    from skimage.draw import line

    centre = np.zeros((r1 - r0, c1 - c0), dtype=bool)
    pix = np.floor(xy).astype(np.int64) - np.array([c0, r0])
    pix[:, 0] = np.clip(pix[:, 0], 0, c1 - c0 - 1)
    pix[:, 1] = np.clip(pix[:, 1], 0, r1 - r0 - 1)
    centre[pix[0, 1], pix[0, 0]] = True
    if seeds > 1:
        centre[pix[-1, 1], pix[-1, 0]] = True
        pix = pix[:-1]
    for (xa, ya), (xb, yb) in itertools.pairwise(pix[1:]):
        rr, cc = line(int(ya), int(xa), int(yb), int(xb))
        centre[rr, cc] = True
    if len(pix) == 2:
        centre[pix[1, 1], pix[1, 0]] = True
    return np.asarray(distance_transform_edt(~centre) <= half_width)


def refine_in_windows(cost: np.ndarray, guide: LineString, start: tuple[int, int], end: tuple[int, int], *,
            half_width: float, step: float, overlap: float, max_window_cells: int) -> tuple[np.ndarray, int] | None:
    """Solve at full resolution in windows along ``guide`` (index space: x = col+½, y = row+½)."""
    h, w = cost.shape
    length = guide.length
    cur = start
    pos = 0.0
    pieces: list[np.ndarray] = []
    windows = 0
    max_iter = int(length / max(step, 1.0)) + 10
    for _ in range(max_iter):
        final = pos + step + overlap >= length
        a = max(0.0, pos - half_width)
        b = length if final else pos + step + overlap
        seg = shapely.ops.substring(guide, a, b)
        pts = [(cur[1] + 0.5, cur[0] + 0.5), *np.asarray(seg.coords).tolist()]
        if final:
            pts.append((end[1] + 0.5, end[0] + 0.5))
        xy = np.asarray(pts)
        c0 = max(0, math.floor(xy[:, 0].min() - half_width))
        r0 = max(0, math.floor(xy[:, 1].min() - half_width))
        c1 = min(w, math.ceil(xy[:, 0].max() + half_width))
        r1 = min(h, math.ceil(xy[:, 1].max() + half_width))
        mask = _corridor_mask(xy, half_width, r0, r1, c0, c1, seeds=1 + final)
        wcost = np.array(cost[r0:r1, c0:c1], dtype=np.float64)
        wcost[~mask] = np.inf
        windows += 1
        local_start = (cur[0] - r0, cur[1] - c0)
        if final:
            target = (end[0] - r0, end[1] - c0)
        else:
            tp = guide.interpolate(b)
            tr, tc = math.floor(tp.y) - r0, math.floor(tp.x) - c0
            tr, tc = min(max(tr, 0), r1 - r0 - 1), min(max(tc, 0), c1 - c0 - 1)
            if not np.isfinite(wcost[tr, tc]):
                rr, cc = np.nonzero(np.isfinite(wcost))
                k = int(np.argmin((rr - tr) ** 2 + (cc - tc) ** 2))
                tr, tc = int(rr[k]), int(cc[k])
            target = (tr, tc)
        if (r1 - r0) * (c1 - c0) > 4 * max_window_cells:
            log.debug("refinement window %d×%d exceeds the budget", r1 - r0, c1 - c0)
        solved = mcp_path(wcost, local_start, target)
        del wcost, mask
        if solved is None:
            return None
        path = solved[0] + np.array([r0, c0])
        if final:
            pieces.append(path)
            break
        proj = shapely.line_locate_point(guide, shapely.points(path[:, 1] + 0.5, path[:, 0] + 0.5))
        ahead = np.flatnonzero(proj >= pos + step)
        idx = int(ahead[0]) if len(ahead) and ahead[0] > 0 else len(path) - 1
        pieces.append(path[:idx])
        cur = (int(path[idx, 0]), int(path[idx, 1]))
        pos = max(pos + step, float(proj[idx]))
    else:  # pragma: no cover - the step guarantees termination
        return None
    return _remove_loops(np.concatenate(pieces)), windows
