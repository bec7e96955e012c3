"""Big layers by area (dataset / GeoParquet / GPKG), [scale] config, impact on datasets."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString

from wlr_geo._errors import ConfigError, LayerReadError
from wlr_geo.analysis.scale.chunks import ScaleOptions, run_route_analysis
from wlr_geo.analysis.scale.distributed import CrossingAnalysis
from wlr_geo.config import parse_section
from wlr_geo.io.area import load_near_route, read_area, read_dask
from wlr_geo.io.parquet import write_partitioned
from wlr_geo.workflows.impact import impact_from_datasets

#: A route that bends back on itself, so buffers of its pieces overlap (dedup needed).
ROUTE = LineString([(90_000, 460_000), (93_000, 460_000), (93_000, 460_300), (90_500, 460_300),
                    (90_500, 461_500)])


def _cables(n: int = 6_000, seed: int = 3) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    x = rng.uniform(89_000, 94_000, n)
    y = rng.uniform(459_000, 462_000, n)
    a = rng.uniform(0, np.pi, n)
    ln = rng.uniform(5, 50, n)
    geoms = shapely.linestrings(np.stack([np.stack([x, y], 1), np.stack([x + ln * np.cos(a), y + ln * np.sin(a)], 1)], 1))
    return gpd.GeoDataFrame({"object_id": np.arange(n, dtype=np.int64),
                             "thema": rng.choice(["water", "laagspanning", "datatransport"], n)},
                            geometry=geoms, crs="EPSG:28992")


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    cables = _cables()
    d = tmp_path_factory.mktemp("scale")
    ds = d / "cables_ds"
    write_partitioned(cables, ds, tile_m=1_000, row_group_size=400)
    pq_bbox = d / "cables_bbox.parquet"
    cables.to_parquet(pq_bbox, write_covering_bbox=True, row_group_size=500)
    pq_plain = d / "cables_plain.parquet"
    cables.to_parquet(pq_plain)
    gpkg = d / "cables.gpkg"
    cables.to_file(gpkg, layer="kabels")
    return cables, {"dataset": str(ds), "parquet": str(pq_bbox), "parquet_nobbox": str(pq_plain),
                    "gpkg": f"{gpkg}:kabels"}


def _ids(gdf: gpd.GeoDataFrame) -> list[int]:
    return sorted(gdf["object_id"].astype(int).tolist())


@pytest.mark.parametrize("kind", ["dataset", "parquet", "parquet_nobbox", "gpkg"])
@pytest.mark.parametrize("engine", ["embedded", "duckdb"])
def test_read_area_equals_brute_force(sources, kind, engine):
    if engine == "duckdb" and kind == "parquet_nobbox":
        pytest.skip("DuckDB reads need the bbox covering column")
    cables, src = sources
    area = shapely.Point(91_000, 460_500).buffer(400)
    expected = sorted(cables.loc[shapely.intersects(cables.geometry.values, area), "object_id"].tolist())
    got = read_area(src[kind], area, engine=engine)
    assert _ids(got) == expected and len(expected) > 50
    assert got.crs.equals("EPSG:28992") and "bbox" not in got.columns
    # geometries come back whole, not clipped
    whole = cables.set_index("object_id").loc[_ids(got)].geometry.length.to_numpy()
    np.testing.assert_allclose(np.sort(got.geometry.length.to_numpy()), np.sort(whole))


def test_read_area_bad_sources(tmp_path):
    with pytest.raises(LayerReadError, match="bestaat niet"):
        read_area(tmp_path / "nope.parquet", (0, 0, 1, 1))
    with pytest.raises(LayerReadError, match="geen gepartitioneerde"):
        read_area(tmp_path, (0, 0, 1, 1))


@pytest.mark.parametrize("kind", ["dataset", "gpkg"])
def test_load_near_route_is_exact_and_each_feature_once(sources, kind):
    cables, src = sources
    got = load_near_route(src[kind], ROUTE, buffer_m=60.0, piece_m=700.0)
    corridor = ROUTE.buffer(60.0)
    expected = sorted(cables.loc[shapely.intersects(cables.geometry.values, corridor), "object_id"].tolist())
    assert _ids(got) == expected  # no duplicates although the route's pieces overlap
    routes = gpd.GeoDataFrame({"variant": ["a", "b"]}, geometry=[ROUTE, LineString([(89_500, 459_500), (89_600, 459_500)])],
                              crs="EPSG:28992")
    both = load_near_route(src[kind], routes, buffer_m=60.0)
    assert set(_ids(both)) >= set(expected) and len(set(_ids(both))) == len(both)


def test_impact_from_datasets_equals_run_impact_on_loaded_layers(sources):
    from wlr_geo.analysis.impact.run import run_impact

    cables, src = sources
    route = gpd.GeoDataFrame({"variant": ["A"]}, geometry=[ROUTE], crs="EPSG:28992")
    got = impact_from_datasets(route, {"kabels": src["dataset"]}, scale=ScaleOptions(buffer_m=100.0))
    expected = run_impact(route, {"kabels": cables})
    assert len(got.crossings) == len(expected.crossings) > 20
    cols = ["chainage_m", "object_id", "subtype", "angle_deg", "technique"]
    pd.testing.assert_frame_equal(pd.DataFrame(got.crossings[cols]), pd.DataFrame(expected.crossings[cols]))


def test_run_route_analysis_engines_agree(sources):
    _, src = sources
    analysis = CrossingAnalysis()
    a = run_route_analysis(ROUTE, src["dataset"], analysis, reader=read_area,
                           scale=ScaleOptions(chunks=4, margin_m=150.0))
    b = run_route_analysis(ROUTE, src["parquet"], analysis, reader=read_area,
                           scale=ScaleOptions(engine="duckdb", chunk_m=1_500.0, margin_m=150.0))
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_dtype=False, check_exact=False, rtol=0, atol=1e-6)
    assert len(a["crossings"]) > 20 and a["segment_counts"]["n_crossing"].sum() > 20


def test_scale_options_from_config():
    assert parse_section("scale", {}) == ScaleOptions()
    opts = parse_section("scale", {"engine": "dask", "scheduler": "", "n_workers": 4, "chunks": 16})
    assert opts.scheduler is None and opts.n_workers == 4 and opts.chunks == 16
    assert parse_section("scale", {"scheduler": "tcp://10.0.0.5:8786"}).scheduler == "tcp://10.0.0.5:8786"
    with pytest.raises(ConfigError, match=r"onbekende sleutel 'engin'.*bedoeld: 'engine'"):
        parse_section("scale", {"engin": "dask"})
    with pytest.raises(ConfigError, match="engine = 'spark' is niet toegestaan"):
        parse_section("scale", {"engine": "spark"})
    with pytest.raises(ConfigError, match="n_workers"):
        parse_section("scale", {"n_workers": 0})
    with pytest.raises(ConfigError, match="margin_m = nan is geen eindig getal"):
        parse_section("scale", {"margin_m": float("nan")})


def test_scale_section_of_a_project_config():
    from wlr_geo.config import config_from_dict

    cfg = config_from_dict({"layers": {"municipalities": {"catalog": "municipalities"}},
                            "scale": {"engine": "duckdb", "chunks": 8}})
    opts = cfg.options.scale
    assert opts.engine == "duckdb" and opts.chunks == 8


@pytest.mark.filterwarnings("ignore:The inplace keyword")  # raised inside dask's parquet reader
def test_read_dask_partitions_follow_the_dataset(sources):
    pytest.importorskip("dask_geopandas")
    from wlr_geo.io.parquet import dataset_info

    cables, src = sources
    ddf = read_dask(src["dataset"])
    assert ddf.npartitions == len(dataset_info(src["dataset"]).files) > 4
    assert list(ddf.columns) == ["object_id", "thema", "geometry"]
    part = ddf.cx[90_000:91_000, 460_000:461_000].compute()
    box = shapely.box(90_000, 460_000, 91_000, 461_000)
    expected = sorted(cables.loc[shapely.intersects(cables.geometry.values, box), "object_id"].tolist())
    assert _ids(part) == expected
    assert int(ddf.map_partitions(len).compute().sum()) == len(cables)


def test_write_partitioned_bounds_buffered_rows(tmp_path):
    from wlr_geo.io.parquet import dataset_info, query_area

    cables = _cables(3_000, seed=11)
    chunks = [cables.iloc[i:i + 250] for i in range(0, len(cables), 250)]
    bounded = dataset_info(write_partitioned(chunks, tmp_path / "b", tile_m=2_500, max_buffered_rows=600).path)
    free = dataset_info(write_partitioned(chunks, tmp_path / "f", tile_m=2_500).path)
    assert bounded.n_rows == free.n_rows == len(cables)
    assert len(bounded.files) > len(free.files)  # tiles flushed in several files, none over the bound
    assert max(f["rows"] for f in bounded.files) <= 600 + 250
    area = shapely.box(90_000, 459_500, 92_600, 461_000)
    assert _ids(query_area(bounded.path, area)) == _ids(query_area(free.path, area))
