"""Writing the registered tables: CSV for programs, sheets for people, and "niet geanalyseerd".

* :func:`registry_sheets` turns tables into :class:`wlr_geo.io.tables.Sheet` s with the Dutch
  sheet names, headers (with units), number formats of the outputs registry
  (:mod:`wlr_geo.outputs`) and Dutch labels for codes (:func:`dutch_values`);
* :func:`mark_not_analysed` and :func:`not_analysed_summary` make every output say where a
  crossing class was not analysed (no layer of that class was given), so a 0 never stands for
  "not looked at": in CSV the count cell is empty and the class is listed in ``not_analysed``;
  in spreadsheets and ``summary.json`` the cell reads "niet geanalyseerd".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from wlr_geo.io.tables import Sheet
from wlr_geo.outputs import NOT_ANALYSED_NL, OUTPUTS, Column, Layer, output, sheet_name
from wlr_geo.present.format import format_for_column
from wlr_geo.present.labels import column_header
from wlr_geo.present.styles import has_labels, value_label

__all__ = ["dutch_values", "excel_format", "mark_not_analysed", "not_analysed_summary", "registry_sheets", "xlsx_not_analysed"]

#: Excel number formats (Excel's own codes; a Dutch Excel shows ``#,##0.0`` as ``1.234,5``).
_EXCEL = {"integer": "#,##0", "number0": "#,##0", "number1": "#,##0.0", "number2": "0.00", "number3": "0.000",
          "year": "0", "km": "#,##0.0"}
_UNIT_EXCEL = {"m": "#,##0.0", "m2": "#,##0", "0-1": "0.00", "deg": "0", "mm": "#,##0", "kV": "#,##0.0",
               "bar": "#,##0.0"}


def _described(entry_name: str, layer: Layer) -> Layer:
    """The layer with the columns: a sheet declared "as <file>.csv" takes that table's columns."""
    if layer.columns:
        return layer
    for f in OUTPUTS.values():
        if f.kind == "csv":
            for la in f.layers:
                if la.name == layer.name and la.columns:
                    return la
    return layer


def excel_format(col: Column | None, name: str, series: pd.Series) -> str | None:
    """The Excel number format of a column: from the registry unit, else from the name.

    Years ``"0"`` (never a thousands separator), codes and identifiers ``"@"`` (text), RD
    coordinates ``"0.0"``, metres one decimal, m² none, counts none, 0–1 scores two.
    """
    kind = format_for_column(str(name))
    if kind == "text":
        return "@"
    if kind == "year":
        return "0" if pd.api.types.is_numeric_dtype(series) else "@"
    if not (pd.api.types.is_numeric_dtype(series)) or pd.api.types.is_bool_dtype(series):
        return None
    if str(name) in ("x", "y"):
        return "0.0"
    if col is not None and col.unit in _UNIT_EXCEL:
        return _UNIT_EXCEL[col.unit]
    if kind in _EXCEL:
        return _EXCEL[kind]
    return "#,##0" if pd.api.types.is_integer_dtype(series) else "#,##0.0"


def registry_sheets(entry_name: str, tables: Mapping[str, pd.DataFrame]) -> dict[str, Sheet]:
    """Sheet name → :class:`Sheet` for the tables of a registered workbook (table name → frame)."""
    entry = output(entry_name)
    taken: set[str] = set()
    out: dict[str, Sheet] = {}
    for name, frame in tables.items():
        layer = _described(entry_name, entry.layer(name))
        frame = frame.rename(columns={c: str(c) for c in frame.columns if not isinstance(c, str)})
        frame = dutch_values(frame)
        headers = {str(c): column_header(layer, str(c)) for c in frame.columns}
        formats: dict[str, str] = {}
        for c in frame.columns:
            fmt = excel_format(layer.column(str(c)), str(c), frame[c])
            if fmt is not None:
                formats[str(c)] = fmt
        out[sheet_name(entry.layer(name), taken)] = Sheet(frame, headers, formats)
    return out


def dutch_values(frame: pd.DataFrame) -> pd.DataFrame:
    """Codes shown as their Dutch labels for people (``open_trench`` → ``Open ontgraving``) in the
    columns with a vocabulary (:func:`wlr_geo.present.styles.has_labels`); CSV keeps the codes."""
    cols = [c for c in frame.columns if has_labels(c) and not pd.api.types.is_numeric_dtype(frame[c])]
    if not cols:
        return frame
    out = frame.copy()
    for c in cols:
        out[c] = [value_label(c, v) for v in out[c]]
    return out


def _class_columns(df: pd.DataFrame, analysed: Mapping[str, bool]) -> list[str]:
    return [f"n_{cls}" for cls, done in analysed.items() if not done and f"n_{cls}" in df.columns]


def mark_not_analysed(df: pd.DataFrame, analysed: Mapping[str, bool]) -> pd.DataFrame:
    """A count table (``variants``, ``per_gemeente``, ...) for CSV: the ``n_<class>`` cells of classes
    not analysed empty, and the column ``not_analysed`` listing them (``rail;water``)."""
    if not any(f"n_{cls}" in df.columns for cls in analysed):
        return df  # not a table of counts per crossing class (the crossing register, ...)
    out = df.copy()
    for col in _class_columns(df, analysed):
        out[col] = pd.array([pd.NA] * len(out), dtype="Int64")
    missing = ";".join(cls for cls, done in analysed.items() if not done)
    out["not_analysed"] = missing
    return out


def xlsx_not_analysed(df: pd.DataFrame, analysed: Mapping[str, bool]) -> pd.DataFrame:
    """As :func:`mark_not_analysed`, for a spreadsheet: the cells read "niet geanalyseerd" and
    ``not_analysed`` names the classes in Dutch."""
    out = mark_not_analysed(df, analysed)
    if out is df:
        return df
    for col in _class_columns(df, analysed):
        out[col] = NOT_ANALYSED_NL
    out["not_analysed"] = ", ".join(str(value_label("object_class", cls)).lower()
                                    for cls, done in analysed.items() if not done)
    return out


def not_analysed_summary(summary: dict[str, Any], analysed: Mapping[str, bool]) -> dict[str, Any]:
    """``summary.json`` saying "niet geanalyseerd" for the counts of classes not analysed.

    The per-variant and per-gemeente records get the text instead of 0, ``not_analysed`` lists
    the classes, and ``crossings_per_class`` becomes variant → class → count (or the text).
    """
    missing = [cls for cls, done in analysed.items() if not done]
    keys = {f"n_{cls}" for cls in missing}
    out = dict(summary)
    for table in ("variants", "per_gemeente"):
        out[table] = [{k: (NOT_ANALYSED_NL if k in keys else v) for k, v in rec.items()}
                      for rec in summary.get(table, [])]
    per_class: dict[str, dict[str, Any]] = {}
    for rec in summary.get("variants", []):
        variant = str(rec.get("variant"))
        per_class[variant] = {cls: (NOT_ANALYSED_NL if not done else 0) for cls, done in analysed.items()}
    for key, n in summary.get("crossings_per_class", {}).items():
        variant, cls = _split_key(key)
        per_class.setdefault(variant, {})[cls] = n
    out["crossings_per_class"] = per_class
    out["not_analysed"] = missing
    return out


def _split_key(key: Any) -> tuple[str, str]:
    """``"('Variant A', 'road')"`` (how ImpactResult.summary writes its keys) → (variant, class)."""
    if isinstance(key, tuple):
        return str(key[0]), str(key[1])
    import ast

    try:
        value = ast.literal_eval(str(key))
    except (ValueError, SyntaxError):
        return str(key), ""
    if isinstance(value, tuple) and len(value) == 2:
        return str(value[0]), str(value[1])
    return str(key), ""
