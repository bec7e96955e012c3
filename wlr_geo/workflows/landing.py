"""The landing job: a transparent multi-criteria ranking of landing sites, and its sensitivity.

Reads the roles ``landing_candidates`` (required; ``id_column`` names the id, default
``candidate_id``), ``route_end`` (a point layer; a ``rol`` column selects ``"eind"``) or
``route``, and, when present, ``wijken`` + ``municipalities``, ``claims``, ``constraints``,
``buildings``, ``cables``, ``substations`` and ``crossings`` (array with ``name``), plus the
``[landing]`` and ``[claims]`` options. Writes ``landing_scores.csv``/``.xlsx``,
``landing_sensitivity.csv``, ``landing_sensitivity_oat.csv``, ``landing.json`` and
``landing.gpkg``.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from wlr_geo._atomic import atomic_write_text
from wlr_geo._nl import nl
from wlr_geo.analysis.claims.footprints import claim_footprints
from wlr_geo.analysis.landing.criteria import (
    DEFAULT_CRITERIA,
    Criterion,
    candidates_frame,
    estimate_wijk_inhabitants,
    landing_criteria,
    route_end_point,
    score_candidates,
)
from wlr_geo.analysis.landing.sensitivity import SensitivityResult, sensitivity
from wlr_geo.config import Inputs, ProjectConfig, load_config
from wlr_geo.io.tables import write_csv, write_xlsx
from wlr_geo.outputs import file_names
from wlr_geo.workflows._gpkg import write_gpkg
from wlr_geo.workflows._output import RunOutputs, open_outputs
from wlr_geo.workflows._tables import registry_sheets
from wlr_geo.workflows.claims import ANY_GEOMETRY, read_constraints

__all__ = ["LandingRun", "prepare", "run"]

#: Which layer role each default criterion needs (a default criterion is dropped without it).
NEEDS = {
    "demand_connection_m": "wijken",
    "distance_homes_m": "buildings",
    "distance_substation_m": "substations",
    "crossings_n": "crossings",
}


@dataclass
class LandingRun:
    """What :func:`run` did."""

    scores: pd.DataFrame
    raw: pd.DataFrame
    sensitivity: SensitivityResult
    criteria: list[Criterion]
    end: shapely.Point
    candidates: gpd.GeoDataFrame
    id_column: str
    notes: list[str] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    manifest: dict[str, Any] | None = None


@dataclass
class LandingInputs:
    """What the landing job reads."""

    candidates: gpd.GeoDataFrame
    id_column: str
    end: shapely.Point
    wijken: gpd.GeoDataFrame | None
    weight_column: str | None
    claims: gpd.GeoDataFrame | None
    constraints: dict[str, gpd.GeoDataFrame]
    buildings: gpd.GeoDataFrame | None
    substations: gpd.GeoDataFrame | None
    crossings: dict[str, gpd.GeoDataFrame]
    criteria: list[Criterion]
    notes: list[str]


def prepare(cfg: ProjectConfig, inputs: Inputs | None = None) -> LandingInputs:
    """Read what the landing job needs (every problem reported together)."""
    inputs = inputs or Inputs(cfg)
    settings = cfg.options.landing
    notes: list[str] = []
    cref = inputs.require("landing_candidates", "de rangschikking van landingslocaties")
    candidates = inputs.frame(cref, geometry_types=ANY_GEOMETRY) if cref else None
    end = None
    if cfg.has("route_end"):
        pts = inputs.role("route_end", geometry_types=ANY_GEOMETRY)
        if pts is not None:
            if "rol" in pts.columns and len(pts) > 1:
                pts = pts[pts["rol"].astype(str) == "eind"]
            if len(pts) != 1:
                inputs.note(f"[layers.route_end] moet één punt bevatten (of één met rol = 'eind'), maar bevat er "
                            f"{nl(len(pts))}", hint="verwijs de rol naar een laag met alleen het landingseinde")
            else:
                end = inputs.guard(cfg.layer("route_end"),
                                   lambda: route_end_point(pts, reverse=settings.reverse_route))
    elif cfg.has("route"):
        route = inputs.role("route", geometry_types=ANY_GEOMETRY)
        if route is not None:
            end = inputs.guard(cfg.layer("route"), lambda: route_end_point(route, reverse=settings.reverse_route))
    else:
        inputs.note("de rangschikking van landingslocaties heeft het einde van het tracé nodig",
                    hint="voeg [layers.route] toe (het laatste punt wordt gebruikt) of [layers.route_end] (een punt)")
    wijken = None
    weight_column = settings.weight_column
    if cfg.has("wijken"):
        wijken = inputs.role("wijken", geometry_types=ANY_GEOMETRY)
        if weight_column is None:
            if not cfg.has("municipalities"):
                inputs.note("wijken hebben een gewicht nodig: zet [landing] weight_column of voeg "
                            "[layers.municipalities] toe")
            else:
                gm = inputs.role("municipalities")
                if wijken is not None and gm is not None:
                    est = estimate_wijk_inhabitants(wijken, gm)
                    wijken = wijken.assign(**{str(est.name): est})
                    weight_column = str(est.name)
                    notes.append("Vraaggewicht per wijk is een SCHATTING: inwoners 2021 van de gemeente verdeeld "
                                 "naar oppervlakteaandeel van de wijk (inwoners_schatting_oppervlakteaandeel).")
    claims = None
    if cfg.has("claims"):
        raw_claims = inputs.role("claims", geometry_types=ANY_GEOMETRY)
        if raw_claims is not None:
            claims = inputs.guard(cfg.layer("claims"),
                                  lambda: claim_footprints(raw_claims, cfg.options.claims.templates))
            notes.append("Claims zonder getekende vorm hebben een footprint uit sjablonen (aannames).")
    constraints = read_constraints(cfg, inputs)
    buildings = constraints.pop("gebouwen", None)
    substations = inputs.role("substations", geometry_types=ANY_GEOMETRY) if cfg.has("substations") else None
    crossings = {}
    for ref in cfg.layers_of("crossings"):
        frame = inputs.frame(ref, geometry_types=ANY_GEOMETRY)
        if frame is not None:
            crossings[ref.display_name] = frame
    criteria = list(settings.criteria)
    if "criteria" not in cfg.section("landing"):
        dropped = [c.name for c in criteria if c.name in NEEDS and not cfg.has(NEEDS[c.name])]
        criteria = [c for c in criteria if c.name not in dropped]
        if dropped:
            notes.append(f"Standaardcriteria zonder invoerlaag weggelaten: {', '.join(dropped)}.")
    inputs.check()
    assert candidates is not None and end is not None and cref is not None
    return LandingInputs(candidates, cref.id_column or "candidate_id", end, wijken, weight_column, claims,
                         constraints, buildings, substations, crossings, criteria, notes)


def _json_default(value: object) -> object:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if math.isnan(float(value)) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return str(value)


def write(result: LandingRun, out: RunOutputs, cfg: ProjectConfig, *,
          inputs: Sequence[tuple[str, str | None, str | None]] | None = None) -> list[Path]:
    """Write the landing outputs (names from :mod:`wlr_geo.outputs`); ``inputs`` are those the
    result came from (provenance inside ``landing.gpkg``; default: every input of the run)."""
    start = len(out.written)
    settings = cfg.options.landing
    scores, raw, sens, criteria = result.scores, result.raw, result.sensitivity, result.criteria
    extra = raw[[c for c in raw.columns if c not in scores.columns]]
    table_out = scores.join(extra).reset_index()
    labels = {c.name: c.label for c in criteria} | {c.name: c.label for c in DEFAULT_CRITERIA
                                                    if c.name not in {k.name for k in criteria}}
    legend = [{"criterium": c.name, "label": c.label, "richting": c.direction, "normalisatie": c.normalisation,
               "gewicht": c.weight} for c in criteria]
    write_csv(table_out, out.path("landing_scores.csv"), notes=out.notes)
    write_xlsx(registry_sheets("landing_scores.xlsx", {
        "scores": table_out, "criteria": pd.DataFrame(legend),
        "monte_carlo": sens.monte_carlo.reset_index(), "een_voor_een": sens.one_at_a_time.reset_index(),
    }), out.path("landing_scores.xlsx"), notes=out.notes)
    write_csv(sens.monte_carlo.reset_index(), out.path("landing_sensitivity.csv"), notes=out.notes)
    write_csv(sens.one_at_a_time.reset_index(), out.path("landing_sensitivity_oat.csv"), notes=out.notes)
    summary = {
        "project": cfg.name,
        "criteria": legend,
        "ranking": [{"candidate_id": str(i), "rank": int(r), "score": float(s)}
                    for i, r, s in zip(scores.index, scores["rank"], scores["score"], strict=True)],
        "route_end_rd": [result.end.x, result.end.y],
        "footprint_m2": settings.footprint_m2,
        "sensitivity": sens.summary(),
        "labels": labels,
    }
    atomic_write_text(out.path("landing.json"),
                      json.dumps(summary, indent=2, ensure_ascii=False, default=_json_default))
    end_gdf = gpd.GeoDataFrame({"naam": ["eindpunt tracé"]}, geometry=[result.end], crs="EPSG:28992")
    write_gpkg(out, "landing.gpkg", {"candidates": candidates_frame(result.candidates, scores, id_column=result.id_column),
                                     "route_end": end_gdf}, command="wlr-geo landing", inputs=inputs)
    return out.final(start)


def run(config: str | os.PathLike[str] | ProjectConfig, out: str | os.PathLike[str] | RunOutputs | None = None, *,
        wait_s: float = 0.0) -> LandingRun:
    """``wlr-geo landing CONFIG -o DIR``: rank the landing candidates and test the ranking's robustness."""
    cfg = load_config(config)
    settings = cfg.options.landing
    inputs = Inputs(cfg)
    data = prepare(cfg, inputs)
    raw = landing_criteria(
        data.candidates, route_end=data.end, wijken=data.wijken, weight_column=data.weight_column,
        claims=data.claims, constraints=data.constraints, buildings=data.buildings, substations=data.substations,
        crossing_layers=data.crossings or None, footprint_m2=settings.footprint_m2, id_column=data.id_column,
        tolerance_m2=settings.tolerance_m2,
    )
    scores = score_candidates(raw, data.criteria)
    sens = sensitivity(raw, data.criteria, perturbation=settings.perturbation, n_samples=settings.n_samples,
                       seed=settings.seed, max_factor=settings.max_factor)
    sens.notes.extend(data.notes)
    result = LandingRun(scores, raw, sens, data.criteria, data.end, data.candidates, data.id_column, data.notes)
    if out is None:
        return result
    with open_outputs(out, command="wlr-geo landing", names=file_names("landing"), inputs=inputs.records,
                      config_path=cfg.path, catalog=cfg.catalog, wait_s=wait_s) as w:
        result.paths = write(result, w, cfg, inputs=inputs.records)
    result.manifest = w.last_manifest
    return result
