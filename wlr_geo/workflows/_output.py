"""Where workflows write: one output set per run, every file named from the outputs registry.

Every write of every workflow goes through :meth:`RunOutputs.path` with a name of
:mod:`wlr_geo.outputs` (``"impact.gpkg"``, ``"figures/gemeente_Leiden.png"``, ...), and the run's
``manifest.json`` is made here, from the layers the run read and the files it wrote.

:func:`output_set` is the one place that opens the folder. The safe output set of the
application-layer issue (staged writes moved into place at the end with ``manifest.json`` last,
rollback on error, a lock, refusal to overwrite inputs) is being built as
``wlr_geo._atomic.OutputSet`` with the same interface as :class:`_DirectOutputs` below
(``OutputSet(out_dir, command=..., inputs=[...], outputs=[names])`` as a context manager with
``path(name)``, ``manifest`` and ``input_hashes``); switching to it is a change of
:func:`output_set` only.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from wlr_geo._atomic import atomic_write_text
from wlr_geo.catalog import Catalog
from wlr_geo.io.vector import file_sha256
from wlr_geo.outputs import output
from wlr_geo.provenance import MANIFEST_NAME, Manifest, merge_manifests

__all__ = ["RunOutputs", "open_outputs", "output_set"]

InputRecord = tuple[str, str | None, str | None]


class _DirectOutputs:
    """Files written straight into ``out_dir`` (each atomically); ``manifest.json`` at exit.

    Stands in for ``wlr_geo._atomic.OutputSet`` (same interface) until that lands.
    """

    def __init__(self, out_dir: str | os.PathLike[str], *, command: str, inputs: Sequence[str | os.PathLike[str]],
                 outputs: Sequence[str]) -> None:
        self.out_dir = Path(out_dir)
        self.command = command
        self.inputs = [Path(p) for p in inputs]
        self.outputs = list(outputs)
        self.manifest: dict[str, Any] | None = None
        self.input_hashes: dict[str, str] = {}

    def __enter__(self) -> _DirectOutputs:
        from wlr_geo._errors import WlrGeoInputError

        if self.out_dir.exists() and not self.out_dir.is_dir():
            raise WlrGeoInputError("the output folder is a file", source=str(self.out_dir),
                                   hint="give a folder (it is created when missing)")
        # inputs are hashed before anything is written
        self.input_hashes = {str(p.resolve()): file_sha256(p) for p in self.inputs if p.exists()}
        self.out_dir.mkdir(parents=True, exist_ok=True)
        return self

    def path(self, name: str) -> Path:
        p = self.out_dir / name
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None or self.manifest is None:
            return
        target = self.out_dir / MANIFEST_NAME
        old: Any = {}
        if target.exists():
            try:
                old = json.loads(target.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                old = {}
        data = merge_manifests(old if isinstance(old, dict) else {}, self.manifest, self.out_dir)
        atomic_write_text(target, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def output_set(out_dir: str | os.PathLike[str], *, command: str, inputs: Sequence[str | os.PathLike[str]],
               outputs: Sequence[str]) -> Any:
    """Open the output set of one run (the one place to switch to ``wlr_geo._atomic.OutputSet``)."""
    return _DirectOutputs(out_dir, command=command, inputs=inputs, outputs=outputs)


class RunOutputs:
    """What a workflow writes into: registry names → paths, and the run's manifest.

    Attributes
    ----------
    root
        The output folder.
    written
        (name, path) of every file handed out, in order.
    inputs
        (path, role, layer) of every input of the run.
    notes
        Notes for the manifest.
    """

    def __init__(self, outs: Any, root: Path, *, prefix: str = "", parent: RunOutputs | None = None) -> None:
        self._outs = outs
        self.root = root
        self.prefix = prefix
        self._parent = parent
        self.written: list[tuple[str, Path]] = [] if parent is None else parent.written
        self.inputs: list[InputRecord] = [] if parent is None else parent.inputs
        self.notes: list[str] = [] if parent is None else parent.notes
        #: The manifest written at the end of the run (None inside an enclosing run).
        self.last_manifest: dict[str, Any] | None = None

    def path(self, name: str, *, entry: str | None = None) -> Path:
        """The path to write the output ``name`` to (its folder exists).

        ``entry`` names the registry entry when the file name is the user's (``wlr-geo klic -o
        my.gpkg`` writes the ``klic.gpkg`` entry).

        Raises
        ------
        KeyError
            ``name`` (or ``entry``) is not in the outputs registry: every output must be.
        """
        output(entry or name)
        full = f"{self.prefix}{name}"
        p = Path(self._outs.path(full))
        self.written.append((full, p))
        return p

    def sub(self, folder: str) -> RunOutputs:
        """The same output set, writing into ``folder/`` (e.g. ``ondergrond/``)."""
        return RunOutputs(self._outs, self.root, prefix=f"{self.prefix}{folder.strip('/')}/", parent=self)

    def add_inputs(self, records: Iterable[InputRecord]) -> None:
        for rec in records:
            if rec not in self.inputs:
                self.inputs.append(rec)

    @property
    def paths(self) -> list[Path]:
        return [p for _, p in self.written]

    def manifest(self, command: str, *, config_path: Path | None, catalog: Catalog | None) -> dict[str, Any]:
        """The manifest of the run: every input with its SHA-256, the config, every output."""
        m = Manifest(command=command, config_path=config_path, catalog=catalog)
        hashes = getattr(self._outs, "input_hashes", {}) or {}
        for path, role, layer in self.inputs:
            if Path(path).exists():
                rec = m.add_input(path, role=role, layer=layer)
                if str(Path(path).resolve()) in hashes:  # hashed before anything was written
                    rec.sha256 = hashes[str(Path(path).resolve())]
        for name, p in self.written:
            m.add_output(p, name=name)
        m.notes.extend(self.notes)
        return m.to_dict(self.root)


@contextlib.contextmanager
def open_outputs(out: str | os.PathLike[str] | RunOutputs, *, command: str, names: Sequence[str],
                 inputs: Iterable[InputRecord] = (), config_path: Path | None = None,
                 catalog: Catalog | None = None) -> Iterator[RunOutputs]:
    """The outputs of one workflow run.

    ``out`` is a folder (a new output set is opened, and its manifest written at the end) or the
    :class:`RunOutputs` of an enclosing run (the demo), which then records the inputs and files.
    """
    records = list(inputs)
    if isinstance(out, RunOutputs):
        out.add_inputs(records)
        yield out
        return
    root = Path(out)
    with output_set(root, command=command, inputs=[p for p, _, _ in records], outputs=list(names)) as outs:
        run = RunOutputs(outs, root)
        run.add_inputs(records)
        yield run
        outs.manifest = run.manifest(command, config_path=config_path, catalog=catalog)
        run.last_manifest = outs.manifest
