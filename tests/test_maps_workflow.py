"""The map workflow wires the analysis outputs into the maps: the scored landing candidates
(not the input layer of the same role), the route variants with the input's status and source,
the crossed objects, and the crossing classes that were analysed (from summary.json)."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from test_webmap import _column, _payload, _spec

from wlr_geo.config import load_config
from wlr_geo.io.vector import write_layers
from wlr_geo.workflows import impact, maps


def _popup(page: str, role: str) -> dict[str, list]:
    """Popup label → the values of that row for every feature of the layer ``role``."""
    spec = _spec(page, role)
    data = _payload(page, spec["data_id"])
    return {label: _column(data, i) for i, label in spec["popup"]}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A config with the indicative variants, the municipalities and the OSM power links, its
    impact outputs in the folder, plus landing candidates twice: the input layer (no score) in
    layers.gpkg and the ranked ones in landing.gpkg."""
    root = tmp_path_factory.mktemp("maps")
    path = root / "project.toml"
    path.write_text(
        '[project]\nname = "kaarten"\n'
        '[layers.municipalities]\ncatalog = "municipalities"\n'
        '[layers.route]\ncatalog = "route_variants"\n'
        '[layers.landing_candidates]\ncatalog = "landing_candidates"\n'
        '[[layers.crossing_layers]]\ncatalog = "power_links"\nname = "hoogspanning_osm"\ncategory = "cable_pipe"\n'
        '[route]\nvariant_column = "variant"\n', encoding="utf-8")
    cfg = load_config(path)
    out = root / "out"
    done = impact.run(cfg, out)
    from wlr_geo.config import read_role

    cand = read_role(cfg, "landing_candidates")
    write_layers({"landing_candidates": cand}, out / "layers.gpkg")
    ranked = cand.assign(score=[0.9, 0.7, 0.5, 0.3][: len(cand)], rank=list(range(1, len(cand) + 1)))
    write_layers({"candidates": ranked}, out / "landing.gpkg")
    return cfg, out, done.result, ranked


def test_landing_role_takes_the_ranked_candidates(project):
    cfg, out, _, ranked = project
    layers = maps.collect_layers(cfg, out, ["landing"])
    assert "score" in layers["landing"].columns and "rank" in layers["landing"].columns
    run = maps.run(cfg, out, map_names=["aanlanding"])
    page = run.paths[0].read_text(encoding="utf-8")
    rows = _popup(page, "landing")
    got = dict(zip(rows["Locatie"], zip(rows["Rang"], rows["Score (0–1)"], strict=True), strict=True))
    assert got == {r.site_id: (str(r.rank), f"{r.score:.2f}".replace(".", ",")) for r in ranked.itertuples()}


def test_standard_maps_get_the_impact_layers(project):
    cfg, out, result, _ = project
    run = maps.run(cfg, out, map_names=["overzicht", "ondergrond"])
    pages = {p.name: p.read_text(encoding="utf-8") for p in run.paths}
    assert set(pages) == {"kaart_overzicht.html", "kaart_ondergrond.html"}
    # the route popups carry the input's status and source, matched by variant
    page = pages["kaart_overzicht.html"]
    rows = _popup(page, "route")
    assert set(rows["Status"]) == {"indicatief"}
    assert all(b.startswith("INDICATIEF") for b in rows["Bron"])
    spec = _spec(page, "route")
    # every variant of the run in its own colour, in the run's order
    assert spec["cat_labels"] == list(result.routes["variant"])
    assert len({s["color"] for s in spec["styles"]}) == len(result.routes)
    # the crossings carry their crossed objects: one highlight key per crossing, each resolvable
    under = pages["kaart_ondergrond.html"]
    cspec = _spec(under, "crossings")
    cdata = _payload(under, cspec["data_id"])
    assert len(cdata["hk"]) == len(result.crossings) > 0
    assert set(cdata["hk"]) <= set(cdata["hl"]["g"])
    # the legend says which classes were not analysed (summary.json), not a zero
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["analysed_classes"]["rail"] is False
    assert 'Spoor <span class="wlr-legend-note">niet geanalyseerd</span>' in under
    assert 'Kabel of leiding <span class="wlr-legend-note">niet geanalyseerd' not in under
    assert 'Kabel of leiding (KLIC): <span class="wlr-legend-note">geen gegevens gegeven</span>' in under
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {o["path"] for o in manifest["outputs"]} == set(pages)


def test_in_memory_impact_run_gives_the_same_crossed_objects(project, tmp_path):
    cfg, _, _, _ = project
    from wlr_geo.analysis.impact.run import run_impact
    from wlr_geo.config import Inputs

    inputs = Inputs(cfg)
    kwargs = impact.prepare(cfg, inputs)
    result = run_impact(**kwargs)
    layers = maps.impact_layers(result, route=kwargs["route"], variant_column=kwargs.get("variant_column"),
                                crossing_layers=kwargs["layers"], cables=kwargs.get("cables"))
    objs = layers["crossed_objects"]
    keys = set(zip(result.crossings["source_layer"], result.crossings["object_id"], strict=True))
    assert set(zip(objs["source_layer"], objs["object_id"], strict=True)) == keys
    links = kwargs["layers"]["hoogspanning_osm"]
    for sl, oid, geom in zip(objs["source_layer"], objs["object_id"], objs.geometry, strict=True):
        assert sl == "hoogspanning_osm"
        assert geom.equals(links.geometry.loc[int(oid.split(":")[1])])  # the id is the GeoPackage fid
    assert set(layers["route"]["status"]) == {"indicatief"}
    written = maps.run(cfg, tmp_path, map_names=["ondergrond"], impact=maps.ImpactMapInput(result, kwargs),
                       inputs=inputs)
    page = written.paths[0].read_text(encoding="utf-8")
    assert len(_payload(page, _spec(page, "crossings")["data_id"])["hk"]) == len(result.crossings)


def test_topography_layer_keeps_polygons_per_class():
    from shapely.geometry import LineString, box

    wegdeel = gpd.GeoDataFrame({"category": ["local_road"], "functie": ["rijbaan lokale weg"], "extra": [1]},
                               geometry=[box(0, 0, 10, 10)], crs="EPSG:28992")
    mixed = gpd.GeoDataFrame({"category": ["other", "other"]},
                             geometry=[box(20, 0, 30, 10), LineString([(0, 0), (5, 5)])], crs="EPSG:28992")
    topo = maps.topography_layer({"wegdeel": wegdeel, "scheiding": mixed, "leeg": wegdeel.iloc[:0]})
    assert list(topo["bgt_class"]) == ["wegdeel", "scheiding"]
    assert "extra" not in topo.columns and list(topo["functie"].fillna("")) == ["rijbaan lokale weg", ""]
    assert maps.topography_layer({}) is None
