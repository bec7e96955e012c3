"""Tests of the Dutch number and date formatting (wlr_geo.present.format)."""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wlr_geo.analysis.route.centreline import format_km
from wlr_geo.present.format import (
    format_for_column,
    format_value,
    nl_area_m2,
    nl_auto,
    nl_bool,
    nl_date,
    nl_int,
    nl_km,
    nl_length_m,
    nl_number,
    nl_percent,
    nl_year,
)


def _reference(value: float, decimals: int) -> str:
    """Independent construction: exact Decimal of the float, rounded half-even, digits grouped by hand."""
    q = Decimal(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_EVEN)
    if q == 0:
        q = abs(q)
    sign = "-" if q < 0 else ""
    digits = f"{abs(q):f}"
    whole, _, frac = digits.partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return sign + ".".join(groups) + ("," + frac if decimals else "")


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False), st.integers(0, 3))
def test_nl_number_matches_a_hand_built_reference(value, decimals):
    assert nl_number(value, decimals) == _reference(value, decimals)


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), st.integers(0, 3))
def test_nl_number_reads_back(value, decimals):
    text = nl_number(value, decimals)
    assert "." not in text.split(",")[-1] or decimals == 0
    back = float(text.replace(".", "").replace(",", "."))
    assert back == pytest.approx(value, abs=0.5 * 10**-decimals + 1e-9 * abs(value))


def test_examples():
    assert nl_number(1234.5, 1) == "1.234,5"
    assert nl_number(-0.04, 1) == "0,0"
    assert nl_number(1019.713540143075, 1) == "1.019,7"
    assert nl_auto(0.8123) == "0,81" and nl_auto(12.5) == "12,5" and nl_auto(3.0) == "3"
    assert nl_auto(25_000) == "25.000" and nl_auto(1234.6) == "1.235"
    assert nl_int(25000.4) == "25.000"
    assert nl_area_m2(10_000) == "10.000 m²"
    assert nl_length_m(1019.71) == "1.019,7 m"
    assert nl_percent(0.254) == "25,4 %"
    assert nl_bool(True) == "ja" and nl_bool(np.bool_(False)) == "nee"


@pytest.mark.parametrize("missing", [None, float("nan"), float("inf"), pd.NA, np.nan, pd.NaT])
def test_missing_values_are_never_printed(missing):
    for fn in (nl_number, nl_auto, nl_int, nl_year, nl_km, nl_area_m2, nl_length_m, nl_percent, nl_date, nl_bool):
        assert fn(missing) == "", fn.__name__
        assert fn(missing, missing="–") == "–"


@pytest.mark.parametrize("year", [2027, 2028.0, np.int64(2031), "2029", " 2030 ", np.float64(2026.0), 1999])
def test_years_have_no_thousands_separator(year):
    text = nl_year(year)
    assert text == str(int(float(year)))
    assert format_value(year, "year") == text
    assert "." not in text and "," not in text


def test_year_text_stays_text():
    assert nl_year("2027–2030") == "2027–2030"
    assert nl_year(dt.date(2028, 5, 1)) == "2028"


@given(st.floats(min_value=0, max_value=5e5, allow_nan=False))
def test_nl_km_is_the_label_of_the_route_markers(chainage):
    assert nl_km(chainage) == format_km(chainage)
    assert nl_km(chainage, 2) == format_km(chainage, 2)


def test_dates():
    assert nl_date("2026-11-26") == "26-11-2026"
    assert nl_date(dt.datetime(2026, 3, 5, 14, 0), long=True) == "5 maart 2026"
    assert nl_date(pd.Timestamp("2024-01-31")) == "31-01-2024"
    assert nl_date("gisteren") == "gisteren"


@pytest.mark.parametrize(("column", "fmt"), [
    ("year_from", "year"), ("year_to", "year"), ("jaar", "year"), ("bouwjaar", "year"), ("year", "year"),
    ("inwoners_2021", "auto"), ("years", "auto"),
    ("chainage_m", "km"), ("site_id", "text"), ("gm_code", "text"), ("meldnummer", "text"), ("claim_id", "text"),
    ("rank", "integer"), ("n_crossings", "integer"), ("area_m2", "number0"), ("length_m", "number1"),
    ("angle_deg", "number0"), ("score", "number2"), ("free_area_m2_norm", "number2"), ("naam", "auto"),
])
def test_format_for_column(column, fmt):
    assert format_for_column(column) == fmt


def test_format_value():
    assert format_value(2028, "year") == "2028" and format_value(2028, "integer") == "2.028"
    assert format_value(1500.0, "km") == "km 1,5"
    assert format_value(12345.0, "text") == "12345"  # an id read as float
    assert format_value("GM0546", "text") == "GM0546"
    assert format_value("n.v.t.", "number1") == "n.v.t."  # text in a numeric column stays text
    assert format_value(True, "year") == "ja"
    assert format_value(0.7991, "number2") == "0,80"
    assert math.isnan(float("nan")) and format_value(float("nan")) == ""
    with pytest.raises(KeyError):
        format_value(1, "romeins")
