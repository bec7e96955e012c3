"""Benchmark: wlr_geo's KLIC reader against GDAL's GML driver on the largest delivery.

The comparison users meet is GDAL reading a whole delivery: every layer of the IMKL file,
which is what a GIS package does when a delivery is opened (wlr_geo reads all of it too, and
resolves it). GDAL reading only the ``UtilityLink`` geometries is shown for context: it is
less work than a delivery read, not a target.

Each measured path runs in its own subprocess so its peak RSS is clean; time is wall-clock
(time.perf_counter around the read only, after a ``gc.collect()`` so no path pays for garbage
left by imports or an earlier run), memory is the peak RSS (``resource.getrusage``, stdlib) and
the peak *increase* over the peak RSS after imports. The paths take turns: ``--rounds`` rounds
of one subprocess per path with three reads each; the table gives the best read of all rounds,
so a slow spell of a shared machine does not land on one path only.

Paths:

* ``wlr_geo read_klic(xml)``   all six layers, links resolved, themes, depth, operators
* ``wlr_geo read_klic(zip)``   the same, streamed from the delivery zip
* ``GDAL all layers``          pyogrio.read_dataframe for every layer GDAL lists (the whole delivery)
* ``GDAL UtilityLink``         pyogrio.read_dataframe(xml, layer="UtilityLink") — the geometry only

Usage::

    python benchmarks/bench_klic.py            # 22C001966 (20 MB XML), ~1 minute
    python benchmarks/bench_klic.py --quick    # one round of one read
    python benchmarks/bench_klic.py --big 6    # also a synthetic delivery of 6 × the XML (~120 MB), ~3 minutes
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ZIP = HERE.parent / "layers" / "klic" / "Levering_22C001966_3.zip"

_RUNNER = r"""
import gc, json, resource, sys, time, warnings
kind, path, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
import geopandas, pyogrio, shapely  # noqa: F401  (imports are not measured)
from wlr_geo.io.klic import read_klic
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
times = []
rows = 0
for _ in range(repeat):
    gc.collect()
    t0 = time.perf_counter()
    if kind == "wlr":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = read_klic(path)
        rows = len(data.lines) + len(data.points) + len(data.areas)
        del data
    elif kind == "gdal_links":
        df = pyogrio.read_dataframe(path, layer="UtilityLink", WRITE_GFS="NO")
        rows = len(df)
        del df
    else:
        rows = 0
        for name, _gt in pyogrio.list_layers(path):
            df = pyogrio.read_dataframe(path, layer=name, WRITE_GFS="NO")
            rows += len(df)
            del df
    times.append(time.perf_counter() - t0)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"time_s": min(times), "peak_mb": peak / 1e6, "delta_mb": (peak - base) / 1e6, "rows": rows}))
"""


def _measure(kind: str, path: Path, repeat: int) -> dict[str, float]:
    path.with_suffix(".gfs").unlink(missing_ok=True)  # no GDAL schema cache from an earlier run
    out = subprocess.run([sys.executable, "-c", _RUNNER, kind, str(path), str(repeat)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _rounds(paths: dict[str, tuple[str, Path]], rounds: int, repeat: int) -> dict[str, dict[str, float]]:
    """Best time (and the peak memory of that run) per path over ``rounds`` turns."""
    best: dict[str, dict[str, float]] = {}
    for _ in range(rounds):
        for name, (kind, path) in paths.items():
            r = _measure(kind, path, repeat)
            if name not in best or r["time_s"] < best[name]["time_s"]:
                best[name] = r
    return best


def _extract(tmp: Path) -> Path:
    with zipfile.ZipFile(ZIP) as zf:
        name = next(n for n in zf.namelist() if n.endswith("_V2.xml"))
        target = tmp / Path(name).name
        target.write_bytes(zf.read(name))
    return target


def _synthetic(xml: Path, copies: int, tmp: Path) -> Path:
    """A delivery of ``copies`` × the features of ``xml`` with distinct gml:ids."""
    text = xml.read_text(encoding="utf-8")
    start = text.index("<gml:featureMember>")
    end = text.rindex("</gml:FeatureCollection>")
    head, body = text[:start], text[start:end]
    out = tmp / f"GI_gebiedsinformatielevering_synthetic_x{copies}_V2.xml"
    with open(out, "w", encoding="utf-8") as fh:
        fh.write(head)
        for i in range(copies):
            fh.write(re.sub(r'(gml:id="|xlink:href=")(?=nl\.imkl|[A-Za-z_])(?!http)', rf"\g<1>r{i}_", body))
        fh.write("</gml:FeatureCollection>\n")
    return out


def _table(title: str, xml: Path, results: dict[str, dict[str, float]]) -> None:
    size_mb = xml.stat().st_size / 1e6
    print(f"\n{title}: {xml.name} ({size_mb:.1f} MB XML)")
    print(f"{'path':<26}{'time (s)':>10}{'peak RSS (MB)':>15}{'peak - base (MB)':>18}{'× XML':>8}{'rows':>9}")
    for name, r in results.items():
        print(f"{name:<26}{r['time_s']:>10.2f}{r['peak_mb']:>15.0f}{r['delta_mb']:>18.0f}"
              f"{r['delta_mb'] / size_mb:>8.2f}{int(r['rows']):>9}")
    w, g1, ga = results["wlr_geo read_klic(xml)"], results["GDAL UtilityLink"], results["GDAL all layers"]
    print(f"GDAL reading the whole delivery takes {ga['time_s'] / w['time_s']:.1f} × wlr_geo's time "
          f"(time ratio wlr_geo / GDAL all layers: {w['time_s'] / ga['time_s']:.2f}); "
          f"for context, wlr_geo / GDAL UtilityLink geometries only: {w['time_s'] / g1['time_s']:.2f}")
    print(f"peak-increase ratio wlr_geo / GDAL all layers: {w['delta_mb'] / max(ga['delta_mb'], 1e-9):.2f}; "
          f"wlr_geo peak increase = {w['delta_mb'] / size_mb:.2f} × XML size (target < 3)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="one round of one read per path")
    ap.add_argument("--rounds", type=int, default=3, help="turns per path (default 3)")
    ap.add_argument("--big", type=int, default=0, metavar="N", help="also a synthetic delivery of N copies")
    args = ap.parse_args()
    repeat = 1 if args.quick else 3
    rounds = 1 if args.quick else args.rounds
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        xml = _extract(tmp)
        results = _rounds({
            "wlr_geo read_klic(xml)": ("wlr", xml),
            "wlr_geo read_klic(zip)": ("wlr", ZIP),
            "GDAL all layers": ("gdal_all", xml),
            "GDAL UtilityLink": ("gdal_links", xml),
        }, rounds, repeat)
        _table("Largest real delivery 22C001966", xml, results)
        if args.big:
            big = _synthetic(xml, args.big, tmp)
            results = _rounds({  # one read per turn; GDAL's all-layer read (~20 s) once
                "wlr_geo read_klic(xml)": ("wlr", big),
                "GDAL UtilityLink": ("gdal_links", big),
            }, rounds, 1)
            results["GDAL all layers"] = _measure("gdal_all", big, 1)
            _table(f"Synthetic delivery ({args.big} copies)", big, results)


if __name__ == "__main__":
    main()
