"""Default tables shipped with wlr_geo (crossing rules, cost table, claim templates,
clearances, BGT categories), as TOML files in this folder."""

from __future__ import annotations

from pathlib import Path

__all__ = ["default_path"]

_HERE = Path(__file__).resolve().parent


def default_path(name: str) -> Path:
    """The path of the default table ``name`` (e.g. ``"cost_table.toml"``)."""
    return _HERE / name
