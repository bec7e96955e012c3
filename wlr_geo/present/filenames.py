"""Safe, bounded and unique file names made from names in the data (municipalities, variants).

A municipality name becomes part of a file name (``kaart_gemeente_<naam>.html``, figures). Names
come from data, so they may differ only in case or punctuation ("Den Haag", "den-haag"), be 300
characters long, or consist only of letters outside ASCII. :func:`safe_stem` makes an ASCII stem
of bounded length (accents dropped, ``ß`` → ``ss``; a name without any ASCII letter or digit gets
``naam_`` and a short hash of the name, so different names stay different); :class:`UniqueNames`
hands out each file name once per folder, case-insensitively, adding ``_2``, ``_3`` … to later
names that collide.

Examples
--------
>>> safe_stem("Den Haag"), safe_stem("'s-Gravenhage"), safe_stem("Súdwest-Fryslân")
('den_haag', 's_gravenhage', 'sudwest_fryslan')
>>> names = UniqueNames()
>>> names.claim("kaart_gemeente_den_haag.html"), names.claim("kaart_gemeente_den_haag.html")
('kaart_gemeente_den_haag.html', 'kaart_gemeente_den_haag_2.html')
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

__all__ = ["MAX_STEM", "UniqueNames", "safe_stem"]

#: Longest stem :func:`safe_stem` returns (characters; all ASCII, so also bytes).
MAX_STEM = 60

_NOT_SAFE = re.compile(r"[^a-z0-9]+")
_EXTRA = str.maketrans({"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "œ": "oe", "Œ": "OE",
                        "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ı": "i", "þ": "th", "Þ": "TH"})
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def safe_stem(name: object, *, max_length: int = MAX_STEM) -> str:
    """An ASCII file-name stem of at most ``max_length`` characters for ``name``.

    Lower case; every run of other characters becomes ``_``; accents are dropped. A name that
    leaves nothing (empty, only non-ASCII letters or punctuation) becomes ``naam_<8 hex>``, a
    hash of the name, so distinct names keep distinct stems; a truncated long name keeps its
    first characters (collisions between such names are resolved by :class:`UniqueNames`).
    """
    text = str(name).translate(_EXTRA)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    stem = _NOT_SAFE.sub("_", ascii_text).strip("_")
    limit = max(8, int(max_length))
    if not stem:
        digest = hashlib.sha256(str(name).encode("utf-8", "surrogatepass")).hexdigest()[:8]
        stem = f"naam_{digest}"
    if len(stem) > limit:
        stem = stem[:limit].rstrip("_")
    if stem in _RESERVED:
        stem += "_"
    return stem


class UniqueNames:
    """File names handed out once per folder (compared case-insensitively).

    Parameters
    ----------
    taken
        Names already used in the folder by this run (never handed out again).
    """

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self._taken = {t.lower() for t in taken}

    def claim(self, file_name: str) -> str:
        """``file_name``, or ``<stem>_<n><suffix>`` with the smallest free n ≥ 2."""
        stem, dot, suffix = file_name.rpartition(".")
        if not dot:
            stem, suffix = file_name, ""
        ext = f".{suffix}" if dot else ""
        candidate = file_name
        n = 1
        while candidate.lower() in self._taken:
            n += 1
            candidate = f"{stem}_{n}{ext}"
        self._taken.add(candidate.lower())
        return candidate

    def __contains__(self, file_name: object) -> bool:
        return isinstance(file_name, str) and file_name.lower() in self._taken
