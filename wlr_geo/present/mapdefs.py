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
      symbol = "route"               # a named symbol of wlr_geo.present.styles.SYMBOLS
      category = "variant"           # style by this column (optional) …
      palette = "variant"            # … with a palette of wlr_geo.present.styles.PALETTES
      style = { weight = 5 }         # changes to the symbol (optional)
      popup = { variant = "Variant", length_m = "Lengte (m)" }
      formats = { length_m = "number1" }   # optional; default from the column name
      tooltip = "variant"
      chainage = true                # kilometre labels (from the "markers" layer)

      [group.layer.categories]       # optional: own colours/labels for some values
      "Variant A" = { label = "Voorkeursvariant", color = "#c0392b" }

Colours, dashes, markers and Dutch labels come from the one style source
(:mod:`wlr_geo.present.styles`): a layer names a ``symbol`` and a ``palette``; ``style`` and
``[categories]`` change them for one map only. Popup values are formatted by
:mod:`wlr_geo.present.format` (years without separator, ``chainage_m`` as "km 1,2", codes such as
``facility_type`` by their Dutch label).

Other layer keys: ``highlight_role`` and ``highlight_key`` (clicking a feature draws the feature
of layer ``highlight_role`` with the same ``highlight_key`` values, e.g. the object a crossing
crosses), ``chainage_interval_m`` (marker spacing when no markers layer is given),
``min_zoom``, ``lazy``, ``indicative``, ``required``, ``simplify_m``, ``catalog``.

Every key is checked: an unknown key, group name, basemap, symbol, palette, format or
malformed colour raises :class:`~wlr_geo.ConfigError` naming the file and listing what is allowed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from wlr_geo._errors import ConfigError, Problem
from wlr_geo._nl import nl
from wlr_geo._toml import read_toml
from wlr_geo.catalog import embedded_maps_dir
from wlr_geo.present import styles as _styles
from wlr_geo.present.format import FORMATS
from wlr_geo.present.styles import MARKERS, PALETTES, Style

__all__ = [
    "BASEMAPS",
    "EXAMPLE_MAPS",
    "GROUP_NAMES",
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

#: The Dutch layer-group names of the consultation maps (issue 7; "Bovengrond per soort" for BGT
#: objects, issue 18), in layer-control order.
GROUP_NAMES: tuple[str, ...] = (
    "Tracé en varianten",
    "Werkstrook",
    "Kruisingen",
    "Ondergrond per thema",
    "Bovengrond per soort",
    "Ruimteclaims",
    "Aanlandingsopties",
    "Gemeenten en wijken",
)

#: Base maps a definition may name (keys); the tile URLs live in :mod:`wlr_geo.present.webmap.basemaps`.
BASEMAPS: tuple[str, ...] = ("brt_standaard", "brt_grijs", "luchtfoto", "osm")

#: File stems of the standard definitions in ``maps/`` (what ``wlr-geo map`` writes by default).
STANDARD_MAPS: tuple[str, ...] = ("overzicht", "gemeente", "ondergrond", "aanlanding", "ruimteclaims")

#: Definitions in ``maps/`` for the demo's real KLIC and BGT examples (``ondergrond/`` and
#: ``bovengrond/`` outputs); loaded by name, not part of the standard set.
EXAMPLE_MAPS: tuple[str, ...] = ("ondergrond_voorbeeld", "bovengrond_voorbeeld")

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
    "lazy", "min_zoom", "chainage_interval_m", "indicative", "required", "simplify_m", "symbol",
    "formats", "chainage", "highlight_role", "highlight_key",
}
_STYLE_KEYS = {"color", "weight", "opacity", "fill_color", "fill_opacity", "radius", "dash_array", "marker"}
_CATEGORY_KEYS = {"label", *_STYLE_KEYS}
_SEARCH_KEYS = {"role", "field", "label"}


def thema_colours() -> dict[str, tuple[str, str]]:
    """IMKL thema → (colour, Dutch label): the ``imkl_thema`` palette of the style source."""
    return palette_entries("imkl_thema")


def palette_entries(palette: str) -> dict[str, tuple[str, str]]:
    """Value → (colour, Dutch label) of a named palette of :mod:`wlr_geo.present.styles`.

    Raises
    ------
    ConfigError
        The palette does not exist (or is the open ``variant`` palette, which has no values).
    """
    if palette not in PALETTES or palette == "variant":
        raise ConfigError(f"onbekend palet {palette!r}", hint=f"gebruik een van: {', '.join(PALETTES)}")
    pal = _styles.palette(palette)
    return {e.value: (e.color, e.label) for e in pal.entries if e.value is not None}


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
    ``formats`` column → a format of :data:`wlr_geo.present.format.FORMATS`;
    ``lazy=None`` means "lazy when the layer has more features than the map's heavy threshold".
    ``style`` is the named ``symbol`` with the definition's own ``style`` changes applied.
    """

    role: str
    label: str
    style: Style = field(default_factory=Style)
    symbol: str | None = None
    formats: tuple[tuple[str, str], ...] = ()
    chainage: bool = False
    highlight_role: str | None = None
    highlight_key: tuple[str, ...] = ()
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
    def layer_roles(self) -> list[str]:
        """The roles of the layers the definition draws, in order, each once."""
        out: list[str] = []
        for g in self.groups:
            for lyr in g.layers:
                if lyr.role not in out:
                    out.append(lyr.role)
        return out

    @property
    def roles(self) -> list[str]:
        """Every role the definition uses: :attr:`layer_roles`, then :attr:`helper_roles`."""
        out = self.layer_roles
        return out + [r for r in self.helper_roles if r not in out]

    @property
    def helper_roles(self) -> list[str]:
        """Roles the map uses but does not draw as a layer: ``markers`` (chainage labels of a
        ``chainage = true`` layer) and every ``highlight_role`` (e.g. ``crossed_objects``)."""
        out: list[str] = []
        for g in self.groups:
            for lyr in g.layers:
                for role in (("markers",) if lyr.chainage else ()) + ((lyr.highlight_role,) if lyr.highlight_role else ()):
                    if role not in out:
                        out.append(role)
        return out


def _check_keys(table: Mapping[str, Any], allowed: set[str], where: str, src: str | None, problems: list[Problem]) -> None:
    extra = sorted(set(table) - allowed)
    if extra:
        problems.append(Problem(
            f"{where} heeft onbekende sleutel(s) {', '.join(extra)}", source=src,
            hint=f"gebruik alleen de toegestane sleutels: {', '.join(sorted(allowed))}",
        ))


def _style(table: Any, where: str, src: str | None, problems: list[Problem], base: Style | None = None) -> Style:
    base = base or Style()
    if table is None:
        return base
    if not isinstance(table, dict):
        problems.append(Problem(f"{where} moet een tabel zijn, zoals {{ color = \"#ff0000\" }}", source=src))
        return base
    _check_keys(table, _STYLE_KEYS if where.endswith("style") else _CATEGORY_KEYS, where, src, problems)
    clean: dict[str, Any] = {}
    for key in ("color", "fill_color"):
        if key in table:
            value = table[key]
            if not isinstance(value, str) or not _COLOUR.match(value):
                problems.append(Problem(
                    f"{where}.{key} = {value!r} is geen kleur", source=src,
                    hint="schrijf een hexkleur zoals \"#1f78b4\" of een CSS-naam zoals \"red\"",
                ))
            else:
                clean[key] = value
    for key in ("weight", "opacity", "fill_opacity", "radius"):
        if key in table:
            value = table[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                problems.append(Problem(f"{where}.{key} = {value!r} moet een getal ≥ 0 zijn", source=src))
            elif key.endswith("opacity") and value > 1:
                problems.append(Problem(f"{where}.{key} = {value!r} moet tussen 0 en 1 liggen", source=src))
            else:
                clean[key] = float(value)
    if "dash_array" in table:
        value = table["dash_array"]
        if not isinstance(value, str) or not _DASH.match(value):
            problems.append(Problem(f"{where}.dash_array = {value!r} moet eruitzien als \"6 4\"", source=src))
        else:
            clean["dash_array"] = value or None
    if "marker" in table:
        value = table["marker"]
        if value not in MARKERS:
            problems.append(Problem(f"{where}.marker = {value!r} is onbekend", source=src,
                                    hint=f"gebruik een van: {', '.join(MARKERS)}"))
        else:
            clean["marker"] = value
    return base.merged(clean)


def _parse_layer(table: Any, where: str, src: str | None, problems: list[Problem]) -> LayerDef | None:
    if not isinstance(table, dict):
        problems.append(Problem(f"{where} moet een tabel zijn", source=src))
        return None
    _check_keys(table, _LAYER_KEYS, where, src, problems)
    role = table.get("role")
    if not isinstance(role, str) or not _IDENT.match(role):
        problems.append(Problem(f"{where} mist role = \"naam\" (de sleutel van de laag)", source=src,
                                hint="geef bijvoorbeeld role = \"route\""))
        return None
    symbol = table.get("symbol")
    base = Style()
    if symbol is not None:
        if symbol not in _styles.SYMBOLS:
            problems.append(Problem(f"{where}.symbol = {symbol!r} is onbekend", source=src,
                                    hint=f"gebruik een van: {', '.join(_styles.SYMBOLS)}"))
            symbol = None
        else:
            base = _styles.symbol(symbol)
    style = _style(table.get("style"), f"{where}.style", src, problems, base=base)
    palette = table.get("palette")
    if palette is not None and palette not in PALETTES:
        problems.append(Problem(f"{where}.palette = {palette!r} is onbekend", source=src,
                                hint=f"gebruik een van: {', '.join(PALETTES)}"))
        palette = None
    cats: list[CategoryStyle] = []
    raw_cats = table.get("categories", {})
    if not isinstance(raw_cats, dict):
        problems.append(Problem(f"{where}.categories moet een tabel zijn van waarde = {{ label, color }}", source=src))
        raw_cats = {}
    for value, ctable in raw_cats.items():
        cstyle = _style(ctable, f"{where}.categories.{value}", src, problems, base=style)
        label = ctable.get("label", value) if isinstance(ctable, dict) else value
        cats.append(CategoryStyle(value=str(value), label=str(label), style=cstyle))
    category = table.get("category")
    if (cats or palette) and not category:
        problems.append(Problem(f"{where} heeft categories/palette maar geen categoriekolom", source=src,
                                hint="voeg category = \"kolomnaam\" toe"))
    popup_raw = table.get("popup", {})
    if not isinstance(popup_raw, dict) or not all(isinstance(v, str) for v in popup_raw.values()):
        problems.append(Problem(f"{where}.popup moet kolom = \"Nederlands label\" zijn", source=src))
        popup_raw = {}
    min_zoom = table.get("min_zoom", 0)
    if isinstance(min_zoom, bool) or not isinstance(min_zoom, int) or not 0 <= min_zoom <= 22:
        problems.append(Problem(f"{where}.min_zoom = {min_zoom!r} moet een geheel getal van 0 tot en met 22 zijn",
                                source=src))
        min_zoom = 0
    chain = table.get("chainage_interval_m")
    if chain is not None and (isinstance(chain, bool) or not isinstance(chain, int | float) or chain <= 0):
        problems.append(Problem(f"{where}.chainage_interval_m moet een positief aantal meters zijn", source=src))
        chain = None
    simplify = table.get("simplify_m")
    if simplify is not None and (isinstance(simplify, bool) or not isinstance(simplify, int | float) or simplify < 0):
        problems.append(Problem(f"{where}.simplify_m moet een aantal meters ≥ 0 zijn", source=src))
        simplify = None
    for key in ("lazy", "indicative", "required", "chainage"):
        if key in table and not isinstance(table[key], bool):
            problems.append(Problem(f"{where}.{key} moet true of false zijn", source=src))
    formats_raw = table.get("formats", {})
    if not isinstance(formats_raw, dict):
        problems.append(Problem(f"{where}.formats moet kolom = \"formaat\" zijn", source=src))
        formats_raw = {}
    for col, fmt in formats_raw.items():
        if fmt not in FORMATS:
            problems.append(Problem(f"{where}.formats.{col} = {fmt!r} is onbekend", source=src,
                                    hint=f"gebruik een van: {', '.join(FORMATS)}"))
    hl_role = table.get("highlight_role")
    hl_key = table.get("highlight_key", [])
    if isinstance(hl_key, str):
        hl_key = [hl_key]
    if hl_role is not None and (not isinstance(hl_role, str) or not _IDENT.match(hl_role)):
        problems.append(Problem(f"{where}.highlight_role moet een laagrol zijn", source=src))
        hl_role = None
    if not isinstance(hl_key, list) or not all(isinstance(k, str) for k in hl_key) or (hl_role and not hl_key):
        problems.append(Problem(f"{where}.highlight_key moet de kolom(men) noemen die de twee lagen verbinden",
                                source=src, hint='geef bijvoorbeeld highlight_key = ["source_layer", "object_id"]'))
        hl_key = []
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
        symbol=symbol,
        formats=tuple((str(k), str(v)) for k, v in formats_raw.items() if v in FORMATS),
        chainage=bool(table.get("chainage", chain is not None)),
        highlight_role=hl_role,
        highlight_key=tuple(hl_key),
    )


def map_definition_from_dict(data: Mapping[str, Any], *, name: str = "kaart", source: str | None = None) -> MapDefinition:
    """Build and validate a :class:`MapDefinition` from a parsed TOML document.

    Raises
    ------
    ConfigError
        Listing every problem found (unknown keys, unknown group names or base maps, bad colours).
    """
    problems: list[Problem] = []
    _check_keys(data, _TOP_KEYS, "de kaartdefinitie", source, problems)
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.append(Problem("de kaartdefinitie heeft geen titel", source=source, hint="voeg title = \"...\" toe"))
        title = name
    groups: list[GroupDef] = []
    raw_groups = data.get("group", [])
    if not isinstance(raw_groups, list) or not raw_groups:
        problems.append(Problem("de kaartdefinitie heeft geen [[group]]-tabellen", source=source,
                                hint="voeg minstens één [[group]] met name en [[group.layer]] toe"))
        raw_groups = []
    seen: set[str] = set()
    for i, g in enumerate(raw_groups):
        where = f"[[group]] #{i + 1}"
        if not isinstance(g, dict):
            problems.append(Problem(f"{where} moet een tabel zijn", source=source))
            continue
        _check_keys(g, _GROUP_KEYS, where, source, problems)
        gname = g.get("name")
        if gname not in GROUP_NAMES:
            problems.append(Problem(
                f"{where} heeft onbekende groepsnaam {gname!r}", source=source,
                hint=f"gebruik een van: {', '.join(GROUP_NAMES)}",
            ))
            continue
        if gname in seen:
            problems.append(Problem(f"groep {gname!r} komt twee keer voor", source=source,
                                    hint="zet al haar lagen in één [[group]]"))
            continue
        seen.add(gname)
        show = g.get("show", True)
        if not isinstance(show, bool):
            problems.append(Problem(f"{where}.show moet true of false zijn", source=source))
            show = True
        raw_layers = g.get("layer", [])
        if not isinstance(raw_layers, list) or not raw_layers:
            problems.append(Problem(f"groep {gname!r} heeft geen [[group.layer]]", source=source))
            continue
        layers = [
            lyr for j, t in enumerate(raw_layers)
            if (lyr := _parse_layer(t, f"groep {gname!r} laag #{j + 1}", source, problems)) is not None
        ]
        groups.append(GroupDef(name=gname, show=show, layers=tuple(layers)))
    basemap = data.get("basemap", "brt_grijs")
    basemaps = data.get("basemaps", list(BASEMAPS))
    if not isinstance(basemaps, list) or any(b not in BASEMAPS for b in basemaps) or not basemaps:
        problems.append(Problem(f"basemaps = {basemaps!r} noemt een onbekende achtergrondkaart", source=source,
                                hint=f"kies uit: {', '.join(BASEMAPS)}"))
        basemaps = list(BASEMAPS)
    if basemap not in basemaps:
        problems.append(Problem(f"basemap = {basemap!r} is niet een van de achtergrondkaarten van de kaart",
                                source=source, hint=f"gebruik een van: {', '.join(basemaps)}"))
        basemap = basemaps[0]
    searches: list[SearchDef] = []
    for i, s in enumerate(data.get("search", []) if isinstance(data.get("search", []), list) else []):
        where = f"[[search]] #{i + 1}"
        if not isinstance(s, dict) or not isinstance(s.get("role"), str) or not isinstance(s.get("field"), str):
            problems.append(Problem(f"{where} mist role en field", source=source))
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
            problems.append(Problem(f"{key} = {value!r} moet een geheel getal van {nl(lo)} tot en met {nl(hi)} zijn",
                                    source=source))
            value = default
        ints[key] = value
    zoom_start = data.get("zoom_start")
    if zoom_start is not None and (isinstance(zoom_start, bool) or not isinstance(zoom_start, int)):
        problems.append(Problem("zoom_start moet een geheel getal zijn", source=source))
        zoom_start = None
    fit = data.get("fit", [])
    if isinstance(fit, str):
        fit = [fit]
    if not isinstance(fit, list) or not all(isinstance(f, str) for f in fit):
        problems.append(Problem("fit moet een lijst van laagrollen zijn", source=source))
        fit = []
    flags: dict[str, bool] = {}
    for key, default in (("per_municipality", False), ("minimap", True), ("measure", True), ("fullscreen", True)):
        value = data.get(key, default)
        if not isinstance(value, bool):
            problems.append(Problem(f"{key} moet true of false zijn", source=source))
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
    if not p.exists() and p.suffix == "" and str(path) in STANDARD_MAPS + EXAMPLE_MAPS:
        p = embedded_maps_dir() / f"{path}.toml"
    if not p.is_file():
        raise ConfigError("het kaartdefinitiebestand bestaat niet", source=str(p),
                          hint=f"controleer het pad, of gebruik een van de standaardkaarten: "
                               f"{', '.join(STANDARD_MAPS + EXAMPLE_MAPS)}")
    data = read_toml(p, what="map definition")
    return map_definition_from_dict(data, name=p.stem, source=str(p))


def load_standard_definitions(folder: str | os.PathLike[str] | None = None) -> dict[str, MapDefinition]:
    """The standard definitions by file stem: :data:`STANDARD_MAPS` from ``maps/``, or every
    ``*.toml`` of ``folder``."""
    if folder is None:
        base = embedded_maps_dir()
        return {name: load_map_definition(base / f"{name}.toml") for name in STANDARD_MAPS}
    return {p.stem: load_map_definition(p) for p in sorted(Path(folder).glob("*.toml"))}


def instantiate_for_municipality(definition: MapDefinition, municipality: str) -> MapDefinition:
    """The per-municipality copy of a template (``{gemeente}`` in title/description replaced).

    Its name is ``<template>_<safe name>`` (:func:`wlr_geo.present.filenames.safe_stem`:
    ASCII, bounded); two municipalities may get the same name, which
    :func:`wlr_geo.present.webmap.write_maps` resolves with a suffix.
    """
    from wlr_geo.present.filenames import safe_stem

    return replace(
        definition,
        name=f"{definition.name}_{safe_stem(municipality)}",
        title=definition.title.replace("{gemeente}", municipality),
        description=definition.description.replace("{gemeente}", municipality),
        per_municipality=False,
    )
