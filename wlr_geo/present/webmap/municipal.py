"""Per-municipality maps from a template definition (``maps/gemeente.toml``), and batch writing."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import geopandas as gpd

from wlr_geo._errors import ConfigError
from wlr_geo.catalog import Catalog
from wlr_geo.crs import ensure_rd
from wlr_geo.present.mapdefs import MapDefinition, instantiate_for_municipality
from wlr_geo.present.webmap.build import MARKERS_ROLE, WebMap, build_map

__all__ = ["municipality_layers", "municipality_maps", "write_maps"]

log = logging.getLogger("wlr_geo")


def municipality_layers(
    layers: Mapping[str, gpd.GeoDataFrame],
    municipality: str,
    *,
    role: str = "municipalities",
    field: str = "gm_naam",
) -> dict[str, gpd.GeoDataFrame]:
    """The layers restricted to one municipality.

    The municipality layer keeps that municipality only; a layer with a ``gm_naam`` or
    ``gemeente`` column keeps the rows of that municipality; any other layer keeps the features
    that intersect the municipality (not clipped, so a route variant stays whole; its chainage
    markers are kept whole too).

    Raises
    ------
    ConfigError
        The municipality layer is missing or has no feature named ``municipality``.
    """
    if role not in layers:
        raise ConfigError(f"per-municipality maps need the layer {role!r}", hint=f"add [layers.{role}] to the config")
    gm = ensure_rd(layers[role], layer=role)
    if field not in gm.columns:
        raise ConfigError(f"the layer {role!r} has no column {field!r}", hint="set municipality_field in the map definition")
    sel = gm[gm[field].astype("string") == municipality]
    if len(sel) == 0:
        raise ConfigError(f"no municipality named {municipality!r} in layer {role!r}",
                          hint=f"use one of: {', '.join(map(str, gm[field].tolist()))}")
    area = sel.geometry.union_all()
    out: dict[str, gpd.GeoDataFrame] = {role: sel}
    for name, frame in layers.items():
        if name == role or frame is None:
            continue
        if name == MARKERS_ROLE:  # chainage markers follow the (whole) route variants they belong to
            out[name] = frame
            continue
        f = ensure_rd(frame, layer=name)
        for col in ("gm_naam", "gemeente"):
            if col in f.columns:
                out[name] = f[f[col].astype("string") == municipality]
                break
        else:
            out[name] = f[f.intersects(area)]
    return out


def municipality_maps(
    layers: Mapping[str, gpd.GeoDataFrame],
    definition: MapDefinition,
    *,
    catalog: Catalog | None = None,
    municipalities: list[str] | None = None,
) -> dict[str, WebMap]:
    """One map per municipality from a template (``per_municipality = true``) definition.

    Returns municipality name → :class:`WebMap`; the definition name of each map ends in the
    municipality (e.g. ``gemeente_leiden``).
    """
    role, field = definition.municipality_role, definition.municipality_field
    if role not in layers:
        raise ConfigError(f"per-municipality maps need the layer {role!r}", hint=f"add [layers.{role}] to the config")
    names = municipalities or [str(v) for v in layers[role][field].tolist()]
    maps: dict[str, WebMap] = {}
    for name in names:
        sub = municipality_layers(layers, name, role=role, field=field)
        maps[name] = build_map(sub, instantiate_for_municipality(definition, name), catalog=catalog)
        log.info("built map for %s", name)
    return maps


def write_maps(
    layers: Mapping[str, gpd.GeoDataFrame],
    out_dir: str | os.PathLike[str],
    definitions: Sequence[MapDefinition] | None = None,
    *,
    catalog: Catalog | None = None,
    municipalities: list[str] | None = None,
    prefix: str = "kaart_",
) -> list[tuple[Path, WebMap]]:
    """Build and write several maps (default: all standard definitions) into ``out_dir``.

    Template definitions (``per_municipality = true``) give one file per municipality. A
    definition none of whose layers is in ``layers`` is skipped (logged). File names are
    ``<prefix><definition name>.html``, e.g. ``kaart_overzicht.html``,
    ``kaart_gemeente_leiden.html``. This is what ``wlr-geo map`` and ``wlr-geo demo`` call.

    Returns
    -------
    list of (path, WebMap)
    """
    from wlr_geo.present.mapdefs import load_standard_definitions
    from wlr_geo.present.webmap.build import write_map

    defs = list(definitions) if definitions is not None else list(load_standard_definitions().values())
    out = Path(out_dir)
    written: list[tuple[Path, WebMap]] = []
    for d in defs:
        if not any(r in layers for r in d.roles):
            log.info("map %r: none of its layers (%s) given; skipped", d.name, ", ".join(d.roles))
            continue
        if d.per_municipality:
            built = list(municipality_maps(layers, d, catalog=catalog, municipalities=municipalities).values())
        else:
            built = [build_map(layers, d, catalog=catalog)]
        for wm in built:
            written.append((write_map(wm, out / f"{prefix}{wm.definition.name}.html"), wm))
    return written
