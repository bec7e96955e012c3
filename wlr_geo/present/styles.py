"""The one style source: colour, fill, dash, line width, marker, Dutch label and legend order.

Every output that draws wlr_geo layers takes its styles from here: the web maps (through the
map definitions in ``maps/*.toml``, which name a :data:`SYMBOLS` entry with ``symbol = "…"`` and a
:data:`PALETTES` entry with ``palette = "…"``), the PNG figures (:mod:`wlr_geo.present.figures`)
and the QGIS layer styles (made from :func:`output_renderer`). So a category has the same colour
and Dutch label on every map, figure and in QGIS.

Building blocks
---------------
:class:`Style`
    One symbol: stroke ``color``/``weight`` (px at 96 dpi)/``opacity``/``dash_array``, fill
    ``fill_color``/``fill_opacity`` (0 = no fill), point ``radius`` (px) and ``marker`` shape.
    The field names are those of the map-definition TOML (and Leaflet); :meth:`Style.qgis`
    gives the same symbol in QGIS units (mm, ``r,g,b,a``) and :meth:`Style.mpl_line` /
    :meth:`Style.mpl_patch` / :meth:`Style.mpl_marker` in matplotlib's (points).
:class:`Palette`
    The classes of one vocabulary, in legend order: value (or value range) → Dutch label,
    colour, dash, marker. Palettes: ``variant`` (route variants; open: variants get the entries
    in their order, :func:`variant_entries`), ``imkl_thema`` (KLIC themes, WION colours),
    ``impact_category`` (:mod:`wlr_geo.categories`), ``crossing_class`` (the crossing register's
    ``object_class``), ``technique``, ``claim_type``, ``claim_status``, ``strip`` and
    ``landing_score`` (graduated on ``score``).
:class:`Renderer`
    What a renderer of one output layer is: ``kind`` ``"single"`` (one class), ``"categorized"``
    (one class per ``field`` value, plus ``other`` for values outside the list) or
    ``"graduated"`` (classes ``lower ≤ value < upper``; the last class includes its upper
    bound). Every :class:`StyleClass` carries the full :class:`Style`, the Dutch ``label`` and
    its ``value`` or ``lower``/``upper``. :meth:`Renderer.describe` gives it as plain JSON.

QGIS layer styles
-----------------
:func:`output_renderer` answers, for each layer wlr_geo writes (``dataset``, ``layer``), e.g.
``("impact", "crossings")``, ``("claims", "claims")``, ``("klic", "klic_lines")``, ``("bgt",
"wegdeel")``, the renderer to store as the layer's default style. A QML writer maps it like this:

* ``single`` → ``<renderer-v2 type="singleSymbol">`` with ``classes[0].style``;
* ``categorized`` → ``type="categorizedSymbol" attr=field``, one ``<category value= label=>``
  per class in order, and for ``other`` a category with an empty value (QGIS' "all other
  values");
* ``graduated`` → ``type="graduatedSymbol" attr=field``, one ``<range lower= upper= label=>`` per
  class (wlr_geo's classes are ``lower ≤ value < upper``, the highest also holding its upper
  bound; ``other`` is the symbol for a missing value);
* a symbol from :meth:`Style.qgis`: ``line_color``/``line_width`` (mm)/``customdash`` (mm) for
  lines, ``color``/``outline_color``/``outline_width`` for fills (``brush_style`` ``no`` when
  ``fill`` is false), ``name`` (circle, square, triangle, diamond) and ``size`` (mm) for markers.

:data:`OUTPUT_LAYERS` lists the known layers; :func:`output_renderer` raises ``KeyError`` for
others. Open vocabularies (variants, unknown categories) need the ``values`` present in the layer
so that each gets its own class.

Sources of the colours
----------------------
KLIC themes: the WION table "Kleurgebruik per thema" in :mod:`wlr_geo.present.klic_themes` (the
regulation's RGB values, with three themes marked unverified there). Everything else is wlr_geo's
own choice (ColorBrewer-like qualitative colours), made so that no two classes that can appear on
one map share a colour and dash.

Examples
--------
>>> r = output_renderer("claims", "claims", values=["boosterstation", "buffer_opslag"])
>>> r.kind, r.field, [c.label for c in r.classes]
('categorized', 'facility_type', ['Boosterstation (drukverhoging)', 'Buffer / warmteopslag'])
>>> entries = variant_entries(["Variant A", "Variant B"])
>>> entries["Variant B"].color, entries["Variant B"].dash_array
('#2166ac', '10 6')
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache, cached_property
from typing import Any, Literal

from wlr_geo.present.klic_themes import (
    DEFAULT_COLOUR,
    THEMA_COLOURS,
    THEMA_LABELS_NL,
    THEMAS,
    UNVERIFIED_THEMAS,
    thema_colour,
    thema_label,
)

__all__ = [
    "ANALYSED_CLASSES",
    "AUTO_COLOURS",
    "DEFAULT_COLOUR",
    "MARKERS",
    "NO_VALUE_LABEL",
    "OTHER_LABEL",
    "OUTPUT_LAYERS",
    "PALETTES",
    "SYMBOLS",
    "THEMAS",
    "THEMA_COLOURS",
    "THEMA_LABELS_NL",
    "UNVERIFIED_THEMAS",
    "VALUE_PALETTES",
    "OutputLayerStyle",
    "Palette",
    "PaletteEntry",
    "Renderer",
    "Style",
    "StyleClass",
    "make_renderer",
    "output_renderer",
    "palette",
    "symbol",
    "thema_colour",
    "thema_label",
    "value_label",
    "variant_entries",
]

Geometry = Literal["point", "line", "polygon"]
RendererKind = Literal["single", "categorized", "graduated"]

#: Point marker shapes every output can draw.
MARKERS: tuple[str, ...] = ("circle", "square", "triangle", "diamond")

#: Label of the class that takes values outside a categorized renderer's list.
OTHER_LABEL = "Overig / onbekend"

#: Label of a graduated renderer's class for missing values.
NO_VALUE_LABEL = "Geen waarde"

#: Colours for category values no palette lists (after the palette's own classes).
AUTO_COLOURS: tuple[str, ...] = (
    "#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf", "#1b9e77",
    "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#666666",
)

_PX_MM = 25.4 / 96.0  # one CSS pixel in millimetres
_PX_PT = 72.0 / 96.0  # one CSS pixel in typographic points (matplotlib)
_HEX = re.compile(r"^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")
_STYLE_KEYS = ("color", "weight", "opacity", "fill_color", "fill_opacity", "radius", "dash_array", "marker")


def _rgb(colour: str) -> tuple[int, int, int]:
    """``#rgb``/``#rrggbb``/``#rrggbbaa`` → (r, g, b); CSS names are resolved by matplotlib."""
    if _HEX.match(colour):
        h = colour[1:]
        if len(h) == 3:
            h = "".join(ch * 2 for ch in h)
        return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(colour)
    return round(r * 255), round(g * 255), round(b * 255)


@dataclass(frozen=True)
class Style:
    """One symbol, in screen units (CSS px at 96 dpi). Colours are ``#rrggbb`` or a CSS name.

    ``fill_color`` ``None`` means "the stroke colour"; ``fill_opacity`` 0 means no fill (an
    outline only). ``dash_array`` is a Leaflet/SVG dash pattern in px (``"10 6"``); ``None`` is
    solid. ``radius`` and ``marker`` are used for points.
    """

    color: str = "#3388ff"
    weight: float = 2.0
    opacity: float = 1.0
    fill_color: str | None = None
    fill_opacity: float = 0.25
    radius: float = 5.0
    dash_array: str | None = None
    marker: str = "circle"

    def merged(self, other: Mapping[str, Any]) -> Style:
        """A copy with the style keys of ``other`` applied (other keys ignored)."""
        return replace(self, **{k: v for k, v in other.items() if k in _STYLE_KEYS})

    @property
    def fill(self) -> bool:
        """Whether areas and markers are filled."""
        return self.fill_opacity > 0

    @property
    def fill_colour(self) -> str:
        """The fill colour actually used (``fill_color`` or the stroke colour)."""
        return self.fill_color or self.color

    @property
    def dash(self) -> tuple[float, ...]:
        """The dash pattern as numbers (px); ``()`` for a solid line."""
        if not self.dash_array:
            return ()
        return tuple(float(v) for v in re.split(r"[ ,]+", self.dash_array.strip()) if v)

    def to_leaflet(self) -> dict[str, Any]:
        """Leaflet path options (camelCase), plus ``shape`` for point markers."""
        opts: dict[str, Any] = {
            "color": self.color,
            "weight": self.weight,
            "opacity": self.opacity,
            "fillColor": self.fill_colour,
            "fillOpacity": self.fill_opacity,
            "radius": self.radius,
        }
        if self.dash_array:
            opts["dashArray"] = self.dash_array
        if self.fill_opacity == 0:
            opts["fill"] = False  # outline only: clicks inside reach the layers below
        if self.marker != "circle":
            opts["shape"] = self.marker
        return opts

    def qgis(self) -> dict[str, Any]:
        """The symbol in QGIS terms: colours as ``"r,g,b,a"``, sizes in millimetres.

        Keys: ``line_color``, ``line_width_mm``, ``customdash_mm`` (``""`` when solid),
        ``fill_color``, ``fill`` (bool), ``outline_color``, ``outline_width_mm``,
        ``marker`` (``circle``/``square``/``triangle``/``diamond``), ``size_mm`` (diameter).
        """
        r, g, b = _rgb(self.color)
        fr, fg, fb = _rgb(self.fill_colour)
        line = f"{r},{g},{b},{round(255 * self.opacity)}"
        return {
            "line_color": line,
            "line_width_mm": round(self.weight * _PX_MM, 3),
            "customdash_mm": ";".join(f"{v * _PX_MM:.3g}" for v in self.dash),
            "fill_color": f"{fr},{fg},{fb},{round(255 * self.fill_opacity)}",
            "fill": self.fill,
            "outline_color": line,
            "outline_width_mm": round(self.weight * _PX_MM, 3),
            "marker": self.marker,
            "size_mm": round(2 * self.radius * _PX_MM, 3),
        }

    def mpl_line(self) -> dict[str, Any]:
        """matplotlib keyword arguments for a line (``color``, ``linewidth``, ``linestyle``, ``alpha``)."""
        dash = self.dash
        lw = self.weight * _PX_PT
        style: Any = "solid" if not dash else (0, tuple(max(v / max(self.weight, 1.0), 0.1) for v in dash))
        return {"color": self.color, "linewidth": lw, "linestyle": style, "alpha": self.opacity}

    def mpl_patch(self) -> dict[str, Any]:
        """matplotlib keyword arguments for an area (``facecolor`` with alpha, ``edgecolor``, ``linewidth``)."""
        r, g, b = _rgb(self.fill_colour)
        face: Any = (r / 255, g / 255, b / 255, self.fill_opacity) if self.fill else "none"
        out: dict[str, Any] = {"facecolor": face, "edgecolor": self.color, "linewidth": self.weight * _PX_PT}
        if self.dash:
            out["linestyle"] = (0, tuple(max(v / max(self.weight, 1.0), 0.1) for v in self.dash))
        return out

    def mpl_marker(self) -> dict[str, Any]:
        """matplotlib keyword arguments for a point marker (``marker``, ``markersize`` in pt², colours)."""
        shape = {"circle": "o", "square": "s", "triangle": "^", "diamond": "D"}.get(self.marker, "o")
        size_pt = 2 * self.radius * _PX_PT
        return {"marker": shape, "markersize": size_pt ** 2, "color": self.fill_colour,
                "edgecolor": self.color, "linewidth": max(self.weight * _PX_PT * 0.6, 0.3)}


@dataclass(frozen=True)
class PaletteEntry:
    """One class of a palette: a value (or a ``[lower, upper)`` range) with its Dutch label and look.

    Only what tells the classes apart is set here (colour, fill colour, dash, marker); widths,
    opacities and sizes come from the layer's symbol.
    """

    value: str | None
    label: str
    color: str
    fill_color: str | None = None
    dash_array: str | None = None
    marker: str | None = None
    lower: float | None = None
    upper: float | None = None

    def apply(self, base: Style) -> Style:
        """``base`` with this entry's colour, fill, dash and marker."""
        return base.merged({
            "color": self.color,
            "fill_color": self.fill_color or self.color,
            "dash_array": self.dash_array if self.dash_array is not None else base.dash_array,
            "marker": self.marker or base.marker,
        })


@dataclass(frozen=True)
class Palette:
    """The classes of one vocabulary, in legend order.

    ``field`` is the column the palette is meant for (``variant``, ``thema``, …); ``kind`` is
    ``categorized`` or ``graduated``; an ``open`` palette (variants) hands out its entries to
    whatever values a layer has, in their order.
    """

    name: str
    title: str
    field: str
    entries: tuple[PaletteEntry, ...]
    kind: Literal["categorized", "graduated"] = "categorized"
    open: bool = False

    def entry(self, value: Any) -> PaletteEntry | None:
        """The entry of ``value`` (by value, or by range for a graduated palette)."""
        if self.kind == "graduated":
            try:
                v = float(value)
            except (TypeError, ValueError):
                return None
            i = _range_index(v, [(e.lower, e.upper) for e in self.entries])
            return None if i < 0 else self.entries[i]
        key = None if value is None else str(value)
        return next((e for e in self.entries if e.value == key), None)

    @cached_property
    def labels(self) -> dict[str, str]:
        """Value → Dutch label (categorized palettes)."""
        return {e.value: e.label for e in self.entries if e.value is not None}


@dataclass(frozen=True)
class StyleClass:
    """One class of a renderer: Dutch label, full style, and its value or value range."""

    label: str
    style: Style
    value: str | None = None
    lower: float | None = None
    upper: float | None = None


@dataclass(frozen=True)
class Renderer:
    """How one layer is drawn (see the module docstring for the mapping to QGIS).

    Attributes
    ----------
    kind
        ``"single"``, ``"categorized"`` or ``"graduated"``.
    title
        Dutch layer title (legend heading, QGIS layer name).
    geometry
        ``"point"``, ``"line"`` or ``"polygon"``.
    classes
        In legend order; one class for ``single``.
    field
        The attribute classified (``None`` for ``single``).
    other
        The class for values not in ``classes`` (categorized) or missing values (graduated);
        ``None`` when every value the layer holds has a class.
    """

    kind: RendererKind
    title: str
    geometry: Geometry
    classes: tuple[StyleClass, ...]
    field: str | None = None
    other: StyleClass | None = None

    @property
    def all_classes(self) -> tuple[StyleClass, ...]:
        """``classes`` plus ``other`` (when set): the legend entries."""
        return self.classes + ((self.other,) if self.other is not None else ())

    def class_index(self, values: Iterable[Any]) -> list[int]:
        """Index into :attr:`all_classes` of each value (``other``, or class 0, when unmatched)."""
        fallback = len(self.classes) if self.other is not None else 0
        if self.kind == "single":
            return [0 for _ in values]
        if self.kind == "graduated":
            ranges = [(c.lower, c.upper) for c in self.classes]
            out = []
            for v in values:
                try:
                    x = float(v)
                except (TypeError, ValueError):
                    x = math.nan
                i = _range_index(x, ranges)
                out.append(fallback if i < 0 else i)
            return out
        lookup = {c.value: i for i, c in enumerate(self.classes)}
        return [lookup.get(None if _missing(v) else str(v), fallback) for v in values]

    def describe(self) -> dict[str, Any]:
        """The renderer as plain JSON-ready data (for QML writers and tests)."""
        def cls(c: StyleClass) -> dict[str, Any]:
            return {"label": c.label, "value": c.value, "lower": c.lower, "upper": c.upper,
                    "style": {k: getattr(c.style, k) for k in _STYLE_KEYS}, "qgis": c.style.qgis()}
        return {"kind": self.kind, "title": self.title, "geometry": self.geometry, "field": self.field,
                "classes": [cls(c) for c in self.classes],
                "other": cls(self.other) if self.other is not None else None}


def _range_index(x: float, ranges: Sequence[tuple[float | None, float | None]]) -> int:
    """Index of the range ``lower <= x < upper`` holding ``x`` (the highest range also holds its
    upper bound); -1 when none does or ``x`` is not finite."""
    if not math.isfinite(x):
        return -1
    top = max((math.inf if hi is None else hi) for _, hi in ranges) if ranges else math.inf
    for i, (lower, upper) in enumerate(ranges):
        lo = -math.inf if lower is None else lower
        hi = math.inf if upper is None else upper
        if lo <= x < hi or (hi == top and x == hi):
            return i
    return -1


def _missing(v: Any) -> bool:
    if v is None:
        return True
    try:
        return bool(v != v)
    except (TypeError, ValueError):
        return False


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


# ---- palettes ---------------------------------------------------------------------------------

#: Route variants: colour and dash per variant, handed out in the order of the variants.
VARIANT_SEQUENCE: tuple[tuple[str, str | None], ...] = (
    ("#b2182b", None),          # red, solid
    ("#2166ac", "10 6"),        # blue, dashed
    ("#1b7837", "2 7"),         # green, dotted
    ("#e08214", "14 5 3 5"),    # orange, dash-dot
    ("#5e3c99", "20 6"),        # purple, long dash
    ("#000080", "6 3 2 3 2 3"), # navy, dash-dot-dot
)


def variant_entries(variants: Sequence[Any]) -> dict[str, PaletteEntry]:
    """Each variant's colour and dash, from its position in ``variants`` (all variants of the run).

    Give every output the same full, ordered list (e.g. ``ImpactResult.routes["variant"]``), so
    a variant keeps its look on a municipal map that shows only some variants. After six
    variants the colours repeat with another dash, so colour and dash together stay unique.
    """
    out: dict[str, PaletteEntry] = {}
    for i, v in enumerate(dict.fromkeys(str(x) for x in variants if not _missing(x))):
        colour, dash = VARIANT_SEQUENCE[i % len(VARIANT_SEQUENCE)]
        cycle = i // len(VARIANT_SEQUENCE)
        if cycle:
            dash = f"{8 + 4 * cycle} 4" if dash is None else f"{dash} {cycle} {3 + cycle}"
        out[v] = PaletteEntry(value=v, label=v, color=colour, dash_array=dash)
    return out


#: Crossing classes (``object_class`` of the crossing register) in legend order.
ANALYSED_CLASSES: tuple[str, ...] = ("road", "rail", "water", "cable_pipe", "green", "building")

_CROSSING_CLASS = (
    ("road", "weg", "#d95f02", "circle"),
    ("rail", "spoor", "#252525", "square"),
    ("water", "water", "#2171b5", "triangle"),
    ("cable_pipe", "kabel of leiding", "#e7298a", "diamond"),
    ("green", "natuur en groen", "#1b9e77", "circle"),
    ("building", "gebouw", "#7f2704", "square"),
    ("paved", "verharding", "#969696", "circle"),
    ("other", "overig", "#bdbdbd", "circle"),
)

#: Impact category (:mod:`wlr_geo.categories`) → colour.
_IMPACT_CATEGORY_COLOURS: dict[str, str] = {
    "motorway": "#e31a1c",
    "regional_road": "#fd8d3c",
    "local_road": "#fdae6b",
    "cycle_path": "#c51b8a",
    "footpath": "#fa9fb5",
    "rail": "#252525",
    "major_water": "#08519c",
    "minor_water": "#6baed6",
    "building": "#7f2704",
    "green": "#41ab5d",
    "paved": "#969696",
    "nature": "#006d2c",
    "bare": "#d9c08c",
    "structure": "#6a51a3",
    "cable_pipe": "#ff7f00",
    "other": "#bdbdbd",
}

_TECHNIQUE_COLOURS = {"open_trench": ("#1a9641", "circle"), "boring_persing": ("#fdae61", "square"),
                      "hdd": ("#d7191c", "diamond")}

_CLAIM_TYPE_COLOURS: dict[str, str] = {
    "warmteoverdrachtstation": "#762a83",
    "boosterstation": "#9970ab",
    "buffer_opslag": "#de77ae",
    "energiehub": "#018571",
    "distributieleiding": "#e6ab02",
    "werkterrein": "#a6611a",
}

_CLAIM_STATUS = (("wens", "#fee08b"), ("gepland", "#fdae61"), ("vergund", "#66bd63"), ("gerealiseerd", "#1a9850"))

_STRIPS = (
    ("werkstrook", "Werkstrook", "#d6604d", "#f4a582", None),
    ("belemmeringenstrook", "Belemmeringenstrook", "#8c510a", "#dfc27d", "5 4"),
    ("footprint", "Voetafdruk aanlanding/station", "#543005", "#bf812d", None),
)

_LANDING_SCORE = (
    (0.8, 1.0, "Score 0,80 – 1,00 (hoogst)", "#01665e"),
    (0.6, 0.8, "Score 0,60 – 0,80", "#35978f"),
    (0.4, 0.6, "Score 0,40 – 0,60", "#80cdc1"),
    (0.0, 0.4, "Score 0 – 0,40", "#c7eae5"),
)


@cache
def _claim_labels() -> dict[str, str]:
    from wlr_geo.analysis.claims.footprints import load_claim_templates

    return {k: _cap(t.label) for k, t in load_claim_templates(None).items()}


@cache
def _palettes() -> dict[str, Palette]:
    from wlr_geo.analysis.crossings.rules import TECHNIQUES
    from wlr_geo.categories import CATEGORIES, label_nl

    claim_labels = _claim_labels()
    pals = [
        Palette("variant", "Tracévariant", "variant", tuple(
            PaletteEntry(None, "", c, dash_array=d) for c, d in VARIANT_SEQUENCE), open=True),
        Palette("imkl_thema", "Kabels en leidingen per thema (KLIC)", "thema", tuple(
            PaletteEntry(t, THEMA_LABELS_NL[t], THEMA_COLOURS[t]) for t in THEMAS)),
        Palette("impact_category", "Soort object", "category", tuple(
            PaletteEntry(c, _cap(label_nl(c)), _IMPACT_CATEGORY_COLOURS[c]) for c in CATEGORIES)),
        Palette("crossing_class", "Kruising per soort", "object_class", tuple(
            PaletteEntry(c, _cap(lbl), "#1a1a1a", fill_color=col, marker=m) for c, lbl, col, m in _CROSSING_CLASS)),
        Palette("technique", "Kruisingstechniek", "technique", tuple(
            PaletteEntry(t, _cap(TECHNIQUES[t]), "#1a1a1a", fill_color=_TECHNIQUE_COLOURS[t][0],
                         marker=_TECHNIQUE_COLOURS[t][1])
            for t in TECHNIQUES)),
        Palette("claim_type", "Ruimteclaim per voorziening", "facility_type", tuple(
            PaletteEntry(t, claim_labels.get(t, _cap(t.replace("_", " "))), c) for t, c in _CLAIM_TYPE_COLOURS.items())),
        Palette("claim_status", "Planstatus", "status", tuple(
            PaletteEntry(s, _cap(s), c) for s, c in _CLAIM_STATUS)),
        Palette("strip", "Stroken", "strip", tuple(
            PaletteEntry(k, lbl, c, fill_color=f, dash_array=d) for k, lbl, c, f, d in _STRIPS)),
        Palette("landing_score", "Aanlandingsoptie naar score", "score", tuple(
            PaletteEntry(None, lbl, "#01665e", fill_color=c, lower=lo, upper=hi) for lo, hi, lbl, c in _LANDING_SCORE),
            kind="graduated"),
    ]
    return {p.name: p for p in pals}


def palette(name: str) -> Palette:
    """The palette called ``name`` (a key of :data:`PALETTES`).

    Raises
    ------
    KeyError
        No such palette.
    """
    pals = _palettes()
    if name not in pals:
        raise KeyError(f"unknown palette {name!r}; known: {', '.join(pals)}")
    return pals[name]


#: The palette names.
PALETTES: tuple[str, ...] = ("variant", "imkl_thema", "impact_category", "crossing_class", "technique",
                             "claim_type", "claim_status", "strip", "landing_score")

#: Columns whose codes are shown by their Dutch label (popups, tables): column → palettes
#: (tried in order).
VALUE_PALETTES: dict[str, tuple[str, ...]] = {
    "thema": ("imkl_thema",),
    "category": ("impact_category",),
    "subtype": ("impact_category", "imkl_thema"),
    "object_class": ("crossing_class",),
    "technique": ("technique",),
    "facility_type": ("claim_type",),
    "other_facility_type": ("claim_type",),
    "strip": ("strip",),
}


#: Code columns without colours, with the Dutch label of each code.
PLAIN_LABELS: dict[str, dict[str, str]] = {
    "geometry_kind": {"line": "Lijn", "polygon": "Vlak", "point": "Punt"},
}


def has_labels(column: str) -> bool:
    """Whether :func:`value_label` knows Dutch labels for the codes of ``column``."""
    return column in VALUE_PALETTES or column in PLAIN_LABELS


def value_label(column: str, value: Any) -> Any:
    """The Dutch label of a code in ``column`` (``buffer_opslag`` → ``Buffer / warmteopslag``).

    Values of columns without a vocabulary (:data:`VALUE_PALETTES`, :data:`PLAIN_LABELS`), and
    unknown codes, are returned unchanged.
    """
    if _missing(value):
        return value
    if column in PLAIN_LABELS:
        return PLAIN_LABELS[column].get(str(value), value)
    names = VALUE_PALETTES.get(column)
    if names is None:
        return value
    for name in names:
        label = palette(name).labels.get(str(value))
        if label is not None:
            return label
    return value


# ---- named symbols ----------------------------------------------------------------------------

#: Named layer symbols: name → (Dutch title, geometry, style). Map definitions use them with
#: ``symbol = "<name>"``; :data:`OUTPUT_LAYERS` with its ``symbol``.
SYMBOLS: dict[str, tuple[str, Geometry, Style]] = {
    "route": ("Tracé", "line", Style(color="#b2182b", weight=4.0, opacity=0.9)),
    "route_alternative": ("Tracéalternatief", "line", Style(color="#5e3c99", weight=3.0, opacity=0.85)),
    "segment": ("Tracé per gemeente", "line", Style(color="#4d4d4d", weight=3.0, opacity=0.8)),
    "marker": ("Kilometrering", "point", Style(color="#333333", weight=1.0, radius=2.5, fill_opacity=1.0)),
    "werkstrook": ("Werkstrook", "polygon", Style(color="#d6604d", weight=1.0, fill_color="#f4a582", fill_opacity=0.35)),
    "strip": ("Stroken", "polygon", Style(color="#d6604d", weight=1.0, fill_color="#f4a582", fill_opacity=0.3)),
    "crossing": ("Kruising", "point", Style(color="#1a1a1a", weight=1.5, radius=6.0, fill_opacity=0.9)),
    "crossed_object": ("Gekruist object", "line", Style(color="#ffd400", weight=7.0, opacity=0.85, fill_opacity=0.25)),
    "parallel_run": ("Parallelloop", "line", Style(color="#7570b3", weight=4.0, opacity=0.8, dash_array="8 4")),
    "cables": ("Kabel of leiding", "line", Style(color="#7f7f7f", weight=2.0, opacity=0.9)),
    "klic_point": ("KLIC-punt", "point", Style(color="#555555", weight=1.0, radius=3.0, fill_opacity=0.8)),
    "klic_area": ("KLIC-vlak", "polygon", Style(color="#737373", weight=1.0, fill_opacity=0.15)),
    "klic_precaution": ("Eis voorzorgsmaatregel (EV)", "polygon",
                        Style(color="#ff7f00", weight=1.5, fill_color="#ff7f00", fill_opacity=0.12, dash_array="6 4")),
    "klic_request_area": ("Graafpolygoon", "polygon", Style(color="#000000", weight=1.5, fill_opacity=0.0, dash_array="10 5")),
    "cable_parallel_run": ("Kabel of leiding langs het tracé", "line", Style(color="#6a3d9a", weight=9.0, opacity=0.4)),
    "clearance_violation": ("Te dicht bij kabel of leiding", "line", Style(color="#00a6c0", weight=4.0, opacity=0.95,
                                                                        dash_array="7 4")),
    "precaution_touched": ("Geraakte EV-zone", "polygon",
                           Style(color="#d7191c", weight=1.5, fill_color="#fc9272", fill_opacity=0.3, dash_array="6 4")),
    "topography": ("Topografie (BGT)", "polygon", Style(color="#737373", weight=0.5, fill_opacity=0.3)),
    "affected_object": ("Geraakt object", "polygon", Style(color="#737373", weight=1.0, fill_opacity=0.6)),
    "building_near": ("Gebouw nabij het tracé", "polygon", Style(color="#7f2704", weight=1.0, fill_color="#a63603", fill_opacity=0.55)),
    "claim": ("Ruimteclaim", "polygon", Style(color="#762a83", weight=1.0, fill_opacity=0.45)),
    "claim_conflict": ("Overlap tussen claims", "polygon", Style(color="#d7191c", weight=2.0, fill_color="#d7191c", fill_opacity=0.6)),
    "claim_touch": ("Claims die elkaar raken", "line", Style(color="#fdae61", weight=3.0, dash_array="4 4")),
    "klic_protection": ("Beschermstrook KLIC", "polygon",
                        Style(color="#ff0000", weight=1.0, fill_color="#ff0000", fill_opacity=0.1, dash_array="6 4")),
    "landing": ("Zoeklocatie aanlanding", "point",
                Style(color="#01665e", weight=2.0, fill_color="#35978f", fill_opacity=0.85, radius=9.0)),
    "route_end": ("Eindpunt tracé", "point", Style(color="#000000", weight=2.0, fill_color="#ffffff", fill_opacity=1.0,
                                                   radius=6.0, marker="square")),
    "municipality": ("Gemeentegrens", "polygon", Style(color="#4d4d4d", weight=2.0, fill_opacity=0.03, dash_array="6 4")),
    "wijk": ("Wijkgrens (grof)", "polygon", Style(color="#878787", weight=1.0, fill_opacity=0.0)),
    "substation": ("Hoogspanningsstation", "point", Style(color="#67000d", weight=1.5, fill_color="#ef3b2c",
                                                          fill_opacity=0.9, radius=5.0, marker="square")),
    "power_link": ("Hoogspanningsverbinding (OSM)", "line", Style(color="#ef3b2c", weight=2.0, opacity=0.8)),
    "nature": ("Natuur", "polygon", Style(color="#006d2c", weight=1.0, fill_color="#41ab5d", fill_opacity=0.3)),
}


def symbol(name: str) -> Style:
    """The style of the named symbol (a key of :data:`SYMBOLS`).

    Raises
    ------
    KeyError
        No such symbol.
    """
    if name not in SYMBOLS:
        raise KeyError(f"unknown symbol {name!r}; known: {', '.join(SYMBOLS)}")
    return SYMBOLS[name][2]


# ---- renderers --------------------------------------------------------------------------------

def make_renderer(
    title: str,
    geometry: Geometry,
    base: Style,
    *,
    field: str | None = None,
    palette_name: str | None = None,
    values: Iterable[Any] | None = None,
    overrides: Sequence[tuple[str, str, Style]] = (),
    variants: Sequence[Any] | None = None,
    max_classes: int = 24,
) -> Renderer:
    """A renderer from a base style and (optionally) a field with a palette.

    Parameters
    ----------
    title, geometry, base
        Dutch title, geometry kind and the layer's own style (widths, sizes, opacities).
    field
        The attribute to classify; without it (or without palette, overrides and values) the
        renderer is ``single``.
    palette_name
        A palette of :data:`PALETTES`; ``variant`` hands out variant styles (see ``variants``).
    values
        The values present in the layer. A categorized renderer lists the palette's classes
        that occur (all of them when ``values`` is None), then the other values with
        :data:`AUTO_COLOURS`; beyond ``max_classes`` they share the ``other`` class.
    overrides
        ``(value, label, style)`` that replace or add classes (a map definition's
        ``[categories]``), placed before the palette's classes.
    variants
        All variants of the run in order (``variant`` palette); default: ``values``.
    """
    if field is None or (palette_name is None and not overrides and values is None):
        return Renderer("single", title, geometry, (StyleClass(title, base),))
    present = None if values is None else list(dict.fromkeys(None if _missing(v) else str(v) for v in values))
    pal = palette(palette_name) if palette_name else None
    if pal is not None and pal.kind == "graduated" and not overrides:
        classes = tuple(StyleClass(e.label, e.apply(base), lower=e.lower, upper=e.upper) for e in pal.entries)
        none = StyleClass(NO_VALUE_LABEL, base.merged({"color": "#7f7f7f", "fill_color": "#bdbdbd"}))
        return Renderer("graduated", title, geometry, classes, field=field, other=none)
    known: dict[str, tuple[str, Style]] = {}
    for value, label, style in overrides:
        known[value] = (label, style)
    if pal is not None and pal.open:
        order = variants if variants is not None else (present or [])
        if not order and not overrides:  # nothing to hand the open palette's looks to
            return Renderer("single", title, geometry, (StyleClass(title, base),))
        for v, e in variant_entries([x for x in order if x is not None]).items():
            known.setdefault(v, (e.label, e.apply(base)))
    elif pal is not None:
        for e in pal.entries:
            if e.value is not None:
                known.setdefault(e.value, (e.label, e.apply(base)))
    if present is None:
        chosen = list(known)
        extra: list[str] = []
    else:
        chosen = [v for v in known if v in present]
        extra = [v for v in present if v is not None and v not in known]
    classes_l = [StyleClass(known[v][0], known[v][1], value=v) for v in chosen]
    overflow = False
    for auto, v in enumerate(extra):
        if len(classes_l) >= max_classes:
            overflow = True
            break
        colour = AUTO_COLOURS[auto % len(AUTO_COLOURS)]
        classes_l.append(StyleClass(v, base.merged({"color": colour, "fill_color": colour}), value=v))
    other = None
    if overflow or (present is not None and None in present) or present is None:
        other = StyleClass(OTHER_LABEL, base.merged({"color": "#7f7f7f", "fill_color": "#7f7f7f"}))
    if not classes_l and other is None:  # an empty layer: nothing to classify
        return Renderer("single", title, geometry, (StyleClass(title, base),))
    return Renderer("categorized", title, geometry, tuple(classes_l), field=field, other=other)


@dataclass(frozen=True)
class OutputLayerStyle:
    """How one output layer is styled: title, geometry, symbol and (optional) field + palette."""

    title: str
    geometry: Geometry
    symbol: str
    field: str | None = None
    palette: str | None = None
    description: str = ""


#: The layers wlr_geo writes, by (dataset, layer): dataset is the file stem (``impact`` for
#: ``impact.gpkg``, also in ``ondergrond/`` and ``bovengrond/``), or ``bgt`` for every class
#: layer of a BGT GeoPackage (use the class name as layer, e.g. ``("bgt", "wegdeel")``).
OUTPUT_LAYERS: dict[tuple[str, str], OutputLayerStyle] = {
    ("impact", "routes"): OutputLayerStyle("Tracévarianten", "line", "route", "variant", "variant"),
    ("impact", "segments"): OutputLayerStyle("Tracé per gemeente en wijk", "line", "segment", "variant", "variant"),
    ("impact", "markers"): OutputLayerStyle("Kilometrering", "point", "marker"),
    ("impact", "strips"): OutputLayerStyle("Werk- en belemmeringenstrook", "polygon", "strip", "strip", "strip"),
    ("impact", "crossings"): OutputLayerStyle("Kruisingen", "point", "crossing", "object_class", "crossing_class"),
    ("impact", "parallel_runs"): OutputLayerStyle("Parallelloop langs het tracé", "line", "parallel_run"),
    ("impact", "affected_objects"): OutputLayerStyle("Geraakte objecten", "polygon", "affected_object", "category",
                                                     "impact_category"),
    ("impact", "buildings_near"): OutputLayerStyle("Gebouwen nabij het tracé", "polygon", "building_near"),
    ("impact", "cable_parallel_runs"): OutputLayerStyle("Kabels en leidingen langs het tracé", "line",
                                                        "cable_parallel_run", "thema", "imkl_thema"),
    ("impact", "clearance_violations"): OutputLayerStyle("Te kleine afstand tot kabel of leiding", "line",
                                                         "clearance_violation"),
    ("impact", "precautions_touched"): OutputLayerStyle("Geraakte EV-zones", "polygon", "precaution_touched"),
    ("claims", "claims"): OutputLayerStyle("Ruimteclaims", "polygon", "claim", "facility_type", "claim_type"),
    ("claims", "conflicts"): OutputLayerStyle("Conflicten tussen claims", "polygon", "claim_conflict"),
    ("claims", "raakt"): OutputLayerStyle("Claims die elkaar raken", "line", "claim_touch"),
    ("claims", "klic_beschermstroken"): OutputLayerStyle("Beschermstroken KLIC", "polygon", "klic_protection"),
    ("landing", "candidates"): OutputLayerStyle("Aanlandingsopties", "point", "landing", "score", "landing_score"),
    ("landing", "route_end"): OutputLayerStyle("Eindpunt tracé", "point", "route_end"),
    ("routes", "routes"): OutputLayerStyle("Tracéalternatieven (least-cost)", "line", "route_alternative"),
    ("klic", "klic_lines"): OutputLayerStyle("Kabels en leidingen (KLIC)", "line", "cables", "thema", "imkl_thema"),
    ("klic", "klic_points"): OutputLayerStyle("KLIC-punten", "point", "klic_point", "thema", "imkl_thema"),
    ("klic", "klic_areas"): OutputLayerStyle("KLIC-vlakken", "polygon", "klic_area", "thema", "imkl_thema"),
    ("klic", "klic_precautions"): OutputLayerStyle("Eisen voorzorgsmaatregel", "polygon", "klic_precaution"),
    ("klic", "klic_request_areas"): OutputLayerStyle("Graafpolygoon", "polygon", "klic_request_area"),
    ("bgt", "*"): OutputLayerStyle("BGT", "polygon", "topography", "category", "impact_category"),
    ("layers", "municipalities"): OutputLayerStyle("Gemeenten", "polygon", "municipality"),
    ("layers", "wijken"): OutputLayerStyle("Wijken", "polygon", "wijk"),
    ("layers", "route"): OutputLayerStyle("Tracévarianten", "line", "route", "variant", "variant"),
    ("layers", "landing_candidates"): OutputLayerStyle("Zoeklocaties aanlanding", "point", "landing"),
    ("layers", "claims"): OutputLayerStyle("Ruimteclaims (invoer)", "point", "claim", "facility_type", "claim_type"),
    ("layers", "route_end"): OutputLayerStyle("Eindpunt tracé", "point", "route_end"),
    ("layers", "substations"): OutputLayerStyle("Hoogspanningsstations", "point", "substation"),
    ("layers", "power_links"): OutputLayerStyle("Hoogspanningsverbindingen", "line", "power_link"),
    ("layers", "nature"): OutputLayerStyle("Natuur", "polygon", "nature"),
    ("layers", "constraints"): OutputLayerStyle("Beperkingen", "polygon", "nature"),
}


def output_renderer(
    dataset: str,
    layer: str,
    *,
    values: Iterable[Any] | None = None,
    variants: Sequence[Any] | None = None,
    geometry: Geometry | None = None,
) -> Renderer:
    """The renderer of an output layer (see :data:`OUTPUT_LAYERS`), for QGIS styles and figures.

    Parameters
    ----------
    dataset, layer
        E.g. ``("impact", "crossings")``; every layer of dataset ``"bgt"`` uses ``("bgt", "*")``.
    values
        The values of the renderer's field in the layer (needed for open vocabularies such
        as variants; without them every palette class is listed).
    variants
        All route variants in order (for layers styled by variant).
    geometry
        Overrides the geometry kind (e.g. BGT point classes).

    Raises
    ------
    KeyError
        The layer is not one wlr_geo writes.
    """
    key = (dataset, "*") if dataset == "bgt" else (dataset, layer)
    if key not in OUTPUT_LAYERS:
        raise KeyError(f"no style for output layer {dataset}:{layer}")
    spec = OUTPUT_LAYERS[key]
    title = f"{spec.title} — {layer}" if dataset == "bgt" else spec.title
    base = symbol(spec.symbol)
    geom = geometry or spec.geometry
    if spec.field is None:
        return Renderer("single", title, geom, (StyleClass(title, base),))
    return make_renderer(title, geom, base, field=spec.field, palette_name=spec.palette, values=values,
                         variants=variants)
