"""The ``[routing]`` options of the least-cost route alternatives.

Built and checked by :mod:`wlr_geo.config` from the ``[routing]`` table (every key below, the
cost-table keys resolved into a :class:`~wlr_geo.analysis.routing.cost.CostTable`); used by
:mod:`wlr_geo.workflows.routing` with :func:`~wlr_geo.analysis.routing.cost.build_cost_raster`
and :func:`~wlr_geo.analysis.routing.lcp.k_alternatives`. A new option is a new field made with
:func:`wlr_geo._options.option`: the config reader, ``wlr-geo validate`` and the generated
config reference pick it up without further code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wlr_geo._errors import Problem
from wlr_geo._options import MAX_DISTANCE_M, MAX_WIDTH_M, object_problems, option, raise_problems
from wlr_geo.analysis.routing.cost import CostTable

__all__ = ["METHODS", "RoutingOptions"]

#: Coordinates in RD metres lie in [RD_MIN_M, RD_MAX_M] (both axes; the RD area of use is
#: x −10 000…300 000, y 296 000…640 000).
RD_MIN_M, RD_MAX_M = -10_000.0, 640_000.0

#: Routing methods of :func:`~wlr_geo.analysis.routing.lcp.least_cost_path`.
METHODS: tuple[str, ...] = ("coarse-to-fine", "full")


@dataclass(frozen=True)
class RoutingOptions:
    """The ``[routing]`` config section."""

    start: tuple[float, float] = option(help="Start point [x, y] in RD metres.", unit="m", ge=RD_MIN_M, le=RD_MAX_M,
                                        example="[83600.0, 451200.0]")
    ends: tuple[tuple[float, float], ...] = option((), unit="m", ge=RD_MIN_M, le=RD_MAX_M,
                                                   example="[[93500.0, 460300.0]]",
                                                   help="End points [[x, y], ...] in RD metres.")
    landing_candidates: str | None = option(
        None, help="Layer role whose features are end points as well (default: the role landing_candidates "
                   "when the config has it).")
    target_column: str | None = option(None, help="Column naming each end point of that layer.")
    cell_m: float = option(25.0, unit="m", gt=0, le=MAX_WIDTH_M, help="Cell size of the cost raster.")
    k: int = option(3, ge=1, le=100, help="Alternatives per end point.")
    min_separation_m: float | None = option(
        None, unit="m", gt=0, le=MAX_DISTANCE_M,
        help="Distance beyond which parts of two alternatives count as distinct (default: 10 cells).")
    min_distinct_share: float = option(
        0.5, gt=0, le=1, help="Share of each alternative's length that must lie farther than min_separation_m "
                              "from every other alternative.")
    penalty: float = option(3.0, gt=1, le=1e6, help="Cost factor in the corridor of earlier alternatives.")
    barrier_cost: float | None = option(
        None, gt=0, le=1e30, help="Cells with a cost at or above this value are barriers, like nodata (e.g. 9999 "
                                  "when the raster codes no-go areas so).")
    method: str = option("coarse-to-fine", choices=METHODS,
                         help="Least-cost path method: coarse-to-fine (verified) or full (exact, more memory).")
    epsilon: float = option(0.01, ge=0, le=0.5,
                            help="Tolerance of the coarse-to-fine verification (0.01 = 1 %).")
    coarse_factor: int | None = option(None, ge=2, le=1000, help="Fine cells per coarse cell side (coarse-to-fine).")
    corridor_m: float | None = option(None, unit="m", gt=0, le=MAX_DISTANCE_M,
                                      help="Half width of the refinement corridor (coarse-to-fine).")
    bounds: tuple[float, float, float, float] | None = option(
        None, unit="m", ge=RD_MIN_M, le=RD_MAX_M, help="Raster extent [x_min, y_min, x_max, y_max] in RD metres (default: the points "
                             "plus margin_m).")
    margin_m: float = option(2000.0, unit="m", ge=0, le=MAX_DISTANCE_M,
                             help="Margin around start and end points when bounds is not given.")
    cost_layers: tuple[str, ...] | None = option(
        None, help="Layer roles that are cost layers (default: every vector role but route, municipalities, "
                   "wijken and landing_candidates).")
    raster_costs: tuple[tuple[str, float], ...] = option(
        (), ge=0, le=1e9, help="Raster layers added to the cost: [{ role = \"<raster role>\", factor = <number> }].",
        example='[{ role = "population_density", factor = 0.0005 }]')
    width_m: float | None = option(
        None, unit="m", gt=0, lt=2 * MAX_WIDTH_M,
        help="Total werkstrook width for the comparison of the alternatives (symmetric); default: the "
             "[strips] widths, the same strips as the impact analysis.")
    cost_table: CostTable | None = option(
        None, help="The cost table: cost_table_file (a TOML file) and/or [routing.cost_table] overrides of "
                   "wlr_geo/defaults/cost_table.toml.")

    def __post_init__(self) -> None:
        problems = object_problems(self, "[routing]")
        if self.bounds is not None and not problems:
            x0, y0, x1, y1 = self.bounds
            if not (x1 > x0 and y1 > y0):
                problems.append(Problem(f"[routing] bounds = {list(self.bounds)} is leeg",
                                        hint="geef [x_min, y_min, x_max, y_max] met x_max > x_min en y_max > y_min"))
        raise_problems(problems)

    def path_options(self) -> dict[str, Any]:
        """Keyword arguments of :func:`~wlr_geo.analysis.routing.lcp.k_alternatives`."""
        out: dict[str, Any] = {"k": self.k, "min_separation_m": self.min_separation_m,
                               "min_distinct_share": self.min_distinct_share, "penalty": self.penalty,
                               "method": self.method, "barrier_cost": self.barrier_cost,
                               "epsilon": self.epsilon, "corridor_m": self.corridor_m}
        if self.coarse_factor:
            out["coarse_factor"] = self.coarse_factor
        return out
