"""``wlr-geo layers`` and ``wlr-geo validate``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.table import Table

from wlr_geo._errors import ConfigError
from wlr_geo.cli._console import Console
from wlr_geo.cli._print import plain, safe

__all__ = ["layers_command", "validate_command"]


@click.command("layers")
@click.option("--catalog", "catalog_path", type=click.Path(path_type=Path), default=None,
              help="A catalogue TOML file (default: the embedded layers/catalog.toml).")
@click.option("--cache-dir", type=click.Path(path_type=Path), default=None,
              help="Also list layers downloaded with 'wlr-geo fetch' into this cache.")
@click.option("--json", "as_json", is_flag=True, help="Print the catalogue as JSON.")
def layers_command(catalog_path: Path | None, cache_dir: Path | None, as_json: bool) -> None:
    """List the layer catalogue: name, theme, features, real/indicative and source."""
    from wlr_geo.workflows.catalog import feature_count, full_catalog

    catalog = full_catalog(catalog_path, cache_dir)
    if as_json:
        import json

        click.echo(json.dumps([e.to_dict() for e in catalog.values()], indent=2, ensure_ascii=False, default=str))
        return
    table = Table(title=f"wlr_geo layer catalogue ({len(catalog)} layers)", show_lines=False)
    for col in ("name", "theme", "features", "status", "publisher", "licence", "date"):
        table.add_column(col, overflow="fold")
    for e in catalog.values():
        status = "[yellow]indicatief[/yellow]" if e.indicative else "real"
        table.add_row(safe(e.name), safe(e.theme), feature_count(e), status, safe(e.publisher), safe(e.licence),
                      safe(e.date))
    Console(width=160).print(table)


@click.command("validate")
@click.argument("config", type=click.Path(path_type=Path))
@click.option("--command", "commands", multiple=True,
              type=click.Choice(["impact", "claims", "landing", "route", "map", "report"]),
              help="Check what this command reads (repeatable; default: every command the config is for).")
def validate_command(config: Path, commands: tuple[str, ...]) -> None:
    """Check a project CONFIG the way its runs start: every section and key, and every layer the
    commands read, opened with the same readers. All problems are reported (exit code 2 if any).
    """
    from wlr_geo.workflows.validate import validate

    cfg, checked, problems = validate(config, commands or None)
    if problems:
        raise ConfigError(problems=problems)
    assert cfg is not None
    n = sum(1 for _ in cfg.iter_refs())
    what = f" as {', '.join(checked)} reads them" if checked else ""
    click.echo(f"{plain(config)}: {n} layers checked{what}, no problems found")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(layers_command())
