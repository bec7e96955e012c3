"""Tests of the KLIC/IMKL reader on the real deliveries, with GDAL and lxml as oracles."""

from __future__ import annotations

import collections
import re
import zipfile
from pathlib import Path

import numpy as np
import pyogrio
import pytest
from lxml import etree

from wlr_geo._errors import WlrGeoWarning
from wlr_geo._safe import safe_extract
from wlr_geo.catalog import embedded_path
from wlr_geo.io.klic import read_klic
from wlr_geo.present.styles import THEMA_COLOURS, THEMA_LABELS_NL, THEMAS, thema_colour, thema_label

DELIVERIES = ["Levering_22C001966_3.zip", "Levering_22G003180_1.zip", "Levering_22O000518_1.zip"]
IMKL1 = [
    "VB9. Netinformatie KL9999-Best.zip",
    "Voorbeeld 2. Utiliteitsnet met Duct-Pipe-Cable.xml",
    "Voorbeeld 5. Toepassing netwerktopologie.xml",
]
REQUIRED_LINE_COLUMNS = {
    "gml_id", "link_id", "meldnummer", "object_type", "thema", "bronhoudercode", "netbeheerder",
    "status", "diameter_mm", "materiaal", "spanning_kv", "druk_bar", "aantal_kabels", "diepte_m",
    "diepte_referentie", "diepte_nauwkeurigheid", "geometry",
}
LINE_TYPES_IN_XML = {
    "Elektriciteitskabel", "Telecommunicatiekabel", "OlieGasChemicalienPijpleiding",
    "ThermischePijpleiding", "Waterleiding", "Rioolleiding", "Mantelbuis", "Kabelbed", "Duct", "Overig",
}


def _extract_xml(zip_path: Path, dest: Path) -> Path:
    files = safe_extract(zip_path, dest)
    return next(f for f in files if f.suffix.lower() == ".xml")


def _lxml_counts(xml: Path) -> collections.Counter[str]:
    """Independent count of features per local name (plain lxml, no wlr_geo code)."""
    counts: collections.Counter[str] = collections.Counter()
    for _, el in etree.iterparse(str(xml), events=("end",), tag=("{*}featureMember", "{*}member")):
        for feat in el:
            if isinstance(feat.tag, str):
                counts[etree.QName(feat).localname] += 1
        el.clear()
    return counts


def _gdal_links(xml: Path) -> dict[str, float]:
    df = pyogrio.read_dataframe(xml, layer="UtilityLink", WRITE_GFS="NO")
    return dict(zip(df["gml_id"], df.geometry.length, strict=True))


# ------------------------------------------------------------------------------------ styles


def test_styles_cover_all_15_themas_with_hex_colours_and_dutch_labels():
    assert len(THEMAS) == 15
    assert set(THEMA_COLOURS) == set(THEMAS) == set(THEMA_LABELS_NL)
    assert all(re.fullmatch(r"#[0-9A-F]{6}", c) for c in THEMA_COLOURS.values())
    assert THEMA_COLOURS["gasLageDruk"] == "#FFD750"  # 255,215,80 in the WION table
    assert thema_colour("nietBestaand") == thema_colour(None) == "#7F7F7F"
    assert thema_label("rioolVrijverval") == "Riool vrijverval"


# ------------------------------------------------------------------------- real deliveries


@pytest.mark.parametrize("name", DELIVERIES)
def test_real_delivery_links_equal_gdal_utilitylink_layer(name, tmp_path):
    zip_path = embedded_path(f"klic/{name}")
    data = read_klic(zip_path)
    xml = _extract_xml(zip_path, tmp_path)
    gdal = _gdal_links(xml)
    lines = data.lines
    assert set(lines["link_id"]) == set(gdal)
    ours = lines.drop_duplicates("link_id").set_index("link_id").geometry.length
    assert ours.sum() == pytest.approx(sum(gdal.values()), rel=1e-9)
    assert np.allclose(ours.loc[list(gdal)].to_numpy(), np.array(list(gdal.values())), atol=1e-6)
    # every line carries a valid IMKL thema, and a meldnummer taken from the delivery
    assert lines["thema"].notna().all() and set(lines["thema"]) <= set(THEMAS)
    meld = re.search(r"_(\d{2}[A-Z]\d{6})_", name).group(1)
    assert set(lines["meldnummer"]) == {meld}
    assert set(lines.columns) >= REQUIRED_LINE_COLUMNS
    assert lines.crs.to_epsg() == 28992 and set(lines.geom_type) == {"LineString"}
    assert not lines.duplicated(["gml_id", "link_id"]).any()


@pytest.mark.parametrize("name", DELIVERIES)
def test_real_delivery_feature_counts_equal_lxml_count(name, tmp_path):
    zip_path = embedded_path(f"klic/{name}")
    data = read_klic(zip_path)
    counts = _lxml_counts(_extract_xml(zip_path, tmp_path))
    per_type = data.lines.groupby("object_type")["gml_id"].nunique().to_dict()
    assert per_type == {t: n for t, n in counts.items() if t in LINE_TYPES_IN_XML}
    assert data.report.features_per_type == counts
    n_points = sum(counts[t] for t in ("Appurtenance", "Kast", "TechnischGebouw", "DiepteTovMaaiveld", "DiepteNAP", "Mast", "Mangat", "Toren"))
    assert len(data.points) == n_points
    assert len(data.areas) == counts["ExtraGeometrie"]
    assert len(data.request_areas) == 1
    assert data.attachments["aanwezig"].all()
    assert not data.report.unknown_types and not data.report.broken_links


def test_district_heating_delivery_content():
    data = read_klic(embedded_path("klic/Levering_22C001966_3.zip"))
    heat = data.lines[data.lines["thema"] == "warmte"]
    assert heat["object_type"].eq("ThermischePijpleiding").all()
    assert heat["gml_id"].nunique() == 4313
    assert set(heat["netbeheerder"]) == {"Vattenfall"} and set(heat["bronhoudercode"]) == {"KL1028"}
    # IMKL gives the heat pipe diameter in cm: 7 cm → 70 mm
    row = heat[heat["gml_id"] == "nl.imkl-KL1028.thermal.WW-AMSTERDAM-WOE.leiding.5513"].iloc[0]
    assert row["diameter_mm"] == pytest.approx(70.0)
    assert row["materiaal"] == "RVS" and row["status"] == "functional"
    assert data.report.deliveries[0]["meldnummer"] == "22C001966"


def test_water_sewer_delivery_attributes_depth_and_precautions():
    data = read_klic(embedded_path("klic/Levering_22O000518_1.zip"))
    lines = data.lines.set_index("gml_id")
    gas = lines.loc["nl.imkl-KL1031.OGCP__gas_g_service_pipe_8279331417672632305_58882207"]
    assert (gas["diameter_mm"], gas["druk_bar"], gas["materiaal"]) == (15.0, 0.1, "overig")
    assert gas["thema"] == "gasLageDruk" and gas["netbeheerder"] == "Enexis B.V."
    cable = lines.loc["nl.imkl-KL1031.EKBL__elec_e_mv_map_cable_30466779_27401949"]
    assert cable["spanning_kv"] == pytest.approx(10.0) and cable["status"] == "disused"
    assert lines.loc["nl.imkl-KL1110.MABS_GIS_waschutzrorh229613797_65108", "aantal_kabels"] == 1
    # depth: every DiepteTovMaaiveld lies on a line of its own network
    with_depth = data.lines[data.lines["diepte_m"].notna()]
    assert len(with_depth) >= 1
    assert set(with_depth["diepte_referentie"]) == {"maaiveld"}
    assert with_depth["diepte_aantal"].ge(1).all()
    # precautions: 3 AanduidingEisVoorzorgsmaatregel polygons of Enexis gas HD, all applying
    prec = data.precautions
    areas = prec[prec["bron"] == "AanduidingEisVoorzorgsmaatregel"]
    assert len(areas) == 3 and areas["van_toepassing"].all()
    assert set(areas["eis"]) == {"O_GHDW3-hoog"} and set(areas["thema"]) == {"gasHogeDruk"}
    bh = prec[prec["bron"] == "Belanghebbende"].set_index(["bronhoudercode", "thema"])
    assert bool(bh.loc[("KL1031", "gasHogeDruk"), "van_toepassing"]) is True
    assert bh.loc[("KL1031", "gasHogeDruk"), "eis"] == "O_GHDW3-hoog"
    assert bool(bh.loc[("KL1110", "water"), "van_toepassing"]) is False
    assert prec.geometry.notna().all()


@pytest.mark.parametrize("name", IMKL1)
def test_imkl121_examples_read_with_same_schema(name, tmp_path):
    path = embedded_path(f"klic/imkl1.2.1/{name}")
    xml = _extract_xml(path, tmp_path) if path.suffix == ".zip" else path
    gdal = _gdal_links(xml)
    if name.startswith("VB9"):
        # Kadaster's demo file has 17 links in degrees under an RD srsName: skipped + warned
        with pytest.warns(WlrGeoWarning, match="buiten het RD-gebied"):
            data = read_klic(path)
        bad = {g for g, x in pyogrio.read_dataframe(xml, layer="UtilityLink", WRITE_GFS="NO")
               .set_index("gml_id").geometry.bounds["minx"].items() if x < 1000}
        assert len(bad) == 17
    else:
        data = read_klic(path)
        bad = set()
    assert set(data.lines["link_id"]) == set(gdal) - bad
    assert data.lines["thema"].notna().all()
    assert set(data.lines["imkl_versie"]) == {"1.2.1"}
    assert set(data.lines.columns) >= REQUIRED_LINE_COLUMNS


def test_imkl121_netinformatie_covers_many_themas():
    with pytest.warns(WlrGeoWarning):
        data = read_klic(embedded_path("klic/imkl1.2.1/VB9. Netinformatie KL9999-Best.zip"))
    assert len(set(data.lines["thema"])) >= 12
    overig = data.lines[data.lines["object_type"] == "Overig"].iloc[0]
    assert overig["diameter_mm"] == pytest.approx(125.0)  # pipeDiameter 12.5 cm
    assert overig["druk_bar"] == pytest.approx(5.3)


@pytest.mark.parametrize("name", [*DELIVERIES, f"imkl1.2.1/{IMKL1[1]}"])
def test_layers_have_a_fixed_schema_whether_columns_are_filled_or_empty(name, tmp_path):
    """The same dtype per column for every delivery (text stays text when all values are
    missing), also for empty layers, and the GeoPackage keeps text columns as TEXT fields."""
    from wlr_geo.io.klic._model import column_dtype

    data = read_klic(embedded_path(f"klic/{name}"))
    layers = {"lines": data.lines, "points": data.points, "areas": data.areas,
              "precautions": data.precautions, "request_areas": data.request_areas,
              "attachments": data.attachments}
    for layer, df in layers.items():
        for col in df.columns:
            if col != "geometry":
                assert str(df[col].dtype) == column_dtype(col), (layer, col, df[col].dtype)
    empty_text = [c for c in data.lines.columns if column_dtype(c) == "str" and data.lines[c].isna().all()]
    out = tmp_path / "lines.gpkg"
    pyogrio.write_dataframe(data.lines, out)
    info = pyogrio.read_info(out)
    fields = dict(zip(info["fields"], info["dtypes"], strict=True))
    for col in empty_text:  # an all-missing text column is written as a text field, not REAL
        assert fields[col] == "object", (col, fields[col])


# ---------------------------------------------------------------------------- de-duplication


def test_same_delivery_twice_gives_no_duplicates(tmp_path):
    zip_path = embedded_path("klic/Levering_22G003180_1.zip")
    once = read_klic(zip_path)
    folder = tmp_path / "unpacked"
    safe_extract(zip_path, folder)
    twice = read_klic([zip_path, folder])
    for name, layer in once.layers().items():
        assert len(twice.layers()[name]) == len(layer), name
    assert twice.report.duplicates_dropped["lines"] == len(once.lines)
    assert twice.report.duplicates_dropped["points"] == len(once.points)


def test_overlapping_deliveries_newest_wins(tmp_path):
    src = _extract_xml(embedded_path("klic/Levering_22G003180_1.zip"), tmp_path / "a")
    text = src.read_text(encoding="utf-8")
    cable = "nl.imkl-KL1040.EKBL_IMKL_Elektriciteitskabel__Ms_Kabel__415504843_27368148"
    dropped = "nl.imkl-KL1040.EKBL_IMKL_Elektriciteitskabel__Ms_Kabel__415388621_27368158"
    assert cable in text and dropped in text
    # a newer delivery (new meldnummer and date) holding the same cables, one with a new label
    newer = text.replace("22G003180", "22G009999").replace("2022-03-27T04:03:34.629+02:00", "2022-05-01T10:00:00+02:00")
    start = newer.index(f'gml:id="{cable}"')
    newer = newer[:start] + newer[start:].replace("</net:beginLifespanVersion>", "</net:beginLifespanVersion><imkl:label>NIEUW</imkl:label>", 1)
    # ... and without one cable (outside its request area): that one survives from the older
    newer, n = re.subn(r"<gml:featureMember>\s*<imkl:Elektriciteitskabel gml:id=\"" + re.escape(dropped) + r"\".*?</gml:featureMember>", "", newer, flags=re.S)
    assert n == 1
    newer_path = tmp_path / "b" / "GI_gebiedsinformatielevering_22G009999_1_V2.xml"
    newer_path.parent.mkdir()
    newer_path.write_text(newer, encoding="utf-8")
    with pytest.warns(WlrGeoWarning, match="bijlage"):  # the copied XML has no bronnen/
        data = read_klic([src, newer_path])
    single = read_klic(src)
    assert len(data.lines) == len(single.lines)
    assert not data.lines.duplicated(["gml_id", "link_id"]).any()
    row = data.lines[data.lines["gml_id"] == cable].iloc[0]
    assert row["meldnummer"] == "22G009999" and row["label"] == "NIEUW"
    assert data.lines.loc[data.lines["gml_id"] == dropped, "meldnummer"].tolist() == ["22G003180"]
    n_dropped_links = int((single.lines["gml_id"] == dropped).sum())
    assert data.report.duplicates_dropped["lines"] == len(single.lines) - n_dropped_links
    assert len(data.request_areas) == 2  # each request keeps its own polygon


# --------------------------------------------------------------------------------------- CLI


def test_cli_writes_geopackage_and_prints_summaries(tmp_path):
    from click.testing import CliRunner

    from wlr_geo.cli.main import cli

    out = tmp_path / "klic.gpkg"
    res = CliRunner().invoke(cli, ["klic", str(embedded_path("klic/Levering_22O000518_1.zip")), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "Riool vrijverval" in res.output and "WML N.V." in res.output
    listed = {str(n): t for n, t in pyogrio.list_layers(out)}
    # the data layers, plus QGIS' style table
    assert set(listed) == {"klic_lines", "klic_points", "klic_areas", "klic_precautions", "klic_request_areas",
                           "klic_attachments", "layer_styles"}
    assert listed["klic_attachments"] is None  # an attribute table, not a layer of null geometries
    back = pyogrio.read_dataframe(out, layer="klic_lines")
    assert set(back.columns) >= REQUIRED_LINE_COLUMNS
    assert back["length_m"].sum() == pytest.approx(read_klic(embedded_path("klic/Levering_22O000518_1.zip")).lines["length_m"].sum())


def test_cli_shows_one_progress_line_per_delivery(tmp_path):
    """Issue 19, item 6: ``wlr-geo klic`` on several deliveries says which one it has read, with its lines."""
    from click.testing import CliRunner

    from wlr_geo._nl import nl
    from wlr_geo.cli.main import cli
    from wlr_geo.workflows.klic import run

    zips = [embedded_path(f"klic/Levering_{m}.zip") for m in ("22C001966_3", "22G003180_1", "22O000518_1")]
    res = CliRunner().invoke(cli, ["klic", *map(str, zips), "-o", str(tmp_path / "klic.gpkg")])
    assert res.exit_code == 0, res.output
    lines = [line for line in res.output.splitlines() if line.startswith("levering ")]
    assert len(lines) == 3
    for i, (line, z) in enumerate(zip(lines, zips, strict=True), 1):
        n = len(read_klic(z).lines)
        assert line.startswith(f"levering {i} van 3: {z.name} — "), line
        assert line.endswith(f" — {nl(n)} kabels/leidingen"), line
    seen = []
    run(zips, tmp_path / "again.gpkg", progress=seen.append)
    assert [(p.number, p.total) for p in seen] == [(1, 3), (2, 3), (3, 3)]


def test_cli_non_klic_file_exits_2_with_one_line(tmp_path):
    from click.testing import CliRunner

    from wlr_geo.cli.main import cli

    bad = tmp_path / "notes.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("readme.txt", "hello")
    res = CliRunner().invoke(cli, ["klic", str(bad), "-o", str(tmp_path / "x.gpkg")])
    assert res.exit_code == 2
    assert "verwacht: een KLIC-levering" in res.output
    assert not (tmp_path / "x.gpkg").exists()
