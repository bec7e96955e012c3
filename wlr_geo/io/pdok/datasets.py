"""The PDOK dataset registry and the download area of ``wlr-geo fetch``.

:data:`DATASETS` names every dataset a WLR analysis downloads from PDOK's OGC API Features:
the service base URL, the collection(s), publisher, licence and attribution, the standard
columns each fetched layer gets (``gm_code``, ``wk_naam``, ...) next to PDOK's own, and for
every entry *how* it was confirmed (:attr:`Dataset.sources`). Nothing here touches the network;
:mod:`wlr_geo.io.pdok.download` does, and only when asked.

How PDOK's OGC API servers behave (checked in the source of PDOK's server, gokoala,
github.com/PDOK/gokoala):

* ``internal/ogc/features/url.go``: the items endpoint accepts only ``f``, ``limit``,
  ``cursor``, ``crs``, ``datetime``, ``bbox``, ``bbox-crs``, ``filter``, ``filter-crs``,
  ``profile`` and configured property filters; any other parameter is an error (HTTP 400). A
  ``limit`` above the maximum is silently lowered to it. Paging is by ``cursor``: the next link
  is absolute and repeats every parameter (so ``crs``, ``bbox`` and ``bbox-crs`` are kept).
  ``datetime`` is refused (400) for a collection without temporal properties.
* ``config/ogcapi_features_collection.go``: ``limit`` default 10, maximum 1000.
* ``internal/ogc/features/domain/geojson.go``: a page has ``numberReturned`` and ``links``
  but no ``numberMatched``.
* ``config/ogcapi_features.go``: gokoala does not reproject; a ``crs`` is served only from a
  datasource stored in that CRS. Hence the CRS and bounds checks in :mod:`wlr_geo.io.pdok.download`.

Every base URL can be overridden (``WLR_GEO_PDOK_ROOT`` for the ``https://api.pdok.nl`` root,
``WLR_GEO_PDOK_URL_<NAME>`` or ``--base-url NAME=URL`` per dataset), which is also how the
tests point the downloader at a local server.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import shapely
from shapely.geometry.base import BaseGeometry

from wlr_geo._errors import WlrGeoInputError
from wlr_geo._nl import nl
from wlr_geo.crs import RD_BOUNDS_M

__all__ = [
    "BGT_DOWNLOAD_PATH",
    "CBS_NODATA",
    "CBS_YEARS",
    "DATASETS",
    "DEFAULT_API_ROOT",
    "DEFAULT_CBS_YEAR",
    "OGC_QUERY_PARAMETERS",
    "RD_CRS_URI",
    "ROLE_COLUMNS",
    "Area",
    "Dataset",
    "area_from_bbox",
    "area_from_gemeenten",
    "area_from_route",
    "bgt_current_mask",
    "bgt_geofilter",
    "get_dataset",
    "parse_base_url_overrides",
    "resolve_base_url",
    "select_in_area",
]

#: Root of PDOK's OGC APIs; override with the environment variable ``WLR_GEO_PDOK_ROOT``.
DEFAULT_API_ROOT = "https://api.pdok.nl"
#: OGC CRS URI of RD New, for the ``crs`` and ``bbox-crs`` query parameters (OGC API Features Part 2).
RD_CRS_URI = "http://www.opengis.net/def/crs/EPSG/0/28992"
#: The only query parameters wlr_geo sends to an items endpoint (gokoala answers 400 on unknown ones).
OGC_QUERY_PARAMETERS = ("f", "limit", "crs", "bbox", "bbox-crs", "datetime")
#: PDOK's BGT download API (asynchronous custom extracts), below the API root. Flow, from
#: PDOK's API description and the PDOK BGT FAQ (pdok.nl/bgt-faq): POST ``/full/custom`` with
#: ``{"featuretypes": [...], "format": "citygml", "geofilter": "<WKT (Multi)Polygon in
#: EPSG:28992, no inner rings>"}`` → ``downloadRequestId``; GET
#: ``/full/custom/{id}/status`` until ``status`` is ``COMPLETED``; GET the zip at
#: ``_links.download.href``. The extract covers whole delivery squares (more than the area);
#: citygml holds history too (an object with ``eindRegistratie`` is historic).
BGT_DOWNLOAD_PATH = "/lv/bgt/download/v1_0"

#: Column roles a fetched layer can fill → the standard column that plays the role. The
#: standard names are the analyses' defaults (``ImpactOptions.municipality_column = "gm_naam"``,
#: ``wijk_column = "wk_naam"``, ``estimate_wijk_inhabitants(code_column="gm_code")``).
ROLE_COLUMNS: dict[str, str] = {
    "municipality_code": "gm_code",
    "municipality_name": "gm_naam",
    "wijk_code": "wk_code",
    "wijk_name": "wk_naam",
    "buurt_code": "bu_code",
    "buurt_name": "bu_naam",
    "inhabitants": "inwoners",
    "households": "huishoudens",
}

Confidence = Literal["confirmed", "best knowledge"]
#: CBS key-figure codes that stand for "no value" and are stored as empty (null): −99997
#: (confidential, too few observations), −99995 (not yet available: a later release fills it
#: in) and −99991, a third no-value code seen on the live service (issue 20; it was missed
#: before). No key figure of the wijken-en-buurten services can legitimately take these values.
CBS_NODATA: tuple[float, ...] = (-99997.0, -99995.0, -99991.0)
#: CBS "wijken en buurten" services on PDOK per year (``/cbs/wijken-en-buurten-{year}/ogc/v1``)
#: and how complete their key figures are. CBS publishes a year's map first with part of the
#: figures and fills in the rest in later releases; the 2024 service is a first, partial release
#: (many figures −99995, seen on the live service: issue 20 and public client code that falls
#: back to 2023 for them). The paths of all three years appear in public clients of PDOK.
CBS_YEARS: dict[int, str] = {
    2023: "complete",
    2024: "partial (first release: many key figures still -99995)",
    2025: "partial (first release)",
}
#: The newest year whose key figures are complete.
DEFAULT_CBS_YEAR = max(y for y, s in CBS_YEARS.items() if s == "complete")


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
        ``"confirmed"`` when the service path and collection ids were found in PDOK's
        documentation, PDOK's server configuration or public code calling the live service;
        ``"best knowledge"`` otherwise.
    rd_output
        ``"confirmed"`` when PDOK documents EPSG:28992 output for this service; otherwise the
        downloader's CRS and bounds checks are what protect against a server ignoring ``crs``.
    sources
        How the entry was confirmed: documents and code, named.
    key_columns
        Attribute columns an analysis relies on (documentation; all properties are kept).
    nodata_values
        Numeric sentinel values that stand for "no data" and are stored as null.
    standard_columns
        Standard column → PDOK property it is copied from (the original is kept).
    id_column
        The standard column holding a unique id (``id_column`` of the catalogue entry).
    current_only
        ``"bgt"``: keep only current BGT objects (:func:`bgt_current_mask`).
    year
        The CBS year of a yearly service (:data:`CBS_YEARS`), else ``None``.
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
    rd_output: Confidence = "best knowledge"
    sources: tuple[str, ...] = ()
    notes: str = ""
    key_columns: tuple[str, ...] = ()
    nodata_values: tuple[float, ...] = ()
    standard_columns: Mapping[str, str] = field(default_factory=dict)
    id_column: str | None = None
    current_only: Literal["bgt"] | None = None
    year: int | None = None

    def base_url(self, api_root: str | None = None) -> str:
        """Service base URL with the default or given API root."""
        root = (api_root or os.environ.get("WLR_GEO_PDOK_ROOT") or DEFAULT_API_ROOT).rstrip("/")
        return root + self.path

    @property
    def roles(self) -> dict[str, str]:
        """Column role → standard column, for the roles this dataset fills."""
        return {role: col for role, col in ROLE_COLUMNS.items() if col in self.standard_columns}

    def with_year(self, year: int | None) -> Dataset:
        """This yearly (CBS) dataset for ``year`` (``None``: unchanged)."""
        if year is None or self.year is None or year == self.year:
            return self
        if year not in CBS_YEARS:
            raise WlrGeoInputError(
                f"geen CBS-dienst wijken-en-buurten voor {year}",
                hint=f"gebruik een van {', '.join(map(str, CBS_YEARS))} (standaard {DEFAULT_CBS_YEAR}, "
                     "het nieuwste jaar met volledige kerncijfers)",
            )
        old, new = str(self.year), str(year)
        return dataclasses.replace(
            self, year=year, path=self.path.replace(old, new), title=self.title.replace(old, new),
            docs_url=self.docs_url.replace(old, new),
        )

    @property
    def release(self) -> str | None:
        """How complete a yearly service's key figures are (``None`` for other datasets)."""
        return None if self.year is None else CBS_YEARS.get(self.year, "unknown")


_CBS_KEYS = (
    "aantal_inwoners", "aantal_huishoudens", "woningvoorraad",
    "gemiddeld_gasverbruik_totaal", "gemiddeld_elektriciteitsverbruik_totaal",
)
_CBS_SOURCES = (
    "service path and collections gemeenten/wijken/buurten per year: public clients of the live "
    "service (api.pdok.nl/cbs/wijken-en-buurten-2023|2024|2025/ogc/v1, collections wijken and buurten)",
    "properties gemeentecode ('GM0363'), gemeentenaam, wijkcode ('WK010601'), wijknaam, buurtcode, "
    "buurtnaam, aantal_inwoners, aantal_huishoudens: public client code reading these services; "
    "energy figures' names are best knowledge",
    "null codes -99997/-99995/-99991 and the partial 2024 release: issue 20 (live-service review)",
    "EPSG:28992 output: not documented; guarded by the Content-Crs and RD-bounds checks",
)


def _cbs(level: Literal["wijken", "buurten"]) -> Dataset:
    year = DEFAULT_CBS_YEAR
    columns = {"gm_code": "gemeentecode", "gm_naam": "gemeentenaam", "wk_code": "wijkcode"}
    if level == "wijken":
        columns["wk_naam"] = "wijknaam"
    else:
        columns |= {"bu_code": "buurtcode", "bu_naam": "buurtnaam"}
    columns |= {"inwoners": "aantal_inwoners", "huishoudens": "aantal_huishoudens"}
    return Dataset(
        name=level,
        title=f"CBS-{level} {year} met kerncijfers",
        theme="districts",
        path=f"/cbs/wijken-en-buurten-{year}/ogc/v1",
        collections=(level,),
        publisher="CBS via PDOK",
        licence="CC BY 4.0",
        attribution="Wijken en buurten © CBS, Kadaster (CC BY 4.0)",
        accuracy=f"{level[:-2]}grenzen CBS (niet gegeneraliseerd); kerncijfers per 1 januari",
        docs_url=f"https://api.pdok.nl/cbs/wijken-en-buurten-{year}/ogc/v1",
        url_status="confirmed",
        rd_output="best knowledge",
        sources=_CBS_SOURCES,
        notes="kerncijfers -99997 (geheim), -99995 (nog niet beschikbaar) en -99991 (geen waarde) "
              "worden als leeg opgeslagen",
        key_columns=_CBS_KEYS,
        nodata_values=CBS_NODATA,
        standard_columns=columns,
        id_column="wk_code" if level == "wijken" else "bu_code",
        year=year,
    )


DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            name="gemeenten",
            title="Gemeentegrenzen (Bestuurlijke gebieden, Kadaster)",
            theme="boundaries",
            path="/kadaster/brk-bestuurlijke-gebieden/ogc/v1",
            collections=("gemeentegebied",),
            publisher="Kadaster via PDOK",
            licence="CC BY 4.0",
            attribution="Bestuurlijke gebieden © Kadaster (CC BY 4.0)",
            accuracy="juridische grenzen uit de BRK (niet gegeneraliseerd)",
            docs_url="https://api.pdok.nl/kadaster/brk-bestuurlijke-gebieden/ogc/v1",
            url_status="confirmed",
            rd_output="confirmed",
            sources=(
                "service path /kadaster/brk-bestuurlijke-gebieden/ogc/v1 and collection "
                "gemeentegebied: PDOK's current service page (issue 20) and public clients of the "
                "live service; the older /kadaster/bestuurlijkegebieden/ogc/v1 is outdated",
                "properties identificatie ('GM0344'), naam, code ('0344'): public client tests "
                "against the service; licence CC BY 4.0: the landing page's license link",
                "EPSG:28992 output: issue 20 (PDOK documentation)",
            ),
            key_columns=("identificatie", "naam"),
            standard_columns={"gm_code": "identificatie", "gm_naam": "naam"},
            id_column="gm_code",
        ),
        _cbs("wijken"),
        _cbs("buurten"),
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
            rd_output="confirmed",
            sources=(
                "service path /lv/bgt/ogc/v1: PDOK leermodule OGC API (pdok.github.io/leermodule-ogc-api) "
                "and PDOK-maintained examples; collections wegdeel, waterdeel, spoor, pand: same",
                "the nine class names also as BGT download API feature types (public clients of "
                "api.pdok.nl/lv/bgt/download/v1_0)",
                "snake_case properties status, eind_registratie, termination_date: issue 20 (live service)",
                "EPSG:28992 output: issue 20 (PDOK documentation)",
            ),
            notes="alleen actuele objecten: status 'bestaand' zonder eind_registratie en termination_date",
            current_only="bgt",
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
            rd_output="best knowledge",
            sources=(
                "service path /kadaster/bag/ogc/v2 with collections pand and verblijfsobject: public "
                "clients of the live service (one of them asks crs and bbox-crs EPSG:28992)",
                "EPSG:28992 output: not documented; guarded by the Content-Crs and RD-bounds checks",
            ),
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
            rd_output="best knowledge",
            sources=(
                "service path /rvo/natura2000/ogc/v1 and collection natura2000: public clients of the "
                "live service and a published data inventory (licence Public Domain Mark 1.0)",
                "EPSG:28992 output: not documented; guarded by the Content-Crs and RD-bounds checks",
            ),
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
            rd_output="confirmed",
            sources=(
                "service path and collection wegvakken (also hectopunten): public clients and "
                "published example links (incl. crs=EPSG:28992 on wegvakken items); licence CC0 1.0",
                "EPSG:28992 output: issue 20 (PDOK documentation)",
            ),
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
            rd_output="best knowledge",
            sources=(
                "service path: the service's own collections document (licence CC0 1.0; its "
                "kilometrering collection lists EPSG:28992 and is stored in it); collection "
                "station in public clients; spooras and trace: issue 20's review of PDOK's page",
                "EPSG:28992 output of spooras/trace: not documented; guarded by the Content-Crs "
                "and RD-bounds checks",
            ),
        ),
    )
}


def get_dataset(name: str, *, year: int | None = None) -> Dataset:
    """The registry entry ``name`` (for a CBS dataset: of ``year``); the error lists the names."""
    try:
        ds = DATASETS[name]
    except KeyError:
        raise WlrGeoInputError(
            f"onbekende dataset {name!r}",
            hint=f"gebruik een van {', '.join(DATASETS)} (wlr-geo fetch --list-datasets)",
        ) from None
    return ds.with_year(year)


def bgt_current_mask(frame: Any) -> Any:
    """Boolean Series: which BGT objects are current, by the rule of the BGT GML reader.

    Current = ``status`` is ``bestaand`` (any case) and neither ``eind_registratie`` nor
    ``termination_date`` holds a value (PDOK BGT FAQ: an object with an end of registration is
    history; a termination date ends the object itself). ``frame`` has the snake_case
    properties of PDOK's BGT OGC API.

    Raises
    ------
    KeyError
        When ``status`` is missing: currency cannot be decided, nothing is guessed.
    """
    import pandas as pd

    if "status" not in frame.columns:
        raise KeyError("status")
    status = frame["status"].astype("string").str.strip().str.casefold()
    keep = status.eq("bestaand").fillna(False)
    for col in ("eind_registratie", "termination_date"):
        if col in frame.columns:
            value = frame[col]
            empty = value.isna() | value.astype("string").str.strip().eq("").fillna(False)
            keep &= empty
    return pd.Series(keep.to_numpy(dtype=bool), index=frame.index)


def bgt_geofilter(area: Area, *, tolerance_m: float = 2.0, max_vertices: int = 1000) -> str:
    """The area as the ``geofilter`` of a BGT download request: a WKT (Multi)Polygon in
    EPSG:28992 without inner rings (PDOK BGT FAQ), coordinates to the centimetre.

    The area is grown by a tolerance and simplified by the same amount, so that the filter still
    covers it; the tolerance grows (×5 at a time) until at most ``max_vertices`` remain, which
    keeps the request small for the outline of ten municipalities. The extract covers whole
    delivery squares anyway, and the output is selected to the area afterwards.
    """
    from shapely.geometry import MultiPolygon, Polygon

    geom = area.geometry if area.geometry is not None else shapely.box(*area.bbox)
    tol = tolerance_m
    while True:
        grown = geom.buffer(tol, join_style="mitre").simplify(tol, preserve_topology=True)
        parts = [grown] if isinstance(grown, Polygon) else list(getattr(grown, "geoms", []))
        shells = [Polygon(p.exterior) for p in parts if isinstance(p, Polygon) and not p.is_empty]
        out: BaseGeometry = shells[0] if len(shells) == 1 else MultiPolygon(shells)
        if shapely.get_num_coordinates(out) <= max_vertices or tol > 10_000:
            return shapely.to_wkt(out, rounding_precision=2, trim=True)
        tol *= 5


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
                f"basis-URL {url!r} is geen http(s)-URL",
                hint="schrijf --base-url NAME=https://... of --base-url https://...",
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
    codes
        Municipality codes (``GM0546``) of a ``--gemeente`` area: a layer with the standard
        column ``gm_code`` is selected by code, exactly, instead of by the (generalised)
        embedded boundary.
    """

    bbox: tuple[float, float, float, float]
    description: str
    geometry: BaseGeometry | None = None
    kind: str = "bbox"
    codes: tuple[str, ...] = ()

    def query_bbox(self) -> str:
        """The bbox as sent to the server (whole metres, outward)."""
        x0, y0, x1, y1 = self.bbox
        return f"{math.floor(x0)},{math.floor(y0)},{math.ceil(x1)},{math.ceil(y1)}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "description": self.description, "bbox": list(self.bbox)}
        if self.codes:
            out["codes"] = list(self.codes)
        return out


def _check_bbox(bbox: Sequence[float], *, what: str) -> tuple[float, float, float, float]:
    if len(bbox) != 4 or not all(math.isfinite(v) for v in bbox):
        raise WlrGeoInputError(
            f"{what}: een bbox heeft vier eindige getallen nodig, gekregen: {list(bbox)}",
            hint="schrijf --bbox xmin,ymin,xmax,ymax in RD-meters, bijv. 90000,455000,100000,470000",
        )
    x0, y0, x1, y1 = (float(v) for v in bbox)
    if not (x0 < x1 and y0 < y1):
        raise WlrGeoInputError(
            f"{what}: bbox {x0:g},{y0:g},{x1:g},{y1:g} is leeg of omgekeerd",
            hint="geef de volgorde xmin,ymin,xmax,ymax met xmin < xmax en ymin < ymax",
        )
    bx0, by0, bx1, by1 = RD_BOUNDS_M
    if x0 < bx0 or y0 < by0 or x1 > bx1 or y1 > by1:
        looks_degrees = all(abs(v) <= 180 for v in (x0, y0, x1, y1))
        raise WlrGeoInputError(
            f"{what}: bbox {x0:g},{y0:g},{x1:g},{y1:g} ligt buiten het RD New-gebied "
            f"(x {nl(bx0, 0)}…{nl(bx1, 0)}, y {nl(by0, 0)}…{nl(by1, 0)} m)",
            hint="dit lijken graden: geef het vak in RD-meters (EPSG:28992)"
            if looks_degrees else "geef het vak in RD-meters (EPSG:28992)",
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
                f"--bbox {value!r} is geen reeks van vier getallen",
                hint="schrijf --bbox xmin,ymin,xmax,ymax in RD-meters, bijv. 90000,455000,100000,470000",
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
        raise WlrGeoInputError("geen gemeentecode opgegeven", hint="schrijf --gemeente GM0546")
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
            f"de grenslaag heeft geen kolom {code_column!r}", source=str(src), layer=layer,
            hint=f"kies uit de kolommen: {', '.join(map(str, gm.columns))}",
        )
    known = sorted(str(v) for v in gm[code_column].dropna().unique())
    missing = [c for c in wanted if c not in known]
    if missing:
        raise WlrGeoInputError(
            f"onbekende gemeentecode(s) {', '.join(missing)}", source=str(src), layer=layer,
            hint=f"de grenslaag heeft: {', '.join(known)}; gebruik voor een andere gemeente --bbox",
        )
    sel = gm[gm[code_column].astype(str).isin(wanted)]
    union = shapely.union_all(sel.geometry.values)
    bbox = _check_bbox(tuple(float(v) for v in sel.total_bounds), what="gemeenten")
    return Area(bbox=bbox, description="gemeente " + ", ".join(wanted), geometry=union, kind="gemeente",
                codes=tuple(wanted))


def area_from_route(
    route: str | os.PathLike[str],
    *,
    layer: str | None = None,
    buffer_m: float = 500.0,
) -> Area:
    """The area within ``buffer_m`` metres of a route layer (``PATH[:LAYER]``)."""
    from wlr_geo.io.vector import parse_layer_spec, read_layer

    if not (math.isfinite(buffer_m) and buffer_m >= 0):
        raise WlrGeoInputError(f"--buffer-m moet een getal ≥ 0 zijn, gekregen: {nl(buffer_m)}")
    spec = parse_layer_spec(route)
    lyr = layer or spec.layer
    gdf = read_layer(spec.path, lyr)
    union = shapely.union_all(gdf.geometry.values)
    zone = union.buffer(buffer_m) if buffer_m > 0 else union
    if zone.is_empty:
        raise WlrGeoInputError("de tracélaag heeft geen bruikbare geometrie", source=str(spec.path), layer=lyr)
    bbox = _check_bbox(tuple(float(v) for v in zone.bounds), what="tracébuffer")
    if bbox[0] == bbox[2] or bbox[1] == bbox[3]:
        raise WlrGeoInputError("de tracébuffer heeft geen oppervlakte", hint="gebruik --buffer-m > 0")
    desc = f"tracé {spec}" + (f" + {nl(buffer_m)} m" if buffer_m else "")
    geom = zone if zone.area > 0 else None
    return Area(bbox=bbox, description=desc, geometry=geom, kind="route")


def select_in_area(gdf: Any, area: Area, *, cut: bool = False) -> Any:
    """Features of ``gdf`` (EPSG:28992) that intersect the area's polygons (or its box).

    Whole features are kept by default (a building or a wijk is not cut in two); features that
    only touch the area's border (a neighbouring municipality) are dropped. ``cut=True`` clips
    geometries to the area instead. For an area of municipality codes, a layer with a
    ``gm_code`` column (gemeenten, CBS wijken and buurten) is selected by code and never
    clipped: the embedded boundaries are generalised, the codes are exact. The input is not
    changed.
    """
    import geopandas as gpd

    mask_geom = area.geometry if area.geometry is not None else shapely.box(*area.bbox)
    if len(gdf) == 0:
        return gdf.copy()
    if area.codes and "gm_code" in gdf.columns and gdf["gm_code"].notna().any():
        return gdf[gdf["gm_code"].astype("string").isin(area.codes).fillna(False).to_numpy()].copy()
    if cut:
        return gpd.clip(gdf, mask_geom, keep_geom_type=True)
    hits = set(gdf.sindex.query(mask_geom, predicate="intersects").tolist())
    # a neighbour that only shares a border with the area is not in it
    hits -= set(gdf.sindex.query(mask_geom, predicate="touches").tolist())
    return gdf.iloc[sorted(hits)].copy()
