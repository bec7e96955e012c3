"""``wlr-geo route``: route alternatives by least-cost routing on a cost raster.

Two forms::

    wlr-geo route CONFIG -o DIR
    wlr-geo route --cost RASTER.tif --start X,Y --end X,Y [--end X,Y ...] [-k K] -o DIR

The config form builds the cost raster from the config's layers (``[routing]`` section) and
writes ``DIR/cost.tif``; both write ``DIR/routes.gpkg`` (layer ``routes``: one line per
alternative with ``target``, ``rank``, ``cost``, ``length_m``) and ``DIR/routes.csv`` (the
variant comparison). See :mod:`wlr_geo.workflows.routing`.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import pandas as pd
from rich.table import Table

from wlr_geo._errors import WlrGeoInputError
from wlr_geo.cli._console import Console
from wlr_geo.cli._print import dutch_number, out_option, plain, safe

__all__ = ["route_command"]


def _summary(routes: pd.DataFrame) -> None:
    table = Table(title=f"Routealternatieven ({len(routes)})")
    cols = [c for c in ("target", "rank", "cost", "length_m", "separation_m", "method") if c in routes.columns]
    for col in cols:
        table.add_column(col, justify="right" if col not in ("target", "method") else "left")
    for _, row in routes.iterrows():
        cells = []
        for col in cols:
            v = row[col]
            cells.append(dutch_number(v) if isinstance(v, float) and math.isfinite(v) else
                         ("-" if isinstance(v, float) else safe(v)))
        table.add_row(*cells)
    Console(width=140).print(table)


@contextmanager
def _progress_bar() -> Iterator[Any]:
    def bar(targets: Sequence[tuple[str, Any]]) -> Iterator[Any]:
        with click.progressbar(targets, label="routeren", file=sys.stderr,
                               item_show_func=lambda t: t[0] if t else None) as items:
            yield from items

    yield bar


@click.command("route")
@click.argument("config", required=False, type=click.Path(path_type=Path))
@click.option("--cost", "cost_path", type=click.Path(path_type=Path), help="A cost raster GeoTIFF (EPSG:28992) instead of a config.")
@click.option("--start", "start_text", help="Start point X,Y in RD metres.")
@click.option("--end", "end_texts", multiple=True, help="End point X,Y in RD metres (repeatable).")
@click.option("-k", "k", type=click.IntRange(min=1, max=100), default=None, help="Alternatives per end point (default 3).")
@click.option("--min-separation", "min_separation_m", type=float, default=None, help="Minimum mean distance between alternatives (m).")
@click.option("--method", type=click.Choice(["coarse-to-fine", "full"]), default=None, help="Routing method.")
@click.option("--coarse-factor", type=click.IntRange(min=2, max=1000), default=None, help="Fine cells per coarse cell side.")
@click.option("--corridor", "corridor_m", type=float, default=None, help="Refinement corridor half-width (m).")
@out_option(help="Output folder.")
def route_command(config: Path | None, cost_path: Path | None, start_text: str | None, end_texts: tuple[str, ...],
                  k: int | None, min_separation_m: float | None, method: str | None, coarse_factor: int | None,
                  corridor_m: float | None, out_dir: Path, wait_s: float) -> None:
    """Route alternatives by least-cost routing: writes DIR/routes.gpkg, routes.csv (and cost.tif)."""
    from wlr_geo.workflows import routing

    if (config is None) == (cost_path is None):
        raise WlrGeoInputError("give either a CONFIG or --cost RASTER.tif",
                               hint="wlr-geo route CONFIG -o DIR, or wlr-geo route --cost R.tif --start X,Y --end X,Y -o DIR")
    t0 = time.perf_counter()
    overrides = {"k": k, "min_separation_m": min_separation_m, "method": method, "coarse_factor": coarse_factor,
                 "corridor_m": corridor_m}
    ends = [routing.parse_xy(t, "--end") for t in end_texts]
    with _progress_bar() as bar:
        if cost_path is not None:
            if start_text is None or not ends:
                raise WlrGeoInputError("--cost needs --start X,Y and at least one --end X,Y",
                                       hint="e.g. --start 81000,452000 --end 88000,468000")
            done = routing.run_on_raster(cost_path, routing.parse_xy(start_text, "--start"), ends, out_dir,
                                         progress=bar, wait_s=wait_s, **overrides)
        else:
            assert config is not None
            click.echo("kostenraster maken en routeren…", err=True)
            done = routing.run(config, out_dir, ends=ends, progress=bar, wait_s=wait_s, **overrides)
    _summary(done.routes)
    click.echo(f"geschreven: {', '.join(plain(p) for p in done.paths)} ({len(done.routes)} routes) "
               f"in {dutch_number(time.perf_counter() - t0, 1)} s")
