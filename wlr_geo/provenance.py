"""Provenance manifests: what went into a run and what came out.

Every command that writes results also writes ``manifest.json`` in the same folder: each input
file with its SHA-256, source and date (from the catalogue where the file is catalogued), the
tool version, the config used (its text and hash), the run date, the CRS transformation used,
and each output file with its SHA-256. Given the same inputs and config, two manifests differ
only in ``run_started``/``run_finished``.

A manifest describes the *last* run into its folder only; it is never merged with an earlier
one. Commands write it through :class:`wlr_geo._atomic.OutputSet` (see :func:`attach_manifest`),
which moves it into place after all outputs, with the hashes of exactly the files it moved and
the input hashes taken before anything was written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wlr_geo._atomic import MANIFEST_NAME, OutputSet, atomic_write_text, file_sha256
from wlr_geo._version import __version__
from wlr_geo.catalog import Catalog, load_catalog
from wlr_geo.crs import TRANSFORMATION_NOTE

__all__ = [
    "MANIFEST_NAME",
    "InputRecord",
    "Manifest",
    "attach_manifest",
    "config_inputs",
    "record_run",
    "spec_inputs",
    "write_manifest",
]


@dataclass
class InputRecord:
    """One input file of a run."""

    path: str
    sha256: str
    role: str | None = None
    layer: str | None = None
    source: str | None = None
    publisher: str | None = None
    licence: str | None = None
    date: str | None = None
    status: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in self.__dict__.items() if k != "extra" and v is not None}
        d.update(self.extra)
        return d


def _utc_now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


class Manifest:
    """Collects inputs and outputs of a run; :func:`write_manifest` stores it."""

    def __init__(self, *, command: str, config_path: str | os.PathLike[str] | None = None,
                 catalog: Catalog | None = None, hashes: Mapping[Path, str] | None = None) -> None:
        self.command = command
        #: SHA-256 already known (resolved path → digest), e.g. :attr:`OutputSet.input_hashes`.
        self.hashes: dict[Path, str] = dict(hashes or {})
        self.catalog = catalog if catalog is not None else load_catalog()
        self.run_started = _utc_now()
        self.inputs: dict[str, InputRecord] = {}
        self.outputs: list[str] = []
        self.notes: list[str] = []
        self.config: dict[str, Any] | None = None
        if config_path is not None:
            p = Path(config_path)
            text = p.read_text(encoding="utf-8")
            self.config = {
                "path": str(p.resolve()),
                "sha256": hashlib.sha256(text.encode()).hexdigest(),
                "text": text,
            }

    def _catalog_entry_for(self, path: Path) -> Any:
        try:
            resolved = path.resolve()
        except OSError:
            return None
        for entry in self.catalog.values():
            try:
                if entry.path.resolve() == resolved:
                    return entry
            except OSError:
                continue
        return None

    def add_input(self, path: str | os.PathLike[str], *, role: str | None = None,
                  layer: str | None = None, sha256: str | None = None, **extra: Any) -> InputRecord:
        """Record an input file (hashing it once; catalogue facts filled in when known).

        ``sha256`` (or :attr:`hashes`) supplies a hash taken earlier, before any output was
        written; otherwise the file is hashed now.
        """
        p = Path(path)
        resolved = p.resolve()
        key = f"{resolved}::{layer or ''}::{role or ''}"
        if key in self.inputs:
            return self.inputs[key]
        entry = self._catalog_entry_for(p)
        digest = sha256 or self.hashes.get(resolved)
        if digest is None:
            digest = self.hashes[resolved] = file_sha256(p)
        rec = InputRecord(
            path=str(resolved),
            sha256=digest,
            role=role,
            layer=layer,
            source=entry.source if entry else extra.pop("source", None),
            publisher=entry.publisher if entry else extra.pop("publisher", None),
            licence=entry.licence if entry else extra.pop("licence", None),
            date=entry.date if entry else extra.pop("date", None),
            status=entry.status if entry else extra.pop("status", None),
            extra=extra,
        )
        self.inputs[key] = rec
        return rec

    def add_frame_inputs(self, frames: Iterable[Any], *, role: str | None = None) -> None:
        """Record the source files of frames read with :func:`wlr_geo.read_layer`."""
        for gdf in frames:
            meta = getattr(gdf, "attrs", {}).get("wlr_geo") if gdf is not None else None
            if meta and meta.get("source") and Path(meta["source"]).exists():
                self.add_input(meta["source"], role=role, layer=meta.get("layer"))

    def add_output(self, path: str | os.PathLike[str]) -> None:
        self.outputs.append(str(path))

    def to_dict(self, out_dir: Path | None = None) -> dict[str, Any]:
        outputs = []
        for o in self.outputs:
            p = Path(o)
            if p.exists() and p.is_file():
                rel = str(p.relative_to(out_dir)) if out_dir and p.is_relative_to(out_dir) else str(p)
                outputs.append({"path": rel, "sha256": file_sha256(p), "bytes": p.stat().st_size})
        return {
            "tool": "wlr_geo",
            "version": __version__,
            "command": self.command,
            "run_started": self.run_started,
            "run_finished": _utc_now(),
            "python": platform.python_version(),
            "crs": "EPSG:28992 (RD New)",
            "transformation": TRANSFORMATION_NOTE,
            "config": self.config,
            "inputs": [r.to_dict() for r in sorted(self.inputs.values(), key=lambda r: (r.path, r.layer or ""))],
            "outputs": sorted(outputs, key=lambda d: d["path"]),
            "notes": self.notes,
        }


def write_manifest(manifest: Manifest, out_dir: str | os.PathLike[str], *,
                   name: str = MANIFEST_NAME, extra: Mapping[str, Any] | None = None) -> Path:
    """Write ``manifest.json`` for this run alone into ``out_dir`` atomically; return its path.

    An existing manifest (of an earlier run) is replaced, never merged: the file describes the
    last run only. Commands should rather hand the manifest to their :class:`OutputSet`
    (:func:`attach_manifest`), which writes it after all outputs are in place.
    """
    d = Path(out_dir)
    data = manifest.to_dict(d)
    if extra:
        data.update(extra)
    return atomic_write_text(d / name, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def attach_manifest(outs: OutputSet, *, config_path: str | os.PathLike[str] | None = None,
                    catalog: Catalog | None = None,
                    inputs: Iterable[tuple[str | os.PathLike[str], str | None, str | None]] = (),
                    frames: Iterable[Any] = (), notes: Iterable[str] = ()) -> Manifest:
    """Build the manifest of the run writing ``outs`` and hand it to the set.

    The set writes it as ``manifest.json`` after all outputs at the commit, filling in
    ``outputs`` (every file or folder it moved into place, with SHA-256 and size) and
    ``run_finished``. Input hashes are those the set took on entry, before anything was
    written. The returned :class:`Manifest` may still be added to (notes, inputs) until the
    ``with`` block ends. ``inputs`` are (path, role, layer) triples; ``frames`` are frames read
    with ``read_layer`` (their source files are recorded).
    """
    m = Manifest(command=outs.command, config_path=config_path, catalog=catalog, hashes=outs.input_hashes)
    for path, role, layer in inputs:
        if Path(path).exists():
            m.add_input(path, role=role, layer=layer)
    m.add_frame_inputs(frames)
    m.notes.extend(notes)
    outs.manifest = m
    return m


def config_inputs(cfg: Any) -> list[tuple[str, str | None, str | None]]:
    """(path, role, layer) of every layer a project config names (for :func:`record_run`)."""
    return [(str(ref.path), ref.role, ref.layer) for ref in cfg.iter_refs()]


def spec_inputs(specs: Iterable[str | None], role: str) -> list[tuple[str, str | None, str | None]]:
    """(path, role, layer) of ``PATH[:LAYER]`` command-line specs (None entries skipped)."""
    from wlr_geo.io.vector import parse_layer_spec

    out: list[tuple[str, str | None, str | None]] = []
    for text in specs:
        if text:
            spec = parse_layer_spec(text)
            out.append((str(spec.path), role, spec.layer))
    return out


def record_run(command: str, out_dir: str | os.PathLike[str], *, config_path: str | os.PathLike[str] | None = None,
               inputs: Iterable[tuple[str | os.PathLike[str], str | None, str | None]] = (),
               frames: Iterable[Any] = (), outputs: Iterable[str | os.PathLike[str]] = (),
               notes: Iterable[str] = ()) -> Path:
    """Convenience for CLI commands: write the manifest of one run into ``out_dir`` (no merging).

    ``inputs`` are (path, role, layer) triples; ``frames`` are frames read with ``read_layer``
    (their source files are recorded); ``outputs`` are the files the command wrote.
    """
    m = Manifest(command=command, config_path=config_path)
    for path, role, layer in inputs:
        if Path(path).exists():
            m.add_input(path, role=role, layer=layer)
    m.add_frame_inputs(frames)
    for o in outputs:
        m.add_output(o)
    m.notes.extend(notes)
    return write_manifest(m, out_dir)
