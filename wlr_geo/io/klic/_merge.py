"""Merge the layers of several deliveries: each object once, the newest delivery wins.

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
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from wlr_geo.io.klic._model import KlicReport

__all__ = ["KEYS", "merge_layers"]

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
        dup = cat[list(key)].iloc[newest_first].duplicated().to_numpy()
        keep = np.zeros(len(cat), dtype=bool)
        keep[newest_first[~dup]] = True
        report.duplicates_dropped[name] = int(dup.sum())
        out[name] = (cat if keep.all() else cat[keep]).reset_index(drop=True)
    return out
