"""Open GeoPackages in real QGIS (headless) and report what a planner would see, as JSON.

Run with the system Python that has Debian's ``python3-qgis``, not the test virtualenv::

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 tests/_qgis_check.py report.json overview.png a.gpkg b.gpkg ...

For every table of every file (``gpkg_contents``; the QGIS style table ``layer_styles`` aside) it
opens the layer as QGIS does when the file is dragged into a project (``ogr`` provider, default
style loaded) and records: whether it is valid, its geometry type, its feature count, the
renderer QGIS applied (type and classified attribute), the field aliases, and the renderer and
aliases of the layer's stored default style (parsed from ``layer_styles`` independently of
QGIS). Every message QGIS logs while opening (GDAL warnings such as "may only be partially
supported") is recorded. The spatial layers of the first file are rendered to ``overview.png``.

This file uses only the standard library and QGIS: the test compares the JSON.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from xml.etree import ElementTree as ET


def _stored(path: str) -> tuple[list[tuple[str, str]], dict[str, dict]]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        contents = [(str(n), str(t)) for n, t in con.execute("SELECT table_name, data_type FROM gpkg_contents")]
        styles: dict[str, dict] = {}
        if con.execute("SELECT 1 FROM sqlite_master WHERE name = 'layer_styles'").fetchone():
            for table, qml, default in con.execute("SELECT f_table_name, styleQML, useAsDefault FROM layer_styles"):
                root = ET.fromstring(qml)
                rend = root.find("renderer-v2")
                styles[str(table)] = {
                    "default": bool(default),
                    "renderer": None if rend is None else rend.get("type"),
                    "attr": None if rend is None else rend.get("attr"),
                    "n_classes": None if rend is None else len(rend.findall("categories/category"))
                    + len(rend.findall("ranges/range")),
                    "aliases": {a.get("field"): a.get("name") for a in root.iterfind("aliases/alias")},
                    "min_scale": float(root.get("minScale")) if root.get("hasScaleBasedVisibilityFlag") == "1"
                    else None,
                }
    finally:
        con.close()
    return contents, styles


def main(argv: list[str]) -> int:
    report_path, png_path, *files = argv
    from qgis.core import (
        QgsApplication,
        QgsMapRendererSequentialJob,
        QgsMapSettings,
        QgsRectangle,
        QgsVectorLayer,
        QgsWkbTypes,
    )
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor

    app = QgsApplication([], False)
    app.initQgis()
    messages: list[str] = []
    QgsApplication.messageLog().messageReceived.connect(
        lambda msg, tag, level: messages.append(f"{tag}: {msg}"))
    report: dict = {"qgis": app.applicationVersion() if hasattr(app, "applicationVersion") else "", "files": {}}
    render_layers = []
    for i, path in enumerate(files):
        contents, styles = _stored(path)
        layers = {}
        for name, data_type in contents:
            if name == "layer_styles":
                continue
            before = len(messages)
            lyr = QgsVectorLayer(f"{path}|layername={name}", name, "ogr")
            QgsApplication.processEvents()
            rec = {"data_type": data_type, "valid": lyr.isValid(), "stored": styles.get(name)}
            if lyr.isValid():
                rec["geometry"] = QgsWkbTypes.displayString(lyr.wkbType())
                rec["spatial"] = lyr.isSpatial()
                rec["features"] = lyr.featureCount()
                rend = lyr.renderer() if lyr.isSpatial() else None
                rec["renderer"] = None if rend is None else rend.type()
                rec["attr"] = rend.classAttribute() if rend is not None and hasattr(rend, "classAttribute") else None
                n = 0
                if rend is not None and rend.type() == "categorizedSymbol":
                    n = len(rend.categories())
                elif rend is not None and rend.type() == "graduatedSymbol":
                    n = len(rend.ranges())
                rec["n_classes"] = n
                rec["aliases"] = {f.name(): lyr.attributeAlias(j) for j, f in enumerate(lyr.fields())
                                  if lyr.attributeAlias(j)}
                rec["min_scale"] = lyr.minimumScale() if lyr.hasScaleBasedVisibility() else None
                if i == 0 and lyr.isSpatial() and lyr.featureCount():
                    render_layers.append(lyr)
            rec["messages"] = messages[before:]
            layers[name] = rec
            if not (i == 0 and lyr.isValid() and lyr.isSpatial()):
                del lyr
        report["files"][path] = layers
    if render_layers:
        extent = QgsRectangle()
        for lyr in render_layers:
            extent.combineExtentWith(lyr.extent())
        settings = QgsMapSettings()
        settings.setLayers(render_layers)
        settings.setDestinationCrs(render_layers[0].crs())
        settings.setBackgroundColor(QColor(255, 255, 255))
        settings.setOutputSize(QSize(800, 600))
        settings.setExtent(extent.buffered(extent.width() * 0.02))
        job = QgsMapRendererSequentialJob(settings)
        job.start()
        job.waitForFinished()
        img = job.renderedImage()
        img.save(png_path, "png")
        colours: set[int] = set()
        for x in range(0, img.width(), 4):
            for y in range(0, img.height(), 4):
                colours.add(img.pixel(x, y))
        report["render"] = {"width": img.width(), "height": img.height(), "colours": len(colours),
                            "layers": [lyr.name() for lyr in render_layers]}
    report["messages"] = messages
    with open(report_path, "w", encoding="utf-8") as fh:
        json.dump(report, fh, indent=1, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    code = main(sys.argv[1:])
    sys.stdout.flush()
    # PyQGIS may crash while Python tears down layers after QgsApplication (a known teardown-order
    # problem of headless scripts); the report is written and closed, so leave without teardown.
    os._exit(code)
