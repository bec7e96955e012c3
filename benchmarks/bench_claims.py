"""Benchmark: wlr_geo.analysis.claims.conflicts.claim_conflicts against two common baselines, in the same run.

Synthetic layers in RD: N random rectangular claims (20–80 m) with random periods and M random
buildings (5–25 m) in a 5 km × 5 km square. Measured paths, each in its own subprocess (time via
perf_counter, peak RSS via resource.getrusage):

* ``wlr_geo``     claim_conflicts (STRtree queries + vectorised shapely intersection)
* ``sjoin_loop``  geopandas.sjoin(predicate="intersects") then a Python loop of
                  ``a.intersection(b).area`` per pair (the usual notebook approach)
* ``overlay``     geopandas.overlay(how="intersection") for claims × buildings and claims × claims

All three must find the same number of overlaps > 0.01 m² (checked). Usage::

    python benchmarks/bench_claims.py [--quick] [--large]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import geopandas as gpd
import numpy as np
import shapely

X0, Y0, SIZE = 90_000.0, 455_000.0, 5_000.0


def make(n_claims: int, n_buildings: int, seed: int = 1) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, SIZE, (n_claims, 2)) + np.array([X0, Y0])
    wh = rng.uniform(20, 80, (n_claims, 2))
    y0 = rng.integers(2025, 2035, n_claims)
    claims = gpd.GeoDataFrame(
        {"claim_id": [f"c{i}" for i in range(n_claims)], "facility_type": "werkterrein",
         "year_from": y0, "year_to": y0 + rng.integers(0, 6, n_claims), "status": "wens"},
        geometry=shapely.box(xy[:, 0], xy[:, 1], xy[:, 0] + wh[:, 0], xy[:, 1] + wh[:, 1]), crs=28992,
    )
    bxy = rng.uniform(0, SIZE, (n_buildings, 2)) + np.array([X0, Y0])
    bwh = rng.uniform(5, 25, (n_buildings, 2))
    buildings = gpd.GeoDataFrame(
        {"id": [f"b{i}" for i in range(n_buildings)]},
        geometry=shapely.box(bxy[:, 0], bxy[:, 1], bxy[:, 0] + bwh[:, 0], bxy[:, 1] + bwh[:, 1]), crs=28992,
    )
    return claims, buildings


def run_wlr_geo(claims: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame) -> int:
    from wlr_geo.analysis.claims.conflicts import claim_conflicts

    conf = claim_conflicts(claims, constraints={"gebouwen": buildings})
    return int(conf["is_conflict"].sum())


def run_sjoin_loop(claims: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame) -> int:
    n = 0
    j = gpd.sjoin(claims, buildings, predicate="intersects", how="inner")
    for cg, bi in zip(j.geometry, j["index_right"], strict=True):
        if cg.intersection(buildings.geometry.iloc[bi]).area > 0.01:
            n += 1
    jc = gpd.sjoin(claims, claims[["year_from", "year_to", "geometry"]], predicate="intersects", how="inner")
    jc = jc[jc.index < jc["index_right"]]
    for i, row in zip(jc.index, jc.itertuples(), strict=True):
        if max(row.year_from_left, row.year_from_right) > min(row.year_to_left, row.year_to_right):
            continue
        if claims.geometry.iloc[i].intersection(claims.geometry.iloc[row.index_right]).area > 0.01:
            n += 1
    return n


def run_overlay(claims: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame) -> int:
    a = claims.assign(ci=np.arange(len(claims)))
    ob = gpd.overlay(a, buildings, how="intersection", keep_geom_type=False)
    n = int((ob.geometry.area > 0.01).sum())
    b = claims.assign(cj=np.arange(len(claims)))[["cj", "year_from", "year_to", "geometry"]]
    oc = gpd.overlay(a, b, how="intersection", keep_geom_type=False)
    oc = oc[(oc["ci"] < oc["cj"]) & (np.maximum(oc["year_from_1"], oc["year_from_2"]) <= np.minimum(oc["year_to_1"], oc["year_to_2"]))]
    return n + int((oc.geometry.area > 0.01).sum())


PATHS = {"wlr_geo": run_wlr_geo, "sjoin_loop": run_sjoin_loop, "overlay": run_overlay}


def worker(path: str, n: int, m: int) -> None:
    import wlr_geo.analysis.claims.footprints  # noqa: F401  (import time is not measured)

    claims, buildings = make(n, m)
    t0 = time.perf_counter()
    found = PATHS[path](claims, buildings)
    secs = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"secs": secs, "peak_mb": peak_mb, "found": found}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes only")
    ap.add_argument("--large", action="store_true", help="add 20k claims × 400k buildings")
    ap.add_argument("--worker", nargs=3, metavar=("PATH", "N", "M"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker[0], int(args.worker[1]), int(args.worker[2]))
        return
    sizes = [(500, 10_000)] if args.quick else [(500, 10_000), (2_000, 50_000), (5_000, 100_000)]
    if args.large:
        sizes.append((20_000, 400_000))
    print(f"{'claims':>7} {'buildings':>9} {'path':>10} {'s':>8} {'peak MB':>8} {'overlaps':>8} {'× wlr_geo':>9}")
    for n, m in sizes:
        base = None
        for path in PATHS:
            if path == "sjoin_loop" and n > 5_000:
                continue
            out = subprocess.run([sys.executable, __file__, "--worker", path, str(n), str(m)],
                                 capture_output=True, text=True, check=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            base = base or r
            if r["found"] != base["found"]:
                raise SystemExit(f"{path} found {r['found']} overlaps, wlr_geo {base['found']}")
            print(f"{n:>7} {m:>9} {path:>10} {r['secs']:>8.3f} {r['peak_mb']:>8.0f} {r['found']:>8} "
                  f"{r['secs'] / base['secs']:>9.1f}")


if __name__ == "__main__":
    main()
