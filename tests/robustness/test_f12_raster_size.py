"""ROBUSTNESS F12, rasters: a cost raster or an exact solve too large for memory is refused before
anything is allocated, in one line that names the option that reduces memory."""

from __future__ import annotations

import numpy as np
import pytest
from affine import Affine

import wlr_geo
from wlr_geo import WlrGeoInputError
from wlr_geo._nl import nl
from wlr_geo.analysis.routing.cost import MAX_CELLS, CostRaster, grid_for_bounds
from wlr_geo.analysis.routing.lcp import least_cost_path
from wlr_geo.catalog import embedded_path


def test_f12_cost_raster_too_large_is_refused_before_allocating() -> None:
    side = 40_000  # the 40,000² raster that raised MemoryError
    with pytest.raises(WlrGeoInputError, match="grotere celgrootte") as err:
        grid_for_bounds((80_000.0, 440_000.0, 80_000.0 + side, 440_000.0 + side), 1.0)
    assert nl(side * side) in str(err.value) and side * side > MAX_CELLS
    assert "\n" not in str(err.value)


def test_f12_route_with_a_tiny_cell_size_names_the_option() -> None:
    with pytest.raises(WlrGeoInputError, match="grotere celgrootte"):
        wlr_geo.route_alternatives(embedded_path("demo.toml"), cell_m=0.05, k=1)


def test_f12_full_solve_beyond_the_memory_allowed_names_coarse_to_fine() -> None:
    cost = np.ones((300, 300), dtype="float32")
    raster = CostRaster(cost, Affine(1.0, 0.0, 80_000.0, 0.0, -1.0, 450_300.0))
    with pytest.raises(WlrGeoInputError, match="coarse-to-fine"):
        least_cost_path(raster, (80_005.0, 450_005.0), (80_295.0, 450_295.0), method="full", max_full_bytes=1_000)
