"""The package layout holds: imports run one way, no cycles, and ``import wlr_geo`` stays light.

Every module's imports are read with :mod:`ast` — including imports inside functions and under
``TYPE_CHECKING`` — and each module is put in a layer by its name:

====================  ===========================================================================
layer                 may import (besides itself)
====================  ===========================================================================
base                  nothing of wlr_geo outside base
io                    base
analysis              base
present               base, analysis (types and helpers)
config / provenance   base, io, analysis (option types)
workflows             base, io, analysis, present, config/provenance
cli                   base, config/provenance, present (printing), workflows
api (``wlr_geo``)     anything but cli
====================  ===========================================================================

click and rich are imported only in ``cli/``. No two modules import each other, directly or
through others.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "wlr_geo"

#: Top-level modules (and packages) of the base layer.
BASE = {"_errors", "_nl", "_version", "_atomic", "_safe", "_toml", "_frames", "_options", "crs", "validate",
        "categories", "catalog", "defaults", "outputs"}

#: layer → layers it may import.
ALLOWED: dict[str, set[str]] = {
    "base": {"base"},
    "io": {"base", "io"},
    "analysis": {"base", "analysis"},
    "present": {"base", "analysis", "present"},
    "config": {"base", "io", "analysis", "config"},
    "workflows": {"base", "io", "analysis", "present", "config", "workflows"},
    "cli": {"base", "config", "present", "workflows", "cli"},
    "api": {"base", "io", "analysis", "present", "config", "workflows", "api"},
}

#: Third-party packages that only the CLI may import.
CLI_ONLY = ("click", "rich")

#: Known cycles, each to be removed by the branch that owns it (the test fails when one is gone, so
#: the list stays true): the PDOK downloader ↔ its BGT download API.
KNOWN_CYCLES: set[frozenset[str]] = {
    # the BGT download API (issue 20) reuses the cache helpers of the downloader, which calls it back
    frozenset({"wlr_geo.io.pdok.download", "wlr_geo.io.pdok.download_bgt"}),
}


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def layer_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "api"
    top = parts[1]
    if top in BASE:
        return "base"
    if top in ("config", "provenance"):
        return "config"
    if top in ("io", "analysis", "present", "workflows", "cli"):
        return top
    raise AssertionError(f"{module}: not in any layer; add it to the layer table of this test")


def _resolve(name: str) -> str | None:
    """The wlr_geo module an imported name refers to (a module, or the package it is in)."""
    mods = _modules()
    while name:
        if name in mods:
            return name
        name = name.rpartition(".")[0]
    return None


@cache
def imports_of(module: str) -> tuple[tuple[str, int], ...]:
    """(imported name, line) of every import statement of ``module``, at any depth."""
    path = _modules()[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_pkg = path.name == "__init__.py"
    out: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((a.name, node.lineno) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_pkg else 0)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            out.extend((f"{prefix}.{a.name}", node.lineno) for a in node.names)
    return tuple(out)


@cache
def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for module in _modules():
        targets = set()
        for name, _ in imports_of(module):
            # "from wlr_geo.x import y" → wlr_geo.x.y when y is a module, else wlr_geo.x
            target = _resolve(name) if name.split(".")[0] == "wlr_geo" else None
            if target is not None and target != module:
                targets.add(target)
        edges[module] = targets
    return edges


def test_every_module_has_a_layer():
    for module in _modules():
        layer_of(module)


def test_imports_follow_the_layers():
    bad = []
    for module, targets in graph().items():
        src = layer_of(module)
        for target in sorted(targets):
            dst = layer_of(target)
            if dst not in ALLOWED[src]:
                bad.append(f"{module} ({src}) imports {target} ({dst})")
    assert not bad, "\n".join(bad)


def test_click_and_rich_only_in_the_cli():
    bad = [f"{m}:{line} imports {name}" for m in _modules() if layer_of(m) != "cli"
           for name, line in imports_of(m) if name.split(".")[0] in CLI_ONLY]
    assert not bad, "\n".join(bad)


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles():
    found = [frozenset(c) for c in _cycles(graph())]
    cycles = [c for c in found if c not in KNOWN_CYCLES]
    assert not cycles, "import cycles:\n" + "\n".join(" ↔ ".join(sorted(c)) for c in cycles)
    gone = KNOWN_CYCLES - set(found)
    assert not gone, f"these known cycles are gone: remove them from KNOWN_CYCLES: {gone}"


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_layer_rules_catch_a_violation():
    assert "io" not in ALLOWED["analysis"] and "config" not in ALLOWED["analysis"]
    assert layer_of("wlr_geo.analysis.impact.run") == "analysis"
    assert layer_of("wlr_geo.io.klic") == "io"
    assert layer_of("wlr_geo.outputs") == "base"


#: Heavy or CLI-only packages that ``import wlr_geo`` must not load.
HEAVY = ("folium", "branca", "matplotlib", "click", "rich", "openpyxl", "dask", "duckdb")


def test_import_wlr_geo_is_light():
    code = ("import sys, wlr_geo\n"
            f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
            "print(','.join(heavy))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"import wlr_geo loads {out.stdout.strip()}"


@pytest.mark.parametrize("name", ["read_layer", "read_klic", "read_bgt", "fetch", "impact", "claims", "landing",
                                  "route_alternatives", "write_maps", "write_report", "load_config"])
def test_top_level_api(name):
    import wlr_geo

    assert callable(getattr(wlr_geo, name))
    assert name in wlr_geo.__all__
