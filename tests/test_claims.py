"""Space claims: schema, footprints, conflicts and programme on hand-built shapes with exact answers."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point, box

from wlr_geo._errors import ConfigError, LayerValidationError, WlrGeoInputError
from wlr_geo.analysis.claims.conflicts import claim_conflicts, claims_programme
from wlr_geo.analysis.claims.footprints import (
    ClaimTemplate,
    claim_footprints,
    klic_protection_strips,
    load_claim_templates,
    load_klic_protection_widths,
    parse_periode,
    validate_claims,
)

X0, Y0 = 100_000.0, 450_000.0  # an origin inside the RD area of use


def _box(x1, y1, x2, y2):
    return box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


def _claims(rows):
    """rows: (claim_id, facility_type, year_from, year_to, status, geometry)."""
    return gpd.GeoDataFrame(
        {
            "claim_id": [r[0] for r in rows],
            "facility_type": [r[1] for r in rows],
            "initiatiefnemer": ["test"] * len(rows),
            "year_from": [r[2] for r in rows],
            "year_to": [r[3] for r in rows],
            "status": [r[4] for r in rows],
        },
        geometry=[r[5] for r in rows],
        crs="EPSG:28992",
    )


# --- schema ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2026–2030", (2026, 2030)), ("2026-2030", (2026, 2030)), (" 2026 - 2030 ", (2026, 2030)),
     ("2026 t/m 2030", (2026, 2030)), ("2027", (2027, 2027))],
)
def test_parse_periode(text, expected):
    assert parse_periode(text) == expected


@pytest.mark.parametrize("text", ["2030–2026", "vanaf 2026", "26-30", ""])
def test_parse_periode_rejects(text):
    with pytest.raises(ValueError):
        parse_periode(text)


def test_validate_claims_parses_periode_and_aliases():
    gdf = gpd.GeoDataFrame(
        {"claim_id": ["a", "b"], "facility_type": ["Energy hub", "buffer/opslag"],
         "periode": ["2026–2030", "2031"], "status": ["Wens", "vergund"]},
        geometry=[Point(X0, Y0), Point(X0 + 500, Y0)], crs="EPSG:28992",
    )
    out = validate_claims(gdf)
    assert list(out["facility_type"]) == ["energiehub", "buffer_opslag"]
    assert list(out["year_from"]) == [2026, 2031]
    assert list(out["year_to"]) == [2030, 2031]
    assert list(out["status"]) == ["wens", "vergund"]
    assert list(out["indicatief"]) == [False, False]
    assert "facility_type" in gdf.columns and gdf["facility_type"].iloc[0] == "Energy hub"  # input untouched


def test_validate_claims_reports_all_problems_at_once():
    gdf = _claims([
        ("a", "kerncentrale", 2026, 2030, "wens", Point(X0, Y0)),
        ("a", "werkterrein", 2031, 2027, "misschien", Point(X0, Y0)),
        ("c", "werkterrein", 2026, 2026, "wens", None),
    ])
    with pytest.raises(LayerValidationError) as err:
        validate_claims(gdf)
    text = str(err.value)
    assert "komt meer dan eens voor" in text
    assert "onbekend facility_type 'kerncentrale'" in text
    assert "ligt na year_to" in text
    assert "misschien" in text
    assert "heeft geen geometrie" in text
    assert len(err.value.problems) == 5


def test_validate_claims_missing_columns():
    gdf = gpd.GeoDataFrame({"claim_id": ["a"]}, geometry=[Point(X0, Y0)], crs="EPSG:28992")
    with pytest.raises(LayerValidationError, match="facility_type, status, year_from/year_to"):
        validate_claims(gdf)


# --- templates and footprints ---------------------------------------------------------------


def test_default_templates_are_marked_assumptions():
    templates = load_claim_templates()
    assert set(templates) == {"warmteoverdrachtstation", "boosterstation", "buffer_opslag", "energiehub",
                              "distributieleiding", "werkterrein"}
    assert all("aanname" in t.note for t in templates.values())


def test_template_overrides_and_bad_keys():
    t = load_claim_templates({"werkterrein": {"width_m": 10, "length_m": 20}, "Nieuw type": {"footprint_m2": 400}})
    assert t["werkterrein"].rectangle_m() == (10.0, 20.0)
    assert t["werkterrein"].clearance_m == 0.0  # kept from the default
    assert t["nieuw_type"].rectangle_m() == (20.0, 20.0)
    with pytest.raises(ConfigError, match="onbekende sleutels"):
        load_claim_templates({"werkterrein": {"breedte": 3}})
    with pytest.raises(ConfigError, match="moet een positief getal zijn"):
        load_claim_templates({"werkterrein": {"width_m": -3}})


def test_point_footprint_rectangle_with_clearance():
    templates = {"st": ClaimTemplate("st", width_m=20, length_m=40, clearance_m=5)}
    c = _claims([("a", "st", 2026, 2030, "wens", Point(X0, Y0))])
    fp = claim_footprints(c, templates)
    # 40 × 20 rectangle, mitred 5 m ring → 50 × 30
    assert fp["footprint_m2"].iloc[0] == pytest.approx(800.0)
    assert fp["area_m2"].iloc[0] == pytest.approx(1500.0)
    assert fp.geometry.iloc[0].bounds == pytest.approx((X0 - 25, Y0 - 15, X0 + 25, Y0 + 15))
    no_ring = claim_footprints(c, templates, include_clearance=False)
    assert no_ring["area_m2"].iloc[0] == pytest.approx(800.0)


def test_footprint_rotation_and_per_claim_override():
    templates = {"st": ClaimTemplate("st", width_m=20, length_m=40)}
    c = _claims([("a", "st", 2026, 2030, "wens", Point(X0, Y0))])
    c["rotation_deg"] = [90.0]
    fp = claim_footprints(c, templates)
    assert fp.geometry.iloc[0].bounds == pytest.approx((X0 - 10, Y0 - 20, X0 + 10, Y0 + 20))
    c["footprint_m2"] = [2500.0]
    c = c.drop(columns="rotation_deg")
    assert claim_footprints(c, templates)["area_m2"].iloc[0] == pytest.approx(2500.0)


def test_line_footprint_strip_and_drawn_polygon():
    templates = load_claim_templates()
    c = _claims([
        ("line", "distributieleiding", 2026, 2030, "gepland", LineString([(X0, Y0), (X0 + 100, Y0)])),
        ("drawn", "werkterrein", 2026, 2030, "wens", _box(0, 100, 30, 130)),
    ])
    fp = claim_footprints(c, templates)
    assert fp["area_m2"].iloc[0] == pytest.approx(600.0)  # 100 m × 6 m, flat ends, no clearance
    assert fp["area_m2"].iloc[1] == pytest.approx(900.0)  # drawn polygon kept as drawn
    assert list(fp["footprint_source"]) == ["sjabloon", "getekend"]


def test_point_claim_of_strip_type_is_an_error():
    c = _claims([("p", "distributieleiding", 2026, 2030, "wens", Point(X0, Y0))])
    with pytest.raises(LayerValidationError, match="afmeting van het ruimtebeslag nodig"):
        claim_footprints(c)


# --- conflicts ------------------------------------------------------------------------------


def _tpl():
    return {"x": ClaimTemplate("x", width_m=10, length_m=10)}


def test_two_overlapping_claims_known_area_and_years():
    c = _claims([
        ("A", "x", 2026, 2030, "wens", _box(0, 0, 100, 100)),
        ("B", "x", 2028, 2035, "gepland", _box(60, 0, 160, 100)),
        ("C", "x", 2036, 2040, "wens", _box(0, 0, 100, 100)),  # same place, later: no conflict with A or B
    ])
    conf = claim_conflicts(claim_footprints(c, _tpl()))
    assert len(conf) == 1
    row = conf.iloc[0]
    assert (row["conflict_type"], row["relation"], bool(row["is_conflict"])) == ("claim-claim", "overlap", True)
    assert (row["claim_id"], row["other_id"]) == ("A", "B")
    assert row["area_m2"] == pytest.approx(4000.0)
    assert (row["year_from"], row["year_to"], row["years"]) == (2028, 2030, "2028–2030")
    assert row.geometry.equals(_box(60, 0, 100, 100))


def test_claim_touching_building_is_reported_as_touching_not_conflict():
    c = _claims([("A", "x", 2026, 2030, "wens", _box(0, 0, 100, 100))])
    buildings = gpd.GeoDataFrame({"identificatie": ["pand1", "pand2"]},
                                 geometry=[_box(100, 20, 120, 40), _box(90, 90, 110, 110)], crs="EPSG:28992")
    conf = claim_conflicts(claim_footprints(c, _tpl()), constraints={"gebouwen": buildings})
    by_id = conf.set_index("other_id")
    touch = by_id.loc["pand1"]
    assert touch["relation"] == "raakt" and not touch["is_conflict"] and touch["area_m2"] == 0.0
    assert touch.geometry.geom_type == "LineString" and touch.geometry.length == pytest.approx(20.0)
    over = by_id.loc["pand2"]
    assert over["relation"] == "overlap" and over["is_conflict"] and over["area_m2"] == pytest.approx(100.0)
    assert (over["conflict_type"], over["other_layer"], over["years"]) == ("claim-constraint", "gebouwen", "2026–2030")
    assert int(conf["is_conflict"].sum()) == 1


def test_touching_claims_and_tolerance():
    c = _claims([
        ("A", "x", 2026, 2030, "wens", _box(0, 0, 100, 100)),
        ("B", "x", 2026, 2030, "wens", _box(100, 0, 200, 100)),       # shares an edge
        ("C", "x", 2026, 2030, "wens", _box(0, 99.9999, 50, 150)),    # 0.005 m² sliver with A
    ])
    conf = claim_conflicts(claim_footprints(c, _tpl()), tolerance_m2=0.01).set_index("other_id")
    assert conf.loc["B", "relation"] == "raakt"
    assert conf.loc["C", "relation"] == "raakt" and conf.loc["C", "area_m2"] == 0.0
    strict = claim_conflicts(claim_footprints(c, _tpl()), tolerance_m2=0.001).set_index("other_id")
    assert strict.loc["C", "relation"] == "overlap"
    assert strict.loc["C", "area_m2"] == pytest.approx(0.005, rel=1e-3)


def test_constraint_with_period_only_conflicts_in_shared_years():
    c = _claims([("A", "x", 2026, 2030, "wens", _box(0, 0, 100, 100))])
    strips = gpd.GeoDataFrame({"id": ["s1", "s2"], "year_from": [2029, 2031], "year_to": [2033, 2035]},
                              geometry=[_box(50, 0, 150, 100), _box(50, 0, 150, 100)], crs="EPSG:28992")
    conf = claim_conflicts(claim_footprints(c, _tpl()), constraints={"andere_strook": strips})
    assert list(conf["other_id"]) == ["s1"]
    assert conf["years"].iloc[0] == "2029–2030"


def test_conflicts_need_polygons_and_polygon_constraints():
    c = _claims([("A", "x", 2026, 2030, "wens", Point(X0, Y0))])
    with pytest.raises(WlrGeoInputError, match="claim_footprints"):
        claim_conflicts(validate_claims(c, templates=_tpl()))
    fp = claim_footprints(c, _tpl())
    lines = gpd.GeoDataFrame(geometry=[LineString([(X0, Y0), (X0 + 10, Y0)])], crs="EPSG:28992")
    with pytest.raises(WlrGeoInputError, match="geen vlak zijn"):
        claim_conflicts(fp, constraints={"water": lines})


def test_conflicts_match_brute_force_on_random_boxes():
    rng = np.random.default_rng(7)
    rows = []
    for i in range(40):
        x, y = rng.integers(0, 500, 2)
        w, h = rng.integers(5, 80, 2)
        a = int(rng.integers(2025, 2035))
        rows.append((f"c{i:02d}", "x", a, a + int(rng.integers(0, 5)), "wens", _box(x, y, x + w, y + h)))
    fp = claim_footprints(_claims(rows), _tpl())
    conf = claim_conflicts(fp)
    got = {(r.claim_id, r.other_id): r.area_m2 for r in conf.itertuples() if r.is_conflict}
    expected = {}
    for i in range(len(rows)):
        for j in range(i + 1, len(rows)):
            if max(rows[i][2], rows[j][2]) > min(rows[i][3], rows[j][3]):
                continue
            area = rows[i][5].intersection(rows[j][5]).area
            if area > 0.01:
                expected[(rows[i][0], rows[j][0])] = area
    assert got.keys() == expected.keys()
    for k, v in expected.items():
        assert got[k] == pytest.approx(v)


# --- KLIC protection strips -----------------------------------------------------------------


def test_klic_protection_strips_buffer_listed_themes():
    cables = gpd.GeoDataFrame(
        {"thema": ["gasHogeDruk", "laagspanning", "landelijkHoogspanningsnet"]},
        geometry=[LineString([(X0, Y0), (X0 + 100, Y0)])] * 3, crs="EPSG:28992",
    )
    widths = load_klic_protection_widths({"gasHogeDruk": 4.0})
    strips = klic_protection_strips(cables, widths_m=widths)
    assert list(strips["thema"]) == ["gasHogeDruk", "landelijkHoogspanningsnet"]
    assert list(strips["protection_m"]) == [4.0, 10.0]
    gas = strips.geometry.iloc[0]
    assert gas.contains(Point(X0 + 50, Y0 + 3.9)) and not gas.intersects(Point(X0 + 50, Y0 + 4.1))
    with pytest.raises(ConfigError):
        load_klic_protection_widths({"gasHogeDruk": "breed"})
    with pytest.raises(WlrGeoInputError, match="thema"):
        klic_protection_strips(cables.rename(columns={"thema": "theme"}))


# --- programme ------------------------------------------------------------------------------


def test_programme_splits_area_over_municipalities_and_years():
    mun = gpd.GeoDataFrame({"gm_naam": ["West", "Oost"]},
                           geometry=[_box(0, 0, 100, 100), _box(100, 0, 200, 100)], crs="EPSG:28992")
    c = _claims([
        ("A", "x", 2026, 2027, "wens", _box(50, 0, 150, 100)),   # 5000 m² in each
        ("B", "y", 2027, 2027, "wens", _box(55, 10, 65, 20)),    # 100 m² in West, inside A
        ("C", "x", 2027, 2027, "wens", _box(190, 0, 210, 10)),   # half outside
    ])
    tpl = {"x": ClaimTemplate("x", width_m=1, length_m=1), "y": ClaimTemplate("y", width_m=1, length_m=1)}
    fp = claim_footprints(c, tpl)
    conf = claim_conflicts(fp)
    prog = claims_programme(fp, conf, municipalities=mun).set_index(["gemeente", "year", "facility_type"])
    assert prog.loc[("West", 2026, "x"), "claimed_area_m2"] == pytest.approx(5000.0)
    assert prog.loc[("Oost", 2026, "x"), "claimed_area_m2"] == pytest.approx(5000.0)
    assert prog.loc[("Oost", 2027, "x"), "claimed_area_m2"] == pytest.approx(5100.0)
    assert prog.loc[("(buiten gemeenten)", 2027, "x"), "claimed_area_m2"] == pytest.approx(100.0)
    assert prog.loc[("West", 2027, "totaal"), "claimed_area_m2"] == pytest.approx(5100.0)
    assert prog.loc[("West", 2027, "totaal"), "n_claims"] == 2
    # A × B overlap (100 m², in West) in 2027 only; counted under both types and once in totaal
    assert prog.loc[("West", 2027, "totaal"), "n_conflicts"] == 1
    assert prog.loc[("West", 2027, "x"), "conflict_area_m2"] == pytest.approx(100.0)
    assert prog.loc[("West", 2027, "y"), "n_conflicts"] == 1
    assert prog.loc[("West", 2026, "totaal"), "n_conflicts"] == 0
    total_2026 = prog.xs((2026, "totaal"), level=("year", "facility_type"))["claimed_area_m2"].sum()
    assert total_2026 == pytest.approx(fp.loc[fp["claim_id"] == "A", "area_m2"].iloc[0])
    with pytest.raises(WlrGeoInputError, match="gm_naam"):
        claims_programme(fp, conf, municipalities=mun.rename(columns={"gm_naam": "naam"}))


def test_demo_scenario_style_claims_end_to_end():
    """Claims as layers/make_scenario.py writes them (aliases, points, indicative bron)."""
    c = gpd.GeoDataFrame(
        {"claim_id": ["C01", "C02", "C05"], "facility_type": ["warmteoverdrachtstation", "buffer/opslag", "energy hub"],
         "initiatiefnemer": ["x (indicatief)"] * 3, "year_from": [2028, 2029, 2030], "year_to": [2031, 2032, 2035],
         "status": ["wens"] * 3, "indicatief": [True] * 3, "bron": ["INDICATIEF"] * 3},
        geometry=[Point(94_300, 459_900), Point(94_340, 459_920), Point(93_900, 464_330)], crs="EPSG:28992",
    )
    fp = claim_footprints(c)
    assert list(fp["facility_type"]) == ["warmteoverdrachtstation", "buffer_opslag", "energiehub"]
    conf = claim_conflicts(fp)
    assert list(conf["relation"]) == ["overlap"]
    row = conf.iloc[0]
    assert (row["claim_id"], row["other_id"], row["years"]) == ("C01", "C02", "2029–2031")
    # default templates: WOS 40×25 + 5 m ring → x 94275–94325, y 459882.5–459917.5;
    # buffer 30×30 + 10 m ring → x 94315–94365, y 459895–459945 → overlap 10 × 22.5 m
    assert row["area_m2"] == pytest.approx(225.0)
    assert isinstance(conf, gpd.GeoDataFrame) and conf.crs.to_epsg() == 28992
    assert pd.api.types.is_integer_dtype(conf["year_from"])
    assert shapely.is_valid(np.asarray(conf.geometry.values)).all()


# --- CLI --------------------------------------------------------------------------------------


def _write_project(tmp_path, *, claims, extra_toml=""):
    from wlr_geo.io.vector import write_layers

    mun = gpd.GeoDataFrame({"gm_naam": ["West", "Oost"]},
                           geometry=[_box(0, 0, 100, 100), _box(100, 0, 200, 100)], crs="EPSG:28992")
    water = gpd.GeoDataFrame({"id": ["w1"]}, geometry=[LineString([(X0 + 150, Y0 - 50), (X0 + 150, Y0 + 150)])],
                             crs="EPSG:28992")
    buildings = gpd.GeoDataFrame({"identificatie": ["pand1"]}, geometry=[_box(0, 100, 20, 120)], crs="EPSG:28992")
    write_layers({"claims": claims, "gemeenten": mun, "water": water, "panden": buildings}, tmp_path / "data.gpkg")
    cfg = tmp_path / "project.toml"
    cfg.write_text(f"""
[project]
name = "claims-test"
[layers.claims]
file = "data.gpkg"
layer = "claims"
[layers.municipalities]
file = "data.gpkg"
layer = "gemeenten"
[layers.buildings]
file = "data.gpkg"
layer = "panden"
[[layers.constraints]]
name = "water"
file = "data.gpkg"
layer = "water"
buffer_m = 5.0
[layers.cables]
file = "embedded:klic/Levering_22O000518_1.zip"
format = "klic"
[claims]
tolerance_m2 = 0.01
[claims.klic_protection_m]
gasHogeDruk = 5.0
{extra_toml}
""", encoding="utf-8")
    return cfg


def test_claims_cli_end_to_end(tmp_path):
    import pyogrio

    from wlr_geo.cli.main import main
    from wlr_geo.io.klic import read_klic

    gas = read_klic(embedded_path_klic())
    gas = gas.lines[gas.lines["thema"] == "gasHogeDruk"]
    x, y = shapely.get_coordinates(gas.geometry.iloc[0])[0]
    claims = gpd.GeoDataFrame(
        {"claim_id": ["A", "B", "K"], "facility_type": ["werkterrein", "energy hub", "werkterrein"],
         "initiatiefnemer": ["t", "t", "t"], "periode": ["2026–2028", "2027–2030", "2026"],
         "status": ["wens", "gepland", "wens"]},
        geometry=[_box(0, 0, 120, 100), _box(110, 0, 200, 100), box(x - 10, y - 10, x + 10, y + 10)],
        crs="EPSG:28992",
    )
    cfg = _write_project(tmp_path, claims=claims)
    out = tmp_path / "out"
    assert main(["claims", str(cfg), "-o", str(out)]) == 0
    conf = gpd.read_file(out / "claims.gpkg", layer="conflicts")
    touch = gpd.read_file(out / "claims.gpkg", layer="raakt")
    got = {(r.claim_id, r.other_layer, r.other_id): (r.area_m2, r.years) for r in conf.itertuples()}
    # A × B: x 110–120 → 1000 m² in 2027–2028; B × water strip (x 145–155): 10 × 100 m
    assert got[("A", "claims", "B")] == (pytest.approx(1000.0), "2027–2028")
    assert got[("B", "water", "w1")] == (pytest.approx(1000.0), "2027–2030")
    # K lies on a high-pressure gas pipe of the real KLIC sample: overlap with its 5 m strip
    strip = shapely.union_all(shapely.buffer(np.asarray(gas.geometry.values), 5.0))
    k_area = sum(a for (cid, layer, _), (a, _) in got.items() if cid == "K" and layer == "klic_beschermstroken")
    assert k_area > 0
    assert k_area >= box(x - 10, y - 10, x + 10, y + 10).intersection(strip).area - 1e-6
    # A touches building pand1 along 20 m
    t = touch.set_index("other_id").loc["pand1"]
    assert t["relation"] == "raakt" and t["contact_length_m"] == pytest.approx(20.0)
    prog = pd.read_csv(out / "claims_programme.csv").set_index(["gemeente", "year", "facility_type"])
    assert prog.loc[("West", 2026, "werkterrein"), "claimed_area_m2"] == pytest.approx(10_000.0)
    assert prog.loc[("Oost", 2027, "totaal"), "claimed_area_m2"] == pytest.approx(2000.0 + 9000.0)
    assert prog.loc[("Oost", 2027, "totaal"), "n_conflicts"] == 2  # A×B and B×water, both in Oost
    assert prog.loc[("(buiten gemeenten)", 2026, "totaal"), "claimed_area_m2"] == pytest.approx(400.0)
    sheets = pd.ExcelFile(out / "claims_programme.xlsx").sheet_names
    assert sheets == ["Programma", "M² per gemeente per jaar", "Conflicten per jaar"]  # Dutch sheet names
    # the data layers, plus QGIS' style table (which wlr_geo's list_layers leaves out)
    assert set(pyogrio.list_layers(out / "claims.gpkg")[:, 0]) == {"claims", "conflicts", "raakt", "klic_beschermstroken",
                                                                  "layer_styles"}
    assert not list(out.glob(".*part*"))  # no temporary files left behind


def embedded_path_klic():
    from wlr_geo.catalog import embedded_path

    return embedded_path("klic/Levering_22O000518_1.zip")


def test_claims_cli_reports_bad_input_with_exit_2(tmp_path, capsys):
    from wlr_geo.cli.main import main

    claims = _claims([("A", "kerncentrale", 2026, 2030, "wens", _box(0, 0, 10, 10))])
    cfg = _write_project(tmp_path, claims=claims)
    assert main(["claims", str(cfg), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "onbekend facility_type 'kerncentrale'" in err and "object A" in err
    assert not (tmp_path / "out" / "claims.gpkg").exists()
    cfg2 = _write_project(tmp_path, claims=_claims([("A", "x", 2026, 2030, "wens", _box(0, 0, 10, 10))]),
                          extra_toml="[claims.templates.x]\nbreedte = 3\n")
    assert main(["claims", str(cfg2), "-o", str(tmp_path / "out")]) == 2
    assert "heeft onbekende sleutels" in capsys.readouterr().err


def test_bad_geometry_gallery_gives_repair_or_typed_error():
    bowtie = shapely.Polygon([(X0, Y0), (X0 + 10, Y0 + 10), (X0 + 10, Y0), (X0, Y0 + 10)])
    c = _claims([("bow", "x", 2026, 2030, "wens", bowtie), ("sq", "x", 2026, 2030, "wens", _box(5, 0, 15, 10))])
    fp = claim_footprints(c, _tpl())
    assert fp["footprint_m2"].iloc[0] == pytest.approx(50.0)  # repaired: two 25 m² lobes, not 0
    conf = claim_conflicts(fp)
    assert conf["area_m2"].iloc[0] == pytest.approx(25.0)  # the east lobe lies in the square
    spike = shapely.Polygon([(X0, Y0), (X0 + 1, Y0 + 1), (X0 + 1, Y0 + 2), (X0 + 1, Y0 + 1), (X0, Y0)])
    with pytest.raises(LayerValidationError, match="vallen bij reparatie weg"):
        claim_footprints(_claims([("s", "x", 2026, 2030, "wens", spike)]), _tpl())
    nan = _claims([("n", "x", 2026, 2030, "wens", Point(np.nan, Y0))])
    with pytest.raises(WlrGeoInputError, match="NaN"):
        claim_footprints(nan, _tpl())
    far = _claims([("f", "x", 2026, 2030, "wens", Point(4.49, 52.16))])  # degrees labelled as RD
    with pytest.raises(WlrGeoInputError, match="graden"):
        claim_footprints(far, _tpl())
    # a bow-tie constraint is repaired too, not a GEOSException
    bad = gpd.GeoDataFrame({"id": ["b"]}, geometry=[bowtie], crs="EPSG:28992")
    out = claim_conflicts(claim_footprints(c.iloc[[1]], _tpl()), constraints={"x": bad})
    assert out["area_m2"].iloc[0] == pytest.approx(25.0)
