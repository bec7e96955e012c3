"""The maps job: offline consultation maps, one self-contained HTML file each.

Layers are found by role, in this order:

1. analysis outputs already in the output folder — the GeoPackage layers of the outputs
   registry (:mod:`wlr_geo.outputs`) that play the role (``Layer.roles``: ``impact.gpkg``
   ``routes``/``strips``/``crossings``/``markers``, ``claims.gpkg`` ``claims``/``conflicts``,
   ``landing.gpkg`` ``candidates`` — the ranked and scored candidates, not the input layer
   ``layers.gpkg:landing_candidates``), then any registry layer whose name is the role or one
   of its aliases (:data:`wlr_geo.config.MAP_ROLES`);
2. the layers of the project config (``[layers.<role>]``; KLIC deliveries give their lines);
3. ``[maps.roles]`` maps a role to another config role or output layer name, e.g.
   ``landing = "landing_candidates"``.

The impact layers (:func:`impact_layers`) are the impact result's own frames: the route
variants with ``status``/``bron`` of the input route, the strips, the crossing register, the
chainage markers (one centreline model for tables and maps), the objects the crossings cross
(drawn when a crossing is clicked), the below- and above-ground layers, and — for the BGT
example map — the BGT polygons per class (``topography``). Every map gets all variants of the
run in order (each keeps its colour and dash) and the crossing classes that were analysed
(``summary.json``), so a legend says "niet geanalyseerd" rather than showing a zero.

A map whose layers are all missing is skipped with a note.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from wlr_geo._errors import ConfigError, WlrGeoInputError
from wlr_geo.analysis.impact.run import ImpactResult
from wlr_geo.config import MAP_ROLES, Inputs, ProjectConfig, load_config
from wlr_geo.io.vector import list_layers, read_layer
from wlr_geo.outputs import OUTPUTS, file_names
from wlr_geo.present.mapdefs import STANDARD_MAPS, MapDefinition, load_map_definition
from wlr_geo.present.webmap import WebMap, crossed_objects
from wlr_geo.present.webmap.build import CROSSED_OBJECTS_ROLE, MARKERS_ROLE
from wlr_geo.present.webmap.municipal import write_maps
from wlr_geo.workflows._output import RunOutputs, open_outputs

__all__ = ["ROLE_ALIASES", "ImpactMapInput", "MapsRun", "collect_layers", "impact_layers", "run",
           "topography_layer"]

log = logging.getLogger("wlr_geo")

#: role → other names the same layer may have in configs and in analysis outputs.
ROLE_ALIASES: dict[str, tuple[str, ...]] = MAP_ROLES

#: Roles the impact result gives a map (:func:`impact_layers`).
IMPACT_ROLES: tuple[str, ...] = (
    "route", "strip", "crossings", MARKERS_ROLE, CROSSED_OBJECTS_ROLE, "affected_objects", "buildings_near",
    "cable_parallel_runs", "clearance_violations", "precautions_touched",
)

#: Columns of the input route that the route popups show, carried onto the result's variants.
ROUTE_INPUT_COLUMNS: tuple[str, ...] = ("status", "bron")

#: BGT columns the BGT example map shows (``maps/bovengrond_voorbeeld.toml``).
TOPOGRAPHY_COLUMNS: tuple[str, ...] = ("bgt_class", "category", "functie", "fysiek_voorkomen", "bgt_type", "naam",
                                       "lokaal_id")


@dataclass
class MapsRun:
    """What :func:`run` did: the maps (path, WebMap), skipped definitions and the manifest."""

    maps: list[tuple[Path, WebMap]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    manifest: dict[str, Any] | None = None


@dataclass
class ImpactMapInput:
    """An impact run still in memory, for maps made right after it (the demo's examples).

    Attributes
    ----------
    result
        The impact result.
    arguments
        The keyword arguments :func:`~wlr_geo.analysis.impact.run.run_impact` got
        (:func:`wlr_geo.workflows.impact.prepare`): ``route``, ``variant_column``, ``layers``
        (the crossed layers by name), ``cables``.
    topography
        BGT polygons per class (:func:`topography_layer`), for the BGT example map.
    """

    result: ImpactResult
    arguments: Mapping[str, Any] = field(default_factory=dict)
    topography: gpd.GeoDataFrame | None = None


Locate = Callable[[str], "Path | None"]


def _in_folder(root: Path) -> Locate:
    def locate(name: str) -> Path | None:
        p = root / name
        return p if p.exists() else None

    return locate


def _registry_gpkgs() -> list[str]:
    return [name for name, f in OUTPUTS.items() if f.kind == "gpkg" and not f.is_pattern]


def _outputs_in(locate: Locate) -> tuple[dict[str, tuple[Path, str]], dict[str, tuple[Path, str]]]:
    """The registry's GeoPackages written to the output folder: (layer name → (file, layer),
    role → (file, layer) of the registry layers that play the role, in registry order)."""
    by_name: dict[str, tuple[Path, str]] = {}
    by_role: dict[str, tuple[Path, str]] = {}
    for fname in _registry_gpkgs():
        gpkg = locate(fname)
        if gpkg is None or not gpkg.is_file():
            continue
        try:
            names = set(list_layers(gpkg))
        except WlrGeoInputError as exc:
            log.warning("%s overgeslagen: %s", gpkg, exc)
            continue
        for lay in OUTPUTS[fname].layers:
            if lay.name in names:
                for role in lay.roles:
                    by_role.setdefault(role, (gpkg, lay.name))
        for name in sorted(names):
            by_name.setdefault(name, (gpkg, name))
    return by_name, by_role


def _from_config(cfg: ProjectConfig, inputs: Inputs, name: str) -> gpd.GeoDataFrame | None:
    frames = []
    for ref in cfg.layers_of(name):
        if ref.format in ("klic", "vector", "parquet"):
            frame = inputs.lines_of(ref) if ref.format == "klic" else inputs.frame(ref)
            if frame is not None:
                frames.append(frame)
        else:
            log.info("rol %r heeft formaat %s, dat de kaarten niet tonen", name, ref.format)
    if not frames:
        return None
    if len(frames) == 1:
        return frames[0]
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)


def collect_layers(cfg: ProjectConfig, out_dir: Path | Locate, roles: Sequence[str], inputs: Inputs | None = None
                   ) -> dict[str, gpd.GeoDataFrame]:
    """Read the layer of each role (analysis outputs in ``out_dir`` first, then the config).

    ``out_dir`` is the output folder, or a function that finds an output by name (the outputs of
    an enclosing run are still staged). An output layer that plays the role in the registry
    (``landing.gpkg:candidates`` for ``landing``) wins over one that only has an alias's name.
    """
    own = inputs is None
    inputs = inputs or Inputs(cfg)
    by_name, by_role = _outputs_in(out_dir if callable(out_dir) else _in_folder(Path(out_dir)))
    explicit = cfg.options.maps.roles
    layers: dict[str, gpd.GeoDataFrame] = {}
    for role in roles:
        names = [explicit[role]] if role in explicit else list(ROLE_ALIASES.get(role, (role,)))
        found = None if role in explicit else by_role.get(role)
        if found is None:
            found = next((by_name[n] for n in names if n in by_name), None)
        frame = None
        if found is not None:
            path, layer = found
            inputs.records.append((str(path), role, layer))
            frame = read_layer(path, layer, allow_empty=True)
            log.info("kaartrol %r uit %s:%s", role, path.name, layer)
        else:
            for name in names:
                frame = _from_config(cfg, inputs, name)
                if frame is not None:
                    break
        if frame is not None:
            layers[role] = frame
    if own:
        inputs.check()
    return layers


def definitions_and_roles(map_names: Sequence[str] = ()) -> tuple[list[MapDefinition], list[str]]:
    """The map definitions to write (default: the standard maps) and the roles they show."""
    definitions = [load_map_definition(n) for n in (map_names or STANDARD_MAPS)]
    roles: list[str] = []
    for d in definitions:
        roles.extend(r for r in d.roles if r not in roles)
        for s in d.search:
            if s.role not in roles:
                roles.append(s.role)
        if d.per_municipality and d.municipality_role not in roles:
            roles.append(d.municipality_role)
    return definitions, roles


# ------------------------------------------------------------------------------ impact layers
def route_with_input(routes: gpd.GeoDataFrame, route_input: pd.DataFrame | None,
                     variant_column: str | None = None) -> gpd.GeoDataFrame:
    """The result's route variants with ``status`` and ``bron`` (:data:`ROUTE_INPUT_COLUMNS`)
    of the input route, matched by variant (the first part of a variant gives the value).

    A route without a variant column is one variant: its first row gives the values.
    """
    if route_input is None or not len(route_input) or "variant" not in routes.columns:
        return routes
    wanted = [c for c in ROUTE_INPUT_COLUMNS if c in route_input.columns and c not in routes.columns]
    if not wanted:
        return routes
    if variant_column and variant_column in route_input.columns:
        keys = route_input[variant_column].astype("string")
        first = pd.DataFrame(route_input[wanted]).assign(variant=keys.to_numpy()).drop_duplicates("variant")
        values = routes[["variant"]].astype({"variant": "string"}).merge(
            first.astype({"variant": "string"}), on="variant", how="left")
    else:
        values = pd.DataFrame({c: [route_input[c].iloc[0]] * len(routes) for c in wanted})
    out = routes.copy()
    for c in wanted:
        out[c] = values[c].to_numpy()
    return out


def topography_layer(bgt: Mapping[str, gpd.GeoDataFrame]) -> gpd.GeoDataFrame | None:
    """The polygons of a BGT extract (class → frame) as one layer with a ``bgt_class`` column
    (and the columns of :data:`TOPOGRAPHY_COLUMNS` that the classes have); None without any."""
    parts = []
    for cls, frame in bgt.items():
        if frame is None or not len(frame):
            continue
        polys = frame[frame.geom_type.isin(["Polygon", "MultiPolygon"])]
        if not len(polys):
            continue
        cols = [c for c in TOPOGRAPHY_COLUMNS if c in polys.columns and c != "bgt_class"]
        part = gpd.GeoDataFrame(pd.DataFrame(polys[cols]).assign(bgt_class=str(cls)),
                                geometry=polys.geometry.values, crs=polys.crs)
        parts.append(part)
    if not parts:
        return None
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=parts[0].crs)


def impact_layers(result: ImpactResult, *, route: pd.DataFrame | None = None, variant_column: str | None = None,
                  crossing_layers: Mapping[str, gpd.GeoDataFrame] | None = None,
                  cables: gpd.GeoDataFrame | None = None) -> dict[str, gpd.GeoDataFrame]:
    """The map layers of an impact result, by role.

    Parameters
    ----------
    result
        The impact result (in memory, or read back from ``impact.gpkg`` into an object with
        the same attributes).
    route, variant_column
        The input route and its variant column: its ``status``/``bron`` go onto the variants.
    crossing_layers, cables
        The crossed layers by the names :func:`~wlr_geo.analysis.impact.run.run_impact` got them
        under, and the KLIC lines (crossed as ``"klic"``): the objects the crossings cross are
        taken from them (role ``crossed_objects``).
    """
    out: dict[str, gpd.GeoDataFrame] = {
        "route": route_with_input(result.routes, route, variant_column),
        "strip": result.strips, "crossings": result.crossings, MARKERS_ROLE: result.markers,
    }
    sources = dict(crossing_layers or {})
    if cables is not None and len(cables):
        sources["klic"] = cables
    if len(result.crossings) and sources:
        out[CROSSED_OBJECTS_ROLE] = crossed_objects(result.crossings, sources)
    for role, attr in (("affected_objects", "affected"), ("buildings_near", "buildings_near"),
                       ("cable_parallel_runs", "cable_parallel_runs"),
                       ("clearance_violations", "clearance_violations"),
                       ("precautions_touched", "precautions_touched")):
        frame = getattr(result, attr)
        if frame is not None:
            out[role] = frame
    if cables is not None:
        out["cables"] = cables
    return out


def _analysed_classes(locate: Locate) -> dict[str, bool] | None:
    """``analysed_classes`` of the impact run whose ``summary.json`` lies in the folder."""
    path = locate("summary.json")
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        log.warning("kan %s niet lezen (%s): de kaarten zeggen niet welke kruisingsklassen zijn geanalyseerd",
                    path, exc)
        return None
    found = data.get("analysed_classes") if isinstance(data, dict) else None
    if not isinstance(found, dict):
        return None
    return {str(k): bool(v) for k, v in found.items()}


def _impact_from_folder(cfg: ProjectConfig, layers: dict[str, gpd.GeoDataFrame], inputs: Inputs,
                        roles: Sequence[str]) -> None:
    """Complete the impact layers read from the folder: ``status``/``bron`` of the input route
    on the variants, and the crossed objects from the crossed layers of the config (read as
    the impact run read them, :func:`wlr_geo.workflows.impact.prepare`)."""
    from wlr_geo.workflows.impact import prepare

    wants_crossed = CROSSED_OBJECTS_ROLE in roles and CROSSED_OBJECTS_ROLE not in layers
    crossings = layers.get("crossings")
    if not cfg.has("route") or (not wants_crossed and "route" not in layers):
        return
    if wants_crossed and crossings is not None and len(crossings):
        kwargs = prepare(cfg, inputs)
        sources = dict(kwargs.get("layers") or {})
        if kwargs.get("cables") is not None:
            sources["klic"] = kwargs["cables"]
        if sources:
            layers[CROSSED_OBJECTS_ROLE] = crossed_objects(crossings, sources)
        route_input = kwargs.get("route")
    else:
        route_input = inputs.role("route", geometry_types=["line"])
        inputs.check()
    if "route" in layers and "n_parts" in layers["route"].columns:  # the result's variants, not the input
        layers["route"] = route_with_input(layers["route"], route_input, cfg.options.route.variant_column)


def _topography_from_config(cfg: ProjectConfig, inputs: Inputs) -> gpd.GeoDataFrame | None:
    if not cfg.has("topography"):
        return None
    ref = cfg.layer("topography")
    if ref.format == "bgt":
        bgt = inputs.bgt(ref)
        inputs.check()
        return topography_layer(bgt or {})
    frame = inputs.frame(ref, categorise=True)
    inputs.check()
    return frame


def run(config: str | os.PathLike[str] | ProjectConfig, out: str | os.PathLike[str] | RunOutputs, *,
        map_names: Sequence[str] = (), municipalities: Sequence[str] = (), wait_s: float = 0.0,
        impact: ImpactMapInput | None = None, inputs: Inputs | None = None) -> MapsRun:
    """``wlr-geo map CONFIG -o DIR``: write the consultation maps (the analysis outputs in DIR
    are shown where present).

    Parameters
    ----------
    map_names
        Definitions (standard names such as ``"overzicht"``, example names such as
        ``"ondergrond_voorbeeld"``, or TOML files); default the standard maps.
    municipalities
        For per-municipality maps: only these.
    impact
        An impact run still in memory (the demo): its layers are used instead of reading
        ``impact.gpkg`` and the crossed layers again.
    inputs
        The :class:`~wlr_geo.config.Inputs` that read ``impact`` (its layers are not read again).
    """
    cfg = load_config(config)
    definitions, roles = definitions_and_roles(map_names)
    root = out.root if isinstance(out, RunOutputs) else Path(out)
    locate = out.locate if isinstance(out, RunOutputs) else _in_folder(root)
    inputs = inputs or Inputs(cfg)
    if impact is not None:
        args = impact.arguments
        from_impact = impact_layers(impact.result, route=args.get("route"), variant_column=args.get("variant_column"),
                                    crossing_layers=args.get("layers"), cables=args.get("cables"))
        if impact.topography is not None:
            from_impact["topography"] = impact.topography
        rest = [r for r in [*roles, MARKERS_ROLE] if r not in from_impact]
        layers = {**collect_layers(cfg, locate, rest, inputs), **from_impact}
        analysed: dict[str, bool] | None = dict(impact.result.analysed_classes)
    else:
        layers = collect_layers(cfg, locate, [*roles, MARKERS_ROLE], inputs)
        inputs.check()
        _impact_from_folder(cfg, layers, inputs, roles)
        if "topography" in roles and "topography" not in layers:
            topo = _topography_from_config(cfg, inputs)
            if topo is not None:
                layers["topography"] = topo
        analysed = _analysed_classes(locate) if "crossings" in layers else None
    inputs.check()
    if not layers:
        raise ConfigError(
            "geen van de lagen die de kaarten tonen is gevonden", source=cfg.source,
            hint=f"voeg [layers.<rol>] toe voor enkele van: {', '.join(roles)} (of voer eerst de analyses uit "
                 f"naar {root})",
        )
    result = MapsRun()
    for d in definitions:
        if not any(r in layers for r in d.layer_roles):
            result.skipped.append(f"kaart {d.name}: geen van de lagen {', '.join(d.layer_roles)} gevonden; overgeslagen")
    route = layers.get("route")
    variants = ([str(v) for v in dict.fromkeys(route["variant"].tolist())]
                if route is not None and "variant" in route.columns else None)
    with open_outputs(out, command="wlr-geo map", names=file_names("map"), inputs=inputs.records,
                      config_path=cfg.path, catalog=cfg.catalog, wait_s=wait_s) as w:
        start = len(w.written)
        written = write_maps(layers, root, definitions, catalog=cfg.catalog,
                             municipalities=list(municipalities) or None, variants=variants,
                             analysed_classes=analysed, path_for=w.path)
        w.notes.extend(result.skipped)
        result.maps = list(zip(w.final(start), [wm for _, wm in written], strict=True))
    result.paths = [p for p, _ in result.maps]
    result.manifest = w.last_manifest
    return result
