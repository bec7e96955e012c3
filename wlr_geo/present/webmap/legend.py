"""HTML of the map's title box, legend, indicative banner, tile notice and search box.

Everything here is built in Python, and every piece of text that comes from a definition, a
catalogue or the data goes through :func:`html.escape`. Colours have been checked against a
strict pattern by :mod:`wlr_geo.present.mapdefs` (or come from fixed palettes) before they reach a
``style`` attribute.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

from wlr_geo.present.mapdefs import Style

__all__ = [
    "BANNER_TEXT",
    "NOTICE_TEXT",
    "LegendEntry",
    "LegendGroup",
    "LegendLayer",
    "banner_html",
    "legend_html",
    "notice_html",
    "search_html",
    "title_html",
]

BANNER_TEXT = "Indicatief: dit tracé/deze locaties zijn geen besluit of officieel PIP-tracé"
NOTICE_TEXT = (
    "De achtergrondkaart kan niet worden geladen (geen internetverbinding?). "
    "De kaartlagen, legenda en popups werken wel."
)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


@dataclass(frozen=True)
class LegendEntry:
    """One swatch: label and style."""

    label: str
    style: Style


@dataclass
class LegendLayer:
    """Legend block of one layer."""

    label: str
    kind: str
    entries: list[LegendEntry]
    n_features: int
    indicative: bool = False
    min_zoom: int = 0
    lazy: bool = False
    warning: str | None = None


@dataclass
class LegendGroup:
    """Legend section of one layer group."""

    group_id: str
    name: str
    layers: list[LegendLayer] = field(default_factory=list)


def _swatch(kind: str, style: Style) -> str:
    colour = style.color
    fill = style.fill_color or style.color
    if kind == "line":
        dash = "dashed" if style.dash_array else "solid"
        width = max(1, min(6, round(style.weight)))
        return (f'<span class="wlr-sw wlr-sw-line" style="border-top-width:{width}px;'
                f'border-top-style:{dash};border-top-color:{_e(colour)}"></span>')
    if kind == "point":
        return (f'<span class="wlr-sw wlr-sw-point" style="background:{_e(fill)};'
                f'border:2px solid {_e(colour)}"></span>')
    opacity = max(0.15, min(1.0, style.fill_opacity + 0.15))
    return (f'<span class="wlr-sw" style="background:{_e(fill)};opacity:{opacity:.2f};'
            f'border:{max(1, min(3, round(style.weight)))}px solid {_e(colour)}"></span>')


def legend_html(
    element_id: str,
    groups: Sequence[LegendGroup],
    *,
    sources: Sequence[str],
    indicative: bool,
) -> str:
    """The legend control: per group its layers and styled categories, notes and sources."""
    parts = [
        f'<div id="{_e(element_id)}" class="wlr-box wlr-legend" hidden>',
        '<button type="button" class="wlr-legend-toggle" aria-expanded="true" title="Legenda in- of uitklappen">±</button>',
        "<h2>Legenda</h2>",
        '<div class="wlr-legend-body">',
    ]
    for g in groups:
        parts.append(f'<section class="wlr-legend-group" data-group-id="{_e(g.group_id)}">')
        parts.append(f"<h3>{_e(g.name)}</h3><ul>")
        for lyr in g.layers:
            mark = " (indicatief)" if lyr.indicative else ""
            if len(lyr.entries) == 1:
                parts.append(f'<li class="wlr-legend-entry">{_swatch(lyr.kind, lyr.entries[0].style)}'
                             f"{_e(lyr.entries[0].label + mark)}</li>")
            else:
                parts.append(f'<li class="wlr-legend-layer">{_e(lyr.label + mark)}</li>')
                parts.extend(
                    f'<li class="wlr-legend-entry">{_swatch(lyr.kind, ent.style)}{_e(ent.label)}</li>'
                    for ent in lyr.entries
                )
            hints = []
            if lyr.min_zoom > 0:
                hints.append(f"zichtbaar vanaf zoomniveau {lyr.min_zoom}")
            if lyr.lazy:
                hints.append(f"{lyr.n_features:,} objecten; wordt geladen als de laag aan staat".replace(",", "."))
            if hints:
                parts.append(f'<li class="wlr-hint">{_e("; ".join(hints))}</li>')
            if lyr.warning:
                parts.append(f'<li class="wlr-hint wlr-warning">{_e(lyr.warning)}</li>')
        parts.append("</ul></section>")
    if indicative:
        parts.append(f'<div class="wlr-note wlr-indicative-note">{_e(BANNER_TEXT)}.</div>')
    if sources:
        parts.append('<div class="wlr-sources"><strong>Bronnen:</strong> ' + "; ".join(_e(s) for s in sources) + "</div>")
    parts.append("</div></div>")
    return "".join(parts)


def title_html(element_id: str, title: str, description: str) -> str:
    """The title box (top left)."""
    desc = f"<p>{_e(description)}</p>" if description else ""
    return f'<div id="{_e(element_id)}" class="wlr-box wlr-title" hidden><h1>{_e(title)}</h1>{desc}</div>'


def banner_html(element_id: str) -> str:
    """The indicative banner (shown by the runtime while an indicative group is on)."""
    return f'<div id="{_e(element_id)}" class="wlr-banner" role="status" hidden>{_e(BANNER_TEXT)}</div>'


def notice_html(element_id: str) -> str:
    """The "tiles cannot load" notice (shown by the runtime on a tile error)."""
    return f'<div id="{_e(element_id)}" class="wlr-notice" role="alert" hidden>{_e(NOTICE_TEXT)}</div>'


def search_html(element_id: str, list_id: str, placeholder: str) -> str:
    """The search box; its options are filled by the runtime (as values, not markup)."""
    return (
        f'<div id="{_e(element_id)}" class="wlr-box wlr-search" hidden>'
        f'<input type="search" list="{_e(list_id)}" placeholder="{_e(placeholder)}" aria-label="{_e(placeholder)}">'
        f'<button type="button">Zoek</button><datalist id="{_e(list_id)}"></datalist>'
        '<span class="wlr-search-msg"></span></div>'
    )
