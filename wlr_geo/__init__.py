"""wlr_geo — GIS toolkit for the spatial planning of the heat transition in the Leidse regio.

Readers put every layer in EPSG:28992 with its provenance; analyses are pure functions on
GeoDataFrames; maps and reports present finished results; workflows tie them to a project
config and an output folder. See ``DESIGN.md``.

The top-level API (loaded on first use, so ``import wlr_geo`` stays light):

* readers: :func:`read_layer`, :func:`read_klic`, :func:`read_bgt`, :func:`fetch` (PDOK);
* a project: :func:`load_config`;
* the jobs: :func:`impact`, :func:`claims`, :func:`landing`, :func:`route_alternatives`,
  :func:`write_maps`, :func:`write_report` (results returned; files only with ``out=``).

Examples
--------
>>> import wlr_geo
>>> from wlr_geo.catalog import embedded_path
>>> gm = wlr_geo.read_layer(embedded_path("boundaries.gpkg"), "municipalities")
>>> gm.crs.to_epsg()
28992
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from wlr_geo._errors import (
    ConfigError,
    CRSError,
    CRSMismatchError,
    DownloadError,
    GeographicCRSError,
    KlicError,
    LayerNotFoundError,
    LayerReadError,
    LayerValidationError,
    OutOfBoundsError,
    Problem,
    UnsafeInputError,
    WlrGeoError,
    WlrGeoInputError,
    WlrGeoWarning,
)
from wlr_geo._version import __version__

if TYPE_CHECKING:
    from wlr_geo import catalog, crs, io, validate
    from wlr_geo.catalog import load_catalog
    from wlr_geo.config import load_config
    from wlr_geo.io.bgt import read_bgt
    from wlr_geo.io.klic import read_klic
    from wlr_geo.io.pdok.download import fetch
    from wlr_geo.io.vector import list_layers, read_layer, write_layer, write_layers
    from wlr_geo.workflows.api import (
        claims,
        impact,
        landing,
        route_alternatives,
        write_maps,
        write_report,
    )

logging.getLogger("wlr_geo").addHandler(logging.NullHandler())

#: Public name → "module:attribute" (or "module" for a submodule), imported on first use.
_LAZY: dict[str, str] = {
    "catalog": "wlr_geo.catalog",
    "crs": "wlr_geo.crs",
    "io": "wlr_geo.io",
    "validate": "wlr_geo.validate",
    "load_catalog": "wlr_geo.catalog:load_catalog",
    "load_config": "wlr_geo.config:load_config",
    "read_layer": "wlr_geo.io.vector:read_layer",
    "list_layers": "wlr_geo.io.vector:list_layers",
    "write_layer": "wlr_geo.io.vector:write_layer",
    "write_layers": "wlr_geo.io.vector:write_layers",
    "read_klic": "wlr_geo.io.klic:read_klic",
    "read_bgt": "wlr_geo.io.bgt:read_bgt",
    "fetch": "wlr_geo.io.pdok.download:fetch",
    "impact": "wlr_geo.workflows.api:impact",
    "claims": "wlr_geo.workflows.api:claims",
    "landing": "wlr_geo.workflows.api:landing",
    "route_alternatives": "wlr_geo.workflows.api:route_alternatives",
    "write_maps": "wlr_geo.workflows.api:write_maps",
    "write_report": "wlr_geo.workflows.api:write_report",
}


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'wlr_geo' has no attribute {name!r}")
    module_name, _, attr = target.partition(":")
    module = importlib.import_module(module_name)
    value = getattr(module, attr) if attr else module
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "CRSError",
    "CRSMismatchError",
    "ConfigError",
    "DownloadError",
    "GeographicCRSError",
    "KlicError",
    "LayerNotFoundError",
    "LayerReadError",
    "LayerValidationError",
    "OutOfBoundsError",
    "Problem",
    "UnsafeInputError",
    "WlrGeoError",
    "WlrGeoInputError",
    "WlrGeoWarning",
    "__version__",
    "catalog",
    "claims",
    "crs",
    "fetch",
    "impact",
    "io",
    "landing",
    "list_layers",
    "load_catalog",
    "load_config",
    "read_bgt",
    "read_klic",
    "read_layer",
    "route_alternatives",
    "validate",
    "write_layer",
    "write_layers",
    "write_maps",
    "write_report",
]
