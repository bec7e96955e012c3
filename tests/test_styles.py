"""Tests of the one style source (wlr_geo.present.styles): palettes, renderers, QGIS and matplotlib units."""

from __future__ import annotations

import json
import math
import re

import pytest

from wlr_geo.present import styles as st

HEX6 = re.compile(r"^#[0-9a-fA-F]{6}$")


@pytest.mark.parametrize("name", st.PALETTES)
def test_palettes_are_well_formed(name):
    pal = st.palette(name)
    assert pal.name == name and pal.entries
    values = [e.value for e in pal.entries]
    assert len(values) == len(set(values)) or pal.open or pal.kind == "graduated"
    for e in pal.entries:
        assert HEX6.match(e.color), (name, e)
        assert e.fill_color is None or HEX6.match(e.fill_color)
        assert e.marker is None or e.marker in st.MARKERS
        if not pal.open:
            assert e.label and "_" not in e.label, (name, e.label)  # Dutch labels, never raw codes
            assert e.label[0] == e.label[0].upper(), e.label


def test_imkl_palette_is_the_wion_table():
    from wlr_geo.present.klic_themes import THEMA_COLOURS, THEMA_LABELS_NL, THEMAS

    pal = st.palette("imkl_thema")
    assert [e.value for e in pal.entries] == list(THEMAS)
    assert {e.value: (e.color, e.label) for e in pal.entries} == {
        t: (THEMA_COLOURS[t], THEMA_LABELS_NL[t]) for t in THEMAS}
    assert pal.entry("water").color == "#0000FF"  # 0,0,255 in the WION table


def test_labels_match_the_vocabularies_of_the_analyses():
    from wlr_geo.analysis.claims.footprints import load_claim_templates
    from wlr_geo.analysis.crossings.register import object_class_of
    from wlr_geo.analysis.crossings.rules import TECHNIQUES
    from wlr_geo.categories import CATEGORIES, LABELS_NL

    templates = load_claim_templates(None)
    claim = st.palette("claim_type")
    assert {e.value for e in claim.entries} == set(templates)
    for e in claim.entries:
        assert e.label.lower() == templates[e.value].label.lower()
    assert {e.value: e.label.lower() for e in st.palette("technique").entries} == {
        k: v.lower() for k, v in TECHNIQUES.items()}
    assert {e.value: e.label.lower() for e in st.palette("impact_category").entries} == LABELS_NL
    classes = {e.value for e in st.palette("crossing_class").entries}
    assert {object_class_of(c) for c in CATEGORIES} <= classes
    assert set(st.ANALYSED_CLASSES) <= classes


def test_classes_on_one_map_never_share_a_colour():
    # variants, claims, crossings, strips and landing scores can all appear on one map
    groups = {
        "variant": [c for c, _ in st.VARIANT_SEQUENCE],
        "claim_type": [e.color for e in st.palette("claim_type").entries],
        "crossing_class": [e.fill_color for e in st.palette("crossing_class").entries],
        "strip": [e.fill_color for e in st.palette("strip").entries],
        "landing_score": [e.fill_color for e in st.palette("landing_score").entries],
        "symbols": [st.symbol(n).color for n in ("municipality", "wijk")],
    }
    seen: dict[str, str] = {}
    for name, colours in groups.items():
        assert len(colours) == len(set(colours)), name
        for c in colours:
            assert c.lower() not in seen, (c, name, seen.get(c.lower()))
            seen[c.lower()] = name


def test_variants_keep_their_look_by_position_and_stay_distinct():
    names = [f"Variant {chr(65 + i)}" for i in range(14)]
    entries = st.variant_entries(names)
    looks = [(e.color, e.dash_array) for e in entries.values()]
    assert len(set(looks)) == len(looks)  # colour AND dash tell every variant apart
    assert entries["Variant A"].dash_array is None and entries["Variant B"].dash_array == "10 6"
    # a map that shows only B and C still draws them as B and C (the full list decides)
    r = st.make_renderer("Tracé", "line", st.symbol("route"), field="variant", palette_name="variant",
                         values=["Variant C", "Variant B"], variants=names[:3])
    by_value = {c.value: c.style for c in r.classes}
    assert by_value["Variant B"].color == entries["Variant B"].color
    assert by_value["Variant C"].dash_array == entries["Variant C"].dash_array
    assert by_value["Variant C"].weight == st.symbol("route").weight  # widths from the layer symbol


def test_categorized_renderer_classes_and_index():
    r = st.make_renderer("Claims", "polygon", st.symbol("claim"), field="facility_type", palette_name="claim_type",
                         values=["werkterrein", "boosterstation", "onbekend_ding", None, "werkterrein"])
    assert r.kind == "categorized"
    assert [c.value for c in r.classes] == ["boosterstation", "werkterrein", "onbekend_ding"]  # palette order first
    assert r.classes[2].label == "onbekend_ding"  # unknown values keep their own class, auto colour
    assert r.other is not None and r.other.label == st.OTHER_LABEL
    idx = r.class_index(["werkterrein", "boosterstation", "onbekend_ding", None, float("nan"), "x"])
    assert idx == [1, 0, 2, 3, 3, 3]
    assert r.classes[0].style.fill_opacity == st.symbol("claim").fill_opacity


def test_override_classes_come_first():
    ov = [("werkterrein", "Bouwplaats", st.Style(color="#000000"))]
    r = st.make_renderer("Claims", "polygon", st.symbol("claim"), field="facility_type", palette_name="claim_type",
                         values=["boosterstation", "werkterrein"], overrides=ov)
    assert [(c.value, c.label) for c in r.classes] == [("werkterrein", "Bouwplaats"),
                                                      ("boosterstation", "Boosterstation (drukverhoging)")]


def test_graduated_renderer_bounds():
    r = st.output_renderer("landing", "candidates")
    assert r.kind == "graduated" and r.field == "score"
    ranges = [(c.lower, c.upper) for c in r.classes]
    assert ranges == [(0.8, 1.0), (0.6, 0.8), (0.4, 0.6), (0.0, 0.4)]
    values = [1.0, 0.8, 0.7999, 0.6, 0.4, 0.0, 0.39, None, float("nan"), "geen", -0.1, 1.2]
    # oracle: lower <= v < upper, the top class holding 1.0; anything else the "no value" class
    def expect(v):
        try:
            x = float(v)
        except (TypeError, ValueError):
            return 4
        if math.isnan(x):
            return 4
        for i, (lo, hi) in enumerate(ranges):
            if lo <= x < hi or (hi == 1.0 and x == 1.0):
                return i
        return 4
    assert r.class_index(values) == [expect(v) for v in values]
    assert r.other is not None and r.other.label == st.NO_VALUE_LABEL


@pytest.mark.parametrize("key", sorted(st.OUTPUT_LAYERS))
def test_every_output_layer_has_a_renderer(key):
    dataset, layer = key
    r = st.output_renderer(dataset, "wegdeel" if layer == "*" else layer, values=None)
    assert r.title and r.geometry in ("point", "line", "polygon")
    assert r.classes
    text = json.dumps(r.describe())  # plain JSON for a QML writer
    desc = json.loads(text)
    assert desc["kind"] == r.kind and len(desc["classes"]) == len(r.classes)
    for c in r.all_classes:
        q = c.style.qgis()
        assert re.match(r"^\d{1,3},\d{1,3},\d{1,3},\d{1,3}$", q["line_color"])
        assert q["marker"] in st.MARKERS


def test_unknown_output_layer():
    with pytest.raises(KeyError, match="impact:nope"):
        st.output_renderer("impact", "nope")


def test_qgis_and_matplotlib_units():
    s = st.Style(color="#ff8000", weight=4.0, opacity=0.5, fill_color="#0000ff", fill_opacity=0.25, radius=6.0,
                 dash_array="8 4", marker="diamond")
    q = s.qgis()
    assert q["line_color"] == "255,128,0,128"
    assert q["fill_color"] == "0,0,255,64"
    assert q["line_width_mm"] == pytest.approx(4 * 25.4 / 96, abs=1e-3)
    assert q["customdash_mm"] == "2.12;1.06"
    assert q["size_mm"] == pytest.approx(12 * 25.4 / 96, abs=1e-3)
    line = s.mpl_line()
    assert line["linewidth"] == pytest.approx(3.0) and line["linestyle"] == (0, (2.0, 1.0))
    assert s.mpl_marker()["marker"] == "D"
    patch = st.Style(fill_opacity=0).mpl_patch()
    assert patch["facecolor"] == "none"
    assert st.Style(color="red").qgis()["line_color"] == "255,0,0,255"  # CSS names too


def test_value_labels():
    assert st.value_label("facility_type", "buffer_opslag") == "Buffer / warmteopslag"
    assert st.value_label("technique", "hdd") == "HDD (gestuurde boring)"
    assert st.value_label("subtype", "hoogspanning") == "Hoogspanning"
    assert st.value_label("subtype", "cycle_path") == "Fietspad"
    assert st.value_label("naam", "buffer_opslag") == "buffer_opslag"  # no vocabulary
    assert st.value_label("thema", "nietBestaand") == "nietBestaand"
    assert st.value_label("thema", None) is None


def test_empty_layer_gets_a_single_symbol_that_qgis_styles_can_hold() -> None:
    """A classified layer without any value (an empty layer) is drawn with one symbol: a
    categorized renderer without classes has no symbol to show and broke the QGIS style."""
    from wlr_geo.present.qgis import renderer_qml

    r = st.make_renderer("Leeg", "line", st.symbol("route"), field="variant", palette_name="variant", values=[])
    assert r.kind == "single" and len(r.all_classes) == 1
    r = st.make_renderer("Leeg", "line", st.symbol("route"), field="thema", values=[],
                         overrides=[("x", "X", st.symbol("route"))])
    assert r.kind == "single"
    assert "singleSymbol" in renderer_qml(r)
