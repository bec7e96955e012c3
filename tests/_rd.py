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


def random_segments(rng: Any, n: int, *, max_length: float = 300.0) -> Any:
    """``n`` straight two-point lines (5 m to ``max_length`` long, any direction) spread over the
    box around the test route of the big-layer tests (RD 78–90 km × 448–455 km). Draws from
    ``rng`` in a fixed order, so a seed always gives the same lines."""
    import numpy as np
    import shapely

    x0 = rng.uniform(78_000, 90_000, n)
    y0 = rng.uniform(448_000, 455_000, n)
    ang = rng.uniform(0, np.pi, n)
    length = rng.uniform(5, max_length, n)
    return shapely.linestrings(np.stack([np.column_stack([x0, y0]),
                                         np.column_stack([x0 + length * np.cos(ang), y0 + length * np.sin(ang)])],
                                        axis=1))
