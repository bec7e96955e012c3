"""``wlr-geo convert``: big layers to partitioned GeoParquet (see :mod:`wlr_geo.io.parquet`)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from wlr_geo._errors import WlrGeoInputError
from wlr_geo.io.vector import parse_layer_spec

__all__ = ["convert_command"]


def _detect_format(path: Path) -> str:
    name = path.name.lower()
    if path.is_dir():
        if any(path.glob("GI_gebiedsinformatielevering_*.xml")) or any(path.glob("*/GI_gebiedsinformatielevering_*.xml")):
            return "klic"
        if any(path.glob("bgt_*.gml")):
            return "bgt"
    if name.endswith(".zip"):
        import zipfile

        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
        if any("GI_gebiedsinformatielevering_" in n for n in names):
            return "klic"
        if any(Path(n).name.startswith("bgt_") and n.endswith(".gml") for n in names):
            return "bgt"
        raise WlrGeoInputError("the zip is neither a KLIC delivery nor a BGT extract", source=str(path),
                               hint="unpack it and convert the GIS file inside")
    if name.startswith("gi_gebiedsinformatielevering_") and name.endswith(".xml"):
        return "klic"
    return "vector"


@click.command("convert")
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--out", "out_dir", type=click.Path(path_type=Path), required=True,
              help="Output folder; one partitioned dataset per layer is written inside it.")
@click.option("--format", "fmt", type=click.Choice(["auto", "vector", "klic", "bgt"]), default="auto", show_default=True)
@click.option("--tile-m", type=float, default=5_000.0, show_default=True, help="Partition tile size in metres.")
@click.option("--chunk-rows", type=int, default=500_000, show_default=True, help="Rows read at a time from vector files.")
@click.option("--assume-crs", default=None, help="CRS for inputs that declare none, e.g. EPSG:28992.")
def convert_command(inputs: tuple[str, ...], out_dir: Path, fmt: str, tile_m: float, chunk_rows: int,
                    assume_crs: str | None) -> None:
    """Convert INPUT layers (PATH[:LAYER], KLIC deliveries, BGT zips) to partitioned GeoParquet.

    Big layers are then queried by area without loading them whole (wlr_geo.io.parquet.query_area,
    DuckDB spatial, or the Dask engine).
    """
    from wlr_geo.io.parquet import iter_vector_chunks, write_partitioned

    written: list[tuple[str, int, int]] = []
    for text in inputs:
        spec = parse_layer_spec(text)
        kind = _detect_format(spec.path) if fmt == "auto" else fmt
        if kind == "klic":
            from wlr_geo.io.klic import read_klic

            data = read_klic(spec.path)
            layers = {k: v for k, v in data.layers().items() if hasattr(v, "geometry") and len(v)}
        elif kind == "bgt":
            from wlr_geo.io.bgt import read_bgt

            result = read_bgt(spec.path)
            frames = result[0] if isinstance(result, tuple) else result
            layers = {k: v for k, v in frames.items() if len(v)}
        else:
            name = spec.layer or spec.path.stem
            info = write_partitioned(iter_vector_chunks(spec.path, spec.layer, chunk_rows=chunk_rows, assume_crs=assume_crs),
                                     out_dir / name, tile_m=tile_m)
            written.append((name, info.n_rows, len(info.files)))
            continue
        for name, gdf in layers.items():
            info = write_partitioned(gdf, out_dir / name, tile_m=tile_m)
            written.append((name, info.n_rows, len(info.files)))
    table = Table(title=f"GeoParquet-datasets in {out_dir}")
    table.add_column("laag")
    table.add_column("objecten", justify="right")
    table.add_column("bestanden", justify="right")
    for name, rows, files in written:
        table.add_row(name, str(rows), str(files))
    Console().print(table)
