"""The jobs as the top-level Python API (``wlr_geo.impact``, ``wlr_geo.claims``, ...).

Each function takes a project config (a path or a loaded
:class:`~wlr_geo.config.ProjectConfig`) and returns its results; files are written only when
``out`` is given. :func:`impact` also takes GeoDataFrames directly.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd

from wlr_geo.analysis.impact.run import ImpactResult, run_impact
from wlr_geo.config import ProjectConfig
from wlr_geo.workflows.claims import ClaimsRun
from wlr_geo.workflows.landing import LandingRun
from wlr_geo.workflows.routing import RoutingRun

__all__ = ["claims", "impact", "landing", "route_alternatives", "write_maps", "write_report"]

Config = str | os.PathLike[str] | ProjectConfig


def impact(config_or_route: Config | gpd.GeoDataFrame, layers: Mapping[str, gpd.GeoDataFrame] | None = None, *,
           out: str | os.PathLike[str] | None = None, xlsx: bool = True, **options: Any) -> ImpactResult:
    """The route impact: crossings, strips, above and below ground, per gemeente and wijk.

    Parameters
    ----------
    config_or_route
        A project config (path or :class:`~wlr_geo.config.ProjectConfig`), or the route lines
        (EPSG:28992) as a GeoDataFrame.
    layers
        With a route: the crossed layers by name.
    out
        Also write the outputs (``impact.gpkg``, CSV and XLSX tables, ``manifest.json``) here.
    xlsx
        With ``out``: also write ``impact.xlsx``.
    **options
        With a route: the keyword arguments of
        :func:`~wlr_geo.analysis.impact.run.run_impact` (``municipalities``, ``wijken``,
        ``strips``, ``options``, ``cables``, ``objects``, ``variant_column``, ...). With a
        config: ``width_m``, ``reverse``, ``variant_column`` overrides.

    Returns
    -------
    ImpactResult

    Examples
    --------
    >>> import wlr_geo
    >>> from wlr_geo.catalog import embedded_path
    >>> result = wlr_geo.impact(embedded_path("demo_ondergrond.toml"))
    >>> int((result.crossings["object_class"] == "cable_pipe").sum()) > 0
    True
    """
    from wlr_geo.workflows import impact as job

    if isinstance(config_or_route, gpd.GeoDataFrame):
        result = run_impact(config_or_route, layers, **options)
        if out is not None:
            frames = {"route": config_or_route, **{f"crossing_layers:{k}": v for k, v in (layers or {}).items()},
                      **{k: v for k, v in options.items() if isinstance(v, gpd.GeoDataFrame)}}
            job.write_impact(result, out, xlsx=xlsx, inputs=_sources(frames))
        return result
    if layers is not None:
        raise TypeError("layers are given with a route GeoDataFrame, not with a config")
    return job.run(config_or_route, out, xlsx=xlsx, **options).result


def _sources(frames: Mapping[str, Any]) -> list[tuple[str, str | None, str | None]]:
    """(path, role, layer) of the files frames were read from (``gdf.attrs["wlr_geo"]``)."""
    out: list[tuple[str, str | None, str | None]] = []
    for role, gdf in frames.items():
        meta = getattr(gdf, "attrs", {}).get("wlr_geo") or {}
        if meta.get("source") and Path(meta["source"]).exists():
            out.append((str(meta["source"]), role.split(":")[0], meta.get("layer")))
    return out


def claims(config: Config, *, out: str | os.PathLike[str] | None = None) -> ClaimsRun:
    """Space claims of a project config: footprints, conflicts and the programme per year.

    Examples
    --------
    >>> import wlr_geo
    >>> from wlr_geo.catalog import embedded_path
    >>> run = wlr_geo.claims(embedded_path("demo.toml"))
    >>> run.programme.columns.tolist()
    ['gemeente', 'year', 'facility_type', 'claimed_area_m2', 'n_claims', 'n_conflicts', 'conflict_area_m2']
    >>> bool(run.footprints["indicatief"].all())  # the demo's claims are indicative
    True
    """
    from wlr_geo.workflows import claims as job

    return job.run(config, out)


def landing(config: Config, *, out: str | os.PathLike[str] | None = None) -> LandingRun:
    """The landing ranking of a project config and its sensitivity analysis.

    Examples
    --------
    >>> import wlr_geo
    >>> from wlr_geo.catalog import embedded_path
    >>> run = wlr_geo.landing(embedded_path("demo.toml"))
    >>> run.scores["rank"].to_dict()
    {'L4': 1, 'L1': 2, 'L2': 3, 'L3': 4}
    """
    from wlr_geo.workflows import landing as job

    return job.run(config, out)


def route_alternatives(config: Config, *, out: str | os.PathLike[str] | None = None,
                       ends: Sequence[tuple[float, float]] = (), **overrides: Any) -> RoutingRun:
    """Least-cost route alternatives of a project config's ``[routing]`` section, compared.

    ``overrides`` replace keys of ``[routing]`` (``cell_m``, ``k``, ``method``, ...).

    Examples
    --------
    >>> import wlr_geo
    >>> from wlr_geo.catalog import embedded_path
    >>> run = wlr_geo.route_alternatives(embedded_path("demo.toml"), cell_m=100.0, k=1)
    >>> run.comparison["variant"].tolist()
    ['L1 alternatief 1', 'L2 alternatief 1', 'L3 alternatief 1', 'L4 alternatief 1']
    >>> bool((run.routes["length_m"] > 10_000).all())
    True
    """
    from wlr_geo.workflows import routing as job

    return job.run(config, out, ends=ends, **overrides)


def write_maps(config: Config, out: str | os.PathLike[str], *, maps: Sequence[str] = (),
               municipalities: Sequence[str] = ()) -> list[Path]:
    """Write the offline consultation maps of a project config into ``out``; returns the files.

    The maps show the config's layers and the analysis results already in ``out``.

    Examples
    --------
    >>> import wlr_geo
    >>> from wlr_geo.catalog import embedded_path
    >>> import tempfile
    >>> out = tempfile.TemporaryDirectory()
    >>> cfg = wlr_geo.load_config(embedded_path("demo.toml"))
    >>> _ = wlr_geo.claims(cfg, out=out.name)
    >>> [p.name for p in wlr_geo.write_maps(cfg, out.name, maps=["ruimteclaims"])]
    ['kaart_ruimteclaims.html']
    >>> out.cleanup()
    """
    from wlr_geo.workflows import maps as job

    return job.run(config, out, map_names=maps, municipalities=municipalities).paths


def write_report(config: Config, out: str | os.PathLike[str], *, pdf: bool = True,
                 municipalities: list[str] | None = None) -> list[Path]:
    """Write the consultation report from the results in ``out``; returns the files.

    Examples
    --------
    >>> import wlr_geo
    >>> from wlr_geo.catalog import embedded_path
    >>> import tempfile
    >>> out = tempfile.TemporaryDirectory()
    >>> cfg = wlr_geo.load_config(embedded_path("demo.toml"))
    >>> _ = wlr_geo.claims(cfg, out=out.name)
    >>> files = wlr_geo.write_report(cfg, out.name, pdf=False, municipalities=["Leiden"])
    >>> sorted(p.name for p in files)
    ['gemeente_Leiden.png', 'report.html']
    >>> out.cleanup()
    """
    from wlr_geo.workflows import report as job

    return job.run(config, out, pdf=pdf, municipalities=municipalities).paths
