"""``wlr-geo fetch``: download PDOK layers for an area into the cache and an output folder."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from wlr_geo._errors import WlrGeoInputError
from wlr_geo._nl import nl
from wlr_geo.cli._click_nl import command
from wlr_geo.cli._console import Console, plain
from wlr_geo.workflows.fetch import CBS_YEARS, DATASETS, DEFAULT_CBS_YEAR, PDOK_MAX_LIMIT, Area

__all__ = ["fetch_command"]


def _datasets_help() -> str:
    return "; ".join(f"{d.name} ({', '.join(d.collections)})" for d in DATASETS.values())


def _print_datasets(console: Console) -> None:
    table = Table(title="Datasets voor wlr-geo fetch (PDOK OGC API Features)")
    for col in ("naam", "titel", "collecties", "dienst", "URL", "RD-uitvoer", "licentie"):
        table.add_column(col, overflow="fold", no_wrap=col in ("naam", "dienst"))
    status = {"confirmed": "bevestigd", "best knowledge": "beste kennis"}
    for d in DATASETS.values():
        table.add_row(*(Text(v) for v in (d.name, d.title, ", ".join(d.collections), d.base_url(),
                                            status[d.url_status], status[d.rd_output], d.licence)))
    console.print(table)
    console.print(Text(
        f"CBS-jaren: {', '.join(f'{y} ({s})' for y, s in CBS_YEARS.items())}; standaard {DEFAULT_CBS_YEAR}. "
        "De bronnen per dataset staan in wlr_geo/pdok.py en in de provenance van elke download."
    ))


def _count(value: object) -> str:
    """A feature count for the table: Dutch separators, ``-`` when unknown."""
    return nl(value) if isinstance(value, int) and not isinstance(value, bool) else "-" if value is None else str(value)


def _area(gemeente: tuple[str, ...], bbox: str | None, route: str | None, buffer_m: float) -> Area:
    from wlr_geo.workflows.fetch import area_from_bbox, area_from_gemeenten, area_from_route

    given = [name for name, v in (("--gemeente", gemeente), ("--bbox", bbox), ("--route", route)) if v]
    if len(given) != 1:
        raise WlrGeoInputError(
            "geef precies één gebied op: " + (f"nu {' en '.join(given)}" if given else "er is geen gegeven"),
            hint="gebruik --gemeente GM0546 (herhaalbaar), --bbox xmin,ymin,xmax,ymax (RD) of --route PAD[:LAAG]",
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
    "cbs_year": int, "bgt_source": str,
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
            problems.append(f"onbekende sleutel {key!r} (bekend: {', '.join(_CONFIG_KEYS)})")
        elif not isinstance(value, kind) or isinstance(value, bool):
            problems.append(f"{key} = {value!r} heeft het verkeerde type")
    if table.get("bgt_source", "ogc") not in ("ogc", "download"):
        problems.append(f"bgt_source = {table['bgt_source']!r}: gebruik 'ogc' of 'download'")
    if problems:
        raise ConfigError("[fetch]: " + "; ".join(problems), source=str(path))
    urls = table.get("base_urls", {})
    parse_base_url_overrides(f"{k}={v}" for k, v in urls.items())  # checks names and URLs
    if "cache_dir" in table:  # relative to the config file's folder
        table["cache_dir"] = str(project.resolve_path(table["cache_dir"]))
    return table


_EPILOG = """\b
Voorbeelden:
  wlr-geo fetch --gemeente GM0546 --gemeente GM0547 -d wijken -d buurten -o data/
  wlr-geo fetch --bbox 90000,458000,96000,466000 -d bag -d bgt -o data/
  wlr-geo fetch --route route.gpkg:trace --buffer-m 500 -d natura2000 -d wegen -d spoor -o data/
  wlr-geo fetch --route route.gpkg:trace -d bgt --bgt-source download -o data/
  wlr-geo fetch --offline --gemeente GM0546 -d wijken -o data/   (alleen de cache, geen netwerk)

\b
Omgeving: WLR_GEO_CACHE (cachemap), WLR_GEO_PDOK_ROOT (API-wortel in plaats van
https://api.pdok.nl), WLR_GEO_PDOK_URL_<NAAM> (basis-URL van één dataset),
WLR_GEO_PDOK_URL_BGT_DOWNLOAD (BGT-download-API).
"""


@command("fetch", epilog=_EPILOG)
@click.option("-d", "--dataset", "datasets", multiple=True, metavar="NAAM",
              help="Te downloaden dataset (herhaalbaar): " + _datasets_help() + ".")
@click.option("--list-datasets", is_flag=True,
              help="Toon de datasets met hun PDOK-diensten en collecties, en stop.")
@click.option("--gemeente", multiple=True, metavar="GMxxxx",
              help="Gebied: gemeentecode(s) van de ingebouwde grenzen (herhaalbaar); de uitvoer wordt "
                   "geselecteerd op de gemeentevlakken.")
@click.option("--bbox", metavar="XMIN,YMIN,XMAX,YMAX", help="Gebied: een rechthoek in RD-meters (EPSG:28992).")
@click.option("--route", metavar="PAD[:LAAG]", help="Gebied: een tracélaag, met een buffer van --buffer-m.")
@click.option("--buffer-m", type=float, default=500.0, show_default=True,
              help="Buffer rond --route in meter.")
@click.option("-o", "--out", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Uitvoermap: één GeoPackage per dataset, catalog.toml en provenance.json.")
@click.option("--output", "output_alias", type=click.Path(path_type=Path), default=None, hidden=True)
@click.option("--cbs-year", type=int, default=None, metavar="JAAR",
              help=f"Jaar van de CBS-wijken en -buurten ({', '.join(map(str, CBS_YEARS))})  "
                   f"[standaard: {DEFAULT_CBS_YEAR}, het nieuwste met volledige kerncijfers].")
@click.option("--bgt-source", type=click.Choice(["ogc", "download"]), default=None,
              help="BGT via de OGC API (actuele objecten) of als één CityGML-extract uit de "
                   "BGT-download-API van PDOK, gelezen met wlr_geo.io.bgt.read_bgt  [standaard: ogc].")
@click.option("--cache-dir", type=click.Path(path_type=Path), default=None,
              help="Downloadcache (standaard $WLR_GEO_CACHE of ~/.cache/wlr_geo).")
@click.option("--offline", is_flag=True, help="Gebruik alleen de cache; stop als een laag er niet in staat.")
@click.option("--refresh", is_flag=True, help="Download opnieuw, ook als de cache een verse kopie heeft.")
@click.option("--max-age-days", type=float, default=None,
              help="Downloads in de cache die ouder zijn dan dit aantal dagen worden opnieuw gedownload  "
                   "[standaard: 30].")
@click.option("--base-url", "base_urls", multiple=True, metavar="[NAAM=]URL",
              help="Vervang de basis-URL van de dienst van één dataset (NAAM=URL) of van alle (URL).")
@click.option("--api-root", default=None, metavar="URL",
              help="Wortel in plaats van https://api.pdok.nl voor elke dataset (ook $WLR_GEO_PDOK_ROOT).")
@click.option("--rate-limit", type=float, default=None,
              help="Hoogstens zoveel verzoeken per seconde, 0: geen grens  [standaard: 2].")
@click.option("--timeout", "timeout_s", type=float, default=None,
              help="Time-out van één verzoek in seconden  [standaard: 60].")
@click.option("--retries", type=click.IntRange(0, 20), default=None,
              help="Nieuwe pogingen per verzoek (backoff met jitter; Retry-After gevolgd)  [standaard: 4].")
@click.option("--page-size", type=click.IntRange(min=1), default=None,
              help=f"Objecten per pagina ('limit'); PDOK levert hoogstens {nl(PDOK_MAX_LIMIT)}, een grotere "
                   f"waarde wordt met een waarschuwing verlaagd  [standaard: {nl(PDOK_MAX_LIMIT)}].")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
              help="Projectconfiguratie waarvan de tabel [fetch] api_root, base_urls, cache_dir, "
                   "max_age_days, rate_limit_per_s, timeout_s, retries, page_size, cbs_year en "
                   "bgt_source zet (opties op de opdrachtregel gaan voor).")
@click.option("--cut", is_flag=True,
              help="Knip geometrieën af op het gebied in plaats van hele snijdende objecten te houden.")
@click.option("--no-progress", is_flag=True, help="Geen voortgangsbalken.")
def fetch_command(
    datasets: tuple[str, ...], list_datasets: bool, gemeente: tuple[str, ...], bbox: str | None,
    route: str | None, buffer_m: float, out_dir: Path | None, output_alias: Path | None,
    cbs_year: int | None, bgt_source: str | None, cache_dir: Path | None,
    offline: bool, refresh: bool, max_age_days: float | None, base_urls: tuple[str, ...],
    api_root: str | None, rate_limit: float | None, timeout_s: float | None, retries: int | None,
    page_size: int | None, config_path: Path | None, cut: bool, no_progress: bool,
) -> None:
    """Download PDOK-lagen voor een gebied: grenzen, CBS-wijken/-buurten, BGT, BAG, Natura 2000,
    NWB-wegen en spoor (OGC API Features, GeoJSON in RD New; de BGT desgewenst als CityGML-extract
    uit de BGT-download-API van PDOK).

    Downloads gaan per pagina (rel=next), worden bij fouten met backoff herhaald, zijn in tempo
    begrensd, komen in de cache (na een onderbreking te hervatten, verlopen na --max-age-days) en
    krijgen een herkomstrecord (dienst-URL, collectie, vraag, tijd, aantal objecten, SHA-256, de
    gedane paginacontroles). Elke laag krijgt naast de eigen kolommen van PDOK de standaardkolommen
    (gm_code, gm_naam, wk_code, wk_naam, bu_code, bu_naam, inwoners) en staat in catalog.toml in
    de uitvoer, die een projectconfiguratie kan noemen: [project] catalogs = ["MAP/catalog.toml"].
    Niets gebruikt het netwerk behalve dit commando, en met --offline zelfs dit niet.
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
        _print_datasets(Console(width=180))
        return
    if out_dir is not None and output_alias is not None and out_dir != output_alias:
        raise WlrGeoInputError("twee verschillende uitvoermappen (-o/--out en --output)", hint="geef er één")
    output = out_dir or output_alias
    if not datasets:
        raise WlrGeoInputError("geen dataset gekozen", hint=f"voeg -d NAAM toe; namen: {', '.join(DATASETS)}")
    if output is None:
        raise WlrGeoInputError("geen uitvoermap", hint="voeg -o MAP toe")
    cfg = _fetch_config(config_path)
    year = cbs_year if cbs_year is not None else cfg.get("cbs_year")
    chosen = [get_dataset(n, year=year) for n in dict.fromkeys(datasets)]
    area = _area(gemeente, bbox, route, buffer_m)
    d = DownloadSettings()

    def pick(value: float | None, key: str, default: float) -> float:
        return float(value if value is not None else cfg.get(key, default))

    limit = int(pick(page_size, "page_size", d.page_limit))
    if limit > PDOK_MAX_LIMIT:
        where = "--page-size" if page_size is not None else f"[fetch] page_size in {config_path}"
        console.print(Text(f"let op: {where} = {nl(limit)} is meer dan PDOK levert (hoogstens "
                           f"{nl(PDOK_MAX_LIMIT)} per pagina); er wordt {nl(PDOK_MAX_LIMIT)} gevraagd",
                           style="yellow"))
        limit = PDOK_MAX_LIMIT
    settings = DownloadSettings(
        timeout_s=pick(timeout_s, "timeout_s", d.timeout_s),
        retries=int(pick(retries, "retries", d.retries)),
        rate_limit_per_s=pick(rate_limit, "rate_limit_per_s", d.rate_limit_per_s),
        page_limit=limit,
        max_age_days=pick(max_age_days, "max_age_days", d.max_age_days),
    )
    if limit < 1 or settings.retries < 0:
        raise WlrGeoInputError("[fetch] page_size moet ≥ 1 zijn en retries ≥ 0", source=str(config_path))
    if not (settings.max_age_days >= 0 and settings.rate_limit_per_s >= 0 and settings.timeout_s > 0):
        raise WlrGeoInputError("max-age-days en rate-limit moeten ≥ 0 zijn en timeout > 0")
    cache = cache_dir or (Path(cfg["cache_dir"]).expanduser() if cfg.get("cache_dir") else default_cache_dir())
    overrides = {**{str(k): str(v) for k, v in cfg.get("base_urls", {}).items()},
                 **parse_base_url_overrides(base_urls)}
    api_root = api_root or cfg.get("api_root")
    source = bgt_source or str(cfg.get("bgt_source", "ogc"))
    console.print(Text(plain(f"gebied: {area.description} (RD-box {area.query_bbox()}); cache: {cache}")))

    disable = no_progress or not console.is_terminal or bool(os.environ.get("CI"))
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[pages]} p."), TimeElapsedColumn(),
                  console=console, disable=disable, transient=False) as bar:
        tasks: dict[tuple[str, str], TaskID] = {}

        def on_progress(ev: ProgressEvent) -> None:
            key = (ev.dataset, ev.collection)
            if key not in tasks:
                tasks[key] = bar.add_task(f"{ev.dataset}/{ev.collection}", total=None, pages=0)
            bar.update(tasks[key], completed=ev.features, total=ev.total, pages=ev.pages)

        results = fetch(chosen, area, cache_dir=cache, settings=settings, base_urls=overrides,
                        api_root=api_root, offline=offline, refresh=refresh, progress=on_progress,
                        cbs_year=year, bgt_source="download" if source == "download" else "ogc")
    exported = export_results(results, output, area=area, cut=cut)

    table = Table(title=Text(plain(f"wlr-geo fetch: {area.description}")))
    for col in ("dataset", "collectie", "objecten", "in gebied", "bron", "gedownload (UTC)", "opmerkingen"):
        table.add_column(col, overflow="fold")
    for r in results:
        in_area = exported.selected_features.get((r.dataset, r.collection))
        notes = "; ".join(dict.fromkeys([*r.provenance.get("notes", []), *r.notes]))
        table.add_row(*(Text(plain(v)) for v in (
            r.dataset, r.collection, _count(r.feature_count), _count(in_area), "cache" if r.from_cache else "PDOK",
            r.provenance.get("download_end_utc") or "-", notes)))
    Console(width=160).print(table)
    for p in exported.paths:
        click.echo(f"geschreven: {plain(p)}")
    click.echo(f"in een projectconfiguratie: [project] catalogs = [\"{plain(output / 'catalog.toml')}\"]")
