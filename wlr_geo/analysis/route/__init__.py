"""The route: centreline model (segments, chainage, markers), linear referencing, strips."""

from __future__ import annotations

__all__: list[str] = []
