"""Merging overlapping KLIC deliveries: nothing delivered is lost, nothing is counted twice.

KLIC clips every network to the request area of its delivery, so one object-link arrives in
two overlapping deliveries as two different pieces of the same UtilityLink. The oracle for the
real pair (``layers/klic/overlapping``) is GDAL's ``UtilityLink`` layer of each delivery; the
union length is computed independently of wlr_geo's noding, piece by piece: what a piece adds
is the part of it farther than 1 cm from the pieces before it. Hand-built deliveries give the
exact answers.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely
from test_klic_mutations import cable, envelope, link, network, write

from wlr_geo._safe import safe_extract
from wlr_geo.catalog import embedded_path
from wlr_geo.io.klic import read_klic

PAIR = ["klic/overlapping/Levering_22G003174_1.zip", "klic/overlapping/Levering_22G003247_1.zip"]


def _read(paths):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the sample deliveries name attachments they lack
        return read_klic(paths)


def _gdal_links(zip_path: Path, tmp: Path) -> dict[str, shapely.Geometry]:
    files = safe_extract(zip_path, tmp)
    xml = next(f for f in files if f.name.startswith("GI_") and f.suffix == ".xml")
    df = pyogrio.read_dataframe(xml, layer="UtilityLink", WRITE_GFS="NO")
    return dict(zip(df["gml_id"], df.geometry, strict=True))


def _union_length(pieces: list[shapely.Geometry], eps: float = 0.01) -> float:
    """Length of the union of ``pieces``: each adds its part farther than ``eps`` from the ones
    before (no noding, unlike the merge)."""
    total = 0.0
    seen: list[shapely.Geometry] = []
    for p in pieces:
        total += p.length if not seen else p.difference(shapely.union_all(seen).buffer(eps)).length
        seen.append(p)
    return total


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pair")
    paths = [embedded_path(p) for p in PAIR]
    singles = [_read(p) for p in paths]
    gdal = [_gdal_links(p, tmp / str(i)) for i, p in enumerate(paths)]
    return _read(paths), singles, gdal


def test_overlapping_pair_loses_nothing_and_counts_nothing_twice(pair):
    merged, singles, gdal = pair
    lines = merged.lines.set_index(["gml_id", "link_id"])
    keys_per_delivery = [set(s.lines.set_index(["gml_id", "link_id"]).index) for s in singles]
    # every object-link of either delivery is in the output, once
    assert set(lines.index) == keys_per_delivery[0] | keys_per_delivery[1]
    assert not lines.index.duplicated().any()
    n_both = n_grown = 0
    oracle_total = 0.0
    for (gid, lid), row in lines.iterrows():
        pieces = [g[lid] for g, keys in zip(gdal, keys_per_delivery, strict=True) if (gid, lid) in keys]
        geom = row.geometry
        # nothing lost: every delivered piece lies within 0.5 m of the merged line
        for piece in pieces:
            pts = shapely.points(shapely.get_coordinates(shapely.segmentize(piece, 0.25)))
            assert shapely.distance(pts, geom).max() <= 0.5, (gid, lid)
        # nothing counted twice: the merged length is the union length of the pieces
        expected = _union_length(pieces)
        assert row["length_m"] == pytest.approx(expected, abs=0.05), (gid, lid)
        assert row["length_m"] == pytest.approx(geom.length)
        assert max(p.length for p in pieces) - 1e-6 <= row["length_m"] <= sum(p.length for p in pieces) + 1e-6
        oracle_total += expected
        if len(pieces) == 2:
            n_both += 1
            n_grown += row["length_m"] > max(p.length for p in pieces) + 0.01
    assert n_both == 873 and n_grown > 0
    assert merged.lines["length_m"].sum() == pytest.approx(oracle_total, abs=0.5)
    assert set(merged.lines.geom_type) <= {"LineString", "MultiLineString"}
    assert merged.lines.is_valid.all()


def test_overlapping_pair_keeps_more_than_either_piece_and_reports_the_joins(pair):
    merged, singles, _gdal = pair
    rep = merged.report
    assert rep.line_pieces_joined > 0 and rep.lines_joined == rep.line_pieces_joined  # two deliveries
    n_rows = len(singles[0].lines) + len(singles[1].lines)
    assert rep.duplicates_dropped["lines"] + rep.line_pieces_joined == n_rows - len(merged.lines)
    assert any("samengevoegd" in line for line in rep.summary_lines())
    # the old merge (newest piece per key) held less line than the deliveries together
    newest = singles[1].lines.set_index(["gml_id", "link_id"])["length_m"]
    older = singles[0].lines.set_index(["gml_id", "link_id"])["length_m"]
    newest_wins = newest.sum() + older[~older.index.isin(newest.index)].sum()
    assert merged.lines["length_m"].sum() > newest_wins + 100  # metres kept that were lost


def test_overlapping_pair_attributes_come_from_the_newest_delivery(pair):
    merged, singles, _gdal = pair
    dates = [s.report.deliveries[0]["levering_datum"] for s in singles]
    assert dates[1] > dates[0]
    both = set(singles[0].lines.set_index(["gml_id", "link_id"]).index) & set(
        singles[1].lines.set_index(["gml_id", "link_id"]).index)
    lines = merged.lines.set_index(["gml_id", "link_id"])
    assert set(lines.loc[list(both), "meldnummer"]) == {"22G003247"}


# ------------------------------------------------------------------------ hand-built answers

NET = network("nl.imkl-KL0001.net1", "middenspanning")
C = "nl.imkl-KL0001.C1"
L = "nl.imkl-KL0001.L1"


def _delivery(tmp_path: Path, meld: str, date: str, poslist: str, *, label: str = "") -> Path:
    extra = f"<imkl:label>{label}</imkl:label>" if label else ""
    body = envelope(meld, date) + NET + link(L, poslist) + cable(C, [L], extra=extra)
    folder = tmp_path / meld
    folder.mkdir()
    return write(folder, body, name=f"GI_gebiedsinformatielevering_{meld}_1_V2.xml")


def _merge(tmp_path: Path, old: str, new: str):
    a = _delivery(tmp_path, "23A000001", "2023-01-10T10:00:00+01:00", old, label="oud")
    b = _delivery(tmp_path, "23A000002", "2023-02-10T10:00:00+01:00", new, label="nieuw")
    data = read_klic([b, a])  # order given does not matter: the date decides
    assert len(data.lines) == 1
    return data.lines.iloc[0], data.report


def test_overlapping_pieces_are_joined_into_one_line(tmp_path):
    # the older delivery has 0-300 m, the newer 250-360 m (clipped at x = 100250.0004)
    row, rep = _merge(tmp_path, "100000 400000 100100 400000 100300 400000",
                      "100250.0004 400000 100300 400000 100360 400000")
    assert row.geometry.geom_type == "LineString"
    assert row["length_m"] == pytest.approx(360.0, abs=1e-3)
    assert row.geometry.length == pytest.approx(360.0, abs=1e-3)
    assert row["meldnummer"] == "23A000002" and row["label"] == "nieuw"
    assert (rep.line_pieces_joined, rep.lines_joined, rep.duplicates_dropped["lines"]) == (1, 1, 0)


def test_disjoint_pieces_give_a_multilinestring(tmp_path):
    row, rep = _merge(tmp_path, "100000 400000 100100 400000", "100200 400000 100300 400000")
    assert row.geometry.geom_type == "MultiLineString"
    assert sorted(p.length for p in row.geometry.geoms) == pytest.approx([100.0, 100.0])
    assert row["length_m"] == pytest.approx(200.0)
    assert rep.line_pieces_joined == 1


def test_a_piece_inside_the_newer_one_leaves_it_untouched(tmp_path):
    new = "100000 400000 100100 400000 100300 400000"
    row, rep = _merge(tmp_path, "100020 400000 100100 400000 100180 400000", new)
    expected = shapely.LineString(np.array(new.split(), dtype=float).reshape(-1, 2))
    assert shapely.equals_exact(row.geometry, expected, tolerance=0)
    assert row["length_m"] == 300.0
    assert (rep.line_pieces_joined, rep.duplicates_dropped["lines"]) == (0, 1)


def test_identical_pieces_are_a_duplicate(tmp_path):
    row, rep = _merge(tmp_path, "100000 400000 100100 400000", "100000 400000 100100 400000")
    assert row["length_m"] == 100.0 and row.geometry.geom_type == "LineString"
    assert (rep.line_pieces_joined, rep.duplicates_dropped["lines"]) == (1 - 1, 1)


def test_three_deliveries_of_one_link_join_in_one_line(tmp_path):
    paths = [
        _delivery(tmp_path, "23A000001", "2023-01-10T10:00:00+01:00", "100000 400000 100100 400000"),
        _delivery(tmp_path, "23A000002", "2023-02-10T10:00:00+01:00", "100090 400000 100200 400000"),
        _delivery(tmp_path, "23A000003", "2023-03-10T10:00:00+01:00", "100190 400000 100250 400000"),
    ]
    data = read_klic(paths)
    row = data.lines.iloc[0]
    assert len(data.lines) == 1 and row.geometry.geom_type == "LineString"
    assert row["length_m"] == pytest.approx(250.0)
    assert row["meldnummer"] == "23A000003"
    assert (data.report.line_pieces_joined, data.report.lines_joined) == (2, 1)
