"""Tests of wlr_geo.analysis.impact.above_ground on hand-built cases with exact answers, plus a DuckDB oracle."""

from __future__ import annotations

import pathlib

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from wlr_geo import CRSMismatchError, WlrGeoInputError
from wlr_geo.analysis.impact.above_ground import (
    AboveGroundResult,
    above_ground_impact,
    prepare_areas,
)

CRS = "EPSG:28992"
X0, Y0 = 90_000.0, 460_000.0  # somewhere in the Leidse regio (RD metres)


def box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def line(*pts: tuple[float, float]) -> shapely.LineString:
    return shapely.LineString([(X0 + x, Y0 + y) for x, y in pts])


CENTRE = line((0, 0), (100, 0))


def strips_10m() -> gpd.GeoDataFrame:
    """One 10 m wide strip along the centreline from x=0 to x=100."""
    return gpd.GeoDataFrame({"strip": ["werkstrook"]}, geometry=[box(0, -5, 100, 5)], crs=CRS)


def objects(rows: list[tuple[str, str, shapely.Geometry]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"object_id": [r[0] for r in rows], "category": [r[1] for r in rows],
         "source_layer": ["bgt"] * len(rows)},
        geometry=[r[2] for r in rows], crs=CRS,
    )


def two_municipalities(split_x: float = 60.0) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"gemeente": ["Leiden", "Oegstgeest"], "wijk": ["Wijk A", "Wijk B"]},
        geometry=[box(-50, -50, split_x, 50), box(split_x, -50, 200, 50)], crs=CRS,
    )


def test_square_building_half_inside_strip_has_known_area_and_distance():
    objs = objects([("b1", "building", box(40, 2, 50, 12))])
    res = above_ground_impact(strips_10m(), objs, centreline=CENTRE)
    assert isinstance(res, AboveGroundResult)
    assert len(res.affected) == 1
    row = res.affected.iloc[0]
    assert row["area_m2"] == pytest.approx(30.0)  # 10 m × 3 m (y 2…5)
    assert np.isnan(row["length_m"])
    assert row["distance_m"] == pytest.approx(2.0)
    assert row.geometry.equals(box(40, 2, 50, 5))
    assert res.totals.to_dict("records") == [
        {"strip": "werkstrook", "category": "building", "area_m2": pytest.approx(30.0),
         "length_m": 0.0, "count": 1}
    ]


def test_lines_give_length_and_touching_objects_are_not_counted():
    objs = objects([
        ("r1", "local_road", line((-10, 3), (200, 3))),  # 100 m inside (x 0…100)
        ("t1", "green", box(10, 5, 20, 15)),  # touches the strip edge y=5: area 0
        ("t2", "local_road", line((0, 5), (50, 5))),  # runs on the edge: length 0? no: on boundary
        ("w1", "minor_water", box(20, -20, 30, 20)),  # crosses the whole strip: 10 × 10
    ])
    res = above_ground_impact(strips_10m(), objs, centreline=CENTRE)
    by_id = res.affected.set_index("object_id")
    assert by_id.loc["r1", "length_m"] == pytest.approx(100.0)
    assert by_id.loc["w1", "area_m2"] == pytest.approx(100.0)
    assert "t1" not in by_id.index
    # A line lying on the strip boundary intersects it along its length (boundary is part of
    # the closed polygon) and is counted with its length.
    assert by_id.loc["t2", "length_m"] == pytest.approx(50.0)
    totals = res.totals.set_index("category")
    assert totals.loc["local_road", "length_m"] == pytest.approx(150.0)
    assert totals.loc["local_road", "count"] == 2
    assert list(res.totals["category"]) == ["local_road", "minor_water"]  # categories.py order


def test_buildings_within_distance_are_listed_with_exact_distance():
    objs = objects([
        ("near", "building", box(30, 20, 40, 30)),  # 20 m from the centreline
        ("far", "building", box(30, 30, 40, 40)),  # 30 m
        ("end", "building", box(110, -5, 120, 5)),  # 10 m beyond the end of the route
        ("tree", "green", box(30, 10, 40, 12)),  # not a building
    ])
    res = above_ground_impact(strips_10m(), objs, centreline=CENTRE, building_distance_m=25.0)
    got = dict(zip(res.buildings_near["object_id"], res.buildings_near["distance_m"], strict=True))
    assert got == {"end": pytest.approx(10.0), "near": pytest.approx(20.0)}
    assert list(res.buildings_near["object_id"]) == ["end", "near"]  # nearest first
    res30 = above_ground_impact(strips_10m(), objs, centreline=CENTRE, building_distance_m=30.0)
    assert set(res30.buildings_near["object_id"]) == {"near", "far", "end"}


def test_areas_are_split_exactly_at_a_municipality_boundary():
    objs = objects([
        ("r1", "local_road", line((-10, 3), (200, 3))),
        ("p1", "paved", box(50, -2, 70, 2)),
    ])
    res = above_ground_impact(strips_10m(), objs, centreline=CENTRE, areas=two_municipalities())
    pa = res.per_area.set_index(["category", "gemeente"])
    assert pa.loc[("local_road", "Leiden"), "length_m"] == pytest.approx(60.0)
    assert pa.loc[("local_road", "Oegstgeest"), "length_m"] == pytest.approx(40.0)
    assert pa.loc[("paved", "Leiden"), "area_m2"] == pytest.approx(40.0)
    assert pa.loc[("paved", "Oegstgeest"), "area_m2"] == pytest.approx(40.0)
    assert pa.loc[("paved", "Leiden"), "wijk"] == "Wijk A"
    # An object split over two municipalities is one object in the totals, one per area below.
    assert res.totals.set_index("category").loc["paved", "count"] == 1
    assert pa["count"].sum() == 4
    assert res.totals["area_m2"].sum() == pytest.approx(res.per_area["area_m2"].sum())
    assert res.totals["length_m"].sum() == pytest.approx(res.per_area["length_m"].sum())


def test_parts_outside_every_area_are_kept_without_gemeente():
    areas = gpd.GeoDataFrame({"gemeente": ["Leiden"], "wijk": ["A"]}, geometry=[box(-50, -50, 80, 50)],
                             crs=CRS)
    objs = objects([("r1", "local_road", line((-10, 0), (200, 0)))])
    res = above_ground_impact(strips_10m(), objs, centreline=CENTRE, areas=areas)
    pa = res.per_area
    assert len(pa) == 2
    inside = pa[pa["gemeente"] == "Leiden"]
    outside = pa[pa["gemeente"].isna()]
    assert inside["length_m"].item() == pytest.approx(80.0)
    assert outside["length_m"].item() == pytest.approx(20.0)


def test_overlapping_areas_count_each_square_metre_once():
    areas = gpd.GeoDataFrame({"gemeente": ["A", "B"], "wijk": ["a", "b"]},
                             geometry=[box(-50, -50, 60, 50), box(40, -50, 200, 50)], crs=CRS)
    objs = objects([("g1", "green", box(0, -5, 100, 5))])
    res = above_ground_impact(strips_10m(), objs, centreline=CENTRE, areas=areas)
    pa = res.per_area.set_index("gemeente")
    assert pa.loc["A", "area_m2"] == pytest.approx(600.0)  # the overlap stays with A
    assert pa.loc["B", "area_m2"] == pytest.approx(400.0)
    assert any("overlappen eerdere" in n for n in res.notes)


def test_nested_strips_are_analysed_separately():
    strips = gpd.GeoDataFrame({"strip": ["werkstrook", "belemmeringenstrook"]},
                              geometry=[box(0, -5, 100, 5), box(0, -15, 100, 15)], crs=CRS)
    objs = objects([("g1", "green", box(0, -20, 10, 20))])
    res = above_ground_impact(strips, objs, centreline=CENTRE)
    t = res.totals.set_index("strip")
    assert t.loc["werkstrook", "area_m2"] == pytest.approx(100.0)
    assert t.loc["belemmeringenstrook", "area_m2"] == pytest.approx(300.0)
    assert list(res.totals["strip"]) == ["werkstrook", "belemmeringenstrook"]


def test_points_are_counted_without_area_or_length():
    objs = objects([("p1", "structure", shapely.Point(X0 + 10, Y0 + 1)),
                    ("p2", "structure", shapely.Point(X0 + 10, Y0 + 50))])
    res = above_ground_impact(strips_10m(), objs, centreline=CENTRE)
    assert list(res.affected["object_id"]) == ["p1"]
    assert res.totals["count"].tolist() == [1]


def test_empty_and_far_away_layers_give_empty_results_with_schema():
    empty = objects([])
    far = objects([("b1", "building", shapely.box(X0 + 50_000, Y0, X0 + 50_010, Y0 + 10))])
    for objs in (empty, far):
        res = above_ground_impact(strips_10m(), objs, centreline=CENTRE, areas=two_municipalities())
        assert len(res.affected) == 0
        assert {"object_id", "source_layer", "category", "strip", "area_m2", "length_m",
                "distance_m", "gemeente", "wijk", "geometry"} <= set(res.affected.columns)
        assert res.affected.crs == CRS
        assert len(res.totals) == 0 and list(res.totals.columns) == [
            "strip", "category", "area_m2", "length_m", "count"]
        assert list(res.per_area.columns) == [
            "strip", "category", "gemeente", "wijk", "area_m2", "length_m", "count"]
        assert len(res.buildings_near) == 0


def test_zero_length_lines_are_dropped_and_noted():
    objs = objects([("z1", "local_road", line((10, 0), (10, 0))),
                    ("r1", "local_road", line((10, 1), (20, 1)))])
    res = above_ground_impact(strips_10m(), objs, centreline=CENTRE)
    assert list(res.affected["object_id"]) == ["r1"]
    assert res.totals["count"].tolist() == [1]
    assert any("lengte nul weggelaten" in n for n in res.notes)


def test_invalid_polygons_never_raise_a_geos_exception():
    bowtie = shapely.Polygon([(X0 + 10, Y0 - 10), (X0 + 20, Y0 + 10), (X0 + 20, Y0 - 10),
                              (X0 + 10, Y0 + 10), (X0 + 10, Y0 - 10)])
    assert not bowtie.is_valid
    objs = objects([("bt", "green", bowtie)])
    res = above_ground_impact(strips_10m(), objs, centreline=CENTRE)
    # Repaired: two triangles with apex at (15, 0); inside |y| ≤ 5 each keeps
    # ∫ 5·(1 − |y|/10) dy over −5…5 = 37.5 m².
    assert res.affected["area_m2"].sum() == pytest.approx(75.0)
    assert any("gerepareerd met make_valid" in n for n in res.notes)


def test_bad_input_raises_typed_errors():
    objs = objects([("b1", "building", box(40, 2, 50, 12))])
    with pytest.raises(WlrGeoInputError, match="category"):
        above_ground_impact(strips_10m(), objs.drop(columns="category"), centreline=CENTRE)
    with pytest.raises(CRSMismatchError):
        above_ground_impact(strips_10m(), objs.to_crs(4326), centreline=CENTRE)
    with pytest.raises(WlrGeoInputError, match="hartlijn van het tracé heeft lengte nul"):
        above_ground_impact(strips_10m(), objs, centreline=line((5, 5), (5, 5)))
    with pytest.raises(WlrGeoInputError, match="gemeente"):
        above_ground_impact(strips_10m(), objs, centreline=CENTRE,
                            areas=two_municipalities().rename(columns={"gemeente": "gm", "wijk": "wk"}))


def test_prebuilt_tree_gives_identical_results_and_inputs_are_not_mutated():
    objs = objects([("b1", "building", box(40, 2, 50, 12)), ("r1", "local_road", line((-10, 3), (200, 3)))])
    before = objs.copy()
    tree = shapely.STRtree(np.asarray(objs.geometry.values))
    a = above_ground_impact(strips_10m(), objs, centreline=CENTRE)
    b = above_ground_impact(strips_10m(), objs, centreline=CENTRE, tree=tree)
    pd.testing.assert_frame_equal(a.totals, b.totals)
    assert_geodataframe_equal(objs, before)
    with pytest.raises(WlrGeoInputError, match="vooraf gebouwde boom"):
        above_ground_impact(strips_10m(), objs, centreline=CENTRE, tree=shapely.STRtree([]))


def test_prepare_areas_keeps_only_area_columns():
    notes: list[str] = []
    areas = two_municipalities().assign(extra=1, buurt="B1")
    out = prepare_areas(areas, notes)
    assert out is not None
    assert list(out.columns) == ["gemeente", "wijk", "buurt", "geometry"]


# --- oracle ---------------------------------------------------------------------------------


def _seeded_dataset(seed: int = 7):
    """A curved 2 km route, two strips, 900 random polygons and lines, three municipalities."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 1, 40)
    route_x, route_y = X0 + 2000 * t, Y0 + 300 * np.sin(3 * t) + 400 * t
    centre = shapely.LineString(np.column_stack([route_x, route_y]))
    strips = gpd.GeoDataFrame(
        {"strip": ["werkstrook", "belemmeringenstrook"]},
        geometry=[centre.buffer(8, quad_segs=8), centre.buffer(20, cap_style="flat")], crs=CRS)
    n_poly, n_line = 600, 300
    cx = rng.uniform(X0 - 50, X0 + 2050, n_poly)
    cy = np.interp(cx, route_x, route_y) + rng.normal(0, 25, n_poly)
    w, h, rot = rng.uniform(3, 30, n_poly), rng.uniform(3, 30, n_poly), rng.uniform(0, 90, n_poly)
    polys = [shapely.affinity.rotate(shapely.box(x - a / 2, y - b / 2, x + a / 2, y + b / 2), r)
             for x, y, a, b, r in zip(cx, cy, w, h, rot, strict=True)]
    lx = rng.uniform(X0 - 50, X0 + 2050, n_line)
    ly = np.interp(lx, route_x, route_y) + rng.normal(0, 30, n_line)
    ang, ln = rng.uniform(0, np.pi, n_line), rng.uniform(5, 200, n_line)
    lines = [shapely.LineString([(x, y), (x + le * np.cos(a), y + le * np.sin(a)),
                                 (x + le * np.cos(a) + 7, y + le * np.sin(a) - 3)])
             for x, y, a, le in zip(lx, ly, ang, ln, strict=True)]
    cats = np.concatenate([rng.choice(["building", "green", "paved", "nature", "minor_water"], n_poly),
                           rng.choice(["local_road", "rail", "cycle_path"], n_line)])
    objs = gpd.GeoDataFrame(
        {"object_id": [f"o{i}" for i in range(n_poly + n_line)], "category": cats,
         "source_layer": ["bgt"] * (n_poly + n_line)},
        geometry=polys + lines, crs=CRS)
    # Three municipalities: a wavy boundary, then straight ones, and a 20 m+ gap without any.
    ys = np.linspace(Y0 - 1000, Y0 + 1500, 30)
    wavy = X0 + 700 + 40 * np.sin(np.linspace(0, 9, 30))
    leiden = shapely.Polygon([(X0 - 500, Y0 - 1000), *zip(wavy, ys, strict=True), (X0 - 500, Y0 + 1500)])
    areas = gpd.GeoDataFrame(
        {"gemeente": ["Leiden", "Leiderdorp", "Zoeterwoude"], "wijk": ["L1", "LD1", "Z1"]},
        geometry=[leiden, shapely.box(X0 + 760, Y0 - 1000, X0 + 1400, Y0 + 1500),
                  shapely.box(X0 + 1400, Y0 - 1000, X0 + 1900, Y0 + 1500)], crs=CRS)
    assert areas.is_valid.all()
    return strips, objs, areas, centre


def _duckdb():
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    try:
        con.execute("LOAD spatial")
    except duckdb.Error:
        ext = pytest.importorskip("duckdb_extension_spatial")
        path = next(pathlib.Path(ext.__path__[0]).rglob("spatial.duckdb_extension"))
        con.execute(f"LOAD '{path}'")
    con.execute("SET geometry_always_xy = true")
    return con


def test_oracle_duckdb_areas_and_lengths_per_category_and_municipality():
    strips, objs, areas, centre = _seeded_dataset()
    res = above_ground_impact(strips, objs, centreline=centre, areas=areas)
    assert res.affected["gemeente"].isna().any() and res.affected["gemeente"].notna().any()
    con = _duckdb()
    o = pd.DataFrame({"object_id": objs["object_id"].to_numpy(object), "category": objs["category"].to_numpy(object),
                      "wkb": shapely.to_wkb(np.asarray(objs.geometry.values))})
    s = pd.DataFrame({"strip": strips["strip"].to_numpy(object), "wkb": shapely.to_wkb(np.asarray(strips.geometry.values))})
    a = pd.DataFrame({"gemeente": areas["gemeente"].to_numpy(object), "wkb": shapely.to_wkb(np.asarray(areas.geometry.values))})
    con.register("o_df", o)
    con.register("s_df", s)
    con.register("a_df", a)
    sql = """
    WITH o AS (SELECT object_id, category, ST_GeomFromWKB(wkb) AS g FROM o_df),
         s AS (SELECT strip, ST_GeomFromWKB(wkb) AS g FROM s_df),
         a AS (SELECT gemeente, ST_GeomFromWKB(wkb) AS g FROM a_df),
         part AS (SELECT s.strip, o.category, o.object_id, ST_Intersection(o.g, s.g) AS g, ST_Dimension(o.g) AS dim
                  FROM o JOIN s ON ST_Intersects(o.g, s.g)),
         inside AS (SELECT p.strip, p.category, a.gemeente, p.dim, ST_Intersection(p.g, a.g) AS g
                    FROM part p JOIN a ON ST_Intersects(p.g, a.g)),
         outside AS (SELECT p.strip, p.category, NULL AS gemeente, p.dim,
                     ST_Difference(p.g, (SELECT ST_Union_Agg(g) FROM a)) AS g FROM part p)
    SELECT strip, category, gemeente,
           SUM(CASE WHEN dim = 2 THEN ST_Area(g) ELSE 0 END) AS area_m2,
           SUM(CASE WHEN dim = 1 THEN ST_Length(g) ELSE 0 END) AS length_m
    FROM (SELECT * FROM inside UNION ALL SELECT * FROM outside)
    GROUP BY ALL
    """
    oracle = con.execute(sql).df()
    oracle = oracle[(oracle["area_m2"] > 1e-9) | (oracle["length_m"] > 1e-9)]
    ours = res.affected.groupby(["strip", "category", "gemeente"], dropna=False)[["area_m2", "length_m"]].sum(min_count=0)
    oracle = oracle.astype({"gemeente": object}).groupby(["strip", "category", "gemeente"], dropna=False)[["area_m2", "length_m"]].sum()
    ours.index = ours.index.map(lambda k: tuple(None if pd.isna(v) else str(v) for v in k))
    oracle.index = oracle.index.map(lambda k: tuple(None if pd.isna(v) else str(v) for v in k))
    joined = ours.add_suffix("_ours").join(oracle.add_suffix("_oracle"), how="outer").fillna(0.0)
    assert len(joined) >= 20
    for m in ("area_m2", "length_m"):
        np.testing.assert_allclose(joined[f"{m}_ours"], joined[f"{m}_oracle"], rtol=1e-6, atol=1e-6)
    # and per category totals (no area split) straight from the strips
    tot = con.execute("""
        WITH o AS (SELECT category, ST_GeomFromWKB(wkb) AS g FROM o_df),
             s AS (SELECT strip, ST_GeomFromWKB(wkb) AS g FROM s_df)
        SELECT strip, category, SUM(ST_Area(ST_Intersection(o.g, s.g))) AS area_m2,
               SUM(ST_Length(ST_Intersection(o.g, s.g))) AS length_m
        FROM o JOIN s ON ST_Intersects(o.g, s.g) GROUP BY ALL""").df()
    tot = tot.set_index(["strip", "category"]).sort_index()
    mine = res.totals.set_index(["strip", "category"]).sort_index()
    np.testing.assert_allclose(mine["area_m2"], tot.loc[mine.index, "area_m2"], rtol=1e-6)
    np.testing.assert_allclose(mine["length_m"], tot.loc[mine.index, "length_m"], rtol=1e-6)


def test_nan_coordinates_raise_a_typed_error_naming_the_feature():
    with np.errstate(invalid="ignore"):
        bad = shapely.Polygon([(X0 + 10, Y0), (np.nan, Y0 + 1), (X0 + 20, Y0 + 2)])
    objs = objects([("nan1", "green", bad), ("ok", "green", box(10, -1, 20, 1))])
    with pytest.raises(WlrGeoInputError, match="nan1"):
        above_ground_impact(strips_10m(), objs, centreline=CENTRE)


def test_buurt_is_carried_when_present_and_spikes_are_not_counted():
    areas = two_municipalities().assign(buurt=["B1", "B2"])
    spike = shapely.Polygon([(X0 + 10, Y0), (X0 + 11, Y0 + 1), (X0 + 11, Y0 + 2), (X0 + 11, Y0 + 1), (X0 + 10, Y0)])
    objs = objects([("p1", "paved", box(50, -2, 70, 2)), ("spike", "green", spike)])
    res = above_ground_impact(strips_10m(), objs, centreline=CENTRE, areas=areas)
    assert list(res.per_area.columns) == ["strip", "category", "gemeente", "wijk", "buurt",
                                          "area_m2", "length_m", "count"]
    assert res.per_area["buurt"].tolist() == ["B1", "B2"]
    assert "spike" not in set(res.affected["object_id"])
