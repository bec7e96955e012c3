"""Landing options (aanlanding): multi-criteria ranking and its sensitivity."""

from __future__ import annotations

__all__: list[str] = []
