"""Base maps of the consultation maps: PDOK BRT-Achtergrondkaart, PDOK Luchtfoto, OpenStreetMap.

Tile URL templates (XYZ, Web Mercator EPSG:3857 tile matrix set, RESTful WMTS):

* BRT-Achtergrondkaart (Kadaster via PDOK), layers ``standaard`` and ``grijs``:
  ``https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/{layer}/EPSG:3857/{z}/{x}/{y}.png``
  (PDOK BRT-A WMTS v2_0; capabilities at ``.../wmts/v2_0?request=GetCapabilities&service=WMTS``).
* Luchtfoto RGB (Beeldmateriaal Nederland via PDOK), layer ``Actueel_orthoHR`` (current
  high-resolution orthophoto): ``https://service.pdok.nl/hwh/luchtfotorgb/wmts/v1_0/Actueel_orthoHR/EPSG:3857/{z}/{x}/{y}.jpeg``.
* OpenStreetMap standard tiles: ``https://tile.openstreetmap.org/{z}/{x}/{y}.png`` (tile usage
  policy: light use, attribution with a link to the copyright page).

These hosts are the only ones a wlr_geo map ever contacts, and only to draw the background;
every data layer, script and style sheet is inside the HTML file.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BASEMAP_SPECS", "TILE_HOSTS", "BasemapSpec"]


@dataclass(frozen=True)
class BasemapSpec:
    """One base map: Dutch name for the layer control, tile URL template and attribution (HTML)."""

    key: str
    name: str
    url: str
    attribution: str
    max_native_zoom: int = 19


_PDOK_ATTR = "Kaartgegevens © Kadaster"

BASEMAP_SPECS: dict[str, BasemapSpec] = {
    "brt_standaard": BasemapSpec(
        "brt_standaard", "BRT-Achtergrondkaart (standaard)",
        "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/{z}/{x}/{y}.png",
        _PDOK_ATTR,
    ),
    "brt_grijs": BasemapSpec(
        "brt_grijs", "BRT-Achtergrondkaart (grijs)",
        "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/grijs/EPSG:3857/{z}/{x}/{y}.png",
        _PDOK_ATTR,
    ),
    "luchtfoto": BasemapSpec(
        "luchtfoto", "Luchtfoto (PDOK)",
        "https://service.pdok.nl/hwh/luchtfotorgb/wmts/v1_0/Actueel_orthoHR/EPSG:3857/{z}/{x}/{y}.jpeg",
        _PDOK_ATTR,
    ),
    "osm": BasemapSpec(
        "osm", "OpenStreetMap",
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap-bijdragers</a>',
    ),
}

#: Hosts the page may contact (tiles only).
TILE_HOSTS: tuple[str, ...] = ("service.pdok.nl", "tile.openstreetmap.org")
