"""Conformance suite: every KLIC delivery and BGT file we have, compared with GDAL.

Parametrised over the deliveries and extracts in the repository (``layers/klic``,
``layers/klic/overlapping``, ``layers/klic/imkl1.2.1``, ``layers/bgt``) and over those in the
project's shared data folder (``../shared/data``) when it is there; outside the repository a
missing folder skips with its reason, so CI on a clean clone runs the in-repo part in full.
The oracles are written here without wlr_geo's reader code:

* KLIC: GDAL's ``UtilityLink`` layer (distinct links, per-link lengths to 1e-6 m) and a plain
  lxml count of the object-link pairs (rows). Links wlr_geo skips on purpose (outside the RD
  area; each also a warning) are named in its report and must be exactly those GDAL reads
  outside RD. ``wlr-geo check-klic`` (:mod:`wlr_geo.io.klic.conformance`) must agree.
* BGT: a plain lxml count of the current objects per file (no ``eindRegistratie``, and a
  ``bgt-status`` of bestaand or none), GDAL's geometry type per object where GDAL gives the
  layer one geometry column, and every geometry valid.
"""

from __future__ import annotations

import hashlib
import os
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely
from click.testing import CliRunner
from lxml import etree

from wlr_geo._safe import safe_extract
from wlr_geo.cli.main import cli
from wlr_geo.io.bgt import read_bgt
from wlr_geo.io.klic import discover, read_klic
from wlr_geo.io.klic.conformance import compare_delivery

REPO = Path(__file__).resolve().parent.parent
LAYERS = REPO / "layers"
XLINK = "{http://www.w3.org/1999/xlink}href"
GML_IDS = ("{http://www.opengis.net/gml/3.2}id", "{http://www.opengis.net/gml}id")


def _shared_data() -> Path | None:
    env = os.environ.get("WLR_GEO_SHARED_DATA")
    for cand in ([Path(env)] if env else []) + [REPO.parent / "shared" / "data", REPO.parent.parent / "shared" / "data"]:
        if cand.is_dir():
            return cand
    return None


SHARED = _shared_data()


def _digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def _shared_param(path: Path | None, label: str, in_repo: dict[str | None, str]):
    """A case for a file of ../shared/data: skipped with the reason when it is not there, or
    when it is byte for byte a file the repository case already checks."""
    if path is None or not path.exists():
        return pytest.param(path, id=label, marks=pytest.mark.skip(
            reason=f"../{label} is not here (outside the repository; CI runs the layers/ cases)"))
    same = in_repo.get(_digest(path))
    if same is not None:
        return pytest.param(path, id=label, marks=pytest.mark.skip(reason=f"the same bytes as {same}, checked there"))
    return pytest.param(path, id=label)


def _klic_inputs() -> list:
    params = []
    in_repo: dict[str | None, str] = {}
    for p in sorted((LAYERS / "klic").glob("*.zip")) + sorted((LAYERS / "klic" / "overlapping").glob("*.zip")) \
            + sorted((LAYERS / "klic" / "imkl1.2.1").iterdir()):
        label = f"layers/{p.relative_to(LAYERS).as_posix()}"
        params.append(pytest.param(p, id=label))
        in_repo[_digest(p)] = label
    names = ["imkl2.0/Levering_22C001966_3.zip", "imkl2.0/Levering_22G003180_1.zip", "imkl2.0/Levering_22O000518_1.zip",
             "imkl2.0/22G003180_1", "imkl2.0/overlapping/Levering_22G003174_1.zip",
             "imkl2.0/overlapping/Levering_22G003247_1.zip", "imkl1.2.1/VB9. Netinformatie KL9999-Best.zip",
             "imkl1.2.1/Voorbeeld 2. Utiliteitsnet met Duct-Pipe-Cable.xml",
             "imkl1.2.1/Voorbeeld 5. Toepassing netwerktopologie.xml"]
    for name in names:
        params.append(_shared_param(SHARED / "imkl" / name if SHARED else None, f"shared/data/imkl/{name}", in_repo))
    return params


def _xml_of(path: Path, tmp: Path) -> Path:
    if path.is_dir():
        return next(path.rglob("GI_*.xml"))
    if path.suffix.lower() == ".zip":
        return next(f for f in safe_extract(path, tmp) if f.suffix.lower() == ".xml")
    return path


def _pairs(xml: Path) -> set[tuple[str, str]]:
    """(feature gml:id, link href) of every link child, with plain lxml."""
    out: set[tuple[str, str]] = set()
    for _, member in etree.iterparse(str(xml), events=("end",), tag=("{*}featureMember", "{*}member"),
                                     resolve_entities=False, no_network=True):
        for feat in member:
            if isinstance(feat.tag, str):
                gid = feat.get(GML_IDS[0]) or feat.get(GML_IDS[1]) or ""
                out.update((gid, ch.get(XLINK)) for ch in feat
                           if isinstance(ch.tag, str) and etree.QName(ch).localname == "link" and ch.get(XLINK))
        member.clear()
    return out


@pytest.mark.parametrize("path", _klic_inputs())
def test_klic_delivery_matches_gdal(path, tmp_path):
    xml = _xml_of(path, tmp_path)
    gdal = pyogrio.read_dataframe(xml, layer="UtilityLink", WRITE_GFS="NO")
    gdal = gdal[gdal.geometry.notna()].set_index("gml_id")
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        data = read_klic(path)
    lines = data.lines
    # links skipped on purpose are exactly those GDAL reads outside the RD area
    skipped = {g for _, g, _ in data.report.geometry_problems if g in gdal.index}
    b = gdal.geometry.bounds
    outside = set(gdal.index[(b.minx < -10_000) | (b.miny < 296_000) | (b.maxx > 300_000) | (b.maxy > 640_000)])
    assert skipped == outside
    pairs = {(g, h) for g, h in _pairs(xml) if h in gdal.index and h not in skipped}
    # rows: one per object-link pair; distinct links; per-link lengths
    assert len(lines) == len(pairs)
    assert set(zip(lines["gml_id"], lines["link_id"], strict=True)) == pairs
    referenced = {h for _, h in pairs}
    assert set(lines["link_id"]) == referenced
    ours = lines.drop_duplicates("link_id").set_index("link_id")["length_m"].sort_index()
    ref = gdal.loc[ours.index].geometry.length
    assert np.allclose(ours.to_numpy(), ref.to_numpy(), rtol=0, atol=1e-6)
    assert lines.geometry.is_valid.all() and lines.crs.to_epsg() == 28992
    # the user-facing check (wlr-geo check-klic) agrees
    (src,) = discover(path)
    row = compare_delivery(src)
    assert row.equal and (row.rows, row.links, row.links_skipped) == (len(pairs), len(referenced), len(skipped))
    assert row.length_m == pytest.approx(ours.sum(), abs=1e-6)


def test_check_klic_cli_prints_one_dutch_table_and_writes_nothing(tmp_path):
    folder = tmp_path / "leveringen"
    folder.mkdir()
    for name in ("Levering_22G003180_1.zip", "Levering_22O000518_1.zip"):
        (folder / name).write_bytes((LAYERS / "klic" / name).read_bytes())
    xml = LAYERS / "klic" / "imkl1.2.1" / "Voorbeeld 5. Toepassing netwerktopologie.xml"
    (folder / xml.name).write_bytes(xml.read_bytes())
    (folder / "notities.xml").write_text("<notities>geen IMKL</notities>", encoding="utf-8")
    before = sorted(p.name for p in folder.iterdir())
    res = CliRunner().invoke(cli, ["check-klic", str(folder)])
    assert res.exit_code == 0, res.output
    out = res.output
    assert "KLIC: wlr_geo vergeleken met GDAL" in out and "rijen XML" in out and "lengte GDAL (m)" in out
    assert out.count("gelijk") >= 3 and "VERSCHIL" not in out
    assert "6.788,6" in out  # Dutch number format (22O000518: 6,788.6 m of line)
    assert "niet vergeleken" in out and "notities.xml" in out
    assert "3 levering(en) vergeleken, 3 gelijk, 0 met verschil." in out
    assert sorted(p.name for p in folder.iterdir()) == before  # no .gfs or anything else written


def test_check_klic_cli_reports_a_difference_with_exit_1(tmp_path, monkeypatch):
    """A reader that lost a link is caught: the table says VERSCHIL and the exit code is 1."""
    from wlr_geo.io.klic import conformance

    real = conformance.assemble

    def losing(*args, **kwargs):
        layers = real(*args, **kwargs)
        layers["lines"] = layers["lines"].iloc[1:]
        return layers

    monkeypatch.setattr(conformance, "assemble", losing)
    folder = tmp_path / "l"
    folder.mkdir()
    (folder / "Levering_22G003180_1.zip").write_bytes((LAYERS / "klic" / "Levering_22G003180_1.zip").read_bytes())
    res = CliRunner().invoke(cli, ["check-klic", str(folder)])
    assert res.exit_code == 1 and "VERSCHIL" in res.output and "1 met verschil" in res.output


def test_check_klic_on_a_folder_without_deliveries_is_one_line_exit_2(tmp_path):
    (tmp_path / "leeg.txt").write_text("x")
    res = CliRunner().invoke(cli, ["check-klic", str(tmp_path)])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert len([ln for ln in res.output.splitlines() if ln.strip()]) == 1


# ------------------------------------------------------------------------------------- BGT

def _bgt_members() -> list:
    params = []
    in_repo: dict[str | None, str] = {}
    sources = [(f"layers/bgt/{p.name}", p) for p in sorted((LAYERS / "bgt").glob("*.zip"))]
    if SHARED is not None:
        sources += [(f"shared/data/bgt/{p.name}", p) for p in sorted((SHARED / "bgt").glob("*.zip"))]
    else:
        params.append(pytest.param(None, None, id="shared/data/bgt", marks=pytest.mark.skip(
            reason="../shared/data is not here (outside the repository; CI runs the layers/ cases)")))
    for label, zpath in sources:
        same = in_repo.get(_digest(zpath))
        if same is not None:
            params.append(pytest.param(zpath, None, id=label, marks=pytest.mark.skip(
                reason=f"the same bytes as {same}, checked there")))
            continue
        in_repo[_digest(zpath)] = label
        with zipfile.ZipFile(zpath) as zf:
            params += [pytest.param(zpath, n, id=f"{label}!{n}") for n in sorted(zf.namelist())]
    return params


_BGT_CACHE: dict[Path, dict] = {}


def _ours(zpath: Path) -> dict:
    if zpath not in _BGT_CACHE:
        _BGT_CACHE[zpath] = dict(read_bgt(zpath))
    return _BGT_CACHE[zpath]


def _current_ids(data: bytes) -> tuple[str | None, set[str]]:
    """(element local name, gml:ids of current objects), with plain lxml."""
    root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    feats = root.xpath("/*/*[local-name()='cityObjectMember']/*")
    current = set()
    for f in feats:
        ended = f.xpath("./*[local-name()='eindRegistratie']")
        status = f.xpath("./*[local-name()='bgt-status']")
        if not ended and (not status or (status[0].text or "").strip() == "bestaand"):
            current.add(f.get(GML_IDS[1]) or f.get(GML_IDS[0]))
    return (etree.QName(feats[0]).localname if feats else None), current


#: Files GDAL's GML driver cannot read (its error), while wlr_geo reads every object.
GDAL_FAILS = {"bgt_begroeidterreindeel.gml": "a posList GDAL cannot parse (\"Did not get at least 2 values\")"}


@pytest.mark.parametrize(("zpath", "member"), _bgt_members())
def test_bgt_file_matches_lxml_count_and_gdal_geometry_types(zpath, member):
    with zipfile.ZipFile(zpath) as zf:
        data = zf.read(member)
    element, current = _current_ids(data)
    ours = _ours(zpath)
    if element is None:  # an empty class file: an empty layer named after the file
        cls = member.removeprefix("bgt_").removesuffix(".gml")
        assert len(ours[cls]) == 0
        return
    frame = next(f for f in ours.values() if len(f) and f["gml_id"].iloc[0] in current)
    assert set(frame["gml_id"]) == current  # current objects, each once
    geoms = frame.set_index("gml_id").geometry
    assert geoms.notna().all() and geoms.is_valid.all()
    path = f"/vsizip/{zpath.as_posix()}/{member}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if member in GDAL_FAILS:
            with pytest.raises(Exception, match="Did not get at least"):  # GDAL's own error
                pyogrio.read_dataframe(path, WRITE_GFS="NO")
            return
        info = pyogrio.read_info(path, WRITE_GFS="NO")
        gdal = pyogrio.read_dataframe(path, WRITE_GFS="NO").set_index("gml_id")
    assert current <= set(gdal.index)
    if info["geometry_type"] == "Unknown" and not info.get("geometry_name"):
        return  # several geometry properties in one GDAL column (pand: footprint and label points)
    family = lambda s: s.str.replace("Multi", "", regex=False)  # noqa: E731
    ref = gdal.loc[sorted(current)].geometry
    assert (family(geoms.loc[ref.index].geom_type) == family(ref.geom_type)).all()
    # the same shapes: within 0.1 m everywhere (both linearise arcs: wlr_geo to 5 mm, GDAL in
    # 4-degree steps, whose chords lie up to ~5 cm inside a large-radius arc)
    mine, theirs = geoms.loc[ref.index].to_numpy(), ref.to_numpy()
    same_type = shapely.get_type_id(mine) == shapely.get_type_id(theirs)
    assert shapely.hausdorff_distance(mine[same_type], theirs[same_type]).max(initial=0) <= 0.1
    # a label with several positions: GDAL keeps one point, which is one of wlr_geo's
    assert shapely.covered_by(theirs[~same_type], shapely.buffer(mine[~same_type], 0.1)).all()
