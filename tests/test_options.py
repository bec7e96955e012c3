"""One config check: typed options, every numeric key range-checked once, unknown names with the
nearest valid one, and ``wlr-geo validate`` agreeing with the run (issue 13 item 3, issue 15 F5)."""

from __future__ import annotations

import math
import typing
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString

from wlr_geo._errors import ConfigError
from wlr_geo._options import _numbers, describe, option_fields, type_name
from wlr_geo.analysis.claims.footprints import ClaimsOptions
from wlr_geo.analysis.impact.run import ImpactOptions
from wlr_geo.analysis.landing.criteria import LandingOptions
from wlr_geo.analysis.route.options import RouteOptions
from wlr_geo.analysis.route.strips import StripOverride, StripSpec
from wlr_geo.analysis.routing.options import RoutingOptions
from wlr_geo.analysis.scale.chunks import ScaleOptions
from wlr_geo.catalog import embedded_path
from wlr_geo.cli.main import main
from wlr_geo.config import (
    CLI_OPTIONS,
    FetchOptions,
    LayerOptions,
    MapOptions,
    ProjectOptions,
    check_cli,
    load_config,
    parse_section,
)

#: section → option class (and keys the test leaves to their own parsers).
SECTIONS: dict[str, type] = {
    "project": ProjectOptions, "route": RouteOptions, "strips": StripSpec, "impact": ImpactOptions,
    "claims": ClaimsOptions, "landing": LandingOptions, "routing": RoutingOptions, "maps": MapOptions,
    "scale": ScaleOptions, "fetch": FetchOptions,
}
_BASE = {"routing": {"start": [83_600.0, 451_200.0]}}


def _numeric_fields() -> list[tuple[str, str, typing.Any]]:
    out = []
    for section, cls in SECTIONS.items():
        for f, meta, tp in option_fields(cls):
            if any(k in type_name(tp) for k in ("number", "integer")):
                out.append((section, meta.key or f.name, tp))
    return out


def _shaped(tp: typing.Any, v: float) -> typing.Any:
    """``v`` in the shape of a field type (a scalar, a table value, a list item)."""
    name = type_name(tp)
    if name.startswith("table of [number, number]"):
        return {"x": [v, v]}
    if name.startswith("table of"):
        return {"x": v}
    if name.startswith("list of [number, number]"):
        return [[v, v]]
    if name.startswith("[number, number, number, number]"):
        return [v, v, v, v]
    if name.startswith("[number, number]"):
        return [v, v]
    if name.startswith("integer"):
        return int(v) if math.isfinite(v) and abs(v) < 1e18 else v
    return v


NUMERIC = _numeric_fields()


def test_every_numeric_option_is_bounded_and_documented():
    assert len(NUMERIC) > 40
    for section, cls in SECTIONS.items():
        for f, meta, tp in option_fields(cls):
            assert meta.help, f"[{section}] {f.name} has no help text"
            if (section, meta.key or f.name, tp) in NUMERIC:
                assert meta.le is not None or meta.lt is not None, f"[{section}] {f.name} has no upper bound"
    for info in describe(ImpactOptions):
        assert info.type and info.help
    assert any(i.unit == "m" and i.range for i in describe(StripSpec))


@pytest.mark.parametrize(("section", "key", "tp"), NUMERIC, ids=[f"{s}.{k}" for s, k, _ in NUMERIC])
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 1e300, -1.0, 0.0])
def test_numbers_are_finite_and_in_range(section, key, tp, value):
    cls = SECTIONS[section]
    meta = next(m for f, m, _ in option_fields(cls) if (m.key or f.name) == key)
    table = {**_BASE.get(section, {}), key: _shaped(tp, value)}
    allowed = math.isfinite(value) and all(
        (meta.ge is None or n >= meta.ge) and (meta.gt is None or n > meta.gt)
        and (meta.le is None or n <= meta.le) and (meta.lt is None or n < meta.lt)
        for n in _numbers(table[key]))
    if allowed:
        try:
            parse_section(section, table)
        except ConfigError as exc:  # a cross-field check may still refuse it, never a crash
            assert "Traceback" not in str(exc)
        return
    with pytest.raises(ConfigError) as info:
        parse_section(section, table)
    assert key in str(info.value) or key.split("_")[0] in str(info.value)


@pytest.mark.parametrize(("section", "table", "match"), [
    ("impact", {"building_distanse_m": 3}, "bedoeld: 'building_distance_m'"),
    ("impact", {"marker_every_m": 0}, "marker_every_m = 0 valt buiten het toegestane bereik"),
    ("impact", {"segment_m": float("nan")}, "segment_m = nan is geen eindig getal"),
    ("route", {"reverse": "yes"}, "reverse = 'yes' is geen true/false"),
    ("route", {"reverse": 1}, "reverse = 1 is geen true/false"),
    ("strips", {"werkstrook_left_m": float("inf")}, "geen eindig getal"),
    ("strips", {"werkstrook_left_m": 1e300}, "buiten het toegestane bereik"),
    ("strips", {"override": [{"from_m": 0, "to_m": 10, "werkstrook_left_m": float("inf")}]}, "override"),
    ("strips", {"footprints": {"station": [0, 10]}}, "footprints"),
    ("scale", {"engine": "dask2"}, "bedoeld: 'dask'"),
    ("claims", {"tolerance_m2": -1}, "tolerance_m2"),
    ("claims", {"klic_protection_m": {"gasHogeDruk": float("nan")}}, "klic_protection_m"),
    ("landing", {"n_samples": 0}, "n_samples"),
    ("landing", {"perturbation": True}, "perturbation = True is geen getal"),
    ("routing", {"start": [0, 0], "cell_m": 0}, "cell_m"),
    ("routing", {"start": [1e300, 0]}, "start"),
    ("routing", {"start": [83_600.0, 451_200.0], "k": 2.5}, "k = 2.5 is geen geheel getal"),
    ("routing", {}, "heeft geen start"),
    ("fetch", {"timeout_s": 0}, "timeout_s"),
])
def test_bad_sections_give_one_line_each(section, table, match):
    with pytest.raises(ConfigError, match=match) as info:
        parse_section(section, table)
    for p in info.value.problems:
        assert "\n" not in str(p)


def _write(tmp_path: Path, text: str, name: str = "c.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_unknown_sections_roles_and_keys_name_the_nearest(tmp_path):
    cfg = _write(tmp_path, """
[impakt]
building_distance_m = 3
[layers.municipalites]
catalog = "municipalities"
[layers.route]
catalog = "route_variants"
laayer = "x"
[layers.wijken]
catalog = "wijkken"
""")
    with pytest.raises(ConfigError) as info:
        load_config(cfg)
    text = str(info.value)
    assert "'impakt'" in text and "bedoeld: 'impact'" in text
    assert "[layers.municipalites]" in text and "bedoeld: 'municipalities'" in text
    assert "'laayer'" in text and "bedoeld: 'layer'" in text
    assert "'wijkken'" in text and "bedoeld: 'wijken'" in text
    assert len(info.value.problems) == 4


def test_empty_config_names_the_required_roles(tmp_path):
    for text in ("", "[project]\nname = 'x'\n"):
        with pytest.raises(ConfigError) as info:
            load_config(_write(tmp_path, text))
        msg = str(info.value)
        assert "noemt geen lagen" in msg
        for role in ("route", "claims", "landing_candidates"):
            assert f"[layers.{role}]" in msg


def test_layer_keys_are_checked(tmp_path):
    cfg = _write(tmp_path, """
[layers.route]
catalog = "route_variants"
assume_crs = "EPSG:999999"
[layers.municipalities]
catalog = "municipalities"
encoding = "klingon-8"
[[layers.crossing_layers]]
catalog = "power_links"
category = "highway"
[[layers.constraints]]
catalog = "coepelduynen_landcover"
buffer_m = -5
reverse = true
""")
    with pytest.raises(ConfigError) as info:
        load_config(cfg)
    text = str(info.value)
    assert "EPSG:999999" in text and "geen CRS dat PROJ kent" in text
    assert "klingon-8" in text and "encoding" in text
    assert "category = 'highway' is niet toegestaan" in text
    assert "buffer_m = -5" in text


def test_demo_config_loads_into_typed_options():
    cfg = load_config(embedded_path("demo.toml"))
    o = cfg.options
    assert isinstance(o.strips, StripSpec) and isinstance(o.impact, ImpactOptions)
    assert o.route.variant_column == "variant" and o.route.reverse is False
    assert o.routing is not None and o.routing.k == 2 and o.routing.start == (83_600.0, 451_200.0)
    assert o.routing.raster_costs == (("population_density", 0.0005),)
    assert o.landing.seed == 20261126 and o.claims.tolerance_m2 == 0.01
    assert cfg.layer("power_links").category == "cable_pipe"


def test_cli_options_are_range_checked():
    for flag in CLI_OPTIONS:
        with pytest.raises(ConfigError, match=flag):
            check_cli(flag, math.nan)
        with pytest.raises(ConfigError, match=flag):
            check_cli(flag, 1e300)
    assert check_cli("--width-m", 30.0) == 30.0
    assert check_cli("--width-m", None) is None


def test_layer_options_document_every_key():
    keys = {i.key for i in describe(LayerOptions)}
    assert {"catalog", "file", "layer", "format", "assume_crs", "encoding", "category", "buffer_m"} <= keys


def test_strip_override_is_an_option_class():
    assert {i.key for i in describe(StripOverride)} >= {"from_m", "to_m", "werkstrook_left_m"}


# ---------------------------------------------------------------- validate agrees with the run
def _project(tmp_path: Path) -> Path:
    """A small route with two variants through Leiden, as a GeoPackage."""
    route = gpd.GeoDataFrame(
        {"variant": ["A", "B"]},
        geometry=[LineString([(93_000, 463_000), (95_000, 463_500)]),
                  LineString([(93_000, 463_000), (94_000, 462_000), (95_000, 463_500)])],
        crs="EPSG:28992")
    path = tmp_path / "route.gpkg"
    route.to_file(path, layer="route")
    return path


GOOD = """
[layers.route]
file = "route.gpkg"
layer = "route"
[layers.municipalities]
catalog = "municipalities"
[[layers.crossing_layers]]
catalog = "power_links"
category = "cable_pipe"
[route]
variant_column = "variant"
"""

#: name → (config text, command, does it start?)
CASES: dict[str, tuple[str, str, bool]] = {
    "good": (GOOD, "impact", True),
    "misspelt role": (GOOD.replace("layers.municipalities", "layers.municipalites"), "impact", False),
    "nan distance": (GOOD + "[impact]\nbuilding_distance_m = nan\n", "impact", False),
    "reverse yes": (GOOD + 'reverse = "yes"\n', "impact", False),
    "zero marker spacing": (GOOD + "[impact]\nmarker_every_m = 0\n", "impact", False),
    "empty": ("", "impact", False),
    "variant does not exist": (GOOD + 'reverse = ["Z"]\n', "impact", False),
    "variant exists": (GOOD + 'reverse = ["B"]\n', "impact", True),
    "layer not in file": (GOOD.replace('layer = "route"', 'layer = "routes"'), "impact", False),
    "missing file": (GOOD.replace("route.gpkg", "nope.gpkg"), "impact", False),
    "unknown crs": (GOOD.replace('layer = "route"\n', 'layer = "route"\nassume_crs = "EPSG:999999"\n'), "impact",
                    False),
    "width 1e300": (GOOD + "[strips]\nwerkstrook_left_m = 1e300\n", "impact", False),
    "variant column missing": (GOOD.replace('variant_column = "variant"', 'variant_column = "varaint"'),
                               "impact", False),
    "claims missing file": (GOOD + '[layers.claims]\nfile = "nope.gpkg"\n', "claims", False),
    "claims without claims": (GOOD, "claims", False),
    "landing without candidates": (GOOD, "landing", False),
}


@pytest.mark.parametrize("name", list(CASES))
def test_validate_agrees_with_the_run(tmp_path, capsys, name):
    text, command, starts = CASES[name]
    _project(tmp_path)
    cfg = _write(tmp_path, text)
    out = tmp_path / "out"
    verdict = main(["validate", "--command", command, str(cfg)])
    run = main([command, str(cfg), "-o", str(out)])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert (verdict == 0) == (run == 0) == starts, (name, verdict, run, err)
    if not starts:
        assert verdict == run == 2
        assert not (out / "manifest.json").exists()  # nothing written by a run that does not start


def test_validate_without_command_checks_every_applicable_command(tmp_path, capsys):
    _project(tmp_path)
    cfg = _write(tmp_path, GOOD + '[layers.claims]\nfile = "nope.gpkg"\n')
    assert main(["validate", str(cfg)]) == 2  # the claims run would not start
    assert "nope.gpkg" in capsys.readouterr().err
    assert main(["validate", "--command", "impact", str(cfg)]) == 0
    assert "impact" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["demo.toml", "demo_ondergrond.toml", "demo_bovengrond.toml"])
def test_validate_passes_the_embedded_configs_that_the_demo_runs(capsys, name):
    """The demo runs these configs (tests/test_demo.py), so validate must pass them."""
    assert main(["validate", str(embedded_path(name))]) == 0
    out = capsys.readouterr().out
    assert "geen problemen gevonden" in out and "impact" in out
