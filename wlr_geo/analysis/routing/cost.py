"""Cost rasters for least-cost routing.

A :class:`CostRaster` is a 2-D array of *relative cost per metre* (open ground = 1.0, barrier =
``inf``) on a north-up grid in EPSG:28992. :func:`build_cost_raster` makes one from vector
layers, using the documented :class:`CostTable` (defaults in ``wlr_geo/defaults/cost_table.toml``):

1. every cell starts at ``base``;
2. polygons raise cells to the ``[area]`` cost of their category (highest wins);
3. raster layers add ``factor × value`` (e.g. population density);
4. buffer rings around sensitive objects add the ``[buffer]`` cost of the innermost ring;
5. cells beside bundling lines (roads, pipelines, power lines) are multiplied by the
   ``[bundling]`` factor;
6. line cells get the ``[crossing]`` surcharge of their category / cell size;
7. barriers (``"barrier"`` in ``[area]`` or ``[crossing]``) become ``inf``.

The builder is pure (layers in, array out); :func:`write_cost_raster` / :func:`read_cost_raster`
do the GeoTIFF I/O (atomic write; barriers stored as nodata).

**Barriers** (:func:`barrier_mask`, the one definition every router uses): a cell is a barrier
when its value is nodata, NaN, +inf or −inf, or — when the caller sets ``barrier_cost`` (CLI
``--barrier-above``, config ``[routing] barrier_cost``) — at or above ``barrier_cost``. Use the
latter for rasters that code "no-go" as a large number (9999, 1e6) without declaring nodata:
without it such cells are merely expensive and a route may cross them when that is cheaper than
a detour. A route never enters a barrier cell and never passes diagonally between two barrier
cells that touch only at a corner (no corner cutting): a one-cell-wide diagonal line of barrier
cells is a wall. The router rejects negative costs; :func:`read_cost_raster` also rejects 0.
"""

from __future__ import annotations

import functools
import logging
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from wlr_geo._atomic import atomic_path
from wlr_geo._errors import ConfigError, CRSError, LayerReadError, WlrGeoInputError
from wlr_geo._nl import nl
from wlr_geo._toml import read_toml
from wlr_geo.categories import CATEGORIES, category_values
from wlr_geo.crs import RD_NEW, ensure_rd
from wlr_geo.defaults import default_path

if TYPE_CHECKING:  # affine is imported where a grid is made (not by commands that never route)
    from affine import Affine

__all__ = [
    "DEFAULT_COST_TABLE",
    "MAX_CELLS",
    "CostRaster",
    "CostTable",
    "RasterLayer",
    "barrier_mask",
    "build_cost_raster",
    "grid_for_bounds",
    "read_cost_raster",
    "read_raster_layer",
    "write_cost_raster",
]

log = logging.getLogger("wlr_geo")

#: Path of the default cost table.
DEFAULT_COST_TABLE = default_path("cost_table.toml")

#: Largest grid :func:`build_cost_raster` makes (cells); 4e8 float32 cells = 1.6 GB.
MAX_CELLS = 400_000_000

_NODATA = -9999.0


def _cost_value(value: Any, *, where: str) -> float:
    if isinstance(value, str):
        if value.strip().lower() in {"barrier", "inf", "impassable"}:
            return math.inf
        raise ConfigError(f"{where} = {value!r} is geen kostenwaarde",
                          hint='gebruik een getal ≥ 0 of "barrier"')
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise ConfigError(f"{where} = {value!r} is geen kostenwaarde",
                          hint='gebruik een getal ≥ 0 of "barrier"')
    return float(value)


def _check_code(code: str, *, where: str) -> None:
    if code not in CATEGORIES:
        raise ConfigError(
            f"{where} noemt categorie {code!r}, die wlr_geo niet kent",
            hint=f"gebruik een van: {', '.join(CATEGORIES)}",
        )


@dataclass(frozen=True)
class CostTable:
    """The documented cost assumptions of a cost raster (see ``defaults/cost_table.toml``).

    Attributes
    ----------
    base
        Cost per metre of open ground.
    area
        Category → cost per metre inside polygons of that category (``inf`` = barrier).
    crossing
        Category → surcharge per crossing of a line of that category, in equivalent metres
        (``inf`` = the line may not be crossed).
    buffer
        Category → rings ``((distance_m, added_cost), ...)`` sorted by distance.
    bundling_categories, bundling_width_m, bundling_factor
        Cells within ``bundling_width_m`` of a line of these categories are multiplied by
        ``bundling_factor``.
    roles
        Layer role → default category of its features when they have no ``category`` column.
    """

    base: float = 1.0
    area: Mapping[str, float] = field(default_factory=dict)
    crossing: Mapping[str, float] = field(default_factory=dict)
    buffer: Mapping[str, tuple[tuple[float, float], ...]] = field(default_factory=dict)
    bundling_categories: tuple[str, ...] = ()
    bundling_width_m: float = 0.0
    bundling_factor: float = 1.0
    roles: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def default(cls) -> CostTable:
        """The table in ``wlr_geo/defaults/cost_table.toml``."""
        return _default_table()

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str]) -> CostTable:
        """Read a cost table TOML file (same tables as the default; missing keys = default)."""
        return cls.from_dict(read_toml(path, what="kostentabelbestand"))

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], *, base: CostTable | None = None) -> CostTable:
        """Build a table from a parsed TOML dict, overriding ``base`` (the default if None).

        Raises
        ------
        ConfigError
            Unknown category codes, negative costs, bundling factor outside (0, 1] etc.
        """
        return cls._parse(raw, base if base is not None else cls.default())

    @classmethod
    def _parse(cls, raw: Mapping[str, Any], start: CostTable | None) -> CostTable:
        area = dict(start.area) if start else {}
        crossing = dict(start.crossing) if start else {}
        buffer = dict(start.buffer) if start else {}
        roles = dict(start.roles) if start else {}
        known = {"version", "base", "area", "crossing", "buffer", "bundling", "roles"}
        unknown = set(raw) - known
        if unknown:
            raise ConfigError(
                f"onbekende sleutels in de kostentabel: {', '.join(sorted(unknown))}",
                hint=f"gebruik alleen: {', '.join(sorted(known - {'version'}))}",
            )
        for table_name, target in (("area", area), ("crossing", crossing)):
            for code, value in dict(raw.get(table_name, {})).items():
                _check_code(code, where=f"[{table_name}]")
                target[code] = _cost_value(value, where=f"[{table_name}].{code}")
        for code, rings in dict(raw.get("buffer", {})).items():
            _check_code(code, where="[buffer]")
            parsed: list[tuple[float, float]] = []
            for ring in rings:
                if not isinstance(ring, Sequence) or len(ring) != 2:
                    raise ConfigError(
                        f"[buffer].{code}: ring {ring!r} is geen [distance_m, cost]",
                        hint="schrijf ringen als [[5.0, 8.0], [20.0, 2.0]]",
                    )
                d = _cost_value(ring[0], where=f"[buffer].{code} afstand")
                c = _cost_value(ring[1], where=f"[buffer].{code} kosten")
                if not math.isfinite(d) or not math.isfinite(c):
                    raise ConfigError(f"[buffer].{code}: ring {ring!r} moet eindig zijn",
                                      hint="leg onbegaanbare zones vast als [area]-barrières")
                parsed.append((d, c))
            buffer[code] = tuple(sorted(parsed))
        bundling = dict(raw.get("bundling", {}))
        cats = tuple(bundling.get("categories", start.bundling_categories if start else ()))
        for code in cats:
            _check_code(code, where="[bundling].categories")
        width = _cost_value(bundling.get("width_m", start.bundling_width_m if start else 0.0),
                            where="[bundling].width_m")
        factor = _cost_value(bundling.get("factor", start.bundling_factor if start else 1.0),
                             where="[bundling].factor")
        if not 0.0 < factor <= 1.0 or not math.isfinite(width):
            raise ConfigError(f"[bundling] factor {factor} / width_m {width} buiten het bereik",
                              hint="geef factor in (0, 1] en een eindige width_m")
        for role, code in dict(raw.get("roles", {})).items():
            _check_code(str(code), where=f"[roles].{role}")
            roles[str(role)] = str(code)
        base_cost = _cost_value(raw.get("base", start.base if start else 1.0), where="base")
        if not 0.0 < base_cost < math.inf:
            raise ConfigError(f"base = {base_cost} moet een positief getal zijn",
                              hint="gebruik bijvoorbeeld base = 1.0")
        return cls(base=base_cost, area=area, crossing=crossing, buffer=buffer,
                   bundling_categories=cats, bundling_width_m=width, bundling_factor=factor,
                   roles=roles)

    def to_frame(self) -> pd.DataFrame:
        """The table as one row per category (for reports and the README)."""
        rows = []
        for code in CATEGORIES:
            rings = self.buffer.get(code, ())
            rows.append({
                "category": code,
                "area_cost_per_m": self.area.get(code, self.base),
                "crossing_surcharge_m": self.crossing.get(code, 0.0),
                "buffer_rings": "; ".join(f"{d:g} m: +{c:g}" for d, c in rings),
                "bundling": code in self.bundling_categories,
            })
        return pd.DataFrame(rows)


@functools.lru_cache(maxsize=1)
def _default_table() -> CostTable:
    return CostTable._parse(read_toml(DEFAULT_COST_TABLE, what="bestand met de standaardkostentabel"), None)


@dataclass(frozen=True)
class RasterLayer:
    """A raster that contributes cost: values, affine transform and CRS (nodata → no cost)."""

    array: np.ndarray
    transform: Affine
    crs: CRS
    nodata: float | None = None


@dataclass
class CostRaster:
    """A cost surface: ``cost[row, col]`` = relative cost per metre (barriers: :func:`barrier_mask`).

    The grid is north-up: ``transform`` maps (col, row) to RD (x, y) of the cell's upper-left
    corner; cells are square with side ``cell_m``.
    """

    cost: np.ndarray
    transform: Affine
    crs: CRS = RD_NEW
    table: CostTable | None = None

    @property
    def cell_m(self) -> float:
        return float(self.transform.a)

    @property
    def shape(self) -> tuple[int, int]:
        return (int(self.cost.shape[0]), int(self.cost.shape[1]))

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(x_min, y_min, x_max, y_max) in RD metres."""
        x0, y1 = self.transform.c, self.transform.f
        return (x0, y1 - self.shape[0] * self.cell_m, x0 + self.shape[1] * self.cell_m, y1)

    def index(self, x: float, y: float) -> tuple[int, int]:
        """(row, col) of the cell containing RD point (x, y) (may be outside the grid)."""
        col = math.floor((x - self.transform.c) / self.cell_m)
        row = math.floor((self.transform.f - y) / self.cell_m)
        return row, col

    def xy(self, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """RD (x, y) of cell centres."""
        x = self.transform.c + (np.asarray(cols, dtype=float) + 0.5) * self.cell_m
        y = self.transform.f - (np.asarray(rows, dtype=float) + 0.5) * self.cell_m
        return x, y

    def contains(self, row: int, col: int) -> bool:
        return 0 <= row < self.shape[0] and 0 <= col < self.shape[1]


def barrier_mask(values: np.ndarray, barrier_cost: float | None = None) -> np.ndarray:
    """Boolean mask of the barrier cells of a cost array (see the module docstring).

    Barriers: NaN, +inf, −inf, and values ≥ ``barrier_cost`` when it is given.

    Examples
    --------
    >>> import numpy as np
    >>> barrier_mask(np.array([1.0, np.nan, -np.inf, 9999.0]), 9999).tolist()
    [False, True, True, True]
    """
    values = np.asarray(values)
    bad = ~np.isfinite(values)
    if barrier_cost is not None:
        with np.errstate(invalid="ignore"):
            bad |= values >= barrier_cost
    return bad


def grid_for_bounds(bounds: Sequence[float], cell_m: float) -> tuple[Affine, tuple[int, int]]:
    """Transform and shape of a north-up grid covering ``bounds``, snapped outward to ``cell_m``.

    Raises
    ------
    WlrGeoInputError
        Non-positive cell size, empty bounds, or a grid larger than :data:`MAX_CELLS`.
    """
    if not (isinstance(cell_m, int | float) and math.isfinite(cell_m) and cell_m > 0):
        raise WlrGeoInputError(f"celgrootte {cell_m!r} m is geen positief getal",
                               hint="gebruik bijvoorbeeld cell_m = 5")
    xmin, ymin, xmax, ymax = (float(v) for v in bounds)
    if not all(math.isfinite(v) for v in (xmin, ymin, xmax, ymax)) or xmax <= xmin or ymax <= ymin:
        raise WlrGeoInputError(f"bounds {tuple(bounds)} beschrijven geen gebied",
                               hint="geef (x_min, y_min, x_max, y_max) in RD-meters met min < max")
    x0 = math.floor(xmin / cell_m) * cell_m
    y0 = math.floor(ymin / cell_m) * cell_m
    x1 = math.ceil(xmax / cell_m) * cell_m
    y1 = math.ceil(ymax / cell_m) * cell_m
    width = round((x1 - x0) / cell_m)
    height = round((y1 - y0) / cell_m)
    if width * height > MAX_CELLS:
        raise WlrGeoInputError(
            f"een raster van {nl(cell_m)} m over {nl(x1 - x0, 0)} × {nl(y1 - y0, 0)} m heeft "
            f"{nl(width * height)} cellen (grens {nl(MAX_CELLS)})",
            hint="gebruik een grotere celgrootte of kleinere bounds",
        )
    from affine import Affine

    return Affine(cell_m, 0.0, x0, 0.0, -cell_m, y1), (height, width)


def _categories(gdf: gpd.GeoDataFrame, role: str, table: CostTable, column: str) -> np.ndarray:
    default = table.roles.get(role)
    if column not in gdf.columns and default is None:
        raise WlrGeoInputError(
            f"laag {role!r} heeft geen kolom {column!r} en de kostentabel heeft er geen standaardcategorie "
            "voor", layer=role,
            hint=f"voeg een kolom {column!r} met categoriecodes toe, of zet {role} = \"<code>\" onder "
                 "[roles] van de kostentabel",
        )
    return category_values(gdf, column=column if column in gdf.columns else None, default=default, layer=role,
                           strict=True)


def _rasterize(geoms: Sequence[Any], values: Sequence[float] | None, transform: Affine,
               shape: tuple[int, int], *, all_touched: bool, fill: float = 0.0,
               merge: str = "replace", dtype: str = "float32") -> np.ndarray:
    from rasterio.enums import MergeAlg
    from rasterio.features import rasterize

    if values is None:
        shapes: list[Any] = [(g, 1) for g in geoms]
    else:
        shapes = list(zip(geoms, values, strict=True))
    if not shapes:
        return np.full(shape, fill, dtype=dtype)
    alg = MergeAlg.add if merge == "add" else MergeAlg.replace
    return rasterize(shapes, out_shape=shape, transform=transform, fill=fill, all_touched=all_touched,
                     dtype=dtype, merge_alg=alg)


def _distance_m(mask: np.ndarray, cell_m: float) -> np.ndarray:
    from scipy.ndimage import distance_transform_edt

    return np.asarray(distance_transform_edt(~mask), dtype=np.float32) * np.float32(cell_m)


def _resample(layer: RasterLayer | np.ndarray, transform: Affine, shape: tuple[int, int]) -> np.ndarray:
    if isinstance(layer, np.ndarray):
        if layer.shape != shape:
            raise WlrGeoInputError(
                f"een kostenrasterarray heeft vorm (shape) {layer.shape}, het kostenraster {shape}",
                hint="geef een RasterLayer (array + transform + CRS) mee om het te laten herbemonsteren",
            )
        return np.where(np.isfinite(layer), layer, 0.0).astype(np.float32)
    from rasterio.warp import Resampling, reproject

    out = np.zeros(shape, dtype=np.float32)
    src = np.asarray(layer.array, dtype=np.float32)
    reproject(src, out, src_transform=layer.transform, src_crs=layer.crs, src_nodata=layer.nodata,
              dst_transform=transform, dst_crs=RD_NEW, dst_nodata=0.0, resampling=Resampling.nearest)
    out[~np.isfinite(out)] = 0.0
    return out


def build_cost_raster(
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    bounds: Sequence[float],
    cell_m: float,
    table: CostTable | None = None,
    raster_costs: Sequence[tuple[RasterLayer | np.ndarray, float]] = (),
    category_column: str = "category",
) -> CostRaster:
    """Build a cost raster from vector (and raster) layers.

    Parameters
    ----------
    layers
        Role → GeoDataFrame (EPSG:28992; other CRSs are reprojected and logged). Polygons give
        area cost and barriers, lines crossing surcharges and bundling, every geometry buffer
        rings. A feature's category comes from ``category_column``, else the role's default in
        ``table.roles``.
    bounds
        (x_min, y_min, x_max, y_max) in RD metres; snapped outward to ``cell_m``.
    cell_m
        Cell size in metres.
    table
        Cost assumptions (default: :meth:`CostTable.default`).
    raster_costs
        ``(raster, factor)`` pairs: ``factor × value`` is added to each cell's cost per metre.
        A :class:`RasterLayer` is resampled (nearest) onto the grid; a bare array must already
        have the grid's shape. Nodata and NaN add nothing.
    category_column
        Column with category codes.

    Returns
    -------
    CostRaster
        float32 costs per metre, ``inf`` on barriers; inputs are not modified.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> bld = gpd.GeoDataFrame(geometry=[box(100, 100, 120, 120)], crs=28992)
    >>> r = build_cost_raster({"buildings": bld}, bounds=(0, 0, 200, 200), cell_m=10)
    >>> r.shape, bool(r.cost[8, 10] == float("inf"))
    ((20, 20), True)
    """
    table = table or CostTable.default()
    transform, shape = grid_for_bounds(bounds, cell_m)
    cost = np.full(shape, table.base, dtype=np.float32)
    barrier = np.zeros(shape, dtype=bool)
    crossing = np.zeros(shape, dtype=np.float32)
    bundle_mask = np.zeros(shape, dtype=bool)
    line_mask = np.zeros(shape, dtype=bool)
    buffer_objs: dict[str, list[Any]] = {}

    for role, gdf in layers.items():
        if len(gdf) == 0:
            log.info("kostenraster: laag %r is leeg", role)
            continue
        gdf = ensure_rd(gdf, layer=role, check=False)
        geoms = gdf.geometry.to_numpy()
        keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        cats = _categories(gdf, role, table, category_column)[keep]
        geoms = geoms[keep]
        gtype = shapely.get_type_id(geoms)
        is_poly = np.isin(gtype, (3, 6))
        is_line = np.isin(gtype, (1, 2, 5))
        is_collection = gtype == 7
        if is_collection.any():
            raise WlrGeoInputError(
                f"laag {role!r} bevat geometrieverzamelingen (GeometryCollection)", layer=role,
                hint="splits ze vóór het routeren in vlakken en lijnen (geopandas explode)",
            )
        for code in np.unique(cats):
            sel = cats == code
            polys = geoms[sel & is_poly]
            lines = geoms[sel & is_line]
            area_cost = table.area.get(code, table.base)
            if len(polys):
                if math.isinf(area_cost):
                    barrier |= _rasterize(polys, None, transform, shape, all_touched=True, dtype="uint8") > 0
                else:
                    burnt = _rasterize(polys, None, transform, shape, all_touched=False, dtype="uint8") > 0
                    np.maximum(cost, np.where(burnt, np.float32(area_cost), cost), out=cost)
            if len(lines):
                touched = _rasterize(lines, None, transform, shape, all_touched=True, dtype="uint8") > 0
                surcharge = table.crossing.get(code, 0.0)
                if math.isinf(surcharge):
                    barrier |= touched
                elif surcharge > 0:
                    crossing += np.where(touched, np.float32(surcharge / cell_m), np.float32(0))
                line_mask |= touched
                if code in table.bundling_categories:
                    bundle_mask |= touched
            if code in table.buffer and (len(polys) or len(lines) or (sel & ~is_poly & ~is_line).any()):
                buffer_objs.setdefault(str(code), []).extend(geoms[sel])

    for raster, factor in raster_costs:
        cost += np.float32(factor) * _resample(raster, transform, shape)

    for code, objs in buffer_objs.items():
        obj_mask = _rasterize(objs, None, transform, shape, all_touched=True, dtype="uint8") > 0
        dist = _distance_m(obj_mask, cell_m)
        added = np.zeros(shape, dtype=np.float32)
        for d, c in reversed(table.buffer[code]):  # outermost first, inner rings overwrite
            added[(dist <= d) & ~obj_mask] = c
        cost += added
        del dist, added

    if bundle_mask.any() and table.bundling_width_m > 0 and table.bundling_factor < 1.0:
        zone = (_distance_m(bundle_mask, cell_m) <= table.bundling_width_m) & ~line_mask
        cost[zone] *= np.float32(table.bundling_factor)

    cost += crossing
    cost[barrier] = np.inf
    if not (cost[~barrier] > 0).all():
        raise WlrGeoInputError("het kostenraster heeft cellen met kosten ≤ 0",
                               hint="controleer negatieve factoren in raster_costs en de kostentabel")
    return CostRaster(cost=cost, transform=transform, crs=RD_NEW, table=table)


def write_cost_raster(raster: CostRaster, path: str | os.PathLike[str]) -> Path:
    """Write a cost raster as a tiled, compressed float32 GeoTIFF (barriers = nodata −9999)."""
    import rasterio

    p = Path(path)
    data = np.where(np.isfinite(raster.cost), raster.cost, _NODATA).astype(np.float32)
    profile = {
        "driver": "GTiff", "dtype": "float32", "count": 1, "height": raster.shape[0],
        "width": raster.shape[1], "crs": raster.crs, "transform": raster.transform,
        "nodata": _NODATA, "compress": "deflate",
    }
    if raster.shape[0] >= 256 and raster.shape[1] >= 256:
        profile.update(tiled=True, blockxsize=256, blockysize=256)
    with atomic_path(p) as tmp, rasterio.open(tmp, "w", **profile) as ds:
        ds.write(data, 1)
        ds.update_tags(units="relative cost per metre (open ground = 1); nodata = barrier",
                       software="wlr_geo.analysis.routing.cost")
    return p


def read_raster_layer(path: str | os.PathLike[str], *, band: int = 1) -> RasterLayer:
    """Read one band of a raster file (e.g. population density) for ``raster_costs``."""
    import rasterio
    from rasterio.errors import RasterioIOError

    p = Path(path)
    if not p.exists():
        raise LayerReadError("het rasterbestand bestaat niet", source=str(p), hint="controleer het pad")
    try:
        with rasterio.open(p) as ds:
            if ds.crs is None:
                raise CRSError("het raster heeft geen CRS", source=str(p),
                               hint="ken EPSG:28992 toe met gdal_edit.py -a_srs EPSG:28992")
            arr = ds.read(band).astype(np.float32)
            nodata = ds.nodata
            if nodata is not None:
                arr[arr == np.float32(nodata)] = np.nan
            return RasterLayer(array=arr, transform=ds.transform, crs=CRS.from_user_input(ds.crs),
                               nodata=np.nan)
    except RasterioIOError as exc:
        raise LayerReadError(f"het raster kan niet worden geopend: {exc}", source=str(p),
                             hint="controleer of het een volledig GeoTIFF-bestand is") from None


def read_cost_raster(path: str | os.PathLike[str]) -> CostRaster:
    """Read a cost raster GeoTIFF (nodata, NaN and ±inf become ``inf`` = barrier).

    Values at or above a ``barrier_cost`` stay as they are in the raster; the router treats them
    as barriers when given ``barrier_cost`` (see :func:`barrier_mask`).

    Raises
    ------
    WlrGeoInputError
        Missing file, no CRS / not RD New, non-square or rotated cells, or costs ≤ 0.
    """
    layer = read_raster_layer(path)
    src = str(path)
    if not RD_NEW.equals(layer.crs) and layer.crs.to_epsg() != 28992:
        raise CRSError(f"het kostenraster staat in {layer.crs.to_string()}, niet in EPSG:28992", source=src,
                       hint="projecteer het om: gdalwarp -t_srs EPSG:28992 in.tif uit.tif")
    t = layer.transform
    if t.b != 0 or t.d != 0 or t.e >= 0 or not math.isclose(t.a, -t.e, rel_tol=1e-9):
        raise WlrGeoInputError("het kostenraster heeft geen vierkante, noordgerichte cellen", source=src,
                               hint="projecteer het op een noordgericht raster met vierkante cellen "
                                    "(gdalwarp -tr D D)")
    cost = layer.array
    cost[~np.isfinite(cost)] = np.inf
    finite = np.isfinite(cost)
    if not finite.any():
        raise WlrGeoInputError("het kostenraster bevat alleen barrières/nodata", source=src,
                               hint="controleer de nodata-waarde van het bestand")
    if (cost[finite] <= 0).any():
        n = int((cost[finite] <= 0).sum())
        raise WlrGeoInputError(f"het kostenraster heeft {nl(n)} cel(len) met kosten ≤ 0", source=src,
                               hint="geef kosten > 0 (gebruik nodata voor barrières)")
    return CostRaster(cost=cost, transform=t, crs=RD_NEW)
