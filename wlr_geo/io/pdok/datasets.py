"""The PDOK dataset registry and the download area of ``wlr-geo fetch``.

:data:`DATASETS` names every dataset a WLR analysis downloads from PDOK's OGC API Features:
the service base URL, the collection(s), publisher, licence and attribution, and whether the
URL and collection names were **confirmed** from documentation or are **best knowledge**.
Nothing here touches the network; :mod:`wlr_geo.io.pdok.download` does, and only when asked.

Sources used to compile the registry (no live look-up was possible when it was written):

* PDOK's OGC API pages and index (``https://api.pdok.nl``), the PDOK "leermodule OGC API",
  and PDOK-maintained examples: BGT ``/lv/bgt/ogc/v1`` (collections ``pand``, ``wegdeel``,
  ``waterdeel``, ``spoor``, ...), Bestuurlijke gebieden ``/kadaster/bestuurlijkegebieden/ogc/v1``
  (``gemeentegebied``, ``provinciegebied``), Natura 2000 ``/rvo/natura2000/ogc/v1``
  (``natura2000``), NWB wegen ``/rws/nationaal-wegenbestand-wegen/ogc/v1`` (``wegvakken``),
  ProRail spoorwegen ``/prorail/spoorwegen/ogc/v1`` (``spooras``, ``trace``, ``station``, ...),
  CBS wijken en buurten ``/cbs/wijken-en-buurten-{year}/ogc/v1`` (``gemeenten``, ``wijken``,
  ``buurten``), BAG ``/kadaster/bag/ogc/v2`` (``pand``, ``verblijfsobject``; the older
  ``/lv/bag/ogc/v1`` path is also seen in PDOK examples).
* PDOK's OGC API Features documentation: at most 1000 features per request, paging via
  ``rel=next`` links, ``crs`` / ``bbox-crs`` parameters with
  ``http://www.opengis.net/def/crs/EPSG/0/28992`` (OGC API Features Part 2).
* CBS: the key-figure value ``-99997`` means "not available / suppressed for privacy".

Every base URL can be overridden (``WLR_GEO_PDOK_ROOT`` for the ``https://api.pdok.nl`` root,
``WLR_GEO_PDOK_URL_<NAME>`` or ``--base-url NAME=URL`` per dataset), which is also how the
tests point the downloader at a local server.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import shapely
from shapely.geometry.base import BaseGeometry

from wlr_geo._errors import WlrGeoInputError
from wlr_geo.crs import RD_BOUNDS_M

__all__ = [
    "DATASETS",
    "DEFAULT_API_ROOT",
    "RD_CRS_URI",
    "Area",
    "Dataset",
    "area_from_bbox",
    "area_from_gemeenten",
    "area_from_route",
    "get_dataset",
    "parse_base_url_overrides",
    "resolve_base_url",
    "select_in_area",
]

#: Root of PDOK's OGC APIs; override with the environment variable ``WLR_GEO_PDOK_ROOT``.
DEFAULT_API_ROOT = "https://api.pdok.nl"
#: OGC CRS URI of RD New, for the ``crs`` and ``bbox-crs`` query parameters (OGC API Features Part 2).
RD_CRS_URI = "http://www.opengis.net/def/crs/EPSG/0/28992"

Confidence = Literal["confirmed", "best knowledge"]


@dataclass(frozen=True)
class Dataset:
    """One downloadable dataset: a PDOK OGC API Features service and the collections to fetch.

    Attributes
    ----------
    name
        Short name used on the command line (``--dataset wijken``).
    path
        Service path below the API root, e.g. ``"/lv/bgt/ogc/v1"``.
    collections
        Collection ids to download; each becomes one layer of the output GeoPackage.
    url_status
        ``"confirmed"`` when the service path and collection ids were found in PDOK
        documentation or PDOK's own examples; ``"best knowledge"`` otherwise.
    key_columns
        Attribute columns an analysis relies on (documentation; all properties are kept).
    nodata_values
        Numeric sentinel values that stand for "no data" and are stored as null.
    """

    name: str
    title: str
    theme: str
    path: str
    collections: tuple[str, ...]
    publisher: str
    licence: str
    attribution: str
    accuracy: str
    docs_url: str
    url_status: Confidence
    notes: str = ""
    key_columns: tuple[str, ...] = ()
    nodata_values: tuple[float, ...] = ()

    def base_url(self, api_root: str | None = None) -> str:
        """Service base URL with the default or given API root."""
        root = (api_root or os.environ.get("WLR_GEO_PDOK_ROOT") or DEFAULT_API_ROOT).rstrip("/")
        return root + self.path


_CBS_YEAR = 2024
_CBS_KEYS = (
    "aantal_inwoners", "aantal_huishoudens", "woningvoorraad",
    "gemiddeld_gasverbruik_totaal", "gemiddeld_elektriciteitsverbruik_totaal",
)
_CBS_NODATA = (-99997.0, -99995.0)

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            name="gemeenten",
            title="Gemeentegrenzen (Bestuurlijke gebieden, Kadaster)",
            theme="boundaries",
            path="/kadaster/bestuurlijkegebieden/ogc/v1",
            collections=("gemeentegebied",),
            publisher="Kadaster via PDOK",
            licence="CC BY 4.0",
            attribution="Bestuurlijke gebieden © Kadaster (CC BY 4.0)",
            accuracy="juridische grenzen uit de BRK (niet gegeneraliseerd)",
            docs_url="https://api.pdok.nl/kadaster/bestuurlijkegebieden/ogc/v1",
            url_status="confirmed",
            key_columns=("identificatie", "naam"),
        ),
        Dataset(
            name="wijken",
            title=f"CBS-wijken {_CBS_YEAR} met kerncijfers",
            theme="districts",
            path=f"/cbs/wijken-en-buurten-{_CBS_YEAR}/ogc/v1",
            collections=("wijken",),
            publisher="CBS via PDOK",
            licence="CC BY 4.0",
            attribution="Wijken en buurten © CBS, Kadaster (CC BY 4.0)",
            accuracy="wijkgrenzen CBS (niet gegeneraliseerd); kerncijfers per 1 januari",
            docs_url=f"https://api.pdok.nl/cbs/wijken-en-buurten-{_CBS_YEAR}/ogc/v1",
            url_status="confirmed",
            notes="kerncijfers -99997 (geheim / niet beschikbaar) worden als leeg opgeslagen; "
                  "kolomnamen van energiecijfers zijn best knowledge",
            key_columns=_CBS_KEYS,
            nodata_values=_CBS_NODATA,
        ),
        Dataset(
            name="buurten",
            title=f"CBS-buurten {_CBS_YEAR} met kerncijfers",
            theme="districts",
            path=f"/cbs/wijken-en-buurten-{_CBS_YEAR}/ogc/v1",
            collections=("buurten",),
            publisher="CBS via PDOK",
            licence="CC BY 4.0",
            attribution="Wijken en buurten © CBS, Kadaster (CC BY 4.0)",
            accuracy="buurtgrenzen CBS (niet gegeneraliseerd); kerncijfers per 1 januari",
            docs_url=f"https://api.pdok.nl/cbs/wijken-en-buurten-{_CBS_YEAR}/ogc/v1",
            url_status="confirmed",
            notes="kerncijfers -99997 (geheim / niet beschikbaar) worden als leeg opgeslagen",
            key_columns=_CBS_KEYS,
            nodata_values=_CBS_NODATA,
        ),
        Dataset(
            name="bgt",
            title="BGT: wegdelen, waterdelen, spoor, panden, terreindelen",
            theme="topography",
            path="/lv/bgt/ogc/v1",
            collections=(
                "wegdeel", "ondersteunendwegdeel", "waterdeel", "spoor", "pand",
                "begroeidterreindeel", "onbegroeidterreindeel", "overbruggingsdeel",
                "tunneldeel",
            ),
            publisher="Bronhouders BGT via PDOK",
            licence="CC0 1.0",
            attribution="BGT © bronhouders via PDOK (CC0)",
            accuracy="grootschalig, circa 0,1–0,3 m",
            docs_url="https://api.pdok.nl/lv/bgt/ogc/v1",
            url_status="confirmed",
            notes="wegdeel, waterdeel, spoor, pand bevestigd; overige collectienamen best knowledge",
        ),
        Dataset(
            name="bag",
            title="BAG: panden (bouwjaar, status) en verblijfsobjecten (gebruiksdoel)",
            theme="topography",
            path="/kadaster/bag/ogc/v2",
            collections=("pand", "verblijfsobject"),
            publisher="Kadaster via PDOK",
            licence="CC0 1.0",
            attribution="BAG © Kadaster (CC0)",
            accuracy="pandcontouren circa 0,3 m",
            docs_url="https://api.pdok.nl/kadaster/bag/ogc/v2",
            url_status="confirmed",
            key_columns=("identificatie", "bouwjaar", "status", "gebruiksdoel"),
        ),
        Dataset(
            name="natura2000",
            title="Natura 2000-gebieden",
            theme="nature",
            path="/rvo/natura2000/ogc/v1",
            collections=("natura2000",),
            publisher="RVO / Ministerie van LVVN via PDOK",
            licence="Public Domain Mark 1.0",
            attribution="Natura 2000 © RVO via PDOK",
            accuracy="aanwijzingsbesluiten, schaal circa 1:10.000",
            docs_url="https://api.pdok.nl/rvo/natura2000/ogc/v1",
            url_status="confirmed",
        ),
        Dataset(
            name="wegen",
            title="Nationaal Wegenbestand (NWB) wegvakken",
            theme="topography",
            path="/rws/nationaal-wegenbestand-wegen/ogc/v1",
            collections=("wegvakken",),
            publisher="Rijkswaterstaat via PDOK",
            licence="CC0 1.0",
            attribution="NWB © Rijkswaterstaat (CC0)",
            accuracy="hartlijnen, circa 1 m",
            docs_url="https://api.pdok.nl/rws/nationaal-wegenbestand-wegen/ogc/v1",
            url_status="confirmed",
            notes="ook als WFS: https://service.pdok.nl/rws/nationaal-wegenbestand-wegen/wfs/v1_0",
        ),
        Dataset(
            name="spoor",
            title="Spoorwegen (ProRail) sporen en tracé",
            theme="topography",
            path="/prorail/spoorwegen/ogc/v1",
            collections=("spooras", "trace"),
            publisher="ProRail via PDOK",
            licence="CC0 1.0",
            attribution="Spoorwegen © ProRail (CC0)",
            accuracy="spoorashartlijnen, circa 1 m",
            docs_url="https://api.pdok.nl/prorail/spoorwegen/ogc/v1",
            url_status="confirmed",
        ),
    )
}


def get_dataset(name: str) -> Dataset:
    """The registry entry ``name``; the error lists the known names."""
    try:
        return DATASETS[name]
    except KeyError:
        raise WlrGeoInputError(
            f"unknown dataset {name!r}",
            hint=f"use one of {', '.join(DATASETS)} (wlr-geo fetch --list-datasets)",
        ) from None


def parse_base_url_overrides(values: Iterable[str]) -> dict[str, str]:
    """Parse ``NAME=URL`` (one dataset) or a bare ``URL`` (key ``"*"``: every dataset)."""
    out: dict[str, str] = {}
    for value in values:
        name, sep, url = value.partition("=")
        if sep and not name.startswith(("http:", "https:")) and "/" not in name:
            get_dataset(name)
            out[name] = url
        else:
            out["*"] = value
    for url in out.values():
        if not url.startswith(("http://", "https://")):
            raise WlrGeoInputError(
                f"base URL {url!r} is not an http(s) URL",
                hint="write --base-url NAME=https://... or --base-url https://...",
            )
    return out


def resolve_base_url(
    dataset: Dataset,
    *,
    overrides: Mapping[str, str] | None = None,
    api_root: str | None = None,
) -> str:
    """Base URL for ``dataset``: per-dataset override, then ``*`` override, then env, then default.

    Order: ``overrides[name]``, env ``WLR_GEO_PDOK_URL_<NAME>``, ``overrides["*"]``, the API
    root (argument, env ``WLR_GEO_PDOK_ROOT`` or :data:`DEFAULT_API_ROOT`) + the dataset path.
    """
    overrides = overrides or {}
    env_key = "WLR_GEO_PDOK_URL_" + dataset.name.upper()
    for candidate in (overrides.get(dataset.name), os.environ.get(env_key), overrides.get("*")):
        if candidate:
            return candidate.rstrip("/")
    return dataset.base_url(api_root)


# --------------------------------------------------------------------------------------- area


@dataclass(frozen=True)
class Area:
    """The area to download: an RD box for the server query, and optionally polygons to select by.

    Attributes
    ----------
    bbox
        (x_min, y_min, x_max, y_max) in EPSG:28992 metres, sent as ``bbox`` with ``bbox-crs``.
    description
        Human-readable origin, e.g. ``"gemeente GM0546, GM0547"``; stored in the provenance.
    geometry
        Polygon(s) in RD; features not intersecting them are dropped from the output (the
        cache keeps the whole box). ``None`` for a plain box.
    """

    bbox: tuple[float, float, float, float]
    description: str
    geometry: BaseGeometry | None = None
    kind: str = "bbox"

    def query_bbox(self) -> str:
        """The bbox as sent to the server (whole metres, outward)."""
        x0, y0, x1, y1 = self.bbox
        return f"{math.floor(x0)},{math.floor(y0)},{math.ceil(x1)},{math.ceil(y1)}"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "description": self.description, "bbox": list(self.bbox)}


def _check_bbox(bbox: Sequence[float], *, what: str) -> tuple[float, float, float, float]:
    if len(bbox) != 4 or not all(math.isfinite(v) for v in bbox):
        raise WlrGeoInputError(
            f"{what}: a bbox needs four finite numbers, got {list(bbox)}",
            hint="write --bbox xmin,ymin,xmax,ymax in RD metres, e.g. 90000,455000,100000,470000",
        )
    x0, y0, x1, y1 = (float(v) for v in bbox)
    if not (x0 < x1 and y0 < y1):
        raise WlrGeoInputError(
            f"{what}: bbox {x0:g},{y0:g},{x1:g},{y1:g} is empty or inverted",
            hint="order is xmin,ymin,xmax,ymax with xmin < xmax and ymin < ymax",
        )
    bx0, by0, bx1, by1 = RD_BOUNDS_M
    if x0 < bx0 or y0 < by0 or x1 > bx1 or y1 > by1:
        looks_degrees = all(abs(v) <= 180 for v in (x0, y0, x1, y1))
        raise WlrGeoInputError(
            f"{what}: bbox {x0:g},{y0:g},{x1:g},{y1:g} lies outside the RD New area "
            f"(x {bx0:.0f}…{bx1:.0f}, y {by0:.0f}…{by1:.0f} m)",
            hint="these look like degrees: give the box in RD metres (EPSG:28992)"
            if looks_degrees else "give the box in RD metres (EPSG:28992)",
        )
    return (x0, y0, x1, y1)


def area_from_bbox(value: str | Sequence[float]) -> Area:
    """An :class:`Area` from ``"xmin,ymin,xmax,ymax"`` (RD metres) or a 4-sequence."""
    if isinstance(value, str):
        parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
        try:
            numbers = [float(p) for p in parts]
        except ValueError:
            raise WlrGeoInputError(
                f"--bbox {value!r} is not four numbers",
                hint="write --bbox xmin,ymin,xmax,ymax in RD metres, e.g. 90000,455000,100000,470000",
            ) from None
    else:
        numbers = [float(v) for v in value]
    bbox = _check_bbox(numbers, what="--bbox")
    return Area(bbox=bbox, description="bbox " + ",".join(f"{v:g}" for v in bbox), kind="bbox")


def area_from_gemeenten(
    codes: Sequence[str],
    *,
    boundaries: str | os.PathLike[str] | None = None,
    layer: str = "municipalities",
    code_column: str = "gm_code",
) -> Area:
    """The area of one or more municipalities (``GM0546`` or ``0546``) from a boundary layer.

    Default boundaries: the embedded ``boundaries.gpkg`` layer ``municipalities``. The box is
    the municipalities' total bounds; their union is used to select features in the output.
    """
    from wlr_geo.catalog import embedded_path
    from wlr_geo.io.vector import read_layer

    if not codes:
        raise WlrGeoInputError("no municipality code given", hint="write --gemeente GM0546")
    wanted = []
    for code in codes:
        c = str(code).strip().upper()
        if c.isdigit():
            c = "GM" + c.zfill(4)
        wanted.append(c)
    src = Path(boundaries) if boundaries is not None else embedded_path("boundaries.gpkg")
    gm = read_layer(src, layer)
    if code_column not in gm.columns:
        raise WlrGeoInputError(
            f"the boundary layer has no column {code_column!r}", source=str(src), layer=layer,
            hint=f"columns: {', '.join(map(str, gm.columns))}",
        )
    known = sorted(str(v) for v in gm[code_column].dropna().unique())
    missing = [c for c in wanted if c not in known]
    if missing:
        raise WlrGeoInputError(
            f"unknown municipality code(s) {', '.join(missing)}", source=str(src), layer=layer,
            hint=f"the boundary layer has: {', '.join(known)}; for another municipality use --bbox",
        )
    sel = gm[gm[code_column].astype(str).isin(wanted)]
    union = shapely.union_all(sel.geometry.values)
    bbox = _check_bbox(tuple(float(v) for v in sel.total_bounds), what="municipalities")
    return Area(bbox=bbox, description="gemeente " + ", ".join(wanted), geometry=union, kind="gemeente")


def area_from_route(
    route: str | os.PathLike[str],
    *,
    layer: str | None = None,
    buffer_m: float = 500.0,
) -> Area:
    """The area within ``buffer_m`` metres of a route layer (``PATH[:LAYER]``)."""
    from wlr_geo.io.vector import parse_layer_spec, read_layer

    if not (math.isfinite(buffer_m) and buffer_m >= 0):
        raise WlrGeoInputError(f"--buffer-m must be a number ≥ 0, got {buffer_m}")
    spec = parse_layer_spec(route)
    lyr = layer or spec.layer
    gdf = read_layer(spec.path, lyr)
    union = shapely.union_all(gdf.geometry.values)
    zone = union.buffer(buffer_m) if buffer_m > 0 else union
    if zone.is_empty:
        raise WlrGeoInputError("the route layer has no usable geometry", source=str(spec.path), layer=lyr)
    bbox = _check_bbox(tuple(float(v) for v in zone.bounds), what="route buffer")
    if bbox[0] == bbox[2] or bbox[1] == bbox[3]:
        raise WlrGeoInputError("the route buffer has no area", hint="use --buffer-m > 0")
    desc = f"route {spec}" + (f" + {buffer_m:g} m" if buffer_m else "")
    geom = zone if zone.area > 0 else None
    return Area(bbox=bbox, description=desc, geometry=geom, kind="route")


def select_in_area(gdf: Any, area: Area, *, cut: bool = False) -> Any:
    """Features of ``gdf`` (EPSG:28992) that intersect the area's polygons (or its box).

    Whole features are kept by default (a building or a wijk is not cut in two); features that
    only touch the area's border (a neighbouring municipality) are dropped. ``cut=True`` clips
    geometries to the area instead. The input is not changed.
    """
    import geopandas as gpd

    mask_geom = area.geometry if area.geometry is not None else shapely.box(*area.bbox)
    if len(gdf) == 0:
        return gdf.copy()
    if cut:
        return gpd.clip(gdf, mask_geom, keep_geom_type=True)
    hits = set(gdf.sindex.query(mask_geom, predicate="intersects").tolist())
    # a neighbour that only shares a border with the area is not in it
    hits -= set(gdf.sindex.query(mask_geom, predicate="touches").tolist())
    return gdf.iloc[sorted(hits)].copy()
