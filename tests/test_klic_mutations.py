"""KLIC reader on small hand-built and mutated deliveries: every answer known exactly."""

from __future__ import annotations

import contextlib
import math
import warnings
import zipfile
from pathlib import Path

import pyogrio
import pytest
from _imkl import HEAD, IMKL2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wlr_geo._errors import (
    KlicError,
    OutOfBoundsError,
    UnsafeInputError,
    WlrGeoError,
    WlrGeoWarning,
)
from wlr_geo.io.klic import read_klic

SRS = 'srsName="urn:ogc:def:crs:EPSG::28992"'


def fm(body: str) -> str:
    return f"<gml:featureMember>{body}</gml:featureMember>\n"


def envelope(meld: str = "23A000001", date: str = "2023-01-10T10:00:00+01:00") -> str:
    return (
        fm(f'<imkl:GebiedsinformatieLevering gml:id="nl.imkl-KA0000._GebiedsinformatieLevering_{meld}">'
           f"<imkl:leveringsvolgnummer>1</imkl:leveringsvolgnummer>"
           f"<imkl:datumLeveringSamengesteld>{date}</imkl:datumLeveringSamengesteld>"
           "</imkl:GebiedsinformatieLevering>")
        + fm(f'<imkl:GebiedsinformatieAanvraag gml:id="nl.imkl-KA0000._GebiedsinformatieAanvraag_{meld}">'
             f"<imkl:klicMeldnummer>{meld}</imkl:klicMeldnummer></imkl:GebiedsinformatieAanvraag>")
        + fm(f'<imkl:Graafpolygoon gml:id="nl.imkl-KA0000._Graafpolygoon_{meld}"><imkl:geometrie>'
             f"<gml:Polygon {SRS} gml:id='g1'><gml:exterior><gml:LinearRing><gml:posList>"
             "100000 400000 100200 400000 100200 400200 100000 400200 100000 400000"
             "</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></imkl:geometrie></imkl:Graafpolygoon>")
        + fm('<imkl:Beheerder gml:id="nl.imkl-KL0001._Beheerder"><imkl:bronhoudercode>KL0001</imkl:bronhoudercode>'
             "<imkl:organisatie><imkl:Organisatie><imkl:naam>Testnet B.V.</imkl:naam></imkl:Organisatie></imkl:organisatie>"
             "</imkl:Beheerder>")
    )


def network(gid: str, thema: str) -> str:
    return fm(f'<imkl:Utiliteitsnet gml:id="{gid}"><imkl:thema xlink:href='
              f'"http://definities.geostandaarden.nl/imkl2015/id/waarde/Thema/{thema}"/></imkl:Utiliteitsnet>')


def link(gid: str, poslist: str, *, dim: str | None = None, net: str = "nl.imkl-KL0001.net1", geom: str | None = None) -> str:
    d = f' srsDimension="{dim}"' if dim else ""
    g = geom or f'<gml:LineString {SRS} gml:id="{gid}_g"><gml:posList{d}>{poslist}</gml:posList></gml:LineString>'
    return fm(f'<us-net-common:UtilityLink gml:id="{gid}"><net:inNetwork xlink:href="{net}"/>'
              f"<net:centrelineGeometry>{g}</net:centrelineGeometry></us-net-common:UtilityLink>")


def cable(gid: str, links: list[str], *, net: str | None = "nl.imkl-KL0001.net1", typ: str = "Elektriciteitskabel", extra: str = "") -> str:
    n = f'<net:inNetwork xlink:href="{net}"/>' if net else ""
    ls = "".join(f'<net:link xlink:href="{h}"/>' for h in links)
    return fm(f'<imkl:{typ} gml:id="{gid}">{n}{ls}<us-net-common:currentStatus xlink:href='
              f'"http://inspire.ec.europa.eu/codelist/ConditionOfFacilityValue/functional"/>{extra}</imkl:{typ}>')


def depth(gid: str, x: float, y: float, value: float, net: str = "nl.imkl-KL0001.net1") -> str:
    return fm(f'<imkl:DiepteTovMaaiveld gml:id="{gid}"><imkl:diepteNauwkeurigheid xlink:href="http://x/NauwkeurigheidDiepteValue/tot10cm"/>'
              f'<imkl:dieptePeil uom="urn:ogc:def:uom:OGC::m">{value}</imkl:dieptePeil>'
              f'<imkl:ligging><gml:Point {SRS} gml:id="{gid}_p"><gml:pos>{x} {y}</gml:pos></gml:Point></imkl:ligging>'
              f'<imkl:inNetwork xlink:href="{net}"/></imkl:DiepteTovMaaiveld>')


def write(tmp_path: Path, body: str, *, ns: str = IMKL2, name: str = "GI_gebiedsinformatielevering_23A000001_1_V2.xml") -> Path:
    p = tmp_path / name
    p.write_text(HEAD.replace("{ns}", ns) + body + "</gml:FeatureCollection>\n", encoding="utf-8")
    return p


BASE = (
    envelope()
    + network("nl.imkl-KL0001.net1", "middenspanning")
    + network("nl.imkl-KL0001.net2", "water")
    + link("nl.imkl-KL0001.L1", "100000 400000 100100 400000")
    + link("nl.imkl-KL0001.L2", "100100 400000 100100 400050")
    + cable("nl.imkl-KL0001.C1", ["nl.imkl-KL0001.L1", "nl.imkl-KL0001.L2"], extra=(
        '<us-net-common:pipeDiameter uom="urn:ogc:def:uom:OGC::cm">5</us-net-common:pipeDiameter>'
        '<us-net-el:nominalVoltage uom="urn:ogc:def:uom:OGC::V">10000</us-net-el:nominalVoltage>'))
    + depth("nl.imkl-KL0001.D1", 100050, 400000.3, 0.8)  # 0.3 m from L1, same network
    + depth("nl.imkl-KL0001.D2", 100050, 400000.2, 0.6, net="nl.imkl-KL0001.net2")  # other network
    + depth("nl.imkl-KL0001.D3", 100100.5, 400030, 1.1)  # 0.5 m from L2
)


def test_minimal_delivery_resolves_links_theme_operator_units_and_depth(tmp_path):
    data = read_klic(write(tmp_path, BASE))
    lines = data.lines.set_index("link_id")
    assert list(lines.index) == ["nl.imkl-KL0001.L1", "nl.imkl-KL0001.L2"]
    assert lines["length_m"].tolist() == [100.0, 50.0]
    assert set(lines["gml_id"]) == {"nl.imkl-KL0001.C1"}
    assert set(lines["thema"]) == {"middenspanning"} and set(lines["thema_bron"]) == {"utiliteitsnet"}
    assert set(lines["netbeheerder"]) == {"Testnet B.V."} and set(lines["bronhoudercode"]) == {"KL0001"}
    assert set(lines["meldnummer"]) == {"23A000001"}
    assert lines["diameter_mm"].tolist() == [50.0, 50.0]  # 5 cm
    assert lines["spanning_kv"].tolist() == [10.0, 10.0]  # 10000 V
    assert lines.loc["nl.imkl-KL0001.L1", "diepte_m"] == 0.8  # D2 is in another network
    assert lines.loc["nl.imkl-KL0001.L1", "diepte_aantal"] == 1
    assert lines.loc["nl.imkl-KL0001.L2", "diepte_m"] == 1.1
    assert lines.loc["nl.imkl-KL0001.L1", "diepte_referentie"] == "maaiveld"
    assert lines.loc["nl.imkl-KL0001.L1", "diepte_nauwkeurigheid"] == "tot10cm"
    assert len(data.points) == 3 and len(data.request_areas) == 1
    assert data.request_areas["area_m2"].iloc[0] == 40000.0


def test_depth_tolerance_is_respected(tmp_path):
    data = read_klic(write(tmp_path, BASE), depth_tolerance_m=0.4)
    lines = data.lines.set_index("link_id")
    assert lines.loc["nl.imkl-KL0001.L1", "diepte_m"] == 0.8
    assert math.isnan(lines.loc["nl.imkl-KL0001.L2", "diepte_m"])  # D3 is 0.5 m away


def test_broken_xlink_is_skipped_with_warning(tmp_path):
    body = BASE + cable("nl.imkl-KL0001.C2", ["nl.imkl-KL0001.GONE"])
    with pytest.warns(WlrGeoWarning, match=r"1 net:link-verwijzing\(en\) wijzen niet naar een UtilityLink"):
        data = read_klic(write(tmp_path, body))
    assert "nl.imkl-KL0001.C2" not in set(data.lines["gml_id"])
    assert data.report.broken_links[0][1:] == ("nl.imkl-KL0001.C2", "nl.imkl-KL0001.GONE", "ontbreekt (niet in de levering)")


def test_link_to_wrong_feature_type_is_reported(tmp_path):
    eg = fm('<imkl:ExtraGeometrie gml:id="nl.imkl-KL0001.EG1"><imkl:vlakgeometrie2D>'
            f'<gml:Polygon {SRS} gml:id="eg"><gml:exterior><gml:LinearRing><gml:posList>'
            "100000 400000 100010 400000 100010 400010 100000 400000</gml:posList></gml:LinearRing>"
            "</gml:exterior></gml:Polygon></imkl:vlakgeometrie2D></imkl:ExtraGeometrie>")
    body = BASE + eg + cable("nl.imkl-KL0001.C3", ["nl.imkl-KL0001.EG1"])
    with pytest.warns(WlrGeoWarning, match="verwijst naar een ExtraGeometrie"):
        data = read_klic(write(tmp_path, body))
    assert len(data.areas) == 1 and data.areas["area_m2"].iloc[0] == 50.0
    assert "nl.imkl-KL0001.C3" not in set(data.lines["gml_id"])


def test_unknown_feature_type_is_counted_and_still_read(tmp_path):
    body = BASE + link("nl.imkl-KL0001.L9", "100000 400100 100030 400140") + cable(
        "nl.imkl-KL0001.H1", ["nl.imkl-KL0001.L9"], typ="Waterstofleiding") + fm(
        '<imkl:Bodemsensor gml:id="nl.imkl-KL0001.S1"><imkl:x>1</imkl:x></imkl:Bodemsensor>')
    with pytest.warns(WlrGeoWarning, match="onbekend\\(e\\) IMKL-objecttype"):
        data = read_klic(write(tmp_path, body))
    assert data.report.unknown_types == {"Waterstofleiding": 1, "Bodemsensor": 1}
    row = data.lines[data.lines["gml_id"] == "nl.imkl-KL0001.H1"].iloc[0]
    assert row["object_type"] == "Waterstofleiding" and row["length_m"] == 50.0
    assert row["thema"] == "middenspanning"


def test_missing_network_derives_thema_from_object_type(tmp_path):
    body = envelope() + link("nl.imkl-KL0001.L1", "100000 400000 100010 400000", net="nl.imkl-KL0001.nowhere") + cable(
        "nl.imkl-KL0001.C1", ["nl.imkl-KL0001.L1"], net=None,
        extra='<us-net-el:nominalVoltage uom="urn:ogc:def:uom:OGC::kV">10</us-net-el:nominalVoltage>')
    data = read_klic(write(tmp_path, body))
    assert data.lines["thema"].tolist() == ["middenspanning"]
    assert data.lines["thema_bron"].tolist() == ["afgeleid"]
    assert data.report.thema_derived == 1


def test_3d_coordinates_give_2d_lines_with_z_range(tmp_path):
    body = envelope() + network("nl.imkl-KL0001.net1", "gasLageDruk") + link(
        "nl.imkl-KL0001.L1", "100000 400000 -1.2 100030 400040 -0.8", dim="3") + cable(
        "nl.imkl-KL0001.C1", ["nl.imkl-KL0001.L1"], typ="OlieGasChemicalienPijpleiding")
    data = read_klic(write(tmp_path, body))
    row = data.lines.iloc[0]
    assert not row.geometry.has_z and row["length_m"] == 50.0
    assert (row["z_min_m"], row["z_max_m"]) == (-1.2, -0.8)


def test_3d_poslist_without_srsdimension_is_an_error(tmp_path):
    body = envelope() + network("nl.imkl-KL0001.net1", "water") + link(
        "nl.imkl-KL0001.L1", "100000 400000 -1.2 100030 400040 -0.8") + cable(
        "nl.imkl-KL0001.C1", ["nl.imkl-KL0001.L1"], typ="Waterleiding")
    # the Graafpolygoon is fine, so restrict to a file whose only geometry is the link
    body = body.replace(body[body.index("<gml:featureMember><imkl:Graafpolygoon"):body.index("<gml:featureMember><imkl:Beheerder")], "")
    with pytest.raises(OutOfBoundsError, match="srsDimension"):
        read_klic(write(tmp_path, body))


def test_arc_is_linearised_like_gdal(tmp_path):
    arc = (f'<gml:Curve {SRS} gml:id="c1"><gml:segments><gml:Arc><gml:posList>'
           "100000 400000 100010 400010 100020 400000</gml:posList></gml:Arc></gml:segments></gml:Curve>")
    body = envelope() + network("nl.imkl-KL0001.net1", "water") + link("nl.imkl-KL0001.L1", "", geom=arc) + cable(
        "nl.imkl-KL0001.C1", ["nl.imkl-KL0001.L1"], typ="Waterleiding")
    path = write(tmp_path, body)
    ours = read_klic(path).lines["length_m"].iloc[0]
    gdal = pyogrio.read_dataframe(path, layer="UtilityLink", WRITE_GFS="NO").geometry.length.iloc[0]
    assert ours == pytest.approx(gdal, rel=1e-6)
    assert ours == pytest.approx(10 * math.pi, rel=2e-3)


def test_curve_with_disconnected_segments_is_skipped_with_warning(tmp_path):
    curve = (f'<gml:Curve {SRS} gml:id="c1"><gml:segments>'
             "<gml:LineStringSegment><gml:posList>100000 400000 100010 400000</gml:posList></gml:LineStringSegment>"
             "<gml:LineStringSegment><gml:posList>100020 400000 100030 400000</gml:posList></gml:LineStringSegment>"
             "</gml:segments></gml:Curve>")
    body = BASE + link("nl.imkl-KL0001.L7", "", geom=curve) + cable("nl.imkl-KL0001.C7", ["nl.imkl-KL0001.L7"])
    with pytest.warns(WlrGeoWarning, match="sluiten niet op elkaar aan"):
        data = read_klic(write(tmp_path, body))
    assert "nl.imkl-KL0001.C7" not in set(data.lines["gml_id"])
    assert len(data.lines) == 2


def test_doctype_entity_is_refused(tmp_path):
    p = tmp_path / "GI_gebiedsinformatielevering_23A000001_1_V2.xml"
    xml = (HEAD.replace("{ns}", IMKL2) + BASE + "</gml:FeatureCollection>")
    xml = xml.replace('<?xml version="1.0" encoding="UTF-8"?>\n',
                      '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n')
    p.write_text(xml, encoding="utf-8")
    with pytest.raises(UnsafeInputError, match="DOCTYPE"):
        read_klic(p)


def test_zip_with_path_traversal_is_refused(tmp_path):
    z = tmp_path / "Levering_23A000001_1.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("23A000001_1/GI_gebiedsinformatielevering_23A000001_1_V2.xml", HEAD.replace("{ns}", IMKL2) + BASE + "</gml:FeatureCollection>")
        zf.writestr("../evil", "x")
    with pytest.raises(UnsafeInputError, match="path traversal"):
        read_klic(z)
    assert not (tmp_path.parent / "evil").exists()


def test_zip_bomb_is_refused(tmp_path):
    z = tmp_path / "Levering_23A000001_1.zip"
    with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("GI_gebiedsinformatielevering_23A000001_1_V2.xml", b"<" + b" " * 20_000_000)
    with pytest.raises(UnsafeInputError, match="compressieverhouding"):
        read_klic(z)


def test_delivery_read_from_zip_equals_folder(tmp_path):
    xml = HEAD.replace("{ns}", IMKL2) + BASE + "</gml:FeatureCollection>"
    z = tmp_path / "Levering_23A000001_1.zip"
    with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("23A000001_1/GI_gebiedsinformatielevering_23A000001_1_V2.xml", xml)
    a = read_klic(z)
    b = read_klic(write(tmp_path, BASE))
    assert a.lines.drop(columns="geometry").equals(b.lines.drop(columns="geometry"))


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ('<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document/></kml>', "hoofdelement is <kml>"),
        ('<?xml version="1.0"?><gml:FeatureCollection xmlns:gml="http://www.opengis.net/gml/3.2" '
         'xmlns:bgt="http://www.geostandaarden.nl/imgeo/2.1"><gml:featureMember><bgt:Pand gml:id="p"/>'
         "</gml:featureMember></gml:FeatureCollection>", "geen IMKL-namespace"),
        ("this is not xml at all", "geen XML-element"),
        (HEAD.replace("{ns}", IMKL2) + BASE[:400], "niet welgevormd"),
        (HEAD.replace("{ns}", IMKL2) + "</gml:FeatureCollection>", "bevat geen objecten"),
    ],
)
def test_not_a_klic_delivery_gives_clear_error(tmp_path, content, match):
    p = tmp_path / "file.xml"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(KlicError, match=match) as info:
        read_klic(p)
    assert "verwacht: een KLIC-levering" in str(info.value)


def test_other_file_types_and_empty_folder_give_clear_error(tmp_path):
    txt = tmp_path / "route.csv"
    txt.write_text("a,b\n")
    with pytest.raises(KlicError, match=r"\.csv is geen KLIC-levering"):
        read_klic(txt)
    (tmp_path / "empty").mkdir()
    with pytest.raises(KlicError, match="bevat geen KLIC-levering"):
        read_klic(tmp_path / "empty")
    with pytest.raises(KlicError, match="bestaat niet"):
        read_klic(tmp_path / "missing.zip")


def test_feature_members_plural_and_imkl1_namespace_from_issue(tmp_path):
    body = BASE.replace("<gml:featureMember>", "").replace("</gml:featureMember>", "")
    path = write(tmp_path, "<gml:featureMembers>" + body + "</gml:featureMembers>", ns="http://www.geonovum.nl/wion/2015/1.0")
    data = read_klic(path)
    assert len(data.lines) == 2 and set(data.lines["imkl_versie"]) == {"1.2.1"}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pos=st.integers(min_value=0, max_value=10_000), junk=st.binary(min_size=1, max_size=8))
def test_mutated_bytes_never_crash_with_a_non_wlr_error(tmp_path, pos, junk):
    xml = (HEAD.replace("{ns}", IMKL2) + BASE + "</gml:FeatureCollection>").encode()
    pos %= len(xml)
    p = tmp_path / "m.xml"
    p.write_bytes(xml[:pos] + junk + xml[pos + len(junk):])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WlrGeoWarning)
        with contextlib.suppress(WlrGeoError):
            read_klic(p)
