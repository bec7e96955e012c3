"""Result frames work with GeoDataFrame.explore() (folium + mapclassify are dependencies)."""

from __future__ import annotations

import geopandas as gpd
from _rd import X0, Y0, rd_frame
from shapely.geometry import LineString, box

from wlr_geo.analysis.impact.run import run_impact


def test_explore_on_every_result_frame() -> None:
    route = rd_frame([LineString([(X0, Y0), (X0 + 1000, Y0)])])
    cables = rd_frame([LineString([(X0 + x, Y0 - 50), (X0 + x, Y0 + 50)]) for x in (200, 500, 800)],
                      thema=["water", "gasLageDruk", "datatransport"], netbeheerder=["Dunea", "Stedin", "KPN"],
                      gml_id=["c1", "c2", "c3"])
    gm = rd_frame([box(X0 - 100, Y0 - 500, X0 + 1100, Y0 + 500)], gm_naam=["A"])
    result = run_impact(route, {"klic": cables}, municipalities=gm)
    assert len(result.crossings) == 3
    frames = {name: value for name, value in vars(result).items() if isinstance(value, gpd.GeoDataFrame)}
    assert "crossings" in frames
    for name, frame in frames.items():
        if len(frame) == 0:
            continue
        m = frame.explore()
        html = m.get_root().render()
        assert "L.map" in html, name
    # a numeric column classified into bins needs mapclassify
    m = result.crossings.explore(column="chainage_m", scheme="EqualInterval", k=3)
    assert "L.map" in m.get_root().render()

