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

__all__ = ["LENGTH_TOLERANCE_M", "DeliveryProgress", "KlicRun", "check_deliveries", "run"]


@dataclass(frozen=True)
class DeliveryProgress:
    """One delivery read by :func:`run`: the ``number``-th of ``total``, its ``name`` (the zip,
    or the XML file), its full ``label`` (``Levering_x.zip!x/GI_...xml``) and its number of
    cable/pipe lines (before objects delivered more than once are merged)."""

    number: int
    total: int
    name: str
    label: str
    n_lines: int


@dataclass
class KlicRun:
    """What :func:`run` did: the data read, warnings raised while reading, files, manifest."""

    data: Any
    warnings: list[str] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    manifest: dict[str, Any] | None = None


def _short_name(src: Any) -> str:
    """A delivery's zip (with the nested zip it sits in), or its XML file within the folder given."""
    if src.kind == "zip":
        return f"{src.path.name}!{src.inner}" if src.inner else str(src.path.name)
    if src.kind == "folder":
        return f"{src.path.name}/{src.xml_name}"
    return str(src.path.name)


def _read_reporter(progress: Callable[[DeliveryProgress], None] | None) -> Callable[[int, int, Any, int], None] | None:
    """The ``on_read`` hook of :func:`~wlr_geo.io.klic.read_klic` that passes a :class:`DeliveryProgress` on."""
    if progress is None:
        return None

    def on_read(number: int, total: int, src: Any, n_lines: int) -> None:
        progress(DeliveryProgress(number, total, _short_name(src), str(src.label), n_lines))

    return on_read


def run(paths: Sequence[str | os.PathLike[str]], out: str | os.PathLike[str] | RunOutputs, *,
        depth_tolerance_m: float = 1.0, on_delivery: Callable[[Any], None] | None = None,
        progress: Callable[[DeliveryProgress], None] | None = None,
        name: str = "klic.gpkg", wait_s: float = 0.0) -> KlicRun:
    """Read KLIC deliveries and write their layers into one GeoPackage.

    ``out`` is the GeoPackage to write (its folder gets ``manifest.json``), or an enclosing
    run's outputs (the file is then called ``name``). ``on_delivery`` is called with each
    delivery before it is read, ``progress`` with a :class:`DeliveryProgress` after (the caller
    shows them; nothing is printed here).
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
            data = klic_io.read_klic(list(paths), depth_tolerance_m=depth_tolerance_m, on_delivery=on_delivery,
                                     on_read=_read_reporter(progress))
        layers = {**data.layers(), "klic_attachments": data.attachments}  # a table, not a layer of null geometries
        write_gpkg(w, fname, layers, entry="klic.gpkg", command="wlr-geo klic",
                   inputs=[(str(p), "klic", None) for p in paths])
        w.notes.extend(data.report.summary_lines())
        result = KlicRun(data, [str(c.message) for c in caught], w.final(start))
    result.manifest = w.last_manifest
    return result
