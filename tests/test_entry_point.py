"""The console-script entry point ``wlr_geo.cli.main:run`` in a process of its own.

``run`` imports the scientific stack with the garbage collector paused and freezes it, and ends
the process right after the exit handlers (skipping the interpreter's teardown); these tests
check that nothing a user sees is lost by that: exit codes, what was printed to a pipe, exit
handlers registered while the command ran, and complete outputs.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Runs ``run()`` with argv[2:] as the command line; argv[1] names a marker file that an exit
#: handler, registered while the command runs, writes: the collector's state when the command
#: started (on, something frozen, geopandas loaded).
CHILD = """
import atexit, gc, sys
from pathlib import Path
import wlr_geo.cli.main as m

marker = Path(sys.argv[1])
inner = m.main

def main(argv=None):
    state = f"{gc.isenabled()} {gc.get_freeze_count() > 0} {'geopandas' in sys.modules}"
    atexit.register(lambda: marker.write_text(state))
    return inner(argv)

m.main = main
sys.argv = ["wlr-geo", *sys.argv[2:]]
m.run()
"""


def _run(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    marker = tmp_path / "atexit.txt"
    proc = subprocess.run([sys.executable, "-c", CHILD, str(marker), *args], capture_output=True, text=True,
                          check=False, timeout=300)
    return proc, marker


def test_console_script_is_run():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts["wlr-geo"] == "wlr_geo.cli.main:run"


def test_output_to_a_pipe_and_exit_handlers_survive_the_quick_exit(tmp_path):
    proc, marker = _run(tmp_path, "layers")
    assert proc.returncode == 0, proc.stderr
    assert "boundaries" in proc.stdout or "gemeenten" in proc.stdout.lower()
    assert proc.stdout.endswith("\n")  # the whole table reached the pipe
    assert marker.read_text() == "True True True"  # a handler registered during the run still ran


def test_a_user_error_keeps_exit_code_2_and_its_line(tmp_path):
    proc, marker = _run(tmp_path, "impact", "--route", str(tmp_path / "missing.gpkg"), "-o", str(tmp_path / "out"))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("fout: bestand") and "missing.gpkg" in lines[0]
    assert marker.exists()
    assert not (tmp_path / "out").exists()


def test_usage_errors_and_version_keep_their_exit_codes(tmp_path):
    assert _run(tmp_path, "impact")[0].returncode == 2  # missing -o
    proc, marker = _run(tmp_path, "--version")
    assert proc.returncode == 0 and proc.stdout.strip()
    assert marker.read_text() == "True False False"  # no sub-command: nothing loaded ahead


def test_a_programming_error_ends_with_1_and_its_traceback(tmp_path):
    script = ("import sys, wlr_geo.cli.main as m\n"
              "def boom(argv=None):\n    raise RuntimeError('kapot')\n"
              "m.main = boom\nm.run()\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == 1
    assert "RuntimeError: kapot" in proc.stderr


@pytest.mark.slow
def test_a_whole_impact_run_leaves_complete_outputs(tmp_path):
    from wlr_geo.catalog import embedded_path

    boundaries = embedded_path("boundaries.gpkg")
    scenario = embedded_path("scenario.gpkg")  # the indicative route (a plan layer)
    out = tmp_path / "out"
    proc, marker = _run(tmp_path, "-v", "impact", "--route", f"{scenario}:route", "--layer", f"{boundaries}:wijken",
                        "--municipalities", f"{boundaries}:municipalities", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    listed = {f["path"]: f for f in manifest["outputs"]}
    assert set(listed) >= {"impact.gpkg", "crossings.csv", "impact.xlsx", "summary.json"}
    for name, entry in listed.items():  # every file whole: the bytes the manifest recorded
        data = (out / name).read_bytes()
        assert len(data) == entry["bytes"] and hashlib.sha256(data).hexdigest() == entry["sha256"], name
    import pyogrio

    assert "crossings" in {name for name, _ in pyogrio.list_layers(out / "impact.gpkg")}
    assert str(out / "summary.json") in proc.stdout  # the list of files printed last reached the pipe
    assert "info wlr_geo" in proc.stderr and "Created" not in proc.stderr  # -v: our lines, not pyogrio's
    assert marker.exists()


def test_ctrl_c_while_loading_is_one_line_and_130(tmp_path):
    import signal

    from wlr_geo.catalog import embedded_path

    boundaries = embedded_path("boundaries.gpkg")
    # the child says when run() starts loading geopandas and the rest (a Ctrl-C before run() is
    # Python's own)
    script = ("import wlr_geo.cli.main as m\nload = m._load_stack\n"
              "def loud():\n    print('klaar', flush=True)\n    load()\n"
              "m._load_stack = loud\nm.run()\n")
    proc = subprocess.Popen([sys.executable, "-c", script, "impact", "--route",
                             f"{embedded_path('scenario.gpkg')}:route", "--layer", f"{boundaries}:wijken",
                             "-o", str(tmp_path / "out")], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "klaar"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err.strip() == "afgebroken"
    assert not (tmp_path / "out" / "manifest.json").exists()
