"""MkDocs hook of the wlr_geo documentation: the generated reference pages.

Two pages are not written by hand but generated from the code on every build, so they cannot
drift from it:

* ``reference/config.md`` — every config section and key, from the typed options
  (:func:`wlr_geo._options.describe` on the option classes of :class:`wlr_geo.config.Options`),
  the layer roles (:data:`wlr_geo.config.ROLES`), the keys of a layer table
  (:class:`wlr_geo.config.LayerOptions`), the sub-tables (strip overrides, claim templates,
  landing criteria, crossing rules, cost table) and the packaged defaults;
* ``reference/outputs.md`` — every output file, layer, sheet and column with its Dutch label
  and unit, from the outputs registry :mod:`wlr_geo.outputs`.

The generator checks itself against the code: a config section without a documented option
class, a sub-table key the reader does not accept, or a key the reader accepts that the page
does not list, stops the build with a message naming it.

The hook also fills markers in the written pages: ``<!-- wlr:kolommen FILE LAYER COLUMN... -->``
with a Dutch table of those columns from the registry (an unknown column stops the build),
``<!-- wlr:rapport-tabellen -->`` with the report's tables, and
``<!-- wlr:report-screenshots -->`` with the report screenshots ``docs/img/rapport_*.png`` that
exist (none is not an error; the page then says so).
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import re
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "GENERATED",
    "column_table_nl",
    "config_reference",
    "expand_markers",
    "on_files",
    "on_page_markdown",
    "output_reference",
    "report_screenshots",
    "report_tables_nl",
]

#: Generated pages: path in the site → generator.
GENERATED: dict[str, Callable[[], str]] = {}

_UNITS = {"m2": "m²", "deg": "°", "1/s": "per s"}


class ReferenceError(RuntimeError):
    """The documentation and the code disagree (the message says where)."""


# ----------------------------------------------------------------------------- small helpers
def _cell(text: Any) -> str:
    """Text safe inside a Markdown table cell.

    Braces outside code spans are escaped: attr_list would take a trailing ``{object_class}``
    for an attribute list of the cell and drop it from the text.
    """
    parts = re.split(r"(`[^`]*`)", str(text))
    for i in range(0, len(parts), 2):  # the even parts are outside code spans
        parts[i] = parts[i].replace("\\", "\\\\").replace("{", "\\{").replace("}", "\\}")
    text = "".join(parts)
    return text.replace("|", "\\|").replace("\n", " ").strip()


def _code(text: Any) -> str:
    s = str(text)
    return f"`` {s} ``" if "`" in s else f"`{s}`"


def _unit(unit: str | None) -> str:
    return _UNITS.get(unit, unit) if unit else ""


def _toml(value: Any) -> str:
    """A default value as it would be written in TOML."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isinf(value):
            return '"barrier"'
        return f"{value:g}" if abs(value) >= 1e6 or value != int(value) else f"{value:.1f}"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def numpydoc_section(obj: Any, section: str = "Parameters") -> dict[str, str]:
    """Name → text of a numpydoc ``Parameters``/``Attributes`` section (``a, b`` give both)."""
    doc = inspect.cleandoc(obj.__doc__ or "")
    lines = doc.splitlines()
    out: dict[str, str] = {}
    try:
        start = next(i for i, line in enumerate(lines[:-1])
                     if line.strip() == section and set(lines[i + 1].strip()) == {"-"})
    except StopIteration:
        return out
    names: list[str] = []
    for line in lines[start + 2:]:
        if not line.strip():
            continue
        if not line.startswith(" "):
            if re.fullmatch(r"-{3,}", line.strip()):
                break
            if re.fullmatch(r"[A-Z][A-Za-z ]+", line.strip()) and not re.search(r"[,:]", line):
                break  # the next section's title
            names = [n.strip() for n in line.split(":")[0].split(",")]
            for n in names:
                out[n] = ""
        else:
            for n in names:
                out[n] = (out[n] + " " + line.strip()).strip()
    return {k: _plain(v) for k, v in out.items()}


def _plain(text: str) -> str:
    """numpydoc prose as Markdown: Sphinx roles as code, double backticks as single."""
    text = re.sub(r":(?:py:)?[a-z]+:`~?([^`]+)`", lambda m: f"`{m[1].rsplit('.', 1)[-1]}`", text)
    return text.replace("``", "`")


def _anchor(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# ------------------------------------------------------------------------------- config page
def _option_rows(cls: type, *, skip: Iterable[str] = ()) -> list[list[str]]:
    from wlr_geo._options import describe

    rows = []
    for info in describe(cls):
        if info.key in skip:
            continue
        default = _toml(info.default)
        if len(default) > 60:
            default = "see below"
        text = _plain(info.help)
        if info.example:
            text += f" Example: `{info.key} = {info.example}`."
        rows.append([_code(info.key), info.type, _code(default) if default not in ("—", "see below")
                     else default, _unit(info.unit), info.range, text])
    return rows


_OPTION_HEADER = ("key", "type", "default", "unit", "allowed", "meaning")


def _options_table(cls: type, *, skip: Iterable[str] = ()) -> str:
    rows = _option_rows(cls, skip=skip)
    if not rows:
        raise ReferenceError(f"{cls.__qualname__} has no documented options (fields made with option())")
    return _table(_OPTION_HEADER, rows)


def _dataclass_table(cls: type, *, skip: Iterable[str] = (), where: str) -> str:
    """Keys of a sub-table given by a plain dataclass, explained by its numpydoc Parameters."""
    hints = typing.get_type_hints(cls)
    texts = numpydoc_section(cls, "Parameters")
    from wlr_geo._options import type_name

    rows = []
    for f in dataclasses.fields(cls):
        if f.name in skip:
            continue
        if f.name not in texts:
            raise ReferenceError(f"{where}: {cls.__qualname__}.{f.name} is not explained in its docstring's "
                                 "Parameters section")
        if f.default is not dataclasses.MISSING:
            default = _code(_toml(f.default)) if f.default is not None else "—"
        else:
            default = "required" if f.default_factory is dataclasses.MISSING else ""
        unit = "m" if f.name.endswith("_m") else "m²" if f.name.endswith("_m2") else ""
        rows.append([_code(f.name), type_name(hints[f.name]), default, unit, texts[f.name]])
    return _table(("key", "type", "default", "unit", "meaning"), rows)


def _allowed_from_hint(call: Callable[[], Any]) -> set[str]:
    """The keys a reader accepts, from the hint of its unknown-key error."""
    from wlr_geo._errors import WlrGeoInputError

    try:
        call()
    except WlrGeoInputError as exc:
        for hint in (p.hint or "" for p in exc.problems):
            m = re.search(r"(?:allowed|use only|use one of|toegestaan|gebruik alleen|gebruik één van):?\s*\[?([A-Za-z_', ]+)\]?", hint)
            if m:
                return {k.strip(" '") for k in m[1].split(",") if k.strip(" '")}
    raise ReferenceError("could not read the allowed keys from the reader's message")


def _check_same(documented: Iterable[str], accepted: set[str], where: str) -> None:
    documented = set(documented)
    if documented != accepted:
        raise ReferenceError(f"{where}: the reference documents {sorted(documented)} but the reader accepts "
                             f"{sorted(accepted)}; update docs/hooks/wlr_docs.py")


def _section_project() -> str:
    from wlr_geo.config import ProjectOptions

    return _options_table(ProjectOptions)


def _section_layers() -> str:
    from wlr_geo.categories import LABELS_NL
    from wlr_geo.config import MAP_ROLES, ROLES, LayerOptions
    from wlr_geo.io.dispatch import FORMATS

    parts = [
        "Each `[layers.<role>]` table names the layer that plays a role; a role that holds several "
        "layers is an array of tables (`[[layers.crossing_layers]]`). A role no command reads is an error, "
        "unless `[routing]` (`cost_layers`, `raster_costs`, `landing_candidates`) or `[maps.roles]` names it.\n",
        "### Roles\n",
        _table(("role", "holds", "read by", "array"),
               ([_code(role), info.help, ", ".join(f"`{c}`" for c in info.commands), "yes" if info.multiple else ""]
                for role, info in ROLES.items())),
        "\nThe maps also recognise these names for the layers they draw (`[maps.roles]` maps one onto "
        "another):\n",
        _table(("map role", "also named"), ([_code(r), ", ".join(f"`{a}`" for a in names if a != r)]
                                            for r, names in MAP_ROLES.items())),
        "\n### Keys of a layer table\n",
        "A table has either `catalog` or `file`. Formats: " + ", ".join(f"`{f}`" for f in FORMATS) + ".\n\n",
        _options_table(LayerOptions),
        "\n### Impact categories\n",
        "The codes that `category` (and a `category_column`) takes, with their Dutch labels "
        "(`wlr_geo.categories`):\n\n",
        _table(("code", "Dutch label"), ([_code(k), v] for k, v in LABELS_NL.items())),
    ]
    return "\n".join(parts)


def _section_route() -> str:
    from wlr_geo.analysis.route.options import RouteOptions

    return ("The same keys may stand in `[layers.route]`; `[route]` wins.\n\n" + _options_table(RouteOptions))


def _section_strips() -> str:
    from wlr_geo.analysis.route.strips import DEFAULT_FOOTPRINTS_M, StripOverride, StripSpec

    return "\n".join([
        "Widths are **assumptions** for a DN 700–900 transport pipeline; left and right are seen in the "
        "direction of increasing chainage.\n",
        _options_table(StripSpec),
        "\n### `[[strips.override]]`\n",
        "Other widths on a chainage range `[from_m, to_m)`; ranges may not overlap. A width left out keeps "
        "the `[strips]` value.\n",
        _options_table(StripOverride),
        "\n### `[strips.footprints]` defaults\n",
        "Footprint of a site (`[layers.sites]`) per kind, as `[length_m, width_m]`; a config table is merged "
        "over these.\n",
        _table(("kind", "length (m)", "width (m)"), ([_code(k), _toml(v[0]), _toml(v[1])]
                                                     for k, v in DEFAULT_FOOTPRINTS_M.items())),
    ])


def _section_impact() -> str:
    from wlr_geo.analysis.impact.below_ground import load_clearances
    from wlr_geo.analysis.impact.run import ImpactOptions

    return "\n".join([
        _options_table(ImpactOptions),
        "\n### `[impact.clearance_m]` defaults\n",
        "Minimum horizontal distance (m) between the centreline and a cable or pipe per IMKL thema "
        "(`wlr_geo/defaults/clearances.toml`; planning assumptions after NEN 3650/3651 practice — check "
        "them with each netbeheerder). `default` applies to every other thema; 0 switches a thema off.\n",
        _table(("thema", "clearance (m)"), ([_code(k), _toml(v)] for k, v in load_clearances().items())),
    ])


#: The keys of ``[crossing_rules]`` and of one ``[[crossing_rules.rule]]`` (checked against the reader).
CROSSING_RULES_KEYS: dict[str, tuple[str, str, str]] = {
    "acute_angle_deg": ("number", "°", "Crossings at an angle below this are flagged `acute` (0–90)."),
    "default_technique": ("text", "", "Technique when no rule matches."),
    "replace": ("true/false", "", "true: the config's rules replace the default rules; false (default): "
                                  "they are tried before them."),
    "rule": ("array of tables", "", "The rules (`[[crossing_rules.rule]]`, keys below), tried top to bottom."),
    "labels": ("table of text", "", "Dutch label per technique code."),
}
CROSSING_RULE_KEYS: dict[str, tuple[str, str, str]] = {
    "object_class": ("text or list of text", "", "Crossing class: road, rail, water, cable_pipe, building, "
                                                  "green, paved, other."),
    "category": ("text or list of text", "", "Impact category code (see the categories above)."),
    "subtype": ("text or list of text", "", "The most specific type: KLIC thema, BGT function, or the category."),
    "min_width_m": ("number", "m", "Route length inside the crossed object at least this."),
    "max_width_m": ("number", "m", "Route length inside the crossed object below this."),
    "technique": ("text", "", "Result: a technique code (required)."),
    "note": ("text", "", "Why (Dutch); shown as `rule_note` in the crossing register."),
}


def _section_crossing_rules() -> str:
    from wlr_geo.analysis.crossings.rules import TECHNIQUES, load_rules

    _check_same(CROSSING_RULES_KEYS, _allowed_from_hint(lambda: load_rules({"__unknown__": 1})),
                "[crossing_rules]")
    _check_same(CROSSING_RULE_KEYS, _allowed_from_hint(
        lambda: load_rules({"rule": [{"__unknown__": 1, "technique": "hdd"}]})), "[[crossing_rules.rule]]")
    table = load_rules()
    return "\n".join([
        "The suggested crossing technique comes from a rule table; the first rule whose conditions all hold "
        "wins. The default table (`wlr_geo/defaults/crossing_rules.toml`, indicative rules of thumb) is below.\n",
        _table(("key", "type", "unit", "meaning"), ([_code(k), t, u, h] for k, (t, u, h) in CROSSING_RULES_KEYS.items())),
        "\n### `[[crossing_rules.rule]]`\n",
        "Conditions are optional (left out = any); a list means any of its values.\n",
        _table(("key", "type", "unit", "meaning"), ([_code(k), t, u, h] for k, (t, u, h) in CROSSING_RULE_KEYS.items())),
        "\n### Techniques\n",
        _table(("code", "Dutch label"), ([_code(k), v] for k, v in TECHNIQUES.items())),
        f"\n### Default rules\n\nAcute below {table.acute_angle_deg:g}°; no match → "
        f"`{table.default_technique}`.\n",
        _table(("#", "object_class", "category", "subtype", "width (m)", "technique", "note"), (
            [str(i), ", ".join(r.object_class or ()), ", ".join(r.category or ()), ", ".join(r.subtype or ()),
             _width_range(r.min_width_m, r.max_width_m), _code(r.technique), r.note]
            for i, r in enumerate(table.rules, 1))),
    ])


def _width_range(lo: float | None, hi: float | None) -> str:
    if lo is None and hi is None:
        return ""
    if hi is None:
        return f"≥ {lo:g}"
    if lo is None:
        return f"< {hi:g}"
    return f"{lo:g} – {hi:g}"


def _section_claims() -> str:
    from wlr_geo.analysis.claims.footprints import (
        ClaimsOptions,
        ClaimTemplate,
        load_claim_templates,
        load_klic_protection_widths,
    )

    every_key = {f.name: 1.0 for f in dataclasses.fields(ClaimTemplate) if f.name.endswith(("_m", "_m2"))}
    load_claim_templates({"docs_check": {**every_key, "label": "x", "note": "x"}})  # every key is accepted
    templates = load_claim_templates()
    return "\n".join([
        _options_table(ClaimsOptions),
        "\n### `[claims.templates.<facility_type>]`\n",
        "How the footprint of a facility type is drawn around a point or line claim; a config table overrides "
        "the packaged template of that type key by key (or adds a type).\n",
        _dataclass_table(ClaimTemplate, skip=("facility_type",), where="[claims.templates]"),
        "\n### Default templates (assumptions)\n",
        _table(("facility type", "label", "width (m)", "length (m)", "footprint (m²)", "clearance (m)", "note"), (
            [_code(k), t.label, _toml(t.width_m), _toml(t.length_m), _toml(t.footprint_m2), _toml(t.clearance_m),
             t.note] for k, t in templates.items())),
        "\n### `[claims.klic_protection_m]` defaults\n",
        "Half width (m each side) of the protection strip around KLIC cables and pipes of these themas, drawn "
        "as a constraint for the claims.\n",
        _table(("thema", "half width (m)"), ([_code(k), _toml(v)] for k, v in load_klic_protection_widths().items())),
    ])


def _section_landing() -> str:
    from wlr_geo.analysis.landing.criteria import (
        DEFAULT_CRITERIA,
        Criterion,
        LandingOptions,
        criteria_from_config,
    )

    every_key = {f.name: getattr(DEFAULT_CRITERIA[0], f.name) for f in dataclasses.fields(Criterion)}
    criteria_from_config([every_key])  # every key is accepted
    return "\n".join([
        _options_table(LandingOptions),
        "\n### `[[landing.criteria]]`\n",
        "One table per criterion; the criteria given replace the defaults.\n",
        _dataclass_table(Criterion, where="[[landing.criteria]]"),
        "\n### Default criteria\n",
        _table(("name", "direction", "normalisation", "weight", "label"), (
            [_code(c.name), c.direction, c.normalisation, _toml(c.weight), c.label] for c in DEFAULT_CRITERIA)),
    ])


#: The tables of a cost table (``cost_table_file`` or ``[routing.cost_table]``), checked against the reader.
COST_TABLE_KEYS: dict[str, str] = {
    "base": "Cost per metre of open ground (default 1.0): costs are equivalent metres of open-ground trench.",
    "area": "Category → cost per metre inside polygons of that category; \"barrier\" = impassable.",
    "crossing": "Category → surcharge per crossing of a line of that category (equivalent m); \"barrier\" = "
                "may not be crossed.",
    "buffer": "Category → rings `[[distance_m, added_cost], ...]` around features of that category.",
    "bundling": "`categories`, `width_m`, `factor`: cells within `width_m` of lines of these categories cost "
                "`factor` (0–1] times as much (bundling along existing lines).",
    "roles": "Layer role → category of its features when they have no `category` column.",
}


def _section_routing() -> str:
    from wlr_geo.analysis.routing.cost import DEFAULT_COST_TABLE, CostTable
    from wlr_geo.analysis.routing.options import RoutingOptions
    from wlr_geo.categories import CATEGORIES
    from wlr_geo.config import parse_section

    _check_same(COST_TABLE_KEYS, _allowed_from_hint(lambda: CostTable.from_dict({"__unknown__": 1})),
                "[routing.cost_table]")
    parse_section("routing", {"start": [90000.0, 460000.0], "cost_table_file": str(DEFAULT_COST_TABLE)})
    cost = CostTable.default()
    rows = []
    for code in CATEGORIES:
        rings = ", ".join(f"{d:g} m: +{c:g}" for d, c in cost.buffer.get(code, ()))
        rows.append([_code(code), _toml(cost.area.get(code, cost.base)), _toml(cost.crossing.get(code, 0.0)),
                     rings, "yes" if code in cost.bundling_categories else ""])
    return "\n".join([
        "Least-cost route alternatives (`wlr-geo route`). Only a config with a `[routing]` table has them.\n",
        _options_table(RoutingOptions, skip=("cost_table",)),
        "\n### The cost table\n",
        "`cost_table_file = \"costs.toml\"` (relative to the config) replaces the packaged table "
        "(`wlr_geo/defaults/cost_table.toml`); `[routing.cost_table]` sub-tables override single values of "
        "it. Both take these tables:\n",
        _table(("table", "meaning"), ([_code(k), v] for k, v in COST_TABLE_KEYS.items())),
        f"\n### Default costs\n\nBase {cost.base:g} per metre; bundling within {cost.bundling_width_m:g} m "
        f"× {cost.bundling_factor:g}.\n",
        _table(("category", "area cost per m", "crossing surcharge (m)", "buffer rings", "bundling"), rows),
    ])


def _section_maps() -> str:
    from wlr_geo.config import MapOptions

    return ("The maps themselves are defined in `maps/*.toml` (layers, popups, groups); `[maps]` only "
            "says which config layers play which map role.\n\n" + _options_table(MapOptions))


def _section_scale() -> str:
    from wlr_geo.analysis.scale.chunks import ScaleOptions

    return _options_table(ScaleOptions)


def _section_fetch() -> str:
    from wlr_geo.config import FetchOptions

    return ("Settings of `wlr-geo fetch --config CONFIG`, the only command that uses the network.\n\n"
            + _options_table(FetchOptions))


#: Config section → generator. Every section of :data:`wlr_geo.config.SECTIONS` must be here.
SECTION_PAGES: dict[str, Callable[[], str]] = {
    "project": _section_project,
    "layers": _section_layers,
    "route": _section_route,
    "strips": _section_strips,
    "impact": _section_impact,
    "crossing_rules": _section_crossing_rules,
    "claims": _section_claims,
    "landing": _section_landing,
    "routing": _section_routing,
    "maps": _section_maps,
    "scale": _section_scale,
    "fetch": _section_fetch,
}


def config_reference() -> str:
    """The config reference page (Markdown), generated from the typed options."""
    import wlr_geo
    from wlr_geo.config import CLI_OPTIONS, SECTIONS, Options

    sections = list(SECTIONS)
    missing = [s for s in sections if s not in SECTION_PAGES]
    stale = [s for s in SECTION_PAGES if s not in SECTIONS]
    option_sections = [f.name for f in dataclasses.fields(Options)]
    unlisted = [s for s in option_sections if s not in SECTIONS]
    if missing or stale or unlisted:
        raise ReferenceError(f"config sections and the reference disagree: undocumented {missing + unlisted}, "
                             f"no longer in wlr_geo.config.SECTIONS {stale}")
    out = [
        "# Config reference\n",
        f"*Generated from the typed options of wlr_geo {wlr_geo.__version__} when the documentation is built "
        "(`docs/hooks/wlr_docs.py`): it lists exactly what `wlr-geo validate` checks.*\n",
        "A project config is a TOML file. Each key has a type, a default, a unit and an allowed range; "
        "`wlr-geo validate CONFIG` (and every command) checks the whole file before anything runs and "
        "reports every problem at once, naming the nearest valid key for a misspelt one. Paths are relative "
        "to the config file; `embedded:` names the embedded data folder. `layers/demo.toml` is a complete "
        "example.\n",
        _table(("section", "what"), ([f"[`[{s}]`](#{_anchor(s)})", SECTIONS[s]] for s in sections)),
    ]
    for s in sections:
        out.append(f"\n## `[{s}]` {{ #{_anchor(s)} }}\n")
        out.append(SECTION_PAGES[s]())
    out.append("\n## Command-line options without a config key\n")
    out.append("Checked the same way (`wlr_geo.config.CLI_OPTIONS`).\n")
    out.append(_table(("option", "type", "unit", "allowed", "meaning"), (
        [_code(flag), "integer" if tp is int else "number", _unit(meta.unit), meta.range_text(), meta.help]
        for flag, (tp, meta) in CLI_OPTIONS.items())))
    return "\n".join(out)


GENERATED["reference/config.md"] = config_reference


# ------------------------------------------------------------------------------ outputs page
_COMMANDS = {
    "*": "Every command",
    "impact": "wlr-geo impact",
    "route": "wlr-geo route",
    "claims": "wlr-geo claims",
    "landing": "wlr-geo landing",
    "map": "wlr-geo map",
    "report": "wlr-geo report",
    "klic": "wlr-geo klic",
    "bgt": "wlr-geo bgt",
    "convert": "wlr-geo convert",
    "demo": "wlr-geo demo",
}
_KINDS = {"gpkg": "GeoPackage", "csv": "CSV table (UTF-8, comma-separated)", "xlsx": "Excel workbook",
          "json": "JSON", "html": "HTML page", "pdf": "PDF", "png": "PNG image", "tif": "GeoTIFF raster",
          "txt": "text", "parquet-dataset": "folder of GeoParquet files"}


def _file_anchor(name: str) -> str:
    return "out-" + _anchor(name)


def output_reference() -> str:
    """The output reference page (Markdown), generated from :mod:`wlr_geo.outputs`."""
    import wlr_geo
    from wlr_geo.outputs import OUTPUTS

    commands = list(dict.fromkeys(f.command for f in OUTPUTS.values()))
    unknown = [c for c in commands if c not in _COMMANDS]
    if unknown:
        raise ReferenceError(f"outputs registry has commands the reference does not know: {unknown}")
    out = [
        "# Output reference\n",
        f"*Generated from the outputs registry `wlr_geo.outputs` of wlr_geo {wlr_geo.__version__} when the "
        "documentation is built. The writers, the maps, the report and the manifest use the same registry.*\n",
        "Every file a command writes into its output folder, with its layers (GeoPackage), sheets (Excel) or "
        "columns (CSV). Per column: the machine name, the Dutch label (the header in Excel, the alias in "
        "QGIS, the label in map popups), the unit and the meaning. Lengths and areas are in metres and "
        "square metres in RD New (EPSG:28992); chainage (`chainage_m`, `from_m`, `to_m`) is the distance "
        "along the route from its first vertex. A name in braces is a pattern: `n_{object_class}` is one "
        "column per object class found, `kaart_{map}.html` one file per map. *Optional* files and layers "
        "are written only when their input was given.\n",
    ]
    index_rows = [[f"[`{f.name}`](#{_file_anchor(f.name)})", _KINDS.get(f.kind, f.kind), f"`{_COMMANDS[f.command]}`"
                   if f.command != "*" else "every command", f.title] for f in OUTPUTS.values()]
    out.append(_table(("file", "kind", "written by", "Dutch title"), index_rows))
    seen: dict[int, tuple[str, str]] = {}
    for command in commands:
        out.append(f"\n## {_COMMANDS[command]}\n")
        for f in (f for f in OUTPUTS.values() if f.command == command):
            out.append(f"\n### `{f.name}` {{ #{_file_anchor(f.name)} }}\n")
            facts = [_KINDS.get(f.kind, f.kind), f"Dutch title: *{f.title}*"]
            if f.optional:
                facts.append("optional")
            out.append("; ".join(facts) + "." + (f" {f.description}" if f.description else "") + "\n")
            if f.report:
                out.append(f"\nIn the report as *{f.report[0]}* — {f.report[1]}.\n")
            for lay in f.layers:
                out.append(_layer_block(f.name, f.kind, lay, seen))
    return "\n".join(out)


def _layer_block(file: str, kind: str, lay: Any, seen: dict[int, tuple[str, str]]) -> str:
    what = {"gpkg": "layer", "xlsx": "sheet"}.get(kind, "table")
    anchor = f"{_file_anchor(file)}-{_anchor(lay.name) or 'layer'}"
    title = lay.title.replace("{", "\\{").replace("}", "\\}")
    head = f"\n#### {what} `{lay.name}` — {title} {{ #{anchor} }}\n\n"
    facts = []
    if lay.geometry:
        facts.append(f"geometry: {lay.geometry if lay.geometry != 'any' else 'as the input'}")
    elif kind == "gpkg":
        facts.append("no geometry (table)")
    if lay.optional:
        facts.append("optional")
    if lay.roles:
        facts.append("map role " + ", ".join(f"`{r}`" for r in lay.roles))
    text = (lay.description + " " if lay.description else "") + ("(" + "; ".join(facts) + ")" if facts else "")
    body = text.strip() + "\n\n" if text.strip() else ""
    if lay.passthrough:
        body += "Keeps the columns of its input as well.\n\n"
    key = id(lay)
    if key in seen and lay.columns:
        first_file, first_anchor = seen[key]
        return head + body + f"Columns as in [`{first_file}`](#{first_anchor}).\n"
    if lay.columns:
        seen[key] = (file, anchor)
        body += _table(("column", "Dutch label", "unit", "meaning"),
                       ([_code(c.name), c.label, _unit(c.unit), c.description] for c in lay.columns))
    return head + body


GENERATED["reference/outputs.md"] = output_reference


# ------------------------------------------------------------------------------ screenshots
_SCREENSHOT_MARKER = "<!-- wlr:report-screenshots -->"


def report_screenshots(img_dir: Path, *, prefix: str = "img/") -> str:
    """Markdown images of ``rapport_*.png`` in ``img_dir`` (a sentence when there are none)."""
    shots = sorted(img_dir.glob("rapport_*.png"))
    if not shots:
        return ("*(Schermafbeeldingen van het rapport volgen; open intussen `report.html` uit de demo.)*\n")
    return "\n".join(f"![Rapport: {p.stem.removeprefix('rapport_').replace('_', ' ')}]({prefix}{p.name})\n"
                     for p in shots)


# ------------------------------------------------------------------ markers in written pages
_COLUMNS_MARKER = re.compile(r"<!-- wlr:kolommen (?P<file>\S+) (?P<layer>\S+)(?P<cols>(?: \S+)*) -->")
_REPORT_MARKER = "<!-- wlr:rapport-tabellen -->"


def column_table_nl(file: str, layer: str, columns: Sequence[str] = ()) -> str:
    """A Dutch table of (some) columns of a registered output: name, Dutch label, unit."""
    from wlr_geo.outputs import output

    lay = output(file).layer(layer)
    wanted = list(columns) or [c.name for c in lay.columns]
    rows = []
    for name in wanted:
        col = lay.column(name)
        if col is None:
            raise ReferenceError(f"docs: {file} layer {layer} has no column {name!r} in wlr_geo.outputs")
        rows.append([_code(col.name), col.label, _unit(col.unit)])
    return _table(("kolom", "betekenis", "eenheid"), rows)


def report_tables_nl() -> str:
    """The report's tables in report order (Dutch section titles and captions) with their file."""
    from wlr_geo.outputs import report_tables

    return "\n".join(f"* *{title}* — {caption} (`{file}`)" for file, title, caption, _ in report_tables()) + "\n"


def expand_markers(markdown: str, *, img_dir: Path, img_prefix: str) -> str:
    """Markdown with the ``<!-- wlr:... -->`` markers of a written page filled in."""
    markdown = _COLUMNS_MARKER.sub(
        lambda m: column_table_nl(m["file"], m["layer"], m["cols"].split()), markdown)
    markdown = markdown.replace(_REPORT_MARKER, report_tables_nl())
    return markdown.replace(_SCREENSHOT_MARKER, report_screenshots(img_dir, prefix=img_prefix))


# ----------------------------------------------------------------------------- mkdocs events
def on_files(files: Any, config: Any, **kwargs: Any) -> Any:
    """Add the generated pages to the site (regenerated on every build)."""
    from mkdocs.structure.files import File

    for src_uri, make in GENERATED.items():
        files.append(File.generated(config, src_uri, content=make()))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any, **kwargs: Any) -> str:
    """Fill the markers of a written page (column tables, report tables, screenshots)."""
    if "<!-- wlr:" not in markdown:
        return markdown
    depth = page.file.src_uri.count("/")
    return expand_markers(markdown, img_dir=Path(config["docs_dir"]) / "img", img_prefix="../" * depth + "img/")
