"""Landing options (aanlanding): a transparent multi-criteria ranking of candidate sites.

Candidate sites (points or polygons) are described by raw criterion values computed from the
layers (:func:`landing_criteria`), normalised per :class:`Criterion` to 0–1 (1 = best), weighted
and summed (:func:`score_candidates`). The sensitivity analysis is in
:mod:`wlr_geo.analysis.landing.sensitivity`.

Normalisations (``x`` = raw values of one criterion over all candidates, ``v`` = normalised):

========= ====================================== =======================================
name      direction "max" (more is better)       direction "min" (less is better)
========= ====================================== =======================================
minmax    (x − min) / (max − min)                (max − x) / (max − min)
max       x / max                                1 − x / max
rank      (n − r) / (n − 1), r = rank (1 = best, ties share the mean rank)
========= ====================================== =======================================

When all candidates have the same value (up to 1e-12 relative) the criterion does not
discriminate and ``v`` = 1 for all. :func:`landing_criteria` rounds metres and m² to 3 decimals
so that float noise in areas cannot be stretched to the full 0–1 range. The score is Σ wᵢ·vᵢ / Σ wᵢ; rank 1 is the highest score, ties go to the smaller
candidate id (deterministic).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from wlr_geo._errors import ConfigError, Problem, WlrGeoInputError
from wlr_geo._options import object_problems, option, raise_problems
from wlr_geo.crs import RD_NEW, ensure_rd
from wlr_geo.validate import GEOMETRY_FAMILIES, validate_layer

__all__ = [
    "DEFAULT_CRITERIA",
    "Criterion",
    "LandingOptions",
    "LandingSettings",
    "candidates_frame",
    "criteria_from_config",
    "estimate_wijk_inhabitants",
    "landing_criteria",
    "normalise",
    "route_end_point",
    "score_candidates",
]

log = logging.getLogger("wlr_geo")

Direction = Literal["min", "max"]
Normalisation = Literal["minmax", "max", "rank"]
_DIRECTIONS = ("min", "max")
_NORMALISATIONS = ("minmax", "max", "rank")
_TIE_DECIMALS = 12
_ROUND_DECIMALS = 3


@dataclass(frozen=True)
class Criterion:
    """One criterion of the ranking.

    Parameters
    ----------
    name
        Column of the raw-value table (e.g. ``"distance_route_end_m"``).
    direction
        ``"min"`` when less is better, ``"max"`` when more is better.
    normalisation
        ``"minmax"``, ``"max"`` or ``"rank"`` (see the module docstring).
    weight
        Relative weight ≥ 0; weights are divided by their sum.
    label
        Dutch label for tables and maps.
    """

    name: str
    direction: Direction = "min"
    normalisation: Normalisation = "minmax"
    weight: float = 1.0
    label: str = ""

    def __post_init__(self) -> None:
        if self.direction not in _DIRECTIONS:
            raise ConfigError(f"criterium {self.name!r}: direction {self.direction!r} moet 'min' of 'max' zijn",
                              hint="gebruik min (minder is beter) of max (meer is beter)")
        if self.normalisation not in _NORMALISATIONS:
            raise ConfigError(f"criterium {self.name!r}: normalisation {self.normalisation!r} is onbekend",
                              hint=f"gebruik een van {', '.join(_NORMALISATIONS)}")
        w = self.weight
        if isinstance(w, bool) or not isinstance(w, int | float) or not math.isfinite(w) or not 0 <= w <= 1e9:
            raise ConfigError(f"criterium {self.name!r}: weight {w!r} moet een eindig getal ≥ 0 en ≤ 1e9 zijn")


#: Default criteria (equal weights; direction as the name suggests). Labels are Dutch.
DEFAULT_CRITERIA: tuple[Criterion, ...] = (
    Criterion("distance_route_end_m", "min", "minmax", 1.0, "afstand tot eindpunt tracé (m)"),
    Criterion("demand_connection_m", "min", "minmax", 1.0, "gewogen afstand tot warmtevraag (m)"),
    Criterion("free_area_m2", "max", "minmax", 1.0, "vrije ruimte voor het station (m²)"),
    Criterion("conflicts_n", "min", "minmax", 1.0, "aantal conflicten met claims en beperkingen"),
    Criterion("distance_homes_m", "max", "minmax", 1.0, "afstand tot woningen/gebouwen (m)"),
    Criterion("distance_substation_m", "min", "minmax", 1.0, "afstand tot hoogspanningsstation (m)"),
    Criterion("crossings_n", "min", "minmax", 1.0, "aantal kruisingen naar de locatie"),
)
_LABELS = {c.name: c.label for c in DEFAULT_CRITERIA} | {"conflict_area_m2": "oppervlak in conflict (m²)"}
_CRITERION_KEYS = {"name", "direction", "normalisation", "weight", "label"}


def criteria_from_config(tables: Sequence[Mapping[str, Any]] | None) -> list[Criterion]:
    """Criteria from ``[[landing.criteria]]`` tables (default: :data:`DEFAULT_CRITERIA`).

    Raises
    ------
    ConfigError
        All problems together: unknown keys, missing name, duplicate names, bad values.
    """
    if not tables:
        return list(DEFAULT_CRITERIA)
    problems: list[Problem] = []
    out: list[Criterion] = []
    for i, t in enumerate(tables):
        where = f"[[landing.criteria]] #{i + 1}"
        if not isinstance(t, Mapping) or "name" not in t:
            problems.append(Problem(f"{where} heeft geen name", hint="geef een naam, bijvoorbeeld name = \"distance_route_end_m\""))
            continue
        unknown = set(t) - _CRITERION_KEYS
        if unknown:
            problems.append(Problem(f"{where} ({t['name']}) heeft onbekende sleutels {sorted(unknown)}",
                                    hint=f"gebruik {sorted(_CRITERION_KEYS)}"))
            continue
        try:
            name = str(t["name"])
            out.append(Criterion(
                name=name, direction=t.get("direction", "min"), normalisation=t.get("normalisation", "minmax"),
                weight=t.get("weight", 1.0), label=str(t.get("label", _LABELS.get(name, name))),
            ))
        except ConfigError as exc:
            problems.extend(exc.problems)
    names = [c.name for c in out]
    dups = sorted({n for n in names if names.count(n) > 1})
    if dups:
        problems.append(Problem(f"criteria die meer dan eens voorkomen: {', '.join(dups)}",
                                hint="houd één tabel per criterium"))
    if out and sum(c.weight for c in out) <= 0:
        problems.append(Problem("alle criteriumgewichten zijn 0", hint="geef minstens één criterium een weight > 0"))
    if problems:
        raise ConfigError(problems=problems)
    return out


@dataclass(frozen=True)
class LandingOptions:
    """The ``[landing]`` section of a project config (built and checked by :mod:`wlr_geo.config`)."""

    criteria: tuple[Criterion, ...] = option(
        DEFAULT_CRITERIA, help="The criteria ([[landing.criteria]] tables: name, direction, normalisation, "
                               "weight, label); default: every criterion with weight 1.")
    perturbation: float = option(0.25, ge=0, le=0.99, unit="0-1",
                                 help="Relative perturbation of the weights in the sensitivity analysis.")
    n_samples: int = option(2000, ge=1, le=1_000_000, help="Monte-Carlo samples of the sensitivity analysis.")
    seed: int = option(20260101, ge=0, le=2**63 - 1, help="Seed of the Monte-Carlo samples (reproducible runs).")
    max_factor: float = option(10.0, ge=1, le=1e6,
                               help="One-at-a-time analysis: largest factor on a weight that is tried.")
    footprint_m2: float = option(1000.0, unit="m2", gt=0, le=1e9,
                                 help="Station footprint assumed for point candidates.")
    weight_column: str | None = option(
        None, help="Demand weight column of the wijken; absent → inhabitants estimated from the municipalities "
                   "by area share (a labelled estimate).")
    tolerance_m2: float = option(0.01, unit="m2", ge=0, le=1e9, help="Overlap up to which a site only touches.")
    reverse_route: bool = option(False, help="Take the route's first vertex as the landing end.")

    def __post_init__(self) -> None:
        raise_problems(object_problems(self, "[landing]"))


#: The former name of :class:`LandingOptions`.
LandingSettings = LandingOptions


def route_end_point(route: shapely.Geometry | gpd.GeoDataFrame | gpd.GeoSeries, *, reverse: bool = False) -> shapely.Point:
    """The end point of a route: the given point, or the last vertex of the (merged) route line.

    Several route variants that all end at the same place (within 1 m) give that place.

    Raises
    ------
    WlrGeoInputError
        The route does not merge into one line (give the end point explicitly then).
    """
    if isinstance(route, gpd.GeoDataFrame | gpd.GeoSeries):
        series = ensure_rd(route, layer="route")
        arr = np.asarray(series.geometry.values if isinstance(series, gpd.GeoDataFrame) else series.values)
        arr = arr[~(shapely.is_missing(arr) | shapely.is_empty(arr))]
        shared = _shared_end(arr, reverse=reverse)
        if shared is not None:
            return shared
        g = shapely.union_all(arr)
    else:
        g = route
    if g is None or g.is_empty:
        raise WlrGeoInputError("het tracé is leeg", layer="route", hint="geef een tracélijn of een eindpunt")
    if g.geom_type == "Point":
        return g
    if g.geom_type == "MultiLineString":
        g = shapely.line_merge(g)
    if g.geom_type != "LineString":
        raise WlrGeoInputError(
            f"het tracé is een {g.geom_type} die niet tot één lijn samengaat", layer="route",
            hint="geef het aanlandingseinde als punt (route_end=Point(x, y)) of herstel de gaten in het tracé",
        )
    coords = shapely.get_coordinates(g)
    return shapely.Point(coords[0] if reverse else coords[-1])


def _shared_end(arr: np.ndarray, *, reverse: bool) -> shapely.Point | None:
    """The common end point of several route variants (each one line), or None."""
    if len(arr) < 2 or not np.isin(shapely.get_type_id(arr), (1, 5)).all():
        return None
    merged = [shapely.line_merge(g) if g.geom_type == "MultiLineString" else g for g in arr]
    if any(g.geom_type != "LineString" for g in merged):
        return None
    ends = np.array([shapely.get_coordinates(g)[0 if reverse else -1] for g in merged])
    if np.ptp(ends, axis=0).max() <= 1.0:  # all variants end within 1 m of each other
        return shapely.Point(ends[0])
    return None


def estimate_wijk_inhabitants(
    wijken: gpd.GeoDataFrame,
    municipalities: gpd.GeoDataFrame,
    *,
    inhabitants_column: str = "inwoners_2021",
    code_column: str = "gm_code",
) -> pd.Series:
    """ESTIMATE inhabitants per wijk: municipal inhabitants spread over its wijken by area share.

    This is an assumption (uniform density within a municipality), not CBS wijk data; the
    Series is named ``inwoners_schatting_oppervlakteaandeel`` so the estimate stays visible.
    """
    for col, layer, gdf in ((code_column, "wijken", wijken), (code_column, "municipalities", municipalities),
                            (inhabitants_column, "municipalities", municipalities)):
        if col not in gdf.columns:
            raise WlrGeoInputError(f"de laag {layer} heeft geen kolom {col!r}", layer=layer,
                                   hint="geef in plaats daarvan een eigen gewichtskolom op (weight_column=...)")
    area = wijken.geometry.area
    total = area.groupby(wijken[code_column].astype(str)).transform("sum")
    inh = wijken[code_column].astype(str).map(
        dict(zip(municipalities[code_column].astype(str), pd.to_numeric(municipalities[inhabitants_column]), strict=True))
    )
    est = (inh.astype(float) * area / total).fillna(0.0)
    return est.rename("inwoners_schatting_oppervlakteaandeel")


def _prepared(gdf: gpd.GeoDataFrame, name: str) -> gpd.GeoDataFrame:
    """``gdf`` in EPSG:28992 with null/empty geometries dropped and invalid ones repaired."""
    out, _report = validate_layer(ensure_rd(gdf, layer=name), layer=name,
                                  geometry_types=list(GEOMETRY_FAMILIES), allow_empty=True)
    return out


def _site_regions(geoms: np.ndarray, footprint_m2: float) -> np.ndarray:
    """The candidate polygon itself, or a square of ``footprint_m2`` centred on a point/line."""
    regions = geoms.copy()
    not_poly = ~np.isin(shapely.get_type_id(geoms), (3, 6))
    if not_poly.any():
        c = shapely.centroid(geoms[not_poly])
        h = math.sqrt(footprint_m2) / 2.0
        x, y = shapely.get_x(c), shapely.get_y(c)
        regions[not_poly] = shapely.box(x - h, y - h, x + h, y + h)
    return regions


def _union(layers: Sequence[gpd.GeoDataFrame | None]) -> shapely.Geometry:
    parts = [np.asarray(_prepared(g, "constraints").geometry.values) for g in layers if g is not None and len(g)]
    if not parts:
        return shapely.Polygon()
    arr = np.concatenate(parts)
    arr = arr[np.isin(shapely.get_type_id(arr), (3, 6))]
    return shapely.union_all(arr) if len(arr) else shapely.Polygon()


def _nearest_distance(geoms: np.ndarray, layer: gpd.GeoDataFrame | None) -> np.ndarray:
    if layer is None or len(layer) == 0:
        return np.full(len(geoms), np.nan)
    target = np.asarray(_prepared(layer, "nearest").geometry.values)
    if len(target) == 0:
        return np.full(len(geoms), np.nan)
    tree = shapely.STRtree(target)
    (qi, _qj), dist = tree.query_nearest(geoms, return_distance=True, all_matches=False)
    out = np.full(len(geoms), np.nan)
    out[qi] = dist
    return out


def landing_criteria(
    candidates: gpd.GeoDataFrame,
    *,
    route_end: shapely.Geometry | gpd.GeoDataFrame | gpd.GeoSeries,
    wijken: gpd.GeoDataFrame | None = None,
    weight_column: str | None = None,
    claims: gpd.GeoDataFrame | None = None,
    constraints: Mapping[str, gpd.GeoDataFrame] | None = None,
    buildings: gpd.GeoDataFrame | None = None,
    substations: gpd.GeoDataFrame | None = None,
    crossing_layers: Mapping[str, gpd.GeoDataFrame] | None = None,
    footprint_m2: float = 1000.0,
    id_column: str = "candidate_id",
    tolerance_m2: float = 0.01,
) -> pd.DataFrame:
    """Raw criterion values per candidate site, computed from the layers.

    Parameters
    ----------
    candidates
        Candidate sites (points or polygons) with a unique ``id_column``.
    route_end
        The route's landing end: a point, or the route (its last vertex is used; see
        :func:`route_end_point`).
    wijken
        Demand areas (polygons or points) with a numeric ``weight_column`` (inhabitants, heat
        demand, or :func:`estimate_wijk_inhabitants`). Without it ``demand_connection_m`` is NaN.
    claims
        Space claims as polygons (:func:`wlr_geo.analysis.claims.footprints.claim_footprints`).
    constraints
        Layer name → polygon layer of no-go or costly areas.
    buildings
        Buildings (homes); gives ``distance_homes_m`` and is no free area.
    substations
        Electricity substations (points or polygons).
    crossing_layers
        Layer name → lines or polygons that a connection must cross (roads, rail, water).
    footprint_m2
        Station footprint: the site region for point candidates is a square of this area.
    tolerance_m2
        Overlap up to which a claim or constraint only touches the site (no conflict).

    Returns
    -------
    DataFrame
        Indexed by candidate id: ``distance_route_end_m``, ``demand_connection_m`` (weighted
        mean distance from the site to the wijk representative points), ``free_area_m2`` (site
        region not covered by constraints or buildings), ``site_area_m2``, ``conflicts_n``
        (claims and constraint features overlapping the site region), ``conflict_area_m2``,
        ``distance_homes_m``, ``distance_substation_m``, ``crossings_n`` (features crossed by
        the straight connection from the route end to the site) and ``crossings_<layer>_n``.
        Columns whose layer was not given are NaN.
    """
    if len(candidates) == 0:
        raise WlrGeoInputError("er zijn geen kandidaatlocaties voor de aanlanding", layer="landing_candidates",
                               hint="geef minstens één kandidaatlocatie")
    if id_column not in candidates.columns:
        raise WlrGeoInputError(f"de kandidaten hebben geen kolom {id_column!r}", layer="landing_candidates",
                               hint="voeg een kolom met unieke ids toe (configuratie: id_column = \"...\")")
    cand = ensure_rd(candidates, layer="landing_candidates")
    ids = cand[id_column].astype(str)
    if ids.duplicated().any():
        raise WlrGeoInputError(f"kandidaat-ids komen meer dan eens voor: {sorted(set(ids[ids.duplicated()]))}",
                               layer="landing_candidates", hint="maak de kandidaat-ids uniek")
    if not (math.isfinite(footprint_m2) and footprint_m2 > 0):
        raise WlrGeoInputError(f"footprint_m2 moet > 0 zijn, is {footprint_m2}")
    geoms = np.asarray(cand.geometry.values)
    if (shapely.is_missing(geoms) | shapely.is_empty(geoms)).any():
        raise WlrGeoInputError("een kandidaat heeft geen geometrie", layer="landing_candidates",
                               hint="teken de locatie of geef haar als punt")
    repaired = _prepared(cand, "landing_candidates")
    if len(repaired) != len(cand):
        raise WlrGeoInputError("een kandidaatvlak valt bij reparatie weg (geen oppervlak over)",
                               layer="landing_candidates", hint="teken het opnieuw of geef de locatie als punt")
    geoms = np.asarray(repaired.geometry.values)
    end = route_end_point(route_end)
    out = pd.DataFrame(index=pd.Index(list(ids), name="candidate_id"))
    out["distance_route_end_m"] = shapely.distance(geoms, end)

    if wijken is not None and len(wijken):
        if weight_column is None or weight_column not in wijken.columns:
            raise WlrGeoInputError(
                f"de laag wijken heeft geen gewichtskolom {weight_column!r}", layer="wijken",
                hint="noem een kolom met inwoners of warmtevraag (weight_column), of gebruik "
                     "estimate_wijk_inhabitants",
            )
        w = pd.to_numeric(wijken[weight_column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
            raise WlrGeoInputError(f"gewichten in {weight_column!r} moeten eindig en ≥ 0 zijn, en niet allemaal 0",
                                   layer="wijken")
        pts = shapely.point_on_surface(np.asarray(ensure_rd(wijken, layer="wijken").geometry.values))
        if not np.isfinite(shapely.get_coordinates(pts)).all() or len(pts) != len(w):
            raise WlrGeoInputError("een wijk heeft geen bruikbare geometrie", layer="wijken",
                                   hint="verwijder of herstel die wijk")
        d = shapely.distance(geoms[:, None], pts[None, :])
        out["demand_connection_m"] = (d * w[None, :]).sum(axis=1) / w.sum()
    else:
        out["demand_connection_m"] = np.nan

    regions = _site_regions(geoms, footprint_m2)
    out["site_area_m2"] = shapely.area(regions)
    blocked = _union([*(constraints or {}).values(), buildings])
    out["free_area_m2"] = shapely.area(shapely.difference(regions, blocked))
    n_conf = np.zeros(len(regions), dtype=np.int64)
    for layer in [claims, *(constraints or {}).values()]:
        if layer is None or len(layer) == 0:
            continue
        lg = np.asarray(_prepared(layer, "constraints").geometry.values)
        lg = lg[np.isin(shapely.get_type_id(lg), (3, 6))]
        qi, qj = shapely.STRtree(lg).query(regions, predicate="intersects")
        if len(qi):
            over = shapely.area(shapely.intersection(regions[qi], lg[qj])) > tolerance_m2
            n_conf += np.bincount(qi[over], minlength=len(regions))
    out["conflicts_n"] = n_conf
    out["conflict_area_m2"] = shapely.area(shapely.intersection(regions, _union([claims, *(constraints or {}).values()])))
    out["distance_homes_m"] = _nearest_distance(geoms, buildings)
    out["distance_substation_m"] = _nearest_distance(geoms, substations)

    if crossing_layers:
        links = shapely.shortest_line(np.full(len(geoms), end, dtype=object), geoms)
        total = np.zeros(len(geoms), dtype=np.int64)
        for name, layer in crossing_layers.items():
            count = np.zeros(len(geoms), dtype=np.int64)
            if layer is not None and len(layer):
                lg = np.asarray(_prepared(layer, name).geometry.values)
                qi, qj = shapely.STRtree(lg).query(links, predicate="intersects")
                if len(qi):
                    poly = np.isin(shapely.get_type_id(lg[qj]), (3, 6))
                    # a polygon is crossed only when the link runs through it for a length > 0
                    ok = ~poly | (shapely.length(shapely.intersection(links[qi], lg[qj])) > 0)
                    count = np.bincount(qi[ok], minlength=len(geoms)).astype(np.int64)
            out[f"crossings_{name}_n"] = count
            total += count
        out["crossings_n"] = total
    else:
        out["crossings_n"] = np.nan
    # round metres and m² to 1 mm / 1 mm²: float noise must not decide a min–max normalisation
    for col in out.columns:
        if col.endswith(("_m", "_m2")):
            out[col] = out[col].round(_ROUND_DECIMALS)
    return out


def normalise(values: np.ndarray, criterion: Criterion) -> np.ndarray:
    """Normalise one criterion's raw values to 0–1 (1 = best); see the module docstring."""
    x = np.asarray(values, dtype=float)
    n = len(x)
    if criterion.normalisation == "rank":
        if n == 1:
            return np.ones(1)
        r = pd.Series(-x if criterion.direction == "max" else x).rank(method="average").to_numpy()
        return (n - r) / (n - 1)
    hi, lo = float(np.max(x)), float(np.min(x))
    if criterion.normalisation == "minmax":
        if hi - lo <= 1e-12 * max(abs(hi), abs(lo), 1.0):  # constant up to float noise
            return np.ones(n)
        return (x - lo) / (hi - lo) if criterion.direction == "max" else (hi - x) / (hi - lo)
    if lo < 0:
        raise WlrGeoInputError(f"criterium {criterion.name!r}: normalisation 'max' vraagt waarden ≥ 0",
                               hint="gebruik normalisation = \"minmax\" of \"rank\"")
    if hi == 0:
        return np.ones(n)
    return x / hi if criterion.direction == "max" else 1.0 - x / hi


def _normalised_matrix(raw: pd.DataFrame, criteria: Sequence[Criterion]) -> np.ndarray:
    if not criteria:
        raise ConfigError("geen criteria opgegeven", hint="voeg [[landing.criteria]]-tabellen toe")
    if len(raw) == 0:
        raise WlrGeoInputError("de tabel met ruwe waarden bevat geen kandidaten")
    problems: list[Problem] = []
    cols = []
    for c in criteria:
        if c.name not in raw.columns:
            problems.append(Problem(f"criterium {c.name!r} heeft geen kolom in de ruwe waarden "
                                    f"({', '.join(map(str, raw.columns))})",
                                    hint="verwijder het criterium of geef de laag die het nodig heeft"))
            continue
        x = pd.to_numeric(raw[c.name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = ~np.isfinite(x)
        if bad.any():
            problems.append(Problem(
                f"criterium {c.name!r} heeft geen waarde voor kandidaat/kandidaten "
                f"{', '.join(map(str, raw.index[bad][:10]))}",
                feature=str(raw.index[bad][0]),
                hint="configureer de laag waaruit dit criterium wordt berekend, of laat het criterium weg",
            ))
            continue
        cols.append(normalise(x, c))
    if problems:
        raise WlrGeoInputError(problems=problems)
    return np.column_stack(cols)


def _order(scores: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Positions sorted best first: highest score, ties to the smaller id."""
    return np.lexsort((ids, -np.round(scores, _TIE_DECIMALS)))


def score_candidates(raw: pd.DataFrame, criteria: Sequence[Criterion]) -> pd.DataFrame:
    """Normalise, weight and rank the candidates.

    Returns
    -------
    DataFrame
        Indexed by candidate id, sorted by rank: for each criterion its raw value and
        ``<name>_norm`` (0–1, 1 = best), then ``score`` (weighted mean of the normalised values,
        0–1) and ``rank`` (1 = best; ties go to the smaller id).
    """
    v = _normalised_matrix(raw, criteria)
    w = np.array([c.weight for c in criteria], dtype=float)
    if w.sum() <= 0:
        raise ConfigError("alle criteriumgewichten zijn 0", hint="geef minstens één criterium een weight > 0")
    score = v @ (w / w.sum())
    out = pd.DataFrame(index=raw.index.copy())
    for j, c in enumerate(criteria):
        out[c.name] = pd.to_numeric(raw[c.name]).astype(float)
        out[f"{c.name}_norm"] = v[:, j]
    out["score"] = score
    order = _order(score, raw.index.astype(str).to_numpy())
    rank = np.empty(len(score), dtype=np.int64)
    rank[order] = np.arange(1, len(score) + 1)
    out["rank"] = rank
    return out.iloc[order]


def candidates_frame(
    candidates: gpd.GeoDataFrame, scores: pd.DataFrame, *, id_column: str = "candidate_id"
) -> gpd.GeoDataFrame:
    """The candidate sites joined with their scores (for maps and GeoPackage output)."""
    cand = ensure_rd(candidates, layer="landing_candidates")
    keyed = cand.assign(_candidate_key=cand[id_column].astype(str))
    dup = [c for c in scores.columns if c in keyed.columns]
    joined = keyed.merge(scores.drop(columns=dup), left_on="_candidate_key", right_index=True, how="left")
    joined = joined.drop(columns="_candidate_key")
    return gpd.GeoDataFrame(joined, geometry=cand.geometry.name, crs=RD_NEW).sort_values("rank", kind="stable")
