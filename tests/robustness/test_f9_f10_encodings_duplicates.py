"""ROBUSTNESS.md F9 and F10, with inputs made in code.

F9: one encoding policy for the KLIC and the BGT reader. The encoding is detected first (BOM,
the UTF-16/32 form of ``<?``, the XML declaration), then the same guards hold in every
encoding: a DOCTYPE is refused in UTF-8, UTF-16 and UTF-32 of either byte order, with or
without a BOM; a file without one reads exactly as its UTF-8 twin.

F10: the same BGT class twice in one zip gives each object once (dropped by ``gml_id`` and
counted); two zip members with the same name are an error (exit 2, one line).
"""

from __future__ import annotations

import io
import sys
import warnings
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from wlr_geo._errors import LayerReadError, UnsafeInputError, WlrGeoError
from wlr_geo._safe import detect_encoding
from wlr_geo.cli.main import cli
from wlr_geo.io.bgt import read_bgt
from wlr_geo.io.klic import read_klic

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from test_klic_mutations import BASE, HEAD, IMKL2

KLIC_XML = HEAD.replace("{ns}", IMKL2) + BASE + "</gml:FeatureCollection>\n"
BGT_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<CityModel xmlns="http://www.opengis.net/citygml/2.0" xmlns:gml="http://www.opengis.net/gml" '
    'xmlns:imgeo="http://www.geostandaarden.nl/imgeo/2.1">\n'
    + "".join(
        f'<cityObjectMember><imgeo:Bak gml:id="b{i}"><imgeo:bgt-status>bestaand</imgeo:bgt-status>'
        f"<imgeo:plus-type>afvalbak &amp; kliko {i}</imgeo:plus-type>"
        f'<imgeo:geometrie2dBak><gml:Point srsName="urn:ogc:def:crs:EPSG::28992">'
        f"<gml:pos>{93700 + i} 463800</gml:pos></gml:Point></imgeo:geometrie2dBak></imgeo:Bak></cityObjectMember>\n"
        for i in range(3)
    )
    + "</CityModel>\n"
)
DOCTYPE = '<!DOCTYPE x [<!ENTITY e "boom">]>\n'

#: (codec used to write, name in the declaration, BOM written)
ENCODINGS = [
    ("utf-8", "UTF-8", False), ("utf-8-sig", "UTF-8", True),
    ("utf-16", "UTF-16", True), ("utf-16-le", "UTF-16", False), ("utf-16-be", "UTF-16", False),
    ("utf-32", "UTF-32", True), ("utf-32-le", "UTF-32", False), ("utf-32-be", "UTF-32", False),
]


def _encoded(xml: str, codec: str, declared: str, *, doctype: bool = False) -> bytes:
    xml = xml.replace('encoding="UTF-8"', f'encoding="{declared}"', 1)
    if doctype:  # after the declaration, before the root: the only place a DOCTYPE may stand
        decl_end = xml.index("?>") + 2
        xml = xml[:decl_end] + "\n" + DOCTYPE + xml[decl_end:]
    return xml.encode(codec)


def _read(kind: str, path: Path):
    return read_klic(path) if kind == "klic" else read_bgt(path)


def _content(kind: str, data) -> list:
    if kind == "klic":
        return [*data.lines.drop(columns="geometry").astype(str).values.tolist(), data.lines.geometry.to_wkb().tolist()]
    frame = data["bak"]
    return [*frame.drop(columns="geometry").astype(str).values.tolist(), frame.geometry.to_wkb().tolist()]


def _file(tmp_path: Path, kind: str, data: bytes) -> Path:
    name = "GI_gebiedsinformatielevering_23A000001_1_V2.xml" if kind == "klic" else "bgt_bak.gml"
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(("codec", "declared", "bom"), ENCODINGS)
def test_encoding_is_detected_from_bom_or_first_bytes(codec, declared, bom):
    data = _encoded(BGT_XML, codec, declared)
    found, bom_len = detect_encoding(data)
    assert found.replace("_", "-").startswith(declared.lower())
    assert (bom_len > 0) == bom


@pytest.mark.parametrize("kind", ["klic", "bgt"])
@pytest.mark.parametrize(("codec", "declared", "bom"), ENCODINGS)
def test_every_encoding_reads_as_its_utf8_twin(tmp_path, kind, codec, declared, bom):
    xml = KLIC_XML if kind == "klic" else BGT_XML
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    ref = _read(kind, _file(tmp_path / "a", kind, xml.encode("utf-8")))
    got = _read(kind, _file(tmp_path / "b", kind, _encoded(xml, codec, declared)))
    assert _content(kind, got) == _content(kind, ref)
    if kind == "bgt":  # the entity reference &amp; survives: nothing silently emptied
        assert got["bak"]["plus_type"].tolist() == [f"afvalbak & kliko {i}" for i in range(3)]


@pytest.mark.parametrize("kind", ["klic", "bgt"])
@pytest.mark.parametrize(("codec", "declared", "bom"), ENCODINGS)
def test_doctype_is_refused_in_every_encoding(tmp_path, kind, codec, declared, bom):
    xml = KLIC_XML if kind == "klic" else BGT_XML
    path = _file(tmp_path, kind, _encoded(xml, codec, declared, doctype=True))
    with pytest.raises(UnsafeInputError, match="DOCTYPE"):
        _read(kind, path)


@pytest.mark.parametrize("kind", ["klic", "bgt"])
@pytest.mark.parametrize("codec", ["utf-16", "utf-32-be"])
def test_doctype_in_a_wide_encoding_exits_2_with_one_line(tmp_path, kind, codec):
    xml = KLIC_XML if kind == "klic" else BGT_XML
    path = _file(tmp_path, kind, _encoded(xml, codec, codec.upper()[:6], doctype=True))
    res = CliRunner().invoke(cli, [kind, str(path), "-o", str(tmp_path / "out.gpkg")])
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "DOCTYPE" in lines[0] and path.name in lines[0]
    assert "Traceback" not in res.output
    assert not (tmp_path / "out.gpkg").exists()


@pytest.mark.parametrize("kind", ["klic", "bgt"])
@pytest.mark.parametrize(("declared", "codec", "match"), [
    ("x-nonsense-42", "utf-8", "en die is onbekend"),
    ("UTF-16", "utf-8", "de bytes zijn geen UTF-16"),  # a declaration the bytes contradict
])
def test_unknown_or_contradicted_encoding_is_one_clear_error(tmp_path, kind, declared, codec, match):
    xml = KLIC_XML if kind == "klic" else BGT_XML
    path = _file(tmp_path, kind, _encoded(xml, codec, declared))
    with pytest.raises(WlrGeoError, match=match):
        _read(kind, path)
    res = CliRunner().invoke(cli, [kind, str(path), "-o", str(tmp_path / "out.gpkg")])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert len([ln for ln in res.output.splitlines() if ln.strip()]) == 1


def test_broken_utf16_in_the_middle_is_a_read_error(tmp_path):
    data = bytearray(_encoded(BGT_XML, "utf-16-le", "UTF-16"))
    mid = len(data) // 2 & ~1
    data[mid:mid + 2] = b"\x00\xdc"  # a lone low surrogate: not UTF-16
    path = _file(tmp_path, "bgt", bytes(data))
    with pytest.raises(LayerReadError, match="geen geldige utf-16"):
        read_bgt(path)


# ---------------------------------------------------------------------------------------- F10


def _zip(path: Path, members: list[tuple[str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w") as zf, warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Duplicate name", UserWarning)  # made on purpose
        for name, data in members:
            zf.writestr(name, data)
    return path


def test_same_bgt_class_twice_in_a_zip_gives_each_object_once(tmp_path):
    data = BGT_XML.encode()
    path = _zip(tmp_path / "bgt.zip", [("bgt_bak.gml", data), ("kopie/bak (1).gml", data)])
    layers = read_bgt(path)
    assert list(layers) == ["bak"]
    assert layers["bak"]["gml_id"].tolist() == ["b0", "b1", "b2"]
    rep = layers.report.classes["bak"]
    assert (rep.n_objects, rep.duplicates_dropped, rep.n_kept) == (6, 3, 3)
    assert layers.report.summary_frame().set_index("bgt_class").loc["bak", "duplicates_dropped"] == 3


def test_objects_of_one_class_split_over_two_files_are_all_kept(tmp_path):
    one, two = BGT_XML.encode(), BGT_XML.replace('gml:id="b', 'gml:id="c').encode()
    layers = read_bgt(_zip(tmp_path / "bgt.zip", [("bgt_bak.gml", one), ("bgt_bak_2.gml", two)]))
    assert sorted(layers["bak"]["gml_id"]) == ["b0", "b1", "b2", "c0", "c1", "c2"]
    assert layers.report.classes["bak"].duplicates_dropped == 0


@pytest.mark.parametrize("kind", ["klic", "bgt"])
@pytest.mark.parametrize("second", ["same", "case", "backslash"])
def test_duplicate_member_names_in_a_zip_are_an_error(tmp_path, kind, second):
    name = "levering/GI_gebiedsinformatielevering_23A000001_1_V2.xml" if kind == "klic" else "data/bgt_bak.gml"
    other = {"same": name, "case": name.upper(), "backslash": name.replace("/", "\\")}[second]
    xml = (KLIC_XML if kind == "klic" else BGT_XML).encode()
    path = _zip(tmp_path / "in.zip", [(name, xml), (other, xml)])
    with pytest.raises(UnsafeInputError, match="komt twee keer voor"):
        _read(kind, path)
    res = CliRunner().invoke(cli, [kind, str(path), "-o", str(tmp_path / "out.gpkg")])
    assert res.exit_code == 2 and "Traceback" not in res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "komt twee keer voor" in lines[0]


def test_bytes_stream_policy_is_shared(tmp_path):
    """The KLIC parser and the BGT reader go through the same prolog check (one policy)."""
    from wlr_geo._safe import read_prolog

    for codec, declared, _bom in ENCODINGS:
        data = _encoded(BGT_XML, codec, declared, doctype=True)
        with pytest.raises(UnsafeInputError):
            read_prolog(io.BytesIO(data), source="x")
