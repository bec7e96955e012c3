"""folium/branca elements that put wlr_geo data layers and controls into a folium map.

Each element uses the vendored assets (``wlr-asset:`` URLs, inlined by
:func:`wlr_geo.present.webmap.assets.inline_assets`) instead of folium's CDN links.
"""

from __future__ import annotations

from typing import Any

from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.plugins import MeasureControl
from folium.template import Template

from wlr_geo.present.webmap.assets import asset_url
from wlr_geo.present.webmap.encode import json_for_script

__all__ = ["ControlsElement", "DataLayerElement", "LocalMeasureControl", "use_local_assets"]


def use_local_assets(element: Any, js: list[tuple[str, str]], css: list[tuple[str, str]]) -> None:
    """Point a folium element's JS/CSS at vendored assets (``(name, asset key)`` pairs)."""
    element.default_js = [(name, asset_url(key)) for name, key in js]
    element.default_css = [(name, asset_url(key)) for name, key in css]


class DataLayerElement(MacroElement):
    """One encoded data layer: its JSON in the page body and a ``WLR.addLayer`` call."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}<script type="application/json" id="{{ this.data_id }}">{{ this.payload }}</script>{% endmacro %}
        {% macro script(this, kwargs) %}
            WLR.addLayer({{ this.map_name }}, {{ this.group_name }}, {{ this.spec }});
        {% endmacro %}
        """
    )

    def __init__(self, *, data_id: str, payload: dict[str, Any], spec: dict[str, Any], map_name: str, group_name: str) -> None:
        super().__init__()
        self._name = "WlrDataLayer"
        self.data_id = data_id
        self.payload = json_for_script(payload)
        self.spec = json_for_script(spec)
        self.map_name = map_name
        self.group_name = group_name
        self.payload_bytes = len(self.payload.encode("utf-8"))


class ControlsElement(JSCSSMixin, MacroElement):
    """Title, legend, banner, tile notice and search box, plus the wlr_geo runtime."""

    _template = Template(
        """
        {% macro html(this, kwargs) %}{{ this.body }}{% endmacro %}
        {% macro script(this, kwargs) %}
            L.control.scale({imperial: false, position: "bottomright"}).addTo({{ this.map_name }});
            WLR.setup({{ this.map_name }}, {{ this.config }});
        {% endmacro %}
        """
    )

    default_js = [("wlr_map_js", asset_url("wlr_js"))]  # noqa: RUF012 (folium declares it an instance list)
    default_css = [("wlr_map_css", asset_url("wlr_css"))]  # noqa: RUF012 (folium declares it an instance list)

    def __init__(self, *, body: str, config: dict[str, Any], map_name: str) -> None:
        super().__init__()
        self._name = "WlrControls"
        self.body = body
        self.config = json_for_script(config)
        self.map_name = map_name


class LocalMeasureControl(MeasureControl):
    """folium's MeasureControl on the vendored leaflet-measure 3.1.0 (Dutch build).

    Keeps folium's fix for Leaflet ≥ 1.8 (leaflet-measure issue 171: the capture marker must
    not auto-pan), without its comment link.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = new L.Control.Measure(
                {{ this.options|tojavascript }});
            {{ this._parent.get_name() }}.addControl({{ this.get_name() }});
            L.Control.Measure.include({
                _setCaptureMarkerIcon: function () {
                    this._captureMarker.options.autoPanOnFocus = false;
                    this._captureMarker.setIcon(
                        L.divIcon({iconSize: this._map.getSize().multiplyBy(2)})
                    );
                },
            });
        {% endmacro %}
        """
    )

    default_js = [("leaflet_measure_js", asset_url("measure_js"))]  # noqa: RUF012 (folium declares it an instance list)
    default_css = [("leaflet_measure_css", asset_url("measure_css"))]  # noqa: RUF012 (folium declares it an instance list)
