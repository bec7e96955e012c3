"""``wlr-geo route``: route alternatives by least-cost routing on a cost raster.

Two forms::

    wlr-geo route CONFIG -o DIR
    wlr-geo route --cost RASTER.tif --start X,Y --end X,Y [--end X,Y ...] [-k K] -o DIR

The config form builds the cost raster from the config's layers (``[routing]`` section) and
writes ``DIR/cost.tif``; both write ``DIR/routes.gpkg`` (layer ``routes``: one line per
alternative with ``target``, ``rank``, ``cost``, ``length_m``, ``separation_m``,
``shared_share``, ``method``, ``verification``, ``verification_ratio``) and ``DIR/routes.csv``
(the variant comparison, with the same routing columns). The options override the ``[routing]``
keys of the same meaning (:data:`wlr_geo.workflows.routing.CLI_FLAGS`); see
:mod:`wlr_geo.workflows.routing`.
"""

from __future__ import annotations

import math
import re
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import pandas as pd
from rich.table import Table

from wlr_geo._errors import WlrGeoInputError
from wlr_geo._nl import nl
from wlr_geo._options import describe
from wlr_geo.cli._click_nl import command
from wlr_geo.cli._console import Console
from wlr_geo.cli._print import dutch_number, out_option, plain, safe
from wlr_geo.workflows.routing import METHODS, RoutingOptions, RoutingRun

__all__ = ["VERIFICATION_NL", "route_command"]

#: Dutch wording of the verification outcomes (wlr_geo.analysis.routing.lcp.PathResult.verification).
VERIFICATION_NL = {
    "exact": "exact (volledige resolutie)",
    "bound": "bewezen binnen de tolerantie van een ondergrens",
    "corridor": "bevestigd door een bredere corridor",
    "full": "exact (teruggevallen op volledige resolutie)",
    "unverified": "NIET bevestigd binnen de tolerantie",
}

#: Short Dutch labels of the verification outcomes for the summary table.
VERIFICATION_SHORT_NL = {
    "exact": "exact",
    "bound": "ondergrens",
    "corridor": "bredere corridor",
    "full": "exact (terugval)",
    "unverified": "niet bevestigd",
}

#: ``--help`` of the options that set a ``[routing]`` key (:data:`wlr_geo.workflows.routing.CLI_FLAGS`).
OPTION_HELP_NL = {
    "k": "Alternatieven per eindpunt.",
    "min_separation_m": "Afstand waarboven delen van twee alternatieven als verschillend tellen (standaard: 10 cellen).",
    "min_distinct_share": "Deel van de lengte van elk alternatief dat verder dan min_separation_m van elk ander "
                          "alternatief moet liggen.",
    "method": "Methode voor de goedkoopste route: coarse-to-fine (gecontroleerd) of full (exact, meer geheugen).",
    "coarse_factor": "Fijne cellen per zijde van een grove cel (coarse-to-fine).",
    "corridor_m": "Halve breedte van de verfijningscorridor (coarse-to-fine).",
    "barrier_cost": "Cellen met kosten vanaf deze waarde zijn barrières, zoals nodata (bijv. 9999 als het raster "
                    "verboden gebied zo codeert).",
    "epsilon": "Tolerantie van de controle van coarse-to-fine (0,01 = 1 %).",
}


#: A number in a range text (not one in e-notation, which stays as it is).
_NUMBER = re.compile(r"(?<![\w.+-])\d+(?:\.\d+)?(?![\w.+-])")


def _help(name: str) -> str:
    """``--help`` of the option that sets ``[routing]`` key ``name``: Dutch text, key, default, range."""
    info = next(i for i in describe(RoutingOptions) if i.key == name)
    parts = [f"[routing] {info.key}"]
    if info.default is not None:
        default = info.default
        shown = nl(default) if isinstance(default, (int, float)) and not isinstance(default, bool) else str(default)
        parts.append(f"standaard {shown}")
    if info.range and "one of" not in info.range and "een van" not in info.range:
        parts.append(_NUMBER.sub(lambda m: nl(float(m.group())), info.range.replace(" and ", " en ")))
    return f"{OPTION_HELP_NL[name]} ({'; '.join(parts)})"


#: Summary columns: route column → (Dutch header, formatter).
_SUMMARY: dict[str, tuple[str, Callable[[Any], str]]] = {
    "target": ("doel", safe),
    "rank": ("rang", str),
    "cost": ("kosten (eq. m)", dutch_number),
    "length_m": ("lengte (m)", dutch_number),
    "separation_m": ("afstand (m)", dutch_number),
    "shared_share": ("gedeeld", lambda v: f"{dutch_number(100 * v)} %"),
    "method": ("methode", safe),
    "verification": ("controle", lambda v: VERIFICATION_SHORT_NL.get(str(v), safe(v))),
}


def _summary(routes: pd.DataFrame) -> None:
    table = Table(title=f"Routealternatieven ({nl(len(routes))})")
    cols = [c for c in _SUMMARY if c in routes.columns]
    for col in cols:
        table.add_column(_SUMMARY[col][0], justify="left" if col in ("target", "method", "verification") else "right")
    for _, row in routes.iterrows():
        cells = []
        for col in cols:
            v = row[col]
            cells.append("-" if isinstance(v, float) and not math.isfinite(v) else _SUMMARY[col][1](v))
        table.add_row(*cells)
    Console(width=160).print(table)


def _notes(done: RoutingRun) -> list[str]:
    """Dutch lines for the log: how each route was verified, and why fewer than k were found."""
    notes = []
    routes = done.routes
    for _, row in routes.iterrows():
        how = VERIFICATION_NL.get(str(row["verification"]), safe(row["verification"]))
        ratio = float(row["verification_ratio"])
        extra = (f" (verhouding {dutch_number(ratio, 4)})"
                 if row["verification"] in ("bound", "corridor", "unverified") else "")
        notes.append(f"doel {safe(row['target'])}, alternatief {row['rank']}: {how}{extra}")
    eps = done.options.epsilon if done.options is not None else 0.01
    for s in done.shortfalls:
        notes.append(
            f"doel {safe(s.target)}: {s.found} van {s.requested} alternatieven gevonden; geen verdere route ligt "
            f"voor ten minste {dutch_number(100 * s.min_distinct_share)} % van haar lengte verder dan "
            f"{dutch_number(s.min_separation_m)} m van de andere routes (tolerantie {dutch_number(100 * eps, 1)} %)")
    return notes


@contextmanager
def _progress_bar() -> Iterator[Any]:
    def bar(targets: Sequence[tuple[str, Any]]) -> Iterator[Any]:
        with click.progressbar(targets, label="routes zoeken", file=sys.stderr,
                               item_show_func=lambda t: t[0] if t else None) as items:
            yield from items

    yield bar


@command("route")
@click.argument("config", required=False, type=click.Path(path_type=Path))
@click.option("--cost", "cost_path", type=click.Path(path_type=Path),
              help="Een kostenraster als GeoTIFF (EPSG:28992) in plaats van een configuratie.")
@click.option("--start", "start_text", metavar="X,Y", help="Beginpunt X,Y in RD-meters.")
@click.option("--end", "end_texts", multiple=True, metavar="X,Y", help="Eindpunt X,Y in RD-meters (herhaalbaar).")
@click.option("-k", "k", type=int, default=None, help=_help("k"))
@click.option("--min-separation", "min_separation_m", type=float, default=None, help=_help("min_separation_m"))
@click.option("--min-distinct-share", "min_distinct_share", type=float, default=None, help=_help("min_distinct_share"))
@click.option("--method", type=click.Choice(METHODS), default=None, help=_help("method"))
@click.option("--coarse-factor", type=int, default=None, help=_help("coarse_factor"))
@click.option("--corridor", "corridor_m", type=float, default=None, help=_help("corridor_m"))
@click.option("--barrier-above", "barrier_cost", type=float, default=None, help=_help("barrier_cost"))
@click.option("--epsilon", type=float, default=None, help=_help("epsilon"))
@out_option(help="Uitvoermap.")
def route_command(config: Path | None, cost_path: Path | None, start_text: str | None, end_texts: tuple[str, ...],
                  k: int | None, min_separation_m: float | None, min_distinct_share: float | None,
                  method: str | None, coarse_factor: int | None, corridor_m: float | None,
                  barrier_cost: float | None, epsilon: float | None, out_dir: Path, wait_s: float) -> None:
    """Routealternatieven via de goedkoopste route over een kostenraster: schrijft routes.gpkg,
    routes.csv (en cost.tif) in de uitvoermap."""
    from wlr_geo.workflows import routing

    if (config is None) == (cost_path is None):
        raise WlrGeoInputError("geef een CONFIG of --cost RASTER.tif",
                               hint="gebruik wlr-geo route CONFIG -o MAP, of wlr-geo route --cost R.tif --start X,Y "
                                    "--end X,Y -o MAP")
    t0 = time.perf_counter()
    overrides = {"k": k, "min_separation_m": min_separation_m, "min_distinct_share": min_distinct_share,
                 "method": method, "coarse_factor": coarse_factor, "corridor_m": corridor_m,
                 "barrier_cost": barrier_cost, "epsilon": epsilon}
    ends = [routing.parse_xy(t, "--end") for t in end_texts]
    with _progress_bar() as bar:
        if cost_path is not None:
            if start_text is None or not ends:
                raise WlrGeoInputError("--cost vraagt --start X,Y en minstens één --end X,Y",
                                       hint="geef bijv. --start 81000,452000 --end 88000,468000")
            done = routing.run_on_raster(cost_path, routing.parse_xy(start_text, "--start"), ends, out_dir,
                                         progress=bar, wait_s=wait_s, **overrides)
        else:
            assert config is not None
            click.echo("kostenraster maken en routeren…", err=True)
            done = routing.run(config, out_dir, ends=ends, progress=bar, wait_s=wait_s, **overrides)
    for note in _notes(done):
        click.echo(note, err=True)
    _summary(done.routes)
    click.echo(f"geschreven: {', '.join(plain(p) for p in done.paths)} ({nl(len(done.routes))} routes) "
               f"in {dutch_number(time.perf_counter() - t0, 1)} s")
