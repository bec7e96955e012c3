"""BGT classes come from the content, not the file name (issue "Real-data readers", item 2).

The embedded Otterlo extract is re-zipped under other file names — suffixes (``bgt_pand-s.gml``),
the English CityGML names of a 2015 PDOK extract (``bgt_buildingpart.gml``), no prefix
(``pand.gml``), names that say nothing (``laag_07.gml``) — and must give the same layers,
rows and categories as the original. The file name only names a class for files without
objects, in Dutch or in English.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from wlr_geo.catalog import embedded_path
from wlr_geo.cli.main import cli
from wlr_geo.io.bgt import BGT_CLASSES, bgt_class_of, bgt_class_of_element, read_bgt
from wlr_geo.io.bgt.reader import CITYGML_CLASSES

OTTERLO = embedded_path("bgt/bgt_otterlo_2020.zip")

#: English (CityGML) file names of the 2015 PDOK extracts.
ENGLISH = {v: k.lower() for k, v in CITYGML_CLASSES.items()}


def _renamed(cls: str, i: int) -> str:
    """Another file name for class ``cls``: English names where there is one, else in turns a
    suffix, no prefix, upper case, and a name that says nothing."""
    if cls in ENGLISH:
        return f"extract_2015/bgt_{ENGLISH[cls]}.gml"
    return [f"bgt_{cls}-s.gml", f"{cls}.gml", f"BGT_{cls.upper()}_V2.GML", f"laag_{i:02d}.gml"][i % 4]


@pytest.fixture(scope="module")
def original():
    return read_bgt(OTTERLO)


@pytest.fixture(scope="module")
def renamed_zip(tmp_path_factory):
    path = tmp_path_factory.mktemp("renamed") / "levering.zip"
    names = {}
    with zipfile.ZipFile(OTTERLO) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for i, info in enumerate(sorted(src.infolist(), key=lambda x: x.filename)):
            cls = info.filename.removeprefix("bgt_").removesuffix(".gml")
            data = src.read(info)
            if len(data) < 1000 and cls not in ENGLISH and i % 4 == 3:
                continue  # an empty file with a name that says nothing names no class: left out
            names[cls] = _renamed(cls, i)
            dst.writestr(names[cls], data)
    return path, names


def test_renamed_files_give_the_same_layers_rows_and_categories(original, renamed_zip):
    path, names = renamed_zip
    assert any("-s.gml" in n for n in names.values()) and any("buildingpart" in n for n in names.values())
    assert any(n.startswith("laag_") for n in names.values())
    got = read_bgt(path)
    assert set(got) == set(names)  # every class present, named by content or (empty) by name
    for cls in names:
        a, b = original[cls], got[cls]
        assert len(a) == len(b), cls
        pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"))
        assert (a.geometry.to_wkb() == b.geometry.to_wkb()).all(), cls
    # the classes the impact analysis needs are there with their categories
    assert len(got["pand"]) == len(original["pand"]) > 1000 and set(got["pand"]["category"]) == {"building"}
    assert got["wegdeel"]["category"].value_counts().to_dict() == original["wegdeel"]["category"].value_counts().to_dict()
    assert "other" not in set(got["begroeidterreindeel"]["category"])
    assert len(got["spoor"]) == 0  # bgt_railway.gml: an empty file named in English


def test_class_filter_works_on_renamed_files(renamed_zip):
    path, _ = renamed_zip
    got = read_bgt(path, classes=["pand", "spoor"])
    assert sorted(got) == ["pand", "spoor"] and len(got["pand"]) == 1681


def test_cli_class_option_finds_a_renamed_class(renamed_zip, tmp_path):
    path, _ = renamed_zip
    out = tmp_path / "pand.gpkg"
    res = CliRunner().invoke(cli, ["bgt", str(path), "--class", "pand", "-o", str(out)])
    assert res.exit_code == 0, res.output
    import pyogrio

    assert [name for name, _ in pyogrio.list_layers(out)] == ["pand", "layer_styles"]  # + QGIS' style table


@pytest.mark.parametrize(("name", "cls"), [
    ("bgt_wegdeel.gml", "wegdeel"), ("bgt_pand-s.gml", "pand"), ("pand.gml", "pand"),
    ("BGT_ONDERSTEUNENDWEGDEEL_V2.GML", "ondersteunendwegdeel"), ("bgt_buildingpart.gml", "pand"),
    ("bgt_trafficarea.gml", "wegdeel"), ("bgt_auxiliarytrafficarea.gml", "ondersteunendwegdeel"),
    ("bgt_railway.gml", "spoor"), ("bgt_plantcover.gml", "begroeidterreindeel"),
    ("bgt_solitaryvegetationobject.gml", "vegetatieobject"),
    ("bgt_bridgeconstructionelement.gml", "overbruggingsdeel"), ("bgt_tunnelpart.gml", "tunneldeel"),
    ("bgt_buildinginstallation.gml", "gebouwinstallatie"),
    ("bgt_onbegroeidterreindeel.gml", "onbegroeidterreindeel"),  # not begroeidterreindeel
    ("bgt_openbareruimtelabel.gml", "openbareruimtelabel"), ("a/b\\bgt_plaatsbepalingspunt.gml", "plaatsbepalingspunt"),
    ("iets_anders.gml", "iets_anders"),
])
def test_class_from_a_file_name_dutch_or_english(name, cls):
    assert bgt_class_of(name) == cls


def test_class_from_the_element_covers_every_bgt_class():
    """imgeo:<Name> gives the lower-cased name; the nine CityGML classes IMGeo 2.1 extends map
    to their Dutch class; together they cover all 35 classes of a full extract."""
    imgeo = "{http://www.geostandaarden.nl/imgeo/2.1}"
    assert bgt_class_of_element(f"{imgeo}OverigeScheiding") == "overigescheiding"
    assert bgt_class_of_element("{http://www.opengis.net/citygml/bridge/2.0}BridgeConstructionElement") == "overbruggingsdeel"
    assert bgt_class_of_element("TunnelPart") == "tunneldeel"
    imgeo_names = ["Bak", "Bord", "Buurt", "FunctioneelGebied", "Installatie", "Kast", "Kunstwerkdeel", "Mast",
                   "OnbegroeidTerreindeel", "OndersteunendWaterdeel", "OngeclassificeerdObject", "OpenbareRuimte",
                   "OpenbareRuimteLabel", "OverigBouwwerk", "OverigeScheiding", "Paal", "Put", "Scheiding",
                   "Sensor", "Stadsdeel", "Straatmeubilair", "Waterdeel", "Waterinrichtingselement", "Waterschap",
                   "Weginrichtingselement", "Wijk"]  # the imgeo: elements of imgeo.xsd (IMGeo 2.1)
    found = {bgt_class_of_element(imgeo + n) for n in imgeo_names} | {bgt_class_of_element(n) for n in CITYGML_CLASSES}
    assert found == set(BGT_CLASSES)


# ------------------------------------------------------------------ status (issue item 3)

HEADER = ('<?xml version="1.0" encoding="UTF-8"?>\n<CityModel xmlns="http://www.opengis.net/citygml/2.0" '
          'xmlns:gml="http://www.opengis.net/gml" xmlns:imgeo="http://www.geostandaarden.nl/imgeo/2.1">\n')


def _point(gid: str, *, status: str | None, ended: bool = False) -> str:
    s = "" if status is None else f"<imgeo:bgt-status>{status}</imgeo:bgt-status>"
    e = "<imgeo:eindRegistratie>2020-05-05T00:00:00</imgeo:eindRegistratie>" if ended else ""
    return (f'<cityObjectMember><imgeo:Plaatsbepalingspunt gml:id="{gid}">{e}{s}'
            f'<imgeo:geometrie><gml:Point srsName="urn:ogc:def:crs:EPSG::28992"><gml:pos>93700 463800</gml:pos>'
            "</gml:Point></imgeo:geometrie></imgeo:Plaatsbepalingspunt></cityObjectMember>\n")


def test_objects_without_status_are_current_unless_ended(tmp_path):
    path = tmp_path / "bgt_plaatsbepalingspunt.gml"
    path.write_text(HEADER + _point("a", status=None) + _point("b", status=None, ended=True)
                    + _point("c", status="bestaand") + _point("d", status="plan")
                    + _point("e", status="geenWaarde") + "</CityModel>\n", encoding="utf-8")
    layers = read_bgt(path)
    assert sorted(layers["plaatsbepalingspunt"]["gml_id"]) == ["a", "c"]
    rep = layers.report.classes["plaatsbepalingspunt"]
    assert (rep.n_objects, rep.n_current, rep.n_ended, rep.n_status_not_bestaand) == (5, 2, 1, 2)
    assert len(read_bgt(path, current_only=False)["plaatsbepalingspunt"]) == 5


def test_renamed_file_path_given_directly(tmp_path):
    """A single GML file named after nothing is read by its content too."""
    with zipfile.ZipFile(OTTERLO) as zf:
        data = zf.read("bgt_waterdeel.gml")
    path = tmp_path / "water (kopie).gml"
    Path(path).write_bytes(data)
    layers = read_bgt(path)
    assert list(layers) == ["waterdeel"] and len(layers["waterdeel"]) == 296
