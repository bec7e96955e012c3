"""BGT (Basisregistratie Grootschalige Topografie) reader and impact-category table.

* :func:`read_bgt` reads a PDOK BGT extract (IMGeo 2.1 / CityGML 2.0) into one GeoDataFrame per
  class in EPSG:28992 (see :mod:`wlr_geo.io.bgt.reader`).
* :func:`load_category_table` / :func:`classify` map BGT objects to the impact categories of
  :mod:`wlr_geo.categories` with the user-editable table
  ``wlr_geo/defaults/bgt_categories.toml`` (see :mod:`wlr_geo.io.bgt.categories`).
"""

from __future__ import annotations

from wlr_geo.io.bgt._gml import ARC_TOLERANCE_M
from wlr_geo.io.bgt.categories import (
    DEFAULT_TABLE_PATH,
    CategoryRule,
    CategoryTable,
    classify,
    load_category_table,
)
from wlr_geo.io.bgt.reader import (
    BGT_CLASSES,
    COLUMNS,
    BgtLayers,
    BgtReport,
    ClassReport,
    bgt_class_of,
    bgt_class_of_element,
    read_bgt,
)

__all__ = [
    "ARC_TOLERANCE_M",
    "BGT_CLASSES",
    "COLUMNS",
    "DEFAULT_TABLE_PATH",
    "BgtLayers",
    "BgtReport",
    "CategoryRule",
    "CategoryTable",
    "ClassReport",
    "bgt_class_of",
    "bgt_class_of_element",
    "classify",
    "load_category_table",
    "read_bgt",
]
