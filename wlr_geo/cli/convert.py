"""``wlr-geo convert``: big layers to partitioned GeoParquet (see :mod:`wlr_geo.io.parquet`)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from wlr_geo._errors import LayerReadError, WlrGeoInputError
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

        try:
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
        except (zipfile.BadZipFile, OSError) as exc:
            raise WlrGeoInputError(f"not a readable zip file ({exc})", source=str(path),
                                   hint="download or copy the zip again") from None
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
@click.option("--wait", "wait_s", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="Seconds to wait while another run writes into the same output folder.")
def convert_command(inputs: tuple[str, ...], out_dir: Path, fmt: str, tile_m: float, chunk_rows: int,
                    assume_crs: str | None, wait_s: float) -> None:
    """Convert INPUT layers (PATH[:LAYER], KLIC deliveries, BGT zips) to partitioned GeoParquet.

    Big layers are then queried by area without loading them whole (wlr_geo.io.parquet.query_area,
    DuckDB spatial, or the Dask engine). The datasets are written as one set: all of them and
    manifest.json appear together at the end; a folder that wlr-geo did not make is never
    replaced, and no input is ever touched.
    """
    from wlr_geo._atomic import OutputSet
    from wlr_geo.io.parquet import iter_vector_chunks, write_partitioned
    from wlr_geo.provenance import attach_manifest

    specs = [parse_layer_spec(text) for text in inputs]
    for spec in specs:
        if not spec.path.exists():
            raise LayerReadError("the file does not exist", source=str(spec.path), hint="check the path")
    kinds = [_detect_format(spec.path) if fmt == "auto" else fmt for spec in specs]
    # names of vector datasets are known before reading: checked against the inputs up front
    upfront = [spec.layer or spec.path.stem for spec, kind in zip(specs, kinds, strict=True) if kind == "vector"]
    written: list[tuple[str, int, int]] = []
    seen: dict[str, str] = {}

    def target(outs: OutputSet, name: str, source: Path) -> Path:
        if name in seen:
            raise WlrGeoInputError(
                f"two layers would both be written as dataset {name!r} (also from {seen[name]})",
                source=str(source), hint="convert them into separate output folders, or pick one with PATH:LAYER")
        seen[name] = str(source)
        return outs.dir(name)

    with OutputSet(out_dir, command="wlr-geo convert", inputs=[spec.path for spec in specs],
                   outputs=upfront, wait_s=wait_s) as outs:
        attach_manifest(outs, inputs=[(str(spec.path), "input", spec.layer) for spec in specs])
        for spec, kind in zip(specs, kinds, strict=True):
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
                info = write_partitioned(
                    iter_vector_chunks(spec.path, spec.layer, chunk_rows=chunk_rows, assume_crs=assume_crs),
                    target(outs, name, spec.path), tile_m=tile_m)
                written.append((name, info.n_rows, len(info.files)))
                continue
            for name, gdf in layers.items():
                info = write_partitioned(gdf, target(outs, name, spec.path), tile_m=tile_m)
                written.append((name, info.n_rows, len(info.files)))
    table = Table(title=f"GeoParquet-datasets in {out_dir}")
    table.add_column("laag")
    table.add_column("objecten", justify="right")
    table.add_column("bestanden", justify="right")
    for name, rows, files in written:
        table.add_row(escape(name), str(rows), str(files))
    Console().print(table)
