"""End to end: `wlr-geo demo` on the embedded data writes every output, and the manifest lists
every input with a SHA-256 that matches the file."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyogrio
import pytest

from wlr_geo.cli.main import main


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "wlr-output"
    assert main(["demo", "--out", str(out)]) == 0
    return out


@pytest.mark.slow
def test_demo_writes_every_output(demo_out):
    for name in ("layers.gpkg", "impact.gpkg", "crossings.csv", "per_gemeente.csv", "variants.csv",
                 "claims.gpkg", "claims_programme.csv", "landing_scores.csv", "routes.gpkg",
                 "kaart_overzicht.html", "report.html", "manifest.json", "ondergrond/klic.gpkg",
                 "ondergrond/impact.gpkg", "bovengrond/bgt_otterlo.gpkg", "bovengrond/impact.gpkg"):
        assert (demo_out / name).is_file(), name
    crossings = pyogrio.read_dataframe(demo_out / "impact.gpkg", layer="crossings")
    assert set(crossings["variant"]) == {"Variant A", "Variant B", "Variant C"}
    klic_crossings = pyogrio.read_dataframe(demo_out / "ondergrond" / "impact.gpkg", layer="crossings")
    assert (klic_crossings["object_class"] == "cable_pipe").sum() > 0
    html = (demo_out / "kaart_overzicht.html").read_text(encoding="utf-8")
    assert "Indicatief" in html and "<script src=" not in html


@pytest.mark.slow
def test_demo_manifest_hashes_match(demo_out):
    manifest = json.loads((demo_out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["inputs"], "no inputs recorded"
    for rec in manifest["inputs"]:
        path = Path(rec["path"])
        assert path.exists(), path
        if path.is_file():
            assert hashlib.sha256(path.read_bytes()).hexdigest() == rec["sha256"], path
    for out in manifest["outputs"]:
        p = demo_out / out["path"]
        assert hashlib.sha256(p.read_bytes()).hexdigest() == out["sha256"], p
    sources = {Path(r["path"]).name for r in manifest["inputs"]}
    assert {"boundaries.gpkg", "scenario.gpkg", "Levering_22C001966_3.zip", "bgt_otterlo_2020.zip"} <= sources
    report = (demo_out / "report.html").read_text(encoding="utf-8")
    boundaries = next(r for r in manifest["inputs"] if Path(r["path"]).name == "boundaries.gpkg")
    assert boundaries["sha256"] in report


@pytest.mark.slow
def test_every_demo_output_is_in_the_registry(demo_out):
    """Every file the demo writes is a registered output, and every column of every CSV and
    GeoPackage layer has a Dutch label in the registry (unless the layer keeps its input's columns)."""
    import pandas as pd

    from wlr_geo.outputs import output

    missing = []
    for path in sorted(p for p in demo_out.rglob("*") if p.is_file()):
        name = path.relative_to(demo_out).as_posix()
        entry = output(name)  # raises for an unregistered file
        if entry.kind == "csv":
            layers = {entry.layers[0].name: list(pd.read_csv(path, nrows=0).columns)}
        elif entry.kind == "gpkg":
            layers = {str(n): list(pyogrio.read_info(path, layer=str(n))["fields"])
                      for n, _ in pyogrio.list_layers(path)}
        else:
            continue
        for layer_name, columns in layers.items():
            layer = entry.layer(layer_name)
            for col in columns:
                c = layer.column(col)
                if c is None and not layer.passthrough:
                    missing.append(f"{name}:{layer_name}.{col}")
                elif c is not None:
                    assert c.label, f"{name}:{layer_name}.{col} has no Dutch label"
    assert not missing, "columns without a registry entry:\n" + "\n".join(missing)


@pytest.mark.slow
def test_demo_manifest_lists_every_file_once(demo_out):
    manifest = json.loads((demo_out / "manifest.json").read_text(encoding="utf-8"))
    listed = [o["path"] for o in manifest["outputs"]]
    assert len(listed) == len(set(listed))
    on_disk = {p.relative_to(demo_out).as_posix() for p in demo_out.rglob("*") if p.is_file()} - {"manifest.json"}
    assert set(listed) == on_disk
    kinds = manifest["output_kinds"]
    assert set(kinds) == on_disk  # every file named from the registry
    assert set(kinds.values()) >= {"gpkg", "csv", "xlsx", "html", "png", "tif", "json", "txt"}
    assert manifest["command"] == "wlr-geo demo"


# ------------------------------------------------------------------ the outputs as people open them
_QGIS_PYTHON = "/usr/bin/python3"


def _qgis_available() -> bool:
    import os
    import subprocess

    if not Path(_QGIS_PYTHON).is_file():
        return False
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([_QGIS_PYTHON, "-c", "import qgis.core"], env=env, capture_output=True,
                          timeout=120).returncode == 0


@pytest.mark.slow
def test_demo_geopackages_open_styled_in_real_qgis(demo_out, tmp_path):
    """Every layer of every demo GeoPackage, opened in real QGIS (Debian's python3-qgis, headless):
    valid, one declared geometry type, the stored default style applied (same renderer, attribute
    and number of classes as the QML in ``layer_styles``), the Dutch aliases applied, no GDAL
    warning (GPKG 1.2); the overview renders to a PNG."""
    import os
    import sqlite3
    import subprocess

    if not _qgis_available():
        pytest.skip("QGIS (python3-qgis for the system Python) is not installed")
    files = [demo_out / "impact.gpkg", *sorted(p for p in demo_out.rglob("*.gpkg") if p != demo_out / "impact.gpkg")]
    report, png = tmp_path / "qgis.json", tmp_path / "overzicht.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": ""}
    done = subprocess.run([_QGIS_PYTHON, str(Path(__file__).with_name("_qgis_check.py")), str(report), str(png),
                           *map(str, files)], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(report.read_text(encoding="utf-8"))
    problems = []
    n_layers = 0
    for path in files:
        con = sqlite3.connect(path)
        try:
            assert con.execute("PRAGMA user_version").fetchone()[0] == 10200, path  # GeoPackage 1.2
        finally:
            con.close()
        for name, lay in seen["files"][str(path)].items():
            n_layers += 1
            where = f"{path.relative_to(demo_out)}:{name}"
            stored = lay["stored"]
            if not lay["valid"]:
                problems.append(f"{where}: QGIS cannot open it")
                continue
            if stored is None or not stored["default"]:
                problems.append(f"{where}: no default style in layer_styles")
                continue
            if lay["messages"]:
                problems.append(f"{where}: QGIS says {lay['messages']}")
            if lay["data_type"] == "attributes":
                if lay["geometry"] != "NoGeometry":
                    problems.append(f"{where}: attribute table opened as {lay['geometry']}")
            else:
                if lay["geometry"] in ("Unknown", "GeometryCollection", "NoGeometry") or not lay["spatial"]:
                    problems.append(f"{where}: geometry type {lay['geometry']}")
                got = (lay["renderer"], lay["attr"] or None, lay["n_classes"] or None)
                want = (stored["renderer"], stored["attr"], stored["n_classes"] or None)
                if got != want:
                    problems.append(f"{where}: renderer {got}, stored style {want}")
            if lay["aliases"] != stored["aliases"]:
                problems.append(f"{where}: aliases {lay['aliases']} != stored {stored['aliases']}")
            if lay["data_type"] != "attributes" and lay.get("min_scale") != stored.get("min_scale"):
                problems.append(f"{where}: scale visibility {lay.get('min_scale')} != stored {stored.get('min_scale')}")
    assert not problems, "\n".join(problems)
    assert n_layers >= 60 and not seen["messages"]
    # what a planner sees first
    impact = seen["files"][str(demo_out / "impact.gpkg")]
    assert impact["crossings"]["renderer"] == "categorizedSymbol" and impact["crossings"]["attr"] == "object_class"
    assert impact["crossings"]["aliases"]["chainage_m"] == "Kilometrering (m)"
    assert impact["routes"]["attr"] == "variant" and impact["routes"]["n_classes"] == 3
    # chainage markers (every 100 m) only when zoomed in past 1:25.000, so they never smear the route
    assert impact["markers"]["min_scale"] == 25_000 and impact["routes"]["min_scale"] is None
    klic = seen["files"][str(demo_out / "ondergrond" / "klic.gpkg")]
    assert klic["klic_lines"]["attr"] == "thema" and klic["klic_lines"]["n_classes"] >= 5  # WION colours per thema
    assert klic["klic_attachments"]["data_type"] == "attributes"
    above = seen["files"][str(demo_out / "bovengrond" / "impact.gpkg")]
    assert {above[n]["geometry"] for n in ("affected_objects", "affected_objects_lines", "affected_objects_points")} \
        == {"MultiPolygon", "MultiLineString", "Point"}  # one geometry type per layer
    assert seen["render"]["colours"] >= 5 and png.stat().st_size > 5000
    # provenance inside the file, read by GDAL (not by wlr_geo)
    md = pyogrio.read_info(demo_out / "impact.gpkg", layer="crossings")["layer_metadata"]
    sources = json.loads(md["sources"])
    assert {"boundaries.gpkg", "scenario.gpkg"} <= {s["bestand"] for s in sources}
    assert md["status"] == "indicatief" and md["generator"].startswith("wlr_geo ")
    # reading our GeoPackages with GDAL leaves nothing behind (no .aux.xml sidecar)
    for gpkg in sorted(demo_out.rglob("*.gpkg")):
        for layer in pyogrio.list_layers(gpkg)[:, 0]:
            pyogrio.read_dataframe(gpkg, layer=layer, max_features=1)
    assert not sorted(p.name for p in demo_out.rglob("*.aux.xml"))


@pytest.mark.slow
def test_demo_workbooks_as_excel_reads_them(demo_out):
    """The demo's workbooks opened with openpyxl (the cell types and formats Excel stores):
    Dutch sheet names and headers with units, bold frozen header, autofilter, fitted widths,
    metres with one decimal, counts without, years never with a separator, text never a formula,
    and "niet geanalyseerd" where a crossing class had no layer."""
    import openpyxl

    for name in ("impact.xlsx", "claims_programme.xlsx", "landing_scores.xlsx", "ondergrond/impact.xlsx"):
        wb = openpyxl.load_workbook(demo_out / name)
        for ws in wb.worksheets:
            assert ws.freeze_panes == "A2" and ws.auto_filter.ref, (name, ws.title)
            headers = [ws.cell(1, c) for c in range(1, ws.max_column + 1)]
            assert all(h.font.b and h.data_type == "s" for h in headers), (name, ws.title)
            assert not any("_" in str(h.value) for h in headers), (name, ws.title, [h.value for h in headers])
            assert all(c.data_type != "f" for row in ws.iter_rows(min_row=2) for c in row), (name, ws.title)
            assert all(ws.column_dimensions[h.column_letter].width >= 6 for h in headers), (name, ws.title)
    wb = openpyxl.load_workbook(demo_out / "impact.xlsx")
    assert wb.sheetnames[:4] == ["Kruisingen", "Parallelle ligging", "Tracé per gemeente en wijk", "Per gemeente"]
    ws = wb["Varianten"]
    head = {ws.cell(1, c).value: c for c in range(1, ws.max_column + 1)}
    assert ws.cell(2, head["Lengte (m)"]).number_format == "#,##0.0"
    assert ws.cell(2, head["Kruisingen"]).number_format == "#,##0"
    assert ws.cell(2, head["Kruisingen spoor"]).value == "niet geanalyseerd"  # the demo has no rail layer
    prog = openpyxl.load_workbook(demo_out / "claims_programme.xlsx")["Programma"]
    head = {prog.cell(1, c).value: c for c in range(1, prog.max_column + 1)}
    years = [prog.cell(r, head["Jaar"]) for r in range(2, prog.max_row + 1)]
    assert all(c.number_format in ("0", "@") for c in years) and {c.value for c in years} >= {2027}


def _pdf_text(pdf: Path) -> tuple[int, str]:
    import re
    import subprocess

    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return pages, text


@pytest.mark.slow
def test_demo_report_pdf_reads_as_a_document(demo_out):
    """The printed report: a sane page count, Dutch headings, no raw column names or floats,
    years without a separator, and per gemeente the lengths and stretch counts of per_gemeente.csv."""
    import re
    import shutil

    import pandas as pd

    from wlr_geo.present.format import nl_number
    from wlr_geo.workflows.report import OUTSIDE

    pdf = demo_out / "report.pdf"
    if not pdf.is_file() or shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None:
        pytest.skip("no report.pdf (Chromium missing) or no poppler-utils")
    pages, text = _pdf_text(pdf)
    per_gemeente = pd.read_csv(demo_out / "per_gemeente.csv", dtype={"gemeente": str})
    gemeenten = [g for g in dict.fromkeys(per_gemeente["gemeente"]) if g != OUTSIDE]
    assert len(gemeenten) + 4 <= pages <= 60, pages  # a page or more per gemeente, not hundreds
    for heading in ("Inhoud", "Samenvatting", "Varianten naast elkaar", "Kruisingenregister",
                    "Werkwijze en aannames", "Herkomst van de gegevens", "niet geanalyseerd",
                    "Indicatief", "Interactieve kaarten"):
        assert heading in text, heading
    assert not re.search(r"\b(length_m|n_crossings|chainage_m|object_class|area_m2_\w+|n_stretches)\b", text)
    analysis = text[:text.rfind("Herkomst van de gegevens")]  # the provenance quotes DOIs and hashes
    assert not re.search(r"\d\.\d{4,}|\d,\d{4,}", analysis), "raw floats in the report"
    assert "2027" in text and "2.027" not in text
    body = text.split("Samenvatting", 2)[-1]  # after the table of contents
    starts = {g: body.find(f"De gemeente {g} is bevoegd gezag") for g in gemeenten}
    assert all(i >= 0 for i in starts.values()), starts
    bounds = [*sorted(starts.values()), body.find("Varianten naast elkaar", max(starts.values()))]
    for g, start in starts.items():
        chapter = body[start:bounds[bounds.index(start) + 1]]
        rows = per_gemeente[per_gemeente["gemeente"] == g]
        length_line = next(line for line in chapter.splitlines() if line.strip().startswith("Lengte tracé (m)"))
        assert length_line.split()[3:] == [nl_number(v, 0) for v in rows["length_m"]], (g, length_line)
        n_line = next(line for line in chapter.splitlines() if line.strip().startswith("Aantal stukken"))
        assert n_line.split()[2:] == [str(v) for v in rows["n_stretches"]], (g, n_line)
        assert f"Interactieve kaart gemeente {g}" in chapter
