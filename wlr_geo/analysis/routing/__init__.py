"""Least-cost routing: cost surface and route alternatives."""

from __future__ import annotations

__all__: list[str] = []
