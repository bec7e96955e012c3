"""Traceable crossings: a crossed object keeps one id however its layer is read (issue 19, item 5).

The ids in the crossing register are the layer's ``id_column`` when the config names one, else
``"<layer>:<fid>"`` with the source's own feature id (a GeoPackage's ``fid``). A GeoPackage with
gaps in its fids is read whole, near the route through its R-tree, and from its partitioned
GeoParquet copy made by ``wlr-geo convert`` on every engine: the same crossings, the same ids,
and each id names the feature of that fid in the GeoPackage.
"""

from __future__ import annotations

import sqlite3

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from _rd import random_segments
from shapely.geometry import LineString

from wlr_geo._errors import WlrGeoInputError
from wlr_geo.analysis.crossings.register import classify_objects
from wlr_geo.analysis.impact.run import run_impact
from wlr_geo.config import load_config
from wlr_geo.io.area import Corridor, read_near
from wlr_geo.io.dispatch import read_source
from wlr_geo.io.parquet import dataset_info, write_partitioned
from wlr_geo.workflows import convert
from wlr_geo.workflows.impact import run

ROUTE = LineString([(80_000, 450_000), (82_500, 451_500), (85_000, 450_500), (88_000, 453_000)])
N = 21_000  # above Corridor.min_features: the impact run reads the layer near the route only
GONE = (1, 2, 3, 500, 7_777)  # fids deleted: the fids are neither 0, 1, ... nor gap-free

CONFIG = """
[layers.route]
file = "{route}"
layer = "route"
[[layers.crossing_layers]]
file = "{cables}"
{layer_line}
name = "kabels"
{id_line}
[scale]
engine = "{engine}"
n_workers = 1
chunk_m = 4000.0
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    rng = np.random.default_rng(23)
    geoms = random_segments(rng, N)
    cables = gpd.GeoDataFrame({"thema": rng.choice(["gas", "water", "laagspanning"], N),
                               "kabel_nr": [f"K-{i:05d}" for i in range(N)],
                               "dubbel_nr": [f"D-{i // 2}" for i in range(N)]},
                              geometry=geoms, crs="EPSG:28992")
    d = tmp_path_factory.mktemp("object_ids")
    cables.to_file(d / "cables.gpkg", layer="cables", engine="pyogrio")
    con = sqlite3.connect(d / "cables.gpkg")
    con.execute(f"DELETE FROM cables WHERE fid IN ({', '.join(map(str, GONE))})")
    con.commit()
    con.close()
    convert.run([f"{d / 'cables.gpkg'}:cables"], d / "copy")
    gpd.GeoDataFrame({"name": ["a"]}, geometry=[ROUTE], crs="EPSG:28992").to_file(d / "route.gpkg", layer="route")
    return d


def _config(d, kind, engine="embedded", id_column=None):
    cables, layer_line = (d / "cables.gpkg", 'layer = "cables"') if kind == "gpkg" else (d / "copy" / "cables", "")
    path = d / f"{kind}_{engine}_{id_column}.toml"
    path.write_text(CONFIG.format(route=(d / "route.gpkg").as_posix(), cables=cables.as_posix(), layer_line=layer_line,
                                  engine=engine, id_line=f'id_column = "{id_column}"' if id_column else ""))
    return path


def _table(result):
    return result.crossings.drop(columns="geometry").reset_index(drop=True)


def test_convert_keeps_the_gpkg_fids(files):
    info = dataset_info(files / "copy" / "cables")
    assert info.fid_column == "fid"
    whole = read_source(files / "cables.gpkg", "cables")
    copy = read_source(files / "copy" / "cables")
    assert not set(GONE) & set(whole.index)
    assert sorted(copy.index) == list(whole.index)
    assert (copy.loc[whole.index, "kabel_nr"].to_numpy() == whole["kabel_nr"].to_numpy()).all()


def test_gpkg_and_its_copy_give_the_same_ids_on_every_engine(files):
    whole = run_impact(read_source(files / "route.gpkg", "route"),
                       {"kabels": read_source(files / "cables.gpkg", "cables")})
    ref = _table(whole)
    assert len(ref) > 50
    ids = ref["object_id"].astype(str)
    assert ids.str.fullmatch(r"kabels:\d+").all()
    runs = {("gpkg", "embedded"): run(load_config(_config(files, "gpkg"))).result}
    for engine in ("embedded", "duckdb", "dask"):
        runs[("copy", engine)] = run(load_config(_config(files, "copy", engine))).result
    for key, got in runs.items():
        pd.testing.assert_frame_equal(_table(got), ref, obj=str(key))
        assert set(got.parallel_runs["object_id"]) == set(whole.parallel_runs["object_id"]), key
    # each id names the GeoPackage feature of that fid, and that feature crosses the route there
    fids = ids.str.removeprefix("kabels:").astype(int).to_numpy()
    src = pyogrio.read_dataframe(files / "cables.gpkg", layer="cables", fid_as_index=True,
                                 where=f"fid IN ({', '.join(map(str, sorted(set(fids))))})")
    at = shapely.points(ref["x"].to_numpy(), ref["y"].to_numpy())
    assert (shapely.distance(src.geometry.loc[fids].values, at) < 1e-6).all()


def test_corridor_read_and_whole_read_give_the_same_ids(files):
    corridor = Corridor.around(gpd.GeoSeries([ROUTE], crs="EPSG:28992"), 60.0, min_features=0)
    near = read_near(files / "cables.gpkg", "cables", corridor)
    assert near is not None and near.attrs["wlr_geo"]["corridor"]["index"] == "GeoPackage R-tree"
    whole = read_source(files / "cables.gpkg", "cables")
    whole = whole.loc[corridor.near(np.asarray(whole.geometry.values))]
    copy = read_near(files / "copy" / "cables", None, corridor)
    assert 0 < len(near) < N
    ids = list(classify_objects(near, "kabels")["object_id"])
    assert list(classify_objects(whole, "kabels")["object_id"]) == ids
    assert sorted(classify_objects(copy, "kabels")["object_id"]) == sorted(ids)  # the copy: in its own order


@pytest.mark.parametrize("suffix", ["shp", "fgb"])
def test_shapefile_and_flatgeobuf_ids_are_their_fids(tmp_path, suffix):
    rng = np.random.default_rng(5)
    n = 400
    x0, y0 = rng.uniform(80_000, 88_000, n), rng.uniform(449_000, 453_500, n)
    lines = [LineString([(x, y), (x + 300, y + 200)]) for x, y in zip(x0, y0, strict=True)]
    path = tmp_path / f"kabels.{suffix}"
    gpd.GeoDataFrame({"thema": ["gas"] * n}, geometry=lines, crs="EPSG:28992").to_file(
        path, engine="pyogrio", **({"layer_options": {"SPATIAL_INDEX": "YES"}} if suffix == "shp" else {}))
    corridor = Corridor.around(gpd.GeoSeries([ROUTE], crs="EPSG:28992"), 40.0, min_features=0)
    near = read_near(path, None, corridor)
    whole = read_source(path)
    whole = whole.loc[corridor.near(np.asarray(whole.geometry.values))]
    convert.run([str(path)], tmp_path / "copy")
    copy = read_near(tmp_path / "copy" / "kabels", None, corridor)
    expected = [f"kabels:{i}" for i in pyogrio.read_dataframe(path, fid_as_index=True).index
                if i in set(whole.index)]
    assert 0 < len(expected) < n
    for frame in (near, whole):
        assert list(classify_objects(frame, "kabels")["object_id"]) == expected
    assert sorted(classify_objects(copy, "kabels")["object_id"]) == sorted(expected)


@pytest.mark.parametrize("kind", ["gpkg", "copy"])
def test_id_column_names_the_objects(files, kind):
    got = _table(run(load_config(_config(files, kind, id_column="kabel_nr"))).result)
    ref = _table(run(load_config(_config(files, kind))).result)
    assert len(got) == len(ref) > 50
    cables = read_source(files / "cables.gpkg", "cables")
    fids = ref["object_id"].str.removeprefix("kabels:").astype(int)
    assert list(got["object_id"]) == list(cables.loc[fids, "kabel_nr"])


@pytest.mark.parametrize("kind", ["gpkg", "copy"])
@pytest.mark.parametrize("column", ["bestaat_niet", "dubbel_nr"])
def test_a_bad_id_column_is_one_problem(files, kind, column):
    with pytest.raises(WlrGeoInputError) as err:
        run(load_config(_config(files, kind, id_column=column)))
    assert len(err.value.problems) == 1
    problem = err.value.problems[0]
    assert column in problem.message and "[[layers.crossing_layers]] #1" in problem.message
    assert "\n" not in str(problem)


@pytest.mark.parametrize(("column", "says"), [("bestaat_niet", "geen kolom"), ("dubbel_nr", "niet uniek")])
def test_a_bad_id_column_of_a_small_dataset_is_one_problem(files, tmp_path, column, says):
    """A small partitioned dataset is read near the route without validation: the workflow checks the id column."""
    small = read_source(files / "cables.gpkg", "cables").iloc[:2_000].copy()
    # a duplicate the corridor read certainly sees: two features right at the route share a number
    near = np.flatnonzero(shapely.dwithin(small.geometry.values, ROUTE, 20.0))
    assert len(near) >= 2
    small.iloc[near[1], small.columns.get_loc("dubbel_nr")] = small["dubbel_nr"].iloc[near[0]]
    write_partitioned(small, tmp_path / "small", fid_column="fid")
    cfg = tmp_path / "small.toml"
    cfg.write_text(CONFIG.format(route=(files / "route.gpkg").as_posix(), cables=(tmp_path / "small").as_posix(),
                                 layer_line="", engine="embedded", id_line=f'id_column = "{column}"'))
    with pytest.raises(WlrGeoInputError) as err:
        run(load_config(cfg))
    assert len(err.value.problems) == 1
    assert column in err.value.problems[0].message and says in err.value.problems[0].message
