"""Benchmark of the impact run against a plain geopandas overlay + sjoin, in the same run.

Workload (seeded, EPSG:28992): a 25 km random-walk route with ~250 vertices; N cable segments
(2-point lines of ~5–40 m, N = 1e4, 1e5, 1e6) and 1e5 building polygons spread uniformly over
the route's box plus 2 km; four municipalities cutting the box in vertical bands.

Measured paths, each in its own subprocess (CPU time via process_time — the comparison basis,
because the machine is shared — and wall time via perf_counter; peak RSS via getrusage):

* ``strtree``  — build inputs, build an STRtree on cables and buildings (the memory reference);
* ``baseline`` — build inputs, strips as buffers, ``geopandas.overlay`` of cables and buildings
  with the strips, ``sjoin`` of cables with the route (crossings) and of the pieces with the
  municipalities (per-municipality totals);
* ``wlr``      — build inputs, ``wlr_geo.analysis.impact.run.run_impact`` with cables and buildings as
  crossed layers (crossing register with angles, widths, merging, techniques, parallel runs,
  split per municipality and the summary tables); then a second route variant against the
  same, already indexed layers (and both variants in one call). The wlr timings are the
  minimum of 3 repeats; the baseline runs once.

Usage: ``python benchmarks/bench_impact.py [--quick] [--sizes 10000,100000,1000000]``
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time

import numpy as np

ROUTE_KM = 25.0
N_BUILDINGS = 100_000
SEED = 20261127


def make_inputs(n_cables: int, n_buildings: int, seed: int = SEED):
    import geopandas as gpd
    import shapely

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
    cables = shapely.linestrings(np.stack([start, end], axis=1))
    themas = np.array(["laagspanning", "datatransport", "gasLageDruk", "water", "middenspanning", "hoogspanning"])
    ops = np.array(["Liander", "KPN", "Stedin", "Dunea", "Eurofiber"])
    cable_gdf = gpd.GeoDataFrame({
        "thema": themas[rng.integers(0, len(themas), n_cables)],
        "netbeheerder": ops[rng.integers(0, len(ops), n_cables)],
        "gml_id": np.char.add("c", np.arange(n_cables).astype(str)),
    }, geometry=cables, crs=28992)
    bx = rng.uniform(minx, maxx, n_buildings)
    by = rng.uniform(miny, maxy, n_buildings)
    bw, bh = rng.uniform(6, 20, n_buildings), rng.uniform(6, 20, n_buildings)
    buildings = gpd.GeoDataFrame({"category": np.full(n_buildings, "building"),
                                  "gml_id": np.char.add("b", np.arange(n_buildings).astype(str))},
                                 geometry=shapely.box(bx, by, bx + bw, by + bh), crs=28992)
    cuts = np.linspace(minx, maxx, 5)
    gm = gpd.GeoDataFrame({"gm_naam": [f"Gemeente {i + 1}" for i in range(4)]},
                          geometry=[shapely.box(cuts[i], miny, cuts[i + 1], maxy) for i in range(4)], crs=28992)
    route_gdf = gpd.GeoDataFrame({"variant": ["A"]}, geometry=[route], crs=28992)
    # a second variant: the same route shifted 300 m north-west
    route2 = gpd.GeoDataFrame({"variant": ["B"]}, geometry=[shapely.transform(route, lambda c: c + np.array([-212.0, 212.0]))], crs=28992)
    return route_gdf, route2, cable_gdf, buildings, gm


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class _Clock:
    """Wall and CPU time of a block (CPU time is what the comparison uses: the machine is shared)."""

    def __enter__(self) -> _Clock:
        self.w0, self.c0 = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.w0
        self.cpu = time.process_time() - self.c0


def worker(path: str, n: int, n_buildings: int) -> dict[str, float]:
    import geopandas as gpd
    import pandas as pd
    import shapely

    route, route2, cables, buildings, gm = make_inputs(n, n_buildings)
    out: dict[str, float] = {}
    if path == "strtree":
        with _Clock() as c:
            t1 = shapely.STRtree(cables.geometry.values)
            t2 = shapely.STRtree(buildings.geometry.values)
        out["wall_s"], out["cpu_s"] = c.wall, c.cpu
        del t1, t2
    elif path == "baseline":
        with _Clock() as c:
            line = route.geometry.iloc[0]
            strips = gpd.GeoDataFrame({"strip": ["werkstrook", "belemmeringenstrook"]},
                                      geometry=[line.buffer(17.5, cap_style="flat"), line.buffer(5.0, cap_style="flat")], crs=28992)
            cab_in = gpd.overlay(cables, strips, how="intersection", keep_geom_type=False)
            bld_in = gpd.overlay(buildings, strips, how="intersection", keep_geom_type=False)
            crossing = gpd.sjoin(cables, route[["geometry"]], predicate="intersects")
            per_gm = gpd.sjoin(cab_in, gm, predicate="intersects").groupby(["gm_naam", "strip"]).size()
            per_gm_b = gpd.sjoin(bld_in, gm, predicate="intersects").groupby(["gm_naam", "strip"]).size()
        out["wall_s"], out["cpu_s"] = c.wall, c.cpu
        out["n_result"] = float(len(crossing) + len(per_gm) + len(per_gm_b))
    elif path == "wlr":
        from wlr_geo.analysis.crossings.register import IndexedLayer
        from wlr_geo.analysis.impact.run import run_impact

        firsts, seconds, margins = [], [], []
        layers: dict[str, IndexedLayer] = {}
        for _ in range(3):  # min of 3: the first run includes indexing the layers
            layers.clear()  # free the previous trees first (peak memory = one set of trees)
            with _Clock() as c:
                layers["klic"] = IndexedLayer.build(cables, name="klic")
                layers["panden"] = IndexedLayer.build(buildings, name="panden")
                res = run_impact(route, layers, municipalities=gm)
            firsts.append(c)
        for _ in range(3):  # a second variant against the same, already indexed layers
            with _Clock() as c:
                res2 = run_impact(route2, layers, municipalities=gm)
            seconds.append(c)
        both = gpd.GeoDataFrame(pd.concat([route, route2], ignore_index=True), crs=28992)
        for _ in range(3):  # both variants in one call: marginal cost of the second one
            with _Clock() as one:
                run_impact(route, layers, municipalities=gm)
            with _Clock() as two:
                run_impact(both, layers, municipalities=gm, variant_column="variant")
            margins.append(max(two.cpu - one.cpu, 0.0))
        out["wall_s"] = min(c.wall for c in firsts)
        out["cpu_s"] = min(c.cpu for c in firsts)
        out["second_cpu_s"] = min(c.cpu for c in seconds)
        out["marginal_cpu_s"] = min(margins)
        out["n_result"] = float(len(res.crossings))
        out["n_parallel"] = float(len(res.parallel_runs))
        out["n_result2"] = float(len(res2.crossings))
    out["peak_mb"] = _peak_mb()
    return out


def run(path: str, n: int, n_buildings: int) -> dict[str, float]:
    proc = subprocess.run([sys.executable, __file__, "--worker", path, str(n), str(n_buildings)],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{path} {n} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1e4 and 1e5 cables, 1e4 buildings")
    ap.add_argument("--sizes", default=None, help="comma-separated cable counts")
    ap.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        path, n, nb = args.worker
        print(json.dumps(worker(path, int(n), int(nb))))
        return
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else ([10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000])
    nb = 10_000 if args.quick else N_BUILDINGS
    print(f"bench_impact: 25 km route, {nb} buildings, cables {sizes}; each path in its own process")
    header = (f"{'cables':>9} | {'overlay+sjoin CPU s (wall)':>26} | {'wlr CPU s (wall)':>16} | {'speed-up CPU':>12} | "
              f"{'2nd variant CPU s':>17} | {'2nd/1st':>7} | {'2nd in one call':>15} | {'/1st':>6} | {'wlr µs/obj':>10} | "
              f"{'RSS strtree MB':>14} | {'RSS wlr MB':>10} | {'RSS ratio':>9} | {'RSS overlay MB':>14} | crossings")
    print(header)
    print("-" * len(header))
    for n in sizes:
        ref = run("strtree", n, nb)
        base = run("baseline", n, nb)
        ours = run("wlr", n, nb)
        print(f"{n:>9} | {base['cpu_s']:>17.2f} ({base['wall_s']:>6.2f}) | {ours['cpu_s']:>7.2f} ({ours['wall_s']:>6.2f}) | "
              f"{base['cpu_s'] / ours['cpu_s']:>11.1f}x | {ours['second_cpu_s']:>17.3f} | "
              f"{ours['second_cpu_s'] / ours['cpu_s']:>7.1%} | {ours['marginal_cpu_s']:>15.3f} | "
              f"{ours['marginal_cpu_s'] / ours['cpu_s']:>6.1%} | {ours['cpu_s'] / (n + nb) * 1e6:>10.2f} | "
              f"{ref['peak_mb']:>14.0f} | {ours['peak_mb']:>10.0f} | {ours['peak_mb'] / ref['peak_mb']:>8.2f}x | "
              f"{base['peak_mb']:>14.0f} | {int(ours['n_result'])}", flush=True)


if __name__ == "__main__":
    main()
