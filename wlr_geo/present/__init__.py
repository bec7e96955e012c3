"""Presentation: map definitions, styles, web maps, figures and the report.

Takes finished frames and a style definition; reprojects to WGS84 in one place.
"""

from __future__ import annotations

__all__: list[str] = []
