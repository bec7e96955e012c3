"""QGIS layer styles (QML) made from the one style source.

Every GeoPackage layer wlr_geo writes carries a default style in its file's ``layer_styles``
table, so QGIS opens it styled as on the web maps and in the figures. The style is the layer's
:func:`~wlr_geo.present.styles.output_renderer` written as QML, with the Dutch labels of the
outputs registry (:mod:`wlr_geo.outputs`) as field aliases. The mapping follows the module
docstring of :mod:`wlr_geo.present.styles`:

* ``single`` → ``<renderer-v2 type="singleSymbol">``;
* ``categorized`` → ``categorizedSymbol`` with one ``<category>`` per class, in legend order,
  and for the renderer's ``other`` class a category with an empty value (QGIS uses it for every
  value without a category of its own, and for NULL);
* ``graduated`` → ``graduatedSymbol`` with one ``<range>`` per class. QGIS takes the first range
  with ``lower <= value <= upper``; wlr_geo's classes are ``lower <= value < upper`` (the
  highest one holding its upper bound), so every upper bound but the highest is written as the
  largest double below it. QGIS draws no symbol for NULL in a graduated renderer, so the
  ``other`` class (missing values) has no QML counterpart.

Symbols: points are a ``SimpleMarker`` (circle, square, triangle, diamond; fill, outline, size
in mm), lines a ``SimpleLine`` (colour with the stroke opacity, width in mm, the dash pattern
as a custom dash in mm, round caps and joins as on the web maps), polygons a ``SimpleFill``
without outline plus a ``SimpleLine`` outline, so a dashed outline keeps its exact pattern.
Sizes come from :meth:`~wlr_geo.present.styles.Style.qgis` (CSS pixels at 96 dpi → mm).

Examples
--------
>>> from wlr_geo.present.styles import output_renderer
>>> text = renderer_qml(output_renderer("impact", "crossings", values=["road"]), aliases={"variant": "Variant"})
>>> 'type="categorizedSymbol"' in text and 'attr="object_class"' in text
True
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree as ET

from wlr_geo.outputs import Layer, OutputFile
from wlr_geo.present.labels import column_header
from wlr_geo.present.styles import (
    Geometry,
    Renderer,
    Style,
    StyleClass,
    make_renderer,
    output_renderer,
    symbol,
)

__all__ = [
    "QGIS_STYLE_VERSION",
    "LayerStyle",
    "aliases_qml",
    "dataset_of",
    "field_aliases",
    "layer_style",
    "renderer_field",
    "renderer_qml",
    "style_geometry",
]

#: The QGIS version whose QML these styles are written for (the LTR in Debian).
QGIS_STYLE_VERSION = "3.22.0"

_GEOMETRY_CODE = {"point": "0", "line": "1", "polygon": "2"}
_SYMBOL_TYPE = {"point": "marker", "line": "line", "polygon": "fill"}
_BIG = 1.7976931348623157e308  # a range bound QGIS reads back exactly ("inf" is not portable)

#: Neutral looks for layers the style source has no entry for (input layers of other roles).
_FALLBACK: dict[Geometry, Style] = {
    "point": Style(color="#333333", weight=1.0, radius=4.0, fill_color="#737373", fill_opacity=0.8),
    "line": Style(color="#555555", weight=2.0, opacity=0.9),
    "polygon": Style(color="#555555", weight=1.0, fill_color="#969696", fill_opacity=0.25),
}


@dataclass(frozen=True)
class LayerStyle:
    """A layer's default QGIS style: its renderer and the QML text."""

    renderer: Renderer
    qml: str


def dataset_of(file_name: str) -> str:
    """The style-source dataset of an output file: its stem (``impact``, ``klic``, ...),
    ``bgt`` for every BGT GeoPackage (``bgt.gpkg``, ``bgt_otterlo.gpkg``)."""
    stem = re.split(r"[\\/]", str(file_name))[-1].rsplit(".", 1)[0]
    return "bgt" if stem == "bgt" or stem.startswith("bgt_") else stem


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def field_aliases(layer: Layer | None, columns: Iterable[str]) -> dict[str, str]:
    """Column → Dutch alias (:func:`wlr_geo.present.labels.column_header`) for the columns the
    registry describes; other columns (kept from an input) get none."""
    if layer is None:
        return {}
    return {name: column_header(layer, name) for name in columns if layer.column(name) is not None}


def _base_layer_name(dataset: str, name: str) -> tuple[str, Geometry | None]:
    """``affected_objects_lines`` → (``affected_objects``, ``line``); others unchanged.

    A layer the style source knows by its own name (``klic_lines``, ``klic_points``) is never
    taken for the part of another.
    """
    from wlr_geo.present.styles import OUTPUT_LAYERS

    if (dataset, name) in OUTPUT_LAYERS:
        return name, None
    for suffix, geom in (("_lines", "line"), ("_points", "point"), ("_polygons", "polygon")):
        if name.endswith(suffix):
            return name[: -len(suffix)], geom  # type: ignore[return-value]
    return name, None


def layer_style(
    file_name: str,
    layer_name: str,
    *,
    entry: OutputFile | None = None,
    geometry: Geometry,
    columns: Sequence[str] = (),
    values: Iterable[Any] | None = None,
    variants: Sequence[Any] | None = None,
) -> LayerStyle:
    """The default style of one output layer: the style source's renderer, as QML with aliases.

    Parameters
    ----------
    file_name
        The output file (``impact.gpkg``, ``ondergrond/klic.gpkg``, ``bgt_otterlo.gpkg``).
    layer_name
        The layer; ``<name>_lines``/``_points``/``_polygons`` (the parts of a layer that mixed
        geometry families) are styled as ``<name>``.
    entry
        The file's registry entry (for titles and aliases); looked up from ``file_name`` when
        None.
    geometry
        The geometry family the layer was written with (it decides the symbol type).
    columns
        The layer's columns in file order (without geometry), for the aliases.
    values
        The values of the renderer's field in the layer (open vocabularies such as variants).
    variants
        All route variants of the run in order (variant colours stay the same on every map).
    """
    from wlr_geo.outputs import output

    entry = entry or output(file_name)
    dataset = dataset_of(file_name)
    base, _ = _base_layer_name(dataset, layer_name)
    try:
        reg: Layer | None = entry.layer(layer_name)
    except KeyError:
        reg = None
    try:
        renderer = output_renderer(dataset, base, values=values, variants=variants, geometry=geometry)
    except KeyError:
        renderer = _fallback_renderer(reg, layer_name, geometry)
    return LayerStyle(renderer, renderer_qml(renderer, aliases=field_aliases(reg, columns), columns=columns,
                                             visible_below=VISIBLE_BELOW_SCALE.get(base)))


#: Layers drawn only when zoomed in further than 1:N (QGIS scale-dependent visibility): the
#: chainage markers (one every 100 m) would merge into a smear along the route at the scale of a
#: whole municipality.
VISIBLE_BELOW_SCALE: dict[str, float] = {"markers": 25_000.0}


def renderer_field(file_name: str, layer_name: str) -> str | None:
    """The attribute the layer's renderer classifies (None for a single symbol or no entry)."""
    from wlr_geo.present.styles import OUTPUT_LAYERS

    dataset = dataset_of(file_name)
    base, _ = _base_layer_name(dataset, layer_name)
    spec = OUTPUT_LAYERS.get((dataset, "*") if dataset == "bgt" else (dataset, base))
    return spec.field if spec is not None else None


def style_geometry(file_name: str, layer_name: str) -> Geometry | None:
    """The geometry family the style source gives an output layer (None: no entry)."""
    from wlr_geo.present.styles import OUTPUT_LAYERS

    dataset = dataset_of(file_name)
    base, part = _base_layer_name(dataset, layer_name)
    spec = OUTPUT_LAYERS.get((dataset, "*") if dataset == "bgt" else (dataset, base))
    return part or (spec.geometry if spec is not None else None)


def aliases_qml(layer: Layer | None, columns: Sequence[str]) -> str:
    """A style of Dutch field aliases only (for attribute tables, which have no renderer)."""
    root = ET.Element("qgis", version=QGIS_STYLE_VERSION, styleCategories="Fields")
    _aliases(root, field_aliases(layer, columns), columns)
    ET.indent(root, space=" ")
    return ET.tostring(root, encoding="unicode") + "\n"


def _aliases(root: ET.Element, aliases: Mapping[str, str], columns: Sequence[str]) -> None:
    if not aliases:
        return
    el = ET.SubElement(root, "aliases")
    order = list(columns) or list(aliases)
    for name in order:
        if name in aliases:
            ET.SubElement(el, "alias", field=name, index=str(order.index(name) + 1), name=aliases[name])


def _fallback_renderer(reg: Layer | None, name: str, geometry: Geometry) -> Renderer:
    title = _cap(reg.title.replace("{role}", name)) if reg is not None else name
    style = _FALLBACK[geometry]
    for candidate in (name, name.rstrip("s")):
        try:
            style = symbol(candidate)
            break
        except KeyError:
            continue
    return make_renderer(title, geometry, style)


# ------------------------------------------------------------------------------------ QML
def _opt(parent: ET.Element, name: str, value: Any) -> None:
    ET.SubElement(parent, "Option", name=name, type="QString", value=str(value))


def _options(layer_el: ET.Element, values: Mapping[str, Any]) -> None:
    opts = ET.SubElement(layer_el, "Option", type="Map")
    for key in sorted(values):
        _opt(opts, key, values[key])


def _line_options(q: Mapping[str, Any]) -> dict[str, Any]:
    dash = q["customdash_mm"]
    return {
        "line_color": q["line_color"], "line_width": q["line_width_mm"], "line_width_unit": "MM",
        "line_style": "solid", "capstyle": "round", "joinstyle": "round",
        "use_custom_dash": "1" if dash else "0", "customdash": dash or "5;2", "customdash_unit": "MM",
        "offset": "0", "offset_unit": "MM",
    }


def _symbol(parent: ET.Element, name: str, style: Style, geometry: Geometry) -> None:
    q = style.qgis()
    sym = ET.SubElement(parent, "symbol", name=name, type=_SYMBOL_TYPE[geometry], alpha="1",
                        clip_to_extent="1", force_rhr="0")
    if geometry == "point":
        lay = ET.SubElement(sym, "layer", {"class": "SimpleMarker", "enabled": "1", "locked": "0", "pass": "0"})
        fill = q["fill_color"] if q["fill"] else q["fill_color"].rsplit(",", 1)[0] + ",0"
        _options(lay, {
            "name": q["marker"], "color": fill, "outline_color": q["line_color"], "outline_style": "solid",
            "outline_width": q["outline_width_mm"], "outline_width_unit": "MM", "size": q["size_mm"],
            "size_unit": "MM", "angle": "0", "scale_method": "diameter", "joinstyle": "round",
            "horizontal_anchor_point": "1", "vertical_anchor_point": "1", "offset": "0,0", "offset_unit": "MM",
        })
    elif geometry == "line":
        lay = ET.SubElement(sym, "layer", {"class": "SimpleLine", "enabled": "1", "locked": "0", "pass": "0"})
        _options(lay, _line_options(q))
    else:
        fill = ET.SubElement(sym, "layer", {"class": "SimpleFill", "enabled": "1", "locked": "0", "pass": "0"})
        _options(fill, {
            "color": q["fill_color"], "style": "solid" if q["fill"] else "no", "outline_style": "no",
            "outline_color": q["outline_color"], "outline_width": "0", "outline_width_unit": "MM",
            "joinstyle": "round", "offset": "0,0", "offset_unit": "MM",
        })
        outline = ET.SubElement(sym, "layer", {"class": "SimpleLine", "enabled": "1", "locked": "0", "pass": "0"})
        _options(outline, _line_options(q))


def _below(upper: float) -> float:
    return math.nextafter(upper, -math.inf)


def _bound(value: float | None, default: float) -> str:
    return repr(float(default if value is None else value))


def renderer_qml(renderer: Renderer, *, aliases: Mapping[str, str] | None = None,
                 columns: Sequence[str] = (), visible_below: float | None = None) -> str:
    """A :class:`~wlr_geo.present.styles.Renderer` as a QGIS style document (QML).

    ``aliases`` (column → Dutch alias) become the layer's field aliases; ``columns`` is the
    layer's column order (QGIS numbers the aliases after its own ``fid`` column);
    ``visible_below`` (a scale denominator) makes the layer draw only when zoomed in further
    than 1:``visible_below``.
    """
    if visible_below is None:
        root = ET.Element("qgis", version=QGIS_STYLE_VERSION, styleCategories="Symbology|Fields")
    else:  # QGIS: minScale is the most zoomed-out scale at which the layer shows
        root = ET.Element("qgis", version=QGIS_STYLE_VERSION, styleCategories="Symbology|Fields|Rendering",
                          hasScaleBasedVisibilityFlag="1", minScale=repr(float(visible_below)), maxScale="0")
    kind = {"single": "singleSymbol", "categorized": "categorizedSymbol", "graduated": "graduatedSymbol"}
    attrs = {"type": kind[renderer.kind], "symbollevels": "0", "forceraster": "0", "enableorderby": "0",
             "referencescale": "-1"}
    if renderer.field is not None and renderer.kind != "single":
        attrs["attr"] = renderer.field
    if renderer.kind == "graduated":
        attrs["graduatedMethod"] = "GraduatedColor"
    rend = ET.SubElement(root, "renderer-v2", attrs)
    geom = renderer.geometry
    if renderer.kind == "single":
        symbols = ET.SubElement(rend, "symbols")
        _symbol(symbols, "0", renderer.classes[0].style, geom)
    elif renderer.kind == "categorized":
        cats = ET.SubElement(rend, "categories")
        classes: list[StyleClass] = list(renderer.classes)
        for i, c in enumerate(classes):
            ET.SubElement(cats, "category", symbol=str(i), value=str(c.value), label=c.label, render="true")
        if renderer.other is not None:
            ET.SubElement(cats, "category", symbol=str(len(classes)), value="", label=renderer.other.label,
                          render="true")
            classes.append(renderer.other)
        symbols = ET.SubElement(rend, "symbols")
        for i, c in enumerate(classes):
            _symbol(symbols, str(i), c.style, geom)
    else:
        ranges = ET.SubElement(rend, "ranges")
        top = max((_BIG if c.upper is None else c.upper) for c in renderer.classes)
        for i, c in enumerate(renderer.classes):
            upper = _BIG if c.upper is None else c.upper
            ET.SubElement(ranges, "range", symbol=str(i), lower=_bound(c.lower, -_BIG),
                          upper=repr(upper if upper == top else _below(upper)), label=c.label, render="true")
        symbols = ET.SubElement(rend, "symbols")
        for i, c in enumerate(renderer.classes):
            _symbol(symbols, str(i), c.style, geom)
        method = ET.SubElement(rend, "classificationMethod", id="Custom")
        ET.SubElement(method, "symmetricMode", enabled="0", symmetrypoint="0", astride="0")
        ET.SubElement(method, "labelFormat", format="%1 - %2", trimtrailingzeroes="1", labelprecision="2")
    if renderer.kind != "single":
        source = ET.SubElement(rend, "source-symbol")
        _symbol(source, "0", renderer.all_classes[0].style, geom)
    ET.SubElement(rend, "rotation")
    ET.SubElement(rend, "sizescale")
    _aliases(root, aliases or {}, columns)
    ET.SubElement(root, "layerGeometryType").text = _GEOMETRY_CODE[geom]
    ET.indent(root, space=" ")
    return ET.tostring(root, encoding="unicode") + "\n"
