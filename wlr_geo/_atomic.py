"""Atomic output: single files, and whole output sets.

Single files
    :func:`atomic_path` writes to a temporary file beside the target and renames it onto the
    target (``os.replace`` is atomic on one file system): a failed or interrupted write leaves
    the earlier file untouched and no half-written file under the final name.

Output sets
    :class:`OutputSet` makes the *set* of files a command writes into one folder safe as a
    whole. On entry it refuses outputs that would replace an input, takes the folder's lock,
    finishes or removes what dead runs left behind and hashes the inputs; the command then
    writes every output into a hidden staging folder inside the output folder; on success the
    staged outputs are moved into place and ``manifest.json`` comes last. A run that fails,
    is interrupted or is killed before the commit leaves the folder as it was.

    The commit is journalled. Before the first move, the list of moves is written to
    ``journal.json`` in the staging folder (written to a temporary name, flushed to disk and
    renamed, so it is complete or absent). Every move keeps the output it replaces in the
    staging folder until the end. Then:

    * an error raised *during* the moves (a permission error, Ctrl-C) rolls the moves back in
      the same process: the previous outputs and the previous manifest are restored;
    * a run *killed* during the moves (SIGKILL, power cut of the process) is **rolled forward**
      by the next run into the same folder: it finds the journal, completes the remaining moves
      and writes the new manifest, so the folder holds the complete new set;
    * a staging folder without a journal belongs to a run that died before its commit; the
      next run deletes it.

    The lock is a file ``.wlr-lock`` created with ``O_CREAT | O_EXCL`` holding the process id,
    host, command and start time. A second run waits up to ``wait_s`` seconds and then fails
    with one line naming the run that holds the lock. A lock whose process is gone (same
    host; process id not alive, a zombie, or reused by a later process) is taken over.

Only names that the running command registers are ever replaced, and a folder is replaced only
if wlr_geo made it (it holds the marker file :data:`FOLDER_MARKER`) or it is empty.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import socket
import stat as _stat
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any, Literal, Protocol

from wlr_geo._errors import LayerReadError, WlrGeoError
from wlr_geo._version import __version__

__all__ = [
    "FOLDER_MARKER",
    "LOCK_NAME",
    "MANIFEST_NAME",
    "STAGING_PREFIX",
    "DiskFullError",
    "ForeignFolderError",
    "InputOverwriteError",
    "MissingInputError",
    "OutputError",
    "OutputIsADirectoryError",
    "OutputLockedError",
    "OutputNameTooLongError",
    "OutputNotADirectoryError",
    "OutputPathError",
    "OutputPermissionError",
    "OutputSet",
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_text",
    "file_sha256",
    "is_replaceable_folder",
    "write_folder_marker",
]

log = logging.getLogger("wlr_geo")

#: The provenance file of an output folder; :class:`OutputSet` moves it into place last.
MANIFEST_NAME = "manifest.json"
#: Lock file of an output folder while a run writes into it.
LOCK_NAME = ".wlr-lock"
#: Name prefix of the hidden staging folders inside an output folder.
STAGING_PREFIX = ".wlr-staging-"
#: Marker file in every folder that wlr_geo writes as one output (e.g. a partitioned
#: GeoParquet dataset). wlr_geo replaces or deletes a folder only if it holds this marker.
FOLDER_MARKER = ".wlr_geo_dataset"
#: Files that identify folders written by wlr_geo before the marker existed.
_LEGACY_FOLDER_FILES = ("_wlr_geo_index.json",)
#: Sidecar files that belong to an ESRI Shapefile (protected with the ``.shp``).
_SHAPEFILE_SIDECARS = (".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".fix", ".qmd", ".shp.xml")
#: A lock file that cannot be parsed is taken for one being written unless it is this old.
_UNREADABLE_LOCK_GRACE_S = 10.0

_STAGING_RE = re.compile(re.escape(STAGING_PREFIX) + r"\d+-[A-Za-z0-9_]+$")
_JOURNAL = "journal.json"
_FILES = "files"
_OLD = "old"

_UNWRITABLE = {errno.EACCES, errno.EPERM, errno.EROFS}
_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


# ============================================================================ single files


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str], *, copy_existing: bool = False) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; on success rename it onto ``target``.

    Parameters
    ----------
    target
        Final file name. Its folder is created if needed.
    copy_existing
        Start the temporary file as a copy of ``target`` (to add a layer to an existing
        GeoPackage without touching the original until the new one is complete).
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=f".part{target.suffix}", dir=target.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # drivers want to create the file themselves
    if copy_existing and target.exists():
        shutil.copy2(target, tmp)
    try:
        yield tmp
        if not tmp.exists():
            raise FileNotFoundError(f"er is niets geschreven naar {tmp} voor {target}")
        tmp.replace(target)
    finally:
        for leftover in (tmp, Path(str(tmp) + "-journal"), Path(str(tmp) + "-wal"), Path(str(tmp) + "-shm")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


def atomic_write_bytes(target: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically and return the path."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def atomic_write_text(target: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``target`` atomically and return the path."""
    return atomic_write_bytes(target, text.encode(encoding))


#: Hashes started early (:func:`hash_in_background`), by (real path, size, mtime_ns).
_EARLY_HASHES: dict[tuple[str, int, int], _EarlyHash] = {}
_EARLY_LOCK = threading.Lock()


def _hash_key(path: str | os.PathLike[str]) -> tuple[str, int, int] | None:
    try:
        st = Path(path).stat()
    except OSError:
        return None
    if not _stat.S_ISREG(st.st_mode):
        return None
    return os.path.realpath(path), st.st_size, st.st_mtime_ns


class _EarlyHash:
    """One file hashed on a daemon thread (a run that ends early never waits for it)."""

    def __init__(self, path: str) -> None:
        self._done = threading.Event()
        self._digest = ""
        threading.Thread(target=self._run, args=(path,), name="wlr-geo-early-hash", daemon=True).start()

    def _run(self, path: str) -> None:
        try:
            self._digest = file_sha256(path)
        except OSError:
            self._digest = ""  # the OutputSet hashes it again and reports the error
        finally:
            self._done.set()

    def result(self) -> str:
        self._done.wait()
        return self._digest


def hash_in_background(paths: Iterable[str | os.PathLike[str]]) -> None:
    """Start hashing input files now, on background threads, for an :class:`OutputSet` opened later.

    A run that reads first and opens its outputs afterwards calls this at its start, so a big
    input is hashed (hashlib releases the GIL) while it is read and analysed. The OutputSet uses
    an early hash only if the file's size and modification time are unchanged. The threads are
    daemons: a run that stops early does not wait for them.
    """
    with _EARLY_LOCK:
        for path in paths:
            key = _hash_key(path)
            if key is None or key in _EARLY_HASHES:
                continue
            _EARLY_HASHES[key] = _EarlyHash(key[0])


@contextlib.contextmanager
def early_hashes(paths: Iterable[str | os.PathLike[str]]) -> Iterator[None]:
    """:func:`hash_in_background` for the block inside; if the block fails (before an OutputSet
    took the hashes), they are dropped."""
    paths = list(paths)
    hash_in_background(paths)
    try:
        yield
    except BaseException:
        for path in paths:
            _take_early_hashes(path)
        raise


def _take_early_hashes(path: str | os.PathLike[str]) -> dict[tuple[str, int, int], _EarlyHash]:
    """Remove and return every early hash of ``path`` (a stale one, of an older version, too)."""
    real = os.path.realpath(path)
    with _EARLY_LOCK:
        return {k: _EARLY_HASHES.pop(k) for k in [k for k in _EARLY_HASHES if k[0] == real]}


def _sha256_of_input(path: str | os.PathLike[str]) -> str:
    """SHA-256 of an input: the early hash when one was started for this very file, else now."""
    key = _hash_key(path)
    early = _take_early_hashes(path).get(key) if key is not None else None
    if early is not None:
        digest = early.result()
        if digest and _hash_key(path) == key:
            return digest
    return file_sha256(path)


def file_sha256(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    """SHA-256 of a file (or, for a folder such as a Shapefile set, of its files in order)."""
    p = Path(path)
    h = hashlib.sha256()
    files = sorted(q for q in p.rglob("*") if q.is_file()) if p.is_dir() else [p]
    for f in files:
        if p.is_dir():
            h.update(str(f.relative_to(p)).encode())
        with open(f, "rb") as fh:
            while block := fh.read(chunk):
                h.update(block)
    return h.hexdigest()


def write_folder_marker(folder: str | os.PathLike[str], *, kind: str, command: str | None = None) -> Path:
    """Write :data:`FOLDER_MARKER` into ``folder``: wlr_geo made it and may replace it later."""
    data = {"created_by": "wlr_geo", "version": __version__, "kind": kind, "command": command}
    target = Path(folder) / FOLDER_MARKER
    target.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return target


def is_replaceable_folder(folder: Path) -> bool:
    """True for a folder wlr_geo may replace: it holds the marker (or a legacy index), or is empty."""
    if (folder / FOLDER_MARKER).is_file() or any((folder / n).is_file() for n in _LEGACY_FOLDER_FILES):
        return True
    try:
        return not any(os.scandir(folder))
    except OSError:
        return False


# ============================================================================ errors


class OutputError(WlrGeoError):
    """An output set cannot be written; the message is one Dutch line with the fix."""


class InputOverwriteError(OutputError, ValueError):
    """An output would replace, delete or write inside one of the run's inputs."""


class MissingInputError(OutputError, FileNotFoundError):
    """An input given to :class:`OutputSet` does not exist (it cannot be hashed or protected)."""

    def __str__(self) -> str:
        return str(self.args[0])


class OutputLockedError(OutputError, TimeoutError):
    """Another run writes into the same output folder (its lock is held)."""

    def __str__(self) -> str:
        return str(self.args[0])


class ForeignFolderError(OutputError, FileExistsError):
    """A folder output would replace a folder that wlr_geo did not make."""

    def __str__(self) -> str:
        return str(self.args[0])


class OutputPathError(OutputError, OSError):
    """The file system refused an output (the OS error number is kept in ``errno``)."""

    def __init__(self, message: str, *, path: str | os.PathLike[str] | None = None, errno_: int | None = None) -> None:
        super().__init__(message)
        if errno_ is not None:
            self.errno = errno_
        self.filename = None if path is None else str(path)

    def __str__(self) -> str:
        return str(self.args[0])


class OutputNotADirectoryError(OutputPathError, NotADirectoryError):
    """The output folder (or a folder above an output) is a file."""


class OutputIsADirectoryError(OutputPathError, IsADirectoryError):
    """An output file name is taken by an existing folder."""


class OutputPermissionError(OutputPathError, PermissionError):
    """No permission to write, or a read-only file system."""


class DiskFullError(OutputPathError):
    """The disk (or quota) is full."""


class OutputNameTooLongError(OutputPathError):
    """An output name or path is longer than the file system allows."""


def _translate(exc: OSError, where: Path, action: str) -> OutputError | None:
    """One-line error for an OS error while writing outputs (None if it is not about writing)."""
    code = exc.errno
    target = exc.filename or where
    if code in _FULL:
        return DiskFullError(
            f"schijf vol bij {action} in {where}: {os.strerror(code or errno.ENOSPC)}; maak ruimte vrij of kies "
            f"een andere uitvoermap (-o); eerdere uitvoer is ongewijzigd", path=target, errno_=code)
    if code in _UNWRITABLE:
        why = "alleen-lezen bestandssysteem" if code == errno.EROFS else "geen schrijfrechten"
        return OutputPermissionError(
            f"kan niet schrijven in {where} ({why}) bij {action}; kies een andere uitvoermap (-o) of "
            f"geef schrijfrechten; eerdere uitvoer is ongewijzigd", path=target, errno_=code)
    if code == errno.ENAMETOOLONG:
        return OutputNameTooLongError(
            f"naam te lang voor het bestandssysteem bij {action}: {target}; kies een kortere uitvoermap "
            f"of kortere namen", path=target, errno_=code)
    if code == errno.ENOTDIR:
        return OutputNotADirectoryError(
            f"een deel van het pad {target} is een bestand, geen map; kies een andere uitvoermap (-o)",
            path=target, errno_=code)
    if code == errno.EISDIR:
        return OutputIsADirectoryError(
            f"{target} is een map waar een bestand hoort; verwijder of hernoem die map, of kies een andere "
            f"uitvoermap (-o)", path=target, errno_=code)
    return None


# ============================================================================ processes and locks


def _process_start(pid: int) -> str | None:
    """Start time of a process (Linux ``/proc``: clock ticks since boot), None where unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2:].split()
    return fields[19] if len(fields) > 19 else None


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2:].startswith("Z")


def _boot_id() -> str | None:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip() or None
    except OSError:
        return None


def _pid_alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this machine (a zombie counts as ended)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":  # os.kill(pid, 0) would terminate the process on Windows
        import ctypes

        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return bool(kernel32.GetLastError() == 5)  # access denied: it exists
        try:
            code = ctypes.c_ulong()
            if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
                return True
            return code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return True
    return not _is_zombie(pid)


def _abs(path: str | os.PathLike[str]) -> Path:
    """Absolute, normalised path (symlinks kept: they are resolved where it matters)."""
    return Path(os.path.normpath(Path(path).absolute()))


def _utc_now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_durable(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` complete or not at all (temporary name, fsync, rename)."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)
    _fsync_dir(path.parent)


def _move(src: Path, dst: Path) -> None:
    """Rename ``src`` onto ``dst`` (one place, so tests can interrupt a commit between moves)."""
    src.replace(dst)


def _keep_old(final: Path, old: Path) -> None:
    """Keep the output that ``final`` holds now as ``old`` (a hard link, so ``final`` stays)."""
    try:
        os.link(final, old, follow_symlinks=False)
    except (OSError, NotImplementedError):  # no hard links here: copy (a symlink as a symlink)
        if final.is_symlink():
            old.symlink_to(final.readlink())
        else:
            shutil.copy2(final, old)


def _who(info: dict[str, Any] | None) -> str:
    """The run a lock belongs to, for messages."""
    if not info:
        return "een andere run"
    return (f"een andere run ({info.get('command', '?')}, pid {info.get('pid', '?')} op {info.get('host', '?')}, "
            f"gestart {info.get('started', '?')})")


class _ManifestLike(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


# ============================================================================ the output set


class OutputSet:
    """The outputs of one run into one folder, written safely as a whole.

    Parameters
    ----------
    out_dir
        The output folder (created if needed; an existing file there is an error).
    command
        What runs, e.g. ``"wlr-geo impact"`` (written into the lock and shown to a second run).
    inputs
        Every file or folder the run reads. They are hashed on entry (:attr:`input_hashes`)
        and protected: no output may be one of them (symlinks and hard links included), lie
        inside an input folder, or replace a folder that holds one.
    outputs
        Output names known up front (relative to ``out_dir``); they are checked against the
        inputs on entry, before anything is written. Names given later to :meth:`path` or
        :meth:`dir` are checked then.
    wait_s
        How long to wait for another run that holds the folder's lock (0: fail at once).

    Examples
    --------
    >>> with OutputSet(out, command="wlr-geo x", inputs=[src]) as outs:  # doctest: +SKIP
    ...     write_layers(layers, outs.path("x.gpkg"))
    ...     outs.manifest = {"command": "wlr-geo x"}
    >>> outs.written  # doctest: +SKIP
    [PosixPath('out/x.gpkg')]

    Notes
    -----
    Everything written through :meth:`path` and :meth:`dir` goes to a hidden staging folder
    ``out_dir/.wlr-staging-<pid>-<random>/``; on a clean exit the outputs are moved into place,
    then ``manifest.json`` (if :attr:`manifest` is set; otherwise an earlier ``manifest.json``
    is removed, since it would describe another run). Any exception, ``KeyboardInterrupt``
    included, discards the staging folder and leaves ``out_dir`` as it was. OS errors that
    mean the output cannot be written (disk full, read-only, permission, name too long) are
    raised as one-line :class:`OutputError` subclasses that also subclass the matching
    ``OSError``.
    """

    manifest: dict[str, Any] | _ManifestLike | None

    def __init__(
        self,
        out_dir: str | os.PathLike[str],
        *,
        command: str,
        inputs: Iterable[str | os.PathLike[str]] = (),
        outputs: Iterable[str] = (),
        wait_s: float = 0.0,
    ) -> None:
        self.out_dir = _abs(out_dir)
        self.command = command
        self.wait_s = max(0.0, float(wait_s))
        self.manifest = None
        self._inputs = [_abs(p) for p in inputs]
        self._declared = list(outputs)
        self._entries: dict[str, str] = {}  # name -> "file" | "dir", in registration order
        self._input_hashes: dict[Path, str] = {}
        self._hashed = False
        self._written: list[Path] = []
        self._token = secrets.token_hex(8)
        self._staging: Path | None = None
        self._lock_held = False
        self._state = "new"
        self._protected: list[tuple[Path, Path, bool]] = []  # (as given, resolved, is_dir)
        self._created: list[Path] = []  # folders made on entry, deepest first

    # ------------------------------------------------------------------ public

    @property
    def input_hashes(self) -> dict[Path, str]:
        """SHA-256 of every input (resolved path → hex digest), computed from entry on.

        The hashes are taken on background threads started on entry, or earlier by
        :func:`hash_in_background` (hashlib releases the GIL, so a big input is hashed on the
        second core while the run reads and analyses); asking for them waits until they are done.
        """
        self._wait_hashes()
        return dict(self._input_hashes)

    def hash_of(self, path: str | os.PathLike[str]) -> str | None:
        """The entry hash of input ``path`` (any spelling of it), or None if it is no input."""
        self._wait_hashes()
        return self._input_hashes.get(Path(os.path.realpath(path)))

    def _wait_hashes(self) -> None:
        """Collect the input hashes started on entry; an unreadable input becomes a one-line
        :class:`LayerReadError`."""
        if self._hashed:
            return
        for given in dict.fromkeys(self._inputs):
            key = Path(os.path.realpath(given))
            if key in self._input_hashes:
                continue
            try:
                self._input_hashes[key] = _sha256_of_input(given)
            except OSError as exc:
                raise LayerReadError(f"kan de invoer niet lezen om de controlesom te bepalen: {exc.strerror or exc}",
                                     source=str(exc.filename or given),
                                     hint="controleer of het bestand leesbaar is") from exc
        self._hashed = True

    @property
    def written(self) -> list[Path]:
        """Final paths (in ``out_dir``) of the outputs moved into place (empty before commit)."""
        return list(self._written)

    @property
    def staging(self) -> Path:
        """The staging folder of this run (only while the set is open)."""
        if self._staging is None:
            raise RuntimeError("the output set is not open; use it in a with statement")
        return self._staging

    def final_path(self, name: str) -> Path:
        """Where output ``name`` will be after the commit."""
        return self.out_dir / self._check_name(name)

    def path(self, name: str, *, copy_existing: bool = False) -> Path:
        """The staged path to write output file ``name`` to (sub folders allowed).

        The parent folders are created; the file itself is not (drivers create it), unless
        ``copy_existing`` is set: then the file now at ``out_dir/name`` (if any) is copied to the
        staged path first, e.g. to add a layer to a GeoPackage of an earlier run. Calling it
        again with the same name returns the same path. Raises :class:`InputOverwriteError` if
        the output would replace an input and :class:`OutputIsADirectoryError` if a folder
        already has that name.
        """
        staged = self._register(name, "file")
        final = self.out_dir / self._check_name(name)
        if copy_existing and not staged.exists() and final.is_file():
            try:
                shutil.copy2(final, staged)
            except OSError as exc:
                raise self._os_error(exc, f"het kopiëren van {name}") from exc
        return staged

    def dir(self, name: str) -> Path:
        """The staged folder for folder output ``name`` (created, empty).

        At the commit the folder replaces ``out_dir/name`` as a whole; an existing folder there
        is replaced only if wlr_geo made it (marker :data:`FOLDER_MARKER`) or it is empty, else
        :class:`ForeignFolderError`. The marker is added to the staged folder if missing.
        """
        return self._register(name, "dir")

    # ------------------------------------------------------------------ context manager

    def __enter__(self) -> OutputSet:
        if self._state != "new":
            raise RuntimeError("an OutputSet can be entered once")
        self._state = "checking"
        self._protect_inputs()
        self._check_out_dir()
        for name in self._declared:
            self._check_against_inputs(self.out_dir / self._check_name(name), name)
        probe = self.out_dir
        while not os.path.lexists(probe) and probe != probe.parent:
            self._created.append(probe)
            probe = probe.parent
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise OutputNotADirectoryError(
                f"uitvoermap {self.out_dir} is een bestand; kies een map (-o)", path=self.out_dir,
                errno_=errno.ENOTDIR) from None
        except OSError as exc:
            raise self._os_error(exc, "het aanmaken van de uitvoermap") from exc
        try:
            self._acquire_lock()
        except BaseException:
            self._remove_created()
            raise
        try:
            self._recover_leftovers()
            hash_in_background(self._inputs)  # collected by _wait_hashes
            try:
                staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=self.out_dir))
                (staging / _FILES).mkdir()
                (staging / _OLD).mkdir()
            except OSError as exc:
                raise self._os_error(exc, "het klaarzetten van de uitvoer") from exc
            self._staging = staging
        except BaseException:
            self._release_lock()
            self._remove_created()
            raise
        self._state = "open"
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> Literal[False]:
        if self._state != "open":
            return False
        try:
            if exc is None:
                try:
                    self._wait_hashes()
                    self._commit()
                except OSError as err:
                    if isinstance(err, WlrGeoError):
                        raise
                    raise self._os_error(err, "het vastleggen van de uitvoer") from err
                self._state = "committed"
                return False
            self._state = "rolled back"
            self._discard_staging()
            translated = self._translate_body_error(exc)
            if translated is not None:
                raise translated from exc
            return False
        finally:
            if self._state != "committed":
                self._discard_staging()
                self._state = "rolled back"
                for given in self._inputs:  # hashes nobody will ask for
                    _take_early_hashes(given)
            self._release_lock()
            if self._state != "committed":
                self._remove_created()

    # ------------------------------------------------------------------ names and checks

    def _check_name(self, name: str) -> str:
        if not isinstance(name, str) or not name or "\\" in name or "\x00" in name:
            raise OutputError(f"ongeldige uitvoernaam {name!r}: geef een relatief pad met '/'")
        pure = PurePosixPath(name)
        if pure.is_absolute() or any(part in ("", ".", "..") for part in name.split("/")) or ":" in pure.parts[0]:
            raise OutputError(f"ongeldige uitvoernaam {name!r}: geef een pad binnen de uitvoermap zonder '..'")
        first = pure.parts[0]
        if first == LOCK_NAME or first.startswith(STAGING_PREFIX) or name == MANIFEST_NAME:
            raise OutputError(f"uitvoernaam {name!r} is gereserveerd voor wlr-geo zelf")
        name_max = self._limit("PC_NAME_MAX", 255)
        for part in pure.parts:
            if len(os.fsencode(part)) > name_max:
                raise OutputNameTooLongError(
                    f"uitvoernaam te lang ({len(os.fsencode(part))} bytes, hoogstens {name_max}): "
                    f"{part[:40]}…; gebruik kortere namen", path=self.out_dir / name, errno_=errno.ENAMETOOLONG)
        full = len(os.fsencode(str(self.out_dir / STAGING_PREFIX / ("x" * 24) / _FILES / name)))
        path_max = self._limit("PC_PATH_MAX", 4096)
        if full >= path_max:
            raise OutputNameTooLongError(
                f"uitvoerpad te lang ({full} bytes, hoogstens {path_max - 1}): {self.out_dir / name}; "
                f"kies een kortere uitvoermap (-o)", path=self.out_dir / name, errno_=errno.ENAMETOOLONG)
        return str(pure)

    def _limit(self, key: str, default: int) -> int:
        probe = self.out_dir
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        try:
            value = os.pathconf(probe, key)
        except (OSError, ValueError, AttributeError):
            return default
        return value if value > 0 else default

    def _protect_inputs(self) -> None:
        for given in self._inputs:
            if not given.exists():
                raise MissingInputError(f"invoer {given} bestaat niet; controleer het pad")
            real = Path(os.path.realpath(given))
            is_dir = real.is_dir()
            self._protected.append((given, real, is_dir))
            if not is_dir and real.suffix.lower() == ".shp":
                stem = real.name[: -len(real.suffix)]
                for ext in _SHAPEFILE_SIDECARS:
                    for cand in (real.with_name(stem + ext), real.with_name(stem + ext.upper())):
                        if cand.exists():
                            self._protected.append((cand, Path(os.path.realpath(cand)), False))

    def _check_out_dir(self) -> None:
        out = self.out_dir
        if out.exists() and not out.is_dir():
            raise OutputNotADirectoryError(
                f"uitvoermap {out} is een bestand; kies een map (-o)", path=out, errno_=errno.ENOTDIR)
        real_out = Path(os.path.realpath(out))
        for given, real, is_dir in self._protected:
            if is_dir and (real_out == real or real_out.is_relative_to(real)):
                raise InputOverwriteError(
                    f"uitvoermap {out} ligt in invoermap {given}; de invoer zou veranderen: kies een "
                    f"andere uitvoermap (-o) buiten de invoer")

    def _check_against_inputs(self, final: Path, name: str) -> None:
        real_final = Path(os.path.realpath(final))
        for given, real, is_dir in self._protected:
            if is_dir:
                if real_final == real or real.is_relative_to(real_final):
                    raise InputOverwriteError(
                        f"uitvoer {name} in {self.out_dir} zou de invoermap {given} vervangen; kies een "
                        f"andere uitvoermap (-o)")
                if real_final.is_relative_to(real):
                    raise InputOverwriteError(
                        f"uitvoer {name} komt in invoermap {given} terecht; kies een andere uitvoermap (-o)")
                continue
            same = real_final == real
            if not same and os.path.lexists(final):
                with contextlib.suppress(OSError):
                    same = final.samefile(given)
            if same:
                raise InputOverwriteError(
                    f"uitvoer {name} zou invoerbestand {given} overschrijven; kies een andere uitvoermap "
                    f"(-o) of verplaats de invoer")
            if real.is_relative_to(real_final):
                raise InputOverwriteError(
                    f"uitvoer {name} in {self.out_dir} zou de map vervangen waarin invoerbestand {given} "
                    f"staat; kies een andere uitvoermap (-o)")

    def _check_final(self, final: Path, name: str, kind: str) -> None:
        """The target of an output must not be something we may not replace."""
        probe = final.parent
        while probe != self.out_dir and probe != probe.parent:
            if probe.exists() and not probe.is_dir():
                raise OutputNotADirectoryError(
                    f"uitvoer {name}: {probe} is een bestand, geen map; verwijder of hernoem het, of kies "
                    f"een andere uitvoermap (-o)", path=probe, errno_=errno.ENOTDIR)
            probe = probe.parent
        if kind == "file" and final.is_dir() and not final.is_symlink():
            raise OutputIsADirectoryError(
                f"uitvoer {name}: {final} is een bestaande map; verwijder of hernoem die map, of kies een "
                f"andere uitvoermap (-o)", path=final, errno_=errno.EISDIR)
        if kind == "dir" and os.path.lexists(final):
            if final.is_symlink() or not final.is_dir():
                raise OutputNotADirectoryError(
                    f"uitvoer {name}: {final} bestaat al als bestand; verwijder of hernoem het, of kies een "
                    f"andere uitvoermap (-o)", path=final, errno_=errno.ENOTDIR)
            if not is_replaceable_folder(final):
                raise ForeignFolderError(
                    f"uitvoer {name}: map {final} bestaat al en is niet door wlr-geo gemaakt (geen "
                    f"{FOLDER_MARKER}); wlr-geo vervangt alleen eigen mappen: kies een andere uitvoermap "
                    f"(-o) of verwijder de map zelf")

    def _register(self, name: str, kind: str) -> Path:
        if self._state != "open":
            raise RuntimeError("use OutputSet.path()/dir() inside the with statement")
        name = self._check_name(name)
        known = self._entries.get(name)
        if known is not None:
            if known != kind:
                raise OutputError(f"uitvoer {name} is al als {'map' if known == 'dir' else 'bestand'} aangemeld")
            return self.staging / _FILES / name
        pure = PurePosixPath(name)
        for other in self._entries:
            if pure.is_relative_to(other) or PurePosixPath(other).is_relative_to(pure):
                raise OutputError(f"uitvoer {name} overlapt met uitvoer {other}; geef aparte namen")
        final = self.out_dir / name
        self._check_against_inputs(final, name)
        self._check_final(final, name, kind)
        staged = self.staging / _FILES / name
        try:
            staged.parent.mkdir(parents=True, exist_ok=True)
            if kind == "dir":
                staged.mkdir()
        except OSError as exc:
            raise self._os_error(exc, f"het klaarzetten van {name}") from exc
        self._entries[name] = kind
        return staged

    # ------------------------------------------------------------------ lock

    def _lock_record(self) -> dict[str, Any]:
        pid = os.getpid()
        return {
            "pid": pid, "host": socket.gethostname(), "command": self.command, "started": _utc_now(),
            "token": self._token, "boot_id": _boot_id(), "process_start": _process_start(pid),
        }

    def _acquire_lock(self) -> None:
        lock = self.out_dir / LOCK_NAME
        deadline = time.monotonic() + self.wait_s
        delay = 0.05
        told = False
        while True:
            try:
                if self._create_lock(lock):
                    self._lock_held = True
                    self._sweep_lock_leftovers()
                    return
                fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                holder = self._read_lock(lock)
                if holder is None:
                    continue  # it went away between the two calls: try again
                info, ino = holder
                if self._lock_is_stale(info, lock):
                    self._break_lock(lock, info, ino)
                    continue
                if info and info.get("token") != self._token and info.get("pid") == os.getpid() \
                        and info.get("host") == socket.gethostname():
                    raise OutputLockedError(
                        f"uitvoermap {self.out_dir} wordt al door deze run beschreven ({info.get('command')}); "
                        f"kies een andere uitvoermap (-o)") from None
                left = deadline - time.monotonic()
                if left <= 0:
                    raise OutputLockedError(self._locked_message(info, lock)) from None
                if not told:
                    told = True
                    log.warning("uitvoermap %s is in gebruik door %s; wachten (hoogstens %g s)", self.out_dir,
                                _who(info), self.wait_s)
                time.sleep(min(delay, left))
                delay = min(delay * 2, 0.5)
                continue
            except OSError as exc:
                raise self._os_error(exc, "het vergrendelen van de uitvoermap") from exc
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    json.dump(self._lock_record(), fh)
                    fh.flush()
                    os.fsync(fh.fileno())
            except OSError as exc:
                with contextlib.suppress(OSError):
                    lock.unlink()
                raise self._os_error(exc, "het vergrendelen van de uitvoermap") from exc
            self._lock_held = True
            return

    def _create_lock(self, lock: Path) -> bool:
        """Create ``lock`` complete or not at all: written under a private name, then hard-linked.

        A run killed at any moment thus never leaves a half-written lock that others would have to
        wait out. Returns False where the file system has no hard links (the caller then falls back
        to ``O_EXCL``); raises FileExistsError when another run holds the lock.
        """
        tmp = lock.with_name(f"{LOCK_NAME}.new-{os.getpid()}-{self._token}")
        try:
            with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644), "w", encoding="utf-8") as fh:
                json.dump(self._lock_record(), fh)
                fh.flush()
                os.fsync(fh.fileno())
            try:
                os.link(tmp, lock)
            except FileExistsError:
                raise
            except (OSError, NotImplementedError):
                return False
            return True
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()

    def _sweep_lock_leftovers(self) -> None:
        """Remove private lock files (``.wlr-lock.new-PID-…``) that killed runs left behind."""
        with contextlib.suppress(OSError):
            for p in self.out_dir.glob(f"{LOCK_NAME}.*-*-*"):
                pid = p.name[len(LOCK_NAME) + 1:].split("-")[1]
                if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
                    with contextlib.suppress(OSError):
                        p.unlink()

    @staticmethod
    def _read_lock(lock: Path) -> tuple[dict[str, Any] | None, tuple[int, int, float]] | None:
        try:
            st = lock.stat()
            text = lock.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError:
            return {}, (0, 0, time.time())
        try:
            info = json.loads(text)
        except ValueError:
            info = None
        return (info if isinstance(info, dict) else None), (st.st_ino, st.st_dev, st.st_mtime)

    @staticmethod
    def _lock_is_stale(info: dict[str, Any] | None, lock: Path) -> bool:
        if info is None:  # being written right now, or left half-written by a killed run
            try:
                age = time.time() - lock.stat().st_mtime
            except OSError:
                return False
            return age > _UNREADABLE_LOCK_GRACE_S
        if info.get("host") != socket.gethostname():
            return False  # a run on another machine: cannot tell, so respect it
        boot = _boot_id()
        if boot and info.get("boot_id") and info["boot_id"] != boot:
            return True  # written before the last reboot
        pid = info.get("pid")
        if not isinstance(pid, int) or not _pid_alive(pid):
            return True
        started = info.get("process_start")
        now = _process_start(pid)
        return bool(started and now and started != now)  # the pid was reused by another process

    def _break_lock(self, lock: Path, info: dict[str, Any] | None, ino: tuple[int, int, float]) -> None:
        """Remove the stale lock ``info`` without ever removing a live one that replaced it."""
        aside = lock.with_name(f"{LOCK_NAME}.stale-{os.getpid()}-{self._token}")
        try:
            lock.rename(aside)
        except FileNotFoundError:
            return
        try:
            moved = _read_json(aside)
            st = aside.stat()
            same = (moved == info) if info is not None else (st.st_ino, st.st_dev) == ino[:2]
            if same:
                log.info("verouderde vergrendeling van %s overgenomen (%s: proces bestaat niet meer)",
                         self.out_dir, (info or {}).get("command", "onbekende run"))
                return
            # a live run created its lock after we looked: put it back
            with contextlib.suppress(FileExistsError):
                os.link(aside, lock)
        finally:
            with contextlib.suppress(OSError):
                aside.unlink()

    def _locked_message(self, info: dict[str, Any] | None, lock: Path) -> str:
        waited = f" (na {self.wait_s:g} s wachten)" if self.wait_s else ""
        other_host = bool(info and info.get("host") != socket.gethostname())
        tail = f"; loopt die run niet meer, verwijder dan {lock}" if other_host or not info else ""
        return (f"uitvoermap {self.out_dir} is in gebruik door {_who(info)}{waited}; wacht tot die run klaar "
                f"is of kies een andere uitvoermap (-o){tail}")

    def _owns_lock(self) -> bool:
        info = _read_json(self.out_dir / LOCK_NAME)
        return info is not None and info.get("token") == self._token

    def _release_lock(self) -> None:
        if not self._lock_held:
            return
        self._lock_held = False
        if self._owns_lock():
            with contextlib.suppress(OSError):
                (self.out_dir / LOCK_NAME).unlink()

    # ------------------------------------------------------------------ staging, commit, recovery

    def _remove_created(self) -> None:
        """Remove the folders made on entry again if they are still empty."""
        for folder in self._created:
            with contextlib.suppress(OSError):
                folder.rmdir()

    def _discard_staging(self) -> None:
        if self._staging is not None:
            shutil.rmtree(self._staging, ignore_errors=True)
            self._staging = None

    def _recover_leftovers(self) -> None:
        """Finish (journal present) or delete (no journal) the staging folders of dead runs."""
        try:
            entries = sorted(p for p in self.out_dir.iterdir() if p.name.startswith(STAGING_PREFIX))
        except OSError as exc:
            raise self._os_error(exc, "het lezen van de uitvoermap") from exc
        for staging in entries:
            if not _STAGING_RE.match(staging.name) or not staging.is_dir() or staging.is_symlink():
                continue  # not a folder this module made: leave it alone
            contents = {p.name for p in staging.iterdir()}
            if contents - {_FILES, _OLD, _JOURNAL, _JOURNAL + ".tmp", MANIFEST_NAME, MANIFEST_NAME + ".tmp"}:
                continue
            journal = _read_json(staging / _JOURNAL)
            if journal is not None:
                try:
                    _apply(self.out_dir, staging, journal)
                except OSError as exc:
                    raise OutputError(
                        f"een eerder afgebroken run in {self.out_dir} kon niet worden afgemaakt ({exc}); los "
                        f"dat op, of verwijder {staging} en draai de opdracht opnieuw") from exc
                log.info("afgebroken run in %s afgemaakt (%d uitvoerbestanden)", self.out_dir, len(journal.get("moves", [])))
            shutil.rmtree(staging, ignore_errors=True)

    def _collect(self) -> list[dict[str, str]]:
        """The moves of the commit: every registered output that was written, in order."""
        files = self.staging / _FILES
        moves: list[dict[str, str]] = []
        for name, kind in self._entries.items():
            staged = files / name
            if not os.path.lexists(staged):
                continue
            if staged.is_dir() and not staged.is_symlink():
                kind = "dir"
                if not (staged / FOLDER_MARKER).exists():
                    write_folder_marker(staged, kind="output", command=self.command)
            else:
                kind = "file"
            self._check_final(self.out_dir / name, name, kind)
            self._check_against_inputs(self.out_dir / name, name)
            moves.append({"name": name, "kind": kind})
            if kind == "file" and staged.suffix.lower() == ".shp":  # Shapefile sidecars go along
                stem = staged.name[: -len(staged.suffix)]
                for side in sorted(staged.parent.glob(f"{stem}.*")):
                    rel = side.relative_to(files).as_posix()
                    if side != staged and side.is_file() and rel not in self._entries:
                        self._check_final(self.out_dir / rel, rel, "file")
                        self._check_against_inputs(self.out_dir / rel, rel)
                        moves.append({"name": rel, "kind": "file"})
        return moves

    def _manifest_data(self, moves: list[dict[str, str]]) -> dict[str, Any] | None:
        if self.manifest is None:
            return None
        data = dict(self.manifest) if isinstance(self.manifest, dict) else dict(self.manifest.to_dict())
        outputs = []
        for m in moves:
            staged = self.staging / _FILES / m["name"]
            if m["kind"] == "dir":
                size = sum(p.stat().st_size for p in staged.rglob("*") if p.is_file())
                n = sum(1 for p in staged.rglob("*") if p.is_file())
                outputs.append({"path": m["name"], "sha256": file_sha256(staged), "bytes": size, "files": n})
            else:
                outputs.append({"path": m["name"], "sha256": file_sha256(staged), "bytes": staged.stat().st_size})
        data["outputs"] = sorted(outputs, key=lambda o: o["path"])
        data["run_finished"] = _utc_now()
        return data

    def _commit(self) -> None:
        staging = self.staging
        if not self._owns_lock():
            raise OutputLockedError(
                f"de vergrendeling van {self.out_dir} is door een andere run overgenomen; er is niets "
                f"geschreven: draai de opdracht opnieuw")
        moves = self._collect()
        for i, m in enumerate(moves):
            m["old"] = f"{_OLD}/{i}"
        data = self._manifest_data(moves)
        if data is not None:
            _write_durable(staging / MANIFEST_NAME, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
        journal = {"version": 1, "command": self.command, "moves": moves, "manifest": data is not None}
        _write_durable(staging / _JOURNAL, json.dumps(journal, indent=1))
        try:
            _apply(self.out_dir, staging, journal)
        except BaseException as exc:
            try:
                _roll_back(self.out_dir, staging, journal)
            except BaseException as again:
                log.error("terugzetten mislukt (%s); de volgende run maakt de uitvoer af", again)
                self._staging = None  # keep the journal for the next run
                if isinstance(exc, OSError) and not isinstance(exc, WlrGeoError):
                    translated = self._os_error(exc, "het vastleggen van de uitvoer")
                    raise OutputError(
                        f"{translated}; de uitvoer in {self.out_dir} is half vervangen en wordt bij de "
                        f"volgende run in deze map afgemaakt") from exc
                raise exc from again
            raise
        self._written = [self.out_dir / m["name"] for m in moves]
        self._discard_staging()

    # ------------------------------------------------------------------ error translation

    def _os_error(self, exc: OSError, action: str) -> OutputError:
        return _translate(exc, self.out_dir, action) or OutputPathError(
            f"kan de uitvoer in {self.out_dir} niet schrijven bij {action}: {exc.strerror or exc}; kies een "
            f"andere uitvoermap (-o)", path=exc.filename or self.out_dir, errno_=exc.errno)

    def _translate_body_error(self, exc: BaseException) -> OutputError | None:
        """An OS error from writing a staged output, as one line (None: let it through)."""
        if isinstance(exc, WlrGeoError):
            return None
        if isinstance(exc, OSError):
            code = exc.errno
            about_output = False
            if exc.filename:
                with contextlib.suppress(ValueError, OSError):
                    about_output = _abs(exc.filename).is_relative_to(self.out_dir)
            if code in _FULL or code == errno.EROFS or (about_output and code in (_UNWRITABLE | {errno.ENAMETOOLONG})):
                return self._os_error(exc, "het schrijven van de uitvoer")
            return None
        if "No space left on device" in str(exc) or "Disk quota exceeded" in str(exc):
            return DiskFullError(
                f"schijf vol bij het schrijven van de uitvoer in {self.out_dir}; maak ruimte vrij of kies een "
                f"andere uitvoermap (-o); eerdere uitvoer is ongewijzigd", path=self.out_dir, errno_=errno.ENOSPC)
        return None


def _apply(out_dir: Path, staging: Path, journal: dict[str, Any]) -> None:
    """Carry out (or finish) the moves of a commit journal; every step may be repeated."""
    files, new_manifest, final_manifest = staging / _FILES, staging / MANIFEST_NAME, out_dir / MANIFEST_NAME
    old_manifest = staging / _OLD / MANIFEST_NAME
    still_to_come = new_manifest.exists() or not journal.get("manifest")
    if still_to_come and os.path.lexists(final_manifest) and not os.path.lexists(old_manifest):
        _move(final_manifest, old_manifest)  # the earlier run's manifest goes first
    for m in journal.get("moves", []):
        staged, final, old = files / m["name"], out_dir / m["name"], staging / m["old"]
        if not os.path.lexists(staged):
            continue  # done before
        final.parent.mkdir(parents=True, exist_ok=True)
        if m["kind"] == "dir":
            if os.path.lexists(final):
                if os.path.lexists(old):
                    raise FileExistsError(errno.EEXIST, "zowel de oude als een nieuwe map bestaat", str(final))
                if not final.is_dir() or final.is_symlink() or not is_replaceable_folder(final):
                    raise FileExistsError(errno.EEXIST, "geen map die wlr_geo heeft gemaakt", str(final))
                _move(final, old)
            _move(staged, final)
        else:
            if os.path.lexists(final) and not os.path.lexists(old):
                _keep_old(final, old)
            _move(staged, final)
    if new_manifest.exists():
        _move(new_manifest, final_manifest)
    _fsync_dir(out_dir)


def _roll_back(out_dir: Path, staging: Path, journal: dict[str, Any]) -> None:
    """Undo the moves of :func:`_apply` done so far: the earlier outputs and manifest come back."""
    files, new_manifest, final_manifest = staging / _FILES, staging / MANIFEST_NAME, out_dir / MANIFEST_NAME
    old_manifest = staging / _OLD / MANIFEST_NAME
    if journal.get("manifest") and not new_manifest.exists() and os.path.lexists(final_manifest):
        _move(final_manifest, new_manifest)
    for m in reversed(journal.get("moves", [])):
        staged, final, old = files / m["name"], out_dir / m["name"], staging / m["old"]
        if not os.path.lexists(staged) and os.path.lexists(final):
            _move(final, staged)  # the new output goes back to staging
        if os.path.lexists(old):
            if m["kind"] == "dir" and os.path.lexists(final):
                continue
            _move(old, final)
    if os.path.lexists(old_manifest):
        _move(old_manifest, final_manifest)
    _fsync_dir(out_dir)
