"""``wlr-geo demo``: the main job on the embedded Leidse-regio data.

Runs every analysis on the demo config (``layers/demo.toml``) and writes the outputs to one
folder, with a progress display and a summary. Each step is a function in
:mod:`wlr_geo.workflows.demo`; a step that fails stops the run with a clear error and leaves earlier
outputs intact (every file is written atomically).
"""

from __future__ import annotations

import time
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

__all__ = ["demo_command"]


@click.command("demo")
@click.option("--out", "-o", "out_dir", type=click.Path(path_type=Path), default=Path("wlr-output"),
              show_default=True, help="Output folder.")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
              help="Run on this project config instead of the embedded demo config.")
@click.option("--skip", multiple=True, help="Skip a step by name (repeatable).")
def demo_command(out_dir: Path, config_path: Path | None, skip: tuple[str, ...]) -> None:
    """Run every analysis on the embedded Leidse-regio data and write the outputs to --out."""
    from wlr_geo.workflows.demo import DemoContext, demo_steps

    console = Console(stderr=True)
    ctx = DemoContext.create(out_dir, config_path)
    steps = [s for s in demo_steps() if s.name not in skip]
    started = time.perf_counter()
    results: list[tuple[str, str, float]] = []
    with Progress(
        SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(), console=console, transient=False,
    ) as progress:
        task = progress.add_task("wlr-geo demo", total=len(steps))
        for step in steps:
            progress.update(task, description=step.title)
            t0 = time.perf_counter()
            summary = step.run(ctx)
            results.append((step.title, summary, time.perf_counter() - t0))
            progress.advance(task)
    ctx.finish()
    table = Table(title=f"wlr-geo demo — {ctx.out_dir}")
    table.add_column("stap")
    table.add_column("resultaat", overflow="fold")
    table.add_column("s", justify="right")
    for title, summary, secs in results:
        table.add_row(title, summary, f"{secs:.1f}")
    out = Console()
    out.print(table)
    out.print(f"Klaar in {time.perf_counter() - started:.0f} s. Uitvoer: {ctx.out_dir.resolve()}")
    for p in ctx.highlights:
        out.print(f"  • {p}")
