"""The maps job: offline consultation maps, one self-contained HTML file each.

Layers are found by role, in this order:

1. analysis outputs already in the output folder — the GeoPackages of the outputs registry
   (:mod:`wlr_geo.outputs`: ``claims.gpkg`` layers ``claims``/``conflicts``, ``landing.gpkg``
   layer ``candidates``, ``routes.gpkg``, ``impact.gpkg``, ``layers.gpkg``) — whose layer name
   is the role or one of its aliases (:data:`wlr_geo.config.MAP_ROLES`);
2. the layers of the project config (``[layers.<role>]``; KLIC deliveries give their lines);
3. ``[maps.roles]`` maps a role to another config role or output layer name, e.g.
   ``landing = "landing_candidates"``.

Kilometre labels on the route come from the impact result's chainage markers
(``impact.gpkg`` layer ``markers``) when the folder has them: one centreline model for tables
and maps.

A map whose layers are all missing is skipped with a note.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from wlr_geo._errors import ConfigError, WlrGeoInputError
from wlr_geo.config import MAP_ROLES, Inputs, ProjectConfig, load_config
from wlr_geo.io.vector import list_layers, read_layer
from wlr_geo.outputs import OUTPUTS, file_names
from wlr_geo.present.mapdefs import STANDARD_MAPS, MapDefinition, load_map_definition
from wlr_geo.present.webmap import WebMap, build_map, municipality_maps, write_map
from wlr_geo.present.webmap.build import MARKERS_ROLE
from wlr_geo.workflows._output import RunOutputs, open_outputs

__all__ = ["ROLE_ALIASES", "MapsRun", "collect_layers", "run"]

log = logging.getLogger("wlr_geo")

#: role → other names the same layer may have in configs and in analysis outputs.
ROLE_ALIASES: dict[str, tuple[str, ...]] = MAP_ROLES


@dataclass
class MapsRun:
    """What :func:`run` did: the maps (path, WebMap), skipped definitions and the manifest."""

    maps: list[tuple[Path, WebMap]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    manifest: dict[str, Any] | None = None


Locate = Callable[[str], "Path | None"]


def _in_folder(root: Path) -> Locate:
    def locate(name: str) -> Path | None:
        p = root / name
        return p if p.exists() else None

    return locate


def _outputs_in(locate: Locate) -> dict[str, tuple[Path, str]]:
    """Layer name → (file, layer) of the registry's GeoPackages written to the output folder."""
    found: dict[str, tuple[Path, str]] = {}
    gpkgs = sorted(name for name, f in OUTPUTS.items() if f.kind == "gpkg" and not f.is_pattern)
    for fname in gpkgs:
        gpkg = locate(fname)
        if gpkg is None or not gpkg.is_file():
            continue
        try:
            names = list_layers(gpkg)
        except WlrGeoInputError as exc:
            log.warning("skipping %s: %s", gpkg, exc)
            continue
        for name in names:
            found.setdefault(name, (gpkg, name))
    return found


def _from_config(cfg: ProjectConfig, inputs: Inputs, name: str) -> gpd.GeoDataFrame | None:
    frames = []
    for ref in cfg.layers_of(name):
        if ref.format in ("klic", "vector", "parquet"):
            frame = inputs.lines_of(ref) if ref.format == "klic" else inputs.frame(ref)
            if frame is not None:
                frames.append(frame)
        else:
            log.info("role %r has format %s, which maps do not show", name, ref.format)
    if not frames:
        return None
    if len(frames) == 1:
        return frames[0]
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)


def collect_layers(cfg: ProjectConfig, out_dir: Path | Locate, roles: Sequence[str], inputs: Inputs | None = None
                   ) -> dict[str, gpd.GeoDataFrame]:
    """Read the layer of each role (analysis outputs in ``out_dir`` first, then the config).

    ``out_dir`` is the output folder, or a function that finds an output by name (the outputs of
    an enclosing run are still staged).
    """
    own = inputs is None
    inputs = inputs or Inputs(cfg)
    outputs = _outputs_in(out_dir if callable(out_dir) else _in_folder(Path(out_dir)))
    explicit = cfg.options.maps.roles
    layers: dict[str, gpd.GeoDataFrame] = {}
    for role in roles:
        names = [explicit[role]] if role in explicit else list(ROLE_ALIASES.get(role, (role,)))
        frame = None
        for name in names:
            if name in outputs:
                path, layer = outputs[name]
                inputs.records.append((str(path), role, layer))
                frame = read_layer(path, layer)
                log.info("map role %r from %s:%s", role, path.name, layer)
                break
        if frame is None:
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


def _unique(name: str, taken: set[str]) -> str:
    out, i = name, 2
    while out.casefold() in taken:
        out, i = f"{name}_{i}", i + 1
    taken.add(out.casefold())
    return out


def run(config: str | os.PathLike[str] | ProjectConfig, out: str | os.PathLike[str] | RunOutputs, *,
        map_names: Sequence[str] = (), municipalities: Sequence[str] = (), wait_s: float = 0.0) -> MapsRun:
    """``wlr-geo map CONFIG -o DIR``: write the consultation maps (the analysis outputs in DIR
    are shown where present)."""
    cfg = load_config(config)
    definitions, roles = definitions_and_roles(map_names)
    root = out.root if isinstance(out, RunOutputs) else Path(out)
    locate = out.locate if isinstance(out, RunOutputs) else _in_folder(root)
    inputs = Inputs(cfg)
    layers = collect_layers(cfg, locate, [*roles, MARKERS_ROLE], inputs)
    inputs.check()
    if not layers:
        raise ConfigError(
            "none of the layers the maps show were found", source=cfg.source,
            hint=f"add [layers.<role>] for some of: {', '.join(roles)} (or run the analyses into {root} first)",
        )
    result = MapsRun()
    built: list[WebMap] = []
    for d in definitions:
        if not any(r in layers for r in d.roles):
            result.skipped.append(f"kaart {d.name}: geen van de lagen {', '.join(d.roles)} gevonden; overgeslagen")
            continue
        if d.per_municipality:
            built.extend(municipality_maps(layers, d, catalog=cfg.catalog,
                                           municipalities=list(municipalities) or None).values())
        else:
            built.append(build_map(layers, d, catalog=cfg.catalog))
    with open_outputs(out, command="wlr-geo map", names=file_names("map"), inputs=inputs.records,
                      config_path=cfg.path, catalog=cfg.catalog, wait_s=wait_s) as w:
        taken: set[str] = set()
        start = len(w.written)
        for wm in built:
            name = _unique(f"kaart_{wm.definition.name}", taken)
            write_map(wm, w.path(f"{name}.html"))
        w.notes.extend(result.skipped)
        result.maps = list(zip(w.final(start), built, strict=True))
    result.paths = [p for p, _ in result.maps]
    result.manifest = w.last_manifest
    return result
