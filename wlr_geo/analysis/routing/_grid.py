"""Grid kernels of least-cost routing (used by :mod:`wlr_geo.analysis.routing.lcp`).

**The graph.** Every non-barrier cell is a node; it is joined to its 8 neighbours, and a step
costs ``step length × mean of the two cells' costs`` (1 or √2 cells; the rule of
``skimage.graph.MCP_Geometric``). A diagonal step between two cells whose two shared
neighbours are both barriers is not an edge: a path never squeezes through the corner where two
barrier cells touch (*no corner cutting*). Under that rule two open cells are connected exactly
when they are 4-connected through open cells.

**Solvers.**

* :func:`solve_full` — the exact optimum on the whole grid: ``MCP_Geometric`` (fast, about
  70 bytes per cell); if its path cuts a barrier corner, the exact solve of the block graph
  below over all cells.
* :class:`BlockGraph` (and :func:`solve_blocks`) — the exact optimum on the sub-graph of a set
  of ``F × F`` blocks (a corridor, or an inner part of it), with
  ``scipy.sparse.csgraph.dijkstra`` on an explicitly built graph; it also returns a lower bound
  on the optimum over the *whole* grid (see :class:`BlockSolve`).
* :class:`CoarseGraph` — the coarse level of coarse-to-fine: one node per 4-connected open
  piece of each block (so the coarse graph has exactly the connectivity of the fine grid: no
  coarse path passes a wall where the fine grid has no gap, and every gap is kept), with node
  costs from the cheapest monotone crossings of each block (:func:`coarsen`).

Index space throughout: ``(row, col)``; costs per cell length (the caller scales by the cell
size in metres).
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass

import numpy as np

from wlr_geo._nl import nl
from wlr_geo.analysis.routing.cost import barrier_mask

__all__ = [
    "BlockGraph",
    "BlockSolve",
    "CoarseGraph",
    "clean_costs",
    "coarsen",
    "corner_cuts",
    "full_solve_fits",
    "mcp_path",
    "observed_costs",
    "octile",
    "path_cost",
    "solve_blocks",
    "solve_full",
]

log = logging.getLogger("wlr_geo")

SQRT2 = math.sqrt(2.0)

#: The 8 moves ``(d_row, d_col)``; a node's 8 edge slots follow this order.
MOVES = ((0, 1), (1, 0), (0, -1), (-1, 0), (1, 1), (1, -1), (-1, 1), (-1, -1))

#: Blocks whose highest cost is at most this times their lowest (and without barriers) are
#: "smooth": their coarse cost comes from the cheapest full row or column; other blocks get the
#: monotone-crossing estimate (:func:`_crossing`).
SMOOTH_RATIO = 1.1

#: Cells dearer than this times their block's median count as a wall that the coarse path may
#: not cross for free inside the start or end block (:meth:`CoarseGraph._endpoint_sides`).
WALL_RATIO = 10.0

#: Approximate peak bytes per cell of the full-resolution ``MCP_Geometric`` solve.
MCP_BYTES_PER_CELL = 75
#: Approximate peak bytes per cell of the exact block-graph solve.
GRAPH_BYTES_PER_CELL = 170


barrier_of = barrier_mask  # the one definition of a barrier (wlr_geo.analysis.routing.cost)


def clean_costs(values: np.ndarray, barrier_cost: float | None) -> np.ndarray:
    """A float64 copy of ``values`` with every barrier (see :func:`barrier_of`) set to ``inf``."""
    out = np.array(values, dtype=np.float64)
    out[barrier_of(out, barrier_cost)] = np.inf
    return out


def octile(d_row: np.ndarray | float, d_col: np.ndarray | float) -> np.ndarray:
    """Length in cells of the shortest 8-connected path over a displacement (lower bound of any path)."""
    a, b = np.abs(d_row), np.abs(d_col)
    return np.maximum(a, b) + (SQRT2 - 1.0) * np.minimum(a, b)


def path_cost(cost: np.ndarray, cells: np.ndarray, cell_m: float) -> float:
    """Cost of a cell path as ``MCP_Geometric`` counts it, in equivalent metres."""
    cells = np.asarray(cells)
    if len(cells) < 2:
        return 0.0
    c = np.asarray(cost[cells[:, 0], cells[:, 1]], dtype=np.float64)
    step = np.hypot(*np.diff(cells, axis=0).T.astype(np.float64))
    return float(np.sum((c[:-1] + c[1:]) * 0.5 * step) * cell_m)


def corner_cuts(cells: np.ndarray, barrier: np.ndarray) -> np.ndarray:
    """Indices ``i`` of the steps ``cells[i] → cells[i + 1]`` that cut a barrier corner.

    ``barrier`` is the boolean barrier mask of the grid. A diagonal step cuts a corner when both
    cells it passes between (``(r0 + dr, c0)`` and ``(r0, c0 + dc)``) are barriers.
    """
    cells = np.asarray(cells, dtype=np.int64)
    if len(cells) < 2:
        return np.zeros(0, dtype=np.int64)
    d = np.diff(cells, axis=0)
    diag = np.flatnonzero((d[:, 0] != 0) & (d[:, 1] != 0))
    if not len(diag):
        return diag
    r0, c0 = cells[diag, 0], cells[diag, 1]
    cut = barrier[r0 + d[diag, 0], c0] & barrier[r0, c0 + d[diag, 1]]
    return diag[cut]


def mcp_path(cost: np.ndarray, start: tuple[int, int], end: tuple[int, int]) -> tuple[np.ndarray, float] | None:
    """``MCP_Geometric`` path on a cleaned cost array (``inf`` = barrier); no corner-cutting check."""
    from skimage.graph import MCP_Geometric

    mcp = MCP_Geometric(cost, fully_connected=True)
    cum, _ = mcp.find_costs([start], [end])
    total = float(cum[end])
    del cum
    if not math.isfinite(total):
        return None
    cells = np.asarray(mcp.traceback(end), dtype=np.int64)
    return cells, total


def available_memory() -> int:
    """Bytes of memory available to this process (``MemAvailable``; 2 GB if unknown)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, OSError, ValueError):
        return 2 * 1024**3


def full_solve_fits(cells: int, max_bytes: int | None = None, *, per_cell: int = MCP_BYTES_PER_CELL) -> bool:
    """Whether a full-resolution solve over ``cells`` cells fits in ``max_bytes``
    (default: half the available memory)."""
    budget = available_memory() // 2 if max_bytes is None else max_bytes
    return cells * per_cell <= budget


def solve_full(cost: np.ndarray, start: tuple[int, int], end: tuple[int, int], barrier_cost: float | None, *,
               max_bytes: int | None = None) -> tuple[np.ndarray, float, str] | None:
    """The exact optimum on the whole grid, with barriers and the no-corner-cutting rule.

    ``MCP_Geometric`` solves the grid without the corner rule; its optimum is a lower bound of
    the optimum with the rule, so when its path cuts no barrier corner it is the optimum.
    Otherwise the block graph of the whole grid is solved (exact, about
    :data:`GRAPH_BYTES_PER_CELL` bytes per cell).

    Returns
    -------
    (cells, cost in cell units, solver) or None
        ``None`` if no path exists. ``solver`` is ``"mcp"`` or ``"graph"``.

    Raises
    ------
    MemoryError
        The MCP path cuts a corner and the exact graph solve does not fit in ``max_bytes``.
    """
    lowest = cost.min()
    # MCP_Geometric treats +inf as impassable; NaN, -inf and values ≥ barrier_cost need a copy
    clean = cost if barrier_cost is None and lowest >= 0 else clean_costs(cost, barrier_cost)
    solved = mcp_path(clean, start, end)
    if solved is None:
        return None
    cells = solved[0]
    r0, c0 = cells.min(axis=0)
    r1, c1 = cells.max(axis=0) + 1
    if not len(corner_cuts(cells - [r0, c0], barrier_of(clean[r0:r1, c0:c1], None))):
        return solved[0], solved[1], "mcp"
    del solved, cells
    h, w = cost.shape
    if not full_solve_fits(h * w, max_bytes, per_cell=GRAPH_BYTES_PER_CELL):
        raise MemoryError(f"de exacte berekening van {nl(h * w)} cellen vraagt ongeveer "
                          f"{nl(h * w * GRAPH_BYTES_PER_CELL / 2**30, 1)} GB")
    log.info("het pad op volle resolutie snijdt een hoek van een barrière af; de exacte graaf wordt berekend")
    factor = 64
    hb, wb = -(-h // factor), -(-w // factor)
    blocks = np.indices((hb, wb)).reshape(2, -1).T
    res = solve_blocks(clean, None, blocks, factor, start, end)
    return None if res is None else (res.cells, res.cost, "graph")


# --- block graph --------------------------------------------------------------------------


@dataclass(frozen=True)
class BlockSolve:
    """Result of :func:`solve_blocks` (costs in cell units).

    Attributes
    ----------
    cells
        (n, 2) path from start to end.
    cost
        Its cost (the optimum over the selected blocks).
    lower_bound
        A lower bound on the optimum over the whole grid: the cheapest of ``cost`` and, for every
        step that leaves the selected blocks, the cost to that step plus ``min_cost`` × the
        octile distance from where it lands to the end. Equal to ``cost`` when no path can leave
        the blocks more cheaply.
    nodes
        Cells in the selected blocks.
    """

    cells: np.ndarray
    cost: float
    lower_bound: float
    nodes: int


def _gather(cost: np.ndarray, blocks: np.ndarray, factor: int, halo: int) -> np.ndarray:
    """(m, F + 2·halo, F + 2·halo) float64 values of the blocks with a halo; outside = inf."""
    h, w = cost.shape
    ar = np.arange(-halo, factor + halo)
    rows = blocks[:, 0, None] * factor + ar
    cols = blocks[:, 1, None] * factor + ar
    vals = np.asarray(cost[np.clip(rows, 0, h - 1)[:, :, None], np.clip(cols, 0, w - 1)[:, None, :]],
                      dtype=np.float64)
    outside = ((rows < 0) | (rows >= h))[:, :, None] | ((cols < 0) | (cols >= w))[:, None, :]
    vals[outside] = np.inf
    return vals


class BlockGraph:
    """The routing graph on the cells of a set of ``F × F`` blocks (a corridor).

    Built once (:meth:`solve` may then run on all blocks or on a subset): 8 edge slots per cell
    in :data:`MOVES` order, ``inf`` where a step is not an edge (barrier, corner cut, or a target
    outside the blocks). Steps that leave the blocks are kept aside for the lower bound.
    """

    def __init__(self, cost: np.ndarray, barrier_cost: float | None, blocks: np.ndarray, factor: int,
                 end: tuple[int, int], *, min_cost: float | None = None) -> None:
        f = factor
        h, w = cost.shape
        hb, wb = -(-h // f), -(-w // f)
        blocks = np.asarray(blocks, dtype=np.int64)
        m = len(blocks)
        n = m * f * f
        itype = np.int32 if 8 * n < 2**31 else np.int64
        slot_of = np.full((hb + 2, wb + 2), -1, dtype=itype)  # padded by one block
        slot_of[blocks[:, 0] + 1, blocks[:, 1] + 1] = np.arange(m, dtype=itype)
        data = np.empty((n, 8), dtype=np.float64)
        indices = np.empty((n, 8), dtype=itype)
        ar = np.arange(f)
        # per move: block offset (-1, 0, 1) and local index of the target, per local source index
        geometry = []
        for dr, dc in MOVES:
            oi, li = np.divmod(ar + dr, f)
            oj, lj = np.divmod(ar + dc, f)
            geometry.append(((oi + 1)[:, None], (oj + 1)[None, :], (li[:, None] * f + lj[None, :]).astype(itype),
                             SQRT2 if dr and dc else 1.0))
        exit_src: list[np.ndarray] = []
        exit_lb: list[np.ndarray] = []
        end_r, end_c = end
        chunk = max(1, 262_144 // (f * f))
        for b0 in range(0, m, chunk):
            blk = blocks[b0:b0 + chunk]
            mc = len(blk)
            nbr = np.stack([slot_of[blk[:, 0] + 1 + di, blk[:, 1] + 1 + dj]
                            for di in (-1, 0, 1) for dj in (-1, 0, 1)], axis=1).reshape(mc, 3, 3)
            border = (nbr < 0).any(axis=(1, 2))
            half = _gather(cost, blk, f, 1)
            if barrier_cost is not None:
                half[half >= barrier_cost] = np.inf
            half[~np.isfinite(half)] = np.inf
            fin = np.isfinite(half)
            half *= 0.5
            hsrc = half[:, 1:f + 1, 1:f + 1]
            fsrc = fin[:, 1:f + 1, 1:f + 1]
            own = np.arange(b0 * f * f, (b0 + mc) * f * f, dtype=itype).reshape(mc, f, f)
            d8 = np.empty((8, mc, f, f))
            i8 = np.empty((8, mc, f, f), dtype=itype)
            for k, (dr, dc) in enumerate(MOVES):
                oi, oj, local, step = geometry[k]
                ok = fsrc & fin[:, 1 + dr:f + 1 + dr, 1 + dc:f + 1 + dc]
                if dr and dc:  # no corner cutting
                    ok &= fin[:, 1 + dr:f + 1 + dr, 1:f + 1] | fin[:, 1:f + 1, 1 + dc:f + 1 + dc]
                nslot = nbr[:, oi, oj]
                edge = ok & (nslot >= 0)
                wgt = d8[k]
                np.add(hsrc, half[:, 1 + dr:f + 1 + dr, 1 + dc:f + 1 + dc], out=wgt)
                if step != 1.0:
                    wgt *= step
                tid = i8[k]
                np.multiply(nslot, f * f, out=tid)
                tid += local
                leave_blocks = np.flatnonzero(border)
                if len(leave_blocks):
                    leave = ok[leave_blocks] & (nslot[leave_blocks] < 0)
                    bi, ii, jj = np.nonzero(leave)
                    if len(bi):
                        bj = leave_blocks[bi]
                        tr = blk[bj, 0] * f + ii + dr
                        tc = blk[bj, 1] * f + jj + dc
                        exit_src.append(own[bj, ii, jj].astype(np.int64))
                        exit_lb.append(wgt[bj, ii, jj] + (min_cost or 0.0) * octile(tr - end_r, tc - end_c))
                np.copyto(wgt, np.inf, where=~edge)
                np.copyto(tid, own, where=~edge)
            rows = slice(b0 * f * f, (b0 + mc) * f * f)
            data[rows] = d8.reshape(8, -1).T
            indices[rows] = i8.reshape(8, -1).T
            del d8, i8, half, fin
        self.factor, self.blocks, self.nodes = f, blocks, n
        self._slot_of = slot_of
        self._data = data.reshape(-1)
        self._indices = indices.reshape(-1)
        self._indptr = np.arange(0, 8 * n + 1, 8, dtype=itype)
        self._exit_src = np.concatenate(exit_src) if exit_src else np.zeros(0, dtype=np.int64)
        self._exit_lb = np.concatenate(exit_lb) if exit_lb else np.zeros(0)


    def node(self, rc: tuple[int, int]) -> int:
        """Node id of a cell (-1 if its block is not in the graph)."""
        f = self.factor
        br, bc = rc[0] // f, rc[1] // f
        slot = int(self._slot_of[br + 1, bc + 1])
        return -1 if slot < 0 else slot * f * f + (rc[0] - br * f) * f + (rc[1] - bc * f)

    def solve(self, start: tuple[int, int], end: tuple[int, int], *, limit: float | None = None,
              inner: np.ndarray | None = None) -> BlockSolve | None:
        """Exact least-cost path from ``start`` to ``end`` (both in the blocks).

        ``inner`` (bool per block, in the order of ``blocks``) restricts the search to those
        blocks; the lower bound is then 0 (unknown). ``limit`` (a known path cost) prunes the
        search.
        Returns ``None`` when start and end are not connected.
        """
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import dijkstra

        f2 = self.factor * self.factor
        s, t = self.node(start), self.node(end)
        if s < 0 or t < 0:
            raise ValueError("start and end must lie in the selected blocks")
        outside: np.ndarray | None = None
        if inner is not None:  # no step into a cell outside the inner blocks (edited in place)
            outside = ~np.repeat(np.asarray(inner, dtype=bool), f2)[self._indices]
            saved = self._data[outside]
            self._data[outside] = np.inf
        try:
            graph = csr_matrix((self._data, self._indices, self._indptr), shape=(self.nodes, self.nodes))
            dist, pred = dijkstra(graph, directed=True, indices=s, return_predecessors=True,
                                  limit=np.inf if limit is None else float(limit))
            del graph
        finally:
            if outside is not None:
                self._data[outside] = saved
                del saved, outside
        total = float(dist[t])
        if not math.isfinite(total):
            return None
        seq = [t]
        cur = t
        while cur != s:
            cur = int(pred[cur])
            seq.append(cur)
        ids = np.asarray(seq[::-1], dtype=np.int64)
        slot, local = np.divmod(ids, f2)
        li, lj = np.divmod(local, self.factor)
        cells = np.column_stack([self.blocks[slot, 0] * self.factor + li, self.blocks[slot, 1] * self.factor + lj])
        lower = total
        if inner is not None:
            lower = 0.0  # steps out of the inner blocks are not bounded
        elif len(self._exit_src):
            lower = min(total, float((dist[self._exit_src] + self._exit_lb).min()))
        return BlockSolve(cells=cells, cost=total, lower_bound=lower, nodes=self.nodes)


def solve_blocks(cost: np.ndarray, barrier_cost: float | None, blocks: np.ndarray, factor: int,
                 start: tuple[int, int], end: tuple[int, int], *, limit: float | None = None,
                 min_cost: float | None = None) -> BlockSolve | None:
    """Exact least-cost path on the cells of ``blocks`` (block row, block col; ``factor`` cells square).

    The graph is the one of the module docstring restricted to the cells of the blocks (the
    corner rule looks at the cells just outside as well), see :class:`BlockGraph`. Start and
    end must lie in the blocks. ``limit`` (a known path cost in the blocks) prunes the search.
    ``min_cost`` (the lowest finite cost of the grid) enables the lower bound (otherwise it is
    0 unless no step leaves). Returns ``None`` when start and end are not connected inside the
    blocks.
    """
    graph = BlockGraph(cost, barrier_cost, blocks, factor, end, min_cost=min_cost)
    return graph.solve(start, end, limit=limit)


def observed_costs(cost: np.ndarray, cells: np.ndarray, factor: int, shape: tuple[int, int]) -> np.ndarray:
    """Cost per cell length a fine path pays in each ``factor``-block it visits (NaN elsewhere).

    Each step's cost and length count half for the block of each of its two cells.
    """
    cells = np.asarray(cells, dtype=np.int64)
    out = np.full(shape, np.nan)
    if len(cells) < 2:
        return out
    c = np.asarray(cost[cells[:, 0], cells[:, 1]], dtype=np.float64)
    step = np.hypot(*np.diff(cells, axis=0).T.astype(np.float64))
    w = 0.5 * step * (c[:-1] + c[1:])
    blk = (cells[:, 0] // factor) * shape[1] + cells[:, 1] // factor
    n = shape[0] * shape[1]
    paid = np.bincount(blk[:-1], weights=0.5 * w, minlength=n) + np.bincount(blk[1:], weights=0.5 * w, minlength=n)
    length = np.bincount(blk[:-1], weights=0.5 * step, minlength=n) + np.bincount(blk[1:], weights=0.5 * step,
                                                                                    minlength=n)
    seen = length > 0
    out.reshape(-1)[seen] = paid[seen] / length[seen]
    return out


# --- coarse level -------------------------------------------------------------------------


def _crossing(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cost per cell length of the cheapest monotone crossings of each block along its first axis.

    ``v`` is (A, L, nb) — advance, lateral, block — with ``inf`` barriers: a crossing enters at
    ``A = 0`` (any lateral position), advances one cell per step and moves at most one cell
    sideways (so it follows lines at 0–45° to the axis); entering and leaving count half a cell
    each. Returns two ratios cost / length (``inf`` where every crossing meets a barrier):

    * *through*: leaving after the last cell (the opposite side);
    * *any*: also leaving sideways from the first or last lateral cell once at least half the
      block has been crossed (a line that crosses the block diagonally, leaving by a side, keeps
      its low cost).

    The corner rule is left out of this estimate (barriers' connectivity is handled exactly by
    :class:`CoarseGraph`).
    """
    with np.errstate(over="ignore"):  # sums beyond the float range are inf: impassable, as they should be
        return _crossing_dp(v)


def _crossing_dp(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    adv, lat, nb = v.shape
    half = 0.5 * v
    dist = half[0].copy()
    length = np.full((lat, nb), 0.5, dtype=v.dtype)
    side = np.full(nb, np.inf)
    for j in range(1, adv):
        hp, hj = half[j - 1], half[j]
        best = dist + hp
        best += hj
        blen = length + 1.0
        if lat > 1:
            pre = hp * SQRT2
            pre += dist
            post = hj * SQRT2
            diag_len = length + SQRT2
            c1 = pre[:-1] + post[1:]            # from lateral i-1 to i
            better = c1 < best[1:]
            np.copyto(best[1:], c1, where=better)
            np.copyto(blen[1:], diag_len[:-1], where=better)
            c2 = pre[1:] + post[:-1]            # from lateral i+1 to i
            better = c2 < best[:-1]
            np.copyto(best[:-1], c2, where=better)
            np.copyto(blen[:-1], diag_len[1:], where=better)
        dist, length = best, blen
        if 2 * (j + 1) >= adv and lat > 1:
            for i in (0, lat - 1):
                side = np.minimum(side, (dist[i] + half[j, i]) / (length[i] + 0.5))
    dist += half[adv - 1]
    length += 0.5
    through = np.asarray((dist / length).min(axis=0), dtype=np.float64)
    return through, np.minimum(through, side)


def coarsen(cost: np.ndarray, factor: int, *, barrier_cost: float | None = None,
            rule: str = "min") -> np.ndarray:
    """Block-aggregate a cost array by ``factor`` (cost per cell length of each block).

    A block's cost is the cost per metre of its cheapest *monotone crossing* — left to right or
    top to bottom, moving at most one cell sideways per step, so lines at any angle are
    followed — with barriers respected:

    * ``rule="min"``: the cheaper of the two directions, a crossing also allowed to leave by a
      side after half the block. A cheap line through the block (a road, a bundling strip, at
      any angle, also one that cuts a corner) keeps its low cost at the coarse level.
    * ``rule="max"``: the dearer of the two. A line of expensive cells across the block (a
      finite "wall", e.g. a canal coded 9999) keeps the cost of crossing it.

    Where no crossing avoids the barriers the mean of the block's open cells is used; blocks
    without open cells are ``inf``. Barriers: NaN, ±inf and values ≥ ``barrier_cost``.
    The connectivity of barriers is not expressed here; see :class:`CoarseGraph`.

    Works in strips of block rows, so it needs little extra memory.
    """
    if rule not in ("min", "max"):
        raise ValueError(f"unknown coarsening rule {rule!r}")
    stats = _block_stats(cost, factor, barrier_cost)
    return stats.kmin if rule == "min" else stats.kmax


@dataclass
class _BlockStats:
    kmin: np.ndarray        # (Hb, Wb)
    kmax: np.ndarray
    nbar: np.ndarray        # barrier cells per block (cells outside the grid count as barriers)
    mixed: np.ndarray       # (Hb, Wb) index into labels, -1 if the block is all open or all barrier
    labels: np.ndarray      # (n_mixed, F, F) int16: 4-connected open pieces, 0 = barrier
    ncomp: np.ndarray       # (n_mixed,) pieces per mixed block
    min_cost: float
    piece_lo: np.ndarray    # cost of each piece of the mixed blocks, in order ("min" rule)
    piece_hi: np.ndarray    # the same, "max" rule


def _block_stats(cost: np.ndarray, factor: int, barrier_cost: float | None, offset: int = 0,
                 wall_ratio: float | None = None, chunk_cells: int = 2_000_000) -> _BlockStats:
    """Per-block statistics; block (i, j) covers rows and columns ``[i F − offset, (i+1) F − offset)``.

    With ``wall_ratio``, open cells costing at least ``wall_ratio`` × their block's median are
    "walls": they split the block into pieces like barriers do, and form pieces of their own
    (passable, at their cost); see :class:`CoarseGraph`.
    """

    f, o = factor, offset
    h, w = cost.shape
    hb, wb = -(-(h + o) // f), -(-(w + o) // f)
    kmin = np.empty((hb, wb))
    kmax = np.empty((hb, wb))
    nbar = np.empty((hb, wb), dtype=np.int64)
    mixed = np.full((hb, wb), -1, dtype=np.int64)
    labels: list[np.ndarray] = []
    ncomp: list[np.ndarray] = []
    piece_lo: list[np.ndarray] = []   # per piece of each mixed block, flattened
    piece_hi: list[np.ndarray] = []
    n_mixed = 0
    lowest = math.inf
    rows_per = max(1, chunk_cells // max(1, wb * f * f))
    four = np.zeros((3, 3, 3), dtype=bool)
    four[1] = [[False, True, False], [True, True, True], [False, True, False]]
    dtype = np.float32 if cost.dtype == np.float32 else np.float64
    for i0 in range(0, hb, rows_per):
        i1 = min(hb, i0 + rows_per)
        nr = i1 - i0
        # (block row, fine row, fine col, block col): reductions over a block run over outer axes
        vt = np.empty((nr, f, f, wb), dtype=dtype)
        r_lo = i0 * f - o
        part = cost[max(r_lo, 0):min(i1 * f - o, h)]
        if o == 0 and part.shape == (nr * f, wb * f):
            vt[...] = part.reshape(nr, f, wb, f).transpose(0, 1, 3, 2)
        else:
            padded = np.full((nr * f, wb * f), np.inf, dtype=dtype)
            top = max(r_lo, 0) - r_lo
            padded[top:top + part.shape[0], o:o + w] = part
            vt[...] = padded.reshape(nr, f, wb, f).transpose(0, 1, 3, 2)
            del padded
        np.copyto(vt, np.inf, where=~np.isfinite(vt))
        if barrier_cost is not None:
            np.copyto(vt, np.inf, where=vt >= barrier_cost)
        vmin = vt.min(axis=(1, 2)).reshape(-1)
        vmax = vt.max(axis=(1, 2)).reshape(-1)
        lowest = min(lowest, float(vmin.min()))
        # straight crossings: the cheapest full row and the cheapest full column of each block
        k_row = vt.sum(axis=2, dtype=np.float64).min(axis=1).reshape(-1) / f
        k_col = vt.sum(axis=1, dtype=np.float64).min(axis=1).reshape(-1) / f
        lo = np.minimum(k_row, k_col)
        hi = np.maximum(k_row, k_col)
        # blocks with barriers or with costs varying by more than SMOOTH_RATIO: monotone crossings
        structured = np.flatnonzero(np.isfinite(vmin) & ~(vmax <= SMOOTH_RATIO * vmin))
        nb_bar = np.zeros(nr * wb, dtype=np.int64)
        if len(structured):
            bi, bj = np.divmod(structured, wb)
            sub = vt[bi, :, :, bj]
            fin = np.isfinite(sub)
            n_open = fin.sum(axis=(1, 2))
            nb_bar[structured] = f * f - n_open
            mean = np.where(fin, sub, 0.0).sum(axis=(1, 2), dtype=np.float64) / np.maximum(n_open, 1)
            d_row, a_row = _crossing(np.ascontiguousarray(sub.transpose(2, 1, 0)))  # left to right
            d_col, a_col = _crossing(np.ascontiguousarray(sub.transpose(1, 2, 0)))  # top to bottom
            both = np.isfinite(d_row) & np.isfinite(d_col)
            d_lo = np.minimum(a_row, a_col)
            d_hi = np.where(both, np.maximum(d_row, d_col), np.minimum(d_row, d_col))
            lo[structured] = np.where(np.isfinite(d_lo), d_lo, mean)
            hi[structured] = np.where(np.isfinite(d_hi), d_hi, mean)
            soft = np.zeros_like(fin)
            if wall_ratio is not None:
                med = np.nanmedian(np.where(fin, sub, np.nan).reshape(len(structured), -1), axis=1)
                soft = fin & (sub >= wall_ratio * med[:, None, None])
            mixed_sel = np.flatnonzero((nb_bar[structured] > 0) | soft.any(axis=(1, 2)))
            if len(mixed_sel):
                cheap = fin[mixed_sel] & ~soft[mixed_sel]
                local = _local_labels(cheap, four)
                n_cheap = local.max(axis=(1, 2))
                walls = soft[mixed_sel]
                if walls.any():
                    local = np.where(walls, _local_labels(walls, four) + n_cheap[:, None, None], local)
                labels.append(local.astype(np.int16))
                n_pieces = local.max(axis=(1, 2)).astype(np.int64)
                ncomp.append(n_pieces)
                # piece costs: cheap pieces cross their block avoiding the walls; wall pieces cost their mean
                sub_c = np.where(walls, np.inf, sub[mixed_sel])
                c_row, ca_row = _crossing(np.ascontiguousarray(sub_c.transpose(2, 1, 0)))
                c_col, ca_col = _crossing(np.ascontiguousarray(sub_c.transpose(1, 2, 0)))
                mean_c = (np.where(cheap, sub_c, 0.0).sum(axis=(1, 2), dtype=np.float64)
                          / np.maximum(cheap.sum(axis=(1, 2)), 1))
                c_lo = np.minimum(ca_row, ca_col)
                c_hi = np.where(np.isfinite(c_row) & np.isfinite(c_col), np.maximum(c_row, c_col),
                                np.minimum(c_row, c_col))
                c_lo = np.where(np.isfinite(c_lo), c_lo, mean_c)
                c_hi = np.where(np.isfinite(c_hi), c_hi, mean_c)
                flat = (np.arange(len(mixed_sel))[:, None, None] * (f * f + 1) + local)[local > 0]
                vals = sub[mixed_sel][local > 0].astype(np.float64)
                tot = np.bincount(flat, weights=vals, minlength=len(mixed_sel) * (f * f + 1))
                cnt = np.bincount(flat, minlength=len(mixed_sel) * (f * f + 1))
                p_mean = (tot / np.maximum(cnt, 1)).reshape(len(mixed_sel), -1)[:, 1:]
                number = np.arange(1, f * f + 1)[None, :]
                present = number <= n_pieces[:, None]            # pieces in order: block, then label
                is_wall = (number > n_cheap[:, None])[present]
                piece_lo.append(np.where(is_wall, p_mean[present], np.broadcast_to(c_lo[:, None], present.shape)[present]))
                piece_hi.append(np.where(is_wall, p_mean[present], np.broadcast_to(c_hi[:, None], present.shape)[present]))
                mixed.reshape(-1)[i0 * wb + structured[mixed_sel]] = n_mixed + np.arange(len(mixed_sel))
                n_mixed += len(mixed_sel)
            del sub, fin
        nb_bar[~np.isfinite(vmin)] = f * f
        kmin[i0:i1] = lo.reshape(nr, wb)
        kmax[i0:i1] = hi.reshape(nr, wb)
        nbar[i0:i1] = nb_bar.reshape(nr, wb)
        del vt
    return _BlockStats(
        kmin=kmin, kmax=kmax, nbar=nbar, mixed=mixed,
        labels=np.concatenate(labels) if labels else np.zeros((0, f, f), dtype=np.int16),
        ncomp=np.concatenate(ncomp) if ncomp else np.zeros(0, dtype=np.int64),
        min_cost=lowest,
        piece_lo=np.concatenate(piece_lo) if piece_lo else np.zeros(0),
        piece_hi=np.concatenate(piece_hi) if piece_hi else np.zeros(0),
    )


def _local_labels(mask: np.ndarray, structure: np.ndarray) -> np.ndarray:
    """4-connected pieces of each 2-D plane of ``mask`` (n, F, F), numbered 1… within each plane."""
    from scipy import ndimage

    lab, _ = ndimage.label(mask, structure=structure)
    first = np.where(lab > 0, lab, np.iinfo(lab.dtype).max).min(axis=(1, 2))
    return np.where(lab > 0, lab - first[:, None, None] + 1, 0)


class CoarseGraph:
    """The coarse level of coarse-to-fine routing (see the module docstring).

    Nodes: each block's open cells split into 4-connected pieces, one node per piece (a block
    without barriers is one node). Two nodes are joined when a fine step (with the corner rule)
    joins a cell of one to a cell of the other; a step costs ``factor`` × (1 or √2) × the mean of
    the two nodes' costs (:func:`coarsen`, rule ``"min"`` or ``"max"``; under ``"max"`` a diagonal
    step costs at least the cheaper of the two blocks beside the corner it passes, so it cannot
    slip through an expensive line that runs through both). So a coarse path exists exactly when
    a fine path exists, and every coarse path is followed by a fine path through the same
    pieces.
    """

    def __init__(self, cost: np.ndarray, factor: int, barrier_cost: float | None = None, *,
                 offset: int = 0, walls: bool = False) -> None:
        f = self.factor = int(factor)
        self.offset = int(offset)  # block (i, j) starts at cell (i F - offset, j F - offset)
        self.grid_shape = cost.shape
        self._cost = cost
        self._barrier_cost = barrier_cost
        st = _block_stats(cost, f, barrier_cost, self.offset, wall_ratio=WALL_RATIO if walls else None)
        self.min_cost = st.min_cost
        hb, wb = self.shape = st.kmin.shape
        nblk = hb * wb
        self._mixed = st.mixed
        self._labels = st.labels
        # node ids: block index for the first piece of each block; extra pieces after nblk
        extra_counts = np.maximum(st.ncomp - 1, 0)
        self._extra_base = nblk + np.concatenate([[0], np.cumsum(extra_counts)[:-1]]).astype(np.int64)
        n_extra = int(extra_counts.sum())
        self.n_nodes = nblk + n_extra
        mixed_blocks = np.flatnonzero(st.mixed.reshape(-1) >= 0)
        extra_block = np.repeat(mixed_blocks[np.argsort(st.mixed.reshape(-1)[mixed_blocks])], extra_counts)
        self.node_block = np.concatenate([np.arange(nblk), extra_block]).astype(np.int64)
        self.costs = {
            "min": st.kmin.reshape(-1)[self.node_block],
            "max": st.kmax.reshape(-1)[self.node_block],
        }
        if len(st.ncomp):  # pieces of split blocks have their own costs
            first = np.zeros(len(st.piece_lo), dtype=bool)
            first[np.concatenate([[0], np.cumsum(st.ncomp)[:-1]])] = True
            mixed_order = mixed_blocks[np.argsort(st.mixed.reshape(-1)[mixed_blocks])]
            for rule, pieces in (("min", st.piece_lo), ("max", st.piece_hi)):
                self.costs[rule][mixed_order] = pieces[first]
                self.costs[rule][nblk:] = pieces[~first]
        clean = (st.nbar.reshape(hb, wb) == 0) & (st.mixed < 0)  # one open piece
        full = self._full = st.nbar.reshape(hb, wb) == f * f
        # primary-to-primary edges live in 8 slots per block (MOVES order); edges that touch an
        # extra piece are listed separately
        exists = np.zeros((hb, wb, 8), dtype=bool)
        ex_u: list[np.ndarray] = []
        ex_v: list[np.ndarray] = []
        ex_step: list[np.ndarray] = []
        bidx = np.arange(nblk, dtype=np.int64).reshape(hb, wb)
        for di, dj in ((0, 1), (1, 0), (1, 1), (1, -1)):
            k, back = MOVES.index((di, dj)), MOVES.index((-di, -dj))
            ra, ca = slice(0, hb - di), slice(max(0, -dj), wb - max(0, dj))
            rb, cb = slice(di, hb), slice(max(0, dj), wb - max(0, -dj))
            both_clean = clean[ra, ca] & clean[rb, cb]
            if di and dj:  # a diagonal step also depends on the two blocks beside the corner
                both_clean &= clean[rb, ca] | clean[ra, cb]
            exists[ra, ca, k] |= both_clean
            exists[rb, cb, back] |= both_clean
            rest = ~both_clean & ~full[ra, ca] & ~full[rb, cb]
            if not rest.any():
                continue
            a = bidx[ra, ca][rest]
            b = bidx[rb, cb][rest]
            a_r, a_c = np.divmod(a, wb)
            b_r, b_c = np.divmod(b, wb)
            u, v = self._fine_links(a_r, a_c, b_r, b_c, di, dj)
            prim = (u < nblk) & (v < nblk)
            exists.reshape(nblk, 8)[u[prim], k] = True
            exists.reshape(nblk, 8)[v[prim], back] = True
            step = SQRT2 if di and dj else 1.0
            ex_u += [u[~prim], v[~prim]]
            ex_v += [v[~prim], u[~prim]]
            ex_step.append(np.full(2 * int((~prim).sum()), step))
        if walls and n_extra:  # wall pieces touch the other pieces of their block
            u, v = self._inner_links(mixed_order, st)
            ex_u += [u, v]
            ex_v += [v, u]
            ex_step.append(np.full(2 * len(u), 0.5))
        self._exists = exists.reshape(nblk, 8)
        offsets = np.array([di * wb + dj for di, dj in MOVES], dtype=np.int64)
        self._slot_dst = np.where(self._exists, np.arange(nblk)[:, None] + offsets, np.arange(nblk)[:, None])
        self._slot_step = np.array([SQRT2 if di and dj else 1.0 for di, dj in MOVES])
        eu = np.concatenate(ex_u) if ex_u else np.zeros(0, dtype=np.int64)
        ev = np.concatenate(ex_v) if ex_v else np.zeros(0, dtype=np.int64)
        es = np.concatenate(ex_step) if ex_step else np.zeros(0)
        order = np.argsort(eu, kind="stable")
        self._ex_u, self._ex_v, self._ex_step = eu[order], ev[order], es[order]
        counts = np.bincount(self._ex_u, minlength=self.n_nodes)
        counts[:nblk] += 8
        self._indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        rank = np.arange(len(self._ex_u)) - np.searchsorted(self._ex_u, self._ex_u)
        self._ex_pos = self._indptr[self._ex_u] + np.where(self._ex_u < nblk, 8, 0) + rank
        indices = np.empty(int(self._indptr[-1]), dtype=np.int64)
        slots = (self._indptr[:nblk, None] + np.arange(8)).reshape(-1)
        indices[slots] = self._slot_dst.reshape(-1)
        indices[self._ex_pos] = self._ex_v
        self._slots = slots
        self._indices = indices

    # -- construction helpers --------------------------------------------------------------

    def _side(self, br: np.ndarray, bc: np.ndarray, rows: slice | int, cols: slice | int) -> np.ndarray:
        """Piece labels (0 = barrier) of cells ``[rows, cols]`` of blocks (br, bc): all-open blocks
        are 1, all-barrier blocks and blocks outside the grid 0."""
        f = self.factor
        hb, wb = self.shape
        shape = np.zeros((f, f))[rows, cols].shape
        out = np.ones((len(br), *shape), dtype=np.int64)
        inb = (br >= 0) & (br < hb) & (bc >= 0) & (bc < wb)
        out[~inb] = 0
        out[inb & self._full[np.clip(br, 0, hb - 1), np.clip(bc, 0, wb - 1)]] = 0
        idx = np.full(len(br), -1, dtype=np.int64)
        idx[inb] = self._mixed[br[inb], bc[inb]]
        mix = idx >= 0
        if mix.any():
            out[mix] = self._labels[idx[mix]][(slice(None), rows, cols)]
        return out

    def _inner_links(self, mixed_order: np.ndarray, st: _BlockStats) -> tuple[np.ndarray, np.ndarray]:
        """Node pairs of different pieces of one block joined by a fine step (with the corner rule)."""
        several = np.flatnonzero(st.ncomp > 1)
        lab = st.labels[several]
        br, bc = np.divmod(mixed_order[several], self.shape[1])
        f = self.factor
        pairs_a: list[np.ndarray] = []
        pairs_b: list[np.ndarray] = []
        for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
            r_a, r_b = slice(0, f - dr), slice(dr, f)
            c_a, c_b = slice(max(0, -dc), f - max(0, dc)), slice(max(0, dc), f - max(0, -dc))
            x, y = lab[:, r_a, c_a], lab[:, r_b, c_b]
            ok = (x > 0) & (y > 0) & (x != y)
            if dr and dc:
                ok &= (lab[:, r_b, c_a] > 0) | (lab[:, r_a, c_b] > 0)
            k, i, j = np.nonzero(ok)
            pairs_a.append(self._node(br[k], bc[k], x[k, i, j]))
            pairs_b.append(self._node(br[k], bc[k], y[k, i, j]))
        u, v = np.concatenate(pairs_a), np.concatenate(pairs_b)
        if not len(u):
            return u, v
        key = np.unique(np.minimum(u, v) * self.n_nodes + np.maximum(u, v))
        return key // self.n_nodes, key % self.n_nodes

    def _node(self, br: np.ndarray, bc: np.ndarray, lab: np.ndarray) -> np.ndarray:
        block = br * self.shape[1] + bc
        idx = self._mixed[br, bc]
        base = np.where(idx >= 0, self._extra_base[np.maximum(idx, 0)], 0)
        return np.where(lab <= 1, block, base + lab - 2)

    def _fine_links(self, a_r: np.ndarray, a_c: np.ndarray, b_r: np.ndarray, b_c: np.ndarray,
                    di: int, dj: int) -> tuple[np.ndarray, np.ndarray]:
        """Node pairs joined by fine steps between blocks a and b = a + (di, dj)."""
        f = self.factor
        pairs_a: list[np.ndarray] = []
        pairs_b: list[np.ndarray] = []
        if (di, dj) in ((0, 1), (1, 0)):
            if dj:
                la, lb = self._side(a_r, a_c, slice(None), f - 1), self._side(b_r, b_c, slice(None), 0)
            else:
                la, lb = self._side(a_r, a_c, f - 1, slice(None)), self._side(b_r, b_c, 0, slice(None))
            cand = [(la, lb, np.ones_like(la, dtype=bool))]
            if f > 1:
                # diagonal steps along the shared edge, with the corner rule
                cand.append((la[:, :-1], lb[:, 1:], (la[:, 1:] > 0) | (lb[:, :-1] > 0)))
                cand.append((la[:, 1:], lb[:, :-1], (la[:, :-1] > 0) | (lb[:, 1:] > 0)))
            for x, y, rule in cand:
                ok = (x > 0) & (y > 0) & rule
                k, pos = np.nonzero(ok)
                pairs_a.append(self._node(a_r[k], a_c[k], x[k, pos]))
                pairs_b.append(self._node(b_r[k], b_c[k], y[k, pos]))
        else:
            # one diagonal step through the shared block corner
            ca = f - 1 if dj == 1 else 0
            cb = 0 if dj == 1 else f - 1
            x = self._side(a_r, a_c, f - 1, ca)
            y = self._side(b_r, b_c, 0, cb)
            o1 = self._side(b_r, a_c, 0, ca)          # cell below a's corner cell
            o2 = self._side(a_r, b_c, f - 1, cb)      # cell beside a's corner cell
            ok = (x > 0) & (y > 0) & ((o1 > 0) | (o2 > 0))
            k = np.flatnonzero(ok)
            pairs_a.append(self._node(a_r[k], a_c[k], x[k]))
            pairs_b.append(self._node(b_r[k], b_c[k], y[k]))
        u = np.concatenate(pairs_a)
        v = np.concatenate(pairs_b)
        if not len(u):
            return u, v
        key = np.unique(u * self.n_nodes + v)
        return key // self.n_nodes, key % self.n_nodes

    def _endpoint_sides(self, cell: tuple[int, int]) -> np.ndarray | None:
        """Which of the 8 neighbouring blocks the start or end point's side of its block touches.

        Cells costing more than :data:`WALL_RATIO` × the block's median are walls here: when
        they split the block, a coarse path must leave (or enter) it on the point's side, or it
        would cross such a wall inside the block for free. ``None``: no such split.
        """
        from scipy import ndimage

        f, o = self.factor, self.offset
        br, bc = (cell[0] + o) // f, (cell[1] + o) // f
        r0, c0 = max(br * f - o, 0), max(bc * f - o, 0)
        sub = np.asarray(self._cost[r0:(br + 1) * f - o, c0:(bc + 1) * f - o], dtype=np.float64)
        open_ = ~barrier_mask(sub, self._barrier_cost)
        limit = WALL_RATIO * float(np.median(sub[open_]))
        local = (cell[0] - r0, cell[1] - c0)
        cheap = open_ & (sub < limit)
        if not cheap[local] or cheap.sum() == open_.sum():
            return None
        labels, _ = ndimage.label(cheap, structure=np.ones((3, 3), dtype=bool))
        piece = labels == labels[local]
        last_r, last_c = piece.shape[0] - 1, piece.shape[1] - 1
        touches = {(0, 1): piece[:, last_c].any(), (1, 0): piece[last_r, :].any(),
                   (0, -1): piece[:, 0].any(), (-1, 0): piece[0, :].any(),
                   (1, 1): piece[last_r, last_c], (1, -1): piece[last_r, 0],
                   (-1, 1): piece[0, last_c], (-1, -1): piece[0, 0]}
        return np.array([bool(touches[m]) for m in MOVES])

    # -- queries ---------------------------------------------------------------------------

    def node_of(self, cell: tuple[int, int]) -> int:
        """The node of the piece holding a fine cell (which must not be a barrier)."""
        f, o = self.factor, self.offset
        br, bc = (cell[0] + o) // f, (cell[1] + o) // f
        idx = int(self._mixed[br, bc])
        lab = 1 if idx < 0 else int(self._labels[idx, cell[0] + o - br * f, cell[1] + o - bc * f])
        if lab <= 0:
            raise ValueError(f"cell {cell} is a barrier")
        return int(self._node(np.array([br]), np.array([bc]), np.array([lab]))[0])

    def path_blocks(self, start: tuple[int, int], end: tuple[int, int], rule: str, *,
                    observed: np.ndarray | None = None) -> np.ndarray | None:
        """Blocks (block row, block col) of the cheapest coarse path under ``rule``; None if no path.

        Block (i, j) covers cells from (i F − offset, j F − offset).

        ``observed`` (per block, NaN where unknown) raises node costs to what a fine path was
        seen to pay in those blocks (see :func:`observed_costs`).
        """
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import dijkstra

        c = self.costs[rule]
        if observed is not None:
            seen = np.asarray(observed, dtype=np.float64).reshape(-1)[self.node_block]
            c = np.where(np.isfinite(seen), np.maximum(c, seen), c)
        hb, wb = self.shape
        nblk = hb * wb
        data = np.empty(len(self._indices))
        slot_w = 0.5 * (c[:nblk, None] + c[self._slot_dst])
        ex_w = 0.5 * (c[self._ex_u] + c[self._ex_v])
        if rule == "max":
            # a diagonal step passes between the two blocks beside the shared corner: when both
            # are dear (an expensive line runs through them), the step crosses that line
            side = np.pad(c[:nblk].reshape(hb, wb), 1, constant_values=np.inf)
            br, bc = np.divmod(np.arange(nblk), wb)
            for k, (dr, dc) in enumerate(MOVES):
                if dr and dc:
                    beside = np.minimum(side[br + dr + 1, bc + 1], side[br + 1, bc + dc + 1])
                    slot_w[:, k] = np.maximum(slot_w[:, k], beside)
            diag = self._ex_step > 1.0
            if diag.any():
                (ur, uc), (vr, vc) = (np.divmod(self.node_block[x[diag]], wb) for x in (self._ex_u, self._ex_v))
                beside = np.minimum(side[vr + 1, uc + 1], side[ur + 1, vc + 1])
                ex_w[diag] = np.maximum(ex_w[diag], beside)
        slot_w *= self.factor * self._slot_step
        slot_w[~self._exists] = np.inf
        data[self._slots] = slot_w.reshape(-1)
        data[self._ex_pos] = self._ex_step * self.factor * ex_w
        s, t = self.node_of(start), self.node_of(end)
        # leave the start block and enter the end block only on the side of their point
        for node, cell, outgoing in ((s, start, True), (t, end, False)):
            sides = self._endpoint_sides(cell) if node < nblk else None
            if sides is None:
                continue
            for k, (dr, dc) in enumerate(MOVES):
                if sides[k]:
                    continue
                if outgoing:
                    data[self._slots[node * 8 + k]] = np.inf
                else:
                    nb = self._slot_dst[node, k]
                    if nb != node:  # the neighbour's step into the end block
                        data[self._slots[nb * 8 + MOVES.index((-dr, -dc))]] = np.inf
        graph = csr_matrix((data, self._indices, self._indptr), shape=(self.n_nodes, self.n_nodes))
        dist, pred = dijkstra(graph, directed=True, indices=s, return_predecessors=True)
        if not math.isfinite(dist[t]):
            return None
        seq = [t]
        cur = t
        while cur != s:
            cur = int(pred[cur])
            seq.append(cur)
        blocks = self.node_block[np.asarray(seq[::-1], dtype=np.int64)]
        return np.column_stack(np.divmod(blocks, self.shape[1]))
