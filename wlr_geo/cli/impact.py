"""``wlr-geo impact``: crossing register, strips and per-municipality impact of a route."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from wlr_geo._errors import ConfigError
from wlr_geo.cli._console import Console
from wlr_geo.cli._print import dutch_number, out_option, plain, safe

__all__ = ["impact_command"]


@click.command("impact")
@click.argument("config", required=False, type=click.Path(path_type=Path))
@out_option(help="Output folder.")
@click.option("--route", "route_spec", default=None, metavar="PATH[:LAYER]", help="Route lines (without CONFIG).")
@click.option("--layer", "layer_specs", multiple=True, metavar="PATH[:LAYER]",
              help="A crossed layer (lines or polygons); repeatable.")
@click.option("--municipalities", "gm_spec", default=None, metavar="PATH[:LAYER]",
              help="Municipality polygons with gm_naam.")
@click.option("--wijken", "wk_spec", default=None, metavar="PATH[:LAYER]", help="Wijk polygons with wk_naam.")
@click.option("--width-m", type=float, default=None, help="Total werkstrook width (symmetric), metres (> 0, < 2000).")
@click.option("--reverse", is_flag=True, help="Reverse the route direction (chainage from the other end).")
@click.option("--variant-column", default=None, help="Column naming route variants.")
@click.option("--no-xlsx", is_flag=True, help="Skip impact.xlsx.")
def impact_command(
    config: Path | None, out_dir: Path, route_spec: str | None, layer_specs: tuple[str, ...],
    gm_spec: str | None, wk_spec: str | None, width_m: float | None, reverse: bool,
    variant_column: str | None, no_xlsx: bool, wait_s: float,
) -> None:
    """Crossing register, strips and impact per gemeente/wijk of a route (and its variants).

    Either give a project CONFIG (roles route, municipalities, wijken, crossing_layers, cables,
    topography, buildings; sections [route], [strips], [impact], [crossing_rules]) or use the
    quick form: --route PATH[:LAYER] --layer PATH[:LAYER] ... [--municipalities PATH[:LAYER]].
    Writes impact.gpkg, crossings.csv, per_gemeente.csv, variants.csv, impact.xlsx and
    summary.json to --out.
    """
    from wlr_geo.workflows import impact

    console = Console(stderr=True)
    t0 = time.perf_counter()
    if config is not None:
        if route_spec or layer_specs or gm_spec or wk_spec:
            raise ConfigError("give either a CONFIG or --route/--layer, not both",
                              hint="put the layers in the config's [layers] table")
        with console.status("lagen inlezen en analyseren…"):
            done = impact.run(config, out_dir, width_m=width_m, reverse=reverse, variant_column=variant_column,
                              xlsx=not no_xlsx, wait_s=wait_s)
    else:
        if route_spec is None:
            raise ConfigError("no route given", hint="give a CONFIG, or --route PATH[:LAYER] with --layer PATH[:LAYER] ...")
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
                      str(r.n_crossings), str(r.n_hdd), str(r.n_boring_persing), str(r.n_open_trench),
                      str(r.n_parallel_runs))
    console.print(table)
    for note in result.notes[:20]:
        console.print(f"[yellow]let op:[/yellow] {safe(note)}")
    console.print(f"Klaar in {dutch_number(seconds, 1)} s.")
