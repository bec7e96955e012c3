"""Per-municipality maps from a template definition (``maps/gemeente.toml``), and batch writing.

File names are made from municipality names by :func:`wlr_geo.present.filenames.safe_stem`
(ASCII, at most 60 characters) and are unique within one :func:`write_maps` call (and against
``reserved`` names): "Den Haag" and "den-haag" give ``kaart_gemeente_den_haag.html`` and
``kaart_gemeente_den_haag_2.html``, in the order the municipalities are given.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import geopandas as gpd

from wlr_geo._errors import ConfigError
from wlr_geo.catalog import Catalog
from wlr_geo.crs import ensure_rd
from wlr_geo.present.filenames import UniqueNames
from wlr_geo.present.mapdefs import MapDefinition, instantiate_for_municipality
from wlr_geo.present.webmap.build import CROSSED_OBJECTS_ROLE, WebMap, _variant_order, build_map

__all__ = ["municipality_layers", "municipality_maps", "write_maps"]

log = logging.getLogger("wlr_geo")


def municipality_layers(
    layers: Mapping[str, gpd.GeoDataFrame],
    municipality: str,
    *,
    role: str = "municipalities",
    field: str = "gm_naam",
    keep_whole: Sequence[str] = (CROSSED_OBJECTS_ROLE,),
) -> dict[str, gpd.GeoDataFrame]:
    """The layers restricted to one municipality.

    The municipality layer keeps that municipality only; a layer with a ``gm_naam`` or
    ``gemeente`` column keeps the rows of that municipality; any other layer keeps the features
    that intersect the municipality (not clipped, so a route variant stays whole). Roles in
    ``keep_whole`` (the crossed objects, which the map only draws for the crossings it shows)
    are kept as they are.

    Raises
    ------
    ConfigError
        The municipality layer is missing or has no feature named ``municipality``.
    """
    if role not in layers:
        raise ConfigError(f"kaarten per gemeente hebben de laag {role!r} nodig",
                          hint=f"voeg [layers.{role}] toe aan de configuratie")
    gm = ensure_rd(layers[role], layer=role)
    if field not in gm.columns:
        raise ConfigError(f"de laag {role!r} heeft geen kolom {field!r}",
                          hint="zet municipality_field in de kaartdefinitie")
    sel = gm[gm[field].astype("string") == municipality]
    if len(sel) == 0:
        raise ConfigError(f"geen gemeente met de naam {municipality!r} in laag {role!r}",
                          hint=f"gebruik een van: {', '.join(map(str, gm[field].tolist()))}")
    area = sel.geometry.union_all()
    out: dict[str, gpd.GeoDataFrame] = {role: sel}
    for name, frame in layers.items():
        if name == role or frame is None:
            continue
        if name in keep_whole:
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
    variants: Sequence[str] | None = None,
    analysed_classes: Mapping[str, bool] | None = None,
) -> dict[str, WebMap]:
    """One map per municipality from a template (``per_municipality = true``) definition.

    Returns municipality name → :class:`WebMap`, in the order of ``municipalities`` (default:
    the municipality layer's order); the definition name of each map ends in the safe form of
    the name (e.g. ``gemeente_leiden``), which two municipalities may share. Every map gets the
    variants of the whole run (``variants``, default from ``layers``), so a variant keeps its
    colour and dash, and says which of its layers lie outside the municipality.
    """
    role, field = definition.municipality_role, definition.municipality_field
    if role not in layers:
        raise ConfigError(f"kaarten per gemeente hebben de laag {role!r} nodig",
                          hint=f"voeg [layers.{role}] toe aan de configuratie")
    names = municipalities or [str(v) for v in layers[role][field].tolist()]
    order = list(variants) if variants is not None else _variant_order(layers, definition)
    maps: dict[str, WebMap] = {}
    for name in dict.fromkeys(names):
        sub = municipality_layers(layers, name, role=role, field=field)
        maps[name] = build_map(sub, instantiate_for_municipality(definition, name), catalog=catalog,
                               variants=order, analysed_classes=analysed_classes, area_name=name)
        log.info("kaart gemaakt voor %s", name)
    return maps


def write_maps(
    layers: Mapping[str, gpd.GeoDataFrame],
    out_dir: str | os.PathLike[str],
    definitions: Sequence[MapDefinition] | None = None,
    *,
    catalog: Catalog | None = None,
    municipalities: list[str] | None = None,
    prefix: str = "kaart_",
    variants: Sequence[str] | None = None,
    analysed_classes: Mapping[str, bool] | None = None,
    reserved: Iterable[str] = (),
    path_for: Callable[[str], Path] | None = None,
) -> list[tuple[Path, WebMap]]:
    """Build and write several maps (default: all standard definitions) into ``out_dir``.

    Template definitions (``per_municipality = true``) give one file per municipality. A
    definition none of whose layers is in ``layers`` is skipped (logged). File names are
    ``<prefix><definition name>.html``, e.g. ``kaart_overzicht.html``,
    ``kaart_gemeente_leiden.html``; they are safe and bounded, and unique among this call's files
    and ``reserved`` (a later name that collides gets ``_2``, ``_3`` …).

    Parameters
    ----------
    layers
        Role → frame, including the helper roles ``markers`` and ``crossed_objects`` (see
        :func:`~wlr_geo.present.webmap.build.build_map`).
    variants, analysed_classes
        Passed to every map (see :func:`~wlr_geo.present.webmap.build.build_map`).
    reserved
        File names already written into ``out_dir`` by this run.
    path_for
        File name → path to write it to (e.g. ``OutputSet.path``, which stages the file); default
        ``out_dir / name``.

    Returns
    -------
    list of (path, WebMap)
        Every file written, in order; ``WebMap.file_name`` is its name in ``out_dir`` (list these
        in the manifest).
    """
    from wlr_geo.present.mapdefs import load_standard_definitions
    from wlr_geo.present.webmap.build import write_map

    defs = list(definitions) if definitions is not None else list(load_standard_definitions().values())
    out = Path(out_dir)
    names = UniqueNames(reserved)
    written: list[tuple[Path, WebMap]] = []
    for d in defs:
        if not any(r in layers for r in d.layer_roles):
            log.info("kaart %r: geen van de lagen (%s) gegeven; overgeslagen", d.name, ", ".join(d.layer_roles))
            continue
        if d.per_municipality:
            built = list(municipality_maps(layers, d, catalog=catalog, municipalities=municipalities,
                                           variants=variants, analysed_classes=analysed_classes).values())
        else:
            built = [build_map(layers, d, catalog=catalog, variants=variants, analysed_classes=analysed_classes)]
        for wm in built:
            file_name = names.claim(f"{prefix}{wm.definition.name}.html")
            wm.file_name = file_name
            target = path_for(file_name) if path_for is not None else out / file_name
            written.append((write_map(wm, target), wm))
    return written
