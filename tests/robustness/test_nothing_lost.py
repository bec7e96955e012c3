"""Nothing lost (issue 8, part B): killed runs and repeated runs.

* A CLI run killed with SIGKILL while it writes leaves every earlier output intact (byte for
  byte) or replaced by the complete new output — never a half-written file under an output
  name. Leftovers of the interrupted write may remain only under hidden ``.NAME.*.part.*``
  names, which no reader or user mistakes for a result.
* The same inputs and options give the same outputs: text files byte for byte; GeoPackages and
  workbooks by content (both embed write timestamps); JSON apart from run times.

The runs use the real embedded KLIC deliveries through the installed ``wlr-geo`` command, in a
subprocess, as a user would.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from functools import cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio
import pytest
import shapely
from shapely.geometry import LineString

from wlr_geo.catalog import embedded_path

SMALL = str(embedded_path("klic/Levering_22G003180_1.zip"))
BIG = str(embedded_path("klic/Levering_22C001966_3.zip"))
#: Keys of run-time values in JSON outputs (manifest.json): ignored when comparing runs.
TIME_KEY = re.compile(r"(^run_|started|finished|duration|elapsed|seconds|timestamp|created|_at$)", re.IGNORECASE)
#: Names an interrupted atomic write may leave behind (wlr_geo._atomic): hidden and ``.part``.
#: Working names: a file being written (``.name.xxx.part.gpkg``), and an output set's lock and
#: staging folder (``.wlr-lock``, ``.wlr-staging-<pid>-<token>``; see wlr_geo._atomic.OutputSet).
PART_NAME = re.compile(r"^(\..+\.part(\.[A-Za-z0-9]+)?(-journal|-wal|-shm)?|\.wlr-lock|\.wlr-staging-\d+-\w+)$")


def wlr_geo_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "wlr_geo.cli.main", *args]


def run_ok(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    res = subprocess.run(wlr_geo_cmd(*args), cwd=cwd, capture_output=True, text=True, timeout=300, check=False)
    assert res.returncode == 0, res.stderr[-3000:]
    return res


# ----------------------------------------------------------------------------- comparing outputs


def _strip_times(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _strip_times(v) for k, v in obj.items() if not TIME_KEY.search(str(k))}
    if isinstance(obj, list):
        return [_strip_times(v) for v in obj]
    return obj


def content(path: Path) -> Any:
    """What a file says, without the write timestamps some formats embed."""
    suffix = path.suffix.lower()
    if suffix == ".gpkg":
        out = {}
        for name, _gtype in pyogrio.list_layers(path):
            df = pyogrio.read_dataframe(path, layer=name)
            if isinstance(df, gpd.GeoDataFrame):
                wkb = shapely.to_wkb(df.geometry.values, output_dimension=3)
                df = df.drop(columns=df.geometry.name).assign(_wkb=[w.hex() if w is not None else None for w in wkb])
            out[name] = df.astype(str).to_csv(index=False)
        return out
    if suffix == ".xlsx":
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True)
        try:
            return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
        finally:
            wb.close()
    if suffix == ".json":
        return _strip_times(json.loads(path.read_text(encoding="utf-8")))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(folder: Path) -> dict[str, Any]:
    return {p.name: content(p) for p in sorted(folder.iterdir()) if p.is_file() and not PART_NAME.match(p.name)}


def visible_files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if not PART_NAME.match(p.name)}


# ----------------------------------------------------------------------------- inputs


def _route_gpkg(folder: Path) -> Path:
    """An indicative two-leg route across the cables of the big delivery (RD metres)."""
    x0, y0, x1, y1 = 127_318.2, 480_722.6, 127_802.5, 481_162.1
    route = LineString([(x0 + 0.1 * (x1 - x0), y0 + 0.2 * (y1 - y0)), (x0 + 0.5 * (x1 - x0), y0 + 0.6 * (y1 - y0)),
                        (x0 + 0.9 * (x1 - x0), y0 + 0.5 * (y1 - y0))])
    p = folder / "route.gpkg"
    gpd.GeoDataFrame({"variant": ["A"]}, geometry=[route], crs="EPSG:28992").to_file(p, layer="route")
    return p


@cache
def _klic_reference(tmp_root: str) -> dict[str, Any]:
    """Content of a complete ``wlr-geo klic BIG`` run (what a finished second run writes)."""
    folder = Path(tmp_root) / "klic_reference"
    folder.mkdir(exist_ok=True)
    run_ok("klic", BIG, "-o", "out.gpkg", cwd=folder)
    return content(folder / "out.gpkg")


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("nothing_lost")


def _inodes(folder: Path) -> dict[str, int]:
    # the run renames files while we look: one listed a moment ago may be gone at stat time
    out: dict[str, int] = {}
    for p in folder.iterdir():
        if not PART_NAME.match(p.name):
            with contextlib.suppress(FileNotFoundError):
                out[p.name] = p.stat().st_ino
    return out


def _kill_while_writing(cmd: list[str], cwd: Path, watch: Path, delay_s: float, *, replaced: int = 0) -> bool:
    """Start ``cmd`` and SIGKILL it while it writes into ``watch``.

    With ``replaced=0`` the kill comes ``delay_s`` after a new temporary ``.part`` file shows up
    (names left by earlier kills do not count); with ``replaced=k`` as soon as ``k`` output files
    have been replaced (atomic rename: a new inode), i.e. midway through the outputs. Returns
    True if the process was killed, False if it finished first.
    """
    watch.mkdir(parents=True, exist_ok=True)
    before = set(os.listdir(watch))
    inodes = _inodes(watch)
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 240
        while proc.poll() is None and time.monotonic() < deadline:
            if replaced:
                now = _inodes(watch)
                if sum(now.get(n) != i for n, i in inodes.items()) >= replaced:
                    break
            elif any(n not in before and PART_NAME.match(n) for n in os.listdir(watch)):
                break
            time.sleep(0.0005)
        else:
            if proc.poll() is None:
                raise AssertionError("the command wrote nothing within 240 s")
            return False
        time.sleep(delay_s)
        if proc.poll() is not None:
            return False
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        return proc.returncode == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# ----------------------------------------------------------------------------- killed runs


@pytest.mark.slow
@pytest.mark.parametrize("delay_s", [0.0, 0.05, 0.3])
def test_klic_killed_while_writing_keeps_the_previous_geopackage(tmp_path: Path, shared: Path, delay_s: float) -> None:
    run_ok("klic", SMALL, "-o", "out.gpkg", cwd=tmp_path)
    out = tmp_path / "out.gpkg"
    before_bytes = out.read_bytes()
    before = content(out)
    killed = _kill_while_writing(wlr_geo_cmd("klic", BIG, "-o", "out.gpkg"), tmp_path, tmp_path, delay_s)
    assert killed or delay_s > 0  # right after the temporary file appears, the write is still going on
    # no half file under any other visible name (manifest.json is the earlier run's provenance)
    assert visible_files(tmp_path) <= {"out.gpkg", "manifest.json"}
    if out.read_bytes() == before_bytes:
        assert content(out) == before  # untouched, still readable
    else:  # the rename happened before the kill: then it is the complete new output
        assert content(out) == _klic_reference(str(shared)), f"killed={killed}: a changed, incomplete out.gpkg"
    for leftover in set(os.listdir(tmp_path)) - {"out.gpkg", "manifest.json"}:
        assert PART_NAME.match(leftover), leftover


@pytest.mark.slow
def test_impact_killed_midway_leaves_each_output_old_or_complete(tmp_path: Path, shared: Path) -> None:
    """Outputs of an earlier impact run stay readable: each is the old file or the new complete one."""
    run_ok("klic", BIG, "-o", "k.gpkg", cwd=tmp_path)
    _route_gpkg(tmp_path)
    quick = ["--route", "route.gpkg:route", "--layer", "k.gpkg:klic_lines"]
    run_ok("impact", *quick, "-o", "out", cwd=tmp_path)
    old = snapshot(tmp_path / "out")
    ref_dir = tmp_path / "ref"
    run_ok("impact", *quick, "--width-m", "44", "-o", "ref", cwd=tmp_path)
    new = snapshot(ref_dir)
    changed = [n for n in new if new[n] != old.get(n)]
    assert changed, "the second configuration must change the outputs for this test to mean anything"
    kills = 0
    for replaced in (0, 1, 2):  # while writing the first file; after the 1st / 2nd output was replaced
        if replaced:  # start again from the earlier run's outputs
            run_ok("impact", *quick, "-o", "out", cwd=tmp_path)
            assert snapshot(tmp_path / "out") == old
        kills += _kill_while_writing(wlr_geo_cmd("impact", *quick, "--width-m", "44", "-o", "out"), tmp_path,
                                     tmp_path / "out", 0.0, replaced=replaced)
        now = snapshot(tmp_path / "out")
        # killed during the commit, the earlier manifest is set aside until the next run rolls the
        # commit forward: there is then no manifest at all, never one that does not match its files
        assert set(now) - {"manifest.json"} == set(old) - {"manifest.json"}
        for name, value in now.items():
            assert value in (old[name], new[name]), f"{name} is neither the earlier nor the complete new output"
    assert kills >= 2


# ----------------------------------------------------------------------------- determinism


def test_klic_twice_gives_identical_content(tmp_path: Path) -> None:
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        run_ok("klic", SMALL, "-o", "out.gpkg", cwd=tmp_path / d)
    a, b = snapshot(tmp_path / "a"), snapshot(tmp_path / "b")
    assert a == b
    assert set(a["out.gpkg"]) >= {"klic_lines", "klic_points", "klic_attachments"}


@pytest.mark.slow
def test_impact_twice_gives_identical_outputs(tmp_path: Path) -> None:
    run_ok("klic", BIG, "-o", "k.gpkg", cwd=tmp_path)
    _route_gpkg(tmp_path)
    quick = ["--route", "route.gpkg:route", "--layer", "k.gpkg:klic_lines"]
    for d in ("run1", "run2"):
        run_ok("impact", *quick, "-o", d, cwd=tmp_path)
    one, two = snapshot(tmp_path / "run1"), snapshot(tmp_path / "run2")
    assert set(one) == set(two) and "crossings.csv" in one and "impact.gpkg" in one
    for name in one:
        assert one[name] == two[name], name
    # the text outputs are byte-identical, not only equal in content
    for name in one:
        if name.endswith(".csv"):
            assert (tmp_path / "run1" / name).read_bytes() == (tmp_path / "run2" / name).read_bytes()
