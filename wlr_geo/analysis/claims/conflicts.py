"""Conflicts between space claims and the multi-year space programme.

:func:`claim_conflicts` finds where claims overlap each other (in space *and* time) or overlap
constraints (buildings, water, nature, protection strips of KLIC cables, other route strips);
touching without overlap is reported with relation ``"raakt"`` and never counted as a conflict.
:func:`claims_programme` sums claimed m² per municipality, year and facility type — the
multi-year space programme municipalities must agree on. Claims are described in
:mod:`wlr_geo.analysis.claims.footprints`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from wlr_geo._errors import WlrGeoInputError
from wlr_geo._nl import nl
from wlr_geo.analysis.claims.footprints import _object_ids, _prepared
from wlr_geo.crs import RD_NEW

__all__ = ["claim_conflicts", "claims_programme"]

log = logging.getLogger("wlr_geo")


def _years_text(a: int, b: int) -> str:
    return str(a) if a == b else f"{a}–{b}"


def _pair_rows(
    geoms_a: np.ndarray, geoms_b: np.ndarray, ia: np.ndarray, ib: np.ndarray, tolerance_m2: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Intersection geometry, area and overlap flag for the pairs (ia, ib)."""
    if len(ia) == 0:
        return np.empty(0, dtype=object), np.empty(0), np.empty(0, dtype=bool)
    inter = shapely.intersection(geoms_a[ia], geoms_b[ib])
    area = shapely.area(inter)
    return inter, area, area > tolerance_m2


def _polygonal(g: shapely.Geometry) -> shapely.Geometry:
    if g.geom_type in ("Polygon", "MultiPolygon"):
        return g
    parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def claim_conflicts(
    claims: gpd.GeoDataFrame,
    *,
    constraints: Mapping[str, gpd.GeoDataFrame] | None = None,
    tolerance_m2: float = 0.01,
    constraint_id_columns: Mapping[str, str] | None = None,
) -> gpd.GeoDataFrame:
    """Conflicts of claims with each other and with constraint layers.

    Two claims conflict when their polygons overlap by more than ``tolerance_m2`` *and* their
    periods share at least one year; a claim conflicts with a constraint feature when they
    overlap by more than ``tolerance_m2`` (if the constraint layer has ``year_from``/``year_to``
    the periods must overlap too). Pairs that intersect with an overlap ≤ ``tolerance_m2``
    (touching edges or corners) are reported with relation ``"raakt"``, area 0 and
    ``is_conflict`` False. Candidate pairs come from STRtree queries.

    Parameters
    ----------
    claims
        Claims with polygon footprints (output of :func:`claim_footprints`).
    constraints
        Layer name → polygon layer (buildings, water, nature, KLIC protection strips, other
        route strips). Buffer line/point layers into polygons first.
    tolerance_m2
        Overlap area (m²) up to which a shared boundary counts as touching.
    constraint_id_columns
        Layer name → id column; default: object_id/identificatie/lokaalid/gml_id/id or the index.

    Returns
    -------
    GeoDataFrame
        One row per pair: ``conflict_type`` ("claim-claim"/"claim-constraint"), ``relation``
        ("overlap"/"raakt"), ``is_conflict``, ``claim_id``, ``facility_type``, ``other_layer``,
        ``other_id``, ``area_m2``, ``year_from``, ``year_to``, ``years`` (text) and the
        intersection geometry (polygonal part for overlaps).
    """
    if not math.isfinite(tolerance_m2) or tolerance_m2 < 0:
        raise WlrGeoInputError(f"tolerance_m2 moet ≥ 0 zijn, is {tolerance_m2}")
    need = {"claim_id", "facility_type", "year_from", "year_to"} - set(claims.columns)
    if need:
        raise WlrGeoInputError(f"de claims missen kolom(men) {sorted(need)}", layer="claims",
                               hint="voer eerst validate_claims / claim_footprints uit")
    claims = _prepared(claims, "claims")
    cg = np.asarray(claims.geometry.values)
    if not np.isin(shapely.get_type_id(cg), (3, 6)).all():
        raise WlrGeoInputError("claims moeten vlakken zijn om overlappingen te berekenen", layer="claims",
                               hint="voer eerst claim_footprints(claims, templates) uit")
    cid = claims["claim_id"].astype(str).to_numpy(dtype=object)
    ctype = claims["facility_type"].astype(str).to_numpy(dtype=object)
    yf = claims["year_from"].to_numpy(dtype=np.int64)
    yt = claims["year_to"].to_numpy(dtype=np.int64)
    chunks: list[pd.DataFrame] = []
    geoms: list[np.ndarray] = []

    def emit(kind: str, ia: np.ndarray, other_layer: str, other_ids: np.ndarray, other_types: np.ndarray | None,
             inter: np.ndarray, area: np.ndarray, over: np.ndarray, a: np.ndarray, b: np.ndarray) -> None:
        chunks.append(pd.DataFrame({
            "conflict_type": kind,
            "relation": np.where(over, "overlap", "raakt").astype(object),
            "is_conflict": over.astype(bool),
            "claim_id": cid[ia], "facility_type": ctype[ia], "other_layer": other_layer,
            "other_id": other_ids.astype(object),
            "other_facility_type": other_types if other_types is not None else np.full(len(ia), None, dtype=object),
            "area_m2": np.where(over, area, 0.0).astype(float),
            "year_from": a.astype(np.int64), "year_to": b.astype(np.int64),
            "years": np.array([_years_text(int(x), int(y)) for x, y in zip(a, b, strict=True)], dtype=object),
        }))
        g = inter.copy()
        mixed = over & ~np.isin(shapely.get_type_id(inter), (3, 6))  # overlaps keep their polygonal part
        g[mixed] = [_polygonal(x) for x in inter[mixed]]
        geoms.append(g)

    # claim × claim
    tree = shapely.STRtree(cg)
    left, right = tree.query(cg, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    a = np.maximum(yf[left], yf[right])
    b = np.minimum(yt[left], yt[right])
    in_time = a <= b
    left, right, a, b = left[in_time], right[in_time], a[in_time], b[in_time]
    inter, area, over = _pair_rows(cg, cg, left, right, tolerance_m2)
    emit("claim-claim", left, "claims", cid[right], ctype[right], inter, area, over, a, b)

    # claim × constraint layers
    id_cols = dict(constraint_id_columns or {})
    for name, layer in (constraints or {}).items():
        if layer is None or len(layer) == 0:
            continue
        layer = _prepared(layer, str(name))
        lg = np.asarray(layer.geometry.values)
        present = ~(shapely.is_missing(lg) | shapely.is_empty(lg))
        types = shapely.get_type_id(lg[present])
        if not np.isin(types, (3, 6)).all():
            raise WlrGeoInputError(
                f"beperkingenlaag {name!r} bevat geometrieën die geen vlak zijn", layer=name,
                hint="buffer lijnen/punten eerst tot stroken (configuratie: buffer_m = ... bij de laag)",
            )
        idx_present = np.flatnonzero(present)
        lg = lg[present]
        oid = _object_ids(layer, id_cols.get(name))[present]
        qi, qj = shapely.STRtree(lg).query(cg, predicate="intersects")
        a, b = yf[qi], yt[qi]
        if {"year_from", "year_to"} <= set(layer.columns):
            lf = pd.to_numeric(layer["year_from"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)[idx_present][qj]
            lt = pd.to_numeric(layer["year_to"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)[idx_present][qj]
            a = np.where(np.isfinite(lf), np.maximum(a, np.nan_to_num(lf)), a).astype(np.int64)
            b = np.where(np.isfinite(lt), np.minimum(b, np.nan_to_num(lt)), b).astype(np.int64)
            ok = a <= b
            qi, qj, a, b = qi[ok], qj[ok], a[ok], b[ok]
        inter, area, over = _pair_rows(cg, lg, qi, qj, tolerance_m2)
        emit("claim-constraint", qi, str(name), oid[qj], None, inter, area, over, a, b)

    frame = pd.concat(chunks, ignore_index=True)
    out = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(np.concatenate(geoms), crs=RD_NEW), crs=RD_NEW)
    n_conf = int(out["is_conflict"].sum())
    log.info("claims: %s conflicten, %s rakende paren", nl(n_conf), nl(len(out) - n_conf))
    return out.sort_values(["conflict_type", "claim_id", "other_layer", "other_id"], kind="stable").reset_index(drop=True)


def claims_programme(
    claims: gpd.GeoDataFrame,
    conflicts: gpd.GeoDataFrame | None = None,
    *,
    municipalities: gpd.GeoDataFrame,
    name_column: str = "gm_naam",
) -> pd.DataFrame:
    """The multi-year space programme: claimed m² per municipality × year × facility type.

    A claim counts in every year from ``year_from`` to ``year_to`` inclusive; a claim spanning
    two municipalities splits its area by the part inside each (area outside every
    municipality goes to ``"(buiten gemeenten)"``). Conflicts (``is_conflict`` rows of
    :func:`claim_conflicts`) are split the same way by their geometry and counted in each year
    of their period, under the facility type of each claim involved; rows with facility_type
    ``"totaal"`` sum every type and count each conflict once per municipality it lies in.

    Returns
    -------
    DataFrame
        Columns ``gemeente``, ``year``, ``facility_type``, ``claimed_area_m2``, ``n_claims``,
        ``n_conflicts``, ``conflict_area_m2``; sorted by gemeente, year and type.
    """
    if name_column not in municipalities.columns:
        raise WlrGeoInputError(
            f"de laag municipalities heeft geen kolom {name_column!r}", layer="municipalities",
            hint="noem de kolom met de gemeentenaam (name_column=...)",
        )
    mun = _prepared(municipalities, "municipalities")
    outside = "(buiten gemeenten)"
    mg = np.asarray(mun.geometry.values)
    mnames = mun[name_column].astype(str).to_numpy(dtype=object)

    def split(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row index, gemeente, area) for each geometry's part in each municipality."""
        qi, qj = shapely.STRtree(mg).query(geoms, predicate="intersects")
        area = shapely.area(shapely.intersection(geoms[qi], mg[qj])) if len(qi) else np.empty(0)
        keep = area > 0
        qi, qj, area = qi[keep], qj[keep], area[keep]
        rest = shapely.area(geoms) - np.bincount(qi, weights=area, minlength=len(geoms))
        ro = np.flatnonzero(rest > 1e-6 * np.maximum(shapely.area(geoms), 1.0))
        return (np.concatenate([qi, ro]), np.concatenate([mnames[qj], np.full(len(ro), outside, dtype=object)]),
                np.concatenate([area, rest[ro]]))

    cg = np.asarray(claims.geometry.values)
    ri, gm, ar = split(cg)
    yf = claims["year_from"].to_numpy(dtype=np.int64)
    yt = claims["year_to"].to_numpy(dtype=np.int64)
    ftype = claims["facility_type"].astype(str).to_numpy(dtype=object)
    recs: list[tuple[str, int, str, float, int, int, float]] = []
    for i, g, a in zip(ri, gm, ar, strict=True):
        for y in range(int(yf[i]), int(yt[i]) + 1):
            recs.append((g, y, ftype[i], float(a), 1, 0, 0.0))
            recs.append((g, y, "totaal", float(a), 1, 0, 0.0))
    if conflicts is not None and len(conflicts):
        conf = conflicts.loc[conflicts["is_conflict"].astype(bool)]
        type_of = dict(zip(claims["claim_id"].astype(str), ftype, strict=True))
        fg = np.asarray(conf.geometry.values)
        ci, cgm, car = split(fg)
        cyf = conf["year_from"].to_numpy(dtype=np.int64)
        cyt = conf["year_to"].to_numpy(dtype=np.int64)
        for i, g, a in zip(ci, cgm, car, strict=True):
            row = conf.iloc[int(i)]
            involved = {type_of.get(str(row["claim_id"]), str(row["facility_type"]))}
            if row["conflict_type"] == "claim-claim":
                involved.add(type_of.get(str(row["other_id"]), str(row["other_facility_type"])))
            for y in range(int(cyf[i]), int(cyt[i]) + 1):
                for t in sorted(involved):
                    recs.append((g, y, t, 0.0, 0, 1, float(a)))
                recs.append((g, y, "totaal", 0.0, 0, 1, float(a)))
    cols = ["gemeente", "year", "facility_type", "claimed_area_m2", "n_claims", "n_conflicts", "conflict_area_m2"]
    df = pd.DataFrame.from_records(recs, columns=cols)
    if df.empty:
        return df
    out = df.groupby(["gemeente", "year", "facility_type"], as_index=False, sort=True).sum()
    out["year"] = out["year"].astype("int64")
    return out.reset_index(drop=True)
