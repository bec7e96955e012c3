"""``wlr-geo landing CONFIG -o DIR``: transparent multi-criteria ranking of landing sites.

Reads the layer roles ``landing_candidates`` (required; ``id_column`` names the id, default
``candidate_id``), ``route_end`` (a point layer; a ``rol`` column selects ``"eind"``) or
``route``, and, when present, ``wijken`` + ``municipalities``, ``claims``, ``constraints``,
``buildings``, ``cables``, ``substations`` and ``crossings`` (array with ``name``), plus the
``[landing]`` section (:class:`wlr_geo.analysis.landing.criteria.LandingSettings`). Writes, each atomically:
``landing_scores.csv``/``.xlsx``, ``landing_sensitivity.csv`` (Monte-Carlo per candidate),
``landing_sensitivity_oat.csv`` (one-at-a-time flips per criterion), ``landing.json`` and
``landing.gpkg`` (candidates with scores, the route end).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import click
import geopandas as gpd
import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from wlr_geo._atomic import atomic_write_text
from wlr_geo._errors import ConfigError
from wlr_geo.config import ProjectConfig

__all__ = ["landing_command"]

#: Which layer role each default criterion needs (a default criterion is dropped without it).
_NEEDS = {
    "demand_connection_m": "wijken",
    "distance_homes_m": "buildings",
    "distance_substation_m": "substations",
    "crossings_n": "crossings",
}


def _route_end(cfg: ProjectConfig, reverse: bool) -> Any:
    from wlr_geo.cli.claims import _read_vector

    if cfg.has("route_end"):
        pts = _read_vector(cfg.layer("route_end"))
        if "rol" in pts.columns and len(pts) > 1:
            pts = pts[pts["rol"].astype(str) == "eind"]
        if len(pts) != 1:
            raise ConfigError(
                f"[layers.route_end] must hold one point (or one with rol = 'eind'), it holds {len(pts)}",
                source=str(cfg.path), hint="point the role at a layer with the landing end only",
            )
        return pts
    if cfg.has("route"):
        return _read_vector(cfg.layer("route"))
    raise ConfigError("the landing ranking needs the route end", source=str(cfg.path),
                      hint="add [layers.route] (its last vertex is used) or [layers.route_end] (a point)")


def _json_default(value: object) -> object:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if math.isnan(float(value)) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return str(value)


@click.command("landing")
@click.argument("config", type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_dir", type=click.Path(path_type=Path), required=True, help="Output folder.")
def landing_command(config: Path, out_dir: Path) -> None:
    """Rank the landing candidates of a project CONFIG and test how robust the ranking is.

    Writes landing_scores.csv/.xlsx, landing_sensitivity(_oat).csv, landing.json and landing.gpkg.
    """
    from wlr_geo.analysis.claims.footprints import ClaimsSettings, claim_footprints
    from wlr_geo.analysis.landing.criteria import (
        DEFAULT_CRITERIA,
        LandingSettings,
        candidates_frame,
        estimate_wijk_inhabitants,
        landing_criteria,
        route_end_point,
        score_candidates,
    )
    from wlr_geo.analysis.landing.sensitivity import sensitivity
    from wlr_geo.cli.claims import _read_vector, read_constraints, write_table
    from wlr_geo.config import load_config
    from wlr_geo.io.vector import write_layers

    console = Console(stderr=True)
    cfg = load_config(config)
    settings = LandingSettings.from_config(cfg.section("landing"))
    claims_settings = ClaimsSettings.from_config(cfg.section("claims"))
    notes: list[str] = []
    cref = cfg.layer("landing_candidates")
    id_column = cref.id_column or "candidate_id"
    with console.status("lagen lezen"):
        candidates = _read_vector(cref)
        end = route_end_point(_route_end(cfg, settings.reverse_route), reverse=settings.reverse_route)
        wijken = None
        weight_column = settings.weight_column
        if cfg.has("wijken"):
            wijken = _read_vector(cfg.layer("wijken"))
            if weight_column is None:
                if not cfg.has("municipalities"):
                    raise ConfigError("wijken need a weight: set [landing] weight_column or add [layers.municipalities]",
                                      source=str(config))
                est = estimate_wijk_inhabitants(wijken, cfg.layer("municipalities").read())
                wijken = wijken.assign(**{str(est.name): est})
                weight_column = str(est.name)
                notes.append("Vraaggewicht per wijk is een SCHATTING: inwoners 2021 van de gemeente verdeeld "
                             "naar oppervlakteaandeel van de wijk (inwoners_schatting_oppervlakteaandeel).")
        claims = None
        if cfg.has("claims"):
            claims = claim_footprints(_read_vector(cfg.layer("claims")), claims_settings.templates)
            notes.append("Claims zonder getekende vorm hebben een footprint uit sjablonen (aannames).")
        constraints = read_constraints(cfg, klic_protection_m=dict(claims_settings.klic_protection_m))
        buildings = constraints.pop("gebouwen", None)
        substations = _read_vector(cfg.layer("substations")) if cfg.has("substations") else None
        crossings = {ref.name or ref.layer or ref.path.stem: _read_vector(ref) for ref in cfg.layers_of("crossings")}
    criteria = list(settings.criteria)
    if "criteria" not in cfg.section("landing"):
        dropped = [c.name for c in criteria if c.name in _NEEDS and not cfg.has(_NEEDS[c.name])]
        criteria = [c for c in criteria if c.name not in dropped]
        if dropped:
            notes.append(f"Standaardcriteria zonder invoerlaag weggelaten: {', '.join(dropped)}.")
    with console.status("criteria berekenen"):
        raw = landing_criteria(
            candidates, route_end=end, wijken=wijken, weight_column=weight_column, claims=claims,
            constraints=constraints, buildings=buildings, substations=substations,
            crossing_layers=crossings or None, footprint_m2=settings.footprint_m2, id_column=id_column,
            tolerance_m2=settings.tolerance_m2,
        )
        scores = score_candidates(raw, criteria)
    with console.status(f"gevoeligheidsanalyse ({settings.n_samples} trekkingen)"):
        sens = sensitivity(raw, criteria, perturbation=settings.perturbation, n_samples=settings.n_samples,
                           seed=settings.seed, max_factor=settings.max_factor)
    sens.notes.extend(notes)

    out_dir.mkdir(parents=True, exist_ok=True)
    extra = raw[[c for c in raw.columns if c not in scores.columns]]
    table_out = scores.join(extra).reset_index()
    labels = {c.name: c.label for c in criteria} | {c.name: c.label for c in DEFAULT_CRITERIA if c.name not in {k.name for k in criteria}}
    legend = [{"criterium": c.name, "label": c.label, "richting": c.direction, "normalisatie": c.normalisation,
               "gewicht": c.weight} for c in criteria]
    write_table(table_out, out_dir / "landing_scores.csv")
    write_table(table_out, out_dir / "landing_scores.xlsx", sheets={
        "scores": table_out, "criteria": pd.DataFrame(legend),
        "monte_carlo": sens.monte_carlo.reset_index(), "een_voor_een": sens.one_at_a_time.reset_index(),
    })
    write_table(sens.monte_carlo.reset_index(), out_dir / "landing_sensitivity.csv")
    write_table(sens.one_at_a_time.reset_index(), out_dir / "landing_sensitivity_oat.csv")
    summary = {
        "project": cfg.name,
        "criteria": legend,
        "ranking": [{"candidate_id": str(i), "rank": int(r), "score": float(s)}
                    for i, r, s in zip(scores.index, scores["rank"], scores["score"], strict=True)],
        "route_end_rd": [end.x, end.y],
        "footprint_m2": settings.footprint_m2,
        "sensitivity": sens.summary(),
        "labels": labels,
    }
    atomic_write_text(out_dir / "landing.json", json.dumps(summary, indent=2, ensure_ascii=False, default=_json_default))
    end_gdf = gpd.GeoDataFrame({"naam": ["eindpunt tracé"]}, geometry=[end], crs="EPSG:28992")
    write_layers({"candidates": candidates_frame(candidates, scores, id_column=id_column), "route_end": end_gdf},
                 out_dir / "landing.gpkg")
    from wlr_geo.provenance import config_inputs, record_run

    record_run("wlr-geo landing", out_dir, config_path=config, inputs=config_inputs(cfg),
               outputs=[out_dir / n for n in ("landing_scores.csv", "landing_scores.xlsx", "landing_sensitivity.csv",
                                              "landing_sensitivity_oat.csv", "landing.json", "landing.gpkg")])

    table = Table(title=f"Aanlandlocaties — {cfg.name}")
    table.add_column("rang", justify="right")
    table.add_column("locatie")
    table.add_column("score", justify="right")
    table.add_column("P(eerste)", justify="right")
    for cid, rank, score in zip(scores.index, scores["rank"], scores["score"], strict=True):
        p1 = float(sens.monte_carlo["p_rank1"].get(str(cid), 0.0))
        table.add_row(str(int(rank)), str(cid), f"{score:.3f}", f"{p1:.0%}")
    out = Console()
    out.print(table)
    flips = sens.one_at_a_time
    for name, row in flips.iterrows():
        parts = []
        if not math.isnan(row["flip_factor_down"]):
            parts.append(f"×{row['flip_factor_down']:.2f} → {row['flip_to_down']}")
        if not math.isnan(row["flip_factor_up"]):
            parts.append(f"×{row['flip_factor_up']:.2f} → {row['flip_to_up']}")
        out.print(f"  gewicht {name}: " + ("; ".join(parts) if parts else f"geen wissel binnen [0, {settings.max_factor:g}×]"))
    for note in notes:
        out.print(f"[yellow]{note}[/yellow]")
    out.print(f"Nr. 1: {sens.baseline_top}; kans dat de nr. 1 wisselt bij ±{settings.perturbation:.0%} op de "
              f"gewichten: {sens.p_top_changes:.1%}. Uitvoer: {out_dir.resolve()}")
