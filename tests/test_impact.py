"""Tests of wlr_geo.analysis.impact.run (run_impact), wlr_geo.workflows.impact and ``wlr-geo impact``.

Includes the oracle test: crossing counts, crossed widths and strip areas recomputed with
DuckDB spatial on a seeded, non-trivial data set must agree to 1e-6 relative.
"""

from __future__ import annotations

import json
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from _rd import X0, Y0, rd_frame
from click.testing import CliRunner
from shapely.geometry import LineString, Polygon, box

from wlr_geo._errors import CRSMismatchError, LayerValidationError
from wlr_geo.analysis.crossings.register import CrossingOptions, IndexedLayer
from wlr_geo.analysis.impact.run import ImpactOptions, run_impact
from wlr_geo.analysis.route.strips import StripSpec
from wlr_geo.cli.main import cli
from wlr_geo.workflows.impact import write_impact


@pytest.fixture
def gm3():
    """Municipalities A (x < 400 and x ≥ 600), B (400 ≤ x < 600) along a 1 km route."""
    return rd_frame(
        [box(X0 - 100, Y0 - 500, X0 + 400, Y0 + 500).union(box(X0 + 600, Y0 - 500, X0 + 1100, Y0 + 500)),
         box(X0 + 400, Y0 - 500, X0 + 600, Y0 + 500)],
        gm_naam=["A", "B"],
    )


@pytest.fixture
def route():
    return rd_frame([LineString([(X0, Y0), (X0 + 500, Y0), (X0 + 500, Y0), (X0 + 1000, Y0)])])


def test_crossing_on_boundary_and_leave_reenter(route, gm3):
    # a cable exactly on the A|B boundary at x = 400 and one on B|A at x = 600, a road in B
    cables = rd_frame([LineString([(X0 + 400, Y0 - 50), (X0 + 400, Y0 + 50)]),
                   LineString([(X0 + 600, Y0 - 50), (X0 + 600, Y0 + 50)])],
                  thema=["water", "gasHogeDruk"], netbeheerder=["Dunea", "Stedin"], gml_id=["c1", "c2"])
    roads = rd_frame([box(X0 + 495, Y0 - 50, X0 + 505, Y0 + 50)], category=["motorway"])
    res = run_impact(route, {"klic": cables, "wegen": roads}, municipalities=gm3)
    cr = res.crossings
    assert cr["chainage_m"].tolist() == pytest.approx([400.0, 500.0, 600.0])
    # on a boundary, a crossing belongs to the municipality the route continues into
    assert cr["gemeente"].tolist() == ["B", "B", "A"]
    assert cr["technique"].tolist() == ["open_trench", "hdd", "open_trench"]
    assert any("dubbele hoekpunten" in n for n in res.notes)
    pg = res.per_gemeente.set_index("gemeente")
    assert pg.loc["A", "length_m"] == pytest.approx(800.0)
    assert pg.loc["B", "length_m"] == pytest.approx(200.0)
    assert pg.loc["A", "n_stretches"] == 2
    assert pg.loc["A", "n_cable_pipe"] == 1 and pg.loc["B", "n_cable_pipe"] == 1
    assert pg.loc["B", "n_road"] == 1 and pg.loc["B", "n_hdd"] == 1
    assert pg.loc["A", "klic_operators"] == "Stedin"
    assert pg.loc["B", "klic_operators"] == "Dunea"
    for col in ("length_m", "n_road", "n_rail", "n_water", "n_cable_pipe"):
        assert col in res.per_gemeente.columns
    seg = res.segments
    assert seg["gemeente"].tolist() == ["A", "B", "A"]
    assert seg["to_m"].tolist() == pytest.approx([400.0, 600.0, 1000.0])


def test_variants_side_by_side_and_layer_reuse(gm3):
    two = rd_frame([LineString([(X0, Y0), (X0 + 1000, Y0)]), LineString([(X0, Y0 + 100), (X0 + 1000, Y0 + 300)])],
               variant=["west", "oost"])
    roads = IndexedLayer.build(rd_frame([box(X0 + 300, Y0 - 400, X0 + 310, Y0 + 400)], category=["rail"]), name="spoor")
    res = run_impact(two, {"spoor": roads}, municipalities=gm3, variant_column="variant")
    v = res.variants.set_index("variant")
    assert list(v.index) == ["west", "oost"]
    assert v.loc["west", "length_m"] == pytest.approx(1000.0)
    assert v.loc["oost", "length_m"] == pytest.approx(math.hypot(1000, 200))
    assert v.loc["west", "n_rail"] == 1 and v.loc["oost", "n_rail"] == 1
    assert v.loc["west", "area_m2_werkstrook"] == pytest.approx(35_000.0)
    assert v.loc["west", "n_hdd"] == 1
    oost = res.crossings[res.crossings["variant"] == "oost"].iloc[0]
    assert oost["angle_deg"] == pytest.approx(90 - math.degrees(math.atan2(200, 1000)))
    assert oost["width_m"] == pytest.approx(10 / math.cos(math.atan2(200, 1000)))


def test_wijken_and_strip_spec(route, gm3):
    wk = rd_frame([box(X0 - 100, Y0 - 500, X0 + 250, Y0 + 500), box(X0 + 250, Y0 - 500, X0 + 1100, Y0 + 500)],
              wk_naam=["W1", "W2"], gm_naam=["A", "A"])
    res = run_impact(route, {}, municipalities=gm3, wijken=wk, strips=StripSpec().with_width(20))
    assert res.per_wijk is not None
    pw = res.per_wijk.set_index(["gemeente", "wijk"])
    assert pw.loc[("A", "W1"), "length_m"] == pytest.approx(250.0)
    assert pw["length_m"].sum() == pytest.approx(1000.0)
    assert res.strips.set_index("strip").loc["werkstrook", "area_m2"] == pytest.approx(20_000.0)
    assert res.markers["label"].tolist()[-1] == "km 1,0"


def test_degenerate_inputs(route, gm3):
    empty = gpd.GeoDataFrame({"category": pd.Series(dtype=str)}, geometry=gpd.GeoSeries([], crs=28992))
    far = rd_frame([box(0, 300_000, 10, 300_010)], category=["rail"])
    res = run_impact(route, {"leeg": empty, "ver": far}, municipalities=gm3)
    assert len(res.crossings) == 0
    assert "chainage_m" in res.crossings.columns
    assert any("'ver' ligt geheel buiten het tracégebied" in n for n in res.notes)
    assert res.segments["km_range"].iloc[0] == "km 0,00 – km 0,40"
    assert res.per_gemeente["n_crossings"].sum() == 0
    with pytest.raises(CRSMismatchError):
        run_impact(route, {"x": far.to_crs(4326)})
    with pytest.raises(LayerValidationError, match="geen kolom 'gm_naam'"):
        run_impact(route, {}, municipalities=gm3.rename(columns={"gm_naam": "naam"}))
    with pytest.raises(LayerValidationError, match="heeft geen objecten"):
        run_impact(route, {}, municipalities=gm3.iloc[:0])


def test_write_outputs(tmp_path, route, gm3):
    cables = rd_frame([LineString([(X0 + 100, Y0 - 5), (X0 + 100, Y0 + 5)])], thema=["warmte"], netbeheerder=["Eneco"], gml_id=["h"])
    res = run_impact(route, {"klic": cables}, municipalities=gm3)
    paths = write_impact(res, tmp_path)
    names = {p.name for p in paths}
    assert {"impact.gpkg", "crossings.csv", "per_gemeente.csv", "variants.csv", "summary.json", "impact.xlsx"} <= names
    import pyogrio

    layers = set(pyogrio.list_layers(tmp_path / "impact.gpkg")[:, 0])
    assert {"crossings", "strips", "parallel_runs", "segments"} <= layers
    cr = gpd.read_file(tmp_path / "impact.gpkg", layer="crossings")
    assert len(cr) == 1 and cr.crs.to_epsg() == 28992
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["variants"][0]["n_crossings"] == 1


def test_cli_quick_form(tmp_path, route, gm3):
    route.to_file(tmp_path / "in.gpkg", layer="route")
    gm3.to_file(tmp_path / "in.gpkg", layer="gemeenten")
    rd_frame([box(X0 + 700, Y0 - 30, X0 + 720, Y0 + 30)]).to_file(tmp_path / "in.gpkg", layer="spoorlijnen")
    rd_frame([LineString([(X0 + 200, Y0 - 9), (X0 + 200, Y0 + 9)])], category=["regional_road"]).to_file(tmp_path / "wegen.gpkg")
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, [
        "impact", "--route", f"{tmp_path / 'in.gpkg'}:route", "--layer", f"{tmp_path / 'in.gpkg'}:spoorlijnen",
        "--layer", str(tmp_path / "wegen.gpkg"), "--municipalities", f"{tmp_path / 'in.gpkg'}:gemeenten",
        "--width-m", "30", "-o", str(out), "--no-xlsx",
    ])
    assert r.exit_code == 0, r.output
    cr = pd.read_csv(out / "crossings.csv")
    for col in ("chainage_m", "x", "y", "object_class", "subtype", "angle_deg", "gemeente", "technique"):
        assert col in cr.columns
    assert cr["object_class"].tolist() == ["road", "rail"]
    assert cr["technique"].tolist() == ["boring_persing", "hdd"]
    pg = pd.read_csv(out / "per_gemeente.csv")
    assert {"gemeente", "length_m", "n_road", "n_rail", "n_water", "n_cable_pipe"} <= set(pg.columns)
    assert pg["length_m"].sum() == pytest.approx(1000.0)


def test_cli_config_and_errors(tmp_path, route):
    route.to_file(tmp_path / "route.gpkg")
    rd_frame([box(X0 + 300, Y0 - 30, X0 + 320, Y0 + 30)]).to_file(tmp_path / "water.gpkg")
    (tmp_path / "p.toml").write_text(
        '[layers.route]\nfile = "route.gpkg"\n\n[layers.municipalities]\ncatalog = "municipalities"\n\n'
        '[[layers.crossing_layers]]\nfile = "water.gpkg"\ncategory = "major_water"\n\n'
        '[route]\nreverse = true\n\n[strips]\nwerkstrook_left_m = 10.0\n\n[impact]\nmerge_distance_m = 2.0\n\n'
        '[crossing_rules]\nacute_angle_deg = 45.0\n', encoding="utf-8")
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["impact", str(tmp_path / "p.toml"), "-o", str(out), "--no-xlsx"])
    assert r.exit_code == 0, r.output
    cr = pd.read_csv(out / "crossings.csv")
    assert cr["chainage_m"].tolist() == pytest.approx([690.0])  # reversed route
    assert cr["technique"].tolist() == ["hdd"]
    (tmp_path / "bad.toml").write_text('[layers.route]\nfile = "route.gpkg"\n[impact]\nfoo = 1\n', encoding="utf-8")
    r = CliRunner().invoke(cli, ["impact", str(tmp_path / "bad.toml"), "-o", str(out)])
    assert r.exit_code == 2
    assert "onbekende sleutel" in r.output
    r = CliRunner().invoke(cli, ["impact", "-o", str(out)])
    assert r.exit_code == 2 and "geen tracé gegeven" in r.output


def test_impact_options_from_config():
    from wlr_geo.config import parse_section

    o = parse_section("impact", {"building_distance_m": 10, "clearance_m": {"hoogspanning": 7.0}})
    assert isinstance(o, ImpactOptions)
    assert o.building_distance_m == 10 and o.clearance_m == {"hoogspanning": 7.0}
    assert isinstance(o.crossing, CrossingOptions)


def test_above_and_below_ground_are_integrated(route, gm3):
    cables = rd_frame([LineString([(X0 + 100, Y0 + 2), (X0 + 300, Y0 + 2)]), LineString([(X0 + 700, Y0 - 30), (X0 + 700, Y0 + 30)])],
                  thema=["hoogspanning", "datatransport"], netbeheerder=["Liander", "KPN"], gml_id=["h1", "d1"])
    objects = rd_frame([box(X0 + 50, Y0 + 5, X0 + 60, Y0 + 12), box(X0 + 900, Y0 - 100, X0 + 950, Y0 + 100)],
                   category=["building", "green"], object_id=["p1", "g1"], source_layer=["pand", "groen"])
    res = run_impact(route, {}, municipalities=gm3, cables=cables, objects=objects)
    assert res.affected is not None and len(res.affected) >= 2
    assert res.cable_parallel_runs is not None and len(res.cable_parallel_runs) >= 1
    assert res.clearance_violations is not None and len(res.clearance_violations) >= 1
    assert res.crossings["object_id"].tolist() == ["d1"]
    assert res.parallel_runs["object_id"].tolist() == ["h1"]
    pg = res.per_gemeente.set_index("gemeente")
    assert pg.loc["A", "area_m2_building"] == pytest.approx(70.0)
    assert pg.loc["A", "n_buildings_in_werkstrook"] == 1
    assert pg.loc["A", "klic_operators"] == "KPN, Liander"


# --------------------------------------------------------------------------- oracle (DuckDB)

def _oracle_data(seed: int = 7):
    rng = np.random.default_rng(seed)
    # a 6 km route with 40 random-walk vertices
    steps = rng.normal([150.0, 0.0], [10.0, 60.0], size=(40, 2))
    route = LineString(np.cumsum(np.vstack([[X0, Y0], steps]), axis=0))
    minx, miny, maxx, maxy = route.bounds
    # 3000 random-walk cables (5 vertices each)
    start = np.column_stack([rng.uniform(minx, maxx, 3000), rng.uniform(miny - 300, maxy + 300, 3000)])
    walk = rng.normal(0, 40, size=(3000, 4, 2)).cumsum(axis=1) + start[:, None, :]
    cables = [LineString(np.vstack([s, w])) for s, w in zip(start, walk, strict=True)]
    # 600 non-overlapping rotated rectangles on a grid
    polys = []
    for i in range(600):
        cx = minx + (i % 60) * (maxx - minx) / 60
        cy = miny - 300 + (i // 60) * (maxy - miny + 600) / 10
        a = rng.uniform(0, math.pi)
        d = np.array([math.cos(a), math.sin(a)])
        n = np.array([-d[1], d[0]])
        L, W = rng.uniform(20, 40), rng.uniform(3, 15)
        c = np.array([cx, cy])
        polys.append(Polygon([c - L * d - W * n, c + L * d - W * n, c + L * d + W * n, c - L * d + W * n]))
    return route, cables, polys


def test_oracle_duckdb_counts_widths_and_strip_areas():
    from wlr_geo.io.duck import connect

    route_line, cables, polys = _oracle_data()
    route = rd_frame([route_line])
    layers = {"klic": rd_frame(cables, thema=["water"] * len(cables)), "vlakken": rd_frame(polys, category=["minor_water"] * len(polys))}
    opts = ImpactOptions(merge_distance_m=0.0, parallel_min_length_m=1e9)
    spec = StripSpec(werkstrook_left_m=17.5, werkstrook_right_m=17.5, belemmeringenstrook_left_m=5, belemmeringenstrook_right_m=5)
    res = run_impact(route, layers, strips=spec, options=opts)
    cr = res.crossings
    con = connect()
    for name, geoms in (("r", [route_line]), ("c", cables), ("p", polys)):
        wkb = pd.DataFrame({"id": range(len(geoms)), "wkb": [g.wkb for g in geoms]})  # noqa: F841
        con.execute(f"CREATE TABLE {name} AS SELECT id, ST_GeomFromWKB(wkb) AS g FROM wkb")
    n_line = con.execute(
        "SELECT SUM(ST_NumGeometries(ST_Intersection(r.g, c.g))) FROM r, c WHERE ST_Intersects(r.g, c.g)").fetchone()[0]
    n_area, width = con.execute(
        "SELECT SUM(ST_NumGeometries(ST_LineMerge(ST_Intersection(r.g, p.g)))), SUM(ST_Length(ST_Intersection(r.g, p.g))) "
        "FROM r, p WHERE ST_Intersects(r.g, p.g) AND ST_Length(ST_Intersection(r.g, p.g)) > 0").fetchone()
    ws = con.execute(
        "SELECT ST_Area(ST_Buffer(g, 17.5, 8, 'CAP_FLAT', 'JOIN_MITRE', 5.0)), "
        "ST_Area(ST_Buffer(g, 5.0, 8, 'CAP_FLAT', 'JOIN_MITRE', 5.0)) FROM r").fetchone()
    assert n_line > 50 and n_area > 10  # the data set is non-trivial
    lines = cr[cr["geometry_kind"] == "line"]
    areas = cr[cr["geometry_kind"] == "area"]
    assert len(lines) == n_line
    assert len(areas) == n_area
    assert areas["width_m"].sum() == pytest.approx(width, rel=1e-6)
    strips = res.strips.set_index("strip")
    assert strips.loc["werkstrook", "area_m2"] == pytest.approx(ws[0], rel=1e-6)
    assert strips.loc["belemmeringenstrook", "area_m2"] == pytest.approx(ws[1], rel=1e-6)
    # chainage of each line crossing agrees with DuckDB's ST_LineLocatePoint on its point
    pts = con.execute(
        "SELECT ST_LineLocatePoint(r.g, q.geom) * ST_Length(r.g) FROM r, c, "
        "UNNEST(ST_Dump(ST_Intersection(r.g, c.g))) AS t(q) WHERE ST_Intersects(r.g, c.g) ORDER BY 1").fetchall()
    assert np.allclose(sorted(lines["chainage_m"]), [p[0] for p in pts], rtol=1e-6, atol=1e-6)


def test_embedded_real_boundaries_and_power_links():
    from wlr_geo.catalog import embedded_path
    from wlr_geo.io.vector import read_layer

    gm = read_layer(embedded_path("boundaries.gpkg"), "municipalities")
    wk = read_layer(embedded_path("boundaries.gpkg"), "wijken")
    power = read_layer(embedded_path("energy_osm.gpkg"), "osm2017_power_links_abstract")
    route = rd_frame([LineString([(80_000, 452_000), (88_000, 458_000), (95_000, 466_000)])])
    res = run_impact(route, {"power": power}, municipalities=gm, wijken=wk)
    assert res.per_gemeente["length_m"].sum() == pytest.approx(res.routes["length_m"].iloc[0])
    assert res.per_wijk is not None
    assert res.per_wijk["length_m"].sum() == pytest.approx(res.routes["length_m"].iloc[0])
    assert len(res.crossings) > 0
    assert set(res.crossings["object_class"]) == {"cable_pipe"}
    # each crossing lies in the municipality it is attributed to (or on its boundary)
    joined = gpd.sjoin(res.crossings[["gemeente", "geometry"]], gm[["gm_naam", "geometry"]], predicate="intersects")
    assert (joined.groupby(level=0).apply(lambda g: (g["gemeente"] == g["gm_naam"]).any())).all()


@pytest.mark.slow
def test_embedded_klic_delivery():
    from wlr_geo.catalog import embedded_path
    from wlr_geo.io.klic import read_klic

    klic = read_klic(embedded_path("klic/Levering_22C001966_3.zip"))
    route = rd_frame([LineString([(127_330, 480_730), (127_560, 480_950), (127_790, 481_150)])])
    res = run_impact(route, {}, cables=klic.lines, precautions=klic.precautions)
    assert len(res.crossings) > 0
    assert set(res.crossings["subtype"]) <= set(klic.lines["thema"])
    assert res.crossings["netbeheerder"].notna().all()
    assert res.clearance_violations is not None


def test_delivery_kind_detection(tmp_path):
    import zipfile

    from wlr_geo.io.dispatch import sniff_format

    with zipfile.ZipFile(tmp_path / "bgt.zip", "w") as zf:
        zf.writestr("bgt_wegdeel.gml", "<x/>")
    with zipfile.ZipFile(tmp_path / "klic.zip", "w") as zf:
        zf.writestr("GI_gebiedsinformatielevering.xml", "<x/>")
    (tmp_path / "a.gpkg").write_bytes(b"")
    assert sniff_format(tmp_path / "bgt.zip") == "bgt"
    assert sniff_format(tmp_path / "klic.zip") == "klic"
    assert sniff_format(tmp_path / "a.gpkg") == "vector"


@pytest.mark.slow
def test_cli_quick_form_with_klic_delivery(tmp_path):
    from wlr_geo.catalog import embedded_path

    rd_frame([LineString([(127_330, 480_730), (127_790, 481_150)])]).to_file(tmp_path / "route.gpkg")
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["impact", "--route", str(tmp_path / "route.gpkg"), "--layer",
                                 str(embedded_path("klic/Levering_22C001966_3.zip")), "-o", str(out), "--no-xlsx"])
    assert r.exit_code == 0, r.output
    cr = pd.read_csv(out / "crossings.csv")
    assert len(cr) > 0 and set(cr["object_class"]) == {"cable_pipe"}
    assert cr["netbeheerder"].notna().all()
