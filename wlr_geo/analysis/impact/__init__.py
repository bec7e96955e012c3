"""The impact run of a route: crossings, strips, above- and below-ground impact per area."""

from __future__ import annotations

__all__: list[str] = []
