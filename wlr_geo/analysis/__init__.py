"""Analyses: pure functions on GeoDataFrames in EPSG:28992.

They never read or write files, never import config, io, presentation, workflows or the CLI,
and never print. Sub-packages: ``route`` (the centreline model and the strips), ``crossings``
(register, kernels, technique rules), ``impact`` (the impact run, above and below ground),
``claims`` (footprints, conflicts, programme), ``landing`` (criteria, sensitivity), ``routing``
(cost surface, least-cost paths) and ``scale`` (route chunks and engines).
"""

from __future__ import annotations

__all__: list[str] = []
