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
                return [Problem("het raster heeft geen CRS", source=str(path),
                                hint="ken EPSG:28992 toe met gdal_edit.py -a_srs EPSG:28992")]
            return []
    except RasterioIOError as exc:
        return [Problem(f"het raster kan niet worden geopend: {exc}", source=str(path),
                        hint="controleer of het een volledige GeoTIFF is")]
