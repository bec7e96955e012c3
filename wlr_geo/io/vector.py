"""Reading and writing layers.

Readers accept every vector format GDAL reads (GeoPackage, GeoJSON, Shapefile, FlatGeobuf, GML,
KML, ...) and GeoParquet. Every layer comes out in EPSG:28992, validated and repaired
(:mod:`wlr_geo.validate`), with its provenance in ``gdf.attrs["wlr_geo"]``. Writers produce
GeoPackage or GeoParquet atomically: the output appears complete under its name or not at all,
and input files are never opened for writing.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyogrio.errors
import shapely
import shapely.errors

from wlr_geo._atomic import atomic_path, file_sha256
from wlr_geo._errors import LayerNotFoundError, LayerReadError, WlrGeoInputError
from wlr_geo._nl import nl
from wlr_geo.crs import ensure_rd
from wlr_geo.validate import validate_layer

__all__ = [
    "GPKG_VERSION",
    "GpkgLayer",
    "LayerSpec",
    "file_sha256",
    "list_layers",
    "parse_layer_spec",
    "read_gpkg_metadata",
    "read_layer",
    "split_by_geometry",
    "write_layer",
    "write_layers",
]

log = logging.getLogger("wlr_geo")

_PARQUET_SUFFIXES = {".parquet", ".geoparquet", ".pq"}


@dataclass(frozen=True)
class LayerSpec:
    """A file and an optional layer name, as written ``PATH[:LAYER]`` on the command line."""

    path: Path
    layer: str | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.layer}" if self.layer else str(self.path)


def parse_layer_spec(text: str | os.PathLike[str]) -> LayerSpec:
    """Split ``"file.gpkg:layer"`` into path and layer; a plain path has no layer.

    A colon is only taken as the separator when the part before it is an existing file or has
    a known GIS suffix, so Windows drive letters and URLs are left alone.
    """
    s = str(text)
    if ":" in s and not Path(s).exists():
        head, _, tail = s.rpartition(":")
        if head and tail and ("/" not in tail and "\\" not in tail) and (Path(head).suffix or Path(head).exists()):
            return LayerSpec(Path(head), tail)
    return LayerSpec(Path(s))


def list_layers(path: str | os.PathLike[str]) -> list[str]:
    """Names of the layers in a GIS file (a GeoParquet file has one, named after the file).

    Examples
    --------
    >>> import wlr_geo
    >>> from wlr_geo.catalog import embedded_path
    >>> sorted(wlr_geo.list_layers(embedded_path("boundaries.gpkg")))
    ['municipalities', 'wijken']
    """
    p = Path(path)
    if not p.exists():
        raise LayerReadError(
            "het bestand bestaat niet", source=str(p),
            hint="controleer het pad (relatieve paden gelden vanaf de map van het configuratiebestand)",
        )
    if p.suffix.lower() in _PARQUET_SUFFIXES:
        return [p.stem]
    try:
        names = [str(name) for name in pyogrio.list_layers(p)[:, 0]]
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError, UnicodeDecodeError) as exc:
        raise LayerReadError(
            f"GDAL kan het bestand niet als GIS-laag openen: {_first_line(exc)}",
            source=str(p),
            hint="controleer of het bestand compleet is (niet afgekapt) en in een vectorformaat staat dat GDAL leest",
        ) from None
    return [n for n in names if n not in NON_DATA_TABLES] if p.suffix.lower() == ".gpkg" else names


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def read_layer(
    path: str | os.PathLike[str] | LayerSpec,
    layer: str | None = None,
    *,
    assume_crs: str | int | None = None,
    id_column: str | None = None,
    geometry_types: list[str] | None = None,
    allow_empty: bool = False,
    encoding: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    columns: list[str] | None = None,
) -> gpd.GeoDataFrame:
    """Read one layer into a validated GeoDataFrame in EPSG:28992.

    Parameters
    ----------
    path
        Any file GDAL reads, or GeoParquet (``.parquet``); or a :class:`LayerSpec`.
    layer
        Layer name for multi-layer files. If the file has several layers and none is named,
        the error lists them.
    assume_crs
        CRS to assume when the file declares none (otherwise that is an error).
    id_column
        Column whose values must be unique.
    geometry_types
        Allowed families (``"point"``, ``"line"``, ``"polygon"``).
    allow_empty
        Accept a layer with 0 features (default: error).
    encoding
        Text encoding for formats without one (Shapefile without ``.cpg``), e.g. ``"cp1252"``.
    bbox
        Only read features intersecting this RD box (x_min, y_min, x_max, y_max).

    Returns
    -------
    GeoDataFrame
        In EPSG:28992, with ``attrs["wlr_geo"]`` holding source, layer, sha256 and the
        :class:`~wlr_geo.validate.ValidationReport` as a dict. The index holds the features'
        ids: a GeoPackage's ``fid``; for other formats the row number (for Shapefile and
        FlatGeobuf that is their FID).

    Examples
    --------
    >>> from wlr_geo import read_layer
    >>> from wlr_geo.catalog import embedded_path
    >>> gm = read_layer(embedded_path("boundaries.gpkg"), "municipalities")
    >>> len(gm), gm.crs.to_epsg()
    (10, 28992)
    """
    if isinstance(path, LayerSpec):
        layer = layer or path.layer
        path = path.path
    p = Path(path)
    src = str(p)
    if not p.exists():
        raise LayerReadError(
            "het bestand bestaat niet", source=src,
            hint="controleer het pad (relatieve paden in een configuratie gelden vanaf de map van het configuratiebestand)",
        )
    gdf = _read_raw(p, layer, encoding=encoding, bbox=bbox, columns=columns)
    layer_name = layer or gdf.attrs.pop("_layer_name", None)
    gdf.attrs.pop("_layer_name", None)
    _check_text_encoding(gdf, source=src, layer=layer_name, encoding=encoding)
    if len(gdf) == 0 and p.suffix.lower() in {".gml", ".xml"} and (members := _count_gml_members(p)) > 0:
        raise LayerReadError(
            f"GDAL las 0 objecten uit een GML-bestand met {nl(members)} featureMember-element(en)",
            source=src, layer=layer_name,
            hint="controleer het bestand: het is waarschijnlijk afgekapt of niet welgevormd "
            "(bijv. een niet-afgesloten hoofdelement)",
        )
    if len(gdf) == 0 and not allow_empty:
        raise LayerReadError(
            "de laag heeft geen objecten" + (" binnen het gevraagde gebied" if bbox else ""),
            source=src, layer=layer_name, hint="gebruik een laag met gegevens, of controleer of het bestand compleet is",
        )
    unbuildable = int(gdf.attrs.pop("_unbuildable_fixed", 0) or 0)
    gdf = ensure_rd(gdf, source=src, layer=layer_name, assume_crs=assume_crs, check=False)
    gdf, report = validate_layer(
        gdf, source=src, layer=layer_name, id_column=id_column,
        geometry_types=geometry_types, allow_empty=allow_empty,
    )
    if report.repaired_invalid or report.dropped_collapsed or report.dropped_null or report.dropped_empty:
        log.info("%s: %s", layer_name or src, report.summary())
    if unbuildable:
        note = f"{nl(unbuildable)} geometrieën met open of te korte ringen bij het lezen gesloten"
        report.messages.append(note)
        log.info("%s: %s", layer_name or src, note)
    gdf.attrs["wlr_geo"] = {
        "source": src,
        "layer": layer_name,
        "sha256": file_sha256(p),
        "validation": report.to_dict(),
    }
    return gdf


def _read_raw(
    p: Path,
    layer: str | None,
    *,
    encoding: str | None,
    bbox: tuple[float, float, float, float] | None,
    columns: list[str] | None,
) -> gpd.GeoDataFrame:
    src = str(p)
    if p.suffix.lower() in _PARQUET_SUFFIXES:
        try:
            gdf = gpd.read_parquet(p, columns=columns, bbox=bbox)
        except (ValueError, OSError) as exc:
            raise LayerReadError(
                f"GeoParquet niet leesbaar: {_first_line(exc)}", source=src,
                hint="controleer of het bestand volledige GeoParquet is (met geo-metadata)",
            ) from None
        gdf.attrs["_layer_name"] = p.stem
        return gdf
    available = list_layers(p)
    if layer is None:
        if len(available) > 1:
            raise LayerReadError(
                f"het bestand heeft {nl(len(available))} lagen en er is geen laag genoemd: {', '.join(available)}",
                source=src,
                hint="noem er één, bijv. PATH:LAYER op de opdrachtregel of layer = \"...\" in de configuratie",
            )
        layer_name = available[0] if available else None
    else:
        if layer not in available:
            raise LayerNotFoundError(
                f"er is geen laag {layer!r}; het bestand heeft: {', '.join(available) or '(geen)'}",
                source=src, layer=layer, hint="gebruik een van de genoemde laagnamen",
            )
        layer_name = layer
    kwargs: dict[str, Any] = {}
    if encoding:
        kwargs["encoding"] = encoding
    if bbox is not None:
        kwargs["bbox"] = bbox
    if columns is not None:
        kwargs["columns"] = columns
    gpkg = p.suffix.lower() == ".gpkg"
    if gpkg:  # the index is the GeoPackage fid: the feature's stable id (as corridor reads and convert give it)
        kwargs["fid_as_index"] = True
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*Measured \\(M\\) geometry types.*")
            warnings.filterwarnings("ignore", message=".*Non closed ring detected.*")
            gdf = pyogrio.read_dataframe(p, layer=layer_name, on_invalid="ignore", **kwargs)
            # Geometries GEOS cannot even build (unclosed rings, rings of < 4 points) came back
            # as None: read again with on_invalid="fix" and keep the fixed ones, counted.
            unbuildable = 0
            if len(gdf) and isinstance(gdf, gpd.GeoDataFrame) and gdf.geometry.isna().any():
                fixed = pyogrio.read_dataframe(p, layer=layer_name, on_invalid="fix", **kwargs)
                was_null = gdf.geometry.isna().to_numpy() & fixed.geometry.notna().to_numpy()
                unbuildable = int(was_null.sum())
                if unbuildable:
                    gdf = fixed
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError,
            pyogrio.errors.FieldError, pyogrio.errors.GeometryError, OSError) as exc:
        raise LayerReadError(
            f"GDAL kon de laag niet lezen: {_first_line(exc)}",
            source=src, layer=layer_name,
            hint="het bestand is mogelijk afgekapt of beschadigd; exporteer of download het opnieuw",
        ) from None
    except UnicodeDecodeError as exc:
        raise LayerReadError(
            f"tekst in de laag is geen geldige {exc.encoding}: byte {exc.object[exc.start:exc.start + 1]!r} "
            f"op positie {exc.start}",
            source=src, layer=layer_name,
            hint="geef de tekenset van het bestand op (encoding='cp1252', CLI/configuratie: "
            "encoding = \"cp1252\") of sla het opnieuw op als UTF-8",
        ) from None
    except shapely.errors.GEOSException as exc:
        raise LayerReadError(
            f"een geometrie in de laag kan niet worden opgebouwd: {_first_line(exc)}",
            source=src, layer=layer_name,
            hint="repareer de geometrieën in de bron (bijv. QGIS 'Geometrieën repareren' / 'Fix geometries')",
        ) from None
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise LayerReadError(
            "de laag heeft geen geometriekolom (alleen een attributentabel)", source=src, layer=layer_name,
            hint="gebruik een ruimtelijke laag",
        )
    if gpkg:
        gdf.index = pd.Index(np.asarray(gdf.index, dtype=np.int64))  # unnamed: never written out as a column
    gdf.attrs["_layer_name"] = layer_name
    gdf.attrs["_unbuildable_fixed"] = unbuildable
    return gdf


def _count_gml_members(p: Path, limit_bytes: int = 64 * 1024 * 1024) -> int:
    """Count feature member elements in a GML file by scanning its bytes (no XML parsing)."""
    n = 0
    tail = b""
    with open(p, "rb") as fh:
        read = 0
        while (block := fh.read(1 << 20)) and read < limit_bytes:
            read += len(block)
            chunk = tail + block
            n += len(re.findall(rb"<(?:[A-Za-z_][\w.-]*:)?(?:featureMember|member|cityObjectMember|featureMembers)[\s>]", chunk))
            tail = chunk[-64:]
            # a match inside the 64-byte overlap is counted twice only if it straddles; subtract those
            n -= len(re.findall(rb"<(?:[A-Za-z_][\w.-]*:)?(?:featureMember|member|cityObjectMember|featureMembers)[\s>]", tail))
    return n


def _check_text_encoding(gdf: gpd.GeoDataFrame, *, source: str, layer: str | None, encoding: str | None) -> None:
    """Raise when text columns hold C1 control characters (U+0080–U+009F): a wrong code page."""
    if encoding:
        return
    for col in gdf.columns:
        if col == gdf.geometry.name or not (
            pd.api.types.is_object_dtype(gdf[col]) or pd.api.types.is_string_dtype(gdf[col])
        ):
            continue
        values = gdf[col].dropna().astype(str)
        if values.empty:
            continue
        bad = values.str.contains("[\u0080-\u009f\ufffd]", regex=True)
        if bad.any():
            first = values[bad].index[0]
            raise WlrGeoInputError(
                f"tekst in kolom {col!r} is met de verkeerde tekenset gedecodeerd "
                f"(stuurtekens in {values[first]!r})",
                source=source, layer=layer, feature=str(first),
                hint="geef encoding='cp1252' op (CLI/configuratie: encoding = \"cp1252\") of voeg een .cpg-bestand toe",
            )


def _prepare_for_write(gdf: pd.DataFrame) -> pd.DataFrame:
    out = gdf.copy()
    geom_name = out.geometry.name if isinstance(out, gpd.GeoDataFrame) else None
    for col in out.columns:
        if col == geom_name:
            continue
        if out[col].dtype == object:
            # lists/dicts are not storable in GPKG: store them as text
            sample = out[col].dropna()
            if len(sample) and isinstance(sample.iloc[0], list | dict | tuple | set):
                out[col] = out[col].map(lambda v: None if v is None else str(v))
    return out


# ------------------------------------------------------------------------------ GeoPackage
#: The GeoPackage version wlr_geo writes. GDAL 3.12 writes 1.4 by default, which QGIS 3.22
#: (GDAL 3.6, Debian's LTR) opens with the warning that the file "may only be partially
#: supported"; 1.2 opens without a warning in every GDAL since 2.2 and holds everything wlr_geo
#: writes (features, attribute tables, the metadata extension, the layer_styles table).
GPKG_VERSION = "1.2"

#: The table in which QGIS keeps layer styles (the QGIS convention, also used by QGIS itself
#: when a style is saved "in the database"). :func:`list_layers` does not list it.
STYLE_TABLE = "layer_styles"

#: Tables in a GeoPackage that are not data layers (hidden by :func:`list_layers`).
NON_DATA_TABLES: frozenset[str] = frozenset({STYLE_TABLE, "qgis_projects"})

#: Geometry families of a layer: family → the GDAL geometry type names that belong to it.
GEOMETRY_FAMILIES: dict[str, tuple[str, ...]] = {
    "polygon": ("Polygon", "MultiPolygon"),
    "line": ("LineString", "MultiLineString", "LinearRing"),
    "point": ("Point", "MultiPoint"),
}


@dataclass(frozen=True)
class GpkgLayer:
    """What a GeoPackage layer carries besides its rows (:func:`write_layers`).

    Attributes
    ----------
    title
        ``gpkg_contents.identifier`` (shown as the layer's title by GDAL and QGIS); made unique
        within the file.
    description
        ``gpkg_contents.description`` (QGIS shows it as the layer's abstract).
    geometry_type
        The declared geometry type (``"Point"``, ``"MultiLineString"``, ...): an empty layer gets
        it instead of "Unknown", and a layer of single and multi parts is promoted to it. None:
        from the data.
    qml
        The layer's default QGIS style (QML text), stored in ``layer_styles``.
    style_name
        Name of that style (``styleName``).
    metadata
        Key → text stored for this layer in ``gpkg_metadata`` (scope ``table``).
    """

    title: str = ""
    description: str = ""
    geometry_type: str | None = None
    qml: str | None = None
    style_name: str = ""
    metadata: Mapping[str, str] = field(default_factory=dict)


def geometry_family(geom_type: str | None) -> str | None:
    """``"polygon"``, ``"line"`` or ``"point"`` for a geometry type name (None for others)."""
    if geom_type is None:
        return None
    for family, names in GEOMETRY_FAMILIES.items():
        if geom_type in names:
            return family
    return None


def split_by_geometry(gdf: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    """The rows of ``gdf`` per geometry family (``polygon``, ``line``, ``point``), in that order.

    Rows without a geometry go with the first family present (or ``polygon`` when there is none);
    geometry collections are left out of every part (no writer stores them in a typed layer).
    """
    types = gdf.geom_type
    parts: dict[str, gpd.GeoDataFrame] = {}
    for family, names in GEOMETRY_FAMILIES.items():
        mask = types.isin(names).to_numpy()
        if mask.any():
            parts[family] = gdf.loc[mask]
    missing = types.isna().to_numpy()
    if missing.any():
        first = next(iter(parts), "polygon")
        parts[first] = pd.concat([parts[first], gdf.loc[missing]]) if first in parts else gdf.loc[missing]
    return parts


def write_layer(
    gdf: gpd.GeoDataFrame,
    path: str | os.PathLike[str],
    layer: str | None = None,
    *,
    replace_file: bool = False,
) -> Path:
    """Write ``gdf`` atomically to a GeoPackage (``.gpkg``) or GeoParquet (``.parquet``).

    For a GeoPackage that exists, the layer is added or replaced in a copy which then replaces
    the original, so other layers survive and a failed write changes nothing. With
    ``replace_file=True`` the file is started afresh.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import wlr_geo
    >>> from wlr_geo.catalog import embedded_path
    >>> gm = wlr_geo.read_layer(embedded_path("boundaries.gpkg"), "municipalities")
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = wlr_geo.write_layer(gm, Path(folder.name) / "gemeenten.gpkg", "gemeenten")
    >>> wlr_geo.list_layers(path)
    ['gemeenten']
    >>> back = wlr_geo.read_layer(path, "gemeenten")
    >>> len(back) == len(gm), back.crs.to_epsg()
    (True, 28992)
    >>> folder.cleanup()
    """
    p = Path(path)
    suffix = p.suffix.lower()
    data = _prepare_for_write(gdf)
    if suffix in _PARQUET_SUFFIXES:
        with atomic_path(p) as tmp:
            data.to_parquet(tmp, index=False, write_covering_bbox=True, schema_version="1.1.0")
        return p
    if suffix != ".gpkg":
        raise WlrGeoInputError(
            f"kan geen {p.suffix or 'bestand zonder extensie'} schrijven", source=str(p),
            hint="schrijf .gpkg (GeoPackage) of .parquet (GeoParquet)",
        )
    name = layer or p.stem
    with atomic_path(p, copy_existing=not replace_file) as tmp:
        _write_gpkg_layer(data, tmp, name)
    return p


def _write_gpkg_layer(data: pd.DataFrame, path: Path, name: str, existing: set[str] | None = None,
                      info: GpkgLayer | None = None) -> None:
    kwargs: dict[str, Any] = {"layer": name, "driver": "GPKG"}
    layer_options: dict[str, str] = {}
    if path.exists():
        kwargs["append"] = False
        if existing is None:
            existing = set(list_layers(path))
        if name in existing:
            layer_options["OVERWRITE"] = "YES"
    else:
        kwargs["dataset_options"] = {"VERSION": GPKG_VERSION}
    if info is not None:
        if info.title:
            layer_options["IDENTIFIER"] = info.title
        if info.description:
            layer_options["DESCRIPTION"] = info.description
    if isinstance(data, gpd.GeoDataFrame):
        declared = info.geometry_type if info is not None else None
        geom_types = set(data.geom_type.dropna()) if len(data) else set()
        to_declared_multi = bool(declared and declared.startswith("Multi") and geom_types - {declared})
        mixed_parts = len(geom_types) > 1 and len({t.replace("Multi", "") for t in geom_types}) == 1
        if to_declared_multi or mixed_parts:
            kwargs["promote_to_multi"] = True
        if len(data) == 0 or not geom_types:
            kwargs["geometry_type"] = declared or "Unknown"
    if layer_options:
        kwargs["layer_options"] = layer_options
    with fixed_gpkg_date():
        pyogrio.write_dataframe(data, path, **kwargs)


@contextlib.contextmanager
def _gdal_config(options: Mapping[str, str]) -> Iterator[None]:
    """GDAL config ``options`` set for the block inside, then put back.

    GDAL's settings are process-wide, so the value each had before — the user's own, or none —
    is restored afterwards.
    """
    before = {key: pyogrio.get_gdal_config_option(key) for key in options}
    pyogrio.set_gdal_config_options(dict(options))
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(before)


def fixed_gpkg_date() -> contextlib.AbstractContextManager[None]:
    """GDAL's ``OGR_CURRENT_DATE`` fixed for the writes inside, then restored.

    GeoPackages store a last-change time: fixing it (to ``SOURCE_DATE_EPOCH`` or 1980-01-01,
    :func:`wlr_geo.io.tables.fixed_timestamp`) makes identical results identical files (the run
    time is in ``manifest.json``).
    """
    return _gdal_config({"OGR_CURRENT_DATE": _fixed_date()})


def _fixed_date() -> str:
    from wlr_geo.io.tables import fixed_timestamp

    return fixed_timestamp().strftime("%Y-%m-%dT%H:%M:%S.000Z")


def write_layers(
    layers: Mapping[str, pd.DataFrame],
    path: str | os.PathLike[str],
    *,
    info: Mapping[str, GpkgLayer] | None = None,
    metadata: Mapping[str, str] | None = None,
) -> Path:
    """Write several layers into one new GeoPackage atomically (all or nothing).

    Parameters
    ----------
    layers
        Layer name → GeoDataFrame (a feature layer) or DataFrame without geometry (an
        attribute table, e.g. ``klic_attachments``).
    path
        The ``.gpkg`` file (GeoPackage :data:`GPKG_VERSION`).
    info
        Per layer: title, description, declared geometry type, default QGIS style (QML) and
        metadata (:class:`GpkgLayer`). The styles go into the QGIS ``layer_styles`` table as
        each layer's default style; titles and descriptions into ``gpkg_contents``.
    metadata
        Key → text for the whole file: the file's own provenance (sources, dates, tool version,
        indicative status). Stored in ``gpkg_metadata`` (scope ``dataset``) with every table, in
        GDAL's metadata encoding so ``ogrinfo`` and QGIS show it per layer (not as file-level
        metadata, which makes GDAL write a ``.aux.xml`` sidecar whenever it reads the file).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import wlr_geo
    >>> from wlr_geo.catalog import embedded_path
    >>> src = embedded_path("boundaries.gpkg")
    >>> layers = {"gemeenten": wlr_geo.read_layer(src, "municipalities"),
    ...           "wijken": wlr_geo.read_layer(src, "wijken")}
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = wlr_geo.write_layers(layers, Path(folder.name) / "grenzen.gpkg")
    >>> sorted(wlr_geo.list_layers(path))
    ['gemeenten', 'wijken']
    >>> folder.cleanup()
    """
    p = Path(path)
    if not layers:
        raise WlrGeoInputError("niets om te schrijven", source=str(p))
    info = dict(info or {})
    with atomic_path(p) as tmp, _unsynced_sqlite():
        written: set[str] = set()
        titles: set[str] = set()
        for name, frame in layers.items():
            lay = info.get(name)
            if lay is not None and lay.title:
                title = _unique(lay.title, titles)
                titles.add(title)
                if title != lay.title:
                    lay = info[name] = replace(lay, title=title)
            data = frame if isinstance(frame, gpd.GeoDataFrame) else pd.DataFrame(frame)
            _write_gpkg_layer(_prepare_for_write(data), tmp, name, written, lay)
            written.add(name)
        if metadata or any(i.qml or i.metadata for i in info.values()):
            _write_gpkg_extras(tmp, info, metadata or {})
        with open(tmp, "rb+") as fh:  # one flush to disk for the whole file, before it takes its name
            os.fsync(fh.fileno())
    return p


def _unsynced_sqlite() -> contextlib.AbstractContextManager[None]:
    """SQLite's per-commit ``fsync`` off (``OGR_SQLITE_SYNCHRONOUS=OFF``) for the writes inside.

    A GeoPackage is written layer by layer into a temporary file that takes its name only when
    complete (:func:`write_layers`); syncing every SQLite transaction of that file (several per
    layer) cost about a second of waiting for six small layers, while one ``fsync`` of the
    finished file gives the same guarantee.
    """
    return _gdal_config({"OGR_SQLITE_SYNCHRONOUS": "OFF"})


def _unique(title: str, taken: set[str]) -> str:
    out, i = title, 2
    while out in taken:
        out, i = f"{title} ({i})", i + 1
    return out


def _gdal_metadata_xml(items: Mapping[str, str]) -> str:
    """Key → text in GDAL's metadata encoding (``<GDALMultiDomainMetadata>``), escaped."""
    from xml.etree import ElementTree as ET

    root = ET.Element("GDALMultiDomainMetadata")
    md = ET.SubElement(root, "Metadata")
    for key, value in items.items():
        ET.SubElement(md, "MDI", key=str(key)).text = str(value)
    return ET.tostring(root, encoding="unicode")


def _write_gpkg_extras(path: Path, info: Mapping[str, GpkgLayer], metadata: Mapping[str, str]) -> None:
    """Add the QGIS ``layer_styles`` table and the ``gpkg_metadata`` rows to a written GeoPackage.

    Both are plain SQLite tables defined by their conventions (QGIS; GeoPackage metadata
    extension, spec 1.2 §F.8); every time stamp is the fixed one, so identical results stay
    identical files.
    """
    import sqlite3

    stamp = _fixed_date()
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous = OFF")  # the caller syncs the finished file once
    try:
        with con:
            geom_cols = dict(con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall())
            # The file's own items go with every table: GDAL (3.12) writes a ``.aux.xml`` sidecar
            # next to a GeoPackage with file-level (``geopackage`` scope) metadata whenever it
            # merely reads it, so the provenance is kept per table instead.
            tables = [r[0] for r in con.execute("SELECT table_name FROM gpkg_contents").fetchall()]
            layer_md = {name: {**metadata, **(info[name].metadata if name in info and info[name].metadata else {})}
                        for name in tables if metadata or (name in info and info[name].metadata)}
            if layer_md:
                con.executescript(_METADATA_DDL)
                for table in ("gpkg_metadata", "gpkg_metadata_reference"):
                    con.execute(
                        "INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope) "
                        "SELECT ?, NULL, 'gpkg_metadata', 'http://www.geopackage.org/spec120/#extension_metadata', "
                        "'read-write' WHERE NOT EXISTS (SELECT 1 FROM gpkg_extensions WHERE table_name = ? "
                        "AND extension_name = 'gpkg_metadata')", (table, table))
                rows: list[tuple[str, str | None, Mapping[str, str]]] = [
                    ("table", name, md) for name, md in layer_md.items()]
                for scope, table_name, items in rows:
                    cur = con.execute(
                        "INSERT INTO gpkg_metadata (md_scope, md_standard_uri, mime_type, metadata) "
                        "VALUES ('dataset', 'http://gdal.org', 'text/xml', ?)", (_gdal_metadata_xml(items),))
                    con.execute(
                        "INSERT INTO gpkg_metadata_reference (reference_scope, table_name, column_name, row_id_value, "
                        "timestamp, md_file_id, md_parent_id) VALUES (?, ?, NULL, NULL, ?, ?, NULL)",
                        (scope, table_name, stamp, cur.lastrowid))
            styles = [(name, lay) for name, lay in info.items() if lay.qml]
            if styles:
                con.execute(_STYLE_DDL)
                con.execute(
                    "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change) "
                    "SELECT ?, 'attributes', ?, ?, ? WHERE NOT EXISTS "
                    "(SELECT 1 FROM gpkg_contents WHERE table_name = ?)",
                    (STYLE_TABLE, STYLE_TABLE, "QGIS-laagstijlen: de standaardstijl van elke laag", stamp,
                     STYLE_TABLE))
                for name, lay in styles:
                    con.execute(
                        "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                        "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, owner, ui, "
                        "update_time) VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', NULL, ?)",
                        (name, geom_cols.get(name, ""), lay.style_name or name, lay.qml,
                         f"wlr_geo: {lay.title or name}", stamp))
    finally:
        con.close()


# The GeoPackage metadata extension's tables (GeoPackage 1.2, annex F.8).
_METADATA_DDL = """
CREATE TABLE IF NOT EXISTS gpkg_metadata (
  id INTEGER CONSTRAINT m_pk PRIMARY KEY ASC NOT NULL,
  md_scope TEXT NOT NULL DEFAULT 'dataset',
  md_standard_uri TEXT NOT NULL,
  mime_type TEXT NOT NULL DEFAULT 'text/xml',
  metadata TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS gpkg_metadata_reference (
  reference_scope TEXT NOT NULL,
  table_name TEXT,
  column_name TEXT,
  row_id_value INTEGER,
  timestamp DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  md_file_id INTEGER NOT NULL,
  md_parent_id INTEGER,
  CONSTRAINT crmr_mfi_fk FOREIGN KEY (md_file_id) REFERENCES gpkg_metadata(id),
  CONSTRAINT crmr_mpi_fk FOREIGN KEY (md_parent_id) REFERENCES gpkg_metadata(id)
);
"""

# The QGIS layer_styles table, with the column names and types QGIS itself creates.
_STYLE_DDL = f"""
CREATE TABLE IF NOT EXISTS {STYLE_TABLE} (
  id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  f_table_catalog TEXT(256),
  f_table_schema TEXT(256),
  f_table_name TEXT(256),
  f_geometry_column TEXT(256),
  styleName TEXT(30),
  styleQML TEXT,
  styleSLD TEXT,
  useAsDefault BOOLEAN,
  description TEXT,
  owner TEXT(30),
  ui TEXT(30),
  update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
)
"""


def read_gpkg_metadata(path: str | os.PathLike[str]) -> dict[str | None, dict[str, str]]:
    """The GDAL-encoded ``gpkg_metadata`` of a GeoPackage: None (the file) or a layer → key → text."""
    import io
    import sqlite3

    from wlr_geo._safe import iterparse

    con = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)
    try:
        if not con.execute("SELECT 1 FROM sqlite_master WHERE name = 'gpkg_metadata'").fetchone():
            return {}
        rows = con.execute(
            "SELECT r.reference_scope, r.table_name, m.metadata FROM gpkg_metadata_reference r "
            "JOIN gpkg_metadata m ON m.id = r.md_file_id WHERE m.md_standard_uri = 'http://gdal.org'").fetchall()
    finally:
        con.close()
    out: dict[str | None, dict[str, str]] = {}
    for scope, table, text in rows:
        items = out.setdefault(None if scope == "geopackage" else table, {})
        for _, el in iterparse(io.BytesIO(str(text).encode("utf-8")), source=str(path), tag="MDI"):
            items[str(el.get("key"))] = el.text or ""
    return out
