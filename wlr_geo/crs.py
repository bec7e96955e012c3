"""All CRS logic of wlr_geo in one place.

The working CRS is RD New (EPSG:28992). Layers in another CRS are reprojected on read and the
fact is logged at INFO; a layer without a CRS is an error; metric operations on geographic
coordinates raise; coordinates outside the CRS's area of use raise (they betray a unit or
axis-order mix-up, e.g. RD metres read as degrees).

A declared CRS that does not fit the coordinates is refused (ROBUSTNESS.md F11): when a layer
declared in another projected CRS holds numbers that read as RD New would lie in the Netherlands,
and reprojected from the declared CRS it misses the project area (:data:`PROJECT_AREA_M`, the
embedded municipalities widened by 25 km) while read as RD New it would overlap it, or it lands
outside the RD area of use or outside the declared CRS's own area of use, the layer is an error
that names the likely mix-up (e.g. a Belgian Lambert 72 ``.prj`` beside RD coordinates, which
otherwise puts the data in the North Sea). An explicit ``assume_crs`` then wins over the
declaration. A layer truly in another CRS elsewhere in the Netherlands is not affected: its
numbers do not look like RD New.

Transformations always use ``always_xy=True``. RD ↔ WGS84 goes through pyproj's default operation
"Amersfoort to WGS 84 (4)" (Helmert, about 1 m); the RDNAPTRANS2018 grid is not shipped.
"""

from __future__ import annotations

import functools
import logging
from typing import TypeVar

import geopandas as gpd
import numpy as np
import shapely
import shapely.errors
from pyproj import CRS, Transformer

from wlr_geo._errors import CRSError, CRSMismatchError, GeographicCRSError, OutOfBoundsError
from wlr_geo._nl import nl

__all__ = [
    "PROJECT_AREA_M",
    "RD_BOUNDS_M",
    "RD_NEW",
    "TRANSFORMATION_NOTE",
    "WGS84",
    "check_bounds",
    "check_same_crs",
    "ensure_rd",
    "rd_to_wgs84",
    "require_projected",
    "to_web",
    "wgs84_to_rd",
]

log = logging.getLogger("wlr_geo")

RD_NEW = CRS.from_epsg(28992)
WGS84 = CRS.from_epsg(4326)

#: RD bounds (x_min, y_min, x_max, y_max) in metres: EPSG:28992's area of use (lon 3.2–7.22,
#: lat 50.75–53.7) projected, widened by 10 km for offshore and border work.
RD_BOUNDS_M = (-10_000.0, 296_000.0, 300_000.0, 640_000.0)

#: The project area (x_min, y_min, x_max, y_max) in RD metres: the bounds of the embedded
#: municipalities of the Leidse regio (``layers/boundaries.gpkg``: x 73 325–99 175,
#: y 447 691–470 636) widened by 25 km on every side, so the route's ends, landing sites and
#: regional layers around the region lie inside. Used to recognise a wrong CRS declaration
#: (see :func:`ensure_rd`); tests check it against the embedded file.
PROJECT_AREA_M = (48_000.0, 422_000.0, 125_000.0, 496_000.0)

#: Degrees by which reprojected data may lie outside the declared CRS's area of use.
_AREA_OF_USE_MARGIN_DEG = 0.5

TRANSFORMATION_NOTE = (
    "RD New ↔ WGS84 via pyproj 'Amersfoort to WGS 84 (4)' (Helmert, nauwkeurigheid ca. 1 m)"
)

_GDF = TypeVar("_GDF", gpd.GeoDataFrame, gpd.GeoSeries)


def _label(source: str | None, layer: str | None) -> str:
    if source and layer:
        return f"{source} (laag {layer!r})"
    return source or (repr(layer) if layer else "invoer")


def ensure_rd(
    data: _GDF,
    *,
    source: str | None = None,
    layer: str | None = None,
    assume_crs: str | int | None = None,
    check: bool = True,
) -> _GDF:
    """Return ``data`` in EPSG:28992, reprojecting (and logging) when needed.

    Parameters
    ----------
    data
        A GeoDataFrame or GeoSeries. It is never modified.
    source, layer
        File and layer name, used in error messages.
    assume_crs
        CRS to assume when ``data`` has none (e.g. ``"EPSG:28992"``); without it a layer with no
        CRS raises :class:`~wlr_geo.CRSError`.
    check
        Also run :func:`check_bounds` on the result.

    Raises
    ------
    CRSError
        The layer has no CRS and ``assume_crs`` was not given.
    OutOfBoundsError
        The coordinates are outside the Netherlands after reprojection.
    """
    crs = data.crs
    if crs is None:
        if assume_crs is None:
            raise CRSError(
                "de laag heeft geen coördinatenstelsel (CRS)",
                source=source,
                layer=layer,
                hint=(
                    "geef het op: assume_crs='EPSG:28992' (CLI: --assume-crs EPSG:28992, "
                    "configuratie: assume_crs = \"EPSG:28992\") als de coördinaten RD-meters zijn, "
                    "of voeg een .prj / CRS toe aan het bestand"
                ),
            )
        data = data.set_crs(assume_crs)
        crs = data.crs
    elif assume_crs is not None and crs.is_geographic and _looks_projected(data):
        # GeoJSON without a crs member is WGS84 by definition (RFC 7946); numbers that cannot
        # be degrees plus an explicit assumption from the user win over that default.
        log.info("%s declareert %s maar bevat geprojecteerde coördinaten: %s aangenomen, zoals gevraagd",
                 _label(source, layer), crs.to_string(), assume_crs)
        data = data.set_crs(assume_crs, allow_override=True)
        crs = data.crs
    if crs is not None and crs.is_projected and not RD_NEW.equals(crs):
        mixup = _crs_mixup(data, crs)
        if mixup is not None and assume_crs is not None and not _same_crs(crs, assume_crs):
            log.info("%s declareert %s maar de coördinaten passen daar niet bij (%s): %s aangenomen, zoals gevraagd",
                     _label(source, layer), crs.to_string(), mixup, assume_crs)
            data = data.set_crs(assume_crs, allow_override=True)
            crs = data.crs
        elif mixup is not None:
            raise CRSError(
                f"de coördinaten lijken RD New (EPSG:28992), maar het bestand zegt {_crs_name(crs)}; "
                f"omgerekend vanuit dat CRS {mixup}",
                source=source,
                layer=layer,
                hint=(
                    "als de coördinaten RD New zijn: corrigeer of verwijder de .prj / CRS-declaratie, of zet "
                    "assume_crs = \"EPSG:28992\" voor deze laag in de configuratie (convert: --assume-crs "
                    "EPSG:28992); dat gaat dan voor de declaratie"
                ),
            )
    if not RD_NEW.equals(crs):
        log.info("%s wordt omgerekend van %s naar EPSG:28992", _label(source, layer), crs.to_string())
        if crs is not None and crs.is_geographic:
            _check_geographic_bounds(data, source=source, layer=layer)
        data = _to_rd_tolerant(data, source=source, layer=layer)
    elif not isinstance(crs, CRS) or crs.to_epsg() != 28992:
        data = data.set_crs(RD_NEW, allow_override=True)
    if check:
        check_bounds(data, source=source, layer=layer)
    return data


def _to_rd_tolerant(data: _GDF, *, source: str | None, layer: str | None) -> _GDF:
    """``to_crs(RD_NEW)``; rings closed in 2D but not in 3D (mixed Z) make GEOS refuse the
    transformed coordinates: those geometries lose their Z (logged) and the transform is redone."""
    try:
        return data.to_crs(RD_NEW)
    except shapely.errors.GEOSException:
        geoms = data.geometry if isinstance(data, gpd.GeoDataFrame) else data
        arr = np.asarray(geoms.values)
        has_z = shapely.has_z(arr)
        fixed = arr.copy()
        fixed[has_z] = shapely.force_2d(arr[has_z])
        log.info("%s: Z-waarden verwijderd uit %s geometrieën waarvan de ringen in 3D niet gesloten waren",
                 _label(source, layer), nl(int(has_z.sum())))
        series = gpd.GeoSeries(fixed, index=geoms.index, crs=data.crs)
        out = data.set_geometry(series) if isinstance(data, gpd.GeoDataFrame) else series
        return out.to_crs(RD_NEW)


def _same_crs(crs: CRS, other: str | int) -> bool:
    try:
        return bool(crs.equals(CRS.from_user_input(other)))
    except Exception:  # an unusable assume_crs: set_crs reports it
        return False


def _crs_name(crs: CRS) -> str:
    code = crs.to_epsg()
    return f"EPSG:{code} ({crs.name})" if code else crs.name


def _overlaps(a: tuple[float, ...] | np.ndarray, b: tuple[float, ...] | np.ndarray) -> bool:
    return bool(a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3])


def _inside(a: tuple[float, ...] | np.ndarray, b: tuple[float, ...] | np.ndarray) -> bool:
    return bool(a[0] >= b[0] and a[1] >= b[1] and a[2] <= b[2] and a[3] <= b[3])


def _crs_mixup(data: gpd.GeoDataFrame | gpd.GeoSeries, crs: CRS) -> str | None:
    """Why the declared projected ``crs`` (not RD New) cannot be the layer's CRS, or None.

    Only a layer whose numbers, read as RD New, lie inside the RD area of use is judged (the
    "likely mix-up" is then RD New). It is a mix-up when, reprojected from ``crs``, the layer
    misses :data:`PROJECT_AREA_M` while read as RD New it would overlap it, or lands outside the
    RD area of use, or outside ``crs``'s own area of use (by more than half a degree).
    """
    geoms = data.geometry if isinstance(data, gpd.GeoDataFrame) else data
    arr = np.asarray(geoms.values)
    if len(arr) == 0:
        return None
    arr = arr[~(shapely.is_missing(arr) | shapely.is_empty(arr))]
    if len(arr) == 0:
        return None
    raw = shapely.total_bounds(arr)
    if not np.isfinite(raw).all() or not _inside(raw, RD_BOUNDS_M):
        return None
    xs = np.array([raw[0], raw[2], raw[0], raw[2], (raw[0] + raw[2]) / 2])
    ys = np.array([raw[1], raw[1], raw[3], raw[3], (raw[1] + raw[3]) / 2])
    # a dense edge sample of the box: enough for the bounds of a conformal projection's image
    t = np.linspace(0.0, 1.0, 21)
    xs = np.concatenate([xs, raw[0] + t * (raw[2] - raw[0]), raw[0] + t * (raw[2] - raw[0]),
                         np.full_like(t, raw[0]), np.full_like(t, raw[2])])
    ys = np.concatenate([ys, np.full_like(t, raw[1]), np.full_like(t, raw[3]),
                         raw[1] + t * (raw[3] - raw[1]), raw[1] + t * (raw[3] - raw[1])])
    try:
        to_rd = Transformer.from_crs(crs, RD_NEW, always_xy=True)
        rx, ry = to_rd.transform(xs, ys)
    except Exception:  # pyproj cannot transform: leave it to the reprojection's own error
        return None
    if not (np.isfinite(rx).all() and np.isfinite(ry).all()):
        return f"heeft de laag geen geldige positie (de getallen liggen buiten wat {_crs_name(crs)} kan uitdrukken)"
    new = (float(rx.min()), float(ry.min()), float(rx.max()), float(ry.max()))
    at = (f"komt de laag op x {nl(new[0], 0)}…{nl(new[2], 0)}, y {nl(new[1], 0)}…{nl(new[3], 0)} m "
          "in RD New")
    if _overlaps(raw, PROJECT_AREA_M) and not _overlaps(new, PROJECT_AREA_M):
        return (f"{at}, buiten het projectgebied (de Leidse regio en 25 km daaromheen), waar de laag als RD New "
                "wel zou liggen")
    if not _inside(new, RD_BOUNDS_M):
        return f"{at}, buiten Nederland (het toepassingsgebied van RD New)"
    area = crs.area_of_use
    if area is not None:
        lon, lat = _transformer(True).transform(np.asarray(rx), np.asarray(ry))
        m = _AREA_OF_USE_MARGIN_DEG
        if (lon.min() < area.west - m or lon.max() > area.east + m or lat.min() < area.south - m
                or lat.max() > area.north + m):
            return f"{at}, buiten het gebied waar {_crs_name(crs)} gebruikt wordt ({area.name.rstrip('.')})"
    return None


def _looks_projected(data: gpd.GeoDataFrame | gpd.GeoSeries) -> bool:
    geoms = data.geometry if isinstance(data, gpd.GeoDataFrame) else data
    if len(geoms) == 0:
        return False
    xmin, ymin, xmax, ymax = geoms.total_bounds
    return bool(np.isfinite([xmin, ymin, xmax, ymax]).all() and (max(abs(xmin), abs(xmax)) > 180 or max(abs(ymin), abs(ymax)) > 90))


def _check_geographic_bounds(
    data: gpd.GeoDataFrame | gpd.GeoSeries, *, source: str | None, layer: str | None
) -> None:
    geoms = data.geometry if isinstance(data, gpd.GeoDataFrame) else data
    if len(geoms) == 0:
        return
    xmin, ymin, xmax, ymax = geoms.total_bounds
    if not np.all(np.isfinite([xmin, ymin, xmax, ymax])):
        return
    if abs(xmin) > 180 or abs(xmax) > 180 or abs(ymin) > 90 or abs(ymax) > 90:
        raise OutOfBoundsError(
            f"coördinaten tot ({nl(xmax, 0)}; {nl(ymax, 0)}) kunnen geen graden zijn, maar volgens de laag "
            f"is het CRS geografisch ({data.crs.to_string() if data.crs else '?'})",
            source=source,
            layer=layer,
            hint=(
                "het bestand is waarschijnlijk in RD-meters zonder CRS-declaratie (GeoJSON gaat dan uit "
                "van WGS84); geef assume_crs='EPSG:28992' / --assume-crs EPSG:28992 op, of corrigeer het bestand"
            ),
        )


def check_bounds(
    data: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    source: str | None = None,
    layer: str | None = None,
    bounds: tuple[float, float, float, float] = RD_BOUNDS_M,
) -> None:
    """Raise :class:`OutOfBoundsError` if any vertex lies outside the RD area of use.

    Catches RD read as degrees, millimetres instead of metres, swapped axes and NaN/Inf
    coordinates. The error names the first offending feature.
    """
    geoms = data.geometry if isinstance(data, gpd.GeoDataFrame) else data
    if len(geoms) == 0:
        return
    arr = geoms.values
    present = ~(shapely.is_missing(arr) | shapely.is_empty(arr))
    if not present.any():
        return
    coords, idx = shapely.get_coordinates(arr[present], return_index=True)
    finite = np.isfinite(coords).all(axis=1)
    xmin, ymin, xmax, ymax = bounds
    inside = (
        finite
        & (coords[:, 0] >= xmin)
        & (coords[:, 0] <= xmax)
        & (coords[:, 1] >= ymin)
        & (coords[:, 1] <= ymax)
    )
    if inside.all():
        return
    bad = int(np.flatnonzero(~inside)[0])
    feature_pos = int(np.flatnonzero(present)[idx[bad]])
    feature = str(geoms.index[feature_pos])
    x, y = coords[bad]
    n_bad = len(np.unique(idx[~inside]))
    if not finite[bad]:
        msg = f"{nl(n_bad)} object(en) met NaN of oneindige coördinaten"
        hint = "verwijder of corrigeer die objecten in de bron"
    else:
        msg = (
            f"{nl(n_bad)} object(en) buiten het toepassingsgebied van RD New "
            f"(x {nl(xmin, 0)}…{nl(xmax, 0)}, y {nl(ymin, 0)}…{nl(ymax, 0)} m); eerste punt ({nl(x)}; {nl(y)})"
        )
        hint = _bounds_hint(x, y)
    raise OutOfBoundsError(msg, source=source, layer=layer, feature=feature, hint=hint)


def _bounds_hint(x: float, y: float) -> str:
    if 296_000 <= x <= 640_000 and -10_000 <= y <= 300_000:
        return "x en y lijken verwisseld (assenvolgorde); schrijf het bestand met x = oost, y = noord"
    if abs(x) <= 180 and abs(y) <= 90:
        return "dit lijken graden: geef het echte CRS op (bijvoorbeeld EPSG:4326) in plaats van RD"
    if 1_000 * -10_000 <= x <= 1_000 * 300_000 and 1_000 * 296_000 <= y <= 1_000 * 640_000:
        return "dit lijken millimeters: deel door 1.000 of geef de juiste eenheid op"
    return "controleer de CRS-declaratie en de eenheden van het bestand"


def require_projected(data: gpd.GeoDataFrame | gpd.GeoSeries, *, what: str = "deze bewerking") -> None:
    """Raise :class:`GeographicCRSError` if ``data`` is not in a projected (metric) CRS.

    ``what`` names the operation in the (Dutch) message, e.g. ``"de impactanalyse"``.
    """
    crs = data.crs
    if crs is None:
        raise CRSError(
            f"{what} heeft metrische coördinaten nodig, maar de gegevens hebben geen CRS",
            hint="lees lagen met wlr_geo.read_layer, dat ze in EPSG:28992 zet",
        )
    if crs.is_geographic:
        raise GeographicCRSError(
            f"{what} meet in meters, maar de gegevens zijn in het geografische {crs.to_string()}",
            hint="reken eerst om: wlr_geo.crs.ensure_rd(gdf)",
        )


def check_same_crs(*frames: gpd.GeoDataFrame | gpd.GeoSeries, names: list[str] | None = None) -> None:
    """Raise :class:`CRSMismatchError` unless all frames share one CRS."""
    crss = [f.crs for f in frames]
    first = crss[0]
    for i, crs in enumerate(crss[1:], start=1):
        if (first is None) != (crs is None) or (first is not None and not first.equals(crs)):
            a = names[0] if names else "laag 0"
            b = names[i] if names else f"laag {i}"
            raise CRSMismatchError(
                f"{a} is in {first.to_string() if first else 'geen CRS'}, maar {b} is in "
                f"{crs.to_string() if crs else 'geen CRS'}",
                hint="reken beide om naar EPSG:28992 met wlr_geo.crs.ensure_rd",
            )


@functools.cache
def _transformer(to_wgs84: bool) -> Transformer:
    """RD → WGS84 (or back), made on first use: building them costs ~0.1 s that commands which
    never leave RD should not pay at import."""
    return (Transformer.from_crs(RD_NEW, WGS84, always_xy=True) if to_wgs84
            else Transformer.from_crs(WGS84, RD_NEW, always_xy=True))


def rd_to_wgs84(x: float | np.ndarray, y: float | np.ndarray) -> tuple:
    """RD metres → (lon, lat) degrees (x/lon first)."""
    return _transformer(True).transform(x, y)


def wgs84_to_rd(lon: float | np.ndarray, lat: float | np.ndarray) -> tuple:
    """(lon, lat) degrees → RD (x, y) metres (lon first)."""
    return _transformer(False).transform(lon, lat)


def to_web(data: _GDF) -> _GDF:
    """Reproject to EPSG:4326 for web maps — the single place presentation code does this."""
    if data.crs is None:
        raise CRSError("kan gegevens zonder CRS niet omrekenen naar WGS84 voor de kaart")
    return data.to_crs(WGS84)
