"""Files in and out of the impact run: layers from a project config or the command line, and
the outputs (``impact.gpkg``, CSV and XLSX tables, ``summary.json``).

The analysis itself (:func:`wlr_geo.analysis.impact.run.run_impact`) never touches files; this module does
the reading before and the writing after.

Config sections (TOML)::

    [layers.route]                 # role route: lines; optional keys reverse, variant_column
    file = "route.gpkg"

    [layers.municipalities]        # gm_naam
    catalog = "municipalities"
    [layers.wijken]                # wk_naam (+ gm_naam)
    catalog = "wijken"

    [[layers.crossing_layers]]     # any number; category = "..." or category_column = "..."
    file = "wegen.gpkg"            # (else KLIC thema / a category column / the layer name)
    layer = "wegen"

    [layers.cables]                # format = "klic" (delivery zip/folder) or a vector layer
    file = "Levering_22C001966_3.zip"
    format = "klic"
    [layers.topography]            # format = "bgt": BGT extract, categorised
    file = "bgt.zip"
    format = "bgt"
    [layers.buildings]             # polygons, counted as category "building"
    file = "panden.gpkg"
    [layers.sites]                 # landing sites / stations (points with 'kind', or polygons)
    file = "sites.gpkg"

    [route]
    reverse = false                # or a list of variant names
    variant_column = "variant"
    order_column = "volgorde"

    [strips]                       # see wlr_geo.analysis.route.strips
    [impact]                       # see wlr_geo.analysis.impact.run.ImpactOptions
    [crossing_rules]               # see wlr_geo.analysis.crossings.rules
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from wlr_geo._atomic import atomic_write_text
from wlr_geo._errors import ConfigError, LayerValidationError
from wlr_geo.analysis.crossings.register import category_from_name
from wlr_geo.analysis.impact.run import ImpactOptions, ImpactResult, run_impact
from wlr_geo.analysis.route.strips import StripSpec
from wlr_geo.config import LayerRef, ProjectConfig
from wlr_geo.io.vector import parse_layer_spec, read_layer, write_layers

__all__ = ["BGT_CROSSING_CLASSES", "impact_inputs_from_config", "read_quick_layer", "run_impact_config", "write_impact"]

log = logging.getLogger("wlr_geo")

#: BGT classes whose objects are crossed (the others only count as above-ground impact).
BGT_CROSSING_CLASSES: tuple[str, ...] = ("wegdeel", "spoor", "waterdeel", "overbruggingsdeel", "tunneldeel")


def read_quick_layer(spec: str, *, name: str | None = None) -> tuple[str, gpd.GeoDataFrame]:
    """Read ``PATH[:LAYER]`` for the quick CLI form; returns (name, frame)."""
    ls = parse_layer_spec(spec)
    gdf = read_layer(ls.path, ls.layer, allow_empty=True)
    return name or ls.layer or ls.path.stem, gdf


def _read_vector(ref: LayerRef, **kwargs: Any) -> gpd.GeoDataFrame:
    gdf = ref.read(**kwargs)
    assert isinstance(gdf, gpd.GeoDataFrame)
    return gdf


def _with_category(gdf: gpd.GeoDataFrame, ref: LayerRef, name: str) -> gpd.GeoDataFrame:
    opts = ref.options
    if "category" in opts:
        return gdf.assign(category=str(opts["category"]))
    col = opts.get("category_column")
    if col is not None:
        if col not in gdf.columns:
            raise ConfigError(f"[layers.{ref.role}] category_column {col!r} is not a column of {name}",
                              source=str(ref.path), hint=f"columns: {', '.join(map(str, gdf.columns))}")
        return gdf.assign(category=gdf[col])
    return gdf


def _is_big(ref: LayerRef) -> bool:
    """A partitioned GeoParquet dataset or a GeoParquet file: read near the route, not whole."""
    from wlr_geo.io.parquet import INDEX_NAME

    return ref.format == "parquet" or (ref.path.is_dir() and (ref.path / INDEX_NAME).exists())


def _scale_options(cfg: ProjectConfig) -> Any:
    from wlr_geo.analysis.scale.chunks import ScaleOptions

    return ScaleOptions.from_config(cfg.section("scale"))


def _read_near_route(ref: LayerRef, route: gpd.GeoDataFrame, scale: Any) -> gpd.GeoDataFrame:
    """Only the features of a big layer within the corridor of the route (all variants)."""
    from wlr_geo.analysis.scale.chunks import load_near_route

    engine = scale.engine if scale.engine in ("embedded", "duckdb") else "embedded"
    gdf = load_near_route(ref.path, route, buffer_m=scale.buffer_m, engine=engine)
    log.info("%s: %d features near the route read from %s", ref.role, len(gdf), ref.path)
    return gdf


def impact_inputs_from_config(cfg: ProjectConfig) -> dict[str, Any]:
    """Read every layer the impact run needs; returns keyword arguments for :func:`run_impact`."""
    kwargs: dict[str, Any] = {}
    route_ref = cfg.layer("route")
    kwargs["route"] = _read_vector(route_ref, geometry_types=["line"])
    section = {**{k: v for k, v in route_ref.options.items() if k in ("reverse", "variant_column", "order_column")},
               **cfg.section("route")}
    bad = sorted(set(section) - {"reverse", "variant_column", "order_column"})
    if bad:
        raise ConfigError(f"[route] has unknown key(s) {', '.join(bad)}", source=str(cfg.path),
                          hint="allowed: reverse, variant_column, order_column")
    kwargs.update(section)
    if cfg.has("municipalities"):
        kwargs["municipalities"] = _read_vector(cfg.layer("municipalities"), geometry_types=["polygon"])
    if cfg.has("wijken"):
        kwargs["wijken"] = _read_vector(cfg.layer("wijken"), geometry_types=["polygon"])
    layers: dict[str, gpd.GeoDataFrame] = {}
    scale = _scale_options(cfg)
    for ref in cfg.layers_of("crossing_layers"):
        name = ref.name or ref.layer or ref.path.stem
        frame = _read_near_route(ref, kwargs["route"], scale) if _is_big(ref) else _read_vector(ref, allow_empty=True)
        layers[name] = _with_category(frame, ref, name)
    objects: list[gpd.GeoDataFrame] = []
    if cfg.has("cables"):
        ref = cfg.layer("cables")
        if ref.format == "klic":
            from wlr_geo.io.klic import read_klic

            klic = read_klic(ref.path)
            kwargs["cables"] = klic.lines
            if len(klic.precautions):
                kwargs["precautions"] = klic.precautions
        elif _is_big(ref):
            kwargs["cables"] = _read_near_route(ref, kwargs["route"], scale)
        else:
            kwargs["cables"] = _read_vector(ref, geometry_types=["line"])
    if cfg.has("topography"):
        ref = cfg.layer("topography")
        if ref.format == "bgt":
            from wlr_geo.io.bgt import read_bgt

            for cls, frame in read_bgt(ref.path).items():
                if not len(frame):
                    continue
                objects.append(frame.assign(source_layer=f"bgt_{cls}"))
                if cls in BGT_CROSSING_CLASSES:
                    layers[f"bgt_{cls}"] = frame
        else:
            frame = _with_category(_read_vector(ref), ref, ref.name or ref.path.stem)
            if "category" not in frame.columns:
                frame = frame.assign(category=category_from_name(ref.name or ref.layer or ref.path.stem))
            objects.append(frame)
    if cfg.has("buildings"):
        bref = cfg.layer("buildings")
        bframe = _read_near_route(bref, kwargs["route"], scale) if _is_big(bref) else _read_vector(bref, geometry_types=["polygon"])
        objects.append(bframe.assign(category="building", source_layer="buildings"))
    if cfg.has("sites"):
        kwargs["sites"] = _read_vector(cfg.layer("sites"))
    if objects:
        kwargs["objects"] = _objects_frame(objects)
    kwargs["layers"] = layers
    kwargs["strips"] = StripSpec.from_config(cfg.section("strips"))
    kwargs["options"] = ImpactOptions.from_config(cfg.section("impact"))
    kwargs["rules"] = cfg.section("crossing_rules") or None
    return kwargs


def _objects_frame(frames: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    parts = []
    for f in frames:
        ids = f["object_id"] if "object_id" in f.columns else f["gml_id"] if "gml_id" in f.columns else f.index.astype(str)
        parts.append(gpd.GeoDataFrame({
            "category": f["category"].astype(object).fillna("other").astype("str"),
            "object_id": pd.Series(ids, index=f.index).astype("str"),
            "source_layer": f["source_layer"].astype("str") if "source_layer" in f.columns else "objects",
        }, geometry=f.geometry.values, crs=f.crs))
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=frames[0].crs)


def run_impact_config(cfg: ProjectConfig) -> ImpactResult:
    """Read the layers of ``cfg`` and run :func:`~wlr_geo.analysis.impact.run.run_impact`."""
    return run_impact(**impact_inputs_from_config(cfg))


def _csv(df: pd.DataFrame, path: Path) -> Path:
    data = pd.DataFrame(df.drop(columns=[c for c in df.columns if c == "geometry"]))
    return atomic_write_text(path, data.to_csv(index=False, float_format="%.3f"))


def write_impact(result: ImpactResult, out_dir: str | Path, *, xlsx: bool = True) -> list[Path]:
    """Write the outputs of an impact run to ``out_dir`` (atomically, file by file).

    Files: ``impact.gpkg`` (layers ``routes``, ``segments``, ``markers``, ``strips``,
    ``crossings``, ``parallel_runs`` and, when computed, ``affected_objects``,
    ``buildings_near``, ``cable_parallel_runs``, ``clearance_violations``,
    ``precautions_touched``), ``crossings.csv``, ``parallel_runs.csv``, ``segments.csv``,
    ``per_gemeente.csv``, ``per_wijk.csv`` (with wijken), ``variants.csv``, ``impact.xlsx``
    (the same tables as sheets) and ``summary.json``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    layers: dict[str, gpd.GeoDataFrame] = {
        "routes": result.routes, "segments": result.segments, "markers": result.markers,
        "strips": result.strips, "crossings": result.crossings, "parallel_runs": result.parallel_runs,
    }
    optional = {
        "affected_objects": result.affected, "buildings_near": result.buildings_near,
        "cable_parallel_runs": result.cable_parallel_runs, "clearance_violations": result.clearance_violations,
        "precautions_touched": result.precautions_touched,
    }
    layers.update({k: v for k, v in optional.items() if v is not None})
    for name, gdf in layers.items():
        if not isinstance(gdf, gpd.GeoDataFrame):
            raise LayerValidationError(f"output layer {name} has no geometry", hint="report this as a bug")
    written = [write_layers(layers, out / "impact.gpkg")]
    tables: dict[str, pd.DataFrame] = {
        "crossings": result.crossings, "parallel_runs": result.parallel_runs, "segments": result.segments,
        "per_gemeente": result.per_gemeente, "variants": result.variants,
    }
    if result.per_wijk is not None:
        tables["per_wijk"] = result.per_wijk
    if result.above_totals is not None:
        tables["above_ground_totals"] = result.above_totals
    if result.below_totals is not None:
        tables["below_ground_totals"] = result.below_totals
    if result.cable_density is not None:
        tables["cable_density"] = result.cable_density
    for name, df in tables.items():
        written.append(_csv(df, out / f"{name}.csv"))
    if xlsx:
        from wlr_geo.io.tables import write_xlsx

        written.append(write_xlsx(tables, out / "impact.xlsx"))
    written.append(atomic_write_text(out / "summary.json", json.dumps(result.summary(), indent=2, ensure_ascii=False, default=str)))
    return written


def _delivery_kind(path: Path) -> str | None:
    """"bgt" or "klic" for a BGT extract / KLIC delivery (zip, folder or XML), else None."""
    import zipfile

    if path.is_dir():
        names = [p.name.lower() for p in path.rglob("*") if p.is_file()]
    elif path.suffix.lower() == ".zip" and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            names = [Path(n).name.lower() for n in zf.namelist()]
    elif path.suffix.lower() == ".xml":
        return "klic"
    else:
        return None
    gml = [n for n in names if n.endswith(".gml")]
    if any(n.startswith("bgt_") for n in gml) or (gml and not any(n.endswith(".xml") for n in names)):
        return "bgt"  # BGT files renamed without the bgt_ prefix are GML too (KLIC is XML)
    if any(n.endswith(".xml") for n in names):
        return "klic"
    return None


def quick_layers(specs: list[str]) -> dict[str, gpd.GeoDataFrame]:
    """Read several ``PATH[:LAYER]`` specs for the quick CLI form; names made unique.

    A KLIC delivery (zip, folder or IMKL XML) gives its cable/pipe lines (layer ``klic``); a
    BGT extract gives its road, rail and water classes (``bgt_wegdeel``, ...); anything else
    is read as a vector layer.
    """
    out: dict[str, gpd.GeoDataFrame] = {}

    def add(name: str, gdf: gpd.GeoDataFrame) -> None:
        base, i = name, 2
        while name in out:
            name, i = f"{base}_{i}", i + 1
        out[name] = gdf

    for spec in specs:
        ls = parse_layer_spec(spec)
        kind = _delivery_kind(ls.path) if ls.layer is None and ls.path.exists() else None
        if kind == "klic":
            from wlr_geo.io.klic import read_klic

            add("klic", read_klic(ls.path).lines)
        elif kind == "bgt":
            from wlr_geo.io.bgt import read_bgt

            for cls, frame in read_bgt(ls.path, classes=None).items():
                if cls in BGT_CROSSING_CLASSES and len(frame):
                    add(f"bgt_{cls}", frame)
        else:
            add(*read_quick_layer(str(spec)))
    return out
