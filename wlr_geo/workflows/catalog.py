"""The layer catalogue as ``wlr-geo layers`` lists it: the embedded layers plus fetched ones."""

from __future__ import annotations

import os
from pathlib import Path

import pyogrio
import pyogrio.errors

from wlr_geo.catalog import Catalog, CatalogEntry, load_catalog

__all__ = ["feature_count", "full_catalog"]


def full_catalog(catalog_path: str | os.PathLike[str] | None = None,
                 cache_dir: str | os.PathLike[str] | None = None) -> Catalog:
    """The catalogue (default: the embedded one) with the layers fetched into ``cache_dir``."""
    catalog = load_catalog(catalog_path)
    try:
        from wlr_geo.io.pdok.download import registered_entries
    except ImportError:
        return catalog
    for entry in registered_entries(Path(cache_dir) if cache_dir is not None else None):
        catalog = catalog.register(entry)
    return catalog


def feature_count(entry: CatalogEntry) -> str:
    """The number of features of a catalogue layer as text (``?`` when unreadable)."""
    if entry.features is not None:
        return str(entry.features)
    if entry.format in ("vector", "parquet") and entry.layer is not None:
        try:
            info = pyogrio.read_info(entry.path, layer=entry.layer)
            return str(info["features"])
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError):
            return "?"  # a listing must not fail on one unreadable file
    if entry.format == "raster":
        return "raster"
    return "-"
