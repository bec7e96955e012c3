"""ROBUSTNESS section F6–F8: routes that close, cross themselves or double back; crossings next
to parallel runs; areas that nest; ambiguous municipality and variant names.

Every number is checked against an independent computation: a hand-computed answer, a shapely
reference construction per segment (strips), per-segment intersections (lengths per area) or a
plain geopandas ``sjoin`` (the gemeente of a crossing).
"""

from __future__ import annotations

import ast
import itertools
import math
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, Polygon, box

import wlr_geo
from wlr_geo._errors import LayerValidationError
from wlr_geo.analysis.crossings.register import CrossingOptions, find_crossings
from wlr_geo.analysis.impact.areas import nest_areas
from wlr_geo.analysis.impact.below_ground import below_ground_impact
from wlr_geo.analysis.impact.run import run_impact
from wlr_geo.analysis.route.centreline import RouteGeometry, prepare_route, split_by_areas
from wlr_geo.analysis.route.strips import (
    MITRE_LIMIT,
    StripOverride,
    StripSpec,
    make_strips,
    strip_polygon,
)

X0, Y0 = 90_000.0, 460_000.0
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
#: Bounded: each example unions a few dozen polygons; the suite must stay fast.
GEOM_PROFILE = settings(PROFILE, max_examples=min(PROFILE.max_examples, 40))


def rd(geoms, **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols or None, geometry=list(geoms), crs="EPSG:28992")


def _strips(line, spec=None):
    return make_strips(line, spec, crs=28992).set_index("strip")


# ---------------------------------------------------------------- F6: strips (hand-built)

RING = LineString([(X0, Y0), (X0, Y0 + 200), (X0 + 2000, Y0 + 200), (X0 + 2000, Y0), (X0, Y0)])  # clockwise


def test_ring_strip_is_a_band_along_the_ring_not_its_interior():
    s = _strips(RING)
    # clockwise: left (15 m) outside, right (20 m) inside. Outside: 4,400 m × 15 m plus three
    # square mitre corners (the start/end corner has flat ends); inside: the 20 m inner band.
    outside = 4400 * 15 + 3 * 15**2
    inside = 2000 * 200 - 1960 * 160
    assert s.loc["werkstrook", "area_m2"] == pytest.approx(outside + inside, rel=1e-12)
    assert s.loc["werkstrook", "area_m2"] == pytest.approx(153_075.0)
    assert s.loc["belemmeringenstrook", "area_m2"] == pytest.approx(4400 * 5 + 3 * 25 + 400_000 - 1990 * 190)
    # the ring's middle (90 m and 110 m from the long sides) is in neither strip
    assert not s.geometry.intersects(Point(X0 + 1000, Y0 + 110)).any()


def test_counter_clockwise_ring_swaps_the_sides():
    ccw = LineString(list(RING.coords)[::-1])
    # left (15 m) inside, right (20 m) outside
    expected = (2000 * 200 - 1970 * 170) + (4400 * 20 + 3 * 20**2)
    assert _strips(ccw).loc["werkstrook", "area_m2"] == pytest.approx(expected)


def test_objects_90_m_inside_a_ring_are_not_in_the_strips():
    building = box(X0 + 990, Y0 + 100, X0 + 1010, Y0 + 110)  # 90 m from the top side, 100 m from the bottom
    far = gpd.GeoDataFrame({"category": ["building"], "object_id": ["b"], "source_layer": ["pand"]},
                           geometry=[building], crs=28992)
    res = run_impact(rd([RING]), {}, objects=far)
    assert res.affected is not None and len(res.affected) == 0
    assert res.buildings_near is not None and len(res.buildings_near) == 0
    near = far.set_geometry([box(X0 + 990, Y0 + 185, X0 + 1010, Y0 + 195)])  # 5–15 m inside the ring
    res = run_impact(rd([RING]), {}, objects=near)
    assert set(res.affected["strip"]) == {"werkstrook"}  # inside a clockwise ring: the 20 m right side
    assert res.affected["area_m2"].sum() == pytest.approx(200.0)


def test_nearly_closed_ring_keeps_its_gap():
    open_ring = LineString([*list(RING.coords)[:-1], (X0 + 1, Y0)])
    s = _strips(open_ring)
    # the last side ends 1 m short: of its 1 m × 35 m only the 15 m outside is not covered by the
    # first side's inner band
    assert s.loc["werkstrook", "area_m2"] == pytest.approx(153_075.0 - 1 * 15, rel=1e-9)


def test_route_that_doubles_back_has_a_bounded_end_and_both_sides():
    line = LineString([(X0, Y0), (X0 + 1000, Y0), (X0, Y0)])
    s = _strips(line)
    # out: 15 m north, 20 m south; back: 15 m south, 20 m north → 20 m either side, plus at the
    # turn a mitre clipped at MITRE_LIMIT widths: a 40 m × 40 m cap (the 15 m side's lies inside)
    cap = (2 * 20) * (MITRE_LIMIT * 20)
    assert s.loc["werkstrook", "area_m2"] == pytest.approx(1000 * 40 + cap)
    _minx, miny, maxx, maxy = s.loc["werkstrook", "geometry"].bounds
    assert (maxx - X0, maxy - Y0, miny - Y0) == pytest.approx((1040.0, 20.0, -20.0))


def test_sharp_bend_never_reaches_further_than_the_mitre_limit():
    a = math.radians(178)
    line = LineString([(X0, Y0), (X0 + 500, Y0), (X0 + 500 + 500 * math.cos(a), Y0 - 500 * math.sin(a))])
    geom = strip_polygon(line, 20.0, 20.0)
    far = shapely.buffer(line, math.hypot(1, MITRE_LIMIT) * 20 + 1e-6, quad_segs=64)
    assert shapely.contains(far, geom)
    assert not geom.intersects(Point(X0 + 590, Y0))


def test_override_across_a_bend_matches_a_hand_count():
    # east 100 m, then north 100 m (a left turn: the right side is outside); 3 m either side on 50–150
    line = LineString([(X0, Y0), (X0 + 100, Y0), (X0 + 100, Y0 + 100)])
    spec = StripSpec(overrides=(StripOverride(50.0, 150.0, werkstrook_left_m=3.0, werkstrook_right_m=3.0),))
    s = _strips(line, spec)
    # 0–50: 15 + 20 m; 50–100 and 100–150: 3 + 3 m with 9 m² overlap inside and a 9 m² mitre outside;
    # 150–200: 15 + 20 m
    assert s.loc["werkstrook", "area_m2"] == pytest.approx(50 * 35 + (300 - 9) + (300 + 9) + 50 * 35)
    assert s.loc["werkstrook", "n_ranges"] == 3


# ---------------------------------------------------------------- F6: strips (property)

def _half_plane(v, d, c, reach):
    """{p : (p − v)·d ≤ c} within ``reach`` of ``v`` (``d`` a unit vector)."""
    t = np.array([-d[1], d[0]])
    base = v + c * d
    return Polygon([base + reach * t, base - reach * t, v - reach * d - reach * t, v - reach * d + reach * t])


def _reference_strip(coords, left, right):
    """Independent construction: GEOS single-sided buffers of each segment on its own, and at each
    bend the join on the outer side built from half-planes (ahead of the first segment, behind
    the second, within the width of both offset lines, and within the mitre limit)."""
    xy = np.asarray(coords, dtype=float)
    keep = np.r_[True, np.hypot(*np.diff(xy, axis=0).T) > 0]
    xy = xy[keep]
    pieces = []
    for a, b in itertools.pairwise(xy):
        seg = LineString([a, b])
        if left > 0:
            pieces.append(shapely.buffer(seg, left, single_sided=True))
        if right > 0:
            pieces.append(shapely.buffer(seg, -right, single_sided=True))
    for k in range(1, len(xy) - 1):
        v = xy[k]
        u1 = (xy[k] - xy[k - 1]) / np.hypot(*(xy[k] - xy[k - 1]))
        u2 = (xy[k + 1] - xy[k]) / np.hypot(*(xy[k + 1] - xy[k]))
        cross = u1[0] * u2[1] - u1[1] * u2[0]
        for side, w in ((1, left), (-1, right)):
            reversal = abs(cross) <= 1e-12 and float(u1 @ u2) < 0
            if w <= 0 or not (side * cross < -1e-12 or reversal):
                continue
            m1 = side * np.array([-u1[1], u1[0]])
            m2 = side * np.array([-u2[1], u2[0]])
            bis = m1 + m2
            bis = bis / np.hypot(*bis) if np.hypot(*bis) > 1e-12 else u1
            reach = 10 * MITRE_LIMIT * w
            region = _half_plane(v, -u1, 0.0, reach)
            for d, c in ((u2, 0.0), (m1, w), (m2, w), (bis, MITRE_LIMIT * w)):
                region = region.intersection(_half_plane(v, d, c, reach))
            pieces.append(region)
    return shapely.union_all(pieces)


@GEOM_PROFILE
@given(
    st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), min_size=2, max_size=9),
    st.sampled_from([0.0, 1.5, 5.0, 12.0, 20.0]),
    st.sampled_from([0.0, 2.5, 5.0, 15.0]),
)
def test_strip_area_equals_a_per_segment_reference(points, left, right):
    """Random routes — closing, self-crossing, doubling back (grid vertices make exact
    reversals and collinear overlaps likely) — against the independent construction."""
    coords = [(X0 + 10.0 * x, Y0 + 10.0 * y) for x, y in points]
    line = LineString(coords)
    if line.length <= 0 or left + right <= 0:
        return
    xy = np.asarray(coords)
    line = LineString(xy[np.r_[True, np.hypot(*np.diff(xy, axis=0).T) > 0]])
    got = strip_polygon(line, left, right)
    ref = _reference_strip(coords, left, right)
    assert got.area == pytest.approx(ref.area, rel=1e-9, abs=1e-6)
    assert shapely.symmetric_difference(got, ref).area <= 1e-6 * max(ref.area, 1.0)
    # never further from the centreline than the clipped mitre allows
    reach = math.hypot(1, MITRE_LIMIT) * max(left, right)
    assert shapely.contains(shapely.buffer(line, reach * 1.001 + 1e-6, quad_segs=64), got)


# ---------------------------------------------------------------- F6: split per area

def _two_halves(cut_x):
    return rd([box(X0 - 10, Y0 - 500, X0 + cut_x, Y0 + 500), box(X0 + cut_x, Y0 - 500, X0 + 1100, Y0 + 500)],
              gm_naam=["West", "Oost"])


SELF_CROSSING = LineString([(X0, Y0), (X0 + 1000, Y0), (X0 + 1000, Y0 + 100), (X0 + 600, Y0 + 100),
                            (X0 + 400, Y0 - 100), (X0, Y0 - 100)])  # crosses itself at (500, 0), on the border


def test_self_crossing_on_a_border_splits_on_both_passes():
    out = split_by_areas(SELF_CROSSING, _two_halves(500), name_column="gm_naam")
    diag = math.hypot(100, 100)  # (600, 100) → (500, 0)
    assert out["gm_naam"].tolist() == ["West", "Oost", "West"]
    assert out["to_m"].tolist() == pytest.approx([500.0, 1500.0 + diag, SELF_CROSSING.length])
    assert out.geometry.length.tolist() == pytest.approx(out["length_m"].tolist())


def test_per_gemeente_lengths_with_a_self_crossing_on_the_border():
    cable = rd([LineString([(X0 + 450, Y0 - 200), (X0 + 450, Y0 + 200)])], thema=["water"], gml_id=["w"])
    res = run_impact(rd([SELF_CROSSING]), {"klic": cable}, municipalities=_two_halves(500))
    pg = res.per_gemeente.set_index("gemeente")["length_m"]
    # reference: per segment, the length inside each polygon
    gm = _two_halves(500)
    segs = [LineString(p) for p in zip(SELF_CROSSING.coords[:-1], SELF_CROSSING.coords[1:], strict=True)]
    for name, poly in zip(gm["gm_naam"], gm.geometry, strict=True):
        assert pg[name] == pytest.approx(sum(s.intersection(poly).length for s in segs))
    assert res.variants["n_gemeenten"].tolist() == [2]
    # the cable is crossed twice (once per pass), both in West
    assert res.crossings["gemeente"].tolist() == ["West", "West"]
    assert res.crossings["chainage_m"].tolist() == pytest.approx([450.0, 1500 + math.hypot(150, 150)])


@GEOM_PROFILE
@given(
    st.lists(st.tuples(st.integers(0, 100), st.integers(0, 100)), min_size=2, max_size=10),
    st.lists(st.integers(5, 95), min_size=1, max_size=3, unique=True),
)
def test_lengths_per_area_follow_the_segments(points, cuts):
    """Sum per area = route length, and each area's length = the per-segment intersection length
    (self-crossing, doubling-back and boundary-hugging routes included)."""
    coords = [(X0 + 10.0 * x, Y0 + 10.0 * y) for x, y in points]
    line = LineString(coords)
    if line.length <= 0:
        return
    edges = [-1, *sorted(10 * c for c in cuts), 1001]
    areas = rd([box(X0 + a, Y0 - 1, X0 + b, Y0 + 1001) for a, b in itertools.pairwise(edges)],
               n=[f"A{i}" for i in range(len(edges) - 1)])
    xy = np.asarray(coords)
    line = LineString(xy[np.r_[True, np.hypot(*np.diff(xy, axis=0).T) > 0]])
    out = split_by_areas(line, areas, name_column="n")
    assert out["length_m"].sum() == pytest.approx(line.length, rel=1e-9, abs=1e-6)
    assert np.all(np.diff(out["from_m"]) > 0)
    got = out.groupby("n")["length_m"].sum()
    segs = shapely.linestrings(np.stack([xy[:-1], xy[1:]], axis=1))
    for name, poly in zip(areas["n"], areas.geometry, strict=True):
        # a segment on a shared border counts for the area the route holds there (either side):
        # compare the sum over both neighbours where the route runs along a border
        ref = float(shapely.length(shapely.intersection(segs, shapely.buffer(poly, -1e-9))).sum())
        border = float(shapely.length(shapely.intersection(segs, poly.boundary)).sum())
        assert ref - 1e-6 <= got.get(name, 0.0) <= ref + border + 1e-6


# ---------------------------------------------------------------- F7: crossings next to parallel runs

ROUTE = LineString([(X0, Y0), (X0 + 1000, Y0)])


def test_cable_beside_the_route_then_crossing_square_on_keeps_its_crossing():
    cable = LineString([(X0 + 200, Y0 + 1), (X0 + 300, Y0 + 1), (X0 + 300, Y0 - 20)])
    cr, runs = find_crossings(ROUTE, rd([cable], thema=["laagspanning"], gml_id=["c"]))
    assert runs["object_id"].tolist() == ["c"]
    assert runs["from_m"].iloc[0] == pytest.approx(200.0)
    assert runs["n_crossings_folded"].tolist() == [0]
    assert cr["chainage_m"].tolist() == pytest.approx([300.0])
    assert cr["angle_deg"].tolist() == pytest.approx([90.0])
    assert cr["n_merged"].tolist() == [1]


def test_cable_changing_sides_inside_its_run_is_a_crossing_only_when_steep():
    steep = LineString([(X0 + 100, Y0 + 1), (X0 + 200, Y0 + 1), (X0 + 200 + 2 / math.tan(math.radians(60)), Y0 - 1),
                        (X0 + 300, Y0 - 1)])
    shallow = LineString([(X0 + 500, Y0 + 1), (X0 + 600, Y0 + 1), (X0 + 620, Y0 - 1), (X0 + 700, Y0 - 1)])
    cr, runs = find_crossings(ROUTE, rd([steep, shallow], thema=["water"] * 2, gml_id=["steep", "shallow"]))
    assert cr["object_id"].tolist() == ["steep"]
    assert cr["angle_deg"].tolist() == pytest.approx([60.0])
    folded = runs.set_index("object_id")["n_crossings_folded"]
    assert folded["steep"] == 0 and folded["shallow"] == 1


@pytest.mark.parametrize("merge_m", [0.0, 5.0])
def test_cable_through_a_route_vertex_is_one_crossing(merge_m):
    route = LineString([(X0, Y0), (X0 + 100, Y0), (X0 + 100, Y0 + 100)])
    cable = LineString([(X0 + 90, Y0 - 10), (X0 + 110, Y0 + 10)])
    cr, _ = find_crossings(route, rd([cable], thema=["water"], gml_id=["w"]),
                           options=CrossingOptions(merge_distance_m=merge_m))
    assert cr["n_merged"].tolist() == [1]
    assert cr["chainage_m"].tolist() == pytest.approx([100.0])


def test_two_links_of_one_cable_meeting_on_the_route_are_one_crossing():
    links = [LineString([(X0 + 400, Y0 - 10), (X0 + 400, Y0)]), LineString([(X0 + 400, Y0), (X0 + 400, Y0 + 10)])]
    cr, _ = find_crossings(ROUTE, rd(links, thema=["gas"] * 2, gml_id=["g", "g"]))
    assert cr["n_merged"].tolist() == [1]
    assert len(cr) == 1


def test_depth_table_agrees_with_the_register_on_a_crossing_leaving_a_run():
    cable = rd([LineString([(X0 + 200, Y0 + 1), (X0 + 300, Y0 + 1), (X0 + 300, Y0 - 20)])],
               thema=["laagspanning"], netbeheerder=["Liander"], gml_id=["c"], diepte_m=[0.8])
    strips = make_strips(ROUTE, crs=28992)
    res = below_ground_impact(ROUTE, strips, cable)
    crossing = res.depth[res.depth["kind"] == "crossing"]
    assert crossing["chainage_m"].tolist() == pytest.approx([300.0])
    assert len(res.parallel_runs) >= 1


# ---------------------------------------------------------------- areas nest (issue 18)

def _disagreeing_layers():
    """Municipalities A (x < 500) and B (x ≥ 500); wijk W1 of A reaches 100 m into B, wijk W2 of
    B starts only at x = 650, so 500–650 lies in B but in none of B's wijken."""
    gm = rd([box(X0 - 50, Y0 - 300, X0 + 500, Y0 + 300), box(X0 + 500, Y0 - 300, X0 + 1050, Y0 + 300)],
            gm_naam=["A", "B"], gm_code=["GM0001", "GM0002"])
    wk = rd([box(X0 - 50, Y0 - 300, X0 + 600, Y0 + 300), box(X0 + 650, Y0 - 300, X0 + 1050, Y0 + 300)],
            wk_naam=["W1", "W2"], gm_naam=["A", "B"], gm_code=["GM0001", "GM0002"])
    return gm, wk


def _check_booked_by_polygon(crossings, gm):
    """Every crossing is booked to the gemeente whose polygon contains it (plain sjoin)."""
    pts = crossings[["gemeente", "geometry"]].reset_index(drop=True)
    within = gpd.sjoin(pts, gm[["gm_naam", "geometry"]], predicate="within", how="left")
    inside = within["gm_naam"].notna()
    assert (within.loc[inside, "gemeente"] == within.loc[inside, "gm_naam"]).all()
    # points not strictly inside: outside every polygon, or on a border of the one they are booked to
    for i in within.index[~inside]:
        p = pts.geometry.iloc[i]
        touching = set(gm.loc[gm.geometry.intersects(p), "gm_naam"])
        assert pts["gemeente"].iloc[i] in (touching or {"(buiten gemeenten)"})


def test_gemeente_comes_from_municipalities_and_wijk_only_within_its_gemeente():
    gm, wk = _disagreeing_layers()
    cables = rd([LineString([(X0 + x, Y0 - 50), (X0 + x, Y0 + 50)]) for x in (300, 550, 620, 800)],
                thema=["water"] * 4, gml_id=["c300", "c550", "c620", "c800"])
    route = rd([LineString([(X0, Y0), (X0 + 1000, Y0)])])
    res = run_impact(route, {"klic": cables}, municipalities=gm, wijken=wk)
    cr = res.crossings
    assert cr["gemeente"].tolist() == ["A", "B", "B", "B"]
    assert cr["wijk"].tolist() == ["W1", "", "", "W2"]  # W1 is never booked under B
    _check_booked_by_polygon(cr, gm)
    assert res.segments[["gemeente", "wijk"]].values.tolist() == [["A", "W1"], ["B", ""], ["B", "W2"]]
    assert res.segments["to_m"].tolist() == pytest.approx([500.0, 650.0, 1000.0])
    pw = res.per_wijk.set_index(["gemeente", "wijk"])["length_m"]
    assert pw.to_dict() == pytest.approx({("A", "W1"): 500.0, ("B", ""): 150.0, ("B", "W2"): 350.0})
    pg = res.per_gemeente.set_index("gemeente")
    assert pg["length_m"].to_dict() == pytest.approx({"A": 500.0, "B": 500.0})
    assert pg["n_crossings"].to_dict() == {"A": 1, "B": 3}
    # the disagreement is reported once, with its area and the route length concerned
    notes = [n for n in res.notes if "spreken elkaar tegen" in n]
    assert len(notes) == 1
    assert "0,060 km² wijkoppervlak" in notes[0] and "0,090 km² gemeenteoppervlak" in notes[0]
    assert "route: 150 m" in notes[0]


def _pairs(nested):
    return np.array([[g, None if pd.isna(w) else w] for g, w in zip(nested.frame["gemeente"], nested.frame["wijk"],
                                                                   strict=True)], dtype=object)


def test_wijk_matched_by_code_by_name_or_by_overlap():
    gm, wk = _disagreeing_layers()
    by_code = wk.assign(gm_naam=["a typo", "B"])  # the code decides
    assert _pairs(nest_areas(gm, by_code))[:, 1].tolist() == ["W1", "W2", None]
    by_name = wk.drop(columns="gm_code")
    assert nest_areas(gm, by_name).frame["gemeente"].tolist() == ["A", "B", "B"]
    by_overlap = wk.drop(columns=["gm_code", "gm_naam"])
    nested = nest_areas(gm, by_overlap)
    assert _pairs(nested).tolist() == [["A", "W1"], ["B", "W2"], ["B", None]]
    assert nested.frame.area.tolist() == pytest.approx([550 * 600, 400 * 600, 150 * 600])
    assert nested.wijk_outside_m2 == pytest.approx(100 * 600)
    assert nested.uncovered_m2 == pytest.approx(150 * 600)


def test_outside_every_municipality_is_not_a_municipality():
    gm, _ = _disagreeing_layers()
    route = rd([LineString([(X0 - 200, Y0), (X0 + 400, Y0)]), LineString([(X0 + 2000, Y0), (X0 + 2100, Y0)])],
               variant=["in en uit", "buiten"])
    res = run_impact(route, {}, municipalities=gm, variant_column="variant")
    v = res.variants.set_index("variant")
    assert v.loc["in en uit", "n_gemeenten"] == 1
    assert v.loc["buiten", "n_gemeenten"] == 0
    pg = res.per_gemeente.set_index(["variant", "gemeente"])["length_m"]
    assert pg[("in en uit", "(buiten gemeenten)")] == pytest.approx(150.0)
    assert pg[("in en uit", "A")] == pytest.approx(450.0)


def _demo_inputs():
    from wlr_geo.catalog import embedded_path
    from wlr_geo.config import load_config
    from wlr_geo.workflows.impact import prepare

    return prepare(load_config(embedded_path("demo.toml")))


@pytest.mark.slow
def test_embedded_data_every_crossing_and_stretch_in_its_municipality():
    kwargs = _demo_inputs()
    res = run_impact(**kwargs)
    gm, wk = kwargs["municipalities"], kwargs["wijken"]
    assert len(res.crossings) >= 20
    _check_booked_by_polygon(res.crossings, gm)
    # per gemeente: the length of the route inside each polygon (per segment), outside: the rest
    union = shapely.union_all(gm.geometry.values)
    for variant, line in zip(res.routes["variant"], res.routes.geometry, strict=True):
        xy = shapely.get_coordinates(line)
        segs = shapely.linestrings(np.stack([xy[:-1], xy[1:]], axis=1))
        got = res.per_gemeente[res.per_gemeente["variant"] == variant].set_index("gemeente")["length_m"]
        for name, poly in zip(gm["gm_naam"], gm.geometry, strict=True):
            ref = float(shapely.length(shapely.intersection(segs, poly)).sum())
            assert got.get(name, 0.0) == pytest.approx(ref, abs=1e-3)
        outside = float(shapely.length(shapely.difference(segs, union)).sum())
        assert got.get("(buiten gemeenten)", 0.0) == pytest.approx(outside, abs=1e-3)
        n_gm = int((got.drop("(buiten gemeenten)", errors="ignore") > 0).sum())
        assert res.variants.set_index("variant").loc[variant, "n_gemeenten"] == n_gm
    # a wijk is only ever booked under its own gemeente
    own = set(zip(wk["gm_naam"], wk["wk_naam"], strict=True))
    pairs = set(zip(res.segments["gemeente"], res.segments["wijk"], strict=True))
    assert {p for p in pairs if p[1]} <= own
    assert sum("spreken elkaar tegen" in n for n in res.notes) == 1


# ---------------------------------------------------------------- F8: ambiguous names and polygons

def _gm(names, geoms=None, **cols):
    geoms = geoms or [box(X0 - 50 + 550 * i, Y0 - 300, X0 + 500 + 550 * i, Y0 + 300) for i in range(len(names))]
    return rd(geoms, gm_naam=names, **cols)


ROUTE_GDF = rd([LineString([(X0, Y0), (X0 + 1000, Y0)])])


@pytest.mark.parametrize("bad", [None, np.nan, "  "])
def test_municipality_without_a_name_is_an_error_naming_the_feature(bad):
    with pytest.raises(LayerValidationError) as exc:
        run_impact(ROUTE_GDF, {}, municipalities=_gm(["A", bad]))
    text = str(exc.value)
    assert exc.value.layer == "municipalities" and exc.value.feature == "1" and exc.value.hint
    assert "zonder naam in kolom 'gm_naam'" in text and exc.value.hint in text
    assert "laag 'municipalities'" in text and "object 1" in text and "oplossing:" in text
    assert "\n" not in text


def test_one_name_with_two_codes_is_an_error_but_parts_of_one_are_merged():
    geoms = [box(X0 - 50, Y0 - 300, X0 + 500, Y0 + 300), box(X0 + 500, Y0 - 300, X0 + 1050, Y0 + 300)]
    with pytest.raises(LayerValidationError, match="aan 2 verschillende gebieden gegeven"):
        run_impact(ROUTE_GDF, {}, municipalities=_gm(["A", "A"], geoms, gm_code=["GM1", "GM2"]))
    res = run_impact(ROUTE_GDF, {}, municipalities=_gm(["A", "A"], geoms, gm_code=["GM1", "GM1"]))
    assert res.per_gemeente["gemeente"].tolist() == ["A"]
    assert res.per_gemeente["n_stretches"].tolist() == [1]
    assert any("gelden als delen van één gebied" in n for n in res.notes)


def test_overlapping_municipalities_are_an_error_slivers_are_counted_once():
    overlap = [box(X0 - 50, Y0 - 300, X0 + 520, Y0 + 300), box(X0 + 500, Y0 - 300, X0 + 1050, Y0 + 300)]
    with pytest.raises(LayerValidationError) as exc:
        run_impact(ROUTE_GDF, {}, municipalities=_gm(["A", "B"], overlap))
    assert "'A' en 'B' overlappen over 12.000 m²" in str(exc.value) and "object 0, 1" in str(exc.value)
    sliver = [box(X0 - 50, Y0 - 300, X0 + 500.001, Y0 + 300), box(X0 + 500, Y0 - 300, X0 + 1050, Y0 + 300)]
    res = run_impact(ROUTE_GDF, {}, municipalities=_gm(["B", "A"], sliver))
    pg = res.per_gemeente.set_index("gemeente")["length_m"]
    assert pg.sum() == pytest.approx(1000.0)
    assert pg["B"] == pytest.approx(500.0, abs=2e-3)
    assert any("eenmaal geteld, in het gebied dat op naam eerst komt" in n for n in res.notes)


@pytest.mark.parametrize("bad", [None, np.nan, ""])
def test_route_part_without_a_variant_is_an_error_never_a_variant_nan(bad):
    route = rd([LineString([(X0, Y0), (X0 + 100, Y0)]), LineString([(X0, Y0 + 50), (X0 + 100, Y0 + 50)])],
               variant=["A", bad])
    with pytest.raises(LayerValidationError) as exc:
        prepare_route(route, variant_column="variant")
    assert "zonder waarde in de variantkolom 'variant'" in str(exc.value)
    assert exc.value.feature == "1"
    assert "object 1" in str(exc.value)


def test_cli_reports_ambiguous_inputs_in_one_line(tmp_path):
    from wlr_geo.cli.main import cli

    route = rd([LineString([(X0, Y0), (X0 + 1000, Y0)]), LineString([(X0, Y0 + 50), (X0 + 900, Y0 + 50)])],
               variant=["A", None])
    route.to_file(tmp_path / "route.gpkg")
    _gm(["A", "B"], [box(X0 - 50, Y0 - 300, X0 + 520, Y0 + 300),
                      box(X0 + 500, Y0 - 300, X0 + 1050, Y0 + 300)]).to_file(tmp_path / "gm.gpkg")
    cfg = tmp_path / "p.toml"
    cfg.write_text('[layers.route]\nfile = "route.gpkg"\n[layers.municipalities]\nfile = "gm.gpkg"\n'
                   '[route]\nvariant_column = "variant"\n', encoding="utf-8")
    r = CliRunner().invoke(cli, ["impact", str(cfg), "-o", str(tmp_path / "out"), "--no-xlsx"])
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output and "variant" in r.output
    route.assign(variant=["A", "B"]).to_file(tmp_path / "route.gpkg")
    r = CliRunner().invoke(cli, ["impact", str(cfg), "-o", str(tmp_path / "out"), "--no-xlsx"])
    assert r.exit_code == 2, r.output
    assert "overlap" in r.output and "municipalities" in r.output and "Traceback" not in r.output


# ---------------------------------------------------------------- issue 13: one centreline model

def test_crossing_kernels_do_not_import_the_register():
    src = Path(wlr_geo.__file__).parent / "analysis" / "crossings" / "kernels.py"
    names = set()
    for node in ast.walk(ast.parse(src.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    assert "wlr_geo.analysis.crossings.register" not in names


def test_impact_markers_carry_what_maps_need():
    route = rd([LineString([(X0, Y0), (X0 + 700, Y0), (X0 + 700, Y0 + 800)])])
    res = run_impact(route, {})
    m = res.markers
    assert set(m.columns) == {"variant", "chainage_m", "label", "major", "geometry"}
    assert m.crs.to_epsg() == 28992
    assert m["chainage_m"].tolist() == pytest.approx(list(np.arange(0, 1501, 100.0)))
    assert m.loc[m["major"], "label"].tolist() == ["km 0,0", "km 1,0"]
    line = res.routes.geometry.iloc[0]
    assert shapely.distance(line, m.geometry.values).max() < 1e-9
    rg = RouteGeometry.of(line)
    np.testing.assert_allclose(shapely.get_coordinates(m.geometry.values), rg.xy_at(m["chainage_m"].to_numpy()))
    assert m.geometry.iloc[10].coords[0] == pytest.approx((X0 + 700, Y0 + 300))


def test_route_comparison_uses_the_impact_strips():
    from wlr_geo.analysis.routing.lcp import compare_variants

    routes = rd([RING, SELF_CROSSING], rank=[1, 2], cost=[1.0, 2.0], length_m=[RING.length, SELF_CROSSING.length])
    own = compare_variants(routes, {}, use_impact=False)
    with_impact = compare_variants(routes, {})
    expected = [make_strips(g).set_index("strip").loc["werkstrook", "area_m2"] for g in (RING, SELF_CROSSING)]
    assert own["strip_area_m2"].tolist() == pytest.approx(expected, abs=0.1)
    assert with_impact["area_m2_werkstrook"].tolist() == pytest.approx(expected)
    narrow = compare_variants(routes, {}, use_impact=False, width_m=10)
    assert narrow["strip_area_m2"].iloc[0] == pytest.approx(
        strip_polygon(RING, 5.0, 5.0).area, abs=0.1)
    assert compare_variants(routes, {}, width_m=10)["area_m2_werkstrook"].tolist() == pytest.approx(
        narrow["strip_area_m2"].tolist(), abs=0.1)


def test_routes_that_cross_themselves_keep_prepare_notes_and_chainage():
    out = prepare_route(rd([SELF_CROSSING]))
    assert any("kruist zichzelf" in n for n in out.attrs["notes"])
    rg = RouteGeometry.of(out.geometry.iloc[0])
    # the self-crossing point has one chainage per pass
    ch = rg.meeting_chainages([Point(X0 + 500, Y0)])
    assert ch.tolist() == pytest.approx([500.0, 1500 + math.hypot(100, 100)])
    pd.testing.assert_series_equal(pd.Series(rg.vertex_chainage[:2]), pd.Series([0.0, 1000.0]))
