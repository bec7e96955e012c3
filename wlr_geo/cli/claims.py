"""``wlr-geo claims CONFIG -o DIR``: space claims, their conflicts and the multi-year programme
(see :mod:`wlr_geo.workflows.claims`)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from wlr_geo._nl import nl
from wlr_geo.cli._click_nl import command
from wlr_geo.cli._console import Console
from wlr_geo.cli._print import dutch_number, out_option, safe

__all__ = ["claims_command"]


@command("claims")
@click.argument("config", type=click.Path(path_type=Path))
@out_option(help="Uitvoermap.")
def claims_command(config: Path, out_dir: Path, wait_s: float) -> None:
    """Ruimteclaims van een projectconfiguratie CONFIG: footprints, conflicten en het programma
    per jaar.

    Schrijft claims.gpkg (claims, conflicts, raakt), claims_programme.csv en .xlsx naar --out.
    """
    from wlr_geo.config import load_config
    from wlr_geo.workflows import claims

    console = Console(stderr=True)
    cfg = load_config(config)
    with console.status("ruimteclaims, beperkingen en conflicten"):
        done = claims.run(cfg, out_dir, wait_s=wait_s)
    for note in done.notes:
        console.print(f"[yellow]{safe(note)}[/yellow]")
    footprints, conflicts = done.footprints, done.conflicts
    is_conf = done.is_conflict
    table = Table(title=f"Ruimteclaims — {safe(cfg.name)}")
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
        table.add_row(safe(cid), safe(row.facility_type), years, safe(row.status), dutch_number(row.area_m2),
                      nl(n_c), nl(n_t))
    if len(footprints) > shown:
        table.add_row("…", f"nog {nl(len(footprints) - shown)} claims", "", "", "", "", "")
    out = Console()
    out.print(table)
    if bool(footprints["indicatief"].any()):
        out.print("[yellow]Let op: (een deel van) de claims is INDICATIEF; footprints uit sjablonen zijn aannames.[/yellow]")
    out.print(
        f"{nl(len(footprints))} claims, {nl(int(is_conf.sum()))} conflicten "
        f"({nl(int((confl['conflict_type'] == 'claim-claim').sum()))} claim–claim), {nl(len(touch))} keer 'raakt'. "
        f"Uitvoer: {safe(out_dir.resolve())}"
    )
