"""``wlr-geo demo``: the main job on the embedded Leidse-regio data.

Runs every workflow on the demo config (``layers/demo.toml``) into one output folder (see
:mod:`wlr_geo.workflows.demo`), with a progress display and a summary.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from wlr_geo.cli._click_nl import command
from wlr_geo.cli._console import Console
from wlr_geo.cli._print import dutch_number, out_option, safe

__all__ = ["demo_command"]


@command("demo")
@out_option(help="Uitvoermap.", required=False, default=Path("wlr-output"), show_default=True)
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
              help="Draai op deze projectconfiguratie in plaats van de ingebouwde democonfiguratie.")
@click.option("--skip", multiple=True, help="Sla een stap over, op naam (herhaalbaar).")
def demo_command(out_dir: Path, config_path: Path | None, skip: tuple[str, ...], wait_s: float) -> None:
    """Draai elke analyse op de ingebouwde gegevens van de Leidse regio en schrijf de uitvoer naar --out."""
    from wlr_geo.workflows import demo

    console = Console(stderr=True)
    started = time.perf_counter()
    steps = [s for s in demo.demo_steps() if s.name not in skip]
    with Progress(
        SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(), console=console, transient=False,
    ) as progress:
        task = progress.add_task("wlr-geo demo", total=len(steps))

        def on_step(step: Any, result: Any) -> None:
            if result is None:
                progress.update(task, description=step.title)
            else:
                progress.advance(task)

        done = demo.run(out_dir, config=config_path, skip=skip, on_step=on_step, wait_s=wait_s)
    table = Table(title=f"wlr-geo demo — {safe(done.out_dir)}")
    table.add_column("stap")
    table.add_column("resultaat", overflow="fold")
    table.add_column("s", justify="right")
    for step in done.steps:
        table.add_row(step.title, safe(step.summary), dutch_number(step.seconds, 1))
    out = Console()
    out.print(table)
    out.print(f"Klaar in {dutch_number(time.perf_counter() - started)} s. Uitvoer: {safe(done.out_dir.resolve())}")
    for p in done.highlights:
        out.print(f"  • {safe(p)}")
