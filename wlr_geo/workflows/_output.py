"""Where workflows write: one safe output set per run, every file named from the outputs registry.

Every write of every workflow goes through :meth:`RunOutputs.path` with a name of
:mod:`wlr_geo.outputs` (``"impact.gpkg"``, ``"figures/gemeente_Leiden.png"``, ...), and the run's
``manifest.json`` is made here, from the layers the run read and the files it wrote.

:func:`output_set` is the one place that opens the folder, as a
:class:`wlr_geo._atomic.OutputSet`: outputs are staged and moved into place together at the
end with ``manifest.json`` last; a failed or interrupted run leaves the previous set as it was;
a run refuses, before writing anything, to replace one of its inputs; a lock keeps a second run
out of the folder; the inputs are hashed on entry.

:func:`capture_warnings` is the run's warning log (ROBUSTNESS.md F15): while it is active, Python
warnings (GDAL's through pyogrio, shapely's, numpy's, pandas', wlr_geo's own
:class:`~wlr_geo.WlrGeoWarning`) and the warnings libraries log (GDAL's through rasterio) are
counted instead of printed, and the manifest of the run lists them as counted notes
(``"waarschuwing (3×) RuntimeWarning: …"``). The command line runs every command inside it;
a library user calling a workflow gets the ordinary warnings.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from wlr_geo._atomic import OutputSet
from wlr_geo._nl import nl
from wlr_geo.catalog import Catalog
from wlr_geo.outputs import output
from wlr_geo.provenance import Manifest

__all__ = ["RunOutputs", "WarningLog", "capture_warnings", "current_warning_log", "open_outputs", "output_set"]

InputRecord = tuple[str, str | None, str | None]


# --------------------------------------------------------------------------- the warning log
def _origin(filename: str) -> str:
    """The package a warning was issued from (``pyogrio``, ``shapely``, ``wlr_geo``, ...)."""
    parts = Path(filename).parts
    for marker in ("site-packages", "dist-packages"):
        if marker in parts and parts.index(marker) + 1 < len(parts):
            return Path(parts[parts.index(marker) + 1]).stem
    if "wlr_geo" in parts:
        return "wlr_geo"
    return Path(filename).stem or "?"


class WarningLog:
    """Warnings counted during a run, by kind and message (see :func:`capture_warnings`).

    Attributes
    ----------
    counts
        (kind, message) → how often; the kind is the warning class (``RuntimeWarning``) or
        ``log <logger>`` for a library's logged warning.
    origins
        (kind, message) → where it was first seen (package, or the logger).
    reported
        How many warnings a manifest already holds as notes.
    """

    #: Distinct notes listed; the rest are counted in one more note.
    MAX_NOTES = 20

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()
        self.origins: dict[tuple[str, str], str] = {}
        self.reported = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def add(self, kind: str, message: str, origin: str) -> None:
        key = (kind, " ".join(str(message).split()))
        self.counts[key] += 1
        self.origins.setdefault(key, origin)

    def notes(self) -> list[str]:
        """One Dutch note per distinct warning, most frequent first (at most :attr:`MAX_NOTES` + 1)."""
        ranked = self.counts.most_common()
        notes = [f"waarschuwing ({nl(n)}×) {kind} uit {self.origins[(kind, msg)]}: {msg}"
                 for (kind, msg), n in ranked[:self.MAX_NOTES]]
        rest = ranked[self.MAX_NOTES:]
        if rest:
            notes.append(f"en nog {nl(sum(n for _, n in rest))} waarschuwing(en) van {nl(len(rest))} andere soorten")
        return notes


_LOG: contextvars.ContextVar[WarningLog | None] = contextvars.ContextVar("wlr_geo_warning_log", default=None)


def current_warning_log() -> WarningLog | None:
    """The warning log of the run in progress (None outside :func:`capture_warnings`)."""
    return _LOG.get()


class _LibraryWarnings(logging.Filter):
    """Diverts WARNING and above from loggers outside wlr_geo into a :class:`WarningLog`."""

    def __init__(self, log: WarningLog) -> None:
        super().__init__()
        self.log = log

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING or record.name == "wlr_geo" or record.name.startswith("wlr_geo."):
            return True
        if not getattr(record, "_wlr_geo_counted", False):  # one record passes every root handler
            record._wlr_geo_counted = True
            self.log.add(f"log {record.name}", record.getMessage(), record.name.split(".")[0])
        return False


@contextlib.contextmanager
def capture_warnings() -> Iterator[WarningLog]:
    """Count warnings instead of printing them, for the run's notes (ROBUSTNESS.md F15).

    Inside the block every warning that the active filters let through (``-W error`` and
    ``ignore`` filters still apply; the rest count each time, not once per place) is added to
    the returned :class:`WarningLog`, and so are WARNING records of loggers outside wlr_geo
    (rasterio reports GDAL's warnings that way). :meth:`RunOutputs.manifest` writes the log's
    notes into the manifest. Filters, ``showwarning`` and the handlers are restored afterwards.
    """
    log = WarningLog()

    def show(message: Warning | str, category: type[Warning], filename: str, lineno: int,
             file: Any = None, line: str | None = None) -> None:
        log.add(category.__name__, str(message), _origin(filename))

    divert = _LibraryWarnings(log)
    handlers = list(logging.getLogger().handlers)
    token = _LOG.set(log)
    with warnings.catch_warnings():
        warnings.filterwarnings("always", append=True)
        warnings.showwarning = show
        for h in handlers:
            h.addFilter(divert)
        try:
            yield log
        finally:
            for h in handlers:
                h.removeFilter(divert)
            _LOG.reset(token)


def output_set(out_dir: str | os.PathLike[str], *, command: str, inputs: Sequence[str | os.PathLike[str]],
               outputs: Sequence[str], wait_s: float = 0.0) -> OutputSet:
    """Open the output set of one run (the one place workflows open an output folder)."""
    return OutputSet(out_dir, command=command, inputs=inputs, outputs=outputs, wait_s=wait_s)


class RunOutputs:
    """What a workflow writes into: registry names → staged paths, and the run's manifest.

    Attributes
    ----------
    root
        The output folder.
    written
        (name, staged path) of every file handed out, in order.
    inputs
        (path, role, layer) of every input of the run.
    notes
        Notes for the manifest.
    last_manifest
        The manifest handed to the output set (None inside an enclosing run).
    """

    def __init__(self, outs: OutputSet, root: Path, *, prefix: str = "", parent: RunOutputs | None = None) -> None:
        self._outs = outs
        self.root = root
        self.prefix = prefix
        self.written: list[tuple[str, Path]] = [] if parent is None else parent.written
        self.inputs: list[InputRecord] = [] if parent is None else parent.inputs
        self.notes: list[str] = [] if parent is None else parent.notes
        self.last_manifest: dict[str, Any] | None = None
        #: written name → its registry entry
        self.entries: dict[str, str] = {} if parent is None else parent.entries
        #: the catalogue the run's inputs are described by (provenance inside written files)
        self.catalog: Catalog | None = None if parent is None else parent.catalog

    def path(self, name: str, *, entry: str | None = None) -> Path:
        """The (staged) path to write the output ``name`` to; its folder exists.

        ``entry`` names the registry entry when the file name is the user's (``wlr-geo klic -o
        my.gpkg`` writes the ``klic.gpkg`` entry).

        Raises
        ------
        KeyError
            ``name`` (or ``entry``) is not in the outputs registry: every output must be.
        """
        output(entry or name)
        full = f"{self.prefix}{name}"
        self.entries[full] = entry or name
        p = self._outs.path(full)
        p.parent.mkdir(parents=True, exist_ok=True)
        self.written.append((full, p))
        return p

    def dir(self, name: str, *, entry: str) -> Path:
        """The (staged, empty) folder for the folder output ``name`` (a partitioned dataset).

        At the commit it replaces ``name`` as a whole, and only a folder wlr_geo made.
        """
        output(entry)
        full = f"{self.prefix}{name}"
        self.entries[full] = entry
        p = self._outs.dir(full)
        self.written.append((full, p))
        return p

    def sub(self, folder: str) -> RunOutputs:
        """The same output set, writing into ``folder/`` (e.g. ``ondergrond/``)."""
        return RunOutputs(self._outs, self.root, prefix=f"{self.prefix}{folder.strip('/')}/", parent=self)

    @property
    def input_hashes(self) -> dict[Path, str]:
        """SHA-256 of the inputs, taken on entry before anything was written (resolved path → digest)."""
        return dict(self._outs.input_hashes)

    def locate(self, name: str) -> Path | None:
        """Where the output ``name`` is now: written by this run (still staged), or in the folder
        from an earlier run; None when neither."""
        full = f"{self.prefix}{name}"
        for written, p in reversed(self.written):
            if written == full and p.exists():
                return p
        p = self.root / full
        return p if p.exists() else None

    def is_own(self, path: str | os.PathLike[str]) -> bool:
        """Whether ``path`` is a file this run wrote (an output, not an input)."""
        p = Path(path)
        return any(p == staged for _, staged in self.written)

    def add_inputs(self, records: Iterable[InputRecord]) -> None:
        for rec in records:
            if rec not in self.inputs and not self.is_own(rec[0]):
                self.inputs.append(rec)

    def final(self, start: int = 0) -> list[Path]:
        """Final paths (after the commit) of the files written since ``written[start]``."""
        return [self.root / name for name, _ in self.written[start:]]

    @property
    def paths(self) -> list[Path]:
        return self.final(0)

    def manifest(self, command: str, *, config_path: Path | None, catalog: Catalog | None) -> dict[str, Any]:
        """The manifest of the run (the output set adds the outputs with their hashes).

        Inputs carry the SHA-256 the output set took on entry, before anything was written.
        """
        m = Manifest(command=command, config_path=config_path, catalog=catalog, hashes=self._outs.input_hashes)
        for path, role, layer in self.inputs:
            if Path(path).exists():
                m.add_input(path, role=role, layer=layer)
        m.notes.extend(self.notes)
        log = current_warning_log()
        if log is not None and log.total:
            m.notes.extend(log.notes())
            log.reported = log.total
        data = m.to_dict()
        data["output_kinds"] = {name: output(self.entries.get(name, name)).kind for name, _ in self.written}
        return data


@contextlib.contextmanager
def open_outputs(out: str | os.PathLike[str] | RunOutputs, *, command: str, names: Sequence[str],
                 inputs: Iterable[InputRecord] = (), config_path: Path | None = None,
                 catalog: Catalog | None = None, wait_s: float = 0.0) -> Iterator[RunOutputs]:
    """The outputs of one workflow run.

    ``out`` is a folder (a new output set is opened; its manifest is handed over at the end) or
    the :class:`RunOutputs` of an enclosing run (the demo), which then records the inputs and
    files. ``names`` are the outputs known up front (checked against the inputs before anything
    is written); registry patterns among them are left to :meth:`RunOutputs.path`.
    """
    records = list(inputs)
    if isinstance(out, RunOutputs):
        out.add_inputs(records)
        yield out
        return
    root = Path(out)
    concrete = [n for n in names if "{" not in n]
    paths = list(dict.fromkeys(p for p, _, _ in records))
    if config_path is not None:
        paths.append(str(config_path))
    with output_set(root, command=command, inputs=paths, outputs=concrete, wait_s=wait_s) as outs:
        run = RunOutputs(outs, root)
        run.catalog = catalog
        run.add_inputs(records)
        yield run
        run.last_manifest = run.manifest(command, config_path=config_path, catalog=catalog)
        outs.manifest = run.last_manifest
