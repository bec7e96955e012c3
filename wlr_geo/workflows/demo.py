"""``wlr-geo demo``: every job on the embedded Leidse-regio data, into one output set.

Each step calls a workflow directly (:mod:`wlr_geo.workflows.impact`, ``claims``, ``landing``,
``routing``, ``maps``, ``report``, ``klic``, ``bgt``) with the demo's own outputs, so the whole
demo is one run with one ``manifest.json``: every input it read with its SHA-256, every file it
wrote. Each step also leaves a short log in ``logs/<step>.txt``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wlr_geo._atomic import atomic_write_text
from wlr_geo._nl import nl
from wlr_geo.catalog import embedded_path
from wlr_geo.config import Inputs, ProjectConfig, load_config
from wlr_geo.outputs import OUTPUTS
from wlr_geo.workflows._gpkg import write_gpkg
from wlr_geo.workflows._output import RunOutputs, open_outputs

if TYPE_CHECKING:
    from wlr_geo.workflows.maps import ImpactMapInput

__all__ = ["DEMO_CONFIG", "SAMPLES", "DemoContext", "DemoRun", "DemoStep", "SampleRun", "demo_steps", "run"]

#: The embedded demo config.
DEMO_CONFIG = "demo.toml"


@dataclass
class SampleRun:
    """An example impact run of the demo, kept for its map: config, what it read, the result."""

    cfg: ProjectConfig
    inputs: Inputs
    impact: ImpactMapInput
    map_name: str


@dataclass
class DemoContext:
    """What the steps share: the config, the demo's outputs, and lines for the summary."""

    cfg: ProjectConfig
    out: RunOutputs
    highlights: list[str] = field(default_factory=list)
    #: The example impact runs on real KLIC and BGT data, by sub folder (for their maps).
    samples: dict[str, SampleRun] = field(default_factory=dict)

    @property
    def out_dir(self) -> Path:
        return self.out.root

    def config_beside(self, name: str) -> Path | None:
        """Another config in the demo config's folder (None when it is not there)."""
        if self.cfg.path is None:
            return None
        p = self.cfg.path.parent / name
        return p if p.exists() else None


@dataclass(frozen=True)
class DemoStep:
    """One step: a name (for ``--skip``), a Dutch title and the function that runs it."""

    name: str
    title: str
    run: Callable[[DemoContext], str]


@dataclass
class StepResult:
    """A finished step: its title, a one-line Dutch summary and the time it took (s)."""

    name: str
    title: str
    summary: str
    seconds: float


@dataclass
class DemoRun:
    """What :func:`run` did."""

    out_dir: Path
    steps: list[StepResult] = field(default_factory=list)
    highlights: list[str] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    manifest: dict[str, Any] | None = None


def step_layers(ctx: DemoContext) -> str:
    """Read and validate every vector layer of the config; write them in RD to layers.gpkg."""
    inputs = Inputs(ctx.cfg)
    frames = {}
    for ref in ctx.cfg.iter_refs():
        if ref.format == "vector" and ref.role not in frames and len(ctx.cfg.layers_of(ref.role)) == 1:
            frame = inputs.frame(ref)
            if frame is not None:
                frames[ref.role] = frame
    inputs.check()
    ctx.out.add_inputs(inputs.records)
    write_gpkg(ctx.out, "layers.gpkg", frames, command="wlr-geo demo", inputs=inputs.records,
               layer_inputs={role: [r for r in inputs.records if r[1] == role] for role in frames})
    n = sum(len(f) for f in frames.values())
    return f"{nl(len(frames))} lagen, {nl(n)} objecten gecontroleerd → layers.gpkg"


def step_klic(ctx: DemoContext) -> str:
    """Read the embedded KLIC sample deliveries into one GeoPackage."""
    from wlr_geo.workflows import klic

    zips = sorted(embedded_path("klic").glob("*.zip"))
    done = klic.run(zips, ctx.out.sub("ondergrond"), name="klic.gpkg")
    return f"{nl(len(zips))} KLIC-leveringen, {nl(len(done.data.lines))} kabels en leidingen → ondergrond/klic.gpkg"


def step_bgt(ctx: DemoContext) -> str:
    """Read the embedded BGT extract (Otterlo) into one GeoPackage."""
    from wlr_geo.workflows import bgt

    done = bgt.run(embedded_path("bgt/bgt_otterlo_2020.zip"), ctx.out.sub("bovengrond"), skip_empty=True,
                   name="bgt_otterlo.gpkg")
    n = sum(len(g) for g in done.written.values())
    return f"{nl(n)} BGT-objecten in {nl(len(done.written))} lagen → bovengrond/bgt_otterlo.gpkg"


def step_impact(ctx: DemoContext) -> str:
    """Impact analysis of the indicative route variants (crossings, strips, per gemeente)."""
    from wlr_geo.workflows import impact

    done = impact.run(ctx.cfg, ctx.out)
    ctx.highlights.append("kruisingenregister: crossings.csv; per gemeente: per_gemeente.csv")
    r = done.result
    return (f"{nl(len(r.routes))} varianten, {nl(len(r.crossings))} kruisingen, "
            f"{nl(int(r.per_gemeente['gemeente'].nunique()))} gemeenten → impact.gpkg, crossings.csv, per_gemeente.csv")


#: The example configs beside the demo config: (config, sub folder, example map).
SAMPLES: tuple[tuple[str, str, str], ...] = (
    ("demo_ondergrond.toml", "ondergrond", "ondergrond_voorbeeld"),
    ("demo_bovengrond.toml", "bovengrond", "bovengrond_voorbeeld"),
)


def step_impact_samples(ctx: DemoContext) -> str:
    """Below-ground impact on the KLIC sample and above-ground impact on the BGT sample."""
    from wlr_geo.analysis.impact.run import run_impact
    from wlr_geo.workflows import impact
    from wlr_geo.workflows.maps import ImpactMapInput, topography_layer

    done = []
    for cfg_name, sub, map_name in SAMPLES:
        path = ctx.config_beside(cfg_name)
        if path is None:
            continue
        cfg = load_config(path)
        inputs = Inputs(cfg)
        kwargs = impact.prepare(cfg, inputs)
        result = run_impact(**kwargs)
        out = ctx.out.sub(sub)
        out.add_inputs(inputs.records)
        impact.write_impact(result, out)
        topography = None
        if cfg.has("topography") and cfg.layer("topography").format == "bgt":
            topography = topography_layer(inputs.bgt(cfg.layer("topography")) or {})
        ctx.samples[sub] = SampleRun(cfg, inputs, ImpactMapInput(result, kwargs, topography), map_name)
        done.append(sub)
    return "voorbeelden op echte KLIC- en BGT-data: " + ", ".join(f"{d}/" for d in done)


def step_routes(ctx: DemoContext) -> str:
    """Least-cost route alternatives from the start to each landing candidate."""
    from wlr_geo.workflows import routing

    done = routing.run(ctx.cfg, ctx.out)
    return f"{nl(len(done.routes))} routealternatieven → routes.gpkg, routes.csv, cost.tif"


def step_claims(ctx: DemoContext) -> str:
    """Space claims: footprints, conflicts and the multi-year programme."""
    from wlr_geo.workflows import claims

    done = claims.run(ctx.cfg, ctx.out)
    n_conflicts = int(done.is_conflict.sum())
    return (f"{nl(len(done.footprints))} claims, {nl(n_conflicts)} {'conflict' if n_conflicts == 1 else 'conflicten'} "
            "→ claims.gpkg, claims_programme.csv")


def step_landing(ctx: DemoContext) -> str:
    """Landing options: multi-criteria ranking with sensitivity analysis."""
    from wlr_geo.workflows import landing

    done = landing.run(ctx.cfg, ctx.out)
    return (f"{nl(len(done.scores))} locaties, nr. 1: {done.sensitivity.baseline_top} "
            f"(kans op wissel {nl(done.sensitivity.p_top_changes * 100, 0)} %) → landing_scores.csv")


def step_maps(ctx: DemoContext) -> str:
    """Offline consultation maps (one HTML file each)."""
    from wlr_geo.workflows import maps

    done = maps.run(ctx.cfg, ctx.out)
    examples: list[str] = []
    for sub, sample in ctx.samples.items():
        ex = maps.run(sample.cfg, ctx.out.sub(sub), map_names=[sample.map_name], impact=sample.impact,
                      inputs=sample.inputs)
        examples.extend(f"{sub}/{p.name}" for p in ex.paths)
    if done.maps:
        ctx.highlights.append(f"kaarten: kaart_*.html ({nl(len(done.maps))} HTML-bestanden, werken offline)")
    text = f"{nl(len(done.maps))} kaarten → kaart_*.html"
    return text + (f"; voorbeelden: {', '.join(examples)}" if examples else "")


def step_report(ctx: DemoContext) -> str:
    """The consultation report (HTML and PDF) with figures and provenance."""
    from wlr_geo.workflows import report

    done = report.run(ctx.cfg, ctx.out)
    ctx.highlights.append("rapport: report.html" + (" (en report.pdf)" if any(p.suffix == ".pdf" for p in done.paths)
                                                    else ""))
    return ", ".join(sorted({p.name if p.parent == ctx.out_dir else f"{p.parent.name}/" for p in done.paths}))


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


def _all_names() -> list[str]:
    return [name for name, f in OUTPUTS.items() if f.command in ("impact", "route", "claims", "landing", "map",
                                                                 "report", "demo", "klic", "bgt")]


def _demo_inputs(cfg: ProjectConfig) -> list[tuple[str, str | None, str | None]]:
    """Every file the demo may read, known before it writes anything (hashed and protected)."""
    records: list[tuple[str, str | None, str | None]] = [(str(r.path), r.role, r.layer) for r in cfg.iter_refs()]
    if cfg.path is not None:
        for name, _, _ in SAMPLES:
            beside = cfg.path.parent / name
            if beside.exists():
                records.append((str(beside), "config", None))
                records += [(str(r.path), r.role, r.layer) for r in load_config(beside).iter_refs()]
    records += [(str(p), "klic", None) for p in sorted(embedded_path("klic").glob("*.zip"))]
    records.append((str(embedded_path("bgt/bgt_otterlo_2020.zip")), "bgt", None))
    return list(dict.fromkeys(records))


def run(out: str | os.PathLike[str], *, config: str | os.PathLike[str] | ProjectConfig | None = None,
        skip: Sequence[str] = (), on_step: Callable[[DemoStep, StepResult | None], None] | None = None,
        wait_s: float = 0.0) -> DemoRun:
    """Run every step into ``out`` as one output set; ``on_step(step, None)`` before and
    ``on_step(step, result)`` after each step (for progress displays)."""
    cfg = load_config(config if config is not None else embedded_path(DEMO_CONFIG))
    steps = [s for s in demo_steps() if s.name not in skip]
    result = DemoRun(Path(out))
    with open_outputs(out, command="wlr-geo demo", names=_all_names(), inputs=_demo_inputs(cfg),
                      config_path=cfg.path, catalog=cfg.catalog, wait_s=wait_s) as w:
        ctx = DemoContext(cfg, w)
        for step in steps:
            if on_step is not None:
                on_step(step, None)
            t0 = time.perf_counter()
            before = len(w.written)
            summary = step.run(ctx)
            done = StepResult(step.name, step.title, summary, time.perf_counter() - t0)
            files = [name for name, _ in w.written[before:]]
            log = [f"# {step.title}", summary, "", "bestanden:", *(f"  {f}" for f in files)]
            atomic_write_text(w.path(f"logs/{step.name}.txt", entry="logs/{step}.txt"), "\n".join(log) + "\n")
            result.steps.append(done)
            if on_step is not None:
                on_step(step, done)
        ctx.highlights.append("herkomst en controle: manifest.json")
        result.highlights = ctx.highlights
        result.paths = w.paths
    result.manifest = w.last_manifest
    return result
