"""The convert job: big layers to partitioned GeoParquet (see :mod:`wlr_geo.io.parquet`).

Each input — ``PATH[:LAYER]`` of any vector format, a KLIC delivery or a BGT extract, recognised
by the one format sniffer (:func:`wlr_geo.io.dispatch.sniff_format`) — becomes one partitioned
dataset per layer inside the output folder. The datasets are one output set: they and
``manifest.json`` appear together at the end; a folder that wlr_geo did not make is never
replaced, and no input is ever touched.

A GIS file's features keep their ids: the source's FID (the GeoPackage ``fid``, the record
number of a Shapefile or FlatGeobuf) is stored with them (``fid_column``) and comes back as the
index when the dataset is read, so an analysis of the copy names the same objects as one of the
source.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wlr_geo._errors import LayerReadError, WlrGeoInputError
from wlr_geo.config import check_cli
from wlr_geo.io.dispatch import sniff_format
from wlr_geo.io.parquet import FID_COLUMN, iter_vector_chunks, write_partitioned
from wlr_geo.io.vector import parse_layer_spec
from wlr_geo.workflows._output import RunOutputs, open_outputs

__all__ = ["ConvertRun", "run"]


@dataclass
class ConvertRun:
    """What :func:`run` wrote: (dataset name, rows, files) per dataset, and the manifest."""

    datasets: list[tuple[str, int, int]] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    manifest: dict[str, Any] | None = None


def _kind(path: Path, fmt: str, layer: str | None) -> str:
    if fmt != "auto":
        return fmt
    if layer is not None:
        return "vector"
    if path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(path) as zf:
                zf.namelist()
        except (zipfile.BadZipFile, OSError) as exc:
            raise WlrGeoInputError(f"geen leesbaar zipbestand ({exc})", source=str(path),
                                   hint="download of kopieer de zip opnieuw") from None
    kind = sniff_format(path)
    if kind == "vector" and path.suffix.lower() == ".zip":
        raise WlrGeoInputError("de zip is geen KLIC-levering en geen BGT-uitsnede", source=str(path),
                               hint="pak hem uit en converteer het GIS-bestand erin")
    if kind == "raster":
        raise WlrGeoInputError("een raster kan niet naar GeoParquet worden geconverteerd", source=str(path),
                               hint="geef een vectorbestand, een KLIC-levering of een BGT-uitsnede")
    return "vector" if kind == "parquet" else kind


def run(inputs: Sequence[str], out_dir: str | os.PathLike[str], *, fmt: str = "auto", tile_m: float = 5_000.0,
        chunk_rows: int = 500_000, assume_crs: str | None = None, wait_s: float = 0.0) -> ConvertRun:
    """``wlr-geo convert INPUT... -o DIR``."""
    check_cli("--tile-m", tile_m)
    check_cli("--chunk-rows", chunk_rows)
    specs = [parse_layer_spec(text) for text in inputs]
    for spec in specs:
        if not spec.path.exists():
            raise LayerReadError("het bestand bestaat niet", source=str(spec.path), hint="controleer het pad")
    kinds = [_kind(spec.path, fmt, spec.layer) for spec in specs]
    # names of vector datasets are known before reading: checked against the inputs up front
    upfront = [spec.layer or spec.path.stem for spec, kind in zip(specs, kinds, strict=True) if kind == "vector"]
    result = ConvertRun()
    seen: dict[str, str] = {}

    def target(w: RunOutputs, name: str, source: Path) -> Path:
        if name in seen:
            raise WlrGeoInputError(
                f"twee lagen zouden allebei als dataset {name!r} geschreven worden (ook uit {seen[name]})",
                source=str(source), hint="converteer ze naar aparte uitvoermappen, of kies er één met PATH:LAYER")
        seen[name] = str(source)
        return w.dir(name, entry="{dataset}")

    records = [(str(spec.path), "input", spec.layer) for spec in specs]
    with open_outputs(out_dir, command="wlr-geo convert", names=upfront, inputs=records, wait_s=wait_s) as w:
        for spec, kind in zip(specs, kinds, strict=True):
            if kind == "klic":
                from wlr_geo.io.klic import read_klic

                data = read_klic(spec.path)
                layers = {k: v for k, v in data.layers().items() if hasattr(v, "geometry") and len(v)}
            elif kind == "bgt":
                from wlr_geo.io.bgt import read_bgt

                layers = {k: v for k, v in read_bgt(spec.path).items() if len(v)}
            else:
                name = spec.layer or spec.path.stem
                info = write_partitioned(iter_vector_chunks(spec.path, spec.layer, chunk_rows=chunk_rows,
                                                            assume_crs=assume_crs),
                                         target(w, name, spec.path), tile_m=tile_m, fid_column=FID_COLUMN)
                result.datasets.append((name, info.n_rows, len(info.files)))
                continue
            for name, gdf in layers.items():
                info = write_partitioned(gdf, target(w, name, spec.path), tile_m=tile_m)
                result.datasets.append((name, info.n_rows, len(info.files)))
        result.paths = w.final()
    result.manifest = w.last_manifest
    return result
