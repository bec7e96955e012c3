"""Project configuration (TOML), read once into typed options, and the layers it names.

A config file has a ``[project]`` table, a ``[layers]`` table that maps *roles* (``route``,
``municipalities``, ``wijken``, ``cables``, ...) to layer references, and one table per analysis
(``[route]``, ``[strips]``, ``[impact]``, ``[crossing_rules]``, ``[claims]``, ``[landing]``,
``[routing]``, ``[maps]``, ``[scale]``, ``[fetch]``).

:func:`load_config` reads the file once and checks all of it before any command runs: unknown
sections, roles and keys (each with the nearest valid name), types (booleans are booleans),
numbers (finite and in range: widths > 0 and below 1 km, distances ≥ 0, spacings > 0), CRS names
and encodings. Every problem is reported together. The result is a :class:`ProjectConfig` whose
:attr:`~ProjectConfig.options` hold frozen option dataclasses — :class:`~wlr_geo.analysis.route.options.RouteOptions`,
:class:`~wlr_geo.analysis.route.strips.StripSpec`, :class:`~wlr_geo.analysis.impact.run.ImpactOptions`,
:class:`~wlr_geo.analysis.claims.footprints.ClaimsOptions`,
:class:`~wlr_geo.analysis.landing.criteria.LandingOptions`,
:class:`~wlr_geo.analysis.routing.options.RoutingOptions`, :class:`MapOptions`,
:class:`~wlr_geo.analysis.scale.chunks.ScaleOptions`, :class:`FetchOptions` — each field with its
type, default, unit, range and help (:func:`wlr_geo._options.describe`).

A layer reference is a table with either ``catalog = "name"`` (a layer of the catalogue) or
``file = "path"`` (relative to the config file's folder; ``embedded:`` prefix = the embedded
data folder) plus the keys of :class:`LayerOptions`. A role may hold an array of such tables.
``[project] catalogs = [...]`` adds catalogue files (such as the ``catalog.toml`` written by
``wlr-geo fetch``) to the embedded catalogue, so ``catalog = "wijken"`` can name a fetched layer;
a catalogue entry's ``id_column`` is the default of a reference to it.
Layers are read through :class:`Inputs` (one reader dispatch, :mod:`wlr_geo.io.dispatch`), which
collects every problem of every layer so that ``wlr-geo validate`` and a run report the same.

Example::

    [project]
    name = "Demo"

    [layers.municipalities]
    catalog = "municipalities"

    [layers.route]
    file = "route.gpkg"
    layer = "route"
    reverse = false
"""

from __future__ import annotations

import codecs
import logging
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd

from wlr_geo._errors import ConfigError, Problem, WlrGeoInputError
from wlr_geo._nl import nl
from wlr_geo._options import (
    MAX_DISTANCE_M,
    MAX_WIDTH_M,
    OptionMeta,
    coerce,
    field_problems,
    object_problems,
    option,
    option_fields,
    raise_problems,
)
from wlr_geo._toml import nearest, read_toml, unknown_keys
from wlr_geo.analysis.claims.footprints import (
    ClaimsOptions,
    load_claim_templates,
    load_klic_protection_widths,
)
from wlr_geo.analysis.crossings.rules import RuleTable, load_rules
from wlr_geo.analysis.impact.run import ImpactOptions
from wlr_geo.analysis.landing.criteria import LandingOptions, criteria_from_config
from wlr_geo.analysis.route.options import RouteOptions
from wlr_geo.analysis.route.strips import DEFAULT_FOOTPRINTS_M, StripOverride, StripSpec
from wlr_geo.analysis.routing.options import RoutingOptions
from wlr_geo.analysis.scale.chunks import ScaleOptions
from wlr_geo.catalog import Catalog, embedded_dir, load_catalog, load_catalogs
from wlr_geo.categories import CATEGORIES, assign_category
from wlr_geo.io.dispatch import FORMATS, read_source, sniff_format

__all__ = [
    "CLI_OPTIONS",
    "ROLES",
    "SECTIONS",
    "FetchOptions",
    "Inputs",
    "LayerOptions",
    "LayerRef",
    "MapOptions",
    "Options",
    "ProjectConfig",
    "ProjectOptions",
    "check_cli",
    "config_from_dict",
    "load_config",
    "parse_section",
    "read_ref",
    "read_role",
    "validate_config",
]

log = logging.getLogger("wlr_geo")


# ------------------------------------------------------------------------------- option classes
@dataclass(frozen=True)
class ProjectOptions:
    """The ``[project]`` section: what the project is called (shown on maps and in the report)."""

    name: str = option("wlr_geo project", help="Project name, shown in reports and on maps.")
    region: str | None = option(None, help="Region the project covers.")
    description: str | None = option(None, help="A line about the project.")
    catalogs: tuple[str, ...] = option(
        (), help="Catalogue files added to the embedded one (relative to the config), e.g. the catalog.toml "
                 "that wlr-geo fetch writes; a fetched layer then has a catalogue name.",
        example='["pdok/catalog.toml"]')


@dataclass(frozen=True)
class MapOptions:
    """The ``[maps]`` section."""

    roles: Mapping[str, str] = option(
        default_factory=dict, example='{ landing = "landing_candidates" }',
        help="Map role → config role or output layer that plays it ([maps.roles]); a config role named "
             "here is one the maps show.")


@dataclass(frozen=True)
class FetchOptions:
    """The ``[fetch]`` section: download settings of ``wlr-geo fetch --config``."""

    api_root: str | None = option(None, help="API root instead of https://api.pdok.nl.")
    base_urls: Mapping[str, str] = option(default_factory=dict, help="Base URL per dataset name.",
                                          example='{ wijken = "https://example.org/cbs" }')
    cache_dir: str | None = option(None, help="Download cache folder (relative to the config).")
    max_age_days: float = option(30.0, unit="d", ge=0, le=36_500, help="Refresh cached layers older than this.")
    rate_limit_per_s: float = option(2.0, unit="1/s", ge=0, le=1000, help="Requests per second (0 = no limit).")
    timeout_s: float = option(60.0, unit="s", gt=0, le=3600, help="Timeout of one request.")
    retries: int = option(4, ge=0, le=100, help="Retries of a failed request.")
    page_size: int = option(1000, ge=1, le=100_000,
                            help="Features per page; above PDOK's maximum of 1000 it is lowered (with a warning).")
    cbs_year: int | None = option(None, ge=2000, le=2100,
                                  help="Year of the CBS wijken en buurten (default: the newest complete one).")
    bgt_source: str = option("ogc", choices=("ogc", "download"),
                             help="Where BGT comes from: PDOK's OGC API or its BGT download API.")


@dataclass(frozen=True)
class LayerOptions:
    """The keys of one ``[layers.<role>]`` table."""

    catalog: str | None = option(None, help="Name of a catalogue layer (wlr-geo layers).")
    file: str | None = option(None, help="Path of the file (relative to the config; 'embedded:' = the "
                                         "embedded data folder).")
    layer: str | None = option(None, help="Layer in the file (GDAL layer, KLIC layer or BGT class).")
    format: str | None = option(None, choices=FORMATS, help="Reader to use; recognised from the file when absent.")
    assume_crs: str | None = option(None, help="CRS of a file that declares none, or whose declared CRS does "
                                               "not fit its coordinates (a wrong .prj).", example='"EPSG:28992"')
    encoding: str | None = option(None, help="Text encoding of a file without one (Shapefile without .cpg).",
                                  example='"cp1252"')
    id_column: str | None = option(None, help="Column whose values must be unique.")
    name: str | None = option(None, help="Name of this layer in outputs (arrays of layers).")
    category: str | None = option(None, choices=CATEGORIES, help="Impact category of every feature.")
    category_column: str | None = option(None, help="Column holding each feature's impact category.")
    buffer_m: float | None = option(None, unit="m", gt=0, lt=MAX_WIDTH_M,
                                    help="Constraints: half width of the area around lines and points.")
    name_column: str | None = option(None, help="Municipalities: column with the municipality name.")
    reverse: bool | tuple[str, ...] | None = option(None, help="Route: as [route] reverse.")
    variant_column: str | None = option(None, help="Route: as [route] variant_column.")
    order_column: str | None = option(None, help="Route: as [route] order_column.")


#: Keys of a layer table that only the route role takes.
_ROUTE_KEYS = ("reverse", "variant_column", "order_column")


@dataclass(frozen=True)
class Options:
    """Every option section of a config, typed and checked."""

    project: ProjectOptions = field(default_factory=ProjectOptions)
    route: RouteOptions = field(default_factory=RouteOptions)
    strips: StripSpec = field(default_factory=StripSpec)
    impact: ImpactOptions = field(default_factory=ImpactOptions)
    crossing_rules: RuleTable | None = None
    claims: ClaimsOptions = field(default_factory=ClaimsOptions)
    landing: LandingOptions = field(default_factory=LandingOptions)
    routing: RoutingOptions | None = None
    maps: MapOptions = field(default_factory=MapOptions)
    scale: ScaleOptions = field(default_factory=ScaleOptions)
    fetch: FetchOptions = field(default_factory=FetchOptions)


#: Config sections → what they hold.
SECTIONS: dict[str, str] = {
    "project": "project name and region",
    "layers": "roles → layers",
    "route": "how route parts become centrelines (RouteOptions)",
    "strips": "werkstrook and belemmeringenstrook widths (StripSpec)",
    "impact": "impact analysis parameters (ImpactOptions)",
    "crossing_rules": "crossing technique rules (wlr_geo/defaults/crossing_rules.toml)",
    "claims": "space claims (ClaimsOptions)",
    "landing": "landing ranking (LandingOptions)",
    "routing": "least-cost route alternatives (RoutingOptions)",
    "maps": "consultation maps (MapOptions)",
    "scale": "big layers and engines (ScaleOptions)",
    "fetch": "PDOK downloads (FetchOptions)",
}


@dataclass(frozen=True)
class RoleInfo:
    """A layer role: what it holds and which commands read it."""

    help: str
    commands: tuple[str, ...]
    multiple: bool = False


#: The layer roles commands read (other roles must be named by [routing] or [maps.roles]).
ROLES: dict[str, RoleInfo] = {
    "route": RoleInfo("route lines (variants in variant_column)", ("impact", "landing", "map", "report")),
    "route_end": RoleInfo("the route's landing end (a point; rol = 'eind' selects one)", ("landing",)),
    "municipalities": RoleInfo("municipality polygons with gm_naam", ("impact", "claims", "landing", "route",
                                                                       "map", "report")),
    "wijken": RoleInfo("CBS wijk polygons with wk_naam (+ gm_naam)", ("impact", "landing", "route", "map")),
    "crossing_layers": RoleInfo("layers the centreline crosses (array)", ("impact",), multiple=True),
    "cables": RoleInfo("KLIC delivery (format = \"klic\") or cable lines with thema", ("impact", "claims",
                                                                                       "landing", "map")),
    "topography": RoleInfo("BGT extract (format = \"bgt\") or categorised polygons", ("impact",)),
    "buildings": RoleInfo("building polygons", ("impact", "claims", "landing")),
    "sites": RoleInfo("landing sites and stations (points with kind, or polygons)", ("impact",)),
    "claims": RoleInfo("space claims (claim_id, facility_type, years, status)", ("claims", "landing", "map")),
    "constraints": RoleInfo("constraint layers for claims and landing (array)", ("claims", "landing"),
                            multiple=True),
    "landing_candidates": RoleInfo("candidate landing sites", ("landing", "route", "map")),
    "substations": RoleInfo("high-voltage substations", ("landing",)),
    "crossings": RoleInfo("layers crossed by the link to a landing site (array)", ("landing",), multiple=True),
}

#: The roles in Dutch words, for messages (``ROLES`` help is the English of the documentation).
_ROLES_NL: dict[str, str] = {
    "route": "tracélijnen (varianten in variant_column)",
    "route_end": "het landingseinde van het tracé (een punt; rol = 'eind' kiest er één)",
    "municipalities": "gemeentevlakken met gm_naam",
    "wijken": "CBS-wijkvlakken met wk_naam (+ gm_naam)",
    "crossing_layers": "lagen die de hartlijn kruist (array)",
    "cables": "KLIC-levering (format = \"klic\") of kabellijnen met thema",
    "topography": "BGT-uitsnede (format = \"bgt\") of gecategoriseerde vlakken",
    "buildings": "gebouwvlakken",
    "sites": "landingslocaties en stations (punten met kind, of vlakken)",
    "claims": "ruimteclaims (claim_id, facility_type, years, status)",
    "constraints": "beperkingslagen voor claims en landing (array)",
    "landing_candidates": "kandidaat-landingslocaties",
    "substations": "hoogspanningsstations",
    "crossings": "lagen die de verbinding naar een landingslocatie kruist (array)",
}

#: Map roles (and the names they go by) that a config may also name as layer roles.
MAP_ROLES: dict[str, tuple[str, ...]] = {
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

#: Roles that are not cost layers unless [routing] cost_layers names them.
NON_COST_ROLES = frozenset({"route", "municipalities", "wijken", "landing_candidates"})

#: Roles an empty config is told about (one per command).
REQUIRED_ROLES: dict[str, str] = {
    "impact": "route", "claims": "claims", "landing": "landing_candidates",
}


# ------------------------------------------------------------------------------- layer refs
@dataclass(frozen=True)
class LayerRef:
    """Where a role's layer comes from, resolved to an absolute path."""

    role: str
    path: Path
    layer: str | None = None
    format: str = "vector"
    assume_crs: str | None = None
    encoding: str | None = None
    id_column: str | None = None
    catalog_name: str | None = None
    name: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    index: int = 0

    @property
    def label(self) -> str:
        return f"{self.path}:{self.layer}" if self.layer else str(self.path)

    @property
    def where(self) -> str:
        """The table as written in the config, e.g. ``[layers.route]`` or ``[[layers.constraints]] #2``."""
        return f"[[layers.{self.role}]] #{self.index + 1}" if self.options.get("_array") else f"[layers.{self.role}]"

    @property
    def display_name(self) -> str:
        """The name of this layer in outputs: ``name``, else the layer, else the file stem."""
        return self.name or self.layer or self.path.stem

    @property
    def category(self) -> str | None:
        value = self.options.get("category")
        return str(value) if value is not None else None

    @property
    def category_column(self) -> str | None:
        value = self.options.get("category_column")
        return str(value) if value is not None else None

    def read(self, **kwargs: Any) -> Any:
        """Read the layer with the reader its format calls for (see :func:`read_ref`)."""
        return read_ref(self, **kwargs)


def read_ref(ref: LayerRef, *, geometry_types: list[str] | None = None, allow_empty: bool = False,
             categorise: bool = False, default_category: str | None = None) -> gpd.GeoDataFrame:
    """Read one layer reference (any format) into a GeoDataFrame in EPSG:28992.

    With ``categorise``, the features get a ``category`` column from the reference's
    ``category``/``category_column`` (or ``default_category``, or a guess from the layer name):
    :func:`wlr_geo.categories.assign_category`, the one place categories are assigned.
    """
    gdf = read_source(ref.path, ref.layer, format=ref.format, assume_crs=ref.assume_crs, encoding=ref.encoding,
                      id_column=ref.id_column, geometry_types=geometry_types, allow_empty=allow_empty)
    if categorise:
        gdf = assign_category(gdf, category=ref.category, column=ref.category_column, default=default_category,
                              name=ref.display_name, layer=ref.display_name)
    return gdf


# ----------------------------------------------------------------------------- the config
@dataclass
class ProjectConfig:
    """A loaded project config: the layers by role and the typed :class:`Options`.

    ``raw`` holds the whole TOML document (read-only use).
    """

    path: Path | None
    raw: dict[str, Any]
    layers: dict[str, list[LayerRef]]
    catalog: Catalog
    options: Options = field(default_factory=Options)

    @property
    def name(self) -> str:
        return self.options.project.name

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    @property
    def source(self) -> str | None:
        return str(self.path) if self.path else None

    def section(self, name: str) -> dict[str, Any]:
        """The raw table ``[name]`` of the config (empty dict when absent)."""
        value = self.raw.get(name, {})
        if not isinstance(value, dict):
            raise ConfigError(f"[{name}] moet een tabel zijn", source=self.source)
        return value

    def layer(self, role: str) -> LayerRef:
        """The single layer of ``role``; raises if the role is missing or holds several."""
        refs = self.layers.get(role)
        if not refs:
            raise ConfigError(
                f"de configuratie noemt geen laag voor rol {role!r}",
                source=self.source, hint=f"voeg een tabel [layers.{role}] toe",
            )
        if len(refs) > 1:
            raise ConfigError(
                f"rol {role!r} heeft {len(refs)} lagen, waar één laag verwacht wordt",
                source=self.source, hint=f"houd één tabel [layers.{role}] over",
            )
        return refs[0]

    def layers_of(self, role: str) -> list[LayerRef]:
        """All layers of ``role`` (empty when absent)."""
        return list(self.layers.get(role, []))

    def has(self, role: str) -> bool:
        return bool(self.layers.get(role))

    def iter_refs(self) -> Iterator[LayerRef]:
        for refs in self.layers.values():
            yield from refs

    def resolve_path(self, value: str) -> Path:
        """A path from the config: ``embedded:`` prefix, absolute, or relative to the config."""
        return _resolve(value, self.base_dir)


def _resolve(value: str, base: Path) -> Path:
    if value.startswith("embedded:"):
        return embedded_dir() / value.removeprefix("embedded:")
    p = Path(value).expanduser()
    return p if p.is_absolute() else base / p


# ------------------------------------------------------------------------------- building
def _build(cls: type, table: Mapping[str, Any], where: str, problems: list[Problem], *, source: str | None,
           skip: tuple[str, ...] = (), extra: Mapping[str, Any] | None = None) -> Any:
    """An option class from a config table: unknown keys, types and ranges checked first.

    Keys of ``skip`` are parsed by the caller (their values come in ``extra``). Returns None when
    the table has problems (they are appended to ``problems``).
    """
    fields_ = option_fields(cls)
    by_key = {(meta.key or f.name): (f, meta, tp) for f, meta, tp in fields_}
    before = len(problems)
    problems.extend(unknown_keys(table, [*by_key, *skip], where, source=source))
    kwargs: dict[str, Any] = dict(extra or {})
    for key, value in table.items():
        if key in skip or key not in by_key:
            continue
        f, meta, tp = by_key[key]
        found = field_problems(value, tp, meta, f"{where} {key}", source=source)
        problems.extend(found)
        if not found:
            kwargs[f.name] = coerce(value, tp)
    if len(problems) > before:
        return None
    try:
        return cls(**kwargs)
    except WlrGeoInputError as exc:
        problems.extend(replace(p, source=p.source or source) for p in exc.problems)
    except TypeError as exc:  # a required key is missing
        problems.append(Problem(f"{where}: {exc}", source=source, hint="zie de configuratiereferentie"))
    return None


def _table(raw: Mapping[str, Any], name: str, problems: list[Problem], source: str | None) -> dict[str, Any]:
    value = raw.get(name, {})
    if not isinstance(value, dict):
        problems.append(Problem(f"[{name}] moet een tabel zijn", source=source, hint=f"zet [{name}] op een eigen regel"))
        return {}
    return value


def _parse_strips(table: Mapping[str, Any], problems: list[Problem], source: str | None) -> StripSpec | None:
    extra: dict[str, Any] = {}
    before = len(problems)
    overrides = table.get("override", [])
    if not isinstance(overrides, list):
        problems.append(Problem("[[strips.override]] moet een array van tabellen zijn", source=source,
                                hint="schrijf elke override als een tabel [[strips.override]]"))
        overrides = []
    parsed = []
    for i, ov in enumerate(overrides):
        where = f"[[strips.override]] #{i + 1}"
        if not isinstance(ov, Mapping) or "from_m" not in ov or "to_m" not in ov:
            problems.append(Problem(f"{where} mist from_m en to_m", source=source,
                                    hint="geef bijvoorbeeld from_m = 1200.0, to_m = 1850.0, werkstrook_left_m = 6.0"))
            continue
        obj = _build(StripOverride, ov, where, problems, source=source)
        if obj is not None:
            parsed.append(obj)
    extra["overrides"] = tuple(parsed)
    footprints = table.get("footprints", {})
    meta: OptionMeta = StripSpec.__dataclass_fields__["footprint_sizes_m"].metadata["wlr_geo"]
    tp = Mapping[str, tuple[float, float]]
    found = field_problems(footprints, tp, meta, "[strips.footprints]", source=source)
    problems.extend(found)
    if not found:
        extra["footprint_sizes_m"] = {**DEFAULT_FOOTPRINTS_M, **coerce(footprints, tp)}
    if len(problems) > before:
        _build(StripSpec, table, "[strips]", problems, source=source, skip=("override", "footprints"))
        return None
    spec: StripSpec | None = _build(StripSpec, table, "[strips]", problems, source=source,
                                    skip=("override", "footprints"), extra=extra)
    return spec


def _parse_claims(table: Mapping[str, Any], problems: list[Problem], source: str | None) -> ClaimsOptions | None:
    extra: dict[str, Any] = {}
    before = len(problems)
    templates = table.get("templates", {})
    if not isinstance(templates, Mapping):
        problems.append(Problem("[claims.templates] moet een tabel van voorzieningstypen zijn", source=source))
    else:
        try:
            extra["templates"] = load_claim_templates(templates)
        except WlrGeoInputError as exc:
            problems.extend(replace(p, source=p.source or source) for p in exc.problems)
    widths = table.get("klic_protection_m", {})
    meta: OptionMeta = ClaimsOptions.__dataclass_fields__["klic_protection_m"].metadata["wlr_geo"]
    found = field_problems(widths, Mapping[str, float], meta, "[claims.klic_protection_m]", source=source)
    problems.extend(found)
    if not found:
        extra["klic_protection_m"] = load_klic_protection_widths(widths)
    if len(problems) > before:
        return None
    result: ClaimsOptions | None = _build(ClaimsOptions, table, "[claims]", problems, source=source,
                                          skip=("templates", "klic_protection_m"), extra=extra)
    return result


def _parse_landing(table: Mapping[str, Any], problems: list[Problem], source: str | None) -> LandingOptions | None:
    extra: dict[str, Any] = {}
    crit = table.get("criteria")
    if crit is not None and not (isinstance(crit, list) and all(isinstance(t, Mapping) for t in crit)):
        problems.append(Problem("[[landing.criteria]] moet een array van tabellen zijn", source=source,
                                hint="schrijf elk criterium als een tabel [[landing.criteria]]"))
        return None
    try:
        extra["criteria"] = tuple(criteria_from_config(crit))
    except WlrGeoInputError as exc:
        problems.extend(replace(p, source=p.source or source) for p in exc.problems)
        return None
    result: LandingOptions | None = _build(LandingOptions, table, "[landing]", problems, source=source,
                                           skip=("criteria",), extra=extra)
    return result


def _parse_routing(table: Mapping[str, Any], problems: list[Problem], source: str | None,
                   base: Path) -> RoutingOptions | None:
    from wlr_geo.analysis.routing.cost import CostTable

    extra: dict[str, Any] = {}
    before = len(problems)
    if "start" not in table:
        problems.append(Problem("[routing] heeft geen start", source=source, hint="voeg start = [x, y] in RD-meters toe"))
    rasters = []
    items = table.get("raster_costs", [])
    for i, item in enumerate(items if isinstance(items, list) else [items]):
        if isinstance(item, Mapping):
            role, factor = item.get("role"), item.get("factor")
            bad_keys = set(item) - {"role", "factor"}
        elif isinstance(item, list) and len(item) == 2:
            (role, factor), bad_keys = item, set()
        else:
            role, factor, bad_keys = None, None, set()
        ok = (isinstance(role, str) and isinstance(factor, int | float) and not isinstance(factor, bool)
              and not bad_keys)
        if ok:
            meta = RoutingOptions.__dataclass_fields__["raster_costs"].metadata["wlr_geo"]
            found = field_problems(factor, float, meta, f"[routing] raster_costs[{i}] factor", source=source)
            problems.extend(found)
            if not found:
                rasters.append((str(role), float(factor)))  # type: ignore[arg-type]
        else:
            problems.append(Problem(f"[routing] raster_costs[{i}] = {item!r} heeft niet de vorm "
                                    "{role = \"<rasterrol>\", factor = <getal>}", source=source,
                                    hint="noem een raster [layers.<rol>] en een factor"))
    extra["raster_costs"] = tuple(rasters)
    table_file = table.get("cost_table_file")
    overrides = table.get("cost_table", {})
    cost: CostTable | None = None
    if table_file is not None and not isinstance(table_file, str):
        problems.append(Problem(f"[routing] cost_table_file = {table_file!r} is geen pad", source=source))
    elif not isinstance(overrides, Mapping):
        problems.append(Problem("[routing.cost_table] moet een tabel zijn", source=source))
    else:
        try:
            cost = CostTable.from_toml(_resolve(table_file, base)) if table_file else None
            if overrides:
                cost = CostTable.from_dict(overrides, base=cost)
        except WlrGeoInputError as exc:
            problems.extend(replace(p, source=p.source or source,
                                    message=p.message if p.message.startswith("[") else
                                    f"[routing.cost_table] {p.message}") for p in exc.problems)
    extra["cost_table"] = cost
    if len(problems) > before:
        _build(RoutingOptions, table, "[routing]", problems, source=source,
               skip=("raster_costs", "cost_table", "cost_table_file"),
               extra={} if "start" in table else {"start": (0.0, 0.0)})
        return None
    result: RoutingOptions | None = _build(RoutingOptions, table, "[routing]", problems, source=source,
                                           skip=("raster_costs", "cost_table", "cost_table_file"), extra=extra)
    return result


def _parse_fetch(table: Mapping[str, Any], problems: list[Problem], source: str | None,
                 base: Path) -> FetchOptions | None:
    opts: FetchOptions | None = _build(FetchOptions, table, "[fetch]", problems, source=source)
    if opts is None:
        return None
    try:
        from wlr_geo.io.pdok.datasets import parse_base_url_overrides

        parse_base_url_overrides(f"{k}={v}" for k, v in opts.base_urls.items())
    except WlrGeoInputError as exc:
        problems.extend(replace(p, source=p.source or source, message=f"[fetch] base_urls: {p.message}")
                        for p in exc.problems)
        return None
    if opts.cache_dir is not None:
        opts = replace(opts, cache_dir=str(_resolve(opts.cache_dir, base)))
    return opts


def parse_section(name: str, table: Mapping[str, Any], *, source: str | None = None,
                  base_dir: Path | None = None) -> Any:
    """The typed options of one config section from its raw table.

    Examples
    --------
    >>> parse_section("strips", {"werkstrook_left_m": 6}).werkstrook_left_m
    6.0

    Raises
    ------
    ConfigError
        Every problem of the table.
    """
    problems: list[Problem] = []
    value = _parse_options({name: dict(table)}, problems, source, base_dir or Path.cwd(), only=name)
    raise_problems(problems)
    return getattr(value, name)


def _parse_options(raw: Mapping[str, Any], problems: list[Problem], source: str | None, base: Path, *,
                   route_ref: Mapping[str, Any] | None = None, only: str | None = None) -> Options:
    parsed: dict[str, Any] = {}

    def want(name: str) -> bool:
        return only is None or only == name

    if want("project"):
        table = dict(_table(raw, "project", problems, source))
        cats = table.get("catalogs")
        if cats is not None and not (isinstance(cats, list) and all(isinstance(c, str) for c in cats)):
            problems.append(Problem("[project] catalogs moet een lijst van catalogusbestanden zijn", source=source,
                                    hint='schrijf catalogs = ["pdok/catalog.toml"] (relatief ten opzichte van deze '
                                         'configuratie)'))
            table.pop("catalogs")
        parsed["project"] = _build(ProjectOptions, table, "[project]", problems, source=source)
    if want("route"):
        table = {**{k: v for k, v in (route_ref or {}).items() if k in _ROUTE_KEYS},
                 **_table(raw, "route", problems, source)}
        parsed["route"] = _build(RouteOptions, table, "[route]", problems, source=source)
    if want("strips"):
        parsed["strips"] = _parse_strips(_table(raw, "strips", problems, source), problems, source)
    if want("impact"):
        parsed["impact"] = _build(ImpactOptions, _table(raw, "impact", problems, source), "[impact]", problems,
                                  source=source)
    if want("crossing_rules"):
        table = _table(raw, "crossing_rules", problems, source)
        if table:
            try:
                parsed["crossing_rules"] = load_rules(table)
            except WlrGeoInputError as exc:
                problems.extend(replace(p, source=p.source or source) for p in exc.problems)
    if want("claims"):
        parsed["claims"] = _parse_claims(_table(raw, "claims", problems, source), problems, source)
    if want("landing"):
        parsed["landing"] = _parse_landing(_table(raw, "landing", problems, source), problems, source)
    if want("routing") and "routing" in raw:
        parsed["routing"] = _parse_routing(_table(raw, "routing", problems, source), problems, source, base)
    if want("maps"):
        parsed["maps"] = _build(MapOptions, _table(raw, "maps", problems, source), "[maps]", problems,
                                source=source)
    if want("scale"):
        parsed["scale"] = _build(ScaleOptions, _table(raw, "scale", problems, source), "[scale]", problems,
                                 source=source)
    if want("fetch"):
        parsed["fetch"] = _parse_fetch(_table(raw, "fetch", problems, source), problems, source, base)
    return Options(**{k: v for k, v in parsed.items() if v is not None})


def _crs_problem(value: str, where: str, source: str | None) -> Problem | None:
    from pyproj import CRS
    from pyproj.exceptions import CRSError as PyprojCRSError

    try:
        CRS.from_user_input(value)
    except PyprojCRSError:
        return Problem(f"{where} assume_crs = {value!r} is geen CRS dat PROJ kent", source=source,
                       hint='geef een EPSG-code zoals "EPSG:28992"')
    return None


def _encoding_problem(value: str, where: str, source: str | None) -> Problem | None:
    try:
        codecs.lookup(value)
    except LookupError:
        return Problem(f"{where} encoding = {value!r} is geen bekende tekencodering", source=source,
                       hint='gebruik bijvoorbeeld "utf-8", "cp1252" of "latin-1"')
    return None


def _parse_ref(role: str, table: Any, index: int, is_array: bool, base: Path, catalog: Catalog,
               problems: list[Problem], source: str | None) -> LayerRef | None:
    where = f"[[layers.{role}]] #{index + 1}" if is_array else f"[layers.{role}]"
    if not isinstance(table, dict):
        problems.append(Problem(f"{where} moet een tabel zijn", source=source,
                                hint=f'schrijf [layers.{role}] met file = "..." of catalog = "..."'))
        return None
    opts: LayerOptions | None = _build(LayerOptions, table, where, problems, source=source)
    if opts is None:
        return None
    if role != "route" and any(k in table for k in _ROUTE_KEYS):
        problems.append(Problem(f"{where} bevat route-sleutels ({', '.join(k for k in _ROUTE_KEYS if k in table)})",
                                source=source, hint="verplaats ze naar [route] of [layers.route]"))
    if opts.assume_crs is not None and (p := _crs_problem(opts.assume_crs, where, source)):
        problems.append(p)
        return None
    if opts.encoding is not None and (p := _encoding_problem(opts.encoding, where, source)):
        problems.append(p)
        return None
    if opts.category is not None and opts.category_column is not None:
        problems.append(Problem(f"{where} heeft zowel category als category_column", source=source,
                                hint="houd er één over"))
        return None
    fmt = opts.format
    layer = opts.layer
    catalog_name = None
    if opts.catalog is not None and opts.file is not None:
        problems.append(Problem(f"{where} heeft zowel file als catalog", source=source, hint="houd er één over"))
        return None
    if opts.catalog is not None:
        catalog_name = opts.catalog
        if catalog_name not in catalog:
            near = nearest(catalog_name, catalog)
            problems.append(Problem(
                f"{where} noemt cataloguslaag {catalog_name!r}, maar die bestaat niet", source=source,
                hint=f"bedoeld: {near!r}?" if near else f"gebruik een van: {', '.join(catalog)}",
            ))
            return None
        entry = catalog[catalog_name]
        path = entry.path
        layer = layer or entry.layer
        fmt = fmt or entry.format
        id_column = opts.id_column or getattr(entry, "id_column", None)
    elif opts.file is not None:
        path = _resolve(opts.file, base)
        id_column = opts.id_column
    else:
        problems.append(Problem(
            f"{where} heeft geen 'file' en geen 'catalog'", source=source,
            hint="voeg file = \"pad/naar/data.gpkg\" (en layer = \"...\") of catalog = \"naam\" toe",
        ))
        return None
    if fmt is None:
        fmt = sniff_format(path)
    options = {k: v for k, v in table.items() if k not in ("catalog", "file", "layer", "format", "assume_crs",
                                                           "encoding", "id_column", "name")}
    if is_array:
        options["_array"] = True
    return LayerRef(role=role, path=path, layer=layer, format=fmt, assume_crs=opts.assume_crs,
                    encoding=opts.encoding, id_column=id_column, catalog_name=catalog_name, name=opts.name,
                    options=options, index=index)


def _referenced_roles(options: Options, layers: Mapping[str, list[LayerRef]]) -> set[str]:
    """Roles that [routing] and [maps.roles] name (these may be any name).

    Without ``cost_layers``, every vector role of a config with ``[routing]`` is a cost layer.
    """
    out: set[str] = set()
    r = options.routing
    if r is not None:
        if r.cost_layers is None:
            out.update(role for role, refs in layers.items() if refs[0].format != "raster")
        out.update(r.cost_layers or ())
        out.update(role for role, _ in r.raster_costs)
        if r.landing_candidates:
            out.add(r.landing_candidates)
    out.update(options.maps.roles.values())
    out.update(options.maps.roles)
    return out


def _check_roles(layers: dict[str, list[LayerRef]], options: Options, problems: list[Problem],
                 source: str | None) -> None:
    referenced = _referenced_roles(options, layers)
    known = set(ROLES) | {a for names in MAP_ROLES.values() for a in names}
    for role, refs in layers.items():
        if role in known or role in referenced:
            if len(refs) > 1 and role in ROLES and not ROLES[role].multiple:
                problems.append(Problem(f"rol {role!r} heeft {len(refs)} lagen, waar één laag verwacht wordt",
                                        source=source, hint=f"houd één tabel [layers.{role}] over"))
            continue
        near = nearest(role, sorted(known))
        hint = (f"bedoeld: {near!r}? (een laag die alleen [routing] of een kaart gebruikt, moet genoemd worden in "
                "[routing] cost_layers/raster_costs of [maps.roles])" if near else
                f"gebruik een bekende rol ({', '.join(sorted(ROLES))}), of noem de rol in [routing] "
                "cost_layers/raster_costs of [maps.roles]")
        problems.append(Problem(f"[layers.{role}] is een rol die geen enkele opdracht leest", source=source,
                                hint=hint))
    r = options.routing
    if r is not None:
        for role in [*(r.cost_layers or ()), *(role for role, _ in r.raster_costs),
                     *([r.landing_candidates] if r.landing_candidates else [])]:
            if role not in layers:
                near = nearest(role, layers)
                problems.append(Problem(f"[routing] noemt rol {role!r}, maar er is geen [layers.{role}]",
                                        source=source,
                                        hint=f"bedoeld: {near!r}?" if near else f"voeg [layers.{role}] toe"))
        for role, _ in r.raster_costs:
            if role in layers and layers[role][0].format != "raster":
                problems.append(Problem(f"[routing] raster_costs noemt rol {role!r}, maar die is geen raster",
                                        source=source, hint="geef een GeoTIFF-laag (format = \"raster\")"))


def config_from_dict(raw: dict[str, Any], *, path: Path | None = None, catalog: Catalog | None = None) -> ProjectConfig:
    """Build a :class:`ProjectConfig` from an already parsed TOML document (everything checked).

    Raises
    ------
    ConfigError
        Every problem of the document: unknown sections, roles and keys, bad values, an empty
        config.
    """
    catalog = catalog or load_catalog()
    source = str(path) if path else None
    base = path.parent if path else Path.cwd()
    problems: list[Problem] = list(unknown_keys(raw, SECTIONS, "de configuratie", source=source, what="section"))
    project = raw.get("project", {})
    extra = project.get("catalogs") if isinstance(project, dict) else None
    if isinstance(extra, list) and all(isinstance(x, str) for x in extra):
        try:  # catalogue files such as the catalog.toml of 'wlr-geo fetch'
            catalog = load_catalogs(extra, base_dir=base, catalog=catalog)
        except WlrGeoInputError as exc:
            problems.extend(replace(p, source=p.source or source) for p in exc.problems)
    layers: dict[str, list[LayerRef]] = {}
    layer_tables = raw.get("layers", {})
    if not isinstance(layer_tables, dict):
        problems.append(Problem("[layers] moet een tabel van rollen zijn", source=source,
                                hint="schrijf één tabel [layers.<rol>] per laag"))
        layer_tables = {}
    for role, value in layer_tables.items():
        is_array = isinstance(value, list)
        tables = value if is_array else [value]
        refs = [r for i, t in enumerate(tables)
                if (r := _parse_ref(role, t, i, is_array, base, catalog, problems, source)) is not None]
        if refs:
            layers[role] = refs
    route_table = layer_tables.get("route") if isinstance(layer_tables.get("route"), dict) else None
    options = _parse_options(raw, problems, source, base, route_ref=route_table)
    _check_roles(layers, options, problems, source)
    if not layer_tables and not problems and not set(raw) & {"fetch"}:
        needed = ", ".join(f"[layers.{role}] ({cmd})" for cmd, role in REQUIRED_ROLES.items())
        problems.append(Problem("de configuratie noemt geen lagen", source=source,
                                hint=f"voeg minstens {needed} toe, of [routing] met kostenlagen (route)"))
    raise_problems(problems)
    return ProjectConfig(path=path, raw=raw, layers=layers, catalog=catalog, options=options)


def load_config(path: str | os.PathLike[str] | ProjectConfig, *, catalog: Catalog | None = None) -> ProjectConfig:
    """Load and check a project config (its structure and options; the layers are read later).

    Raises
    ------
    ConfigError
        The file is missing, not valid TOML, or has problems (all reported together).

    Examples
    --------
    >>> import wlr_geo
    >>> from wlr_geo.catalog import embedded_path
    >>> cfg = wlr_geo.load_config(embedded_path("demo.toml"))
    >>> cfg.options.strips.werkstrook_left_m, cfg.options.strips.werkstrook_right_m
    (15.0, 20.0)
    >>> "route" in cfg.layers
    True

    A value out of range is reported with the file, the key and the fix:

    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = tempfile.TemporaryDirectory()
    >>> bad = Path(folder.name) / "project.toml"
    >>> _ = bad.write_text("[strips]\\nwerkstrook_left_m = -5\\n", encoding="utf-8")
    >>> wlr_geo.load_config(bad)
    Traceback (most recent call last):
    ...
    wlr_geo._errors.ConfigError: ...project.toml: [strips] werkstrook_left_m = -5 valt buiten het toegestane bereik ... geef een getal ≥ 0 en < 1.000 (m)
    >>> folder.cleanup()
    """
    if isinstance(path, ProjectConfig):
        return path
    p = Path(path)
    raw = read_toml(p, what="config file")
    return config_from_dict(raw, path=p, catalog=catalog)


# -------------------------------------------------------------------------------- reading
@dataclass(frozen=True)
class _Failed:
    """A layer that could not be read, with its problems (kept in the shared cache)."""

    problems: tuple[Problem, ...]


class Inputs:
    """The layers of one run, read once each, with every problem collected.

    Workflows read through this so that a run and ``wlr-geo validate`` open exactly the same
    layers the same way: :meth:`frame` returns None (and records the problems) where a layer
    cannot be read, and :meth:`check` raises them all at once.
    """

    def __init__(self, cfg: ProjectConfig, *, cache: dict[tuple[Any, ...], Any] | None = None) -> None:
        self.cfg = cfg
        self.problems: list[Problem] = []
        #: Layers read, by reference and reading options (share it to read each layer once).
        self._cache: dict[tuple[Any, ...], Any] = cache if cache is not None else {}
        #: (path, role, layer) of every layer read, for the manifest.
        self.records: list[tuple[str, str | None, str | None]] = []

    def _record(self, ref: LayerRef) -> None:
        rec = (str(ref.path), ref.role, ref.layer)
        if rec not in self.records:
            self.records.append(rec)

    def guard(self, ref: LayerRef, read: Callable[[], Any]) -> Any:
        try:
            return read()
        except WlrGeoInputError as exc:
            self.problems.extend(
                p if p.message.startswith("[") else replace(p, message=f"{ref.where}: {p.message}",
                                                            source=p.source or str(ref.path))
                for p in exc.problems)
            return None

    def require(self, role: str, why: str) -> LayerRef | None:
        """The single layer of ``role``, or None with a problem saying ``why`` it is needed."""
        refs = self.cfg.layers_of(role)
        if not refs:
            self.problems.append(Problem(f"{why} heeft [layers.{role}] nodig ({_ROLES_NL.get(role, role)})",
                                         source=self.cfg.source, hint=f"voeg een tabel [layers.{role}] toe"))
            return None
        return refs[0]

    def _cached(self, key: tuple[Any, ...], ref: LayerRef, read: Callable[[], Any]) -> Any:
        self._record(ref)
        if key not in self._cache:
            before = len(self.problems)
            value = self.guard(ref, read)
            self._cache[key] = value if value is not None else _Failed(tuple(self.problems[before:]))
            return value
        hit = self._cache[key]
        if isinstance(hit, _Failed):  # read (and failed) by an earlier command of the same check
            self.problems.extend(p for p in hit.problems if p not in self.problems)
            return None
        return hit

    def frame(self, ref: LayerRef, *, geometry_types: list[str] | None = None, allow_empty: bool = False,
              categorise: bool = False, default_category: str | None = None) -> gpd.GeoDataFrame | None:
        """One layer (cached), or None when it cannot be read (see :attr:`problems`)."""
        key = ("frame", ref.role, ref.index, ref.label, tuple(geometry_types or ()), allow_empty, categorise,
               default_category)
        result: gpd.GeoDataFrame | None = self._cached(key, ref, lambda: read_ref(
            ref, geometry_types=geometry_types, allow_empty=allow_empty, categorise=categorise,
            default_category=default_category))
        return result

    def role(self, role: str, **kwargs: Any) -> gpd.GeoDataFrame | None:
        """The layer of a single-layer role (None when the config has none)."""
        refs = self.cfg.layers_of(role)
        return self.frame(refs[0], **kwargs) if refs else None

    def klic(self, ref: LayerRef) -> Any:
        """A KLIC delivery (:class:`~wlr_geo.io.klic.KlicData`), or None."""
        from wlr_geo.io.klic import read_klic

        return self._cached(("klic", str(ref.path)), ref, lambda: read_klic(ref.path))

    def bgt(self, ref: LayerRef) -> Any:
        """A BGT extract (:class:`~wlr_geo.io.bgt.BgtLayers`), or None."""
        from wlr_geo.io.bgt import read_bgt

        return self._cached(("bgt", str(ref.path)), ref, lambda: read_bgt(ref.path))

    def lines_of(self, ref: LayerRef, **kwargs: Any) -> gpd.GeoDataFrame | None:
        """Cable lines: a KLIC delivery's lines, or a vector layer of lines."""
        if ref.format == "klic":
            data = self.klic(ref)
            return None if data is None else data.lines
        return self.frame(ref, **kwargs)

    def near_route(self, ref: LayerRef, route: gpd.GeoDataFrame, scale: ScaleOptions, *,
                   width_m: float) -> gpd.GeoDataFrame | None:
        """The features of a big layer (partitioned GeoParquet) within ``width_m`` of ``route``
        (the run's corridor width, :func:`wlr_geo.workflows.impact.corridor_width`)."""
        from wlr_geo.io.area import load_near_route

        engine = scale.engine if scale.engine in ("embedded", "duckdb") else "embedded"
        self._record(ref)

        def read() -> gpd.GeoDataFrame:
            gdf = load_near_route(ref.path, route, buffer_m=width_m, engine=engine)
            log.info("%s: %s objecten nabij het tracé gelezen uit %s", ref.role, nl(len(gdf)), ref.path)
            return gdf

        result: gpd.GeoDataFrame | None = self.guard(ref, read)
        return result

    def note(self, message: str, *, hint: str | None = None) -> None:
        """Record a problem that is not about one layer (e.g. a variant name that does not exist)."""
        self.problems.append(Problem(message, source=self.cfg.source, hint=hint))

    def check(self) -> None:
        """Raise every problem recorded so far (nothing when none)."""
        raise_problems(list(dict.fromkeys(self.problems)))


def read_role(cfg: ProjectConfig | str | os.PathLike[str], role: str, **kwargs: Any) -> gpd.GeoDataFrame:
    """Read the (single) layer of ``role`` of a config; raises on any problem.

    Examples
    --------
    >>> from wlr_geo.catalog import embedded_path
    >>> gm = read_role(embedded_path("demo.toml"), "municipalities")
    >>> len(gm)
    10
    """
    config = load_config(cfg)
    inputs = Inputs(config)
    ref = inputs.require(role, f"het lezen van rol {role!r}")
    gdf = inputs.frame(ref, **kwargs) if ref is not None else None
    inputs.check()
    assert gdf is not None
    return gdf


def validate_config(cfg: ProjectConfig) -> list[Problem]:
    """Open every layer the config names with the run's reader; returns all problems.

    (:mod:`wlr_geo.workflows.validate` checks what each command reads; this checks every layer.)
    """
    from wlr_geo.io.raster import check_raster

    inputs = Inputs(cfg)
    for ref in cfg.iter_refs():
        if not ref.path.exists():
            inputs.problems.append(Problem(
                f"{ref.where} noemt een bestand dat niet bestaat", source=str(ref.path),
                hint="corrigeer het pad (relatieve paden gelden vanaf de map van het configuratiebestand)",
            ))
        elif ref.format == "raster":
            inputs.problems.extend(check_raster(ref.path))
        elif ref.format == "klic":
            inputs.klic(ref)
        elif ref.format == "bgt":
            inputs.bgt(ref)
        elif ref.format == "parquet" and ref.path.is_dir():
            from wlr_geo.io.parquet import dataset_info

            inputs.guard(ref, lambda r=ref: dataset_info(r.path))  # type: ignore[misc]
        else:
            inputs.frame(ref, allow_empty=True)
    return list(dict.fromkeys(inputs.problems))


# ------------------------------------------------------------------------------- CLI options
#: Range of command-line options that have no config key (checked by :func:`check_cli`).
CLI_OPTIONS: dict[str, tuple[type, OptionMeta]] = {
    "--width-m": (float, OptionMeta(help="Total werkstrook width (symmetric).", unit="m", gt=0,
                                    lt=2 * MAX_WIDTH_M)),
    "--depth-tolerance": (float, OptionMeta(help="Largest distance from a depth point to its line.", unit="m",
                                            ge=0, lt=MAX_WIDTH_M)),
    "--min-separation": (float, OptionMeta(help="Minimum mean distance between alternatives.", unit="m", ge=0,
                                           le=MAX_DISTANCE_M)),
    "--corridor": (float, OptionMeta(help="Refinement corridor half width.", unit="m", gt=0, le=MAX_DISTANCE_M)),
    "--buffer-m": (float, OptionMeta(help="Buffer around a route.", unit="m", ge=0, le=100_000)),
    "--tile-m": (float, OptionMeta(help="Partition tile size.", unit="m", gt=0, le=1_000_000)),
    "--chunk-rows": (int, OptionMeta(help="Rows read at a time.", ge=1, le=100_000_000)),
}


def check_cli(flag: str, value: Any) -> Any:
    """Check a command-line option against :data:`CLI_OPTIONS` (None passes); returns the value.

    Raises
    ------
    ConfigError
        The value is not finite or out of range (one line naming the option).
    """
    if value is None:
        return None
    tp, meta = CLI_OPTIONS[flag]
    raise_problems(field_problems(value, tp, meta, flag))
    return value


def options_problems(obj: Any, where: str) -> list[Problem]:
    """Problems of an option object (re-exported for the CLI)."""
    return object_problems(obj, where)
