"""Static map figures (PNG) for the report, one per municipality, drawn with matplotlib.

Presentation code: takes finished GeoDataFrames in EPSG:28992 and draws them in RD metres, so no
reprojection and no tiles are needed (the figures work offline; a basemap is left out on purpose
— the interactive map has the PDOK basemaps).

Styles come from the one style source (:mod:`wlr_geo.present.styles`): :func:`styled_layer` makes
a :class:`FigureLayer` from an output layer's renderer (each route variant in its colour and dash,
claims per facility type, crossings per class, strips per kind), and :func:`standard_layers` gives
the layers of the report's municipal figures. Every figure gets a legend, a scale bar and a north
arrow (RD grid north), at 200 dpi by default.

Example
-------
>>> from wlr_geo import read_layer
>>> from wlr_geo.catalog import embedded_path
>>> gm = read_layer(embedded_path("boundaries.gpkg"), "municipalities")
>>> route = read_layer(embedded_path("scenario.gpkg"), "route")
>>> png = municipality_figure(gm[gm["gm_naam"] == "Leiden"], standard_layers(routes=route),
...                           title="Gemeente Leiden", context=gm, dpi=72)
>>> png[:4] == b"\\x89PNG"
True
"""

from __future__ import annotations

import io
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.polygon import orient

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.path import Path as MplPath

from wlr_geo.present import styles as st
from wlr_geo.present.format import nl_number

__all__ = ["FigureLayer", "detail_figure", "municipality_figure", "overview_figure", "standard_layers",
           "styled_layer"]

log = logging.getLogger("wlr_geo")

#: Point markers are drawn at this share of their map area (a printed page is denser than a screen).
_POINT_SCALE = 0.6

_NOTE = "Indicatief: tracé, locaties en claims zijn geen besluit en geen officieel PIP-tracé."


@dataclass(frozen=True)
class FigureLayer:
    """How to draw one layer: Dutch legend label and matplotlib style.

    With a ``renderer`` (:func:`styled_layer`) the layer is drawn per class of the style source,
    one legend entry per class present; the plain colour fields are then not used.
    """

    label: str
    color: str = "#333333"
    linewidth: float = 1.0
    facecolor: str = "none"
    alpha: float = 1.0
    markersize: float = 20.0
    zorder: int = 2
    renderer: st.Renderer | None = None


def styled_layer(
    dataset: str,
    layer: str,
    frame: gpd.GeoDataFrame | None = None,
    *,
    label: str | None = None,
    variants: Sequence[Any] | None = None,
    zorder: int = 2,
    indicative: bool = False,
) -> FigureLayer:
    """A figure layer styled by the style source's renderer of an output layer.

    Parameters
    ----------
    dataset, layer
        The output layer (see :data:`wlr_geo.present.styles.OUTPUT_LAYERS`), e.g.
        ``("impact", "routes")``.
    frame
        The data; its values of the renderer's field decide the classes.
    label
        Legend title (default: the renderer's Dutch title); ``indicative`` adds "(indicatief)".
    variants
        All route variants in order, so each keeps its colour and dash in every figure.
    """
    field = st.OUTPUT_LAYERS.get((dataset, "*") if dataset == "bgt" else (dataset, layer))
    values = None
    if field is not None and field.field and frame is not None and field.field in frame.columns:
        values = frame[field.field].tolist()
    r = st.output_renderer(dataset, layer, values=values, variants=variants)
    title = (label or r.title) + (" (indicatief)" if indicative else "")
    return FigureLayer(label=title, zorder=zorder, renderer=r)


def standard_layers(
    *,
    routes: gpd.GeoDataFrame | None = None,
    strips: gpd.GeoDataFrame | None = None,
    crossings: gpd.GeoDataFrame | None = None,
    claims: gpd.GeoDataFrame | None = None,
    landing: gpd.GeoDataFrame | None = None,
    variants: Sequence[Any] | None = None,
    indicative: bool = False,
) -> dict[str, tuple[gpd.GeoDataFrame, FigureLayer]]:
    """The layers of a municipal report figure, in drawing order, styled by the style source.

    ``routes`` are ``ImpactResult.routes`` (or any layer with ``variant``), ``strips`` the
    impact strips (``strip``), ``crossings`` the crossing register (``object_class``),
    ``claims`` the claim footprints (``facility_type``), ``landing`` the ranked candidates
    (``score``). Layers that are None or empty are left out.
    """
    order = variants
    if order is None and routes is not None and "variant" in routes.columns:
        order = list(dict.fromkeys(routes["variant"].tolist()))
    spec = [
        ("werkstrook", strips, "impact", "strips", "Werk- en belemmeringenstrook", 2, False),
        ("claims", claims, "claims", "claims", "Ruimteclaim", 3, indicative),
        ("tracé", routes, "impact", "routes", "Tracévariant", 4, indicative),
        ("kruisingen", crossings, "impact", "crossings", "Kruising", 5, False),
        ("aanlanding", landing, "landing", "candidates", "Aanlandingsoptie", 6, indicative),
    ]
    out: dict[str, tuple[gpd.GeoDataFrame, FigureLayer]] = {}
    for key, frame, dataset, layer, label, z, ind in spec:
        if frame is None or len(frame) == 0:
            continue
        out[key] = (frame, styled_layer(dataset, layer, frame, label=label, variants=order, zorder=z, indicative=ind))
    return out


def _kinds(gdf: gpd.GeoDataFrame) -> set[str]:
    return set(gdf.geom_type.dropna().str.replace("Multi", "", regex=False))


def _polygon_paths(geoms: Any) -> list[MplPath]:
    """One compound path per polygon part (exterior counter-clockwise, holes clockwise)."""
    paths = []
    for poly in shapely.get_parts(np.asarray(geoms, dtype=object)):
        if poly is None or poly.is_empty or poly.geom_type != "Polygon":
            continue
        poly = orient(poly, 1.0)
        rings = [poly.exterior, *poly.interiors]
        paths.append(MplPath.make_compound_path(
            *[MplPath(np.asarray(r.coords)[:, :2], closed=True) for r in rings]))
    return paths


def _line_coords(geoms: Any) -> list[np.ndarray]:
    """The coordinate arrays of every line part (polygon boundaries not included)."""
    parts = shapely.get_parts(np.asarray(geoms, dtype=object))
    parts = parts[shapely.get_type_id(parts) == 1] if len(parts) else parts  # LineString
    if not len(parts):
        return []
    coords, index = shapely.get_coordinates(parts, return_index=True)
    cuts = np.flatnonzero(np.diff(index)) + 1
    return [c for c in np.split(coords, cuts) if len(c) >= 2]


def _add_polygons(ax: Axes, geoms: Any, *, facecolor: Any, edgecolor: Any, linewidth: float,
                  linestyle: Any = "solid", alpha: float | None = None, zorder: float = 2) -> None:
    paths = _polygon_paths(geoms)
    if paths:
        ax.add_collection(PathCollection(paths, facecolors=[facecolor], edgecolors=[edgecolor],
                                         linewidths=[linewidth], linestyles=[linestyle], alpha=alpha,
                                         zorder=zorder), autolim=False)


def _add_lines(ax: Axes, geoms: Any, *, color: Any, linewidth: float, linestyle: Any = "solid",
               alpha: float | None = None, zorder: float = 2) -> None:
    lines = _line_coords(geoms)
    if lines:
        ax.add_collection(LineCollection(lines, colors=[color], linewidths=[linewidth], linestyles=[linestyle],
                                         alpha=alpha, zorder=zorder, capstyle="round", joinstyle="round"),
                          autolim=False)


def _points(gdf: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    pts = shapely.get_parts(gdf.geometry.values[gdf.geom_type.isin(["Point", "MultiPoint"]).to_numpy()])
    xy = shapely.get_coordinates(pts) if len(pts) else np.empty((0, 2))
    return xy[:, 0], xy[:, 1]


def _draw_class(ax: Axes, gdf: gpd.GeoDataFrame, style: st.Style, label: str, zorder: int) -> object | None:
    if gdf is None or len(gdf) == 0:
        return None
    kinds = _kinds(gdf)
    handle: object | None = None
    if "Polygon" in kinds:
        kw = style.mpl_patch()
        _add_polygons(ax, gdf.geometry.values, facecolor=kw["facecolor"], edgecolor=kw["edgecolor"],
                      linewidth=kw["linewidth"], linestyle=kw.get("linestyle", "solid"), zorder=zorder)
        face = kw["facecolor"] if kw["facecolor"] != "none" else "white"
        handle = Patch(facecolor=face, edgecolor=kw["edgecolor"], linewidth=kw["linewidth"],
                       linestyle=kw.get("linestyle", "solid"), label=label)
    if "LineString" in kinds:
        kw = style.mpl_line()
        _add_lines(ax, gdf.geometry.values, color=kw["color"], linewidth=kw["linewidth"], linestyle=kw["linestyle"],
                   alpha=kw["alpha"], zorder=zorder)
        if handle is None:
            handle = Line2D([], [], label=label, **{**kw, "linewidth": max(kw["linewidth"], 1.5)})
    if "Point" in kinds:
        kw = style.mpl_marker()
        x, y = _points(gdf)
        ax.scatter(x, y, s=kw["markersize"] * _POINT_SCALE, marker=kw["marker"], c=kw["color"],
                   edgecolors=kw["edgecolor"], linewidths=kw["linewidth"], zorder=zorder + 0.5)
        if handle is None:
            handle = Line2D([], [], linestyle="none", marker=kw["marker"], markerfacecolor=kw["color"],
                            markeredgecolor=kw["edgecolor"], markersize=7, label=label)
    return handle


def _draw(ax: Axes, gdf: gpd.GeoDataFrame, layer: FigureLayer) -> list[object]:
    """Draw one layer; returns its legend handles (a title entry above its classes)."""
    if gdf is None or len(gdf) == 0:
        return []
    r = layer.renderer
    if r is None:
        return [h for h in [_draw_plain(ax, gdf, layer)] if h is not None]
    if r.kind == "single":
        h = _draw_class(ax, gdf, r.classes[0].style, layer.label, layer.zorder)
        return [h] if h is not None else []
    idx = np.asarray(r.class_index(gdf[r.field].tolist()) if r.field in gdf.columns else [0] * len(gdf))
    handles: list[object] = [Line2D([], [], linestyle="none", label=layer.label)]  # the title above its classes
    for i, cls in enumerate(r.all_classes):
        part = gdf[idx == i]
        h = _draw_class(ax, part, cls.style, f"  {cls.label}", layer.zorder)
        if h is not None:
            handles.append(h)
    return handles if len(handles) > 1 else []


def _draw_plain(ax: Axes, gdf: gpd.GeoDataFrame, style: FigureLayer) -> object | None:
    kinds = _kinds(gdf)
    if kinds <= {"Polygon"}:
        _add_polygons(ax, gdf.geometry.values, facecolor=style.facecolor, edgecolor=style.color,
                      linewidth=style.linewidth, alpha=style.alpha, zorder=style.zorder)
        return Patch(facecolor=style.facecolor if style.facecolor != "none" else "white",
                     edgecolor=style.color, label=style.label)
    if kinds <= {"Point"}:
        x, y = _points(gdf)
        ax.scatter(x, y, s=style.markersize, c=style.color, zorder=style.zorder)
        return Line2D([], [], marker="o", color="white", markerfacecolor=style.color, markersize=7, label=style.label)
    _add_lines(ax, gdf.geometry.values, color=style.color, linewidth=style.linewidth, alpha=style.alpha,
               zorder=style.zorder)
    return Line2D([], [], color=style.color, linewidth=max(style.linewidth, 1.5), label=style.label)


def _nice_length(span_m: float) -> float:
    """A round scale-bar length (1, 2 or 5 × 10^n m) of about a fifth of ``span_m``."""
    target = max(span_m / 5.0, 1.0)
    base = 10 ** math.floor(math.log10(target))
    return max((m * base for m in (1, 2, 5) if m * base <= target), default=base)


def _scale_bar_and_north(ax: Axes, extent: tuple[float, float, float, float]) -> None:
    xmin, ymin, xmax, ymax = extent
    length = _nice_length(xmax - xmin)
    x0 = xmax - (xmax - xmin) * 0.04 - length
    y0 = ymin + (ymax - ymin) * 0.04
    h = (ymax - ymin) * 0.008
    ax.add_patch(plt.Rectangle((x0, y0), length / 2, h, facecolor="black", edgecolor="black", zorder=20))
    ax.add_patch(plt.Rectangle((x0 + length / 2, y0), length / 2, h, facecolor="white", edgecolor="black", zorder=20))
    text = f"{nl_number(length / 1000, 1 if length % 1000 else 0)} km" if length >= 1000 else f"{nl_number(length)} m"
    ax.text(x0 + length / 2, y0 + 2.5 * h, text, ha="center", va="bottom", fontsize=7, zorder=20,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 1})
    ax.annotate("N", xy=(0.96, 0.96), xytext=(0.96, 0.86), xycoords="axes fraction", ha="center", va="center",
                fontsize=10, fontweight="bold", zorder=20,
                arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.5})


def _blank() -> Line2D:
    return Line2D([], [], linestyle="none", label=" ")


def _legend_columns(groups: list[list[object]], ncol: int) -> tuple[list[object], int]:
    """The legend handles in column-major order with each layer's entries kept together.

    Groups are filled into columns in order (a group moves to the next column when it would
    make the column longer than an even share); the columns are padded to equal length.
    """
    groups = [g for g in groups if g]
    if not groups:
        return [], 1
    total = sum(len(g) for g in groups)
    target = max(math.ceil(total / max(ncol, 1)), max(len(g) for g in groups))
    columns: list[list[object]] = [[]]
    for g in groups:
        if columns[-1] and len(columns[-1]) + len(g) > target:
            columns.append([])
        columns[-1].extend(g)
    height = max(len(c) for c in columns)
    flat: list[object] = []
    for c in columns:
        flat.extend(c + [_blank() for _ in range(height - len(c))])
    return flat, len(columns)


def _context_labels(ax: Axes, context: gpd.GeoDataFrame, column: str, box: tuple[float, float, float, float],
                    skip: str | None = None) -> None:
    """Names of the context areas (e.g. the neighbouring municipalities), in grey, inside the view."""
    if column not in context.columns:
        return
    xmin, ymin, xmax, ymax = box
    for name, geom in zip(context[column].astype(str), context.geometry, strict=True):
        if geom is None or geom.is_empty or name == skip:
            continue
        visible = geom.intersection(shapely.box(xmin, ymin, xmax, ymax))
        if visible.is_empty or visible.area < 0.02 * (xmax - xmin) * (ymax - ymin):
            continue
        pt = visible.representative_point()
        ax.text(pt.x, pt.y, name, fontsize=7, color="#6b6b6b", ha="center", va="center", zorder=1.5,
                style="italic")


def _chainage_labels(ax: Axes, markers: gpd.GeoDataFrame, box: tuple[float, float, float, float],
                     variants: Sequence[Any] | None) -> None:
    """The chainage markers inside the view: a dot and the label ("km 1,2") in the variant's colour."""
    if markers is None or not len(markers) or "label" not in markers.columns:
        return
    xmin, ymin, xmax, ymax = box
    inside = markers.cx[xmin:xmax, ymin:ymax]
    colours = st.variant_entries(variants or list(dict.fromkeys(markers.get("variant", pd.Series(dtype=str)))))
    for rec in inside.itertuples(index=False):
        geom = rec.geometry
        colour = colours[str(rec.variant)].color if hasattr(rec, "variant") and str(rec.variant) in colours else "#333333"
        ax.scatter([geom.x], [geom.y], s=6, c="white", edgecolors=colour, linewidths=0.8, zorder=7)
        ax.annotate(str(rec.label), (geom.x, geom.y), xytext=(4, 3), textcoords="offset points", fontsize=6.5,
                    color=colour, zorder=7, bbox={"facecolor": "white", "edgecolor": colour, "linewidth": 0.5,
                                                  "pad": 1.2, "alpha": 0.85})


def _render(layers: list[tuple[gpd.GeoDataFrame, FigureLayer]], *, title: str, extent: tuple[float, float, float, float],
            note: str | None, attribution: str, dpi: int = 200,
            context: gpd.GeoDataFrame | None = None, focus: gpd.GeoDataFrame | None = None,
            context_labels: str | None = None, markers: gpd.GeoDataFrame | None = None,
            variants: Sequence[Any] | None = None, pad_fraction: float = 0.05,
            max_map_height_in: float = 7.0) -> bytes:
    xmin, ymin, xmax, ymax = extent
    pad = pad_fraction * max(xmax - xmin, ymax - ymin, 500.0 if pad_fraction >= 0.05 else 0.0)
    box = (xmin - pad, ymin - pad, xmax + pad, ymax + pad)
    aspect = (box[3] - box[1]) / max(box[2] - box[0], 1e-9)
    width_in = 8.27
    map_h = min(max_map_height_in, max(3.0, (width_in - 0.9) * aspect))
    fig = plt.figure(figsize=(width_in, map_h + 0.6), dpi=dpi)
    ax = fig.add_axes((0.09, 0.06, 0.88, 0.86))
    if context is not None and len(context):
        _add_polygons(ax, context.geometry.values, facecolor="#ececec", edgecolor="#a8a8a8", linewidth=0.5, zorder=0)
        if context_labels:
            skip = str(focus[context_labels].iloc[0]) if focus is not None and context_labels in focus.columns \
                and len(focus) else None
            _context_labels(ax, context, context_labels, box, skip=skip)
    if focus is not None and len(focus):
        _add_polygons(ax, focus.geometry.values, facecolor="white", edgecolor="none", linewidth=0, zorder=0.5)
    groups: list[list[object]] = []
    for gdf, style in layers:
        groups.append(_draw(ax, gdf, style))
    if markers is not None:
        _chainage_labels(ax, markers, box, variants)
    ax.set_xlim(box[0], box[2])
    ax.set_ylim(box[1], box[3])
    ax.set_aspect("equal")
    ax.set_facecolor("#f7f7f7" if context is not None and len(context) else "white")
    ax.set_title(title, fontsize=12, loc="left")
    ax.set_xlabel("RD x (m)", fontsize=7)
    ax.set_ylabel("RD y (m)", fontsize=7)
    ax.ticklabel_format(style="plain", useOffset=False)
    ax.tick_params(labelsize=6)
    _scale_bar_and_north(ax, box)
    handles, ncol = _legend_columns(groups, 3)
    ax.apply_aspect()  # place the axes (equal aspect) before putting the legend under them
    axes_box = ax.get_position()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    tight = ax.get_tightbbox(renderer)
    below = (tight.transformed(fig.transFigure.inverted()).y0 if tight is not None else axes_box.y0) - 0.012
    if handles:
        legend = fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(axes_box.x0, below), ncol=ncol,
                            fontsize=7, frameon=False, handlelength=2.4, columnspacing=1.6, borderaxespad=0.0)
        lb = legend.get_window_extent(renderer).transformed(fig.transFigure.inverted())
        below = lb.y0 - 0.01
    footer = attribution
    if note:
        footer = f"{note}\n{attribution}" if attribution else note
    if footer:
        fig.text(axes_box.x0, below, footer, fontsize=6, ha="left", va="top", color="#333333", wrap=True)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", pad_inches=0.08, facecolor="white")
    plt.close(fig)
    return buf.getvalue()


def _boundary_layer() -> FigureLayer:
    return FigureLayer("Gemeentegrens", renderer=st.Renderer(
        "single", "Gemeentegrens", "polygon",
        (st.StyleClass("Gemeentegrens", st.symbol("municipality").merged(
            {"fill_opacity": 0.0, "dash_array": None, "weight": 2.0})),)), zorder=1)


def municipality_figure(
    municipality: gpd.GeoDataFrame,
    layers: Mapping[str, tuple[gpd.GeoDataFrame, FigureLayer]],
    *,
    title: str,
    attribution: str = "",
    indicative: bool = False,
    context: gpd.GeoDataFrame | None = None,
    dpi: int = 200,
    name_column: str = "gm_naam",
) -> bytes:
    """PNG bytes of one municipality with the given layers clipped to its extent.

    The municipality is white on the grey of its neighbours (``context``, named in grey
    where ``name_column`` holds their names); the legend stands under the map, each layer's
    classes together.

    Parameters
    ----------
    municipality
        One-row frame with the municipality polygon (EPSG:28992).
    layers
        name → (frame, style); drawn in the given order on top of the boundary
        (:func:`standard_layers` gives the report's layers in the style source's styles).
    indicative
        Adds the note that indicative layers are shown.
    context
        Other municipalities, drawn in grey around it.
    dpi
        Resolution (200 by default).
    """
    xmin, ymin, xmax, ymax = (float(v) for v in municipality.total_bounds)
    extent = (xmin, ymin, xmax, ymax)
    pad = 0.05 * max(xmax - xmin, ymax - ymin, 500.0)
    clipped = []
    for gdf, style in layers.values():
        if gdf is None or len(gdf) == 0:
            continue
        part = gdf.cx[xmin - pad:xmax + pad, ymin - pad:ymax + pad]
        clipped.append((part, style))
    note = _NOTE if indicative else None
    return _render([(municipality, _boundary_layer()), *clipped], title=title, extent=extent, note=note,
                   attribution=attribution, dpi=dpi, context=context, focus=municipality,
                   context_labels=name_column if context is not None else None)


def overview_figure(
    layers: Mapping[str, tuple[gpd.GeoDataFrame, FigureLayer]],
    *,
    title: str,
    extent: tuple[float, float, float, float],
    attribution: str = "",
    indicative: bool = False,
    context: gpd.GeoDataFrame | None = None,
    dpi: int = 200,
    name_column: str | None = "gm_naam",
) -> bytes:
    """PNG bytes of an overview map of the given layers (``context``: the municipalities, named)."""
    note = _NOTE if indicative else None
    return _render(list(layers.values()), title=title, extent=extent, note=note, attribution=attribution,
                   dpi=dpi, context=context, context_labels=name_column if context is not None else None)


def detail_figure(
    layers: Mapping[str, tuple[gpd.GeoDataFrame, FigureLayer]],
    *,
    title: str,
    centre: tuple[float, float],
    width_m: float = 800.0,
    height_m: float = 450.0,
    markers: gpd.GeoDataFrame | None = None,
    variants: Sequence[Any] | None = None,
    attribution: str = "",
    indicative: bool = False,
    context: gpd.GeoDataFrame | None = None,
    focus: gpd.GeoDataFrame | None = None,
    dpi: int = 200,
) -> bytes:
    """PNG bytes of a detail at figure scale: ``width_m`` × ``height_m`` around ``centre``.

    At this scale the werkstrook and belemmeringenstrook are visible beside the centreline;
    ``markers`` (``ImpactResult.markers``: ``label``, ``variant``) are labelled in the
    variant's colour; ``focus`` (the municipality) is white on the grey of ``context``.
    """
    x, y = centre
    extent = (x - width_m / 2, y - height_m / 2, x + width_m / 2, y + height_m / 2)
    note = _NOTE if indicative else None
    inside = [(gdf.cx[extent[0]:extent[2], extent[1]:extent[3]], style) for gdf, style in layers.values()
              if gdf is not None and len(gdf)]
    return _render(inside, title=title, extent=extent, note=note, attribution=attribution,
                   dpi=dpi, context=context, focus=focus, markers=markers, variants=variants, pad_fraction=0.0,
                   max_map_height_in=4.2)
