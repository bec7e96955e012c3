"""The BGT job: a BGT extract into one GeoPackage layer per class (``wlr-geo bgt``)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wlr_geo._atomic import atomic_write_text
from wlr_geo._errors import WlrGeoInputError
from wlr_geo.io.bgt import BgtLayers, read_bgt
from wlr_geo.io.vector import write_layers
from wlr_geo.workflows._output import RunOutputs, open_outputs

__all__ = ["BgtRun", "run"]


@dataclass
class BgtRun:
    """What :func:`run` did: every class read, the classes written, files, manifest."""

    layers: BgtLayers
    written: dict[str, Any] = field(default_factory=dict)
    paths: list[Path] = field(default_factory=list)
    manifest: dict[str, Any] | None = None


def run(path: str | os.PathLike[str], out: str | os.PathLike[str] | RunOutputs, *, classes: list[str] | None = None,
        current_only: bool = True, categories: str | os.PathLike[str] | None = None, skip_empty: bool = False,
        report: str | os.PathLike[str] | None = None, name: str = "bgt.gpkg") -> BgtRun:
    """Read a BGT extract and write one GeoPackage layer per class.

    ``out`` is the GeoPackage to write (``.gpkg``; its folder gets the manifest), or an
    enclosing run's outputs (the file is then called ``name``). ``report`` also writes the read
    report (counts, repairs) as JSON.
    """
    if not isinstance(out, RunOutputs) and Path(out).suffix.lower() != ".gpkg":
        raise WlrGeoInputError(f"cannot write {Path(out).suffix or 'a file without suffix'}", source=str(out),
                               hint="give an output file ending in .gpkg")
    layers = read_bgt(path, classes=classes, current_only=current_only, category_table=categories)
    to_write = {k: v for k, v in layers.items() if len(v) or not skip_empty}
    if not to_write:
        raise WlrGeoInputError("no objects to write", source=str(path),
                               hint="leave out --skip-empty or choose classes that hold objects")
    result = BgtRun(layers, to_write)
    if isinstance(out, RunOutputs):
        folder, fname = out, name
    else:
        folder, fname = Path(out).parent, Path(out).name  # type: ignore[assignment]
    inputs = [(str(path), "bgt", None)] + ([(str(categories), "bgt_categories", None)] if categories else [])
    with open_outputs(folder, command="wlr-geo bgt", names=[fname], inputs=inputs) as w:
        start = len(w.written)
        write_layers(to_write, w.path(fname, entry="bgt.gpkg"))
        if report is not None:
            rp = Path(report)
            if isinstance(folder, Path) and rp.parent.resolve() == folder.resolve():
                target = w.path(rp.name, entry="bgt_report.json")
            else:
                target = rp
            atomic_write_text(target, json.dumps(layers.report.to_dict(), indent=2, ensure_ascii=False))
        result.paths = [p for _, p in w.written[start:]]
        if report is not None and Path(report) not in result.paths:
            result.paths.append(Path(report))
    result.manifest = w.last_manifest
    return result
