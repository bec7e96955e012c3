"""The consultation report: one self-contained HTML file (and a PDF made from it).

Presentation code. The report is assembled from finished tables (DataFrames) and figures (PNG
bytes) in Dutch sections, ends with the provenance manifest (every input with its SHA-256,
source and date; tool version; config; run date) and carries a visible notice whenever
indicative layers are part of it. Every value is HTML-escaped.
"""

from __future__ import annotations

import base64
import html
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from wlr_geo._atomic import atomic_path, atomic_write_text
from wlr_geo._errors import WlrGeoError

__all__ = ["ReportSection", "build_report_html", "find_chromium", "html_to_pdf"]

log = logging.getLogger("wlr_geo")

_CSS = """
body{font-family:"DejaVu Sans",Arial,sans-serif;margin:2em auto;max-width:1100px;color:#1a1a1a;line-height:1.4}
h1{font-size:1.6em;border-bottom:3px solid #154273;padding-bottom:.2em}
h2{font-size:1.25em;color:#154273;margin-top:1.6em;page-break-after:avoid}
table{border-collapse:collapse;font-size:.78em;margin:.5em 0 1.2em 0;width:100%}
th,td{border:1px solid #c8c8c8;padding:2px 5px;text-align:left;vertical-align:top}
th{background:#eef2f7}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.banner{background:#fff3cd;border:2px solid #d39e00;padding:.6em 1em;font-weight:bold;margin:1em 0}
figure{margin:1em 0;page-break-inside:avoid}
figure img{max-width:100%;border:1px solid #ddd}
figcaption{font-size:.8em;color:#555}
.meta{font-size:.8em;color:#444}
code{font-size:.85em;word-break:break-all}
@page{size:A4 landscape;margin:10mm}
@media print{body{margin:0;max-width:none}table{font-size:.62em}th{word-break:break-word}figure img{max-height:170mm}}
"""


@dataclass
class ReportSection:
    """One section of the report (Dutch title), with text, tables and figures."""

    title: str
    text: str = ""
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    figures: list[tuple[str, bytes]] = field(default_factory=list)
    max_rows: int = 500


def _fmt(value: Any) -> tuple[str, bool]:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "", False
    if isinstance(value, bool):
        return ("ja" if value else "nee"), False
    if isinstance(value, int):
        return f"{value:,}".replace(",", "."), True
    if isinstance(value, float):
        text = f"{value:,.2f}" if abs(value) < 1e6 else f"{value:,.0f}"
        return text.replace(",", "_").replace(".", ",").replace("_", "."), True
    return str(value), False


def _table_html(caption: str, df: pd.DataFrame, max_rows: int) -> str:
    rows = []
    shown = df.head(max_rows)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in shown.columns)
    for rec in shown.itertuples(index=False):
        cells = []
        for v in rec:
            text, numeric = _fmt(v.item() if hasattr(v, "item") else v)
            cls = ' class="num"' if numeric else ""
            cells.append(f"<td{cls}>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = ""
    if len(df) > max_rows:
        more = f"<p class='meta'>{len(df) - max_rows} rijen meer in het CSV-bestand.</p>"
    if shown.empty:
        return f"<p><b>{html.escape(caption)}</b>: geen gegevens.</p>"
    return (
        f"<table><caption style='text-align:left;font-weight:bold'>{html.escape(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}"
    )


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
    inputs = pd.DataFrame(rows, columns=["bestand", "laag", "rol", "bron", "datum", "status", "SHA-256"])
    cfg = manifest.get("config") or {}
    meta = (
        f"<p class='meta'>wlr_geo {html.escape(str(manifest.get('version', '')))} · "
        f"opdracht <code>{html.escape(str(manifest.get('command', '')))}</code> · "
        f"gestart {html.escape(str(manifest.get('run_started', '')))} · "
        f"{html.escape(str(manifest.get('transformation', '')))}</p>"
    )
    if cfg:
        meta += (
            f"<p class='meta'>Configuratie: <code>{html.escape(str(cfg.get('path', '')))}</code> "
            f"(SHA-256 <code>{html.escape(str(cfg.get('sha256', '')))}</code>)</p>"
            f"<details><summary>Gebruikte configuratie</summary><pre>{html.escape(str(cfg.get('text', '')))}</pre></details>"
        )
    return meta + _table_html("Invoerbestanden", inputs, 10_000)


def build_report_html(
    sections: Sequence[ReportSection],
    *,
    title: str,
    manifest: Mapping[str, Any],
    indicative: bool,
    attribution: str,
    intro: str = "",
) -> str:
    """Return the report as one self-contained HTML document (figures inlined as data URIs)."""
    parts = [
        "<!DOCTYPE html><html lang='nl'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    if indicative:
        parts.append(
            "<div class='banner' id='indicatief'>Indicatief: dit rapport bevat een indicatief tracé, "
            "indicatieve locaties en claims. Dit is geen besluit en geen officieel PIP-tracé.</div>"
        )
    if intro:
        parts.append(f"<p>{html.escape(intro)}</p>")
    toc = "".join(f"<li>{html.escape(s.title)}</li>" for s in sections)
    parts.append(f"<h2>Inhoud</h2><ol>{toc}<li>Herkomst van de gegevens</li></ol>")
    for s in sections:
        parts.append(f"<h2>{html.escape(s.title)}</h2>")
        if s.text:
            parts.extend(f"<p>{html.escape(par)}</p>" for par in s.text.split("\n\n"))
        for caption, df in s.tables:
            parts.append(_table_html(caption, df, s.max_rows))
        for caption, png in s.figures:
            data = base64.b64encode(png).decode("ascii")
            parts.append(
                f"<figure><img alt='{html.escape(caption)}' src='data:image/png;base64,{data}'>"
                f"<figcaption>{html.escape(caption)}</figcaption></figure>"
            )
    parts.append("<h2>Herkomst van de gegevens</h2>")
    parts.append(f"<p class='meta'>Bronvermelding: {html.escape(attribution)}</p>")
    parts.append(_manifest_html(manifest))
    parts.append("</body></html>")
    return "\n".join(parts)


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


def html_to_pdf(html_path: str | os.PathLike[str], pdf_path: str | os.PathLike[str], *, timeout_s: float = 120.0) -> Path:
    """Print an HTML file to PDF with headless Chromium (offline; atomic).

    Raises
    ------
    WlrGeoError
        No Chromium is installed, or printing failed.
    """
    chromium = find_chromium()
    if chromium is None:
        raise WlrGeoError(
            "no Chromium found to print the report to PDF — install it (Debian: apt-get install chromium) "
            "or set WLR_GEO_CHROMIUM; the HTML report was written"
        )
    src = Path(html_path).resolve()
    with atomic_path(pdf_path) as tmp, tempfile.TemporaryDirectory(prefix="wlr-chromium-") as profile:
        cmd = [
            chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-pdf-header-footer", f"--user-data-dir={profile}", f"--print-to-pdf={tmp}", src.as_uri(),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout_s, check=False)
        except subprocess.TimeoutExpired:
            raise WlrGeoError(f"Chromium did not finish printing {src} within {timeout_s:.0f} s") from None
        if proc.returncode != 0 or not tmp.exists() or tmp.stat().st_size == 0:
            raise WlrGeoError(f"Chromium could not print {src} to PDF: {proc.stderr.decode(errors='replace')[-300:]}")
    return Path(pdf_path)
