"""``wlr-geo validate``: whether a config's runs would start, checked the way they start.

:func:`validate` loads the config (every section, role and key checked) and then, for each
command that applies to it (or the commands asked for), runs that command's own ``prepare``:
the same options, the same layers opened by the same reader. Its verdict therefore equals
whether the run would start; what a run may still find later (a route with a gap, a landing
site outside every wijk) is a result of the analysis, not of the config.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from wlr_geo._errors import Problem, WlrGeoInputError
from wlr_geo.config import Inputs, ProjectConfig, load_config, validate_config

__all__ = ["COMMANDS", "applicable_commands", "validate"]


def _impact(cfg: ProjectConfig, inputs: Inputs) -> None:
    from wlr_geo.workflows.impact import prepare

    prepare(cfg, inputs)


def _claims(cfg: ProjectConfig, inputs: Inputs) -> None:
    from wlr_geo.workflows.claims import prepare

    prepare(cfg, inputs)


def _landing(cfg: ProjectConfig, inputs: Inputs) -> None:
    from wlr_geo.workflows.landing import prepare

    prepare(cfg, inputs)


def _route(cfg: ProjectConfig, inputs: Inputs) -> None:
    from wlr_geo.workflows.routing import prepare

    prepare(cfg, inputs)


def _map(cfg: ProjectConfig, inputs: Inputs) -> None:
    from wlr_geo.workflows.maps import collect_layers, definitions_and_roles

    _, roles = definitions_and_roles()
    collect_layers(cfg, Path(os.devnull), roles, inputs)
    inputs.check()


def _report(cfg: ProjectConfig, inputs: Inputs) -> None:
    ref = inputs.require("municipalities", "de gemeentecijfers van het rapport")
    if ref is not None:
        inputs.frame(ref)
    inputs.check()


#: command → what it reads before it starts.
COMMANDS: dict[str, Callable[[ProjectConfig, Inputs], None]] = {
    "impact": _impact, "claims": _claims, "landing": _landing, "route": _route, "map": _map, "report": _report,
}


def applicable_commands(cfg: ProjectConfig) -> list[str]:
    """The commands a config is for: impact (a route), claims, landing, route ([routing])."""
    out = []
    if cfg.has("route"):
        out.append("impact")
    if cfg.has("claims"):
        out.append("claims")
    if cfg.has("landing_candidates"):
        out.append("landing")
    if cfg.options.routing is not None:
        out.append("route")
    return out


def validate(config: str | os.PathLike[str] | ProjectConfig, commands: Sequence[str] | None = None
             ) -> tuple[ProjectConfig | None, list[str], list[Problem]]:
    """Check a config as the runs of ``commands`` (default: every applicable one) would.

    A config that no command applies to yet has every layer it names opened instead.

    Returns
    -------
    (config, commands checked, problems)
        The loaded config (None when it does not load) and every problem found.
    """
    try:
        cfg = load_config(config)
    except WlrGeoInputError as exc:
        return None, [], list(exc.problems)
    wanted = list(commands) if commands else applicable_commands(cfg)
    unknown = [c for c in wanted if c not in COMMANDS]
    if unknown:
        return cfg, [], [Problem(f"validate kent geen opdracht {c!r}", hint=f"gebruik een van: {', '.join(COMMANDS)}")
                         for c in unknown]
    if not wanted:  # a config no command applies to yet (e.g. boundaries only): open every layer
        return cfg, [], validate_config(cfg)
    problems: list[Problem] = []
    cache: dict[tuple[Any, ...], Any] = {}
    for command in wanted:
        inputs = Inputs(cfg, cache=cache)
        try:
            COMMANDS[command](cfg, inputs)
        except WlrGeoInputError as exc:
            problems.extend(p for p in exc.problems if p not in problems)
    return cfg, wanted, problems
