"""Whole-process benchmark: ``wlr-geo impact`` against a plain geopandas script on the same files.

What a user waits for is the command, not the kernel: imports, reading, analysis and writing.
Both sides run as separate processes on the same files, best of ``--repeat`` (default 3):

* ``naive`` — a plain geopandas script: read the whole cable layer and the route, buffer the
  route by 10 m (a 20 m corridor), ``overlay`` the cables with it, ``sjoin`` the pieces with the
  municipalities, write the pieces to a GeoPackage;
* ``wlr``   — ``wlr-geo impact --route ... --layer cables.gpkg:cables --municipalities ... -o DIR``
  (crossing register with angles and techniques, parallel runs, strips, segments per gemeente,
  markers; writes impact.gpkg, the CSVs, impact.xlsx and summary.json). It reads the cable
  layer only near the route through its GeoPackage R-tree (:func:`wlr_geo.io.area.read_near`);
* ``wlr --no-xlsx`` — the same without the spreadsheet.

Inputs (seeded, EPSG:28992, built once per size into ``--work``): a 25 km random-walk route of
250 vertices; N cable segments (2-point lines, 5–40 m) spread uniformly over the route's box
plus 2 km, with thema and netbeheerder, in a GeoPackage with its R-tree; four municipalities
(vertical bands). Wall time with ``perf_counter`` around the child; peak memory is the child's
maximum resident set size, from ``resource.getrusage(RUSAGE_CHILDREN)`` in a small wrapper
process per run (so each figure is one command's own peak).

Usage::

    python benchmarks/bench_process.py --sizes 100000,300000 [--repeat 3] [--work DIR]

Measured on the shared 2-core development machine (2026-12-03; the commands take turns in a
rotating order, best of 5 each; ratio = naive / wlr wall time, > 1 means wlr-geo is faster;
memory = wlr / naive peak RSS; ``benchmarks/results/process.txt``):

=========  ========  ========  ==========  ==========  ======
cables     naive     wlr       ratio       no xlsx     memory
=========  ========  ========  ==========  ==========  ======
1e5        1.86 s    1.16 s    1.60×       1.90×       0.85
3e5        4.61 s    1.39 s    3.32×       3.87×       0.60
1e6        17.03 s   2.01 s    8.48×       8.95×       0.31
=========  ========  ========  ==========  ==========  ======

The wlr-geo side grows with the features near the route, not the layer (it reads only the corridor
the analysis needs, ≈ 95 m with the default strips, through the R-tree); most of its time is fixed:
geopandas' import (paid by both sides), wlr_geo's modules and writing impact.gpkg with its styles
and the CSVs (impact.xlsx is built meanwhile by a helper process on the other core, so the CPU
time counts it and the wall time mostly does not). ``--other-wlr`` runs an earlier wlr-geo in turn
with the others.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROUTE_KM = 25.0
SEED = 20261202

#: The naive geopandas script (argv: cables.gpkg route.gpkg municipalities.gpkg out.gpkg).
NAIVE = """
import sys
import geopandas as gpd
cables = gpd.read_file(sys.argv[1], layer="cables", engine="pyogrio")
route = gpd.read_file(sys.argv[2], layer="route", engine="pyogrio")
gm = gpd.read_file(sys.argv[3], layer="municipalities", engine="pyogrio")
corridor = gpd.GeoDataFrame(geometry=route.buffer(10.0), crs=route.crs)
pieces = gpd.overlay(cables, corridor, how="intersection", keep_geom_type=True)
pieces = gpd.sjoin(pieces, gm[["gm_naam", "geometry"]], how="left", predicate="intersects")
pieces["length_m"] = pieces.length
pieces.to_file(sys.argv[4], layer="pieces", engine="pyogrio")
"""

#: Runs argv[1:] as a child and prints its wall time, CPU time and peak RSS (kB) as JSON.
WRAPPER = """
import json, resource, subprocess, sys, time
t = time.perf_counter()
rc = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": rc, "wall_s": wall, "cpu_s": ru.ru_utime + ru.ru_stime, "rss_kb": ru.ru_maxrss}))
"""


def make_inputs(n_cables: int, folder: Path, seed: int = SEED) -> dict[str, Path]:
    """Write route.gpkg, cables.gpkg (with R-tree) and municipalities.gpkg into ``folder``."""
    import geopandas as gpd
    import shapely

    folder.mkdir(parents=True, exist_ok=True)
    paths = {"route": folder / "route.gpkg", "cables": folder / "cables.gpkg", "gm": folder / "municipalities.gpkg"}
    if all(p.exists() for p in paths.values()):
        return paths
    rng = np.random.default_rng(seed)
    n_v = 250
    step = ROUTE_KM * 1000 / n_v
    ang = np.cumsum(rng.normal(0, 0.15, n_v)) * 0.3 + 0.4
    xy = np.vstack([[80_000.0, 450_000.0], np.column_stack([np.cos(ang), np.sin(ang)]) * step]).cumsum(axis=0)
    route = shapely.linestrings(xy)
    minx, miny, maxx, maxy = route.bounds
    minx, miny, maxx, maxy = minx - 2000, miny - 2000, maxx + 2000, maxy + 2000
    start = np.column_stack([rng.uniform(minx, maxx, n_cables), rng.uniform(miny, maxy, n_cables)])
    a = rng.uniform(0, 2 * math.pi, n_cables)
    length = rng.uniform(5, 40, n_cables)
    end = start + np.column_stack([np.cos(a), np.sin(a)]) * length[:, None]
    themas = np.array(["laagspanning", "datatransport", "gasLageDruk", "water", "middenspanning", "hoogspanning"])
    ops = np.array(["Liander", "KPN", "Stedin", "Dunea", "Eurofiber"])
    cables = gpd.GeoDataFrame({"thema": themas[rng.integers(0, len(themas), n_cables)],
                               "netbeheerder": ops[rng.integers(0, len(ops), n_cables)]},
                              geometry=shapely.linestrings(np.stack([start, end], axis=1)), crs="EPSG:28992")
    edges = np.linspace(minx, maxx, 5)
    gm = gpd.GeoDataFrame({"gm_naam": [f"Gemeente {i + 1}" for i in range(4)]},
                          geometry=[shapely.box(edges[i], miny, edges[i + 1], maxy) for i in range(4)],
                          crs="EPSG:28992")
    gpd.GeoDataFrame({"name": ["tracé"]}, geometry=[route], crs="EPSG:28992").to_file(
        paths["route"], layer="route", engine="pyogrio")
    cables.to_file(paths["cables"], layer="cables", engine="pyogrio")  # GPKG: with its R-tree
    gm.to_file(paths["gm"], layer="municipalities", engine="pyogrio")
    return paths


def measure(cmd: list[str]) -> dict[str, float]:
    """One run of ``cmd`` in its own process: wall and CPU time (s), peak RSS (MB)."""
    out = subprocess.run([sys.executable, "-c", WRAPPER, *cmd], capture_output=True, text=True, check=True)
    res = json.loads(out.stdout.strip().splitlines()[-1])
    if res["rc"] != 0:
        raise RuntimeError(f"{cmd[:3]} failed with exit {res['rc']}")
    return {"wall_s": float(res["wall_s"]), "cpu_s": float(res["cpu_s"]), "rss_mb": float(res["rss_kb"]) / 1024.0}


def best_interleaved(cmds: dict[str, list[str]], repeat: int, before: object = None) -> dict[str, dict[str, float]]:
    """Best of ``repeat`` runs of each command, the commands taking turns (a b c, b c a, c a b, ...).

    Taking turns matters on a shared machine whose speed drifts over minutes: three runs of one
    side followed by three of the other would compare different moments. The order rotates each
    round, so no command always runs right after the same one (after the naive script's 700 MB,
    say, the next process finds the caches cold).
    """
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in cmds}
    names = list(cmds)
    for i in range(repeat):
        k = i % len(names)
        for name in names[k:] + names[:k]:
            if callable(before):
                before()
            runs[name].append(measure(cmds[name]))
    return {name: {"wall_s": min(r["wall_s"] for r in rs), "cpu_s": min(r["cpu_s"] for r in rs),
                   "rss_mb": min(r["rss_mb"] for r in rs), "runs": [round(r["wall_s"], 3) for r in rs]}
            for name, rs in runs.items()}


def _compile_bytecode() -> None:
    """Byte-compile the environment's packages and wlr_geo once, as ``pip install`` leaves them.

    Without ``.pyc`` files (``uv pip install`` without ``--compile-bytecode``, or
    ``PYTHONDONTWRITEBYTECODE=1`` in the environment) every run of either side compiles pandas,
    geopandas and the rest again — seconds that a user's installation does not pay, and that would
    swamp the comparison. Files already compiled are skipped.
    """
    import sysconfig

    import wlr_geo

    folders = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"],
               str(Path(wlr_geo.__file__).parent)}
    subprocess.run([sys.executable, "-m", "compileall", "-q", "-j", "0", *sorted(folders)],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100000,300000", help="comma-separated cable counts")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--work", default=None, help="folder for the generated inputs (kept; default: a temp dir)")
    ap.add_argument("--json", default=None, help="also write the results to this JSON file")
    ap.add_argument("--other-wlr", default=None,
                    help="another wlr-geo executable (e.g. an earlier version in its own venv), run in turn with "
                         "the others and reported as 'other'")
    args = ap.parse_args(argv)
    _compile_bytecode()
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="wlr_bench_process_"))
    wlr_geo = shutil.which("wlr-geo") or str(Path(sys.executable).with_name("wlr-geo"))
    naive_py = work / "naive.py"
    work.mkdir(parents=True, exist_ok=True)
    naive_py.write_text(NAIVE)
    rows = []
    for n in [int(float(s)) for s in args.sizes.split(",")]:
        paths = make_inputs(n, work / f"n{n}")
        out = work / f"n{n}" / "out"
        naive_out = work / f"n{n}" / "naive_out.gpkg"

        def clean() -> None:
            shutil.rmtree(out, ignore_errors=True)  # noqa: B023 — called inside this iteration
            naive_out.unlink(missing_ok=True)  # noqa: B023

        base = [wlr_geo, "impact", "--route", f"{paths['route']}:route", "--layer", f"{paths['cables']}:cables",
                "--municipalities", f"{paths['gm']}:municipalities", "-o", str(out)]
        got = best_interleaved({
            "naive": [sys.executable, str(naive_py), str(paths["cables"]), str(paths["route"]), str(paths["gm"]),
                      str(naive_out)],
            "wlr": base,
            "wlr_nx": [*base, "--no-xlsx"],
            **({"other": [args.other_wlr, *base[1:]]} if args.other_wlr else {}),
        }, args.repeat, clean)
        naive, wlr, wlr_nx = got["naive"], got["wlr"], got["wlr_nx"]
        row = {"cables": n, "naive": naive, "wlr": wlr, "wlr_no_xlsx": wlr_nx,
               "time_ratio": naive["wall_s"] / wlr["wall_s"], "time_ratio_no_xlsx": naive["wall_s"] / wlr_nx["wall_s"],
               "cpu_ratio": naive["cpu_s"] / wlr["cpu_s"], "cpu_ratio_no_xlsx": naive["cpu_s"] / wlr_nx["cpu_s"],
               "memory_ratio": wlr["rss_mb"] / naive["rss_mb"]}
        if "other" in got:
            row["other"] = got["other"]
            row["time_ratio_other"] = got["other"]["wall_s"] / wlr["wall_s"]
        rows.append(row)
        print(f"{n:>9,}  naive {naive['wall_s']:6.2f} s wall {naive['cpu_s']:6.2f} s CPU {naive['rss_mb']:5.0f} MB"
              f" | wlr {wlr['wall_s']:6.2f} s wall {wlr['cpu_s']:6.2f} s CPU {wlr['rss_mb']:5.0f} MB"
              f" | wlr --no-xlsx {wlr_nx['wall_s']:6.2f} s wall {wlr_nx['cpu_s']:6.2f} s CPU"
              f" | naive/wlr wall {row['time_ratio']:.2f}× ({row['time_ratio_no_xlsx']:.2f}× no xlsx)"
              f" CPU {row['cpu_ratio']:.2f}× ({row['cpu_ratio_no_xlsx']:.2f}×) | memory wlr/naive "
              f"{row['memory_ratio']:.2f}", flush=True)
        if "other" in got:
            print(f"{'':>9}  other {got['other']['wall_s']:6.2f} s wall {got['other']['cpu_s']:6.2f} s CPU "
                  f"{got['other']['rss_mb']:5.0f} MB | other/wlr wall {row['time_ratio_other']:.2f}×", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
