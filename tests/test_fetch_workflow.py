"""Workflow: ``wlr-geo fetch`` from a local PDOK stand-in → ``wlr-geo impact`` and
``wlr-geo landing`` with a project config that names the fetched layers through the fetched
``catalog.toml`` (``[project] catalogs``). No column is renamed by hand: the analyses find
``gm_naam``, ``wk_naam`` and ``inwoners`` because the fetch made them from PDOK's
``naam``/``wijknaam``/``aantal_inwoners``.

Everything goes through the public command line (``wlr_geo.cli.main.main``), so the test does
not depend on where the configuration plumbing lives. The expected numbers are built by hand
from the geometry served (a straight west–east route; chainage = x − 90 500 m).
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from _pdok_server import bgt_wegdeel_gml, serve
from _pdok_server import feature as ft
from shapely.geometry import LineString, Point, box

from wlr_geo.catalog import load_catalog
from wlr_geo.cli.main import main
from wlr_geo.io.vector import write_layer

ROUTE = LineString([(90_500, 461_000), (93_500, 461_000)])
GEMEENTEN = {"GM0546": ("Leiden", box(90_000, 460_000, 92_000, 462_000)),
             "GM0547": ("Leiderdorp", box(92_000, 460_000, 94_000, 462_000))}
WIJKEN = [  # code, name, municipality, polygon, inhabitants, households
    ("WK054601", "Binnenstad", "GM0546", box(90_000, 460_000, 91_000, 462_000), 5_000, 2_400),
    ("WK054602", "Noord", "GM0546", box(91_000, 460_000, 92_000, 462_000), 3_000, -99997),
    ("WK054701", "Dorp", "GM0547", box(92_000, 460_000, 94_000, 462_000), 8_000, 3_600),
]
CANDIDATES = {"west": Point(90_600, 461_300), "oost": Point(93_400, 461_250)}


def _serve_region(api) -> None:
    api.collections["gemeentegebied"] = [
        ft(f"g{i}", poly, identificatie=code, code=code[2:], naam=name)
        for i, (code, (name, poly)) in enumerate(GEMEENTEN.items())
    ]
    api.collections["wijken"] = [
        ft(code, poly, wijkcode=code, wijknaam=name, gemeentecode=gm, gemeentenaam=GEMEENTEN[gm][0],
           aantal_inwoners=inw, aantal_huishoudens=hh, gemiddeld_gasverbruik_totaal=-99995, water="NEE")
        for code, name, gm, poly, inw, hh in WIJKEN
    ]
    api.collections["wegvakken"] = [ft("nwb1", LineString([(91_200, 459_500), (91_200, 462_500)]),
                                       wvk_id=600_000_001, stt_naam="Dorpsstraat", gme_naam="Leiden")]
    api.collections["spooras"] = [ft("sp1", LineString([(93_000, 459_500), (93_000, 462_500)]), geocode="100")]
    api.collections["trace"] = []
    api.collections["natura2000"] = [ft("n1", box(91_800, 460_800, 92_300, 461_300), naam_n2k="Proefduinen")]
    api.bgt_files = {"bgt_wegdeel.gml": bgt_wegdeel_gml([
        {"gid": "rijbaan", "polygon": box(90_600, 460_900, 90_700, 461_100)},
        {"gid": "oud", "polygon": box(90_800, 460_900, 90_900, 461_100), "ended": True},
        {"gid": "plan", "polygon": box(91_000, 460_900, 91_100, 461_100), "status": "plan"},
    ])}


CONFIG = """\
[project]
name = "Proef met PDOK-data"
catalogs = ["pdok/catalog.toml"]

[layers.route]
file = "route.gpkg"
layer = "route"

[layers.municipalities]
catalog = "gemeenten"

[layers.wijken]
catalog = "wijken"

[[layers.crossing_layers]]
catalog = "wegen"
name = "nwb"
category = "local_road"

[[layers.crossing_layers]]
catalog = "spoor_spooras"
name = "spoor"
category = "rail"

[[layers.crossing_layers]]
catalog = "natura2000"
name = "natura2000"
category = "nature"

[layers.topography]
catalog = "bgt_extract"

[layers.landing_candidates]
file = "kandidaten.gpkg"
layer = "kandidaten"
id_column = "site_id"

[landing]
weight_column = "inwoners"
n_samples = 200
seed = 7
"""


@pytest.fixture
def project(monkeypatch, tmp_path):
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    write_layer(gpd.GeoDataFrame({"naam": ["tracé"]}, geometry=[ROUTE], crs=28992), tmp_path / "route.gpkg", "route")
    write_layer(gpd.GeoDataFrame({"site_id": list(CANDIDATES)}, geometry=list(CANDIDATES.values()), crs=28992),
                tmp_path / "kandidaten.gpkg", "kandidaten")
    (tmp_path / "project.toml").write_text(CONFIG, encoding="utf-8")
    with serve() as api:
        _serve_region(api)
        yield api, tmp_path


@pytest.mark.network
@pytest.mark.slow
def test_fetch_then_impact_and_landing_on_fetched_layers(project, capsys):
    api, root = project
    common = ["--bbox", "89000,459000,95000,463000", "--cache-dir", str(root / "cache"), "--api-root", api.url,
              "--rate-limit", "0", "--no-progress", "-o", str(root / "pdok")]
    assert main(["fetch", *common, "-d", "gemeenten", "-d", "wijken", "-d", "wegen", "-d", "spoor",
                 "-d", "natura2000"]) == 0
    assert main(["fetch", *common, "-d", "bgt", "--bgt-source", "download"]) == 0
    capsys.readouterr()

    catalog = load_catalog(root / "pdok" / "catalog.toml")
    assert catalog["wijken"].columns["wijk_name"] == "wk_naam" and catalog["wijken"].id_column == "wk_code"
    assert catalog["gemeenten"].columns["municipality_name"] == "gm_naam"
    assert catalog["bgt_extract"].format == "bgt"
    assert main(["validate", str(root / "project.toml")]) == 0

    # ---- impact ---------------------------------------------------------------------------
    assert main(["impact", str(root / "project.toml"), "-o", str(root / "impact")]) == 0
    crossings = pd.read_csv(root / "impact" / "crossings.csv").set_index("source_layer")
    assert sorted(crossings.index) == ["bgt_wegdeel", "natura2000", "nwb", "spoor"]
    assert crossings.loc["nwb", "chainage_m"] == pytest.approx(700.0, abs=0.01)      # x = 91 200
    assert crossings.loc["spoor", "chainage_m"] == pytest.approx(2_500.0, abs=0.01)  # x = 93 000
    # polygons are crossed over their extent along the route: natura2000 x 91 800…92 300
    assert (crossings.loc["natura2000", "from_m"], crossings.loc["natura2000", "to_m"]) == pytest.approx((1_300, 1_800), abs=0.01)
    # BGT from the download API: only the current wegdeel (x 90 600…90 700), not the ended one or the plan
    assert (crossings.loc["bgt_wegdeel", "from_m"], crossings.loc["bgt_wegdeel", "to_m"]) == pytest.approx((100, 200), abs=0.01)
    assert crossings.loc["bgt_wegdeel", "object_id"] == "rijbaan"
    # gemeente and wijk come from PDOK's naam / wijknaam through the standard columns
    assert crossings.loc["nwb", "gemeente"] == "Leiden" and crossings.loc["nwb", "wijk"] == "Noord"
    assert crossings.loc["spoor", "gemeente"] == "Leiderdorp" and crossings.loc["spoor", "wijk"] == "Dorp"
    # route length split by hand at x = 91 000 (wijk) and 92 000 (gemeente)
    per_gm = pd.read_csv(root / "impact" / "per_gemeente.csv").set_index("gemeente")["length_m"].to_dict()
    assert per_gm == pytest.approx({"Leiden": 1_500.0, "Leiderdorp": 1_500.0}, abs=0.01)
    per_wijk = pd.read_csv(root / "impact" / "per_wijk.csv").set_index("wijk")["length_m"].to_dict()
    assert per_wijk == pytest.approx({"Binnenstad": 500.0, "Noord": 1_000.0, "Dorp": 1_500.0}, abs=0.01)

    # ---- landing --------------------------------------------------------------------------
    assert main(["landing", str(root / "project.toml"), "-o", str(root / "landing")]) == 0
    scores = pd.read_csv(root / "landing" / "landing_scores.csv").set_index("candidate_id")
    # demand connection: weighted mean distance to the wijk points, weights = CBS aantal_inwoners
    pts = [shapely.point_on_surface(poly) for _, _, _, poly, _, _ in WIJKEN]
    w = np.array([inw for *_, inw, _ in WIJKEN], dtype=float)
    for cid, site in CANDIDATES.items():
        expected = float(np.sum([site.distance(p) for p in pts] * w) / w.sum())
        assert scores.loc[cid, "demand_connection_m"] == pytest.approx(expected, abs=1e-3)
        assert scores.loc[cid, "distance_route_end_m"] == pytest.approx(site.distance(Point(93_500, 461_000)), abs=1e-3)
    landing = json.loads((root / "landing" / "landing.json").read_text())
    assert {c["criterium"] for c in landing["criteria"]} >= {"demand_connection_m", "distance_route_end_m"}
    assert "SCHATTING" not in capsys.readouterr().out  # real CBS inhabitants, not the area estimate


@pytest.mark.parametrize(("value", "message"), [
    ('"pdok/catalog.toml"', "[project] catalogs moet een lijst van catalogusbestanden zijn"),
    ('["nergens/catalog.toml"]', "het catalogusbestand bestaat niet"),
])
def test_project_catalogs_errors_are_one_line(tmp_path, capsys, value, message):
    (tmp_path / "p.toml").write_text(f'[project]\nname = "x"\ncatalogs = {value}\n', encoding="utf-8")
    assert main(["validate", str(tmp_path / "p.toml")]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
