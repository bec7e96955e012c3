"""The space-claims job: footprints, conflicts and the multi-year programme.

Reads the roles ``claims`` (required), ``municipalities`` (for the programme; the catalogue's
boundaries when absent), ``buildings``, ``constraints`` (array, each with a ``name`` and
``buffer_m`` for line or point layers) and ``cables`` (a KLIC delivery or lines with ``thema``),
and the ``[claims]`` options. Writes ``claims.gpkg`` (layers ``claims``, ``conflicts``,
``raakt``, ``klic_beschermstroken``), ``claims_programme.csv`` and ``claims_programme.xlsx``.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from wlr_geo._errors import Problem
from wlr_geo.analysis.claims.conflicts import claim_conflicts, claims_programme
from wlr_geo.analysis.claims.footprints import claim_footprints, klic_protection_strips
from wlr_geo.config import Inputs, LayerRef, ProjectConfig, load_config
from wlr_geo.io.tables import write_csv, write_xlsx
from wlr_geo.outputs import file_names
from wlr_geo.workflows._gpkg import write_gpkg
from wlr_geo.workflows._output import RunOutputs, open_outputs
from wlr_geo.workflows._tables import registry_sheets

__all__ = ["ClaimsRun", "prepare", "read_constraints", "run"]

log = logging.getLogger("wlr_geo")

ANY_GEOMETRY = ["point", "line", "polygon"]


@dataclass
class ClaimsRun:
    """What :func:`run` did."""

    footprints: gpd.GeoDataFrame
    conflicts: gpd.GeoDataFrame
    programme: pd.DataFrame
    constraints: dict[str, gpd.GeoDataFrame]
    notes: list[str] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    manifest: dict[str, Any] | None = None

    @property
    def is_conflict(self) -> np.ndarray:
        return np.asarray(self.conflicts["is_conflict"].to_numpy(dtype=bool))


def _vector(inputs: Inputs, ref: LayerRef) -> gpd.GeoDataFrame | None:
    return inputs.frame(ref, geometry_types=ANY_GEOMETRY) if ref.format in ("vector", "parquet") else inputs.frame(ref)


def _buffered(inputs: Inputs, ref: LayerRef, gdf: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    """Polygons as they are; lines/points buffered by the layer's ``buffer_m`` option."""
    if gdf is None:
        return None
    types = shapely.get_type_id(np.asarray(gdf.geometry.values))
    if np.isin(types, (3, 6)).all():
        return gdf
    buffer_m = ref.options.get("buffer_m")
    if buffer_m is None:
        inputs.problems.append(Problem(
            f"{ref.where} ({ref.display_name}) bevat lijnen of punten, die geen oppervlak beslaan",
            source=str(ref.path), layer=ref.layer,
            hint=f"voeg buffer_m = <halve breedte in meters> toe aan {ref.where}",
        ))
        return None
    out = gdf.copy()
    geoms = np.asarray(out.geometry.values)
    poly = np.isin(types, (3, 6))
    geoms[~poly] = shapely.buffer(geoms[~poly], float(buffer_m))
    return out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=out.crs))


def read_constraints(cfg: ProjectConfig, inputs: Inputs | None = None, *,
                     klic_protection_m: dict[str, float] | None = None) -> dict[str, gpd.GeoDataFrame]:
    """All constraint layers of a config as polygons, by name.

    ``buildings`` becomes ``gebouwen``; each ``constraints`` layer is named by its ``name`` (or
    its layer/file name); ``cables`` become KLIC protection strips (``klic_beschermstroken``).
    """
    own = inputs is None
    inputs = inputs or Inputs(cfg)
    out: dict[str, gpd.GeoDataFrame] = {}
    if cfg.has("buildings"):
        ref = cfg.layer("buildings")
        if (g := _buffered(inputs, ref, _vector(inputs, ref))) is not None:
            out["gebouwen"] = g
    for ref in cfg.layers_of("constraints"):
        name = ref.display_name
        if name in out:
            inputs.note(f"twee beperkingslagen heten {name!r}",
                        hint="geef elke [[layers.constraints]] een eigen name")
            continue
        if (g := _buffered(inputs, ref, _vector(inputs, ref))) is not None:
            out[name] = g
    widths = klic_protection_m if klic_protection_m is not None else dict(cfg.options.claims.klic_protection_m)
    frames = []
    for ref in cfg.layers_of("cables"):
        lines = inputs.lines_of(ref, geometry_types=ANY_GEOMETRY)
        if lines is not None:
            frames.append(inputs.guard(ref, functools.partial(klic_protection_strips, lines, widths_m=widths)))
    frames = [f for f in frames if f is not None and len(f)]
    if frames:
        out["klic_beschermstroken"] = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)
    if own:
        inputs.check()
    return out


@dataclass
class ClaimsInputs:
    """What the claims job reads."""

    claims: gpd.GeoDataFrame
    constraints: dict[str, gpd.GeoDataFrame]
    municipalities: gpd.GeoDataFrame
    notes: list[str]


def prepare(cfg: ProjectConfig, inputs: Inputs | None = None) -> ClaimsInputs:
    """Read what the claims job needs (every problem reported together)."""
    inputs = inputs or Inputs(cfg)
    notes: list[str] = []
    ref = inputs.require("claims", "de ruimteclaimanalyse")
    claims = _vector(inputs, ref) if ref is not None else None
    constraints = read_constraints(cfg, inputs)
    municipalities = None
    if cfg.has("municipalities"):
        municipalities = inputs.role("municipalities")
    elif "municipalities" in cfg.catalog:
        entry = cfg.catalog["municipalities"]
        municipalities = inputs.frame(LayerRef(role="municipalities", path=entry.path, layer=entry.layer,
                                               format=entry.format or "vector", catalog_name=entry.name))
        notes.append("geen [layers.municipalities]: de gemeentegrenzen uit de catalogus worden gebruikt")
    else:
        inputs.note("het programma heeft gemeenten nodig", hint="voeg [layers.municipalities] toe")
    inputs.check()
    assert claims is not None and municipalities is not None
    return ClaimsInputs(claims, constraints, municipalities, notes)


def _touching_markers(conf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Touching pairs as points (where they touch) with the length of the shared boundary."""
    geoms = np.asarray(conf.geometry.values)
    out = conf.drop(columns=conf.geometry.name).copy()
    out["contact_length_m"] = shapely.length(geoms)
    return gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(shapely.point_on_surface(geoms), index=conf.index, crs=conf.crs))


def _programme_sheets(prog: pd.DataFrame) -> dict[str, pd.DataFrame]:
    total = prog[prog["facility_type"] == "totaal"]
    sheets = {"programma": prog}
    if len(total):
        sheets["m2_per_gemeente_per_jaar"] = total.pivot_table(
            index="gemeente", columns="year", values="claimed_area_m2", aggfunc="sum", fill_value=0.0).reset_index()
        sheets["conflicten_per_jaar"] = total.pivot_table(
            index="gemeente", columns="year", values="n_conflicts", aggfunc="sum", fill_value=0).reset_index()
    return sheets


def write(result: ClaimsRun, out: RunOutputs, *, inputs: Sequence[tuple[str, str | None, str | None]] | None = None
          ) -> list[Path]:
    """Write the claims outputs (names from :mod:`wlr_geo.outputs`); ``inputs`` are those the
    result came from (provenance inside ``claims.gpkg``; default: every input of the run)."""
    start = len(out.written)
    is_conf = result.is_conflict
    layers = {
        "claims": result.footprints,
        "conflicts": result.conflicts.loc[is_conf].reset_index(drop=True),
        "raakt": _touching_markers(result.conflicts.loc[~is_conf].reset_index(drop=True)),
    }
    if "klic_beschermstroken" in result.constraints:
        layers["klic_beschermstroken"] = result.constraints["klic_beschermstroken"]
    write_gpkg(out, "claims.gpkg", layers, command="wlr-geo claims", inputs=inputs)
    write_csv(result.programme, out.path("claims_programme.csv"), notes=out.notes)
    write_xlsx(registry_sheets("claims_programme.xlsx", _programme_sheets(result.programme)),
               out.path("claims_programme.xlsx"), notes=out.notes)
    return out.final(start)


def run(config: str | os.PathLike[str] | ProjectConfig, out: str | os.PathLike[str] | RunOutputs | None = None, *,
        wait_s: float = 0.0) -> ClaimsRun:
    """``wlr-geo claims CONFIG -o DIR``: footprints, conflicts and the programme per year."""
    cfg = load_config(config)
    settings = cfg.options.claims
    inputs = Inputs(cfg)
    data = prepare(cfg, inputs)
    footprints = claim_footprints(data.claims, settings.templates)
    conflicts = claim_conflicts(footprints, constraints=data.constraints, tolerance_m2=settings.tolerance_m2)
    programme = claims_programme(footprints, conflicts, municipalities=data.municipalities,
                                 name_column=settings.municipality_name_column)
    result = ClaimsRun(footprints, conflicts, programme, data.constraints, data.notes)
    if out is None:
        return result
    with open_outputs(out, command="wlr-geo claims", names=file_names("claims"), inputs=inputs.records,
                      config_path=cfg.path, catalog=cfg.catalog, wait_s=wait_s) as w:
        result.paths = write(result, w, inputs=inputs.records)
    result.manifest = w.last_manifest
    return result
