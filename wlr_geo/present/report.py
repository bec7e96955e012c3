"""The consultation report as a document: one self-contained HTML file (and a PDF printed from it).

Presentation code. A report is a title page with a linked table of contents, then sections
(:class:`ReportSection`) made of blocks: paragraphs, tables (:class:`Table`), figures
(:class:`Figure`), links to the consultation maps (:class:`Links`), key figures
(:class:`Facts`) and notes (:class:`Note`); it ends with the provenance manifest (every input
with its SHA-256, source and date; tool version; config; run date) and carries a visible notice
whenever indicative layers are part of it.

Print layout (A4 portrait, CSS paged media as Chromium prints it): tables never grow wider
than the page — a table with more than ``Table.max_columns`` columns is split into parts that
repeat its key columns, long words wrap inside their cell, the header row repeats on every page;
headings stay with what follows them; figures and short tables are not cut; a section with
``new_page`` (a gemeente chapter) starts on a new page; every page has a page number.

Headers and number formats come from the outputs registry (:func:`column_header`,
:func:`column_format`: Dutch label with unit) and from :mod:`wlr_geo.present.format` (years as
"2027", never "2.027"; "1.234,5"); codes are shown by their Dutch label
(:func:`wlr_geo.present.styles.value_label`). Every value is HTML-escaped.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as _dt
import html
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from wlr_geo._atomic import atomic_path, atomic_write_text
from wlr_geo._errors import WlrGeoError
from wlr_geo._nl import nl
from wlr_geo.outputs import OUTPUTS, Column
from wlr_geo.present import styles as st
from wlr_geo.present.format import format_for_column, format_value, is_missing, nl_date

__all__ = [
    "NOT_ANALYSED",
    "Facts",
    "Figure",
    "Links",
    "Note",
    "ReportColumn",
    "ReportSection",
    "Table",
    "build_report_html",
    "column_format",
    "column_header",
    "find_chromium",
    "html_to_pdf",
    "side_by_side",
    "write_report_html",
]

log = logging.getLogger("wlr_geo")

#: What a count says when its crossing class was not looked at (no layer given).
NOT_ANALYSED = "niet geanalyseerd"

_CSS = """
:root{--blue:#154273;--grey:#5a5a5a;--line:#c8c8c8}
html{background:#e9ecef}
body{font-family:"DejaVu Sans",Arial,sans-serif;font-size:10pt;color:#1a1a1a;line-height:1.4;
  max-width:180mm;margin:1.5em auto;padding:8mm 10mm;background:#fff;box-sizing:content-box}
h1{font-size:20pt;color:var(--blue);margin:.2em 0 .1em 0;line-height:1.2}
h2{font-size:14pt;color:var(--blue);margin:1.4em 0 .5em 0;border-bottom:2px solid var(--blue);padding-bottom:.15em}
h3{font-size:11.5pt;color:var(--blue);margin:1.1em 0 .4em 0}
h2,h3,h4,caption{break-after:avoid;page-break-after:avoid}
p{margin:.35em 0 .6em 0}
a{color:#0b5cad}
.cover .kicker{font-size:9pt;color:var(--grey);text-transform:uppercase;letter-spacing:.08em;margin:0}
.cover .subtitle{font-size:12pt;color:var(--grey);margin:.1em 0 .8em 0}
.banner{background:#fff3cd;border:2px solid #d39e00;padding:.5em .8em;font-weight:bold;margin:.8em 0;break-inside:avoid}
.note{background:#eef4fb;border-left:4px solid #4a7ab5;padding:.4em .7em;margin:.6em 0;break-inside:avoid}
.note.warning{background:#fdf0e6;border-left-color:#d9822b}
nav.toc ol{list-style:none;padding-left:0;margin:.3em 0}
nav.toc ol ol{padding-left:1.4em}
nav.toc li{margin:.12em 0}
nav.toc ol ol{columns:2;column-gap:8mm;font-size:9.5pt}
nav.toc ol ol li{break-inside:avoid}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.15em 1em;margin:.5em 0 .8em 0;break-inside:avoid}
dl.facts dt{color:var(--grey)}
dl.facts dd{margin:0;font-weight:600}
ul.links{margin:.3em 0 .8em 0;padding-left:1.2em}
ul.links li{margin:.15em 0}
ul.links .what{color:var(--grey)}
table{border-collapse:collapse;font-size:8pt;margin:.3em 0 1em 0;width:100%;table-layout:auto}
table.narrow{width:auto;min-width:50%}
table.wide{font-size:7pt}
caption{caption-side:top;text-align:left;font-weight:bold;font-size:9pt;padding:.2em 0}
th,td{border:1px solid var(--line);padding:2px 4px;text-align:left;vertical-align:top}
th{background:#eef2f7;font-weight:600;overflow-wrap:normal;word-break:normal;hyphens:manual}
td{overflow-wrap:anywhere}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td.num{white-space:nowrap}
td.na{color:#8a5a00;font-style:italic;white-space:nowrap;text-align:right}
thead{display:table-header-group}
tr{break-inside:avoid}
table.short{break-inside:avoid}
p.more{font-size:8pt;color:var(--grey);margin-top:-.7em}
figure{margin:.6em 0 1em 0;break-inside:avoid;text-align:center}
figure img{max-width:100%;max-height:160mm;width:auto;height:auto;border:1px solid #ddd}
figure.medium img{max-height:120mm}
figure.small img{max-height:100mm}
figcaption{font-size:8.5pt;color:#444;text-align:left;margin-top:.2em}
.meta{font-size:8pt;color:#444}
code{font-size:8pt;overflow-wrap:anywhere}
pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:7.5pt}
section.new-page{break-before:page}
@page{size:A4 portrait;margin:14mm 15mm 16mm 15mm;
  @bottom-right{content:"pagina " counter(page) " van " counter(pages);font-size:8pt;color:#666}
  @bottom-left{content:"wlr_geo — consultatierapport";font-size:8pt;color:#666}}
@media print{html{background:none}body{margin:0;padding:0;max-width:none}}
"""


# ----------------------------------------------------------------------------- headers, formats
@cache
def _registry_columns() -> tuple[dict[str, Column], list[Column]]:
    exact: dict[str, Column] = {}
    patterns: list[Column] = []
    for f in OUTPUTS.values():
        for lay in f.layers:
            for c in lay.columns:
                if c.is_pattern:
                    patterns.append(c)
                else:
                    exact.setdefault(c.name, c)
    return exact, patterns


def _find_column(name: str, file: str | None = None) -> tuple[Column | None, str | None]:
    """The registry column for ``name`` (of ``file``'s first layer when given), and for a
    pattern column the value its placeholder stands for."""
    candidates: list[Column] = []
    if file is not None and file in OUTPUTS and OUTPUTS[file].layers:
        lay = OUTPUTS[file].layers[0]
        c = lay.column(name)
        if c is not None:
            candidates.append(c)
    exact, patterns = _registry_columns()
    if name in exact:
        candidates.append(exact[name])
    # the most specific pattern first (the longest fixed text); a {year} stands for four digits only
    candidates.extend(sorted((c for c in patterns if c.matches(name)),
                             key=lambda c: -len(re.sub(r"\{[a-z_]+\}", "", c.name))))
    for c in candidates:
        if not c.is_pattern:
            return c, None
        m = re.fullmatch(re.sub(r"\\\{[a-z_]+\\\}", "(.+)", re.escape(c.name)), name)
        value = m.group(1) if m else None
        if "{year}" in c.name and not (value and re.fullmatch(r"\d{4}", value)):
            continue
        return c, value
    return None, None


def _placeholder_label(column: Column, value: str) -> str:
    key = re.search(r"\{([a-z_]+)\}", column.name)
    field_name = key.group(1) if key else ""
    palette_col = {"object_class": "object_class", "category": "category", "thema": "thema"}.get(field_name)
    label = st.value_label(palette_col, value) if palette_col else value
    text = str(label)
    if field_name == "criterion":  # a landing criterion: its own Dutch label without the unit
        base, _ = _find_column(value)
        if base is not None and not base.is_pattern:
            text = re.sub(r"\s*\([^)]*\)$", "", base.label)
    return column.label.replace("{" + field_name + "}", text[:1].lower() + text[1:] if palette_col else text)


def column_header(name: str, file: str | None = None) -> str:
    """The Dutch header of an output column, with its unit ("Lengte (m)"), from the outputs
    registry (``file`` picks that file's layer first); an unknown column keeps its name."""
    col, value = _find_column(name, file)
    if col is None:
        return str(name)
    label = _placeholder_label(col, value) if value is not None else col.label
    return label[:1].upper() + label[1:]


_FINE_M = ("width_m", "width_left_m", "width_right_m", "required_m", "min_distance_m", "min_clearance_m",
           "mean_offset_m", "clearance_m", "diepte_m", "protection_m")


def column_format(name: str, file: str | None = None) -> str:
    """The :data:`wlr_geo.present.format.FORMATS` name a report shows a column in.

    Years (``year``, ``year_from``, a ``{year}`` pivot column) as years; chainages as km;
    counts as integers; m² as whole numbers; metres whole (widths and clearances with one
    decimal); 0–1 scores with two decimals; angles whole; codes and ids as text.
    """
    by_name = format_for_column(name)
    if by_name in ("year", "km", "text", "integer"):
        return by_name
    col, _ = _find_column(name, file)
    unit = col.unit if col is not None else None
    if re.fullmatch(r"\d{4}", str(name)):
        return "year" if col is None or unit is None else "number0"
    if unit == "m2":
        return "number0"
    if unit == "m":
        return "number1" if name in _FINE_M else "number0"
    if unit == "0-1":
        return "number2"
    if unit in ("deg", "mm"):
        return "number0"
    if unit in ("kV", "bar"):
        return "number1"
    if str(name).startswith("n_") or name in ("count", "n_merged"):
        return "integer"
    return by_name


_NUMERIC_FORMATS = frozenset({"integer", "km", "number0", "number1", "number2", "number3", "percent", "auto"})


# ----------------------------------------------------------------------------------- blocks
@dataclass(frozen=True)
class ReportColumn:
    """One column of a report table: the frame's column, its Dutch header and its format."""

    name: str
    header: str
    fmt: str = "auto"
    #: "right" aligns the column as numbers even when its values are pre-formatted text.
    align: str = ""


@dataclass
class Table:
    """A table of the report.

    ``columns`` default to every column of ``frame`` with header and format from the outputs
    registry (``file`` names the output the frame comes from). A table with more than
    ``max_columns`` columns is split into parts of at most that many, each repeating the first
    ``key_columns``. At most ``max_rows`` rows are shown (the rest is named).
    """

    caption: str
    frame: pd.DataFrame
    columns: Sequence[ReportColumn] | None = None
    file: str | None = None
    key_columns: int = 1
    max_columns: int = 8
    max_rows: int = 500
    note: str = ""
    id: str | None = None

    def resolved_columns(self) -> list[ReportColumn]:
        if self.columns is not None:
            return list(self.columns)
        return [ReportColumn(str(c), column_header(str(c), self.file), column_format(str(c), self.file))
                for c in self.frame.columns if c != "geometry"]


@dataclass
class Figure:
    """A PNG figure with its caption; ``size`` ``"large"`` (up to 160 mm high), ``"medium"`` (120 mm)
    or ``"small"`` (100 mm)."""

    caption: str
    png: bytes
    alt: str = ""
    size: str = "large"
    id: str | None = None


@dataclass
class Links:
    """Links to other files (the consultation maps): (text, href, description)."""

    items: Sequence[tuple[str, str, str]]
    title: str = ""


@dataclass
class Facts:
    """Key figures as label → value pairs."""

    items: Sequence[tuple[str, str]]


@dataclass
class Note:
    """A highlighted remark; ``kind`` ``"info"`` or ``"warning"``."""

    text: str
    kind: str = "info"


Block = str | Table | Figure | Links | Facts | Note


@dataclass
class ReportSection:
    """One section of the report (Dutch title), with its blocks and sub sections.

    ``text`` (paragraphs separated by blank lines), ``tables`` ((caption, frame)) and
    ``figures`` ((caption, PNG)) are the simple form; ``blocks`` is the full form, shown after
    ``text``. ``new_page`` starts the section on a new page (gemeente chapters).
    """

    title: str
    text: str = ""
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    figures: list[tuple[str, bytes]] = field(default_factory=list)
    max_rows: int = 500
    blocks: list[Block] = field(default_factory=list)
    subsections: list[ReportSection] = field(default_factory=list)
    id: str | None = None
    new_page: bool = False


# ------------------------------------------------------------------------------- rendering
def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _cell(value: Any, col: ReportColumn) -> tuple[str, str]:
    """(escaped text, css class) of one value."""
    if hasattr(value, "item") and not isinstance(value, str):
        with contextlib.suppress(ValueError, AttributeError):
            value = value.item()
    right = "num" if col.align == "right" else ""
    if is_missing(value):
        return "", right
    if isinstance(value, str) and value == NOT_ANALYSED:
        return _esc(value), "na"
    if col.name in st.VALUE_PALETTES:
        label = st.value_label(col.name, value)
        if label is not value:
            return _esc(label), right
    text = format_value(value, col.fmt)
    if right:
        return _esc(text), right
    numeric = col.fmt in _NUMERIC_FORMATS and isinstance(value, int | float) and not isinstance(value, bool)
    if col.fmt == "year":
        numeric = True
    return _esc(text), "num" if numeric else ""


def _table_parts(columns: list[ReportColumn], key: int, max_columns: int) -> list[list[int]]:
    if len(columns) <= max_columns:
        return [list(range(len(columns)))]
    key = min(key, max_columns - 1)
    rest = list(range(key, len(columns)))
    per = max_columns - key
    return [list(range(key)) + rest[i:i + per] for i in range(0, len(rest), per)]


def _table_html(table: Table) -> str:
    columns = table.resolved_columns()
    frame = table.frame
    if frame is None or frame.empty or not columns:
        return f"<p><b>{_esc(table.caption)}</b>: geen gegevens.</p>"
    shown = frame.head(table.max_rows)
    values = [shown[c.name].tolist() if c.name in shown.columns else [None] * len(shown) for c in columns]
    cells = [[_cell(v, c) for v in vals] for vals, c in zip(values, columns, strict=True)]
    numeric_col = [any(cls == "num" for _, cls in col) for col in cells]
    parts = _table_parts(columns, table.key_columns, table.max_columns)
    out = []
    short = " short" if len(shown) <= 12 else ""
    anchor = f" id='{_esc(table.id)}'" if table.id else ""
    for k, idx in enumerate(parts):
        caption = table.caption + (f" (deel {k + 1} van {len(parts)})" if len(parts) > 1 else "")
        head = "".join(("<th class='num'>" if numeric_col[i] else "<th>") + _esc(columns[i].header) + "</th>"
                       for i in idx)
        rows = []
        for r in range(len(shown)):
            tds = []
            for i in idx:
                text, cls = cells[i][r]
                tds.append(f"<td class='{cls}'>{text}</td>" if cls else f"<td>{text}</td>")
            rows.append("<tr>" + "".join(tds) + "</tr>")
        narrow = " narrow" if len(idx) <= 3 else " wide" if len(idx) >= 7 else ""
        out.append(f"<table class='data{short}{narrow}'{anchor if k == 0 else ''}><caption>{_esc(caption)}</caption>"
                   f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    if len(frame) > table.max_rows:
        out.append(f"<p class='more'>{len(frame) - table.max_rows} rijen meer in het bronbestand"
                   f"{' ' + _esc(table.file) if table.file else ''}.</p>")
    if table.note:
        out.append(f"<p class='more'>{_esc(table.note)}</p>")
    return "".join(out)


def _figure_html(fig: Figure) -> str:
    data = base64.b64encode(fig.png).decode("ascii")
    anchor = f" id='{_esc(fig.id)}'" if fig.id else ""
    cls = f" class='{fig.size}'" if fig.size in ("medium", "small") else ""
    return (f"<figure{cls}{anchor}><img alt='{_esc(fig.alt or fig.caption)}' src='data:image/png;base64,{data}'>"
            f"<figcaption>{_esc(fig.caption)}</figcaption></figure>")


def _links_html(links: Links, link_base: str | None) -> str:
    items = []
    for text, href, what in links.items:
        target = href if link_base is None or re.match(r"^[a-z]+:", href) else link_base + href
        extra = f" <span class='what'>— {_esc(what)}</span>" if what else ""
        items.append(f"<li><a href='{_esc(target)}'>{_esc(text)}</a>{extra}</li>")
    title = f"<p><b>{_esc(links.title)}</b></p>" if links.title else ""
    return f"{title}<ul class='links'>{''.join(items)}</ul>"


def _block_html(block: Block, link_base: str | None) -> str:
    if isinstance(block, str):
        return "".join(f"<p>{_esc(par)}</p>" for par in block.split("\n\n") if par.strip())
    if isinstance(block, Table):
        return _table_html(block)
    if isinstance(block, Figure):
        return _figure_html(block)
    if isinstance(block, Links):
        return _links_html(block, link_base)
    if isinstance(block, Facts):
        rows = "".join(f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>" for k, v in block.items)
        return f"<dl class='facts'>{rows}</dl>"
    if isinstance(block, Note):
        kind = "warning" if block.kind == "warning" else "info"
        return f"<div class='note {kind}'>{_esc(block.text)}</div>"
    raise TypeError(f"unknown report block {type(block).__name__}")


def _section_id(section: ReportSection, number: str) -> str:
    if section.id:
        return re.sub(r"[^A-Za-z0-9_-]+", "-", section.id)
    return "h" + number.replace(".", "-")


def _numbered(sections: Sequence[ReportSection], prefix: str = "") -> list[tuple[str, ReportSection]]:
    return [(f"{prefix}{i}", s) for i, s in enumerate(sections, start=1)]


def _toc_html(sections: Sequence[ReportSection], prefix: str = "") -> str:
    items = []
    for number, s in _numbered(sections, prefix):
        sub = _toc_html(s.subsections, f"{number}.") if s.subsections else ""
        items.append(f"<li><a href='#{_section_id(s, number)}'>{_esc(number)} {_esc(s.title)}</a>{sub}</li>")
    return f"<ol>{''.join(items)}</ol>" if items else ""


def _section_html(section: ReportSection, number: str, depth: int, link_base: str | None) -> str:
    tag = "h2" if depth == 0 else "h3"
    cls = " class='new-page'" if section.new_page else ""
    parts = [f"<section{cls} id='{_section_id(section, number)}'><{tag}>{_esc(number)} {_esc(section.title)}</{tag}>"]
    if section.text:
        parts.append(_block_html(section.text, link_base))
    parts.extend(_block_html(b, link_base) for b in section.blocks)
    parts.extend(_table_html(Table(caption, df, max_rows=section.max_rows)) for caption, df in section.tables)
    parts.extend(_figure_html(Figure(caption, png)) for caption, png in section.figures)
    for sub_number, sub in _numbered(section.subsections, f"{number}."):
        parts.append(_section_html(sub, sub_number, depth + 1, link_base))
    parts.append("</section>")
    return "".join(parts)


def _manifest_html(manifest: Mapping[str, Any]) -> str:
    rows = []
    for rec in manifest.get("inputs", []):
        rows.append({
            "bestand": Path(str(rec.get("path", ""))).name,
            "laag": rec.get("layer") or "",
            "rol": rec.get("role") or "",
            "bron": rec.get("source") or rec.get("publisher") or "",
            "datum": rec.get("date") or "",
            "status": rec.get("status") or "",
            "SHA-256": rec.get("sha256", ""),
        })
    columns = [ReportColumn(c, c[:1].upper() + c[1:] if c != "SHA-256" else c, "text")
               for c in ("bestand", "laag", "rol", "bron", "datum", "status", "SHA-256")]
    inputs = pd.DataFrame(rows, columns=[c.name for c in columns])
    cfg = manifest.get("config") or {}
    meta = (
        f"<p class='meta'>wlr_geo {_esc(manifest.get('version', ''))} · "
        f"opdracht <code>{_esc(manifest.get('command', ''))}</code> · "
        f"gestart {_esc(manifest.get('run_started', ''))} · "
        f"{_esc(manifest.get('transformation', ''))}</p>"
    )
    if cfg:
        meta += (
            f"<p class='meta'>Configuratie: <code>{_esc(cfg.get('path', ''))}</code> "
            f"(SHA-256 <code>{_esc(cfg.get('sha256', ''))}</code>)</p>"
            f"<details><summary>Gebruikte configuratie</summary><pre>{_esc(cfg.get('text', ''))}</pre></details>"
        )
    return meta + _table_html(Table("Invoerbestanden", inputs, columns, max_rows=10_000, max_columns=7))


def build_report_html(
    sections: Sequence[ReportSection],
    *,
    title: str,
    manifest: Mapping[str, Any],
    indicative: bool,
    attribution: str,
    intro: str = "",
    subtitle: str = "",
    date: _dt.date | None = None,
    link_base: str | None = None,
) -> str:
    """Return the report as one self-contained HTML document (figures inlined as data URIs).

    Parameters
    ----------
    sections
        The chapters in order; sub sections are numbered below them (2.1, 2.2, ...).
    manifest
        The run's provenance manifest, shown in the last chapter.
    indicative
        Shows the notice that route, sites and claims are indicative, under the title.
    link_base
        Prefix for the relative links of :class:`Links` (e.g. the ``file://`` URI of the
        output folder, for a PDF printed from a copy elsewhere); None keeps them relative.
    """
    when = nl_date(date or _dt.date.today(), long=True)
    parts = [
        "<!DOCTYPE html><html lang='nl'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head><body>",
        "<header class='cover'><p class='kicker'>Consultatierapport · wlr_geo</p>",
        f"<h1>{_esc(title)}</h1>",
    ]
    if subtitle:
        parts.append(f"<p class='subtitle'>{_esc(subtitle)}</p>")
    parts.append(f"<p class='meta'>Gemaakt op {_esc(when)} met wlr_geo {_esc(manifest.get('version', ''))}.</p>")
    if indicative:
        parts.append(
            "<div class='banner' id='indicatief'>Indicatief: het tracé, de locaties en de ruimteclaims in dit "
            "rapport zijn indicatieve planlagen (een demoscenario), geen besluit en geen officieel PIP-tracé. "
            "De uitkomsten laten de werkwijze zien, niet de werkelijke gevolgen.</div>"
        )
    if intro:
        parts.append(_block_html(intro, link_base))
    provenance = ReportSection("Herkomst van de gegevens", id="herkomst")
    toc = _toc_html([*sections, provenance])
    parts.append(f"<nav class='toc' id='inhoud'><h2>Inhoud</h2>{toc}</nav></header>")
    numbered = _numbered([*sections, provenance])
    for number, s in numbered[:-1]:
        parts.append(_section_html(s, number, 0, link_base))
    number = numbered[-1][0]
    parts.append(f"<section id='herkomst'><h2>{_esc(number)} Herkomst van de gegevens</h2>")
    parts.append(f"<p class='meta'>Bronvermelding: {_esc(attribution)}</p>")
    parts.append(_manifest_html(manifest))
    parts.append("</section></body></html>")
    return "\n".join(parts)


def side_by_side(frame: pd.DataFrame, *, key: str, columns: Sequence[str] | None = None, file: str | None = None,
                 not_analysed: Sequence[str] = (), label: str = "Kenmerk") -> tuple[pd.DataFrame, list[ReportColumn]]:
    """One row per column of ``frame`` and one column per value of ``key`` (variants side by side).

    Values are formatted per row (each row has its own unit); the rows in ``not_analysed``
    say :data:`NOT_ANALYSED` instead of their number. Returns the frame and its report columns.
    """
    names = [c for c in (columns or frame.columns) if c != key and c in frame.columns and c != "geometry"]
    keys = [str(k) for k in frame[key].tolist()]
    rows = []
    for name in names:
        fmt = column_format(name, file)
        row: dict[str, Any] = {"__label": column_header(name, file)}
        for k, v in zip(keys, frame[name].tolist(), strict=True):
            if name in not_analysed:
                row[k] = NOT_ANALYSED
            elif name == "not_analysed" and isinstance(v, str):  # "rail;water" → "Spoor, Water"
                row[k] = ", ".join(str(st.value_label("object_class", c)) for c in v.split(";") if c)
            elif name in st.VALUE_PALETTES and not is_missing(v):
                row[k] = str(st.value_label(name, v))
            else:
                row[k] = format_value(v, fmt)
        rows.append(row)
    out = pd.DataFrame(rows, columns=["__label", *keys])
    cols = [ReportColumn("__label", label, "text"), *[ReportColumn(k, k, "text", align="right") for k in keys]]
    return out, cols


def write_report_html(html_text: str, path: str | os.PathLike[str]) -> Path:
    """Write the report HTML atomically."""
    return atomic_write_text(path, html_text)


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome executable, or None."""
    env = os.environ.get("WLR_GEO_CHROMIUM")
    if env:
        return env
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def html_to_pdf(html_path: str | os.PathLike[str], pdf_path: str | os.PathLike[str], *, timeout_s: float = 180.0) -> Path:
    """Print an HTML file to PDF with headless Chromium (offline; atomic).

    Chromium keeps the page size, margins, page numbers and page breaks of the report's CSS
    (``@page``), and turns its links (table of contents, maps) into PDF links.

    Raises
    ------
    WlrGeoError
        No Chromium is installed, or printing failed.
    """
    chromium = find_chromium()
    if chromium is None:
        raise WlrGeoError(
            "geen Chromium gevonden om het rapport als PDF af te drukken — installeer het (Debian: apt-get install "
            "chromium) of zet WLR_GEO_CHROMIUM; het HTML-rapport is wel geschreven"
        )
    src = Path(html_path).resolve()
    with atomic_path(pdf_path) as tmp, tempfile.TemporaryDirectory(prefix="wlr-chromium-") as profile:
        cmd = [
            chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-pdf-header-footer", "--generate-pdf-document-outline", f"--user-data-dir={profile}",
            f"--print-to-pdf={tmp}", src.as_uri(),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout_s, check=False)
        except subprocess.TimeoutExpired:
            raise WlrGeoError(f"Chromium heeft {src} niet binnen {nl(timeout_s, 0)} s afgedrukt") from None
        if proc.returncode != 0 or not tmp.exists() or tmp.stat().st_size == 0:
            raise WlrGeoError(f"Chromium kon {src} niet als PDF afdrukken: "
                              f"{proc.stderr.decode(errors='replace')[-300:]}")
    return Path(pdf_path)
