"""PNG figures (wlr_geo.present.figures) drawn in the style source's colours."""

from __future__ import annotations

import io

import geopandas as gpd
import matplotlib.image as mpimg
import numpy as np
import pytest
from shapely.geometry import LineString, Point, box

from wlr_geo.present import styles as st
from wlr_geo.present.figures import (
    FigureLayer,
    _nice_length,
    municipality_figure,
    standard_layers,
    styled_layer,
)

RD = "EPSG:28992"


def _pixels(png: bytes) -> np.ndarray:
    img = mpimg.imread(io.BytesIO(png), format="png")
    return np.round(img[..., :3] * 255).astype(int).reshape(-1, 3)


def _count(pixels: np.ndarray, hex_colour: str, tol: int = 6, alpha: float = 1.0) -> int:
    """Pixels of ``hex_colour`` drawn with ``alpha`` over white."""
    rgb = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]) * alpha + 255 * (1 - alpha)
    return int((np.abs(pixels - rgb).max(axis=1) <= tol).sum())


ROUTE_ALPHA = st.symbol("route").opacity


@pytest.fixture
def frames():
    gm = gpd.GeoDataFrame({"gm_naam": ["Testdorp"]}, geometry=[box(90_000, 460_000, 95_000, 464_000)], crs=RD)
    routes = gpd.GeoDataFrame({"variant": ["Variant A", "Variant B"]},
                              geometry=[LineString([(90_500, 460_500), (94_500, 463_500)]),
                                        LineString([(90_500, 463_500), (94_500, 460_500)])], crs=RD)
    claims = gpd.GeoDataFrame({"facility_type": ["buffer_opslag"]}, geometry=[box(92_000, 461_000, 92_400, 461_300)], crs=RD)
    crossings = gpd.GeoDataFrame({"object_class": ["rail"]}, geometry=[Point(92_500, 462_000)], crs=RD)
    return gm, routes, claims, crossings


def test_variants_claims_and_crossings_in_their_colours(frames):
    gm, routes, claims, crossings = frames
    layers = standard_layers(routes=routes, claims=claims, crossings=crossings, indicative=True)
    assert list(layers) == ["claims", "tracé", "kruisingen"]
    png = municipality_figure(gm, layers, title="Gemeente Testdorp", dpi=100)
    px = _pixels(png)
    entries = st.variant_entries(["Variant A", "Variant B"])
    assert _count(px, entries["Variant A"].color, alpha=ROUTE_ALPHA) > 200  # each variant in its own colour
    assert _count(px, entries["Variant B"].color, alpha=ROUTE_ALPHA) > 100  # (dashed: fewer pixels)
    assert _count(px, st.palette("crossing_class").entry("rail").fill_color) > 20
    assert _count(px, "#de77ae", tol=40) > 50  # buffer/opslag fill (semi-transparent over white)


def test_a_variant_keeps_its_colour_when_drawn_alone(frames):
    gm, routes, *_ = frames
    only_b = routes[routes["variant"] == "Variant B"]
    layer = styled_layer("impact", "routes", only_b, variants=["Variant A", "Variant B"])
    assert layer.renderer is not None and [c.style.color for c in layer.renderer.classes] == ["#2166ac"]
    png = municipality_figure(gm, {"r": (only_b, layer)}, title="t", dpi=80)
    px = _pixels(png)
    assert _count(px, "#2166ac", alpha=ROUTE_ALPHA) > 50 and _count(px, "#b2182b", alpha=ROUTE_ALPHA) == 0


def test_resolution_scale_bar_and_plain_layers(frames):
    gm, routes, *_ = frames
    png = municipality_figure(gm, {"r": (routes, FigureLayer("tracé", color="#00ff00", linewidth=2))}, title="t")
    img = mpimg.imread(io.BytesIO(png), format="png")
    assert img.shape[1] >= 1400  # 200 dpi by default on an A4-wide figure
    assert _count(_pixels(png), "#00ff00") > 100  # plain FigureLayers still work
    assert _nice_length(12_000) == 2000 and _nice_length(5_200) == 1000 and _nice_length(600) == 100
