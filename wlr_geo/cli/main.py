"""Entry point of ``wlr-geo``.

Sub-commands live in their own modules and are imported only when used, which keeps
``wlr-geo --help`` fast. To add a command, add ``"name": "module:attribute"`` to ``COMMANDS``.
Every :class:`~wlr_geo.WlrGeoError` becomes one clear line per problem on stderr and exit code 2
— never a traceback (``--debug`` shows it). Ctrl-C ends the run with one line ("afgebroken") and
exit code 130 (128 + SIGINT); commands that write through an ``OutputSet`` have then written
nothing.

Everything ``wlr-geo`` prints is Dutch: its own lines, the framing of errors ("fout: bestand …,
laag '…': … — oplossing: …"), the level of log lines ("let op", "fout") and click's help and usage
errors (:mod:`wlr_geo.cli._click_nl`).

What reaches the terminal is made safe here too (ROBUSTNESS.md F2): error lines, click's usage
errors and log lines show control characters as escapes (:func:`wlr_geo.cli._console.visible`),
so data echoed in a message can neither break the one line nor act on the terminal. Every
command runs inside :func:`wlr_geo.workflows._output.capture_warnings` (F15): Python and GDAL
warnings become counted notes in the run's manifest; stderr gets one line saying how many.
"""

from __future__ import annotations

import atexit
import contextlib
import copy
import gc
import importlib
import io
import logging
import os
import sys
from typing import Any, NoReturn

import click

from wlr_geo._errors import WlrGeoError, WlrGeoInputError
from wlr_geo._version import __version__
from wlr_geo.cli._click_nl import Group, dutch_click
from wlr_geo.cli._console import plain, visible

__all__ = ["COMMANDS", "EXIT_INTERRUPTED", "cli", "main", "run"]

#: Exit code after Ctrl-C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130

#: name → "module:attribute" of a click command.
COMMANDS: dict[str, str] = {
    "layers": "wlr_geo.cli.base:layers_command",
    "validate": "wlr_geo.cli.base:validate_command",
    "demo": "wlr_geo.cli.demo:demo_command",
    "impact": "wlr_geo.cli.impact:impact_command",
    "bgt": "wlr_geo.cli.bgt:bgt_command",
    "claims": "wlr_geo.cli.claims:claims_command",
    "landing": "wlr_geo.cli.landing:landing_command",
    "convert": "wlr_geo.cli.convert:convert_command",
    "report": "wlr_geo.cli.report:report_command",
    "klic": "wlr_geo.cli.klic:klic_command",
    "check-klic": "wlr_geo.cli.check_klic:check_klic_command",
    "route": "wlr_geo.cli.route:route_command",
    "fetch": "wlr_geo.cli.fetch:fetch_command",
    "map": "wlr_geo.cli.map:map_command",
}


class LazyGroup(Group):
    """A click group whose sub-commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, _, attr = target.partition(":")
        module = importlib.import_module(module_name)
        command: click.Command = getattr(module, attr)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            # past click's own handler, which would print an empty line and turn it into Abort
            raise _UserInterruptError from None
        except WlrGeoError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            report_error(exc)
            ctx.exit(2)


class _UserInterruptError(Exception):
    """Ctrl-C inside a sub-command, carried out of click to :func:`main`."""


def report_error(exc: WlrGeoError) -> None:
    """Print a wlr_geo error as one line per problem on stderr (control characters shown)."""
    if isinstance(exc, WlrGeoInputError):
        for problem in exc.problems:
            click.secho(f"fout: {plain(problem)}", fg="red", err=True)
    else:
        click.secho(f"fout: {plain(exc)}", fg="red", err=True)


def _show_click_error(exc: click.ClickException) -> None:
    """click's own message (usage, bad option value), with control characters shown: click
    quotes the value it could not use."""
    buffer = io.StringIO()
    exc.show(file=buffer)
    text = "\n".join(visible(line) for line in buffer.getvalue().rstrip("\n").split("\n"))
    click.echo(text, err=True)


#: Log levels as the terminal shows them.
LEVELS_NL = {"DEBUG": "debug", "INFO": "info", "WARNING": "let op", "ERROR": "fout", "CRITICAL": "ernstig"}

#: The format of log lines at the terminal.
LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"


class _VisibleFormatter(logging.Formatter):
    """Log lines with a Dutch level word and control characters shown (messages may quote data)."""

    def format(self, record: logging.LogRecord) -> str:
        shown = copy.copy(record)  # other handlers see the record unchanged
        shown.levelname = LEVELS_NL.get(record.levelname, record.levelname.lower())
        return "\n".join(visible(line) for line in super().format(shown).split("\n"))


def _warning_summary(log: Any) -> None:
    """At the end of a command: one line for warnings in the manifest, the others as counted notes."""
    if log.reported:
        click.secho(f"let op: {log.reported} waarschuwing(en) van Python/GDAL geteld in de notes van "
                    "manifest.json", fg="yellow", err=True)
    if log.total > log.reported:
        for note in log.notes():
            click.secho(f"let op: {plain(note)}", fg="yellow", err=True)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="wlr-geo", message="%(prog)s, versie %(version)s",
                      help="Toon het versienummer en stop.")
@click.option("-v", "--verbose", count=True, help="Meer logregels (-v: info, -vv: debug).")
@click.option("--debug", is_flag=True, help="Toon de Python-traceback in plaats van een fout op één regel.")
@click.pass_context
def cli(ctx: click.Context, verbose: int, debug: bool) -> None:
    """wlr-geo: GIS-gereedschap voor de warmtetransitie in de Leidse regio (WarmtelinQ+).

    Leest tracé, gemeentegrenzen, KLIC/IMKL, BGT en andere lagen in EPSG:28992, bepaalt de
    boven- en ondergrondse impact van het tracé per gemeente en schrijft tabellen,
    GeoPackages en offline raadpleegkaarten.
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(level=max(level, logging.DEBUG), format=LOG_FORMAT)
    for handler in logging.getLogger().handlers:
        if type(handler) is logging.StreamHandler and not isinstance(handler.formatter, _VisibleFormatter):
            handler.setFormatter(_VisibleFormatter(LOG_FORMAT))
    logging.getLogger("wlr_geo").setLevel(max(level, logging.DEBUG))
    # pyogrio logs every layer it writes ("Created 251 records", in English): only with -vv
    logging.getLogger("pyogrio").setLevel(logging.DEBUG if verbose >= 2 else logging.WARNING)
    if ctx.invoked_subcommand is not None:
        from wlr_geo.workflows._output import capture_warnings

        log = ctx.with_resource(capture_warnings())
        ctx.call_on_close(lambda: _warning_summary(log))


def run() -> NoReturn:
    """Console-script entry point: :func:`main` in a process of its own, then exit with its code.

    A short ``wlr-geo`` command would otherwise spend a fifth of its time on Python's
    housekeeping rather than on its data (numpy arrays and GDAL buffers, which reference
    counting frees):

    * while pandas, pyarrow, pyproj, shapely and GDAL are imported, the cyclic garbage collector
      runs every 700 new objects, and walks the ever larger heap of module objects again and
      again (≈ 270 collections, 0.15–0.2 s of a 2 s ``wlr-geo impact``). Here that stack is
      imported first, with the collector paused, and its objects are then frozen
      (:func:`gc.freeze`): later collections skip them (≈ 60 collections, 0.01 s), while the
      collector runs as usual for the command's own objects;
    * at exit, the interpreter tears every module down, object by object (0.2–0.4 s). Here the
      process ends right after the exit handlers instead (:func:`_end_process`).

    :func:`main` — what tests and callers in a Python session use — changes neither.
    ``benchmarks/bench_process.py`` measures the whole command.
    """
    code = [1]  # what a programming error's traceback ends with
    atexit.register(_end_process, code)
    try:
        if _command_name(sys.argv[1:]) in COMMANDS:
            _load_stack()
    except KeyboardInterrupt:  # Ctrl-C while loading: as main() answers it
        click.echo("afgebroken", err=True)
        code[0] = EXIT_INTERRUPTED
        sys.exit(code[0])
    try:
        code[0] = main()
    except SystemExit as exc:  # not raised by main itself; kept for what it calls
        code[0] = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
        raise
    sys.exit(code[0])


def _command_name(args: list[str]) -> str | None:
    """The sub-command a command line runs: its first word that is not an option of ``wlr-geo``."""
    return next((a for a in args if not a.startswith("-")), None)


def _load_stack() -> None:
    """Import what every sub-command loads (geopandas and the rest) with the collector paused.

    :func:`cli` imports the same for every sub-command; here it happens first, and what it
    leaves is frozen, so no collection walks it again.
    """
    gc.disable()
    try:
        import wlr_geo.workflows._output  # noqa: F401 — the scientific stack
    finally:
        gc.freeze()
        gc.enable()


def _end_process(code: list[int]) -> None:
    """The last exit handler of a ``wlr-geo`` process: flush what is pending and end it.

    Registered when :func:`run` starts, so it runs after every handler registered later (which
    close temporary files and worker pools), and it does itself what the one handler registered
    earlier does (:func:`logging.shutdown`). Every output is complete by now: files are written
    and closed, then renamed into place (:mod:`wlr_geo._atomic`); threads still running are
    daemons (input hashes). What ``os._exit`` skips is the teardown of the modules.
    """
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe: nothing left to do for it
            stream.flush()
    os._exit(code[0])


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    with dutch_click():
        return _main(argv)


def _main(argv: list[str] | None) -> int:
    try:
        rv = cli.main(args=argv, prog_name="wlr-geo", standalone_mode=False)
    except (_UserInterruptError, KeyboardInterrupt):
        click.echo("afgebroken", err=True)
        return EXIT_INTERRUPTED
    except click.exceptions.Abort as exc:
        click.echo("afgebroken", err=True)
        return EXIT_INTERRUPTED if isinstance(exc.__cause__, KeyboardInterrupt) else 1
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        _show_click_error(exc)
        return exc.exit_code
    except WlrGeoError as exc:  # raised outside a sub-command (e.g. in a callback)
        report_error(exc)
        return 2
    return rv if isinstance(rv, int) else 0


if __name__ == "__main__":  # pragma: no cover
    run()
