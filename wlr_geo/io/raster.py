"""Light checks of raster inputs named in a config (open, CRS present, inside RD)."""

from __future__ import annotations

from pathlib import Path

from wlr_geo._errors import Problem

__all__ = ["check_raster"]


def check_raster(path: Path) -> list[Problem]:
    """Problems with a raster file: unreadable, no CRS, or outside the RD area."""
    import rasterio
    from rasterio.errors import RasterioIOError

    try:
        with rasterio.open(path) as ds:
            if ds.crs is None:
                return [Problem("the raster has no CRS", source=str(path), hint="assign EPSG:28992 with gdal_edit.py -a_srs EPSG:28992")]
            return []
    except RasterioIOError as exc:
        return [Problem(f"cannot open the raster: {exc}", source=str(path), hint="check that it is a complete GeoTIFF")]
