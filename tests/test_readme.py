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
    """CI runs the README's set-up block verbatim: the block holds the two commands, and
    .ci/run extracts and runs that block (and the test command again at the lowest versions)."""
    text = README.read_text(encoding="utf-8")
    block = re.search(r"^## Set up\n.*?```bash\n(.*?)```", text, flags=re.DOTALL | re.MULTILINE)
    assert block is not None
    commands = [re.sub(r"\s*#.*$", "", line).strip() for line in block.group(1).splitlines()]
    assert [c for c in commands if c] == ["pip install . && wlr-geo demo", 'pip install -e ".[test]" && pytest -n 2']
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "/^## Set up/" in ci and 'bash -euo pipefail "$WORK/setup.sh"' in ci
    assert "--resolution lowest-direct" in ci


@pytest.mark.parametrize("command", ["layers", "validate", "demo", "impact", "klic", "bgt", "fetch", "route",
                                     "claims", "landing", "map", "report", "convert"])
def test_readme_commands_exist(command):
    from wlr_geo.cli.main import COMMANDS

    assert command in COMMANDS
    assert f"wlr-geo {command}" in README.read_text(encoding="utf-8")
