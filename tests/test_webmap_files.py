"""File names of the maps (ROBUSTNESS.md F4): unique, bounded and safe, whatever the municipality names.

Every name here is made in code: names that map to the same file name, a 300-character name,
names of only non-ASCII letters, names with path separators and Windows device names.
"""

from __future__ import annotations

import html
import re

import geopandas as gpd
import pytest
from shapely.geometry import box

from wlr_geo.present.filenames import MAX_STEM, UniqueNames, safe_stem
from wlr_geo.present.mapdefs import map_definition_from_dict
from wlr_geo.present.webmap import write_maps

RD = "EPSG:28992"

NAMES = [
    "Den Haag",
    "den-haag",
    "DEN  HAAG",
    "Zuid" * 75,                     # 300 characters
    "Zuid" * 75 + "x",               # same first 60 safe characters
    "Ελληνικά",                      # only non-ASCII letters
    "北京市",
    "ⅩⅢ",                            # NFKD gives "XIII"
    "../../etc/passwd",
    "con",
    "Súdwest-Fryslân",
    "",
]


def _template():
    return map_definition_from_dict({
        "title": "Kaart {gemeente}",
        "per_municipality": True,
        "group": [{"name": "Gemeenten en wijken", "layer": [
            {"role": "municipalities", "label": "Gemeentegrens", "symbol": "municipality",
             "popup": {"gm_naam": "Gemeente"}}]}],
    }, name="gemeente")


def _municipalities(names):
    return gpd.GeoDataFrame(
        {"gm_naam": names},
        geometry=[box(90_000 + 1_000 * i, 460_000, 90_900 + 1_000 * i, 460_900) for i in range(len(names))],
        crs=RD,
    )


def test_safe_stem_is_ascii_bounded_and_never_empty():
    for name in NAMES:
        stem = safe_stem(name)
        assert re.fullmatch(r"[a-z0-9_]{1,61}", stem), (name, stem)
        assert len(stem) <= MAX_STEM + 1  # + "_" after a device name
        assert not stem.startswith("_") and ".." not in stem and "/" not in stem
    assert safe_stem("Den Haag") == safe_stem("den-haag") == "den_haag"
    assert safe_stem("Súdwest-Fryslân") == "sudwest_fryslan"
    assert safe_stem("ⅩⅢ") == "xiii"
    assert safe_stem("con") == "con_"
    # names of only non-ASCII letters: a stable hash, different for different names
    assert safe_stem("Ελληνικά").startswith("naam_") and safe_stem("Ελληνικά") == safe_stem("Ελληνικά")
    assert safe_stem("Ελληνικά") != safe_stem("北京市")
    assert len(safe_stem("Zuid" * 75)) == MAX_STEM


def test_unique_names_add_a_suffix_case_insensitively():
    names = UniqueNames(["kaart_overzicht.html"])
    assert names.claim("kaart_overzicht.html") == "kaart_overzicht_2.html"
    assert names.claim("KAART_OVERZICHT.html") == "KAART_OVERZICHT_3.html"
    assert names.claim("a.html") == "a.html" and names.claim("a.html") == "a_2.html"
    assert "a_2.html" in names and "A_2.HTML" in names and "b.html" not in names


def test_every_municipality_gets_its_own_file(tmp_path):
    gm = _municipalities(NAMES)
    written = write_maps({"municipalities": gm}, tmp_path, [_template()])
    files = [p for p, _ in written]
    assert len(files) == len(NAMES)  # one map per municipality …
    assert len({p.name.lower() for p in files}) == len(NAMES)  # … none overwritten
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in files)  # nothing else written
    for (path, wm), name in zip(written, NAMES, strict=True):
        assert path.parent == tmp_path  # "../../etc/passwd" stays inside the folder
        assert wm.file_name == path.name
        assert len(path.name.encode("utf-8")) < 100 and path.name.isascii()
        assert re.fullmatch(r"kaart_gemeente_[a-z0-9_]+\.html", path.name), path.name
        page = path.read_text(encoding="utf-8")
        assert f"<title>{html.escape('Kaart ' + name)}</title>" in page  # the right map in each file
    by_name = {name: p.name for (p, _), name in zip(written, NAMES, strict=True)}
    assert by_name["Den Haag"] == "kaart_gemeente_den_haag.html"
    assert by_name["den-haag"] == "kaart_gemeente_den_haag_2.html"
    assert by_name["DEN  HAAG"] == "kaart_gemeente_den_haag_3.html"
    assert by_name["Zuid" * 75 + "x"] == by_name["Zuid" * 75].replace(".html", "_2.html")


def test_reserved_names_and_staged_paths(tmp_path):
    gm = _municipalities(["Leiden"])
    staged = tmp_path / "staging"
    staged.mkdir()
    asked: list[str] = []

    def path_for(name):
        asked.append(name)
        return staged / name

    written = write_maps({"municipalities": gm}, tmp_path / "out", [_template()],
                         reserved=["kaart_gemeente_leiden.html"], path_for=path_for)
    assert asked == ["kaart_gemeente_leiden_2.html"]
    assert [p for p, _ in written] == [staged / "kaart_gemeente_leiden_2.html"]
    assert (staged / "kaart_gemeente_leiden_2.html").is_file()
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["Den Haag", "Ελληνικά", "Zuid" * 75])
def test_definition_name_of_a_municipal_map_is_safe(name):
    from wlr_geo.present.mapdefs import instantiate_for_municipality

    inst = instantiate_for_municipality(_template(), name)
    assert inst.name == f"gemeente_{safe_stem(name)}"
    assert inst.title == f"Kaart {name}"
