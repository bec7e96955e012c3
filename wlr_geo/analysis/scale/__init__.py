"""Big layers: route chunks and the engines that run analyses over them."""

from __future__ import annotations

__all__: list[str] = []
