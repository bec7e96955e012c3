"""Shared fixtures: tiny hand-built layers in RD New whose answers are known by hand."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Polygon, box

from wlr_geo.catalog import embedded_path

#: A point in the centre of Leiden (Pieterskerk), RD New metres.
LEIDEN_RD = (93_700.0, 463_800.0)


@pytest.fixture
def squares() -> gpd.GeoDataFrame:
    """Two 100 m × 100 m squares side by side, ids a and b."""
    return gpd.GeoDataFrame(
        {"id": ["a", "b"]},
        geometry=[box(90_000, 460_000, 90_100, 460_100), box(90_100, 460_000, 90_200, 460_100)],
        crs="EPSG:28992",
    )


@pytest.fixture
def bowtie() -> gpd.GeoDataFrame:
    """One self-intersecting polygon (real area 50 m² per lobe pair) and one valid square."""
    return gpd.GeoDataFrame(
        {"id": ["bow", "ok"]},
        geometry=[
            Polygon([(90_000, 460_000), (90_010, 460_010), (90_010, 460_000), (90_000, 460_010)]),
            box(90_100, 460_000, 90_110, 460_010),
        ],
        crs="EPSG:28992",
    )


@pytest.fixture
def straight_route() -> gpd.GeoDataFrame:
    """A 1 km west–east route."""
    return gpd.GeoDataFrame(
        {"name": ["r"]}, geometry=[LineString([(90_000, 460_000), (91_000, 460_000)])], crs="EPSG:28992"
    )


@pytest.fixture
def boundaries_gpkg():
    return embedded_path("boundaries.gpkg")
