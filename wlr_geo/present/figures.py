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

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from wlr_geo.present import styles as st
from wlr_geo.present.format import nl_number

__all__ = ["FigureLayer", "municipality_figure", "overview_figure", "standard_layers", "styled_layer"]

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


def _draw_class(ax: plt.Axes, gdf: gpd.GeoDataFrame, style: st.Style, label: str, zorder: int) -> object | None:
    if gdf is None or len(gdf) == 0:
        return None
    kinds = _kinds(gdf)
    if kinds <= {"Polygon"}:
        kw = style.mpl_patch()
        gdf.plot(ax=ax, zorder=zorder, **kw)
        face = kw["facecolor"] if kw["facecolor"] != "none" else "white"
        return Patch(facecolor=face, edgecolor=kw["edgecolor"], linewidth=kw["linewidth"],
                     linestyle=kw.get("linestyle", "solid"), label=label)
    if kinds <= {"Point"}:
        kw = style.mpl_marker()
        ax.scatter(gdf.geometry.x, gdf.geometry.y, s=kw["markersize"] * _POINT_SCALE, marker=kw["marker"], c=kw["color"],
                   edgecolors=kw["edgecolor"], linewidths=kw["linewidth"], zorder=zorder)
        return Line2D([], [], linestyle="none", marker=kw["marker"], markerfacecolor=kw["color"],
                      markeredgecolor=kw["edgecolor"], markersize=7, label=label)
    kw = style.mpl_line()
    gdf.plot(ax=ax, zorder=zorder, **kw)
    return Line2D([], [], label=label, **{**kw, "linewidth": max(kw["linewidth"], 1.5)})


def _draw(ax: plt.Axes, gdf: gpd.GeoDataFrame, layer: FigureLayer) -> list[object]:
    if gdf is None or len(gdf) == 0:
        return []
    r = layer.renderer
    if r is None:
        return [h for h in [_draw_plain(ax, gdf, layer)] if h is not None]
    if r.kind == "single":
        h = _draw_class(ax, gdf, r.classes[0].style, layer.label, layer.zorder)
        return [h] if h is not None else []
    idx = r.class_index(gdf[r.field].tolist()) if r.field in gdf.columns else [0] * len(gdf)
    handles: list[object] = [Line2D([], [], linestyle="none", label=layer.label)]  # the title above its classes
    for i, cls in enumerate(r.all_classes):
        part = gdf[[k == i for k in idx]]
        h = _draw_class(ax, part, cls.style, f"  {cls.label}", layer.zorder)
        if h is not None:
            handles.append(h)
    return handles if len(handles) > 1 else []


def _draw_plain(ax: plt.Axes, gdf: gpd.GeoDataFrame, style: FigureLayer) -> object | None:
    kinds = _kinds(gdf)
    if kinds <= {"Polygon"}:
        gdf.plot(ax=ax, facecolor=style.facecolor, edgecolor=style.color, linewidth=style.linewidth,
                 alpha=style.alpha, zorder=style.zorder)
        return Patch(facecolor=style.facecolor if style.facecolor != "none" else "white",
                     edgecolor=style.color, label=style.label)
    if kinds <= {"Point"}:
        gdf.plot(ax=ax, color=style.color, markersize=style.markersize, zorder=style.zorder)
        return Line2D([], [], marker="o", color="white", markerfacecolor=style.color, markersize=7, label=style.label)
    gdf.plot(ax=ax, color=style.color, linewidth=style.linewidth, alpha=style.alpha, zorder=style.zorder)
    return Line2D([], [], color=style.color, linewidth=max(style.linewidth, 1.5), label=style.label)


def _nice_length(span_m: float) -> float:
    """A round scale-bar length (1, 2 or 5 × 10^n m) of about a fifth of ``span_m``."""
    target = max(span_m / 5.0, 1.0)
    base = 10 ** math.floor(math.log10(target))
    return max((m * base for m in (1, 2, 5) if m * base <= target), default=base)


def _scale_bar_and_north(ax: plt.Axes, extent: tuple[float, float, float, float]) -> None:
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


def _render(layers: list[tuple[gpd.GeoDataFrame, FigureLayer]], *, title: str, extent: tuple[float, float, float, float],
            note: str | None, attribution: str, dpi: int = 200,
            context: gpd.GeoDataFrame | None = None) -> bytes:
    xmin, ymin, xmax, ymax = extent
    pad = 0.05 * max(xmax - xmin, ymax - ymin, 500.0)
    box = (xmin - pad, ymin - pad, xmax + pad, ymax + pad)
    aspect = (box[3] - box[1]) / max(box[2] - box[0], 1e-9)
    fig, ax = plt.subplots(figsize=(8.27, min(11.0, max(4.0, 7.3 * aspect + 1.2))), dpi=dpi)
    if context is not None and len(context):
        context.plot(ax=ax, facecolor="#f4f4f4", edgecolor="#9e9e9e", linewidth=0.5, zorder=0)
    handles: list[object] = []
    for gdf, style in layers:
        handles.extend(_draw(ax, gdf, style))
    ax.set_xlim(box[0], box[2])
    ax.set_ylim(box[1], box[3])
    ax.set_aspect("equal")
    ax.set_title(title, fontsize=12)
    ax.set_xlabel("RD x (m)")
    ax.set_ylabel("RD y (m)")
    ax.ticklabel_format(style="plain", useOffset=False)
    ax.tick_params(labelsize=7)
    _scale_bar_and_north(ax, box)
    if handles:
        ax.legend(handles=handles, loc="upper left", fontsize=7, framealpha=0.9)
    footer = attribution
    if note:
        footer = f"{note}\n{attribution}"
    fig.text(0.01, 0.005, footer, fontsize=6, ha="left", va="bottom", wrap=True)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def municipality_figure(
    municipality: gpd.GeoDataFrame,
    layers: Mapping[str, tuple[gpd.GeoDataFrame, FigureLayer]],
    *,
    title: str,
    attribution: str = "",
    indicative: bool = False,
    context: gpd.GeoDataFrame | None = None,
    dpi: int = 200,
) -> bytes:
    """PNG bytes of one municipality with the given layers clipped to its extent.

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
    boundary = FigureLayer("Gemeentegrens", renderer=st.Renderer(
        "single", "Gemeentegrens", "polygon",
        (st.StyleClass("Gemeentegrens", st.symbol("municipality").merged(
            {"fill_opacity": 0.0, "dash_array": None, "weight": 2.0})),)), zorder=1)
    pad = 0.05 * max(xmax - xmin, ymax - ymin, 500.0)
    clipped = []
    for gdf, style in layers.values():
        if gdf is None or len(gdf) == 0:
            continue
        part = gdf.cx[xmin - pad:xmax + pad, ymin - pad:ymax + pad]
        clipped.append((part, style))
    note = _NOTE if indicative else None
    return _render([(municipality, boundary), *clipped], title=title, extent=extent, note=note,
                   attribution=attribution, dpi=dpi, context=context)


def overview_figure(
    layers: Mapping[str, tuple[gpd.GeoDataFrame, FigureLayer]],
    *,
    title: str,
    extent: tuple[float, float, float, float],
    attribution: str = "",
    indicative: bool = False,
    context: gpd.GeoDataFrame | None = None,
    dpi: int = 200,
) -> bytes:
    """PNG bytes of an overview map of the given layers."""
    note = _NOTE if indicative else None
    return _render(list(layers.values()), title=title, extent=extent, note=note, attribution=attribution,
                   dpi=dpi, context=context)
