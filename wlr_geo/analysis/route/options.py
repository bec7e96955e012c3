"""The ``[route]`` options: how route parts become one centreline per variant.

Used by :func:`wlr_geo.analysis.route.centreline.prepare_route` (``reverse``,
``variant_column``, ``order_column``); built from ``[route]`` and the ``[layers.route]`` table by
:mod:`wlr_geo.config`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wlr_geo._options import object_problems, option, raise_problems

__all__ = ["RouteOptions"]


@dataclass(frozen=True)
class RouteOptions:
    """How the route layer is read into centrelines (the ``[route]`` config section)."""

    reverse: bool | tuple[str, ...] = option(
        False, help="true reverses every variant (a route drawn the wrong way); a list of variant names "
                    "reverses only those.", example='["Variant B"]')
    variant_column: str | None = option(None, help="Column naming the route variants (one centreline each).")
    order_column: str | None = option(None, help="Column giving the order of the route parts (else row order).")

    def __post_init__(self) -> None:
        if isinstance(self.reverse, list):
            object.__setattr__(self, "reverse", tuple(self.reverse))
        raise_problems(object_problems(self, "[route]"))

    def as_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for :func:`~wlr_geo.analysis.impact.run.run_impact`/``prepare_route``."""
        return {"reverse": list(self.reverse) if isinstance(self.reverse, tuple) else self.reverse,
                "variant_column": self.variant_column, "order_column": self.order_column}
