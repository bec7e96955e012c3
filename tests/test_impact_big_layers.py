"""The impact run accepts big layers (partitioned GeoParquet) directly and reads only the
corridor; the result equals the run on the same layer read whole."""

from __future__ import annotations

import pandas as pd
import pytest

from wlr_geo.catalog import embedded_path
from wlr_geo.config import load_config
from wlr_geo.io.parquet import write_partitioned
from wlr_geo.io.vector import read_layer
from wlr_geo.workflows.impact import run_impact_config

CONFIG = """
[layers.route]
file = "{route}"
layer = "route"
[layers.municipalities]
catalog = "municipalities"
[[layers.crossing_layers]]
file = "{links}"
{layer_line}
name = "hoogspanning"
category = "cable_pipe"
[route]
variant_column = "variant"
[scale]
engine = "{engine}"
"""


@pytest.mark.parametrize("engine", ["embedded", "duckdb"])
def test_partitioned_layer_gives_the_same_crossings(tmp_path, engine):
    links = read_layer(embedded_path("energy_osm.gpkg"), "osm2017_power_links_abstract")
    write_partitioned(links, tmp_path / "links_ds", tile_m=2_000)
    results = []
    for path, layer_line in ((embedded_path("energy_osm.gpkg"), 'layer = "osm2017_power_links_abstract"'),
                             (tmp_path / "links_ds", "")):
        cfg_path = tmp_path / f"c_{len(results)}.toml"
        cfg_path.write_text(CONFIG.format(route=embedded_path("scenario.gpkg").as_posix(), links=path.as_posix(),
                                          layer_line=layer_line, engine=engine))
        results.append(run_impact_config(load_config(cfg_path)))
    whole, near = results
    assert len(whole.crossings) > 0
    cols = ["variant", "chainage_m", "object_class", "subtype", "angle_deg", "gemeente", "technique"]
    pd.testing.assert_frame_equal(whole.crossings[cols].reset_index(drop=True), near.crossings[cols].reset_index(drop=True))
    pd.testing.assert_frame_equal(whole.per_gemeente.reset_index(drop=True), near.per_gemeente.reset_index(drop=True))
