"""Table files: CSV for programs, Excel workbooks for people, both reproducible and safe.

**CSV** (:func:`write_csv`): UTF-8 without byte-order mark, comma-separated, ``.`` decimals,
the machine column names as given. Text that a spreadsheet would run as a formula — text that
begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return — is neutralised as OWASP's
advice on CSV injection says, by putting a single quote in front. Text that is a plain number
(``-12.5``) and numeric columns are not touched, so numbers stay numbers. Text that already
begins with a quote followed by one of those characters gets one more quote, so
:func:`read_csv` undoes the neutralisation exactly.

**XLSX** (:func:`write_xlsx`, written with XlsxWriter): per sheet a bold, frozen header row, an
autofilter, column widths fitted to the content and a number format per column (given by the
caller as :class:`Sheet` ``formats``; ``"@"`` writes the column as text). Every text cell is a
text cell — XlsxWriter's conversion of ``=…`` strings to formulas, and of strings to numbers or
links, is switched off. Characters XML 1.0 (and so XLSX) cannot hold — the control characters
other than tab, line feed and carriage return — are replaced by U+FFFD and counted, as are texts
cut at Excel's limit of 32 767 characters and rows beyond its 1 048 576; the counts go into the
``notes`` list the caller passes (the run's notes) and the log.

Both are reproducible: identical tables give identical bytes. The workbook's creation time is
fixed (to ``SOURCE_DATE_EPOCH`` when set, else 1980-01-01, :func:`fixed_timestamp`) and XlsxWriter
stamps its zip entries with a fixed date; the run time itself is in ``manifest.json``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import math
import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from wlr_geo._atomic import atomic_write_bytes, atomic_write_text
from wlr_geo._nl import nl

__all__ = [
    "CSV_TRIGGERS",
    "EXCEL_MAX_ROWS",
    "Sheet",
    "WorkbookHelper",
    "fixed_timestamp",
    "neutralise_csv_text",
    "read_csv",
    "write_csv",
    "write_table",
    "write_xlsx",
]

log = logging.getLogger("wlr_geo")

#: First characters that make a spreadsheet read a CSV cell as a formula (OWASP, CSV injection).
CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

#: Rows a worksheet can hold, the header included.
EXCEL_MAX_ROWS = 1_048_576
#: Characters a cell can hold.
EXCEL_MAX_CHARS = 32_767

_PLAIN_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")
# characters XML 1.0 cannot hold (tab, LF and CR can), plus the non-characters U+FFFE/U+FFFF
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def fixed_timestamp() -> dt.datetime:
    """The timestamp written into files: ``SOURCE_DATE_EPOCH`` if set, else 1980-01-01 UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    return dt.datetime(1980, 1, 1, tzinfo=dt.UTC)


# ------------------------------------------------------------------------------------ CSV
def neutralise_csv_text(value: str) -> str:
    """One text cell made safe for spreadsheets (see the module docstring)."""
    if not value:
        return value
    if value[0] in CSV_TRIGGERS:
        return value if _PLAIN_NUMBER.fullmatch(value) else "'" + value
    if value[0] == "'" and len(value) > 1 and (value[1] in CSV_TRIGGERS or value[1] == "'"):
        return "'" + value  # keeps the neutralisation reversible
    return value


#: First characters of a text cell that :func:`neutralise_csv_text` may change.
_RISKY_FIRST = frozenset(CSV_TRIGGERS) | {"'"}


def _is_text_column(s: pd.Series) -> bool:
    return bool(s.dtype == object or isinstance(s.dtype, pd.StringDtype))


def _neutralised(df: pd.DataFrame) -> tuple[pd.DataFrame, int, bool]:
    """``df`` with every text cell neutralised, how many cells changed, and whether a text cell
    holds a carriage return.

    One pass over the values of each text column in plain Python: output tables are short, and
    per-column pandas string operations cost more than the loop.
    """
    out = df
    changed = 0
    has_cr = False
    for col in df.columns:
        s = df[col]
        if not _is_text_column(s):
            continue
        old = s.to_numpy(dtype=object)
        new = None
        for i, v in enumerate(old):
            if type(v) is not str:
                continue
            has_cr = has_cr or "\r" in v
            if v[:1] in _RISKY_FIRST and (nv := neutralise_csv_text(v)) != v:
                if new is None:
                    new = old.copy()
                new[i] = nv
                changed += 1
        if new is not None:
            if out is df:
                out = df.copy()
            out[col] = pd.Series(new, index=df.index, dtype=object)
    return out, changed, has_cr


def write_csv(df: pd.DataFrame, path: str | os.PathLike[str], *, index: bool = False,
              float_format: str | None = None, notes: list[str] | None = None) -> Path:
    """Write ``df`` as CSV atomically (UTF-8, no BOM), text cells neutralised against formulas.

    ``notes`` gets a line when cells were neutralised.
    """
    data = pd.DataFrame(df.drop(columns=[c for c in df.columns if c == "geometry"]))
    data, changed, has_cr = _neutralised(data)
    if changed:
        msg = (f"{Path(path).name}: {nl(changed)} tekstcel(len) die met =, +, -, @, tab of CR begon(nen) voorzien "
               "van een ' (bescherming tegen formules in spreadsheets)")
        log.info(msg)
        if notes is not None:
            notes.append(msg)
    # A text cell with a carriage return must be quoted, or a reader takes the CR for the end of
    # the record; the csv module quotes only the characters of its line terminator, so such a
    # file gets RFC 4180's CRLF line ends (every other file keeps "\n").
    eol = "\r\n" if has_cr else "\n"
    return atomic_write_text(path, data.to_csv(index=index, lineterminator=eol, float_format=float_format))


def read_csv(path: str | os.PathLike[str], **kwargs: Any) -> pd.DataFrame:
    """Read a CSV written by :func:`write_csv`, undoing the neutralisation of text cells."""
    df = pd.read_csv(path, **kwargs)
    for col in df.columns:
        s = df[col]
        if not _is_text_column(s):
            continue
        mask = s.astype("string").str.match(r"'['=+\-@\t\r]").fillna(False).to_numpy(dtype=bool)
        if mask.any():
            vals = s.to_numpy(dtype=object).copy()
            vals[mask] = [v[1:] for v in vals[mask]]
            df[col] = pd.Series(vals, index=df.index, dtype=object)
    return df


# ----------------------------------------------------------------------------------- XLSX
@dataclass(frozen=True)
class Sheet:
    """One worksheet: the table, and how its columns are shown.

    Attributes
    ----------
    frame
        The table (a ``geometry`` column is left out).
    headers
        Column → header text (default: the column name).
    formats
        Column → Excel number format (``"#,##0.0"``, ``"0"``, ...); ``"@"`` writes the column as
        text (codes, identifiers, years given as text). Default: from the column's dtype
        (integers ``"#,##0"``, floats ``"#,##0.0##"``).
    """

    frame: pd.DataFrame
    headers: Mapping[str, str] = field(default_factory=dict)
    formats: Mapping[str, str] = field(default_factory=dict)


def _clean_text(values: list[Any], counts: dict[str, int]) -> list[Any]:
    """Text cells with the characters XLSX cannot hold replaced, and cut at Excel's cell limit."""
    texts = [v for v in values if isinstance(v, str)]
    if not texts or (not _ILLEGAL_XML.search("\n".join(texts)) and max(map(len, texts)) <= EXCEL_MAX_CHARS):
        return values  # the common case: one scan of the whole column
    out = values
    for i, v in enumerate(values):
        if not isinstance(v, str):
            continue
        new = v
        if _ILLEGAL_XML.search(new):
            new, n = _ILLEGAL_XML.subn("\ufffd", new)
            counts["replaced"] += n
        if len(new) > EXCEL_MAX_CHARS:
            new = new[: EXCEL_MAX_CHARS - 1] + "…"
            counts["cut"] += 1
        if new is not v:
            if out is values:
                out = list(values)
            out[i] = new
    return out


def _cell_text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))  # an identifier read as float: 12345.0 → "12345"
    if isinstance(v, pd.Timestamp | dt.date):
        return v.isoformat()
    return str(v)


def _default_format(s: pd.Series) -> str | None:
    if pd.api.types.is_bool_dtype(s):
        return None
    if pd.api.types.is_integer_dtype(s):
        return "#,##0"
    if pd.api.types.is_float_dtype(s):
        return "#,##0.0##"
    return None


def _width(values: list[Any], header: str, fmt: str | None) -> float:
    """A column width (characters) that shows the header and nearly every value."""
    longest = max((len(line) for line in header.split("\n")), default=0) + 2  # room for the filter button
    decimals = fmt.split(".")[1].count("0") + fmt.split(".")[1].count("#") if fmt and "." in fmt else 0
    grouped = bool(fmt and "," in fmt)
    lengths = []
    for v in values[:5000]:
        if v is None:
            continue
        if isinstance(v, str):
            lengths.append(len(v))
        elif isinstance(v, bool | np.bool_):
            lengths.append(6)
        elif isinstance(v, int | float | np.integer | np.floating):
            x = abs(float(v))
            if math.isnan(x):
                continue
            digits = len(f"{x:.0f}") if math.isfinite(x) else 3
            seps = (digits - 1) // 3 if grouped else 0
            lengths.append(digits + seps + (decimals + 1 if decimals else 0) + (1 if float(v) < 0 else 0))
    if lengths:
        longest = max(longest, int(_percentile(lengths, 98.0)) + 1)
    return float(min(max(longest, 6), 60))


def _percentile(values: list[int], q: float) -> float:
    """``np.percentile(values, q)`` (linear interpolation) for a short list, without numpy's overhead."""
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100.0
    f = math.floor(k)
    c = min(f + 1, len(ordered) - 1)
    return ordered[f] + (ordered[c] - ordered[f]) * (k - f)


def write_xlsx(sheets: Mapping[str, pd.DataFrame | Sheet], path: str | os.PathLike[str], *, index: bool = False,
               notes: list[str] | None = None) -> Path:
    """Write ``sheets`` (sheet name → table or :class:`Sheet`) to a workbook, atomically and reproducibly.

    Sheet names longer than Excel's 31 characters are cut. ``notes`` gets a line per kind of
    change made to the data (characters replaced, texts cut, rows left out).
    """
    plan, changes = _workbook_plan(sheets, index)
    return _write_workbook(plan, _created(), changes, path, notes)


class WorkbookHelper:
    """A helper process that builds one workbook (:mod:`wlr_geo.io._workbook`) on another core.

    Start it early — a new Python with XlsxWriter loaded takes 0.1–0.2 s to be ready — then
    :meth:`submit` the tables and :meth:`finish` the file. Where the helper cannot start or
    fails, :meth:`finish` builds the workbook in this process: the bytes are the same either
    way. A helper that gets nothing (its run failed) ends when this process does.
    """

    def __init__(self) -> None:
        import subprocess
        import sys

        from wlr_geo.io import _workbook

        self._plan: list[Any] | None = None
        self._created = _created()
        self._changes: tuple[dict[str, int], list[str]] = ({}, [])
        self._feeder: threading.Thread | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        try:
            # -I: none of the user's PYTHON* settings or site folders, and no script folder on sys.path
            self._proc = subprocess.Popen([sys.executable, "-I", _workbook.__file__], stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError as exc:  # no helper: finish() builds the workbook here
            log.debug("werkmap in dit proces: %s", exc)

    def submit(self, sheets: Mapping[str, pd.DataFrame | Sheet], *, index: bool = False) -> None:
        """Hand the workbook of ``sheets`` to the helper (see :func:`write_xlsx` for ``index``)."""
        import json

        if self._plan is not None:
            raise RuntimeError("a WorkbookHelper builds one workbook")
        self._plan, self._changes = _workbook_plan(sheets, index)
        if self._proc is None or self._proc.stdin is None:
            return
        try:
            payload = json.dumps([self._plan, self._created], allow_nan=False).encode()
        except ValueError as exc:  # a value JSON cannot carry: finish() builds the workbook here
            log.debug("werkmap in dit proces: %s", exc)
            self.cancel()
            return
        stdin = self._proc.stdin

        def feed() -> None:
            with contextlib.suppress(OSError), stdin:  # a helper that died: finish() notices
                stdin.write(payload)

        self._feeder = threading.Thread(target=feed, name="wlr-werkmap", daemon=True)
        self._feeder.start()

    def finish(self, path: str | os.PathLike[str], notes: list[str] | None = None) -> Path:
        """Write the workbook to ``path`` (atomically); ``notes`` gets the changes made to the data."""
        if self._plan is None:
            raise RuntimeError("submit the tables before finish")
        data = None
        if self._proc is not None and self._feeder is not None:
            assert self._proc.stdout is not None
            with self._proc.stdout:
                out = self._proc.stdout.read()
            self._feeder.join()
            if self._proc.wait() == 0 and out[:2] == b"PK":
                data = out
            else:
                log.debug("werkmap in dit proces: de hulp stopte met code %s", self._proc.returncode)
        self.cancel()  # the helper is done either way
        return _write_workbook(self._plan, self._created, self._changes, path, notes, data)

    def cancel(self) -> None:
        """Stop the helper (the workbook is not needed, or is built here); nothing after finish."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        if self._feeder is not None:
            self._feeder.join()  # its write fails now, and it closes stdin
        elif proc.stdin is not None:
            proc.stdin.close()
        if proc.stdout is not None:
            proc.stdout.close()
        proc.wait()

    def __enter__(self) -> WorkbookHelper:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cancel()


def _created() -> str:
    return fixed_timestamp().replace(tzinfo=None).isoformat()


def _workbook_plan(sheets: Mapping[str, pd.DataFrame | Sheet], index: bool
                   ) -> tuple[list[Any], tuple[dict[str, int], list[str]]]:
    """The plan of :func:`wlr_geo.io._workbook.build_workbook` for ``sheets``, and the changes made
    to the data (counts of characters replaced, texts cut and rows left out; sheets changed)."""
    counts = {"replaced": 0, "cut": 0, "rows": 0}
    where: list[str] = []
    plan: list[Any] = []
    for sheet_name, spec in sheets.items():
        sheet = spec if isinstance(spec, Sheet) else Sheet(spec)
        data = sheet.frame.reset_index() if index else sheet.frame
        if "geometry" in data.columns:
            data = pd.DataFrame(data.drop(columns="geometry"))
        before = dict(counts)
        if len(data) > EXCEL_MAX_ROWS - 1:
            counts["rows"] += len(data) - (EXCEL_MAX_ROWS - 1)
            data = data.iloc[: EXCEL_MAX_ROWS - 1]
        columns = []
        for col in data.columns:
            s = data[col]
            header = _clean_text([str(sheet.headers.get(col, col))], counts)[0]
            fmt_code = sheet.formats.get(col, _default_format(s))
            as_text = fmt_code == "@" or not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s))
            values = s.tolist()
            missing = s.isna().to_numpy(dtype=bool)
            if missing.any():
                for i in np.flatnonzero(missing):
                    values[i] = None
            if as_text:
                values = [None if v is None else v if isinstance(v, str) else _cell_text(v) for v in values]
                values = _clean_text(values, counts)
                kind = "text"
            elif pd.api.types.is_bool_dtype(s):
                values = [None if v is None else bool(v) for v in values]
                kind = "bool"
            else:
                kind = "number"
            width = _width(values, header, fmt_code)
            if kind == "number":  # cells Excel cannot hold stay empty: NaN, ±inf
                values = [v if v is None or math.isfinite(v) else None for v in values]
            columns.append((header, fmt_code, kind, values, width))
        plan.append((str(sheet_name)[:31], columns, len(data)))
        if counts != before:
            where.append(str(sheet_name))
    return plan, (counts, where)


def _write_workbook(plan: list[Any], created: str, changes: tuple[dict[str, int], list[str]],
                    path: str | os.PathLike[str], notes: list[str] | None, data: bytes | None = None) -> Path:
    """Write the workbook of ``plan`` (``data``: its bytes, built already by a helper) and report
    the changes made to the data in the log and ``notes``."""
    if data is None:
        from wlr_geo.io._workbook import build_workbook

        data = build_workbook(plan, created)
    counts, where = changes
    for key, text in (("replaced", "teken(s) die Excel niet kan bevatten (stuurtekens) vervangen door �"),
                      ("cut", "tekst(en) ingekort tot 32.767 tekens (de grens van een Excel-cel)"),
                      ("rows", "rij(en) weggelaten boven de 1.048.576 rijen van een werkblad (volledig in de CSV)")):
        if counts[key]:
            msg = f"{Path(path).name}: {nl(counts[key])} {text} ({', '.join(where)})"
            log.info(msg)
            if notes is not None:
                notes.append(msg)
    return atomic_write_bytes(path, data)


def write_table(df: pd.DataFrame, path: str | os.PathLike[str], *,
                sheets: Mapping[str, pd.DataFrame | Sheet] | None = None, index: bool = False,
                notes: list[str] | None = None) -> Path:
    """Write ``df`` atomically as CSV (``.csv``, :func:`write_csv`) or as a workbook (``.xlsx``,
    :func:`write_xlsx`; ``sheets`` instead of ``df`` when given)."""
    p = Path(path)
    if p.suffix == ".csv":
        return write_csv(df, p, index=index, notes=notes)
    return write_xlsx(sheets or {"data": df}, p, index=index, notes=notes)
