"""``wlr-geo check-klic``: compare the KLIC reader with GDAL on a folder of deliveries."""

from __future__ import annotations

import math
from pathlib import Path

import click
from rich.table import Table

from wlr_geo._errors import KlicError
from wlr_geo.cli._click_nl import command
from wlr_geo.cli._console import Console, safe

__all__ = ["check_klic_command", "nl_number"]


def nl_number(value: float, decimals: int = 0) -> str:
    """A number in Dutch notation: ``12345.6`` → ``12.345,6``."""
    if math.isinf(value):
        return "∞"
    return f"{value:,.{decimals}f}".replace(",", "_").replace(".", ",").replace("_", ".")


def _short(label: str, base: Path) -> str:
    """A delivery's location relative to the folder checked: the zip (with a nested zip after
    ``!``), the unpacked delivery's folder, or the XML file."""
    parts = label.split("!")
    if len(parts) > 1:  # zip!xml or zip!inner.zip!xml
        parts = parts[:-1]
    else:
        path = Path(parts[0])
        parts = [str(path.parent if path.name.lower().startswith("gi_") else path)]
    head = Path(parts[0])
    rel = head.relative_to(base).as_posix() if head.is_relative_to(base) else head.name
    return "!".join([rel or ".", *parts[1:]])


@command("check-klic")
@click.argument("directory", type=click.Path(exists=True, path_type=Path))
def check_klic_command(directory: Path) -> None:
    """Vergelijk de KLIC-lezer van wlr_geo met GDAL op elke levering in MAP.

    Per levering (zip, uitgepakte map of IMKL-XML): de rijen die wlr_geo maakt (één per object
    en link) tegen een telling van de paren object-link in de XML, de verschillende links tegen
    de laag UtilityLink van GDAL, en de lengte van elke link tegen die van GDAL. Toont één
    tabel; afsluitcode 1 als een levering verschilt. De invoer wordt nooit veranderd.
    """
    from wlr_geo.workflows.klic import LENGTH_TOLERANCE_M, check_deliveries

    console = Console(width=160)
    with console.status("KLIC-leveringen vergelijken met GDAL ...") as status:
        results, skipped = check_deliveries(
            directory, on_delivery=lambda src: status.update(f"vergelijken: {safe(src.label)}"))
    if not results:
        reasons = "; ".join(f"{w}: {r}" for w, r in skipped[:3])
        raise KlicError(f"geen IMKL-levering te vergelijken ({reasons})", source=str(directory),
                        hint="geef een map met Levering_*.zip-bestanden of uitgepakte leveringen")
    table = Table(title=f"KLIC: wlr_geo vergeleken met GDAL ({safe(str(directory))})")
    table.add_column("levering", overflow="fold")
    for col, justify in ( ("IMKL", "left"), ("rijen", "right"), ("rijen XML", "right"),
                         ("links", "right"), ("links GDAL", "right"), ("overgeslagen", "right"),
                         ("lengte (m)", "right"), ("lengte GDAL (m)", "right"), ("max. verschil (m)", "right"),
                         ("oordeel", "left")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    base = directory.resolve()
    n_diff = 0
    for r in results:
        n_diff += not r.equal
        verdict = "gelijk" if r.equal else "[bold red]VERSCHIL[/]"
        if r.equal and r.links_skipped:
            verdict = "gelijk (overgeslagen links: zie wlr-geo klic)"
        diff = r.max_length_difference_m
        table.add_row(
            safe(_short(r.delivery, base)), safe(r.imkl_versie or "?"), nl_number(r.rows), nl_number(r.rows_reference),
            nl_number(r.links), nl_number(r.links_gdal), nl_number(r.links_skipped),
            nl_number(r.length_m, 1), nl_number(r.length_gdal_m, 1),
            "0" if diff <= LENGTH_TOLERANCE_M else nl_number(diff, 6), verdict,
        )
    console.print(table)
    for where, reason in skipped:
        console.print(f"niet vergeleken: {safe(where)} ({safe(reason)})")
    console.print(f"{nl_number(len(results))} levering(en) vergeleken, {nl_number(len(results) - n_diff)} gelijk, "
                  f"{nl_number(n_diff)} met verschil.")
    if n_diff:
        raise click.exceptions.Exit(1)
