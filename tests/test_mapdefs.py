"""Tests of the consultation-map definitions (maps/*.toml) and their loader."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from wlr_geo import ConfigError
from wlr_geo.catalog import embedded_maps_dir
from wlr_geo.present.mapdefs import (
    GROUP_NAMES,
    STANDARD_MAPS,
    instantiate_for_municipality,
    load_map_definition,
    load_standard_definitions,
    map_definition_from_dict,
    palette_entries,
)
from wlr_geo.present.styles import THEMA_COLOURS, THEMA_LABELS_NL


def _minimal(**extra):
    data = {
        "title": "Test",
        "group": [{"name": "Tracé en varianten", "layer": [{"role": "route", "label": "Tracé"}]}],
    }
    data.update(extra)
    return data


def test_every_standard_map_loads_and_uses_only_dutch_groups():
    defs = load_standard_definitions()
    assert sorted(defs) == sorted(STANDARD_MAPS)
    for d in defs.values():
        assert d.groups, d.name
        assert {g.name for g in d.groups} <= set(GROUP_NAMES)
    used = {g.name for d in defs.values() for g in d.groups}
    assert used == set(GROUP_NAMES)  # together the standard maps show every group of the issue


def test_overview_definition_content():
    d = load_map_definition("overzicht")
    assert d.title.startswith("WarmtelinQ+")
    route = next(g for g in d.groups if g.name == "Tracé en varianten").layers[0]
    assert route.role == "route" and route.category == "variant"
    assert [c.value for c in route.categories] == ["Variant A", "Variant B", "Variant C"]
    assert route.categories[1].style.dash_array == "8 6"
    assert route.categories[1].style.weight == 4  # inherited from the layer style
    assert ("length_m", "Lengte (m)") in route.popup
    assert route.chainage_interval_m == 1000
    claims = next(g for g in d.groups if g.name == "Ruimteclaims")
    assert claims.show is False
    assert [s.field for s in d.search] == ["gm_naam", "wk_naam"]
    assert d.roles[:2] == ["route", "strip"]


def test_popup_order_is_kept():
    d = load_map_definition(embedded_maps_dir() / "gemeente.toml")
    mun = next(g for g in d.groups if g.name == "Gemeenten en wijken").layers[0]
    assert [c for c, _ in mun.popup] == ["gm_naam", "gm_code", "inwoners_2021"]


def test_imkl_palette_comes_from_klic_styles():
    entries = palette_entries("imkl_thema")
    for thema, colour in THEMA_COLOURS.items():
        assert entries[thema] == (colour, THEMA_LABELS_NL[thema])
    d = load_map_definition("ondergrond")
    cables = next(g for g in d.groups if g.name == "Ondergrond per thema").layers[0]
    assert cables.palette == "imkl_thema" and cables.category == "thema"


def test_unknown_keys_groups_and_bad_values_are_all_reported(tmp_path: Path):
    text = """
title = "X"
colour_scheme = "rood"

[[group]]
name = "Leidingen"
[[group.layer]]
role = "cables"

[[group]]
name = "Werkstrook"
[[group.layer]]
role = "strip"
style = { color = "not a colour;background:url(x)", width = 3 }
opacity = 2
"""
    p = tmp_path / "kapot.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_map_definition(p)
    msgs = [pr.message for pr in exc.value.problems]
    text_all = str(exc.value)
    assert any("colour_scheme" in m for m in msgs)
    assert any("'Leidingen'" in m for m in msgs)
    assert "Tracé en varianten" in text_all  # the hint lists the allowed groups
    assert any("is not a colour" in m for m in msgs)
    assert any("width" in m for m in msgs)
    assert any("opacity" in m for m in msgs)
    assert all(pr.source == str(p) for pr in exc.value.problems)


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"basemap": "google"}, "basemap"),
        ({"basemaps": ["osm", "bing"]}, "basemaps"),
        ({"heavy_threshold": 0}, "heavy_threshold"),
        ({"fit": 3}, "fit"),
        ({"minimap": "ja"}, "minimap"),
    ],
)
def test_top_level_values_are_checked(change, needle):
    with pytest.raises(ConfigError, match=needle):
        map_definition_from_dict(_minimal(**change))


def test_layer_values_are_checked():
    bad = _minimal()
    bad["group"][0]["layer"][0].update(
        {"palette": "regenboog", "min_zoom": 40, "chainage_interval_m": -5, "categories": {"A": {"color": "#12"}}}
    )
    with pytest.raises(ConfigError) as exc:
        map_definition_from_dict(bad)
    text = str(exc.value)
    for needle in ("palette", "min_zoom", "chainage_interval_m", "is not a colour", "no category column"):
        assert needle in text


def test_duplicate_group_and_missing_title():
    data = _minimal()
    data["group"].append(dict(data["group"][0]))
    del data["title"]
    with pytest.raises(ConfigError) as exc:
        map_definition_from_dict(data)
    assert len(exc.value.problems) == 2


def test_missing_file_and_bad_toml(tmp_path: Path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_map_definition(tmp_path / "nope.toml")
    p = tmp_path / "bad.toml"
    p.write_text("title = ", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_map_definition(p)


def test_municipality_template_is_instantiated():
    d = load_map_definition("gemeente")
    assert d.per_municipality
    inst = instantiate_for_municipality(d, "'s-Gravenhage")
    assert inst.title == "WarmtelinQ+ in 's-Gravenhage"
    assert "{gemeente}" not in inst.description
    assert inst.name == "gemeente_s_gravenhage"
    assert not inst.per_municipality


def test_definition_files_are_plain_toml():
    # users edit these files: they must stay valid TOML with the documented top-level keys
    for name in STANDARD_MAPS:
        raw = tomllib.loads((embedded_maps_dir() / f"{name}.toml").read_text(encoding="utf-8"))
        assert "title" in raw and "group" in raw
