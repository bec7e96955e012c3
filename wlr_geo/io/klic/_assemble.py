"""Turn one parsed delivery (:class:`~wlr_geo.io.klic._imkl2.RawDelivery`) into the output layers.

Resolution rules (documented in the README section):

* a cable/pipe/container gets one row per ``net:link`` that resolves to a ``UtilityLink``;
  a link that is missing (KLIC clips objects at the request area, kadaster/klic-win#113) or
  points to another feature type (kadaster/klic-win#66) is reported, not fatal;
* ``thema`` comes from the element's ``inNetwork`` → ``Utiliteitsnet.thema`` (else the
  link's network); without a network it is derived from the object type
  (``thema_bron = "afgeleid"``), so every line carries a ``thema``;
* the operator is the ``bronhoudercode`` in the gml:id (``nl.imkl-KL1031.…``), named through
  the delivery's ``Beheerder`` objects;
* depth (``DiepteTovMaaiveld``/``DiepteNAP`` points) is matched to the nearest line of the same
  network within ``depth_tolerance_m``; a line gets the shallowest value given on it
  (highest NAP level for NAP depths) and ``diepte_aantal`` the number of depth points.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from wlr_geo.io.klic._delivery import DeliverySource
from wlr_geo.io.klic._imkl1 import bronhoudercode_from_id, meldnummer_from_name
from wlr_geo.io.klic._imkl2 import RawDelivery
from wlr_geo.io.klic._model import (
    AREA_COLUMNS,
    ATTACHMENT_COLUMNS,
    LINE_COLUMNS,
    POINT_COLUMNS,
    PRECAUTION_COLUMNS,
    REQUEST_AREA_COLUMNS,
    KlicReport,
    column_dtype,
    empty_frame,
)

__all__ = ["assemble", "derive_thema"]

def derive_thema(object_type: str, attrs: dict[str, Any]) -> str:
    """IMKL ``thema`` guessed from the object type and its attributes (no Utiliteitsnet).

    Electricity by voltage (< 1 kV laagspanning, ≤ 35 kV middenspanning, ≤ 220 kV hoogspanning,
    above that landelijkHoogspanningsnet, the bands of the IMKL thema definitions); gas by
    pressure (> 0.2 bar gasHogeDruk, the IMKL boundary of 200 mbar); other oil/chemicals
    petrochemie; everything else overig.
    """
    t = object_type
    if t in ("Waterleiding", "WaterPipe"):
        return "water"
    if t in ("Rioolleiding", "SewerPipe"):
        return "rioolVrijverval"
    if t in ("Telecommunicatiekabel", "TelecommunicationsCable"):
        return "datatransport"
    if t in ("ThermischePijpleiding", "ThermalPipe"):
        return "warmte"
    if t in ("Elektriciteitskabel", "ElectricityCable"):
        kv = attrs.get("spanning_kv")
        if kv is None or kv < 1:
            return "laagspanning"
        if kv <= 35:
            return "middenspanning"
        return "hoogspanning" if kv <= 220 else "landelijkHoogspanningsnet"
    if t in ("OlieGasChemicalienPijpleiding", "OilGasChemicalsPipe"):
        product = (attrs.get("product") or "").lower()
        if product in ("", "naturalgas", "gas", "biogas"):
            druk = attrs.get("druk_bar")
            return "gasHogeDruk" if druk is not None and druk > 0.2 else "gasLageDruk"
        return "petrochemie"
    return "overig"


def _column(values: list[Any], name: str) -> Any:
    """One typed column (see :func:`~wlr_geo.io.klic._model.column_dtype`) from a list of values."""
    dtype = column_dtype(name)
    if dtype == "float64":
        return pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype="float64")
    if dtype == "str":
        try:  # text and missing values only (the usual case): let pyarrow build the array
            return pd.array(pa.array(values, type=pa.large_string(), from_pandas=True), dtype=dtype)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass  # other values: pandas turns them into text
    return pd.array(values, dtype=dtype)


def _frame(rows: list[dict[str, Any]], columns: tuple[str, ...], geoms: list[Any] | None) -> pd.DataFrame:
    if not rows:
        return empty_frame(columns, geometry=geoms is not None)
    cols = {c: [r.get(c) for r in rows] for c in columns}
    return _frame_from_columns(cols, len(rows), columns, geoms)


def _frame_from_columns(cols: dict[str, list[Any]], n: int, columns: tuple[str, ...], geoms: Any) -> pd.DataFrame:
    """A typed (Geo)DataFrame from column lists (absent columns are all missing)."""
    missing: list[Any] = [None] * n
    df = pd.DataFrame({c: _column(cols.get(c, missing), c) for c in columns})
    if geoms is None:
        return df
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, crs=28992), crs=28992)


class _Context:
    def __init__(self, raw: RawDelivery, src: DeliverySource, report: KlicReport) -> None:
        self.raw = raw
        self.src = src
        self.report = report
        self.meldnummer = raw.meta.get("meldnummer") or meldnummer_from_name(src.xml_name) or meldnummer_from_name(src.path.name)
        self.datum = raw.meta.get("datum_levering")
        self.names: dict[str, str | None] = {}
        for b in raw.beheerders.values():
            if b.get("bronhoudercode"):
                self.names[b["bronhoudercode"]] = b.get("naam")

    def operator(self, gml_id: str | None) -> tuple[str | None, str | None]:
        code = bronhoudercode_from_id(gml_id)
        return code, self.names.get(code) if code else None

    def thema_of(self, network: str | None) -> str | None:
        if network is None:
            return None
        net = self.raw.networks.get(network)
        return net.get("thema") if net else None


#: Columns of a line row that come from the element's attributes (see ``_values.element_attrs``).
_ELEMENT_ATTR_COLUMNS = (
    "status", "diameter_mm", "breedte_mm", "materiaal", "spanning_kv", "druk_bar", "aantal_kabels",
    "product", "verticale_positie", "nauwkeurigheid_xy", "label", "omschrijving", "geldig_vanaf",
)


def _lines(ctx: _Context) -> gpd.GeoDataFrame:
    """One row per (cable/pipe, resolved UtilityLink), built column by column."""
    raw, rep = ctx.raw, ctx.report
    links, ids = raw.links, raw.ids
    elements, element_attrs = raw.elements, raw.element_attrs
    row_el: list[int] = []  # element index per row
    link_ids: list[str] = []
    coords: list[np.ndarray] = []
    zmin: list[float | None] = []
    zmax: list[float | None] = []
    nets: list[str | None] = []
    for i, (_typ, gid, network, hrefs, _attrs_at) in enumerate(elements):
        if not hrefs:
            rep.broken_links.append((raw.source, gid, "", "geen net:link"))
            continue
        for href in hrefs:
            link = links.get(href)
            if link is None:
                target = ids.get(href)
                if target == "UtilityLink":  # its geometry was unreadable: in geometry_problems
                    continue
                reason = "ontbreekt (niet in de levering)" if target is None else f"verwijst naar een {target}, geen UtilityLink"
                rep.broken_links.append((raw.source, gid, href, reason))
                continue
            xy, lo, hi, link_net = link
            row_el.append(i)
            link_ids.append(href)
            coords.append(xy)
            zmin.append(lo)
            zmax.append(hi)
            nets.append(network or link_net)
    n = len(row_el)
    if not n:
        return _frame([], LINE_COLUMNS, [])
    thema: list[str | None] = []
    bron: list[str] = []
    standaard: list[float | None] = []
    codes: list[str | None] = []
    names: list[str | None] = []
    networks = raw.networks
    for i, net in zip(row_el, nets, strict=True):
        typ, gid, _, _, attrs_at = elements[i]
        attrs = element_attrs[attrs_at]
        info = networks.get(net) if net is not None else None
        t = info.get("thema") if info else None
        if t is None:
            thema.append(derive_thema(typ, attrs))
            bron.append("afgeleid")
            rep.thema_derived += 1
        else:
            thema.append(t)
            bron.append("utiliteitsnet")
        standaard.append(info.get("standaard_diepte_m") if info else None)
        code, name = ctx.operator(gid)
        codes.append(code)
        names.append(name)
    cols: dict[str, Any] = {
        "gml_id": [elements[i][1] for i in row_el], "link_id": link_ids,
        "meldnummer": [ctx.meldnummer] * n, "object_type": [elements[i][0] for i in row_el],
        "thema": thema, "thema_bron": bron, "bronhoudercode": codes, "netbeheerder": names,
        "z_min_m": zmin, "z_max_m": zmax, "standaard_diepte_m": standaard, "utiliteitsnet_id": nets,
        "imkl_versie": [raw.version] * n, "levering_datum": [ctx.datum] * n,
    }
    for c in _ELEMENT_ATTR_COLUMNS:
        cols[c] = [element_attrs[elements[i][4]][c] for i in row_el]
    sizes = np.fromiter((len(c) for c in coords), dtype=np.intp, count=n)
    geoms = shapely.linestrings(np.concatenate(coords), indices=np.repeat(np.arange(n), sizes))
    gdf = _frame_from_columns(cols, n, LINE_COLUMNS, geoms)
    gdf["length_m"] = gdf.geometry.length
    return gdf


def _match_depths(lines: gpd.GeoDataFrame, raw: RawDelivery, tolerance_m: float) -> None:
    """Fill the ``diepte_*`` columns of ``lines`` in place from the delivery's depth points."""
    if not len(lines) or not raw.depths:
        return
    pts = np.array([d[3] for d in raw.depths], dtype=object)
    pt_net = np.array([d[2] for d in raw.depths], dtype=object)
    tree = shapely.STRtree(lines.geometry.values)
    pi, li = tree.query(pts, predicate="dwithin", distance=tolerance_m)
    if not len(pi):
        return
    line_net = lines["utiliteitsnet_id"].to_numpy(dtype=object)
    same = np.array([pt_net[a] is None or pt_net[a] == line_net[b] for a, b in zip(pi, li, strict=True)], dtype=bool)
    pi, li = pi[same], li[same]
    if not len(pi):
        return
    dist = shapely.distance(pts[pi], lines.geometry.values[li])
    best: dict[int, float] = {}
    for a, d in zip(pi, dist, strict=True):
        best[a] = min(best.get(a, np.inf), d)
    per_line: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for a, b, d in zip(pi, li, dist, strict=True):
        if d <= best[a] + 0.01:
            per_line[int(b)].append(raw.depths[a][4])
    cols = ("diepte_m", "diepte_referentie", "diepte_nauwkeurigheid", "diepte_aangrijpingspunt")
    values: dict[str, Any] = {c: lines[c].to_numpy(dtype=object) for c in cols}
    counts = [0] * len(lines)
    for b, found in per_line.items():
        usable = [f for f in found if f["diepte_m"] is not None] or found
        ref = usable[0]["diepte_referentie"]
        same_ref = [f for f in usable if f["diepte_referentie"] == ref]
        pick = (max if ref == "NAP" else min)(same_ref, key=lambda f: f["diepte_m"] if f["diepte_m"] is not None else np.inf)
        for c in cols:
            values[c][b] = pick[c]
        counts[b] = len(found)
    for c in cols:
        lines[c] = _column(values[c], c)
    lines["diepte_aantal"] = _column(counts, "diepte_aantal")


def _points(ctx: _Context) -> gpd.GeoDataFrame:
    rows: list[dict[str, Any]] = []
    geoms: list[Any] = []
    for typ, gid, network, geom, attrs in [*ctx.raw.points, *ctx.raw.depths]:
        code, name = ctx.operator(gid)
        row = dict(attrs)
        row.update(gml_id=gid, meldnummer=ctx.meldnummer, object_type=typ, thema=ctx.thema_of(network),
                   bronhoudercode=code, netbeheerder=name, utiliteitsnet_id=network,
                   imkl_versie=ctx.raw.version, levering_datum=ctx.datum)
        rows.append(row)
        geoms.append(geom)
    return _frame(rows, POINT_COLUMNS, geoms)


def _areas(ctx: _Context) -> gpd.GeoDataFrame:
    rows: list[dict[str, Any]] = []
    geoms: list[Any] = []
    for typ, gid, network, geom, attrs in ctx.raw.areas:
        code, name = ctx.operator(gid)
        rows.append(dict(attrs, gml_id=gid, meldnummer=ctx.meldnummer, object_type=typ,
                         thema=ctx.thema_of(network), bronhoudercode=code, netbeheerder=name,
                         utiliteitsnet_id=network, area_m2=geom.area, imkl_versie=ctx.raw.version,
                         levering_datum=ctx.datum))
        geoms.append(geom)
    return _frame(rows, AREA_COLUMNS, geoms)


def _request_areas(ctx: _Context) -> gpd.GeoDataFrame:
    rows = []
    geoms = []
    for typ, gid, geom in ctx.raw.request_areas:
        rows.append({"gml_id": gid, "meldnummer": ctx.meldnummer, "object_type": typ,
                     "aanvraag_soort": ctx.raw.meta.get("aanvraag_soort"),
                     "aanvraag_datum": ctx.raw.meta.get("aanvraag_datum"), "area_m2": geom.area,
                     "imkl_versie": ctx.raw.version, "levering_datum": ctx.datum})
        geoms.append(geom)
    return _frame(rows, REQUEST_AREA_COLUMNS, geoms)


def _precautions(ctx: _Context) -> gpd.GeoDataFrame:
    raw = ctx.raw
    area = None
    if raw.request_areas:
        graaf = [g for t, _, g in raw.request_areas if t == "Graafpolygoon"]
        area = shapely.union_all(graaf or [g for _, _, g in raw.request_areas])
    rows: list[dict[str, Any]] = []
    geoms: list[Any] = []

    def add(row: dict[str, Any], geom: Any) -> None:
        row.setdefault("meldnummer", ctx.meldnummer)
        row.setdefault("levering_datum", ctx.datum)
        row["geometrie_is_verzoekgebied"] = geom is None and area is not None
        rows.append(row)
        geoms.append(geom if geom is not None else area)

    for gid, network, geom, attrs in raw.precaution_areas:
        code, name = ctx.operator(gid)
        add(dict(attrs, gml_id=gid, bronhoudercode=code, netbeheerder=name, thema=ctx.thema_of(network),
                 van_toepassing=True, bron="AanduidingEisVoorzorgsmaatregel"), geom)
    ev_codes: dict[tuple[str | None, str | None], list[str]] = defaultdict(list)
    for att in raw.attachments:
        if att["object_type"] != "EisVoorzorgsmaatregelBijlage":
            continue
        code, name = ctx.operator(att["gml_id"])
        if att["eis"]:
            ev_codes[(code, att["thema"])].append(att["eis"])
        add({"gml_id": att["gml_id"], "bronhoudercode": code, "netbeheerder": name, "thema": att["thema"],
             "eis": att["eis"], "van_toepassing": True, "bron": "EisVoorzorgsmaatregelBijlage",
             "net_omschrijving": att["toelichting"], "bijlage": att["pad"]}, None)
    for bh in raw.belanghebbenden:
        if bh["indicatie_ev"] is None:
            continue
        beheerder = raw.beheerders.get(bh["netbeheerder"] or "", {})
        code = beheerder.get("bronhoudercode") or bronhoudercode_from_id(bh["gml_id"])
        name = beheerder.get("naam") or ctx.names.get(code or "")
        themas: list[str | None] = [*sorted({t for n in bh["utiliteitsnetten"] if (t := ctx.thema_of(n))})] or [None]
        for thema in themas:
            eis = "; ".join(ev_codes.get((code, thema), [])) or None
            add({"gml_id": bh["gml_id"], "bronhoudercode": code, "netbeheerder": name, "thema": thema,
                 "eis": eis, "van_toepassing": bool(bh["indicatie_ev"]), "bron": "Belanghebbende"}, None)
    return _frame(rows, PRECAUTION_COLUMNS, geoms)


def _attachments(ctx: _Context) -> pd.DataFrame:
    raw, src = ctx.raw, ctx.src
    files = set(src.files)
    rows: list[dict[str, Any]] = []
    named: set[str] = set()
    for att in raw.attachments:
        code, name = ctx.operator(att["gml_id"])
        pad = att["pad"]
        present = (pad in files) if (pad and files) else None
        if pad:
            named.add(pad)
            if present is False:
                ctx.report.missing_attachments.append((raw.source, pad))
        rows.append({"meldnummer": ctx.meldnummer, "gml_id": att["gml_id"], "object_type": att["object_type"],
                     "soort": att["soort"], "bronhoudercode": code, "netbeheerder": name,
                     "thema": att["thema"], "pad": pad, "aanwezig": present,
                     "bestand_id": att["bestand_id"], "media_type": att["media_type"], "eis": att["eis"],
                     "toelichting": att["toelichting"], "levering": src.label})
    xml_base = src.xml_name.rsplit("/", 1)[-1]
    for f in sorted(files - named - {xml_base}):
        parts = f.split("/")
        code = parts[1] if len(parts) > 2 and parts[0] == "bronnen" else None
        soort = "startpagina" if f.lower().endswith(".html") else ("gebiedsinformatie_pdf" if f.startswith("LI_") else "bestand")
        rows.append({"meldnummer": ctx.meldnummer, "gml_id": None, "object_type": "bestand", "soort": soort,
                     "bronhoudercode": code, "netbeheerder": ctx.names.get(code or ""), "thema": None,
                     "pad": f, "aanwezig": True, "bestand_id": None, "media_type": f.rsplit(".", 1)[-1].upper(),
                     "eis": None, "toelichting": "niet verwezen vanuit de IMKL-XML", "levering": src.label})
    return _frame(rows, ATTACHMENT_COLUMNS, None)


def assemble(
    raw: RawDelivery, src: DeliverySource, report: KlicReport, *, depth_tolerance_m: float = 1.0
) -> dict[str, pd.DataFrame]:
    """Build the six layers of one delivery and add its counts to ``report``."""
    ctx = _Context(raw, src, report)
    report.deliveries.append({
        "source": src.label, "meldnummer": ctx.meldnummer, "imkl_versie": raw.version,
        "levering_datum": ctx.datum, "leveringsvolgnummer": raw.meta.get("leveringsvolgnummer"),
        "aanvraag_soort": raw.meta.get("aanvraag_soort"), "xml_bytes": src.xml_bytes,
    })
    report.features_per_type.update(raw.counts)
    report.unknown_types.update(raw.unknown_types)
    report.geometry_problems.extend((raw.source, g, why) for g, why in raw.geometry_problems)
    lines = _lines(ctx)
    _match_depths(lines, raw, depth_tolerance_m)
    return {
        "lines": lines,
        "points": _points(ctx),
        "areas": _areas(ctx),
        "precautions": _precautions(ctx),
        "request_areas": _request_areas(ctx),
        "attachments": _attachments(ctx),
    }
