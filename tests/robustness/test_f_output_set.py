"""ROBUSTNESS.md F12–F14 and issue 13 item 4: the output set is safe as a whole.

Every input is made in the test. The cases:

* F13 — an output that is an input (same name, symlink, hard link, Shapefile sidecar), a
  folder output that holds an input, an output folder inside an input folder, and
  ``convert IN -o PARENT_OF_IN`` are refused with exit 2 *before anything is written*; convert
  never replaces a folder it did not make (marker file).
* Inputs are hashed on entry, before any output exists.
* F14 — a run that fails, is interrupted (KeyboardInterrupt, SIGINT) or killed (SIGKILL, in a
  subprocess) leaves the previous complete set exactly as its manifest says; leftovers are
  removed by the next run; a run killed *during* the commit is rolled forward by the next
  run (every kill point tried in-process, two with a real SIGKILL); an error during the
  commit rolls back in-process. One run at a time per folder (lock; two real processes); a
  stale lock (dead process, zombie, reused pid, half-written) is taken over, a lock of
  another host is not. Ctrl-C exits 130 with one line.
* F12 — output folder is a file, an output name is a folder, read-only file system (chmod
  when not root, else a read-only bind mount in a private mount namespace via ``unshare``;
  and always a simulated EROFS), disk full (simulated ENOSPC), a name too long: one line,
  exit 2, earlier outputs intact.
* ``manifest.json`` describes the last run only.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import LineString

import wlr_geo._atomic as atomic
from wlr_geo import WlrGeoError
from wlr_geo._atomic import (
    FOLDER_MARKER,
    LOCK_NAME,
    MANIFEST_NAME,
    DiskFullError,
    ForeignFolderError,
    InputOverwriteError,
    MissingInputError,
    OutputError,
    OutputIsADirectoryError,
    OutputLockedError,
    OutputNameTooLongError,
    OutputNotADirectoryError,
    OutputPermissionError,
    OutputSet,
)
from wlr_geo.catalog import embedded_path
from wlr_geo.cli.main import main
from wlr_geo.io.parquet import INDEX_NAME, dataset_info, write_partitioned
from wlr_geo.provenance import Manifest, attach_manifest, record_run, write_manifest

REPO = Path(__file__).resolve().parents[2]
OTTERLO = embedded_path("bgt/bgt_otterlo_2020.zip")


# ----------------------------------------------------------------------------- helpers


def sha(path: Path) -> str:
    return atomic.file_sha256(path)


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones included) → SHA-256 of its bytes."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_matches_manifest(folder: Path) -> dict:
    """The folder holds exactly what its manifest lists (plus nothing hidden of ours)."""
    manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    for out in manifest["outputs"]:
        assert sha(folder / out["path"]) == out["sha256"], out["path"]
    assert no_leftovers(folder)
    return manifest


def no_leftovers(folder: Path) -> bool:
    return not [p.name for p in folder.iterdir() if p.name == LOCK_NAME or p.name.startswith(".wlr-staging-")]


def lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.strip()]


def rd_lines(n: int = 3, x0: float = 93_000.0) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": [f"kabel {i}" for i in range(n)]},
        geometry=[LineString([(x0 + 10 * i, 463_000), (x0 + 10 * i + 5, 463_050)]) for i in range(n)],
        crs="EPSG:28992",
    )


def make_gpkg(path: Path, n: int = 3, layer: str = "roads") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pyogrio.write_dataframe(rd_lines(n), path, layer=layer, driver="GPKG")
    return path


def make_shapefile(path: Path, n: int = 3) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pyogrio.write_dataframe(rd_lines(n), path, driver="ESRI Shapefile")
    return path


def write_set(out: Path, files: dict[str, str], *, inputs: Sequence[Path] = (), command: str = "test") -> OutputSet:
    """One complete run: ``files`` (name → text) and a manifest."""
    with OutputSet(out, command=command, inputs=inputs) as outs:
        for name, text in files.items():
            outs.path(name).write_text(text, encoding="utf-8")
        attach_manifest(outs, inputs=[(str(p), "x", None) for p in inputs])
    return outs


#: Lets a helper process import ``wlr_geo._atomic`` without running ``wlr_geo/__init__`` (which
#: loads geopandas: seconds per process on a shared runner). The CLI runs use the full package.
_LIGHT_IMPORT = f"""
import sys, types
_pkg = types.ModuleType("wlr_geo")
_pkg.__path__ = [{str(REPO / "wlr_geo")!r}]
sys.modules["wlr_geo"] = _pkg
"""


def run_py(code: str, *args: str, light: bool = True) -> subprocess.Popen[str]:
    source = (_LIGHT_IMPORT if light else "") + textwrap.dedent(code)
    return subprocess.Popen([sys.executable, "-c", source, *args], text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)


def wait_for_line(stream: object, marker: str, proc: subprocess.Popen[str], timeout: float = 120.0) -> str:
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = stream.readline()  # type: ignore[attr-defined]
        if not line:
            if proc.poll() is not None:
                break
            continue
        seen.append(line)
        if marker in line:
            return line
    proc.kill()
    raise AssertionError(f"no {marker!r} from the subprocess; it said {''.join(seen)!r}, "
                         f"stderr {proc.stderr.read() if proc.stderr else ''!r}")


@pytest.fixture
def previous(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """An output folder holding the complete set of an earlier run."""
    src = tmp_path / "src.txt"
    src.write_text("bron")
    out = tmp_path / "out"
    write_set(out, {"a.txt": "old a", "sub/b.txt": "old b", "c.txt": "old c"}, inputs=[src])
    assert_matches_manifest(out)
    return out, tree(out)


# ----------------------------------------------------------------------------- error classes


def test_error_classes_are_wlr_geo_errors_and_os_errors() -> None:
    assert issubclass(OutputNotADirectoryError, WlrGeoError) and issubclass(OutputNotADirectoryError, NotADirectoryError)
    assert issubclass(OutputIsADirectoryError, IsADirectoryError)
    assert issubclass(OutputPermissionError, PermissionError)
    assert issubclass(DiskFullError, OSError) and issubclass(OutputNameTooLongError, OSError)
    assert issubclass(OutputLockedError, TimeoutError) and issubclass(ForeignFolderError, FileExistsError)
    assert issubclass(InputOverwriteError, WlrGeoError) and issubclass(MissingInputError, FileNotFoundError)
    err = DiskFullError("schijf vol", path="/x", errno_=errno.ENOSPC)
    assert err.errno == errno.ENOSPC and str(err) == "schijf vol"


# ----------------------------------------------------------------------------- F13: inputs are never outputs


def _refused_before_writing(tmp_path: Path, out: Path, **kw: object) -> InputOverwriteError:
    before = tree(tmp_path)
    names = list(kw.get("outputs", ()))  # type: ignore[call-overload]
    with pytest.raises(InputOverwriteError) as info, OutputSet(out, command="test", **kw) as outs:  # type: ignore[arg-type]
        for name in names:
            outs.path(name).write_text("new")
    assert tree(tmp_path) == before, "something was written"
    if out.exists():
        assert no_leftovers(out)
    assert "kies een andere uitvoermap" in str(info.value) and "\n" not in str(info.value)
    return info.value


def test_f13_output_named_like_an_input_in_the_output_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    src = make_gpkg(out / "impact.gpkg")  # the user's input lies where an output goes
    err = _refused_before_writing(tmp_path, out, inputs=[src], outputs=["impact.gpkg"])
    assert str(src) in str(err)


def test_f13_output_that_is_a_symlink_to_an_input(tmp_path: Path) -> None:
    src = make_gpkg(tmp_path / "data" / "roads.gpkg")
    out = tmp_path / "out"
    out.mkdir()
    (out / "roads.gpkg").symlink_to(src)
    _refused_before_writing(tmp_path, out, inputs=[src], outputs=["roads.gpkg"])


def test_f13_output_folder_that_is_a_symlink_to_the_input_folder(tmp_path: Path) -> None:
    make_gpkg(tmp_path / "data" / "roads.gpkg")
    (tmp_path / "link").symlink_to(tmp_path / "data")
    _refused_before_writing(tmp_path, tmp_path / "link", inputs=[tmp_path / "link" / "roads.gpkg"], outputs=["roads.gpkg"])


def test_f13_output_that_is_a_hard_link_of_an_input(tmp_path: Path) -> None:
    src = make_gpkg(tmp_path / "data" / "roads.gpkg")
    out = tmp_path / "out"
    out.mkdir()
    os.link(src, out / "copy.gpkg")
    _refused_before_writing(tmp_path, out, inputs=[src], outputs=["copy.gpkg"])


def test_f13_shapefile_sidecars_are_protected(tmp_path: Path) -> None:
    src = make_shapefile(tmp_path / "roads.shp")
    _refused_before_writing(tmp_path, tmp_path, inputs=[src], outputs=["roads.dbf"])


def test_f13_folder_output_that_holds_an_input(tmp_path: Path) -> None:
    src = make_gpkg(tmp_path / "roads" / "roads.gpkg")
    (tmp_path / "roads" / "notes.txt").write_text("mine")
    before = tree(tmp_path)
    with pytest.raises(InputOverwriteError, match="roads"), OutputSet(tmp_path, command="test", inputs=[src]) as outs:
        outs.dir("roads")  # named late: refused when named, still before anything is moved
    assert tree(tmp_path) == before and no_leftovers(tmp_path)


def test_f13_output_folder_inside_an_input_folder(tmp_path: Path) -> None:
    delivery = tmp_path / "klic"
    (delivery / "x.xml").parent.mkdir()
    (delivery / "x.xml").write_text("<x/>")
    _refused_before_writing(tmp_path, delivery / "out", inputs=[delivery])
    assert not (delivery / "out").exists()


def test_f13_inputs_beside_outputs_are_fine_and_untouched(tmp_path: Path) -> None:
    out = tmp_path / "out"
    src = make_gpkg(out / "route.gpkg")
    before = sha(src)
    write_set(out, {"result.csv": "a;b\n"}, inputs=[src])
    assert sha(src) == before and (out / "result.csv").exists()


def test_f13_missing_input_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(MissingInputError, match="bestaat niet"), OutputSet(tmp_path / "o", command="t", inputs=[tmp_path / "nope.gpkg"]):
        pass
    assert not (tmp_path / "o").exists()


def test_f13_convert_into_the_parent_of_its_input_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The issue's case: ``convert P/roads/roads.shp -o P`` used to replace and delete P/roads."""
    parent = tmp_path / "project"
    shp = make_shapefile(parent / "roads" / "roads.shp")
    (parent / "roads" / "aantekeningen.txt").write_text("niet van wlr-geo", encoding="utf-8")
    before = tree(parent)
    assert main(["convert", str(shp), "-o", str(parent)]) == 2
    err = lines(capsys.readouterr().err)
    assert len(err) == 1 and "roads" in err[0] and "kies een andere uitvoermap" in err[0], err
    assert tree(parent) == before
    assert sorted(p.name for p in parent.iterdir()) == ["roads"]


def test_f13_convert_never_replaces_a_folder_it_did_not_make(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = make_gpkg(tmp_path / "in" / "roads.gpkg")
    out = tmp_path / "out"
    (out / "roads").mkdir(parents=True)
    (out / "roads" / "mine.txt").write_text("keep me")
    before = tree(out)
    assert main(["convert", str(src), "-o", str(out)]) == 2
    err = lines(capsys.readouterr().err)
    assert len(err) == 1 and FOLDER_MARKER in err[0], err
    assert tree(out) == before


def test_f13_convert_replaces_its_own_dataset_and_writes_a_manifest(tmp_path: Path) -> None:
    src = make_gpkg(tmp_path / "in" / "roads.gpkg", n=3)
    out = tmp_path / "out"
    assert main(["convert", str(src), "-o", str(out)]) == 0
    assert (out / "roads" / FOLDER_MARKER).is_file() and dataset_info(out / "roads").n_rows == 3
    make_gpkg(src, n=5)
    assert main(["convert", str(src), "-o", str(out)]) == 0
    assert dataset_info(out / "roads").n_rows == 5
    manifest = assert_matches_manifest(out)
    assert [o["path"] for o in manifest["outputs"]] == ["roads"] and manifest["command"] == "wlr-geo convert"
    assert manifest["inputs"][0]["sha256"] == sha(src)


def test_f13_write_partitioned_refuses_foreign_folders_and_files(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "x.txt").write_text("x")
    with pytest.raises(ForeignFolderError):
        write_partitioned(rd_lines(), tmp_path / "mine")
    assert (tmp_path / "mine" / "x.txt").read_text() == "x"
    (tmp_path / "file").write_text("f")
    with pytest.raises(OutputNotADirectoryError):
        write_partitioned(rd_lines(), tmp_path / "file")
    # a dataset written before the marker existed (index only) is still ours to replace
    legacy = tmp_path / "legacy"
    write_partitioned(rd_lines(2), legacy)
    (legacy / FOLDER_MARKER).unlink()
    assert (legacy / INDEX_NAME).exists()
    assert write_partitioned(rd_lines(4), legacy).n_rows == 4
    assert (legacy / FOLDER_MARKER).exists()


def test_f13_bgt_report_onto_its_own_category_table_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cats = tmp_path / "cats.toml"
    cats.write_text('extends = "default"\n', encoding="utf-8")
    before = tree(tmp_path)
    code = main(["bgt", str(OTTERLO), "-o", str(tmp_path / "b.gpkg"), "--categories", str(cats),
                 "--report", str(cats)])
    assert code == 2
    err = lines(capsys.readouterr().err)
    assert len(err) == 1 and "cats.toml" in err[0]
    assert tree(tmp_path) == before


# ----------------------------------------------------------------------------- inputs hashed first


def test_inputs_are_hashed_on_entry_before_anything_is_written(tmp_path: Path) -> None:
    src = make_gpkg(tmp_path / "route.gpkg")
    folder_input = tmp_path / "delivery"
    folder_input.mkdir()
    (folder_input / "a.xml").write_text("<a/>")
    expected = hashlib.sha256(src.read_bytes()).hexdigest()
    with OutputSet(tmp_path / "out", command="t", inputs=[src, folder_input]) as outs:
        assert outs.input_hashes[src.resolve()] == expected
        assert outs.hash_of(tmp_path / "." / "route.gpkg") == expected
        assert outs.input_hashes[folder_input.resolve()] == sha(folder_input)
        assert not any((outs.staging / "files").iterdir()), "hashed after something was staged"
        manifest = attach_manifest(outs, inputs=[(str(src), "route", None)])
        src.write_bytes(b"changed during the run")  # the manifest keeps the hash taken first
        manifest.notes.append("klaar")
        outs.path("x.txt").write_text("x")
    data = json.loads((tmp_path / "out" / MANIFEST_NAME).read_text())
    assert data["inputs"][0]["sha256"] == expected and data["notes"] == ["klaar"]


# ----------------------------------------------------------------------------- F14: staging and commit


def test_outputs_appear_together_and_the_manifest_last(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    order: list[str] = []
    real = atomic._move

    def move(src: Path, dst: Path) -> None:
        real(src, dst)
        order.append(dst.relative_to(out).as_posix())

    monkeypatch.setattr(atomic, "_move", move)
    with OutputSet(out, command="t") as outs:
        outs.path("a.txt").write_text("a")
        ds = outs.dir("ds")
        (ds / "part.bin").write_bytes(b"\0")
        outs.path("fig/b.png").write_bytes(b"png")
        assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == []
        outs.manifest = {"command": "t"}
    assert order[-1] == MANIFEST_NAME and sorted(order[:-1]) == ["a.txt", "ds", "fig/b.png"]
    assert [p.relative_to(out).as_posix() for p in outs.written] == ["a.txt", "ds", "fig/b.png"]
    assert (out / "ds" / FOLDER_MARKER).exists()
    manifest = assert_matches_manifest(out)
    assert {o["path"] for o in manifest["outputs"]} == {"a.txt", "ds", "fig/b.png"}


@pytest.mark.parametrize("failure", [RuntimeError("kapot"), KeyboardInterrupt()])
def test_f14_failed_or_interrupted_run_keeps_the_previous_set(previous: tuple[Path, dict[str, str]],
                                                               failure: BaseException) -> None:
    out, before = previous
    with pytest.raises(type(failure)), OutputSet(out, command="t") as outs:
        outs.path("a.txt").write_text("new a")
        outs.path("sub/b.txt").write_text("new b")
        outs.manifest = {"command": "t"}
        raise failure
    assert tree(out) == before
    assert_matches_manifest(out)


def test_f14_failed_run_into_a_new_folder_leaves_no_folder(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), OutputSet(tmp_path / "new" / "deeper", command="t") as outs:
        outs.path("a.txt").write_text("a")
        raise RuntimeError
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("failing_move", [1, 2, 3, 5])
@pytest.mark.parametrize("error", [PermissionError(errno.EACCES, "Permission denied"), KeyboardInterrupt()])
def test_f14_error_during_the_commit_rolls_back(previous: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch,
                                                failing_move: int, error: BaseException) -> None:
    out, before = previous
    real, calls = atomic._move, []

    def move(src: Path, dst: Path) -> None:
        calls.append(dst)
        if len(calls) == failing_move:
            raise error
        real(src, dst)

    monkeypatch.setattr(atomic, "_move", move)
    expected = OutputPermissionError if isinstance(error, OSError) else KeyboardInterrupt
    with pytest.raises(expected), OutputSet(out, command="t") as outs:
        outs.path("a.txt").write_text("new a")
        outs.path("sub/b.txt").write_text("new b")
        outs.path("d.txt").write_text("new d")
        outs.manifest = {"command": "t"}
    assert tree(out) == before, f"not rolled back after move {failing_move}"


@pytest.mark.parametrize("kill_after", range(1, 7))
def test_f14_commit_interrupted_by_death_is_rolled_forward(previous: tuple[Path, dict[str, str]],
                                                           monkeypatch: pytest.MonkeyPatch, kill_after: int) -> None:
    """Every point of death during the moves (simulated in-process): the next run finishes the set.

    The commit makes 6 moves here: the old manifest aside, a.txt, sub/b.txt, e.txt, ds, the
    new manifest. ``Death`` stands for SIGKILL: it is raised right after move ``kill_after`` and
    nothing is rolled back (the real SIGKILL is tested in a subprocess below).
    """
    out, _ = previous

    class Death(BaseException):
        pass

    real, calls = atomic._move, []

    def move(src: Path, dst: Path) -> None:
        real(src, dst)
        calls.append(dst)
        if len(calls) == kill_after:
            raise Death

    def no_roll_back(*args: object) -> None:
        raise Death  # a dead process rolls nothing back

    monkeypatch.setattr(atomic, "_move", move)
    monkeypatch.setattr(atomic, "_roll_back", no_roll_back)
    new = {"a.txt": "new a", "sub/b.txt": "new b", "e.txt": "new e"}
    with pytest.raises(Death), OutputSet(out, command="t") as outs:
        for name, text in new.items():
            outs.path(name).write_text(text)
        (outs.dir("ds") / "p").write_text("p")
        outs.manifest = {"command": "new"}
    assert any(p.name.startswith(".wlr-staging-") for p in out.iterdir()), "the journal must survive the death"
    monkeypatch.undo()
    with OutputSet(out, command="next") as nxt:  # recovery happens on entry
        manifest = json.loads((out / MANIFEST_NAME).read_text())
        assert manifest["command"] == "new"
        assert_matches_manifest_ignoring_leftovers(out)
        for name, text in new.items():
            assert (out / name).read_text() == text
        assert (out / "ds" / "p").read_text() == "p"
        assert (out / "c.txt").read_text() == "old c"  # not part of the new run: left alone
        assert [p.name for p in out.iterdir() if p.name.startswith(".wlr-staging-")] == [nxt.staging.name]
    assert no_leftovers(out)


def _kill_script() -> str:
    return """
        import os, signal, sys, time
        import wlr_geo._atomic as A
        out, when = sys.argv[1], sys.argv[2]
        if when.startswith("move"):
            real, n = A._move, [0]
            def move(src, dst):
                real(src, dst)
                n[0] += 1
                if n[0] == int(when[4:]):
                    os.kill(os.getpid(), signal.SIGKILL)
            A._move = move
        with A.OutputSet(out, command="wlr-geo killed") as outs:
            outs.path("a.txt").write_text("new a")
            outs.path("sub/b.txt").write_text("new b")
            outs.path("d.txt").write_text("new d")
            outs.manifest = {"command": "wlr-geo killed"}
            print("staged", flush=True)
            if when == "staging":
                time.sleep(120)
    """


@pytest.mark.slow
def test_f14_sigkill_while_staging_keeps_the_previous_set(previous: tuple[Path, dict[str, str]]) -> None:
    out, before = previous
    proc = run_py(_kill_script(), str(out), "staging")
    wait_for_line(proc.stdout, "staged", proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    visible = {k: v for k, v in tree(out).items() if not k.startswith(".wlr")}
    assert visible == before
    assert_matches_manifest_ignoring_leftovers(out)
    assert (out / LOCK_NAME).exists() and any(p.name.startswith(".wlr-staging-") for p in out.iterdir())
    # the next run removes the dead run's staging folder and takes over its lock
    write_set(out, {"a.txt": "next a"})
    assert no_leftovers(out) and (out / "a.txt").read_text() == "next a"
    assert not (out / "d.txt").exists()


def assert_matches_manifest_ignoring_leftovers(folder: Path) -> None:
    manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    for out in manifest["outputs"]:
        assert sha(folder / out["path"]) == out["sha256"], out["path"]


@pytest.mark.slow
@pytest.mark.parametrize("kill_after", [2, 4])
def test_f14_sigkill_during_the_commit_is_rolled_forward(previous: tuple[Path, dict[str, str]], kill_after: int) -> None:
    out, _ = previous
    proc = run_py(_kill_script(), str(out), f"move{kill_after}")
    proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL
    with OutputSet(out, command="next"):  # takes over the dead run's lock and finishes its commit
        assert (out / "a.txt").read_text() == "new a" and (out / "sub/b.txt").read_text() == "new b"
        assert (out / "d.txt").read_text() == "new d"
        assert json.loads((out / MANIFEST_NAME).read_text())["command"] == "wlr-geo killed"
        assert_matches_manifest_ignoring_leftovers(out)
    assert no_leftovers(out)


# ----------------------------------------------------------------------------- manifest: last run only


def test_manifest_describes_the_last_run_only(tmp_path: Path) -> None:
    x, y = tmp_path / "x.txt", tmp_path / "y.txt"
    x.write_text("x")
    y.write_text("y")
    out = tmp_path / "out"
    write_set(out, {"a.txt": "a"}, inputs=[x], command="first")
    write_set(out, {"b.txt": "b"}, inputs=[y], command="second")
    manifest = assert_matches_manifest(out)
    assert manifest["command"] == "second" and "runs" not in manifest
    assert [Path(r["path"]).name for r in manifest["inputs"]] == ["y.txt"]
    assert [o["path"] for o in manifest["outputs"]] == ["b.txt"]


def test_write_manifest_and_record_run_do_not_merge(tmp_path: Path) -> None:
    x, y = tmp_path / "x.txt", tmp_path / "y.txt"
    x.write_text("x")
    y.write_text("y")
    (tmp_path / "a.txt").write_text("a")
    record_run("one", tmp_path, inputs=[(str(x), "r", None)], outputs=[tmp_path / "a.txt"])
    m = Manifest(command="two")
    m.add_input(y)
    write_manifest(m, tmp_path)
    data = json.loads((tmp_path / MANIFEST_NAME).read_text())
    assert data["command"] == "two" and [Path(r["path"]).name for r in data["inputs"]] == ["y.txt"]
    assert data["outputs"] == [] and "runs" not in data


def test_a_run_without_manifest_removes_the_stale_one(previous: tuple[Path, dict[str, str]]) -> None:
    out, _ = previous
    with OutputSet(out, command="t") as outs:
        outs.path("a.txt").write_text("new a")
    assert not (out / MANIFEST_NAME).exists()  # it would no longer match a.txt


# ----------------------------------------------------------------------------- F14: one run per folder


def _holder_script() -> str:
    return """
        import sys, time
        from pathlib import Path
        from wlr_geo._atomic import OutputSet
        out, release = sys.argv[1], Path(sys.argv[2])
        with OutputSet(out, command="wlr-geo houder") as outs:
            outs.path("h.txt").write_text("h")
            print("locked", flush=True)
            while not release.exists():
                time.sleep(0.05)
    """


@pytest.mark.slow
def test_f14_two_processes_one_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A helper process holds the folder. ``wlr-geo convert`` (run here, a second process) exits 2
    naming it; with ``--wait`` it waits, and takes over the lock when the holder is killed (its
    lock then belongs to a zombie: the holder is not reaped until the end)."""
    import logging
    import threading

    src = make_gpkg(tmp_path / "in" / "roads.gpkg")
    out = tmp_path / "out"
    holder = run_py(_holder_script(), str(out), str(tmp_path / "release"))
    waiting = threading.Event()

    class Spot(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "wachten" in record.getMessage():
                waiting.set()

    spot = Spot()
    logging.getLogger("wlr_geo").addHandler(spot)
    try:
        wait_for_line(holder.stdout, "locked", holder)
        assert main(["convert", str(src), "-o", str(out)]) == 2
        err = lines(capsys.readouterr().err)
        assert len(err) == 1 and "wlr-geo houder" in err[0] and f"pid {holder.pid}" in err[0], err
        assert not (out / "roads").exists()

        def kill_holder_once_waited_for() -> None:
            if waiting.wait(120):
                os.kill(holder.pid, signal.SIGKILL)

        killer = threading.Thread(target=kill_holder_once_waited_for)
        killer.start()
        assert main(["convert", str(src), "-o", str(out), "--wait", "120"]) == 0
        killer.join()
        assert waiting.is_set() and holder.poll() is not None
    finally:
        logging.getLogger("wlr_geo").removeHandler(spot)
        holder.kill()
        holder.wait()
    assert not (out / "h.txt").exists(), "the killed holder's staged output must never appear"
    manifest = assert_matches_manifest(out)
    assert manifest["command"] == "wlr-geo convert" and dataset_info(out / "roads").n_rows == 3


_WRITER = """
    import os, sys, time
    from pathlib import Path
    from wlr_geo._atomic import OutputSet
    out, me, log = sys.argv[1], sys.argv[2], sys.argv[3]
    for i in range(4):
        with OutputSet(out, command=f"writer {me}", wait_s=120) as outs:
            with open(log, "a") as fh:
                fh.write(f"start {me}\\n")
            outs.path("a.txt").write_text(f"{me}-{i}")
            time.sleep(0.05)
            outs.path("b.txt").write_text(f"{me}-{i}")
            outs.manifest = {"command": f"writer {me} {i}"}
            with open(log, "a") as fh:
                fh.write(f"end {me}\\n")
"""


@pytest.mark.slow
def test_f14_concurrent_runs_never_interleave(tmp_path: Path) -> None:
    """Three processes, four runs each, start on a folder with a stale lock: one run at a time."""
    out, log = tmp_path / "out", tmp_path / "log.txt"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    _write_lock(out, pid=dead.pid, process_start=None)  # both race to take it over
    procs = [run_py(_WRITER, str(out), str(k), str(log)) for k in (1, 2, 3)]
    for p in procs:
        _, err = p.communicate(timeout=240)
        assert p.returncode == 0, err
    events = log.read_text().split("\n")[:-1]
    assert len(events) == 24
    for start, end in zip(events[::2], events[1::2], strict=True):  # strictly one run at a time
        assert start.startswith("start") and end == start.replace("start", "end")
    manifest = assert_matches_manifest(out)
    assert (out / "a.txt").read_text() == (out / "b.txt").read_text()
    assert manifest["command"].startswith("writer")


def _write_lock(out: Path, **fields: object) -> None:
    out.mkdir(parents=True, exist_ok=True)
    info = {"pid": os.getpid(), "host": socket.gethostname(), "command": "wlr-geo oud", "started": "2026-01-01T00:00:00+00:00",
            "token": "t0", "boot_id": atomic._boot_id(), "process_start": atomic._process_start(os.getpid())}
    info.update(fields)
    (out / LOCK_NAME).write_text(json.dumps(info))


def test_f14_lock_of_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    _write_lock(tmp_path / "out", pid=dead.pid, process_start=None)
    write_set(tmp_path / "out", {"a.txt": "a"})
    assert no_leftovers(tmp_path / "out")


def test_f14_lock_is_never_half_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The lock appears complete (a hard link to a written file): a run killed while taking it
    leaves no empty lock that the next run would have to wait out; its private file is swept."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    out = tmp_path / "out"
    out.mkdir()
    leftover = out / f"{LOCK_NAME}.new-{dead.pid}-abc"
    leftover.write_text("")
    seen: list[str] = []
    real_link = os.link

    def spy(src: object, dst: object, *a: object, **kw: object) -> None:
        if Path(str(dst)).name == LOCK_NAME:
            seen.append(Path(str(src)).read_text())
        real_link(src, dst, *a, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(atomic.os, "link", spy)
    write_set(out, {"a.txt": "a"})
    assert seen and json.loads(seen[0])["pid"] == os.getpid()
    assert not leftover.exists()
    assert no_leftovers(out)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to tell process start times")
def test_f14_lock_of_a_reused_pid_is_taken_over(tmp_path: Path) -> None:
    _write_lock(tmp_path / "out", pid=os.getppid(), process_start="1")  # alive, but started at another time
    write_set(tmp_path / "out", {"a.txt": "a"})
    assert no_leftovers(tmp_path / "out")


def test_f14_lock_of_a_live_run_is_respected(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _write_lock(out, pid=os.getppid(), process_start=atomic._process_start(os.getppid()))
    t0 = time.monotonic()
    with pytest.raises(OutputLockedError) as info, OutputSet(out, command="t", wait_s=0.3):
        pass
    assert time.monotonic() - t0 >= 0.3
    assert "wlr-geo oud" in str(info.value) and f"pid {os.getppid()}" in str(info.value) and "0.3 s" in str(info.value)
    assert sorted(p.name for p in out.iterdir()) == [LOCK_NAME]


def test_f14_lock_of_another_host_is_respected(tmp_path: Path) -> None:
    out = tmp_path / "out"
    _write_lock(out, pid=999_999_999, host="elders.example")
    with pytest.raises(OutputLockedError, match="verwijder dan"), OutputSet(out, command="t"):
        pass


def test_f14_half_written_lock_is_waited_for_then_taken_over(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / LOCK_NAME).write_text("{")
    with pytest.raises(OutputLockedError), OutputSet(out, command="t"):
        pass
    old = time.time() - 3600
    os.utime(out / LOCK_NAME, (old, old))
    write_set(out, {"a.txt": "a"})
    assert no_leftovers(out)


def test_f14_nested_sets_on_one_folder_fail_at_once(tmp_path: Path) -> None:
    with OutputSet(tmp_path, command="buiten"), pytest.raises(OutputLockedError, match="deze run"):  # noqa: SIM117
        with OutputSet(tmp_path, command="binnen", wait_s=60):
            pass


def test_f14_leftovers_of_others_are_never_deleted(tmp_path: Path) -> None:
    """Only this module's own staging folders are cleaned up; look-alikes are left alone."""
    out = tmp_path / "out"
    (out / ".wlr-staging-notes").mkdir(parents=True)
    (out / ".wlr-staging-notes" / "x").write_text("x")
    (out / ".wlr-staging-12-abc").mkdir()
    (out / ".wlr-staging-12-abc" / "own.txt").write_text("not ours")
    (out / ".wlr-staging-13-dead").mkdir()
    (out / ".wlr-staging-13-dead" / "files").mkdir()
    write_set(out, {"a.txt": "a"})
    assert (out / ".wlr-staging-notes" / "x").exists() and (out / ".wlr-staging-12-abc" / "own.txt").exists()
    assert not (out / ".wlr-staging-13-dead").exists()


# ----------------------------------------------------------------------------- F14: Ctrl-C


def test_f14_ctrl_c_exits_130_with_one_line(previous: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    import wlr_geo.io.bgt

    out, _ = previous
    write_bgt = main(["bgt", str(OTTERLO), "-o", str(out / "w.gpkg"), "--class", "waterdeel"])
    assert write_bgt == 0
    before = tree(out)
    capsys.readouterr()

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(wlr_geo.io.bgt, "read_bgt", interrupted)
    assert main(["bgt", str(OTTERLO), "-o", str(out / "w.gpkg")]) == 130
    assert capsys.readouterr().err == "afgebroken\n"
    assert tree(out) == before


_SIGINT_SCRIPT = """
    import sys, time
    import wlr_geo.io.bgt as bgt

    def slow(*args, **kwargs):
        print("lezen", flush=True)
        time.sleep(120)

    bgt.read_bgt = slow
    from wlr_geo.cli.main import main
    sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.slow
def test_f14_sigint_during_a_run(previous: tuple[Path, dict[str, str]]) -> None:
    out, before = previous
    proc = run_py(_SIGINT_SCRIPT, "bgt", str(OTTERLO), "-o", str(out / "w.gpkg"), light=False)
    wait_for_line(proc.stdout, "lezen", proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert lines(err) == ["afgebroken"], err
    assert tree(out) == before


# ----------------------------------------------------------------------------- F12: file system trouble


def test_f12_output_folder_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = make_gpkg(tmp_path / "roads.gpkg")
    (tmp_path / "out").write_text("een bestand")
    assert main(["convert", str(src), "-o", str(tmp_path / "out")]) == 2
    err = lines(capsys.readouterr().err)
    assert len(err) == 1 and "is een bestand" in err[0], err
    assert (tmp_path / "out").read_text() == "een bestand"
    with pytest.raises(NotADirectoryError), OutputSet(tmp_path / "out" / "deeper", command="t"):
        pass


def test_f12_output_name_is_an_existing_folder(previous: tuple[Path, dict[str, str]], capsys: pytest.CaptureFixture[str]) -> None:
    out, _ = previous
    (out / "w.gpkg").mkdir()
    (out / "w.gpkg" / "x").write_text("x")
    before = tree(out)
    assert main(["bgt", str(OTTERLO), "-o", str(out / "w.gpkg")]) == 2
    err = lines(capsys.readouterr().err)
    assert len(err) == 1 and "bestaande map" in err[0], err
    assert tree(out) == before
    with pytest.raises(IsADirectoryError), OutputSet(out, command="t") as outs:
        outs.path("w.gpkg")
    with pytest.raises(NotADirectoryError), OutputSet(out, command="t") as outs:
        outs.path("a.txt/x.png")  # a.txt is a file


def _readonly_strategies() -> list[str]:
    return ["chmod", "mount"]


def _mount_available(probe: Path) -> bool:
    if shutil.which("unshare") is None:
        return False
    script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && ! touch "$1/probe" 2>/dev/null'
    try:
        done = subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", str(probe)], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and not (probe / "probe").exists()


@pytest.mark.slow
@pytest.mark.parametrize("strategy", _readonly_strategies())
def test_f12_read_only_output_folder(tmp_path: Path, strategy: str) -> None:
    """chmod where it works (not as root: root ignores permission bits); a read-only bind
    mount in a private mount namespace where ``unshare`` may (root, or user namespaces)."""
    src = make_gpkg(tmp_path / "in" / "roads.gpkg")
    out = tmp_path / "out"
    assert main(["convert", str(src), "-o", str(out)]) == 0
    before = tree(out)
    command = [sys.executable, "-m", "wlr_geo.cli.main", "convert", str(src), "-o", str(out)]
    if strategy == "chmod":
        out.chmod(0o555)
        try:
            probe = out / "probe"
            try:
                probe.write_text("x")
            except PermissionError:
                pass
            else:
                probe.unlink()
                pytest.skip("chmod does not stop this user from writing (root)")
            done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=120)
        finally:
            out.chmod(0o755)
    else:
        if not _mount_available(out):
            pytest.skip("no private mount namespace (unshare -m) here")
        script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"'
        done = subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", str(out), *command],
                              capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.returncode == 2, done.stderr
    err = lines(done.stderr)
    assert len(err) == 1 and ("alleen-lezen" in err[0] or "geen schrijfrechten" in err[0]), err
    assert tree(out) == before


def test_f12_read_only_simulated(previous: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch) -> None:
    out, before = previous
    real_open = os.open

    def ro_open(path: object, flags: int, *args: object, **kw: object) -> int:
        if Path(str(path)).name.startswith(LOCK_NAME):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, flags, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(atomic.os, "open", ro_open)
    with pytest.raises(OutputPermissionError, match="alleen-lezen"), OutputSet(out, command="t"):
        pass
    monkeypatch.undo()
    assert tree(out) == before


def test_f12_disk_full_while_writing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    src = make_gpkg(tmp_path / "in" / "roads.gpkg")
    out = tmp_path / "out"
    assert main(["convert", str(src), "-o", str(out)]) == 0
    before = tree(out)
    capsys.readouterr()

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(gpd.GeoDataFrame, "to_parquet", full)
    assert main(["convert", str(src), "-o", str(out)]) == 2
    err = lines(capsys.readouterr().err)
    assert len(err) == 1 and "schijf vol" in err[0], err
    assert tree(out) == before
    assert_matches_manifest(out)


def test_f12_disk_full_during_the_commit(previous: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch) -> None:
    out, before = previous

    def full(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic, "_write_durable", full)
    with pytest.raises(DiskFullError) as info, OutputSet(out, command="t") as outs:
        outs.path("a.txt").write_text("new a")
        outs.manifest = {"command": "t"}
    assert "\n" not in str(info.value)
    assert tree(out) == before


def test_f12_name_too_long(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    long_name = "x" * 300 + ".gpkg"
    assert main(["bgt", str(OTTERLO), "-o", str(tmp_path / "out" / long_name)]) == 2
    err = lines(capsys.readouterr().err)
    assert len(err) == 1 and "te lang" in err[0], err
    assert not (tmp_path / "out").exists()
    with pytest.raises(OutputNameTooLongError), OutputSet(tmp_path, command="t") as outs:
        outs.path("kaarten/" + "é" * 200 + ".html")  # 400 bytes in UTF-8


def test_f12_os_errors_from_writers_become_one_line(previous: tuple[Path, dict[str, str]]) -> None:
    out, before = previous
    with pytest.raises(OutputNameTooLongError), OutputSet(out, command="t") as outs:
        raise OSError(errno.ENAMETOOLONG, "File name too long", str(outs.path("a.txt")))
    with pytest.raises(OutputPermissionError), OutputSet(out, command="t") as outs:
        raise PermissionError(errno.EACCES, "Permission denied", str(outs.path("a.txt")))
    with pytest.raises(DiskFullError), OutputSet(out, command="t"):
        raise RuntimeError("GDAL: sqlite3_exec failed: No space left on device")
    # an OS error about something else (an input) is not dressed up as an output problem
    with pytest.raises(FileNotFoundError) as info, OutputSet(out, command="t"):
        raise FileNotFoundError(errno.ENOENT, "No such file", "/elders/invoer.gpkg")
    assert not isinstance(info.value, OutputError)
    assert tree(out) == before


def test_names_must_stay_inside_the_output_folder(tmp_path: Path) -> None:
    with OutputSet(tmp_path, command="t") as outs:
        for bad in ("../x", "/abs", "a/../../b", "", MANIFEST_NAME, LOCK_NAME, ".wlr-staging-1-x/y", "a\\b"):
            with pytest.raises(OutputError):
                outs.path(bad)
        outs.path("a/b.txt")
        with pytest.raises(OutputError, match="overlapt"):
            outs.dir("a")


def test_copy_existing_adds_to_an_earlier_output_without_touching_it(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    make_gpkg(out / "impact.gpkg", layer="routes")
    before = sha(out / "impact.gpkg")
    with pytest.raises(RuntimeError), OutputSet(out, command="t") as outs:
        staged = outs.path("impact.gpkg", copy_existing=True)
        pyogrio.write_dataframe(rd_lines(2), staged, layer="extra", driver="GPKG", append=False)
        raise RuntimeError
    assert sha(out / "impact.gpkg") == before
    with OutputSet(out, command="t") as outs:
        staged = outs.path("impact.gpkg", copy_existing=True)
        pyogrio.write_dataframe(rd_lines(2), staged, layer="extra", driver="GPKG", append=False)
    assert sorted(pyogrio.list_layers(out / "impact.gpkg")[:, 0]) == ["extra", "routes"]


def test_datasets_keep_the_usual_permissions(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    info = write_partitioned(rd_lines(), tmp_path / "ds")
    assert (info.path.stat().st_mode & 0o777) == ((tmp_path / "plain").stat().st_mode & 0o777)


def test_breaking_a_stale_lock_never_removes_a_live_one(tmp_path: Path) -> None:
    """If the lock was replaced between reading it and removing it, the new one is put back."""
    out = tmp_path / "out"
    _write_lock(out, token="live", pid=os.getppid())
    lock = out / LOCK_NAME
    st = lock.stat()
    stale_seen_earlier = {"pid": 1, "token": "stale"}
    outs = OutputSet(out, command="t")
    outs._break_lock(lock, stale_seen_earlier, (st.st_ino, st.st_dev, st.st_mtime))
    assert json.loads(lock.read_text())["token"] == "live"
    assert sorted(p.name for p in out.iterdir()) == [LOCK_NAME]


def test_an_unreadable_input_is_one_line_before_anything_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from wlr_geo import LayerReadError

    src = make_gpkg(tmp_path / "roads.gpkg")
    real_open = open

    def locked(file: object, *args: object, **kwargs: object) -> object:
        if str(file) == str(src):
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("builtins.open", locked)
    with pytest.raises(LayerReadError, match=r"roads\.gpkg"), OutputSet(tmp_path / "out", command="t", inputs=[src]):
        pass
    monkeypatch.undo()
    assert not (tmp_path / "out").exists()


def test_early_input_hash_is_used_only_for_the_unchanged_file(tmp_path):
    """hash_in_background starts hashing inputs before the OutputSet is opened; the OutputSet takes
    that hash only while the file is unchanged (size and mtime), and hashes a changed file again."""
    same, changed = tmp_path / "a.bin", tmp_path / "b.bin"
    same.write_bytes(os.urandom(3 << 20))
    changed.write_bytes(b"x" * 1000)
    atomic.hash_in_background([same, changed, tmp_path / "missing.bin", tmp_path])
    time.sleep(0.05)
    changed.write_bytes(b"y" * 2000)  # changed after the early hash started
    with atomic.OutputSet(tmp_path / "out", command="test", inputs=[same, changed]) as outs:
        outs.path("x.txt").write_text("x")
    hashes = outs.input_hashes
    assert hashes[same.resolve()] == hashlib.sha256(same.read_bytes()).hexdigest()
    assert hashes[changed.resolve()] == hashlib.sha256(b"y" * 2000).hexdigest()
    assert not atomic._EARLY_HASHES  # each early hash is taken once
