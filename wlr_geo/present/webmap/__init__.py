"""Offline consultation web maps: one self-contained HTML file per map.

Public API: :func:`build_map`, :func:`write_map`, :func:`write_maps`, :func:`render_html`,
:class:`WebMap`, :func:`crossed_objects`; see :mod:`wlr_geo.present.webmap.build`. Map definitions are in :mod:`wlr_geo.present.mapdefs`.
"""

from __future__ import annotations

from wlr_geo.present.webmap.assets import SelfContainedError, external_urls
from wlr_geo.present.webmap.basemaps import BASEMAP_SPECS, TILE_HOSTS
from wlr_geo.present.webmap.build import (
    CROSSED_OBJECTS_ROLE,
    MARKERS_ROLE,
    LayerSummary,
    WebMap,
    build_map,
    crossed_objects,
    render_html,
    write_map,
)
from wlr_geo.present.webmap.municipal import municipality_layers, municipality_maps, write_maps

__all__ = [
    "BASEMAP_SPECS",
    "CROSSED_OBJECTS_ROLE",
    "MARKERS_ROLE",
    "TILE_HOSTS",
    "LayerSummary",
    "SelfContainedError",
    "WebMap",
    "build_map",
    "crossed_objects",
    "external_urls",
    "municipality_layers",
    "municipality_maps",
    "render_html",
    "write_map",
    "write_maps",
]
