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
