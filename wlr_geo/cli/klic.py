"""``wlr-geo klic``: read KLIC deliveries into one GeoPackage and summarise them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.table import Table

from wlr_geo._nl import nl
from wlr_geo.cli._click_nl import command
from wlr_geo.cli._console import Console
from wlr_geo.cli._print import dutch_number, out_option, plain, safe
from wlr_geo.present.styles import thema_label

__all__ = ["klic_command", "operator_summary", "thema_summary"]


def thema_summary(data: Any) -> list[tuple[str, str, int, float]]:
    """(thema, Dutch label, line count, total length in m) per thema, longest first."""
    if not len(data.lines):
        return []
    g = data.lines.groupby("thema", dropna=False)["length_m"].agg(["count", "sum"])
    g = g.sort_values("sum", ascending=False)
    return [(str(t), thema_label(str(t)), int(r["count"]), float(r["sum"])) for t, r in g.iterrows()]


def operator_summary(data: Any) -> list[tuple[str, str, int, float, int]]:
    """(bronhoudercode, name, line count, total length m, point count) per operator."""
    rows: dict[str, tuple[str, str, int, float, int]] = {}
    lines = data.lines
    for (code, name), grp in lines.groupby([lines["bronhoudercode"].fillna("?"), lines["netbeheerder"].fillna("")], dropna=False):
        rows[str(code)] = (str(code), str(name), len(grp), float(grp["length_m"].sum()), 0)
    for code, n in data.points["bronhoudercode"].fillna("?").value_counts().items():
        c, name, nl, length, _ = rows.get(str(code), (str(code), "", 0, 0.0, 0))
        rows[str(code)] = (c, name, nl, length, int(n))
    return sorted(rows.values(), key=lambda r: -r[3])


def _progress_line(p: Any) -> str:
    """One line per delivery read (a :class:`~wlr_geo.workflows.klic.DeliveryProgress`), markup-safe."""
    what = "kabel/leiding" if p.n_lines == 1 else "kabels/leidingen"
    return f"levering {nl(p.number)} van {nl(p.total)}: {safe(p.name)} — {nl(p.n_lines)} {what}"


@command("klic")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@out_option(help="Te schrijven GeoPackage (lagen klic_lines, klic_points, klic_areas, "
                 "klic_precautions, klic_request_areas, klic_attachments).")
@click.option("--depth-tolerance", "depth_tolerance_m", type=float, default=1.0, show_default=True,
              help="Grootste afstand (m) van een dieptepunt tot zijn leiding.")
def klic_command(paths: tuple[Path, ...], out_dir: Path, depth_tolerance_m: float, wait_s: float) -> None:
    """Lees KLIC-leveringen PADEN (zips, mappen of IMKL-XML; IMKL 2.x en 1.2.1) in naar --out.

    Objecten die meer dan eens geleverd zijn (overlappende aanvragen) worden één keer
    geschreven, met de kenmerken van de nieuwste levering en elk geleverd stuk van hun lijnen.
    Toont een samenvatting per thema en per netbeheerder.
    """
    from wlr_geo.workflows import klic

    console = Console(width=140)
    with console.status("KLIC lezen ...") as status:
        done = klic.run(list(paths), out_dir, depth_tolerance_m=depth_tolerance_m, wait_s=wait_s,
                        on_delivery=lambda src: status.update(f"KLIC lezen: {safe(src.label)}"),
                        progress=lambda p: console.print(_progress_line(p), soft_wrap=True))
    for w in done.warnings:
        click.secho(f"let op: {plain(w)}", fg="yellow", err=True)
    data = done.data
    t = Table(title="Kabels en leidingen per thema")
    for col, justify in (("thema", "left"), ("omschrijving", "left"), ("aantal", "right"), ("lengte (m)", "right")):
        t.add_column(col, justify=justify)  # type: ignore[arg-type]
    total_n, total_len = 0, 0.0
    for thema, label, n, length in thema_summary(data):
        t.add_row(safe(thema), safe(label), nl(n), dutch_number(length, 1))
        total_n += n
        total_len += length
    t.add_row("totaal", "", nl(total_n), dutch_number(total_len, 1), style="bold")
    console.print(t)

    o = Table(title="Per netbeheerder")
    for col, justify in (("bronhoudercode", "left"), ("netbeheerder", "left"), ("lijnen", "right"),
                         ("lengte (m)", "right"), ("punten", "right")):
        o.add_column(col, justify=justify)  # type: ignore[arg-type]
    for code, name, n, length, npts in operator_summary(data):
        o.add_row(safe(code), safe(name), nl(n), dutch_number(length, 1), nl(npts))
    console.print(o)

    for line in data.report.summary_lines():
        console.print(safe(line))
    counts = ", ".join(f"{k} {nl(len(v))}" for k, v in data.layers().items())
    console.print(f"geschreven: {safe(out_dir)} ({counts})")
