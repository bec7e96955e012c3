"""The steps of ``wlr-geo demo``, each a small function over a shared :class:`DemoContext`.

Steps are application code (they read and write files); the analyses they call are pure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd

from wlr_geo.catalog import embedded_path
from wlr_geo.config import ProjectConfig, load_config
from wlr_geo.io import write_layers
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
    frames = {}
    for ref in ctx.cfg.iter_refs():
        if ref.format in ("vector", "parquet") and ref.role not in frames:
            frames[ref.role] = ctx.frame(ref.role) if len(ctx.cfg.layers_of(ref.role)) == 1 else None
    frames = {k: v for k, v in frames.items() if v is not None}
    write_layers(frames, ctx.output("layers.gpkg"))
    n = sum(len(f) for f in frames.values())
    return f"{len(frames)} lagen, {n} objecten gecontroleerd → layers.gpkg"


def demo_steps() -> list[DemoStep]:
    """The steps in run order."""
    return [
        DemoStep("layers", "Lagen inlezen en controleren", step_layers),
    ]
