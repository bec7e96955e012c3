"""The one TOML loader, and the one check for unknown keys.

Every TOML file wlr_geo reads — project configs, the catalogue, map definitions, the default
tables and the user's copies of them — goes through :func:`read_toml`, so a missing file, a
syntax error and a file that is not UTF-8 give the same one-line :class:`~wlr_geo.ConfigError`.
Every table whose keys are fixed is checked with :func:`unknown_keys`, which names the nearest
valid key (``"bedoeld: 'municipalities'?"``). Messages are Dutch.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from wlr_geo._errors import ConfigError, Problem

__all__ = ["check_keys", "loads_toml", "nearest", "read_toml", "unknown_keys"]

#: Dutch names (with article) of the files callers name in English; any other ``what`` is used as given.
_FILE_NAMES = {
    "file": "het bestand",
    "config file": "het configuratiebestand",
    "catalogue file": "het catalogusbestand",
    "map definition": "de kaartdefinitie",
    "category table": "de categorietabel",
    "cost table file": "het bestand met de kostentabel",
    "default cost table": "de standaard-kostentabel",
    "clearances table": "de tabel met minimale afstanden",
    "claim templates file": "het bestand met claimsjablonen",
}
#: Dutch for the kinds of key :func:`unknown_keys` names.
_KEY_NAMES = {"key": "sleutel", "section": "sectie"}


def _file_name(what: str) -> str:
    return _FILE_NAMES.get(what, what)


def loads_toml(text: str, *, source: str | None = None) -> dict[str, Any]:
    """Parse TOML text; a syntax error is a :class:`ConfigError` naming ``source`` and the position."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"geen geldige TOML: {exc}", source=source,
                          hint="herstel de TOML-syntaxis op de genoemde plek") from None


def read_toml(path: str | os.PathLike[str], *, what: str = "file") -> dict[str, Any]:
    """Read a TOML file.

    Parameters
    ----------
    path
        The file.
    what
        What the file is, for the (Dutch) messages, with its article: ``"het configuratiebestand"``
        (the English names of :data:`_FILE_NAMES`, e.g. ``"config file"``, are translated).

    Raises
    ------
    ConfigError
        The file is missing, a folder, not UTF-8 or not valid TOML.
    """
    p = Path(path)
    name = _file_name(what)
    if not p.exists():
        raise ConfigError(f"{name} bestaat niet", source=str(p), hint="controleer het pad")
    if p.is_dir():
        raise ConfigError(f"verwacht {name}, maar dit is een map", source=str(p), hint="geef het .toml-bestand op")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{name} is geen UTF-8-tekst", source=str(p), hint="sla het op als UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"kan {name} niet lezen: {exc.strerror or exc}", source=str(p),
                          hint="controleer de toegangsrechten van het bestand") from None
    return loads_toml(text, source=str(p))


def nearest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to ``name`` (a likely misspelling), or None when none is close."""
    names = [str(c) for c in candidates]
    by_fold = {c.casefold(): c for c in names}
    if str(name).casefold() in by_fold:
        return by_fold[str(name).casefold()]
    match = difflib.get_close_matches(str(name), names, n=1, cutoff=0.6)
    return match[0] if match else None


def unknown_keys(table: Mapping[str, Any], allowed: Iterable[str], where: str, *,
                 source: str | None = None, what: str = "key") -> list[Problem]:
    """One :class:`Problem` per key of ``table`` that is not ``allowed``, with the nearest valid one.

    ``where`` is the table as written in the file, e.g. ``"[impact]"``; ``what`` the kind of key
    (``"key"``/``"section"``, named in Dutch in the message).
    """
    allowed = sorted(set(allowed))
    problems = []
    for key in sorted(set(table) - set(allowed), key=str):
        near = nearest(key, allowed)
        hint = f"bedoeld: {near!r}?" if near else (f"gebruik een van: {', '.join(allowed)}" if allowed else
                                                    f"verwijder het ({where} kent er geen)")
        problems.append(Problem(f"{where} heeft een onbekende {_KEY_NAMES.get(what, what)} {key!r}",
                                source=source, hint=hint))
    return problems


def check_keys(table: Mapping[str, Any], allowed: Iterable[str], where: str, *, source: str | None = None,
               what: str = "key") -> None:
    """Raise :class:`ConfigError` listing every unknown key of ``table`` (see :func:`unknown_keys`)."""
    problems = unknown_keys(table, allowed, where, source=source, what=what)
    if problems:
        raise ConfigError(problems=problems)
