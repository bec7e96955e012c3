"""``wlr-geo impact``: crossing register, strips and per-municipality impact of a route."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from wlr_geo._errors import ConfigError
from wlr_geo._nl import nl
from wlr_geo.cli._click_nl import command
from wlr_geo.cli._console import Console
from wlr_geo.cli._print import dutch_number, out_option, plain, safe

__all__ = ["impact_command"]


@command("impact")
@click.argument("config", required=False, type=click.Path(path_type=Path))
@out_option(help="Uitvoermap.")
@click.option("--route", "route_spec", default=None, metavar="PAD[:LAAG]", help="Tracélijnen (zonder CONFIG).")
@click.option("--layer", "layer_specs", multiple=True, metavar="PAD[:LAAG]",
              help="Een gekruiste laag (lijnen of vlakken); herhaalbaar.")
@click.option("--municipalities", "gm_spec", default=None, metavar="PAD[:LAAG]",
              help="Gemeentevlakken met gm_naam.")
@click.option("--wijken", "wk_spec", default=None, metavar="PAD[:LAAG]", help="Wijkvlakken met wk_naam.")
@click.option("--width-m", type=float, default=None,
              help="Totale breedte van de werkstrook (symmetrisch), in meter (> 0, < 2.000).")
@click.option("--reverse", is_flag=True, help="Keer de richting van het tracé om (kilometrering vanaf het andere eind).")
@click.option("--variant-column", default=None, help="Kolom met de namen van de tracévarianten.")
@click.option("--no-xlsx", is_flag=True, help="Sla impact.xlsx over.")
def impact_command(
    config: Path | None, out_dir: Path, route_spec: str | None, layer_specs: tuple[str, ...],
    gm_spec: str | None, wk_spec: str | None, width_m: float | None, reverse: bool,
    variant_column: str | None, no_xlsx: bool, wait_s: float,
) -> None:
    """Kruisingenregister, stroken en impact per gemeente/wijk van een tracé (en zijn varianten).

    Geef een projectconfiguratie CONFIG (rollen route, municipalities, wijken, crossing_layers,
    cables, topography, buildings; secties [route], [strips], [impact], [crossing_rules]) of
    gebruik de korte vorm: --route PAD[:LAAG] --layer PAD[:LAAG] ... [--municipalities PAD[:LAAG]].
    Schrijft impact.gpkg, crossings.csv, per_gemeente.csv, variants.csv, impact.xlsx en
    summary.json naar --out.
    """
    from wlr_geo.workflows import impact

    console = Console(stderr=True)
    t0 = time.perf_counter()
    if config is not None:
        if route_spec or layer_specs or gm_spec or wk_spec:
            raise ConfigError("geef een CONFIG of --route/--layer, niet allebei",
                              hint="zet de lagen in de tabel [layers] van de configuratie")
        with console.status("lagen inlezen en analyseren…"):
            done = impact.run(config, out_dir, width_m=width_m, reverse=reverse, variant_column=variant_column,
                              xlsx=not no_xlsx, wait_s=wait_s)
    else:
        if route_spec is None:
            raise ConfigError("geen tracé gegeven",
                              hint="geef een CONFIG, of --route PAD[:LAAG] met --layer PAD[:LAAG] ...")
        with console.status("lagen inlezen en analyseren…"):
            done = impact.run_quick(route_spec, layer_specs, out_dir, municipalities=gm_spec, wijken=wk_spec,
                                    width_m=width_m, reverse=reverse, variant_column=variant_column,
                                    xlsx=not no_xlsx, wait_s=wait_s)
    _print_summary(done.result, out_dir, time.perf_counter() - t0)
    for p in done.paths:
        click.echo(f"  {plain(p)}")


def _print_summary(result: Any, out_dir: Path, seconds: float) -> None:
    console = Console()
    table = Table(title=f"wlr-geo impact — {safe(out_dir)}")
    for col in ("variant", "gemeente", "km", "kruisingen", "HDD", "boring/persing", "open", "parallel"):
        table.add_column(col, justify="right" if col not in ("variant", "gemeente") else "left")
    for r in result.per_gemeente.itertuples(index=False):
        table.add_row(safe(r.variant), safe(r.gemeente), dutch_number(r.length_m / 1000, 2),
                      nl(r.n_crossings), nl(r.n_hdd), nl(r.n_boring_persing), nl(r.n_open_trench),
                      nl(r.n_parallel_runs))
    console.print(table)
    for note in result.notes[:20]:
        console.print(f"[yellow]let op:[/yellow] {safe(note)}")
    console.print(f"Klaar in {dutch_number(seconds, 1)} s.")
