"""The README's Python example runs as written on the embedded data, and the README names the
commands that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_readme_python_example_runs():
    block = _python_blocks()[0]
    namespace: dict[str, object] = {}
    exec(compile(block, "README.md", "exec"), namespace)
    result = namespace["result"]
    assert len(result.crossings) > 0  # type: ignore[attr-defined]
    assert {"chainage_m", "object_class", "gemeente", "technique"} <= set(result.crossings.columns)  # type: ignore[attr-defined]
    assert len(namespace["cables"]) > 4000  # type: ignore[arg-type]


def test_readme_set_up_commands():
    text = README.read_text(encoding="utf-8")
    assert "pip install . && wlr-geo demo" in text
    assert 'pip install -e ".[test]" && pytest -n 2' in text
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "pytest -n 2" in ci


@pytest.mark.parametrize("command", ["layers", "validate", "demo", "impact", "klic", "bgt", "fetch", "route",
                                     "claims", "landing", "map", "report", "convert"])
def test_readme_commands_exist(command):
    from wlr_geo.cli.main import COMMANDS

    assert command in COMMANDS
    assert f"wlr-geo {command}" in README.read_text(encoding="utf-8")
