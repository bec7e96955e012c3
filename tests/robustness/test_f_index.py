"""Every row of ROBUSTNESS.md section F (hostile input, round 2) tied to the tests that cover it.

The table below is the index: row → what it is about → test functions (``file::function``).
The test fails when a row has no test, or when a listed test no longer exists (renamed or
deleted), so the index cannot drift silently from the suite. Rows whose tests live on another
branch not yet merged are listed in :data:`PENDING` and reported as skipped until their tests
appear here.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]

#: ROBUSTNESS.md section F: row → (input, tests).
INDEX: dict[str, tuple[str, list[str]]] = {
    "F1": ("attribute text starting with =, +, -, @, tab or CR in XLSX/CSV", [
        "test_tables_xlsx.py::test_xlsx_text_is_never_a_formula",
        "test_tables_xlsx.py::test_csv_neutralised_and_read_back_exactly",
    ]),
    "F2": ("console markup and control characters in names reaching the terminal", [
        "robustness/test_f2_terminal.py::test_f2_safe_text_prints_literally",
        "robustness/test_f2_terminal.py::test_f2_visible_keeps_letters_and_shows_controls",
        "robustness/test_f2_terminal.py::test_f2_impact_shows_hostile_names_literally",
        "robustness/test_f2_terminal.py::test_f2_klic_operator_with_markup",
        "robustness/test_f2_terminal.py::test_sweep_hostile_inputs_give_one_line_and_exit_2",
    ]),
    "F3": ("control characters in attributes: replaced in XLSX, kept in GPKG", [
        "robustness/test_security.py::test_hostile_text_survives_a_geopackage_round_trip_as_text",
        "robustness/test_f2_terminal.py::test_f2_klic_operator_with_escape_character_is_one_line",
        "test_tables_xlsx.py::test_xlsx_control_characters_replaced_and_counted",
    ]),
    "F4": ("names mapping to one file name, 300-character names, non-ASCII names", [
        "test_webmap_files.py::test_safe_stem_is_ascii_bounded_and_never_empty",
        "test_webmap_files.py::test_unique_names_add_a_suffix_case_insensitively",
        "test_webmap_files.py::test_every_municipality_gets_its_own_file",
    ]),
    "F5": ("NaN, inf, negative, 0, 1e300 in numeric keys and options", [
        "test_options.py::test_numbers_are_finite_and_in_range",
        "test_options.py::test_cli_options_are_range_checked",
        "test_options.py::test_validate_agrees_with_the_run",
    ]),
    "F6": ("routes that close, nearly close, cross themselves or double back", [
        "robustness/test_f_routes.py::test_ring_strip_is_a_band_along_the_ring_not_its_interior",
        "robustness/test_f_routes.py::test_objects_90_m_inside_a_ring_are_not_in_the_strips",
        "robustness/test_f_routes.py::test_strip_area_equals_a_per_segment_reference",
        "robustness/test_f_routes.py::test_per_gemeente_lengths_with_a_self_crossing_on_the_border",
        "robustness/test_f_routes.py::test_lengths_per_area_follow_the_segments",
    ]),
    "F7": ("a parallel run that then crosses square-on; a cable through a route vertex", [
        "robustness/test_f_routes.py::test_cable_beside_the_route_then_crossing_square_on_keeps_its_crossing",
        "robustness/test_f_routes.py::test_cable_through_a_route_vertex_is_one_crossing",
    ]),
    "F8": ("null/duplicate municipality names, overlapping polygons, null variant", [
        "robustness/test_f_routes.py::test_municipality_without_a_name_is_an_error_naming_the_feature",
        "robustness/test_f_routes.py::test_overlapping_municipalities_are_an_error_slivers_are_counted_once",
        "robustness/test_f_routes.py::test_route_part_without_a_variant_is_an_error_never_a_variant_nan",
    ]),
    "F9": ("XML in UTF-16/UTF-32 with a DOCTYPE", [
        "robustness/test_f9_f10_encodings_duplicates.py::test_doctype_is_refused_in_every_encoding",
        "robustness/test_f9_f10_encodings_duplicates.py::test_doctype_in_a_wide_encoding_exits_2_with_one_line",
    ]),
    "F10": ("the same BGT class twice in a zip; duplicate member names", [
        "robustness/test_f9_f10_encodings_duplicates.py::test_same_bgt_class_twice_in_a_zip_gives_each_object_once",
        "robustness/test_f9_f10_encodings_duplicates.py::test_duplicate_member_names_in_a_zip_are_an_error",
    ]),
    "F11": ("a .prj of another metric CRS on RD coordinates", [
        "robustness/test_f11_f15_crs_warnings.py::test_f11_rd_numbers_with_another_metric_crs_are_refused",
        "robustness/test_f11_f15_crs_warnings.py::test_f11_belgian_prj_on_rd_shapefile_via_reader_and_cli",
        "robustness/test_f11_f15_crs_warnings.py::test_f11_assume_crs_wins_over_a_wrong_declaration",
    ]),
    "F12": ("output folder is a file, name is a folder, read-only, disk full, name too long, raster too large", [
        "robustness/test_f_output_set.py::test_f12_output_folder_is_a_file",
        "robustness/test_f_output_set.py::test_f12_output_name_is_an_existing_folder",
        "robustness/test_f_output_set.py::test_f12_read_only_output_folder",
        "robustness/test_f_output_set.py::test_f12_disk_full_while_writing",
        "robustness/test_f_output_set.py::test_f12_name_too_long",
        "robustness/test_f12_raster_size.py::test_f12_cost_raster_too_large_is_refused_before_allocating",
        "robustness/test_f12_raster_size.py::test_f12_route_with_a_tiny_cell_size_names_the_option",
        "robustness/test_f12_raster_size.py::test_f12_full_solve_beyond_the_memory_allowed_names_coarse_to_fine",
    ]),
    "F13": ("an input inside the output folder under an output's name; convert into the parent", [
        "robustness/test_f_output_set.py::test_f13_output_named_like_an_input_in_the_output_folder",
        "robustness/test_f_output_set.py::test_f13_convert_into_the_parent_of_its_input_is_refused",
    ]),
    "F14": ("a run killed half-way; two runs in one folder; Ctrl-C", [
        "robustness/test_f_output_set.py::test_f14_failed_or_interrupted_run_keeps_the_previous_set",
        "robustness/test_f_output_set.py::test_f14_two_processes_one_folder",
        "robustness/test_f_output_set.py::test_f14_ctrl_c_exits_130_with_one_line",
    ]),
    "F15": ("raw Python or GDAL warnings", [
        "robustness/test_f11_f15_crs_warnings.py::test_f15_warnings_are_counted_not_printed",
        "robustness/test_f11_f15_crs_warnings.py::test_f15_cli_run_puts_warnings_in_the_manifest",
    ]),
}

#: Rows (or parts of rows) whose tests are on another branch: row → where.
PENDING: dict[str, str] = {}


@cache
def _functions(path: Path) -> frozenset[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return frozenset(n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef))


def test_index_lists_every_row_of_section_f() -> None:
    assert list(INDEX) == [f"F{i}" for i in range(1, 16)]


@pytest.mark.parametrize("row", list(INDEX))
def test_every_row_has_existing_tests(row: str) -> None:
    what, tests = INDEX[row]
    for node in tests:
        file, _, name = node.partition("::")
        path = TESTS / file
        assert path.is_file(), f"{row}: {file} does not exist"
        assert name.startswith("test_") and name in _functions(path), f"{row}: {node} does not exist"
    if not tests:
        if row in PENDING:
            pytest.skip(f"{row} ({what}): {PENDING[row]}")
        pytest.fail(f"{row} ({what}) has no test")
