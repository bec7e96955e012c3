"""Tests of wlr_geo.analysis.crossings.register and wlr_geo.analysis.crossings.rules on hand-built cases with exact answers."""

from __future__ import annotations

import math
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from _rd import X0, Y0, rd_frame
from shapely.geometry import LineString, Point, Polygon, box

from wlr_geo._errors import ConfigError, WlrGeoInputError
from wlr_geo.analysis.crossings.register import (
    CROSSING_COLUMNS,
    CrossingOptions,
    IndexedLayer,
    category_from_name,
    classify_objects,
    find_crossings,
)
from wlr_geo.analysis.crossings.rules import apply_rules, load_rules

ROUTE = LineString([(X0, Y0), (X0 + 1000, Y0)])




def _road_strip(cx: float, angle_deg: float, width: float = 10.0, half_len: float = 60.0) -> Polygon:
    a = math.radians(angle_deg)
    d = np.array([math.cos(a), math.sin(a)])
    n = np.array([-d[1], d[0]])
    c = np.array([cx, Y0])
    return Polygon([c - half_len * d - width / 2 * n, c + half_len * d - width / 2 * n,
                    c + half_len * d + width / 2 * n, c - half_len * d + width / 2 * n])


def test_road_polygons_at_90_and_30_degrees():
    roads = rd_frame([_road_strip(X0 + 300, 90), _road_strip(X0 + 600, 30)], category=["local_road", "regional_road"])
    cr, runs = find_crossings(ROUTE, roads, name="wegen")
    assert len(runs) == 0
    assert cr["chainage_m"].tolist() == pytest.approx([300.0, 600.0])
    assert cr["angle_deg"].tolist() == pytest.approx([90.0, 30.0])
    # crossed width: 10 m at 90°, 10 / sin(30°) = 20 m at 30°
    assert cr["width_m"].tolist() == pytest.approx([10.0, 20.0])
    assert cr["from_m"].tolist() == pytest.approx([295.0, 590.0])
    assert cr["to_m"].tolist() == pytest.approx([305.0, 610.0])
    assert cr["x"].tolist() == pytest.approx([X0 + 300, X0 + 600])
    assert set(cr["geometry_kind"]) == {"area"}
    assert cr["object_class"].tolist() == ["road", "road"]
    assert list(cr.columns) == CROSSING_COLUMNS


def test_cable_crossing_twice_and_merge_of_close_crossings():
    far = LineString([(X0 + 100, Y0 - 20), (X0 + 100, Y0 + 20), (X0 + 150, Y0 + 20), (X0 + 150, Y0 - 20)])
    close = LineString([(X0 + 500, Y0 - 20), (X0 + 500, Y0 + 20), (X0 + 503, Y0 + 20), (X0 + 503, Y0 - 20)])
    klic = rd_frame([far, close], thema=["water", "laagspanning"], netbeheerder=["Dunea", "Liander"], gml_id=["w1", "l1"])
    cr, runs = find_crossings(ROUTE, klic, name="klic")
    assert cr["chainage_m"].tolist() == pytest.approx([100.0, 150.0, 500.0])
    assert cr["object_id"].tolist() == ["w1", "w1", "l1"]
    assert cr["n_merged"].tolist() == [1, 1, 2]
    assert cr["angle_deg"].tolist() == pytest.approx([90.0, 90.0, 90.0])
    assert cr["object_class"].unique().tolist() == ["cable_pipe"]
    assert cr["subtype"].tolist() == ["water", "water", "laagspanning"]
    assert cr["netbeheerder"].tolist() == ["Dunea", "Dunea", "Liander"]
    assert cr["width_m"].isna().all()
    assert len(runs) == 0
    # with merging off, the close pair is two crossings
    cr0, _ = find_crossings(ROUTE, klic, options=CrossingOptions(merge_distance_m=0.0))
    assert len(cr0) == 4


def test_cable_parallel_for_120_m_is_a_run_not_crossings():
    beside = LineString([(X0 + 200, Y0 + 1), (X0 + 320, Y0 + 1)])
    zigzag = LineString([(X0 + 600, Y0 - 1)] + [(X0 + 600 + 20 * i, Y0 + (1 if i % 2 else -1)) for i in range(1, 7)])
    collinear = LineString([(X0 + 800, Y0), (X0 + 920, Y0)])
    klic = rd_frame([beside, zigzag, collinear], thema=["datatransport"] * 3, gml_id=["b", "z", "c"])
    cr, runs = find_crossings(ROUTE, klic, name="klic")
    assert len(cr) == 0
    runs = runs.sort_values("from_m")
    assert runs["object_id"].tolist() == ["b", "z", "c"]
    assert runs["from_m"].tolist() == pytest.approx([200.0, 600.0, 800.0])
    assert runs["length_m"].tolist() == pytest.approx([120.0, 120.0, 120.0])
    assert runs["n_crossings_folded"].tolist() == [0, 6, 0]
    assert runs.geometry.length.tolist() == pytest.approx([120.0, 120.0, 120.0])


def test_shallow_but_real_crossing_is_a_crossing():
    # 30° crossing: 20 m inside the 5 m corridor, but too steep for a parallel run
    a = math.radians(30)
    c = LineString([(X0 + 400 - 50 * math.cos(a), Y0 - 50 * math.sin(a)), (X0 + 400 + 50 * math.cos(a), Y0 + 50 * math.sin(a))])
    cr, runs = find_crossings(ROUTE, rd_frame([c], thema=["gasHogeDruk"]))
    assert len(runs) == 0
    assert cr["chainage_m"].tolist() == pytest.approx([400.0])
    assert cr["angle_deg"].tolist() == pytest.approx([30.0])


def test_crossing_at_route_vertex_counted_once_and_angle_per_segment():
    route = LineString([(X0, Y0), (X0 + 100, Y0), (X0 + 100, Y0 + 100)])
    road = LineString([(X0 + 50, Y0 + 150), (X0 + 150, Y0 + 50)])  # 45°, crosses the 2nd leg at y = 100
    cable = LineString([(X0 + 90, Y0 - 10), (X0 + 110, Y0 + 10)])  # through the vertex (X0+100, Y0)
    cr, _ = find_crossings(route, rd_frame([road, cable], thema=["warmte", "water"]))
    assert len(cr) == 2
    assert cr["chainage_m"].tolist() == pytest.approx([100.0, 200.0])
    assert cr["angle_deg"].tolist() == pytest.approx([45.0, 45.0])
    assert cr["n_merged"].tolist() == [1, 1]  # found on both segments at the vertex, one crossing


def test_route_inside_road_lengthwise_is_a_parallel_run():
    verge = box(X0 + 100, Y0 - 3, X0 + 400, Y0 + 3)
    crossing = box(X0 + 600, Y0 - 50, X0 + 610, Y0 + 50)
    beside = box(X0 + 700, Y0, X0 + 800, Y0 + 5)  # touches the route along its edge only
    cr, runs = find_crossings(ROUTE, rd_frame([verge, crossing, beside], category=["green", "minor_water", "paved"]))
    assert cr["chainage_m"].tolist() == pytest.approx([605.0])
    assert runs["from_m"].tolist() == pytest.approx([100.0])
    assert runs["to_m"].tolist() == pytest.approx([400.0])
    assert runs["geometry_kind"].tolist() == ["area"]


def test_route_starting_inside_polygon_uses_polygon_axis():
    # a 20 x 200 m polygon at 60° containing the route start
    poly = _road_strip(X0, 60, width=20, half_len=100)
    cr, _ = find_crossings(ROUTE, rd_frame([poly], category=["minor_water"]))
    assert len(cr) == 1
    assert cr["from_m"].iloc[0] == pytest.approx(0.0)
    assert cr["angle_deg"].iloc[0] == pytest.approx(60.0)


def test_polygon_crossed_twice_is_two_crossings_or_one_when_close():
    u = Polygon([(X0 + 100, Y0 - 50), (X0 + 200, Y0 - 50), (X0 + 200, Y0 + 50), (X0 + 190, Y0 + 50),
                 (X0 + 190, Y0 - 40), (X0 + 110, Y0 - 40), (X0 + 110, Y0 + 50), (X0 + 100, Y0 + 50)])
    cr, _ = find_crossings(ROUTE, rd_frame([u], category=["minor_water"]))
    assert cr["width_m"].tolist() == pytest.approx([10.0, 10.0])
    cr2, _ = find_crossings(ROUTE, rd_frame([u], category=["minor_water"]), options=CrossingOptions(merge_distance_m=100))
    assert cr2["width_m"].tolist() == pytest.approx([20.0])
    assert cr2["n_merged"].tolist() == [2]


def test_hoogteligging_and_ids_from_bgt_columns():
    roads = rd_frame([_road_strip(X0 + 300, 90)], category=["motorway"], functie=["rijbaan autosnelweg"],
                 gml_id=["bgt.1"], relatieve_hoogteligging=[1])
    cr, _ = find_crossings(ROUTE, roads, name="bgt_wegdeel")
    assert cr["subtype"].iloc[0] == "rijbaan autosnelweg"
    assert cr["object_id"].iloc[0] == "bgt.1"
    assert cr["relatieveHoogteligging"].iloc[0] == 1
    assert cr["source_layer"].iloc[0] == "bgt_wegdeel"
    water = rd_frame([_road_strip(X0 + 300, 90), _road_strip(X0 + 600, 90)], category=["minor_water", "minor_water"],
                 functie=[None, None], bgt_type=["watervlakte", None])
    cr, _ = find_crossings(ROUTE, water, name="bgt_waterdeel")
    assert cr["subtype"].tolist() == ["watervlakte", "minor_water"]


def test_classification_by_layer_name():
    assert category_from_name("A4 snelweg") == "motorway"
    assert category_from_name("ProRail spoor") == "rail"
    assert category_from_name("osm2017_power_links_abstract") == "cable_pipe"
    assert category_from_name("sloten") == "minor_water"
    assert category_from_name("iets") == "other"
    info = classify_objects(pd.DataFrame({"category": ["rail", "nonsense"]}), "x")
    assert info["category"].tolist() == ["rail", "other"]
    assert info["object_class"].tolist() == ["rail", "other"]


def test_degenerate_layers_do_not_crash():
    empty = gpd.GeoDataFrame({"thema": pd.Series(dtype=str)}, geometry=gpd.GeoSeries([], crs=28992))
    cr, runs = find_crossings(ROUTE, empty)
    assert len(cr) == 0 and len(runs) == 0 and list(cr.columns) == CROSSING_COLUMNS
    bowtie = Polygon([(X0 + 300, Y0 - 10), (X0 + 320, Y0 + 10), (X0 + 320, Y0 - 10), (X0 + 300, Y0 + 10)])
    zero = LineString([(X0 + 500, Y0), (X0 + 500, Y0)])
    far = LineString([(X0, Y0 + 5000), (X0 + 10, Y0 + 5010)])
    layer = IndexedLayer.build(rd_frame([bowtie, zero, far, Point(X0, Y0), None]), name="rommel")
    assert any("lengte nul overgeslagen" in n for n in layer.notes)
    assert any("gerepareerd met make_valid" in n for n in layer.notes)
    assert any("punt-/verzamelingsobjecten overgeslagen" in n for n in layer.notes)
    assert any("lege geometrieën (null/leeg)" in n for n in layer.notes)
    cr, _ = find_crossings(ROUTE, layer)
    # the repaired bow-tie is two triangles touching at (310, 0): the route crosses both lobes
    assert cr["width_m"].sum() == pytest.approx(20.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        nan = rd_frame([LineString([(X0, Y0), (np.nan, Y0)])])
    with pytest.raises(WlrGeoInputError, match="NaN"):
        IndexedLayer.build(nan, name="nan")


def test_indexed_layer_reused_for_second_route_gives_same_answer():
    layer = IndexedLayer.build(rd_frame([_road_strip(X0 + 300, 90)], category=["rail"]), name="spoor")
    r2 = LineString([(X0 + 1000, Y0), (X0, Y0)])  # same line, other way
    cr1, _ = find_crossings(ROUTE, layer)
    cr2, _ = find_crossings(r2, layer)
    assert cr1["chainage_m"].iloc[0] == pytest.approx(300.0)
    assert cr2["chainage_m"].iloc[0] == pytest.approx(700.0)
    assert cr2["width_m"].iloc[0] == pytest.approx(cr1["width_m"].iloc[0])


def _geos_points_per_object(route: LineString, cables: list[LineString]) -> list[set[tuple[float, float]]]:
    """Independent answer: GEOS intersection points of the whole route with each cable."""
    import shapely

    out = []
    for c in cables:
        inter = shapely.intersection(route, c)
        pts = shapely.get_coordinates(inter) if not inter.is_empty else np.empty((0, 2))
        out.append({(round(x, 6), round(y, 6)) for x, y in pts})
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_crossing_points_equal_geos_on_edge_cases(seed):
    """The candidate search (envelope query + side tests per segment, GEOS only for unclear
    pairs) finds exactly the points GEOS finds: cables ending on the route or on a route vertex,
    touching it, lying just outside the query rectangles, nearly parallel, tiny, multi-vertex."""
    rng = np.random.default_rng(seed)
    route = LineString([(X0, Y0), (X0 + 300, Y0 + 40), (X0 + 520, Y0 - 60), (X0 + 800, Y0 + 10)])
    verts = np.asarray(route.coords)
    cables: list[LineString] = []
    for _ in range(400):
        kind = rng.integers(0, 6)
        p = np.array([X0 + rng.uniform(-20, 820), Y0 + rng.uniform(-80, 60)])
        if kind == 0:  # ends exactly on a route vertex
            v = verts[rng.integers(0, len(verts))]
            cables.append(LineString([v, v + rng.normal(0, 8, 2)]))
        elif kind == 1:  # ends on the route (interpolated point)
            q = np.asarray(route.interpolate(rng.uniform(0, route.length)).coords[0])
            cables.append(LineString([q, q + rng.normal(0, 8, 2)]))
        elif kind == 2:  # nearly parallel to a segment, just off it
            i = rng.integers(0, len(verts) - 1)
            a, b = verts[i], verts[i + 1]
            n = np.array([-(b - a)[1], (b - a)[0]]) / np.hypot(*(b - a))
            off = rng.choice([-1, 1]) * rng.choice([1e-7, 1e-3, 4.999999, 5.000001, 0.5])
            t0, t1 = sorted(rng.uniform(-0.1, 1.1, 2))
            cables.append(LineString([a + t0 * (b - a) + off * n, a + t1 * (b - a) + off * n * 1.0001]))
        elif kind == 3:  # tiny
            cables.append(LineString([p, p + rng.normal(0, 0.004, 2)]))
        else:  # random, some multi-vertex
            k = 2 if kind == 4 else 4
            cables.append(LineString(p + np.cumsum(rng.normal(0, 25, (k, 2)), axis=0)))
    cables = [c for c in cables if c.length > 0]
    layer = rd_frame(cables, thema=["laagspanning"] * len(cables), gml_id=[f"c{i}" for i in range(len(cables))])
    # no merging of nearby points and no parallel runs: every distinct intersection point counts
    opts = CrossingOptions(merge_distance_m=0.0, parallel_min_length_m=1e9)
    cr, runs = find_crossings(route, layer, options=opts)
    assert len(runs) == 0
    expected = _geos_points_per_object(route, cables)
    got: dict[str, int] = cr.groupby("object_id").size().to_dict()
    for i, pts in enumerate(expected):
        if route.intersection(cables[i]).length > 0:
            continue  # collinear overlaps give pieces, not points
        assert got.get(f"c{i}", 0) == len(pts), (i, cables[i].wkt, got.get(f"c{i}", 0), pts)


def test_crossing_options_validated():
    with pytest.raises(WlrGeoInputError):
        CrossingOptions(merge_distance_m=-1)


def test_rules_default_and_override():
    df = pd.DataFrame({
        "object_class": ["road", "rail", "water", "road", "cable_pipe", "other"],
        "category": ["motorway", "rail", "minor_water", "regional_road", "cable_pipe", "other"],
        "subtype": ["x", "spoor", "sloot", "N206", "hoogspanning", "iets"],
        "width_m": [40.0, 12.0, 20.0, 12.0, np.nan, 3.0],
        "angle_deg": [90.0, 45.0, 80.0, 59.9, 90.0, 60.0],
    })
    out = apply_rules(df)
    assert out["technique"].tolist() == ["hdd", "hdd", "boring_persing", "boring_persing", "open_trench", "open_trench"]
    assert out["acute"].tolist() == [False, True, False, True, False, False]
    assert out["technique_nl"].iloc[0] == "HDD (gestuurde boring)"
    user = load_rules({"acute_angle_deg": 40, "rule": [{"category": "other", "technique": "hdd", "note": "eigen regel"}]})
    out2 = apply_rules(df, user)
    assert out2["technique"].iloc[5] == "hdd"
    assert out2["rule_note"].iloc[5] == "eigen regel"
    assert out2["acute"].sum() == 0
    assert apply_rules(df, load_rules({"replace": True}))["technique"].eq("open_trench").all()
    with pytest.raises(ConfigError, match="onbekende technique 'tunnel'"):
        load_rules({"rule": [{"technique": "tunnel"}]})
    with pytest.raises(ConfigError, match="onbekende sleutel"):
        load_rules({"rules": []})
