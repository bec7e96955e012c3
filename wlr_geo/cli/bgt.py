"""``wlr-geo bgt``: read a BGT extract and write one GeoPackage layer per class."""

from __future__ import annotations

import time
from pathlib import Path

import click
from rich.table import Table

from wlr_geo._nl import nl
from wlr_geo.cli._click_nl import command
from wlr_geo.cli._console import Console
from wlr_geo.cli._print import dutch_number, out_option, plain, safe

__all__ = ["bgt_command"]


@command("bgt")
@click.argument("path", type=click.Path(path_type=Path))
@out_option(help="Te schrijven GeoPackage (.gpkg); één laag per BGT-klasse (wegdeel, waterdeel, pand, ...).")
@click.option("--class", "classes", multiple=True,
              help="Alleen deze klasse (herhaalbaar), bijv. --class wegdeel --class waterdeel.")
@click.option("--all-versions", is_flag=True,
              help="Houd ook beëindigde en geplande objecten (standaard: alleen actuele objecten).")
@click.option("--categories", "categories", type=click.Path(path_type=Path), default=None,
              help="Categorietabel (TOML) in plaats van de standaard wlr_geo/defaults/bgt_categories.toml.")
@click.option("--skip-empty", is_flag=True, help="Schrijf geen lagen voor klassen zonder objecten.")
@click.option("--report", "report_path", type=click.Path(path_type=Path), default=None,
              help="Schrijf ook het leesverslag (aantallen, reparaties) als JSON naar dit bestand.")
def bgt_command(path: Path, out_dir: Path, classes: tuple[str, ...], all_versions: bool,
                categories: Path | None, skip_empty: bool, report_path: Path | None, wait_s: float) -> None:
    """Lees de BGT-extractie PAD (PDOK-zip, map of .gml) in naar --out (GeoPackage).

    Houdt alleen actuele objecten (geen eindRegistratie, status 'bestaand'), in EPSG:28992, met
    de impactcategorie van elk object in de kolom 'category'.
    """
    from wlr_geo.workflows import bgt

    console = Console(stderr=True)
    started = time.perf_counter()
    with console.status(f"BGT lezen: {safe(path)} ..."):
        done = bgt.run(path, out_dir, classes=list(classes) or None, current_only=not all_versions,
                       categories=categories, skip_empty=skip_empty, report=report_path, wait_s=wait_s)
    elapsed = time.perf_counter() - started
    report = done.layers.report
    table = Table(title=f"BGT {safe(path.name)} → {safe(out_dir.name)}")
    table.add_column("klasse")
    for col in ("in bestand", "niet actueel", "dubbel", "geschreven", "hersteld", "vervallen", "meeste categorie"):
        table.add_column(col, justify="right")
    for name, gdf in done.layers.items():
        c = report.classes[name]
        top = gdf["category"].value_counts()
        top_txt = f"{top.index[0]} ({nl(int(top.iloc[0]))})" if len(top) else "-"
        written = nl(len(gdf)) if name in done.written else "overgeslagen"
        table.add_row(safe(name), nl(c.n_objects), nl(c.n_not_current), nl(c.duplicates_dropped), written,
                      nl(c.repaired_invalid), nl(len(c.dropped_collapsed)), safe(top_txt))
    out_console = Console()
    if not out_console.is_terminal:
        out_console = Console(width=120)
    out_console.print(table)
    n_written = sum(len(g) for g in done.written.values())
    click.echo(f"{nl(n_written)} objecten in {nl(len(done.written))} lagen geschreven naar {plain(out_dir)} "
               f"in {dutch_number(elapsed, 1)} s")
    errors = [e for c in report.classes.values() for e in c.geometry_errors]
    if errors:
        click.secho(f"let op: {nl(len(errors))} object(en) met onleesbare geometrie zonder geometrie geschreven "
                    f"(eerste: {plain(errors[0])})", fg="yellow", err=True)
    if report_path is not None:
        click.echo(f"leesverslag geschreven naar {plain(report_path)}")
