"""``wlr-geo report CONFIG -o DIR``: the consultation report from the results in DIR.

Collects what earlier commands wrote into DIR (``impact``, ``claims``, ``landing``, ``route``),
draws a PNG figure per municipality, and writes ``report.html`` (self-contained) and
``report.pdf`` (headless Chromium; skipped with a message when Chromium is missing), the figures
under ``figures/``, and the merged ``manifest.json``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click
import geopandas as gpd
import pandas as pd
import pyogrio

from wlr_geo._atomic import atomic_write_bytes
from wlr_geo._errors import WlrGeoError, WlrGeoInputError
from wlr_geo.config import ProjectConfig, load_config
from wlr_geo.present.figures import FigureLayer, municipality_figure
from wlr_geo.present.report import ReportSection, build_report_html, html_to_pdf, write_report_html
from wlr_geo.provenance import MANIFEST_NAME, Manifest, write_manifest

__all__ = ["build_report", "report_command"]

log = logging.getLogger("wlr_geo")

#: (file in DIR, section title, caption, text)
_TABLES: list[tuple[str, str, str, str]] = [
    ("per_gemeente.csv", "Samenvatting per gemeente", "Tracé, kruisingen en impact per gemeente",
     "Elke gemeente is bevoegd gezag op haar eigen grondgebied; daarom staat alles per gemeente."),
    ("variants.csv", "Varianten naast elkaar", "Dezelfde analyse voor elke tracévariant", ""),
    ("crossings.csv", "Kruisingenregister", "Kruisingen van de hartlijn met wegen, spoor, water, kabels en leidingen",
     "Kilometrering vanaf het begin van het tracé; de voorgestelde techniek volgt uit de regeltabel en is een eerste indicatie."),
    ("per_wijk.csv", "Samenvatting per wijk", "Tracé en impact per wijk", ""),
    ("parallel_runs.csv", "Parallelle ligging", "Stukken waar het tracé langs kabels of leidingen loopt", ""),
    ("claims_programme.csv", "Ruimteclaims — meerjarenprogramma", "Geclaimde m² per gemeente, jaar en voorziening",
     "Conflicten: overlap boven de tolerantie in overlappende jaren; elkaar rakende claims tellen niet als conflict."),
    ("landing_scores.csv", "Aanlandingsopties — rangorde", "Score per criterium (ruw en genormaliseerd) en rang", ""),
    ("landing_sensitivity.csv", "Aanlandingsopties — gevoeligheid", "Monte-Carlo: kans op de eerste plaats", ""),
    ("landing_sensitivity_oat.csv", "Aanlandingsopties — omslagpunten", "Eén gewicht tegelijk: bij welke factor wisselt de nummer één", ""),
    ("routes.csv", "Tracéalternatieven (least-cost)", "Lengte, kosten en kruisingen per alternatief", ""),
]


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise WlrGeoInputError(f"cannot read table: {exc}", source=str(path), hint="rerun the command that wrote it") from None


def _layer(path: Path, layer: str) -> gpd.GeoDataFrame | None:
    if not path.exists():
        return None
    names = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
    if layer not in names:
        return None
    gdf = pyogrio.read_dataframe(path, layer=layer)
    return gdf if isinstance(gdf, gpd.GeoDataFrame) and len(gdf) else None


def _is_indicative(frames: list[gpd.GeoDataFrame | None]) -> bool:
    for f in frames:
        if f is None:
            continue
        if "status" in f.columns and (f["status"].astype(str) == "indicatief").any():
            return True
        if "indicatief" in f.columns and f["indicatief"].astype(bool).any():
            return True
    return False


def build_report(cfg: ProjectConfig, out_dir: Path, *, pdf: bool = True, municipalities: list[str] | None = None) -> list[Path]:
    """Write report.html (+ report.pdf, figures) from the results in ``out_dir``; return the files."""
    if not out_dir.is_dir():
        raise WlrGeoInputError("the output folder does not exist", source=str(out_dir),
                               hint="run 'wlr-geo impact CONFIG -o DIR' (and claims/landing/route) first")
    found = [(f, t, c, x) for f, t, c, x in _TABLES if (out_dir / f).exists()]
    if not found:
        raise WlrGeoInputError(
            "the folder holds no results to report on", source=str(out_dir),
            hint="run 'wlr-geo impact CONFIG -o DIR' (and claims, landing, route) with the same -o first",
        )
    sections: dict[str, ReportSection] = {}
    for fname, title, caption, text in found:
        sec = sections.setdefault(title, ReportSection(title, text=text))
        sec.tables.append((caption, _read_csv(out_dir / fname)))

    gm_ref = cfg.layer("municipalities")
    gm = gm_ref.read()
    name_col = gm_ref.options.get("name_column", "gm_naam")
    impact = out_dir / "impact.gpkg"
    routes = _layer(impact, "routes")
    strips = _layer(impact, "strips")
    crossings = _layer(impact, "crossings")
    claims = _layer(out_dir / "claims.gpkg", "claims")
    landing = _layer(out_dir / "landing.gpkg", "candidates")
    indicative = _is_indicative([routes, claims, landing])
    styles = [
        ("werkstrook", strips, FigureLayer("werkstrook", color="#e6550d", facecolor="#fdae6b", alpha=0.5, linewidth=0.3)),
        ("tracé", routes, FigureLayer("tracé" + (" (indicatief)" if indicative else ""), color="#d7301f", linewidth=2.0, zorder=4)),
        ("kruisingen", crossings, FigureLayer("kruising", color="#08519c", markersize=8, zorder=5)),
        ("claims", claims, FigureLayer("ruimteclaim" + (" (indicatief)" if indicative else ""), color="#6a3d9a", facecolor="#cab2d6", zorder=3)),
        ("aanlanding", landing, FigureLayer("aanlandingsoptie" + (" (indicatief)" if indicative else ""), color="#1a9850", markersize=30, zorder=6)),
    ]
    layers = {k: (v, st) for k, v, st in styles if v is not None}
    used = sorted({ref.catalog_name for ref in cfg.iter_refs() if ref.catalog_name})
    attribution = cfg.catalog.attribution(used or None)
    fig_dir = out_dir / "figures"
    written: list[Path] = []
    figs: list[tuple[str, bytes]] = []
    wanted = municipalities
    if wanted is None:
        touched = set()
        if routes is not None:
            touched = set(gm.loc[gm.intersects(routes.union_all()), name_col])
        region = set(gm.loc[gm["leidse_regio"].astype(bool), name_col]) if "leidse_regio" in gm.columns else set()
        wanted = sorted(touched | region) or sorted(gm[name_col])
    for name in wanted:
        one = gm[gm[name_col] == name]
        if one.empty:
            raise WlrGeoInputError(f"no municipality named {name!r}", source=str(gm_ref.path), hint=f"use one of {', '.join(gm[name_col])}")
        png = municipality_figure(one, layers, title=f"Gemeente {name}", attribution=attribution, indicative=indicative)
        safe = "".join(ch if ch.isalnum() else "_" for ch in str(name)).strip("_")
        written.append(atomic_write_bytes(fig_dir / f"gemeente_{safe}.png", png))
        figs.append((f"Gemeente {name}: tracé, werkstrook, kruisingen, claims en aanlandingsopties", png))
    maps = ReportSection("Kaarten per gemeente", text="Statische kaarten in RD-coördinaten; de interactieve kaarten staan als kaart_*.html in dezelfde map.", figures=figs)

    manifest_path = out_dir / MANIFEST_NAME
    manifest = Manifest(command="wlr-geo report", config_path=cfg.path, catalog=cfg.catalog)
    for ref in cfg.iter_refs():
        if ref.path.exists():
            manifest.add_input(ref.path, role=ref.role, layer=ref.layer)
    for fname, *_ in found:
        manifest.add_output(out_dir / fname)
    for p in written:
        manifest.add_output(p)
    write_manifest(manifest, out_dir)
    data = json.loads(manifest_path.read_text(encoding="utf-8"))
    ordered = list(sections.values())
    ordered.insert(min(3, len(ordered)), maps)
    page = build_report_html(
        ordered, title=f"Impactanalyse — {cfg.name}", manifest=data, indicative=indicative, attribution=attribution,
        intro="Rapport van wlr_geo: impact boven- en ondergronds, kruisingen, ruimteclaims en aanlandingsopties, per gemeente.",
    )
    html_path = write_report_html(page, out_dir / "report.html")
    written.append(html_path)
    if pdf:
        try:
            written.append(html_to_pdf(html_path, out_dir / "report.pdf"))
        except WlrGeoError as exc:
            log.warning("%s", exc)
    final = Manifest(command="wlr-geo report", config_path=cfg.path, catalog=cfg.catalog)
    for ref in cfg.iter_refs():
        if ref.path.exists():
            final.add_input(ref.path, role=ref.role, layer=ref.layer)
    for p in written:
        final.add_output(p)
    write_manifest(final, out_dir)
    return written


@click.command("report")
@click.argument("config", type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_dir", type=click.Path(path_type=Path), required=True,
              help="Folder with the results of impact/claims/landing/route; the report is written there.")
@click.option("--no-pdf", is_flag=True, help="Write only report.html.")
@click.option("--gemeente", "gemeenten", multiple=True, help="Municipality name(s) to draw (default: the region and those on the route).")
def report_command(config: Path, out_dir: Path, no_pdf: bool, gemeenten: tuple[str, ...]) -> None:
    """Write the consultation report (HTML, PDF, PNG figures, manifest) for CONFIG into DIR."""
    cfg = load_config(config)
    files = build_report(cfg, out_dir, pdf=not no_pdf, municipalities=list(gemeenten) or None)
    for f in files:
        click.echo(f"geschreven: {f}")
