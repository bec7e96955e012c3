"""Writing a registered GeoPackage ready for QGIS: styles, Dutch titles, types and provenance.

:func:`write_gpkg` is how every workflow writes a GeoPackage of the outputs registry
(:mod:`wlr_geo.outputs`). Per layer it passes to :func:`wlr_geo.io.vector.write_layers`:

* the Dutch title and description of the registry (``gpkg_contents``);
* the declared geometry type (so an empty layer is not "Unknown"); a layer whose rows mix
  geometry families is split into one layer per family (:data:`wlr_geo.outputs.MIXED_GEOMETRY_SUFFIXES`,
  or the registry's own ``part_of`` layers such as ``affected_objects_lines``); a registry
  table (geometry None) is written as an attribute table;
* the default QGIS style with Dutch field aliases (:func:`wlr_geo.present.qgis.layer_style`);
* the provenance of the file and of each layer (``gpkg_metadata``): the inputs with their
  catalogue facts and SHA-256, the tool version and whether the result is indicative.

The io layer only writes what it is given; what to write comes from the registry and the style
source here, in the workflow layer.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from wlr_geo._version import __version__
from wlr_geo.io.vector import GpkgLayer, geometry_family, split_by_geometry, write_layers
from wlr_geo.outputs import MIXED_GEOMETRY_SUFFIXES, Layer, OutputFile, output
from wlr_geo.present.qgis import layer_style, renderer_field
from wlr_geo.provenance import InputRecord, Manifest
from wlr_geo.workflows._output import RunOutputs

__all__ = ["file_metadata", "gpkg_layer_infos", "write_gpkg"]

InputTriple = tuple[str, str | None, str | None]

_FAMILY_TYPE = {"polygon": "Polygon", "line": "LineString", "point": "Point"}
_FAMILY_NL = {"polygon": "vlakken", "line": "lijnen", "point": "punten"}
_STATUS_NL = {"indicatief": "indicatief", "echt": "echte gegevens", "onbekend": "herkomst niet (volledig) bekend"}


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _fill(text: str, pattern_name: str, name: str) -> str:
    """``"BGT {bgt_class}"`` with the placeholder of ``pattern_name`` filled from ``name``."""
    if "{" not in pattern_name:
        return text
    key = pattern_name[pattern_name.index("{") + 1: pattern_name.index("}")]
    return text.replace("{" + key + "}", name)


def _frames(name: str, frame: pd.DataFrame, reg: Layer, entry: OutputFile) -> list[tuple[str, pd.DataFrame, str | None]]:
    """(layer name, frame, declared geometry type) of what ``frame`` is written as."""
    if reg.geometry is None:
        table = pd.DataFrame(frame.drop(columns=[c for c in frame.columns if c == "geometry"]
                                        + ([frame.geometry.name] if isinstance(frame, gpd.GeoDataFrame) else [])))
        return [(name, table, None)]
    assert isinstance(frame, gpd.GeoDataFrame), f"{entry.name}:{name} has no geometry"
    parts = [la for la in entry.layers if la.part_of == name]
    if parts:  # the registry splits this layer into typed layers
        typed = [(name, reg.geometry), *((la.name, la.geometry) for la in parts)]
        split = split_by_geometry(frame)
        out: list[tuple[str, pd.DataFrame, str | None]] = []
        for lname, gtype in typed:
            fam = geometry_family(gtype)
            assert fam is not None and gtype is not None
            out.append((lname, split.get(fam, frame.iloc[:0]), gtype))
        return out
    if reg.geometry != "any":
        return [(name, frame, reg.geometry)]
    split = split_by_geometry(frame)
    if len(split) <= 1:
        fam = next(iter(split), None)
        return [(name, frame, _FAMILY_TYPE[fam] if fam else None)]
    families = list(split)  # polygon, line, point order: the highest dimension keeps the name
    return [(name if i == 0 else f"{name}{MIXED_GEOMETRY_SUFFIXES[fam]}", split[fam], None)
            for i, fam in enumerate(families)]


def _records(out: RunOutputs, inputs: Iterable[InputTriple]) -> list[InputRecord]:
    m = Manifest(command="", catalog=out.catalog, hashes=out.input_hashes)
    recs: list[InputRecord] = []
    for path, role, layer in inputs:
        if Path(path).is_file() and not out.is_own(path):
            rec = m.add_input(path, role=role, layer=layer)
            if rec not in recs:
                recs.append(rec)
    return recs


def _status(records: Sequence[InputRecord]) -> str:
    statuses = {r.status for r in records}
    if "indicative" in statuses:
        return "indicatief"
    if records and statuses == {"real"}:
        return "echt"
    return "onbekend"


def _status_text(status: str, records: Sequence[InputRecord]) -> str:
    if status == "indicatief":
        names = sorted({Path(r.path).name for r in records if r.status == "indicative"})
        return ("Indicatief: afgeleid van indicatieve invoer (" + ", ".join(names) + "); geen vastgesteld tracé "
                "of plan.")
    if status == "echt":
        return "Afgeleid van echte, gepubliceerde gegevens (zie de bronnen)."
    unknown = sorted({Path(r.path).name for r in records if r.status is None})
    return ("Van invoer zonder catalogusgegevens" + (f" ({', '.join(unknown)})" if unknown else "")
            + ": controleer herkomst en status zelf.")


def _source(rec: InputRecord) -> dict[str, Any]:
    d = {"bestand": Path(rec.path).name, "rol": rec.role, "laag": rec.layer, "sha256": rec.sha256,
         "bron": rec.source, "uitgever": rec.publisher, "licentie": rec.licence, "datum": rec.date,
         "status": {"real": "echt", "indicative": "indicatief"}.get(rec.status or "", rec.status)}
    return {k: v for k, v in d.items() if v is not None}


def file_metadata(entry: OutputFile, records: Sequence[InputRecord], *, command: str) -> dict[str, str]:
    """The provenance of a written file, as ``gpkg_metadata`` items (file names, never full paths)."""
    status = _status(records)
    dates = sorted({f"{Path(r.path).name}: {r.date}" for r in records if r.date})
    return {
        "title": _cap(entry.title),
        "generator": f"wlr_geo {__version__}",
        "command": command,
        "crs": "EPSG:28992 (RD New)",
        "status": status,
        "status_nl": _status_text(status, records),
        "source_dates": "; ".join(dates),
        "sources": json.dumps([_source(r) for r in records], ensure_ascii=False),
        "run": "Tijdstip, instellingen en de hashes van alle uitvoer: manifest.json naast dit bestand.",
    }


def gpkg_layer_infos(
    name: str,
    layers: Mapping[str, pd.DataFrame],
    *,
    entry: OutputFile,
    variants: Sequence[Any] | None = None,
    layer_status: Mapping[str, str] | None = None,
) -> tuple[dict[str, pd.DataFrame], dict[str, GpkgLayer]]:
    """The frames to write (split per geometry family where needed) and what each carries."""
    frames: dict[str, pd.DataFrame] = {}
    infos: dict[str, GpkgLayer] = {}
    for lname, frame in layers.items():
        reg = entry.layer(lname)
        for wname, data, gtype in _frames(lname, frame, reg, entry):
            wreg = entry.layer(wname) if wname != lname else reg
            title = _cap(_fill(wreg.title, wreg.name, lname))
            description = _fill(wreg.description_nl or wreg.description, wreg.name, lname)
            columns = [c for c in data.columns if not (isinstance(data, gpd.GeoDataFrame) and c == data.geometry.name)]
            if wname != lname and wreg is reg:  # a generic split: say which part it is
                fam = geometry_family(str(data.geom_type.dropna().iloc[0])) if len(data) else None
                title = f"{title} ({_FAMILY_NL.get(fam or '', '')})"
            if isinstance(data, gpd.GeoDataFrame):
                types = set(data.geom_type.dropna())
                fam = geometry_family(gtype) or (geometry_family(next(iter(types))) if types else None)
                if fam is None:
                    fam = _style_family(name, wname)
                    gtype = _FAMILY_TYPE[fam]
                field = renderer_field(name, wname)
                values = data[field].tolist() if field is not None and field in data.columns else None
                style = layer_style(name, wname, entry=entry, geometry=fam,  # type: ignore[arg-type]
                                    columns=columns, values=values, variants=variants)
                qml = style.qml
            else:
                from wlr_geo.present.qgis import aliases_qml

                qml = aliases_qml(wreg, columns)
            md = {"title": title, "description": description}
            if layer_status and lname in layer_status:
                md["status"] = layer_status[lname]
            frames[wname] = data
            infos[wname] = GpkgLayer(title=title, description=description, geometry_type=gtype, qml=qml,
                                     style_name=f"wlr_geo {wname}", metadata=md)
    return frames, infos


def _style_family(name: str, layer: str) -> str:
    from wlr_geo.present.qgis import style_geometry

    return style_geometry(name, layer) or "polygon"


def write_gpkg(
    out: RunOutputs,
    name: str,
    layers: Mapping[str, pd.DataFrame],
    *,
    entry: str | None = None,
    command: str,
    inputs: Iterable[InputTriple] | None = None,
    variants: Sequence[Any] | None = None,
    layer_inputs: Mapping[str, Iterable[InputTriple]] | None = None,
) -> Path:
    """Write the registered GeoPackage ``name`` (registry entry ``entry``) ready for QGIS.

    Parameters
    ----------
    out
        The run's outputs.
    name
        File name in the output folder (``impact.gpkg``, ``my_klic.gpkg``).
    layers
        Layer name (as registered) → frame.
    entry
        The registry entry when ``name`` is the user's.
    command
        The command that writes the file (``wlr-geo impact``), recorded in the file.
    inputs
        (path, role, layer) of the inputs the file was made from (default: every input of the
        run so far).
    variants
        All route variants of the run in order (the variant colours).
    layer_inputs
        Per layer, its own inputs (``layers.gpkg``: each layer is one input), for its status.
    """
    reg_entry = output(entry or name)
    records = _records(out, out.inputs if inputs is None else inputs)
    status = None
    if layer_inputs:
        status = {lname: _status(_records(out, ins)) for lname, ins in layer_inputs.items()}
    frames, infos = gpkg_layer_infos(name, layers, entry=reg_entry, variants=variants,
                                     layer_status=status or {lname: _status(records) for lname in layers})
    return write_layers(frames, out.path(name, entry=entry), info=infos,
                        metadata=file_metadata(reg_entry, records, command=command))
