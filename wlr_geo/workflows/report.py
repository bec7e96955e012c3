"""The report job: the consultation report from the results already in the output folder.

Collects what the impact, claims, landing and route jobs wrote (the tables and GeoPackages of
the outputs registry, :func:`wlr_geo.outputs.report_tables`), draws a PNG figure per
municipality, and writes ``report.html`` (self-contained, with the run's provenance manifest)
and ``report.pdf`` (headless Chromium; skipped with a note when Chromium is missing).
"""

from __future__ import annotations

import json
import logging
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from wlr_geo._atomic import atomic_write_bytes
from wlr_geo._errors import WlrGeoError, WlrGeoInputError
from wlr_geo.config import Inputs, ProjectConfig, load_config
from wlr_geo.io.vector import list_layers, read_layer
from wlr_geo.outputs import file_names, report_tables
from wlr_geo.present.figures import FigureLayer, municipality_figure
from wlr_geo.present.report import ReportSection, build_report_html, html_to_pdf, write_report_html
from wlr_geo.provenance import MANIFEST_NAME
from wlr_geo.workflows._output import RunOutputs, open_outputs

__all__ = ["ReportRun", "figure_name", "run"]

log = logging.getLogger("wlr_geo")


@dataclass
class ReportRun:
    """What :func:`run` did."""

    paths: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    manifest: dict[str, Any] | None = None


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise WlrGeoInputError(f"cannot read table: {exc}", source=str(path), hint="rerun the command that wrote it") from None


def _layer(path: Path | None, layer: str, records: list[tuple[str, str | None, str | None]]
           ) -> gpd.GeoDataFrame | None:
    """An output layer of an earlier run (None when the file or layer is missing or empty)."""
    if path is None or not path.is_file() or layer not in list_layers(path):
        return None
    records.append((str(path), "result", layer))
    gdf = read_layer(path, layer, allow_empty=True)
    return gdf if len(gdf) else None


def _is_indicative(frames: list[gpd.GeoDataFrame | None]) -> bool:
    for f in frames:
        if f is None:
            continue
        if "status" in f.columns and (f["status"].astype(str) == "indicatief").any():
            return True
        if "indicatief" in f.columns and f["indicatief"].astype(bool).any():
            return True
    return False


def _with_earlier_inputs(manifest: dict[str, Any], earlier: Path) -> dict[str, Any]:
    """The report's manifest plus the inputs of the run that made the results it reports on."""
    try:
        old = json.loads(earlier.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return manifest
    if not isinstance(old, dict):
        return manifest
    out = dict(manifest)
    seen = {(r.get("path"), r.get("layer"), r.get("role")) for r in out.get("inputs", [])}
    extra = [r for r in old.get("inputs", []) if isinstance(r, dict)
             and (r.get("path"), r.get("layer"), r.get("role")) not in seen]
    out["inputs"] = [*out.get("inputs", []), *extra]
    out["results_from"] = {k: old.get(k) for k in ("command", "run_started", "run_finished") if k in old}
    return out


def figure_name(municipality: str) -> str:
    """``figures/gemeente_<name>.png`` with a safe, bounded file name."""
    text = unicodedata.normalize("NFKC", str(municipality))
    safe = re.sub(r"[^\w]+", "_", text, flags=re.UNICODE).strip("_")[:80] or "gemeente"
    return f"figures/gemeente_{safe}.png"


def run(config: str | os.PathLike[str] | ProjectConfig, out: str | os.PathLike[str] | RunOutputs, *,
        pdf: bool = True, municipalities: list[str] | None = None, wait_s: float = 0.0) -> ReportRun:
    """``wlr-geo report CONFIG -o DIR``: report.html (+ report.pdf, figures) from the results in DIR."""
    cfg = load_config(config)
    root = out.root if isinstance(out, RunOutputs) else Path(out)

    def locate(name: str) -> Path | None:
        if isinstance(out, RunOutputs):
            return out.locate(name)
        p = root / name
        return p if p.exists() else None

    if not root.is_dir():
        raise WlrGeoInputError("the output folder does not exist", source=str(root),
                               hint="run 'wlr-geo impact CONFIG -o DIR' (and claims/landing/route) first")
    found = [(located, t, c, x) for f, t, c, x in report_tables() if (located := locate(f)) is not None]
    if not found:
        raise WlrGeoInputError(
            "the folder holds no results to report on", source=str(root),
            hint="run 'wlr-geo impact CONFIG -o DIR' (and claims, landing, route) with the same -o first",
        )
    inputs = Inputs(cfg)
    gm_ref = inputs.require("municipalities", "the report's municipality figures")
    gm = inputs.frame(gm_ref) if gm_ref is not None else None
    inputs.check()
    assert gm is not None and gm_ref is not None
    sections: dict[str, ReportSection] = {}
    for path, title, caption, text in found:
        inputs.records.append((str(path), "result", None))
        sec = sections.setdefault(title, ReportSection(title, text=text))
        sec.tables.append((caption, _read_csv(path)))

    name_col = gm_ref.options.get("name_column", "gm_naam")
    routes = _layer(locate("impact.gpkg"), "routes", inputs.records)
    strips = _layer(locate("impact.gpkg"), "strips", inputs.records)
    crossings = _layer(locate("impact.gpkg"), "crossings", inputs.records)
    claims = _layer(locate("claims.gpkg"), "claims", inputs.records)
    landing = _layer(locate("landing.gpkg"), "candidates", inputs.records)
    indicative = _is_indicative([routes, claims, landing])
    mark = " (indicatief)" if indicative else ""
    styles = [
        ("werkstrook", strips, FigureLayer("werkstrook", color="#e6550d", facecolor="#fdae6b", alpha=0.5, linewidth=0.3)),
        ("tracé", routes, FigureLayer("tracé" + mark, color="#d7301f", linewidth=2.0, zorder=4)),
        ("kruisingen", crossings, FigureLayer("kruising", color="#08519c", markersize=8, zorder=5)),
        ("claims", claims, FigureLayer("ruimteclaim" + mark, color="#6a3d9a", facecolor="#cab2d6", zorder=3)),
        ("aanlanding", landing, FigureLayer("aanlandingsoptie" + mark, color="#1a9850", markersize=30, zorder=6)),
    ]
    layers = {k: (v, st) for k, v, st in styles if v is not None}
    used = sorted({ref.catalog_name for ref in cfg.iter_refs() if ref.catalog_name})
    attribution = cfg.catalog.attribution(used or None)
    wanted = municipalities
    if wanted is None:
        touched = set()
        if routes is not None:
            touched = set(gm.loc[gm.intersects(routes.union_all()), name_col])
        region = set(gm.loc[gm["leidse_regio"].astype(bool), name_col]) if "leidse_regio" in gm.columns else set()
        wanted = sorted(touched | region) or sorted(gm[name_col])
    result = ReportRun()
    with open_outputs(out, command="wlr-geo report", names=file_names("report"), inputs=inputs.records,
                      config_path=cfg.path, catalog=cfg.catalog, wait_s=wait_s) as w:
        start = len(w.written)
        figs: list[tuple[str, bytes]] = []
        for name in wanted:
            one = gm[gm[name_col] == name]
            if one.empty:
                raise WlrGeoInputError(f"no municipality named {name!r}", source=str(gm_ref.path),
                                       hint=f"use one of {', '.join(map(str, gm[name_col]))}")
            png = municipality_figure(one, layers, title=f"Gemeente {name}", attribution=attribution,
                                      indicative=indicative)
            atomic_write_bytes(w.path(figure_name(str(name))), png)
            figs.append((f"Gemeente {name}: tracé, werkstrook, kruisingen, claims en aanlandingsopties", png))
        maps = ReportSection("Kaarten per gemeente", figures=figs,
                             text="Statische kaarten in RD-coördinaten; de interactieve kaarten staan als "
                                  "kaart_*.html in dezelfde map.")
        manifest = w.manifest("wlr-geo report", config_path=cfg.path, catalog=cfg.catalog)
        earlier = root / MANIFEST_NAME
        if not isinstance(out, RunOutputs) and earlier.is_file():
            manifest = _with_earlier_inputs(manifest, earlier)
        ordered = list(sections.values())
        ordered.insert(min(3, len(ordered)), maps)
        page = build_report_html(
            ordered, title=f"Impactanalyse — {cfg.name}", manifest=manifest, indicative=indicative,
            attribution=attribution,
            intro="Rapport van wlr_geo: impact boven- en ondergronds, kruisingen, ruimteclaims en "
                  "aanlandingsopties, per gemeente.",
        )
        html_path = write_report_html(page, w.path("report.html"))
        if pdf:
            try:
                html_to_pdf(html_path, w.path("report.pdf"))
            except WlrGeoError as exc:
                w.written.pop()
                result.notes.append(str(exc))
                log.warning("%s", exc)
        result.paths = w.final(start)
    result.manifest = w.last_manifest
    return result
