"""The KLIC jobs: KLIC/IMKL deliveries into one GeoPackage (``wlr-geo klic``), and the reader
checked against GDAL (``wlr-geo check-klic``, :func:`check_deliveries` of
:mod:`wlr_geo.io.klic.conformance`; nothing is written)."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import wlr_geo.io.klic as klic_io
from wlr_geo.config import check_cli
from wlr_geo.io.klic.conformance import LENGTH_TOLERANCE_M, check_deliveries
from wlr_geo.workflows._gpkg import write_gpkg
from wlr_geo.workflows._output import RunOutputs, open_outputs

__all__ = ["LENGTH_TOLERANCE_M", "KlicRun", "check_deliveries", "run"]


@dataclass
class KlicRun:
    """What :func:`run` did: the data read, warnings raised while reading, files, manifest."""

    data: Any
    warnings: list[str] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    manifest: dict[str, Any] | None = None


def run(paths: Sequence[str | os.PathLike[str]], out: str | os.PathLike[str] | RunOutputs, *,
        depth_tolerance_m: float = 1.0, on_delivery: Callable[[Any], None] | None = None,
        name: str = "klic.gpkg", wait_s: float = 0.0) -> KlicRun:
    """Read KLIC deliveries and write their layers into one GeoPackage.

    ``out`` is the GeoPackage to write (its folder gets ``manifest.json``), or an enclosing
    run's outputs (the file is then called ``name``).
    """
    check_cli("--depth-tolerance", depth_tolerance_m)
    if isinstance(out, RunOutputs):
        folder: Path | RunOutputs = out
        fname = name
    else:
        target = Path(out)
        folder, fname = target.absolute().parent, target.name
    with open_outputs(folder, command="wlr-geo klic", names=[fname], inputs=[(str(p), "klic", None) for p in paths],
                      wait_s=wait_s) as w:
        start = len(w.written)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            data = klic_io.read_klic(list(paths), depth_tolerance_m=depth_tolerance_m, on_delivery=on_delivery)
        layers = {**data.layers(), "klic_attachments": data.attachments}  # a table, not a layer of null geometries
        write_gpkg(w, fname, layers, entry="klic.gpkg", command="wlr-geo klic",
                   inputs=[(str(p), "klic", None) for p in paths])
        w.notes.extend(data.report.summary_lines())
        result = KlicRun(data, [str(c.message) for c in caught], w.final(start))
    result.manifest = w.last_manifest
    return result
