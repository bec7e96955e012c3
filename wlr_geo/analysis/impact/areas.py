"""Areas that nest: municipalities (gemeenten) and the wijken inside them.

Each municipality is the permit authority on its own territory, so the gemeente of every
stretch, crossing and object comes from the municipality layer, and a wijk is assigned only
within its own gemeente. :func:`nest_areas` turns the two layers into one partition of the
municipalities into pieces that carry ``gemeente`` and ``wijk``:

* a wijk belongs to the municipality with the same code (``gm_code``) where both layers carry
  one; otherwise to the municipality of the same name (the municipality-name column in the wijk
  layer); otherwise to the municipality it overlaps most;
* the wijk is clipped to its own municipality; what lies outside it is dropped, and the part of
  a municipality that none of its wijken covers is a piece with the gemeente and no wijk;
* outside every municipality polygon there is no gemeente (``"(buiten gemeenten)"`` in the
  tables): that is never a municipality.

Where the layers are ambiguous the result would be a guess, so these are errors that name the
layer, the feature and the fix: a municipality or wijk without a name, one name with two codes
(or one code with two names), and municipalities (or wijken of one gemeente) that overlap by
more than :data:`OVERLAP_TOLERANCE_M2`. Features of one name (and code) are taken as parts of
one area, with a note. Where the wijk and municipality layers disagree by more than
:data:`DISAGREEMENT_TOLERANCE_M2`, the disagreement is reported once, as a note.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from wlr_geo._errors import LayerValidationError
from wlr_geo._nl import nl
from wlr_geo.analysis.route.linear import keep_dimension

__all__ = [
    "CODE_COLUMNS",
    "DISAGREEMENT_TOLERANCE_M2",
    "OVERLAP_TOLERANCE_M2",
    "NestedAreas",
    "nest_areas",
]

log = logging.getLogger("wlr_geo")

#: Municipality-code columns looked for in both layers, first match wins (CBS/PDOK: gm_code).
CODE_COLUMNS: tuple[str, ...] = ("gm_code", "gemeentecode", "GM_CODE")

#: Overlap (m²) of two municipalities (or two wijken of one gemeente) above which the result
#: would be ambiguous: an error. Smaller slivers go to the first area by name, with a note.
OVERLAP_TOLERANCE_M2 = 1.0

#: Area (m²) of disagreement between the wijk and municipality layers above which a note
#: reports it.
DISAGREEMENT_TOLERANCE_M2 = 100.0


@dataclass
class NestedAreas:
    """The result of :func:`nest_areas`.

    Attributes
    ----------
    frame
        Disjoint pieces with ``gemeente`` and, when wijken were given, ``wijk`` (missing where
        the municipality has no wijk of its own), in the municipalities' CRS.
    wijk_outside_m2
        Wijk area that lies outside its own municipality (dropped).
    uncovered_m2
        Municipality area that none of its own wijken covers (pieces without a wijk).
    notes
        What was merged, dropped or assumed.
    """

    frame: gpd.GeoDataFrame
    wijk_outside_m2: float = 0.0
    uncovered_m2: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def disagree(self) -> bool:
        """True when the wijk and municipality layers disagree by more than the tolerance."""
        return self.wijk_outside_m2 + self.uncovered_m2 > DISAGREEMENT_TOLERANCE_M2


def _polygons(gdf: gpd.GeoDataFrame, layer: str, notes: list[str]) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Rows with a polygon geometry (others dropped with a note) and their repaired polygons."""
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    ok = np.isin(shapely.get_type_id(geoms), (3, 6)) & ~shapely.is_empty(geoms)
    if (~ok).any():
        notes.append(f"{layer}: {nl(int((~ok).sum()))} object(en) zonder vlakgeometrie genegeerd")
    gdf, geoms = gdf[ok], geoms[ok]
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        geoms = geoms.copy()
        geoms[bad] = keep_dimension(shapely.make_valid(geoms[bad]), np.full(int(bad.sum()), 2))
        notes.append(f"{layer}: {nl(int(bad.sum()))} ongeldig(e) vlak(ken) gerepareerd met make_valid")
    return gdf, geoms


def _names(gdf: gpd.GeoDataFrame, column: str, layer: str) -> np.ndarray:
    """The name column as plain strings; a missing or blank name is an error."""
    values = gdf[column].to_numpy(dtype=object)
    blank = np.asarray(pd.isna(values), dtype=bool)
    blank |= np.array([not str(v).strip() for v in values], dtype=bool)
    if blank.any():
        raise LayerValidationError(
            f"{nl(int(blank.sum()))} object(en) zonder naam in kolom {column!r}; hun trajecten, "
            "kruisingen en objecten kunnen niet aan een gebied worden toegerekend",
            layer=layer, feature=str(gdf.index[blank][0]),
            hint=f"vul {column!r} voor elk object, of verwijder de objecten zonder naam",
        )
    return np.array([str(v).strip() for v in values], dtype=object)


def _code_column(*frames: gpd.GeoDataFrame) -> str | None:
    return next((c for c in CODE_COLUMNS if all(c in f.columns for f in frames)), None)


def _merge_by_name(names: np.ndarray, codes: np.ndarray | None, geoms: np.ndarray, index: pd.Index,
                   layer: str, notes: list[str], *, group: np.ndarray | None = None,
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """One row per name (within ``group``): parts of one name are merged; a name with two
    codes or a code with two names is an error. Returns names, geometries, the first source
    position of each and the codes."""
    key = names if group is None else np.array([f"{g}\x1f{n}" for g, n in zip(group, names, strict=True)], dtype=object)
    if codes is not None:
        for a, b, what in ((key, codes, "naam"), (codes, key, "code")):
            frame = pd.DataFrame({"a": a, "b": b})
            n_b = frame.groupby("a")["b"].nunique()
            if (n_b > 1).any():
                bad = n_b[n_b > 1].index[0]
                pos = np.flatnonzero(a == bad)
                shown = sorted({str(v).split("\x1f")[-1] for v in b[pos]})
                raise LayerValidationError(
                    f"de {what} {str(bad).split(chr(31))[-1]!r} is aan {len(shown)} verschillende "
                    f"gebieden gegeven ({', '.join(shown)}); de trajecten daar zouden niet eenduidig worden "
                    "toegerekend",
                    layer=layer, feature=", ".join(str(index[p]) for p in pos[:5]),
                    hint="geef elk gebied één naam en één code (controleer op een typefout of een verouderd "
                         "object)",
                )
    uniq, first, inv = np.unique(key, return_index=True, return_inverse=True)
    if len(uniq) == len(key):
        return names, geoms, np.arange(len(names)), codes
    order = np.argsort(first, kind="stable")  # keep input order
    merged = np.empty(len(uniq), dtype=object)
    for k in range(len(uniq)):
        parts = geoms[inv == k]
        merged[k] = parts[0] if len(parts) == 1 else shapely.union_all(parts)
    n_dup = int(len(key) - len(uniq))
    dup_names = sorted({str(names[i]) for i in range(len(key)) if (inv == inv[i]).sum() > 1})
    notes.append(f"{layer}: {nl(n_dup)} object(en) delen een naam met een ander ({', '.join(dup_names[:5])}"
                 f"{', …' if len(dup_names) > 5 else ''}); objecten met dezelfde naam gelden als delen van één "
                 "gebied")
    return (names[first][order], merged[order], first[order],
            codes[first][order] if codes is not None else None)


def _check_overlaps(names: np.ndarray, geoms: np.ndarray, index: pd.Index, layer: str, notes: list[str],
                    *, group: np.ndarray | None = None) -> np.ndarray:
    """Make the areas disjoint: an overlap above the tolerance is an error; a sliver below it
    goes to the area first by name (within ``group``), noted."""
    tree = shapely.STRtree(geoms)
    pairs = tree.query(geoms, predicate="intersects")
    pairs = pairs[:, pairs[0] < pairs[1]]
    if group is not None:
        pairs = pairs[:, group[pairs[0]] == group[pairs[1]]]
    if pairs.shape[1] == 0:
        return geoms
    area = shapely.area(shapely.intersection(geoms[pairs[0]], geoms[pairs[1]]))
    big = np.flatnonzero(area > OVERLAP_TOLERANCE_M2)
    if len(big):
        k = big[np.argmax(area[big])]
        i, j = pairs[0][k], pairs[1][k]
        raise LayerValidationError(
            f"{names[i]!r} en {names[j]!r} overlappen over {nl(area[k], 0)} m² "
            f"({nl(len(big))} overlappend(e) paar/paren); wat daar ligt, kan niet aan één van beide worden "
            "toegerekend",
            layer=layer, feature=f"{index[i]}, {index[j]}",
            hint="corrigeer de grenzen zodat ze niet overlappen (neem ze uit één uitgave, "
            "bijvoorbeeld CBS/PDOK bestuurlijke gebieden)",
        )
    sliver = area > 1e-6  # below: rounding noise of an overlay, not an overlap
    if not sliver.any():
        return geoms
    geoms = geoms.copy()
    for k in np.flatnonzero(sliver):  # slivers only: few
        i, j = pairs[0][k], pairs[1][k]
        keep, lose = (i, j) if (str(names[i]), i) <= (str(names[j]), j) else (j, i)
        geoms[lose] = shapely.difference(geoms[lose], geoms[keep])
    notes.append(f"{layer}: {nl(int(sliver.sum()))} overlapping(en) kleiner dan {nl(OVERLAP_TOLERANCE_M2)} m² "
                 f"({nl(float(area[sliver].sum()), 3)} m² in totaal) eenmaal geteld, in het gebied dat op "
                 "naam eerst komt")
    return geoms


def nest_areas(
    municipalities: gpd.GeoDataFrame | None,
    wijken: gpd.GeoDataFrame | None,
    *,
    municipality_column: str = "gm_naam",
    wijk_column: str = "wk_naam",
) -> NestedAreas | None:
    """One disjoint partition with ``gemeente`` and ``wijk`` from the two boundary layers.

    Parameters
    ----------
    municipalities
        Municipality polygons with ``municipality_column`` (and optionally ``gm_code``).
    wijken
        Wijk polygons with ``wijk_column`` (and optionally ``gm_code`` or
        ``municipality_column``, to match each wijk to its municipality).
    municipality_column, wijk_column
        Name columns.

    Returns
    -------
    NestedAreas or None
        None when neither layer is given.

    Raises
    ------
    LayerValidationError
        Missing names, a name with two codes, overlapping municipalities (or wijken of one
        gemeente) beyond :data:`OVERLAP_TOLERANCE_M2`.

    Examples
    --------
    >>> gm = gpd.GeoDataFrame({"gm_naam": ["A", "B"]}, geometry=[shapely.box(0, 0, 10, 10),
    ...                       shapely.box(10, 0, 20, 10)], crs=28992)
    >>> wk = gpd.GeoDataFrame({"wk_naam": ["W"], "gm_naam": ["A"]},
    ...                       geometry=[shapely.box(0, 0, 12, 5)], crs=28992)
    >>> nested = nest_areas(gm, wk)
    >>> table = nested.frame.assign(area=nested.frame.area).fillna({"wijk": "-"})
    >>> table[["gemeente", "wijk", "area"]].values.tolist()
    [['A', 'W', 50.0], ['A', '-', 50.0], ['B', '-', 100.0]]
    >>> nested.wijk_outside_m2, nested.uncovered_m2
    (10.0, 150.0)
    """
    if municipalities is None and wijken is None:
        return None
    notes: list[str] = []
    if municipalities is None:
        assert wijken is not None
        wk, wgeoms = _polygons(wijken, "wijken", notes)
        wnames = _names(wk, wijk_column, "wijken")
        gm = (np.array([None if pd.isna(v) else str(v) for v in wk[municipality_column].to_numpy(dtype=object)],
                       dtype=object) if municipality_column in wk.columns else np.full(len(wk), None, dtype=object))
        group = np.array(["" if g is None else g for g in gm], dtype=object)
        wnames, wgeoms, first, _ = _merge_by_name(wnames, None, wgeoms, wk.index, "wijken", notes, group=group)
        gm, group = gm[first], group[first]
        wgeoms = _check_overlaps(wnames, wgeoms, wk.index[first], "wijken", notes, group=None)
        frame = gpd.GeoDataFrame({"gemeente": gm, "wijk": wnames}, geometry=wgeoms, crs=wijken.crs)
        return NestedAreas(frame, notes=notes)

    gmf, ggeoms = _polygons(municipalities, "municipalities", notes)
    if len(gmf) == 0:
        raise LayerValidationError("de laag municipalities heeft geen vlakobjecten", layer="municipalities",
                                   hint="geef een laag met de gemeentegrenzen, of laat haar weg")
    gnames = _names(gmf, municipality_column, "municipalities")
    code_col = _code_column(gmf) if wijken is None else (_code_column(gmf, wijken) or _code_column(gmf))
    gcodes = (np.array([str(v).strip() if pd.notna(v) else "" for v in gmf[code_col].to_numpy(dtype=object)],
                       dtype=object) if code_col else None)
    gnames, ggeoms, gfirst, gcodes = _merge_by_name(gnames, gcodes, ggeoms, gmf.index, "municipalities", notes)
    gindex = gmf.index[gfirst]
    ggeoms = _check_overlaps(gnames, ggeoms, gindex, "municipalities", notes)
    if wijken is None:
        frame = gpd.GeoDataFrame({"gemeente": gnames}, geometry=ggeoms, crs=municipalities.crs)
        return NestedAreas(frame, notes=notes)

    wk, wgeoms = _polygons(wijken, "wijken", notes)
    wnames = _names(wk, wijk_column, "wijken")
    owner = _owners(wk, wgeoms, gnames, gcodes, ggeoms, code_col, municipality_column, notes)
    # clip each wijk to its own municipality
    has = owner >= 0
    clipped = np.full(len(wk), None, dtype=object)
    if has.any():
        clipped[has] = keep_dimension(shapely.intersection(wgeoms[has], ggeoms[owner[has]]),
                                      np.full(int(has.sum()), 2))
    area_in = np.zeros(len(wk))
    area_in[has] = shapely.area(clipped[has])
    outside_m2 = float(np.nansum(shapely.area(wgeoms)) - np.nansum(area_in))
    keep = has & (area_in > 0)
    wnames, clipped, owner, windex = wnames[keep], clipped[keep], owner[keep], wk.index[keep]
    wnames, clipped, first, _ = _merge_by_name(wnames, None, clipped, windex, "wijken", notes,
                                               group=owner.astype(str))
    owner, windex = owner[first], windex[first]
    clipped = _check_overlaps(wnames, clipped, windex, "wijken", notes, group=owner)
    # the part of each municipality that none of its own wijken covers
    rest = ggeoms.copy()
    for g in np.unique(owner):
        rest[g] = shapely.difference(ggeoms[g], shapely.union_all(clipped[owner == g]))
    rest = keep_dimension(np.asarray(rest, dtype=object), np.full(len(rest), 2))
    rest_area = shapely.area(rest)
    uncovered_m2 = float(rest_area.sum())
    r = np.flatnonzero(rest_area > 0)
    gem = np.concatenate([gnames[owner], gnames[r]]).astype(object)
    wijk = np.concatenate([wnames, np.full(len(r), None, dtype=object)]).astype(object)
    geoms = np.concatenate([clipped, rest[r]])
    order = np.lexsort((np.arange(len(gem)), np.concatenate([owner, r])))  # grouped by municipality
    frame = gpd.GeoDataFrame({"gemeente": gem[order], "wijk": wijk[order]}, geometry=geoms[order],
                             crs=municipalities.crs)
    nested = NestedAreas(frame, wijk_outside_m2=max(outside_m2, 0.0), uncovered_m2=uncovered_m2, notes=notes)
    return nested


def _owners(wk: gpd.GeoDataFrame, wgeoms: np.ndarray, gnames: np.ndarray, gcodes: np.ndarray | None,
            ggeoms: np.ndarray, code_col: str | None, municipality_column: str, notes: list[str]) -> np.ndarray:
    """Position of each wijk's own municipality (-1: none), by code, else name, else overlap."""
    if code_col is not None and gcodes is not None and code_col in wk.columns:
        lookup = {c: i for i, c in enumerate(gcodes)}
        codes = [str(v).strip() if pd.notna(v) else "" for v in wk[code_col].to_numpy(dtype=object)]
        owner = np.array([lookup.get(c, -1) for c in codes], dtype=np.intp)
        how = f"code ({code_col})"
    elif municipality_column in wk.columns:
        lookup = {str(n): i for i, n in enumerate(gnames)}
        names = [str(v).strip() if pd.notna(v) else "" for v in wk[municipality_column].to_numpy(dtype=object)]
        owner = np.array([lookup.get(n, -1) for n in names], dtype=np.intp)
        how = f"naam ({municipality_column})"
    else:
        owner = np.full(len(wk), -1, dtype=np.intp)
        wi, gi = shapely.STRtree(ggeoms).query(wgeoms, predicate="intersects")
        if len(wi):
            area = shapely.area(shapely.intersection(wgeoms[wi], ggeoms[gi]))
            best = pd.DataFrame({"w": wi, "g": gi, "a": area}).sort_values(["w", "a"], ascending=[True, False])
            best = best[best["a"] > 0].drop_duplicates("w")
            owner[best["w"].to_numpy()] = best["g"].to_numpy()
        how = "grootste overlap"
    lost = owner < 0
    if lost.any():
        notes.append(f"wijken: {nl(int(lost.sum()))} wijk(en) passen op {how} bij geen gemeente en zijn "
                     f"weggelaten ({', '.join(map(str, wk.index[lost][:5]))}); hun oppervlak telt zonder wijk")
    return owner
