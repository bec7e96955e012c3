from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from wlr_geo.io.parquet import dataset_info, iter_vector_chunks, query_area, write_partitioned


def _cables(n: int, seed: int = 0) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    x = rng.uniform(80_000, 100_000, n)
    y = rng.uniform(450_000, 470_000, n)
    a = rng.uniform(0, 2 * np.pi, n)
    lines = shapely.linestrings(np.stack([np.stack([x, y], 1), np.stack([x + 25 * np.cos(a), y + 25 * np.sin(a)], 1)], 1))
    return gpd.GeoDataFrame({"cable_id": np.arange(n), "thema": rng.choice(["water", "warmte", "laagspanning"], n)},
                            geometry=lines, crs="EPSG:28992")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    gdf = _cables(50_000)
    out = tmp_path_factory.mktemp("ds") / "cables"
    chunks = [gdf.iloc[i : i + 12_000] for i in range(0, len(gdf), 12_000)]
    write_partitioned(chunks, out, tile_m=5_000, row_group_size=2_000)
    return gdf, out


def test_partitioned_dataset_holds_every_row_once(dataset):
    gdf, out = dataset
    info = dataset_info(out)
    assert info.n_rows == len(gdf) and len(info.files) > 1
    import pyarrow.parquet as pq

    schema = pq.read_schema(out / info.files[0]["file"])
    assert "bbox" in schema.names  # GeoParquet 1.1 covering column


@pytest.mark.parametrize("area", [shapely.box(90_000, 455_000, 91_000, 465_000), shapely.Point(85_000, 460_000).buffer(700)])
def test_query_area_equals_brute_force(dataset, area):
    gdf, out = dataset
    expected = set(gdf.loc[shapely.intersects(gdf.geometry.values, area), "cable_id"])
    got = query_area(out, area)
    assert set(got["cable_id"]) == expected and len(got) == len(expected)


def test_duckdb_oracle_agrees(dataset):
    pytest.importorskip("duckdb")
    from wlr_geo.io.duck import connect, count_intersecting, query_area_duckdb

    gdf, out = dataset
    area = shapely.box(82_000, 452_000, 84_000, 468_000)
    expected = int(shapely.intersects(gdf.geometry.values, area).sum())
    assert count_intersecting(out, area) == expected
    assert set(query_area_duckdb(out, area)["cable_id"]) == set(query_area(out, area)["cable_id"])
    # axis order guard (ROBUSTNESS C6): RD origin transforms to lon ~5.39, lat ~52.16
    con = connect()
    lon, lat = con.execute("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_Point(155000, 463000), 'EPSG:28992', 'EPSG:4326') AS p)").fetchone()
    assert lon == pytest.approx(5.387, abs=0.01) and lat == pytest.approx(52.156, abs=0.01)


def test_rewrite_is_atomic_and_replaces(dataset, tmp_path):
    gdf, _ = dataset
    out = tmp_path / "c"
    write_partitioned(gdf.iloc[:100], out)
    write_partitioned(gdf.iloc[:50], out)
    assert dataset_info(out).n_rows == 50
    assert [p.name for p in tmp_path.iterdir()] == ["c"]


def test_chunked_vector_read(tmp_path):
    gdf = _cables(1_000)
    p = tmp_path / "c.gpkg"
    gdf.to_file(p, layer="c")
    chunks = list(iter_vector_chunks(p, "c", chunk_rows=300))
    assert [len(c) for c in chunks] == [300, 300, 300, 100]
    assert sum(c.length.sum() for c in chunks) == pytest.approx(gdf.length.sum())
