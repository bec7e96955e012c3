"""Workbooks and CSV files as people and programs open them (issue 18 item 3; ROBUSTNESS F1, F3).

Each workbook is read back with openpyxl, which reads the cell types and number formats Excel
stores (``data_type`` ``"s"`` is a text cell, ``"f"`` a formula, ``"n"`` a number), not through
pandas, so a formula or a number stored as text cannot hide.
"""

from __future__ import annotations

import csv

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils.escape import unescape

from wlr_geo.io.tables import Sheet, neutralise_csv_text, read_csv, write_csv, write_xlsx
from wlr_geo.workflows._tables import mark_not_analysed, registry_sheets, xlsx_not_analysed

HOSTILE = ["=1+1", "+31 71 123", "-x", "@SUM(A1)", "\tTAB", "\rCR", "=HYPERLINK(\"http://x\",\"klik\")", "'=al",
           "gewoon", "-12.5"]


def _cells(path, sheet=None):
    wb = openpyxl.load_workbook(path)
    return wb, (wb[sheet] if sheet else wb.worksheets[0])


def test_xlsx_text_is_never_a_formula(tmp_path):
    df = pd.DataFrame({"netbeheerder": HOSTILE, "n": range(len(HOSTILE))})
    write_xlsx({"blad": df}, tmp_path / "t.xlsx")
    _, ws = _cells(tmp_path / "t.xlsx")
    got = [ws.cell(r, 1) for r in range(2, len(HOSTILE) + 2)]
    assert [c.data_type for c in got] == ["s"] * len(HOSTILE)  # no "f" (formula), no "n"
    # stored exactly, nothing prefixed (a CR is stored as Excel's escape _x000D_, which Excel reads as CR)
    assert [unescape(c.value) for c in got] == HOSTILE
    assert [ws.cell(r, 2).data_type for r in range(2, len(HOSTILE) + 2)] == ["n"] * len(HOSTILE)  # numbers stay numbers


def test_xlsx_control_characters_replaced_and_counted(tmp_path):
    notes: list[str] = []
    df = pd.DataFrame({"naam": ["a\x01b", "esc\x1b[31m", "tab\tlf\ncr\r", "x" * 40_000]})
    write_xlsx({"blad": df}, tmp_path / "t.xlsx", notes=notes)  # raw openpyxl would raise IllegalCharacterError
    _, ws = _cells(tmp_path / "t.xlsx")
    assert ws["A2"].value == "a\ufffdb" and ws["A3"].value == "esc\ufffd[31m"
    assert unescape(ws["A4"].value) == "tab\tlf\ncr\r"  # XML holds these: kept
    assert len(ws["A5"].value) == 32_767
    assert any("2 teken(s)" in n for n in notes) and any("1 tekst(en) ingekort" in n for n in notes)


def test_xlsx_layout_header_filter_widths_formats(tmp_path):
    df = pd.DataFrame({"gemeente": ["Leiden", "Oegstgeest"], "year": [2027, 2028], "length_m": [1019.713540143075, 3.0],
                       "n_claims": [3, 12], "object_id": ["0001", "12345"]})
    sheet = Sheet(df, headers={"length_m": "Lengte (m)"}, formats={"year": "0", "length_m": "#,##0.0", "object_id": "@"})
    write_xlsx({"Programma": sheet}, tmp_path / "t.xlsx")
    wb, ws = _cells(tmp_path / "t.xlsx")
    assert wb.sheetnames == ["Programma"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:E3"
    assert all(ws.cell(1, c).font.b for c in range(1, 6))
    assert ws["C1"].value == "Lengte (m)"
    assert ws["B2"].value == 2027 and ws["B2"].number_format == "0"  # a year: no thousands separator
    assert ws["C2"].value == pytest.approx(1019.713540143075) and ws["C2"].number_format == "#,##0.0"
    assert ws["D2"].number_format == "#,##0" and ws["D2"].data_type == "n"  # counts: default for integers
    assert ws["E2"].value == "0001" and ws["E2"].data_type == "s"  # an identifier keeps its leading zeros
    widths = {c: ws.column_dimensions[c].width for c in "ABCDE"}
    assert widths["C"] >= len("Lengte (m)") and widths["A"] >= len("Oegstgeest")


def test_xlsx_is_reproducible(tmp_path):
    df = pd.DataFrame({"a": ["x", "=y"], "b": [1.5, 2.0]})
    write_xlsx({"s": df}, tmp_path / "1.xlsx")
    write_xlsx({"s": df}, tmp_path / "2.xlsx")
    assert (tmp_path / "1.xlsx").read_bytes() == (tmp_path / "2.xlsx").read_bytes()


def test_csv_neutralised_and_read_back_exactly(tmp_path):
    notes: list[str] = []
    df = pd.DataFrame({"label": HOSTILE, "value": [-1.5] * len(HOSTILE)})
    write_csv(df, tmp_path / "t.csv", notes=notes)
    with open(tmp_path / "t.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))[1:]
    raw = [r[0] for r in rows]
    # what a spreadsheet sees: no cell starts with a formula character, except plain numbers
    assert all(not v or v[0] not in "=+-@\t\r" or v == "-12.5" for v in raw)
    assert len(rows) == len(HOSTILE)  # the CR inside a cell does not end the record
    assert raw[0] == "'=1+1" and raw[5] == "'\rCR" and raw[7] == "''=al" and raw[8] == "gewoon" and raw[9] == "-12.5"
    assert [r[1] for r in rows] == ["-1.5"] * len(HOSTILE)  # numeric column untouched
    assert read_csv(tmp_path / "t.csv")["label"].tolist() == HOSTILE
    assert notes and "tekstcel" in notes[0]
    assert neutralise_csv_text("") == "" and neutralise_csv_text("a=b") == "a=b"


def test_registry_sheets_dutch_names_headers_and_formats():
    prog = pd.DataFrame({"gemeente": ["Leiden"], "year": [2027], "facility_type": ["totaal"],
                         "claimed_area_m2": [1500.25], "n_claims": [1], "n_conflicts": [0], "conflict_area_m2": [0.0]})
    sheets = registry_sheets("claims_programme.xlsx", {"programma": prog})
    assert list(sheets) == ["Programma"]
    sh = sheets["Programma"]
    assert sh.headers["year"] == "Jaar" and sh.headers["claimed_area_m2"] == "Geclaimd (m²)"
    assert sh.formats["year"] == "0" and sh.formats["n_claims"] == "#,##0"


def test_not_analysed_in_csv_and_xlsx():
    df = pd.DataFrame({"variant": ["A"], "n_road": [2], "n_rail": [0], "n_water": [0]})
    analysed = {"road": True, "rail": False, "water": False}
    csv_df = mark_not_analysed(df, analysed)
    assert csv_df["n_road"].tolist() == [2] and csv_df["n_rail"].isna().all()  # empty, not 0
    assert csv_df["not_analysed"].tolist() == ["rail;water"]
    x = xlsx_not_analysed(df, analysed)
    assert x["n_rail"].tolist() == ["niet geanalyseerd"] and x["n_road"].tolist() == [2]
    register = pd.DataFrame({"variant": ["A"], "n_merged": [1]})  # the crossing register has no class counts
    assert mark_not_analysed(register, analysed) is register


def test_registry_sheets_show_codes_as_dutch_labels_and_csv_keeps_them():
    from wlr_geo.present.styles import palette

    reg = pd.DataFrame({"variant": ["A", "A"], "chainage_m": [10.0, 20.0], "object_class": ["road", "cable_pipe"],
                        "technique": ["open_trench", "hdd"], "gemeente": ["Leiden", "Leiden"],
                        "geometry_kind": ["polygon", "line"]})
    sheet = next(iter(registry_sheets("impact.xlsx", {"crossings": reg}).values()))
    # the labels are the style source's (independent lookup), never the code itself
    assert list(sheet.frame["technique"]) == [palette("technique").labels["open_trench"],
                                              palette("technique").labels["hdd"]]
    assert list(sheet.frame["object_class"]) == [palette("crossing_class").labels["road"],
                                                 palette("crossing_class").labels["cable_pipe"]]
    assert "open_trench" not in set(sheet.frame["technique"]) and list(reg["technique"]) == ["open_trench", "hdd"]
    assert list(sheet.frame["geometry_kind"]) == ["Vlak", "Lijn"] and list(reg["geometry_kind"]) == ["polygon", "line"]


# ------------------------------------------------------------------ the workbook helper process
def _mixed_sheets():
    df = pd.DataFrame({"netbeheerder": HOSTILE, "n": range(len(HOSTILE)),
                       "lengte": [1.25, float("nan"), float("inf"), -2.0, 0.0, 1e9, 3.5, 4.0, 5.0, 6.0],
                       "ok": [True, False] * 5, "code": ["a\x01b", None, "", "x" * 40_000, "c", "d", "e", "f", "g", "h"]})
    return {"Kruisingen": Sheet(df, headers={"n": "Aantal"}, formats={"n": "0"}), "leeg": pd.DataFrame({"a": []})}


def test_workbook_helper_gives_the_bytes_and_notes_of_write_xlsx(tmp_path):
    from wlr_geo.io import tables

    notes_here: list[str] = []
    notes_helper: list[str] = []
    write_xlsx(_mixed_sheets(), tmp_path / "hier.xlsx", notes=notes_here)
    with tables.WorkbookHelper() as helper:
        assert helper._proc is not None  # a real helper process
        helper.submit(_mixed_sheets())
        helper.finish(tmp_path / "hulp.xlsx", notes=notes_helper)
        assert helper._proc is None  # done and waited for
    assert (tmp_path / "hulp.xlsx").read_bytes() == (tmp_path / "hier.xlsx").read_bytes()
    assert [n.replace("hulp", "hier") for n in notes_helper] == notes_here and len(notes_here) == 2


@pytest.mark.parametrize("how", ["cannot_start", "died"])
def test_workbook_helper_falls_back_to_this_process(tmp_path, monkeypatch, how):
    from wlr_geo.io import tables

    write_xlsx(_mixed_sheets(), tmp_path / "hier.xlsx")
    if how == "cannot_start":
        monkeypatch.setattr("sys.executable", str(tmp_path / "geen-python"))
    with tables.WorkbookHelper() as helper:
        if how == "died":
            assert helper._proc is not None
            helper._proc.kill()
            helper._proc.wait()
        helper.submit(_mixed_sheets())
        helper.finish(tmp_path / "hulp.xlsx")
    assert (tmp_path / "hulp.xlsx").read_bytes() == (tmp_path / "hier.xlsx").read_bytes()


def test_workbook_helper_not_needed_is_stopped(tmp_path):
    from wlr_geo.io import tables

    with tables.WorkbookHelper() as helper:  # a run that fails before its tables exist
        proc = helper._proc
        assert proc is not None
    assert proc.returncode is not None  # stopped and waited for: no process left behind
    with pytest.raises(RuntimeError):
        helper.finish(tmp_path / "x.xlsx")  # nothing was submitted


def test_workbook_helper_script_ends_quietly_without_tables():
    import subprocess
    import sys

    from wlr_geo.io import _workbook

    done = subprocess.run([sys.executable, "-I", _workbook.__file__], input=b"", capture_output=True, timeout=60,
                          check=False)
    assert done.returncode == 0 and done.stdout == b"" and done.stderr == b""
