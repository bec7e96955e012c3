"""click in Dutch: the help, usage lines and usage errors of ``wlr-geo``.

click marks its own texts for gettext (``from gettext import gettext as _`` and ``ngettext`` in
each of its modules): "Usage:", "Options", "Show this message and exit.", "Missing argument",
"No such option", "… is not a valid integer" and so on. :data:`MESSAGES` and :data:`PLURALS` are a
Dutch catalogue of those message ids (click 8.1 up to the newest click we test); :func:`dutch_click`
swaps click's ``_`` and ``ngettext`` for lookups in it while the CLI runs and puts the originals
back afterwards, so importing wlr_geo as a library never changes click.

What click does not mark for translation is set by :class:`Command` and :class:`Group`: the
usage metavars (``[OPTIES]``, ``COMMANDO [ARGUMENTEN]...``) and the metavars of options and
arguments (``GETAL``, ``TEKST``, ``PAD`` instead of ``FLOAT``, ``TEXT``, ``PATH``). Every
``wlr-geo`` command is made with :func:`command`.

A test scans click's modules for marked texts and fails when one that can reach a user has no
Dutch translation here, so a click upgrade cannot bring English back unnoticed.
"""

from __future__ import annotations

import functools
import gettext
import importlib
import pkgutil
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import click

from wlr_geo._nl import nl

__all__ = ["MESSAGES", "NOT_SHOWN", "PLURALS", "Command", "Group", "command", "dutch_click", "translations"]

#: click's message id → Dutch (every click version from 8.1 on; ids of other versions are harmless).
MESSAGES: dict[str, str] = {
    # help
    "Usage:": "Gebruik:",
    "Options": "Opties",
    "Commands": "Commando's",
    "Positional arguments": "Argumenten",
    "Show this message and exit.": "Toon deze hulp en stop.",
    "Show the version and exit.": "Toon het versienummer en stop.",
    "%(prog)s, version %(version)s": "%(prog)s, versie %(version)s",
    "default: {default}": "standaard: {default}",
    "required": "verplicht",
    "env var: {var}": "omgevingsvariabele: {var}",
    "(dynamic)": "(dynamisch)",
    "deprecated": "verouderd",
    "(Deprecated) {text}": "(verouderd) {text}",
    "DeprecationWarning: The command {name!r} is deprecated.": "let op: het commando {name!r} is verouderd.",
    "DeprecationWarning: The command {name!r} is deprecated.{extra_message}":
        "let op: het commando {name!r} is verouderd.{extra_message}",
    "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}":
        "let op: {param_type} {name!r} is verouderd.{extra_message}",
    # usage errors
    "Error: {message}": "fout: {message}",
    "Try '{command} {option}' for help.": "Zie '{command} {option}' voor hulp.",
    "Aborted!": "afgebroken",
    "Missing command.": "Geen commando gegeven.",
    "No such command {name!r}.": "Onbekend commando {name!r}.",
    "No such option: {name}": "Onbekende optie: {name}",
    "No such option {name!r}.": "Onbekende optie {name!r}.",
    "Missing argument": "Ontbrekend argument",
    "Missing option": "Ontbrekende optie",
    "Missing parameter": "Ontbrekende parameter",
    "Missing {param_type}": "Ontbrekende {param_type}",
    "Missing parameter: {param_name}": "Ontbrekende parameter: {param_name}",
    "Invalid value for {param_hint}: {message}": "Ongeldige waarde voor {param_hint}: {message}",
    "Invalid value: {message}": "Ongeldige waarde: {message}",
    "unknown error": "onbekende fout",
    "Could not open file {filename!r}: {message}": "Bestand {filename!r} kan niet worden geopend: {message}",
    "Value must be an iterable.": "De waarde moet een reeks zijn.",
    "Option {name!r} does not take a value.": "Optie {name!r} neemt geen waarde.",
    "Argument {name!r} takes {nargs} values.": "Argument {name!r} verwacht {nargs} waarden.",
    "Invalid start character for option ({option})": "Ongeldig eerste teken van een optie ({option})",
    # values
    "file": "bestand",
    "directory": "map",
    "path": "pad",
    "Choose from:\n\t{choices}": "Kies uit:\n\t{choices}",
    "Choice({choices})": "Keuze({choices})",
    "{value} is not in the range {range}.": "{value} ligt niet in het bereik {range}.",
    "{value!r} is not a valid {number_type}.": "{value!r} is geen geldig {number_type}.",
    "{value!r} is not a valid boolean.": "{value!r} is geen geldige ja/nee-waarde.",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "{value!r} is geen geldige ja/nee-waarde. Bekende waarden: {states}",
    "{value!r} is not a valid UUID.": "{value!r} is geen geldige UUID.",
    "{name} {filename!r} does not exist.": "{name} {filename!r} bestaat niet.",
    "{name} {filename!r} is a file.": "{name} {filename!r} is een bestand.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} is een map.",
    "{name} '{filename}' is a directory.": "{name} '{filename}' is een map.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} is niet leesbaar.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} is niet schrijfbaar.",
    "{name} {filename!r} is not executable.": "{name} {filename!r} is niet uitvoerbaar.",
    # prompts, progress, editor, streams
    "Do you want to continue?": "Doorgaan?",
    "Confirm the action without prompting.": "Bevestig zonder te vragen.",
    "Repeat for confirmation": "Herhaal ter bevestiging",
    "Press any key to continue...": "Druk op een toets om door te gaan...",
    "Error: The two entered values do not match.": "fout: de twee ingevoerde waarden verschillen.",
    "Error: The value you entered was invalid.": "fout: de ingevoerde waarde is ongeldig.",
    "Error: invalid input": "fout: ongeldige invoer",
    "Error: {e.message}": "fout: {e.message}",
    "d": "d",  # days in a progress bar's remaining time ("2d 03:04:05")
    "{editor}: Editing failed": "{editor}: bewerken mislukt",
    "{editor}: Editing failed: {e}": "{editor}: bewerken mislukt: {e}",
    "Windows error: {error}": "Windows-fout: {error}",
    "Unknown color {colour!r}": "Onbekende kleur {colour!r}",
    "Unknown standard stream '{name}'": "Onbekende standaardstroom '{name}'",
    "Shell completion is not supported for Bash versions older than 4.4.":
        "Aanvullen in de shell werkt niet met Bash ouder dan 4.4.",
    "Couldn't detect Bash version, shell completion is not supported.":
        "Versie van Bash niet herkend: aanvullen in de shell werkt niet.",
}

#: (singular id, plural id) → (Dutch singular, Dutch plural); Dutch, like English, uses the
#: singular for exactly one.
PLURALS: dict[tuple[str, str], tuple[str, str]] = {
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"):
        ("Onverwacht extra argument ({args})", "Onverwachte extra argumenten ({args})"),
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."):
        ("Verwacht {nargs} waarden, er is er 1 gegeven.", "Verwacht {nargs} waarden, er zijn er {len} gegeven."),
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"):
        ("Bedoeld: {possibility}?", "(Bedoeld: een van {possibilities}?)"),
    ("Did you mean {possibility}?", "(Possible options: {possibilities})"):
        ("Bedoeld: {possibility}?", "(Mogelijke opties: {possibilities})"),
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."):
        ("Optie {name!r} verwacht een waarde.", "Optie {name!r} verwacht {nargs} waarden."),
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."):
        ("{value!r} is niet {choice}.", "{value!r} is geen keuze uit {choices}."),
    ("{value!r} does not match the format {format}.", "{value!r} does not match the formats {formats}."):
        ("{value!r} past niet bij het formaat {format}.", "{value!r} past niet bij de formaten {formats}."),
    ("{len_type} values are required, but {len_value} was given.",
     "{len_type} values are required, but {len_value} were given."):
        ("{len_type} waarden zijn vereist, er is er {len_value} gegeven.",
         "{len_type} waarden zijn vereist, er zijn er {len_value} gegeven."),
}

#: click's marked texts that never reach a ``wlr-geo`` user: errors about how a command is
#: declared (a programming mistake, raised while the module is imported).
NOT_SHOWN: frozenset[str] = frozenset({
    "Could not determine name for option with declarations {decls!r}",
    "No options defined but a name was passed ({name}). Did you mean to declare an argument instead? "
    "Did you mean to pass '--{name}'?",
    "Arguments take exactly one parameter declaration, got {length}: {decls}.",
    "Name '{name}' defined twice",
    "Boolean option {decl!r} cannot use the same flag for true/false.",
})

_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def _dutch_default(value: object) -> object:
    """A default shown in ``--help``: numbers with Dutch separators (``5000.0`` → ``5.000``)."""
    text = str(value)
    return nl(float(text)) if _NUMBER.fullmatch(text) else value


#: Values click fills into a translated text that are English words of its own.
_VALUE_WORDS: dict[str, Callable[[object], object]] = {
    "number_type": lambda v: {"integer": "geheel getal", "float": "getal", "integer range": "geheel getal",
                              "float range": "getal"}.get(str(v), v),
    "name": lambda v: {"File": "Bestand", "Directory": "Map", "Path": "Pad"}.get(str(v), v),
    "param_type": lambda v: {"option": "optie", "argument": "argument", "parameter": "parameter"}.get(str(v), v),
    "default": _dutch_default,
}


class _Template(str):
    """A translated text whose ``format`` also puts click's own English words into Dutch
    (``'x' is not a valid integer`` → ``'x' is geen geldig geheel getal``)."""

    __slots__ = ()

    def format(self, *args: Any, **kwargs: Any) -> str:
        for key, to_dutch in _VALUE_WORDS.items():
            if key in kwargs:
                kwargs[key] = to_dutch(kwargs[key])
        return str.format(self, *args, **kwargs)


class _Dutch(gettext.NullTranslations):
    """The catalogue as a gettext translation (unknown ids come back unchanged)."""

    def gettext(self, message: str) -> str:
        text = MESSAGES.get(message)
        return message if text is None else _Template(text)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        pair = PLURALS.get((msgid1, msgid2))
        if pair is None:
            return msgid1 if n == 1 else msgid2
        return _Template(pair[0] if n == 1 else pair[1])


#: The Dutch translation of click's texts.
translations = _Dutch()


@functools.cache
def _click_modules() -> tuple[Any, ...]:
    """Every module of click that imports on this platform (click._winconsole only on Windows)."""
    modules = []
    for info in pkgutil.iter_modules(click.__path__):
        try:
            modules.append(importlib.import_module(f"click.{info.name}"))
        except Exception:  # noqa: S112 - a module for another platform
            continue
    return tuple(modules)


#: What click's modules may hold as ``_`` and ``ngettext``: gettext's functions, or ours when
#: :func:`dutch_click` is entered again inside itself.
_ORIGINALS: dict[str, tuple[Callable[..., str], ...]] = {
    "_": (gettext.gettext, translations.gettext),
    "ngettext": (gettext.ngettext, translations.ngettext),
}


@contextmanager
def dutch_click() -> Iterator[None]:
    """While inside: click's own texts in Dutch. Re-entrant; click is as before afterwards."""
    swaps: Mapping[str, Callable[..., str]] = {"_": translations.gettext, "ngettext": translations.ngettext}
    saved: list[tuple[Any, str, Any]] = []
    for module in _click_modules():
        names = vars(module)
        for attr, replacement in swaps.items():
            if names.get(attr) in _ORIGINALS[attr]:
                saved.append((module, attr, names[attr]))
                setattr(module, attr, replacement)
    try:
        yield
    finally:
        for module, attr, original in reversed(saved):
            setattr(module, attr, original)


#: Argument names (upper case, as click shows them) → Dutch.
_ARGUMENTS = {"PATH": "PAD", "PATHS": "PADEN", "DIRECTORY": "MAP", "INPUTS": "INVOER", "CONFIG": "CONFIG"}


def _metavar(param: click.Parameter) -> str | None:
    """The Dutch metavar of an option or argument without one of its own (``None``: click's)."""
    kind = param.type
    if isinstance(param, click.Argument):
        name = (param.name or "").upper()
        text = _ARGUMENTS.get(name, name)
        if isinstance(kind, click.Choice):
            return None
        if not param.required:
            text = f"[{text}]"
        return text + ("..." if param.nargs != 1 else "")
    if isinstance(param, click.Option) and (param.is_flag or param.count):
        return None
    if isinstance(kind, click.Choice):
        return None
    if isinstance(kind, (click.types.IntParamType, click.types.FloatParamType)):
        text = "GETAL"
    elif isinstance(kind, click.File):
        text = "BESTAND"
    elif isinstance(kind, click.Path):
        text = "MAP" if not kind.file_okay else "BESTAND" if not kind.dir_okay else "PAD"
    elif isinstance(kind, click.types.BoolParamType):
        text = "JA|NEE"
    elif isinstance(kind, click.types.StringParamType):
        text = "TEKST"
    else:
        return None
    return text + ("..." if param.nargs != 1 else "")


def _dutch_params(params: list[click.Parameter]) -> None:
    for param in params:
        if param.metavar is None:
            param.metavar = _metavar(param)


class Command(click.Command):
    """A click command with Dutch metavars that runs in Dutch (:func:`dutch_click`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[OPTIES]")
        super().__init__(*args, **kwargs)
        _dutch_params(self.params)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        with dutch_click():
            return super().main(*args, **kwargs)


class Group(Command, click.Group):
    """A click group with Dutch metavars that runs in Dutch (:class:`Command`'s set-up and run)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("subcommand_metavar", "COMMANDO [ARGUMENTEN]...")
        super().__init__(*args, **kwargs)


def command(name: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Command]:
    """``@click.command(name)`` as a Dutch :class:`Command`."""
    decorator: Callable[[Callable[..., Any]], Command] = click.command(name, cls=Command, **kwargs)
    return decorator
