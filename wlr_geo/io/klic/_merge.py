"""Merge the layers of several deliveries: each object once, nothing delivered lost.

A route of 20+ km needs many KLIC requests whose areas overlap, so the same cable arrives in
several deliveries under the same gml:id (operators keep their ids across deliveries). Rows
are identified by:

========================  ==============================================
layer                     key
========================  ==============================================
lines                     ``gml_id`` + ``link_id`` (KLIC delivers only the links near the
                          request area, so the union of links over deliveries is kept)
points, areas,            ``gml_id``
request_areas
precautions               ``gml_id`` + ``thema``
attachments               ``meldnummer`` + ``object_type`` + ``gml_id`` + ``pad``
========================  ==============================================

Deliveries are ranked by ``datumLeveringSamengesteld`` (then leveringsvolgnummer, then the
order given); for each key the row of the highest-ranked delivery is kept. Reading the same
delivery twice therefore yields each object once.

Lines are more than a choice: KLIC clips every network to the request area of its delivery,
so one object-link arrives in two overlapping deliveries as two *different pieces* of the same
UtilityLink. The kept row gets the line-merged union of all delivered pieces (a
MultiLineString where they do not touch), so every delivered stretch is kept and a stretch
delivered twice counts once; ``length_m`` and the Z range are recomputed, the other attributes
are the newest delivery's. The union is noded on a 1 mm grid (:data:`GRID_M`): a clipped
piece ends at a computed point that lies within float noise of the longer piece's segment, and
an exact union would keep both as slightly different lines and count that stretch twice.
Pieces identical to the kept one, or lying within 1 mm of it, add nothing and leave its
geometry untouched; they count as duplicates. ``report.line_pieces_joined`` counts the pieces
that did add line.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from wlr_geo.io.klic._model import KlicReport

__all__ = ["GRID_M", "KEYS", "merge_layers"]

#: Grid (m) on which pieces of one object-link are noded when joined (IMKL gives mm).
GRID_M = 0.001

KEYS: dict[str, tuple[str, ...]] = {
    "lines": ("gml_id", "link_id"),
    "points": ("gml_id",),
    "areas": ("gml_id",),
    "request_areas": ("gml_id",),
    "precautions": ("gml_id", "thema"),
    "attachments": ("meldnummer", "object_type", "gml_id", "pad"),
}


def _ranks(report: KlicReport) -> list[int]:
    """Rank per delivery (higher = newer), by date, volgnummer, input order."""
    dates = pd.to_datetime(
        pd.Series([d.get("levering_datum") for d in report.deliveries], dtype=object),
        utc=True, errors="coerce", format="ISO8601",
    )
    keys = []
    for i, d in enumerate(report.deliveries):
        date = dates.iloc[i]
        volg = d.get("leveringsvolgnummer")
        keys.append((
            0 if pd.isna(date) else 1,
            date.value if not pd.isna(date) else 0,
            int(volg) if volg and str(volg).isdigit() else 0,
            i,
        ))
    order = sorted(range(len(keys)), key=lambda i: keys[i])
    rank = [0] * len(keys)
    for r, i in enumerate(order):
        rank[i] = r
    return rank


def merge_layers(parts: list[dict[str, pd.DataFrame]], report: KlicReport) -> dict[str, pd.DataFrame]:
    """Concatenate per layer, drop duplicates (newest wins) and count them in ``report``."""
    ranks = _ranks(report)
    out: dict[str, pd.DataFrame] = {}
    for name, key in KEYS.items():
        filled = [(i, part[name]) for i, part in enumerate(parts) if len(part[name])]
        if not filled:
            out[name] = parts[0][name] if parts else pd.DataFrame()
            report.duplicates_dropped[name] = 0
            continue
        if len(filled) == 1:
            cat = filled[0][1]
        else:
            cat = pd.concat([df for _, df in filled], ignore_index=True)
            if isinstance(filled[0][1], gpd.GeoDataFrame):
                cat = gpd.GeoDataFrame(cat, geometry="geometry", crs=28992)
        # newest delivery first, within a delivery its own row order; keep each key's first row
        rank = np.concatenate([np.full(len(df), ranks[i]) for i, df in filled])
        newest_first = np.lexsort((np.arange(len(cat)), -rank))
        ordered_keys = cat[list(key)].iloc[newest_first]
        dup = ordered_keys.duplicated().to_numpy()
        keep = np.zeros(len(cat), dtype=bool)
        keep[newest_first[~dup]] = True
        if name == "lines" and dup.any():
            group = ordered_keys.groupby(list(key), sort=False, dropna=False).ngroup().to_numpy()
            _, first_pos = np.unique(group, return_index=True)
            kept_of = newest_first[first_pos[group]]  # per ordered row: its key's kept row
            cat = _join_pieces(cat, newest_first[dup], kept_of[dup], report)
        report.duplicates_dropped[name] = int(dup.sum()) - (report.line_pieces_joined if name == "lines" else 0)
        out[name] = (cat if keep.all() else cat[keep]).reset_index(drop=True)
    return out


def _join_pieces(lines: gpd.GeoDataFrame, older: np.ndarray, kept: np.ndarray, report: KlicReport) -> gpd.GeoDataFrame:
    """Give each kept row (``kept[i]``) the union of its piece and the ``older[i]`` rows' pieces.

    Rows are positions in ``lines``; the older rows are dropped by the caller. Sets
    ``report.line_pieces_joined`` (older pieces that added line) and ``report.lines_joined``
    (kept rows whose geometry grew).
    """
    geoms = lines.geometry.to_numpy()
    same = shapely.equals_exact(geoms[older], geoms[kept], tolerance=0.0)
    older, kept = older[~same], kept[~same]
    if not len(older):
        report.line_pieces_joined = report.lines_joined = 0
        return lines
    # pieces within 1 mm of the kept piece add nothing (a subset of it, or the same line)
    near = shapely.covered_by(geoms[older], shapely.buffer(geoms[kept], GRID_M))
    older, kept = older[~near], kept[~near]
    report.line_pieces_joined = len(older)
    report.lines_joined = len(np.unique(kept))
    if not len(older):
        return lines
    lines = lines.copy()
    new_geoms = geoms.copy()
    zmin = lines["z_min_m"].to_numpy(dtype="float64", copy=True)
    zmax = lines["z_max_m"].to_numpy(dtype="float64", copy=True)
    order = np.argsort(kept, kind="stable")
    kept_sorted, older_sorted = kept[order], older[order]
    starts = np.flatnonzero(np.r_[True, kept_sorted[1:] != kept_sorted[:-1]])
    for k, rows in zip(kept_sorted[starts], np.split(older_sorted, starts[1:]), strict=True):
        pieces = [geoms[k], *geoms[rows]]
        new_geoms[k] = shapely.line_merge(shapely.union_all(pieces, grid_size=GRID_M))
        zs = np.r_[zmin[k], zmin[rows]]
        if not np.isnan(zs).all():
            zmin[k] = np.nanmin(zs)
            zmax[k] = np.nanmax(np.r_[zmax[k], zmax[rows]])
    lines["geometry"] = gpd.GeoSeries(new_geoms, index=lines.index, crs=lines.crs)
    lines["z_min_m"] = zmin
    lines["z_max_m"] = zmax
    lines["length_m"] = lines.geometry.length
    return lines
