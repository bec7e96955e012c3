"""ROBUSTNESS.md C6 (DuckDB axis order) and section E (concurrency and scale).

* C6: every connection :func:`wlr_geo.io.duck.connect` returns has ``geometry_always_xy`` on, and
  no module opens DuckDB connections any other way.
* E1: GEOS prepared geometries are not thread-safe (libgeos/geos#825). The corridor analysis
  (crossing register, :class:`wlr_geo.analysis.scale.distributed.CrossingAnalysis`) runs on a threaded Dask
  cluster, 2 partitions × 20 repetitions, on the real KLIC cables; and shapely predicates run
  from 8 threads, each on geometries it rebuilt from WKB. Both must finish (no segfault) with
  the single-threaded answer every time. The 8-thread run is in a subprocess so a crash shows
  as an exit code instead of killing the test session.
* E2: a map layer above 10,000 features gives a warning (log, ``WebMap.warnings`` and a Dutch
  notice on the page); at 10,000 it does not.
"""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import textwrap
import threading
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString

import wlr_geo
from wlr_geo._errors import WlrGeoWarning
from wlr_geo.catalog import embedded_path
from wlr_geo.io import duck

# ----------------------------------------------------------------------------- C6


def _always_xy(con: object) -> bool:
    row = con.execute("SELECT current_setting('geometry_always_xy')").fetchone()  # type: ignore[attr-defined]
    return bool(row[0])


def test_c6_every_duckdb_connection_is_always_xy() -> None:
    cons = [duck.connect() for _ in range(3)]
    assert all(_always_xy(c) for c in cons)
    # a golden RD point (Leiden, Pieterskerk) to WGS84 comes back as (lon, lat)
    lon, lat = cons[0].execute(
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_Point(93700, 463800), 'EPSG:28992', 'EPSG:4326') p)"
    ).fetchone()
    assert 4.3 < lon < 4.6 and 52.1 < lat < 52.2
    for c in cons:
        c.close()


def test_c6_connections_made_in_threads_are_always_xy() -> None:
    results: list[bool] = []
    lock = threading.Lock()

    def work() -> None:
        con = duck.connect()
        try:
            ok = _always_xy(con)
        finally:
            con.close()
        with lock:
            results.append(ok)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [True] * 4


def test_c6_no_module_opens_duckdb_another_way() -> None:
    """Only wlr_geo/io/duck.py may call ``duckdb.connect``; everything else uses duck.connect()."""
    pkg = Path(wlr_geo.__file__).parent
    offenders = []
    for py in pkg.rglob("*.py"):
        if py.name == "duck.py" and py.parent == pkg / "io":
            continue
        for i, line in enumerate(py.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\bduckdb\.connect\(", line):
                offenders.append(f"{py.relative_to(pkg)}:{i}")
    assert offenders == []


# ----------------------------------------------------------------------------- E1


@pytest.fixture(scope="module")
def real_cables() -> gpd.GeoDataFrame:
    from wlr_geo.io.klic import read_klic

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WlrGeoWarning)
        lines = read_klic(embedded_path("klic/Levering_22C001966_3.zip")).lines
    out = lines[["gml_id", "thema", "geometry"]].reset_index(drop=True)
    out.insert(0, "object_id", np.arange(len(out), dtype=np.int64))
    return out


def _route_through(gdf: gpd.GeoDataFrame) -> LineString:
    """A bent route across the middle of the cables' extent (RD metres)."""
    x0, y0, x1, y1 = gdf.total_bounds
    return LineString([(x0 + 0.1 * (x1 - x0), y0 + 0.2 * (y1 - y0)),
                       (x0 + 0.5 * (x1 - x0), y0 + 0.6 * (y1 - y0)),
                       (x0 + 0.9 * (x1 - x0), y0 + 0.5 * (y1 - y0))])


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in ("chainage_m", "object_id", "segment") if c in df.columns]
    return df.sort_values(keys, kind="stable").reset_index(drop=True)


@pytest.mark.slow
def test_e1_corridor_analysis_on_threads_2_partitions_x_20(real_cables: gpd.GeoDataFrame, tmp_path: Path) -> None:
    distributed = pytest.importorskip("dask.distributed")
    from wlr_geo.analysis.scale.distributed import CrossingAnalysis, run_distributed, run_local
    from wlr_geo.io.area import read_area
    from wlr_geo.io.parquet import write_partitioned

    ds = tmp_path / "cables"
    write_partitioned(real_cables, ds, tile_m=500, row_group_size=500)
    route = _route_through(real_cables)
    analysis = CrossingAnalysis()
    reference = run_local(route, ds, analysis, n_chunks=2, reader=read_area)
    assert len(reference["crossings"]) > 20  # the route really crosses many cables
    # one in-process worker with 4 threads: the chunk tasks share the process, as threads
    with distributed.LocalCluster(n_workers=1, threads_per_worker=4, processes=False, dashboard_address=":0",
                                  silence_logs=logging.ERROR) as cluster:
        for _ in range(20):
            got = run_distributed(route, ds, analysis, scheduler=cluster.scheduler_address, n_chunks=2, reader=read_area)
            assert set(got) == set(reference)
            for name, frame in reference.items():
                pd.testing.assert_frame_equal(_sorted(got[name]), _sorted(frame), check_dtype=False, obj=name)


STRESS = textwrap.dedent(
    """
    import sys, threading
    import numpy as np, shapely
    corridor_wkb = bytes.fromhex(sys.argv[1])
    cables_wkb = [bytes.fromhex(h) for h in sys.argv[2].split(",")]
    results, errors = [], []

    def work():
        try:
            corridor = shapely.from_wkb(corridor_wkb)   # this thread's own geometry
            cables = shapely.from_wkb(np.array(cables_wkb, dtype=object))
            shapely.prepare(corridor)                    # prepared, but never shared
            for _ in range(30):
                hit = shapely.intersects(corridor, cables)
                inside = shapely.length(shapely.intersection(cables[hit], corridor)).sum()
                crosses = shapely.crosses(cables, shapely.boundary(corridor)).sum()
            results.append((int(hit.sum()), round(float(inside), 6), int(crosses)))
        except Exception as exc:  # reported and counted by the parent
            errors.append(repr(exc))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads: t.start()
    for t in threads: t.join()
    print(len(set(results)), results[0] if results else None, len(errors))
    """
)


def test_e1_shapely_predicates_from_8_threads_on_per_thread_geometries(real_cables: gpd.GeoDataFrame) -> None:
    route = _route_through(real_cables)
    corridor = route.buffer(25.0)
    cables = real_cables.geometry.values[:1500]
    expected_hit = shapely.intersects(corridor, cables)
    expected = (int(expected_hit.sum()),
                round(float(shapely.length(shapely.intersection(cables[expected_hit], corridor)).sum()), 6),
                int(shapely.crosses(cables, shapely.boundary(corridor)).sum()))
    args = [shapely.to_wkb(corridor).hex(), ",".join(w.hex() for w in shapely.to_wkb(cables))]
    res = subprocess.run([sys.executable, "-c", STRESS, *args], capture_output=True, text=True, timeout=300, check=False)
    assert res.returncode == 0, f"exit {res.returncode} (−11 = segfault): {res.stderr[-2000:]}"
    n_distinct, rest = res.stdout.strip().split(" ", 1)
    first, n_errors = rest.rsplit(" ", 1)
    assert n_errors == "0" and n_distinct == "1"  # all 8 threads agree ...
    assert first == str(expected)  # ... with the single-threaded answer
    assert expected[0] > 10


# ----------------------------------------------------------------------------- E2


def _points(n: int) -> gpd.GeoDataFrame:
    i = np.arange(n)
    xy = np.column_stack([90_000 + (i % 100) * 20.0, 460_000 + (i // 100) * 20.0])
    return gpd.GeoDataFrame({"nr": i}, geometry=shapely.points(xy), crs="EPSG:28992")


@pytest.mark.parametrize(("n", "warned"), [(10_000, False), (10_001, True)])
def test_e2_large_map_layer_warns_above_10000(n: int, warned: bool, caplog: pytest.LogCaptureFixture) -> None:
    from wlr_geo.present.mapdefs import map_definition_from_dict
    from wlr_geo.present.webmap import build_map, render_html

    definition = map_definition_from_dict(
        {"title": "t", "group": [{"name": "Kruisingen", "layer": [{"role": "crossings", "label": "Kruising"}]}]})
    assert definition.warn_threshold == 10_000  # the documented default (ROBUSTNESS.md E2)
    with caplog.at_level(logging.WARNING, logger="wlr_geo"):
        wm = build_map({"crossings": _points(n)}, definition)
    logged = [r.getMessage() for r in caplog.records if "objecten (meer dan 10.000)" in r.getMessage()]
    if warned:
        assert wm.warnings == ["crossings: 10.001 objecten"]
        assert len(logged) == 1 and "heeft 10.001 objecten" in logged[0]
        assert "Let op: 10.001 objecten" in render_html(wm)
    else:
        assert wm.warnings == [] and logged == []
