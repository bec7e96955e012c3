"""One reader dispatch: which reader a file needs (:func:`sniff_format`), and reading it.

Every workflow and every command-line form that takes "a layer" goes through here, so a KLIC
delivery, a BGT extract, a partitioned GeoParquet dataset, a GeoParquet file, a cost raster and
any GDAL vector file are recognised the same way everywhere:

=============  ==================================================================================
format         recognised by
=============  ==================================================================================
``parquet``    a folder holding a dataset index (``wlr-geo convert``), or ``.parquet``/``.geoparquet``
``bgt``        a zip, folder or ``.gml`` holding ``bgt_<class>.gml`` files (or GML files and no XML)
``klic``       a zip or folder holding IMKL XML (``GI_gebiedsinformatielevering_*.xml``), or an ``.xml``
``raster``     ``.tif``/``.tiff``
``vector``     anything else (GeoPackage, Shapefile, GeoJSON, FlatGeobuf, GML, ...)
=============  ==================================================================================
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd

from wlr_geo._errors import LayerReadError, WlrGeoInputError

__all__ = ["FORMATS", "KLIC_LAYERS", "read_source", "sniff_format"]

#: The formats a layer reference may have.
FORMATS: tuple[str, ...] = ("vector", "parquet", "klic", "bgt", "raster")

#: Layers of a KLIC delivery that a reference can name (``layer = "lines"`` or ``"klic_lines"``).
KLIC_LAYERS: tuple[str, ...] = ("lines", "points", "areas", "precautions", "request_areas", "attachments")

_PARQUET = {".parquet", ".geoparquet"}
_RASTER = {".tif", ".tiff"}


def _names_in(path: Path) -> list[str]:
    """Lower-case file names inside a folder or a zip (empty when unreadable)."""
    if path.is_dir():
        return [p.name.lower() for p in path.rglob("*") if p.is_file()]
    try:
        with zipfile.ZipFile(path) as zf:
            return [Path(n).name.lower() for n in zf.namelist()]
    except (zipfile.BadZipFile, OSError):
        return []


def _kind_of_names(names: list[str]) -> str | None:
    gml = [n for n in names if n.endswith(".gml")]
    if any(n.startswith("bgt_") for n in gml) or (gml and not any(n.endswith(".xml") for n in names)):
        return "bgt"  # BGT files renamed without the bgt_ prefix are GML too (KLIC is XML)
    if any(n.startswith("gi_gebiedsinformatielevering_") and n.endswith(".xml") for n in names):
        return "klic"
    if names and any(n.endswith(".xml") for n in names) and not any(n.endswith((".shp", ".gpkg")) for n in names):
        return "klic"
    return None


def sniff_format(path: str | os.PathLike[str]) -> str:
    """The format of ``path``: ``vector``, ``parquet``, ``klic``, ``bgt`` or ``raster``.

    A path that does not exist is judged by its suffix (the reader then says it is missing).
    """
    from wlr_geo.io.parquet import INDEX_NAME

    p = Path(path)
    suffix = p.suffix.lower()
    if p.is_dir():
        if (p / INDEX_NAME).exists():
            return "parquet"
        return _kind_of_names(_names_in(p)) or "vector"
    if suffix in _PARQUET:
        return "parquet"
    if suffix in _RASTER:
        return "raster"
    if suffix == ".xml":
        return "klic"
    if suffix == ".gml" and p.name.lower().startswith("bgt_"):
        return "bgt"
    if suffix == ".zip" and p.is_file():
        return _kind_of_names(_names_in(p)) or "vector"
    return "vector"


def read_source(path: str | os.PathLike[str], layer: str | None = None, *, format: str | None = None,
                assume_crs: str | None = None, encoding: str | None = None, id_column: str | None = None,
                geometry_types: list[str] | None = None, allow_empty: bool = False) -> gpd.GeoDataFrame:
    """Read one layer of any supported format into a GeoDataFrame in EPSG:28992.

    Parameters
    ----------
    path, layer
        The file (or folder) and, where it holds several, the layer: a GDAL layer name, a KLIC
        layer (``lines``, ``points``, ``areas``, ``precautions``, ``request_areas``; default
        ``lines``) or a BGT class (default: every class, concatenated).
    format
        One of :data:`FORMATS`; sniffed when None.
    assume_crs, encoding, id_column, geometry_types, allow_empty
        As for :func:`wlr_geo.io.vector.read_layer` (vector and GeoParquet).

    Raises
    ------
    WlrGeoInputError
        The file is missing, unreadable, or a raster (which is not one vector layer).
    """
    p = Path(path)
    fmt = format or sniff_format(p)
    if fmt in ("vector", "parquet"):
        if fmt == "parquet" and p.is_dir():
            from wlr_geo.io.parquet import dataset_info, query_area

            info = dataset_info(p)
            bounds = info.bounds
            import shapely

            gdf = query_area(p, shapely.box(*bounds)) if info.files else gpd.GeoDataFrame(geometry=[], crs=info.crs)
            if not len(gdf) and not allow_empty:
                raise LayerReadError("de dataset bevat geen objecten", source=str(p))
            return gdf
        from wlr_geo.io.vector import read_layer

        return read_layer(p, layer, assume_crs=assume_crs, encoding=encoding, id_column=id_column,
                          geometry_types=geometry_types, allow_empty=allow_empty)
    if fmt == "klic":
        from wlr_geo.io.klic import read_klic

        name = (layer or "lines").removeprefix("klic_")
        if name not in KLIC_LAYERS:
            raise WlrGeoInputError(f"een KLIC-levering heeft geen laag {layer!r}", source=str(p),
                                   hint=f"gebruik een van {', '.join(KLIC_LAYERS)}")
        frame = getattr(read_klic(p), name)
        assert isinstance(frame, pd.DataFrame)
        return frame
    if fmt == "bgt":
        from wlr_geo.io.bgt import read_bgt

        layers = read_bgt(p, classes=[layer] if layer else None)
        frames = [f for f in layers.values() if len(f)]
        if not frames:
            return next(iter(layers.values()))
        return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)
    if fmt == "raster":
        raise WlrGeoInputError("een raster kan niet als vectorlaag worden gelezen", source=str(p),
                               hint="gebruik hier een vector-, KLIC- of BGT-laag (rasters horen in [routing] raster_costs)")
    raise WlrGeoInputError(f"onbekend formaat {fmt!r}", source=str(p), hint=f"gebruik een van {', '.join(FORMATS)}")

