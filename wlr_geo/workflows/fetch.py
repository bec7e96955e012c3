"""The fetch job: PDOK downloads for an area (``wlr-geo fetch``), the only one using the network.

The downloading itself lives in :mod:`wlr_geo.io.pdok`; this module is what the command line
uses, so the CLI never imports a reader directly. ``[fetch]`` settings of a project config are
read into :class:`wlr_geo.config.FetchOptions` (:func:`fetch_options`).
"""

from __future__ import annotations

import os

from wlr_geo.config import FetchOptions, load_config
from wlr_geo.io.pdok._http import PDOK_MAX_LIMIT
from wlr_geo.io.pdok.datasets import (
    CBS_YEARS,
    DATASETS,
    DEFAULT_CBS_YEAR,
    Area,
    area_from_bbox,
    area_from_gemeenten,
    area_from_route,
    get_dataset,
    parse_base_url_overrides,
)
from wlr_geo.io.pdok.download import (
    DownloadSettings,
    ProgressEvent,
    default_cache_dir,
    export_results,
    fetch,
    registered_entries,
)

__all__ = [
    "CBS_YEARS",
    "DATASETS",
    "DEFAULT_CBS_YEAR",
    "PDOK_MAX_LIMIT",
    "Area",
    "DownloadSettings",
    "ProgressEvent",
    "area_from_bbox",
    "area_from_gemeenten",
    "area_from_route",
    "default_cache_dir",
    "export_results",
    "fetch",
    "fetch_options",
    "get_dataset",
    "parse_base_url_overrides",
    "registered_entries",
]


def fetch_options(config: str | os.PathLike[str] | None) -> FetchOptions:
    """The ``[fetch]`` options of a project config (the defaults without one)."""
    if config is None:
        return FetchOptions()
    return load_config(config).options.fetch
