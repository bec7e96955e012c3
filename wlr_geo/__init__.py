"""wlr_geo — GIS toolkit for the spatial planning of the heat transition in the Leidse regio.

Readers put every layer in EPSG:28992 with its provenance; analyses are pure functions on
GeoDataFrames; maps and reports present finished results. See ``DESIGN.md``.
"""

from __future__ import annotations

import logging

from wlr_geo import catalog, crs, io, validate
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
from wlr_geo.catalog import load_catalog
from wlr_geo.io.vector import list_layers, read_layer, write_layer, write_layers

logging.getLogger("wlr_geo").addHandler(logging.NullHandler())

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
    "crs",
    "io",
    "list_layers",
    "load_catalog",
    "read_layer",
    "validate",
    "write_layer",
    "write_layers",
]
