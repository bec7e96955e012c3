"""DuckDB spatial as an embedded second engine (and an independent oracle in tests).

Every connection made here loads the spatial extension from the ``duckdb-extension-spatial``
wheel (no network) and sets ``geometry_always_xy = true`` so coordinates are never swapped to
authority (lat, lon) order (ROBUSTNESS.md C6).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

from wlr_geo._errors import WlrGeoError

__all__ = ["connect", "count_intersecting", "query_area_duckdb"]


def connect() -> Any:
    """A new in-memory DuckDB connection with spatial loaded and x/y axis order forced."""
    try:
        import duckdb
    except ImportError:
        raise WlrGeoError("DuckDB is niet geïnstalleerd: pip install 'wlr_geo[scale]'") from None
    con = duckdb.connect()
    try:
        con.execute("LOAD spatial")
    except duckdb.Error:
        path = _bundled_extension(duckdb.__version__)
        if path is None:
            raise WlrGeoError(
                "de spatial-extensie van DuckDB is offline niet beschikbaar: pip install "
                f"duckdb-extension-spatial=={duckdb.__version__}"
            ) from None
        con.execute(f"LOAD '{path.as_posix()}'")
    # older DuckDB lacks the setting; there ST_Transform needs always_xy := true
    with contextlib.suppress(duckdb.Error):
        con.execute("SET geometry_always_xy = true")
    return con


def _bundled_extension(version: str) -> Path | None:
    """The spatial extension file shipped by the duckdb-extension-spatial wheel, if any."""
    try:
        import duckdb_extension_spatial
    except ImportError:
        return None
    base = Path(duckdb_extension_spatial.__file__).parent / "extensions"
    exact = base / f"v{version}" / "spatial.duckdb_extension"
    if exact.exists():
        return exact
    found = sorted(base.glob("v*/spatial.duckdb_extension"))
    return found[-1] if found else None


def _quote_ident(name: str) -> str:
    """A column name as a quoted SQL identifier (embedded quotes doubled)."""
    return '"' + str(name).replace('"', '""') + '"'


def _glob(dataset: str | os.PathLike[str]) -> str:
    p = Path(dataset)
    return str(p / "**" / "*.parquet") if p.is_dir() else str(p)


def count_intersecting(dataset: str | os.PathLike[str], area: BaseGeometry) -> int:
    """Number of features of a GeoParquet file/dataset intersecting ``area`` (DuckDB)."""
    con = connect()
    xmin, ymin, xmax, ymax = area.bounds
    sql = (
        "SELECT count(*) FROM read_parquet(?, hive_partitioning = false) "
        "WHERE bbox.xmin <= ? AND bbox.xmax >= ? AND bbox.ymin <= ? AND bbox.ymax >= ? "
        "AND ST_Intersects(geometry, ST_GeomFromText(?))"
    )
    row = con.execute(sql, [_glob(dataset), xmax, xmin, ymax, ymin, area.wkt]).fetchone()
    return int(row[0]) if row else 0


def query_area_duckdb(dataset: str | os.PathLike[str], area: BaseGeometry, *, columns: list[str] | None = None,
                      con: Any = None) -> gpd.GeoDataFrame:
    """Features intersecting ``area`` read through DuckDB (bbox push-down, then exact test).

    ``con``: a connection from :func:`connect` to reuse (loading the extension takes ~1 s);
    a DuckDB connection must not be used by two threads at once.
    """
    con = con if con is not None else connect()
    xmin, ymin, xmax, ymax = area.bounds
    cols = ", ".join(_quote_ident(c) for c in columns) + ", " if columns else "* EXCLUDE (geometry, bbox), "
    sql = (
        f"SELECT {cols}ST_AsWKB(geometry) AS wkb FROM read_parquet(?, hive_partitioning = false) "  # noqa: S608 — identifiers quoted, values bound
        "WHERE bbox.xmin <= ? AND bbox.xmax >= ? AND bbox.ymin <= ? AND bbox.ymax >= ? "
        "AND ST_Intersects(geometry, ST_GeomFromText(?))"
    )
    df = con.execute(sql, [_glob(dataset), xmax, xmin, ymax, ymin, area.wkt]).fetchdf()
    geoms = shapely.from_wkb(df.pop("wkb").map(bytes).to_numpy())
    return gpd.GeoDataFrame(df, geometry=geoms, crs="EPSG:28992")
