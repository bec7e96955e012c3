"""``wlr-geo layers`` and ``wlr-geo validate``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from wlr_geo._errors import ConfigError, Problem, WlrGeoInputError
from wlr_geo.catalog import Catalog, CatalogEntry, load_catalog

__all__ = ["layers_command", "validate_command"]


def _feature_count(entry: CatalogEntry) -> str:
    if entry.features is not None:
        return str(entry.features)
    if entry.format in ("vector", "parquet") and entry.layer is not None:
        try:
            import pyogrio
            import pyogrio.errors

            info = pyogrio.read_info(entry.path, layer=entry.layer)
            return str(info["features"])
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError):
            return "?"  # a listing must not fail on one unreadable file
    if entry.format == "raster":
        return "raster"
    return "-"


def _with_registered(catalog: Catalog, cache_dir: Path | None) -> Catalog:
    try:
        from wlr_geo.io.pdok.download import registered_entries
    except ImportError:
        return catalog
    for entry in registered_entries(cache_dir):
        catalog = catalog.register(entry)
    return catalog


@click.command("layers")
@click.option("--catalog", "catalog_path", type=click.Path(path_type=Path), default=None,
              help="A catalogue TOML file (default: the embedded layers/catalog.toml).")
@click.option("--cache-dir", type=click.Path(path_type=Path), default=None,
              help="Also list layers downloaded with 'wlr-geo fetch' into this cache.")
@click.option("--json", "as_json", is_flag=True, help="Print the catalogue as JSON.")
def layers_command(catalog_path: Path | None, cache_dir: Path | None, as_json: bool) -> None:
    """List the layer catalogue: name, theme, features, real/indicative and source."""
    catalog = _with_registered(load_catalog(catalog_path), cache_dir)
    if as_json:
        import json

        click.echo(json.dumps([e.to_dict() for e in catalog.values()], indent=2, ensure_ascii=False, default=str))
        return
    table = Table(title=f"wlr_geo layer catalogue ({len(catalog)} layers)", show_lines=False)
    for col in ("name", "theme", "features", "status", "publisher", "licence", "date"):
        table.add_column(col, overflow="fold")
    for e in catalog.values():
        status = "[yellow]indicatief[/yellow]" if e.indicative else "real"
        table.add_row(e.name, e.theme, _feature_count(e), status, e.publisher, e.licence, e.date)
    Console(width=160).print(table)


@click.command("validate")
@click.argument("config", type=click.Path(path_type=Path))
def validate_command(config: Path) -> None:
    """Check every layer a project CONFIG names; report all problems (exit code 2 if any)."""
    from wlr_geo.config import load_config, validate_config

    cfg = load_config(config)
    problems: list[Problem] = validate_config(cfg)
    problems.extend(_check_sections(cfg))
    if problems:
        raise ConfigError(problems=problems)
    n = sum(1 for _ in cfg.iter_refs())
    click.echo(f"{config}: {n} layers checked, no problems found")


def _check_sections(cfg: object) -> list[Problem]:
    """Let each analysis that is installed validate its own config section."""
    from wlr_geo.config import ProjectConfig

    assert isinstance(cfg, ProjectConfig)
    problems: list[Problem] = []
    checks = [
        ("wlr_geo.analysis.route.strips", "StripSpec", "strips"),
        ("wlr_geo.analysis.claims.footprints", "ClaimsSettings", "claims"),
        ("wlr_geo.analysis.landing.criteria", "LandingSettings", "landing"),
        ("wlr_geo.analysis.impact.run", "ImpactOptions", "impact"),
    ]
    for module_name, cls_name, section in checks:
        if section not in cfg.raw:
            continue
        try:
            module = __import__(module_name, fromlist=[cls_name])
        except ImportError:
            continue
        factory = getattr(getattr(module, cls_name, None), "from_config", None)
        if factory is None:
            continue
        try:
            factory(cfg.section(section))
        except WlrGeoInputError as exc:
            problems.extend(
                Problem(p.message, source=str(cfg.path), layer=p.layer, feature=p.feature, hint=p.hint)
                for p in exc.problems
            )
        except (TypeError, ValueError) as exc:
            problems.append(Problem(f"[{section}]: {exc}", source=str(cfg.path), hint="see the README for the keys of this section"))
    if "routing" in cfg.raw:
        from wlr_geo.cli.route import routing_from_config

        try:
            routing_from_config(cfg)
        except WlrGeoInputError as exc:
            problems.extend(exc.problems)
    if "crossing_rules" in cfg.raw:
        from wlr_geo.analysis.crossings.rules import load_rules

        try:
            load_rules(cfg.section("crossing_rules"))
        except WlrGeoInputError as exc:
            problems.extend(exc.problems)
    return problems


if __name__ == "__main__":  # pragma: no cover
    sys.exit(layers_command())
