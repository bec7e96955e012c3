"""Benchmark: wlr_geo above/below-ground impact vs a plain geopandas overlay + sjoin pipeline.

Seeded synthetic data around Leiden (RD New): a 30 km wiggly route with two strips, N cables
(short random lines everywhere plus cables laid along the route), 1e5 buildings, 60 wijken and
EV zones. Each measured path runs in its own subprocess (time via ``time.perf_counter`` around
the analysis only, peak RSS via ``resource.getrusage``).

Paths
-----
wlr_geo        ``above_ground_impact`` + ``below_ground_impact`` (first variant: trees built)
wlr_geo_tree   the same with prebuilt STRtrees (a second route variant reusing the trees)
geopandas      the equivalent with ``geopandas.overlay`` / ``sjoin``: objects × strips, × wijken;
               buildings near the centreline; cables × strips, × clearance zones, × density
               slices, × wijken; EV zones × strips. It does *not* do the parallel-run
               segmentation (which favours the baseline).

Usage::

    python benchmarks/bench_ground.py            # 1e5 cables, 1e5 buildings (~1 min)
    python benchmarks/bench_ground.py --full     # also 1e6 cables
    python benchmarks/bench_ground.py --quick    # 2e4 cables, 2e4 buildings
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
import pandas as pd
import shapely

CRS = "EPSG:28992"
X0, Y0 = 80_000.0, 450_000.0
THEMAS = np.array(["laagspanning", "middenspanning", "hoogspanning", "gasLageDruk", "gasHogeDruk",
                   "water", "datatransport", "rioolVrijverval", "warmte"])


def make_data(n_cables: int, n_buildings: int, seed: int = 42) -> dict:
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 1, 300)
    cx = X0 + 25_000 * t
    cy = Y0 + 18_000 * t + 600 * np.sin(12 * t)
    centre = shapely.LineString(np.column_stack([cx, cy]))
    strips = gpd.GeoDataFrame({"strip": ["werkstrook", "belemmeringenstrook"]},
                              geometry=[centre.buffer(10), centre.buffer(30)], crs=CRS)
    # Cables: 98 % random short lines in the whole 27 × 20 km box, 2 % laid along the route.
    n_rand = int(n_cables * 0.98)
    x = rng.uniform(X0 - 1000, X0 + 26_000, n_rand)
    y = rng.uniform(Y0 - 1000, Y0 + 19_000, n_rand)
    a = rng.uniform(0, 2 * np.pi, n_rand)
    ln = rng.uniform(5, 80, n_rand)
    coords = np.stack([np.column_stack([x, y]), np.column_stack([x + ln * np.cos(a), y + ln * np.sin(a)])], 1)
    rand = shapely.linestrings(coords)
    n_par = n_cables - n_rand
    s0 = rng.uniform(0, centre.length - 300, n_par)
    off = rng.choice([-25, -12, -6, -3, 2, 4, 8, 15], n_par).astype(float)
    along = np.asarray([shapely.ops.substring(centre, s, s + rng.uniform(30, 300)).offset_curve(o)
                        for s, o in zip(s0, off, strict=True)], dtype=object)
    geoms = np.concatenate([rand, along])
    cables = gpd.GeoDataFrame(
        {"gml_id": [f"c{i}" for i in range(len(geoms))],
         "thema": rng.choice(THEMAS, len(geoms)),
         "netbeheerder": rng.choice(["Liander", "Stedin", "Dunea", "KPN", "TenneT"], len(geoms)),
         "diepte_m": rng.uniform(0.6, 3.0, len(geoms))},
        geometry=geoms, crs=CRS)
    bx = rng.uniform(X0 - 1000, X0 + 26_000, n_buildings)
    by = rng.uniform(Y0 - 1000, Y0 + 19_000, n_buildings)
    # a third of the buildings close to the route so that strips meet some of them
    k = n_buildings // 3
    pos = rng.uniform(0, centre.length, k)
    pts = shapely.get_coordinates(shapely.line_interpolate_point(centre, pos))
    bx[:k] = pts[:, 0] + rng.normal(0, 40, k)
    by[:k] = pts[:, 1] + rng.normal(0, 40, k)
    w = rng.uniform(6, 20, n_buildings)
    objects = gpd.GeoDataFrame(
        {"object_id": [f"b{i}" for i in range(n_buildings)], "category": "building", "source_layer": "pand"},
        geometry=shapely.box(bx, by, bx + w, by + w * 0.8), crs=CRS)
    gx, gy = np.meshgrid(np.linspace(X0 - 1000, X0 + 26_000, 11)[:-1], np.linspace(Y0 - 1000, Y0 + 19_000, 7)[:-1])
    dx, dy = 27_000 / 10, 20_000 / 6
    wijken = gpd.GeoDataFrame(
        {"gemeente": [f"GM{i // 20}" for i in range(gx.size)], "wijk": [f"WK{i}" for i in range(gx.size)]},
        geometry=shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + dx, gy.ravel() + dy), crs=CRS)
    ev_pos = rng.uniform(0, centre.length, 200)
    ev_pt = shapely.line_interpolate_point(centre, ev_pos)
    ev = gpd.GeoDataFrame({"netbeheerder": "Gasunie", "thema": "gasHogeDruk", "eis": "voorzorg",
                           "van_toepassing": True}, index=pd.RangeIndex(len(ev_pt)),
                          geometry=shapely.buffer(ev_pt, 40), crs=CRS)
    return {"centre": centre, "strips": strips, "cables": cables, "objects": objects,
            "wijken": wijken, "ev": ev}


def run_wlr(d: dict, prebuilt: bool) -> dict:
    from wlr_geo.analysis.impact.above_ground import above_ground_impact
    from wlr_geo.analysis.impact.below_ground import below_ground_impact

    trees = {}
    if prebuilt:  # built for the first variant, not timed for the second
        trees["obj"] = shapely.STRtree(np.asarray(d["objects"].geometry.values))
        trees["cab"] = shapely.STRtree(np.asarray(d["cables"].geometry.values))
    t0, c0 = time.perf_counter(), time.process_time()
    above = above_ground_impact(d["strips"], d["objects"], centreline=d["centre"], areas=d["wijken"],
                                tree=trees.get("obj"))
    below = below_ground_impact(d["centre"], d["strips"], d["cables"], precautions=d["ev"],
                                areas=d["wijken"], tree=trees.get("cab"))
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"seconds": elapsed, "cpu_seconds": cpu, "affected": len(above.affected), "near": len(above.buildings_near),
            "runs": len(below.parallel_runs), "violations": len(below.clearance_violations),
            "ev": len(below.precautions_touched)}


def run_geopandas(d: dict) -> dict:
    from wlr_geo.analysis.route.linear import cross_sections, segment_edges

    centre, strips, cables, objects, wijken = d["centre"], d["strips"], d["cables"], d["objects"], d["wijken"]
    t0, c0 = time.perf_counter(), time.process_time()
    # above ground: objects × strips × wijken, totals, buildings near the centreline
    inside = gpd.overlay(objects, strips, how="intersection", keep_geom_type=True)
    per_area = gpd.overlay(inside, wijken, how="intersection", keep_geom_type=True)
    per_area["area_m2"] = per_area.area
    per_area.groupby(["strip", "category", "gemeente", "wijk"])["area_m2"].sum()
    inside["distance_m"] = inside.geometry.distance(centre)
    zone = gpd.GeoDataFrame(geometry=[centre.buffer(25)], crs=CRS)
    near = gpd.sjoin(objects, zone, predicate="intersects")
    near["distance_m"] = near.geometry.distance(centre)
    # below ground: cables × strips (+ length per thema), clearance zones, density slices, wijken
    cin = gpd.overlay(cables, strips, how="intersection", keep_geom_type=True)
    cin["length_m"] = cin.length
    cin.groupby(["strip", "thema", "netbeheerder"])["length_m"].sum()
    viol = []
    for r in (0.5, 1.0, 5.0):
        zone_r = gpd.GeoDataFrame(geometry=[centre.buffer(r)], crs=CRS)
        viol.append(gpd.overlay(cables, zone_r, how="intersection", keep_geom_type=True))
    edges = segment_edges(centre.length, 100.0)
    cuts = cross_sections(centre, edges[1:-1], 50.0)
    union = shapely.union_all(np.asarray(strips.geometry.values))
    slices = gpd.GeoDataFrame(geometry=shapely.get_parts(shapely.ops.split(union, shapely.MultiLineString(list(cuts)))), crs=CRS)
    dens = gpd.overlay(cables, slices.reset_index(names="segment"), how="intersection", keep_geom_type=True)
    dens.groupby("segment")["gml_id"].nunique()
    gpd.overlay(cin, wijken, how="intersection", keep_geom_type=True)
    ev = gpd.overlay(d["ev"], strips, how="intersection", keep_geom_type=True)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"seconds": elapsed, "cpu_seconds": cpu, "affected": len(inside), "near": len(near), "runs": -1,
            "violations": sum(len(v) for v in viol), "ev": len(ev)}


def worker(path: str, n_cables: int, n_buildings: int) -> None:
    d = make_data(n_cables, n_buildings)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = run_geopandas(d) if path == "geopandas" else run_wlr(d, prebuilt=path == "wlr_geo_tree")
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["rss_before_mb"] = before / 1024
    print(json.dumps(out))


def measure(path: str, n_cables: int, n_buildings: int) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--worker", path, str(n_cables), str(n_buildings)],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="2e4 cables and buildings only")
    ap.add_argument("--full", action="store_true", help="also 1e6 cables")
    ap.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker[0], int(args.worker[1]), int(args.worker[2]))
        return
    sizes = [(20_000, 20_000)] if args.quick else [(100_000, 100_000)]
    if args.full:
        sizes.append((1_000_000, 100_000))
    rows = []
    for n_cab, n_bld in sizes:
        res = {p: measure(p, n_cab, n_bld) for p in ("geopandas", "wlr_geo", "wlr_geo_tree")}
        base, base_cpu = res["geopandas"]["seconds"], res["geopandas"]["cpu_seconds"]
        for p, r in res.items():
            rows.append({"cables": n_cab, "buildings": n_bld, "path": p, "wall s": round(r["seconds"], 2),
                         "speed-up (wall)": round(base / r["seconds"], 1),
                         "CPU s": round(r["cpu_seconds"], 2),
                         "speed-up (CPU)": round(base_cpu / r["cpu_seconds"], 1),
                         "peak RSS MB": round(r["peak_rss_mb"]), "RSS after data MB": round(r["rss_before_mb"]),
                         "affected": r["affected"], "near": r["near"], "violations": r["violations"],
                         "EV": r["ev"], "runs": r["runs"]})
    table = pd.DataFrame(rows)
    print(table.to_markdown(index=False) if _has_tabulate() else table.to_string(index=False))


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    main()
