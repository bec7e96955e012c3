"""Build an XLSX workbook from a plan of plain values — in this process or in a helper process.

:func:`wlr_geo.io.tables.write_xlsx` turns tables into a *plan*: per sheet its name and per
column its header, number format, kind and cell values, all plain Python values (str, int,
float, bool, None) and already cleaned for Excel. :func:`build_workbook` turns a plan into the
bytes of the workbook with XlsxWriter; the same plan always gives the same bytes.

The module imports nothing but the standard library and XlsxWriter, so it also runs as a script
(``python -I _workbook.py``): a command that writes other files meanwhile
(:class:`wlr_geo.io.tables.WorkbookHelper`) hands the plan to such a helper process through its
stdin (JSON) and reads the workbook from its stdout, so that XlsxWriter's per-cell work
runs on the second core. The plan comes from the parent process only; nothing else is read.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
from typing import Any

#: One column of a plan: header, number format (or None), kind ("text", "number", "bool"), cell
#: values (None: empty cell), width in characters.
Column = tuple[str, "str | None", str, list[Any], float]
#: One sheet of a plan: name (≤ 31 characters), columns, number of data rows.
SheetPlan = tuple[str, list[Column], int]


def build_workbook(plan: list[SheetPlan], created: str) -> bytes:
    """The workbook of ``plan`` as bytes; ``created`` (ISO 8601, no time zone) is its creation time.

    Every sheet gets a bold, wrapped, frozen header row and an autofilter; a column of kind
    "text" holds text cells only (in text format when its number format is ``"@"``), "number"
    numbers in its format, "bool" booleans.
    """
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
                                   "strings_to_urls": False, "nan_inf_to_errors": False})
    wb.set_properties({"created": dt.datetime.fromisoformat(created)})
    header_fmt = wb.add_format({"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"})
    fmts: dict[str, Any] = {"@": wb.add_format({"num_format": "@"})}
    for name, columns, n_rows in plan:
        ws = wb.add_worksheet(name)
        ws.freeze_panes(1, 0)
        for c, (header, fmt_code, kind, values, width) in enumerate(columns):
            ws.write_string(0, c, header, header_fmt)
            if kind == "text":
                cell_fmt = fmts["@"] if fmt_code == "@" else None
                for r, v in enumerate(values, start=1):
                    if v:  # None and "" stay empty cells
                        ws.write_string(r, c, v, cell_fmt)
            elif kind == "bool":
                for r, v in enumerate(values, start=1):
                    if v is not None:
                        ws.write_boolean(r, c, v)
            else:
                if fmt_code is not None and fmt_code not in fmts:
                    fmts[fmt_code] = wb.add_format({"num_format": fmt_code})
                cell_fmt = fmts[fmt_code] if fmt_code is not None else None
                for r, v in enumerate(values, start=1):
                    if v is not None:
                        ws.write_number(r, c, v, cell_fmt)
            ws.set_column(c, c, width)
        if columns:
            ws.autofilter(0, 0, max(n_rows, 1), len(columns) - 1)
    wb.close()
    return buf.getvalue()


def _main() -> int:
    """Helper-process side: ``[plan, created]`` as JSON on stdin, the workbook on stdout."""
    import xlsxwriter  # noqa: F401 — loaded while the parent is still reading and analysing

    text = sys.stdin.buffer.read()
    if not text:  # the parent's run ended without a workbook
        return 0
    plan, created = json.loads(text)
    sys.stdout.buffer.write(build_workbook(plan, created))
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(_main())
