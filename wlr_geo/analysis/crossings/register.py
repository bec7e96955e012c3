"""The crossing register: where the centreline crosses roads, rail, water, cables and pipes.

Method (all in route chainage, metres):

* The route is cut into its straight segments; each crossed layer keeps an STRtree
  (:class:`IndexedLayer`) that is queried with those segments, so only candidate objects near
  the route are ever touched, and a second route variant reuses the tree.
* **Line objects** (cables, pipes, road axes): each intersection point of a route segment with
  the object is a crossing. The angle (0–90°) is between the route segment and the object's
  direction at the point (from points 5 cm either side along the object).
* **Area objects** (BGT road, rail and water polygons): each connected stretch of route inside
  the polygon is a crossing. ``width_m`` is the length of route inside the polygon, the
  chainage is the middle of the stretch, and the angle is the mean of the angles between the
  route and the polygon *edges* where the route enters and leaves (for a stretch without a
  boundary crossing, e.g. a route that starts inside, the long axis of the polygon's minimum
  rotated rectangle). Touching without overlap, or running along the boundary, is not a
  crossing.
* **Merging**: crossings of the same object less than ``merge_distance_m`` apart along the
  route are one crossing (``n_merged`` counts them; area widths are added).
* **Parallel runs**: the parts of a line object within ``parallel_distance_m`` of a route
  segment are projected onto the route; where they cover at least ``parallel_min_length_m``
  of chainage at a mean angle of at most ``parallel_max_angle_deg`` the object runs *along*
  the route: a parallel run. A crossing of the route by the same object inside its run is
  folded into the run (not listed) only when it follows the run, closer to parallel than to
  square (at most 45°, ``FOLD_MAX_ANGLE_DEG``, or ``parallel_max_angle_deg`` when larger); a
  crossing that leaves the run at a larger angle (a cable beside the route that then crosses
  it square-on) is listed.
* **Route vertices**: an object through a route vertex meets both segments there; that is one
  crossing (``n_merged`` 1), not two.
  An area stretch at least ``parallel_min_length_m`` long is a parallel run too (the route runs
  inside a road, verge or ditch) when its entry and exit edges are both within
  ``parallel_max_angle_deg`` of the route, or when the polygon is narrow there: its local width
  (twice the largest distance to the polygon boundary from the points at 1/4, 1/2 and 3/4
  of the stretch) is at most a third
  of the stretch. Known limit: a wide water crossed at right angles whose BGT polygon is cut
  close to the route can look "narrow" and be reported as a parallel run.

Classification of a crossed layer (:func:`classify_objects`): a KLIC frame (column ``thema``)
gives ``object_class="cable_pipe"`` and ``subtype=thema``; a frame with a ``category`` column
(BGT or user data, codes of :mod:`wlr_geo.categories`) gives its category and as subtype the
first non-empty of ``functie``/``bgt_functie``/``function``/``bgt_type``/``type``/``bgt_class``
(else the category); else
the layer name is matched against keywords (``snelweg``, ``spoor``, ``kabel``, ...).

Object ids (``object_id``): the first of the columns ``object_id``, ``gml_id``, ``lokaalid``,
``lokaal_id``, ``identificatie``, ``id``, ``fid`` the layer has (the impact workflow puts a
layer's configured ``id_column`` in ``object_id``), else ``"<layer>:<feature id>"`` from the
frame's index, which the readers fill with the source's stable feature id (a GeoPackage's
``fid``, a Shapefile's or FlatGeobuf's record number, kept by ``wlr-geo convert``), so a layer
read whole, read near the route, or read from its partitioned GeoParquet copy gives the same ids.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString

from wlr_geo._errors import WlrGeoInputError
from wlr_geo._nl import nl
from wlr_geo.analysis.crossings.kernels import (
    _SAME_POINT_M,
    Columns,
    CrossingOptions,
    crossing_arrays,
)
from wlr_geo.analysis.route.centreline import RouteGeometry
from wlr_geo.categories import CATEGORIES, CATEGORY_GROUPS, category_from_name
from wlr_geo.crs import require_projected

__all__ = [
    "CROSSING_COLUMNS",
    "PARALLEL_COLUMNS",
    "CrossingOptions",
    "IndexedLayer",
    "RouteGeometry",
    "category_from_name",
    "classify_objects",
    "crossing_columns",
    "find_crossings",
    "object_class_of",
]

log = logging.getLogger("wlr_geo")

#: Columns of a crossing table from :func:`find_crossings` (before gemeente/technique).
CROSSING_COLUMNS = [
    "chainage_m", "x", "y", "object_class", "category", "subtype", "angle_deg", "width_m",
    "from_m", "to_m", "relatieveHoogteligging", "netbeheerder", "source_layer", "object_id",
    "geometry_kind", "n_merged",
]
#: Columns of a parallel-run table.
PARALLEL_COLUMNS = [
    "from_m", "to_m", "length_m", "angle_deg", "object_class", "category", "subtype",
    "netbeheerder", "source_layer", "object_id", "geometry_kind", "n_crossings_folded",
]

_SUBTYPE_COLUMNS = ("functie", "bgt_functie", "function", "bgt_type", "type", "bgt_class")
_ID_COLUMNS = ("object_id", "gml_id", "lokaalid", "lokaal_id", "identificatie", "id", "fid")
_HOOGTE_COLUMNS = ("relatieveHoogteligging", "relatieve_hoogteligging", "hoogteligging")
_USED_COLUMNS = frozenset({
    "thema", "category", "source_layer", "netbeheerder", "operator",
    *_SUBTYPE_COLUMNS, *_ID_COLUMNS, *_HOOGTE_COLUMNS,
})
_STR_DTYPE = pd.StringDtype(na_value=np.nan)
_CLASS_OF_CATEGORY = {
    cat: ("cable_pipe" if cat == "cable_pipe" else group)
    for group, cats in CATEGORY_GROUPS.items() for cat in cats
}


def object_class_of(category: str) -> str:
    """Crossing class of a category code: road, rail, water, cable_pipe, building, green, paved, other."""
    return _CLASS_OF_CATEGORY.get(category, "other")


def classify_objects(frame: pd.DataFrame, layer_name: str) -> pd.DataFrame:
    """Object class, category, subtype, ids and heights of the rows of one crossed layer.

    Returns a DataFrame on ``frame.index`` with ``object_class``, ``category``, ``subtype``,
    ``object_id``, ``source_layer``, ``relatieveHoogteligging``, ``netbeheerder``.
    """
    return pd.DataFrame(_classification(frame, layer_name), index=frame.index)


def _classification(frame: pd.DataFrame, layer_name: str) -> dict[str, Any]:
    """The columns of :func:`classify_objects` as arrays."""
    present = set(frame.columns)
    n = len(frame)
    index = frame.index

    def values(name: str) -> tuple[np.ndarray, np.ndarray]:
        v = frame[name].to_numpy(dtype=object)
        return v, np.asarray(pd.isna(v), dtype=bool)

    def text(v: np.ndarray) -> Any:
        if pd.api.types.infer_dtype(v, skipna=False) == "string":  # only str values: as they are
            return pd.array(v, dtype="str")
        # exact str values pass as they are (str(x) is x); others as before
        return pd.array([x if type(x) is str else (None if pd.isna(x) else str(x)) for x in v], dtype="str")

    def passed(name: str) -> Any:  # a str column passes as it is
        col = frame[name]
        return col.array if col.dtype == _STR_DTYPE else text(values(name)[0])

    if "thema" in present:
        category = np.full(n, "cable_pipe", dtype=object)
        v, na = values("thema")
        subtype = np.where(na, "onbekend", v)
    elif "category" in present:
        v, na = values("category")
        category = np.where(na, "other", v)
        category = np.where(np.isin(category.astype(str), CATEGORIES), category, "other")
        subtype = np.full(n, None, dtype=object)
        for sub_col in (c for c in _SUBTYPE_COLUMNS if c in present):
            sv, sna = values(sub_col)
            fill = np.asarray(pd.isna(subtype), dtype=bool) & ~sna
            subtype[fill] = sv[fill]
        subtype = np.where(np.asarray(pd.isna(subtype), dtype=bool), category, subtype)
    else:
        category = np.full(n, category_from_name(layer_name), dtype=object)
        subtype = np.full(n, layer_name, dtype=object)
    id_col = next((c for c in _ID_COLUMNS if c in present), None)
    ids = passed(id_col) if id_col is not None else text(np.array([f"{layer_name}:{i}" for i in index], dtype=object))
    if "source_layer" in present:
        v, na = values("source_layer")
        source = np.where(na, layer_name, v)
    else:
        source = np.full(n, layer_name, dtype=object)
    h_col = next((c for c in _HOOGTE_COLUMNS if c in present), None)
    op_col = next((c for c in ("netbeheerder", "operator") if c in present), None)
    return {
        "object_class": text(np.array([object_class_of(str(c)) for c in category], dtype=object)),
        "category": text(category),
        "subtype": text(subtype),
        "object_id": ids,
        "source_layer": text(source),
        "relatieveHoogteligging": (pd.to_numeric(frame[h_col], errors="coerce").astype("Float64").array
                                   if h_col else pd.array([pd.NA] * n, dtype="Float64")),
        "netbeheerder": passed(op_col) if op_col else pd.array([None] * n, dtype="str"),
    }


@dataclass
class IndexedLayer:
    """A crossed layer with its STRtree, checked once and reused for every route variant.

    Build with :meth:`build`. Only line and polygon features are kept; points, null/empty and
    zero-length geometries are dropped and listed in ``notes``; invalid polygons are repaired
    with ``make_valid``. The source frame is not copied.
    """

    name: str
    frame: gpd.GeoDataFrame
    positions: np.ndarray  # row positions in frame of the kept geometries
    geoms: np.ndarray
    is_area: np.ndarray
    tree: shapely.STRtree
    notes: list[str] = field(default_factory=list)
    bounds: tuple[float, float, float, float] = (np.nan, np.nan, np.nan, np.nan)
    has_area: bool = False
    has_line: bool = False

    def __post_init__(self) -> None:
        if len(self.geoms):
            b = shapely.total_bounds(self.geoms)
            self.bounds = (float(b[0]), float(b[1]), float(b[2]), float(b[3]))
        self.has_area = bool(self.is_area.any())
        self.has_line = bool((~self.is_area).any())

    @classmethod
    def build(cls, gdf: gpd.GeoDataFrame, *, name: str) -> IndexedLayer:
        """Check and index ``gdf`` (EPSG:28992) under the layer name ``name``."""
        require_projected(gdf, what=f"kruisingslaag {name!r}")
        notes: list[str] = []
        geoms = np.asarray(gdf.geometry.values, dtype=object)
        present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        if (~present).any():
            notes.append(f"laag {name!r}: {nl(int((~present).sum()))} lege geometrieën (null/leeg) overgeslagen")
        tid = np.full(len(geoms), -1)
        tid[present] = shapely.get_type_id(geoms[present])
        is_line = np.isin(tid, (1, 2, 5))
        is_poly = np.isin(tid, (3, 6))
        other = present & ~is_line & ~is_poly
        if other.any():
            notes.append(
                f"laag {name!r}: {nl(int(other.sum()))} punt-/verzamelingsobjecten overgeslagen "
                "(kruisingen vragen lijnen of vlakken)"
            )
        keep = is_line | is_poly
        coords, cidx = shapely.get_coordinates(geoms[keep], return_index=True)
        finite = np.isfinite(coords).all(axis=1)
        if not finite.all():
            bad = int(np.flatnonzero(keep)[cidx[np.flatnonzero(~finite)[0]]])
            raise WlrGeoInputError(
                "een object heeft NaN- of oneindige coördinaten", layer=name, feature=str(gdf.index[bad]),
                hint="corrigeer of verwijder dat object in de bron",
            )
        zero = is_line & keep
        zero[zero] = shapely.length(geoms[zero]) <= 0
        if zero.any():
            notes.append(f"laag {name!r}: {nl(int(zero.sum()))} lijnen met lengte nul overgeslagen")
        keep &= ~zero
        if is_poly.any():
            pidx = np.flatnonzero(is_poly & keep)
            invalid = ~shapely.is_valid(geoms[pidx])
            if invalid.any():
                geoms = geoms.copy()
                fixed = shapely.make_valid(geoms[pidx[invalid]], method="structure", keep_collapsed=False)
                fixed_area = shapely.area(fixed) > 0
                geoms[pidx[invalid]] = fixed
                keep[pidx[invalid][~fixed_area]] = False
                notes.append(
                    f"laag {name!r}: {nl(int(invalid.sum()))} ongeldige vlakken gerepareerd met make_valid"
                    + (f", {nl(int((~fixed_area).sum()))} weggevallen vlakken overgeslagen"
                       if (~fixed_area).any() else "")
                )
                # make_valid may return collections: keep only their polygons
                coll = pidx[invalid][fixed_area]
                for i in coll[shapely.get_type_id(geoms[coll]) == 7]:
                    geoms[i] = shapely.union_all([g for g in shapely.get_parts(geoms[i]) if g.geom_type.endswith("Polygon")])
        positions = np.flatnonzero(keep)
        kept = geoms[positions]
        if len(positions) == 0:
            notes.append(f"laag {name!r}: geen bruikbare lijn- of vlakobjecten")
        for note in notes:
            log.info(note)
        return cls(
            name=name, frame=gdf, positions=positions, geoms=kept,
            is_area=is_poly[positions], tree=shapely.STRtree(kept), notes=notes,
        )

    def __len__(self) -> int:
        return len(self.positions)

    def classified(self, idx: np.ndarray) -> pd.DataFrame:
        """Classification (see :func:`classify_objects`) of kept features ``idx`` (tree indices)."""
        return pd.DataFrame(self.classified_columns(idx))

    def classified_columns(self, idx: np.ndarray) -> dict[str, Any]:
        """:meth:`classified` as a dict of arrays (no DataFrame built)."""
        rows = self.positions[idx]
        used = self.frame[[c for c in self.frame.columns if c in _USED_COLUMNS]]
        return _classification(used.iloc[rows], self.name)


def find_crossings(
    route: LineString | RouteGeometry,
    layer: IndexedLayer | gpd.GeoDataFrame,
    *,
    options: CrossingOptions | None = None,
    name: str = "layer",
) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """Crossings and parallel runs of one centreline with one layer.

    Parameters
    ----------
    route
        The centreline (or a prepared :class:`RouteGeometry`, to reuse across layers).
    layer
        An :class:`IndexedLayer` (reused across variants) or a GeoDataFrame of lines and/or
        polygons (indexed on the fly under ``name``).
    options
        Thresholds; default :class:`CrossingOptions`.

    Returns
    -------
    crossings : DataFrame
        :data:`CROSSING_COLUMNS`, ordered by chainage. ``width_m`` is NaN for line objects.
    parallel_runs : GeoDataFrame
        :data:`PARALLEL_COLUMNS` plus the route stretch as geometry (no CRS set).
    """
    opts = options or CrossingOptions()
    rg = route if isinstance(route, RouteGeometry) else RouteGeometry.of(route)
    il = layer if isinstance(layer, IndexedLayer) else IndexedLayer.build(layer, name=name)
    if len(il) == 0 or len(rg.segments) == 0:
        return _empty_crossings(), _empty_runs()
    crossings, runs = crossing_columns(rg, il, opts)
    if runs is None:
        par = _empty_runs()
    else:
        par = gpd.GeoDataFrame(pd.DataFrame({c: runs[c] for c in PARALLEL_COLUMNS}), geometry=runs["geometry"])
    return (pd.DataFrame(crossings) if crossings is not None else _empty_crossings()), par


def crossing_columns(rg: RouteGeometry, il: IndexedLayer, opts: CrossingOptions,
                     ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """:func:`find_crossings` as column dicts (None for no rows), for callers that join many.

    The crossing dict has the :data:`CROSSING_COLUMNS`; the run dict the
    :data:`PARALLEL_COLUMNS` plus ``geometry`` (an object array of route stretches).
    """
    if len(il) == 0 or len(rg.segments) == 0:
        return None, None
    cr, runs = crossing_arrays(rg, il, opts)
    n_cr, n_runs = len(cr["obj"]), len(runs["obj"])
    obj_all = np.concatenate([cr["obj"], runs["obj"]]).astype(int)
    info = il.classified_columns(obj_all) if len(obj_all) else {}
    crossings = _sorted_crossings(cr, info, opts) if n_cr else None
    if not n_runs:
        return crossings, None
    order = np.argsort(runs["from_m"], kind="stable")
    cols: dict[str, Any] = {k: runs[k][order] for k in ("from_m", "to_m", "angle_deg")}
    cols["length_m"] = (runs["to_m"] - runs["from_m"])[order]
    cols["n_crossings_folded"] = runs["n_crossings_folded"][order].astype(int)
    cols["geometry_kind"] = pd.array(runs["geometry_kind"][order], dtype="str")
    cols.update({k: v[n_cr + order] for k, v in info.items()})
    out = {c: cols[c] for c in PARALLEL_COLUMNS}
    geoms = np.empty(n_runs, dtype=object)
    geoms[:] = rg.substrings(cols["from_m"], cols["to_m"])
    out["geometry"] = geoms
    return crossings, out


def _sorted_crossings(cr: Columns, info: dict[str, Any], opts: CrossingOptions) -> dict[str, Any]:
    """The crossing columns ordered by chainage, source layer and object id."""
    n = len(cr["obj"])
    cols: dict[str, Any] = {k: cr[k] for k in ("chainage_m", "x", "y", "angle_deg", "width_m", "from_m", "to_m")}
    cols["n_merged"] = cr["n_merged"].astype(int)
    cols["geometry_kind"] = cr["geometry_kind"]
    cols.update({k: v[:n] for k, v in info.items()})
    is_line = cr["geometry_kind"] == "line"
    ids = np.asarray(cols["object_id"].to_numpy(dtype=object))[is_line]
    order = np.argsort(cols["chainage_m"], kind="stable")
    ch = cols["chainage_m"][order]
    simple = (len(ids) < 2 or len(set(ids)) == len(ids)) and not (ch[1:] == ch[:-1]).any()
    if not simple:  # rare: object ids to merge or equal chainages to order by layer and id
        df = pd.DataFrame({c: cols[c] for c in CROSSING_COLUMNS})
        df["geometry_kind"] = df["geometry_kind"].astype("str")
        df = _merge_same_id(df, opts)
        df = df.sort_values(["chainage_m", "source_layer", "object_id"], kind="stable").reset_index(drop=True)
        return {c: _column_array(df[c]) for c in df.columns}
    out = {c: cols[c][order] for c in CROSSING_COLUMNS}
    out["geometry_kind"] = pd.array(out["geometry_kind"], dtype="str")
    return out


def _column_array(series: pd.Series) -> Any:
    a = series.array
    return a.to_numpy() if isinstance(a, pd.arrays.NumpyExtensionArray) else a


def _merge_same_id(cr: pd.DataFrame, opts: CrossingOptions) -> pd.DataFrame:
    """Merge point crossings of rows sharing one object id (e.g. a KLIC cable delivered as
    several links) that lie within ``merge_distance_m`` of each other."""
    is_line = (cr["geometry_kind"] == "line").to_numpy(dtype=bool)
    ids = cr["object_id"].to_numpy(dtype=object)[is_line]
    if len(ids) < 2 or len(set(ids)) == len(ids):
        return cr
    lines = cr[is_line].sort_values(["source_layer", "object_id", "chainage_m"], kind="stable")
    key = (lines["source_layer"].astype(str) + "\x00" + lines["object_id"].astype(str)).to_numpy()
    ch = lines["chainage_m"].to_numpy()
    new = np.ones(len(lines), dtype=bool)
    new[1:] = (key[1:] != key[:-1]) | (np.diff(ch) > max(opts.merge_distance_m, 1e-6))
    if new.all():
        return cr
    g = np.cumsum(new) - 1
    # two links of one object meeting on the route give one point there: count it once
    weights = lines["n_merged"].to_numpy(dtype=float)
    weights[1:][(key[1:] == key[:-1]) & (np.diff(ch) <= _SAME_POINT_M)] = 0.0
    kept = lines[new].copy()
    kept["n_merged"] = np.bincount(g, weights=weights).astype(int)
    return pd.concat([cr[cr["geometry_kind"] != "line"], kept], ignore_index=True)


def _empty_crossings() -> pd.DataFrame:
    df = pd.DataFrame({c: pd.Series(dtype=float) for c in CROSSING_COLUMNS})
    for c in ("object_class", "category", "subtype", "netbeheerder", "source_layer", "object_id", "geometry_kind"):
        df[c] = pd.Series(dtype="str")
    df["relatieveHoogteligging"] = pd.Series(dtype="Float64")
    df["n_merged"] = pd.Series(dtype=int)
    return df


def _empty_runs() -> gpd.GeoDataFrame:
    if _EMPTY_RUNS_GDF:
        return _EMPTY_RUNS_GDF[0].copy()
    df = pd.DataFrame({c: pd.Series(dtype=float) for c in PARALLEL_COLUMNS})
    for c in ("object_class", "category", "subtype", "netbeheerder", "source_layer", "object_id", "geometry_kind"):
        df[c] = pd.Series(dtype="str")
    df["n_crossings_folded"] = pd.Series(dtype=int)
    _EMPTY_RUNS_GDF.append(gpd.GeoDataFrame(df, geometry=gpd.GeoSeries([])))
    return _EMPTY_RUNS_GDF[0].copy()


_EMPTY_RUNS_GDF: list[gpd.GeoDataFrame] = []
