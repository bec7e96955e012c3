"""Dutch formatting of numbers, years, chainages, areas and dates — in one place.

Every Dutch output (maps, report, spreadsheets' text cells, CLI messages) formats values through
these functions, so a number reads the same everywhere:

========================  ==========================  ===========================================
function                  example                     rule
========================  ==========================  ===========================================
:func:`nl_number`         ``1234.5, 1`` → ``1.234,5``  thousands ``.``, decimal comma; fixed decimals
:func:`nl_auto`           ``0.8123`` → ``0,81``        up to 2 decimals, trailing zeros dropped,
                          ``1234.6`` → ``1.235``       none from 1 000 up
:func:`nl_int`            ``25000`` → ``25.000``       counts
:func:`nl_year`           ``2028.0`` → ``2028``        never a thousands separator
:func:`nl_km`             ``1200`` → ``km 1,2``        chainage, as on the route markers
:func:`nl_length_m`       ``1019.7`` → ``1.019,7 m``   metres with unit
:func:`nl_area_m2`        ``10000`` → ``10.000 m²``    square metres with unit
:func:`nl_percent`        ``0.254`` → ``25,4 %``       a fraction as a percentage
:func:`nl_date`           ``2026-11-26`` → ``26-11-2026``  day-month-year (``long=True``: 26 november 2026)
:func:`nl_bool`           ``True`` → ``ja``
========================  ==========================  ===========================================

Missing values (``None``, NaN, ``pd.NA``, ±inf) give ``missing`` (default ``""``); no function
ever prints ``nan``. Codes and identifiers (``GM0546``, ``L1``, a ``site_id`` of 12345) are text:
:func:`format_for_column` shows them as they are.

:func:`format_for_column` picks the format from a column name (``year_from`` → year,
``chainage_m`` → km, ``*_m2`` → whole square metres, ``*_id``/``*_code`` → text, …) and
:func:`format_value` applies a named format (``FORMATS``) to one value; the web maps use these for
every popup value.

Examples
--------
>>> nl_number(1234.5, 1)
'1.234,5'
>>> nl_year(2028)
'2028'
>>> nl_km(1200.0)
'km 1,2'
>>> format_value(2028, "year"), format_value(2028, "integer")
('2028', '2.028')
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "FORMATS",
    "MONTHS_NL",
    "format_for_column",
    "format_value",
    "is_missing",
    "nl_area_m2",
    "nl_auto",
    "nl_bool",
    "nl_date",
    "nl_int",
    "nl_km",
    "nl_length_m",
    "nl_number",
    "nl_percent",
    "nl_year",
]

#: Dutch month names (``MONTHS_NL[1] == "januari"``).
MONTHS_NL: tuple[str, ...] = (
    "", "januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
    "oktober", "november", "december",
)


def is_missing(value: Any) -> bool:
    """True for ``None``, NaN, ``pd.NA``/``NaT`` and ±inf (values that must not be printed)."""
    if value is None:
        return True
    if isinstance(value, float | np.floating):
        return not math.isfinite(float(value))
    if isinstance(value, str | bytes | bool | np.bool_ | int | np.integer):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _as_float(value: Any) -> float | None:
    if is_missing(value) or isinstance(value, bool | np.bool_):
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _dutch(text: str) -> str:
    """``1,234.5`` (Python's grouping) → ``1.234,5``."""
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def nl_number(value: Any, decimals: int = 0, *, missing: str = "") -> str:
    """A number with Dutch separators and exactly ``decimals`` decimals: ``1.234,5``.

    Non-numeric text is returned unchanged; missing values give ``missing``.
    """
    v = _as_float(value)
    if v is None:
        return missing if is_missing(value) else str(value)
    return _fixed(v, max(0, int(decimals)))


def _fixed(v: float, d: int) -> str:
    """A finite float with ``d`` decimals, Dutch separators."""
    if round(v, d) == 0:
        v = 0.0  # no "-0,0"
    return _dutch(f"{v:,.{d}f}")


def _auto_finite(v: float, whole: bool) -> str:
    if whole or v == int(v) or abs(v) >= 1000:
        return _fixed(v, 0)
    text = _fixed(v, 2)
    return text.rstrip("0").rstrip(",") if "," in text else text


def nl_auto(value: Any, *, missing: str = "") -> str:
    """A number with as many decimals as it needs, at most 2, none from 1 000 up: ``0,81``, ``1.235``."""
    v = _as_float(value)
    if v is None:
        return missing if is_missing(value) else str(value)
    return _auto_finite(v, isinstance(value, int | np.integer))


def nl_int(value: Any, *, missing: str = "") -> str:
    """A count: rounded to a whole number, with a thousands separator (``25.000``)."""
    return nl_number(value, 0, missing=missing)


_YEAR = re.compile(r"^\s*(-?\d{1,4})(?:[.,]0+)?\s*$")


def nl_year(value: Any, *, missing: str = "") -> str:
    """A year without thousands separator: ``2028`` (also from ``2028.0`` or ``"2028"``).

    Text that is not a whole year (``"2027–2030"``) is returned as it is.
    """
    if is_missing(value):
        return missing
    if isinstance(value, _dt.date):
        return str(value.year)
    v = _as_float(value)
    if v is not None and v == int(v):
        return str(int(v))
    m = _YEAR.match(str(value))
    return m.group(1) if m else str(value)


def nl_km(chainage_m: Any, decimals: int = 1, *, missing: str = "") -> str:
    """A chainage in metres as the Dutch kilometre label of the route markers: 1200 → ``km 1,2``.

    The same text as :func:`wlr_geo.analysis.route.centreline.format_km` (tests hold them equal).
    """
    v = _as_float(chainage_m)
    if v is None:
        return missing
    return "km " + nl_number(v / 1000.0, decimals)


def nl_length_m(value: Any, decimals: int = 1, *, missing: str = "") -> str:
    """Metres with unit: ``1.019,7 m``."""
    v = _as_float(value)
    return missing if v is None else f"{nl_number(v, decimals)} m"


def nl_area_m2(value: Any, decimals: int = 0, *, missing: str = "") -> str:
    """Square metres with unit: ``10.000 m²`` (never ``10,000``, which a Dutch reader takes for ten)."""
    v = _as_float(value)
    return missing if v is None else f"{nl_number(v, decimals)} m²"


def nl_percent(fraction: Any, decimals: int = 1, *, missing: str = "") -> str:
    """A fraction as a percentage: 0.254 → ``25,4 %``."""
    v = _as_float(fraction)
    return missing if v is None else f"{nl_number(v * 100.0, decimals)} %"


def nl_bool(value: Any, *, missing: str = "") -> str:
    """``ja`` / ``nee``."""
    if is_missing(value):
        return missing
    return "ja" if bool(value) else "nee"


def nl_date(value: Any, *, long: bool = False, missing: str = "") -> str:
    """A date as ``26-11-2026`` (``long=True``: ``26 november 2026``); ISO text is accepted.

    A time of day is dropped. Text that is not a date is returned as it is.
    """
    if is_missing(value):
        return missing
    d: _dt.date | None = None
    if isinstance(value, _dt.datetime | pd.Timestamp):
        d = value.date()
    elif isinstance(value, _dt.date):
        d = value
    else:
        text = str(value).strip()
        try:
            d = _dt.date.fromisoformat(text[:10])
        except ValueError:
            return text
    if long:
        return f"{d.day} {MONTHS_NL[d.month]} {d.year}"
    return f"{d.day:02d}-{d.month:02d}-{d.year}"


def _text(value: Any, *, missing: str = "") -> str:
    if is_missing(value):
        return missing
    if isinstance(value, float | np.floating) and float(value) == int(value):
        return str(int(value))  # an id read as float: 12345.0 → 12345
    return str(value)


def _default(value: Any, *, missing: str = "") -> str:
    if is_missing(value):
        return missing
    if isinstance(value, bool | np.bool_):
        return nl_bool(value)
    if isinstance(value, int | np.integer | float | np.floating):
        return nl_auto(value)
    if isinstance(value, _dt.date | pd.Timestamp):
        return nl_date(value)
    return str(value)


#: Named formats (the values of a map layer's ``formats`` table).
FORMATS: dict[str, Callable[..., str]] = {
    "auto": _default,
    "text": _text,
    "year": nl_year,
    "integer": nl_int,
    "km": nl_km,
    "number0": lambda v, missing="": nl_number(v, 0, missing=missing),
    "number1": lambda v, missing="": nl_number(v, 1, missing=missing),
    "number2": lambda v, missing="": nl_number(v, 2, missing=missing),
    "number3": lambda v, missing="": nl_number(v, 3, missing=missing),
    "percent": nl_percent,
    "date": nl_date,
    "yesno": nl_bool,
}


_FAST: dict[str, Callable[[Any], str]] = {
    "auto": lambda v: _auto_finite(float(v), type(v) is int),
    "integer": lambda v: _fixed(float(v), 0),
    "number0": lambda v: _fixed(float(v), 0),
    "number1": lambda v: _fixed(float(v), 1),
    "number2": lambda v: _fixed(float(v), 2),
    "number3": lambda v: _fixed(float(v), 3),
}


def format_value(value: Any, fmt: str = "auto", *, missing: str = "") -> str:
    """``value`` in the named format ``fmt`` (a key of :data:`FORMATS`); booleans as ja/nee.

    Raises
    ------
    KeyError
        ``fmt`` is not a known format.
    """
    kind = type(value)
    if (kind is float or kind is int) and fmt in _FAST and math.isfinite(value):
        return _FAST[fmt](value)  # the common case, without the general checks
    if fmt not in ("text", "auto") and isinstance(value, bool | np.bool_):
        return nl_bool(value, missing=missing)
    numeric = fmt in ("year", "integer", "km", "percent") or fmt.startswith("number")
    if numeric and not is_missing(value) and _as_float(value) is None:
        return str(value)  # text in a numeric column stays text
    return FORMATS[fmt](value, missing=missing)


_YEAR_NAMES = re.compile(r"^(year|jaar)(_.*)?$|_(year|jaar)$|^(vanaf|tot|tot_en_met|bouwjaar|jaar_.*)$")
_TEXT_NAMES = re.compile(r"(^|_)(id|code|nummer|nr|meldnummer|postcode|gml_id|lokaal_id|bag_id)$")


def format_for_column(column: str) -> str:
    """The format a column's values get by default, from its name.

    ``year``/``jaar`` columns (``year_from``, ``bouwjaar``) → ``"year"``; ``chainage_m`` →
    ``"km"``; identifiers and codes (``*_id``, ``*_code``, ``meldnummer``) → ``"text"``;
    ``rank``/``n_*``/``aantal*`` → ``"integer"``; ``*_m2`` → ``"number0"``; ``*_m``, ``*_kv``,
    ``*_bar`` → ``"number1"``; ``*_deg``, ``*_mm`` → ``"number0"``; ``score``, ``*_norm`` →
    ``"number2"``; anything else ``"auto"``. Note that ``inwoners_2021`` is a count, not a year.
    """
    c = column.lower()
    if _YEAR_NAMES.search(c):
        return "year"
    if c == "chainage_m":
        return "km"
    if _TEXT_NAMES.search(c):
        return "text"
    if c in ("rank", "rang") or c.startswith(("n_", "aantal")):
        return "integer"
    if c.endswith("_m2"):
        return "number0"
    if c.endswith(("_deg", "_mm")):
        return "number0"
    if c.endswith(("_m", "_kv", "_bar", "_km2")):
        return "number1"
    if c == "score" or c.endswith(("_norm", "_score")):
        return "number2"
    return "auto"
