"""Build offline consultation maps from finished GeoDataFrames and a map definition.

:func:`build_map` turns layers (role → GeoDataFrame, any projected or geographic CRS) and a
:class:`~wlr_geo.present.mapdefs.MapDefinition` into a folium map with Dutch layer groups, a legend
that matches the styles, escaped popups and tooltips, chainage labels, search, scale bar,
fullscreen, measure tool and minimap. :func:`write_map` writes it as ONE self-contained HTML
file (all scripts, styles and icons inline): the only hosts the page contacts are the tile
servers of the base maps (:data:`wlr_geo.present.webmap.basemaps.TILE_HOSTS`).

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
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely
from folium.plugins import Fullscreen, MiniMap

from wlr_geo._atomic import atomic_write_text
from wlr_geo._errors import ConfigError
from wlr_geo.catalog import Catalog, CatalogEntry, load_catalog
from wlr_geo.crs import ensure_rd, to_web
from wlr_geo.present.mapdefs import LayerDef, MapDefinition, Style, palette_entries
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
    split_by_kind,
    tolerance_for_zoom,
)

__all__ = ["MARKERS_ROLE", "LayerSummary", "WebMap", "build_map", "chainage_points", "render_html", "write_map"]

log = logging.getLogger("wlr_geo")

#: Qualitative colours for category values a definition does not list (ColorBrewer Set1/Dark2).
AUTO_COLOURS = (
    "#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf", "#1b9e77",
    "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#666666",
)
_MAX_CATEGORIES = 24


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
    """A built consultation map: the folium map plus what went into it."""

    folium_map: folium.Map
    definition: MapDefinition
    title: str
    layers: list[LayerSummary] = field(default_factory=list)
    indicative: bool = False
    warnings: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

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
                f"map layer {layer.role!r} names catalogue entry {layer.catalog!r}, which does not exist",
                hint=f"use one of: {', '.join(catalog)}",
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


def _categories(frame: gpd.GeoDataFrame, layer: LayerDef) -> tuple[list[tuple[str, str, Style]], list[int] | None]:
    """Legend categories (value, label, style) present in the data and each feature's index."""
    if not layer.category:
        return [("", layer.label, layer.style)], None
    if layer.category not in frame.columns:
        log.info("map layer %r: category column %r missing; drawn in one style", layer.role, layer.category)
        return [("", layer.label, layer.style)], None
    known: dict[str, tuple[str, Style]] = {}
    if layer.palette:
        for value, (colour, label) in palette_entries(layer.palette).items():
            known[value] = (label, layer.style.merged({"color": colour, "fill_color": colour}))
    for cat in layer.categories:
        known[cat.value] = (cat.label, cat.style)
    values = [None if v is None or v != v else str(v) for v in frame[layer.category].tolist()]
    present = list(dict.fromkeys(values))
    order = [v for v in known if v in present] + [v for v in present if v not in known and v is not None]
    cats: list[tuple[str, str, Style]] = []
    index: dict[str | None, int] = {}
    auto = 0
    for v in order:
        if len(cats) >= _MAX_CATEGORIES:
            break
        if v in known:
            label, style = known[v]
        else:
            colour = AUTO_COLOURS[auto % len(AUTO_COLOURS)]
            auto += 1
            label, style = v, layer.style.merged({"color": colour, "fill_color": colour})
        index[v] = len(cats)
        cats.append((v, label, style))
    if any(v not in index for v in present):
        index_other = len(cats)
        cats.append(("", "overig / onbekend", layer.style.merged({"color": "#7f7f7f", "fill_color": "#7f7f7f"})))
        return cats, [index.get(v, index_other) for v in values]
    return cats, [index[v] for v in values]


#: Role of the route's chainage markers (the impact result's ``markers`` layer); when a map is
#: given it, its kilometre labels are those markers instead of ones measured here.
MARKERS_ROLE = "markers"


def chainage_points(route: gpd.GeoDataFrame, interval_m: float) -> gpd.GeoDataFrame:
    """Points every ``interval_m`` along each line of ``route`` (projected CRS) with a ``label``.

    Labels read ``km 1,0`` (Dutch decimal comma), measured from the start of each line.
    """
    labels: list[str] = []
    points: list[Any] = []
    for geom in route.geometry.values:
        if geom is None or geom.is_empty or geom.geom_type not in ("LineString", "MultiLineString"):
            continue
        line = shapely.line_merge(geom) if geom.geom_type == "MultiLineString" else geom
        length = float(line.length)
        for d in np.arange(interval_m, length, interval_m):
            points.append(shapely.line_interpolate_point(line, float(d)))
            labels.append(f"km {d / 1000:.1f}".replace(".", ","))
    return gpd.GeoDataFrame({"label": labels}, geometry=points, crs=route.crs)


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


def build_map(
    layers: Mapping[str, gpd.GeoDataFrame],
    definition: MapDefinition,
    *,
    catalog: Catalog | None = None,
    title: str | None = None,
) -> WebMap:
    """Build a consultation map.

    Parameters
    ----------
    layers
        Role → GeoDataFrame (finished analysis results or read layers) with a CRS. Roles the
        definition names but ``layers`` lacks are left out (logged), unless the definition marks
        them ``required``. The role ``markers`` (:data:`MARKERS_ROLE`, the impact result's
        chainage markers) gives the kilometre labels of lines with ``chainage_interval_m``.
    definition
        What to show and how (:func:`wlr_geo.present.mapdefs.load_map_definition`).
    catalog
        Catalogue for attribution and real/indicative status (default: the embedded one).
    title
        Overrides the definition's title.

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
    web = WebMap(folium_map=m, definition=definition, title=page_title)
    legend_groups: list[lg.LegendGroup] = []
    group_cfg: list[dict[str, Any]] = []
    missing = [
        lyr.role for g in definition.groups for lyr in g.layers if lyr.required and lyr.role not in layers
    ]
    if missing:
        raise ConfigError(
            f"map {definition.name!r} needs layer(s) {', '.join(missing)}, which were not given",
            source=definition.source, hint="add them to the project config or mark them required = false",
        )
    _fit(m, definition, _frame_bounds(layers, definition))
    n_data = 0
    for gi, group in enumerate(definition.groups):
        present = [lyr for lyr in group.layers
                   if lyr.role in layers and layers[lyr.role] is not None and len(layers[lyr.role]) > 0]
        for lyr in group.layers:
            if lyr not in present:
                log.info("map %r: layer %r not given or empty; left out of group %r", definition.name, lyr.role, group.name)
        if not present:
            continue
        fg = folium.FeatureGroup(name=html.escape(group.name), show=group.show)
        fg.add_to(m)
        lgroup = lg.LegendGroup(group_id=f"g{gi}", name=group.name)
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
            for kind, part in split_by_kind(frame).items():
                n = len(part)
                heavy = n > definition.heavy_threshold
                lazy = lyr.lazy if lyr.lazy is not None else heavy
                warning = None
                if n > definition.warn_threshold:
                    warning = (f"Let op: {n:,} objecten in deze laag; zoom in of zet andere lagen uit "
                               "als de kaart traag wordt.").replace(",", ".")
                    log.warning("map %r layer %r has %d features (more than %d): the page may be slow",
                                definition.name, lyr.role, n, definition.warn_threshold)
                    web.warnings.append(f"{lyr.role}: {n} features")
                simplify = lyr.simplify_m if lyr.simplify_m is not None else tolerance_for_zoom(definition.detail_zoom)
                cats, cat_idx = _categories(part, lyr)
                enc_frame, geoms, scale, _ = encode_geometries(part, kind, simplify_m=simplify)
                if kind == "point" and cat_idx is not None and len(enc_frame) != len(part):
                    cats, cat_idx = _categories(enc_frame, lyr)
                columns = [c for c, _ in lyr.popup]
                if lyr.tooltip and lyr.tooltip not in columns:
                    columns.append(lyr.tooltip)
                absent = [c for c in columns if c not in enc_frame.columns]
                if absent:
                    log.debug("map layer %r lacks popup column(s) %s", lyr.role, ", ".join(absent))
                shown = enc_frame
                if lyr.category and lyr.category in columns and lyr.category in enc_frame.columns:
                    # popups and tooltips show the category's legend label (e.g. "Gas lage druk")
                    labels = {c[0]: c[1] for c in cats if c[0]}
                    shown = enc_frame.assign(**{lyr.category: [
                        labels.get(str(v), v) if v is not None and v == v else v for v in enc_frame[lyr.category].tolist()
                    ]})
                payload: dict[str, Any] = {"scale": scale, "geoms": geoms, "cols": encode_columns(shown, columns)}
                if cat_idx is not None:
                    payload["cat"] = cat_idx
                n_data += 1
                data_id = f"wlr-data-{n_data}"
                spec = {
                    "data_id": data_id, "kind": kind, "label": lyr.label,
                    "styles": [c[2].to_leaflet() for c in cats],
                    "cat_labels": [c[1] for c in cats] if len(cats) > 1 else None,
                    "popup": [[i, label] for i, (col, label) in enumerate(lyr.popup) if col in enc_frame.columns],
                    "tooltip": columns.index(lyr.tooltip) if lyr.tooltip and lyr.tooltip in enc_frame.columns else None,
                    "lazy": lazy, "heavy": heavy, "min_zoom": lyr.min_zoom, "indicative": indicative,
                    "role": lyr.role,
                }
                el = DataLayerElement(data_id=data_id, payload=payload, spec=spec, map_name=m.get_name(), group_name=fg.get_name())
                elements.append((el, spec))
                lgroup.layers.append(lg.LegendLayer(
                    label=lyr.label, kind=kind, entries=[lg.LegendEntry(c[1], c[2]) for c in cats],
                    n_features=len(geoms), indicative=indicative, min_zoom=lyr.min_zoom, lazy=lazy, warning=warning,
                ))
                web.layers.append(LayerSummary(
                    group=group.name, role=lyr.role, label=lyr.label, kind=kind, n_features=len(geoms), heavy=heavy,
                    lazy=lazy, indicative=indicative, payload_bytes=el.payload_bytes,
                    categories=[c[1] for c in cats], attribution=attribution,
                ))
            if lyr.chainage_interval_m and "line" in split_by_kind(frame):
                n_data += 1
                chain = _chainage_element(frame, lyr, n_data, m.get_name(), fg.get_name(),
                                          markers=layers.get(MARKERS_ROLE))
                if chain is not None:
                    elements.append((chain, {}))
        group_attr = html.escape("; ".join(attributions))
        for el, spec in elements:
            if spec:
                el_spec = dict(spec, attribution=group_attr)
                el.spec = _json(el_spec)
            fg.add_child(el)
        legend_groups.append(lgroup)
        web.indicative |= group_indicative
        group_cfg.append({"id": lgroup.group_id, "var": fg.get_name(), "indicative": group_indicative, "name": group.name})
    _add_plugins(m, definition, tile_names)
    _add_controls(m, web, legend_groups, group_cfg, tile_names, layers)
    return web


def _json(obj: Any) -> str:
    from wlr_geo.present.webmap.encode import json_for_script

    return json_for_script(obj)


def _union(a: tuple[float, float, float, float] | None, b: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    if a is None:
        return b
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _markers_for(frame: gpd.GeoDataFrame, markers: gpd.GeoDataFrame, interval_m: float) -> gpd.GeoDataFrame:
    """The route's own chainage markers (impact result ``markers``) every ``interval_m``, for the
    variants shown in ``frame`` — the one centreline model, so map and tables agree."""
    m = markers
    if "major" in m.columns:
        m = m[m["major"].astype(bool).to_numpy()]
    ch = m["chainage_m"].to_numpy(dtype=float)
    ratio = ch / interval_m
    keep = (ch > 0) & np.isclose(ratio, np.round(ratio), rtol=0, atol=1e-6)
    if "variant" in m.columns and "variant" in frame.columns:
        keep &= m["variant"].astype(str).isin(set(frame["variant"].astype(str))).to_numpy()
    out = m.loc[keep, ["label", m.geometry.name]]
    return gpd.GeoDataFrame(out, geometry=m.geometry.name, crs=m.crs).reset_index(drop=True)


def _chainage_element(
    frame: gpd.GeoDataFrame, lyr: LayerDef, n: int, map_name: str, group_name: str, *,
    markers: gpd.GeoDataFrame | None = None,
) -> DataLayerElement | None:
    assert lyr.chainage_interval_m is not None
    if markers is not None and len(markers) and {"chainage_m", "label"} <= set(markers.columns):
        pts = _markers_for(frame, markers, lyr.chainage_interval_m)
    else:
        pts = chainage_points(split_by_kind(frame)["line"], lyr.chainage_interval_m)
    if len(pts) == 0:
        return None
    enc, geoms, scale, _ = encode_geometries(pts, "point", simplify_m=0.0)
    payload = {"scale": scale, "geoms": geoms, "cols": encode_columns(enc, ["label"])}
    data_id = f"wlr-data-{n}"
    spec: dict[str, Any] = {
        "data_id": data_id, "kind": "label", "label": "Kilometrering", "styles": [{}], "cat_labels": None,
        "popup": [], "tooltip": None, "lazy": False, "heavy": False, "min_zoom": max(lyr.min_zoom, 12),
        "indicative": False, "role": f"{lyr.role}_chainage",
    }
    return DataLayerElement(data_id=data_id, payload=payload, spec=spec, map_name=map_name, group_name=group_name)


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
    for role in definition.roles:
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
    tile_names: list[str], layers: Mapping[str, gpd.GeoDataFrame],
) -> None:
    d = web.definition
    entries = _search_entries(layers, d)
    by_attr: dict[str, list[str]] = {}
    for k in d.basemaps:
        by_attr.setdefault(html.unescape(_strip_tags(BASEMAP_SPECS[k].attribution)), []).append(BASEMAP_SPECS[k].name)
    sources = list(web.sources) + [f"{', '.join(names)}: {attr}" for attr, names in by_attr.items()]
    body = [
        lg.title_html("wlr-title", web.title, d.description),
        lg.legend_html("wlr-legend", legend_groups, sources=sources, indicative=web.indicative),
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
        body.append(f'<script type="application/json" id="wlr-search-data">{_json(entries)}</script>')
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
            raise SelfContainedError(f"the rendered page still contains {needle!r}")
    return page


def write_map(webmap: WebMap | folium.Map, path: str | os.PathLike[str]) -> Path:
    """Write the map as one self-contained HTML file, atomically; returns the path."""
    target = Path(path)
    page = render_html(webmap)
    atomic_write_text(target, page)
    log.info("wrote map %s (%.1f MB)", target, len(page.encode("utf-8")) / 1e6)
    return target
