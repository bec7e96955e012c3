"""ImpactResult.analysed_classes: per crossing class, whether a layer was given (issue 18, item 6)."""

from __future__ import annotations

import geopandas as gpd
from shapely.geometry import LineString, box

from wlr_geo.analysis.impact.run import ANALYSED_CLASSES, analysed_classes, run_impact

RD = "EPSG:28992"


def _route() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"variant": ["A"]}, geometry=[LineString([(90_000, 460_000), (91_000, 460_000)])], crs=RD)


def test_classes_come_from_the_layers_given():
    roads = gpd.GeoDataFrame({"category": ["local_road", "cycle_path", None]},
                             geometry=[LineString([(90_500, 459_000), (90_500, 461_000)])] * 3, crs=RD)
    cables = gpd.GeoDataFrame({"thema": ["water"], "gml_id": ["c1"]},
                              geometry=[LineString([(90_200, 459_000), (90_200, 461_000)])], crs=RD)
    ditch = gpd.GeoDataFrame(geometry=[box(90_700, 459_500, 90_710, 460_500)], crs=RD)  # class from its name
    empty_rail = gpd.GeoDataFrame({"category": []}, geometry=gpd.GeoSeries([], crs=RD))  # given, but empty
    res = run_impact(_route(), {"wegen": roads, "sloten_water": ditch, "spoorlijnen": empty_rail}, cables=cables)
    # hand-built answer: roads (categories), water (name), rail (empty layer, by name), cable_pipe (KLIC thema),
    # and "other" for the road layer's missing category
    assert res.analysed_classes == {"road": True, "rail": True, "water": True, "cable_pipe": True,
                                    "green": False, "building": False, "other": True}
    assert res.summary()["analysed_classes"] == res.analysed_classes
    # the counts agree: an analysed class with crossings has them, a class not analysed has none
    found = set(res.crossings["object_class"])
    assert found <= {c for c, done in res.analysed_classes.items() if done}
    assert {"road", "water", "cable_pipe"} <= found


def test_nothing_given_means_nothing_analysed():
    res = run_impact(_route())
    assert res.analysed_classes == dict.fromkeys(ANALYSED_CLASSES, False)
    assert list(analysed_classes({})) == list(ANALYSED_CLASSES)
