"""Benchmark: reading the Otterlo BGT extract with wlr_geo against GDAL's GML driver.

    python benchmarks/bench_bgt.py [--quick] [--repeat N] [--with-write]

Every measured path runs in its own subprocess (fresh interpreter, imports warmed up before the
clock starts) and reports its wall time (time.perf_counter) and peak resident memory
(resource.getrusage ru_maxrss). Paths:

* ``wlr_geo current``   — ``read_bgt(zip)``: streams the GML out of the zip, current objects only.
* ``wlr_geo all``       — ``read_bgt(zip, current_only=False)``: every object version, like GDAL.
* ``GDAL (extracted)``  — ``pyogrio.read_dataframe`` on each extracted ``bgt_*.gml`` (extraction
  done beforehand, not timed). GDAL stops on a ``kruinlijn`` posList without srsDimension in
  begroeidterreindeel, so ``GML_SKIP_CORRUPTED_FEATURES=YES`` is set (the object is then lost).
* ``GDAL + unzip``      — the same including extracting the zip to a temporary folder.
* with ``--with-write``: ``wlr_geo read+gpkg`` (read_bgt + write_layers) against ``ogr2ogr`` of
  every GML into one GeoPackage.

The table gives the best time of ``--repeat`` rounds (paths interleaved within a round) and
the ratio wlr_geo / GDAL. The default run takes about 1–2 minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ZIP = ROOT / "layers" / "bgt" / "bgt_otterlo_2020.zip"


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run(name: str, workdir: Path) -> dict[str, object]:
    """Run one path once in this process; return time, memory and counts."""
    import geopandas  # noqa: F401 — imports outside the clock
    import pyogrio

    extracted = workdir / "extracted"
    if name.startswith("wlr_geo"):
        from wlr_geo.io.bgt import read_bgt
        from wlr_geo.io.vector import write_layers
    base_rss = _maxrss_mb()
    t0 = time.perf_counter()
    info: dict[str, object] = {}
    if name == "wlr_geo current":
        layers = read_bgt(ZIP)
        info["features"] = sum(len(g) for g in layers.values())
    elif name == "wlr_geo all":
        layers = read_bgt(ZIP, current_only=False)
        info["features"] = sum(len(g) for g in layers.values())
    elif name == "wlr_geo read+gpkg":
        layers = read_bgt(ZIP)
        write_layers(dict(layers), workdir / "wlr.gpkg")
        info["features"] = sum(len(g) for g in layers.values())
    elif name in ("GDAL (extracted)", "GDAL + unzip"):
        pyogrio.set_gdal_config_options({"GML_SKIP_CORRUPTED_FEATURES": "YES"})
        src = extracted
        if name == "GDAL + unzip":
            src = workdir / "unzip_timed"
            with zipfile.ZipFile(ZIP) as zf:
                zf.extractall(src)
        n = 0
        for gml in sorted(src.glob("*.gml")):
            if gml.stat().st_size < 400:  # empty CityModel: GDAL finds no layer at all
                continue
            df = pyogrio.read_dataframe(gml, WRITE_GFS="NO")
            n += len(df)
        info["features"] = n
    elif name == "ogr2ogr gpkg":
        out = workdir / "ogr.gpkg"
        if out.exists():
            out.unlink()
        for gml in sorted(extracted.glob("*.gml")):
            if gml.stat().st_size < 400:
                continue
            subprocess.run(["ogr2ogr", "-f", "GPKG", "-append", "-oo", "WRITE_GFS=NO",
                            "--config", "GML_SKIP_CORRUPTED_FEATURES", "YES", str(out), str(gml)],
                           check=True, capture_output=True)
        info["features"] = sum(pyogrio.read_info(out, layer=lyr)["features"] for lyr, _ in pyogrio.list_layers(out))
    else:
        raise SystemExit(f"unknown path {name}")
    info["seconds"] = time.perf_counter() - t0
    info["peak_rss_mb"] = _maxrss_mb()
    info["rss_growth_mb"] = info["peak_rss_mb"] - base_rss  # type: ignore[operator]
    return info


def _once(name: str, workdir: Path) -> dict[str, object]:
    proc = subprocess.run([sys.executable, __file__, "--_run", name, "--_workdir", str(workdir)],
                          check=True, capture_output=True, text=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _measure_all(names: list[str], workdir: Path, repeat: int) -> dict[str, dict[str, object]]:
    """Best run per path; rounds interleave the paths so that load from elsewhere hits all alike."""
    best: dict[str, dict[str, object]] = {}
    for _ in range(repeat):
        for name in names:
            res = _once(name, workdir)
            if name not in best or res["seconds"] < best[name]["seconds"]:  # type: ignore[operator]
                best[name] = res
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="one run per path")
    ap.add_argument("--repeat", type=int, default=5, help="runs per path (best time counts)")
    ap.add_argument("--with-write", action="store_true", help="also read+write GeoPackage vs ogr2ogr")
    ap.add_argument("--_run", help=argparse.SUPPRESS)
    ap.add_argument("--_workdir", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args._run:
        print(json.dumps(_run(args._run, Path(args._workdir))))
        return
    repeat = 1 if args.quick else args.repeat
    with tempfile.TemporaryDirectory(prefix="bench_bgt_") as tmp:
        workdir = Path(tmp)
        with zipfile.ZipFile(ZIP) as zf:
            zf.extractall(workdir / "extracted")
        pairs = [("wlr_geo current", "GDAL (extracted)"), ("wlr_geo all", "GDAL (extracted)"),
                 ("wlr_geo all", "GDAL + unzip")]
        if args.with_write:
            if shutil.which("ogr2ogr"):
                pairs.append(("wlr_geo read+gpkg", "ogr2ogr gpkg"))
            else:
                print("ogr2ogr not on PATH: write comparison skipped")
        names = list(dict.fromkeys(n for pair in pairs for n in pair))
        results = _measure_all(names, workdir, repeat)
    size_mb = ZIP.stat().st_size / 1e6
    print(f"\nBGT read benchmark: {ZIP.name} ({size_mb:.1f} MB zip, 35 classes), best of {repeat} run(s), "
          f"{os.cpu_count()} CPUs\n")
    print(f"{'path':<20} {'time s':>8} {'peak RSS MB':>12} {'RSS growth MB':>14} {'objects':>8}")
    for n in names:
        r = results[n]
        print(f"{n:<20} {r['seconds']:>8.3f} {r['peak_rss_mb']:>12.0f} {r['rss_growth_mb']:>14.0f} {r['features']:>8}")
    print(f"\n{'wlr_geo path':<20} {'GDAL path':<20} {'time ratio (wlr_geo / GDAL)':>28}")
    for ours, theirs in pairs:
        ratio = results[ours]["seconds"] / results[theirs]["seconds"]  # type: ignore[operator]
        print(f"{ours:<20} {theirs:<20} {ratio:>28.2f}")
    print("\nNotes: GDAL reads every object version (no 'current' filter) and reads pand's house-number"
          "\nlabel points instead of the ground plan; wlr_geo also linearises arcs at 5 mm"
          "\n(GDAL: 4° steps), classifies every object and validates geometry and RD bounds.")


if __name__ == "__main__":
    main()
