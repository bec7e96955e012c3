"""Readers and writers: every file that goes in or out passes through here.

``vector`` (any GDAL vector format and GeoParquet, written atomically), ``raster`` (cost
rasters), ``tables`` (CSV/XLSX), ``parquet`` (partitioned GeoParquet), ``duck`` (DuckDB queries
on GeoParquet), ``klic`` (KLIC/IMKL deliveries), ``bgt`` (BGT/IMGeo extracts) and ``pdok``
(downloads from PDOK). Readers return GeoDataFrames in EPSG:28992 with their provenance in
``gdf.attrs["wlr_geo"]``. The sub-packages are imported only when used.
"""

from __future__ import annotations

from wlr_geo.io.vector import (
    LayerSpec,
    file_sha256,
    list_layers,
    parse_layer_spec,
    read_layer,
    write_layer,
    write_layers,
)

__all__ = [
    "LayerSpec",
    "file_sha256",
    "list_layers",
    "parse_layer_spec",
    "read_layer",
    "write_layer",
    "write_layers",
]
