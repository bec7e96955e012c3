"""ROBUSTNESS.md KLIC/IMKL cases on the real delivery ``Levering_22G003180_1`` plus added features.

D5 (curve whose segments do not connect), D6 (``gml:Arc``), ``xlink:href`` references,
``srsDimension`` present / missing / implied by the CRS, and the "non-empty file gave 0
features" guard. Each test adds a few hand-made features (answers known exactly) to the real
IMKL 2.0 XML, so the rest of the delivery doubles as the "still read" check; the lxml counts of
the original file are the oracle.
"""

from __future__ import annotations

import math
import warnings
import zipfile
from functools import cache
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely
from lxml import etree

from wlr_geo._errors import KlicError, LayerReadError, OutOfBoundsError, WlrGeoWarning
from wlr_geo.catalog import embedded_path
from wlr_geo.io.bgt import ARC_TOLERANCE_M, read_bgt
from wlr_geo.io.klic import KlicData, read_klic

XML_NAME = "22G003180_1/GI_gebiedsinformatielevering_22G003180_1_V2.xml"
SRS = 'srsName="urn:ogc:def:crs:EPSG::28992"'
NET = "nl.imkl-KL1040.TEST_net"
END = "</gml:FeatureCollection>"


@cache
def real_xml() -> str:
    with zipfile.ZipFile(embedded_path("klic/Levering_22G003180_1.zip")) as zf:
        return zf.read(XML_NAME).decode("utf-8")


@cache
def real_counts() -> dict[str, int]:
    """lxml oracle: UtilityLinks in the original file and (cable, link) pairs that resolve."""
    root = etree.fromstring(real_xml().encode())
    ns = {"gml": "http://www.opengis.net/gml/3.2", "xlink": "http://www.w3.org/1999/xlink"}
    links = {el.get("{http://www.opengis.net/gml/3.2}id") for el in root.iterfind(".//{*}UtilityLink")}
    pairs = 0
    for m in root.iterfind("gml:featureMember", ns):
        feat = m[0]
        pairs += sum(1 for ch in feat if etree.QName(ch).localname == "link" and ch.get(f"{{{ns['xlink']}}}href") in links)
    return {"links": len(links), "pairs": pairs}


def fm(body: str) -> str:
    return f"<gml:featureMember>{body}</gml:featureMember>\n"


def network(thema: str = "water") -> str:
    return fm(f'<imkl:Utiliteitsnet gml:id="{NET}"><imkl:thema xlink:href='
              f'"http://definities.geostandaarden.nl/imkl2015/id/waarde/Thema/{thema}"/></imkl:Utiliteitsnet>')


def utility_link(gid: str, geometry: str) -> str:
    return fm(f'<us-net-common:UtilityLink gml:id="{gid}"><net:inNetwork xlink:href="{NET}"/>'
              f"<net:centrelineGeometry>{geometry}</net:centrelineGeometry></us-net-common:UtilityLink>")


def cable(gid: str, hrefs: list[str], typ: str = "Waterleiding") -> str:
    links = "".join(f'<net:link xlink:href="{h}"/>' for h in hrefs)
    return fm(f'<imkl:{typ} gml:id="{gid}"><net:inNetwork xlink:href="{NET}"/>{links}</imkl:{typ}>')


def linestring(poslist: str, attrs: str = "") -> str:
    return f'<gml:LineString {SRS} gml:id="g_{abs(hash(poslist))}"{attrs}><gml:posList>{poslist}</gml:posList></gml:LineString>'


def delivery(tmp_path: Path, extra: str, *, keep_real: bool = True) -> Path:
    """The real delivery (or only its envelope) with ``extra`` feature members appended, zipped."""
    xml = real_xml()
    if not keep_real:
        root = etree.fromstring(xml.encode())
        for m in list(root):
            if etree.QName(m).localname == "featureMember" and etree.QName(m[0]).localname not in (
                    "GebiedsinformatieLevering", "GebiedsinformatieAanvraag", "Beheerder"):
                root.remove(m)
        xml = etree.tostring(root, encoding="unicode")
    xml = xml.replace(END, extra + END)
    z = tmp_path / "Levering_22G003180_1.zip"
    with zipfile.ZipFile(embedded_path("klic/Levering_22G003180_1.zip")) as src, \
            zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():  # the attachments too, so only the tested warning is raised
            zf.writestr(info, xml if info.filename == XML_NAME else src.read(info))
    return z


def read_quiet(path: Path) -> KlicData:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WlrGeoWarning)
        return read_klic(path)


def test_real_delivery_oracle_counts(tmp_path: Path) -> None:
    data = read_quiet(delivery(tmp_path, ""))
    assert data.report.features_per_type["UtilityLink"] == real_counts()["links"]
    assert len(data.lines) == real_counts()["pairs"] > 0


# ----------------------------------------------------------------------------- D5


def test_d5_disconnected_curve_is_skipped_listed_and_the_delivery_still_read(tmp_path: Path) -> None:
    bad = (f'<gml:Curve {SRS} gml:id="c_bad"><gml:segments>'
           "<gml:LineStringSegment><gml:posList>111700 526200 111710 526200</gml:posList></gml:LineStringSegment>"
           "<gml:LineStringSegment><gml:posList>111720 526200 111730 526200</gml:posList></gml:LineStringSegment>"
           "</gml:segments></gml:Curve>")
    good = (f'<gml:Curve {SRS} gml:id="c_good"><gml:segments>'
            "<gml:LineStringSegment><gml:posList>111700 526250 111710 526250</gml:posList></gml:LineStringSegment>"
            "<gml:LineStringSegment><gml:posList>111710 526250 111710 526260</gml:posList></gml:LineStringSegment>"
            "</gml:segments></gml:Curve>")
    extra = (network() + utility_link("nl.imkl-KL1040.TEST_L_bad", bad) + utility_link("nl.imkl-KL1040.TEST_L_good", good)
             + cable("nl.imkl-KL1040.TEST_C_bad", ["nl.imkl-KL1040.TEST_L_bad"])
             + cable("nl.imkl-KL1040.TEST_C_good", ["nl.imkl-KL1040.TEST_L_good"]))
    with pytest.warns(WlrGeoWarning, match="sluiten niet op elkaar aan") as rec:
        data = read_klic(delivery(tmp_path, extra))
    assert any("nl.imkl-KL1040.TEST_L_bad" in str(w.message) for w in rec)  # the gml:id is listed
    problems = {gid: reason for _src, gid, reason in data.report.geometry_problems}
    assert set(problems) == {"nl.imkl-KL1040.TEST_L_bad"}
    assert "gat van 10,000 m" in problems["nl.imkl-KL1040.TEST_L_bad"]
    # one bad cable never loses the delivery: every real line plus the good test cable
    assert len(data.lines) == real_counts()["pairs"] + 1
    good_row = data.lines[data.lines["gml_id"] == "nl.imkl-KL1040.TEST_C_good"].iloc[0]
    assert good_row["length_m"] == pytest.approx(20.0)
    assert "nl.imkl-KL1040.TEST_C_bad" not in set(data.lines["gml_id"])


def test_d5_gdal_rejects_what_we_skip(tmp_path: Path) -> None:
    """The observed behaviour we guard against: GDAL refuses the curve (or returns NULL)."""
    bad = (f'<gml:Curve {SRS} gml:id="c_bad"><gml:segments>'
           "<gml:LineStringSegment><gml:posList>111700 526200 111710 526200</gml:posList></gml:LineStringSegment>"
           "<gml:LineStringSegment><gml:posList>111720 526200 111730 526200</gml:posList></gml:LineStringSegment>"
           "</gml:segments></gml:Curve>")
    p = tmp_path / "one.xml"
    xml = real_xml()
    head = xml[: xml.index("<gml:featureMember>")]
    p.write_text(head + network() + utility_link("nl.imkl-KL1040.TEST_L_bad", bad) + END, encoding="utf-8")
    with pytest.raises(pyogrio.errors.FeatureError, match="Got NULL geometry as Member instead of segments"):
        pyogrio.read_dataframe(p, layer="UtilityLink", WRITE_GFS="NO")
    data = read_quiet(p)  # ours: skipped and listed, no exception
    assert [gid for _s, gid, _r in data.report.geometry_problems] == ["nl.imkl-KL1040.TEST_L_bad"]


# ----------------------------------------------------------------------------- D6


def _arc_link(gid: str, poslist: str) -> str:
    return utility_link(gid, f'<gml:Curve {SRS} gml:id="{gid}_c"><gml:segments><gml:Arc><gml:posList>{poslist}'
                             "</gml:posList></gml:Arc></gml:segments></gml:Curve>")


def test_d6_arc_is_linearised_in_4_degree_steps_like_gdal(tmp_path: Path) -> None:
    """Half circle of radius 10 m: 45 chords of 4°, length 10·π within the chord error."""
    extra = (network() + _arc_link("nl.imkl-KL1040.TEST_L_arc", "111700 526200 111710 526210 111720 526200")
             + cable("nl.imkl-KL1040.TEST_C_arc", ["nl.imkl-KL1040.TEST_L_arc"]))
    data = read_quiet(delivery(tmp_path, extra))
    row = data.lines[data.lines["gml_id"] == "nl.imkl-KL1040.TEST_C_arc"].iloc[0]
    xy = shapely.get_coordinates(row.geometry)
    assert len(xy) == 46
    assert tuple(xy[0]) == (111700, 526200) and tuple(xy[-1]) == (111720, 526200)  # ends kept exactly
    centre = np.array([111710.0, 526200.0])
    assert np.allclose(np.hypot(*(xy - centre).T), 10.0)  # every vertex on the circle
    sagitta = 10.0 * (1 - math.cos(math.radians(2.0)))  # largest arc-to-chord distance, 4° steps
    assert sagitta < 0.007
    chord = 2 * 10.0 * math.sin(math.radians(2.0))
    assert row["length_m"] == pytest.approx(45 * chord, rel=1e-9)
    assert 10 * math.pi - row["length_m"] < 0.01


def test_d6_bgt_arc_tolerance_is_recorded(tmp_path: Path) -> None:
    """BGT: arcs are linearised to ``arc_tolerance_m`` and the report records tolerance and count."""
    with zipfile.ZipFile(embedded_path("bgt/bgt_otterlo_2020.zip")) as zf:
        raw = zf.read("bgt_waterdeel.gml")
    p = tmp_path / "bgt_waterdeel.gml"
    p.write_bytes(raw)
    n_arcs_file = raw.count(b"<gml:Arc>") + raw.count(b"<gml:Arc ")
    layers = read_bgt(p, current_only=False)
    rep = layers.report
    assert rep.arc_tolerance_m == ARC_TOLERANCE_M == 0.005
    assert rep.classes["waterdeel"].arcs_linearised == n_arcs_file > 0
    coarse = read_bgt(p, current_only=False, arc_tolerance_m=0.5)
    assert coarse.report.arc_tolerance_m == 0.5
    n_fine = shapely.get_num_coordinates(layers["waterdeel"].geometry.values).sum()
    n_coarse = shapely.get_num_coordinates(coarse["waterdeel"].geometry.values).sum()
    assert n_coarse < n_fine


# ----------------------------------------------------------------------------- xlink references


def test_xlink_resolves_to_the_referenced_utility_link_geometry(tmp_path: Path) -> None:
    extra = (network() + utility_link("nl.imkl-KL1040.TEST_L1", linestring("111700 526200 111730 526240"))
             + utility_link("nl.imkl-KL1040.TEST_L2", linestring("111730 526240 111730 526300"))
             + cable("nl.imkl-KL1040.TEST_C1", ["nl.imkl-KL1040.TEST_L2", "nl.imkl-KL1040.TEST_L1"]))
    data = read_quiet(delivery(tmp_path, extra))
    rows = data.lines[data.lines["gml_id"] == "nl.imkl-KL1040.TEST_C1"].set_index("link_id")
    assert sorted(rows.index) == ["nl.imkl-KL1040.TEST_L1", "nl.imkl-KL1040.TEST_L2"]
    assert rows.loc["nl.imkl-KL1040.TEST_L1", "length_m"] == pytest.approx(50.0)
    assert rows.loc["nl.imkl-KL1040.TEST_L2", "length_m"] == pytest.approx(60.0)
    assert set(rows["thema"]) == {"water"}  # through the Utiliteitsnet reference


def test_broken_and_wrong_type_xlinks_are_warned_and_listed(tmp_path: Path) -> None:
    extra = (network() + utility_link("nl.imkl-KL1040.TEST_L1", linestring("111700 526200 111730 526240"))
             + cable("nl.imkl-KL1040.TEST_C_missing", ["nl.imkl-KL1040.DOES_NOT_EXIST"])
             + cable("nl.imkl-KL1040.TEST_C_wrong", [NET])  # points to the Utiliteitsnet
             + cable("nl.imkl-KL1040.TEST_C_ok", ["nl.imkl-KL1040.TEST_L1"]))
    with pytest.warns(WlrGeoWarning, match="wijzen niet naar een UtilityLink"):
        data = read_klic(delivery(tmp_path, extra))
    broken = {(gid, href): reason for _s, gid, href, reason in data.report.broken_links}
    assert broken[("nl.imkl-KL1040.TEST_C_missing", "nl.imkl-KL1040.DOES_NOT_EXIST")].startswith("ontbreekt")
    assert "Utiliteitsnet" in broken[("nl.imkl-KL1040.TEST_C_wrong", NET)]
    assert len(data.lines) == real_counts()["pairs"] + 1


# ----------------------------------------------------------------------------- srsDimension


@pytest.mark.parametrize("where", ["posList", "LineString", "srsName 7415"])
def test_srs_dimension_3_gives_2d_line_and_z_range(tmp_path: Path, where: str) -> None:
    pos = "111700 526200 -1.5 111730 526240 -0.9"
    if where == "posList":
        geom = linestring(pos).replace("<gml:posList>", '<gml:posList srsDimension="3">')
    elif where == "LineString":
        geom = linestring(pos, ' srsDimension="3"')
    else:
        geom = linestring(pos).replace(SRS, 'srsName="urn:ogc:def:crs:EPSG::7415"')
    extra = (network() + utility_link("nl.imkl-KL1040.TEST_L3d", geom)
             + cable("nl.imkl-KL1040.TEST_C3d", ["nl.imkl-KL1040.TEST_L3d"]))
    data = read_quiet(delivery(tmp_path, extra))
    row = data.lines[data.lines["gml_id"] == "nl.imkl-KL1040.TEST_C3d"].iloc[0]
    assert not row.geometry.has_z
    assert row["length_m"] == pytest.approx(50.0)
    assert (row["z_min_m"], row["z_max_m"]) == (-1.5, -0.9)


def test_srs_dimension_missing_on_3d_list_is_skipped_and_listed(tmp_path: Path) -> None:
    """Read as 2D the six numbers give a line through (-1.5, 111730): outside RD, so skipped."""
    geom = linestring("111700 526200 -1.5 111730 526240 -0.9")
    extra = (network() + utility_link("nl.imkl-KL1040.TEST_Lz", geom)
             + cable("nl.imkl-KL1040.TEST_Cz", ["nl.imkl-KL1040.TEST_Lz"]))
    with pytest.warns(WlrGeoWarning, match="konden niet worden gelezen"):
        data = read_klic(delivery(tmp_path, extra))
    problems = {gid: reason for _s, gid, reason in data.report.geometry_problems}
    assert "srsDimension" in problems["nl.imkl-KL1040.TEST_Lz"]
    assert "nl.imkl-KL1040.TEST_Cz" not in set(data.lines["gml_id"])
    assert len(data.lines) == real_counts()["pairs"]


def test_srs_dimension_missing_everywhere_is_an_error(tmp_path: Path) -> None:
    """A delivery whose every geometry is 3D without srsDimension: OutOfBoundsError, not 0 rows."""
    geom = linestring("111700 526200 -1.5 111730 526240 -0.9")
    extra = (network() + utility_link("nl.imkl-KL1040.TEST_Lz", geom)
             + cable("nl.imkl-KL1040.TEST_Cz", ["nl.imkl-KL1040.TEST_Lz"]))
    with pytest.raises(OutOfBoundsError, match="srsDimension") as info:
        read_quiet(delivery(tmp_path, extra, keep_real=False))
    assert info.value.feature == "nl.imkl-KL1040.TEST_Lz"
    assert "Levering_22G003180_1.zip" in (info.value.source or "")


def test_odd_coordinate_count_for_3d_is_skipped(tmp_path: Path) -> None:
    geom = linestring("111700 526200 -1.5 111730 526240").replace("<gml:posList>", '<gml:posList srsDimension="3">')
    extra = (network() + utility_link("nl.imkl-KL1040.TEST_Lodd", geom)
             + cable("nl.imkl-KL1040.TEST_Codd", ["nl.imkl-KL1040.TEST_Lodd"]))
    with pytest.warns(WlrGeoWarning, match="konden niet worden gelezen"):
        data = read_klic(delivery(tmp_path, extra))
    assert "nl.imkl-KL1040.TEST_Lodd" in {gid for _s, gid, _r in data.report.geometry_problems}


# ----------------------------------------------------------------------------- non-empty file, 0 features


@pytest.mark.parametrize(
    ("cut", "match"),
    [
        ("unclosed_root", "niet welgevormd"),
        ("members_renamed", "bevat geen objecten"),
        ("comment_only", "geen XML-element"),
        ("cut_in_the_middle", "niet welgevormd"),
    ],
)
def test_non_empty_file_with_zero_features_is_an_error(tmp_path: Path, cut: str, match: str) -> None:
    xml = real_xml()
    if cut == "unclosed_root":
        text = xml.replace(END, "")
    elif cut == "members_renamed":  # GDAL-style silent 0: members wrapped in an unknown element
        text = xml.replace("gml:featureMember>", "gml:featureMemberX>")
    elif cut == "comment_only":
        text = '<?xml version="1.0"?>\n<!-- ' + "leeg " * 1000 + "-->\n"
    else:
        text = xml[: len(xml) // 2]
    p = tmp_path / "GI_gebiedsinformatielevering_22G003180_1_V2.xml"
    p.write_text(text, encoding="utf-8")
    assert p.stat().st_size > 1000
    with pytest.raises(KlicError, match=match) as info:
        read_quiet(p)
    assert info.value.source == str(p) and info.value.hint


def test_bgt_unclosed_root_is_an_error_not_zero_rows(tmp_path: Path) -> None:
    with zipfile.ZipFile(embedded_path("bgt/bgt_otterlo_2020.zip")) as zf:
        raw = zf.read("bgt_bak.gml").decode("utf-8")
    p = tmp_path / "bgt_bak.gml"
    p.write_text(raw.replace("</CityModel>", ""), encoding="utf-8")
    with pytest.raises(LayerReadError, match="niet welgevormd") as info:
        read_bgt(p)
    assert info.value.layer == "bak"


def test_long_leading_comment_is_read_not_misreported(tmp_path: Path) -> None:
    """A KLIC XML whose root comes after > 64 KB of comments is read (the prolog is scanned
    in full for a DOCTYPE instead of giving up after 64 KB)."""
    import zipfile

    from wlr_geo.catalog import embedded_path
    from wlr_geo.io.klic import read_klic

    with zipfile.ZipFile(embedded_path("klic/Levering_22G003180_1.zip")) as zf:
        name = next(n for n in zf.namelist() if n.endswith("_V2.xml"))
        xml = zf.read(name)
    cut = xml.index(b"?>") + 2
    p = tmp_path / Path(name).name
    p.write_bytes(xml[:cut] + b"<!--" + b"x" * 70_000 + b"-->" + xml[cut:])
    plain = tmp_path / "plain" / Path(name).name
    plain.parent.mkdir()
    plain.write_bytes(xml)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert len(read_klic(p).lines) == len(read_klic(plain).lines) > 0
