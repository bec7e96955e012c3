"""Printing helpers of the CLI: Dutch numbers, data values made safe for the terminal (from
:mod:`wlr_geo.cli._console`, the one escaping helper), and the one ``-o/--out`` option every
command shares."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from wlr_geo.cli._console import plain, safe

__all__ = ["dutch_number", "out_option", "plain", "safe"]


def dutch_number(value: float, decimals: int = 0) -> str:
    """``1234.5`` → ``"1.234,5"`` (Dutch grouping and decimal comma); NaN and inf as ``-``."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def out_option(*, help: str, required: bool = True, default: Path | None = None,
               show_default: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``-o/--out`` (the output folder or file), with ``--output`` kept as a hidden alias, and
    ``--wait`` (seconds to wait while another run writes into the same folder).

    The decorated command receives ``out_dir`` and ``wait_s``.
    """
    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(f)
        def wrapper(*args: Any, out_dir: Path | None = None, out_alias: Path | None = None, **kwargs: Any) -> Any:
            if out_dir is not None and out_alias is not None and out_dir != out_alias:
                raise click.UsageError("geef -o/--out één keer (--output is de oude schrijfwijze)")
            value = out_dir if out_dir is not None else out_alias
            if value is None:
                if required and default is None:
                    raise click.UsageError("Ontbrekende optie '-o' / '--out'.")
                value = default
            return f(*args, out_dir=value, **kwargs)

        wrapper = click.option("--wait", "wait_s", type=click.FloatRange(min=0, max=86_400), default=0.0,
                               show_default=True,
                               help="Seconden wachten zolang een andere run in dezelfde uitvoermap schrijft.")(wrapper)
        wrapper = click.option("--output", "out_alias", type=click.Path(path_type=Path), default=None,
                               hidden=True)(wrapper)
        return click.option("-o", "--out", "out_dir", type=click.Path(path_type=Path), default=None,
                            help=help + (f"  [standaard: {default}]" if show_default and default else ""))(wrapper)

    return decorate
