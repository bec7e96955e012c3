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
              help="Also write the read report (counts, repairs) as JSON to this file (in the output's folder).")
@click.option("--wait", "wait_s", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="Seconds to wait while another run writes into the same output folder.")
def bgt_command(path: Path, output: Path, classes: tuple[str, ...], all_versions: bool,
                categories: Path | None, skip_empty: bool, report_path: Path | None, wait_s: float) -> None:
    """Read the BGT extract PATH (PDOK zip, folder or .gml) into OUTPUT (GeoPackage).

    Keeps current objects only (no eindRegistratie, status 'bestaand'), in EPSG:28992, with the
    impact category of every object in the column 'category'. OUTPUT, the report and
    manifest.json are written as one set into OUTPUT's folder: together at the end, or not at all.
    """
    from wlr_geo._atomic import OutputSet
    from wlr_geo.io.bgt import read_bgt
    from wlr_geo.io.vector import write_layers
    from wlr_geo.provenance import attach_manifest

    if output.suffix.lower() != ".gpkg":
        raise WlrGeoInputError(f"cannot write {output.suffix or 'a file without suffix'}", source=str(output),
                               hint="give an output file ending in .gpkg")
    out_dir = output.absolute().parent
    names = [output.name]
    if report_path is not None:
        if report_path.absolute().parent != out_dir:
            raise WlrGeoInputError("the report must go into the same folder as the GeoPackage",
                                   source=str(report_path), hint=f"use --report {out_dir / report_path.name}")
        if report_path.name == output.name:
            raise WlrGeoInputError("the report would replace the GeoPackage", source=str(report_path),
                                   hint="give the report its own name, e.g. --report bgt_report.json")
        names.append(report_path.name)
    inputs = [path] + ([categories] if categories is not None else [])
    console = Console(stderr=True)
    started = time.perf_counter()
    with OutputSet(out_dir, command="wlr-geo bgt", inputs=inputs, outputs=names, wait_s=wait_s) as outs:
        staged = [outs.path(name) for name in names]  # every name checked before the slow read
        with console.status(f"reading {path} ..."):
            layers = read_bgt(path, classes=list(classes) or None, current_only=not all_versions,
                              category_table=categories)
        report = layers.report
        to_write = {k: v for k, v in layers.items() if len(v) or not skip_empty}
        if not to_write:
            raise WlrGeoInputError("no objects to write", source=str(path),
                                   hint="leave out --skip-empty or choose classes that hold objects")
        with console.status(f"writing {output} ..."):
            write_layers(to_write, staged[0])
            if report_path is not None:
                staged[1].write_text(
                    json.dumps(report.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8")
            attach_manifest(outs, inputs=[(str(path), "bgt", None)]
                            + ([(str(categories), "bgt_categories", None)] if categories is not None else []))
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
        click.echo(f"report written to {report_path}")
