"""The report job: the consultation report from the results already in the output folder.

Collects what the impact, claims, landing and route jobs wrote (the tables and GeoPackages of
the outputs registry, :func:`wlr_geo.outputs.report_tables`) and writes the report as a
document (:mod:`wlr_geo.present.report`):

1. a summary page — the variants' key figures, the overview figure, what was *not* analysed,
   the links to the consultation maps;
2. a chapter per gemeente for the permit authority (new page each): its figures per variant,
   its stretches, its crossings by technique, the claims on its territory per year, the
   affected objects and its map (figure and link);
3. the variants side by side;
4. the registers (crossings, parallel runs, claims programme, landing options, route
   alternatives);
5. methods and assumptions, then the provenance of every input.

Writes ``report.html`` (self-contained), ``report.pdf`` (headless Chromium; skipped with a note
when Chromium is missing) and ``figures/*.png`` (overview and one per gemeente, 200 dpi).
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
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
from wlr_geo.present import styles as st
from wlr_geo.present.figures import municipality_figure, overview_figure, standard_layers
from wlr_geo.present.filenames import safe_stem
from wlr_geo.present.format import nl_int, nl_number
from wlr_geo.present.report import (
    NOT_ANALYSED,
    Facts,
    Figure,
    Links,
    Note,
    ReportColumn,
    ReportSection,
    Table,
    build_report_html,
    html_to_pdf,
    side_by_side,
    write_report_html,
)
from wlr_geo.provenance import MANIFEST_NAME
from wlr_geo.workflows._output import RunOutputs, open_outputs

__all__ = ["OUTSIDE", "ReportRun", "figure_name", "run"]

log = logging.getLogger("wlr_geo")

#: The gemeente value of route stretches outside every municipality polygon.
OUTSIDE = "(buiten gemeenten)"

Locate = Callable[[str], Path | None]


@dataclass
class ReportRun:
    """What :func:`run` did."""

    paths: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    manifest: dict[str, Any] | None = None


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype={"gemeente": str, "variant": str, "wijk": str, "candidate_id": str})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise WlrGeoInputError(f"kan de tabel niet lezen: {exc}", source=str(path),
                               hint="voer de opdracht die de tabel schreef opnieuw uit") from None


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


def _analysed(locate: Locate) -> dict[str, bool]:
    """``analysed_classes`` of the impact run whose ``summary.json`` lies in the folder."""
    path = locate("summary.json")
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        log.warning("kan %s niet lezen (%s): het rapport zegt niet welke kruisingsklassen zijn geanalyseerd",
                    path, exc)
        return {}
    found = data.get("analysed_classes") if isinstance(data, dict) else None
    return {str(k): bool(v) for k, v in found.items()} if isinstance(found, dict) else {}


def _class_label(name: str) -> str:
    label = str(st.value_label("object_class", name))
    return label[:1].lower() + label[1:]


def _map_title(path: Path) -> str:
    try:
        with path.open(encoding="utf-8", errors="replace") as fh:
            head = fh.read(4096)
    except OSError:
        return path.stem
    m = re.search(r"<title>([^<]{1,200})</title>", head)
    return m.group(1).strip() if m else path.stem


def _map_files(out: str | os.PathLike[str] | RunOutputs, root: Path) -> dict[str, Path]:
    """Relative name → file of every consultation map in the folder, and of the maps written
    earlier in the same run (still staged when the report is part of a bigger run)."""
    found: dict[str, Path] = {}
    for p in [*root.glob("kaart_*.html"), *root.glob("*/kaart_*.html")]:
        found[p.relative_to(root).as_posix()] = p
    if isinstance(out, RunOutputs):
        for name, path in out.written:
            if re.fullmatch(r"(?:[^/]+/)?kaart_[^/]+\.html", name) and path.is_file():
                found[name] = path
    # the overview first, the project's maps next, the examples on real data (sub folders) last
    return dict(sorted(found.items(), key=lambda kv: ("/" in kv[0], "overzicht" not in kv[0], kv[0])))


def _maps(files: dict[str, Path]) -> list[tuple[str, str, str]]:
    """(title, relative href, description) of the consultation maps."""
    found = []
    gm_maps = [n for n in files if n.startswith("kaart_gemeente_")]
    for name, path in files.items():
        if name in gm_maps:
            continue
        what = "voorbeeld op echte gegevens" if "/" in name else "interactieve kaart, werkt offline in de browser"
        found.append((_map_title(path), name, what))
    if gm_maps:
        found.append(("Kaarten per gemeente", gm_maps[0],
                      f"{len(gm_maps)} kaarten (kaart_gemeente_<naam>.html), gekoppeld vanuit elk gemeentehoofdstuk"))
    return found


def _not_analysed_columns(analysed: dict[str, bool]) -> list[str]:
    return [f"n_{c}" for c, ok in analysed.items() if not ok]


def _km(value: float) -> str:
    return nl_number(value / 1000.0, 1) + " km"


def _summary_section(variants: pd.DataFrame | None, analysed: dict[str, bool], gemeenten: Sequence[str],
                     quiet: Sequence[str], overview: bytes | None, maps: list[tuple[str, str, str]],
                     claims: gpd.GeoDataFrame | None, landing: pd.DataFrame | None) -> ReportSection:
    sec = ReportSection("Samenvatting", id="samenvatting", new_page=True)
    facts: list[tuple[str, str]] = []
    if variants is not None and len(variants):
        facts.append(("Tracévarianten", ", ".join(variants["variant"].astype(str))))
        for rec in variants.to_dict("records"):
            parts = [_km(float(rec["length_m"]))]
            if "n_crossings" in rec:
                parts.append(f"{nl_int(rec['n_crossings'])} kruisingen")
            if "n_gemeenten" in rec:
                parts.append(f"{nl_int(rec['n_gemeenten'])} gemeenten")
            facts.append((str(rec["variant"]), ", ".join(parts)))
    if gemeenten:
        facts.append(("Gemeenten met tracé of claims", ", ".join(gemeenten)))
    if claims is not None:
        facts.append(("Ruimteclaims", nl_int(len(claims))))
    if landing is not None and len(landing) and "rank" in landing.columns:
        top = landing.sort_values("rank").iloc[0]
        facts.append(("Beste aanlandingsoptie", f"{top['candidate_id']} (score {nl_number(top.get('score'), 2)})"))
    if facts:
        sec.blocks.append(Facts(facts))
    missing = [_class_label(c) for c, ok in analysed.items() if not ok]
    if missing:
        sec.blocks.append(Note(
            "Niet geanalyseerd: " + ", ".join(missing) + ". Voor deze klassen is geen laag opgegeven; "
            f"in de tabellen staat daarom '{NOT_ANALYSED}' in plaats van een aantal. Een nul betekent "
            "dat er gekeken is en niets is gevonden.", kind="warning"))
    if overview is not None:  # right under the key figures, so the summary fills its page
        sec.blocks.append(Figure("Overzicht: de tracévarianten, werkstroken, kruisingen, ruimteclaims en "
                                 "aanlandingsopties binnen de gemeentegrenzen.", overview, id="fig-overzicht",
                                 size="small"))
    if quiet:
        sec.blocks.append("Geen tracé, kruisingen of claims in de regiogemeenten " + ", ".join(quiet) + ".")
    if maps:
        sec.blocks.append(Links(maps, title="Interactieve kaarten (in dezelfde map als dit rapport)"))
    return sec


def _gemeente_section(name: str, *, per_gemeente: pd.DataFrame | None, segments: pd.DataFrame | None,
                      crossings: pd.DataFrame | None, programme: pd.DataFrame | None,
                      affected: pd.DataFrame | None, not_analysed: Sequence[str], figure: bytes | None,
                      map_href: str | None) -> ReportSection:
    sec = ReportSection(f"Gemeente {name}", id=f"gemeente-{safe_stem(name)}", new_page=True)
    sec.blocks.append(f"De gemeente {name} is bevoegd gezag op haar eigen grondgebied. Dit hoofdstuk toont "
                      "alleen wat binnen de gemeentegrens ligt.")
    rows = per_gemeente[per_gemeente["gemeente"] == name] if per_gemeente is not None else None
    if rows is not None and len(rows):
        frame, cols = side_by_side(rows, key="variant", file="per_gemeente.csv", not_analysed=not_analysed,
                                   columns=[c for c in rows.columns if c not in ("gemeente",)])
        sec.blocks.append(Table("Kerncijfers per variant op het grondgebied van de gemeente", frame, cols,
                                key_columns=1, max_columns=6))
    else:
        sec.blocks.append("Geen van de tracévarianten loopt door deze gemeente.")
    if segments is not None:
        part = segments[segments["gemeente"] == name]
        short = part["length_m"] < 1.0
        part = part[~short].fillna({"wijk": "(geen wijk)"})
        if len(part):
            cols = [ReportColumn("variant", "Variant", "text"), ReportColumn("wijk", "Wijk", "text"),
                    ReportColumn("from_m", "Van", "km"), ReportColumn("to_m", "Tot", "km"),
                    ReportColumn("length_m", "Lengte (m)", "number0")]
            sec.blocks.append(Table("Stukken van het tracé in de gemeente", part, cols,
                                    note=f"{int(short.sum())} {'stuk' if short.sum() == 1 else 'stukken'} korter dan 1 m "
                                         "niet getoond (randen van gemeente- en wijkvlakken)." if short.any() else ""))
    if crossings is not None:
        part = crossings[crossings["gemeente"] == name]
        if len(part):
            tech = part.assign(techniek=part["technique"].map(lambda v: str(st.value_label("technique", v))))
            pivot = (tech.pivot_table(index="variant", columns="techniek", values="chainage_m", aggfunc="count",
                                      fill_value=0).reset_index())
            pivot["Totaal"] = pivot.drop(columns="variant").sum(axis=1)
            cols = [ReportColumn("variant", "Variant", "text"),
                    *[ReportColumn(str(c), str(c), "integer") for c in pivot.columns if c != "variant"]]
            sec.blocks.append(Table("Kruisingen per techniek", pivot, cols))
            cols = [ReportColumn("variant", "Variant", "text"), ReportColumn("chainage_m", "Km", "km"),
                    ReportColumn("object_class", "Object", "text"), ReportColumn("category", "Categorie", "text"),
                    ReportColumn("technique", "Techniek", "text"), ReportColumn("angle_deg", "Hoek (°)", "number0"),
                    ReportColumn("wijk", "Wijk", "text")]
            sec.blocks.append(Table("Kruisingen in de gemeente", part, cols))
        else:
            sec.blocks.append("Geen kruisingen in deze gemeente.")
    if programme is not None:
        part = programme[(programme["gemeente"] == name) & (programme["facility_type"] != "totaal")]
        if len(part):
            cols = [ReportColumn("year", "Jaar", "year"), ReportColumn("facility_type", "Voorziening", "text"),
                    ReportColumn("claimed_area_m2", "Geclaimd (m²)", "number0"),
                    ReportColumn("n_claims", "Claims", "integer"), ReportColumn("n_conflicts", "Conflicten", "integer"),
                    ReportColumn("conflict_area_m2", "Conflictoppervlak (m²)", "number0")]
            sec.blocks.append(Table("Ruimteclaims op het grondgebied per jaar", part, cols))
    if affected is not None:
        part = affected[affected["gemeente"] == name]
        if len(part):
            cols = [ReportColumn("variant", "Variant", "text"), ReportColumn("strip", "Strook", "text"),
                    ReportColumn("category", "Categorie", "text"), ReportColumn("n", "Objecten", "integer"),
                    ReportColumn("area_m2", "Oppervlakte in strook (m²)", "number0")]
            sec.blocks.append(Table("Getroffen objecten in werk- en belemmeringenstrook", part, cols))
    if figure is not None:
        sec.blocks.append(Figure(f"Gemeente {name}: tracévarianten, werkstrook, kruisingen, ruimteclaims en "
                                 "aanlandingsopties.", figure, size="medium"))
    if map_href is not None:
        sec.blocks.append(Links([(f"Interactieve kaart gemeente {name}", map_href, "werkt offline in de browser")]))
    return sec


def _affected_per_gemeente(affected: gpd.GeoDataFrame | None, gm: gpd.GeoDataFrame, name_col: str
                           ) -> pd.DataFrame | None:
    """Affected objects counted per gemeente (the polygon holding a point of the object), variant, strip and category."""
    if affected is None or not len(affected):
        return None
    pts = affected.assign(geometry=affected.geometry.representative_point())
    joined = gpd.sjoin(pts, gm[[name_col, "geometry"]].rename(columns={name_col: "gemeente"}), how="inner",
                       predicate="within")
    if joined.empty:
        return None
    joined["area_m2"] = pd.to_numeric(joined.get("area_m2"), errors="coerce")
    keys = [k for k in ("gemeente", "variant", "strip", "category") if k in joined.columns]
    out = joined.groupby(keys, dropna=False).agg(n=("gemeente", "size"), area_m2=("area_m2", "sum")).reset_index()
    return out


_REGISTER_COLUMNS: dict[str, list[ReportColumn]] = {
    "crossings.csv": [ReportColumn("variant", "Variant", "text"), ReportColumn("chainage_m", "Km", "km"),
                      ReportColumn("gemeente", "Gemeente", "text"), ReportColumn("object_class", "Object", "text"),
                      ReportColumn("category", "Categorie", "text"), ReportColumn("technique", "Techniek", "text"),
                      ReportColumn("angle_deg", "Hoek (°)", "number0"), ReportColumn("netbeheerder", "Netbeheerder", "text")],
    "parallel_runs.csv": [ReportColumn("variant", "Variant", "text"), ReportColumn("from_m", "Van", "km"),
                          ReportColumn("to_m", "Tot", "km"), ReportColumn("length_m", "Lengte (m)", "number0"),
                          ReportColumn("object_class", "Object", "text"), ReportColumn("category", "Categorie", "text"),
                          ReportColumn("gemeente", "Gemeente", "text"), ReportColumn("wijk", "Wijk", "text")],
    "landing_sensitivity_oat.csv": [
        ReportColumn("label", "Criterium", "text"), ReportColumn("weight", "Gewicht", "number2"),
        ReportColumn("top_at_minus_p", "Nr. 1 bij −p", "text"), ReportColumn("top_at_plus_p", "Nr. 1 bij +p", "text"),
        ReportColumn("flip_factor_down", "Omslagfactor omlaag", "number2"),
        ReportColumn("flip_to_down", "Nieuwe nr. 1 (omlaag)", "text"),
        ReportColumn("flip_factor_up", "Omslagfactor omhoog", "number2"),
        ReportColumn("flip_to_up", "Nieuwe nr. 1 (omhoog)", "text"),
        ReportColumn("flips_within_p", "Wisselt binnen p", "yesno")],
}

#: Tables shown in the gemeente chapters and the side-by-side chapter instead of as registers.
_IN_CHAPTERS = ("per_gemeente.csv", "per_wijk.csv", "variants.csv")

_METHODS = (
    "Het tracé is de hartlijn van elke variant. Rond de hartlijn liggen de werkstrook (tijdelijk, tijdens de aanleg) "
    "en de belemmeringenstrook (blijvend); hun breedtes komen uit de configuratie.\n\n"
    "Een kruising is een plek waar de hartlijn een weg, spoorlijn, watergang, kabel of leiding snijdt. De "
    "kilometrering loopt vanaf het begin van de variant. De voorgestelde techniek (open ontgraving, boring/persing "
    "of HDD) volgt uit de regeltabel en is een eerste indicatie, geen ontwerp.\n\n"
    "Gemeente en wijk komen uit de gemeentegrenzen: elk stuk tracé en elke kruising hoort bij de gemeente "
    "waarvan het vlak hem bevat; een wijk wordt alleen binnen de eigen gemeente toegekend. Stukken buiten elk "
    "gemeentevlak heten '(buiten gemeenten)' en tellen niet als gemeente.\n\n"
    "Ruimteclaims zijn oppervlakken per voorziening en per jaar; een conflict is een overlap boven de tolerantie "
    "in overlappende jaren. Aanlandingsopties krijgen per criterium een genormaliseerde score (0–1); de gewogen "
    "som bepaalt de rang, en een gevoeligheidsanalyse toont hoe vast die rang is.\n\n"
    "Alle afstanden en oppervlakten zijn berekend in het Rijksdriehoekstelsel (EPSG:28992)."
)


def _methods_section(analysed: dict[str, bool], indicative: bool) -> ReportSection:
    sec = ReportSection("Werkwijze en aannames", id="werkwijze", text=_METHODS)
    if analysed:
        frame = pd.DataFrame({"klasse": [str(st.value_label("object_class", c)) for c in analysed],
                              "status": ["geanalyseerd" if ok else NOT_ANALYSED for ok in analysed.values()]})
        sec.blocks.append(Table("Welke kruisingsklassen zijn geanalyseerd", frame,
                                [ReportColumn("klasse", "Klasse", "text"), ReportColumn("status", "Status", "text")]))
    if indicative:
        sec.blocks.append(Note("De planlagen (tracé, locaties, ruimteclaims) zijn indicatief: ze dienen om de "
                               "werkwijze te tonen en zijn geen besluit.", kind="warning"))
    return sec


def run(config: str | os.PathLike[str] | ProjectConfig, out: str | os.PathLike[str] | RunOutputs, *,
        pdf: bool = True, municipalities: list[str] | None = None, wait_s: float = 0.0) -> ReportRun:
    """``wlr-geo report CONFIG -o DIR``: report.html (+ report.pdf, figures) from the results in DIR.

    ``municipalities`` names the gemeenten that get a chapter (default: every gemeente with a
    stretch of route, a crossing or a claim).
    """
    cfg = load_config(config)
    root = out.root if isinstance(out, RunOutputs) else Path(out)

    def locate(name: str) -> Path | None:
        if isinstance(out, RunOutputs):
            return out.locate(name)
        p = root / name
        return p if p.exists() else None

    if not root.is_dir():
        raise WlrGeoInputError("de uitvoermap bestaat niet", source=str(root),
                               hint="voer eerst 'wlr-geo impact CONFIG -o DIR' uit (en claims/landing/route)")
    found = [(name, located, t, c, x) for name, t, c, x in report_tables() if (located := locate(name)) is not None]
    if not found:
        raise WlrGeoInputError(
            "de map bevat geen resultaten om over te rapporteren", source=str(root),
            hint="voer eerst 'wlr-geo impact CONFIG -o DIR' uit (en claims, landing, route) met dezelfde -o",
        )
    inputs = Inputs(cfg)
    gm_ref = inputs.require("municipalities", "de gemeentecijfers van het rapport")
    gm = inputs.frame(gm_ref) if gm_ref is not None else None
    inputs.check()
    assert gm is not None and gm_ref is not None
    tables: dict[str, pd.DataFrame] = {}
    for name, path, _, _, _ in found:
        inputs.records.append((str(path), "result", None))
        tables[name] = _read_csv(path)
    segments_path = locate("segments.csv")
    segments = _read_csv(segments_path) if segments_path is not None else None

    name_col = gm_ref.options.get("name_column", "gm_naam")
    routes = _layer(locate("impact.gpkg"), "routes", inputs.records)
    strips = _layer(locate("impact.gpkg"), "strips", inputs.records)
    crossings_gdf = _layer(locate("impact.gpkg"), "crossings", inputs.records)
    affected_gdf = _layer(locate("impact.gpkg"), "affected_objects", inputs.records)
    claims = _layer(locate("claims.gpkg"), "claims", inputs.records)
    landing = _layer(locate("landing.gpkg"), "candidates", inputs.records)
    indicative = _is_indicative([routes, claims, landing])
    variants = list(dict.fromkeys(routes["variant"].astype(str))) if routes is not None and "variant" in routes else None
    layers = standard_layers(routes=routes, strips=strips, crossings=crossings_gdf, claims=claims, landing=landing,
                             variants=variants, indicative=indicative)
    used = sorted({ref.catalog_name for ref in cfg.iter_refs() if ref.catalog_name})
    attribution = cfg.catalog.attribution(used or None)
    analysed = _analysed(locate)
    not_analysed = _not_analysed_columns(analysed)

    per_gemeente = tables.get("per_gemeente.csv")
    crossings = tables.get("crossings.csv")
    programme = tables.get("claims_programme.csv")
    names_gm = [str(n) for n in gm[name_col]]
    touched: set[str] = set()
    for frame in (per_gemeente, crossings, programme):
        if frame is not None and "gemeente" in frame.columns:
            touched |= set(frame["gemeente"].dropna().astype(str))
    wanted = municipalities if municipalities is not None else [n for n in sorted(names_gm) if n in touched]
    for name in wanted:
        if name not in names_gm:
            raise WlrGeoInputError(f"geen gemeente met de naam {name!r}", source=str(gm_ref.path),
                                   hint=f"gebruik een van: {', '.join(names_gm)}")
    region = sorted(set(gm.loc[gm["leidse_regio"].astype(bool), name_col].astype(str))) \
        if "leidse_regio" in gm.columns else []
    quiet = [n for n in region if n not in touched]
    affected = _affected_per_gemeente(affected_gdf, gm, name_col)

    result = ReportRun()
    with open_outputs(out, command="wlr-geo report", names=file_names("report"), inputs=inputs.records,
                      config_path=cfg.path, catalog=cfg.catalog, wait_s=wait_s) as w:
        start = len(w.written)
        overview = None
        if layers:
            bounds = pd.concat([g.bounds for g, _ in layers.values()])
            extent = (float(bounds.minx.min()), float(bounds.miny.min()), float(bounds.maxx.max()),
                      float(bounds.maxy.max()))
            overview = overview_figure(layers, title="Overzicht tracévarianten", extent=extent, attribution=attribution,
                                       indicative=indicative, context=gm, name_column=name_col)
        map_files = _map_files(out, root)
        chapters: list[ReportSection] = []
        for name in wanted:
            one = gm[gm[name_col].astype(str) == name]
            png = municipality_figure(one, layers, title=f"Gemeente {name}", attribution=attribution,
                                      indicative=indicative, context=gm, name_column=name_col)
            atomic_write_bytes(w.path(figure_name(name)), png)
            map_name = f"kaart_gemeente_{safe_stem(name)}.html"
            chapters.append(_gemeente_section(
                name, per_gemeente=per_gemeente, segments=segments, crossings=crossings, programme=programme,
                affected=affected, not_analysed=not_analysed, figure=png,
                map_href=map_name if map_name in map_files else None))
        sections = [_summary_section(tables.get("variants.csv"), analysed, sorted(touched - {OUTSIDE}), quiet,
                                     overview, _maps(map_files), claims, tables.get("landing_scores.csv"))]
        sections.extend(chapters)
        if "variants.csv" in tables:
            _, title, caption, text = next(r for r in report_tables() if r[0] == "variants.csv")
            frame, cols = side_by_side(tables["variants.csv"], key="variant", file="variants.csv",
                                       not_analysed=not_analysed)
            sections.append(ReportSection(title, id="varianten", new_page=True, text=text,
                                          blocks=[Table(caption, frame, cols, max_columns=6)]))
        registers = []
        for name, _, title, caption, text in found:
            if name in _IN_CHAPTERS:
                continue
            reg_cols = _REGISTER_COLUMNS.get(name)
            frame = tables[name]
            if name == "landing_scores.csv":
                first = [c for c in ("candidate_id", "rank", "score") if c in frame.columns]
                rest = [c for c in frame.columns if c not in first]
                frame = frame[first + [c for c in rest if not c.endswith("_norm")] + [c for c in rest if c.endswith("_norm")]]
            if name == "landing_sensitivity_oat.csv":
                frame = frame.replace(to_replace=r"^none within \[0, (\d+)×\]$", value=r"geen (tot \1×)", regex=True)
            registers.append(ReportSection(title, id=safe_stem(name.removesuffix(".csv")), text=text,
                                           blocks=[Table(caption, frame, reg_cols, file=name, key_columns=1,
                                                         max_columns=6 if name == "landing_scores.csv" else 8)]))
        if registers:
            sections.append(ReportSection("Registers", id="registers", new_page=True, subsections=registers,
                                          text="De volledige tabellen; dezelfde gegevens staan als CSV en Excel "
                                               "in de uitvoermap."))
        sections.append(_methods_section(analysed, indicative))
        manifest = w.manifest("wlr-geo report", config_path=cfg.path, catalog=cfg.catalog)
        earlier = root / MANIFEST_NAME
        if not isinstance(out, RunOutputs) and earlier.is_file():
            manifest = _with_earlier_inputs(manifest, earlier)
        kwargs: dict[str, Any] = {
            "title": f"Impactanalyse — {cfg.name}", "manifest": manifest, "indicative": indicative,
            "attribution": attribution,
            "subtitle": "Tracévarianten, kruisingen, ruimteclaims en aanlandingsopties, per gemeente",
        }
        page = build_report_html(sections, **kwargs)
        write_report_html(page, w.path("report.html"))
        if pdf:
            # the PDF's links point at the maps in the final output folder
            printed = build_report_html(sections, link_base=root.resolve().as_uri() + "/", **kwargs)
            try:
                with tempfile.TemporaryDirectory(prefix="wlr-report-") as tmp:
                    src = write_report_html(printed, Path(tmp) / "report.html")
                    html_to_pdf(src, w.path("report.pdf"))
            except WlrGeoError as exc:
                w.written.pop()
                result.notes.append(str(exc))
                log.warning("%s", exc)
        result.paths = w.final(start)
    result.manifest = w.last_manifest
    return result
