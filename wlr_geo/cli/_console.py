"""Data values made safe for the terminal: the one escaping helper of the CLI.

Names in the data (municipalities, variants, layers, KLIC operators, claim ids, file names) reach
the terminal in tables, notes and error messages. Two things in them must not act on the
terminal:

* **rich markup and emoji codes.** ``[/x]`` crashes rich (MarkupError), ``[link=…]`` makes a
  hyperlink and ``:warning:`` an emoji. :func:`safe` escapes markup; :class:`Console` is rich's
  console with emoji codes off, so the escaped text prints literally.
* **control characters.** An ESC sequence recolours, moves the cursor or makes an OSC 8 hyperlink;
  CR and backspace overwrite what was printed; a bidi override (U+202E) reverses it; a newline
  breaks the "one line per problem" promise; a lone surrogate (a file name that is not UTF-8)
  cannot be printed at all. :func:`visible` shows each of them as a Python escape (``\\x1b``,
  ``\\r``, ``\\u202e``, ``\\udcff``) and leaves every printable character, non-ASCII letters
  included, as it is.

Use :func:`safe` for text given to rich (``console.print``, table cells, ``status``), and
:func:`plain` for text given to ``click.echo`` (which knows no markup). Error messages, click's
usage errors and log lines are made visible in :mod:`wlr_geo.cli.main`.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import rich.console
from rich.markup import escape

__all__ = ["Console", "plain", "safe", "visible"]

#: Unicode categories shown as escapes: controls (C0, DEL, C1), format characters (bidi
#: overrides, zero-width characters), line and paragraph separators, surrogates.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def _shown(ch: str) -> str:
    if unicodedata.category(ch) not in _HIDDEN_CATEGORIES:
        return ch
    code = ord(ch)
    if ch in "\t\n\r":
        return {"\t": "\\t", "\n": "\\n", "\r": "\\r"}[ch]
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def visible(text: str) -> str:
    """``text`` with every control, format and separator character shown as an escape.

    >>> visible("Leiden\\x1b[31m\\r\\u202e")
    'Leiden\\\\x1b[31m\\\\r\\\\u202e'
    >>> visible("’s-Gravenhage — Ĳsselstein")
    '’s-Gravenhage — Ĳsselstein'
    """
    if text.isprintable():
        return text
    return "".join(_shown(ch) for ch in text)


def plain(value: object) -> str:
    """``value`` as one line of text for ``click.echo``: control characters shown as escapes."""
    return visible(str(value))


def safe(value: object) -> str:
    """``value`` as text that rich prints literally: markup escaped, control characters shown.

    >>> safe("[link=https://example.org]klik[/link]")
    '\\\\[link=https://example.org]klik\\\\[/link]'
    """
    text = escape(visible(str(value)))
    # rich.markup.escape leaves a lone trailing backslash, which would escape markup that a
    # caller appends (f"{safe(name)}[/yellow]"): double it.
    if text.endswith("\\") and (len(text) - len(text.rstrip("\\"))) % 2:
        text += "\\"
    return text


class Console(rich.console.Console):
    """rich's console with emoji codes off (``:name:`` in data stays text).

    Every console of the CLI is made with this class; data values in what it prints go through
    :func:`safe` (or are :class:`rich.text.Text` of :func:`visible` text).
    """

    def __init__(self, *args: Any, emoji: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, emoji=emoji, **kwargs)
