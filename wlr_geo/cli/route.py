"""``wlr-geo route``: route alternatives by least-cost routing on a cost raster.

Two forms::

    wlr-geo route CONFIG -o DIR
    wlr-geo route --cost RASTER.tif --start X,Y --end X,Y [--end X,Y ...] [-k K] -o DIR

The config form builds the cost raster from the config's layers (``[routing]`` section) and
writes ``DIR/cost.tif``; both write ``DIR/routes.gpkg`` (layer ``routes``: one line per
alternative with ``target``, ``rank``, ``cost``, ``length_m``) and ``DIR/routes.csv`` (the
variant comparison).
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path
from typing import Any

import click
import geopandas as gpd
import pandas as pd
from rich.console import Console
from rich.table import Table

from wlr_geo._atomic import atomic_write_text
from wlr_geo._errors import ConfigError, Problem, WlrGeoInputError

__all__ = ["ROUTING_KEYS", "route_command", "routing_from_config"]

#: Keys of the ``[routing]`` config section.
ROUTING_KEYS = {
    "start", "ends", "landing_candidates", "target_column", "cell_m", "k", "min_separation_m",
    "penalty", "method", "coarse_factor", "corridor_m", "bounds", "margin_m", "cost_layers",
    "raster_costs", "cost_table", "cost_table_file", "width_m",
}

#: Roles that are not cost layers unless ``cost_layers`` names them.
_NON_COST_ROLES = {"route", "municipalities", "wijken", "landing_candidates"}


def _parse_xy(text: str, what: str) -> tuple[float, float]:
    parts = text.replace(";", ",").split(",")
    try:
        x, y = (float(p) for p in parts)
    except ValueError:
        raise WlrGeoInputError(f"{what} {text!r} is not X,Y", hint="give RD metres, e.g. --start 81000,452000") from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise WlrGeoInputError(f"{what} {text!r} is not finite", hint="give RD metres, e.g. --start 81000,452000")
    return x, y


def _xy_value(value: Any, where: str, problems: list[Problem], src: str | None) -> tuple[float, float] | None:
    if (isinstance(value, list) and len(value) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)):
        return float(value[0]), float(value[1])
    problems.append(Problem(f"{where} = {value!r} is not [x, y]", source=src, hint="write e.g. start = [81000, 452000]"))
    return None


def routing_from_config(cfg: Any) -> dict[str, Any]:
    """Check the ``[routing]`` section of a project config and return its options (all problems at once)."""
    sec = dict(cfg.section("routing"))
    src = str(cfg.path) if cfg.path else None
    problems: list[Problem] = []
    unknown = sorted(set(sec) - ROUTING_KEYS)
    if unknown:
        problems.append(Problem(f"[routing] has unknown keys: {', '.join(unknown)}", source=src,
                                hint=f"use only: {', '.join(sorted(ROUTING_KEYS))}"))
    opts: dict[str, Any] = {}
    if "start" not in sec:
        problems.append(Problem("[routing] has no start", source=src, hint="add start = [x, y] in RD metres"))
    else:
        opts["start"] = _xy_value(sec["start"], "[routing].start", problems, src)
    ends = sec.get("ends", [])
    opts["ends"] = [xy for i, e in enumerate(ends) if (xy := _xy_value(e, f"[routing].ends[{i}]", problems, src))]
    opts["landing_candidates"] = sec.get("landing_candidates")
    if not opts["ends"] and not opts["landing_candidates"] and not cfg.has("landing_candidates"):
        problems.append(Problem("[routing] names no end points", source=src,
                                hint='add ends = [[x, y]] or landing_candidates = "<layer role>"'))
    for key, default, lo in (("cell_m", 25.0, 0.0), ("min_separation_m", None, 0.0), ("penalty", 3.0, 1.0),
                             ("corridor_m", None, 0.0), ("margin_m", 2000.0, -1.0), ("width_m", None, 0.0)):
        value = sec.get(key, default)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float) or not value > lo):
            problems.append(Problem(f"[routing].{key} = {value!r} must be a number > {lo:g}", source=src))
        opts[key] = value
    for key, default in (("k", 3), ("coarse_factor", None)):
        value = sec.get(key, default)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            problems.append(Problem(f"[routing].{key} = {value!r} must be a positive integer", source=src))
        opts[key] = value
    opts["method"] = sec.get("method", "coarse-to-fine")
    if opts["method"] not in ("coarse-to-fine", "full"):
        problems.append(Problem(f"[routing].method = {opts['method']!r}", source=src, hint='use "coarse-to-fine" or "full"'))
    bounds = sec.get("bounds")
    if bounds is not None and not (isinstance(bounds, list) and len(bounds) == 4):
        problems.append(Problem("[routing].bounds must be [x_min, y_min, x_max, y_max]", source=src))
    opts["bounds"] = bounds
    roles = sec.get("cost_layers")
    if roles is None:
        roles = [r for r, refs in cfg.layers.items() if r not in _NON_COST_ROLES and refs[0].format != "raster"]
    for role in roles:
        if not cfg.has(role):
            problems.append(Problem(f"[routing].cost_layers names role {role!r}, which has no [layers.{role}]", source=src))
    opts["cost_layers"] = list(roles)
    rasters = []
    for i, item in enumerate(sec.get("raster_costs", [])):
        role, factor = (item.get("role"), item.get("factor")) if isinstance(item, dict) else (item if isinstance(item, list) and len(item) == 2 else (None, None))
        if not isinstance(role, str) or not cfg.has(role) or not isinstance(factor, int | float):
            problems.append(Problem(f"[routing].raster_costs[{i}] = {item!r} is not {{role = \"<raster role>\", factor = <number>}}",
                                    source=src, hint="name a [layers.<role>] raster and a factor"))
            continue
        rasters.append((role, float(factor)))
    opts["raster_costs"] = rasters
    opts["target_column"] = sec.get("target_column")
    opts["cost_table"] = sec.get("cost_table", {})
    opts["cost_table_file"] = sec.get("cost_table_file")
    if problems:
        raise ConfigError(problems=problems)
    return opts


def _targets_from_layer(gdf: gpd.GeoDataFrame, column: str | None) -> list[tuple[str, tuple[float, float]]]:
    pts = gdf.geometry.representative_point()
    if column and column not in gdf.columns:
        raise ConfigError(f"landing candidates have no column {column!r}", hint=f"use one of: {', '.join(map(str, gdf.columns))}")
    col = column or next((c for c in ("name", "naam", "id", "candidate") if c in gdf.columns), None)
    labels = [str(v) for v in gdf[col]] if col else [f"doel {i + 1}" for i in range(len(gdf))]
    return [(lab, (p.x, p.y)) for lab, p in zip(labels, pts, strict=True)]


def _summary(routes: pd.DataFrame) -> None:
    table = Table(title=f"Routealternatieven ({len(routes)})")
    for col in ("target", "rank", "cost", "length_m", "separation_m", "method"):
        if col in routes.columns:
            table.add_column(col, justify="right" if col not in ("target", "method") else "left")
    for _, row in routes.iterrows():
        cells = []
        for col in ("target", "rank", "cost", "length_m", "separation_m", "method"):
            if col not in routes.columns:
                continue
            v = row[col]
            cells.append(f"{v:,.0f}" if isinstance(v, float) and math.isfinite(v) else ("-" if isinstance(v, float) else str(v)))
        table.add_row(*cells)
    Console(width=140).print(table)


@click.command("route")
@click.argument("config", required=False, type=click.Path(path_type=Path))
@click.option("--cost", "cost_path", type=click.Path(path_type=Path), help="A cost raster GeoTIFF (EPSG:28992) instead of a config.")
@click.option("--start", "start_text", help="Start point X,Y in RD metres.")
@click.option("--end", "end_texts", multiple=True, help="End point X,Y in RD metres (repeatable).")
@click.option("-k", "k", type=click.IntRange(min=1), default=None, help="Alternatives per end point (default 3).")
@click.option("--min-separation", "min_separation_m", type=float, default=None, help="Minimum mean distance between alternatives (m).")
@click.option("--method", type=click.Choice(["coarse-to-fine", "full"]), default=None, help="Routing method.")
@click.option("--coarse-factor", type=click.IntRange(min=2), default=None, help="Fine cells per coarse cell side.")
@click.option("--corridor", "corridor_m", type=float, default=None, help="Refinement corridor half-width (m).")
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Output folder.")
def route_command(config: Path | None, cost_path: Path | None, start_text: str | None, end_texts: tuple[str, ...],
                  k: int | None, min_separation_m: float | None, method: str | None, coarse_factor: int | None,
                  corridor_m: float | None, out_dir: Path) -> None:
    """Route alternatives by least-cost routing: writes DIR/routes.gpkg, routes.csv (and cost.tif)."""
    from wlr_geo.analysis.route.strips import StripSpec
    from wlr_geo.analysis.routing.cost import (
        CostTable,
        build_cost_raster,
        read_cost_raster,
        read_raster_layer,
        write_cost_raster,
    )
    from wlr_geo.analysis.routing.lcp import compare_variants, k_alternatives
    from wlr_geo.io.vector import write_layer

    if (config is None) == (cost_path is None):
        raise WlrGeoInputError("give either a CONFIG or --cost RASTER.tif",
                               hint="wlr-geo route CONFIG -o DIR, or wlr-geo route --cost R.tif --start X,Y --end X,Y -o DIR")
    t0 = time.perf_counter()
    layers: dict[str, gpd.GeoDataFrame] = {}
    impact_areas: dict[str, Any] = {}
    opts: dict[str, Any] = {"k": 3, "min_separation_m": None, "method": "coarse-to-fine", "coarse_factor": None,
                            "corridor_m": None, "penalty": 3.0, "width_m": None}
    if cost_path is not None:
        if start_text is None or not end_texts:
            raise WlrGeoInputError("--cost needs --start X,Y and at least one --end X,Y",
                                   hint="e.g. --start 81000,452000 --end 88000,468000")
        raster = read_cost_raster(cost_path)
        start = _parse_xy(start_text, "--start")
        targets = [(f"{x:.0f},{y:.0f}", (x, y)) for x, y in (_parse_xy(t, "--end") for t in end_texts)]
        table = None
    else:
        from wlr_geo.config import load_config

        assert config is not None
        cfg = load_config(config)
        opts.update(routing_from_config(cfg))
        start = opts["start"]
        table = CostTable.default()
        if opts["cost_table_file"]:
            table = CostTable.from_toml(cfg.resolve_path(str(opts["cost_table_file"])))
        if opts["cost_table"]:
            table = CostTable.from_dict(opts["cost_table"], base=table)
        for role in ("municipalities", "wijken"):
            if cfg.has(role):
                impact_areas[role] = cfg.layer(role).read()
        impact_areas["strips"] = StripSpec.from_config(cfg.section("strips"))
        for role in opts["cost_layers"]:
            for i, ref in enumerate(cfg.layers_of(role)):
                layers[role if i == 0 else f"{role}_{i}"] = ref.read()
        targets = [(f"{x:.0f},{y:.0f}", (x, y)) for x, y in opts["ends"]]
        cand_role = opts["landing_candidates"] or ("landing_candidates" if cfg.has("landing_candidates") else None)
        if cand_role:
            targets += _targets_from_layer(cfg.layer(cand_role).read(), opts["target_column"])
        for text in end_texts:
            x, y = _parse_xy(text, "--end")
            targets.append((f"{x:.0f},{y:.0f}", (x, y)))
        pts = [start] + [xy for _, xy in targets]
        if opts["bounds"] is not None:
            bounds = tuple(float(v) for v in opts["bounds"])
        else:
            m = float(opts["margin_m"])
            xs, ys = [p[0] for p in pts], [p[1] for p in pts]
            bounds = (min(xs) - m, min(ys) - m, max(xs) + m, max(ys) + m)
        rasters = [(read_raster_layer(cfg.layer(role).path), factor) for role, factor in opts["raster_costs"]]
        click.echo(f"building cost raster ({opts['cell_m']:g} m cells) from {len(layers)} layer(s)…", err=True)
        raster = build_cost_raster(layers, bounds=bounds, cell_m=float(opts["cell_m"]), table=table, raster_costs=rasters)
        write_cost_raster(raster, out_dir / "cost.tif")
    for key, value in (("k", k), ("min_separation_m", min_separation_m), ("method", method),
                       ("coarse_factor", coarse_factor), ("corridor_m", corridor_m)):
        if value is not None:
            opts[key] = value
    path_options: dict[str, Any] = {}
    if opts["coarse_factor"]:
        path_options["coarse_factor"] = opts["coarse_factor"]
    frames = []
    with click.progressbar(targets, label="routing", file=sys.stderr,
                           item_show_func=lambda t: t[0] if t else None) as bar:
        for label, xy in bar:
            alts = k_alternatives(raster, start, xy, k=int(opts["k"]), min_separation_m=opts["min_separation_m"],
                                  penalty=float(opts["penalty"]), method=str(opts["method"]),
                                  corridor_m=opts["corridor_m"], **path_options)
            alts.insert(0, "target", label)
            frames.append(alts)
    routes = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=frames[0].crs)
    write_layer(routes, out_dir / "routes.gpkg", "routes", replace_file=True)
    comparison = compare_variants(routes, layers, width_m=opts["width_m"], table=table, **impact_areas)
    atomic_write_text(out_dir / "routes.csv", comparison.to_csv(index=False))
    from wlr_geo.provenance import config_inputs, record_run

    outs = [out_dir / "routes.gpkg", out_dir / "routes.csv"] + ([out_dir / "cost.tif"] if cost_path is None else [])
    ins = config_inputs(load_config(config)) if config is not None else [(str(cost_path), "cost", None)]
    record_run("wlr-geo route", out_dir, config_path=config, inputs=ins, outputs=outs)
    _summary(routes)
    click.echo(f"wrote {out_dir / 'routes.gpkg'} ({len(routes)} routes), {out_dir / 'routes.csv'}"
               + (f", {out_dir / 'cost.tif'}" if cost_path is None else "")
               + f" in {time.perf_counter() - t0:.1f} s")
