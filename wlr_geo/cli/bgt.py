"""``wlr-geo bgt``: read a BGT extract and write one GeoPackage layer per class."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from wlr_geo._errors import WlrGeoInputError

__all__ = ["bgt_command"]


@click.command("bgt")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("-o", "--output", "output", type=click.Path(path_type=Path), required=True,
              help="GeoPackage to write (.gpkg); one layer per BGT class (wegdeel, waterdeel, pand, ...).")
@click.option("--class", "classes", multiple=True,
              help="Only this class (repeatable), e.g. --class wegdeel --class waterdeel.")
@click.option("--all-versions", is_flag=True,
              help="Keep ended and planned objects too (default: only current objects).")
@click.option("--categories", "categories", type=click.Path(path_type=Path), default=None,
              help="Category table (TOML) instead of the default wlr_geo/defaults/bgt_categories.toml.")
@click.option("--skip-empty", is_flag=True, help="Do not write layers for classes without objects.")
@click.option("--report", "report_path", type=click.Path(path_type=Path), default=None,
              help="Also write the read report (counts, repairs) as JSON to this file.")
def bgt_command(path: Path, output: Path, classes: tuple[str, ...], all_versions: bool,
                categories: Path | None, skip_empty: bool, report_path: Path | None) -> None:
    """Read the BGT extract PATH (PDOK zip, folder or .gml) into OUTPUT (GeoPackage).

    Keeps current objects only (no eindRegistratie, status 'bestaand'), in EPSG:28992, with the
    impact category of every object in the column 'category'.
    """
    from wlr_geo._atomic import atomic_write_text
    from wlr_geo.bgt import read_bgt
    from wlr_geo.io import write_layers

    if output.suffix.lower() != ".gpkg":
        raise WlrGeoInputError(f"cannot write {output.suffix or 'a file without suffix'}", source=str(output),
                               hint="give an output file ending in .gpkg")
    console = Console(stderr=True)
    started = time.perf_counter()
    with console.status(f"reading {path} ..."):
        layers = read_bgt(path, classes=list(classes) or None, current_only=not all_versions,
                          category_table=categories)
    report = layers.report
    to_write = {k: v for k, v in layers.items() if len(v) or not skip_empty}
    if not to_write:
        raise WlrGeoInputError("no objects to write", source=str(path),
                               hint="leave out --skip-empty or choose classes that hold objects")
    with console.status(f"writing {output} ..."):
        write_layers(to_write, output)
        from wlr_geo.provenance import record_run

        record_run("wlr-geo bgt", output.parent, inputs=[(str(path), "bgt", None)], outputs=[output])
    elapsed = time.perf_counter() - started

    table = Table(title=f"BGT {path.name} → {output.name}")
    table.add_column("class")
    for col in ("in file", "not current", "twice", "written", "repaired", "dropped", "top category"):
        table.add_column(col, justify="right")
    for name, gdf in layers.items():
        c = report.classes[name]
        top = gdf["category"].value_counts()
        top_txt = f"{top.index[0]} ({int(top.iloc[0])})" if len(top) else "-"
        written = str(len(gdf)) if name in to_write else "skipped"
        table.add_row(escape(name), str(c.n_objects), str(c.n_not_current), str(c.duplicates_dropped), written,
                      str(c.repaired_invalid), str(len(c.dropped_collapsed)), escape(top_txt))
    out_console = Console()
    if not out_console.is_terminal:
        out_console = Console(width=120)
    out_console.print(table)
    n_written = sum(len(g) for g in to_write.values())
    click.echo(f"{n_written} objects in {len(to_write)} layers written to {output} in {elapsed:.1f} s")
    errors = [e for c in report.classes.values() for e in c.geometry_errors]
    if errors:
        click.secho(f"warning: {len(errors)} object(s) with unreadable geometry written without geometry "
                    f"(first: {errors[0]})", fg="yellow", err=True)
    if report_path is not None:
        atomic_write_text(report_path, json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
        click.echo(f"report written to {report_path}")
