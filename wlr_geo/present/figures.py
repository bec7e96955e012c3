"""Static map figures (PNG) for the report, one per municipality, drawn with matplotlib.

Presentation code: takes finished GeoDataFrames in EPSG:28992 and draws them in RD metres, so no
reprojection and no tiles are needed (the figures work offline; a basemap is left out on purpose
— the interactive map has the PDOK basemaps).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

__all__ = ["FigureLayer", "municipality_figure", "overview_figure"]

log = logging.getLogger("wlr_geo")


@dataclass(frozen=True)
class FigureLayer:
    """How to draw one layer: Dutch legend label and matplotlib style."""

    label: str
    color: str = "#333333"
    linewidth: float = 1.0
    facecolor: str = "none"
    alpha: float = 1.0
    markersize: float = 20.0
    zorder: int = 2


def _draw(ax: plt.Axes, gdf: gpd.GeoDataFrame, style: FigureLayer) -> object | None:
    if gdf is None or len(gdf) == 0:
        return None
    kinds = set(gdf.geom_type.str.replace("Multi", "", regex=False))
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


def _render(layers: list[tuple[gpd.GeoDataFrame, FigureLayer]], *, title: str, extent: tuple[float, float, float, float],
            note: str | None, attribution: str) -> bytes:
    fig, ax = plt.subplots(figsize=(8.27, 8.0), dpi=110)
    handles = [h for gdf, style in layers if (h := _draw(ax, gdf, style)) is not None]
    xmin, ymin, xmax, ymax = extent
    pad = 0.05 * max(xmax - xmin, ymax - ymin, 500.0)
    ax.set_xlim(xmin - pad, xmax + pad)
    ax.set_ylim(ymin - pad, ymax + pad)
    ax.set_aspect("equal")
    ax.set_title(title, fontsize=12)
    ax.set_xlabel("RD x (m)")
    ax.set_ylabel("RD y (m)")
    ax.ticklabel_format(style="plain", useOffset=False)
    ax.tick_params(labelsize=7)
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
) -> bytes:
    """PNG bytes of one municipality with the given layers clipped to its extent.

    Parameters
    ----------
    municipality
        One-row frame with the municipality polygon (EPSG:28992).
    layers
        name → (frame, style); drawn in the given order on top of the boundary.
    indicative
        Adds the note that indicative layers are shown.
    """
    extent = tuple(municipality.total_bounds)
    base = [(municipality, FigureLayer("gemeentegrens", color="#222222", linewidth=1.5, zorder=1))]
    xmin, ymin, xmax, ymax = extent
    clipped = []
    for gdf, style in layers.values():
        if gdf is None or len(gdf) == 0:
            continue
        part = gdf.cx[xmin:xmax, ymin:ymax]
        clipped.append((part, style))
    note = "Indicatief: tracé, locaties en claims zijn geen besluit en geen officieel PIP-tracé." if indicative else None
    return _render(base + clipped, title=title, extent=extent, note=note, attribution=attribution)


def overview_figure(
    layers: Mapping[str, tuple[gpd.GeoDataFrame, FigureLayer]],
    *,
    title: str,
    extent: tuple[float, float, float, float],
    attribution: str = "",
    indicative: bool = False,
) -> bytes:
    """PNG bytes of an overview map of the given layers."""
    note = "Indicatief: tracé, locaties en claims zijn geen besluit en geen officieel PIP-tracé." if indicative else None
    return _render(list(layers.values()), title=title, extent=extent, note=note, attribution=attribution)
