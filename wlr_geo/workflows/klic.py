"""The KLIC job: KLIC/IMKL deliveries into one GeoPackage (``wlr-geo klic``)."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wlr_geo.config import check_cli
from wlr_geo.io.klic import KlicData, read_klic
from wlr_geo.io.vector import write_layers
from wlr_geo.workflows._output import RunOutputs, open_outputs

__all__ = ["KlicRun", "run"]


@dataclass
class KlicRun:
    """What :func:`run` did: the data read, warnings raised while reading, files, manifest."""

    data: KlicData
    warnings: list[str] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    manifest: dict[str, Any] | None = None


def run(paths: Sequence[str | os.PathLike[str]], out: str | os.PathLike[str] | RunOutputs, *,
        depth_tolerance_m: float = 1.0, on_delivery: Callable[[Any], None] | None = None,
        name: str = "klic.gpkg") -> KlicRun:
    """Read KLIC deliveries and write their layers into one GeoPackage.

    ``out`` is the GeoPackage to write (its folder gets the manifest), or an enclosing run's
    outputs (the file is then called ``name``).
    """
    check_cli("--depth-tolerance", depth_tolerance_m)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = read_klic(list(paths), depth_tolerance_m=depth_tolerance_m, on_delivery=on_delivery)
    result = KlicRun(data, [str(w.message) for w in caught])
    if isinstance(out, RunOutputs):
        folder, fname = out, name
    else:
        target = Path(out)
        folder, fname = target.parent, target.name  # type: ignore[assignment]
    with open_outputs(folder, command="wlr-geo klic", names=[fname],
                      inputs=[(str(p), "klic", None) for p in paths]) as w:
        write_layers(data.layers(), w.path(fname, entry="klic.gpkg"))
        w.notes.extend(data.report.summary_lines())
        result.paths = [w.written[-1][1]]
    result.manifest = w.last_manifest
    return result
