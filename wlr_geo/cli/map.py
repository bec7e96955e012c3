"""``wlr-geo map CONFIG -o DIR``: write the offline consultation maps (one HTML file each).

Layers are found by role, in this order:

1. analysis outputs already in DIR (``*.gpkg`` written by earlier commands, e.g.
   ``claims.gpkg`` layer ``claims``/``conflicts``, ``landing.gpkg`` layer ``candidates``,
   ``routes.gpkg``, ``impact.gpkg``) whose layer name is the role or one of its aliases;
2. the layers of the project CONFIG (``[layers.<role>]``; KLIC deliveries are read with
   :func:`wlr_geo.io.klic.read_klic` and their lines used);
3. ``[maps.roles]`` in the config maps a role to another config role or output layer name,
   e.g. ``landing = "landing_candidates"``.

A map whose layers are all missing is skipped with a message; the summary lists every map.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import click
import geopandas as gpd
from rich.console import Console
from rich.table import Table

from wlr_geo._errors import ConfigError, WlrGeoInputError

__all__ = ["ROLE_ALIASES", "collect_layers", "map_command"]

log = logging.getLogger("wlr_geo")

#: role → other names the same layer may have in configs and in analysis outputs.
ROLE_ALIASES: dict[str, tuple[str, ...]] = {
    "route": ("route", "routes", "variants", "route_variants"),
    "strip": ("strip", "strips", "werkstrook", "work_strip"),
    "crossings": ("crossings", "kruisingen"),
    "cables": ("cables", "klic_lines", "klic", "lines"),
    "claims": ("claims", "claim_footprints"),
    "claim_conflicts": ("claim_conflicts", "conflicts"),
    "landing": ("landing", "landing_candidates", "candidates", "landing_options"),
    "municipalities": ("municipalities", "gemeenten"),
    "wijken": ("wijken", "districts"),
}


def _outputs_in(out_dir: Path) -> dict[str, tuple[Path, str]]:
    """Layer name → (file, layer) of the GeoPackages already in the output folder."""
    from wlr_geo.io.vector import list_layers

    found: dict[str, tuple[Path, str]] = {}
    if not out_dir.is_dir():
        return found
    for gpkg in sorted(out_dir.glob("*.gpkg")):
        if gpkg.name.startswith("."):
            continue
        try:
            names = list_layers(gpkg)
        except WlrGeoInputError as exc:
            log.warning("skipping %s: %s", gpkg, exc)
            continue
        for name in names:
            found.setdefault(name, (gpkg, name))
    return found


def _read_role_from_config(cfg: Any, name: str) -> gpd.GeoDataFrame | None:
    refs = cfg.layers_of(name)
    if not refs:
        return None
    frames = []
    for ref in refs:
        if ref.format == "klic":
            from wlr_geo.io.klic import read_klic

            frames.append(read_klic(ref.path).lines)
        elif ref.format in ("vector", "parquet"):
            frames.append(ref.read())
        else:
            log.info("role %r has format %s, which maps do not show", name, ref.format)
    if not frames:
        return None
    if len(frames) == 1:
        return frames[0]
    import pandas as pd

    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)


def collect_layers(cfg: Any, out_dir: Path, roles: list[str]) -> dict[str, gpd.GeoDataFrame]:
    """Read the layer of each role (outputs in ``out_dir`` first, then the config)."""
    from wlr_geo.io.vector import read_layer

    outputs = _outputs_in(out_dir)
    explicit = cfg.section("maps").get("roles", {}) if "maps" in cfg.raw else {}
    if not isinstance(explicit, dict):
        raise ConfigError("[maps.roles] must be a table of role = \"name\"", source=str(cfg.path))
    layers: dict[str, gpd.GeoDataFrame] = {}
    for role in roles:
        names = [explicit[role]] if role in explicit else list(ROLE_ALIASES.get(role, (role,)))
        frame = None
        for name in names:
            if name in outputs:
                path, layer = outputs[name]
                frame = read_layer(path, layer)
                log.info("map role %r from %s:%s", role, path.name, layer)
                break
        if frame is None:
            for name in names:
                frame = _read_role_from_config(cfg, name)
                if frame is not None:
                    break
        if frame is not None:
            layers[role] = frame
    return layers


@click.command("map")
@click.argument("config", type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_dir", type=click.Path(path_type=Path), required=True,
              help="Output folder (also searched for earlier analysis outputs such as claims.gpkg).")
@click.option("--map", "map_names", multiple=True,
              help="Map definition to write: a standard name (overzicht, gemeente, ondergrond, aanlanding, "
                   "ruimteclaims) or a TOML file. Repeatable; default: all standard maps.")
@click.option("--municipality", "municipalities", multiple=True,
              help="For per-municipality maps: only this municipality (repeatable).")
def map_command(config: Path, out_dir: Path, map_names: tuple[str, ...], municipalities: tuple[str, ...]) -> None:
    """Write offline consultation maps (self-contained HTML) for a project CONFIG to --out."""
    from wlr_geo.config import load_config
    from wlr_geo.present.mapdefs import STANDARD_MAPS, load_map_definition
    from wlr_geo.present.webmap import write_maps

    cfg = load_config(config)
    definitions = [load_map_definition(n) for n in (map_names or STANDARD_MAPS)]
    roles: list[str] = []
    for d in definitions:
        roles.extend(r for r in d.roles if r not in roles)
        for s in d.search:
            if s.role not in roles:
                roles.append(s.role)
        if d.per_municipality and d.municipality_role not in roles:
            roles.append(d.municipality_role)
    layers = collect_layers(cfg, out_dir, roles)
    if not layers:
        raise ConfigError(
            "none of the layers the maps show were found", source=str(config),
            hint=f"add [layers.<role>] for some of: {', '.join(roles)} (or run the analyses into {out_dir} first)",
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    console = Console(stderr=True)
    for d in definitions:
        if not any(r in layers for r in d.roles):
            console.print(f"[yellow]kaart {d.name}: geen van de lagen {', '.join(d.roles)} gevonden; overgeslagen[/yellow]")
    t0 = time.perf_counter()
    with console.status("Kaarten maken…"):
        written = write_maps(layers, out_dir, definitions, catalog=cfg.catalog,
                             municipalities=list(municipalities) or None)
    from wlr_geo.provenance import config_inputs, record_run

    record_run("wlr-geo map", out_dir, config_path=config, inputs=config_inputs(cfg), outputs=[p for p, _ in written])
    rows: list[tuple[str, str, int, int, float, bool]] = []
    for path, wm in written:
        n = sum(s.n_features for s in wm.layers)
        rows.append((wm.definition.name, path.name, len(wm.group_names), n, path.stat().st_size / 1e6, wm.indicative))
    table = Table(title=f"wlr-geo map — {out_dir}")
    for col, just in (("kaart", "left"), ("bestand", "left"), ("groepen", "right"), ("objecten", "right"),
                      ("MB", "right"), ("indicatief", "left")):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    for name, fname, ng, n, mb, ind in rows:
        table.add_row(name, fname, str(ng), str(n), f"{mb:.2f}", "ja" if ind else "nee")
    Console(width=120).print(table)
    click.echo(f"{len(rows)} kaarten geschreven in {time.perf_counter() - t0:.1f} s naar {out_dir}")
