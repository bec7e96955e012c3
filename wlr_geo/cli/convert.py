"""``wlr-geo convert``: big layers to partitioned GeoParquet (see :mod:`wlr_geo.workflows.convert`)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from wlr_geo._nl import nl
from wlr_geo.cli._click_nl import command
from wlr_geo.cli._console import Console
from wlr_geo.cli._print import out_option, safe

__all__ = ["convert_command"]


@command("convert")
@click.argument("inputs", nargs=-1, required=True)
@out_option(help="Uitvoermap; daarin komt één gepartitioneerde dataset per laag.")
@click.option("--format", "fmt", type=click.Choice(["auto", "vector", "klic", "bgt"]), default="auto", show_default=True,
              help="Soort invoer (auto: herkend aan het bestand).")
@click.option("--tile-m", type=float, default=5_000.0, show_default=True, help="Tegelgrootte van de partities in meter.")
@click.option("--chunk-rows", type=int, default=500_000, show_default=True, help="Rijen per leesstap uit vectorbestanden.")
@click.option("--assume-crs", default=None, help="CRS voor invoer zonder CRS, bijv. EPSG:28992.")
def convert_command(inputs: tuple[str, ...], out_dir: Path, fmt: str, tile_m: float, chunk_rows: int,
                    assume_crs: str | None, wait_s: float) -> None:
    """Zet INVOER-lagen (PAD[:LAAG], KLIC-leveringen, BGT-zips) om naar gepartitioneerde GeoParquet.

    Grote lagen zijn daarna per gebied te bevragen zonder ze helemaal te laden
    (wlr_geo.io.parquet.query_area, DuckDB spatial of de Dask-engine).
    """
    from wlr_geo.workflows import convert

    done = convert.run(inputs, out_dir, fmt=fmt, tile_m=tile_m, chunk_rows=chunk_rows, assume_crs=assume_crs,
                       wait_s=wait_s)
    table = Table(title=f"GeoParquet-datasets in {safe(out_dir)}")
    table.add_column("laag")
    table.add_column("objecten", justify="right")
    table.add_column("bestanden", justify="right")
    for name, rows, files in done.datasets:
        table.add_row(safe(name), nl(rows), nl(files))
    Console().print(table)
