"""Reproducible table files: Excel workbooks that are byte-identical for identical content.

openpyxl stamps the creation/modification time into ``docProps/core.xml`` and the zip entry
times; both are fixed here (to ``SOURCE_DATE_EPOCH`` when set, else 1980-01-01), so two runs with
the same inputs produce the same file and the same SHA-256 in the manifest. The run time itself
is recorded in ``manifest.json``.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from wlr_geo._atomic import atomic_write_bytes, atomic_write_text

__all__ = ["fixed_timestamp", "write_table", "write_xlsx"]


def fixed_timestamp() -> dt.datetime:
    """The timestamp written into files: ``SOURCE_DATE_EPOCH`` if set, else 1980-01-01 UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
    return dt.datetime(1980, 1, 1, tzinfo=dt.UTC)


_CORE_DATES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:(?:created|modified)>)")


def write_xlsx(sheets: Mapping[str, pd.DataFrame], path: str | os.PathLike[str], *, index: bool = False) -> Path:
    """Write ``sheets`` (name → table) to an Excel workbook atomically and reproducibly."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        for name, df in sheets.items():
            data = pd.DataFrame(df.drop(columns=[c for c in df.columns if c == "geometry"]))
            for c in data.columns:
                if isinstance(data[c].dtype, pd.StringDtype) or data[c].dtype == object:
                    data[c] = data[c].astype(object)
            data.to_excel(writer, sheet_name=str(name)[:31], index=index)
    stamp = fixed_timestamp()
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _CORE_DATES.sub(rb"\g<1>" + iso + rb"\g<2>", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, data)
    return atomic_write_bytes(path, out.getvalue())


def write_table(df: pd.DataFrame, path: str | os.PathLike[str], *, sheets: Mapping[str, pd.DataFrame] | None = None,
                index: bool = False) -> Path:
    """Write ``df`` atomically as CSV (``.csv``) or as an Excel workbook (``.xlsx``, extra sheets)."""
    p = Path(path)
    if p.suffix == ".csv":
        return atomic_write_text(p, df.to_csv(index=index, lineterminator="\n"))
    return write_xlsx(sheets or {"data": df}, p, index=index)
