"""``wlr-geo layers`` and ``wlr-geo validate``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.table import Table

from wlr_geo._errors import ConfigError
from wlr_geo._nl import nl
from wlr_geo.cli._click_nl import command
from wlr_geo.cli._console import Console
from wlr_geo.cli._print import plain, safe

__all__ = ["layers_command", "validate_command"]


@command("layers")
@click.option("--catalog", "catalog_path", type=click.Path(path_type=Path), default=None,
              help="Een catalogus als TOML-bestand (standaard: de ingebouwde layers/catalog.toml).")
@click.option("--cache-dir", type=click.Path(path_type=Path), default=None,
              help="Toon ook de lagen die 'wlr-geo fetch' in deze cache heeft gedownload.")
@click.option("--json", "as_json", is_flag=True, help="Toon de catalogus als JSON.")
def layers_command(catalog_path: Path | None, cache_dir: Path | None, as_json: bool) -> None:
    """Toon de catalogus van lagen: naam, thema, objecten, echt/indicatief en bron."""
    from wlr_geo.workflows.catalog import feature_count, full_catalog

    catalog = full_catalog(catalog_path, cache_dir)
    if as_json:
        import json

        click.echo(json.dumps([e.to_dict() for e in catalog.values()], indent=2, ensure_ascii=False, default=str))
        return
    table = Table(title=f"wlr_geo-catalogus van lagen ({nl(len(catalog))} lagen)", show_lines=False)
    for col in ("naam", "thema", "objecten", "status", "uitgever", "licentie", "datum"):
        table.add_column(col, overflow="fold")
    for e in catalog.values():
        status = "[yellow]indicatief[/yellow]" if e.indicative else "echt"
        count = feature_count(e)
        table.add_row(safe(e.name), safe(e.theme), nl(int(count)) if count.isdigit() else count, status,
                      safe(e.publisher), safe(e.licence), safe(e.date))
    Console(width=160).print(table)


@command("validate")
@click.argument("config", type=click.Path(path_type=Path))
@click.option("--command", "commands", multiple=True,
              type=click.Choice(["impact", "claims", "landing", "route", "map", "report"]),
              help="Controleer wat dit commando leest (herhaalbaar; standaard: elk commando waarvoor de configuratie is).")
def validate_command(config: Path, commands: tuple[str, ...]) -> None:
    """Controleer een projectconfiguratie CONFIG zoals een run begint: elke sectie en sleutel,
    en elke laag die de commando's lezen, geopend met dezelfde lezers. Alle problemen worden
    gemeld (afsluitcode 2 als er een is).
    """
    from wlr_geo.workflows.validate import validate

    cfg, checked, problems = validate(config, commands or None)
    if problems:
        raise ConfigError(problems=problems)
    assert cfg is not None
    n = sum(1 for _ in cfg.iter_refs())
    layers = "laag" if n == 1 else "lagen"
    what = ""
    if checked:
        *first, last = list(checked)
        what = f" zoals {', '.join(first)} en {last} ze lezen" if first else f" zoals {last} ze leest"
    click.echo(f"{plain(config)}: {nl(n)} {layers} gecontroleerd{what}; geen problemen gevonden")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(layers_command())
