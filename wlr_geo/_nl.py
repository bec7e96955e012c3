"""Dutch numbers in messages: the one formatter for error, warning and progress text.

Messages are read by planners (through the CLI) in Dutch, so numbers in them use the Dutch
separators: ``1.234,5``. This module is part of the base layer (pure Python, no pandas), so readers
and analyses can use it; the richer formatting of tables, maps and the report lives in
:mod:`wlr_geo.present.format`.
"""

from __future__ import annotations

import math

__all__ = ["nl"]


def nl(value: float | int, decimals: int | None = None) -> str:
    """``value`` with Dutch separators: ``1234.5`` → ``"1.234,5"``.

    ``decimals`` fixes the number of decimals; by default integers get none and other numbers
    as many as they need, at most 2. NaN and infinity come out as ``"NaN"``, ``"oneindig"``.

    >>> nl(1234.5), nl(10000), nl(0.125), nl(2.5, 1), nl(float("nan"))
    ('1.234,5', '10.000', '0,12', '2,5', 'NaN')
    """
    if isinstance(value, bool):
        return str(value)
    v = float(value)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "oneindig" if v > 0 else "-oneindig"
    if decimals is None:
        if isinstance(value, int) or v == int(v):
            decimals = 0
        else:
            text = f"{v:,.2f}".rstrip("0").rstrip(".")
            return _dutch(text)
    if round(v, decimals) == 0:
        v = 0.0
    return _dutch(f"{v:,.{decimals}f}")


def _dutch(text: str) -> str:
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
