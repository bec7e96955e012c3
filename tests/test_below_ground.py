"""Tests of wlr_geo.analysis.impact.below_ground and wlr_geo.analysis.route.linear on hand-built cases with exact answers."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from wlr_geo import ConfigError, CRSMismatchError, WlrGeoInputError
from wlr_geo.analysis.impact.below_ground import (
    BelowGroundResult,
    below_ground_impact,
    load_clearances,
)
from wlr_geo.analysis.route.linear import (
    chainage_range,
    cross_sections,
    in_parallel_run,
    local_direction,
    parallel_segments,
    project_chainage,
    route_candidates,
    segment_edges,
)

CRS = "EPSG:28992"
X0, Y0 = 90_000.0, 460_000.0


def line(*pts: tuple[float, float]) -> shapely.LineString:
    return shapely.LineString([(X0 + x, Y0 + y) for x, y in pts])


def box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


CENTRE = line((0, 0), (500, 0))


def strips(half_width: float = 10.0) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"strip": ["werkstrook"]},
                            geometry=[box(0, -half_width, 500, half_width)], crs=CRS)


def cables(rows: list[tuple], depth: bool = False) -> gpd.GeoDataFrame:
    data = {"gml_id": [r[0] for r in rows], "thema": [r[1] for r in rows],
            "netbeheerder": [r[2] for r in rows]}
    if depth:
        data["diepte_m"] = [r[4] for r in rows]
    return gpd.GeoDataFrame(data, geometry=[r[3] for r in rows], crs=CRS)


def run(cab: gpd.GeoDataFrame, **kw) -> BelowGroundResult:
    return below_ground_impact(kw.pop("centreline", CENTRE), kw.pop("strips", strips()), cab, **kw)


# --- parallel runs ------------------------------------------------------------------------


def test_cable_parallel_at_3m_for_120m_is_one_run():
    res = run(cables([("c1", "datatransport", "KPN", line((100, 3), (220, 3)))]))
    assert len(res.parallel_runs) == 1
    r = res.parallel_runs.iloc[0]
    assert (r["gml_id"], r["thema"], r["netbeheerder"], r["strip"]) == ("c1", "datatransport", "KPN", "werkstrook")
    assert r["length_m"] == pytest.approx(120.0)
    assert r["mean_offset_m"] == pytest.approx(3.0)
    assert (r["from_m"], r["to_m"]) == (pytest.approx(100.0), pytest.approx(220.0))
    assert r.geometry.length == pytest.approx(120.0)
    t = res.totals.set_index("thema").loc["datatransport"]
    assert t["n_parallel_runs"] == 1 and t["parallel_length_m"] == pytest.approx(120.0)
    assert t["n_cables"] == 1 and t["cable_length_m"] == pytest.approx(120.0)


def test_only_the_part_inside_the_strip_counts_and_short_or_skew_runs_do_not():
    rows = [
        ("long", "water", "Dunea", line((-50, 5), (700, 5))),  # inside x 0…500 only
        ("short", "water", "Dunea", line((300, 4), (315, 4))),  # 15 m < 20 m
        ("skew20", "water", "Dunea", line((0, -9), (50, -9 + 50 * math.tan(math.radians(20))))),
        ("skew10", "water", "Dunea", line((200, -8), (280, -8 + 80 * math.tan(math.radians(10))))),
        ("cross", "water", "Dunea", line((400, -30), (400, 30))),
    ]
    res = run(cables(rows))
    got = res.parallel_runs.set_index("gml_id")
    assert set(got.index) == {"long", "skew10"}
    assert got.loc["long", "length_m"] == pytest.approx(500.0)
    assert got.loc["skew10", "length_m"] == pytest.approx(80 / math.cos(math.radians(10)))
    # the 20° cable leaves the strip after ~52 m but is never parallel
    wide = run(cables(rows), parallel_max_angle_deg=25)
    assert "skew20" in set(wide.parallel_runs["gml_id"])


def test_parallel_runs_follow_a_curved_route():
    t = np.linspace(0, np.pi / 2, 60)
    centre = shapely.LineString(np.column_stack([X0 + 300 * np.cos(t), Y0 + 300 * np.sin(t)]))
    strip = gpd.GeoDataFrame({"strip": ["s"]}, geometry=[centre.buffer(10, cap_style="flat")], crs=CRS)
    cable = centre.offset_curve(3.0)
    res = run(cables([("arc", "warmte", "Vattenfall", cable)]), centreline=centre, strips=strip)
    assert len(res.parallel_runs) == 1
    r = res.parallel_runs.iloc[0]
    assert r["length_m"] == pytest.approx(cable.length, rel=1e-9)
    assert r["mean_offset_m"] == pytest.approx(3.0, abs=0.01)
    assert r["from_m"] == pytest.approx(0.0, abs=0.5) and r["to_m"] == pytest.approx(centre.length, abs=0.5)


def test_a_cable_zigzagging_across_the_route_is_one_run_not_crossings():
    xs = np.arange(0, 241, 20.0)
    ys = np.where(np.arange(len(xs)) % 2 == 0, -0.5, 0.5)
    zig = shapely.LineString(np.column_stack([X0 + 100 + xs, Y0 + ys]))
    res = run(cables([("zig", "laagspanning", "Liander", zig, 0.6)], depth=True),
              clearance_m={"laagspanning": 0})
    assert len(res.parallel_runs) == 1
    assert res.parallel_runs["length_m"].item() == pytest.approx(zig.length)
    kinds = res.depth["kind"].tolist()
    assert kinds == ["parallel"]  # the 12 centreline crossings lie inside the run
    assert res.depth["diepte_m"].item() == pytest.approx(0.6)


def test_nested_strips_give_runs_per_strip_and_union_totals():
    two = gpd.GeoDataFrame({"strip": ["werkstrook", "belemmeringenstrook"]},
                           geometry=[box(0, -5, 500, 5), box(0, -15, 500, 15)], crs=CRS)
    res = run(cables([("c1", "water", "Dunea", line((0, 3), (100, 3))),
                      ("c2", "water", "Dunea", line((200, 12), (300, 12)))]), strips=two)
    per = res.parallel_runs.groupby("strip")["length_m"].sum()
    assert per["werkstrook"] == pytest.approx(100.0)
    assert per["belemmeringenstrook"] == pytest.approx(200.0)
    t = res.totals.set_index("thema").loc["water"]
    assert t["parallel_length_m"] == pytest.approx(200.0)  # union, not 300
    assert t["n_parallel_runs"] == 2


# --- clearances ---------------------------------------------------------------------------


def test_hoogspanning_at_2m_with_5m_clearance_is_a_violation_of_exact_length():
    rows = [
        ("hs", "hoogspanning", "TenneT", line((100, 2), (200, 2))),
        ("ls", "laagspanning", "Liander", line((100, -2), (200, -2))),
        ("hs_far", "hoogspanning", "TenneT", line((100, 7), (200, 7))),
    ]
    res = run(cables(rows))
    v = res.clearance_violations
    assert v["gml_id"].tolist() == ["hs"]
    r = v.iloc[0]
    assert r["length_m"] == pytest.approx(100.0)
    assert r["required_m"] == 5.0 and r["min_distance_m"] == pytest.approx(2.0)
    assert (r["from_m"], r["to_m"]) == (pytest.approx(100.0), pytest.approx(200.0))
    assert not r["crossing"]
    # override: laagspanning needs 3 m now
    res2 = run(cables(rows), clearance_m={"laagspanning": 3.0})
    assert sorted(res2.clearance_violations["gml_id"]) == ["hs", "ls"]
    t = res2.totals.set_index("thema")
    assert t.loc["laagspanning", "n_violations"] == 1
    assert t.loc["laagspanning", "violation_length_m"] == pytest.approx(100.0)
    assert t.loc["hoogspanning", "min_clearance_m"] == pytest.approx(2.0)


def test_violation_is_only_the_part_closer_than_the_clearance():
    # gasHogeDruk line approaching diagonally: from (100, 10) to (200, 0): distance < 5 for x > 150
    res = run(cables([("g", "gasHogeDruk", "Gasunie", line((100, 10), (200, 0)))]))
    r = res.clearance_violations.iloc[0]
    assert r["length_m"] == pytest.approx(math.hypot(50, 5))
    assert r["min_distance_m"] == pytest.approx(0.0)
    assert r["crossing"]  # it touches the centreline at x=200
    assert r["from_m"] == pytest.approx(150.0) and r["to_m"] == pytest.approx(200.0)


def test_load_clearances_defaults_overrides_and_errors(tmp_path):
    d = load_clearances()
    assert d["hoogspanning"] == d["gasHogeDruk"] == 5.0
    assert d["middenspanning"] == 1.0 and d["laagspanning"] == 0.5 and d["datatransport"] == 0.5
    assert d["water"] == d["warmte"] == 1.0
    bad = tmp_path / "c.toml"
    bad.write_text("[clearance_m]\nwater = -1\n")
    with pytest.raises(ConfigError, match="water"):
        load_clearances(bad)
    with pytest.raises(ConfigError):
        load_clearances(overrides={"water": "far"})
    with pytest.raises(ConfigError):
        load_clearances(tmp_path / "missing.toml")


# --- density ------------------------------------------------------------------------------


def test_density_counts_per_100m_segment_on_a_grid_of_known_cables():
    rows = [(f"x{x}", "datatransport" if x % 100 else "water", "Op", line((x, -40), (x, 40)))
            for x in (50, 150, 160, 250, 260, 270, 300)]  # 300 lies on a segment boundary
    rows.append(("par", "gasLageDruk", "Stedin", line((50, 5), (350, 5))))
    res = run(cables(rows), clearance_m={"gasLageDruk": 0})
    d = res.density
    assert d.index.name == "segment"
    assert d["from_m"].tolist() == [0, 100, 200, 300, 400]
    # The cable at x=300 lies on the cut between segments 2 and 3: counted once, in segment 3
    # (segments are half-open, [from, to)).
    assert d["n_cables"].tolist() == [2, 3, 4, 2, 0]
    assert d["cable_length_m"].tolist() == pytest.approx([20 + 50, 40 + 100, 60 + 100, 20 + 50, 0])
    assert d["n_datatransport"].tolist() == [1, 2, 3, 0, 0]
    assert d["n_water"].tolist() == [0, 0, 0, 1, 0]  # x=300 -> 300 % 100 == 0 -> water
    assert d["n_gasLageDruk"].tolist() == [1, 1, 1, 1, 0]
    seg = res.segments
    assert seg.geometry.area.tolist() == pytest.approx([2000.0] * 5)


def test_density_last_segment_is_shorter():
    centre = line((0, 0), (250, 0))
    s = gpd.GeoDataFrame({"strip": ["s"]}, geometry=[centre.buffer(10)], crs=CRS)
    res = run(cables([("c", "water", "Dunea", line((240, -30), (240, 30)))]), centreline=centre,
              strips=s)
    assert res.density["to_m"].tolist() == [100, 200, 250]
    assert res.density["n_cables"].tolist() == [0, 0, 1]
    # the round cap beyond the end belongs to the last segment
    assert res.segments.geometry.area.sum() == pytest.approx(s.geometry.area.sum())


# --- EV zones and depth ---------------------------------------------------------------------


def test_precaution_zones_touching_the_strip_with_overlap_area():
    zones = gpd.GeoDataFrame(
        {"netbeheerder": ["Gasunie", "Liander", "Dunea"], "thema": ["gasHogeDruk", "middenspanning", "water"],
         "eis": ["aanwezigheid", "voorzorg", "voorzorg"], "van_toepassing": [True, True, False]},
        geometry=[box(100, 0, 130, 40), box(0, 10, 50, 30), box(300, 50, 310, 60)], crs=CRS)
    res = run(cables([]), precautions=zones)
    p = res.precautions_touched
    assert p["netbeheerder"].tolist() == ["Gasunie"]  # Liander only touches (y=10)
    assert p["area_m2"].item() == pytest.approx(300.0)
    assert p["eis"].item() == "aanwezigheid" and p["strip"].item() == "werkstrook"


def test_depth_at_crossings_where_known():
    rows = [("a", "water", "Dunea", line((120, -30), (120, 30)), 1.2),
            ("b", "water", "Dunea", line((300, -30), (300, 30)), np.nan)]
    res = run(cables(rows, depth=True))
    d = res.depth
    assert d["gml_id"].tolist() == ["a"]
    assert d["kind"].item() == "crossing"
    assert d["chainage_m"].item() == pytest.approx(120.0)
    assert d["diepte_m"].item() == pytest.approx(1.2)
    nodepth = run(cables(rows))
    assert len(nodepth.depth) == 0 and any("geen dieptekolom" in n for n in nodepth.notes)


# --- areas ----------------------------------------------------------------------------------


def test_runs_and_segments_get_their_municipality():
    areas = gpd.GeoDataFrame({"gemeente": ["Leiden", "Leiderdorp"], "wijk": ["A", "B"]},
                             geometry=[box(-100, -100, 280, 100), box(280, -100, 600, 100)], crs=CRS)
    res = run(cables([("c1", "water", "Dunea", line((300, 3), (420, 3)))]), areas=areas)
    assert res.parallel_runs["gemeente"].tolist() == ["Leiderdorp"]
    assert res.density["gemeente"].tolist() == ["Leiden", "Leiden", "Leiden", "Leiderdorp", "Leiderdorp"]


# --- degenerate input -----------------------------------------------------------------------


def _assert_empty_schema(res: BelowGroundResult) -> None:
    assert len(res.parallel_runs) == 0 and len(res.clearance_violations) == 0
    assert list(res.parallel_runs.columns)[:8] == ["gml_id", "thema", "netbeheerder", "strip", "from_m",
                                                   "to_m", "length_m", "mean_offset_m"]
    assert {"required_m", "min_distance_m", "from_m", "to_m", "length_m"} <= set(res.clearance_violations.columns)
    assert res.parallel_runs.crs == CRS
    assert res.density["n_cables"].sum() == 0
    assert {"thema", "netbeheerder", "parallel_length_m", "n_violations"} <= set(res.totals.columns)


def test_empty_and_far_away_layers_give_empty_results_with_schema():
    _assert_empty_schema(run(cables([])))
    _assert_empty_schema(run(cables([("far", "water", "Dunea", line((50_000, 0), (50_100, 0)))])))


def test_zero_length_and_non_line_geometries_are_dropped_and_noted():
    rows = [("z", "hoogspanning", "TenneT", line((100, 1), (100, 1))),
            ("p", "hoogspanning", "TenneT", shapely.Point(X0 + 100, Y0 + 1))]
    res = run(cables(rows))
    _assert_empty_schema(res)
    assert any("lengte nul bij het tracé weggelaten" in n for n in res.notes)
    assert any("geen lijn zijn" in n for n in res.notes)


def test_bad_input_raises_typed_errors():
    cab = cables([("c1", "water", "Dunea", line((100, 3), (220, 3)))])
    with pytest.raises(WlrGeoInputError, match="thema"):
        run(cab.drop(columns="thema"))
    with pytest.raises(CRSMismatchError):
        run(cab.to_crs(4326))
    with pytest.raises(WlrGeoInputError, match="strip"):
        run(cab, strips=strips().rename(columns={"strip": "name"}))
    with pytest.raises(WlrGeoInputError, match="density_strip"):
        run(cab, density_strip="nope")
    # other column names are accepted
    renamed = cab.rename(columns={"thema": "type", "netbeheerder": "owner", "gml_id": "id"})
    res = run(renamed, thema_column="type", operator_column="owner", id_column="id")
    assert res.parallel_runs["gml_id"].tolist() == ["c1"]


def test_prebuilt_tree_and_inputs_not_mutated():
    cab = cables([("c1", "water", "Dunea", line((100, 3), (220, 3))),
                  ("c2", "hoogspanning", "TenneT", line((150, -40), (160, 40)))])
    before = cab.copy()
    tree = shapely.STRtree(np.asarray(cab.geometry.values))
    a, b = run(cab), run(cab, tree=tree)
    pd.testing.assert_frame_equal(a.totals, b.totals)
    pd.testing.assert_frame_equal(a.density, b.density)
    pd.testing.assert_frame_equal(cab, before)


# --- linear helpers -------------------------------------------------------------------------


def test_linear_helpers():
    ln = shapely.LineString([(0, 0), (100, 0), (100, 100)])
    assert project_chainage(ln, [shapely.Point(50, 5), shapely.Point(120, 50), None]).tolist()[:2] == [50.0, 150.0]
    assert np.isnan(project_chainage(ln, [None])[0])
    lo, hi = chainage_range(ln, [shapely.LineString([(10, 1), (90, -1)])])
    assert (lo[0], hi[0]) == (10.0, 90.0)
    assert local_direction(ln, [0, 99.9, 100.1, 500]).tolist() == [[1, 0], [1, 0], [0, 1], [0, 1]]
    assert segment_edges(250, 100).tolist() == [0, 100, 200, 250]
    cs = cross_sections(ln, [50.0], 5.0)[0]
    assert cs.equals(shapely.LineString([(50, -5), (50, 5)]))
    tree = shapely.STRtree([shapely.Point(i * 10, 0) for i in range(200)])
    long = shapely.LineString([(0, 0), (1990, 0)]).buffer(1)
    assert route_candidates(tree, long, cell_m=50).tolist() == list(range(200))
    seg = parallel_segments(ln, np.array([shapely.LineString([(0, 2), (40, 2), (40, 30)])], dtype=object))
    assert seg.loc[seg["parallel"], "length_m"].sum() == pytest.approx(40.0)
    runs = pd.DataFrame({"gml_id": ["a"], "from_m": [10.0], "to_m": [50.0]})
    assert in_parallel_run(runs, ["a", "a", "b"], [30.0, 60.0, 30.0]).tolist() == [True, False, False]


def _random_shapes(seed: int = 3, n: int = 400):
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(0, 3000, n), rng.uniform(-60, 60, n)
    w = rng.uniform(1, 40, n)
    polys = shapely.box(x, y, x + w, y + w / 2)
    a = rng.uniform(0, np.pi, n)
    lines = shapely.linestrings(np.stack([np.column_stack([x, y]),
                                          np.column_stack([x + 3 * w * np.cos(a), y + 3 * w * np.sin(a)])], 1))
    return np.concatenate([polys, lines, shapely.points(x, y)])


def test_clip_to_polygon_equals_plain_intersection():
    from wlr_geo.analysis.route.linear import clip_to_polygon

    t = np.linspace(0, 3000, 80)
    centre = shapely.LineString(np.column_stack([t, 20 * np.sin(t / 150)]))
    strip = centre.buffer(15)
    geoms = _random_shapes()
    got = clip_to_polygon(geoms, strip, cell_m=100.0)
    want = shapely.intersection(geoms, strip)
    np.testing.assert_allclose(shapely.area(got), shapely.area(want), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(shapely.length(got), shapely.length(want), rtol=1e-9, atol=1e-9)
    assert (shapely.is_empty(got) == shapely.is_empty(want)).all()
    ne = ~shapely.is_empty(want)
    assert (shapely.hausdorff_distance(got[ne], want[ne]) < 1e-6).all()


def test_locate_points_and_distance_match_shapely():
    from wlr_geo.analysis.route.linear import distance_to_line, locate_points

    rng = np.random.default_rng(5)
    zig = shapely.LineString(np.column_stack([np.arange(0, 1000, 50.0), rng.uniform(-40, 40, 20)]))
    pts = rng.uniform([-100, -150], [1100, 150], (500, 2))
    ch, dist, direction = locate_points(zig, pts)
    np.testing.assert_allclose(dist, shapely.distance(zig, shapely.points(pts)), atol=1e-9)
    np.testing.assert_allclose(ch, shapely.line_locate_point(zig, shapely.points(pts)), atol=1e-6)
    np.testing.assert_allclose(np.hypot(direction[:, 0], direction[:, 1]), 1.0)
    geoms = _random_shapes()
    np.testing.assert_allclose(distance_to_line(zig, geoms), shapely.distance(zig, geoms), atol=1e-9)


def test_safe_intersection_survives_a_geos_error(monkeypatch):
    from shapely.errors import GEOSException

    from wlr_geo.analysis.route.linear import safe_intersection

    real = shapely.intersection
    calls = {"n": 0}

    def flaky(a, b, **kw):
        calls["n"] += 1
        if calls["n"] <= 2:
            raise GEOSException("TopologyException: side location conflict")
        return real(a, b, **kw)

    monkeypatch.setattr(shapely, "intersection", flaky)
    notes: list[str] = []
    out = safe_intersection(np.array([shapely.box(0, 0, 2, 2)], dtype=object), shapely.box(1, 1, 3, 3), notes, "t")
    assert out[0].area == pytest.approx(1.0)
    assert notes and "overgeslagen" not in notes[0]


def test_two_threads_share_inputs_without_crashing():
    from concurrent.futures import ThreadPoolExecutor

    cab = cables([(f"c{i}", "water", "Dunea", line((10 * i, -30), (10 * i + 5, 30))) for i in range(40)]
                 + [("p", "hoogspanning", "TenneT", line((0, 3), (400, 3)))])

    def job(_):
        return float(run(cab).totals["cable_length_m"].sum())

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(job, range(20)))
    assert len(set(results)) == 1


@pytest.mark.parametrize("offset", [0.5, 3.0, -7.25])
@pytest.mark.parametrize("length", [20.0, 57.3, 120.0])
def test_parallel_run_has_exact_length_and_offset(offset, length):
    res = run(cables([("c", "water", "Dunea", line((33.3, offset), (33.3 + length, offset)))]),
              clearance_m={"water": 0})
    assert len(res.parallel_runs) == 1
    r = res.parallel_runs.iloc[0]
    assert r["length_m"] == pytest.approx(length)
    assert r["mean_offset_m"] == pytest.approx(abs(offset))
    assert r["to_m"] - r["from_m"] == pytest.approx(length)


def test_nan_coordinates_raise_a_typed_error():
    with np.errstate(invalid="ignore"):
        nan_line = shapely.LineString([(X0 + 10, Y0 + 1), (np.nan, Y0 + 1)])
    cab = cables([("ok", "water", "Dunea", line((0, 1), (100, 1))), ("nan", "water", "Dunea", nan_line)])
    with pytest.raises(WlrGeoInputError, match="NaN"):
        run(cab)
