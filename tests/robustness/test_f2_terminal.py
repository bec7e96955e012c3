"""ROBUSTNESS.md F2 (console markup and control characters reaching the terminal) and the
no-traceback sweep: every CLI command meets hostile inputs made in code and answers with exit 0
and literal text, or exit 2 and one line — never a traceback, never a raw control character,
never rendered markup.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from tests.robustness._hostile import (
    CONTROL_NAMES,
    FORBIDDEN,
    MARKUP_NAMES,
    assert_clean,
    hostile_klic,
    hostile_project,
    run_cli,
)
from wlr_geo.cli._console import Console, plain, safe, visible
from wlr_geo.cli.main import COMMANDS

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


# ------------------------------------------------------------------------- the escaping helper
@pytest.mark.parametrize("name", MARKUP_NAMES + CONTROL_NAMES)
def test_f2_safe_text_prints_literally(name: str) -> None:
    console = Console(width=200, record=True, force_terminal=True, color_system="truecolor")
    console.print(f"[yellow]{safe(name)}[/yellow]")
    shown = console.export_text(styles=False)
    assert shown.rstrip("\n") == visible(name)
    for ch in FORBIDDEN:
        assert ch not in shown
    # no hyperlink was made from the data (rich writes OSC 8 for [link=...])
    assert "\x1b]8;" not in console.export_text(styles=True).replace("\x1b]8;;\x1b\\", "")


def test_f2_visible_keeps_letters_and_shows_controls() -> None:
    assert visible("’s-Gravenhage — Ĳsselstein, Zoë") == "’s-Gravenhage — Ĳsselstein, Zoë"
    assert visible("a\x1b[31mb") == "a\\x1b[31mb"
    assert visible("a\r\nb\tc") == "a\\r\\nb\\tc"
    assert visible("x\u202ey\u200bz") == "x\\u202ey\\u200bz"
    assert visible("bad\udcffname") == "bad\\udcffname"  # a file name that is not UTF-8
    assert plain(Path("/tmp/\x1b[2J")) == "/tmp/\\x1b[2J"
    # a trailing backslash cannot escape markup appended after it
    assert safe("pad\\") + "[/x]" != "pad\\[/x]"
    console = Console(width=80, record=True)
    console.print(f"[bold]{safe('pad' + chr(92))}[/bold]")
    assert console.export_text().strip() == "pad\\"


def test_f2_emoji_codes_stay_text() -> None:
    console = Console(width=80, record=True)
    console.print(safe(":warning: emoji"))
    assert console.export_text().strip() == ":warning: emoji"


# ------------------------------------------------------------------- real commands, hostile data
@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return hostile_project(tmp_path_factory.mktemp("hostile") / "p")


@pytest.fixture(scope="module")
def markup_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # control characters in XLSX text are F3 (outputs); here only markup reaches the spreadsheet
    return hostile_project(tmp_path_factory.mktemp("hostile_markup") / "p", control=False)


def test_f2_validate_with_hostile_names(project: Path) -> None:
    r = run_cli(["validate", project])
    assert_clean(r)
    assert "geen problemen gevonden" in r.out


def test_f2_impact_shows_hostile_names_literally(project: Path, tmp_path: Path) -> None:
    r = run_cli(["impact", project, "-o", tmp_path / "out", "--no-xlsx"])
    assert_clean(r)
    # the variant names reach the summary table as text (escaped controls, literal markup)
    assert "\\x1b[2J" in r.out
    assert "[/x]" in r.out


def test_f2_landing_shows_hostile_site_ids_literally(project: Path, tmp_path: Path) -> None:
    r = run_cli(["landing", project, "-o", tmp_path / "out"])
    assert_clean(r)
    assert "[/x]#" in r.out or ":warning: emoji#" in r.out


def test_f2_claims_shows_hostile_claim_ids_literally(markup_project: Path, tmp_path: Path) -> None:
    r = run_cli(["claims", markup_project, "-o", tmp_path / "out"])
    assert_clean(r)
    # the project name (a markup link) is the table's title, printed as text
    assert "[link=https://evil.example]klik[/link]" in r.out


def test_f2_klic_operator_with_markup(tmp_path: Path) -> None:
    name = "[/x] [link=https://evil.example]Enexis[/link] :warning:"
    zip_path = hostile_klic(tmp_path / "Levering_22O000518_1.zip", name)
    r = run_cli(["klic", zip_path, "-o", tmp_path / "out"])
    assert_clean(r)
    assert "[/x]" in r.out


def test_f2_klic_operator_with_escape_character_is_one_line(tmp_path: Path) -> None:
    # ESC cannot appear in XML 1.0: the reader refuses the file in one line, shown safely
    zip_path = hostile_klic(tmp_path / "Levering_22O000518_1.zip", "\x1b[31mROOD")
    r = run_cli(["klic", zip_path, "-o", tmp_path / "out"])
    assert_clean(r, codes=(2,))
    assert r.err.count("\n") == 1 and r.err.startswith("fout: ")


def test_f2_convert_layer_and_file_names_with_controls(tmp_path: Path) -> None:
    src = tmp_path / "in\x1b[31m[bold]x.gpkg"
    gdf = gpd.GeoDataFrame({"naam": CONTROL_NAMES[:3]}, geometry=[shapely.Point(90_000, 460_000)] * 3, crs=28992)
    gdf.to_file(src, layer="laag\x07[/x]")
    r = run_cli(["convert", src, "-o", tmp_path / "out"])
    assert_clean(r)


# ----------------------------------------------------------------------- the no-traceback sweep
HOSTILE = "\x1b[31m[/x]\r\u202e:warning:"
#: The same without "/", for file names.
FILE_HOSTILE = "\x1b[31m[bold]\r\u202e:warning:\x07"


def _sweep_cases(tmp: Path) -> dict[str, list[list[str | Path]]]:
    missing = tmp / f"ontbreekt{FILE_HOSTILE}.toml"
    garbage = tmp / f"rommel{FILE_HOSTILE}.zip"
    garbage.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    bad_toml = tmp / f"project{FILE_HOSTILE}.toml"
    bad_toml.write_text(f'[project]\nname = "x"\n[layers.route]\nfile = "weg{HOSTILE[:1]}.gpkg"\n'.replace(
        "\x1b", "\\u001b"), encoding="utf-8")
    folder = tmp / f"map{FILE_HOSTILE}"
    folder.mkdir()
    out = tmp / "uit"
    return {
        "validate": [["validate", missing], ["validate", bad_toml]],
        "map": [["map", missing, "-o", out], ["map", bad_toml, "-o", out]],
        "report": [["report", missing, "-o", out], ["report", bad_toml, "-o", out, "--no-pdf"]],
        "impact": [["impact", missing, "-o", out], ["impact", bad_toml, "-o", out]],
        "claims": [["claims", missing, "-o", out], ["claims", bad_toml, "-o", out]],
        "landing": [["landing", missing, "-o", out], ["landing", bad_toml, "-o", out]],
        "route": [["route", missing, "-o", out], ["route", bad_toml, "-o", out]],
        "klic": [["klic", garbage, "-o", out], ["klic", folder, "-o", out]],
        "check-klic": [["check-klic", folder], ["check-klic", garbage]],
        "bgt": [["bgt", garbage, "-o", out], ["bgt", folder, "-o", out]],
        "convert": [["convert", garbage, "-o", out], ["convert", f"{missing}:{HOSTILE}", "-o", out]],
        "fetch": [["fetch", "--bbox", HOSTILE, "--offline", "-o", out],
                  ["fetch", "--gemeente", HOSTILE, "--offline", "-o", out]],
        "demo": [["demo", "--config", missing, "-o", out], ["demo", "-o", garbage]],
        "layers": [["layers", HOSTILE]],
    }


def test_sweep_covers_every_command(tmp_path: Path) -> None:
    assert set(_sweep_cases(tmp_path)) == set(COMMANDS)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_sweep_hostile_inputs_give_one_line_and_exit_2(command: str, tmp_path: Path) -> None:
    for args in _sweep_cases(tmp_path)[command]:
        r = run_cli(args)
        assert_clean(r, codes=(2,))
        lines = [line for line in r.err.splitlines() if line.strip()]
        assert lines, r.text
        # one line per problem (a config may have several), each naming what and the fix;
        # click's own usage errors are "Gebruik: ... / Zie ... / fout: ..."
        if lines[0].startswith("Gebruik:"):
            assert sum(line.startswith("fout: ") for line in lines) == 1, r.text
        else:
            # (a progress line may come first: demo and route announce their work)
            errors = [line for line in lines if line.startswith("fout: ")]
            # each names the fix or the file it is about
            where = visible(str(tmp_path))
            assert errors and all(" — oplossing: " in line or where in line for line in errors), r.text
        assert not r.out.strip(), r.text
