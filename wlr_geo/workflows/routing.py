"""The route-alternatives job: a cost raster from the layers, k least-cost alternatives per end
point, and their comparison through the impact analysis.

Two forms: :func:`run` (a config with ``[routing]``; builds the cost raster from the cost layers
and writes ``cost.tif``) and :func:`run_on_raster` (an existing cost raster, a start and end
points). Both write ``routes.gpkg`` and ``routes.csv``. The comparison runs the impact analysis
with the config's own ``[strips]`` and ``[impact]`` options, so a route alternative and a
route variant are measured with the same strips.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from wlr_geo._errors import WlrGeoInputError
from wlr_geo._options import field_problems, option_fields, raise_problems
from wlr_geo.analysis.impact.run import analysed_classes
from wlr_geo.analysis.route.strips import StripSpec
from wlr_geo.analysis.routing.cost import (
    CostRaster,
    CostTable,
    build_cost_raster,
    read_cost_raster,
    read_raster_layer,
    write_cost_raster,
)
from wlr_geo.analysis.routing.lcp import compare_variants, k_alternatives
from wlr_geo.analysis.routing.options import METHODS, RoutingOptions
from wlr_geo.config import NON_COST_ROLES, Inputs, ProjectConfig, load_config
from wlr_geo.io.tables import write_csv
from wlr_geo.outputs import file_names
from wlr_geo.workflows._gpkg import write_gpkg
from wlr_geo.workflows._output import RunOutputs, open_outputs
from wlr_geo.workflows._tables import mark_not_analysed

__all__ = ["CLI_FLAGS", "METHODS", "OVERRIDABLE", "RoutingRun", "Shortfall", "parse_xy", "prepare",
           "run", "run_on_raster"]

Target = tuple[str, tuple[float, float]]

#: :class:`RoutingOptions` fields that ``wlr-geo route`` sets from the command line, and their flags.
CLI_FLAGS: dict[str, str] = {
    "k": "-k",
    "min_separation_m": "--min-separation",
    "min_distinct_share": "--min-distinct-share",
    "method": "--method",
    "coarse_factor": "--coarse-factor",
    "corridor_m": "--corridor",
    "barrier_cost": "--barrier-above",
    "epsilon": "--epsilon",
}

#: The :class:`RoutingOptions` fields that :func:`run` accepts as overrides (the command-line
#: flags, and from Python also the raster and strip sizes).
OVERRIDABLE: tuple[str, ...] = (*CLI_FLAGS, "cell_m", "penalty", "width_m")


@dataclass(frozen=True)
class Shortfall:
    """Fewer than ``k`` distinct alternatives were found for one end point."""

    target: str
    requested: int
    found: int
    min_distinct_share: float
    min_separation_m: float
    message: str


@dataclass
class RoutingRun:
    """What a routing run did."""

    routes: gpd.GeoDataFrame
    comparison: pd.DataFrame
    raster: CostRaster
    paths: list[Path] = field(default_factory=list)
    manifest: dict[str, Any] | None = None
    #: End points with fewer than k distinct alternatives (why: :attr:`Shortfall.message`).
    shortfalls: list[Shortfall] = field(default_factory=list)
    #: The options the routes were computed with (config and command line).
    options: RoutingOptions | None = None


def parse_xy(text: str, what: str) -> tuple[float, float]:
    """``"X,Y"`` in RD metres (finite), for ``--start``/``--end``."""
    parts = text.replace(";", ",").split(",")
    try:
        x, y = (float(p) for p in parts)
    except ValueError:
        raise WlrGeoInputError(f"{what} {text!r} heeft niet de vorm X,Y",
                               hint="geef RD-meters, bijvoorbeeld --start 81000,452000") from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise WlrGeoInputError(f"{what} {text!r} is niet eindig", hint="geef RD-meters, bijvoorbeeld --start 81000,452000")
    return x, y


def _label(xy: tuple[float, float]) -> str:
    return f"{xy[0]:.0f},{xy[1]:.0f}"


def _targets_from_layer(gdf: gpd.GeoDataFrame, column: str | None, inputs: Inputs) -> list[Target]:
    pts = gdf.geometry.representative_point()
    if column and column not in gdf.columns:
        inputs.note(f"[routing] target_column {column!r} is geen kolom van de kandidaat-landingslocaties",
                    hint=f"gebruik een van: {', '.join(map(str, gdf.columns.drop(gdf.geometry.name)))}")
        return []
    col = column or next((c for c in ("name", "naam", "id", "candidate") if c in gdf.columns), None)
    labels = [str(v) for v in gdf[col]] if col else [f"doel {i + 1}" for i in range(len(gdf))]
    return [(lab, (p.x, p.y)) for lab, p in zip(labels, pts, strict=True)]


@dataclass
class RoutingInputs:
    """What the routing job reads."""

    options: RoutingOptions
    start: tuple[float, float]
    targets: list[Target]
    layers: dict[str, gpd.GeoDataFrame]
    areas: dict[str, gpd.GeoDataFrame]
    rasters: list[tuple[Any, float]]
    table: CostTable
    bounds: tuple[float, float, float, float]


def prepare(cfg: ProjectConfig, inputs: Inputs | None = None, *, extra_ends: Sequence[tuple[float, float]] = ()
            ) -> RoutingInputs:
    """Read what the routing job needs (every problem reported together)."""
    inputs = inputs or Inputs(cfg)
    opts = cfg.options.routing
    if opts is None:
        inputs.note("de configuratie heeft geen sectie [routing]",
                    hint="voeg [routing] toe met start = [x, y] en ends of landing_candidates")
        inputs.check()
    assert opts is not None
    table = opts.cost_table or CostTable.default()
    areas = {}
    for role in ("municipalities", "wijken"):
        if cfg.has(role) and (frame := inputs.role(role)) is not None:
            areas[role] = frame
    roles = opts.cost_layers
    if roles is None:
        roles = tuple(r for r, refs in cfg.layers.items() if r not in NON_COST_ROLES and refs[0].format != "raster")
    layers: dict[str, gpd.GeoDataFrame] = {}
    for role in roles:
        for i, ref in enumerate(cfg.layers_of(role)):
            frame = inputs.frame(ref, categorise=ref.category is not None or ref.category_column is not None)
            if frame is not None:
                layers[role if i == 0 else f"{role}_{i}"] = frame
    targets: list[Target] = [(_label(xy), xy) for xy in opts.ends]
    cand_role = opts.landing_candidates or ("landing_candidates" if cfg.has("landing_candidates") else None)
    if cand_role and cfg.has(cand_role):
        cands = inputs.role(cand_role)
        if cands is not None:
            targets += _targets_from_layer(cands, opts.target_column, inputs)
    targets += [(_label(xy), xy) for xy in extra_ends]
    if not targets:
        inputs.note("[routing] noemt geen eindpunten", hint='voeg ends = [[x, y]] of landing_candidates = "<laagrol>" toe')
    rasters = []
    for role, factor in opts.raster_costs:
        ref = cfg.layer(role)
        inputs.records.append((str(ref.path), ref.role, ref.layer))
        layer = inputs.guard(ref, functools.partial(read_raster_layer, ref.path))
        if layer is not None:
            rasters.append((layer, factor))
    inputs.check()
    if opts.bounds is not None:
        bounds = opts.bounds
    else:
        pts = [opts.start] + [xy for _, xy in targets]
        m = opts.margin_m
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        bounds = (min(xs) - m, min(ys) - m, max(xs) + m, max(ys) + m)
    return RoutingInputs(opts, opts.start, targets, layers, areas, rasters, table, bounds)


def _alternatives(raster: CostRaster, start: tuple[float, float], targets: list[Target], opts: RoutingOptions,
                  progress: Callable[[Sequence[Target]], Any] | None) -> tuple[gpd.GeoDataFrame, list[Shortfall]]:
    frames = []
    short: list[Shortfall] = []
    iterable = progress(targets) if progress is not None else targets
    for label, xy in iterable:
        alts = k_alternatives(raster, start, xy, **opts.path_options())
        if (s := alts.attrs.get("shortfall")) is not None:
            short.append(Shortfall(label, int(s["requested"]), int(s["found"]),
                                   float(alts.attrs["min_distinct_share"]), float(alts.attrs["min_separation_m"]),
                                   str(s["message"])))
        alts.insert(0, "target", label)
        frames.append(alts)
    routes = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=frames[0].crs)
    routes.attrs = {}  # per-target attributes do not describe the whole table
    return routes, short


def _write(run_: RoutingRun, out: RunOutputs, *, cost: bool, analysed: Mapping[str, bool],
           inputs: Sequence[tuple[str, str | None, str | None]]) -> list[Path]:
    start = len(out.written)
    if cost:
        write_cost_raster(run_.raster, out.path("cost.tif"))
    write_gpkg(out, "routes.gpkg", {"routes": run_.routes}, command="wlr-geo route", inputs=inputs)
    write_csv(mark_not_analysed(run_.comparison, analysed), out.path("routes.csv"), notes=out.notes)
    return out.final(start)


def _checked(overrides: dict[str, Any]) -> dict[str, Any]:
    """The command-line values given (None: keep the config), each checked under its flag."""
    given = {k: v for k, v in overrides.items() if v is not None}
    unknown = sorted(set(given) - set(OVERRIDABLE))
    if unknown:
        raise TypeError(f"unknown routing overrides: {', '.join(unknown)} (possible: {', '.join(OVERRIDABLE)})")
    problems = []
    for f, meta, tp in option_fields(RoutingOptions):
        if f.name in given:
            problems += field_problems(given[f.name], tp, meta, CLI_FLAGS.get(f.name, f"[routing] {f.name}"))
    raise_problems(problems)
    return given


def run(config: str | os.PathLike[str] | ProjectConfig, out: str | os.PathLike[str] | RunOutputs | None = None, *,
        ends: Sequence[tuple[float, float]] = (), progress: Callable[[Sequence[Target]], Any] | None = None,
        wait_s: float = 0.0, **overrides: Any) -> RoutingRun:
    """``wlr-geo route CONFIG -o DIR``: cost raster, alternatives per end point, comparison.

    ``overrides`` replace :class:`RoutingOptions` fields (:data:`OVERRIDABLE`: the keys of
    :data:`CLI_FLAGS` — ``k``, ``min_separation_m``, ``min_distinct_share``, ``method``,
    ``coarse_factor``, ``corridor_m``, ``barrier_cost``, ``epsilon`` — and ``cell_m``,
    ``penalty``, ``width_m``); None keeps the config.
    """
    given = _checked(overrides)
    cfg = load_config(config)
    inputs = Inputs(cfg)
    data = prepare(cfg, inputs, extra_ends=ends)
    opts = replace(data.options, **given)
    raster = build_cost_raster(data.layers, bounds=data.bounds, cell_m=opts.cell_m, table=data.table,
                               raster_costs=data.rasters)
    routes, short = _alternatives(raster, data.start, data.targets, opts, progress)
    strips: StripSpec = cfg.options.strips
    comparison = compare_variants(routes, data.layers, width_m=opts.width_m, table=data.table, strips=strips,
                                  options=cfg.options.impact, **data.areas)
    result = RoutingRun(routes, comparison, raster, shortfalls=short, options=opts)
    if out is None:
        return result
    with open_outputs(out, command="wlr-geo route", names=file_names("route"), inputs=inputs.records,
                      config_path=cfg.path, catalog=cfg.catalog, wait_s=wait_s) as w:
        result.paths = _write(result, w, cost=True, analysed=analysed_classes(data.layers), inputs=inputs.records)
    result.manifest = w.last_manifest
    return result


def run_on_raster(cost: str | os.PathLike[str], start: tuple[float, float], ends: Sequence[tuple[float, float]],
                  out: str | os.PathLike[str] | RunOutputs | None = None, *,
                  progress: Callable[[Sequence[Target]], Any] | None = None, wait_s: float = 0.0,
                  **overrides: Any) -> RoutingRun:
    """``wlr-geo route --cost R.tif --start X,Y --end X,Y -o DIR``: alternatives on an existing raster."""
    if not ends:
        raise WlrGeoInputError("--cost heeft --start X,Y en minstens één --end X,Y nodig",
                               hint="geef bijvoorbeeld --start 81000,452000 --end 88000,468000")
    opts = replace(RoutingOptions(start=start), **_checked(overrides))
    raster = read_cost_raster(cost)
    targets = [(_label(xy), xy) for xy in ends]
    routes, short = _alternatives(raster, start, targets, opts, progress)
    comparison = compare_variants(routes, {}, table=None)
    result = RoutingRun(routes, comparison, raster, shortfalls=short, options=opts)
    if out is None:
        return result
    with open_outputs(out, command="wlr-geo route", names=[n for n in file_names("route") if n != "cost.tif"],
                      inputs=[(str(cost), "cost", None)], wait_s=wait_s) as w:
        result.paths = _write(result, w, cost=False, analysed=analysed_classes({}), inputs=[(str(cost), "cost", None)])
    result.manifest = w.last_manifest
    return result
