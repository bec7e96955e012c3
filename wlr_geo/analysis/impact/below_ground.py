"""Below-ground impact of a route against cables and pipes (KLIC or any thema'd line layer).

:func:`below_ground_impact` reports, for one route centreline and its strips:

* **parallel runs** — stretches where a cable runs inside a strip at most
  ``parallel_max_angle_deg`` off the route direction for at least ``parallel_min_length_m``;
  a cable running along the route is one run, never a series of crossings
  (:func:`in_parallel_run` lets a crossing register drop crossings that follow a run; a
  crossing that leaves the run at a larger angle stays a crossing);
* **clearance violations** — the parts of each cable closer to the centreline than the
  clearance for its ``thema`` (defaults in ``wlr_geo/defaults/clearances.toml``, assumptions to
  be checked with the operator; overridable per thema);
* **density** — cables and cable length per ``segment_m`` stretch of route (the strips cut by
  cross-sections perpendicular to the centreline);
* **precaution zones** (EV, *eisen voorzorgsmaatregelen*) that overlap the strips;
* **depth** — ``diepte_m`` of the cables at each crossing and parallel run, where known.

Method: candidates come from an STRtree over the cables (pass ``tree=`` to reuse one across
route variants) queried with grid-cut pieces of the strips and the centreline
(:func:`wlr_geo.analysis.route.linear.route_candidates`); everything after that is vectorised shapely 2 on the
candidates only. Zero-length lines and non-line geometries are dropped and noted, never counted.
Clearance is the horizontal distance between the cable axis and the route centreline (pipe axis);
a violation part that touches the centreline is flagged ``crossing`` (there the vertical
clearance of the crossing register applies).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from shapely.ops import split

from wlr_geo._errors import ConfigError, WlrGeoInputError
from wlr_geo._nl import nl
from wlr_geo._toml import read_toml
from wlr_geo.analysis.impact.above_ground import area_at_points, prepare_areas
from wlr_geo.analysis.route.linear import (
    FOLD_MAX_ANGLE_DEG,
    as_centreline,
    chainage_range,
    clip_to_polygon,
    cross_sections,
    crossing_angles,
    distance_to_line,
    in_parallel_run,
    keep_dimension,
    locate_points,
    parallel_runs_of,
    project_chainage,
    require_finite,
    route_candidates,
    safe_intersection,
    segment_edges,
)
from wlr_geo.crs import check_same_crs, require_projected
from wlr_geo.defaults import default_path

__all__ = [
    "BelowGroundResult",
    "below_ground_impact",
    "in_parallel_run",
    "load_clearances",
]

log = logging.getLogger("wlr_geo")

_KEYS = ["gml_id", "thema", "netbeheerder"]
_RUN_COLUMNS = [*_KEYS, "strip", "from_m", "to_m", "length_m", "mean_offset_m"]
_VIOLATION_COLUMNS = [*_KEYS, "required_m", "min_distance_m", "from_m", "to_m", "length_m", "crossing"]
_DEPTH_COLUMNS = ["kind", *_KEYS, "strip", "from_m", "to_m", "chainage_m", "diepte_m"]
_EV_COLUMNS = ["netbeheerder", "thema", "eis", "van_toepassing"]
_FLOAT_SUFFIXES = ("_m", "_m2", "_deg")


@dataclass
class BelowGroundResult:
    """Result of :func:`below_ground_impact` (all frames in EPSG:28992; chainage in metres).

    Attributes
    ----------
    parallel_runs
        ``gml_id``, ``thema``, ``netbeheerder``, ``strip``, ``from_m``, ``to_m``, ``length_m``,
        ``mean_offset_m`` (+ area columns), geometry = the run.
    clearance_violations
        ``gml_id``, ``thema``, ``netbeheerder``, ``required_m``, ``min_distance_m``, ``from_m``,
        ``to_m``, ``length_m``, ``crossing`` (+ area columns), geometry = the violating part.
    density
        Per route segment (index ``segment``): ``from_m``, ``to_m``, ``n_cables``,
        ``cable_length_m`` and one ``n_<thema>`` count column per thema present.
    segments
        The same table as a GeoDataFrame whose geometry is the segment's slice of the strips.
    precautions_touched
        EV zones overlapping a strip: ``strip``, ``netbeheerder``, ``thema``, ``eis``,
        ``van_toepassing``, the zone's other columns, ``area_m2``, geometry = overlap.
    depth
        ``kind`` (``"crossing"``/``"parallel"``), cable keys, ``strip``, ``from_m``, ``to_m``,
        ``chainage_m``, ``diepte_m``, for cables whose ``diepte_m`` is known.
    totals
        Per ``thema`` and ``netbeheerder``: ``n_cables`` and ``cable_length_m`` inside the strips,
        ``n_parallel_runs`` and ``parallel_length_m`` (runs inside the union of the strips),
        ``n_violations``, ``violation_length_m``, ``min_clearance_m``.
    notes
        What was dropped, repaired or assumed.
    """

    parallel_runs: gpd.GeoDataFrame
    clearance_violations: gpd.GeoDataFrame
    density: pd.DataFrame
    segments: gpd.GeoDataFrame
    precautions_touched: gpd.GeoDataFrame
    depth: gpd.GeoDataFrame
    totals: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def load_clearances(
    path: str | Path | None = None, *, overrides: Mapping[str, float] | None = None
) -> dict[str, float]:
    """Clearances (m) per thema: the packaged defaults (or ``path``) with ``overrides`` on top.

    The file is TOML with a ``[clearance_m]`` table; the key ``default`` applies to any other
    thema. Raises :class:`~wlr_geo.ConfigError` on a missing file, bad TOML or a negative or
    non-numeric value.

    Examples
    --------
    >>> load_clearances()["hoogspanning"]
    5.0
    >>> load_clearances(overrides={"laagspanning": 0.8})["laagspanning"]
    0.8
    """
    source = str(path) if path is not None else "wlr_geo/defaults/clearances.toml"
    table = read_toml(path if path is not None else default_path("clearances.toml"), what="bestand met de afstandentabel").get(
        "clearance_m", {})
    merged: dict[str, object] = {**table, **(dict(overrides) if overrides else {})}
    out: dict[str, float] = {}
    for key, value in merged.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
            raise ConfigError(
                f"de afstand (clearance) voor thema {key!r} moet een getal ≥ 0 zijn (meters), is {value!r}",
                source=source, hint="bijvoorbeeld hoogspanning = 5.0",
            )
        out[str(key)] = float(value)
    out.setdefault("default", 1.0)
    return out


def _empty(columns: list[str], crs: object) -> gpd.GeoDataFrame:
    data = {c: pd.Series(dtype=float if c.endswith(_FLOAT_SUFFIXES) else object) for c in columns}
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs=crs), crs=crs)


def _gdf(data: dict[str, object], geoms: NDArray[np.object_], crs: object) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(pd.DataFrame(data), geometry=gpd.GeoSeries(geoms, crs=crs), crs=crs)


def _line_parts(
    geoms: NDArray[np.object_], owner: NDArray[np.intp]
) -> tuple[NDArray[np.object_], NDArray[np.intp]]:
    """Single LineStrings of positive length in ``geoms`` with the owner of each."""
    merge = shapely.get_type_id(geoms) == 5
    if merge.any():
        geoms = geoms.copy()
        geoms[merge] = shapely.line_merge(geoms[merge])
    parts, idx = shapely.get_parts(geoms, return_index=True)
    parts, idx2 = shapely.get_parts(parts, return_index=True)  # collections holding multi-parts
    idx = idx[idx2]
    keep = (shapely.get_type_id(parts) == 1) & (shapely.length(parts) > 0)
    return np.asarray(parts[keep], dtype=object), owner[idx[keep]]


@dataclass
class _Cables:
    """Cable arrays (positions into the input layer) used by the analysis steps."""

    geoms: NDArray[np.object_]
    ids: NDArray[np.object_]
    thema: NDArray[np.object_]
    operator: NDArray[np.object_]
    depth: NDArray[np.float64] | None


def _prepare_cables(
    cables: gpd.GeoDataFrame,
    *,
    id_column: str,
    thema_column: str,
    operator_column: str,
    depth_column: str,
) -> _Cables:
    """Check the columns; attribute arrays are filled later, for the candidates only."""
    if thema_column not in cables.columns:
        raise WlrGeoInputError(
            f"de laag cables heeft geen kolom {thema_column!r}; ze heeft "
            f"{', '.join(map(str, cables.columns))}",
            layer="cables",
            hint="geef met thema_column= de kolom met het netsoort "
            "(IMKL-themacodes zoals 'hoogspanning', 'gasHogeDruk')",
        )
    n = len(cables)
    depth = np.full(n, np.nan) if depth_column in cables.columns else None
    return _Cables(np.asarray(cables.geometry.values, dtype=object), np.empty(n, dtype=object),
                   np.empty(n, dtype=object), np.empty(n, dtype=object), depth)


def _fill_cables(
    cab: _Cables,
    cables: gpd.GeoDataFrame,
    pos: NDArray[np.intp],
    *,
    id_column: str,
    thema_column: str,
    operator_column: str,
    depth_column: str,
) -> None:
    """Fill the attribute arrays at positions ``pos`` (missing text becomes ``"onbekend"``)."""

    def text(col: str) -> NDArray[np.object_]:
        if col not in cables.columns:
            if col == id_column:
                return np.asarray(cables.index[pos].astype(str), dtype=object)
            return np.full(len(pos), "onbekend", dtype=object)
        values = pd.Series(cables[col].to_numpy(dtype=object)[pos], dtype=object)
        return values.where(values.notna(), "onbekend").astype(str).to_numpy(dtype=object)

    cab.ids[pos] = text(id_column)
    cab.thema[pos] = text(thema_column)
    cab.operator[pos] = text(operator_column)
    if cab.depth is not None:
        cab.depth[pos] = pd.to_numeric(pd.Series(cables[depth_column].to_numpy(dtype=object)[pos]),
                                       errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _usable(geoms: NDArray[np.object_], cand: NDArray[np.intp], notes: list[str]) -> NDArray[np.intp]:
    """Candidates that are lines of positive length; the rest noted and dropped."""
    g = geoms[cand]
    is_line = shapely.get_dimensions(g) == 1
    zero = is_line & ~(shapely.length(g) > 0)
    if (~is_line).any():
        notes.append(f"cables: {nl(int((~is_line).sum()))} geometrieën die geen lijn zijn, bij het tracé genegeerd")
    if zero.any():
        notes.append(f"cables: {nl(int(zero.sum()))} lijnen met lengte nul bij het tracé weggelaten, niet geteld")
    return cand[is_line & ~zero]


def _area_columns(data: dict[str, object], points: NDArray[np.object_],
                  areas: gpd.GeoDataFrame | None) -> None:
    if areas is None:
        return
    at = area_at_points(points, areas)
    for c in at.columns:
        data[c] = at[c].to_numpy(dtype=object)


def _midpoints(lines: NDArray[np.object_]) -> NDArray[np.object_]:
    return np.asarray(shapely.line_interpolate_point(lines, 0.5, normalized=True), dtype=object)


def below_ground_impact(
    centreline: shapely.LineString,
    strips: gpd.GeoDataFrame,
    cables: gpd.GeoDataFrame,
    *,
    clearance_m: Mapping[str, float] | None = None,
    segment_m: float = 100.0,
    precautions: gpd.GeoDataFrame | None = None,
    areas: gpd.GeoDataFrame | None = None,
    parallel_min_length_m: float = 20.0,
    parallel_max_angle_deg: float = 15.0,
    density_strip: str | None = None,
    id_column: str = "gml_id",
    thema_column: str = "thema",
    operator_column: str = "netbeheerder",
    depth_column: str = "diepte_m",
    tree: shapely.STRtree | None = None,
) -> BelowGroundResult:
    """Parallel runs, clearance violations, density, EV zones and depths of cables along a route.

    Parameters
    ----------
    centreline
        The route centreline (one LineString, RD metres); chainage runs from its first vertex.
    strips
        Strip polygons with a ``strip`` name column (EPSG:28992).
    cables
        Cable/pipe lines with ``thema``, ``netbeheerder``, ``gml_id`` (names configurable below;
        a missing id falls back to the index, a missing operator or thema to ``"onbekend"``) and
        optionally ``diepte_m`` (depth below surface, m).
    clearance_m
        Clearance (m) per thema, merged over :func:`load_clearances` defaults; 0 switches the
        check off for a thema; ``default`` covers the rest.
    segment_m
        Length of the density segments along the route (m).
    precautions
        Optional EV zones (polygons with ``netbeheerder``, ``thema``, ``eis``, ``van_toepassing``).
    areas
        Optional polygons with ``gemeente``/``wijk``(/``buurt``): runs, violations and segments
        get the area at their midpoint.
    parallel_min_length_m, parallel_max_angle_deg
        A parallel run is at least this long and at most this many degrees off the route.
    density_strip
        Name of the strip whose slices measure density; default the union of all strips.
    tree
        Prebuilt ``shapely.STRtree`` over ``cables.geometry`` (same order), to reuse.

    Returns
    -------
    BelowGroundResult

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> line = shapely.LineString([(0, 0), (200, 0)])
    >>> strips = gpd.GeoDataFrame({"strip": ["werkstrook"]}, geometry=[line.buffer(10)], crs=28992)
    >>> cables = gpd.GeoDataFrame({"gml_id": ["c1"], "thema": ["hoogspanning"],
    ...     "netbeheerder": ["Liander"]}, geometry=[shapely.LineString([(40, 3), (160, 3)])],
    ...     crs=28992)
    >>> res = below_ground_impact(line, strips, cables)
    >>> res.parallel_runs[["from_m", "to_m", "length_m", "mean_offset_m"]].values.tolist()
    [[40.0, 160.0, 120.0, 3.0]]
    >>> float(res.clearance_violations["length_m"].sum())
    120.0
    """
    notes: list[str] = []
    centreline = as_centreline(centreline)
    if "strip" not in strips.columns:
        raise WlrGeoInputError("de laag strips heeft geen kolom 'strip'", layer="strips",
                               hint="geef elk strookvlak een naam in een kolom 'strip'")
    require_projected(strips, what="de ondergrondse impact")
    frames = [("strips", strips), ("cables", cables), ("precautions", precautions), ("areas", areas)]
    present = [(n, f) for n, f in frames if f is not None]
    check_same_crs(*[f for _, f in present], names=[n for n, _ in present])
    crs = strips.crs
    clear = load_clearances(overrides=clearance_m)
    areas_p = prepare_areas(areas, notes)
    cab = _prepare_cables(cables, id_column=id_column, thema_column=thema_column,
                          operator_column=operator_column, depth_column=depth_column)
    if tree is not None and len(tree) != len(cab.geoms):
        raise WlrGeoInputError(
            f"de vooraf gebouwde boom bevat {nl(len(tree))} geometrieën, maar cables heeft er {nl(len(cab.geoms))}",
            layer="cables", hint="bouw de boom uit cables.geometry.values, in dezelfde volgorde",
        )
    if tree is None:
        tree = shapely.STRtree(cab.geoms)

    strip_names = strips["strip"].astype(str).to_numpy(dtype=object)
    strip_geoms = np.asarray(strips.geometry.values, dtype=object)
    ok = ~(shapely.is_missing(strip_geoms) | shapely.is_empty(strip_geoms))
    strip_names, strip_geoms = strip_names[ok], strip_geoms[ok]
    bad = ~shapely.is_valid(strip_geoms)
    if bad.any():
        strip_geoms = strip_geoms.copy()
        strip_geoms[bad] = shapely.make_valid(strip_geoms[bad])
        notes.append(f"strips: {nl(int(bad.sum()))} ongeldige vlakken gerepareerd met make_valid")
    union = shapely.union_all(strip_geoms) if len(strip_geoms) else shapely.Polygon()

    cand = np.union1d(
        route_candidates(tree, union),
        route_candidates(tree, centreline, distance_m=max(clear.values())),
    ).astype(np.intp)
    require_finite(cab.geoms[cand], cables.index[cand], layer="cables")
    cand = _usable(cab.geoms, cand, notes)
    _fill_cables(cab, cables, cand, id_column=id_column, thema_column=thema_column,
                 operator_column=operator_column, depth_column=depth_column)
    required = np.zeros(len(cab.geoms))
    required[cand] = pd.Series(cab.thema[cand], dtype=object).map(clear).fillna(
        clear["default"]).to_numpy(float)

    # Parallel runs: per strip, and once in the union of the strips for the totals (reusing a
    # strip that already covers the union, as nested strips do).
    run_frames, run_geoms = [], []
    union_runs = pd.DataFrame({"cable": [], "length_m": []})
    union_geoms = np.empty(0, dtype=object)
    in_strip = pd.DataFrame({"cable": [], "length_m": []})
    union_done = False
    for name, geom in [*zip(strip_names, strip_geoms, strict=True), (None, union)]:
        if len(cand) == 0 or geom.is_empty or (name is None and union_done):
            continue
        inside = clip_to_polygon(cab.geoms[cand], geom, notes=notes, what=f"strook {name or 'vereniging van alle stroken'}")
        lines, owner = _line_parts(inside, cand)
        table, geoms = parallel_runs_of(centreline, lines, min_length_m=parallel_min_length_m,
                                        max_angle_deg=parallel_max_angle_deg)
        table = table.assign(cable=owner[table.pop("line").to_numpy(dtype=np.intp)])
        if name is not None:
            run_frames.append(table.assign(strip=name))
            run_geoms.append(geoms)
        if name is None or (not union_done and shapely.area(shapely.difference(union, geom)) <= 1e-9 * union.area):
            union_runs, union_geoms, union_done = table, geoms, True
            in_strip = pd.DataFrame({"cable": owner, "length_m": shapely.length(lines)})
    parallel_runs = _cable_frame(run_frames, run_geoms, cab, _RUN_COLUMNS, areas_p, crs)

    violations = _violations(centreline, cab, cand, required, areas_p, crs)
    density, segments = _density(centreline, cab, cand, strip_names, strip_geoms, union,
                                 density_strip, segment_m, areas_p, crs, notes)
    touched = _precautions(precautions, strip_names, strip_geoms, areas_p, crs, notes)
    depth = _depth(centreline, cab, cand, parallel_runs, crs, notes, parallel_max_angle_deg)
    totals = _totals(cab, in_strip, union_runs, union_geoms, violations)
    for note in notes:
        log.info("ondergrondse impact: %s", note)
    return BelowGroundResult(parallel_runs, violations, density, segments, touched, depth,
                             totals, notes)


def _cable_frame(
    frames: list[pd.DataFrame],
    geoms: list[NDArray[np.object_]],
    cab: _Cables,
    columns: list[str],
    areas: gpd.GeoDataFrame | None,
    crs: object,
) -> gpd.GeoDataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return _empty(columns + _area_names(areas), crs)
    table = pd.concat(frames, ignore_index=True)
    geom = np.concatenate([g for g in geoms if len(g)])
    c = table["cable"].to_numpy(dtype=np.intp)
    data: dict[str, object] = {"gml_id": cab.ids[c], "thema": cab.thema[c], "netbeheerder": cab.operator[c]}
    for col in columns[3:]:
        data[col] = table[col].to_numpy()
    _area_columns(data, _midpoints(geom), areas)
    out = _gdf(data, geom, crs)
    return out.sort_values(["from_m", "gml_id"], kind="stable", ignore_index=True)


def _area_names(areas: gpd.GeoDataFrame | None) -> list[str]:
    return [] if areas is None else [c for c in areas.columns if c != areas.geometry.name]


def _violations(
    centreline: shapely.LineString,
    cab: _Cables,
    cand: NDArray[np.intp],
    required: NDArray[np.float64],
    areas: gpd.GeoDataFrame | None,
    crs: object,
) -> gpd.GeoDataFrame:
    frames, geoms = [], []
    req = required[cand]
    for r in np.unique(req[req > 0]):
        sel = cand[req == r]
        sel = sel[distance_to_line(centreline, cab.geoms[sel]) < r]
        if len(sel) == 0:
            continue
        zone = shapely.buffer(centreline, r, quad_segs=32)
        parts, owner = _line_parts(np.asarray(shapely.intersection(cab.geoms[sel], zone), dtype=object), sel)
        lo, hi = chainage_range(centreline, parts)
        frames.append(pd.DataFrame({
            "cable": owner, "required_m": r, "min_distance_m": distance_to_line(centreline, parts),
            "from_m": lo, "to_m": hi, "length_m": shapely.length(parts),
            "crossing": shapely.intersects(parts, centreline),
        }))
        geoms.append(parts)
    return _cable_frame(frames, geoms, cab, _VIOLATION_COLUMNS, areas, crs)


def _density(
    centreline: shapely.LineString,
    cab: _Cables,
    cand: NDArray[np.intp],
    strip_names: NDArray[np.object_],
    strip_geoms: NDArray[np.object_],
    union: shapely.Geometry,
    density_strip: str | None,
    segment_m: float,
    areas: gpd.GeoDataFrame | None,
    crs: object,
    notes: list[str],
) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    edges = segment_edges(centreline.length, segment_m)
    nseg = len(edges) - 1
    if density_strip is not None:
        match = strip_geoms[strip_names == density_strip]
        if len(match) == 0:
            raise WlrGeoInputError(f"density_strip {density_strip!r} hoort niet bij de stroken "
                                   f"({', '.join(map(str, strip_names))})", layer="strips",
                                   hint="noem een bestaande strook of laat density_strip weg")
        region = shapely.union_all(match)
    else:
        region = union
    slices = np.empty(0, dtype=object)
    slice_seg = np.empty(0, dtype=np.intp)
    if not region.is_empty:
        ring = shapely.get_coordinates(region.boundary)
        half = float(locate_points(centreline, ring)[1].max()) * 1.5 + 1.0
        cuts = cross_sections(centreline, edges[1:-1], half)
        pieces = (shapely.get_parts(split(region, shapely.MultiLineString(list(cuts))))
                  if len(cuts) else shapely.get_parts(region))
        slices = np.asarray(pieces[shapely.area(pieces) > 0], dtype=object)
        ch = project_chainage(centreline, shapely.point_on_surface(slices))
        slice_seg = np.clip(np.searchsorted(edges, ch, side="right") - 1, 0, nseg - 1)
    table = pd.DataFrame({"from_m": edges[:-1], "to_m": edges[1:]}, index=pd.RangeIndex(nseg, name="segment"))
    table["n_cables"] = 0
    table["cable_length_m"] = 0.0
    if len(slices) and len(cand):
        pairs = shapely.STRtree(slices).query(cab.geoms[cand], predicate="intersects")
        c = cand[pairs[0]]
        inter = safe_intersection(cab.geoms[c], slices[pairs[1]], notes, "density")
        length = shapely.length(inter)
        # A cable lying on a cut between two slices touches both: count it once, in the segment
        # its midpoint's chainage falls in (segments are half-open, [from_m, to_m)).
        on_cut = (length > 0) & ~shapely.relate_pattern(cab.geoms[c], slices[pairs[1]], "1********")
        if on_cut.any():
            ch_mid = project_chainage(centreline, _midpoints(inter[on_cut]))
            seg_mid = np.clip(np.searchsorted(edges, ch_mid, side="right") - 1, 0, nseg - 1)
            length[np.flatnonzero(on_cut)[seg_mid != slice_seg[pairs[1][on_cut]]]] = 0.0
        keep = length > 0
        hits = pd.DataFrame({"segment": slice_seg[pairs[1][keep]], "cable": c[keep],
                             "thema": cab.thema[c[keep]], "length_m": length[keep]})
        g = hits.groupby("segment")
        table.loc[g.size().index, "n_cables"] = g["cable"].nunique().to_numpy()
        table.loc[g.size().index, "cable_length_m"] = g["length_m"].sum().to_numpy()
        per = hits.drop_duplicates(["segment", "cable"]).groupby(["segment", "thema"]).size().unstack(fill_value=0)
        for t in per.columns:
            table[f"n_{t}"] = per[t].reindex(table.index, fill_value=0).astype("int64")
    table["n_cables"] = table["n_cables"].astype("int64")
    mids = shapely.line_interpolate_point(centreline, (edges[:-1] + edges[1:]) / 2)
    data: dict[str, object] = {}
    _area_columns(data, np.asarray(mids, dtype=object), areas)
    for k, v in data.items():
        table[k] = v
    seg_geom = np.full(nseg, shapely.Polygon(), dtype=object)
    for s in np.unique(slice_seg):  # one union per segment (a few hundred at most)
        seg_geom[s] = shapely.union_all(slices[slice_seg == s])
    segments = gpd.GeoDataFrame(table.copy(), geometry=gpd.GeoSeries(seg_geom, index=table.index, crs=crs), crs=crs)
    return table, segments


def _precautions(
    zones: gpd.GeoDataFrame | None,
    strip_names: NDArray[np.object_],
    strip_geoms: NDArray[np.object_],
    areas: gpd.GeoDataFrame | None,
    crs: object,
    notes: list[str],
) -> gpd.GeoDataFrame:
    base = ["strip", *_EV_COLUMNS]
    extra = [] if zones is None else [c for c in zones.columns if c not in base and c != zones.geometry.name]
    columns = [*base, *extra, "area_m2", *_area_names(areas)]
    if zones is None or len(zones) == 0 or len(strip_geoms) == 0:
        return _empty(columns, crs)
    geoms = np.asarray(zones.geometry.values, dtype=object)
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))
    if (~polygonal & ~shapely.is_missing(geoms)).any():
        notes.append(f"precautions: {nl(int((~polygonal).sum()))} zones die geen vlak zijn, genegeerd")
    bad = polygonal & ~shapely.is_valid(geoms)
    if bad.any():
        geoms = geoms.copy()
        geoms[bad] = shapely.make_valid(geoms[bad])
        notes.append(f"precautions: {nl(int(bad.sum()))} ongeldige zones gerepareerd met make_valid")
    usable = geoms.copy()
    usable[~polygonal] = None
    tree = shapely.STRtree(usable)
    frames, parts = [], []
    for name, strip in zip(strip_names, strip_geoms, strict=True):
        hit = tree.query(strip, predicate="intersects")
        if len(hit) == 0:
            continue
        inter = safe_intersection(geoms[hit], strip, notes, "precautions")
        poly = keep_dimension(inter, np.full(len(inter), 2))
        area = shapely.area(poly)
        keep = area > 0
        rows = zones.iloc[hit[keep]].drop(columns=zones.geometry.name)
        frames.append(pd.DataFrame(rows).reset_index(drop=True).assign(strip=name, area_m2=area[keep]))
        parts.append(poly[keep])
    if not frames or not sum(len(f) for f in frames):
        return _empty(columns, crs)
    table = pd.concat(frames, ignore_index=True)
    for c in _EV_COLUMNS:
        if c not in table.columns:
            table[c] = pd.NA
    geom = np.concatenate(parts)
    data = {c: table[c].to_numpy(dtype=object) if c != "area_m2" else table[c].to_numpy(float)
            for c in [*base, *extra, "area_m2"]}
    _area_columns(data, np.asarray(shapely.point_on_surface(geom), dtype=object), areas)
    return _gdf(data, geom, crs)


def _depth(
    centreline: shapely.LineString,
    cab: _Cables,
    cand: NDArray[np.intp],
    runs: gpd.GeoDataFrame,
    crs: object,
    notes: list[str],
    max_angle_deg: float,
) -> gpd.GeoDataFrame:
    if cab.depth is None:
        notes.append("cables: geen dieptekolom; de dieptetabel blijft leeg")
        return _empty(_DEPTH_COLUMNS, crs)
    known = cand[np.isfinite(cab.depth[cand])]
    crossing = known[shapely.intersects(cab.geoms[known], centreline)]
    pts, owner = shapely.get_parts(shapely.intersection(cab.geoms[crossing], centreline), return_index=True)
    is_pt = shapely.get_type_id(pts) == 0
    pts, c = np.asarray(pts[is_pt], dtype=object), crossing[owner[is_pt]]
    ch = project_chainage(centreline, pts)
    angle = crossing_angles(centreline, cab.geoms[c], pts, ch)
    outside_runs = ~in_parallel_run(runs, cab.ids[c], ch, angle_deg=angle,
                                    max_angle_deg=max(FOLD_MAX_ANGLE_DEG, max_angle_deg))
    pts, c, ch = pts[outside_runs], c[outside_runs], ch[outside_runs]
    rows = pd.DataFrame({"kind": "crossing", "gml_id": cab.ids[c], "thema": cab.thema[c],
                         "netbeheerder": cab.operator[c], "strip": None, "from_m": ch, "to_m": ch,
                         "chainage_m": ch, "diepte_m": cab.depth[c]})
    geoms = [pts]
    if len(runs):
        lookup = pd.Series(cab.depth[cand], index=cab.ids[cand]).groupby(level=0).first()
        d = lookup.reindex(runs["gml_id"].astype(str).to_numpy(dtype=object)).to_numpy(float)
        sel = np.isfinite(d)
        r = runs.loc[sel]
        rows = pd.concat([rows, pd.DataFrame({
            "kind": "parallel", "gml_id": r["gml_id"].to_numpy(dtype=object),
            "thema": r["thema"].to_numpy(dtype=object), "netbeheerder": r["netbeheerder"].to_numpy(dtype=object),
            "strip": r["strip"].to_numpy(dtype=object), "from_m": r["from_m"].to_numpy(float),
            "to_m": r["to_m"].to_numpy(float),
            "chainage_m": (r["from_m"].to_numpy(float) + r["to_m"].to_numpy(float)) / 2,
            "diepte_m": d[sel]})], ignore_index=True)
        geoms.append(np.asarray(r.geometry.values, dtype=object))
    if len(rows) == 0:
        return _empty(_DEPTH_COLUMNS, crs)
    out = gpd.GeoDataFrame(rows, geometry=gpd.GeoSeries(np.concatenate(geoms), crs=crs), crs=crs)
    return out.sort_values(["chainage_m", "gml_id"], kind="stable", ignore_index=True)


def _totals(
    cab: _Cables,
    in_strip: pd.DataFrame,
    runs: pd.DataFrame,
    run_geoms: NDArray[np.object_],
    violations: gpd.GeoDataFrame,
) -> pd.DataFrame:
    keys = ["thema", "netbeheerder"]

    def keyed(frame: pd.DataFrame) -> pd.DataFrame:
        c = frame["cable"].to_numpy(dtype=np.intp)
        return frame.assign(thema=cab.thema[c], netbeheerder=cab.operator[c])

    parts = []
    if len(in_strip):
        g = keyed(in_strip).groupby(keys)
        parts.append(pd.DataFrame({"n_cables": g["cable"].nunique(), "cable_length_m": g["length_m"].sum()}))
    if len(runs):
        k = keyed(runs).reset_index(drop=True)
        par_len = {key: float(shapely.union_all(run_geoms[idx.to_numpy()]).length)
                   for key, idx in k.groupby(keys).groups.items()}
        parts.append(pd.DataFrame({"n_parallel_runs": k.groupby(keys).size(),
                                   "parallel_length_m": pd.Series(par_len)}))
    if len(violations):
        g = violations.groupby(keys)
        parts.append(pd.DataFrame({"n_violations": g.size(), "violation_length_m": g["length_m"].sum(),
                                   "min_clearance_m": g["min_distance_m"].min()}))
    cols = {"n_cables": 0, "cable_length_m": 0.0, "n_parallel_runs": 0, "parallel_length_m": 0.0,
            "n_violations": 0, "violation_length_m": 0.0, "min_clearance_m": np.nan}
    if not parts:
        return pd.DataFrame({k: pd.Series(dtype=object) for k in keys}
                            | {c: pd.Series(dtype=float if isinstance(v, float) else "int64")
                               for c, v in cols.items()})
    table = pd.concat(parts, axis=1)
    table.index = table.index.set_names(keys)
    for c, fill in cols.items():
        if c not in table.columns:
            table[c] = fill
        elif not (isinstance(fill, float) and np.isnan(fill)):
            table[c] = table[c].fillna(fill)
        if isinstance(fill, int):
            table[c] = table[c].astype("int64")
    return table[list(cols)].reset_index().sort_values(keys, ignore_index=True)
