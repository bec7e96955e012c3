"""Workflows: one function per job (config → read → analyse → write).

The CLI only parses arguments, calls a workflow and prints.
"""

from __future__ import annotations

__all__: list[str] = []
