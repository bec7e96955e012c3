"""Space claims: footprints, conflicts and the multi-year programme."""

from __future__ import annotations

__all__: list[str] = []
