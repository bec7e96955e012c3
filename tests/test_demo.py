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
