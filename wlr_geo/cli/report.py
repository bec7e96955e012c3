"""``wlr-geo report CONFIG -o DIR``: the consultation report from the results in DIR
(see :mod:`wlr_geo.workflows.report`)."""

from __future__ import annotations

from pathlib import Path

import click

from wlr_geo.cli._click_nl import command
from wlr_geo.cli._print import out_option, plain

__all__ = ["report_command"]


@command("report")
@click.argument("config", type=click.Path(path_type=Path))
@out_option(help="Map met de resultaten van impact/claims/landing/route; het rapport komt daarin.")
@click.option("--no-pdf", is_flag=True, help="Schrijf alleen report.html.")
@click.option("--gemeente", "gemeenten", multiple=True,
              help="Te tekenen gemeente(n), op naam (standaard: de regio en de gemeenten langs het tracé).")
def report_command(config: Path, out_dir: Path, no_pdf: bool, gemeenten: tuple[str, ...], wait_s: float) -> None:
    """Schrijf het raadpleegrapport (HTML, PDF, PNG-figuren, manifest) voor CONFIG in de uitvoermap."""
    from wlr_geo.workflows import report

    done = report.run(config, out_dir, pdf=not no_pdf, municipalities=list(gemeenten) or None, wait_s=wait_s)
    for note in done.notes:
        click.secho(f"let op: {plain(note)}", fg="yellow", err=True)
    for f in done.paths:
        click.echo(f"geschreven: {plain(f)}")
