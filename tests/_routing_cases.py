"""Seeded known-answer cases for least-cost routing, and an oracle independent of wlr_geo.

Used by ``tests/test_routing_known_answers.py`` and ``benchmarks/bench_routing.py``.

Every case is a small cost raster (cell 1 m) with a start and an end cell. The oracle is the
full-resolution optimum of the routing graph — 8 neighbours, a step costs step length × mean
of the two cells' costs, barriers (NaN, ±inf, values ≥ the case's ``barrier_cost``) are not
entered, and a diagonal step between two barrier cells that touch at a corner is not allowed —
computed in two independent ways:

* :func:`oracle_graph` builds that graph edge by edge (a COO edge list, written here without
  any wlr_geo code) and runs ``scipy.sparse.csgraph.dijkstra``;
* :func:`oracle_mcp` runs ``skimage.graph.MCP_Geometric``, which knows no corner rule, so it
  is only used where the raster has no barrier "pinch" (two barrier cells touching at a corner
  with the two other cells open) — there both must agree.

:func:`oracle_networkx` (pure Python, slow) is a third check for the diagonal-barrier cases.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.ndimage import gaussian_filter

__all__ = ["Case", "barrier_mask", "crossed_barrier", "known_answer_cases", "oracle_graph", "oracle_mcp",
           "oracle_networkx", "pinch_corners", "three_gap_cases"]


@dataclass
class Case:
    name: str
    cost: np.ndarray
    start: tuple[int, int]
    end: tuple[int, int]
    barrier_cost: float | None = None
    coarse_factor: int = 6
    gaps: list[tuple[int, int]] = field(default_factory=list)  # for three-gap walls: gap centre cells
    wall_col: int | None = None


def barrier_mask(cost: np.ndarray, barrier_cost: float | None) -> np.ndarray:
    bar = ~np.isfinite(cost)
    if barrier_cost is not None:
        bar |= np.nan_to_num(cost, nan=np.inf) >= barrier_cost
    return bar


def pinch_corners(bar: np.ndarray) -> np.ndarray:
    """(r, c) of the 2×2 windows whose top-left cell is (r, c) and which hold a barrier pinch."""
    main = bar[:-1, :-1] & bar[1:, 1:] & ~bar[:-1, 1:] & ~bar[1:, :-1]
    anti = bar[:-1, 1:] & bar[1:, :-1] & ~bar[:-1, :-1] & ~bar[1:, 1:]
    return np.argwhere(main | anti)


def oracle_graph(cost: np.ndarray, start: tuple[int, int], end: tuple[int, int],
                 barrier_cost: float | None = None) -> float:
    """Optimum by Dijkstra on an explicit edge list (no corner cutting)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra

    h, w = cost.shape
    bar = barrier_mask(cost, barrier_cost)
    vals = np.where(bar, 0.0, cost).astype(np.float64)
    ids = np.arange(h * w).reshape(h, w)
    src, dst, wgt = [], [], []
    for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
        r0, r1 = 0, h - dr
        c0, c1 = max(0, -dc), w - max(0, dc)
        a = (slice(r0, r1), slice(c0, c1))
        b = (slice(r0 + dr, r1 + dr), slice(c0 + dc, c1 + dc))
        ok = ~bar[a] & ~bar[b]
        if dr and dc:
            side1 = bar[r0 + dr:r1 + dr, c0:c1]        # (r + dr, c)
            side2 = bar[r0:r1, c0 + dc:c1 + dc]        # (r, c + dc)
            ok &= ~(side1 & side2)
        length = math.hypot(dr, dc)
        s, d = ids[a][ok], ids[b][ok]
        c = length * 0.5 * (vals[a][ok] + vals[b][ok])
        src += [s, d]
        dst += [d, s]
        wgt += [c, c]
    graph = coo_matrix((np.concatenate(wgt), (np.concatenate(src), np.concatenate(dst))),
                       shape=(h * w, h * w)).tocsr()
    dist = dijkstra(graph, indices=ids[start])
    return float(dist[ids[end]])


def oracle_mcp(cost: np.ndarray, start: tuple[int, int], end: tuple[int, int],
               barrier_cost: float | None = None) -> float:
    """Optimum by ``MCP_Geometric`` (no corner rule: valid only without barrier pinches)."""
    from skimage.graph import MCP_Geometric

    c = np.where(barrier_mask(cost, barrier_cost), np.inf, cost).astype(np.float64)
    cum, _ = MCP_Geometric(c, fully_connected=True).find_costs([start], [end])
    return float(cum[end])


def oracle_networkx(cost: np.ndarray, start: tuple[int, int], end: tuple[int, int],
                    barrier_cost: float | None = None) -> float:
    """Optimum by networkx on a graph built cell by cell (slow; small rasters only)."""
    import networkx as nx

    h, w = cost.shape
    bar = barrier_mask(cost, barrier_cost)
    g = nx.Graph()
    g.add_nodes_from([start, end])
    for r in range(h):
        for c in range(w):
            if bar[r, c]:
                continue
            for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
                rr, cc = r + dr, c + dc
                if not (0 <= rr < h and 0 <= cc < w) or bar[rr, cc]:
                    continue
                if dr and dc and bar[r + dr, c] and bar[r, c + dc]:
                    continue
                g.add_edge((r, c), (rr, cc), weight=math.hypot(dr, dc) * (float(cost[r, c]) + float(cost[rr, cc])) / 2)
    try:
        return float(nx.dijkstra_path_length(g, start, end))
    except nx.NetworkXNoPath:
        return math.inf


def crossed_barrier(line_xy: np.ndarray, cells: np.ndarray, bar: np.ndarray, *, step: float = 0.05) -> int:
    """Barrier crossings of a path: barrier cells on the cell path, corner-cutting steps, and
    points of the vector line (index space: x = col, y = row, sampled every ``step`` cells) that
    lie inside a barrier cell or on a pinch corner."""
    n = 0
    cells = np.asarray(cells, dtype=np.int64)
    n += int(bar[cells[:, 0], cells[:, 1]].sum())
    d = np.diff(cells, axis=0)
    diag = (d[:, 0] != 0) & (d[:, 1] != 0)
    r0, c0 = cells[:-1, 0][diag], cells[:-1, 1][diag]
    n += int((bar[r0 + d[diag, 0], c0] & bar[r0, c0 + d[diag, 1]]).sum())
    # sample the line
    seg = np.diff(line_xy, axis=0)
    lens = np.hypot(seg[:, 0], seg[:, 1])
    pts = [line_xy[:1]]
    for p, s, length in zip(line_xy[:-1], seg, lens, strict=True):
        k = max(1, math.ceil(length / step))
        t = (np.arange(1, k + 1) / k)[:, None]
        pts.append(p + t * s)
    xy = np.concatenate(pts)
    col, row = np.floor(xy[:, 0]).astype(int), np.floor(xy[:, 1]).astype(int)
    fx, fy = xy[:, 0] - col, xy[:, 1] - row
    interior = (np.minimum(fx, 1 - fx) > 1e-6) & (np.minimum(fy, 1 - fy) > 1e-6)
    inside = (row >= 0) & (row < bar.shape[0]) & (col >= 0) & (col < bar.shape[1])
    hit = interior & inside
    n += int(bar[row[hit], col[hit]].sum())
    # the line through a pinch corner (exactly, or crossing the pinch diagonal between samples)
    for pr, pc in pinch_corners(bar):
        corner = np.array([pc + 1.0, pr + 1.0])
        a, b = line_xy[:-1], line_xy[1:]
        ab = b - a
        t = np.clip(np.einsum("ij,ij->i", corner - a, ab) / np.maximum(np.einsum("ij,ij->i", ab, ab), 1e-18), 0, 1)
        dist = np.hypot(*(a + t[:, None] * ab - corner).T)
        n += int((dist < 1e-9).sum())
    return n


# --- generators -------------------------------------------------------------------------------


def _smooth(rng: np.random.Generator, shape: tuple[int, int], lo: float, hi: float, sigma: float) -> np.ndarray:
    f = gaussian_filter(rng.standard_normal(shape), sigma)
    return lo + (hi - lo) * (f - f.min()) / (f.max() - f.min())


def _wall_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    codes = [("nodata", np.nan, None), ("inf", np.inf, None), ("-inf", -np.inf, None),
             ("9999+barrier", 9999.0, 9999.0), ("1e6", 1e6, None), ("1e30", 1e30, None),
             ("1e3", 1e3, None), ("9999", 9999.0, None)]
    n = 160
    for i, (label, value, bc) in enumerate(codes):
        for gap in (1, 2, 3):
            smooth = (i + gap) % 2 == 1
            cost = _smooth(rng, (n, n), 1.0, 3.0, 6.0) if smooth else np.ones((n, n))
            col = int(rng.integers(70, 90))
            thick = 1 + (i + gap) % 2
            cost[:, col:col + thick] = value
            g0 = int(rng.integers(3, 12)) if rng.random() < 0.5 else int(rng.integers(n - 15, n - 3 - gap))
            cost[g0:g0 + gap, col:col + thick] = 1.0
            cases.append(Case(f"wall {label} gap {gap} thick {thick}{' smooth' if smooth else ''}",
                              cost.astype(np.float32), (int(rng.integers(70, 90)), 25),
                              (int(rng.integers(70, 90)), n - 26), barrier_cost=bc, coarse_factor=6 + i % 3))
    # horizontal and diagonal walls
    for label, value, bc in (("nodata", np.nan, None), ("1e6", 1e6, None), ("9999+barrier", 9999.0, 9999.0)):
        cost = np.ones((n, n))
        row = int(rng.integers(70, 90))
        cost[row, :] = value
        g0 = int(rng.integers(n - 14, n - 5))
        cost[row, g0:g0 + 2] = 1.0
        cases.append(Case(f"horizontal wall {label}", cost.astype(np.float32), (25, 75), (n - 26, 70),
                          barrier_cost=bc, coarse_factor=8))
    return cases


def _draw(cost: np.ndarray, a: tuple[int, int], b: tuple[int, int], value: float, width: int) -> None:
    """Burn a straight road of ``width`` cells from cell a to cell b (8-connected staircase)."""
    (r0, c0), (r1, c1) = a, b
    n = max(abs(r1 - r0), abs(c1 - c0)) + 1
    rows = np.round(np.linspace(r0, r1, n)).astype(int)
    cols = np.round(np.linspace(c0, c1, n)).astype(int)
    steep = abs(r1 - r0) > abs(c1 - c0)
    for k in range(width):  # widen across the road's main direction
        rr, cc = (rows, cols + k) if steep else (rows + k, cols)
        ok = (rr >= 0) & (rr < cost.shape[0]) & (cc >= 0) & (cc < cost.shape[1])
        cost[rr[ok], cc[ok]] = value


def _corridor_cases(rng: np.random.Generator) -> list[Case]:
    """Cheap roads at 0–45° that the optimum follows although they lie far from the straight line.

    0°: a road parallel to the start–end line, 30 cells beside it. 10–45°: a V-shaped road from
    the start down to an apex halfway and back up to the end.
    """
    cases = []
    n = 160
    s, e = (40, 12), (40, n - 13)
    for angle in (0, 10, 20, 30, 35, 40, 45):
        for width in (1, 2):
            for road in (0.2, 0.5):
                smooth = (angle // 5 + width) % 2 == 1
                cost = _smooth(rng, (n, n), 1.0, 2.0, 8.0) if smooth else np.ones((n, n))
                if angle == 0:
                    _draw(cost, (s[0] + 30, s[1]), (e[0] + 30, e[1]), road, width)
                else:
                    mid = (s[1] + e[1]) // 2
                    apex = (s[0] + round((mid - s[1]) * math.tan(math.radians(angle))), mid)
                    _draw(cost, s, apex, road, width)
                    _draw(cost, apex, e, road, width)
                cases.append(Case(f"corridor {angle}° width {width} cost {road}{' smooth' if smooth else ''}",
                                  cost.astype(np.float32), s, e, coarse_factor=6 + (angle // 5) % 3))
    return cases


def _diagonal_barrier_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    n = 140
    for i, (label, value, bc) in enumerate((("nodata", np.nan, None), ("inf", np.inf, None),
                                             ("1e4+barrier", 1e4, 1e4))):
        for gap in (1, 2, 3):
            cost = _smooth(rng, (n, n), 1.0, 2.5, 5.0) if (i + gap) % 2 else np.ones((n, n))
            rr = np.arange(n)
            anti = (i + gap) % 2 == 0
            cc = (n - 1 - rr) if anti else rr
            cost[rr, cc] = value
            g0 = int(rng.integers(4, 12)) if gap % 2 else int(rng.integers(n - 15, n - 4 - gap))
            cost[rr[g0:g0 + gap], cc[g0:g0 + gap]] = 1.0
            if anti:
                s, e = (35, 35), (n - 36, n - 36)
            else:
                s, e = (n - 36, 35), (35, n - 36)
            cases.append(Case(f"diagonal barrier {label} gap {gap}{' anti' if anti else ''}",
                              cost.astype(np.float32), s, e, barrier_cost=bc, coarse_factor=6 + gap % 3))
    # a one-cell diagonal barrier that splits the raster completely: no path
    cost = np.ones((40, 40), dtype=np.float32)
    cost[np.arange(40), np.arange(40)] = np.nan
    cases.append(Case("diagonal barrier split, no gap", cost, (30, 5), (5, 30), coarse_factor=4))
    return cases


def _smooth_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for i in range(8):
        n = int(rng.integers(140, 200))
        cost = _smooth(rng, (n, n), 1.0, 10.0, float(rng.uniform(3, 12)))
        if i % 2:
            cost[rng.random((n, n)) < 0.05] = np.nan  # scattered nodata
        s = (int(rng.integers(2, 12)), int(rng.integers(2, n - 2)))
        e = (int(rng.integers(n - 12, n - 2)), int(rng.integers(2, n - 2)))
        cost[s] = cost[e] = 1.0
        cases.append(Case(f"smooth field {i}", cost.astype(np.float32), s, e, coarse_factor=int(rng.integers(4, 9))))
    return cases


def known_answer_cases(seed: int = 17) -> list[Case]:
    """The single-path cases: walls, cheap corridors, diagonal barriers, smooth fields."""
    rng = np.random.default_rng(seed)
    return _wall_cases(rng) + _corridor_cases(rng) + _diagonal_barrier_cases(rng) + _smooth_cases(rng)


def three_gap_cases(seed: int = 17) -> list[Case]:
    """Walls with three gaps, for k = 3: each alternative must pass a different gap."""
    rng = np.random.default_rng(seed + 1)
    cases = []
    n = 120
    for label, value, bc in (("nodata", np.nan, None), ("1e6", 1e6, None), ("9999+barrier", 9999.0, 9999.0),
                             ("1e3", 1e3, None)):
        cost = np.ones((n, n)) if label != "1e3" else _smooth(rng, (n, n), 1.0, 2.0, 8.0)
        col = int(rng.integers(55, 65))
        cost[:, col] = value
        gaps = []
        for g in (int(rng.integers(12, 22)), int(rng.integers(52, 66)), int(rng.integers(96, 106))):
            width = int(rng.integers(1, 4))
            cost[g:g + width, col] = 1.0
            gaps.append((g, width))
        cases.append(Case(f"three-gap wall {label}", cost.astype(np.float32), (60, 8), (60, n - 9),
                          barrier_cost=bc, gaps=gaps, wall_col=col))
    return cases
