from __future__ import annotations

import pytest
from click.testing import CliRunner

from wlr_geo import ConfigError
from wlr_geo.catalog import embedded_path, load_catalog
from wlr_geo.cli.main import cli, main
from wlr_geo.config import load_config, validate_config


def _write(tmp_path, text):
    p = tmp_path / "project.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_layers_resolve_relative_to_config(tmp_path):
    cfg = load_config(_write(tmp_path, '[layers.route]\nfile = "route.gpkg"\nlayer = "r"\nreverse = true\n'))
    ref = cfg.layer("route")
    assert ref.path == tmp_path / "route.gpkg" and ref.layer == "r" and ref.options == {"reverse": True}


def test_catalog_reference(tmp_path):
    cfg = load_config(_write(tmp_path, '[layers.municipalities]\ncatalog = "municipalities"\n'))
    ref = cfg.layer("municipalities")
    assert ref.path == embedded_path("boundaries.gpkg") and ref.layer == "municipalities"
    assert validate_config(cfg) == []


def test_unknown_catalog_layer_lists_known(tmp_path):
    with pytest.raises(ConfigError, match="municipalities"):
        load_config(_write(tmp_path, '[layers.x]\ncatalog = "nope"\n'))


def test_validate_reports_every_problem(tmp_path):
    cfg = load_config(_write(tmp_path, f"""
[layers.route]
file = "missing.gpkg"

[layers.wijken]
file = "{embedded_path('boundaries.gpkg').as_posix()}"
layer = "buurten"

[layers.municipalities]
catalog = "municipalities"
"""))
    problems = validate_config(cfg)
    assert len(problems) == 2
    assert "missing.gpkg" in str(problems[0])
    assert "buurten" in str(problems[1]) and "wijken" in str(problems[1])


def test_cli_validate_missing_file_exit_2_one_line_per_problem(tmp_path, capsys):
    p = _write(tmp_path, '[layers.route]\nfile = "missing.gpkg"\n[layers.cables]\nfile = "also_missing.gpkg"\n')
    code = main(["validate", str(p)])
    err = capsys.readouterr().err
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 2 and all(line.startswith("fout: ") for line in lines)
    assert "Traceback" not in err


@pytest.mark.parametrize("content", [None, "[layers\nfile = 3", "\xff\xfe binary"])
def test_cli_validate_unreadable_config(tmp_path, capsys, content):
    p = tmp_path / "c.toml"
    if content is not None:
        p.write_bytes(content.encode("latin-1"))
    code = main(["validate", str(p)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert err.count("fout: ") == 1 and str(p) in err


def test_cli_validate_ok(tmp_path):
    p = _write(tmp_path, '[layers.municipalities]\ncatalog = "municipalities"\n[layers.wijken]\ncatalog = "wijken"\n')
    result = CliRunner().invoke(cli, ["validate", str(p)])
    assert result.exit_code == 0 and "2 lagen gecontroleerd" in result.output and "geen problemen gevonden" in result.output


def test_catalog_every_layer_documented():
    cat = load_catalog()
    assert len(cat) >= 5
    for e in cat.values():
        assert e.publisher and e.licence and e.status in ("real", "indicative")
        assert e.path.exists(), e.path


def test_cli_layers_lists_catalogue():
    result = CliRunner().invoke(cli, ["layers"])
    assert result.exit_code == 0
    for name in ("municipalities", "wijken", "power_links"):
        assert name in result.output


def test_cli_version_and_help():
    runner = CliRunner()
    assert runner.invoke(cli, ["--version"]).output.startswith("wlr-geo, versie ")
    assert "validate" in runner.invoke(cli, ["--help"]).output
