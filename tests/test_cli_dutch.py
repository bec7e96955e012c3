"""The command line speaks Dutch (issue 18, item 4): its help, click's usage errors, the framing
of errors and log lines. The catalogue of click's texts is checked against the click installed,
so an upgrade that adds a text fails here instead of bringing English back."""

from __future__ import annotations

import ast
import gettext
import importlib
import logging
import re
import string
from pathlib import Path

import click
import pytest

from wlr_geo._errors import Problem
from wlr_geo.cli import _click_nl
from wlr_geo.cli._click_nl import MESSAGES, NOT_SHOWN, PLURALS, dutch_click, translations
from wlr_geo.cli.main import COMMANDS, main

#: English that must not reach a user of wlr-geo (click's headings, errors and metavars).
ENGLISH = re.compile(r"\b(Usage|Options|Commands|Show|Error|Missing|Invalid|No such|Try|default|required|"
                     r"Got unexpected|Did you mean|does not exist|is not a valid|is not one of|OPTIONS|"
                     r"COMMAND|ARGS|TEXT|FLOAT|INTEGER|PATH|RANGE)\b")

#: click's translated calls whose message id is not a literal, by their source text.
DYNAMIC_IDS = {"extra['required']": "required"}


def _marked_calls() -> list[tuple[str, str, ast.Call]]:
    """(module, function, call) for every ``_(…)`` and ``ngettext(…)`` in click's modules."""
    calls = []
    for path in sorted(Path(click.__file__).parent.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "ngettext"):
                calls.append((path.stem, node.func.id, node))
    return calls


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def test_click_marks_texts_the_way_the_catalogue_expects():
    calls = _marked_calls()
    assert len(calls) > 50  # click still marks its texts for gettext
    for path in Path(click.__file__).parent.glob("*.py"):  # and only through ``_`` and ``ngettext``
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                assert name not in ("gettext", "dgettext", "pgettext", "dngettext"), f"{path.name}: {ast.unparse(node)}"
    for module in {m for m, _, _ in calls}:
        names = vars(importlib.import_module(f"click.{module}")) if module != "_winconsole" else None
        if names is not None:  # the functions dutch_click() swaps
            assert names.get("_", gettext.gettext) is gettext.gettext, module
            assert names.get("ngettext", gettext.ngettext) is gettext.ngettext, module


def test_every_click_text_that_reaches_a_user_has_a_dutch_translation():
    missing = []
    for module, func, call in _calls_with_ids():
        if func == "_":
            msgid = call
            if msgid not in MESSAGES and msgid not in NOT_SHOWN:
                missing.append(f"{module}: _({msgid!r})")
        elif call not in PLURALS:
            missing.append(f"{module}: ngettext{call!r}")
    assert not missing, "click texts without Dutch in wlr_geo/cli/_click_nl.py:\n" + "\n".join(missing)


def _calls_with_ids() -> list[tuple[str, str, object]]:
    out: list[tuple[str, str, object]] = []
    for module, func, node in _marked_calls():
        if func == "_":
            msgid = _literal(node.args[0])
            if msgid is None:
                source = ast.unparse(node.args[0])
                assert source in DYNAMIC_IDS, f"click.{module} translates a computed text: _({source})"
                msgid = DYNAMIC_IDS[source]
            out.append((module, func, msgid))
        else:
            singular, plural = _literal(node.args[0]), _literal(node.args[1])
            assert singular is not None and plural is not None, f"click.{module}: {ast.unparse(node)}"
            out.append((module, func, (singular, plural)))
    return out


def _fields(text: str) -> set[str]:
    fields = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    return fields | set(re.findall(r"%\(\w+\)s", text))


def test_translations_keep_the_placeholders():
    for msgid, dutch in MESSAGES.items():
        assert _fields(dutch) == _fields(msgid), msgid
    for (singular, plural), (nl_singular, nl_plural) in PLURALS.items():
        assert _fields(nl_singular) == _fields(singular), singular
        assert _fields(nl_plural) == _fields(plural), plural
    dutch = " ".join([*MESSAGES.values(), *(t for pair in PLURALS.values() for t in pair)])
    assert not ENGLISH.search(re.sub(r"\{[^}]*\}|%\(\w+\)s", "", dutch))


def test_plural_forms():
    ids = ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})")
    assert translations.ngettext(*ids, 1).format(args="b") == "Onverwacht extra argument (b)"
    assert translations.ngettext(*ids, 2).format(args="b c") == "Onverwachte extra argumenten (b c)"
    assert translations.ngettext(*ids, 0).startswith("Onverwachte")
    assert translations.ngettext("one {x}", "many {x}", 1) == "one {x}"  # unknown ids come back as they are
    assert translations.gettext("no such id") == "no such id"


def test_click_words_filled_in_are_dutch():
    number = translations.gettext("{value!r} is not a valid {number_type}.")
    assert number.format(value="x", number_type="integer") == "'x' is geen geldig geheel getal."
    assert number.format(value="x", number_type="float") == "'x' is geen geldig getal."
    path = translations.gettext("{name} {filename!r} does not exist.")
    assert path.format(name="Directory", filename="a") == "Map 'a' bestaat niet."
    default = translations.gettext("default: {default}")
    assert default.format(default="5000.0") == "standaard: 5.000" and default.format(default="auto") == "standaard: auto"


def test_dutch_click_is_only_active_inside_and_reentrant():
    import click.core

    assert click.core._ is gettext.gettext  # importing wlr_geo.cli changes nothing
    with dutch_click():
        assert click.core._("Usage:") == "Gebruik:"
        with dutch_click():
            assert click.formatting._("Usage:") == "Gebruik:"
        assert click.core.ngettext == translations.ngettext
    assert click.core._ is gettext.gettext and click.core.ngettext is gettext.ngettext


def test_a_plain_click_command_stays_english_after_wlr_geo_ran(capsys):
    assert main(["-h"]) == 0
    plain_command = click.Command("x", params=[click.Option(["--n"], type=int)])
    assert "Usage:" in plain_command.get_help(click.Context(plain_command))
    assert _click_nl._click_modules()  # the modules swapped are click's own


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.parametrize("command", [None, *sorted(COMMANDS)])
def test_help_is_dutch(command, capsys):
    code, text = _run(["-h"] if command is None else [command, "-h"], capsys)
    assert code == 0
    assert text.startswith("Gebruik: wlr-geo") and "\nOpties:\n" in text and "Toon deze hulp en stop." in text
    assert not ENGLISH.search(text), ENGLISH.search(text)
    if command is None:
        assert "\nCommando's:\n" in text and "[OPTIES] COMMANDO [ARGUMENTEN]..." in text


def test_version_is_dutch(capsys):
    code, text = _run(["--version"], capsys)
    assert code == 0 and text.startswith("wlr-geo, versie ")


@pytest.mark.parametrize(("args", "expected"), [
    (["--x"], "fout: Onbekende optie"),
    (["impct"], "fout: Onbekend commando 'impct'"),
    (["impact", "--widht-m", "3"], ("(Bedoeld: een van '--wait', '--width-m'?)",  # click ≥ 8.2
                                    "(Mogelijke opties: --wait, --width-m)")),  # click 8.1
    (["validate"], "fout: Ontbrekend argument 'CONFIG'."),
    (["validate", "a", "b"], "fout: Onverwacht extra argument (b)"),
    (["validate", "a", "b", "c"], "fout: Onverwachte extra argumenten (b c)"),
    (["impact", "--width-m", "abc"], "Ongeldige waarde voor '--width-m': 'abc' is geen geldig getal."),
    (["route", "-k", "1.5"], "'1.5' is geen geldig geheel getal."),
    (["fetch", "--retries", "99"], "99 ligt niet in het bereik"),
    (["convert", "--format", "foo", "a"], "'foo' is geen keuze uit 'auto', 'vector', 'klic', 'bgt'."),
    (["check-klic", "/bestaat/niet"], "Pad '/bestaat/niet' bestaat niet."),
    (["convert", "--tile-m"], "Optie '--tile-m' verwacht een waarde."),
    (["impact", "x"], "fout: Ontbrekende optie '-o' / '--out'."),
])
def test_usage_errors_are_dutch(args, expected, capsys):
    code, text = _run(args, capsys)
    assert code == 2
    assert any(e in text for e in ((expected,) if isinstance(expected, str) else expected)), text
    assert not ENGLISH.search(text), ENGLISH.search(text)
    if isinstance(expected, str) and expected.startswith("fout: ") and "'-o'" not in expected:
        assert "Gebruik: wlr-geo" in text and "voor hulp." in text


def test_problem_framing_is_dutch():
    problem = Problem("kolom 'x' ontbreekt", source="a.gpkg", layer="wegen", feature="3", hint="geef de kolom")
    assert str(problem) == "bestand a.gpkg, laag 'wegen', object 3: kolom 'x' ontbreekt — oplossing: geef de kolom"
    assert str(Problem("leeg")) == "leeg"


def test_errors_are_framed_fout(tmp_path, capsys):
    config = tmp_path / "p.toml"
    config.write_text('[layers.route]\nfile = "weg.gpkg"\n', encoding="utf-8")
    code, text = _run(["validate", str(config)], capsys)
    assert code == 2 and text.startswith("fout: bestand ") and "error:" not in text


def test_log_lines_have_dutch_level_words():
    from wlr_geo.cli.main import LOG_FORMAT, _VisibleFormatter

    formatter = _VisibleFormatter(LOG_FORMAT)
    levels = {logging.WARNING: "let op", logging.ERROR: "fout", logging.INFO: "info", logging.DEBUG: "debug"}
    for level, word in levels.items():
        record = logging.LogRecord("wlr_geo.io", level, __file__, 1, "laag\x1b gelezen", None, None)
        assert formatter.format(record) == f"{word} wlr_geo.io: laag\\x1b gelezen"
        assert record.levelname == logging.getLevelName(level)  # other handlers see the record as it was
