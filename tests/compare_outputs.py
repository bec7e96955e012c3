"""Compare two output folders of ``wlr-geo demo``: every CSV and every GeoPackage layer.

Usage::

    wlr-geo demo --out /tmp/before          # on the old code
    wlr-geo demo --out /tmp/after           # on the new code
    python tests/compare_outputs.py /tmp/before /tmp/after

Prints one line per difference (files only on one side, columns added/removed/reordered, row
counts, values, geometries) and exits 1 when there is any. Floats are compared to 1e-9 relative,
geometries with ``shapely.equals_exact`` to 1 mm.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import shapely


def _frames_differ(name: str, a: pd.DataFrame, b: pd.DataFrame) -> list[str]:
    out: list[str] = []
    ca, cb = list(a.columns), list(b.columns)
    if ca != cb:
        gone = [c for c in ca if c not in cb]
        new = [c for c in cb if c not in ca]
        if gone:
            out.append(f"{name}: columns removed {gone}")
        if new:
            out.append(f"{name}: columns added {new}")
        if not gone and not new:
            out.append(f"{name}: columns reordered")
    if len(a) != len(b):
        out.append(f"{name}: {len(a)} rows → {len(b)} rows")
        return out
    for col in [c for c in ca if c in cb and c != "geometry"]:
        x, y = a[col], b[col]
        if pd.api.types.is_numeric_dtype(x) and pd.api.types.is_numeric_dtype(y):
            xv, yv = x.to_numpy(dtype=float), y.to_numpy(dtype=float)
            same = np.isclose(xv, yv, rtol=1e-9, atol=1e-9, equal_nan=True)
        else:
            xs, ys = x.astype(object).where(x.notna(), None), y.astype(object).where(y.notna(), None)
            same = np.array([str(p) == str(q) for p, q in zip(xs, ys, strict=True)])
        if not same.all():
            i = int(np.flatnonzero(~same)[0])
            out.append(f"{name}: column {col!r} differs in {int((~same).sum())} row(s), first row {i}: "
                       f"{x.iloc[i]!r} → {y.iloc[i]!r}")
    if "geometry" in ca and "geometry" in cb:
        ga, gb = np.asarray(a.geometry.values), np.asarray(b.geometry.values)
        none = shapely.is_missing(ga) & shapely.is_missing(gb)
        same = none | shapely.equals_exact(ga, gb, tolerance=1e-3)
        if not same.all():
            out.append(f"{name}: {int((~same).sum())} geometries differ")
    return out


def compare(before: Path, after: Path) -> list[str]:
    """Every difference between the CSV files and GeoPackage layers of two output folders."""
    diffs: list[str] = []
    for pattern in ("**/*.csv", "**/*.gpkg"):
        old = {p.relative_to(before).as_posix() for p in before.glob(pattern)}
        new = {p.relative_to(after).as_posix() for p in after.glob(pattern)}
        diffs += [f"{n}: only before" for n in sorted(old - new)]
        diffs += [f"{n}: only after" for n in sorted(new - old)]
        for name in sorted(old & new):
            if name.endswith(".csv"):
                diffs += _frames_differ(name, pd.read_csv(before / name), pd.read_csv(after / name))
                continue
            la = [str(n) for n in pyogrio.list_layers(before / name)[:, 0]]
            lb = [str(n) for n in pyogrio.list_layers(after / name)[:, 0]]
            if la != lb:
                diffs.append(f"{name}: layers {la} → {lb}")
            for layer in [x for x in la if x in lb]:
                a = pyogrio.read_dataframe(before / name, layer=layer)
                b = pyogrio.read_dataframe(after / name, layer=layer)
                diffs += _frames_differ(f"{name}:{layer}", a, b)
    return diffs


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    diffs = compare(Path(argv[0]), Path(argv[1]))
    for d in diffs:
        print(d)
    print(f"{len(diffs)} difference(s)")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
