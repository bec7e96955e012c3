"""Finding the deliveries in what users pass (issue "Real-data readers", item 3).

The GI file is recognised by its content, not a strict name; zips that mix an IMKL file with
other XML, empty IMKL files and wrapper zips that hold delivery zips are read as far as they are
readable, and what was skipped is reported.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_klic_mutations import BASE, HEAD, IMKL2, cable, link, network

from wlr_geo._errors import KlicError, WlrGeoWarning
from wlr_geo.catalog import embedded_path
from wlr_geo.cli.main import cli
from wlr_geo.io.klic import discover, read_klic

DELIVERY = embedded_path("klic/Levering_22G003180_1.zip")
IMKL121 = embedded_path("klic/imkl1.2.1/Voorbeeld 2. Utiliteitsnet met Duct-Pipe-Cable.xml")
VOORZORG = ('<?xml version="1.0" encoding="UTF-8"?>\n<EisVoorzorgsmaatregelen xmlns="urn:example:ev">'
            "<eis>Handmatig graven binnen 1 m</eis></EisVoorzorgsmaatregelen>\n")
EMPTY_IMKL = HEAD.replace("{ns}", IMKL2) + "</gml:FeatureCollection>\n"
MINIMAL = HEAD.replace("{ns}", IMKL2) + BASE + "</gml:FeatureCollection>\n"
#: A netinformatie file: IMKL network objects without the delivery envelope.
NET = (HEAD.replace("{ns}", IMKL2) + network("nl.imkl-KL0001.net1", "middenspanning")
       + link("nl.imkl-KL0001.L1", "100000 400000 100100 400000")
       + link("nl.imkl-KL0001.L2", "100100 400000 100100 400050")
       + cable("nl.imkl-KL0001.C1", ["nl.imkl-KL0001.L1", "nl.imkl-KL0001.L2"]) + "</gml:FeatureCollection>\n")


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _lines(data) -> list:
    return sorted(zip(data.lines["gml_id"], data.lines["link_id"], data.lines.geometry.to_wkb(), strict=True))


def _quiet_read(paths):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WlrGeoWarning)
        return read_klic(paths)


def test_gi_file_with_another_name_is_found_by_its_content(tmp_path):
    members = _members(DELIVERY)
    gi = next(n for n in members if n.endswith("_V2.xml"))
    folder = gi.rsplit("/", 1)[0]
    renamed = {(f"{folder}/GI_GebiedsinformatieLevering 22G003180_1.xml" if n == gi else n): d for n, d in members.items()}
    # an operator's own IMKL file beside it: an attachment, not a second delivery
    renamed[f"{folder}/bronnen/KL1040/eigen_export.xml"] = NET.encode()
    path = _zip(tmp_path / "Levering_22G003180_1.zip", renamed)
    sources = discover(path)
    assert [s.xml_name for s in sources] == [f"{folder}/GI_GebiedsinformatieLevering 22G003180_1.xml"]
    got, ref = _quiet_read(path), _quiet_read(DELIVERY)
    assert _lines(got) == _lines(ref)
    assert got.report.deliveries[0]["meldnummer"] == "22G003180"


def test_unpacked_folder_with_an_odd_gi_name(tmp_path):
    members = _members(DELIVERY)
    for name, data in members.items():
        if name.endswith("/"):
            continue
        target = tmp_path / name.replace("GI_gebiedsinformatielevering_", "GI_GebiedsinformatieLevering ")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    sources = discover(tmp_path)
    assert len(sources) == 1 and sources[0].kind == "folder"
    assert _lines(_quiet_read(tmp_path)) == _lines(_quiet_read(DELIVERY))


def test_zip_mixing_imkl_and_a_voorzorgsmaatregelen_file_reads_the_imkl(tmp_path):
    path = _zip(tmp_path / "netinformatie.zip", {
        "netinformatie KL0001.xml": Path(IMKL121).read_bytes(),
        "voorzorgsmaatregelen KL0001.xml": VOORZORG.encode(),
    })
    with pytest.warns(WlrGeoWarning, match="niet als levering gelezen"):
        data = read_klic(path)
    assert _lines(data) == _lines(read_klic(IMKL121))
    assert [(w.rsplit("!", 1)[-1], r) for w, r in data.report.skipped] == [
        ("voorzorgsmaatregelen KL0001.xml", "geen IMKL-bestand (hoofdelement <EisVoorzorgsmaatregelen>)")]
    assert any("overgeslagen" in line for line in data.report.summary_lines())


def test_empty_netinformatie_files_are_skipped_and_reported(tmp_path):
    path = _zip(tmp_path / "netinformatie.zip", {
        "a_netinformatie.xml": NET.encode(),
        "b_netinformatie_leeg.xml": EMPTY_IMKL.encode(),
        "c_nul_bytes.xml": b"",
    })
    with pytest.warns(WlrGeoWarning, match="niet als levering gelezen"):
        data = read_klic(path)
    assert len(data.lines) == 2
    reasons = {w.rsplit("!", 1)[-1]: r for w, r in data.report.skipped}
    assert reasons == {"b_netinformatie_leeg.xml": "geen objecten", "c_nul_bytes.xml": "leeg bestand"}


def test_only_empty_files_is_still_an_error(tmp_path):
    path = _zip(tmp_path / "leeg.zip", {"netinformatie.xml": EMPTY_IMKL.encode()})
    with pytest.raises(KlicError, match="geen objecten"):
        read_klic(path)
    path = _zip(tmp_path / "nul.zip", {"netinformatie.xml": b""})
    with pytest.raises(KlicError, match="leeg bestand"):
        read_klic(path)


def test_wrapper_zip_holding_delivery_zips_is_read_through(tmp_path):
    inner = Path(DELIVERY).read_bytes()
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("netinformatie.xml", MINIMAL)
    path = _zip(tmp_path / "download.zip", {"Levering_22G003180_1.zip": inner, "extra/Levering_23A000001_1.zip": other.getvalue()})
    sources = discover(path)
    assert [s.inner for s in sources] == ["Levering_22G003180_1.zip", "extra/Levering_23A000001_1.zip"]
    assert "download.zip!Levering_22G003180_1.zip!" in sources[0].label
    data = _quiet_read(path)
    assert _lines(data) == sorted(_lines(_quiet_read(DELIVERY)) + _lines(_quiet_read(_minimal_file(tmp_path))))
    assert data.attachments["aanwezig"].dropna().all()  # the attachments are found inside the inner zip


def _minimal_file(tmp_path: Path) -> Path:
    p = tmp_path / "GI_gebiedsinformatielevering_23A000001_1_V2.xml"
    p.write_text(MINIMAL, encoding="utf-8")
    return p


def test_zip_nested_three_deep_is_skipped_and_reported(tmp_path):
    deepest = io.BytesIO()
    with zipfile.ZipFile(deepest, "w") as zf:
        zf.writestr("netinformatie.xml", MINIMAL)
    middle = io.BytesIO()
    with zipfile.ZipFile(middle, "w") as zf:
        zf.writestr("diep.zip", deepest.getvalue())
        zf.writestr("netinformatie.xml", MINIMAL)
    path = _zip(tmp_path / "buiten.zip", {"midden.zip": middle.getvalue()})
    with pytest.warns(WlrGeoWarning, match="niet als levering gelezen"):
        data = read_klic(path)
    assert len(data.lines) == 2
    assert [r for _, r in data.report.skipped] == ["zip in een zip in een zip: niet gelezen"]


def test_cli_reads_a_mixed_zip_and_says_what_was_skipped(tmp_path):
    path = _zip(tmp_path / "netinformatie.zip", {
        "netinformatie.xml": NET.encode(), "voorzorgsmaatregelen.xml": VOORZORG.encode()})
    res = CliRunner().invoke(cli, ["klic", str(path), "-o", str(tmp_path / "out.gpkg")])
    assert res.exit_code == 0, res.output
    assert "voorzorgsmaatregelen.xml" in res.output and "overgeslagen" in res.output
