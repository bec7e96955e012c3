"""Tests of the consultation-map definitions (maps/*.toml) and their loader."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from wlr_geo import ConfigError
from wlr_geo.catalog import embedded_maps_dir
from wlr_geo.present.mapdefs import (
    EXAMPLE_MAPS,
    GROUP_NAMES,
    STANDARD_MAPS,
    instantiate_for_municipality,
    load_map_definition,
    load_standard_definitions,
    map_definition_from_dict,
    palette_entries,
)
from wlr_geo.present.styles import THEMA_COLOURS, THEMA_LABELS_NL, symbol


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
    examples = {n: load_map_definition(n) for n in EXAMPLE_MAPS}
    assert set(examples) == {"ondergrond_voorbeeld", "bovengrond_voorbeeld"}
    for d in [*defs.values(), *examples.values()]:
        assert d.groups, d.name
        assert {g.name for g in d.groups} <= set(GROUP_NAMES)
    used = {g.name for d in [*defs.values(), *examples.values()] for g in d.groups}
    assert used == set(GROUP_NAMES)  # together the maps show every group
    # every file in maps/ is a standard or an example map
    assert sorted(p.stem for p in embedded_maps_dir().glob("*.toml")) == sorted(STANDARD_MAPS + EXAMPLE_MAPS)


def test_overview_definition_content():
    d = load_map_definition("overzicht")
    assert d.title.startswith("WarmtelinQ+")
    route = next(g for g in d.groups if g.name == "Tracé en varianten").layers[0]
    assert route.role == "route" and route.category == "variant"
    assert route.palette == "variant" and route.symbol == "route" and route.categories == ()
    assert route.style == symbol("route")  # the style source's symbol, unchanged
    assert ("length_m", "Lengte (m)") in route.popup
    assert route.chainage and route.chainage_interval_m is None
    claims = next(g for g in d.groups if g.name == "Ruimteclaims")
    assert claims.show is False
    assert [s.field for s in d.search] == ["gm_naam", "wk_naam"]
    assert d.roles[:2] == ["route", "strip"]
    assert d.helper_roles == ["markers"] and d.roles[-1] == "markers" and "markers" not in d.layer_roles


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
    assert any("is geen kleur" in m for m in msgs)
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
    for needle in ("palette", "min_zoom", "chainage_interval_m", "is geen kleur", "geen categoriekolom"):
        assert needle in text


def test_duplicate_group_and_missing_title():
    data = _minimal()
    data["group"].append(dict(data["group"][0]))
    del data["title"]
    with pytest.raises(ConfigError) as exc:
        map_definition_from_dict(data)
    assert len(exc.value.problems) == 2


def test_missing_file_and_bad_toml(tmp_path: Path):
    with pytest.raises(ConfigError, match="bestaat niet"):
        load_map_definition(tmp_path / "nope.toml")
    p = tmp_path / "bad.toml"
    p.write_text("title = ", encoding="utf-8")
    with pytest.raises(ConfigError, match="geen geldige TOML"):
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


def test_new_layer_keys_are_checked():
    bad = _minimal()
    bad["group"][0]["layer"][0].update({
        "symbol": "regenboog", "formats": {"year_from": "jaartal"}, "chainage": "ja",
        "highlight_role": "crossed_objects", "style": {"marker": "ster"},
    })
    with pytest.raises(ConfigError) as exc:
        map_definition_from_dict(bad)
    text = str(exc.value)
    for needle in ("symbol = 'regenboog'", "formats.year_from", "chainage moet true of false zijn",
                   "highlight_key", "marker = 'ster'"):
        assert needle in text, needle
    assert "werkstrook" in text  # the hint lists the named symbols


def test_symbol_and_style_changes_combine():
    data = _minimal()
    data["group"][0]["layer"][0].update({"symbol": "werkstrook", "style": {"weight": 3, "dash_array": "4 2"}})
    lyr = map_definition_from_dict(data).groups[0].layers[0]
    base = symbol("werkstrook")
    assert lyr.style.weight == 3 and lyr.style.dash_array == "4 2"
    assert (lyr.style.color, lyr.style.fill_color, lyr.style.fill_opacity) == (base.color, base.fill_color, base.fill_opacity)


def _all_layers():
    for name in STANDARD_MAPS + EXAMPLE_MAPS:
        d = load_map_definition(name)
        for g in d.groups:
            for lyr in g.layers:
                yield name, lyr


def test_one_style_source_for_claims_variants_and_crossings():
    # the same category is styled by the same palette on every map, with no per-map colours
    seen = {"facility_type": set(), "variant": set(), "object_class": set(), "thema": set(), "strip": set()}
    expected = {"facility_type": "claim_type", "variant": "variant", "object_class": "crossing_class",
                "thema": "imkl_thema", "strip": "strip"}
    for name, lyr in _all_layers():
        if lyr.category in seen:
            seen[lyr.category].add(name)
            assert lyr.palette == expected[lyr.category], (name, lyr.role)
            assert lyr.categories == (), (name, lyr.role)  # no own colours or labels
        assert lyr.symbol is not None, (name, lyr.role)  # every layer's look comes from the source
    assert seen["facility_type"] >= {"overzicht", "gemeente", "ruimteclaims", "aanlanding"}
    assert "route" in {lyr.role for _, lyr in _all_layers() if lyr.palette == "variant"}


def test_crossing_layers_draw_the_crossed_object_and_routes_have_chainage():
    for name, lyr in _all_layers():
        if lyr.role == "crossings":
            assert lyr.highlight_role == "crossed_objects", name
            assert lyr.highlight_key == ("source_layer", "object_id"), name
            cols = [c for c, _ in lyr.popup]
            for col in ("variant", "chainage_m", "object_class", "technique", "gemeente"):
                assert col in cols, (name, col)
        if lyr.role == "route" and name in ("overzicht", "gemeente", "ondergrond", "ondergrond_voorbeeld"):
            assert lyr.chainage, name


def test_landing_popup_lists_rank_score_and_the_default_criteria():
    from wlr_geo.analysis.landing.criteria import DEFAULT_CRITERIA

    d = load_map_definition("aanlanding")
    landing = next(lyr for g in d.groups for lyr in g.layers if lyr.role == "landing")
    popup = dict(landing.popup)
    assert popup["rank"] == "Rang" and popup["score"].startswith("Score")
    for c in DEFAULT_CRITERIA:  # the labels of the analysis, capitalised
        assert popup[c.name] == c.label[:1].upper() + c.label[1:], c.name
    assert landing.palette == "landing_score" and landing.category == "score"
