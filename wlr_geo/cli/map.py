"""``wlr-geo map CONFIG -o DIR``: write the offline consultation maps (one HTML file each);
see :mod:`wlr_geo.workflows.maps` for where each layer is taken from."""

from __future__ import annotations

import time
from pathlib import Path

import click
from rich.table import Table

from wlr_geo._nl import nl
from wlr_geo.cli._click_nl import command
from wlr_geo.cli._console import Console
from wlr_geo.cli._print import dutch_number, out_option, plain, safe

__all__ = ["map_command"]


@command("map")
@click.argument("config", type=click.Path(path_type=Path))
@out_option(help="Uitvoermap (ook doorzocht op eerdere analyse-uitvoer zoals claims.gpkg).")
@click.option("--map", "map_names", multiple=True,
              help="Te schrijven kaartdefinitie: een standaardnaam (overzicht, gemeente, ondergrond, aanlanding, "
                   "ruimteclaims) of een TOML-bestand. Herhaalbaar; standaard: alle standaardkaarten.")
@click.option("--municipality", "municipalities", multiple=True,
              help="Voor kaarten per gemeente: alleen deze gemeente (herhaalbaar).")
def map_command(config: Path, out_dir: Path, map_names: tuple[str, ...], municipalities: tuple[str, ...],
                wait_s: float) -> None:
    """Schrijf offline raadpleegkaarten (op zichzelf staande HTML) voor een projectconfiguratie CONFIG naar --out."""
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
        table.add_row(safe(wm.definition.name), safe(path.name), nl(len(wm.group_names)), nl(n),
                      dutch_number(path.stat().st_size / 1e6, 2), "ja" if wm.indicative else "nee")
    Console(width=120).print(table)
    click.echo(f"{nl(len(done.maps))} kaarten geschreven in {dutch_number(time.perf_counter() - t0, 1)} s naar {plain(out_dir)}")
