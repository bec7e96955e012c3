"""Chunked route analyses: embedded, DuckDB and Dask engines equal the whole-route run."""

from __future__ import annotations

import itertools
import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely import affinity, ops
from shapely.geometry import LineString

from wlr_geo._errors import WlrGeoInputError
from wlr_geo.analysis.crossings.register import find_crossings
from wlr_geo.analysis.scale.distributed import (
    CrossingAnalysis,
    route_chunks,
    run_distributed,
    run_local,
    segment_counts,
)
from wlr_geo.io.area import duckdb_segment_counts, read_area
from wlr_geo.io.parquet import write_partitioned

#: A 5.6 km route with four bends (RD metres).
ROUTE = LineString([(90_000, 460_000), (91_500, 460_800), (92_300, 460_700), (93_000, 462_000),
                    (94_500, 462_300)])
MARGIN_M = 150.0  # > longest cable (60 m) + merge + parallel distance


def synthetic_cables(n: int = 4_000, seed: int = 7) -> gpd.GeoDataFrame:
    """Seeded 2-point cables around ROUTE, plus cables running along it and crossing at chunk bounds."""
    rng = np.random.default_rng(seed)
    # random cables in a band around the route
    t = rng.uniform(0, ROUTE.length, n)
    base = shapely.get_coordinates(shapely.line_interpolate_point(ROUTE, t))
    xy = base + rng.normal(0, 60, (n, 2))
    ang = rng.uniform(0, np.pi, n)
    ln = rng.uniform(5, 50, n)
    ends = xy + np.stack([ln * np.cos(ang), ln * np.sin(ang)], 1)
    geoms = list(shapely.linestrings(np.stack([xy, ends], 1)))
    # parallel cables: 40–60 m along the route at 2 m offset (parallel runs), some across chunk bounds
    for c in (480.0, 990.0, 1985.0, 3010.0, 4400.0):
        geoms.append(shapely.offset_curve(ops.substring(ROUTE, c - 25, c + 30), 2.0))
    # crossings within a millimetre of the 500 m chunk bounds
    for c in (500.0 - 1e-3, 1000.0 + 1e-3, 1500.0, 2500.0 - 1e-4):
        p = shapely.line_interpolate_point(ROUTE, c)
        geoms.append(affinity.rotate(LineString([(p.x, p.y - 10), (p.x, p.y + 10)]), 30, origin=p))
    m = len(geoms)
    return gpd.GeoDataFrame(
        {"object_id": np.arange(m, dtype=np.int64),
         "thema": rng.choice(["laagspanning", "datatransport", "water", "gasLageDruk"], m)},
        geometry=geoms, crs="EPSG:28992",
    )


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    cables = synthetic_cables()
    out = tmp_path_factory.mktemp("dist") / "cables"
    write_partitioned([cables.iloc[i:i + 1_500] for i in range(0, len(cables), 1_500)], out,
                      tile_m=1_000, row_group_size=300)
    analysis = CrossingAnalysis()
    whole = analysis(ROUTE, cables, 0.0)  # the single-machine run: whole route, all cables loaded
    return cables, out, analysis, whole


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in ("chainage_m", "object_id", "segment") if c in df.columns]
    return df.sort_values(keys, kind="stable").reset_index(drop=True)


def assert_same(got: dict[str, pd.DataFrame], expected: dict[str, pd.DataFrame]) -> None:
    assert set(got) == set(expected)
    for name in expected:
        pd.testing.assert_frame_equal(_sorted(got[name]), _sorted(expected[name]), check_dtype=False,
                                      check_exact=False, rtol=0, atol=1e-6, obj=name)


def test_reference_is_find_crossings_on_the_whole_route(data):
    cables, _, analysis, whole = data
    cr, runs = find_crossings(ROUTE, cables, name=analysis.name)
    pd.testing.assert_frame_equal(whole["crossings"], cr)
    assert len(whole["parallel_runs"]) == len(runs)
    assert len(cr) > 100
    n = len(cables) - 9  # the five cables laid along the route are parallel runs
    assert set(range(n, n + 5)) <= set(whole["parallel_runs"]["object_id"].astype(int))


@pytest.mark.parametrize("n_chunks", [1, 3, 8])
def test_run_local_equals_whole_run(data, n_chunks):
    _, ds, analysis, whole = data
    got = run_local(ROUTE, ds, analysis, n_chunks=n_chunks, margin_m=MARGIN_M, reader=read_area)
    assert_same(got, whole)


def test_too_small_margin_is_not_silently_exact(data):
    # the contract needs margin_m > object extent: with 0 the runs cut at chunk bounds differ
    _, ds, analysis, whole = data
    got = run_local(ROUTE, ds, analysis, n_chunks=8, margin_m=0.0, reader=read_area)
    with pytest.raises(AssertionError):
        assert_same(got, whole)


def test_duckdb_engine_and_sql_counts_agree(data):
    pytest.importorskip("duckdb")
    _, ds, analysis, whole = data
    got = run_local(ROUTE, ds, analysis, n_chunks=5, margin_m=MARGIN_M, engine="duckdb", reader=read_area)
    assert_same(got, whole)
    sql = duckdb_segment_counts(ds, ROUTE, segment_m=analysis.segment_m, corridor_m=analysis.corridor_m)
    expected = whole["segment_counts"]
    np.testing.assert_array_equal(sql["segment"], expected["segment"])
    np.testing.assert_array_equal(sql["n_cables"], expected["n_cables"])
    np.testing.assert_array_equal(sql["n_crossing"], expected["n_crossing"])
    assert expected["n_crossing"].sum() > 100


def test_dask_localcluster_equals_single_machine(data):
    pytest.importorskip("dask.distributed")
    _, ds, analysis, whole = data
    # default: a LocalCluster of 2 worker processes, ≥ 4 chunks per worker
    got = run_distributed(ROUTE, ds, analysis, n_workers=2, margin_m=MARGIN_M, reader=read_area)
    assert_same(got, whole)  # (run_local equals whole too: test_run_local_equals_whole_run)


def test_dask_existing_cluster_by_scheduler_address(data):
    distributed = pytest.importorskip("dask.distributed")
    _, ds, analysis, whole = data
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  silence_logs=logging.ERROR) as cluster:
        got = run_distributed(ROUTE, ds, analysis, scheduler=cluster.scheduler_address, n_chunks=5,
                              margin_m=MARGIN_M, reader=read_area)
        assert len(cluster.scheduler_info["workers"]) == 2  # the cluster outlives the run
    assert_same(got, whole)


def test_route_chunks_align_to_segments_and_cover_route():
    tasks = route_chunks(ROUTE, n_chunks=4, segment_m=100.0)
    assert tasks[0].from_m == 0.0 and tasks[-1].to_m == pytest.approx(ROUTE.length)
    assert all(a.to_m == b.from_m for a, b in itertools.pairwise(tasks))
    assert all(t.from_m % 100.0 == 0 for t in tasks) and [t.last for t in tasks] == [False] * 3 + [True]
    with pytest.raises(WlrGeoInputError):
        route_chunks(LineString(), n_chunks=2)


def test_segment_counts_by_hand():
    line = LineString([(0, 0), (250, 0)])
    cables = gpd.GeoDataFrame(geometry=[
        LineString([(50, -10), (50, 10)]),     # crosses segment 0
        LineString([(120, 20), (180, 20)]),    # 20 m from segment 1
        LineString([(120, 30), (180, 30)]),    # 30 m: outside the 25 m corridor
        LineString([(200, 5), (240, 5)]),      # near segment 2 (partial: 200–250)
    ], crs="EPSG:28992")
    got = segment_counts(line, cables, segment_m=100.0, corridor_m=25.0)
    assert got["n_cables"].tolist() == [1, 2, 1]  # the cable at x 200–240 is 5 m from segment 1's end
    assert got["n_crossing"].tolist() == [1, 0, 0]
    assert got["to_m"].tolist() == [100.0, 200.0, 250.0]
    # the same line seen as a window starting at chainage 150: segments 2 (from 200) only whole
    shifted = segment_counts(line, cables, offset_m=150.0, segment_m=100.0, corridor_m=25.0)
    assert shifted["segment"].tolist() == [2, 3] and shifted["to_m"].tolist() == [300.0, 400.0]
    assert shifted["n_cables"].tolist() == [2, 2]  # window 50–150 and 150–250
    assert shifted["n_crossing"].tolist() == [1, 0]
