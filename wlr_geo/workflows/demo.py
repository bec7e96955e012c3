"""The steps of ``wlr-geo demo``, each a small function over a shared :class:`DemoContext`.

Steps are application code (they read and write files); the analyses they call are pure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import geopandas as gpd

from wlr_geo.catalog import embedded_path
from wlr_geo.config import ProjectConfig, load_config
from wlr_geo.io.vector import write_layers
from wlr_geo.provenance import Manifest, write_manifest

__all__ = ["DEMO_CONFIG", "DemoContext", "DemoStep", "demo_steps"]

#: The embedded demo config.
DEMO_CONFIG = "demo.toml"


@dataclass
class DemoContext:
    """What the steps share: the config, the output folder, read layers, the manifest."""

    cfg: ProjectConfig
    out_dir: Path
    manifest: Manifest
    frames: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)
    highlights: list[str] = field(default_factory=list)

    @classmethod
    def create(cls, out_dir: Path, config_path: Path | None = None) -> DemoContext:
        path = config_path or embedded_path(DEMO_CONFIG)
        cfg = load_config(path)
        out_dir.mkdir(parents=True, exist_ok=True)
        return cls(cfg=cfg, out_dir=out_dir, manifest=Manifest(command="wlr-geo demo", config_path=path, catalog=cfg.catalog))

    def frame(self, role: str) -> gpd.GeoDataFrame:
        """Read (once) the vector layer of ``role``."""
        if role not in self.frames:
            ref = self.cfg.layer(role)
            gdf = ref.read(allow_empty=False)
            self.frames[role] = gdf
            self.manifest.add_input(ref.path, role=role, layer=ref.layer)
        return self.frames[role]

    def output(self, name: str) -> Path:
        p = self.out_dir / name
        self.manifest.add_output(p)
        return p

    def finish(self) -> None:
        path = write_manifest(self.manifest, self.out_dir)
        self.highlights.append(f"herkomst en controle: {path.name}")


@dataclass(frozen=True)
class DemoStep:
    name: str
    title: str
    run: Callable[[DemoContext], str]


def step_layers(ctx: DemoContext) -> str:
    """Read and validate every vector layer of the config; write them in RD to layers.gpkg."""
    frames: dict[str, gpd.GeoDataFrame] = {}
    for ref in ctx.cfg.iter_refs():
        if ref.format == "vector" and ref.role not in frames and len(ctx.cfg.layers_of(ref.role)) == 1:
            frames[ref.role] = ctx.frame(ref.role)
    write_layers(frames, ctx.output("layers.gpkg"))
    n = sum(len(f) for f in frames.values())
    return f"{len(frames)} lagen, {n} objecten gecontroleerd → layers.gpkg"


def _run_command(ctx: DemoContext, name: str, args: list[str], log_name: str) -> str:
    """Run a wlr-geo sub-command in-process; its printed output goes to logs/<log_name>.txt."""
    import contextlib
    import io

    from wlr_geo._atomic import atomic_write_text
    from wlr_geo.cli.main import COMMANDS, LazyGroup

    command = LazyGroup(name="wlr-geo").get_command(click.Context(click.Command("wlr-geo")), name)
    if command is None:  # pragma: no cover - COMMANDS is static
        raise KeyError(f"unknown command {name}; known: {', '.join(COMMANDS)}")
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        command.main(args=args, prog_name=f"wlr-geo {name}", standalone_mode=False)
    text = buf.getvalue()
    atomic_write_text(ctx.out_dir / "logs" / f"{log_name}.txt", f"$ wlr-geo {name} {' '.join(args)}\n{text}")
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else "klaar"


def _config(ctx: DemoContext, name: str) -> str:
    return str(ctx.cfg.path.parent / name) if ctx.cfg.path else name


def step_klic(ctx: DemoContext) -> str:
    """Read the embedded KLIC sample deliveries into one GeoPackage."""
    klic_dir = embedded_path("klic")
    zips = sorted(str(p) for p in klic_dir.glob("*.zip"))
    out = ctx.out_dir / "ondergrond" / "klic.gpkg"
    _run_command(ctx, "klic", [*zips, "-o", str(out)], "klic")
    for z in zips:
        ctx.manifest.add_input(z, role="klic")
    ctx.manifest.add_output(out)
    return f"{len(zips)} KLIC-leveringen → ondergrond/klic.gpkg"


def step_bgt(ctx: DemoContext) -> str:
    """Read the embedded BGT extract (Otterlo) into one GeoPackage."""
    src = embedded_path("bgt/bgt_otterlo_2020.zip")
    out = ctx.out_dir / "bovengrond" / "bgt_otterlo.gpkg"
    last = _run_command(ctx, "bgt", [str(src), "-o", str(out), "--skip-empty"], "bgt")
    ctx.manifest.add_input(src, role="bgt")
    ctx.manifest.add_output(out)
    return last


def _run_config_command(ctx: DemoContext, command: str) -> str:
    """``wlr-geo COMMAND CONFIG -o OUT`` on the demo config; its last output line."""
    return _run_command(ctx, command, [str(ctx.cfg.path), "-o", str(ctx.out_dir)], command)


def step_impact(ctx: DemoContext) -> str:
    """Impact analysis of the indicative route variants (crossings, strips, per gemeente)."""
    last = _run_config_command(ctx, "impact")
    for name in ("impact.gpkg", "crossings.csv", "per_gemeente.csv", "variants.csv", "impact.xlsx", "summary.json"):
        if (ctx.out_dir / name).exists():
            ctx.manifest.add_output(ctx.out_dir / name)
    ctx.highlights.append("kruisingenregister: crossings.csv; per gemeente: per_gemeente.csv")
    return last


def step_impact_samples(ctx: DemoContext) -> str:
    """Below-ground impact on the KLIC sample and above-ground impact on the BGT sample."""
    done = []
    for cfg_name, sub in (("demo_ondergrond.toml", "ondergrond"), ("demo_bovengrond.toml", "bovengrond")):
        path = _config(ctx, cfg_name)
        if not Path(path).exists():
            continue
        _run_command(ctx, "impact", [path, "-o", str(ctx.out_dir / sub)], f"impact_{sub}")
        ctx.manifest.add_output(ctx.out_dir / sub / "impact.gpkg")
        done.append(sub)
    return "voorbeelden op echte KLIC- en BGT-data: " + ", ".join(f"{d}/" for d in done)


def step_routes(ctx: DemoContext) -> str:
    """Least-cost route alternatives from the start to each landing candidate."""
    last = _run_config_command(ctx, "route")
    ctx.manifest.add_output(ctx.out_dir / "routes.gpkg")
    return last


def step_claims(ctx: DemoContext) -> str:
    """Space claims: footprints, conflicts and the multi-year programme."""
    last = _run_config_command(ctx, "claims")
    ctx.manifest.add_output(ctx.out_dir / "claims.gpkg")
    return last


def step_landing(ctx: DemoContext) -> str:
    """Landing options: multi-criteria ranking with sensitivity analysis."""
    last = _run_config_command(ctx, "landing")
    ctx.manifest.add_output(ctx.out_dir / "landing_scores.csv")
    return last


def step_maps(ctx: DemoContext) -> str:
    """Offline consultation maps (one HTML file each)."""
    last = _run_config_command(ctx, "map")
    maps = sorted((ctx.out_dir / "kaarten").glob("*.html")) if (ctx.out_dir / "kaarten").exists() else sorted(ctx.out_dir.glob("*.html"))
    for m in maps:
        ctx.manifest.add_output(m)
    if maps:
        ctx.highlights.append(f"kaarten: {maps[0].parent.name}/ ({len(maps)} HTML-bestanden, werken offline)")
    return last


def step_report(ctx: DemoContext) -> str:
    """The consultation report (HTML and PDF) with figures and provenance."""
    _run_config_command(ctx, "report")
    ctx.highlights.append("rapport: report.html (en report.pdf)")
    return "report.html, report.pdf, figures/"


def demo_steps() -> list[DemoStep]:
    """The steps in run order."""
    return [
        DemoStep("layers", "Lagen inlezen en controleren", step_layers),
        DemoStep("klic", "KLIC-leveringen inlezen", step_klic),
        DemoStep("bgt", "BGT inlezen", step_bgt),
        DemoStep("impact", "Impactanalyse tracévarianten", step_impact),
        DemoStep("samples", "Onder- en bovengrond op voorbeelddata", step_impact_samples),
        DemoStep("route", "Tracéalternatieven (least-cost)", step_routes),
        DemoStep("claims", "Ruimteclaims en programma", step_claims),
        DemoStep("landing", "Aanlandingsopties", step_landing),
        DemoStep("map", "Consultatiekaarten", step_maps),
        DemoStep("report", "Rapport", step_report),
    ]
