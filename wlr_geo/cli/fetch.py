"""``wlr-geo fetch``: download PDOK layers for an area into the cache and an output folder."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from wlr_geo._errors import WlrGeoInputError
from wlr_geo.workflows.fetch import DATASETS, Area

__all__ = ["fetch_command"]


def _datasets_help() -> str:
    return "; ".join(f"{d.name} ({', '.join(d.collections)})" for d in DATASETS.values())


def _print_datasets(console: Console) -> None:
    table = Table(title="Datasets for wlr-geo fetch (PDOK OGC API Features)")
    for col in ("name", "title", "collections", "service", "URL status", "licence"):
        table.add_column(col, overflow="fold")
    for d in DATASETS.values():
        table.add_row(d.name, d.title, ", ".join(d.collections), d.base_url(), d.url_status, d.licence)
    console.print(table)


def _area(gemeente: tuple[str, ...], bbox: str | None, route: str | None, buffer_m: float) -> Area:
    from wlr_geo.workflows.fetch import area_from_bbox, area_from_gemeenten, area_from_route

    given = [name for name, v in (("--gemeente", gemeente), ("--bbox", bbox), ("--route", route)) if v]
    if len(given) != 1:
        raise WlrGeoInputError(
            "give exactly one area: " + (f"got {' and '.join(given)}" if given else "none was given"),
            hint="use --gemeente GM0546 (repeatable), --bbox xmin,ymin,xmax,ymax (RD) or --route PATH[:LAYER]",
        )
    if gemeente:
        return area_from_gemeenten(list(gemeente))
    if bbox:
        return area_from_bbox(bbox)
    assert route is not None
    return area_from_route(route, buffer_m=buffer_m)


_CONFIG_KEYS: dict[str, type | tuple[type, ...]] = {
    "api_root": str, "base_urls": dict, "cache_dir": str, "max_age_days": (int, float),
    "rate_limit_per_s": (int, float), "timeout_s": (int, float), "retries": int, "page_size": int,
}


def _fetch_config(path: Path | None) -> dict[str, Any]:
    """The ``[fetch]`` table of a project config, type-checked (empty without ``--config``)."""
    if path is None:
        return {}
    from wlr_geo._errors import ConfigError
    from wlr_geo.config import load_config
    from wlr_geo.workflows.fetch import parse_base_url_overrides

    project = load_config(path)
    table = dict(project.section("fetch"))
    problems = []
    for key, value in table.items():
        kind = _CONFIG_KEYS.get(key)
        if kind is None:
            problems.append(f"unknown key {key!r} (known: {', '.join(_CONFIG_KEYS)})")
        elif not isinstance(value, kind) or isinstance(value, bool):
            problems.append(f"{key} = {value!r} has the wrong type")
    if problems:
        raise ConfigError("[fetch]: " + "; ".join(problems), source=str(path))
    urls = table.get("base_urls", {})
    parse_base_url_overrides(f"{k}={v}" for k, v in urls.items())  # checks names and URLs
    if "cache_dir" in table:  # relative to the config file's folder
        table["cache_dir"] = str(project.resolve_path(table["cache_dir"]))
    return table


_EPILOG = """\b
Examples:
  wlr-geo fetch --gemeente GM0546 --gemeente GM0547 -d wijken -d buurten -o data/
  wlr-geo fetch --bbox 90000,458000,96000,466000 -d bag -d bgt -o data/
  wlr-geo fetch --route route.gpkg:trace --buffer-m 500 -d natura2000 -d wegen -d spoor -o data/
  wlr-geo fetch --offline --gemeente GM0546 -d wijken -o data/   (cache only, no network)

\b
Environment: WLR_GEO_CACHE (cache folder), WLR_GEO_PDOK_ROOT (API root instead of
https://api.pdok.nl), WLR_GEO_PDOK_URL_<NAME> (base URL of one dataset).
"""


@click.command("fetch", epilog=_EPILOG)
@click.option("-d", "--dataset", "datasets", multiple=True, metavar="NAME",
              help="Dataset to download (repeatable): " + _datasets_help() + ".")
@click.option("--list-datasets", is_flag=True,
              help="List the datasets, their PDOK services and collections, and exit.")
@click.option("--gemeente", multiple=True, metavar="GMxxxx",
              help="Area: municipality code(s) of the embedded boundaries (repeatable); output is "
                   "selected to the municipality polygons.")
@click.option("--bbox", metavar="XMIN,YMIN,XMAX,YMAX", help="Area: a box in RD New metres (EPSG:28992).")
@click.option("--route", metavar="PATH[:LAYER]", help="Area: a route layer, buffered by --buffer-m.")
@click.option("--buffer-m", type=float, default=500.0, show_default=True,
              help="Buffer around --route in metres.")
@click.option("-o", "--output", "output", type=click.Path(path_type=Path), default=None,
              help="Output folder: one GeoPackage per dataset, catalog.toml and provenance.json.")
@click.option("--cache-dir", type=click.Path(path_type=Path), default=None,
              help="Download cache (default $WLR_GEO_CACHE or ~/.cache/wlr_geo).")
@click.option("--offline", is_flag=True, help="Use only the cache; fail when a layer is not cached.")
@click.option("--refresh", is_flag=True, help="Download again even when the cache holds a fresh copy.")
@click.option("--max-age-days", type=float, default=None,
              help="Cached downloads older than this are downloaded again  [default: 30].")
@click.option("--base-url", "base_urls", multiple=True, metavar="[NAME=]URL",
              help="Override a dataset's service base URL (NAME=URL) or all of them (URL).")
@click.option("--api-root", default=None, metavar="URL",
              help="Root replacing https://api.pdok.nl for every dataset (also $WLR_GEO_PDOK_ROOT).")
@click.option("--rate-limit", type=float, default=None,
              help="At most this many requests per second, 0: no limit  [default: 2].")
@click.option("--timeout", "timeout_s", type=float, default=None,
              help="Timeout of one request in seconds  [default: 60].")
@click.option("--retries", type=click.IntRange(0, 20), default=None,
              help="Retries per request (backoff with jitter; Retry-After honoured)  [default: 4].")
@click.option("--page-size", type=click.IntRange(1, 1000), default=None,
              help="Features per page ('limit'; PDOK's maximum is 1000)  [default: 1000].")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
              help="Project config whose [fetch] table sets api_root, base_urls, cache_dir, "
                   "max_age_days, rate_limit_per_s, timeout_s, retries, page_size "
                   "(command-line options win).")
@click.option("--cut", is_flag=True,
              help="Clip geometries to the area instead of keeping whole intersecting features.")
@click.option("--no-progress", is_flag=True, help="No progress bars.")
def fetch_command(
    datasets: tuple[str, ...], list_datasets: bool, gemeente: tuple[str, ...], bbox: str | None,
    route: str | None, buffer_m: float, output: Path | None, cache_dir: Path | None,
    offline: bool, refresh: bool, max_age_days: float | None, base_urls: tuple[str, ...],
    api_root: str | None, rate_limit: float | None, timeout_s: float | None, retries: int | None,
    page_size: int | None, config_path: Path | None, cut: bool, no_progress: bool,
) -> None:
    """Download PDOK layers for an area: boundaries, CBS wijken/buurten, BGT, BAG, Natura 2000,
    NWB roads and rail (OGC API Features, GeoJSON in RD New).

    Downloads are paged (rel=next), retried with backoff, rate limited, cached (resumable after
    an interruption, expiring after --max-age-days) and carry a provenance record (service URL,
    collection, query, time, feature count, SHA-256). Nothing touches the network except this
    command, and with --offline not even this one.
    """
    from wlr_geo.workflows.fetch import (
        DownloadSettings,
        ProgressEvent,
        default_cache_dir,
        export_results,
        fetch,
        get_dataset,
        parse_base_url_overrides,
    )

    console = Console(stderr=True)
    if list_datasets:
        _print_datasets(Console())
        return
    if not datasets:
        raise WlrGeoInputError("no dataset named", hint=f"add -d NAME; names: {', '.join(DATASETS)}")
    if output is None:
        raise WlrGeoInputError("no output folder", hint="add -o DIR")
    chosen = [get_dataset(n) for n in dict.fromkeys(datasets)]
    area = _area(gemeente, bbox, route, buffer_m)
    cfg = _fetch_config(config_path)
    d = DownloadSettings()

    def pick(value: float | None, key: str, default: float) -> float:
        return float(value if value is not None else cfg.get(key, default))

    settings = DownloadSettings(
        timeout_s=pick(timeout_s, "timeout_s", d.timeout_s),
        retries=int(pick(retries, "retries", d.retries)),
        rate_limit_per_s=pick(rate_limit, "rate_limit_per_s", d.rate_limit_per_s),
        page_limit=int(pick(page_size, "page_size", d.page_limit)),
        max_age_days=pick(max_age_days, "max_age_days", d.max_age_days),
    )
    if not 1 <= settings.page_limit <= 1000 or settings.retries < 0:
        raise WlrGeoInputError("[fetch] page_size must be 1…1000 and retries ≥ 0", source=str(config_path))
    if settings.max_age_days < 0 or settings.rate_limit_per_s < 0 or settings.timeout_s <= 0:
        raise WlrGeoInputError("max-age-days and rate-limit must be ≥ 0 and timeout > 0")
    cache = cache_dir or (Path(cfg["cache_dir"]).expanduser() if cfg.get("cache_dir") else default_cache_dir())
    overrides = {**{str(k): str(v) for k, v in cfg.get("base_urls", {}).items()},
                 **parse_base_url_overrides(base_urls)}
    api_root = api_root or cfg.get("api_root")
    click.echo(f"area: {area.description} (RD box {area.query_bbox()}); cache: {cache}", err=True)

    disable = no_progress or not console.is_terminal or bool(os.environ.get("CI"))
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[pages]} p."), TimeElapsedColumn(),
                  console=console, disable=disable, transient=False) as bar:
        tasks: dict[tuple[str, str], TaskID] = {}

        def on_progress(ev: ProgressEvent) -> None:
            key = (ev.dataset, ev.collection)
            if key not in tasks:
                tasks[key] = bar.add_task(f"{ev.dataset}/{ev.collection}", total=None, pages=0)
            total = ev.number_matched if ev.number_matched is not None else None
            if ev.done:
                total = ev.features
            bar.update(tasks[key], completed=ev.features, total=total, pages=ev.pages)

        results = fetch(chosen, area, cache_dir=cache, settings=settings, base_urls=overrides,
                        api_root=api_root, offline=offline, refresh=refresh, progress=on_progress)
    exported = export_results(results, output, area=area, cut=cut)

    table = Table(title=f"wlr-geo fetch: {area.description}")
    for col in ("dataset", "collection", "features", "in area", "source", "downloaded (UTC)", "notes"):
        table.add_column(col, overflow="fold")
    for r in results:
        in_area = exported.selected_features.get((r.dataset, r.collection))
        table.add_row(r.dataset, r.collection, str(r.feature_count), str(in_area),
                      "cache" if r.from_cache else "PDOK", str(r.provenance.get("download_end_utc")),
                      "; ".join(dict.fromkeys([*r.provenance.get("notes", []), *r.notes])))
    Console(width=160).print(table)
    for p in exported.paths:
        click.echo(f"wrote {p}")
