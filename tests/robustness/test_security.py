"""Security tests (issue 8, part B): hostile XML, hostile zips, oversized input, hostile text.

* XML external entities (XXE) pointing at a local file: refused with
  :class:`~wlr_geo._errors.UnsafeInputError`, and the file's content never appears anywhere
  (error message, result frames).
* Entity expansion ("billion laughs"): refused at once, no expansion.
* Zips with ``../`` or absolute member names, zip bombs (size over the limit, absurd
  compression ratio), members whose header lies about their size, members larger than
  ``WLR_GEO_MAX_MEMBER_BYTES``.
* HTML/JavaScript in attribute values reaching maps and reports: escaped, never markup.

Every input is built in the test; nothing is fetched.
"""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import warnings
import zipfile
import zlib
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from wlr_geo import _safe
from wlr_geo._errors import KlicError, UnsafeInputError, WlrGeoError, WlrGeoInputError
from wlr_geo.catalog import embedded_path
from wlr_geo.io.bgt import read_bgt
from wlr_geo.io.klic import read_klic
from wlr_geo.io.vector import read_layer

from ._alarm import time_limit

SECRET = "TOPSECRET-wlr-4711"
KLIC_XML = "22G003180_1/GI_gebiedsinformatielevering_22G003180_1_V2.xml"


# ----------------------------------------------------------------------------- helpers


def _klic_xml() -> str:
    with zipfile.ZipFile(embedded_path("klic/Levering_22G003180_1.zip")) as zf:
        return zf.read(KLIC_XML).decode("utf-8")


def _bgt_bak() -> str:
    with zipfile.ZipFile(embedded_path("bgt/bgt_otterlo_2020.zip")) as zf:
        return zf.read("bgt_bak.gml").decode("utf-8")


def _with_prolog(xml: str, prolog: str) -> str:
    """Insert ``prolog`` (a DOCTYPE, comments) between the XML declaration and the root."""
    if xml.startswith("<?xml"):
        end = xml.index("?>") + 2
        return xml[:end] + "\n" + prolog + "\n" + xml[end:].lstrip()
    return prolog + "\n" + xml


def _xxe_doctype(root: str, secret_file: Path) -> str:
    return f'<!DOCTYPE {root} [<!ENTITY xxe SYSTEM "file://{secret_file.as_posix()}">]>'


BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + "]>"
)


def _frames_text(frames: dict[str, Any]) -> str:
    return "\n".join(f.astype(str).to_csv() for f in frames.values())


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    p = tmp_path / "secret.txt"
    p.write_text(SECRET + "\n", encoding="utf-8")
    return p


# ----------------------------------------------------------------------------- XXE and entities


def test_xxe_in_klic_is_refused_and_never_leaks(tmp_path: Path, secret_file: Path) -> None:
    xml = _with_prolog(_klic_xml(), _xxe_doctype("gml:FeatureCollection", secret_file))
    xml = xml.replace("<imkl:leveringsvolgnummer>1<", "<imkl:leveringsvolgnummer>&xxe;<", 1)
    p = tmp_path / "GI_gebiedsinformatielevering_22G003180_1_V2.xml"
    p.write_text(xml, encoding="utf-8")
    with pytest.raises(UnsafeInputError, match="DOCTYPE") as info:
        read_klic(p)
    assert SECRET not in str(info.value)
    assert info.value.source == str(p) and info.value.hint


def test_xxe_in_bgt_is_refused_and_never_leaks(tmp_path: Path, secret_file: Path) -> None:
    xml = _with_prolog(_bgt_bak(), _xxe_doctype("CityModel", secret_file))
    xml = xml.replace("<imgeo:bronhouder>P0025<", "<imgeo:bronhouder>&xxe;<", 1)
    p = tmp_path / "bgt_bak.gml"
    p.write_text(xml, encoding="utf-8")
    with pytest.raises(UnsafeInputError, match="DOCTYPE") as info:
        read_bgt(p)
    assert SECRET not in str(info.value)


def test_xxe_in_a_zipped_klic_delivery_is_refused(tmp_path: Path, secret_file: Path) -> None:
    xml = _with_prolog(_klic_xml(), _xxe_doctype("gml:FeatureCollection", secret_file))
    z = tmp_path / "Levering_22G003180_1.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(KLIC_XML, xml)
    with pytest.raises(UnsafeInputError, match="DOCTYPE"):
        read_klic(z)


def test_xxe_in_generic_gml_never_leaks(tmp_path: Path, secret_file: Path) -> None:
    """read_layer (GDAL's GML driver) does not resolve external entities: nothing leaks."""
    gml = (
        '<?xml version="1.0"?>\n' + _xxe_doctype("x", secret_file) + "\n"
        '<wfs:FeatureCollection xmlns:wfs="http://www.opengis.net/wfs/2.0" '
        'xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:t="http://example.org/t"><wfs:member>'
        '<t:c gml:id="c1"><t:naam>&xxe;</t:naam><t:geom><gml:Point srsName="urn:ogc:def:crs:EPSG::28992">'
        "<gml:pos>155000 463000</gml:pos></gml:Point></t:geom></t:c></wfs:member></wfs:FeatureCollection>"
    )
    p = tmp_path / "x.gml"
    p.write_text(gml, encoding="utf-8")
    try:
        gdf = read_layer(p)
    except WlrGeoError as exc:
        assert SECRET not in str(exc)
    else:
        assert SECRET not in gdf.astype(str).to_csv()


def test_safe_iterparse_refuses_doctype(secret_file: Path) -> None:
    xml = _with_prolog("<a><b>&xxe;</b></a>", _xxe_doctype("a", secret_file)).encode()
    with pytest.raises(UnsafeInputError, match="DOCTYPE"):
        list(_safe.iterparse(io.BytesIO(xml), source="mem.xml"))


@pytest.mark.parametrize("reader", ["klic", "bgt"])
def test_doctype_after_a_long_leading_comment_is_refused(tmp_path: Path, secret_file: Path, reader: str) -> None:
    """The DOCTYPE check must not be limited to the first 64 KB: a long comment may precede it."""
    padding = "<!--" + "x" * 70_000 + "-->"
    if reader == "klic":
        xml = _with_prolog(_klic_xml(), padding + "\n" + _xxe_doctype("gml:FeatureCollection", secret_file))
        xml = xml.replace("<imkl:leveringsvolgnummer>1<", "<imkl:leveringsvolgnummer>&xxe;<", 1)
        p = tmp_path / "GI_gebiedsinformatielevering_22G003180_1_V2.xml"
    else:
        xml = _with_prolog(_bgt_bak(), padding + "\n" + _xxe_doctype("CityModel", secret_file))
        xml = xml.replace("<imgeo:bronhouder>P0025<", "<imgeo:bronhouder>&xxe;<", 1)
        p = tmp_path / "bgt_bak.gml"
    p.write_text(xml, encoding="utf-8")
    leaked = ""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = read_klic(p) if reader == "klic" else read_bgt(p)
        except (UnsafeInputError, KlicError) as exc:  # KLIC: refused (it looks for the root in 64 KB)
            assert SECRET not in str(exc)
            return
        leaked = _frames_text(result.layers() if reader == "klic" else dict(result))
    assert SECRET not in leaked  # at least never resolved
    pytest.fail(f"{reader}: a DOCTYPE declaring an external entity after 70 KB of comments was accepted")


@pytest.mark.parametrize("reader", ["klic", "bgt", "iterparse"])
def test_billion_laughs_is_refused_fast(tmp_path: Path, reader: str) -> None:
    if reader == "klic":
        xml = _with_prolog(_klic_xml(), BILLION_LAUGHS).replace(
            "<imkl:leveringsvolgnummer>1<", "<imkl:leveringsvolgnummer>&lol9;<", 1)
        p = tmp_path / "GI_gebiedsinformatielevering_22G003180_1_V2.xml"
    elif reader == "bgt":
        xml = _with_prolog(_bgt_bak(), BILLION_LAUGHS).replace(
            "<imgeo:bronhouder>P0025<", "<imgeo:bronhouder>&lol9;<", 1)
        p = tmp_path / "bgt_bak.gml"
    else:
        xml = _with_prolog("<a>&lol9;</a>", BILLION_LAUGHS)
        p = tmp_path / "a.xml"
    p.write_text(xml, encoding="utf-8")
    with time_limit(10), pytest.raises(UnsafeInputError, match="DOCTYPE") as info:
        if reader == "klic":
            read_klic(p)
        elif reader == "bgt":
            read_bgt(p)
        else:
            with open(p, "rb") as fh:
                list(_safe.iterparse(fh, source=str(p)))
    assert "lollol" not in str(info.value)


# ----------------------------------------------------------------------------- zip path traversal


EVIL_NAMES = ["../evil.xml", "../../evil.xml", "/tmp/evil.xml", "C:/evil.xml", "..\\evil.xml", "a/../../evil.xml"]


@pytest.mark.parametrize("evil", EVIL_NAMES)
def test_zip_traversal_refused_by_safe_extract(tmp_path: Path, evil: str) -> None:
    z = tmp_path / "in" / "x.zip"
    z.parent.mkdir()
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("ok.txt", "fine")
        zf.writestr(evil, "<evil/>")
    dest = tmp_path / "in" / "out"
    with pytest.raises(UnsafeInputError, match="path traversal") as info:
        _safe.safe_extract(z, dest)
    assert info.value.source == str(z)
    assert not list(tmp_path.rglob("evil.xml"))
    assert not Path("/tmp/evil.xml").exists() or Path("/tmp/evil.xml").read_text() != "<evil/>"
    assert not dest.exists() or not list(dest.rglob("*"))  # checked before anything is written


@pytest.mark.parametrize("evil", ["../evil.xml", "/tmp/evil.xml"])
def test_zip_traversal_refused_by_klic_reader(tmp_path: Path, evil: str) -> None:
    z = tmp_path / "Levering_22G003180_1.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(KLIC_XML, _klic_xml())
        zf.writestr(evil, "<evil/>")
    with pytest.raises(UnsafeInputError, match="path traversal"):
        read_klic(z)


@pytest.mark.parametrize("evil", ["../bgt_evil.gml", "/tmp/bgt_evil.gml"])
def test_zip_traversal_refused_by_bgt_reader(tmp_path: Path, evil: str) -> None:
    z = tmp_path / "bgt.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bgt_bak.gml", _bgt_bak())
        zf.writestr(evil, "<evil/>")
    with pytest.raises(UnsafeInputError, match="path traversal"):
        read_bgt(z)


# ----------------------------------------------------------------------------- zip bombs and sizes


def _bomb(path: Path, name: str, size: int) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, b"<" + b" " * (size - 1))


def test_zip_bomb_ratio_refused_by_both_readers(tmp_path: Path) -> None:
    k = tmp_path / "Levering_1.zip"
    _bomb(k, KLIC_XML, 30_000_000)
    assert k.stat().st_size < 100_000  # 30 MB in a few tens of KB
    with time_limit(10), pytest.raises(UnsafeInputError, match="compressieverhouding"):
        read_klic(k)
    b = tmp_path / "bgt.zip"
    _bomb(b, "bgt_wegdeel.gml", 30_000_000)
    with time_limit(10), pytest.raises(UnsafeInputError, match="compressieverhouding"):
        read_bgt(b)


def test_member_over_the_size_limit_refused(tmp_path: Path) -> None:
    z = tmp_path / "x.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("bgt_bak.gml", _bgt_bak())
    with zipfile.ZipFile(z) as zf, pytest.raises(UnsafeInputError, match=r"boven de grens van 1\.000") as info:
        _safe.safe_members(zf, source=str(z), max_bytes=1000)
    assert "WLR_GEO_MAX_MEMBER_BYTES" in (info.value.hint or "")


def test_size_limit_from_environment_applies_to_real_delivery(tmp_path: Path) -> None:
    """``WLR_GEO_MAX_MEMBER_BYTES`` is read at import: a fresh interpreter with a 100 kB limit."""
    code = (
        "import sys\n"
        "from wlr_geo._errors import UnsafeInputError\n"
        "from wlr_geo.io.klic import read_klic\n"
        "try:\n"
        f"    read_klic({str(embedded_path('klic/Levering_22G003180_1.zip'))!r})\n"
        "except UnsafeInputError as exc:\n"
        "    print('REFUSED', exc)\n"
        "    sys.exit(0)\n"
        "sys.exit(3)\n"
    )
    env = {**os.environ, "WLR_GEO_MAX_MEMBER_BYTES": "100000"}
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "REFUSED" in res.stdout and "boven de grens van 100.000" in res.stdout


def _lying_zip(path: Path, name: str, data: bytes, claimed: int, *, fix_crc: bool) -> None:
    """A zip whose headers claim ``claimed`` bytes for a member that inflates to len(data)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, data)
    raw = bytearray(buf.getvalue())
    crc = zlib.crc32(data[:claimed]) if fix_crc else None
    lh = raw.find(b"PK\x03\x04")
    cd = raw.find(b"PK\x01\x02")
    struct.pack_into("<I", raw, lh + 22, claimed)  # local header: uncompressed size
    struct.pack_into("<I", raw, cd + 24, claimed)  # central directory: uncompressed size
    if crc is not None:
        struct.pack_into("<I", raw, lh + 14, crc)
        struct.pack_into("<I", raw, cd + 16, crc)
    path.write_bytes(bytes(raw))


def test_member_whose_header_lies_is_cut_at_the_declared_size(tmp_path: Path) -> None:
    """A header that understates the size: never more than the declared bytes come out."""
    z = tmp_path / "liar.zip"
    payload = b"A" * 5_000_000
    _lying_zip(z, "bgt_bak.gml", payload, 1000, fix_crc=True)
    with zipfile.ZipFile(z) as zf:
        (info,) = _safe.safe_members(zf, source=str(z))
        assert info.file_size == 1000
        with _safe.open_member(zf, info, source=str(z)) as fh:
            got = fh.read()
    assert len(got) <= 1000


@pytest.mark.parametrize("fix_crc", [True, False])
def test_lying_klic_zip_gives_a_wlr_geo_error(tmp_path: Path, fix_crc: bool) -> None:
    z = tmp_path / "Levering_22G003180_1.zip"
    _lying_zip(z, KLIC_XML, _klic_xml().encode(), 2000, fix_crc=fix_crc)
    with time_limit(20), pytest.raises((KlicError, UnsafeInputError)) as info:
        read_klic(z)
    assert str(z) in str(info.value)


@pytest.mark.parametrize("fix_crc", [True, False])
def test_lying_bgt_zip_gives_a_wlr_geo_error(tmp_path: Path, fix_crc: bool) -> None:
    z = tmp_path / "bgt.zip"
    _lying_zip(z, "bgt_bak.gml", _bgt_bak().encode(), 1500, fix_crc=fix_crc)
    with time_limit(20), pytest.raises(WlrGeoInputError) as info:
        read_bgt(z)
    assert str(z) in str(info.value)


def test_corrupt_deflate_stream_gives_a_wlr_geo_error(tmp_path: Path) -> None:
    """A damaged download (bytes flipped inside the compressed XML) must not escape as zlib.error."""
    good = tmp_path / "good.zip"
    with zipfile.ZipFile(good, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(KLIC_XML, _klic_xml())
    raw = bytearray(good.read_bytes())
    start = raw.find(b"PK\x03\x04") + 30 + len(KLIC_XML.encode())
    for i in range(start + 200, start + 260):
        raw[i] ^= 0x5A
    bad = tmp_path / "Levering_22G003180_1.zip"
    bad.write_bytes(bytes(raw))
    with pytest.raises((KlicError, UnsafeInputError)):
        read_klic(bad)


def test_truncated_zip_gives_a_wlr_geo_error(tmp_path: Path) -> None:
    src = Path(embedded_path("klic/Levering_22G003180_1.zip")).read_bytes()
    for cut in (100, len(src) // 2, len(src) - 10):
        p = tmp_path / f"Levering_cut{cut}.zip"
        p.write_bytes(src[:cut])
        with pytest.raises((KlicError, UnsafeInputError)):
            read_klic(p)


# ----------------------------------------------------------------------------- hostile text


XSS = ["<script>alert('wlr')</script>", "<img src=x onerror=alert(1)>", "\"><svg onload=alert(2)>",
       "</script><script>alert(3)</script>", "javascript:alert(4)"]


def _hostile_frame() -> gpd.GeoDataFrame:
    lines = [LineString([(93_000 + 100 * i, 463_000), (93_050 + 100 * i, 463_100)]) for i in range(len(XSS))]
    return gpd.GeoDataFrame({"naam": XSS, "bron": list(reversed(XSS)), "length_m": [1.0] * len(XSS)},
                            geometry=lines, crs="EPSG:28992")


def _no_markup(page: str) -> None:
    for bad in ("<script>alert(", "<img src=x", "<svg onload", "</script><script>"):
        assert bad not in page, bad


def test_hostile_text_in_report_is_escaped() -> None:
    from wlr_geo.present.report import ReportSection, build_report_html

    df = pd.DataFrame(_hostile_frame().drop(columns="geometry"))
    section = ReportSection(title=XSS[0], text=XSS[1] + "\n\n" + XSS[3], tables=[(XSS[2], df)])
    manifest = {"version": XSS[0], "command": XSS[3], "run_started": XSS[1],
                "inputs": [{"path": "/data/" + XSS[1], "layer": XSS[0], "source": XSS[3], "sha256": "0"}],
                "config": {"path": XSS[1], "sha256": "0", "text": XSS[3]}}
    page = build_report_html([section], title=XSS[3], manifest=manifest, indicative=True,
                             attribution=XSS[1], intro=XSS[0])
    _no_markup(page)
    assert "&lt;script&gt;alert(&#x27;wlr&#x27;)&lt;/script&gt;" in page  # shown as text
    assert page.count("<script") == 0


def test_hostile_text_in_map_is_data_not_markup() -> None:
    from wlr_geo.present.mapdefs import map_definition_from_dict
    from wlr_geo.present.webmap import build_map, render_html

    data = {"title": XSS[0], "group": [{"name": "Kruisingen", "layer": [
        {"role": "crossings", "label": XSS[1], "popup": {"naam": "Naam", "bron": XSS[2]}, "tooltip": "naam"}]}]}
    page = render_html(build_map({"crossings": _hostile_frame()}, map_definition_from_dict(data)))
    _no_markup(page)
    assert "alert('wlr')" in page or "alert(\\u0027wlr\\u0027)" in page  # the value is there, as data
    js = (Path(__import__("wlr_geo.present.webmap", fromlist=["x"]).__file__).parent / "static" / "wlr_map.js").read_text()
    assert "innerHTML" not in js and "insertAdjacentHTML" not in js and "eval(" not in js


def test_hostile_text_survives_a_geopackage_round_trip_as_text(tmp_path: Path) -> None:
    from wlr_geo.io.vector import write_layer

    p = write_layer(_hostile_frame(), tmp_path / "x.gpkg", "x")
    back = read_layer(p, "x")
    assert back["naam"].tolist() == XSS


def test_point_layer_html_in_klic_values_is_escaped_in_map(tmp_path: Path) -> None:
    """KLIC values (operator names, labels) go through the same escaping."""
    from wlr_geo.present.mapdefs import map_definition_from_dict
    from wlr_geo.present.webmap import build_map, render_html

    pts = gpd.GeoDataFrame({"thema": ["laagspanning"], "label": [XSS[3]], "netbeheerder": [XSS[1]]},
                           geometry=[Point(93_700, 463_800)], crs="EPSG:28992")
    data = {"title": "t", "group": [{"name": "Ondergrond per thema", "layer": [
        {"role": "cables", "label": "Kabels", "popup": {"label": "Label", "netbeheerder": "Beheerder"}}]}]}
    page = render_html(build_map({"cables": pts}, map_definition_from_dict(data)))
    _no_markup(page)


def _flagged_zip(path: Path, name: str, data: bytes, *, flag: int | None = None, method: int | None = None) -> None:
    """A zip whose headers mark the member as encrypted (flag bit 0) or use another compression."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, data)
    raw = bytearray(buf.getvalue())
    lh, cd = raw.find(b"PK\x03\x04"), raw.find(b"PK\x01\x02")
    if flag is not None:
        struct.pack_into("<H", raw, lh + 6, flag)
        struct.pack_into("<H", raw, cd + 8, flag)
    if method is not None:
        struct.pack_into("<H", raw, lh + 8, method)
        struct.pack_into("<H", raw, cd + 10, method)
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize(("flag", "method"), [(1, None), (None, 99)], ids=["encrypted", "unknown-method"])
@pytest.mark.parametrize("reader", ["klic", "bgt"])
def test_encrypted_or_unknown_compression_member_gives_a_wlr_geo_error(tmp_path: Path, reader: str,
                                                                       flag: int | None, method: int | None) -> None:
    """zipfile raises RuntimeError / NotImplementedError for these: they must become typed errors."""
    if reader == "klic":
        z = tmp_path / "Levering_22G003180_1.zip"
        _flagged_zip(z, KLIC_XML, _klic_xml().encode(), flag=flag, method=method)
        with pytest.raises((KlicError, UnsafeInputError)):
            read_klic(z)
    else:
        z = tmp_path / "bgt.zip"
        _flagged_zip(z, "bgt_bak.gml", _bgt_bak().encode(), flag=flag, method=method)
        with pytest.raises(WlrGeoInputError):
            read_bgt(z)
