"""Workflows: one module per job (config → read → analyse → write).

``impact``, ``claims``, ``landing``, ``routing``, ``maps``, ``report``, ``klic``, ``bgt``,
``convert``, ``fetch``, ``catalog`` (the layer listing), ``validate`` and ``demo``; ``api`` holds
the top-level functions (``wlr_geo.impact`` ...). Each job's ``run(config, out)`` returns its
results, the paths it wrote and the manifest; every write goes through
:class:`wlr_geo.workflows._output.RunOutputs` with a name from :mod:`wlr_geo.outputs`. The CLI
only parses arguments, calls a workflow and prints.
"""

from __future__ import annotations

__all__: list[str] = []
