"""Consultation map definitions: editable TOML files that say what a web map shows and how.

The standard definitions live in the repository's ``maps/`` folder (installed with the package,
see :func:`wlr_geo.catalog.embedded_maps_dir`): ``overzicht.toml``, ``gemeente.toml`` (a template
instantiated per municipality), ``ondergrond.toml``, ``aanlanding.toml`` and
``ruimteclaims.toml``. Users change colours, labels, popups and start-up visibility there without
touching Python.

A definition file looks like this::

    title = "Overzicht WarmtelinQ+ in de Leidse regio"
    basemap = "brt_grijs"

    [[search]]
    role = "municipalities"
    field = "gm_naam"

    [[group]]
    name = "Tracé en varianten"
    show = true

      [[group.layer]]
      role = "route"                 # key of the layer in the mapping given to build_map
      label = "Tracé (indicatief)"
      category = "variant"           # style by this column (optional)
      style = { color = "#c0392b", weight = 4 }
      popup = { variant = "Variant", length_m = "Lengte (m)" }
      tooltip = "variant"
      chainage_interval_m = 1000

      [group.layer.categories]
      A = { label = "Variant A", color = "#c0392b" }

Every key is checked: an unknown key, group name, basemap or malformed colour raises
:class:`~wlr_geo.ConfigError` naming the file and listing what is allowed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from wlr_geo._errors import ConfigError, Problem
from wlr_geo._toml import read_toml
from wlr_geo.catalog import embedded_maps_dir
from wlr_geo.present.styles import THEMA_COLOURS, THEMA_LABELS_NL

__all__ = [
    "BASEMAPS",
    "GROUP_NAMES",
    "IMKL_THEMA_COLOURS",
    "IMPACT_CATEGORY_COLOURS",
    "STANDARD_MAPS",
    "CategoryStyle",
    "GroupDef",
    "LayerDef",
    "MapDefinition",
    "SearchDef",
    "Style",
    "instantiate_for_municipality",
    "load_map_definition",
    "load_standard_definitions",
    "map_definition_from_dict",
    "palette_entries",
    "thema_colours",
]

#: The Dutch layer-group names of the consultation maps (issue 7), in layer-control order.
GROUP_NAMES: tuple[str, ...] = (
    "Tracé en varianten",
    "Werkstrook",
    "Kruisingen",
    "Ondergrond per thema",
    "Ruimteclaims",
    "Aanlandingsopties",
    "Gemeenten en wijken",
)

#: Base maps a definition may name (keys); the tile URLs live in :mod:`wlr_geo.present.webmap.basemaps`.
BASEMAPS: tuple[str, ...] = ("brt_standaard", "brt_grijs", "luchtfoto", "osm")

#: File stems of the standard definitions in ``maps/``.
STANDARD_MAPS: tuple[str, ...] = ("overzicht", "gemeente", "ondergrond", "aanlanding", "ruimteclaims")

#: IMKL thema → line colour: the one table, :data:`wlr_geo.present.styles.THEMA_COLOURS` (WION
#: "Kleurgebruik per thema"). A definition's own ``[categories]`` always win.
IMKL_THEMA_COLOURS: dict[str, str] = dict(THEMA_COLOURS)

#: Impact category (:mod:`wlr_geo.categories`) → colour for crossings and impact layers.
IMPACT_CATEGORY_COLOURS: dict[str, str] = {
    "motorway": "#e31a1c",
    "regional_road": "#fd8d3c",
    "local_road": "#fdae6b",
    "cycle_path": "#c51b8a",
    "footpath": "#fa9fb5",
    "rail": "#252525",
    "major_water": "#08519c",
    "minor_water": "#6baed6",
    "building": "#7f2704",
    "green": "#41ab5d",
    "paved": "#969696",
    "nature": "#006d2c",
    "bare": "#d9c08c",
    "structure": "#6a51a3",
    "cable_pipe": "#ff7f00",
    "other": "#bdbdbd",
}

_COLOUR = re.compile(r"^(#[0-9a-fA-F]{3}|#[0-9a-fA-F]{6}|#[0-9a-fA-F]{8}|[a-zA-Z]{3,24})$")
_DASH = re.compile(r"^[0-9 ,.]{0,40}$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,80}$")

_TOP_KEYS = {
    "title", "description", "basemap", "basemaps", "fit", "zoom_start", "min_zoom", "max_zoom",
    "heavy_threshold", "warn_threshold", "detail_zoom", "per_municipality", "municipality_role",
    "municipality_field", "group", "search", "minimap", "measure", "fullscreen",
}
_GROUP_KEYS = {"name", "show", "layer"}
_LAYER_KEYS = {
    "role", "label", "catalog", "category", "palette", "categories", "style", "popup", "tooltip",
    "lazy", "min_zoom", "chainage_interval_m", "indicative", "required", "simplify_m",
}
_STYLE_KEYS = {"color", "weight", "opacity", "fill_color", "fill_opacity", "radius", "dash_array"}
_CATEGORY_KEYS = {"label", *_STYLE_KEYS}
_SEARCH_KEYS = {"role", "field", "label"}
_PALETTES = ("imkl_thema", "impact_category")


def thema_colours() -> dict[str, tuple[str, str]]:
    """IMKL thema → (colour, Dutch label), from :mod:`wlr_geo.present.styles`."""
    return {k: (v, THEMA_LABELS_NL.get(k, k)) for k, v in THEMA_COLOURS.items()}


def palette_entries(palette: str) -> dict[str, tuple[str, str]]:
    """Value → (colour, Dutch label) of a named palette (``imkl_thema``, ``impact_category``)."""
    if palette == "imkl_thema":
        return thema_colours()
    if palette == "impact_category":
        from wlr_geo.categories import label_nl

        return {k: (v, label_nl(k)) for k, v in IMPACT_CATEGORY_COLOURS.items()}
    raise ConfigError(f"unknown palette {palette!r}", hint=f"use one of {', '.join(_PALETTES)}")


@dataclass(frozen=True)
class Style:
    """Leaflet path style. Colours are ``#rgb``/``#rrggbb`` or a CSS colour name."""

    color: str = "#3388ff"
    weight: float = 2.0
    opacity: float = 1.0
    fill_color: str | None = None
    fill_opacity: float = 0.25
    radius: float = 5.0
    dash_array: str | None = None

    def merged(self, other: Mapping[str, Any]) -> Style:
        """A copy with the keys of ``other`` (a checked style table) applied."""
        return replace(self, **{k: v for k, v in other.items() if k in _STYLE_KEYS})

    def to_leaflet(self) -> dict[str, Any]:
        """Leaflet path options (camelCase)."""
        opts: dict[str, Any] = {
            "color": self.color,
            "weight": self.weight,
            "opacity": self.opacity,
            "fillColor": self.fill_color or self.color,
            "fillOpacity": self.fill_opacity,
            "radius": self.radius,
        }
        if self.dash_array:
            opts["dashArray"] = self.dash_array
        if self.fill_opacity == 0:
            opts["fill"] = False  # outline only: clicks inside reach the layers below
        return opts


@dataclass(frozen=True)
class CategoryStyle:
    """Style and legend label of one value of a layer's category column."""

    value: str
    label: str
    style: Style


@dataclass(frozen=True)
class LayerDef:
    """One data layer inside a group.

    ``role`` is the key of the GeoDataFrame in the mapping given to
    :func:`wlr_geo.present.webmap.build_map`; ``popup`` maps column → Dutch label (in order);
    ``lazy=None`` means "lazy when the layer has more features than the map's heavy threshold".
    """

    role: str
    label: str
    style: Style = field(default_factory=Style)
    catalog: str | None = None
    category: str | None = None
    palette: str | None = None
    categories: tuple[CategoryStyle, ...] = ()
    popup: tuple[tuple[str, str], ...] = ()
    tooltip: str | None = None
    lazy: bool | None = None
    min_zoom: int = 0
    chainage_interval_m: float | None = None
    indicative: bool | None = None
    required: bool = False
    simplify_m: float | None = None


@dataclass(frozen=True)
class GroupDef:
    """A layer group: one entry of the layer control."""

    name: str
    show: bool
    layers: tuple[LayerDef, ...]


@dataclass(frozen=True)
class SearchDef:
    """A search source: features of ``role`` findable by the text in ``field``."""

    role: str
    field: str
    label: str = ""


@dataclass(frozen=True)
class MapDefinition:
    """A complete consultation-map definition (see the module docstring for the TOML form)."""

    name: str
    title: str
    groups: tuple[GroupDef, ...]
    description: str = ""
    basemap: str = "brt_grijs"
    basemaps: tuple[str, ...] = BASEMAPS
    fit: tuple[str, ...] = ()
    zoom_start: int | None = None
    min_zoom: int = 7
    max_zoom: int = 19
    heavy_threshold: int = 5_000
    warn_threshold: int = 10_000
    detail_zoom: int = 18
    per_municipality: bool = False
    municipality_role: str = "municipalities"
    municipality_field: str = "gm_naam"
    search: tuple[SearchDef, ...] = ()
    minimap: bool = True
    measure: bool = True
    fullscreen: bool = True
    source: str | None = None

    @property
    def roles(self) -> list[str]:
        """Every layer role the definition uses, in order, each once."""
        out: list[str] = []
        for g in self.groups:
            for lyr in g.layers:
                if lyr.role not in out:
                    out.append(lyr.role)
        return out


def _check_keys(table: Mapping[str, Any], allowed: set[str], where: str, src: str | None, problems: list[Problem]) -> None:
    extra = sorted(set(table) - allowed)
    if extra:
        problems.append(Problem(
            f"{where} has unknown key(s) {', '.join(extra)}", source=src,
            hint=f"allowed keys: {', '.join(sorted(allowed))}",
        ))


def _style(table: Any, where: str, src: str | None, problems: list[Problem], base: Style | None = None) -> Style:
    base = base or Style()
    if table is None:
        return base
    if not isinstance(table, dict):
        problems.append(Problem(f"{where} must be a table such as {{ color = \"#ff0000\" }}", source=src))
        return base
    _check_keys(table, _STYLE_KEYS if where.endswith("style") else _CATEGORY_KEYS, where, src, problems)
    clean: dict[str, Any] = {}
    for key in ("color", "fill_color"):
        if key in table:
            value = table[key]
            if not isinstance(value, str) or not _COLOUR.match(value):
                problems.append(Problem(
                    f"{where}.{key} = {value!r} is not a colour", source=src,
                    hint="write a hex colour such as \"#1f78b4\" or a CSS name such as \"red\"",
                ))
            else:
                clean[key] = value
    for key in ("weight", "opacity", "fill_opacity", "radius"):
        if key in table:
            value = table[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                problems.append(Problem(f"{where}.{key} = {value!r} must be a number ≥ 0", source=src))
            elif key.endswith("opacity") and value > 1:
                problems.append(Problem(f"{where}.{key} = {value!r} must be between 0 and 1", source=src))
            else:
                clean[key] = float(value)
    if "dash_array" in table:
        value = table["dash_array"]
        if not isinstance(value, str) or not _DASH.match(value):
            problems.append(Problem(f"{where}.dash_array = {value!r} must look like \"6 4\"", source=src))
        else:
            clean["dash_array"] = value
    return base.merged(clean)


def _parse_layer(table: Any, where: str, src: str | None, problems: list[Problem]) -> LayerDef | None:
    if not isinstance(table, dict):
        problems.append(Problem(f"{where} must be a table", source=src))
        return None
    _check_keys(table, _LAYER_KEYS, where, src, problems)
    role = table.get("role")
    if not isinstance(role, str) or not _IDENT.match(role):
        problems.append(Problem(f"{where} needs role = \"name\" (the layer's key)", source=src,
                                hint="e.g. role = \"route\""))
        return None
    style = _style(table.get("style"), f"{where}.style", src, problems)
    palette = table.get("palette")
    if palette is not None and palette not in _PALETTES:
        problems.append(Problem(f"{where}.palette = {palette!r} is unknown", source=src,
                                hint=f"use one of {', '.join(_PALETTES)}"))
        palette = None
    cats: list[CategoryStyle] = []
    raw_cats = table.get("categories", {})
    if not isinstance(raw_cats, dict):
        problems.append(Problem(f"{where}.categories must be a table of value = {{ label, color }}", source=src))
        raw_cats = {}
    for value, ctable in raw_cats.items():
        cstyle = _style(ctable, f"{where}.categories.{value}", src, problems, base=style)
        label = ctable.get("label", value) if isinstance(ctable, dict) else value
        cats.append(CategoryStyle(value=str(value), label=str(label), style=cstyle))
    category = table.get("category")
    if (cats or palette) and not category:
        problems.append(Problem(f"{where} has categories/palette but no category column", source=src,
                                hint="add category = \"column_name\""))
    popup_raw = table.get("popup", {})
    if not isinstance(popup_raw, dict) or not all(isinstance(v, str) for v in popup_raw.values()):
        problems.append(Problem(f"{where}.popup must map column = \"Dutch label\"", source=src))
        popup_raw = {}
    min_zoom = table.get("min_zoom", 0)
    if isinstance(min_zoom, bool) or not isinstance(min_zoom, int) or not 0 <= min_zoom <= 22:
        problems.append(Problem(f"{where}.min_zoom = {min_zoom!r} must be a whole number 0–22", source=src))
        min_zoom = 0
    chain = table.get("chainage_interval_m")
    if chain is not None and (isinstance(chain, bool) or not isinstance(chain, int | float) or chain <= 0):
        problems.append(Problem(f"{where}.chainage_interval_m must be a positive number of metres", source=src))
        chain = None
    simplify = table.get("simplify_m")
    if simplify is not None and (isinstance(simplify, bool) or not isinstance(simplify, int | float) or simplify < 0):
        problems.append(Problem(f"{where}.simplify_m must be a number of metres ≥ 0", source=src))
        simplify = None
    for key in ("lazy", "indicative", "required"):
        if key in table and not isinstance(table[key], bool):
            problems.append(Problem(f"{where}.{key} must be true or false", source=src))
    return LayerDef(
        role=role,
        label=str(table.get("label", role)),
        style=style,
        catalog=table.get("catalog"),
        category=category,
        palette=palette,
        categories=tuple(cats),
        popup=tuple((str(k), str(v)) for k, v in popup_raw.items()),
        tooltip=table.get("tooltip"),
        lazy=table.get("lazy") if isinstance(table.get("lazy"), bool) else None,
        min_zoom=min_zoom,
        chainage_interval_m=float(chain) if chain is not None else None,
        indicative=table.get("indicative") if isinstance(table.get("indicative"), bool) else None,
        required=bool(table.get("required", False)),
        simplify_m=float(simplify) if simplify is not None else None,
    )


def map_definition_from_dict(data: Mapping[str, Any], *, name: str = "kaart", source: str | None = None) -> MapDefinition:
    """Build and validate a :class:`MapDefinition` from a parsed TOML document.

    Raises
    ------
    ConfigError
        Listing every problem found (unknown keys, unknown group names or base maps, bad colours).
    """
    problems: list[Problem] = []
    _check_keys(data, _TOP_KEYS, "the map definition", source, problems)
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.append(Problem("the map definition needs a title", source=source, hint="add title = \"...\""))
        title = name
    groups: list[GroupDef] = []
    raw_groups = data.get("group", [])
    if not isinstance(raw_groups, list) or not raw_groups:
        problems.append(Problem("the map definition has no [[group]] tables", source=source,
                                hint="add at least one [[group]] with name and [[group.layer]]"))
        raw_groups = []
    seen: set[str] = set()
    for i, g in enumerate(raw_groups):
        where = f"[[group]] #{i + 1}"
        if not isinstance(g, dict):
            problems.append(Problem(f"{where} must be a table", source=source))
            continue
        _check_keys(g, _GROUP_KEYS, where, source, problems)
        gname = g.get("name")
        if gname not in GROUP_NAMES:
            problems.append(Problem(
                f"{where} has unknown group name {gname!r}", source=source,
                hint=f"use one of: {', '.join(GROUP_NAMES)}",
            ))
            continue
        if gname in seen:
            problems.append(Problem(f"group {gname!r} appears twice", source=source,
                                    hint="put all its layers in one [[group]]"))
            continue
        seen.add(gname)
        show = g.get("show", True)
        if not isinstance(show, bool):
            problems.append(Problem(f"{where}.show must be true or false", source=source))
            show = True
        raw_layers = g.get("layer", [])
        if not isinstance(raw_layers, list) or not raw_layers:
            problems.append(Problem(f"group {gname!r} has no [[group.layer]]", source=source))
            continue
        layers = [
            lyr for j, t in enumerate(raw_layers)
            if (lyr := _parse_layer(t, f"group {gname!r} layer #{j + 1}", source, problems)) is not None
        ]
        groups.append(GroupDef(name=gname, show=show, layers=tuple(layers)))
    basemap = data.get("basemap", "brt_grijs")
    basemaps = data.get("basemaps", list(BASEMAPS))
    if not isinstance(basemaps, list) or any(b not in BASEMAPS for b in basemaps) or not basemaps:
        problems.append(Problem(f"basemaps = {basemaps!r} names an unknown base map", source=source,
                                hint=f"use some of: {', '.join(BASEMAPS)}"))
        basemaps = list(BASEMAPS)
    if basemap not in basemaps:
        problems.append(Problem(f"basemap = {basemap!r} is not one of the map's base maps", source=source,
                                hint=f"use one of: {', '.join(basemaps)}"))
        basemap = basemaps[0]
    searches: list[SearchDef] = []
    for i, s in enumerate(data.get("search", []) if isinstance(data.get("search", []), list) else []):
        where = f"[[search]] #{i + 1}"
        if not isinstance(s, dict) or not isinstance(s.get("role"), str) or not isinstance(s.get("field"), str):
            problems.append(Problem(f"{where} needs role and field", source=source))
            continue
        _check_keys(s, _SEARCH_KEYS, where, source, problems)
        searches.append(SearchDef(role=s["role"], field=s["field"], label=str(s.get("label", ""))))
    ints: dict[str, int] = {}
    for key, default, lo, hi in (
        ("min_zoom", 7, 0, 22), ("max_zoom", 19, 0, 22), ("heavy_threshold", 5_000, 1, 10**9),
        ("warn_threshold", 10_000, 1, 10**9), ("detail_zoom", 18, 0, 22),
    ):
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            problems.append(Problem(f"{key} = {value!r} must be a whole number {lo}–{hi}", source=source))
            value = default
        ints[key] = value
    zoom_start = data.get("zoom_start")
    if zoom_start is not None and (isinstance(zoom_start, bool) or not isinstance(zoom_start, int)):
        problems.append(Problem("zoom_start must be a whole number", source=source))
        zoom_start = None
    fit = data.get("fit", [])
    if isinstance(fit, str):
        fit = [fit]
    if not isinstance(fit, list) or not all(isinstance(f, str) for f in fit):
        problems.append(Problem("fit must be a list of layer roles", source=source))
        fit = []
    flags: dict[str, bool] = {}
    for key, default in (("per_municipality", False), ("minimap", True), ("measure", True), ("fullscreen", True)):
        value = data.get(key, default)
        if not isinstance(value, bool):
            problems.append(Problem(f"{key} must be true or false", source=source))
            value = default
        flags[key] = value
    if problems:
        raise ConfigError(problems=problems)
    return MapDefinition(
        name=name,
        title=title,
        groups=tuple(groups),
        description=str(data.get("description", "")),
        basemap=basemap,
        basemaps=tuple(basemaps),
        fit=tuple(fit),
        zoom_start=zoom_start,
        search=tuple(searches),
        municipality_role=str(data.get("municipality_role", "municipalities")),
        municipality_field=str(data.get("municipality_field", "gm_naam")),
        source=source,
        min_zoom=ints["min_zoom"],
        max_zoom=ints["max_zoom"],
        heavy_threshold=ints["heavy_threshold"],
        warn_threshold=ints["warn_threshold"],
        detail_zoom=ints["detail_zoom"],
        per_municipality=flags["per_municipality"],
        minimap=flags["minimap"],
        measure=flags["measure"],
        fullscreen=flags["fullscreen"],
    )


def load_map_definition(path: str | os.PathLike[str]) -> MapDefinition:
    """Load and validate one map-definition TOML file.

    A bare name such as ``"overzicht"`` loads the standard definition of that name.

    Raises
    ------
    ConfigError
        The file is missing, not TOML, or its content is invalid (all problems listed).
    """
    p = Path(path)
    if not p.exists() and p.suffix == "" and str(path) in STANDARD_MAPS:
        p = embedded_maps_dir() / f"{path}.toml"
    if not p.is_file():
        raise ConfigError("the map definition file does not exist", source=str(p),
                          hint=f"check the path, or use one of the standard maps: {', '.join(STANDARD_MAPS)}")
    data = read_toml(p, what="map definition")
    return map_definition_from_dict(data, name=p.stem, source=str(p))


def load_standard_definitions(folder: str | os.PathLike[str] | None = None) -> dict[str, MapDefinition]:
    """All standard definitions (``maps/*.toml``) by file stem."""
    base = Path(folder) if folder is not None else embedded_maps_dir()
    return {p.stem: load_map_definition(p) for p in sorted(base.glob("*.toml"))}


def instantiate_for_municipality(definition: MapDefinition, municipality: str) -> MapDefinition:
    """The per-municipality copy of a template (``{gemeente}`` in title/description replaced)."""
    safe = re.sub(r"[^A-Za-z0-9]+", "_", municipality).strip("_").lower() or "gemeente"
    return replace(
        definition,
        name=f"{definition.name}_{safe}",
        title=definition.title.replace("{gemeente}", municipality),
        description=definition.description.replace("{gemeente}", municipality),
        per_municipality=False,
    )
