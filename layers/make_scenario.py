"""Make the INDICATIVE WarmtelinQ+ demo scenario: layers/scenario.gpkg.

The official PIP route of WarmtelinQ+ is not available offline, so the demo uses a scenario
made here, from the embedded real layers, by rules anyone can rerun:

* ``start``: an indicative point for the Rijswijk end of WarmtelinQ (in Rijswijk, near the A4 /
  150 kV Ypenburg station). Not the real end point.
* ``route``: two or three route variants from the start to an indicative entry point of the
  Leidse regio (Zoeterwoude, A4 corridor), derived by least-cost routing
  (:func:`wlr_geo.analysis.routing.lcp.route_variants`) on a cost raster built from the embedded layers:
  population density (denser is dearer; outside the 10 municipalities as dear as the densest
  city, to keep the variants in the study area), the Coepelduynen nature polygons, and the schematic
  150/380 kV links (bundling along them is cheaper, crossing them costs extra).
* ``landing_candidates``: four indicative search locations (zoeklocaties) for a heat transfer
  station in four municipalities of the region.
* ``claims``: indicative space claims (transfer station, booster, buffer, work sites,
  distribution main) with invented but plausible phasing, to demonstrate claims programming.
* ``ondergrond_testtrace`` / ``bgt_testtrace``: short indicative test routes through the areas of
  the Kadaster KLIC sample delivery 22C001966 and the BGT Otterlo extract, so the below- and
  above-ground analyses can be shown on real data (those areas are NOT in the Leidse regio).

Every feature carries ``status = "indicatief"`` (claims: ``bron`` says indicative and
``indicatief = True``) and a ``bron`` that says how it was made. Run::

    python layers/make_scenario.py            # rewrites layers/scenario.gpkg
"""

from __future__ import annotations

import argparse
from pathlib import Path

import geopandas as gpd
import numpy as np
from shapely.geometry import LineString, Point

from wlr_geo import read_layer, write_layers
from wlr_geo.analysis.routing.cost import RasterLayer, read_raster_layer
from wlr_geo.analysis.routing.lcp import route_variants

HERE = Path(__file__).resolve().parent
CRS = "EPSG:28992"
SCRIPT = "layers/make_scenario.py"

START_XY = (83_600.0, 451_200.0)  # Rijswijk, near A4 / 150 kV Ypenburg — indicative
END_XY = (93_500.0, 460_300.0)  # entry of the Leidse regio, A4 corridor — indicative

LANDING = [
    ("L1", "Leiden – Langegracht, bij de bestaande centrale", 93_850.0, 464_250.0),
    ("L2", "Zoeterwoude – A4-zone bij Rijndijk", 94_300.0, 459_900.0),
    ("L3", "Leiderdorp – A4 bij de Bospoort", 96_700.0, 462_400.0),
    ("L4", "Voorschoten – Papenwegse polder", 90_600.0, 459_900.0),
]

# (claim_id, facility_type, initiatiefnemer, year_from, year_to, planstatus, x, y)
CLAIMS = [
    ("C01", "warmteoverdrachtstation", "WarmtelinQ+ (indicatief)", 2028, 2031, "wens", 94_300.0, 459_900.0),
    ("C02", "buffer/opslag", "warmtebedrijf Leidse regio (indicatief)", 2029, 2032, "wens", 94_340.0, 459_920.0),
    ("C03", "boosterstation", "WarmtelinQ+ (indicatief)", 2027, 2030, "wens", 88_800.0, 455_600.0),
    ("C04", "werkterrein", "WarmtelinQ+ (indicatief)", 2027, 2029, "wens", 86_200.0, 453_300.0),
    ("C05", "energy hub", "gemeente Leiden (indicatief)", 2030, 2035, "wens", 93_900.0, 464_330.0),
    ("C06", "warmteoverdrachtstation", "WarmtelinQ+ (indicatief)", 2031, 2034, "wens", 96_700.0, 462_400.0),
]

BRON_ROUTE = (
    "INDICATIEF — geen officieel PIP-tracé. Afgeleid met least-cost routing (wlr_geo.analysis.routing.lcp) op een "
    f"kostenraster uit de ingebedde lagen; script {SCRIPT}"
)


def _layers() -> dict[str, gpd.GeoDataFrame]:
    return {
        "municipalities": read_layer(HERE / "boundaries.gpkg", "municipalities"),
        "power_links": read_layer(HERE / "energy_osm.gpkg", "osm2017_power_links_abstract"),
        "nature": read_layer(HERE / "topography.gpkg", "coepelduynen_landcover_annotations_2023"),
    }


#: Density (inhabitants/km²) given to cells outside the 10 municipalities of the embedded data,
#: so that the variants stay inside the study area: as dear as the densest part of Den Haag.
OUTSIDE_STUDY_AREA_DENSITY = 8_000.0


def _density_cost_layer() -> RasterLayer:
    """The population-density raster with its nodata (outside the 10 municipalities) made dear."""
    layer = read_raster_layer(HERE / "rasters" / "inwonersdichtheid_gemeente_2021_100m.tif")
    arr = np.asarray(layer.array, dtype="float64").copy()
    if layer.nodata is not None:
        arr[arr == layer.nodata] = np.nan
    arr[~np.isfinite(arr)] = OUTSIDE_STUDY_AREA_DENSITY
    return RasterLayer(arr, layer.transform, layer.crs, nodata=None)


def make_routes(k: int = 3, cell_m: float = 25.0) -> gpd.GeoDataFrame:
    layers = _layers()
    routes = route_variants(
        {
            "power_links": layers["power_links"].assign(category="cable_pipe"),
            "nature": layers["nature"].assign(category="nature"),
        },
        START_XY,
        END_XY,
        k=k,
        cell_m=cell_m,
        raster_costs=[(_density_cost_layer(), 1.0 / 2000.0)],
    )
    names = "ABC"
    out = gpd.GeoDataFrame(
        {
            "variant": [f"Variant {names[i]}" for i in range(len(routes))],
            "rank": routes["rank"].to_numpy(),
            "cost": routes["cost"].to_numpy(),
            "length_m": routes.geometry.length.round(1).to_numpy(),
            "status": "indicatief",
            "bron": BRON_ROUTE,
        },
        geometry=routes.geometry.to_numpy(),
        crs=CRS,
    )
    return out


def make_points() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    start = gpd.GeoDataFrame(
        {
            "naam": ["Eindpunt WarmtelinQ bij Rijswijk (indicatief)", "Entree Leidse regio (indicatief)"],
            "rol": ["start", "eind"],
            "status": "indicatief",
            "bron": f"INDICATIEF — punt gekozen voor het demoscenario, geen werkelijke locatie; {SCRIPT}",
        },
        geometry=[Point(START_XY), Point(END_XY)],
        crs=CRS,
    )
    landing = gpd.GeoDataFrame(
        {
            "site_id": [s[0] for s in LANDING],
            "naam": [s[1] for s in LANDING],
            "status": "indicatief",
            "bron": f"INDICATIEF — zoeklocatie gekozen voor het demoscenario, geen voorkeurslocatie; {SCRIPT}",
        },
        geometry=[Point(s[2], s[3]) for s in LANDING],
        crs=CRS,
    )
    return start, landing


def make_claims() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "claim_id": [c[0] for c in CLAIMS],
            "facility_type": [c[1] for c in CLAIMS],
            "initiatiefnemer": [c[2] for c in CLAIMS],
            "year_from": [c[3] for c in CLAIMS],
            "year_to": [c[4] for c in CLAIMS],
            "status": [c[5] for c in CLAIMS],
            "indicatief": True,
            "bron": f"INDICATIEF — ruimteclaim bedacht voor het demoscenario (locatie, omvang en jaren); {SCRIPT}",
        },
        geometry=[Point(c[6], c[7]) for c in CLAIMS],
        crs=CRS,
    )


def make_test_routes() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    klic = gpd.GeoDataFrame(
        {
            "variant": ["Testtracé KLIC-voorbeeld"],
            "status": "indicatief",
            "bron": (
                "INDICATIEF — rechte testlijn door het gebied van KLIC-voorbeeldlevering 22C001966 "
                f"(niet in de Leidse regio) om de ondergrondanalyse op echte data te tonen; {SCRIPT}"
            ),
        },
        geometry=[LineString([(127_360.0, 480_760.0), (127_560.0, 480_930.0), (127_770.0, 481_120.0)])],
        crs=CRS,
    )
    bgt = gpd.GeoDataFrame(
        {
            "variant": ["Testtracé BGT Otterlo"],
            "status": "indicatief",
            "bron": (
                "INDICATIEF — testlijn door de BGT-uitsnede van Otterlo (gemeente Ede, niet in de "
                f"Leidse regio) om de bovengrondanalyse op echte BGT te tonen; {SCRIPT}"
            ),
        },
        geometry=[LineString(BGT_TEST_LINE)],
        crs=CRS,
    )
    return klic, bgt


#: Through the centre of the Otterlo BGT extract (set from the extract's extent).
BGT_TEST_LINE = [(180_300.0, 456_300.0), (181_000.0, 457_000.0), (181_700.0, 457_700.0)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "scenario.gpkg")
    parser.add_argument("-k", type=int, default=3, help="number of route variants")
    parser.add_argument("--cell-m", type=float, default=25.0, help="cost raster cell size (m)")
    args = parser.parse_args(argv)
    start, landing = make_points()
    klic_route, bgt_route = make_test_routes()
    layers = {
        "route": make_routes(k=args.k, cell_m=args.cell_m),
        "start_end": start,
        "landing_candidates": landing,
        "claims": make_claims(),
        "ondergrond_testtrace": klic_route,
        "bgt_testtrace": bgt_route,
    }
    write_layers(layers, args.out)
    for name, gdf in layers.items():
        print(f"{name}: {len(gdf)} features")
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
