"""Command-line conventions: one ``-o/--out`` for every command (``--output`` kept as a hidden
alias), one-line errors for out-of-range options."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from wlr_geo.catalog import embedded_path
from wlr_geo.cli.main import COMMANDS, cli, main

#: Commands that write (fetch is handled with the PDOK downloads).
WRITERS = ["demo", "impact", "klic", "bgt", "route", "claims", "landing", "map", "report", "convert"]


@pytest.mark.parametrize("command", WRITERS)
def test_every_writing_command_takes_o_and_out(command):
    assert command in COMMANDS
    text = CliRunner().invoke(cli, [command, "--help"]).output
    assert "-o, --out" in text
    assert "--output" not in text  # the old spelling works but is not advertised


def test_klic_output_alias_still_works(tmp_path):
    zip_ = embedded_path("klic/Levering_22O000518_1.zip")
    assert main(["klic", str(zip_), "--output", str(tmp_path / "a.gpkg")]) == 0
    assert main(["klic", str(zip_), "--out", str(tmp_path / "b.gpkg")]) == 0
    assert (tmp_path / "a.gpkg").stat().st_size > 0 and (tmp_path / "b.gpkg").stat().st_size > 0
    assert (tmp_path / "manifest.json").exists()


def test_out_given_twice_differently_is_an_error(tmp_path, capsys):
    zip_ = embedded_path("klic/Levering_22O000518_1.zip")
    code = main(["klic", str(zip_), "-o", str(tmp_path / "a.gpkg"), "--output", str(tmp_path / "b.gpkg")])
    assert code == 2 and "Traceback" not in capsys.readouterr().err


def test_missing_out_is_a_usage_error(capsys):
    assert main(["claims", str(embedded_path("demo.toml"))]) == 2
    assert "--out" in capsys.readouterr().err


@pytest.mark.parametrize(("args", "flag"), [
    (["impact", "--route", "r.gpkg", "--width-m", "1e308"], "--width-m"),
    (["impact", "--route", "r.gpkg", "--width-m", "nan"], "--width-m"),
    (["klic", "x", "--depth-tolerance", "inf"], "--depth-tolerance"),
])
def test_out_of_range_options_are_one_line(tmp_path, capsys, args, flag):
    (tmp_path / "x").mkdir()
    args = [str(tmp_path / a) if a in ("r.gpkg", "x") else a for a in args]
    code = main([*args, "-o", str(tmp_path / "out.gpkg")])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert flag in err and err.count("fout:") == 1
