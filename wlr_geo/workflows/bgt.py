"""The BGT job: a BGT extract into one GeoPackage layer per class (``wlr-geo bgt``)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import wlr_geo.io.bgt as bgt_io
from wlr_geo._atomic import atomic_write_text
from wlr_geo._errors import WlrGeoInputError
from wlr_geo.workflows._gpkg import write_gpkg
from wlr_geo.workflows._output import RunOutputs, open_outputs

__all__ = ["BgtRun", "run"]


@dataclass
class BgtRun:
    """What :func:`run` did: every class read, the classes written, files, manifest."""

    layers: Any
    written: dict[str, Any] = field(default_factory=dict)
    paths: list[Path] = field(default_factory=list)
    manifest: dict[str, Any] | None = None


def run(path: str | os.PathLike[str], out: str | os.PathLike[str] | RunOutputs, *, classes: list[str] | None = None,
        current_only: bool = True, categories: str | os.PathLike[str] | None = None, skip_empty: bool = False,
        report: str | os.PathLike[str] | None = None, name: str = "bgt.gpkg", wait_s: float = 0.0) -> BgtRun:
    """Read a BGT extract and write one GeoPackage layer per class.

    ``out`` is the GeoPackage to write (``.gpkg``; its folder gets ``manifest.json``), or an
    enclosing run's outputs (the file is then called ``name``). ``report`` also writes the read
    report (counts, repairs) as JSON, into the same folder. The output names are checked against
    the inputs before the (slow) read.
    """
    names = [name]
    if isinstance(out, RunOutputs):
        folder: Path | RunOutputs = out
    else:
        target = Path(out)
        if target.suffix.lower() != ".gpkg":
            raise WlrGeoInputError(f"kan geen {target.suffix or 'bestand zonder extensie'} schrijven",
                                   source=str(target), hint="geef een uitvoerbestand dat eindigt op .gpkg")
        folder, names = target.absolute().parent, [target.name]
    if report is not None:
        rp = Path(report)
        if isinstance(folder, Path) and rp.absolute().parent != folder:
            raise WlrGeoInputError("het verslag moet in dezelfde map als de GeoPackage komen", source=str(rp),
                                   hint=f"gebruik --report {folder / rp.name}")
        if rp.name == names[0]:
            raise WlrGeoInputError("het verslag zou de GeoPackage vervangen", source=str(rp),
                                   hint="geef het verslag een eigen naam, bijvoorbeeld --report bgt_report.json")
        names.append(rp.name)
    inputs = [(str(path), "bgt", None)] + ([(str(categories), "bgt_categories", None)] if categories else [])
    with open_outputs(folder, command="wlr-geo bgt", names=names, inputs=inputs, wait_s=wait_s) as w:
        start = len(w.written)
        layers = bgt_io.read_bgt(path, classes=classes, current_only=current_only, category_table=categories)
        to_write = {k: v for k, v in layers.items() if len(v) or not skip_empty}
        if not to_write:
            raise WlrGeoInputError("geen objecten om te schrijven", source=str(path),
                                   hint="laat --skip-empty weg of kies klassen die objecten bevatten")
        write_gpkg(w, names[0], to_write, entry="bgt.gpkg", command="wlr-geo bgt", inputs=inputs)
        if report is not None:
            atomic_write_text(w.path(names[1], entry="bgt_report.json"),
                              json.dumps(layers.report.to_dict(), indent=2, ensure_ascii=False))
        result = BgtRun(layers, to_write, w.final(start))
    result.manifest = w.last_manifest
    return result
