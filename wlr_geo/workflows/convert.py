"""The convert job: big layers to partitioned GeoParquet (see :mod:`wlr_geo.io.parquet`).

Each input — ``PATH[:LAYER]`` of any vector format, a KLIC delivery or a BGT extract, recognised
by the one format sniffer (:func:`wlr_geo.io.dispatch.sniff_format`) — becomes one partitioned
dataset per layer inside the output folder.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from wlr_geo._errors import WlrGeoInputError
from wlr_geo.config import check_cli
from wlr_geo.io.dispatch import sniff_format
from wlr_geo.io.parquet import iter_vector_chunks, write_partitioned
from wlr_geo.io.vector import parse_layer_spec

__all__ = ["ConvertRun", "run"]


@dataclass
class ConvertRun:
    """What :func:`run` wrote: (dataset name, rows, files) per dataset."""

    datasets: list[tuple[str, int, int]] = field(default_factory=list)


def run(inputs: Sequence[str], out_dir: str | os.PathLike[str], *, fmt: str = "auto", tile_m: float = 5_000.0,
        chunk_rows: int = 500_000, assume_crs: str | None = None) -> ConvertRun:
    """``wlr-geo convert INPUT... -o DIR``."""
    check_cli("--tile-m", tile_m)
    check_cli("--chunk-rows", chunk_rows)
    out = Path(out_dir)
    result = ConvertRun()
    for text in inputs:
        spec = parse_layer_spec(text)
        kind = (sniff_format(spec.path) if spec.layer is None else "vector") if fmt == "auto" else fmt
        if kind == "klic":
            from wlr_geo.io.klic import read_klic

            data = read_klic(spec.path)
            layers = {k: v for k, v in data.layers().items() if hasattr(v, "geometry") and len(v)}
        elif kind == "bgt":
            from wlr_geo.io.bgt import read_bgt

            layers = {k: v for k, v in read_bgt(spec.path).items() if len(v)}
        elif kind in ("vector", "parquet"):
            if spec.path.suffix.lower() == ".zip" and fmt == "auto":
                raise WlrGeoInputError("the zip is neither a KLIC delivery nor a BGT extract", source=str(spec.path),
                                       hint="unpack it and convert the GIS file inside")
            name = spec.layer or spec.path.stem
            info = write_partitioned(iter_vector_chunks(spec.path, spec.layer, chunk_rows=chunk_rows,
                                                        assume_crs=assume_crs), out / name, tile_m=tile_m)
            result.datasets.append((name, info.n_rows, len(info.files)))
            continue
        else:
            raise WlrGeoInputError(f"cannot convert a {kind} layer", source=str(spec.path),
                                   hint="give a vector file, a KLIC delivery or a BGT extract")
        for name, gdf in layers.items():
            info = write_partitioned(gdf, out / name, tile_m=tile_m)
            result.datasets.append((name, info.n_rows, len(info.files)))
    return result
