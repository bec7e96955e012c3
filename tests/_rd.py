"""Shared helpers of the tests that build small layers by hand in RD New (EPSG:28992)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import geopandas as gpd

#: An origin near Leiden for hand-built cases (RD metres).
X0, Y0 = 90_000.0, 460_000.0


def rd_frame(geoms: Iterable[Any], **cols: Any) -> gpd.GeoDataFrame:
    """A GeoDataFrame in EPSG:28992 of ``geoms`` with the columns ``cols``."""
    return gpd.GeoDataFrame(cols or None, geometry=list(geoms), crs="EPSG:28992")
