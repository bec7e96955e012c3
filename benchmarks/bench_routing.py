"""Benchmark: least-cost routing at full resolution vs coarse-to-fine (wlr_geo.analysis.routing.lcp).

Usage::

    python benchmarks/bench_routing.py            # 2000² and 5000² grids (about 1–2 minutes)
    python benchmarks/bench_routing.py --quick    # 1000² and 2000²
    python benchmarks/bench_routing.py --sizes 3000 8000

For each grid size a synthetic landscape is generated once (seeded): a smooth cost field 1–10,
rectangular building blocks (barriers), long walls with a few gaps, and cheap bundling strips.
The route runs corner to corner (diagonal: the worst case for the corridor's bounding box).
Each method runs in its own subprocess that loads the array from a .npy file, so its peak RSS
(``VmHWM``) is clean; the table shows the peak and the increment over the RSS after
loading (imports + the cost array). The path-cost ratio is coarse-to-fine / full (the
full solve is the exact optimum, so the ratio is ≥ 1).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def landscape(n: int, seed: int = 42) -> np.ndarray:
    from scipy.ndimage import zoom

    rng = np.random.default_rng(seed)
    low = rng.standard_normal((max(4, n // 100), max(4, n // 100)))
    field = zoom(low, n / low.shape[0], order=3)[:n, :n]
    cost = (1.0 + 9.0 * (field - field.min()) / (field.max() - field.min())).astype(np.float32)
    for _ in range(n // 20):  # building blocks
        r0, c0 = rng.integers(0, n - 60, 2)
        cost[r0:r0 + rng.integers(8, 60), c0:c0 + rng.integers(8, 60)] = np.inf
    for _ in range(4):  # long walls (canals, rail embankments) with three gaps each
        if rng.random() < 0.5:
            c = int(rng.integers(n // 5, 4 * n // 5))
            cost[:, c:c + 3] = np.inf
            for g in rng.integers(0, n - 5, 3):
                cost[g:g + 4, c:c + 3] = 2.0
        else:
            r = int(rng.integers(n // 5, 4 * n // 5))
            cost[r:r + 3, :] = np.inf
            for g in rng.integers(0, n - 5, 3):
                cost[r:r + 3, g:g + 4] = 2.0
    for _ in range(3):  # bundling strips along roads
        r = int(rng.integers(0, n - 10))
        strip = cost[r:r + 6, :]
        strip[np.isfinite(strip)] = 0.6
    m = max(10, n // 100)
    cost[:m, :m] = 1.0
    cost[-m:, -m:] = 1.0
    return cost


def _peak_and_current_mb() -> tuple[float, float]:
    """Peak (VmHWM) and current (VmRSS) resident memory of this process in MB.

    ``resource.getrusage().ru_maxrss`` is not used: on Linux it keeps the parent's high-water
    mark across fork + exec, which would charge the landscape generation to the worker.
    """
    try:
        fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
        return int(fields["VmHWM"].split()[0]) / 1024, int(fields["VmRSS"].split()[0]) / 1024
    except (OSError, KeyError):
        import psutil

        rss = psutil.Process().memory_info().rss / 2**20
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, rss


def _worker(npy: str, method: str) -> None:
    from affine import Affine

    from wlr_geo.analysis.routing.cost import CostRaster
    from wlr_geo.analysis.routing.lcp import least_cost_path

    cost = np.load(npy)
    n = cost.shape[0]
    raster = CostRaster(cost, Affine(1.0, 0, 0.0, 0, -1.0, float(n)))
    _, base_mb = _peak_and_current_mb()
    t = time.perf_counter()
    result = least_cost_path(raster, (5.5, n - 5.5), (n - 5.5, 5.5), method=method)
    elapsed = time.perf_counter() - t
    peak_mb, _ = _peak_and_current_mb()
    print(json.dumps({"time_s": elapsed, "peak_mb": peak_mb, "base_mb": base_mb, "cost": result.cost,
                      "length_m": result.length_m, "info": {k: str(v) for k, v in result.info.items()}}))


def _run(npy: Path, method: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--worker", str(npy), method], check=True,
                         capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small grids (1000², 2000²)")
    ap.add_argument("--sizes", type=int, nargs="*", help="grid sizes (cells per side)")
    ap.add_argument("--large", action="store_true",
                    help="also route on a 10000² grid (a 25 km diagonal at 2.5 m) with coarse-to-fine only")
    ap.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        _worker(*args.worker)
        return 0
    sizes = args.sizes or ([1000, 2000] if args.quick else [2000, 5000])
    jobs = [(n, True) for n in sizes] + ([(10_000, False)] if args.large else [])
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, with_full in jobs:
            npy = Path(tmp) / f"cost_{n}.npy"
            np.save(npy, landscape(n))
            full = _run(npy, "full") if with_full else None
            c2f = _run(npy, "coarse-to-fine")
            npy.unlink()
            rows.append((n, full, c2f))
            print(f"{n}²: full {full['time_s'] if full else float('nan'):.1f} s, coarse-to-fine "
                  f"{c2f['time_s']:.2f} s ({c2f['info']})", file=sys.stderr)
    head = ("grid", "method", "time s", "peak RSS MB", "Δ RSS MB", "path cost", "speed-up", "peak ratio", "Δ ratio", "cost ratio")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for n, full, c2f in rows:
        if full is None:
            delta = c2f["peak_mb"] - c2f["base_mb"]
            print(f"| {n}² | coarse-to-fine | {c2f['time_s']:.2f} | {c2f['peak_mb']:.0f} | {delta:.0f} | "
                  f"{c2f['cost']:.1f} | (full not run) | | | |")
            continue
        for name, r in (("full", full), ("coarse-to-fine", c2f)):
            delta = r["peak_mb"] - r["base_mb"]
            if name == "full":
                extra = ("1.0", "1.00", "1.00", "1.0000")
            else:
                extra = (f"{full['time_s'] / r['time_s']:.1f}×", f"{r['peak_mb'] / full['peak_mb']:.2f}",
                         f"{delta / max(full['peak_mb'] - full['base_mb'], 1e-9):.3f}",
                         f"{r['cost'] / full['cost']:.4f}")
            print(f"| {n}² | {name} | {r['time_s']:.2f} | {r['peak_mb']:.0f} | {delta:.0f} | {r['cost']:.1f} | " + " | ".join(extra) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
