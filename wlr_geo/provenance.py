"""Provenance manifests: what went into a run and what came out.

Every command that writes results also writes ``manifest.json`` in the same folder: each input
file with its SHA-256, source and date (from the catalogue where the file is catalogued), the
tool version, the config used (its text and hash), the run date, the CRS transformation used,
and each output file with its SHA-256. Given the same inputs and config, two manifests differ
only in ``run_started``/``run_finished``.
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

from wlr_geo._atomic import atomic_write_text
from wlr_geo._version import __version__
from wlr_geo.catalog import Catalog, load_catalog
from wlr_geo.crs import TRANSFORMATION_NOTE
from wlr_geo.io.vector import file_sha256

__all__ = [
    "MANIFEST_NAME",
    "InputRecord",
    "Manifest",
    "config_inputs",
    "merge_manifests",
    "record_run",
    "spec_inputs",
    "write_manifest",
]

MANIFEST_NAME = "manifest.json"


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
                 catalog: Catalog | None = None) -> None:
        self.command = command
        self.catalog = catalog if catalog is not None else load_catalog()
        self.run_started = _utc_now()
        self.inputs: dict[str, InputRecord] = {}
        self.outputs: list[tuple[str | None, str]] = []
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
                  layer: str | None = None, **extra: Any) -> InputRecord:
        """Record an input file (hashing it once; catalogue facts filled in when known)."""
        p = Path(path)
        key = f"{p.resolve()}::{layer or ''}::{role or ''}"
        if key in self.inputs:
            return self.inputs[key]
        entry = self._catalog_entry_for(p)
        rec = InputRecord(
            path=str(p.resolve()),
            sha256=file_sha256(p),
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

    def add_output(self, path: str | os.PathLike[str], *, name: str | None = None) -> None:
        """Record an output file; ``name`` is its name in the output folder (default: the path
        relative to the folder given to :meth:`to_dict`)."""
        self.outputs.append((name, str(path)))

    def to_dict(self, out_dir: Path | None = None) -> dict[str, Any]:
        outputs = []
        seen: set[str] = set()
        for name, o in self.outputs:
            p = Path(o)
            if p.exists() and p.is_file():
                rel = name or (str(p.relative_to(out_dir)) if out_dir and p.is_relative_to(out_dir) else str(p))
                rel = rel.replace("\\", "/")
                if rel in seen:
                    continue
                seen.add(rel)
                outputs.append({"path": rel, "kind": _kind_of(rel), "sha256": file_sha256(p),
                                "bytes": p.stat().st_size})
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


def _kind_of(name: str) -> str:
    """The registry kind of an output (``gpkg``, ``csv``, ...); the suffix when unregistered."""
    from wlr_geo.outputs import output

    try:
        return output(name).kind
    except KeyError:
        return Path(name).suffix.lstrip(".") or "file"


def merge_manifests(old: Mapping[str, Any], new: dict[str, Any], out_dir: Path, *,
                    name: str = MANIFEST_NAME) -> dict[str, Any]:
    """``new`` united with an earlier manifest of the same folder (other commands' runs kept).

    Inputs and outputs are united (earlier outputs re-hashed as they are now, dropped when
    gone); earlier runs of other commands are kept under ``runs``.
    """
    data = dict(new)
    run = {k: data.get(k) for k in ("command", "run_started", "run_finished", "config")}
    runs = [r for r in old.get("runs", []) if r.get("command") != data.get("command")] + [run]
    data["inputs"] = list(data.get("inputs", []))
    data["outputs"] = list(data.get("outputs", []))
    seen = {(r.get("path"), r.get("layer"), r.get("role")) for r in data["inputs"]}
    for r in old.get("inputs", []):
        if (r.get("path"), r.get("layer"), r.get("role")) not in seen and Path(str(r.get("path"))).exists():
            data["inputs"].append(r)
    have = {o["path"] for o in data["outputs"]}
    for o in old.get("outputs", []):
        p = out_dir / o["path"]
        if o["path"] not in have and p.is_file() and p.name != name:
            data["outputs"].append({"path": o["path"], "kind": _kind_of(o["path"]), "sha256": file_sha256(p),
                                    "bytes": p.stat().st_size})
    data["inputs"].sort(key=lambda r: (str(r.get("path")), str(r.get("layer") or "")))
    data["outputs"].sort(key=lambda o: o["path"])
    data["runs"] = runs
    return data


def write_manifest(manifest: Manifest, out_dir: str | os.PathLike[str], *,
                   name: str = MANIFEST_NAME, extra: Mapping[str, Any] | None = None,
                   merge: bool = True) -> Path:
    """Write ``manifest.json`` into ``out_dir`` atomically and return its path.

    With ``merge`` (default), a manifest already in the folder (from an earlier command writing
    to the same folder) is merged: inputs and outputs are united (outputs re-hashed as they are
    now), and the earlier runs are kept under ``runs``.
    """
    d = Path(out_dir)
    data = manifest.to_dict(d)
    if extra:
        data.update(extra)
    target = d / name
    old: Any = {}
    if merge and target.exists():
        try:
            old = json.loads(target.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            old = {}
    data = merge_manifests(old if isinstance(old, dict) else {}, data, d, name=name)
    return atomic_write_text(target, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


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
    """Convenience for CLI commands: build a manifest of one run and merge it into ``out_dir``.

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
