"""Hostile inputs of ROBUSTNESS.md section F, made in code, and a way to run the real CLI on them.

:func:`hostile_project` writes a small project (config + GeoPackages + a KLIC delivery) whose
names are console markup, emoji codes and control characters; :func:`run_cli` runs
:func:`wlr_geo.cli.main.main` in-process and returns exit code, stdout and stderr.
"""

from __future__ import annotations

import contextlib
import html
import io
import logging
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import shapely

from wlr_geo.catalog import embedded_path

#: Names that rich would read as markup or emoji, or that hold terminal control characters.
MARKUP_NAMES = [
    "[/x]",
    "[link=https://evil.example]klik[/link]",
    "[bold red]vet",
    ":warning: emoji",
    "[/]",
    "pad\\",
    "[link=file:///etc/passwd]C[/link]",
]
CONTROL_NAMES = [
    "\x1b[31mROOD\x1b[0m",
    "a\x07b\x08c",
    "Leiden\r\nvals",
    "x\u202eevil",
    "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\",
    "\x1b[2J\x1b[Hweg",
]
#: What must never reach the terminal: the escape character, bell, backspace, CR, the bidi
#: override, and markup rendered as a link (OSC 8 needs ESC, so "no ESC" covers it too).
FORBIDDEN = ("\x1b", "\x07", "\x08", "\r", "\u202e")


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def run_cli(args: list[str | Path]) -> Result:
    """The real ``wlr-geo`` entry point, in-process, with stdout and stderr captured."""
    from wlr_geo.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    root = logging.getLogger()
    handlers = list(root.handlers)
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    for h in list(root.handlers):  # main() may have added a stream handler bound to our buffer
        if h not in handlers:
            root.removeHandler(h)
    return Result(code, out.getvalue(), err.getvalue())


def assert_clean(result: Result, *, codes: tuple[int, ...] = (0,)) -> None:
    """No traceback, no raw control character, markup not rendered, an expected exit code."""
    assert "Traceback" not in result.text, result.text[-3000:]
    assert result.code in codes, (result.code, result.text[-3000:])
    for ch in FORBIDDEN:
        assert ch not in result.text, (repr(ch), result.text[-3000:])


def hostile_klic(path: Path, name: str) -> Path:
    """The embedded KLIC delivery 22O000518 with network operator Enexis renamed to ``name``."""
    src = embedded_path("klic/Levering_22O000518_1.zip")
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            data = z.read(info)
            if info.filename.endswith(".xml") and "/GI_" in info.filename:
                text = data.decode("utf-8")
                old = "<imkl:naam>Enexis B.V.</imkl:naam>"
                assert text.count(old) == 1
                data = text.replace(old, f"<imkl:naam>{html.escape(name)}</imkl:naam>").encode("utf-8")
            out.writestr(info, data)
    return path


def hostile_project(folder: Path, *, control: bool = True) -> Path:
    """A project config over copies of the embedded data renamed with hostile names.

    Municipality names, route variants, landing site ids, claim ids, facility types and layer
    names are markup (and, with ``control``, control characters). Returns the config path.
    """
    folder.mkdir(parents=True, exist_ok=True)
    names = MARKUP_NAMES + (CONTROL_NAMES if control else [])
    gm = gpd.read_file(embedded_path("boundaries.gpkg"), layer="municipalities")
    gm["gm_naam"] = [names[i % len(names)] + ("" if i < len(names) else f" {i}") for i in range(len(gm))]
    gm.to_file(folder / "gemeenten.gpkg", layer="municipalities")
    route = gpd.read_file(embedded_path("scenario.gpkg"), layer="route")
    route["variant"] = [names[-1], names[0], names[1]][: len(route)]
    route.to_file(folder / "route.gpkg", layer="route")
    sites = gpd.read_file(embedded_path("scenario.gpkg"), layer="landing_candidates")
    sites["site_id"] = [f"{names[i % len(names)]}#{i}" for i in range(len(sites))]
    sites["naam"] = [names[-(i + 1) % len(names)] for i in range(len(sites))]
    sites.to_file(folder / "sites.gpkg", layer="landing_candidates")
    claims = gpd.read_file(embedded_path("scenario.gpkg"), layer="claims")
    claims["claim_id"] = [f"{names[(i + 2) % len(names)]}#{i}" for i in range(len(claims))]
    claims.to_file(folder / "claims.gpkg", layer="claims")
    start = gpd.GeoDataFrame({"naam": [names[0]]}, geometry=[shapely.Point(83_600, 451_200)], crs=28992)
    start.to_file(folder / "start.gpkg", layer="start")
    (folder / "project.toml").write_text(_CONFIG.format(name=_toml(names[1]), layer_name=_toml(names[2])),
                                        encoding="utf-8")
    return folder / "project.toml"


def _toml(text: str) -> str:
    """A TOML basic string holding ``text`` (control characters as \\u escapes)."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


_CONFIG = """\
[project]
name = {name}

[layers.municipalities]
file = "gemeenten.gpkg"
layer = "municipalities"
id_column = "gm_code"

[layers.route]
file = "route.gpkg"
layer = "route"

[layers.route_end]
file = "start.gpkg"

[layers.landing_candidates]
file = "sites.gpkg"
id_column = "site_id"

[layers.claims]
file = "claims.gpkg"
id_column = "claim_id"

[layers.substations]
catalog = "power_substations"

[layers.power_links]
catalog = "power_links"
category = "cable_pipe"

[[layers.crossing_layers]]
catalog = "power_links"
name = {layer_name}
category = "cable_pipe"

[[layers.constraints]]
catalog = "coepelduynen_landcover"
name = {layer_name}

[route]
variant_column = "variant"

[landing]
n_samples = 200
seed = 1

[routing]
start = [83600.0, 451200.0]
landing_candidates = "landing_candidates"
target_column = "site_id"
k = 1
cell_m = 100.0
cost_layers = ["power_links"]

[routing.cost_table.roles]
power_links = "cable_pipe"
"""
