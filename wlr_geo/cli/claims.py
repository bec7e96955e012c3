"""``wlr-geo claims CONFIG -o DIR``: space claims, their conflicts and the multi-year programme.

Reads the layer roles ``claims`` (required), ``municipalities`` (for the programme),
``buildings``, ``constraints`` (array, each with a ``name`` and optional ``buffer_m`` for line or
point layers) and ``cables`` (``format = "klic"`` or a vector layer with ``thema``), and the
``[claims]`` section (:class:`wlr_geo.analysis.claims.footprints.ClaimsSettings`). Writes, each file atomically:
``claims.gpkg`` (layers ``claims``, ``conflicts``, ``raakt``, ``klic_beschermstroken``),
``claims_programme.csv`` and ``claims_programme.xlsx``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import click
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from rich.console import Console
from rich.table import Table

from wlr_geo._atomic import atomic_write_text
from wlr_geo._errors import ConfigError
from wlr_geo.config import LayerRef, ProjectConfig

__all__ = ["claims_command", "read_constraints", "write_table"]

log = logging.getLogger("wlr_geo")


def _read_vector(ref: LayerRef) -> gpd.GeoDataFrame:
    return ref.read(geometry_types=["point", "line", "polygon"]) if ref.format in ("vector", "parquet") else ref.read()


def _buffered(ref: LayerRef, gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Polygons as they are; lines/points buffered by the layer's ``buffer_m`` option."""
    types = shapely.get_type_id(np.asarray(gdf.geometry.values))
    if np.isin(types, (3, 6)).all():
        return gdf
    buffer_m = ref.options.get("buffer_m")
    if buffer_m is None:
        raise ConfigError(
            f"layer role {ref.role!r} ({ref.name or ref.label}) holds lines or points, which cover no area",
            source=str(ref.path), layer=ref.layer,
            hint="add buffer_m = <half width in metres> to that [[layers.constraints]] table",
        )
    if isinstance(buffer_m, bool) or not isinstance(buffer_m, int | float) or buffer_m <= 0:
        raise ConfigError(f"buffer_m = {buffer_m!r} must be a number > 0", source=str(ref.path), layer=ref.layer)
    out = gdf.copy()
    geoms = np.asarray(out.geometry.values)
    poly = np.isin(types, (3, 6))
    geoms[~poly] = shapely.buffer(geoms[~poly], float(buffer_m))
    return out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=out.crs))


def _read_cables(ref: LayerRef) -> gpd.GeoDataFrame:
    if ref.format == "klic":
        try:
            from wlr_geo.io.klic import read_klic
        except ImportError as exc:
            raise ConfigError(
                "format = \"klic\" needs the wlr_geo.io.klic reader, which is not available",
                source=str(ref.path), hint="export the cables to a GeoPackage with a thema column",
            ) from exc
        data: Any = read_klic(ref.path)
        lines = getattr(data, "lines", data)
        if not isinstance(lines, gpd.GeoDataFrame):
            raise ConfigError("the KLIC reader returned no line layer", source=str(ref.path))
        return lines
    return _read_vector(ref)


def read_constraints(cfg: ProjectConfig, *, klic_protection_m: dict[str, float] | None = None) -> dict[str, gpd.GeoDataFrame]:
    """All constraint layers of a config as polygons, by name.

    ``buildings`` becomes ``gebouwen``; each ``constraints`` layer is named by its ``name`` (or
    its layer/file name); ``cables`` become KLIC protection strips (``klic_beschermstroken``).
    """
    from wlr_geo.analysis.claims.footprints import (
        klic_protection_strips,
        load_klic_protection_widths,
    )

    out: dict[str, gpd.GeoDataFrame] = {}
    if cfg.has("buildings"):
        ref = cfg.layer("buildings")
        out["gebouwen"] = _buffered(ref, _read_vector(ref))
    for ref in cfg.layers_of("constraints"):
        name = ref.name or ref.layer or ref.path.stem
        if name in out:
            raise ConfigError(f"two constraint layers are named {name!r}", source=str(cfg.path),
                              hint="give each [[layers.constraints]] a distinct name")
        out[name] = _buffered(ref, _read_vector(ref))
    widths = klic_protection_m if klic_protection_m is not None else load_klic_protection_widths()
    frames = [klic_protection_strips(_read_cables(ref), widths_m=widths) for ref in cfg.layers_of("cables")]
    frames = [f for f in frames if len(f)]
    if frames:
        out["klic_beschermstroken"] = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)
    return out


def write_table(df: pd.DataFrame, path: Path, *, sheets: dict[str, pd.DataFrame] | None = None, index: bool = False) -> None:
    """Write ``df`` atomically as CSV (``.csv``) or as an Excel workbook (``.xlsx``, extra sheets)."""
    if path.suffix == ".csv":
        atomic_write_text(path, df.to_csv(index=index, lineterminator="\n"))
        return
    from wlr_geo.io.tables import write_xlsx

    write_xlsx(sheets or {"data": df}, path, index=index)


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


@click.command("claims")
@click.argument("config", type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_dir", type=click.Path(path_type=Path), required=True, help="Output folder.")
def claims_command(config: Path, out_dir: Path) -> None:
    """Space claims of a project CONFIG: footprints, conflicts and the programme per year.

    Writes claims.gpkg (claims, conflicts, raakt), claims_programme.csv and .xlsx to --out.
    """
    from wlr_geo.analysis.claims.conflicts import claim_conflicts, claims_programme
    from wlr_geo.analysis.claims.footprints import ClaimsSettings, claim_footprints
    from wlr_geo.config import load_config

    console = Console(stderr=True)
    cfg = load_config(config)
    settings = ClaimsSettings.from_config(cfg.section("claims"))
    ref = cfg.layer("claims")
    with console.status("ruimteclaims lezen en footprints tekenen"):
        claims = _read_vector(ref)
        footprints = claim_footprints(claims, settings.templates)
    with console.status("beperkingen lezen"):
        constraints = read_constraints(cfg, klic_protection_m=dict(settings.klic_protection_m))
    with console.status("conflicten zoeken"):
        conflicts = claim_conflicts(footprints, constraints=constraints, tolerance_m2=settings.tolerance_m2)
    if cfg.has("municipalities"):
        municipalities = cfg.layer("municipalities").read()
    elif "municipalities" in cfg.catalog:
        from wlr_geo.io.vector import read_layer

        console.print("[yellow]geen [layers.municipalities]: de gemeentegrenzen uit de catalogus worden gebruikt[/yellow]")
        entry = cfg.catalog["municipalities"]
        municipalities = read_layer(entry.path, entry.layer)
    else:
        raise ConfigError("the programme needs municipalities", source=str(config), hint="add [layers.municipalities]")
    programme = claims_programme(footprints, conflicts, municipalities=municipalities,
                                 name_column=settings.municipality_name_column)

    from wlr_geo.io.vector import write_layers

    out_dir.mkdir(parents=True, exist_ok=True)
    is_conf = conflicts["is_conflict"].to_numpy(dtype=bool)
    layers = {
        "claims": footprints,
        "conflicts": conflicts.loc[is_conf].reset_index(drop=True),
        "raakt": _touching_markers(conflicts.loc[~is_conf].reset_index(drop=True)),
    }
    if "klic_beschermstroken" in constraints:
        layers["klic_beschermstroken"] = constraints["klic_beschermstroken"]
    write_layers(layers, out_dir / "claims.gpkg")
    write_table(programme, out_dir / "claims_programme.csv")
    write_table(programme, out_dir / "claims_programme.xlsx", sheets=_programme_sheets(programme))
    from wlr_geo.provenance import config_inputs, record_run

    record_run("wlr-geo claims", out_dir, config_path=config, inputs=config_inputs(cfg),
               outputs=[out_dir / n for n in ("claims.gpkg", "claims_programme.csv", "claims_programme.xlsx")])

    table = Table(title=f"Ruimteclaims — {cfg.name}")
    for col in ("claim", "type", "jaren", "status", "m²", "conflicten", "raakt"):
        table.add_column(col, justify="right" if col in ("m²", "conflicten", "raakt") else "left")
    confl = conflicts.loc[is_conf]
    touch = conflicts.loc[~is_conf]
    shown = 40
    for row in footprints.head(shown).itertuples():
        cid = row.claim_id
        n_c = int(((confl["claim_id"] == cid) | ((confl["other_layer"] == "claims") & (confl["other_id"] == cid))).sum())
        n_t = int(((touch["claim_id"] == cid) | ((touch["other_layer"] == "claims") & (touch["other_id"] == cid))).sum())
        years = str(row.year_from) if row.year_from == row.year_to else f"{row.year_from}–{row.year_to}"
        table.add_row(str(cid), str(row.facility_type), years, str(row.status), f"{row.area_m2:,.0f}", str(n_c), str(n_t))
    if len(footprints) > shown:
        table.add_row("…", f"nog {len(footprints) - shown} claims", "", "", "", "", "")
    out = Console()
    out.print(table)
    if bool(footprints["indicatief"].any()):
        out.print("[yellow]Let op: (een deel van) de claims is INDICATIEF; footprints uit sjablonen zijn aannames.[/yellow]")
    out.print(
        f"{len(footprints)} claims, {int(is_conf.sum())} conflicten "
        f"({int((confl['conflict_type'] == 'claim-claim').sum())} claim–claim), {len(touch)} keer 'raakt'. "
        f"Uitvoer: {out_dir.resolve()}"
    )

