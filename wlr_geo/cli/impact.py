"""``wlr-geo impact``: crossing register, strips and per-municipality impact of a route."""

from __future__ import annotations

import time
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from wlr_geo._errors import ConfigError

__all__ = ["impact_command"]


@click.command("impact")
@click.argument("config", required=False, type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Output folder.")
@click.option("--route", "route_spec", default=None, metavar="PATH[:LAYER]", help="Route lines (without CONFIG).")
@click.option("--layer", "layer_specs", multiple=True, metavar="PATH[:LAYER]",
              help="A crossed layer (lines or polygons); repeatable.")
@click.option("--municipalities", "gm_spec", default=None, metavar="PATH[:LAYER]",
              help="Municipality polygons with gm_naam.")
@click.option("--wijken", "wk_spec", default=None, metavar="PATH[:LAYER]", help="Wijk polygons with wk_naam.")
@click.option("--width-m", type=float, default=None, help="Total werkstrook width (symmetric), metres.")
@click.option("--reverse", is_flag=True, help="Reverse the route direction (chainage from the other end).")
@click.option("--variant-column", default=None, help="Column naming route variants.")
@click.option("--no-xlsx", is_flag=True, help="Skip impact.xlsx.")
def impact_command(
    config: Path | None, out_dir: Path, route_spec: str | None, layer_specs: tuple[str, ...],
    gm_spec: str | None, wk_spec: str | None, width_m: float | None, reverse: bool,
    variant_column: str | None, no_xlsx: bool,
) -> None:
    """Crossing register, strips and impact per gemeente/wijk of a route (and its variants).

    Either give a project CONFIG (roles route, municipalities, wijken, crossing_layers, cables,
    topography, buildings; sections [route], [strips], [impact], [crossing_rules]) or use the
    quick form: --route PATH[:LAYER] --layer PATH[:LAYER] ... [--municipalities PATH[:LAYER]].
    Writes impact.gpkg, crossings.csv, per_gemeente.csv, variants.csv, impact.xlsx and
    summary.json to --out.
    """
    from wlr_geo.analysis.impact.run import run_impact
    from wlr_geo.analysis.route.strips import StripSpec
    from wlr_geo.workflows.impact import (
        impact_inputs_from_config,
        quick_layers,
        read_quick_layer,
        write_impact,
    )

    console = Console(stderr=True)
    t0 = time.perf_counter()
    if config is not None:
        if route_spec or layer_specs or gm_spec or wk_spec:
            raise ConfigError("give either a CONFIG or --route/--layer, not both",
                              hint="put the layers in the config's [layers] table")
        from wlr_geo.config import load_config

        with console.status("lagen inlezen…"):
            kwargs = impact_inputs_from_config(load_config(config))
        if width_m is not None:
            kwargs["strips"] = kwargs["strips"].with_width(width_m)
        if reverse:
            kwargs["reverse"] = True
        if variant_column:
            kwargs["variant_column"] = variant_column
    else:
        if route_spec is None:
            raise ConfigError("no route given", hint="give a CONFIG, or --route PATH[:LAYER] with --layer PATH[:LAYER] ...")
        with console.status("lagen inlezen…"):
            _, route = read_quick_layer(route_spec)
            kwargs = {
                "route": route, "layers": quick_layers(list(layer_specs)),
                "municipalities": read_quick_layer(gm_spec)[1] if gm_spec else None,
                "wijken": read_quick_layer(wk_spec)[1] if wk_spec else None,
                "strips": StripSpec().with_width(width_m) if width_m is not None else StripSpec(),
                "reverse": reverse, "variant_column": variant_column,
            }
    with console.status("analyse…"):
        result = run_impact(**kwargs)
    with console.status("schrijven…"):
        paths = write_impact(result, out_dir, xlsx=not no_xlsx)
        from wlr_geo.provenance import config_inputs, record_run, spec_inputs

        if config is not None:
            inputs = config_inputs(load_config(config))
        else:
            inputs = spec_inputs([route_spec], "route") + spec_inputs(layer_specs, "crossing_layers") + \
                spec_inputs([gm_spec], "municipalities") + spec_inputs([wk_spec], "wijken")
        record_run("wlr-geo impact", out_dir, config_path=config, inputs=inputs, outputs=paths, notes=list(result.notes))
    _print_summary(result, out_dir, time.perf_counter() - t0)
    for p in paths:
        click.echo(f"  {p}")


def _print_summary(result: object, out_dir: Path, seconds: float) -> None:
    from wlr_geo.analysis.impact.run import ImpactResult

    assert isinstance(result, ImpactResult)
    console = Console()
    table = Table(title=f"wlr-geo impact — {out_dir}")
    for col in ("variant", "gemeente", "km", "kruisingen", "HDD", "boring/persing", "open", "parallel"):
        table.add_column(col, justify="right" if col not in ("variant", "gemeente") else "left")
    for r in result.per_gemeente.itertuples(index=False):
        table.add_row(str(r.variant), str(r.gemeente), f"{r.length_m / 1000:.2f}".replace(".", ","),
                      str(r.n_crossings), str(r.n_hdd), str(r.n_boring_persing), str(r.n_open_trench),
                      str(r.n_parallel_runs))
    console.print(table)
    for note in result.notes[:20]:
        console.print(f"[yellow]let op:[/yellow] {note}")
    console.print(f"Klaar in {seconds:.1f} s.")
