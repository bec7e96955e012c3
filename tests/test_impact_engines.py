"""The ``[scale]`` engines read big layers near the route and give identical crossings.

A 21 000-cable layer (above :attr:`wlr_geo.io.area.Corridor.min_features`, so it is read
through its index) as a GeoPackage and as its partitioned GeoParquet copy; the impact run on
each engine equals the embedded run on the same file, row for row.
"""

from __future__ import annotations

import socket
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from _rd import random_segments
from shapely.geometry import LineString

from wlr_geo._errors import WlrGeoInputError
from wlr_geo.config import load_config
from wlr_geo.io.parquet import write_partitioned
from wlr_geo.workflows.impact import run

CONFIG = """
[layers.route]
file = "{route}"
layer = "route"
[[layers.crossing_layers]]
file = "{cables}"
{layer_line}
name = "kabels"
[scale]
engine = "{engine}"
n_workers = 1
chunk_m = 4000.0
{scheduler}
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    rng = np.random.default_rng(11)
    n = 21_000
    geoms = random_segments(rng, n)
    cables = gpd.GeoDataFrame({"thema": rng.choice(["gas", "water", "laagspanning"], n)}, geometry=geoms,
                              crs="EPSG:28992")
    d = tmp_path_factory.mktemp("engines")
    cables.to_file(d / "cables.gpkg", layer="cables", engine="pyogrio")
    write_partitioned(cables, d / "cables_ds", tile_m=3_000.0, row_group_size=2_000)
    route = LineString([(80_000, 450_000), (82_500, 451_500), (85_000, 450_500), (88_000, 453_000)])
    gpd.GeoDataFrame({"name": ["a"]}, geometry=[route], crs="EPSG:28992").to_file(d / "route.gpkg", layer="route")
    return d


def _config(d, kind, engine, scheduler=None):
    cables, layer_line = (d / "cables.gpkg", 'layer = "cables"') if kind == "gpkg" else (d / "cables_ds", "")
    path = d / f"{kind}_{engine}.toml"
    path.write_text(CONFIG.format(route=(d / "route.gpkg").as_posix(), cables=cables.as_posix(),
                                  layer_line=layer_line, engine=engine,
                                  scheduler=f'scheduler = "{scheduler}"' if scheduler else ""))
    return path


def _table(result):
    return result.crossings.drop(columns="geometry").reset_index(drop=True)


@pytest.mark.parametrize("kind", ["gpkg", "dataset"])
def test_engines_give_identical_crossings(files, kind):
    results = {e: run(load_config(_config(files, kind, e))).result
               for e in (["embedded", "dask"] if kind == "gpkg" else ["embedded", "duckdb", "dask"])}
    ref = results.pop("embedded")
    assert len(ref.crossings) > 50
    assert not any(n.startswith("engine:") for n in ref.notes)
    for engine, got in results.items():
        pd.testing.assert_frame_equal(_table(got), _table(ref))
        assert shapely.equals_exact(got.crossings.geometry.values, ref.crossings.geometry.values, 1e-9).all()
        note = next(n for n in got.notes if n.startswith("engine:"))
        assert note.startswith(f"engine: {engine}")
        if engine == "dask":
            assert "LocalCluster, 1 workers" in note and "leestaken" in note


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_scheduler_is_a_one_line_error(files, tmp_path):
    cfg = _config(files, "gpkg", "dask", scheduler=f"tcp://127.0.0.1:{_free_port()}")
    with pytest.raises(WlrGeoInputError, match="kan de Dask-scheduler op"):
        run(load_config(cfg))
    proc = subprocess.run([sys.executable, "-m", "wlr_geo.cli.main", "impact", str(cfg), "-o", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "kan de Dask-scheduler op" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "o" / "summary.json").exists()
