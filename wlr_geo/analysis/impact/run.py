"""The impact run: every route variant against every crossed layer, per municipality and wijk.

:func:`run_impact` is the Python API behind ``wlr-geo impact`` (and the demo step). It takes
GeoDataFrames and returns an :class:`ImpactResult` of GeoDataFrames/DataFrames; it reads and
writes no files (see :mod:`wlr_geo.workflows.impact` for that).

Per variant it builds the strips (:mod:`wlr_geo.analysis.route.strips`), splits the route per gemeente and
wijk (:func:`wlr_geo.analysis.route.centreline.split_by_areas`), makes the crossing register
(:mod:`wlr_geo.analysis.crossings.register`) with a suggested technique (:mod:`wlr_geo.analysis.crossings.rules`), and, when
their inputs are given, the above-ground (:mod:`wlr_geo.analysis.impact.above_ground`) and below-ground
(:mod:`wlr_geo.analysis.impact.below_ground`) impact. Crossed layers are indexed once and reused by every
variant.

Areas nest (:mod:`wlr_geo.analysis.impact.areas`): the gemeente of every stretch, crossing and
object comes from the municipality layer, a wijk only from the wijken of that gemeente, and
``"(buiten gemeenten)"`` means outside every municipality polygon (never counted as a
municipality). The route is split per area along its chainage, so a route that crosses itself
on a border keeps the right length per gemeente. Gemeente/wijk of a crossing: the area the
route is in at the crossing's chainage; a crossing exactly on a boundary belongs to the area the
route continues into.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from itertools import compress
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from wlr_geo._errors import LayerValidationError
from wlr_geo._frames import (
    Part,
    concat_columns,
    concat_frames,
    concat_parts,
    frame_columns,
    str_array,
)
from wlr_geo._nl import nl
from wlr_geo._options import MAX_DISTANCE_M, MAX_WIDTH_M, object_problems, option, raise_problems
from wlr_geo.analysis.crossings.register import (
    CrossingOptions,
    IndexedLayer,
    crossing_columns,
    object_class_of,
)
from wlr_geo.analysis.crossings.rules import TECHNIQUES, RuleTable, load_rules, rule_columns
from wlr_geo.analysis.impact.areas import NestedAreas, nest_areas
from wlr_geo.analysis.route.centreline import (
    RouteGeometry,
    format_km,
    prepare_route,
    split_by_areas,
)
from wlr_geo.analysis.route.strips import StripSpec, footprints, make_strips
from wlr_geo.categories import category_from_name
from wlr_geo.crs import check_same_crs, require_projected

__all__ = ["ANALYSED_CLASSES", "CROSSING_CLASSES", "ImpactOptions", "ImpactResult", "analysed_classes", "run_impact"]

log = logging.getLogger("wlr_geo")

#: Crossing classes that always get a count column in the per-gemeente table.
CROSSING_CLASSES: tuple[str, ...] = ("road", "rail", "water", "cable_pipe")

#: Crossing classes (``object_class``) recorded in :attr:`ImpactResult.analysed_classes`.
ANALYSED_CLASSES: tuple[str, ...] = ("road", "rail", "water", "cable_pipe", "green", "building")

_OUTSIDE = "(buiten gemeenten)"


@dataclass(frozen=True)
class ImpactOptions:
    """Parameters of the ``[impact]`` config section (metres, degrees)."""

    building_distance_m: float = option(25.0, unit="m", ge=0, lt=MAX_WIDTH_M,
                                        help="Buildings within this distance of the centreline are listed.")
    # the crossing-register thresholds, with CrossingOptions' defaults (see ``crossing``)
    merge_distance_m: float = option(CrossingOptions.merge_distance_m, unit="m", ge=0, lt=MAX_WIDTH_M,
                                     help="Intersections of one object closer than this are one crossing.")
    parallel_distance_m: float = option(CrossingOptions.parallel_distance_m, unit="m", ge=0, lt=MAX_WIDTH_M,
                                        help="An object this close to the centreline over a length runs parallel.")
    parallel_min_length_m: float = option(CrossingOptions.parallel_min_length_m, unit="m", ge=0, le=MAX_DISTANCE_M,
                                          help="Shortest stretch that counts as a parallel run.")
    parallel_max_angle_deg: float = option(CrossingOptions.parallel_max_angle_deg, unit="deg", ge=0, le=90,
                                           help="Largest angle between route and object in a parallel run.")
    segment_m: float = option(100.0, unit="m", ge=1, le=MAX_DISTANCE_M,
                              help="Length of the route segments of the cable density table.")
    marker_every_m: float = option(100.0, unit="m", ge=1, le=MAX_DISTANCE_M,
                                   help="Spacing of the chainage markers.")
    marker_major_every_m: float = option(1000.0, unit="m", ge=1, le=MAX_DISTANCE_M,
                                         help="Spacing of the labelled (major) chainage markers.")
    municipality_column: str = option("gm_naam", help="Column with the municipality name in the municipalities "
                                                      "(and wijken) layer.")
    wijk_column: str = option("wk_naam", help="Column with the wijk name in the wijken layer.")
    clearance_m: Mapping[str, float] | None = option(
        None, unit="m", ge=0, lt=MAX_WIDTH_M, example="{ hoogspanning = 5.0 }",
        help="Clearance per IMKL thema overriding wlr_geo/defaults/clearances.toml ([impact.clearance_m]).")

    def __post_init__(self) -> None:
        raise_problems(object_problems(self, "[impact]"))

    @property
    def crossing(self) -> CrossingOptions:
        """The crossing-register thresholds of these options."""
        return CrossingOptions(**{f.name: getattr(self, f.name) for f in fields(CrossingOptions)})


@dataclass
class ImpactResult:
    """Everything :func:`run_impact` found; every frame has a ``variant`` column.

    Attributes
    ----------
    routes
        One row per variant: ``variant``, ``length_m``, ``n_parts``, line geometry.
    segments
        The route per gemeente (and wijk): ``variant``, ``gemeente``, ``wijk``, ``from_m``,
        ``to_m``, ``length_m``, ``km_range`` (e.g. "km 0,40 – km 0,60"), line geometry.
        ``gemeente`` is ``"(buiten gemeenten)"`` outside every municipality polygon; ``wijk``
        is empty where no wijk of that gemeente lies.
    markers
        Hectometre/kilometre markers, the ones maps draw: ``variant``, ``chainage_m``,
        ``label`` (Dutch, "km 1,2"), ``major`` (every ``marker_major_every_m``), point geometry
        on the route in the route's CRS.
    strips
        ``variant``, ``strip`` (werkstrook, belemmeringenstrook, footprint), ``area_m2``.
    crossings
        The crossing register (see README): ``variant``, ``chainage_m``, ``x``, ``y``,
        ``object_class``, ``category``, ``subtype``, ``angle_deg``, ``width_m``, ``from_m``,
        ``to_m``, ``relatieveHoogteligging``, ``gemeente``, ``wijk``, ``technique``,
        ``technique_nl``, ``acute``, ``rule_note``, ``netbeheerder``, ``source_layer``,
        ``object_id``, ``geometry_kind``, ``n_merged``; point geometry.
    parallel_runs
        Objects running along the route (not crossings).
    per_gemeente, per_wijk
        The summary tables, one row per variant and gemeente (and wijk).
    variants
        One row per variant, side by side.
    affected, buildings_near, above_totals
        From :func:`wlr_geo.analysis.impact.above_ground.above_ground_impact` (None without objects).
    cable_parallel_runs, clearance_violations, cable_density, precautions_touched, below_totals
        From :func:`wlr_geo.analysis.impact.below_ground.below_ground_impact` (None without cables).
    notes
        Repairs, skipped features and assumptions.
    analysed_classes
        Crossing class (``road``, ``rail``, ``water``, ``cable_pipe``, ``green`` — nature and
        green —, ``building``, and any other class a layer held) → whether a crossed layer
        holding objects of that class was given (:func:`analysed_classes`). ``False`` means
        "not analysed": a 0 in that class's count does not mean "nothing crossed".
    """

    routes: gpd.GeoDataFrame
    segments: gpd.GeoDataFrame
    markers: gpd.GeoDataFrame
    strips: gpd.GeoDataFrame
    crossings: gpd.GeoDataFrame
    parallel_runs: gpd.GeoDataFrame
    per_gemeente: pd.DataFrame
    per_wijk: pd.DataFrame | None
    variants: pd.DataFrame
    affected: gpd.GeoDataFrame | None = None
    buildings_near: gpd.GeoDataFrame | None = None
    above_totals: pd.DataFrame | None = None
    cable_parallel_runs: gpd.GeoDataFrame | None = None
    clearance_violations: gpd.GeoDataFrame | None = None
    cable_density: pd.DataFrame | None = None
    precautions_touched: gpd.GeoDataFrame | None = None
    below_totals: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    analysed_classes: dict[str, bool] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary (counts and totals per variant and gemeente)."""
        def records(df: pd.DataFrame | None) -> list[dict[str, Any]]:
            if df is None:
                return []
            clean = pd.DataFrame(df).astype(object).where(pd.notna(df), None)
            return [{k: _plain(v) for k, v in r.items()} for r in clean.to_dict("records")]
        return {
            "variants": records(self.variants),
            "per_gemeente": records(self.per_gemeente),
            "crossings_per_class": {
                str(k): int(v) for k, v in self.crossings.groupby(["variant", "object_class"]).size().items()
            } if len(self.crossings) else {},
            "analysed_classes": dict(self.analysed_classes),
            "notes": list(self.notes),
        }


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    return v


def analysed_classes(layers: Mapping[str, gpd.GeoDataFrame | IndexedLayer]) -> dict[str, bool]:
    """Which crossing classes the given crossed layers hold, as the crossing register classifies them.

    A layer with a ``thema`` column (KLIC) holds ``cable_pipe``; one with a ``category`` column
    the classes of its categories (missing or unknown categories: ``other``); any other layer the
    class of its name (:func:`~wlr_geo.analysis.crossings.register.category_from_name`). An
    empty layer counts as given (it was looked at). Every class of :data:`ANALYSED_CLASSES` is in
    the result; other classes only when a layer holds them.

    Examples
    --------
    >>> import geopandas as gpd
    >>> roads = gpd.GeoDataFrame({"category": ["local_road"]}, geometry=[None])
    >>> found = analysed_classes({"wegen": roads})
    >>> found["road"], found["rail"]
    (True, False)
    """
    from wlr_geo.categories import CATEGORIES

    found: dict[str, bool] = dict.fromkeys(ANALYSED_CLASSES, False)
    for name, lay in layers.items():
        frame = lay.frame if isinstance(lay, IndexedLayer) else lay
        if "thema" in frame.columns:
            classes = {"cable_pipe"}
        elif "category" in frame.columns and len(frame):
            cats = pd.unique(frame["category"].to_numpy(dtype=object))
            classes = {object_class_of(str(c)) if isinstance(c, str) and c in CATEGORIES else "other" for c in cats}
        else:
            classes = {object_class_of(category_from_name(str(name)))}
        for c in classes:
            found[c] = True
    return found


def _segments(line: shapely.LineString, nested: NestedAreas | None, crs: Any) -> gpd.GeoDataFrame:
    """The route's stretches per gemeente (and wijk), ordered by chainage.

    The stretches follow the chainage: the route is cut wherever one of its segments meets
    the boundary of a nested area piece (:func:`~wlr_geo.analysis.impact.areas.nest_areas`),
    so the gemeente always comes from the municipality layer and the wijk from the wijken of
    that gemeente.
    """
    if nested is not None:
        extra = ["wijk"] if "wijk" in nested.frame.columns else []
        seg = split_by_areas(line, nested.frame, name_column="gemeente", extra_columns=extra)
        gemeente = seg["gemeente"].to_numpy(dtype=object)
        wijk = seg["wijk"].to_numpy(dtype=object) if extra else np.full(len(seg), None, dtype=object)
    else:
        seg = gpd.GeoDataFrame({"from_m": [0.0], "to_m": [line.length], "length_m": [line.length]},
                               geometry=[line], crs=crs)
        gemeente = wijk = np.full(1, None, dtype=object)
    from_m, to_m = seg["from_m"].to_numpy(dtype=float), seg["to_m"].to_numpy(dtype=float)
    return gpd.GeoDataFrame({
        "gemeente": str_array(np.where(pd.isna(gemeente), _OUTSIDE, gemeente)),
        "wijk": str_array(np.where(pd.isna(wijk), "", wijk)),
        "from_m": from_m, "to_m": to_m, "length_m": seg["length_m"].to_numpy(dtype=float),
        "km_range": str_array([f"{format_km(a, 2)} – {format_km(b, 2)}" for a, b in zip(from_m, to_m, strict=True)]),
        "geometry": seg.geometry.values,
    }, geometry="geometry", crs=crs)


def _disagreement_note(nested: NestedAreas, segments: gpd.GeoDataFrame) -> str:
    """One note on where the wijk and municipality layers disagree, with the route length there."""
    gem = segments["gemeente"].to_numpy(dtype=object)
    no_wijk = (gem != _OUTSIDE) & (segments["wijk"].to_numpy(dtype=object) == "")
    per_variant = pd.Series(segments["length_m"].to_numpy(float)[no_wijk],
                            index=segments["variant"].to_numpy(dtype=object)[no_wijk]).groupby(level=0, sort=False).sum()
    lengths = "; ".join(f"{v}: {nl(m, 0)} m" for v, m in per_variant.items()) or "0 m"
    return (
        f"wijken en gemeenten spreken elkaar tegen: {nl(nested.wijk_outside_m2 / 1e6, 3)} km² wijkoppervlak "
        f"ligt buiten de eigen gemeente en {nl(nested.uncovered_m2 / 1e6, 3)} km² gemeenteoppervlak in geen "
        "van haar wijken; daar komt de gemeente uit de gemeentelaag en blijft de wijk leeg "
        f"(tracélengte zonder wijk: {lengths})"
    )


def _area_lookup(seg: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start chainages, gemeente and wijk of the stretches of ``seg`` (for :func:`_assign_areas`)."""
    return seg["from_m"].to_numpy(), seg["gemeente"].to_numpy(), seg["wijk"].to_numpy()


def _assign_areas(chainage: np.ndarray, lookup: tuple[np.ndarray, np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Gemeente and wijk at each chainage (half-open intervals: a boundary point goes forward)."""
    starts, gemeente, wijk = lookup
    idx = np.clip(np.searchsorted(starts, chainage + 1e-6, side="right") - 1, 0, len(starts) - 1)
    return gemeente[idx], wijk[idx]


_DEFAULT_RULES: list[RuleTable] = []


def _default_rules() -> RuleTable:
    """The default rule table, parsed once (it is only read by :func:`apply_rules`)."""
    if not _DEFAULT_RULES:
        _DEFAULT_RULES.append(load_rules(None))
    return _DEFAULT_RULES[0]


def _check_inputs(route: gpd.GeoDataFrame, layers: Mapping[str, Any], **others: gpd.GeoDataFrame | None) -> None:
    require_projected(route, what="de impactanalyse")
    frames = [route] + [v.frame if isinstance(v, IndexedLayer) else v for v in layers.values()]
    names = ["route", *layers]
    for k, v in others.items():
        if v is not None:
            frames.append(v)
            names.append(k)
    check_same_crs(*frames, names=names)
    for name in ("municipalities", "wijken"):
        gdf = others.get(name)
        if gdf is not None and len(gdf) == 0:
            raise LayerValidationError(f"de laag {name} heeft geen objecten", layer=name,
                                       hint="geef een laag met de grenzen, of laat haar weg")


def run_impact(
    route: gpd.GeoDataFrame,
    layers: Mapping[str, gpd.GeoDataFrame | IndexedLayer] | None = None,
    *,
    municipalities: gpd.GeoDataFrame | None = None,
    wijken: gpd.GeoDataFrame | None = None,
    strips: StripSpec | None = None,
    rules: RuleTable | Mapping[str, Any] | None = None,
    options: ImpactOptions | None = None,
    cables: gpd.GeoDataFrame | None = None,
    objects: gpd.GeoDataFrame | None = None,
    precautions: gpd.GeoDataFrame | None = None,
    sites: gpd.GeoDataFrame | None = None,
    reverse: bool | list[str] = False,
    variant_column: str | None = None,
    order_column: str | None = None,
) -> ImpactResult:
    """Run the impact analysis for every variant of ``route``.

    Parameters
    ----------
    route
        Route lines in EPSG:28992 (see :func:`wlr_geo.analysis.route.centreline.prepare_route`).
    layers
        Crossed layers by name (lines and/or polygons): GeoDataFrames or prebuilt
        :class:`~wlr_geo.analysis.crossings.register.IndexedLayer` objects (to reuse their trees across runs).
    municipalities, wijken
        Boundaries with ``gm_naam`` / ``wk_naam`` (+ ``gm_naam``) columns.
    strips
        Strip widths; default :class:`~wlr_geo.analysis.route.strips.StripSpec` (indicative).
    rules
        A :class:`~wlr_geo.analysis.crossings.rules.RuleTable` or a ``[crossing_rules]`` table.
    options
        :class:`ImpactOptions` (the ``[impact]`` section).
    cables
        KLIC lines (``thema``, ``netbeheerder``, ``gml_id``): crossed (as layer ``klic``) and
        used for the below-ground impact.
    objects
        Categorised topography (``category``, BGT frames concatenated, buildings with category
        ``building``) for the above-ground impact.
    precautions
        KLIC EV zones for the below-ground impact.
    sites
        Landing sites and stations (points with ``kind`` or polygons): footprints added to the
        strips.
    reverse, variant_column, order_column
        Passed to :func:`~wlr_geo.analysis.route.centreline.prepare_route`.

    Returns
    -------
    ImpactResult
    """
    opts = options or ImpactOptions()
    spec = strips or StripSpec()
    table = rules if isinstance(rules, RuleTable) else (_default_rules() if rules is None else load_rules(rules))
    layers = dict(layers or {})
    _check_inputs(route, layers, municipalities=municipalities, wijken=wijken, cables=cables,
                  objects=objects, precautions=precautions, sites=sites)
    for name, gdf in (("municipalities", municipalities), ("wijken", wijken)):
        col = opts.municipality_column if name == "municipalities" else opts.wijk_column
        if gdf is not None and col not in gdf.columns:
            raise LayerValidationError(
                f"de laag {name} heeft geen kolom {col!r}; ze heeft {', '.join(map(str, gdf.columns))}",
                layer=name,
                hint=f"zet [impact] {'municipality_column' if name == 'municipalities' else 'wijk_column'} "
                     "op de kolom met de naam",
            )
    crs = route.crs
    routes = prepare_route(route, reverse=reverse, variant_column=variant_column, order_column=order_column)
    notes: list[str] = list(routes.attrs.get("notes", []))
    indexed: dict[str, IndexedLayer] = {}
    for name, lay in layers.items():
        indexed[name] = lay if isinstance(lay, IndexedLayer) else IndexedLayer.build(lay, name=name)
    if cables is not None and "klic" not in indexed and len(cables):
        indexed["klic"] = IndexedLayer.build(cables, name="klic")
    for il in indexed.values():
        notes.extend(il.notes)
    analysed = analysed_classes(indexed)
    nested = nest_areas(municipalities, wijken, municipality_column=opts.municipality_column,
                        wijk_column=opts.wijk_column)
    if nested is not None:
        notes.extend(nested.notes)
    # the area pieces (gemeente, wijk) also book the above/below-ground objects
    areas = nested.frame if nested is not None else None
    cable_tree = shapely.STRtree(cables.geometry.values) if cables is not None and len(cables) else None
    object_tree = shapely.STRtree(objects.geometry.values) if objects is not None and len(objects) else None

    out: dict[str, list[Any]] = {k: [] for k in (
        "segments", "markers", "strips", "crossings", "runs", "affected", "near", "above_totals",
        "cable_runs", "violations", "density", "prec", "below_totals")}
    for variant, line in zip(routes["variant"], routes.geometry, strict=True):
        rg = RouteGeometry.of(line)
        seg = _segments(line, nested, crs)
        areas_at = _area_lookup(seg)
        out["segments"].append((variant, seg, {}))
        markers = rg.markers(every_m=opts.marker_every_m, major_every_m=opts.marker_major_every_m)
        markers["label"] = str_array(markers["label"])
        out["markers"].append((variant, markers, {}))
        st = make_strips(line, spec, crs=crs)
        if sites is not None and len(sites):
            fp = footprints(sites, spec.footprint_sizes_m)
            st = pd.concat([st, fp], ignore_index=True)
        out["strips"].append((variant, st, {}))
        reach = shapely.buffer(shapely.envelope(line), opts.parallel_distance_m)
        for name, il in indexed.items():
            if len(il) and not shapely.intersects(shapely.box(*il.bounds), reach):
                notes.append(f"{variant}: laag {name!r} ligt geheel buiten het tracégebied (0 kruisingen)")
                continue
            cr, runs = crossing_columns(rg, il, opts.crossing)
            if cr is not None:
                gm, wk = _assign_areas(cr["chainage_m"], areas_at)
                out["crossings"].append((variant, cr, {"gemeente": str_array(gm), "wijk": str_array(wk)}))
            if runs is not None:
                gm, wk = _assign_areas(runs["from_m"], areas_at)
                out["runs"].append((variant, runs, {"gemeente": str_array(gm), "wijk": str_array(wk)}))
        has_objects, has_cables = objects is not None and len(objects) > 0, cables is not None and len(cables) > 0
        if has_objects or has_cables:
            strip_frame = st[st["strip"].isin(["werkstrook", "belemmeringenstrook"])][["strip", "geometry"]]
            if has_objects:
                _above(out, variant, strip_frame, objects, line, areas, opts, object_tree, notes)
            if has_cables:
                _below(out, variant, strip_frame, cables, line, areas, opts, precautions, cable_tree, notes)

    crossings = _crossing_frame(out["crossings"], table, crs)
    parallel = concat_parts(out["runs"], crs, front=True)
    segments = concat_parts(out["segments"], crs, front=True)
    if nested is not None and wijken is not None and municipalities is not None and nested.disagree:
        notes.append(_disagreement_note(nested, segments))
    per_gemeente = _per_area(segments, crossings, parallel, out, ["gemeente"])
    per_wijk = _per_area(segments, crossings, parallel, out, ["gemeente", "wijk"]) if wijken is not None else None
    strips_gdf = concat_parts(out["strips"], crs, front=True)
    variants = _variants_table(routes, segments, crossings, parallel, strips_gdf, out)
    for note in notes:
        log.info(note)
    return ImpactResult(
        routes=routes, segments=segments, markers=concat_parts(out["markers"], crs),
        strips=strips_gdf, crossings=crossings, parallel_runs=parallel,
        per_gemeente=per_gemeente, per_wijk=per_wijk, variants=variants,
        affected=_concat_geo(out["affected"], crs) if out["affected"] else None,
        buildings_near=_concat_geo(out["near"], crs) if out["near"] else None,
        above_totals=pd.concat(out["above_totals"], ignore_index=True) if out["above_totals"] else None,
        cable_parallel_runs=_concat_geo(out["cable_runs"], crs) if out["cable_runs"] else None,
        clearance_violations=_concat_geo(out["violations"], crs) if out["violations"] else None,
        cable_density=pd.concat(out["density"], ignore_index=True) if out["density"] else None,
        precautions_touched=_concat_geo(out["prec"], crs) if out["prec"] else None,
        below_totals=pd.concat(out["below_totals"], ignore_index=True) if out["below_totals"] else None,
        notes=notes,
        analysed_classes=analysed,
    )


def _above(out: dict[str, list[Any]], variant: str, strip_frame: gpd.GeoDataFrame, objects: gpd.GeoDataFrame,
           line: shapely.LineString, areas: gpd.GeoDataFrame | None, opts: ImpactOptions,
           tree: shapely.STRtree | None, notes: list[str]) -> None:
    from wlr_geo.analysis.impact.above_ground import above_ground_impact

    res = above_ground_impact(strip_frame, objects, centreline=line, areas=areas,
                              building_distance_m=opts.building_distance_m, tree=tree)
    notes.extend(f"{variant}: {n}" for n in res.notes)
    out["affected"].append(res.affected.assign(variant=variant))
    out["near"].append(res.buildings_near.assign(variant=variant))
    out["above_totals"].append(res.totals.assign(variant=variant))
    out.setdefault("above_per_area", []).append(res.per_area.assign(variant=variant))


def _below(out: dict[str, list[Any]], variant: str, strip_frame: gpd.GeoDataFrame, cables: gpd.GeoDataFrame,
           line: shapely.LineString, areas: gpd.GeoDataFrame | None, opts: ImpactOptions,
           precautions: gpd.GeoDataFrame | None, tree: shapely.STRtree | None, notes: list[str]) -> None:
    from wlr_geo.analysis.impact.below_ground import below_ground_impact

    res = below_ground_impact(
        line, strip_frame, cables, clearance_m=opts.clearance_m, segment_m=opts.segment_m,
        precautions=precautions, areas=areas, parallel_min_length_m=opts.parallel_min_length_m,
        parallel_max_angle_deg=opts.parallel_max_angle_deg, tree=tree,
    )
    notes.extend(f"{variant}: {n}" for n in res.notes)
    out["cable_runs"].append(res.parallel_runs.assign(variant=variant))
    out["violations"].append(res.clearance_violations.assign(variant=variant))
    out["density"].append(res.density.assign(variant=variant))
    out["prec"].append(res.precautions_touched.assign(variant=variant))
    out["below_totals"].append(res.totals.assign(variant=variant))


def _concat_geo(frames: list[gpd.GeoDataFrame], crs: Any, *, front: bool = False) -> gpd.GeoDataFrame:
    """Concatenate non-empty frames; ``front`` puts ``variant`` first."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return gpd.GeoDataFrame({"variant": pd.Series(dtype="str")}, geometry=gpd.GeoSeries([], crs=crs))
    gdf = pd.concat([pd.DataFrame(f) for f in frames], ignore_index=True)
    if front:  # reorder the plain frame: cheaper than on the GeoDataFrame
        gdf = gdf[["variant", *[c for c in gdf.columns if c != "variant"]]]
    name = frames[0].geometry.name
    return gpd.GeoDataFrame(gdf, geometry=name, crs=crs)


_CROSSING_ORDER = ["variant", "chainage_m", "x", "y", "object_class", "category", "subtype", "angle_deg", "width_m",
                   "from_m", "to_m", "relatieveHoogteligging", "gemeente", "wijk", "technique", "technique_nl",
                   "acute", "rule_note"]


def _crossing_frame(parts: list[Part], table: RuleTable, crs: Any) -> gpd.GeoDataFrame:
    """All crossings with their technique, ordered by variant and chainage, as points."""
    from wlr_geo.analysis.crossings.register import CROSSING_COLUMNS, _empty_crossings

    cols = _CROSSING_ORDER + [c for c in CROSSING_COLUMNS if c not in _CROSSING_ORDER]
    data = concat_columns(parts) if parts else None
    if data is None:  # no crossings, or parts that pandas must align
        cr = concat_frames(parts) if parts else _empty_crossings().assign(
            gemeente=pd.Series(dtype="str"), wijk=pd.Series(dtype="str"), variant=pd.Series(dtype="str"))
        data = frame_columns(cr)
    n = len(data["chainage_m"])
    rules = rule_columns(
        {k: np.asarray(data[k].to_numpy(dtype=object)) for k in ("object_class", "category", "subtype")},
        np.asarray(data["width_m"], dtype=float), np.asarray(data["angle_deg"], dtype=float), table, n,
    )
    for k, v in rules.items():
        data[k] = v if k == "acute" else str_array(v)
    _, variant_code = np.unique(np.asarray(data["variant"].to_numpy(dtype=object)), return_inverse=True)
    order = np.lexsort((np.asarray(data["chainage_m"], dtype=float), variant_code.ravel()))
    frame = {c: data[c][order] for c in cols}
    points = shapely.points(np.asarray(frame["x"], dtype=float), np.asarray(frame["y"], dtype=float))
    frame["geometry"] = gpd.array.from_shapely(points, crs=crs)
    return gpd.GeoDataFrame(frame, geometry="geometry")


def _key_tuples(df: pd.DataFrame, keys: list[str], *, outside: bool = False) -> list[tuple[Any, ...]]:
    """Row keys as tuples of plain Python values (missing area names normalised)."""
    cols = []
    for k in keys:
        vals = df[k].to_numpy(dtype=object)
        if outside and k in ("gemeente", "wijk"):
            fill = _OUTSIDE if k == "gemeente" else ""
            missing = np.asarray(pd.isna(vals), dtype=bool)
            present = np.flatnonzero(~missing)
            missing[present] = [v == "" for v in vals[present]]
            if missing.any():
                vals = vals.copy()
                vals[missing] = fill
        cols.append(vals)
    return list(zip(*cols, strict=True)) if cols else []


def _count(df: pd.DataFrame | None, keys: list[str], column: str | None = None,
           mask: np.ndarray | None = None, weights: str | None = None,
           tuples: list[tuple[Any, ...]] | None = None) -> Counter[tuple[Any, ...]]:
    """Counts (or sums of ``weights``) per key tuple (+ value of ``column``).

    ``tuples`` are the precomputed :func:`_key_tuples` of all rows of ``df`` (to reuse them
    across several counts of one frame)."""
    c: Counter[tuple[Any, ...]] = Counter()
    if df is None or len(df) == 0 or not set(keys) <= set(df.columns):
        return c
    if tuples is None:
        tuples = _key_tuples(df, keys, outside=True)
    extra = df[column].to_numpy(dtype=object) if column else None
    w = df[weights].to_numpy(dtype=float) if weights else None
    if mask is not None:  # filter the arrays, not the (wide) frame
        keep = np.asarray(mask, dtype=bool)
        tuples = list(compress(tuples, keep.tolist()))
        extra = extra[keep] if extra is not None else None
        w = w[keep] if w is not None else None
    if w is None:  # plain counts: Counter's C counting loop
        c.update(tuples if extra is None else [(*t, e) for t, e in zip(tuples, extra, strict=True)])
        return c
    for i, t in enumerate(tuples):
        key = (*t, extra[i]) if extra is not None else t
        c[key] += w[i]
    return c


def _summary_table(index: list[tuple[Any, ...]], keys: list[str], crossings: pd.DataFrame,
                   parallel: pd.DataFrame, out: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """Crossing, parallel-run, above-ground and operator columns for the rows ``index``."""
    cols: dict[str, list[Any]] = {}
    classes = list(dict.fromkeys((*CROSSING_CLASSES, *sorted(set(crossings["object_class"].to_numpy(dtype=object)) if len(crossings) else ()))))
    cr_keys = (_key_tuples(crossings, keys, outside=True)
               if len(crossings) and set(keys) <= set(crossings.columns) else None)
    by_class = _count(crossings, keys, "object_class", tuples=cr_keys)
    by_tech = _count(crossings, keys, "technique", tuples=cr_keys)
    total = _count(crossings, keys, tuples=cr_keys)
    acute = _count(crossings, keys, mask=crossings["acute"].to_numpy(dtype=bool) if len(crossings) else None,
                   tuples=cr_keys)
    runs = _count(parallel, keys)
    for cls in classes:
        cols[f"n_{cls}"] = [by_class[(*k, cls)] for k in index]
    for tech in TECHNIQUES:
        cols[f"n_{tech}"] = [by_tech[(*k, tech)] for k in index]
    cols["n_crossings"] = [total[k] for k in index]
    cols["n_acute"] = [acute[k] for k in index]
    cols["n_parallel_runs"] = [runs[k] for k in index]
    per_area = pd.concat(out["above_per_area"], ignore_index=True) if out.get("above_per_area") else None
    if per_area is not None and len(per_area) and set(keys) <= set(per_area.columns):
        ws = per_area[per_area["strip"] == "werkstrook"] if "strip" in per_area.columns else per_area
        area = _count(ws, keys, "category", weights="area_m2")
        for cat in sorted(set(ws["category"].astype(object))):
            cols[f"area_m2_{cat}"] = [float(area[(*k, cat)]) for k in index]
        bld = _count(ws, keys, mask=(ws["category"] == "building").to_numpy(dtype=bool), weights="count")
        cols["n_buildings_in_werkstrook"] = [int(bld[k]) for k in index]
    near = [f for f in out.get("near", []) if len(f)]
    if near:
        nb = pd.concat([pd.DataFrame(f) for f in near], ignore_index=True)
        near_count = _count(nb, keys)
        cols["n_buildings_near"] = [near_count[k] for k in index]
    operators: dict[tuple[Any, ...], set[str]] = {}
    for frame in [crossings, parallel, *out.get("cable_runs", []), *out.get("violations", [])]:
        if frame is None or not len(frame) or "netbeheerder" not in frame.columns or not set(keys) <= set(frame.columns):
            continue
        ops = frame["netbeheerder"].to_numpy(dtype=object)
        frame_keys = cr_keys if frame is crossings and cr_keys is not None else _key_tuples(frame, keys, outside=True)
        for t, op in set(zip(frame_keys, ops, strict=True)):  # distinct pairs: far fewer than rows
            if isinstance(op, str) and op:
                operators.setdefault(t, set()).add(op)
    cols["klic_operators"] = [", ".join(sorted(operators.get(k, ()))) for k in index]
    cols["n_klic_operators"] = [len(operators.get(k, ())) for k in index]
    return cols


def _side_by_side(head: dict[str, Any], table: dict[str, list[Any]]) -> pd.DataFrame:
    """``pd.concat([DataFrame(head), DataFrame(table)], axis=1)`` built as one frame."""
    if set(head) & set(table):  # duplicate names: keep both, as concat does
        return pd.concat([pd.DataFrame(head), pd.DataFrame(table)], axis=1)
    return pd.DataFrame({**head, **table})


def _per_area(segments: gpd.GeoDataFrame, crossings: pd.DataFrame, parallel: pd.DataFrame,
              out: dict[str, list[Any]], by: list[str]) -> pd.DataFrame:
    keys = ["variant", *by]
    index: list[tuple[Any, ...]] = []
    length: dict[tuple[Any, ...], float] = {}
    stretches: Counter[tuple[Any, ...]] = Counter()
    for t, ln in zip(_key_tuples(segments, keys, outside=True), segments["length_m"].to_numpy(float), strict=True):
        if t not in length:
            index.append(t)
            length[t] = 0.0
        length[t] += ln
        stretches[t] += 1
    table = _summary_table(index, keys, crossings, parallel, out)
    if not index:
        head = pd.DataFrame({k: pd.Series(dtype="str") for k in keys})
        head["length_m"] = []
        head["n_stretches"] = []
        return pd.concat([head, pd.DataFrame(table)], axis=1)
    cols: dict[str, Any] = {k: [t[i] for t in index] for i, k in enumerate(keys)}
    cols["length_m"] = [length[k] for k in index]
    cols["n_stretches"] = [stretches[k] for k in index]
    return _side_by_side(cols, table)


def _variants_table(routes: gpd.GeoDataFrame, segments: gpd.GeoDataFrame, crossings: pd.DataFrame,
                    parallel: pd.DataFrame, strips: gpd.GeoDataFrame, out: dict[str, list[Any]]) -> pd.DataFrame:
    index = [(v,) for v in routes["variant"].to_numpy(dtype=object)]
    head: dict[str, Any] = {"variant": [k[0] for k in index], "length_m": routes["length_m"].to_numpy(float)}
    gm: dict[Any, set[Any]] = {}
    for v, g in zip(segments["variant"].to_numpy(dtype=object), segments["gemeente"].to_numpy(dtype=object), strict=True):
        gm.setdefault(v, set()).add(g)
    head["n_gemeenten"] = [len(gm.get(k[0], set()) - {_OUTSIDE}) for k in index]
    for kind in ("werkstrook", "belemmeringenstrook"):
        area = _count(strips, ["variant"], mask=(strips["strip"] == kind).to_numpy(dtype=bool), weights="area_m2")
        head[f"area_m2_{kind}"] = [float(area[k]) for k in index]
    table = _summary_table(index, ["variant"], crossings, parallel, out)
    if out.get("violations"):
        vi = _count(pd.concat([pd.DataFrame(f) for f in out["violations"]], ignore_index=True), ["variant"])
        table["n_clearance_violations"] = [vi[k] for k in index]
    return _side_by_side(head, table)
