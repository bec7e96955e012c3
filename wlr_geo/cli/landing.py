"""``wlr-geo landing CONFIG -o DIR``: transparent multi-criteria ranking of landing sites
(see :mod:`wlr_geo.workflows.landing`)."""

from __future__ import annotations

import math
from pathlib import Path

import click
from rich.table import Table

from wlr_geo._nl import nl
from wlr_geo.cli._click_nl import command
from wlr_geo.cli._console import Console
from wlr_geo.cli._print import dutch_number, out_option, safe

__all__ = ["landing_command"]


@command("landing")
@click.argument("config", type=click.Path(path_type=Path))
@out_option(help="Uitvoermap.")
def landing_command(config: Path, out_dir: Path, wait_s: float) -> None:
    """Rangschik de kandidaat-aanlandlocaties van een projectconfiguratie CONFIG en toets hoe
    robuust de rangorde is.

    Schrijft landing_scores.csv/.xlsx, landing_sensitivity(_oat).csv, landing.json en landing.gpkg.
    """
    from wlr_geo.config import load_config
    from wlr_geo.workflows import landing

    cfg = load_config(config)
    settings = cfg.options.landing
    console = Console(stderr=True)
    with console.status(f"criteria en gevoeligheidsanalyse ({nl(settings.n_samples)} trekkingen)"):
        done = landing.run(cfg, out_dir, wait_s=wait_s)
    scores, sens = done.scores, done.sensitivity
    table = Table(title=f"Aanlandlocaties — {safe(cfg.name)}")
    table.add_column("rang", justify="right")
    table.add_column("locatie")
    table.add_column("score", justify="right")
    table.add_column("P(eerste)", justify="right")
    for cid, rank, score in zip(scores.index, scores["rank"], scores["score"], strict=True):
        p1 = float(sens.monte_carlo["p_rank1"].get(str(cid), 0.0))
        table.add_row(str(int(rank)), safe(cid), dutch_number(score, 3), f"{dutch_number(100 * p1)}%")
    out = Console()
    out.print(table)
    for name, row in sens.one_at_a_time.iterrows():
        parts = []
        if not math.isnan(row["flip_factor_down"]):
            parts.append(f"×{dutch_number(row['flip_factor_down'], 2)} → {safe(row['flip_to_down'])}")
        if not math.isnan(row["flip_factor_up"]):
            parts.append(f"×{dutch_number(row['flip_factor_up'], 2)} → {safe(row['flip_to_up'])}")
        out.print(f"  gewicht {safe(name)}: " + ("; ".join(parts) if parts else
                                                f"geen wissel binnen [0, {dutch_number(settings.max_factor)}×]"))
    for note in done.notes:
        out.print(f"[yellow]{safe(note)}[/yellow]")
    out.print(f"Nr. 1: {safe(sens.baseline_top)}; kans dat de nr. 1 wisselt bij ±{dutch_number(100 * settings.perturbation)}% "
              f"op de gewichten: {dutch_number(100 * sens.p_top_changes, 1)}%. Uitvoer: {safe(out_dir.resolve())}")
