"""Validation and repair of layers at the public boundary.

:func:`validate_layer` checks a GeoDataFrame once, repairs what can be repaired (invalid
polygons with ``make_valid``, M values dropped, null/empty geometries dropped) and counts every
repair in a :class:`ValidationReport`; what cannot be repaired (NaN coordinates, coordinates
outside RD, a forbidden geometry type, duplicate ids, an empty layer that must not be empty) is
collected and raised together as one :class:`~wlr_geo.LayerValidationError`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from wlr_geo._errors import (
    LayerValidationError,
    OutOfBoundsError,
    Problem,
    WlrGeoInputError,
)
from wlr_geo._nl import nl
from wlr_geo.crs import check_bounds

__all__ = ["GEOMETRY_FAMILIES", "ValidationReport", "validate_layer"]

log = logging.getLogger("wlr_geo")

#: The geometry families in Dutch, for messages.
_FAMILY_NL = {"point": "punt", "line": "lijn", "polygon": "vlak"}

#: Geometry families accepted by ``geometry_types=``.
GEOMETRY_FAMILIES = {
    "point": {"Point", "MultiPoint"},
    "line": {"LineString", "MultiLineString", "LinearRing"},
    "polygon": {"Polygon", "MultiPolygon"},
}


@dataclass
class ValidationReport:
    """What validation did to one layer (repairs, drops), for logs and run reports."""

    source: str | None = None
    layer: str | None = None
    n_input: int = 0
    n_output: int = 0
    dropped_null: int = 0
    dropped_empty: int = 0
    repaired_invalid: int = 0
    repaired_ids: list[str] = field(default_factory=list)
    dropped_collapsed: list[str] = field(default_factory=list)
    dropped_m: int = 0
    messages: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{nl(self.n_output)} van {nl(self.n_input)} objecten behouden"]
        if self.repaired_invalid:
            parts.append(f"{nl(self.repaired_invalid)} ongeldige geometrieën gerepareerd met make_valid")
        if self.dropped_null or self.dropped_empty:
            parts.append(f"{nl(self.dropped_null)} ontbrekende en {nl(self.dropped_empty)} lege geometrieën "
                         "verwijderd")
        if self.dropped_collapsed:
            parts.append(
                f"{nl(len(self.dropped_collapsed))} ingeklapte geometrieën verwijderd "
                f"(ids {', '.join(self.dropped_collapsed[:10])})"
            )
        if self.dropped_m:
            parts.append(f"M-waarden verwijderd uit {nl(self.dropped_m)} geometrieën")
        return "; ".join(parts)

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "layer": self.layer,
            "n_input": self.n_input,
            "n_output": self.n_output,
            "dropped_null": self.dropped_null,
            "dropped_empty": self.dropped_empty,
            "repaired_invalid": self.repaired_invalid,
            "repaired_ids": self.repaired_ids,
            "dropped_collapsed": self.dropped_collapsed,
            "dropped_m": self.dropped_m,
            "messages": self.messages,
        }


def _family_of(geom_type: str) -> str | None:
    for family, types in GEOMETRY_FAMILIES.items():
        if geom_type in types:
            return family
    return None


def _ids(gdf: gpd.GeoDataFrame, mask: np.ndarray, id_column: str | None) -> list[str]:
    values = gdf.loc[mask, id_column] if id_column and id_column in gdf.columns else gdf.index[mask]
    return [str(v) for v in values]


def validate_layer(
    gdf: gpd.GeoDataFrame,
    *,
    source: str | None = None,
    layer: str | None = None,
    id_column: str | None = None,
    geometry_types: Iterable[str] | None = None,
    allow_empty: bool = True,
    check_crs_bounds: bool = True,
) -> tuple[gpd.GeoDataFrame, ValidationReport]:
    """Validate and repair ``gdf``; return a new frame and the report. The input is not modified.

    Parameters
    ----------
    gdf
        Layer in EPSG:28992 (or any CRS when ``check_crs_bounds`` is False).
    source, layer
        File and layer names for messages.
    id_column
        Column that must hold unique values (and names features in messages).
    geometry_types
        Allowed families: any of ``"point"``, ``"line"``, ``"polygon"``. Multi-part types count
        with their family. ``None`` allows everything except a mix of families.
    allow_empty
        If False, a layer with no usable features is an error.

    Raises
    ------
    LayerValidationError
        With one :class:`~wlr_geo.Problem` per problem found (all at once).
    """
    report = ValidationReport(source=source, layer=layer, n_input=len(gdf))
    problems: list[Problem] = []
    out = gdf.copy()
    geoms = out.geometry.values

    null = shapely.is_missing(np.asarray(geoms))
    empty = ~null & shapely.is_empty(np.asarray(geoms))
    report.dropped_null = int(null.sum())
    report.dropped_empty = int(empty.sum())
    if null.any() or empty.any():
        out = out.loc[~(null | empty)].copy()
        log.info("%s: %s ontbrekende en %s lege geometrieën verwijderd", layer or source, nl(int(null.sum())),
                 nl(int(empty.sum())))

    if len(out) == 0:
        if not allow_empty:
            problems.append(
                Problem(
                    "de laag heeft geen objecten" + (" met een geometrie" if report.n_input else ""),
                    source=source,
                    layer=layer,
                    hint="verwijs in de configuratie naar een laag met gegevens",
                )
            )
            raise LayerValidationError(problems=problems)
        report.n_output = 0
        return out, report

    arr = np.asarray(out.geometry.values)
    # M values cannot be written to GPKG and mean nothing to the analyses: drop them.
    if hasattr(shapely, "has_m"):
        has_m = shapely.has_m(arr)
        if has_m.any():
            has_z = shapely.has_z(arr)
            fixed = arr.copy()
            fixed[has_m & has_z] = shapely.force_3d(arr[has_m & has_z])
            fixed[has_m & ~has_z] = shapely.force_2d(arr[has_m & ~has_z])
            arr = fixed
            report.dropped_m = int(has_m.sum())
            report.messages.append(f"M-waarden verwijderd uit {nl(report.dropped_m)} geometrieën")

    # Non-finite coordinates (NaN/Inf): not repairable.
    coords, cidx = shapely.get_coordinates(arr, include_z=False, return_index=True)
    bad_coord = ~np.isfinite(coords).all(axis=1)
    if bad_coord.any():
        bad_rows = np.unique(cidx[bad_coord])
        ids = _ids(out, np.isin(np.arange(len(out)), bad_rows), id_column)
        problems.append(
            Problem(
                f"{nl(len(bad_rows))} object(en) met NaN of oneindige coördinaten (ids {', '.join(ids[:10])})",
                source=source,
                layer=layer,
                feature=ids[0],
                hint="corrigeer of verwijder die objecten in de bron",
            )
        )

    # Geometry types.
    types = pd.Series(shapely.get_type_id(arr)).map(
        {0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint",
         5: "MultiLineString", 6: "MultiPolygon", 7: "GeometryCollection"}
    ).to_numpy()
    families = np.array([_family_of(t) for t in types], dtype=object)
    allowed = set(geometry_types) if geometry_types is not None else None
    if allowed is not None:
        unknown = allowed - set(GEOMETRY_FAMILIES)
        if unknown:
            raise ValueError(f"geometry_types must be among {sorted(GEOMETRY_FAMILIES)}, got {sorted(unknown)}")
        wrong = np.array([f not in allowed for f in families])
        if wrong.any():
            ids = _ids(out, wrong, id_column)
            got = sorted(set(types[wrong]))
            problems.append(
                Problem(
                    f"{nl(int(wrong.sum()))} object(en) met geometrietype {', '.join(got)}; "
                    f"verwacht: {' of '.join(_FAMILY_NL.get(a, a) for a in sorted(allowed))} "
                    f"(ids {', '.join(ids[:10])})",
                    source=source,
                    layer=layer,
                    feature=ids[0],
                    hint="gebruik een laag met het verwachte geometrietype, of splits de laag per type",
                )
            )
    else:
        present = {f for f in families if f is not None}
        if len(present) > 1 or any(f is None for f in families):
            problems.append(
                Problem(
                    f"de laag mengt geometrietypen ({', '.join(sorted(set(types)))})",
                    source=source,
                    layer=layer,
                    hint="splits de laag in één laag per geometrietype",
                )
            )

    # Coordinates outside the RD area of use (unit or axis mix-ups), before any GEOS work.
    out_of_bounds = False
    if check_crs_bounds and not bad_coord.any() and out.crs is not None and not out.crs.is_geographic:
        try:
            check_bounds(gpd.GeoSeries(arr, index=out.index, crs=out.crs), source=source, layer=layer)
        except OutOfBoundsError as exc:
            problems.extend(exc.problems)
            out_of_bounds = True

    # Invalid geometries: repair with make_valid and count; collapsed polygons are dropped.
    if not bad_coord.any() and not out_of_bounds:
        invalid = ~shapely.is_valid(arr)
        if invalid.any():
            repaired = arr.copy()
            repaired[invalid] = shapely.make_valid(arr[invalid], method="structure", keep_collapsed=False)
            collapsed = np.zeros(len(arr), dtype=bool)
            for i in np.flatnonzero(invalid):
                fam = families[i]
                geom = repaired[i]
                if fam is None:
                    continue
                kept = _keep_family(geom, fam)
                if kept is None or kept.is_empty:
                    collapsed[i] = True
                else:
                    repaired[i] = kept
            report.repaired_invalid = int((invalid & ~collapsed).sum())
            report.repaired_ids = _ids(out, invalid & ~collapsed, id_column)
            report.dropped_collapsed = _ids(out, collapsed, id_column)
            arr = repaired
            log.info(
                "%s: %s ongeldige geometrieën gerepareerd met make_valid, %s ingeklapte verwijderd",
                layer or source, nl(report.repaired_invalid), nl(len(report.dropped_collapsed)),
            )
            if collapsed.any():
                out = out.loc[~collapsed].copy()
                arr = arr[~collapsed]
    out = out.set_geometry(gpd.GeoSeries(arr, index=out.index, crs=out.crs))

    if id_column is not None:
        if id_column not in out.columns:
            problems.append(
                Problem(
                    f"id-kolom {id_column!r} ontbreekt; de kolommen zijn {', '.join(map(str, out.columns))}",
                    source=source,
                    layer=layer,
                    hint="noem een bestaande kolom als id-kolom, of voeg er een toe",
                )
            )
        else:
            dup = out[id_column].duplicated(keep=False)
            if dup.any():
                values = sorted({str(v) for v in out.loc[dup, id_column]})
                problems.append(
                    Problem(
                        f"{nl(len(values))} id-waarde(n) in {id_column!r} komen meer dan eens voor "
                        f"({', '.join(values[:10])})",
                        source=source,
                        layer=layer,
                        feature=values[0],
                        hint="maak de ids uniek of noem een andere id-kolom",
                    )
                )


    if problems:
        raise (OutOfBoundsError if out_of_bounds else LayerValidationError)(problems=problems)
    if len(out) == 0 and not allow_empty:
        raise LayerValidationError(
            "na reparatie zijn er geen geldige objecten over", source=source, layer=layer,
            hint="controleer de geometrieën in de bron",
        )
    report.n_output = len(out)
    return out, report


def _keep_family(geom: shapely.Geometry, family: str) -> shapely.Geometry | None:
    """Keep the parts of a repaired geometry of the original family; None if nothing is left."""
    if _family_of(geom.geom_type) == family:
        return geom
    if geom.geom_type == "GeometryCollection":
        parts = [g for g in geom.geoms if _family_of(g.geom_type) == family]
        if not parts:
            return None
        if family == "polygon":
            return shapely.union_all(parts)
        if family == "line":
            return shapely.multilinestrings(
                [p for g in parts for p in (g.geoms if hasattr(g, "geoms") else [g])]
            )
        return shapely.multipoints([p for g in parts for p in (g.geoms if hasattr(g, "geoms") else [g])])
    return None


def raise_if_problems(problems: list[Problem]) -> None:
    """Raise one :class:`WlrGeoInputError` for a non-empty list of problems."""
    if problems:
        raise WlrGeoInputError(problems=problems)
