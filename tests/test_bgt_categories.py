"""The BGT → impact-category table: coverage of the IMGeo code lists, overrides, classify()."""

from __future__ import annotations

import zipfile

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner
from lxml import etree

from wlr_geo._errors import ConfigError, LayerValidationError
from wlr_geo.catalog import embedded_path
from wlr_geo.categories import CATEGORIES
from wlr_geo.io.bgt import BGT_CLASSES, classify, load_category_table

OTTERLO = embedded_path("bgt/bgt_otterlo_2020.zip")

#: FunctieWeg, IMGeo 2.1 (Geonovum objectenhandboek wegdeel.md; "transitie" from the code list).
FUNCTIE_WEG = [
    "OV-baan", "overweg", "spoorbaan", "baan voor vliegverkeer", "rijbaan autosnelweg", "rijbaan autoweg",
    "rijbaan regionale weg", "rijbaan lokale weg", "fietspad", "voetpad", "voetpad op trap", "ruiterpad",
    "parkeervlak", "voetgangersgebied", "inrit", "woonerf", "transitie",
]
TYPE_WATER = ["watervlakte", "waterloop", "zee", "greppel, droge sloot"]
BEGROEID = [
    "groenvoorziening", "grasland agrarisch", "grasland overig", "bouwland", "boomteelt", "fruitteelt",
    "loofbos", "naaldbos", "gemengd bos", "houtwal", "struiken", "heide", "moeras", "rietland", "kwelder",
    "duin", "transitie",
]
ONBEGROEID = ["erf", "gesloten verharding", "open verharding", "half verhard", "onverhard", "zand", "transitie"]


@pytest.fixture(scope="module")
def table():
    return load_category_table()


def test_every_category_is_a_known_code(table):
    assert {r.category for r in table.rules} <= set(CATEGORIES)
    assert set(table.fallback.values()) <= set(CATEGORIES)
    assert set(table.fallback) == set(BGT_CLASSES)  # a fallback for every class of the download


@pytest.mark.parametrize("functie", FUNCTIE_WEG)
def test_every_wegdeel_function_has_an_explicit_rule(table, functie):
    assert table.explicit_category("wegdeel", functie=functie) is not None


@pytest.mark.parametrize("bgt_type", TYPE_WATER)
def test_every_water_type_has_an_explicit_rule(table, bgt_type):
    assert table.explicit_category("waterdeel", bgt_type=bgt_type) is not None


@pytest.mark.parametrize("value", BEGROEID)
def test_begroeid_values(table, value):
    assert table.explicit_category("begroeidterreindeel", fysiek_voorkomen=value) is not None


@pytest.mark.parametrize("value", ONBEGROEID)
def test_onbegroeid_values(table, value):
    assert table.explicit_category("onbegroeidterreindeel", fysiek_voorkomen=value) is not None


@pytest.mark.parametrize(("cls", "values", "expected"), [
    ("wegdeel", {"functie": "rijbaan autosnelweg"}, "motorway"),
    ("wegdeel", {"functie": "rijbaan regionale weg"}, "regional_road"),
    ("wegdeel", {"functie": "rijbaan lokale weg"}, "local_road"),
    ("wegdeel", {"functie": "fietspad"}, "cycle_path"),
    ("wegdeel", {"functie": "voetpad op trap"}, "footpath"),
    ("wegdeel", {"functie": "spoorbaan"}, "rail"),
    ("wegdeel", {"functie": "Rijbaan Autosnelweg "}, "motorway"),  # case and spaces do not matter
    ("wegdeel", {}, "local_road"),  # fallback
    ("waterdeel", {"bgt_type": "waterloop"}, "major_water"),
    ("waterdeel", {"bgt_type": "waterloop", "plus_type": "sloot"}, "minor_water"),  # more specific wins
    ("waterdeel", {"bgt_type": "greppel, droge sloot"}, "minor_water"),
    ("begroeidterreindeel", {"fysiek_voorkomen": "heide"}, "nature"),
    ("begroeidterreindeel", {"fysiek_voorkomen": "kwelder"}, "nature"),
    ("begroeidterreindeel", {"fysiek_voorkomen": "grasland overig"}, "green"),
    ("onbegroeidterreindeel", {"fysiek_voorkomen": "gesloten verharding"}, "paved"),
    ("onbegroeidterreindeel", {"fysiek_voorkomen": "zand"}, "bare"),
    ("ondersteunendwegdeel", {"functie": "berm", "fysiek_voorkomen": "groenvoorziening"}, "green"),
    ("ondersteunendwegdeel", {"functie": "berm", "fysiek_voorkomen": "gesloten verharding"}, "paved"),
    ("spoor", {"functie": "tram"}, "rail"),
    ("pand", {}, "building"),
    ("overbruggingsdeel", {"bgt_type": "dek"}, "structure"),
    ("tunneldeel", {}, "structure"),
    ("kunstwerkdeel", {"bgt_type": "niet-bgt", "plus_type": "duiker"}, "structure"),
    ("onbekendeklasse", {}, "other"),  # global default
])
def test_known_answers(table, cls, values, expected):
    assert table.category_of(cls, **values) == expected


def test_otterlo_wegdeel_and_waterdeel_values_all_have_rules(table):
    """Every wegdeel function and waterdeel type in the real extract is mapped by a rule."""
    found: dict[str, set[str]] = {"wegdeel": set(), "waterdeel": set()}
    with zipfile.ZipFile(OTTERLO) as zf:
        for cls, tag in (("wegdeel", "function"), ("waterdeel", "class")):
            root = etree.fromstring(zf.read(f"bgt_{cls}.gml"))
            found[cls] = {e.text.strip() for e in root.iter(f"{{*}}{tag}")}
    assert found["wegdeel"] and found["waterdeel"]
    for f in found["wegdeel"]:
        assert table.explicit_category("wegdeel", functie=f) is not None, f
    for t in found["waterdeel"]:
        assert table.explicit_category("waterdeel", bgt_type=t) is not None, t


def test_classify_is_aligned_and_does_not_mutate(table):
    gdf = pd.DataFrame(
        {"bgt_class": ["waterdeel", "wegdeel", "pand"], "functie": [None, "fietspad", None],
         "bgt_type": ["waterloop", None, None], "plus_type": ["sloot", None, None]},
        index=[10, 5, 7],
    )
    before = gdf.copy()
    out = classify(gdf, table)
    assert out.name == "category"
    assert out.to_dict() == {10: "minor_water", 5: "cycle_path", 7: "building"}
    pd.testing.assert_frame_equal(gdf, before)
    # a frame of one class without the bgt_class column
    only = pd.DataFrame({"functie": ["rijbaan autoweg"]})
    assert classify(only, table, bgt_class="wegdeel").tolist() == ["motorway"]
    with pytest.raises(LayerValidationError, match="bgt_class"):
        classify(only, table)


def test_user_table_extending_the_default(tmp_path, table):
    user = tmp_path / "mine.toml"
    user.write_text(
        'extends = "default"\n'
        '[fallback]\nwegdeel = "regional_road"\n'
        '[[rule]]\nclass = "wegdeel"\nfunctie = "parkeervlak"\ncategory = "local_road"\n'
        '[[rule]]\nclass = "begroeidterreindeel"\nfysiek_voorkomen = ["loofbos", "naaldbos", "gemengd bos"]\ncategory = "nature"\n'
    )
    mine = load_category_table(user)
    assert mine.category_of("wegdeel", functie="parkeervlak") == "local_road"  # user rule first
    assert table.category_of("wegdeel", functie="parkeervlak") == "paved"
    assert mine.category_of("begroeidterreindeel", fysiek_voorkomen="naaldbos") == "nature"
    assert mine.category_of("wegdeel", functie="fietspad") == "cycle_path"  # default rules still there
    assert mine.category_of("wegdeel") == "regional_road"  # user fallback
    assert mine.category_of("pand") == "building"  # default fallback


def test_standalone_user_table(tmp_path):
    user = tmp_path / "own.toml"
    user.write_text('default = "other"\n[[rule]]\nclass = "pand"\ncategory = "structure"\n')
    own = load_category_table(user)
    assert own.category_of("pand") == "structure"
    assert own.category_of("wegdeel", functie="fietspad") == "other"  # nothing inherited


def test_bad_tables_report_all_problems(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'colour = "red"\n'
        '[fallback]\nwegdeel = "highway"\n'
        '[[rule]]\nclass = "wegdeel"\nfunctie = "fietspad"\ncategory = "bike"\n'
        '[[rule]]\nclass = "wegdeel"\nkleur = "rood"\ncategory = "green"\n'
        '[[rule]]\ncategory = "green"\n'
    )
    with pytest.raises(ConfigError) as info:
        load_category_table(bad)
    text = str(info.value)
    for part in ("colour", "highway", "bike", "kleur", "'class'"):
        assert part in text
    assert len(info.value.problems) == 5
    broken = tmp_path / "broken.toml"
    broken.write_text("[[rule]\n")
    with pytest.raises(ConfigError, match="TOML"):
        load_category_table(broken)
    with pytest.raises(ConfigError, match="bestaat niet"):
        load_category_table(tmp_path / "missing.toml")


def test_read_bgt_uses_a_user_table(tmp_path):
    from wlr_geo.io.bgt import read_bgt

    user = tmp_path / "water.toml"
    user.write_text('extends = "default"\n[[rule]]\nclass = "waterdeel"\nbgt_type = "waterloop"\n'
                    'plus_type = "sloot"\ncategory = "major_water"\n')
    water = read_bgt(OTTERLO, classes=["waterdeel"], category_table=user)["waterdeel"]
    sloot = water["plus_type"] == "sloot"
    assert sloot.sum() > 0 and set(water.loc[sloot, "category"]) == {"major_water"}


def test_cli_writes_one_layer_per_class(tmp_path):
    from wlr_geo.cli.main import cli

    out = tmp_path / "otterlo.gpkg"
    report = tmp_path / "report.json"
    result = CliRunner().invoke(cli, ["bgt", str(OTTERLO), "-o", str(out), "--report", str(report)])
    assert result.exit_code == 0, result.output
    assert "wegdeel" in result.output and "1.252" in result.output  # Dutch thousands separator
    assert "9.259 objecten in 35 lagen" in result.output
    import pyogrio

    from wlr_geo.io.vector import list_layers  # the data layers (QGIS' layer_styles table aside)

    layers = {name: pyogrio.read_info(out, layer=name)["features"] for name in list_layers(out)}
    # 35 classes; the four that mix lines or points with areas are one layer per geometry type
    assert len(layers) == 39
    assert {"kunstwerkdeel_lines", "scheiding_lines", "vegetatieobject_points", "weginrichtingselement_points"} \
        <= set(layers)
    assert sum(layers.values()) == 9259  # splitting loses no object
    assert layers["wegdeel"] == 1252 and layers["pand"] == 1681 and layers["spoor"] == 0
    wegdeel = gpd.read_file(out, layer="wegdeel")
    assert wegdeel.crs.to_epsg() == 28992 and wegdeel["category"].notna().all()
    assert report.exists()


def test_cli_errors_are_one_line(tmp_path):
    from wlr_geo.cli.main import main

    assert main(["bgt", str(tmp_path / "missing.zip"), "-o", str(tmp_path / "x.gpkg")]) == 2
    assert main(["bgt", str(OTTERLO), "-o", str(tmp_path / "x.shp")]) == 2
    assert not (tmp_path / "x.gpkg").exists()
