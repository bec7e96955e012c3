"""Above-ground impact of a route: what lies inside its strips, per category and per area.

:func:`above_ground_impact` intersects the route's strips (working strip, protection strip,
...) with categorised topography (BGT or user layers mapped to :mod:`wlr_geo.categories`) and
reports, per strip and category, the area (polygons), length (lines) and number of objects
inside, the affected objects themselves with their distance to the centreline, the buildings
within a set distance of the centreline, and all of it broken down per municipality
(``gemeente``), ``wijk`` and — when the areas carry it — ``buurt``.

Method: candidates come from an STRtree over the objects queried with grid-cut pieces of each
strip (:func:`wlr_geo.analysis.route.linear.route_candidates`); only candidates are intersected, with
vectorised shapely 2 operations. Objects touching a strip without overlap (zero area or length)
are not counted. Overlapping areas are made disjoint first (the first area in input order keeps
an overlap, logged in the notes), so every square metre is counted once; parts outside every
area are kept with an empty ``gemeente``/``wijk``, so the per-area table always adds up to the
totals.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from wlr_geo._errors import WlrGeoInputError
from wlr_geo._nl import nl
from wlr_geo.analysis.route.linear import (
    as_centreline,
    clip_to_polygon,
    distance_to_line,
    keep_dimension,
    require_finite,
    route_candidates,
    safe_intersection,
)
from wlr_geo.categories import CATEGORIES
from wlr_geo.crs import check_same_crs, require_projected

__all__ = [
    "AREA_COLUMNS",
    "AboveGroundResult",
    "above_ground_impact",
    "area_at_points",
    "prepare_areas",
    "safe_intersection",
]

log = logging.getLogger("wlr_geo")

#: Overlaps of areas up to this (m²) are rounding noise of an overlay (e.g. wijken clipped to
#: their municipality), not overlaps.
_SLIVER_M2 = 1e-6

#: Columns of an ``areas`` layer that are carried into the breakdown, coarse to fine.
AREA_COLUMNS: tuple[str, ...] = ("gemeente", "wijk", "buurt")

_AFFECTED_COLUMNS = [
    "object_id", "source_layer", "category", "strip", "area_m2", "length_m", "distance_m",
]
_BUILDING_COLUMNS = ["object_id", "source_layer", "category", "distance_m"]


@dataclass
class AboveGroundResult:
    """Result of :func:`above_ground_impact`.

    Attributes
    ----------
    affected
        One row per object, strip and area piece: ``object_id``, ``source_layer``, ``category``,
        ``strip``, ``area_m2`` (polygons; NaN otherwise), ``length_m`` (lines; NaN otherwise),
        ``distance_m`` (object to centreline), the area columns (``gemeente``, ``wijk``, and
        ``buurt`` when given; empty outside every area) and ``geometry`` = the piece inside the
        strip (and area).
    buildings_near
        Buildings (category ``"building"``) within ``building_distance_m`` of the centreline:
        ``object_id``, ``source_layer``, ``category``, ``distance_m``, area columns (by the
        building's representative point), whole building ``geometry``; nearest first.
    totals
        Per ``strip`` and ``category``: ``area_m2``, ``length_m``, ``count`` (distinct objects).
    per_area
        Per ``strip``, ``category`` and area columns: ``area_m2``, ``length_m``, ``count``.
    notes
        What was repaired, dropped or assumed (for the run report).
    """

    affected: gpd.GeoDataFrame
    buildings_near: gpd.GeoDataFrame
    totals: pd.DataFrame
    per_area: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def _as_array(series: gpd.GeoSeries) -> NDArray[np.object_]:
    return np.asarray(series.values, dtype=object)


def _measure(geoms: NDArray[np.object_], dim: NDArray[np.int_]) -> NDArray[np.float64]:
    """Area for dimension 2, length for dimension 1, 1/0 (present) for points."""
    out = np.where(dim == 2, shapely.area(geoms), shapely.length(geoms))
    pts = dim == 0
    if pts.any():
        out[pts] = (~shapely.is_empty(geoms[pts])).astype(float)
    return out


def prepare_areas(
    areas: gpd.GeoDataFrame | None, notes: list[str], *, columns: Sequence[str] = AREA_COLUMNS
) -> gpd.GeoDataFrame | None:
    """Validate an areas layer and make its polygons disjoint (the first area keeps an overlap).

    Returns None when ``areas`` is None or empty. Keeps only the area columns present.
    """
    if areas is None or len(areas) == 0:
        return None
    present = [c for c in columns if c in areas.columns]
    if not present:
        raise WlrGeoInputError(
            f"de laag areas heeft geen van de kolommen {', '.join(columns)}; ze heeft "
            f"{', '.join(map(str, areas.columns))}",
            layer="areas",
            hint="hernoem de kolommen met de gemeente- en wijknaam tot 'gemeente' en 'wijk'",
        )
    require_projected(areas, what="de uitsplitsing per gebied")
    geoms = _as_array(areas.geometry)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    ok &= np.isin(shapely.get_type_id(geoms), (3, 6)) | ~ok
    if (~ok).any():
        notes.append(f"areas: {nl(int((~ok).sum()))} objecten zonder vlakgeometrie genegeerd")
    out = areas.loc[ok, present].copy()
    geoms = geoms[ok]
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        geoms = geoms.copy()
        fixed = shapely.make_valid(geoms[invalid], method="structure", keep_collapsed=False)
        geoms[invalid] = keep_dimension(fixed, np.full(len(fixed), 2))
        notes.append(f"areas: {nl(int(invalid.sum()))} ongeldige vlakken gerepareerd met make_valid")
    tree = shapely.STRtree(geoms)
    pairs = tree.query(geoms, predicate="intersects")
    earlier = pairs[:, pairs[1] < pairs[0]]
    n_overlap = 0
    if earlier.shape[1]:
        overlap_area = shapely.area(shapely.intersection(geoms[earlier[0]], geoms[earlier[1]]))
        earlier = earlier[:, overlap_area > _SLIVER_M2]
        geoms = geoms.copy()
        for i in np.unique(earlier[0]):  # loops over overlapping areas only
            others = shapely.union_all(geoms[earlier[1][earlier[0] == i]])
            geoms[i] = shapely.difference(geoms[i], others)
            n_overlap += 1
    if n_overlap:
        notes.append(
            f"areas: {nl(n_overlap)} gebieden overlappen eerdere; elke overlap telt eenmaal, "
            "in het eerste gebied"
        )
    return gpd.GeoDataFrame(out, geometry=geoms, crs=areas.crs)


def area_at_points(points: NDArray[np.object_], areas: gpd.GeoDataFrame | None) -> pd.DataFrame:
    """Area columns (``gemeente``, ``wijk``, …) of the area containing each point (NA outside)."""
    if areas is None:
        return pd.DataFrame(index=range(len(points)))
    cols = [c for c in areas.columns if c != areas.geometry.name]
    out = pd.DataFrame({c: pd.Series([pd.NA] * len(points), dtype=object) for c in cols})
    if len(points) == 0:
        return out
    tree = shapely.STRtree(_as_array(areas.geometry))
    pairs = tree.query(np.asarray(points, dtype=object), predicate="intersects")
    if pairs.shape[1]:
        first = pd.Series(pairs[1]).groupby(pairs[0]).first()
        for c in cols:
            out.loc[first.index, c] = areas[c].to_numpy(dtype=object)[first.to_numpy()]
    return out


def _check_inputs(
    strips: gpd.GeoDataFrame, objects: gpd.GeoDataFrame, areas: gpd.GeoDataFrame | None
) -> None:
    problems = []
    if "strip" not in strips.columns:
        problems.append("de laag strips heeft geen kolom 'strip'")
    if "category" not in objects.columns:
        problems.append("de laag objects heeft geen kolom 'category'")
    if problems:
        raise WlrGeoInputError(
            "; ".join(problems),
            hint="geef strips een naamkolom 'strip' en objects de kolommen 'category' (zie "
            "wlr_geo.categories), 'object_id' en 'source_layer'",
        )
    require_projected(strips, what="de bovengrondse impact")
    frames = [strips, objects] + ([areas] if areas is not None else [])
    names = ["strips", "objects"] + (["areas"] if areas is not None else [])
    check_same_crs(*frames, names=names)


def _empty_affected(crs: object, area_cols: list[str]) -> gpd.GeoDataFrame:
    df = pd.DataFrame({c: pd.Series(dtype=float if c.endswith(("_m2", "_m")) else object)
                       for c in _AFFECTED_COLUMNS + area_cols})
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries([], crs=crs), crs=crs)


def above_ground_impact(
    strips: gpd.GeoDataFrame,
    objects: gpd.GeoDataFrame,
    *,
    centreline: shapely.LineString,
    areas: gpd.GeoDataFrame | None = None,
    building_distance_m: float = 25.0,
    tree: shapely.STRtree | None = None,
) -> AboveGroundResult:
    """Area, length and count of categorised objects inside each strip, per category and area.

    Parameters
    ----------
    strips
        Strip polygons with a ``strip`` name column (EPSG:28992). Strips may overlap or nest;
        each is analysed on its own.
    objects
        Categorised topography: ``category`` (codes of :mod:`wlr_geo.categories`),
        ``object_id``, ``source_layer`` (the index and ``"objects"`` when missing) and polygon,
        line or point geometries. Expected validated (:func:`wlr_geo.validate.validate_layer`);
        invalid candidates are still repaired and zero-length lines dropped, both noted.
    centreline
        The route centreline (one LineString, RD metres), for ``distance_m``.
    areas
        Optional polygons with ``gemeente``, ``wijk`` (and ``buurt``) columns for the breakdown.
    building_distance_m
        Buildings within this distance (m) of the centreline are listed in ``buildings_near``.
    tree
        A prebuilt ``shapely.STRtree`` over ``objects.geometry`` (same order), to reuse across
        route variants.

    Returns
    -------
    AboveGroundResult

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> strips = gpd.GeoDataFrame({"strip": ["werkstrook"]},
    ...     geometry=[shapely.box(0, -5, 100, 5)], crs=28992)
    >>> objects = gpd.GeoDataFrame({"category": ["building"], "object_id": ["b1"],
    ...     "source_layer": ["pand"]}, geometry=[shapely.box(40, 0, 50, 10)], crs=28992)
    >>> res = above_ground_impact(strips, objects,
    ...     centreline=shapely.LineString([(0, 0), (100, 0)]))
    >>> float(res.totals.loc[0, "area_m2"])
    50.0
    """
    notes: list[str] = []
    centreline = as_centreline(centreline)
    _check_inputs(strips, objects, areas)
    crs = strips.crs
    areas_p = prepare_areas(areas, notes)
    area_cols = [c for c in (areas_p.columns if areas_p is not None else []) if c != "geometry"]

    geoms = _as_array(objects.geometry)
    if tree is not None and len(tree) != len(geoms):
        raise WlrGeoInputError(
            f"de vooraf gebouwde boom bevat {nl(len(tree))} geometrieën, maar objects heeft er {nl(len(geoms))}",
            layer="objects", hint="bouw de boom uit objects.geometry.values, in dezelfde volgorde",
        )
    if tree is None:
        tree = shapely.STRtree(geoms)
    # Raw object arrays; text conversion happens on the (few) selected rows only.
    ids = (objects["object_id"].to_numpy(dtype=object) if "object_id" in objects.columns
           else np.asarray(objects.index, dtype=object))
    layers = (objects["source_layer"].to_numpy(dtype=object)
              if "source_layer" in objects.columns else np.full(len(objects), "objects", dtype=object))
    cats = objects["category"].to_numpy(dtype=object)
    unknown = sorted({str(c) for c in pd.unique(cats)} - set(CATEGORIES) - {"nan", "None", "<NA>"})
    if unknown:
        notes.append(f"objects: categorieën buiten wlr_geo.categories ongewijzigd behouden: {', '.join(unknown)}")

    rows: list[pd.DataFrame] = []
    pieces: list[NDArray[np.object_]] = []
    dropped_zero: set[int] = set()
    repaired: set[int] = set()
    for strip_name, strip_geom in zip(strips["strip"], _as_array(strips.geometry), strict=True):
        if strip_geom is None or strip_geom.is_empty:
            continue
        if not strip_geom.is_valid:
            strip_geom = shapely.make_valid(strip_geom)
            notes.append(f"strook {strip_name!r}: ongeldig vlak gerepareerd met make_valid")
        cand = route_candidates(tree, strip_geom)
        if len(cand) == 0:
            continue
        g = geoms[cand]
        require_finite(g, ids[cand], layer="objects")
        dim = shapely.get_dimensions(g)
        zero = (dim == 1) & (shapely.length(g) <= 0)
        dropped_zero.update(cand[zero].tolist())
        invalid = ~zero & ~shapely.is_valid(g)
        if invalid.any():
            repaired.update(cand[invalid].tolist())
            g = g.copy()
            g[invalid] = keep_dimension(shapely.make_valid(g[invalid]), dim[invalid])
        cand, g, dim = cand[~zero], g[~zero], dim[~zero]
        part = clip_to_polygon(g, strip_geom, notes=notes, what=f"strook {strip_name!r}")
        part = keep_dimension(part, dim)
        measure = _measure(part, dim)
        keep = measure > 0
        cand, part, dim = cand[keep], part[keep], dim[keep]
        obj_pos, piece, area_pos = _split_by_areas(part, dim, areas_p, notes)
        rows.append(pd.DataFrame({
            "_obj": cand[obj_pos], "_dim": dim[obj_pos], "strip": strip_name, "_area": area_pos,
        }))
        pieces.append(piece)

    if dropped_zero:
        notes.append(f"objects: {nl(len(dropped_zero))} lijnen met lengte nul weggelaten, niet geteld")
    if repaired:
        notes.append(f"objects: {nl(len(repaired))} ongeldige geometrieën gerepareerd met make_valid")

    if rows:
        frame = pd.concat(rows, ignore_index=True)
        piece_arr = np.concatenate(pieces) if pieces else np.empty(0, dtype=object)
    else:
        frame = pd.DataFrame({"_obj": [], "_dim": [], "strip": [], "_area": []})
        piece_arr = np.empty(0, dtype=object)
    affected = _affected_frame(frame, piece_arr, geoms, ids, layers, cats, centreline,
                               areas_p, area_cols, crs)
    buildings = _buildings_near(tree, geoms, ids, layers, cats, centreline, building_distance_m,
                                areas_p, area_cols, crs)
    strip_order = {name: i for i, name in enumerate(pd.unique(strips["strip"]))}
    if len(affected):
        affected = affected.iloc[
            np.lexsort((affected["object_id"].astype(str).to_numpy(),
                        _category_order(affected["category"]).to_numpy(),
                        affected["strip"].map(strip_order).to_numpy()))
        ].reset_index(drop=True)
    totals, per_area = _summaries(affected, area_cols, strip_order)
    for note in notes:
        log.info("bovengrondse impact: %s", note)
    return AboveGroundResult(affected, buildings, totals, per_area, notes)


def _split_by_areas(
    part: NDArray[np.object_],
    dim: NDArray[np.int_],
    areas: gpd.GeoDataFrame | None,
    notes: list[str],
) -> tuple[NDArray[np.intp], NDArray[np.object_], NDArray[np.intp]]:
    """Cut each piece by the areas: (piece position, geometry, area position or -1)."""
    n = len(part)
    if areas is None or n == 0:
        return np.arange(n), part, np.full(n, -1)
    # Private copies, so that preparing them cannot touch the caller's objects (ROBUSTNESS E1).
    a_geoms = shapely.from_wkb(shapely.to_wkb(_as_array(areas.geometry)))
    shapely.prepare(a_geoms)
    pairs = shapely.STRtree(a_geoms).query(part, predicate="intersects")
    pi, ai = pairs[0], pairs[1]
    inter = part[pi].copy()
    cut = ~shapely.contains_properly(a_geoms[ai], part[pi])
    if cut.any():
        inter[cut] = keep_dimension(
            safe_intersection(part[pi][cut], a_geoms[ai][cut], notes, "areas"), dim[pi][cut])
    m = _measure(inter, dim[pi])
    keep = m > 0
    pi, ai, inter, m = pi[keep], ai[keep], inter[keep], m[keep]
    total = _measure(part, dim)
    covered = np.bincount(pi, weights=m, minlength=n)
    if (dim == 0).any():
        covered[dim == 0] = np.minimum(covered[dim == 0], 1.0)
    open_ = np.flatnonzero(covered < total * (1 - 1e-12))
    out_pos, out_geom = [pi], [inter]
    out_area = [ai]
    if len(open_):
        union = shapely.union_all(a_geoms)
        rest = keep_dimension(shapely.difference(part[open_], union), dim[open_])
        rm = _measure(rest, dim[open_])
        ok = rm > 0
        out_pos.append(open_[ok])
        out_geom.append(rest[ok])
        out_area.append(np.full(int(ok.sum()), -1))
    return np.concatenate(out_pos), np.concatenate(out_geom), np.concatenate(out_area)


def _affected_frame(
    frame: pd.DataFrame,
    pieces: NDArray[np.object_],
    geoms: NDArray[np.object_],
    ids: NDArray[np.object_],
    layers: NDArray[np.object_],
    cats: NDArray[np.object_],
    centreline: shapely.LineString,
    areas: gpd.GeoDataFrame | None,
    area_cols: list[str],
    crs: object,
) -> gpd.GeoDataFrame:
    if len(frame) == 0:
        return _empty_affected(crs, area_cols)
    obj = frame["_obj"].to_numpy(dtype=np.intp)
    dim = frame["_dim"].to_numpy()
    uniq, inv = np.unique(obj, return_inverse=True)
    dist = distance_to_line(centreline, geoms[uniq])[inv]
    data: dict[str, object] = {
        "object_id": _text(ids[obj]),
        "source_layer": _text(layers[obj]),
        "category": cats[obj],
        "strip": frame["strip"].to_numpy(dtype=object),
        "area_m2": np.where(dim == 2, shapely.area(pieces), np.nan),
        "length_m": np.where(dim == 1, shapely.length(pieces), np.nan),
        "distance_m": dist,
    }
    apos = frame["_area"].to_numpy(dtype=np.intp)
    for c in area_cols:
        assert areas is not None
        vals = areas[c].to_numpy(dtype=object)
        col = np.full(len(apos), None, dtype=object)
        col[apos >= 0] = vals[apos[apos >= 0]]
        data[c] = col
    df = pd.DataFrame(data)
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(pieces, crs=crs), crs=crs)


def _text(values: NDArray[np.object_]) -> NDArray[np.object_]:
    return np.asarray(values.astype(str), dtype=object)


def _buildings_near(
    tree: shapely.STRtree,
    geoms: NDArray[np.object_],
    ids: NDArray[np.object_],
    layers: NDArray[np.object_],
    cats: NDArray[np.object_],
    centreline: shapely.LineString,
    distance_m: float,
    areas: gpd.GeoDataFrame | None,
    area_cols: list[str],
    crs: object,
) -> gpd.GeoDataFrame:
    cand = route_candidates(tree, centreline, distance_m=max(distance_m, 0.0))
    cand = cand[cats[cand] == "building"]
    require_finite(geoms[cand], ids[cand], layer="objects")
    dist = distance_to_line(centreline, geoms[cand])
    keep = dist <= distance_m
    cand, dist = cand[keep], dist[keep]
    df = pd.DataFrame({
        "object_id": _text(ids[cand]), "source_layer": _text(layers[cand]), "category": cats[cand],
        "distance_m": dist.astype(float),
    })
    if area_cols:
        at = area_at_points(shapely.point_on_surface(geoms[cand]), areas)
        for c in area_cols:
            df[c] = at[c].to_numpy(dtype=object)
    out = gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms[cand], crs=crs), crs=crs)
    return out.sort_values(["distance_m", "object_id"], kind="stable", ignore_index=True)


def _category_order(values: pd.Series) -> pd.Series:
    order = {c: i for i, c in enumerate(CATEGORIES)}
    return values.map(lambda v: order.get(v, len(order)))


def _summaries(
    affected: gpd.GeoDataFrame, area_cols: list[str], strip_order: dict[object, int]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    df = pd.DataFrame(affected.drop(columns=affected.geometry.name))
    df["_key"] = df["source_layer"].astype(str) + "\x1f" + df["object_id"].astype(str)

    def summarise(keys: list[str]) -> pd.DataFrame:
        if len(df) == 0:
            return pd.DataFrame({**{k: pd.Series(dtype=object) for k in keys},
                                 "area_m2": pd.Series(dtype=float),
                                 "length_m": pd.Series(dtype=float),
                                 "count": pd.Series(dtype="int64")})
        g = df.groupby(keys, dropna=False, sort=False)
        out = g.agg(area_m2=("area_m2", "sum"), length_m=("length_m", "sum"),
                    count=("_key", "nunique")).reset_index()
        out["count"] = out["count"].astype("int64")
        out = out.assign(_s=out["strip"].map(strip_order), _c=_category_order(out["category"]))
        return out.sort_values(["_s", "_c", *keys[2:]], kind="stable", ignore_index=True).drop(
            columns=["_s", "_c"])

    totals = summarise(["strip", "category"])
    per_area = summarise(["strip", "category", *area_cols]) if area_cols else totals.copy()
    return totals, per_area
