"""``wlr-geo map CONFIG -o DIR``: write the offline consultation maps (one HTML file each);
see :mod:`wlr_geo.workflows.maps` for where each layer is taken from."""

from __future__ import annotations

import time
from pathlib import Path

import click
from rich.table import Table

from wlr_geo.cli._console import Console
from wlr_geo.cli._print import dutch_number, out_option, plain, safe

__all__ = ["map_command"]


@click.command("map")
@click.argument("config", type=click.Path(path_type=Path))
@out_option(help="Output folder (also searched for earlier analysis outputs such as claims.gpkg).")
@click.option("--map", "map_names", multiple=True,
              help="Map definition to write: a standard name (overzicht, gemeente, ondergrond, aanlanding, "
                   "ruimteclaims) or a TOML file. Repeatable; default: all standard maps.")
@click.option("--municipality", "municipalities", multiple=True,
              help="For per-municipality maps: only this municipality (repeatable).")
def map_command(config: Path, out_dir: Path, map_names: tuple[str, ...], municipalities: tuple[str, ...],
                wait_s: float) -> None:
    """Write offline consultation maps (self-contained HTML) for a project CONFIG to --out."""
    from wlr_geo.workflows import maps

    console = Console(stderr=True)
    t0 = time.perf_counter()
    with console.status("Kaarten maken…"):
        done = maps.run(config, out_dir, map_names=map_names, municipalities=municipalities, wait_s=wait_s)
    for note in done.skipped:
        console.print(f"[yellow]{safe(note)}[/yellow]")
    table = Table(title=f"wlr-geo map — {safe(out_dir)}")
    for col, just in (("kaart", "left"), ("bestand", "left"), ("groepen", "right"), ("objecten", "right"),
                      ("MB", "right"), ("indicatief", "left")):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    for path, wm in done.maps:
        n = sum(s.n_features for s in wm.layers)
        table.add_row(safe(wm.definition.name), safe(path.name), str(len(wm.group_names)), str(n),
                      dutch_number(path.stat().st_size / 1e6, 2), "ja" if wm.indicative else "nee")
    Console(width=120).print(table)
    click.echo(f"{len(done.maps)} kaarten geschreven in {dutch_number(time.perf_counter() - t0, 1)} s naar {plain(out_dir)}")
