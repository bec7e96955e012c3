"""HTML of the map's title box, legend, indicative banner, tile notice and search box.

Everything here is built in Python, and every piece of text that comes from a definition, a
catalogue or the data goes through :func:`html.escape`. Colours and dash patterns have been
checked against a strict pattern by :mod:`wlr_geo.present.mapdefs` (or come from the style
source) before they reach an attribute, and are escaped there too. Swatches are small inline SVG
drawings of the same style (colour, width, dash, fill, marker shape) as the map.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

from wlr_geo.present.format import nl_int
from wlr_geo.present.styles import Style

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
    """One swatch: label and style, with an optional note ("niet geanalyseerd", "(3)")."""

    label: str
    style: Style
    note: str = ""
    muted: bool = False


@dataclass
class LegendLayer:
    """Legend block of one layer (``kind`` ``"none"`` and a ``note`` for a layer not on the map)."""

    label: str
    kind: str
    entries: list[LegendEntry]
    n_features: int
    indicative: bool = False
    min_zoom: int = 0
    lazy: bool = False
    warning: str | None = None
    note: str = ""


@dataclass
class LegendGroup:
    """Legend section of one layer group (``absent``: none of its layers is on the map)."""

    group_id: str
    name: str
    layers: list[LegendLayer] = field(default_factory=list)
    absent: bool = False


_SW_W, _SW_H = 26, 14


def _swatch(kind: str, style: Style) -> str:
    """An inline SVG of the style: a line, a filled area or a point marker."""
    colour = _e(style.color)
    fill = _e(style.fill_colour)
    dash = f' stroke-dasharray="{_e(style.dash_array)}"' if style.dash_array else ""
    width = max(1.0, min(6.0, style.weight))
    if kind == "line":
        body = (f'<line x1="1" y1="{_SW_H / 2}" x2="{_SW_W - 1}" y2="{_SW_H / 2}" stroke="{colour}" '
                f'stroke-width="{width:g}" stroke-opacity="{style.opacity:g}"{dash}/>')
    elif kind == "point":
        r = 5.0
        cx, cy = _SW_W / 2, _SW_H / 2
        paint = (f'fill="{fill}" fill-opacity="{style.fill_opacity if style.fill else 0:g}" stroke="{colour}" '
                 f'stroke-width="{min(width, 2.5):g}"')
        if style.marker == "square":
            body = f'<rect x="{cx - r + 1}" y="{cy - r + 1}" width="{2 * r - 2}" height="{2 * r - 2}" {paint}/>'
        elif style.marker == "diamond":
            body = f'<polygon points="{cx},{cy - r} {cx + r},{cy} {cx},{cy + r} {cx - r},{cy}" {paint}/>'
        elif style.marker == "triangle":
            body = f'<polygon points="{cx},{cy - r} {cx + r},{cy + r - 1} {cx - r},{cy + r - 1}" {paint}/>'
        else:
            body = f'<circle cx="{cx}" cy="{cy}" r="{r - 1}" {paint}/>'
    else:
        fo = max(style.fill_opacity, 0.12) if style.fill else 0
        body = (f'<rect x="1.5" y="1.5" width="{_SW_W - 3}" height="{_SW_H - 3}" fill="{fill}" '
                f'fill-opacity="{fo:g}" stroke="{colour}" stroke-width="{min(width, 3.0):g}"{dash}/>')
    return (f'<svg class="wlr-sw" width="{_SW_W}" height="{_SW_H}" viewBox="0 0 {_SW_W} {_SW_H}" '
            f'aria-hidden="true">{body}</svg>')


def _entry(kind: str, entry: LegendEntry, suffix: str = "") -> str:
    cls = "wlr-legend-entry wlr-muted" if entry.muted else "wlr-legend-entry"
    note = f' <span class="wlr-legend-note">{_e(entry.note)}</span>' if entry.note else ""
    return f'<li class="{cls}">{_swatch(kind, entry.style)}{_e(entry.label + suffix)}{note}</li>'


def legend_html(
    element_id: str,
    groups: Sequence[LegendGroup],
    *,
    sources: Sequence[str],
    indicative: bool,
    notes: Sequence[str] = (),
) -> str:
    """The legend control: per group its layers and styled categories, notes and sources.

    A layer that is not on the map is listed with its reason (``LegendLayer.note``, e.g.
    "geen gegevens gegeven"); ``notes`` are general remarks (e.g. crossing classes not analysed).
    """
    parts = [
        f'<div id="{_e(element_id)}" class="wlr-box wlr-legend" hidden>',
        '<button type="button" class="wlr-legend-toggle" aria-expanded="true" title="Legenda in- of uitklappen">±</button>',
        "<h2>Legenda</h2>",
        '<div class="wlr-legend-body">',
    ]
    for g in groups:
        absent = " wlr-absent" if g.absent else ""
        parts.append(f'<section class="wlr-legend-group{absent}" data-group-id="{_e(g.group_id)}">')
        parts.append(f"<h3>{_e(g.name)}</h3><ul>")
        for lyr in g.layers:
            mark = " (indicatief)" if lyr.indicative else ""
            if lyr.kind == "none":
                parts.append(f'<li class="wlr-legend-layer wlr-muted">{_e(lyr.label)}: '
                             f'<span class="wlr-legend-note">{_e(lyr.note)}</span></li>')
                continue
            if len(lyr.entries) == 1 and not lyr.entries[0].note:
                parts.append(_entry(lyr.kind, lyr.entries[0], mark))
            else:
                parts.append(f'<li class="wlr-legend-layer">{_e(lyr.label + mark)}</li>')
                parts.extend(_entry(lyr.kind, ent) for ent in lyr.entries)
            hints = []
            if lyr.min_zoom > 0:
                hints.append(f"zichtbaar vanaf zoomniveau {lyr.min_zoom}")
            if lyr.lazy:
                hints.append(f"{nl_int(lyr.n_features)} objecten; wordt geladen als de laag aan staat")
            if hints:
                parts.append(f'<li class="wlr-hint">{_e("; ".join(hints))}</li>')
            if lyr.warning:
                parts.append(f'<li class="wlr-hint wlr-warning">{_e(lyr.warning)}</li>')
        parts.append("</ul></section>")
    parts.extend(f'<div class="wlr-note">{_e(n)}</div>' for n in notes)
    if indicative:
        parts.append(f'<div class="wlr-note wlr-indicative-note">{_e(BANNER_TEXT)}.</div>')
    if sources:
        parts.append('<div class="wlr-sources"><strong>Bronnen:</strong> ' + "; ".join(_e(s) for s in sources) + "</div>")
    parts.append("</div></div>")
    return "".join(parts)


def title_html(element_id: str, title: str, description: str, *, notes: Sequence[str] = ()) -> str:
    """The title box (top left), with ``notes`` under the description (e.g. what lies elsewhere)."""
    desc = f"<p>{_e(description)}</p>" if description else ""
    extra = "".join(f'<p class="wlr-title-note">{_e(n)}</p>' for n in notes)
    return f'<div id="{_e(element_id)}" class="wlr-box wlr-title" hidden><h1>{_e(title)}</h1>{desc}{extra}</div>'


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
