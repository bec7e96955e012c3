"""Crossings: the register, its geometry kernels and the technique rules."""

from __future__ import annotations

__all__: list[str] = []
