"""Build offline consultation maps from finished GeoDataFrames and a map definition.

:func:`build_map` turns layers (role → GeoDataFrame, any projected or geographic CRS) and a
:class:`~wlr_geo.present.mapdefs.MapDefinition` into a folium map with Dutch layer groups, a legend
that matches the styles (:mod:`wlr_geo.present.styles`), escaped popups and tooltips with Dutch
values (:mod:`wlr_geo.present.format`), chainage labels thinned by zoom, search, scale bar,
fullscreen, measure tool and minimap. :func:`write_map` writes it as ONE self-contained HTML
file (all scripts, styles and icons inline): the only hosts the page contacts are the tile
servers of the base maps (:data:`wlr_geo.present.webmap.basemaps.TILE_HOSTS`).

What the map workflow passes
----------------------------
``layers`` holds the drawn layers by role (``route``, ``strip``, ``crossings``, ``cables``,
``claims``, ``landing``, ``municipalities`` …) and two helper roles:

* ``markers`` — ``ImpactResult.markers`` (``variant``, ``chainage_m``, ``label``, ``major``,
  point): the chainage labels of a layer with ``chainage = true``. Without it the labels are
  made by the one centreline model (:class:`~wlr_geo.analysis.route.centreline.RouteGeometry`).
* ``crossed_objects`` — the objects the crossings cross (:func:`crossed_objects`), drawn when a
  crossing is clicked.

Keyword arguments: ``variants`` (all route variants in order, so each keeps its colour and dash
on every map), ``analysed_classes`` (``ImpactResult.analysed_classes``: the legend says "niet
geanalyseerd" for a crossing class without a layer) and ``area_name`` (a municipal map: the
legend and title say what lies outside it).

Example
-------
>>> from wlr_geo import read_layer
>>> from wlr_geo.catalog import embedded_path
>>> from wlr_geo.present.mapdefs import load_map_definition
>>> gm = read_layer(embedded_path("boundaries.gpkg"), "municipalities")
>>> m = build_map({"municipalities": gm}, load_map_definition("overzicht"))
>>> [g for g in m.group_names]
['Gemeenten en wijken']
"""

from __future__ import annotations

import html
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from folium.plugins import Fullscreen, MiniMap

from wlr_geo._atomic import atomic_write_text
from wlr_geo._errors import ConfigError, WlrGeoError
from wlr_geo._nl import nl
from wlr_geo.catalog import Catalog, CatalogEntry, load_catalog
from wlr_geo.crs import ensure_rd, to_web
from wlr_geo.present import styles as st
from wlr_geo.present.format import format_for_column, format_value, nl_int
from wlr_geo.present.mapdefs import LayerDef, MapDefinition
from wlr_geo.present.webmap import legend as lg
from wlr_geo.present.webmap.assets import SelfContainedError, inline_assets
from wlr_geo.present.webmap.basemaps import BASEMAP_SPECS
from wlr_geo.present.webmap.elements import (
    ControlsElement,
    DataLayerElement,
    LocalMeasureControl,
    use_local_assets,
)
from wlr_geo.present.webmap.encode import (
    encode_columns,
    encode_geometries,
    json_for_script,
    split_by_kind,
    tolerance_for_zoom,
)

__all__ = [
    "CROSSED_OBJECTS_ROLE",
    "MARKERS_ROLE",
    "LayerSummary",
    "WebMap",
    "build_map",
    "crossed_objects",
    "render_html",
    "write_map",
]

log = logging.getLogger("wlr_geo")

#: Role of the chainage markers (``ImpactResult.markers``) in the layers given to :func:`build_map`.
MARKERS_ROLE = "markers"
#: Role of the crossed objects (:func:`crossed_objects`) in the layers given to :func:`build_map`.
CROSSED_OBJECTS_ROLE = "crossed_objects"

_KEY_SEP = "\x1f"
#: Fallback marker spacing (m) when no markers layer is given (as ``ImpactOptions``).
_MARKER_EVERY_M = 100.0
_MARKER_MAJOR_EVERY_M = 1000.0


@dataclass
class LayerSummary:
    """What one data layer of a built map contains (for tests, logs and reports)."""

    group: str
    role: str
    label: str
    kind: str
    n_features: int
    heavy: bool
    lazy: bool
    indicative: bool
    payload_bytes: int
    categories: list[str]
    attribution: str = ""


@dataclass
class WebMap:
    """A built consultation map: the folium map plus what went into it.

    ``absent`` lists the layers the definition shows that are not on the map, each with the
    Dutch reason shown in the legend (e.g. ``("Kruising", "niets hiervan ligt in Katwijk")``).
    ``file_name`` is set by :func:`~wlr_geo.present.webmap.municipal.write_maps`.
    """

    folium_map: folium.Map
    definition: MapDefinition
    title: str
    layers: list[LayerSummary] = field(default_factory=list)
    indicative: bool = False
    warnings: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    absent: list[tuple[str, str]] = field(default_factory=list)
    area_name: str | None = None
    file_name: str | None = None

    @property
    def group_names(self) -> list[str]:
        """Names of the layer groups in the layer control, in order."""
        out: list[str] = []
        for s in self.layers:
            if s.group not in out:
                out.append(s.group)
        return out

    def render(self) -> str:
        """The self-contained HTML page."""
        return render_html(self)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page (see :func:`write_map`)."""
        return write_map(self, path)


def _catalog_entry(frame: gpd.GeoDataFrame, layer: LayerDef, catalog: Catalog) -> CatalogEntry | None:
    if layer.catalog:
        if layer.catalog not in catalog:
            raise ConfigError(
                f"kaartlaag {layer.role!r} noemt catalogusregel {layer.catalog!r}, maar die bestaat niet",
                hint=f"gebruik een van: {', '.join(catalog)}",
            )
        return catalog[layer.catalog]
    meta = frame.attrs.get("wlr_geo") or {}
    src, lname = meta.get("source"), meta.get("layer")
    if src:
        for entry in catalog.values():
            if str(entry.path) == str(src) and (entry.layer is None or entry.layer == lname):
                return entry
    name = frame.attrs.get("catalog")
    if isinstance(name, str) and name in catalog:
        return catalog[name]
    if "meldnummer" in frame.columns and len(frame):
        # KLIC lines carry the delivery number; the catalogue names the delivery file
        numbers = {str(v) for v in frame["meldnummer"].dropna().unique()}
        for entry in catalog.values():
            if entry.format == "klic" and any(n in Path(entry.file).name for n in numbers):
                return entry
    return None


def _is_indicative(frame: gpd.GeoDataFrame, layer: LayerDef, entry: CatalogEntry | None) -> bool:
    if layer.indicative is not None:
        return layer.indicative
    if entry is not None and entry.indicative:
        return True
    if str(frame.attrs.get("status", "")).lower() in ("indicatief", "indicative"):
        return True
    if "status" in frame.columns and frame["status"].astype("string").str.lower().eq("indicatief").any():
        return True
    return "indicatief" in frame.columns and bool(frame["indicatief"].fillna(False).astype(bool).any())


def _renderer(frame: gpd.GeoDataFrame, layer: LayerDef, kind: str, variants: Sequence[str] | None) -> st.Renderer:
    """The layer's renderer (style source + the definition's own changes) for the values in ``frame``."""
    geometry = kind if kind in ("point", "line", "polygon") else "line"
    if not layer.category:
        return st.make_renderer(layer.label, geometry, layer.style)  # type: ignore[arg-type]
    if layer.category not in frame.columns:
        log.info("kaartlaag %r: categoriekolom %r ontbreekt; getekend in één stijl", layer.role, layer.category)
        return st.make_renderer(layer.label, geometry, layer.style)  # type: ignore[arg-type]
    return st.make_renderer(
        layer.label, geometry, layer.style, field=layer.category, palette_name=layer.palette,  # type: ignore[arg-type]
        values=frame[layer.category].tolist(),
        overrides=[(c.value, c.label, c.style) for c in layer.categories],
        variants=variants if layer.palette == "variant" else None,
    )


def _formatter(layer: LayerDef) -> Any:
    """column → (value → display text): the Dutch label of a code, else the column's format."""
    formats = dict(layer.formats)

    def for_column(column: str) -> Any:
        fmt = formats.get(column) or format_for_column(column)
        coded = column in st.VALUE_PALETTES

        def text(value: Any) -> str | None:
            if coded:
                labelled = st.value_label(column, value)
                if labelled is not value and isinstance(labelled, str):
                    return labelled
            return format_value(value, fmt) or None
        return text
    return for_column


def crossed_objects(
    crossings: pd.DataFrame,
    layers: Mapping[str, gpd.GeoDataFrame],
) -> gpd.GeoDataFrame:
    """The objects that ``crossings`` cross, from the crossed layers (for the ``crossed_objects`` role).

    Parameters
    ----------
    crossings
        ``ImpactResult.crossings`` (``source_layer``, ``object_id``).
    layers
        The crossed layers by the names the impact run got them under (the ``layers`` argument
        of :func:`~wlr_geo.analysis.impact.run.run_impact`, plus ``"klic"`` for the cables).

    Returns
    -------
    GeoDataFrame
        ``source_layer``, ``object_id``, geometry: one row per crossed object (the parts of an
        object, e.g. the links of one KLIC cable, merged), in the CRS of the layers.
    """
    from wlr_geo.analysis.crossings.register import classify_objects

    wanted: dict[str, set[str]] = {}
    if len(crossings) and {"source_layer", "object_id"} <= set(crossings.columns):
        for src, oid in zip(crossings["source_layer"].astype(str), crossings["object_id"].astype(str), strict=True):
            wanted.setdefault(src, set()).add(oid)
    parts: list[gpd.GeoDataFrame] = []
    crs = None
    for name, frame in layers.items():
        if frame is None or not len(frame):
            continue
        crs = crs or frame.crs
        cls = classify_objects(frame, name)
        src = cls["source_layer"].astype(str).to_numpy()
        oid = cls["object_id"].astype(str).to_numpy()
        keep = np.array([o in wanted.get(s, ()) for s, o in zip(src, oid, strict=True)], dtype=bool)
        if not keep.any():
            continue
        sub = gpd.GeoDataFrame({"source_layer": src[keep], "object_id": oid[keep]},
                               geometry=frame.geometry.values[keep], crs=frame.crs)
        if frame.crs is not None and crs is not None and frame.crs != crs:
            sub = sub.to_crs(crs)
        parts.append(sub)
    if not parts:
        return gpd.GeoDataFrame({"source_layer": pd.Series(dtype="str"), "object_id": pd.Series(dtype="str")},
                                geometry=gpd.GeoSeries([], crs=crs))
    allp = pd.concat(parts, ignore_index=True)
    merged = allp.dissolve(by=["source_layer", "object_id"], as_index=False, sort=False)
    return gpd.GeoDataFrame(merged[["source_layer", "object_id", "geometry"]], geometry="geometry", crs=allp.crs)


def _variant_order(layers: Mapping[str, gpd.GeoDataFrame], definition: MapDefinition) -> list[str]:
    """The variants in order of first appearance in the layers drawn with the variant palette."""
    out: dict[str, None] = {}
    for g in definition.groups:
        for lyr in g.layers:
            frame = layers.get(lyr.role)
            if lyr.palette == "variant" and lyr.category and frame is not None and lyr.category in frame.columns:
                out.update(dict.fromkeys(str(v) for v in frame[lyr.category].tolist() if v is not None and v == v))
    return list(out)


def _fallback_markers(route: gpd.GeoDataFrame, variant_column: str | None) -> gpd.GeoDataFrame:
    """Chainage markers from the one centreline model when no impact result gave them."""
    from wlr_geo.analysis.route.centreline import RouteGeometry, prepare_route

    column = variant_column if variant_column and variant_column in route.columns else None
    lines = route[route.geom_type.isin(["LineString", "MultiLineString"])]
    try:
        prepared = prepare_route(lines, variant_column=column)
    except WlrGeoError as exc:
        log.info("kilometreringslabels weggelaten: %s", exc)
        return gpd.GeoDataFrame({"variant": [], "chainage_m": [], "label": [], "major": []},
                                geometry=gpd.GeoSeries([], crs=route.crs))
    frames = []
    for variant, line in zip(prepared["variant"], prepared.geometry, strict=True):
        cols = RouteGeometry.of(line).markers(every_m=_MARKER_EVERY_M, major_every_m=_MARKER_MAJOR_EVERY_M)
        frames.append(gpd.GeoDataFrame({"variant": variant, "chainage_m": cols["chainage_m"], "label": cols["label"],
                                        "major": cols["major"]}, geometry=cols["geometry"], crs=route.crs))
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=route.crs)


def _chainage_element(
    frame: gpd.GeoDataFrame, lyr: LayerDef, layers: Mapping[str, gpd.GeoDataFrame], renderer: st.Renderer,
    n: int, map_name: str, group_name: str,
) -> DataLayerElement | None:
    """Chainage labels of the route ``frame``, thinned by zoom in the page (kind ``chainage``)."""
    markers = layers.get(MARKERS_ROLE)
    if markers is None:
        markers = _fallback_markers(frame, lyr.category)
    else:
        markers = ensure_rd(markers, layer=MARKERS_ROLE)
    if len(markers) == 0 or not {"chainage_m", "label"} <= set(markers.columns):
        return None
    field = renderer.field
    if field and "variant" in markers.columns and field in frame.columns:
        shown = {str(v) for v in frame[field].tolist()}
        markers = markers[markers["variant"].astype(str).isin(shown)]
    pts = split_by_kind(markers).get("point")
    if pts is None or len(pts) == 0:
        return None
    enc, geoms, scale, _ = encode_geometries(pts, "point", simplify_m=0.0)
    ch = np.asarray(enc["chainage_m"], dtype=float)
    if "major" in enc.columns:
        major = np.asarray(enc["major"].fillna(False), dtype=bool)
    else:
        major = np.isclose(np.mod(ch, _MARKER_MAJOR_EVERY_M), 0.0)
    variant_idx = renderer.class_index(enc["variant"].tolist()) if "variant" in enc.columns and field else [0] * len(enc)
    steps = np.diff(np.unique(np.round(ch, 1)))
    every = float(steps[steps > 0].min()) if (steps > 0).any() else _MARKER_EVERY_M
    payload = {"scale": scale, "geoms": geoms, "cols": encode_columns(enc, ["label"]),
               "ch": [round(float(c), 1) for c in ch], "mj": [int(b) for b in major], "vi": variant_idx}
    data_id = f"wlr-data-{n}"
    styles = [{"color": c.style.color, "dashArray": c.style.dash_array or ""} for c in renderer.all_classes]
    spec: dict[str, Any] = {
        "data_id": data_id, "kind": "chainage", "label": "Kilometrering", "styles": styles, "cat_labels": None,
        "popup": [], "tooltip": None, "lazy": False, "heavy": False, "min_zoom": lyr.min_zoom,
        "indicative": False, "role": f"{lyr.role}_chainage", "every": every,
    }
    return DataLayerElement(data_id=data_id, payload=payload, spec=spec, map_name=map_name, group_name=group_name)


def _key_strings(frame: pd.DataFrame, key: Sequence[str]) -> list[str]:
    cols = [frame[k].astype("string").fillna("").tolist() for k in key]
    return [_KEY_SEP.join(parts) for parts in zip(*cols, strict=True)] if cols else []


def _highlight_payload(
    part: gpd.GeoDataFrame, lyr: LayerDef, layers: Mapping[str, gpd.GeoDataFrame],
) -> tuple[list[str], dict[str, Any]] | None:
    """Per-feature keys and the encoded geometries of the objects they refer to."""
    if not lyr.highlight_role or not lyr.highlight_key:
        return None
    target = layers.get(lyr.highlight_role)
    if target is None or len(target) == 0:
        return None
    if not set(lyr.highlight_key) <= set(part.columns) or not set(lyr.highlight_key) <= set(target.columns):
        log.info("kaartlaag %r: markeersleutel %s ontbreekt; aangeklikte objecten worden niet getekend", lyr.role,
                 lyr.highlight_key)
        return None
    keys = _key_strings(part, lyr.highlight_key)
    target = ensure_rd(target, layer=lyr.highlight_role)
    tkeys = np.array(_key_strings(target, lyr.highlight_key), dtype=object)
    sub = target[np.isin(tkeys, list(set(keys)))]
    if len(sub) == 0:
        return None
    sub = gpd.GeoDataFrame({"_k": _key_strings(sub, lyr.highlight_key)}, geometry=sub.geometry.values, crs=sub.crs)
    sub = sub.dissolve(by="_k", as_index=False)
    out: dict[str, Any] = {}
    kinds = split_by_kind(sub)
    scale = 10**6
    for kind, kpart in kinds.items():
        enc, geoms, scale, _ = encode_geometries(kpart, kind, simplify_m=0.2)
        for k, g in zip(enc["_k"].tolist(), geoms, strict=True):
            out[str(k)] = [kind, g]
    return keys, {"scale": scale, "g": out}


def _legend_entries(
    renderer: st.Renderer, cat_idx: list[int], lyr: LayerDef, analysed: Mapping[str, bool] | None,
) -> list[lg.LegendEntry]:
    """Legend entries: the classes used (graduated: all ranges), counts and "niet geanalyseerd"."""
    used = set(cat_idx)
    classes = renderer.all_classes
    entries: list[lg.LegendEntry] = []
    if lyr.palette == "crossing_class" and analysed is not None and renderer.kind == "categorized":
        counts = {i: cat_idx.count(i) for i in used}
        pal = st.palette("crossing_class")
        by_value = {c.value: (i, c) for i, c in enumerate(classes)}
        listed: set[int] = set()
        for cls in st.ANALYSED_CLASSES:
            if cls in by_value:
                i, c = by_value[cls]
                listed.add(i)
                entries.append(lg.LegendEntry(c.label, c.style, note=f"({nl_int(counts.get(i, 0))})"))
                continue
            e = pal.entry(cls)
            assert e is not None
            note = "niet geanalyseerd" if not analysed.get(cls, False) else "geen kruisingen"
            entries.append(lg.LegendEntry(e.label, e.apply(lyr.style), note=note, muted=True))
        entries.extend(lg.LegendEntry(c.label, c.style, note=f"({nl_int(counts.get(i, 0))})")
                       for i, c in enumerate(classes) if i in used and i not in listed)
        return entries
    for i, c in enumerate(classes):
        if i in used or (renderer.kind == "graduated" and c is not renderer.other):
            entries.append(lg.LegendEntry(c.label, c.style))
    return entries


def build_map(
    layers: Mapping[str, gpd.GeoDataFrame],
    definition: MapDefinition,
    *,
    catalog: Catalog | None = None,
    title: str | None = None,
    variants: Sequence[str] | None = None,
    analysed_classes: Mapping[str, bool] | None = None,
    area_name: str | None = None,
) -> WebMap:
    """Build a consultation map.

    Parameters
    ----------
    layers
        Role → GeoDataFrame (finished analysis results or read layers) with a CRS. Roles the
        definition names but ``layers`` lacks are left out (and named in the legend), unless the
        definition marks them ``required``. Helper roles: ``markers`` (``ImpactResult.markers``)
        and ``crossed_objects`` (:func:`crossed_objects`), see the module docstring.
    definition
        What to show and how (:func:`wlr_geo.present.mapdefs.load_map_definition`).
    catalog
        Catalogue for attribution and real/indicative status (default: the embedded one).
    title
        Overrides the definition's title.
    variants
        All route variants in order (default: as found in the layers); a variant's colour and
        dash follow from its position, so pass the full list to maps that show only some.
    analysed_classes
        ``ImpactResult.analysed_classes``: crossing class → whether a layer was given. The
        legend says "niet geanalyseerd" for the classes without one.
    area_name
        The municipality of a municipal map: a layer with nothing inside it is named in the
        legend and title box as "niets hiervan ligt in <area_name>".

    Returns
    -------
    WebMap
        Write it with :func:`write_map`.

    Raises
    ------
    ConfigError
        A required layer is missing, or a layer names an unknown catalogue entry.
    CRSError, OutOfBoundsError
        A layer has no CRS or lies outside the Netherlands.
    """
    catalog = catalog if catalog is not None else load_catalog()
    page_title = title or definition.title
    m = folium.Map(
        location=[52.15, 4.45], zoom_start=definition.zoom_start or 11, tiles=None, prefer_canvas=True,
        control_scale=False, min_zoom=definition.min_zoom, max_zoom=definition.max_zoom,
    )
    use_local_assets(m, [("leaflet", "leaflet_js")], [("leaflet_css", "leaflet_css")])
    m.get_root().title = html.escape(page_title)  # type: ignore[attr-defined]
    tile_names = _add_basemaps(m, definition)
    web = WebMap(folium_map=m, definition=definition, title=page_title, area_name=area_name)
    legend_groups: list[lg.LegendGroup] = []
    group_cfg: list[dict[str, Any]] = []
    missing = [
        lyr.role for g in definition.groups for lyr in g.layers if lyr.required and lyr.role not in layers
    ]
    if missing:
        raise ConfigError(
            f"kaart {definition.name!r} heeft laag/lagen {', '.join(missing)} nodig, maar die zijn niet gegeven",
            source=definition.source, hint="voeg ze toe aan de projectconfiguratie of zet required = false",
        )
    variant_list = list(variants) if variants is not None else _variant_order(layers, definition)
    _fit(m, definition, _frame_bounds(layers, definition))
    has_crossings = any(lyr.palette == "crossing_class" for g in definition.groups for lyr in g.layers)
    n_data = 0
    for gi, group in enumerate(definition.groups):
        present = [lyr for lyr in group.layers
                   if lyr.role in layers and layers[lyr.role] is not None and len(layers[lyr.role]) > 0]
        lgroup = lg.LegendGroup(group_id=f"g{gi}", name=group.name)
        for lyr in group.layers:
            if lyr in present:
                continue
            if lyr.role in layers and layers[lyr.role] is not None:
                reason = f"niets hiervan ligt in {area_name}" if area_name else "geen objecten"
            else:
                reason = "geen gegevens gegeven"
            log.info("kaart %r: laag %r %s; weggelaten uit groep %r", definition.name, lyr.role, reason, group.name)
            web.absent.append((lyr.label, reason))
            lgroup.layers.append(lg.LegendLayer(label=lyr.label, kind="none", entries=[], n_features=0, note=reason))
        if not present:
            lgroup.absent = True
            legend_groups.append(lgroup)
            continue
        fg = folium.FeatureGroup(name=html.escape(group.name), show=group.show)
        fg.add_to(m)
        group_indicative = False
        attributions: list[str] = []
        elements: list[tuple[DataLayerElement, dict[str, Any]]] = []
        for lyr in present:
            raw = layers[lyr.role]
            frame = ensure_rd(raw, layer=lyr.role)
            entry = _catalog_entry(raw, lyr, catalog)
            indicative = _is_indicative(frame, lyr, entry)
            group_indicative |= indicative
            attribution = entry.attribution if entry else str(raw.attrs.get("attribution", "") or "")
            if attribution and attribution not in attributions:
                attributions.append(attribution)
            if attribution and attribution not in web.sources:
                web.sources.append(attribution)
            route_renderer: st.Renderer | None = None
            for kind, part in split_by_kind(frame).items():
                n = len(part)
                heavy = n > definition.heavy_threshold
                lazy = lyr.lazy if lyr.lazy is not None else heavy
                warning = None
                if n > definition.warn_threshold:
                    warning = (f"Let op: {nl_int(n)} objecten in deze laag; zoom in of zet andere lagen uit "
                               "als de kaart traag wordt.")
                    log.warning("kaart %r, laag %r heeft %s objecten (meer dan %s): de pagina kan traag worden",
                                definition.name, lyr.role, nl_int(n), nl_int(definition.warn_threshold))
                    web.warnings.append(f"{lyr.role}: {nl_int(n)} objecten")
                simplify = lyr.simplify_m if lyr.simplify_m is not None else tolerance_for_zoom(definition.detail_zoom)
                enc_frame, geoms, scale, _ = encode_geometries(part, kind, simplify_m=simplify)
                renderer = _renderer(enc_frame, lyr, kind, variant_list)
                if kind == "line":
                    route_renderer = renderer
                cat_idx = (renderer.class_index(enc_frame[renderer.field].tolist())
                           if renderer.field else [0] * len(enc_frame))
                classes = renderer.all_classes
                columns = [c for c, _ in lyr.popup]
                if lyr.tooltip and lyr.tooltip not in columns:
                    columns.append(lyr.tooltip)
                absent = [c for c in columns if c not in enc_frame.columns]
                if absent:
                    log.debug("kaartlaag %r mist pop-upkolom(men) %s", lyr.role, ", ".join(absent))
                payload: dict[str, Any] = {"scale": scale, "geoms": geoms,
                                           "cols": encode_columns(enc_frame, columns, formatter=_formatter(lyr))}
                if renderer.field:
                    payload["cat"] = cat_idx
                n_data += 1
                data_id = f"wlr-data-{n_data}"
                spec: dict[str, Any] = {
                    "data_id": data_id, "kind": kind, "label": lyr.label,
                    "styles": [c.style.to_leaflet() for c in classes],
                    "cat_labels": [c.label for c in classes] if len(classes) > 1 else None,
                    "popup": [[i, label] for i, (col, label) in enumerate(lyr.popup) if col in enc_frame.columns],
                    "tooltip": columns.index(lyr.tooltip) if lyr.tooltip and lyr.tooltip in enc_frame.columns else None,
                    "lazy": lazy, "heavy": heavy, "min_zoom": lyr.min_zoom, "indicative": indicative,
                    "role": lyr.role,
                }
                hl = _highlight_payload(enc_frame, lyr, layers)
                if hl is not None:
                    payload["hk"], payload["hl"] = hl
                    spec["highlight"] = st.symbol("crossed_object").to_leaflet() | {"interactive": False}
                el = DataLayerElement(data_id=data_id, payload=payload, spec=spec, map_name=m.get_name(), group_name=fg.get_name())
                elements.append((el, spec))
                entries = _legend_entries(renderer, cat_idx, lyr, analysed_classes)
                lgroup.layers.append(lg.LegendLayer(
                    label=lyr.label, kind=kind, entries=entries,
                    n_features=len(geoms), indicative=indicative, min_zoom=lyr.min_zoom, lazy=lazy, warning=warning,
                ))
                web.layers.append(LayerSummary(
                    group=group.name, role=lyr.role, label=lyr.label, kind=kind, n_features=len(geoms), heavy=heavy,
                    lazy=lazy, indicative=indicative, payload_bytes=el.payload_bytes,
                    categories=[e.label for e in entries], attribution=attribution,
                ))
            if lyr.chainage and route_renderer is not None:
                n_data += 1
                line_part = split_by_kind(frame)["line"]
                chain = _chainage_element(line_part, lyr, layers, route_renderer, n_data, m.get_name(), fg.get_name())
                if chain is not None:
                    elements.append((chain, {}))
        group_attr = html.escape("; ".join(attributions))
        for el, spec in elements:
            if spec:
                el.spec = json_for_script(dict(spec, attribution=group_attr))
            fg.add_child(el)
        legend_groups.append(lgroup)
        web.indicative |= group_indicative
        group_cfg.append({"id": lgroup.group_id, "var": fg.get_name(), "indicative": group_indicative, "name": group.name})
    title_notes: list[str] = []
    if area_name and any(reason.startswith("niets hiervan") for _, reason in web.absent):
        labels = list(dict.fromkeys(label for label, reason in web.absent if reason.startswith("niets hiervan")))
        title_notes.append(f"Niet in {area_name}: {', '.join(labels)}.")
    missing_data = list(dict.fromkeys(label for label, reason in web.absent if reason == "geen gegevens gegeven"))
    if missing_data:
        title_notes.append(f"Geen gegevens gegeven voor: {', '.join(missing_data)}.")
    legend_notes: list[str] = []
    if analysed_classes is not None and not has_crossings:
        not_done = [st.palette("crossing_class").labels.get(c, c).lower()
                    for c in st.ANALYSED_CLASSES if not analysed_classes.get(c, False)]
        if not_done:
            legend_notes.append(f"Kruisingen niet geanalyseerd (geen kaartlaag gegeven): {', '.join(not_done)}.")
    _add_plugins(m, definition, tile_names)
    _add_controls(m, web, legend_groups, group_cfg, tile_names, layers, title_notes, legend_notes)
    return web


def _union(a: tuple[float, float, float, float] | None, b: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    if a is None:
        return b
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _add_basemaps(m: folium.Map, definition: MapDefinition) -> list[str]:
    names = []
    for key in definition.basemaps:
        spec = BASEMAP_SPECS[key]
        tile = folium.TileLayer(
            tiles=spec.url, attr=spec.attribution, name=html.escape(spec.name), overlay=False,
            control=True, show=key == definition.basemap, max_native_zoom=spec.max_native_zoom,
            max_zoom=definition.max_zoom,
        )
        tile.add_to(m)
        names.append(tile.get_name())
    return names


def _add_plugins(m: folium.Map, definition: MapDefinition, tile_names: list[str]) -> None:
    if definition.fullscreen:
        fs = Fullscreen(position="topleft", title="Volledig scherm", title_cancel="Volledig scherm sluiten", force_separate_button=True)
        use_local_assets(fs, [("fullscreen_js", "fullscreen_js")], [("fullscreen_css", "fullscreen_css")])
        fs.add_to(m)
    if definition.measure:
        LocalMeasureControl(position="topleft", primary_length_unit="meters", secondary_length_unit="kilometers",
                            primary_area_unit="sqmeters", secondary_area_unit="hectares").add_to(m)
    folium.LayerControl(position="topright", collapsed=False).add_to(m)
    if definition.minimap:
        spec = BASEMAP_SPECS["brt_grijs"]
        mini_tiles = folium.TileLayer(tiles=spec.url, attr=spec.attribution, max_native_zoom=spec.max_native_zoom)
        mini = MiniMap(tile_layer=mini_tiles, position="bottomright", toggle_display=True, zoom_level_offset=-5,
                       strings={"hideText": "Overzichtskaart verbergen", "showText": "Overzichtskaart tonen"})
        use_local_assets(mini, [("minimap_js", "minimap_js")], [("minimap_css", "minimap_css")])
        mini.add_to(m)
        tile_names.append(mini.tile_layer.get_name())


def _frame_bounds(
    layers: Mapping[str, gpd.GeoDataFrame], definition: MapDefinition,
) -> dict[str, tuple[float, float, float, float]]:
    """WGS84 (west, south, east, north) of each role the map shows, from its projected bounds."""
    out: dict[str, tuple[float, float, float, float]] = {}
    for role in definition.layer_roles:
        frame = layers.get(role)
        if frame is None or len(frame) == 0:
            continue
        rd = ensure_rd(frame, layer=role)
        bounds = [float(v) for v in rd.total_bounds]
        if not np.all(np.isfinite(bounds)):
            continue
        corners = gpd.GeoSeries(shapely.points([bounds[0], bounds[0], bounds[2], bounds[2]],
                                               [bounds[1], bounds[3], bounds[1], bounds[3]]), crs=rd.crs)
        w, s, e, n = (float(v) for v in to_web(corners).total_bounds)
        out[role] = (w, s, e, n)
    return out


def _fit(m: folium.Map, definition: MapDefinition, bounds: Mapping[str, tuple[float, float, float, float]]) -> None:
    roles = [r for r in definition.fit if r in bounds] or list(bounds)
    box: tuple[float, float, float, float] | None = None
    for r in roles:
        box = _union(box, bounds[r])
    if box is not None and definition.zoom_start is None:
        w, s, e, n = box
        m.fit_bounds([[s, w], [n, e]])


def _search_entries(layers: Mapping[str, gpd.GeoDataFrame], definition: MapDefinition) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for sd in definition.search:
        frame = layers.get(sd.role)
        if frame is None or sd.field not in frame.columns or len(frame) == 0:
            continue
        web = to_web(ensure_rd(frame, layer=sd.role))
        b = shapely.bounds(web.geometry.values)
        extra = web["gm_naam"].tolist() if "gm_naam" in web.columns and sd.field != "gm_naam" else None
        for i, value in enumerate(web[sd.field].tolist()):
            if value is None or value != value or not np.all(np.isfinite(b[i])):
                continue
            label = str(value) + (f" ({extra[i]})" if extra and extra[i] else "")
            entries.append({"t": label, "b": [[float(b[i][1]), float(b[i][0])], [float(b[i][3]), float(b[i][2])]]})
    return entries


def _add_controls(
    m: folium.Map, web: WebMap, legend_groups: list[lg.LegendGroup], group_cfg: list[dict[str, Any]],
    tile_names: list[str], layers: Mapping[str, gpd.GeoDataFrame], title_notes: Sequence[str] = (),
    legend_notes: Sequence[str] = (),
) -> None:
    d = web.definition
    entries = _search_entries(layers, d)
    by_attr: dict[str, list[str]] = {}
    for k in d.basemaps:
        by_attr.setdefault(html.unescape(_strip_tags(BASEMAP_SPECS[k].attribution)), []).append(BASEMAP_SPECS[k].name)
    sources = list(web.sources) + [f"{', '.join(names)}: {attr}" for attr, names in by_attr.items()]
    body = [
        lg.title_html("wlr-title", web.title, d.description, notes=title_notes),
        lg.legend_html("wlr-legend", legend_groups, sources=sources, indicative=web.indicative, notes=legend_notes),
        lg.banner_html("wlr-banner"),
        lg.notice_html("wlr-tile-notice"),
    ]
    config: dict[str, Any] = {
        "title_id": "wlr-title", "legend_id": "wlr-legend", "banner_id": "wlr-banner",
        "notice_id": "wlr-tile-notice", "groups": group_cfg, "tile_layers": tile_names,
        "search_id": None, "search_data_id": None,
    }
    if entries:
        labels = sorted({sd.label.lower() for sd in d.search if sd.label})
        placeholder = "Zoek " + (" of ".join(labels) if labels else "plaats")
        body.append(lg.search_html("wlr-search", "wlr-search-list", placeholder))
        body.append(f'<script type="application/json" id="wlr-search-data">{json_for_script(entries)}</script>')
        config["search_id"] = "wlr-search"
        config["search_data_id"] = "wlr-search-data"
    ControlsElement(body="".join(body), config=config, map_name=m.get_name()).add_to(m)


def _strip_tags(text: str) -> str:
    import re

    return re.sub(r"<[^>]+>", "", text)


def render_html(webmap: WebMap | folium.Map) -> str:
    """Render to one self-contained HTML page (scripts, styles and icons inline).

    Raises
    ------
    SelfContainedError
        Something in the page would still be fetched from a URL.
    """
    fmap = webmap.folium_map if isinstance(webmap, WebMap) else webmap
    page = fmap.get_root().render()
    page = inline_assets(page)
    page = page.replace("<html>", '<html lang="nl">', 1)
    lowered = page.lower()
    for needle in ("<script src=", "<link rel=\"stylesheet\" href=\"http", "@import"):
        if needle in lowered:
            raise SelfContainedError(f"de gemaakte pagina bevat nog {needle!r}")
    return page


def write_map(webmap: WebMap | folium.Map, path: str | os.PathLike[str]) -> Path:
    """Write the map as one self-contained HTML file, atomically; returns the path."""
    target = Path(path)
    page = render_html(webmap)
    atomic_write_text(target, page)
    log.info("kaart %s geschreven (%s MB)", target, nl(len(page.encode("utf-8")) / 1e6, 1))
    return target
