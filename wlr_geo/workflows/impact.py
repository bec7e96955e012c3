"""The impact job: config (or layers) → read → :func:`~wlr_geo.analysis.impact.run.run_impact` → files.

:func:`run` is ``wlr-geo impact CONFIG -o DIR``; :func:`run_quick` the quick form with
``--route``/``--layer``; :func:`prepare` is what both the run and ``wlr-geo validate`` read
(every layer through :class:`wlr_geo.config.Inputs`). The analysis itself never touches files.

Config roles: ``route`` (lines; ``[route]`` reverse, variant_column, order_column),
``municipalities`` (gm_naam), ``wijken`` (wk_naam + gm_naam), ``crossing_layers`` (array; a
category from ``category``/``category_column``, else from KLIC thema or other columns, else the
layer name), ``cables`` (a KLIC delivery or lines), ``topography`` (a BGT extract or categorised
polygons), ``buildings``, ``sites``; sections ``[strips]``, ``[impact]``, ``[crossing_rules]``,
``[scale]``. Outputs (:mod:`wlr_geo.outputs`, command ``impact``): ``impact.gpkg``, one CSV per
table, ``impact.xlsx`` and ``summary.json``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from wlr_geo._atomic import atomic_write_text
from wlr_geo._errors import LayerValidationError, Problem, WlrGeoError, WlrGeoInputError
from wlr_geo._nl import nl
from wlr_geo.analysis.impact.run import ImpactOptions, ImpactResult, run_impact
from wlr_geo.analysis.route.options import RouteOptions
from wlr_geo.analysis.route.strips import StripSpec
from wlr_geo.analysis.scale.chunks import ScaleOptions
from wlr_geo.categories import assign_category
from wlr_geo.io.dispatch import read_source, sniff_format
from wlr_geo.io.tables import WorkbookHelper, write_csv, write_xlsx
from wlr_geo.io.vector import parse_layer_spec
from wlr_geo.outputs import OUTPUTS, file_names
from wlr_geo.workflows._gpkg import write_gpkg
from wlr_geo.workflows._output import RunOutputs, open_outputs
from wlr_geo.workflows._tables import (
    mark_not_analysed,
    not_analysed_summary,
    registry_sheets,
    xlsx_not_analysed,
)

if TYPE_CHECKING:  # the config module (every option type) is loaded only by config runs
    from wlr_geo.config import Inputs, LayerRef, ProjectConfig

__all__ = [
    "BGT_CROSSING_CLASSES",
    "EngineMapper",
    "ImpactRun",
    "corridor_width",
    "impact_from_datasets",
    "prepare",
    "quick_layers",
    "run",
    "run_impact_config",
    "run_quick",
    "write_impact",
]

log = logging.getLogger("wlr_geo")

#: BGT classes whose objects are crossed (the others only count as above-ground impact).
BGT_CROSSING_CLASSES: tuple[str, ...] = ("wegdeel", "spoor", "waterdeel", "overbruggingsdeel", "tunneldeel")

#: Layer of impact.gpkg → attribute of :class:`ImpactResult`.
_GPKG_ATTR = {"routes": "routes", "segments": "segments", "markers": "markers", "strips": "strips",
              "crossings": "crossings", "parallel_runs": "parallel_runs", "affected_objects": "affected",
              "affected_objects_lines": "affected", "affected_objects_points": "affected",
              "buildings_near": "buildings_near", "cable_parallel_runs": "cable_parallel_runs",
              "clearance_violations": "clearance_violations", "precautions_touched": "precautions_touched"}
#: Table (CSV file and XLSX sheet) → attribute of :class:`ImpactResult`.
_TABLE_ATTR = {"crossings": "crossings", "parallel_runs": "parallel_runs", "segments": "segments",
               "per_gemeente": "per_gemeente", "variants": "variants", "per_wijk": "per_wijk",
               "above_ground_totals": "above_totals", "below_ground_totals": "below_totals",
               "cable_density": "cable_density"}


@dataclass
class ImpactRun:
    """What :func:`run` did: the result, the files it wrote and the manifest."""

    result: ImpactResult
    paths: list[Path] = field(default_factory=list)
    manifest: dict[str, Any] | None = None


# ----------------------------------------------------------------------------------- reading
def _is_big(ref: LayerRef) -> bool:
    """A partitioned GeoParquet dataset or a GeoParquet file: read near the route, not whole."""
    return ref.format == "parquet"


def corridor_width(strips: StripSpec, impact: ImpactOptions | None = None, scale: ScaleOptions | None = None,
                   *, margin_m: float = 50.0) -> float:
    """Distance from the route within which big layers are read (m).

    Everything the analysis looks at lies within it: the widest strip side on any chainage range
    (times the mitre reach at bends, ``sqrt(1 + MITRE_LIMIT**2)``), the parallel-run, building and
    clearance distances, plus ``margin_m``; ``[scale] buffer_m`` when that is wider.
    """
    from wlr_geo.analysis.route.strips import MITRE_LIMIT

    sides = [float(getattr(strips, f"{kind}_{side}_m")) for kind in ("werkstrook", "belemmeringenstrook")
             for side in ("left", "right")]
    for ov in strips.overrides:
        sides.extend(float(v) for kind in ("werkstrook", "belemmeringenstrook") for side in ("left", "right")
                     if (v := getattr(ov, f"{kind}_{side}_m")) is not None)
    opts = impact or ImpactOptions()
    reach = [max(sides) * (1.0 + MITRE_LIMIT ** 2) ** 0.5, opts.building_distance_m, opts.parallel_distance_m,
             opts.merge_distance_m, *(opts.clearance_m or {}).values(), 10.0]
    floor = (scale or ScaleOptions()).buffer_m
    return max(max(reach) + margin_m, floor or 0.0)


def _read_near(ref_path: str | os.PathLike[str], layer: str | None, route: gpd.GeoDataFrame | None,
               width_m: float, chunk_m: float = 2_000.0, engine: str = "embedded",
               **kwargs: Any) -> gpd.GeoDataFrame | None:
    """A big GDAL/GeoParquet layer read only near the route through its index (None: read it whole)."""
    from wlr_geo.io.area import Corridor, read_near

    if route is None or not len(route):
        return None
    engine = engine if engine in ("embedded", "duckdb") else "embedded"
    gdf = read_near(ref_path, layer, Corridor.around(route, width_m, chunk_m=chunk_m, engine=engine), **kwargs)
    if gdf is not None:
        info = gdf.attrs["wlr_geo"]["corridor"]
        total = info["n_total"]
        log.info("%s: %s van %s objecten nabij het tracé (binnen %s m, %s)", layer or ref_path, nl(info["n_near"]),
                 nl(total) if isinstance(total, int | float) else total, nl(width_m, 0), info["index"])
    return gdf


class EngineMapper:
    """Runs the big-layer reading tasks (one per route chunk) on the ``[scale]`` engine.

    ``embedded``/``duckdb``: in this process (``mapper`` is None: one task for the whole route).
    ``dask``: every chunk a task on a Dask cluster — the given ``scheduler`` (connected at once, so
    an unreachable one fails before any work) or a ``LocalCluster`` of ``n_workers`` processes,
    started when the first big layer is read. :attr:`info` says what ran.
    """

    def __init__(self, scale: ScaleOptions) -> None:
        self.scale = scale
        self._client: Any = None
        self._cluster: Any = None
        self.tasks = 0
        if scale.engine == "dask" and scale.scheduler:
            self._connect()

    def _connect(self) -> Any:
        if self._client is not None:
            return self._client
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise WlrGeoInputError("[scale] engine = \"dask\" heeft Dask nodig",
                                   hint="installeer het met pip install 'wlr_geo[scale]', of kies "
                                        "engine = \"embedded\"") from None
        if self.scale.scheduler:
            try:
                self._client = Client(self.scale.scheduler, timeout="5s")
            except (OSError, TimeoutError, ValueError) as exc:
                raise WlrGeoInputError(
                    f"kan de Dask-scheduler op {self.scale.scheduler} niet bereiken: "
                    f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
                    hint="start de scheduler ('dask scheduler'), corrigeer [scale] scheduler, of laat die leeg voor "
                         "een lokaal cluster",
                ) from None
        else:
            self._cluster = LocalCluster(n_workers=self.scale.n_workers, threads_per_worker=1, processes=True,
                                         dashboard_address=":0", silence_logs=logging.ERROR)
            self._client = Client(self._cluster)
        return self._client

    @property
    def mapper(self) -> Callable[[Callable[[Any], Any], Sequence[Any]], list[Any]] | None:
        if self.scale.engine != "dask":
            return None

        def run(func: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
            client = self._connect()
            self.tasks += len(items)
            return list(client.gather(client.map(func, list(items), pure=False)))

        return run

    @property
    def info(self) -> dict[str, Any]:
        """``engine`` and ``workers`` that ran (dask: 0 workers when no big layer was read)."""
        if self.scale.engine != "dask":
            return {"engine": self.scale.engine, "workers": 1}
        workers = len(self._client.scheduler_info().get("workers", {})) if self._client is not None else 0
        return {"engine": "dask", "workers": workers, "tasks": self.tasks,
                "scheduler": self.scale.scheduler or "LocalCluster"}

    def close(self) -> None:
        from wlr_geo.analysis.scale.distributed import close_client

        close_client(self._client, self._cluster)
        self._client = self._cluster = None


def _categorised(frame: gpd.GeoDataFrame | None, ref: LayerRef) -> gpd.GeoDataFrame | None:
    if frame is None or (ref.category is None and ref.category_column is None):
        return frame
    return assign_category(frame, category=ref.category, column=ref.category_column, layer=ref.display_name)


def _with_ids(frame: gpd.GeoDataFrame | None, ref: LayerRef, inputs: Inputs) -> gpd.GeoDataFrame | None:
    """``frame`` with the values of the layer's ``id_column`` as ``object_id``: the id its objects
    get in the crossing register and every output.

    A column that is missing or not unique is one problem (and None): every reader checks it
    too, but a partitioned dataset read whole or near the route is not validated.
    """
    col = ref.id_column
    if frame is None or col is None:
        return frame
    if col not in frame.columns:
        cols = ", ".join(str(c) for c in frame.columns if c != frame.geometry.name)
        inputs.problems.append(Problem(
            f"{ref.where}: id_column = {col!r} is geen kolom van de laag (kolommen: {cols or 'geen'})",
            source=str(ref.path), hint="geef bij id_column een kolom met een unieke waarde per object"))
        return None
    values = frame[col]
    dup = values.duplicated(keep=False).to_numpy(dtype=bool)
    if dup.any():
        twice = sorted({str(v) for v in values[dup]})
        inputs.problems.append(Problem(
            f"{ref.where}: id_column = {col!r} is niet uniek: {nl(len(twice))} waarde(n) komen meer dan eens "
            f"voor ({', '.join(twice[:5])}{', ...' if len(twice) > 5 else ''})",
            source=str(ref.path), hint="kies een kolom met een unieke waarde per object, of laat id_column weg"))
        return None
    return frame if col == "object_id" else frame.assign(object_id=values)


def check_route_options(route: gpd.GeoDataFrame, opts: RouteOptions, inputs: Inputs, ref: LayerRef) -> None:
    """The route options fit the route layer: columns exist, named variants exist."""
    for key in ("variant_column", "order_column"):
        col = getattr(opts, key)
        if col is not None and col not in route.columns:
            inputs.note(f"[route] {key} = {col!r} is geen kolom van de tracélaag {ref.label}",
                        hint=f"kies een van de kolommen: "
                             f"{', '.join(map(str, route.columns.drop(route.geometry.name)))}")
    if isinstance(opts.reverse, tuple):
        if opts.variant_column is None or opts.variant_column not in route.columns:
            inputs.note("[route] reverse noemt varianten, maar het tracé heeft geen variant_column",
                        hint="zet [route] variant_column, of schrijf reverse = true")
            return
        present = {str(v) for v in route[opts.variant_column].dropna()}
        for name in opts.reverse:
            if name not in present:
                from wlr_geo._toml import nearest

                near = nearest(name, present)
                inputs.note(f"[route] reverse noemt variant {name!r}, maar de tracélaag heeft die niet",
                            hint=f"bedoeld: {near!r}?" if near else
                            f"kies een van de varianten: {', '.join(sorted(present))}")


def prepare(cfg: ProjectConfig, inputs: Inputs | None = None, engine: EngineMapper | None = None) -> dict[str, Any]:
    """Read every layer the impact run needs; returns keyword arguments for :func:`run_impact`.

    Big indexed layers are read only near the route, one task per route chunk on ``engine``
    (default: in this process).

    Raises
    ------
    WlrGeoInputError
        Every problem of every layer (all together).
    """
    from wlr_geo.config import Inputs

    inputs = inputs or Inputs(cfg)
    opts = cfg.options
    kwargs: dict[str, Any] = {}
    route_ref = inputs.require("route", "de impactanalyse")
    route = inputs.frame(route_ref, geometry_types=["line"]) if route_ref else None
    if route is not None and route_ref is not None:
        check_route_options(route, opts.route, inputs, route_ref)
    kwargs["route"] = route
    kwargs.update(opts.route.as_kwargs())
    if cfg.has("municipalities"):
        kwargs["municipalities"] = inputs.role("municipalities", geometry_types=["polygon"])
    if cfg.has("wijken"):
        kwargs["wijken"] = inputs.role("wijken", geometry_types=["polygon"])
    layers: dict[str, gpd.GeoDataFrame] = {}
    scale = opts.scale

    width = corridor_width(opts.strips, opts.impact, scale)

    def near_or_whole(ref: LayerRef, **kw: Any) -> gpd.GeoDataFrame | None:
        if ref.format in ("vector", "parquet") and route is not None:
            before = len(inputs.problems)
            near = inputs.guard(ref, lambda: _read_near(
                ref.path, ref.layer, route, width, scale.chunk_m, scale.engine, encoding=ref.encoding,
                assume_crs=ref.assume_crs, id_column=ref.id_column, geometry_types=kw.get("geometry_types"),
                mapper=engine.mapper if engine is not None else None))
            if near is not None or len(inputs.problems) > before:
                inputs._record(ref)
                return near
        if _is_big(ref):
            return inputs.near_route(ref, route, scale, width_m=width) if route is not None else None
        return inputs.frame(ref, **kw)

    for ref in cfg.layers_of("crossing_layers"):
        frame = _with_ids(_categorised(near_or_whole(ref, allow_empty=True), ref), ref, inputs)
        if frame is not None:
            layers[ref.display_name] = frame
    objects: list[gpd.GeoDataFrame] = []
    if cfg.has("cables"):
        ref = cfg.layer("cables")
        if ref.format == "klic":
            klic = inputs.klic(ref)
            if klic is not None:
                kwargs["cables"] = klic.lines
                if len(klic.precautions):
                    kwargs["precautions"] = klic.precautions
        else:
            kwargs["cables"] = _with_ids(near_or_whole(ref, geometry_types=["line"]), ref, inputs)
    if cfg.has("topography"):
        ref = cfg.layer("topography")
        if ref.format == "bgt":
            bgt = inputs.bgt(ref)
            for cls, frame in (bgt or {}).items():
                if not len(frame):
                    continue
                objects.append(frame.assign(source_layer=f"bgt_{cls}"))
                if cls in BGT_CROSSING_CLASSES:
                    layers[f"bgt_{cls}"] = frame
        else:
            frame = _with_ids(inputs.frame(ref, categorise=True), ref, inputs)
            if frame is not None:
                objects.append(frame)
    if cfg.has("buildings"):
        bref = cfg.layer("buildings")
        bframe = _with_ids(near_or_whole(bref, geometry_types=["polygon"]), bref, inputs)
        if bframe is not None:
            objects.append(bframe.assign(category="building", source_layer="buildings"))
    if cfg.has("sites"):
        kwargs["sites"] = inputs.role("sites")
    inputs.check()
    if objects:
        kwargs["objects"] = _objects_frame(objects)
    kwargs["layers"] = layers
    kwargs["strips"] = opts.strips
    kwargs["options"] = opts.impact
    kwargs["rules"] = opts.crossing_rules
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


def quick_layers(specs: Sequence[str], records: list[tuple[str, str | None, str | None]] | None = None,
                 *, route: gpd.GeoDataFrame | None = None, width_m: float = 0.0) -> dict[str, gpd.GeoDataFrame]:
    """Read several ``PATH[:LAYER]`` specs for the quick CLI form; names made unique.

    The format is sniffed (:func:`wlr_geo.io.dispatch.sniff_format`): a KLIC delivery gives its
    cable/pipe lines (layer ``klic``); a BGT extract gives its road, rail and water classes
    (``bgt_wegdeel``, ...); anything else is read as a vector layer — with a
    ``route``, a big indexed layer only within ``width_m`` of it (:func:`wlr_geo.io.area.read_near`).
    """
    out: dict[str, gpd.GeoDataFrame] = {}

    def add(name: str, gdf: gpd.GeoDataFrame) -> None:
        base, i = name, 2
        while name in out:
            name, i = f"{base}_{i}", i + 1
        out[name] = gdf

    for spec in specs:
        ls = parse_layer_spec(spec)
        kind = sniff_format(ls.path) if ls.layer is None and ls.path.exists() else "vector"
        if records is not None:
            records.append((str(ls.path), "crossing_layers", ls.layer))
        if kind == "klic":
            from wlr_geo.io.klic import read_klic

            add("klic", read_klic(ls.path).lines)
        elif kind == "bgt":
            from wlr_geo.io.bgt import read_bgt

            for cls, frame in read_bgt(ls.path, classes=None).items():
                if cls in BGT_CROSSING_CLASSES and len(frame):
                    add(f"bgt_{cls}", frame)
        else:
            near = _read_near(ls.path, ls.layer, route, width_m) if kind in ("vector", "parquet") else None
            add(ls.layer or ls.path.stem,
                near if near is not None else read_source(ls.path, ls.layer, format=kind, allow_empty=True))
    return out


def _quick_frame(spec: str, role: str, records: list[tuple[str, str | None, str | None]],
                 **kwargs: Any) -> gpd.GeoDataFrame:
    ls = parse_layer_spec(spec)
    records.append((str(ls.path), role, ls.layer))
    return read_source(ls.path, ls.layer, allow_empty=True, **kwargs)


# ----------------------------------------------------------------------------------- writing
def write_impact(result: ImpactResult, out: str | os.PathLike[str] | RunOutputs, *, xlsx: bool = True,
                 inputs: Sequence[tuple[str, str | None, str | None]] = (), wait_s: float = 0.0,
                 workbook: WorkbookHelper | None = None) -> list[Path]:
    """Write the outputs of an impact run (names and layers from :mod:`wlr_geo.outputs`).

    Files: ``impact.gpkg`` (layers ``routes``, ``segments``, ``markers``, ``strips``,
    ``crossings``, ``parallel_runs`` and, when computed, ``affected_objects``,
    ``buildings_near``, ``cable_parallel_runs``, ``clearance_violations``,
    ``precautions_touched``), one CSV per table (``crossings.csv``, ``per_gemeente.csv``, ...),
    ``impact.xlsx`` (the same tables as sheets) and ``summary.json``. ``out`` is a folder or
    the outputs of an enclosing run; ``inputs`` are (path, role, layer) of the layers the result
    came from (hashed and protected, listed in the manifest). ``workbook``: a helper process
    started earlier, which then builds ``impact.xlsx`` while the rest is written here.
    """
    if not isinstance(out, RunOutputs):
        with open_outputs(out, command="wlr-geo impact", names=file_names("impact"), inputs=inputs,
                          wait_s=wait_s) as w:
            return write_impact(result, w, xlsx=xlsx, inputs=inputs, workbook=workbook)
    w = out
    start = len(w.written)
    layers: dict[str, gpd.GeoDataFrame] = {}
    for lay in OUTPUTS["impact.gpkg"].layers:
        if lay.part_of is not None:
            continue  # written with the layer it is part of
        gdf = getattr(result, _GPKG_ATTR[lay.name])
        if gdf is None:
            continue
        if not isinstance(gdf, gpd.GeoDataFrame):
            raise LayerValidationError(f"uitvoerlaag {lay.name} heeft geen geometrie", hint="meld dit als fout in wlr_geo")
        layers[lay.name] = gdf
    tables: dict[str, pd.DataFrame] = {}
    for sheet in OUTPUTS["impact.xlsx"].layers:
        df = getattr(result, _TABLE_ATTR[sheet.name])
        if df is not None:
            tables[sheet.name] = df
    analysed = result.analysed_classes
    sheets = registry_sheets("impact.xlsx", {k: xlsx_not_analysed(v, analysed) for k, v in tables.items()}) \
        if xlsx else None
    if sheets is not None and workbook is not None:  # it builds the workbook while the rest is written here
        workbook.submit(sheets)
    write_gpkg(w, "impact.gpkg", layers, command="wlr-geo impact", inputs=inputs or None,
               variants=result.routes["variant"].tolist())
    for name, df in tables.items():
        write_csv(mark_not_analysed(df, analysed), w.path(f"{name}.csv"), float_format="%.3f", notes=w.notes)
    if sheets is not None and workbook is not None:
        workbook.finish(w.path("impact.xlsx"), notes=w.notes)
    elif sheets is not None:
        write_xlsx(sheets, w.path("impact.xlsx"), notes=w.notes)
    summary = not_analysed_summary(result.summary(), analysed)
    atomic_write_text(w.path("summary.json"), json.dumps(summary, indent=2, ensure_ascii=False, default=str))
    w.notes.extend(result.notes)
    return w.final(start)


# ----------------------------------------------------------------------------------- running
def _workbook_helper(out: str | os.PathLike[str] | RunOutputs | None,
                     xlsx: bool) -> contextlib.AbstractContextManager[WorkbookHelper | None]:
    """A helper process for ``impact.xlsx``, started now so that it is ready when the tables are.

    Only where it can run beside this process (more than one CPU) and the run writes a workbook.
    """
    if not xlsx or out is None or (os.cpu_count() or 1) < 2:
        return contextlib.nullcontext()
    return WorkbookHelper()


def _early_hashes(out: str | os.PathLike[str] | RunOutputs | None,
                  paths: Iterable[str | os.PathLike[str]]) -> contextlib.AbstractContextManager[None]:
    """Inputs hashed in the background from now on, for the outputs this run opens itself."""
    if out is None or isinstance(out, RunOutputs):
        return contextlib.nullcontext()
    from wlr_geo._atomic import early_hashes

    return early_hashes(paths)


def run(config: str | os.PathLike[str] | ProjectConfig, out: str | os.PathLike[str] | RunOutputs | None = None, *,
        width_m: float | None = None, reverse: bool | None = None, variant_column: str | None = None,
        xlsx: bool = True, wait_s: float = 0.0) -> ImpactRun:
    """``wlr-geo impact CONFIG -o DIR``: read the config's layers, run the analysis, write the outputs.

    Parameters
    ----------
    config
        A project config (path or :class:`~wlr_geo.config.ProjectConfig`).
    out
        Output folder, the outputs of an enclosing run, or None (no files).
    width_m, reverse, variant_column
        Command-line overrides of ``[strips]`` (symmetric total werkstrook width) and ``[route]``.
    xlsx
        Also write ``impact.xlsx``.
    """
    from wlr_geo.config import Inputs, check_cli, load_config

    cfg = load_config(config)
    check_cli("--width-m", width_m)
    opts = cfg.options
    route_opts = opts.route
    if reverse:
        route_opts = replace(route_opts, reverse=True)
    if variant_column:
        route_opts = replace(route_opts, variant_column=variant_column)
    if route_opts is not opts.route or width_m is not None:
        strips = opts.strips.with_width(width_m) if width_m is not None else opts.strips
        cfg = replace(cfg, options=replace(opts, route=route_opts, strips=strips))
    with _early_hashes(out, (ref.path for ref in cfg.iter_refs())), \
            _workbook_helper(out, xlsx) as workbook:  # inputs hashed while read; the helper loads meanwhile
        inputs = Inputs(cfg)
        engine = EngineMapper(cfg.options.scale)
        try:
            kwargs = prepare(cfg, inputs, engine)
            info = engine.info
        finally:
            engine.close()
        result = run_impact(**kwargs)
        if info["engine"] == "dask":  # the embedded engine (the default) adds no note
            result.notes.append(f"engine: dask ({info['scheduler']}, {nl(info['workers'])} workers, "
                                f"{nl(info['tasks'])} leestaken)")
        elif info["engine"] != "embedded":
            result.notes.append(f"engine: {info['engine']}")
        if out is None:
            return ImpactRun(result)
        with open_outputs(out, command="wlr-geo impact", names=file_names("impact"), inputs=inputs.records,
                          config_path=cfg.path, catalog=cfg.catalog, wait_s=wait_s) as w:
            paths = write_impact(result, w, xlsx=xlsx, inputs=inputs.records, workbook=workbook)
        return ImpactRun(result, paths, w.last_manifest)


def run_quick(route: str, layers: Sequence[str] = (), out: str | os.PathLike[str] | None = None, *,
              municipalities: str | None = None, wijken: str | None = None, width_m: float | None = None,
              reverse: bool = False, variant_column: str | None = None, xlsx: bool = True,
              wait_s: float = 0.0) -> ImpactRun:
    """The quick form ``wlr-geo impact --route PATH[:LAYER] --layer PATH[:LAYER] ... -o DIR``."""
    if width_m is not None:
        from wlr_geo.config import check_cli

        check_cli("--width-m", width_m)
    early = []
    for spec in (s for s in (route, *layers, municipalities, wijken) if s):
        with contextlib.suppress(WlrGeoError, OSError, ValueError):  # reading reports bad specs
            early.append(parse_layer_spec(spec).path)
    with _early_hashes(out, early), _workbook_helper(out, xlsx) as workbook:  # hashed while they are read
        records: list[tuple[str, str | None, str | None]] = []
        route_frame = _quick_frame(route, "route", records)
        strips = StripSpec().with_width(width_m) if width_m is not None else StripSpec()
        kwargs: dict[str, Any] = {
            "route": route_frame,
            "layers": quick_layers(list(layers), records, route=route_frame, width_m=corridor_width(strips)),
            "municipalities": _quick_frame(municipalities, "municipalities", records) if municipalities else None,
            "wijken": _quick_frame(wijken, "wijken", records) if wijken else None,
            "strips": strips,
            "reverse": reverse, "variant_column": variant_column,
        }
        result = run_impact(**kwargs)
        if out is None:
            return ImpactRun(result)
        with open_outputs(out, command="wlr-geo impact", names=file_names("impact"), inputs=records,
                          wait_s=wait_s) as w:
            paths = write_impact(result, w, xlsx=xlsx, inputs=records, workbook=workbook)
        return ImpactRun(result, paths, w.last_manifest)


def run_impact_config(cfg: ProjectConfig) -> ImpactResult:
    """Read the layers of ``cfg`` and run :func:`~wlr_geo.analysis.impact.run.run_impact` (no files)."""
    return run(cfg).result


def impact_from_datasets(route: gpd.GeoDataFrame, datasets: Mapping[str, str | os.PathLike[str]] | None = None, *,
                         cables: str | os.PathLike[str] | None = None, objects: str | os.PathLike[str] | None = None,
                         precautions: str | os.PathLike[str] | None = None, scale: ScaleOptions | None = None,
                         **run_impact_kwargs: Any) -> ImpactResult:
    """:func:`~wlr_geo.analysis.impact.run.run_impact` on big layers, reading only what lies near the route.

    Parameters
    ----------
    route
        Route lines (EPSG:28992), as for ``run_impact``.
    datasets
        Crossed layers by name → partitioned dataset / GeoParquet / GPKG (``path:layer``).
    cables, objects, precautions
        Optional big layers for the below-/above-ground impact (same kinds of source).
    scale
        :class:`~wlr_geo.analysis.scale.chunks.ScaleOptions`: ``buffer_m`` (corridor read; by
        default as wide as the analysis looks, see :func:`corridor_width`) and ``engine``
        (``"duckdb"`` selects with DuckDB).
    **run_impact_kwargs
        Passed on (``municipalities``, ``wijken``, ``strips``, ``rules``, ``options``, ...).
    """
    from wlr_geo.io.area import load_near_route

    opts = scale or ScaleOptions()
    engine = "duckdb" if opts.engine == "duckdb" else "embedded"
    width = corridor_width(run_impact_kwargs.get("strips") or StripSpec(), run_impact_kwargs.get("options"), opts)

    def load(src: str | os.PathLike[str]) -> gpd.GeoDataFrame:
        gdf = load_near_route(src, route, buffer_m=width, engine=engine)
        log.info("%s: %s objecten binnen %s m van het tracé", src, nl(len(gdf)), nl(width, 0))
        return gdf

    layers = {name: load(src) for name, src in (datasets or {}).items()}
    extra = {key: load(src) for key, src in (("cables", cables), ("objects", objects), ("precautions", precautions))
             if src is not None}
    return run_impact(route, layers, **extra, **run_impact_kwargs)

