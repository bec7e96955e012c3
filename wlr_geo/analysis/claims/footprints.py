"""Space claims (ruimteclaims): schema, footprints, conflicts and the multi-year programme.

A *claims layer* holds one feature per claim on space by a heat-transition facility
(warmteoverdrachtstation, boosterstation, buffer/opslag, energiehub, distributieleiding,
werkterrein), with its initiator, period and status. Claims may be drawn as polygons or
given as points/lines, in which case :func:`claim_footprints` draws them from a per-type
:class:`ClaimTemplate` (rectangle or strip plus a clearance ring). The default templates in
``wlr_geo/defaults/claim_templates.toml`` are **assumptions**, not published figures.

Conflicts and the multi-year programme are in :mod:`wlr_geo.analysis.claims.conflicts`.

Schema of a claims layer (:func:`validate_claims`):

============== ========================================================================
column         meaning
============== ========================================================================
claim_id       unique id (text)
facility_type  one of the template keys (aliases such as "energy hub" are accepted)
initiatiefnemer owner / initiative (text; may be empty)
year_from      first year of the claim (int); or ``periode`` "2026–2030" / "2026"
year_to        last year of the claim, inclusive (int)
status         wens, gepland, vergund or gerealiseerd
bron           source of the claim (optional text)
indicatief     True when the claim is an illustration, not a plan (optional bool)
============== ========================================================================
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import affinity

from wlr_geo._errors import ConfigError, LayerValidationError, Problem, WlrGeoInputError
from wlr_geo._options import MAX_WIDTH_M, object_problems, option, raise_problems
from wlr_geo._toml import read_toml
from wlr_geo.crs import RD_NEW, ensure_rd
from wlr_geo.defaults import default_path
from wlr_geo.validate import GEOMETRY_FAMILIES, validate_layer

__all__ = [
    "CLAIM_STATUSES",
    "DEFAULT_TEMPLATES_PATH",
    "KLIC_PROTECTED_THEMES",
    "ClaimTemplate",
    "ClaimsOptions",
    "ClaimsSettings",
    "claim_footprints",
    "klic_protection_strips",
    "load_claim_templates",
    "load_klic_protection_widths",
    "parse_periode",
    "validate_claims",
]

log = logging.getLogger("wlr_geo")

#: Allowed values of ``status``, in the order a claim matures.
CLAIM_STATUSES: tuple[str, ...] = ("wens", "gepland", "vergund", "gerealiseerd")

#: IMKL themes whose cables/pipes get a protection strip by default.
KLIC_PROTECTED_THEMES: tuple[str, ...] = (
    "gasHogeDruk", "buisleidingGevaarlijkeInhoud", "hoogspanning", "landelijkHoogspanningsnet",
)

DEFAULT_TEMPLATES_PATH = default_path("claim_templates.toml")

_ALIASES = {
    "wos": "warmteoverdrachtstation",
    "booster": "boosterstation",
    "buffer": "buffer_opslag",
    "opslag": "buffer_opslag",
    "warmteopslag": "buffer_opslag",
    "energy_hub": "energiehub",
    "energyhub": "energiehub",
    "energie_hub": "energiehub",
    "distribution_main": "distributieleiding",
    "hoofdleiding": "distributieleiding",
    "bouwterrein": "werkterrein",
}
_TEMPLATE_KEYS = {"label", "width_m", "length_m", "footprint_m2", "clearance_m", "note"}
_YEAR_MIN, _YEAR_MAX = 1900, 2200


@dataclass(frozen=True)
class ClaimTemplate:
    """How to draw the footprint of one facility type (an assumption the user may edit).

    Parameters
    ----------
    facility_type
        Code of the facility type (e.g. ``"warmteoverdrachtstation"``).
    label
        Dutch label for maps and reports.
    width_m, length_m
        Rectangle around a point claim (short side, long side along x); ``width_m`` is also the
        full strip width around a line claim.
    footprint_m2
        Alternative to width × length: a square of this area around a point.
    clearance_m
        Clearance ring added around the footprint (mitred buffer).
    note
        Where the figures come from.
    """

    facility_type: str
    label: str = ""
    width_m: float | None = None
    length_m: float | None = None
    footprint_m2: float | None = None
    clearance_m: float = 0.0
    note: str = "aanname"

    def rectangle_m(self) -> tuple[float, float] | None:
        """(width, length) of the rectangle around a point claim, or None if not defined."""
        if self.width_m is not None and self.length_m is not None:
            return float(self.width_m), float(self.length_m)
        if self.footprint_m2 is not None:
            side = math.sqrt(float(self.footprint_m2))
            return side, side
        return None

    @classmethod
    def from_dict(cls, facility_type: str, table: Mapping[str, Any], *, base: ClaimTemplate | None = None) -> ClaimTemplate:
        """Build (or update ``base``) from a TOML table; raises :class:`ConfigError` on bad keys."""
        if not isinstance(table, Mapping):
            raise ConfigError(f"[claims.templates.{facility_type}] moet een tabel zijn",
                              hint=f"schrijf het sjabloon als tabel [claims.templates.{facility_type}]")
        unknown = set(table) - _TEMPLATE_KEYS
        if unknown:
            raise ConfigError(
                f"[claims.templates.{facility_type}] heeft onbekende sleutels {sorted(unknown)}",
                hint=f"gebruik alleen {sorted(_TEMPLATE_KEYS)}",
            )
        values: dict[str, Any] = {}
        for key in ("width_m", "length_m", "footprint_m2", "clearance_m"):
            if key in table:
                v = table[key]
                if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v < 0 or (v == 0 and key != "clearance_m"):
                    raise ConfigError(
                        f"[claims.templates.{facility_type}] {key} = {v!r} moet een positief getal zijn",
                        hint="geef meters (of m² voor footprint_m2) als getal > 0",
                    )
                values[key] = float(v)
        for key in ("label", "note"):
            if key in table:
                values[key] = str(table[key])
        template = replace(base, **values) if base is not None else cls(facility_type=facility_type, **values)
        if not template.label:
            template = replace(template, label=facility_type)
        return template


def _prepared(gdf: gpd.GeoDataFrame, name: str, source: str | None = None) -> gpd.GeoDataFrame:
    """``gdf`` in EPSG:28992 with null/empty geometries dropped and invalid ones repaired (logged)."""
    out, report = validate_layer(ensure_rd(gdf, source=source, layer=name), source=source, layer=name,
                                 geometry_types=list(GEOMETRY_FAMILIES), allow_empty=True)
    if report.repaired_invalid or report.dropped_collapsed:
        log.info("%s: %s", name, report.summary())
    return out


def _normalise_type(value: object) -> str:
    text = re.sub(r"[\s/\-]+", "_", str(value).strip().lower())
    return _ALIASES.get(text, text)


def load_claim_templates(
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    path: str | Path | None = None,
) -> dict[str, ClaimTemplate]:
    """Load the default templates (assumptions) and apply user overrides.

    Parameters
    ----------
    overrides
        ``{facility_type: {key: value}}`` as in ``[claims.templates]`` of a project config; a new
        facility type may be added this way.
    path
        Another templates TOML file instead of the packaged defaults.

    Returns
    -------
    dict
        facility type code → :class:`ClaimTemplate`.
    """
    src = Path(path) if path is not None else DEFAULT_TEMPLATES_PATH
    raw = read_toml(src, what="claimsjablonenbestand")
    templates = {
        code: ClaimTemplate.from_dict(code, table) for code, table in raw.get("templates", {}).items()
    }
    for code, table in (overrides or {}).items():
        key = _normalise_type(code)
        templates[key] = ClaimTemplate.from_dict(key, table, base=templates.get(key))
    return templates


def load_klic_protection_widths(
    overrides: Mapping[str, Any] | None = None, *, path: str | Path | None = None
) -> dict[str, float]:
    """Protection-strip half widths (m each side) per IMKL thema: defaults (assumptions) + overrides."""
    src = Path(path) if path is not None else DEFAULT_TEMPLATES_PATH
    raw = read_toml(src, what="claimsjablonenbestand")
    widths = {str(k): float(v) for k, v in raw.get("klic_protection_m", {}).items()}
    for k, v in (overrides or {}).items():
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v < 0:
            raise ConfigError(
                f"[claims.klic_protection_m] {k} = {v!r} moet een getal ≥ 0 zijn (meters aan elke kant)",
                hint="bijvoorbeeld gasHogeDruk = 5.0; gebruik 0 om een thema uit te zetten",
            )
        widths[str(k)] = float(v)
    return {k: v for k, v in widths.items() if v > 0}


@dataclass(frozen=True)
class ClaimsOptions:
    """The ``[claims]`` section of a project config (built and checked by :mod:`wlr_geo.config`)."""

    templates: Mapping[str, ClaimTemplate] = option(
        default_factory=lambda: load_claim_templates(),
        help="Footprint template per facility type ([claims.templates.<type>]: label, width_m, length_m, "
             "footprint_m2, clearance_m, note), overriding the packaged assumptions.")
    klic_protection_m: Mapping[str, float] = option(
        default_factory=lambda: load_klic_protection_widths(), unit="m", ge=0, lt=MAX_WIDTH_M,
        help="Protection-strip half width per IMKL thema ([claims.klic_protection_m]; 0 switches a thema off).",
        example="{ gasHogeDruk = 5.0 }")
    tolerance_m2: float = option(0.01, unit="m2", ge=0, le=1e9,
                                 help="Overlap up to which claims only touch (not a conflict).")
    municipality_name_column: str = option("gm_naam", help="Municipality name column of the programme.")

    def __post_init__(self) -> None:
        raise_problems(object_problems(self, "[claims]"))


#: The former name of :class:`ClaimsOptions`.
ClaimsSettings = ClaimsOptions


_PERIODE = re.compile(r"^\s*(\d{4})\s*(?:[-–—/]|t/m|tot)\s*(\d{4})\s*$|^\s*(\d{4})\s*$")


def parse_periode(text: object) -> tuple[int, int]:
    """Parse ``"2026–2030"``, ``"2026-2030"``, ``"2026 t/m 2030"`` or ``"2027"`` into years.

    Raises
    ------
    ValueError
        The text is not such a period, or the first year is after the last.
    """
    m = _PERIODE.match(str(text))
    if not m:
        raise ValueError(f"periode {text!r} is onleesbaar; schrijf haar als 2026–2030 of 2027")
    if m.group(3):
        y = int(m.group(3))
        return y, y
    a, b = int(m.group(1)), int(m.group(2))
    if a > b:
        raise ValueError(f"periode {text!r} eindigt voordat ze begint")
    return a, b


def _as_year(value: object) -> int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    try:
        f = float(str(value).strip())
    except ValueError:
        return None
    if not math.isfinite(f) or f != int(f):
        return None
    return int(f)


def validate_claims(
    claims: gpd.GeoDataFrame,
    *,
    templates: Mapping[str, ClaimTemplate] | None = None,
    source: str | None = None,
    layer: str | None = "claims",
) -> gpd.GeoDataFrame:
    """Check a claims layer against the schema and return a normalised copy in EPSG:28992.

    All problems are collected and raised together. ``periode`` is parsed into
    ``year_from``/``year_to`` when those are absent; ``facility_type`` aliases are mapped to
    codes; ``bron`` and ``indicatief`` are added when missing (empty / False).

    Raises
    ------
    LayerValidationError
        Missing columns, duplicate or empty ids, unknown facility types or statuses, bad or
        inverted years, missing geometries.
    """
    templates = templates if templates is not None else load_claim_templates()
    problems: list[Problem] = []

    def problem(msg: str, feature: object = None, hint: str | None = None) -> None:
        problems.append(Problem(msg, source=source, layer=layer, feature=None if feature is None else str(feature), hint=hint))

    if not isinstance(claims, gpd.GeoDataFrame):
        raise WlrGeoInputError("claims moet een GeoDataFrame zijn", source=source, layer=layer)
    if len(claims) == 0:
        raise LayerValidationError("de claimslaag heeft geen objecten", source=source, layer=layer,
                                   hint="voeg minstens één claim toe")
    out = ensure_rd(claims, source=source, layer=layer).copy()
    cols = set(out.columns)
    has_years = {"year_from", "year_to"} <= cols
    missing = [c for c in ("claim_id", "facility_type", "status") if c not in cols]
    if not has_years and "periode" not in cols:
        missing.append("year_from/year_to (of periode)")
    if missing:
        raise LayerValidationError(
            f"de claimslaag mist kolom(men) {', '.join(missing)}; ze heeft {', '.join(map(str, out.columns))}",
            source=source, layer=layer,
            hint="zie het claimsschema in de README (claim_id, facility_type, initiatiefnemer, year_from, "
                 "year_to, status)",
        )
    ids = out["claim_id"].astype("string").str.strip()
    for row_no in np.flatnonzero((ids.isna() | (ids == "")).to_numpy()):
        problem("claim zonder claim_id", feature=f"rij {row_no}", hint="geef elke claim een id")
    dup = ids.duplicated(keep=False) & ids.notna()
    if dup.any():
        vals = sorted(set(ids[dup].astype(str)))
        problem(f"claim_id komt meer dan eens voor: {', '.join(vals[:10])}", feature=vals[0],
                hint="maak de claim-ids uniek")
    out["claim_id"] = ids.astype(object)

    types = out["facility_type"].map(lambda v: None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else _normalise_type(v))
    for cid, t in zip(out["claim_id"], types, strict=True):
        if t not in templates:
            problem(
                f"onbekend facility_type {t!r}", feature=cid,
                hint=f"gebruik een van {', '.join(sorted(templates))}, of voeg [claims.templates.{t}] toe aan "
                     "de configuratie",
            )
    out["facility_type"] = types.astype(object)

    status = out["status"].map(lambda v: str(v).strip().lower() if isinstance(v, str) else None)
    for cid, s, raw in zip(out["claim_id"], status, out["status"], strict=True):
        if s not in CLAIM_STATUSES:
            problem(f"status {raw!r} is niet een van {', '.join(CLAIM_STATUSES)}", feature=cid,
                    hint="gebruik wens, gepland, vergund of gerealiseerd")
    out["status"] = status.astype(object)

    y_from: list[int | None] = []
    y_to: list[int | None] = []
    for pos, cid in enumerate(out["claim_id"]):
        a = _as_year(out["year_from"].iloc[pos]) if has_years else None
        b = _as_year(out["year_to"].iloc[pos]) if has_years else None
        if (a is None or b is None) and "periode" in cols:
            p = out["periode"].iloc[pos]
            if isinstance(p, str) and p.strip():
                try:
                    a, b = parse_periode(p)
                except ValueError as exc:
                    problem(str(exc), feature=cid, hint="schrijf periode als 2026–2030")
        if a is None or b is None:
            problem("claim heeft geen geldige year_from/year_to (of periode)", feature=cid,
                    hint="geef hele jaren, bijvoorbeeld year_from = 2026, year_to = 2030")
        elif not (_YEAR_MIN <= a <= _YEAR_MAX and _YEAR_MIN <= b <= _YEAR_MAX):
            problem(f"jaren {a}–{b} liggen buiten {_YEAR_MIN}–{_YEAR_MAX}", feature=cid,
                    hint="controleer de jaarkolommen")
        elif a > b:
            problem(f"year_from {a} ligt na year_to {b}", feature=cid, hint="verwissel de jaren")
        y_from.append(a)
        y_to.append(b)
    geom = out.geometry.values
    bad_geom = shapely.is_missing(np.asarray(geom)) | shapely.is_empty(np.asarray(geom))
    for cid in out["claim_id"][bad_geom]:
        problem("claim heeft geen geometrie", feature=cid, hint="teken de claim of geef de locatie als punt")
    if problems:
        raise LayerValidationError(problems=problems)
    before = out
    out = _prepared(out, layer or "claims", source)  # repairs invalid polygons, checks coordinates
    if len(out) != len(before):
        lost = before.loc[~before.index.isin(out.index), "claim_id"].astype(str).tolist()
        raise LayerValidationError(
            f"claimgeometrieën vallen bij reparatie weg (geen oppervlak over): {', '.join(lost[:10])}",
            source=source, layer=layer, feature=lost[0], hint="teken die claims opnieuw als geldige vlakken",
        )
    out["year_from"] = pd.array(y_from, dtype="int64")
    out["year_to"] = pd.array(y_to, dtype="int64")
    if "initiatiefnemer" not in cols:
        out["initiatiefnemer"] = ""
    if "bron" not in cols:
        out["bron"] = ""
    out["indicatief"] = out["indicatief"].fillna(False).astype(bool) if "indicatief" in cols else False
    return out


def _column_float(gdf: gpd.GeoDataFrame, column: str) -> np.ndarray:
    if column not in gdf.columns:
        return np.full(len(gdf), np.nan)
    return pd.to_numeric(gdf[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def claim_footprints(
    claims: gpd.GeoDataFrame,
    templates: Mapping[str, ClaimTemplate] | None = None,
    *,
    include_clearance: bool = True,
    validate: bool = True,
) -> gpd.GeoDataFrame:
    """Turn claims into polygons: drawn polygons as drawn, points and lines from templates.

    A point becomes a ``width_m × length_m`` rectangle centred on it (long side along x, turned
    by ``rotation_deg`` counter-clockwise when the claim has that column), or a square of
    ``footprint_m2``; a line becomes a strip ``width_m`` wide (flat ends). Per-claim columns
    ``width_m``, ``length_m``, ``footprint_m2`` and ``clearance_m`` override the template. The
    clearance ring (mitred buffer of ``clearance_m``) is added when ``include_clearance``.
    A drawn polygon gets no clearance unless the claim has a ``clearance_m`` value.

    Returns
    -------
    GeoDataFrame
        The validated claims with polygon geometry (the whole claimed space) and the columns
        ``footprint_source`` ("getekend"/"sjabloon"), ``footprint_m2`` (before clearance),
        ``clearance_m`` and ``area_m2`` (claimed area with clearance).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> c = gpd.GeoDataFrame({"claim_id": ["a"], "facility_type": ["werkterrein"],
    ...     "year_from": [2026], "year_to": [2027], "status": ["wens"]},
    ...     geometry=[Point(93700, 463800)], crs=28992)
    >>> round(float(claim_footprints(c)["area_m2"].iloc[0]))
    1500
    """
    templates = templates if templates is not None else load_claim_templates()
    gdf = validate_claims(claims, templates=templates) if validate else claims.copy()
    geoms = np.asarray(gdf.geometry.values)
    kind = shapely.get_type_id(geoms)  # 0/4 point, 1/2/5 line, 3/6 polygon
    w_col, l_col = _column_float(gdf, "width_m"), _column_float(gdf, "length_m")
    a_col, c_col = _column_float(gdf, "footprint_m2"), _column_float(gdf, "clearance_m")
    rot = np.nan_to_num(_column_float(gdf, "rotation_deg"), nan=0.0)
    out_geoms: list[shapely.Geometry] = []
    fp_area = np.zeros(len(gdf))
    clearance = np.zeros(len(gdf))
    source: list[str] = []
    problems: list[Problem] = []
    for i, (cid, ftype) in enumerate(zip(gdf["claim_id"], gdf["facility_type"], strict=True)):
        t = templates[ftype]
        g = geoms[i]
        if kind[i] in (3, 6):
            fp = g
            clr = c_col[i] if np.isfinite(c_col[i]) else 0.0
            source.append("getekend")
        else:
            clr = c_col[i] if np.isfinite(c_col[i]) else t.clearance_m
            width = w_col[i] if np.isfinite(w_col[i]) else t.width_m
            source.append("sjabloon")
            if kind[i] in (1, 2, 5):
                if width is None or width <= 0:
                    problems.append(Problem(f"een lijnclaim van type {ftype!r} heeft een strookbreedte nodig",
                                            layer="claims", feature=str(cid),
                                            hint=f"zet width_m in [claims.templates.{ftype}] of in een kolom width_m"))
                    out_geoms.append(None)
                    continue
                fp = shapely.buffer(g, width / 2.0, cap_style="flat", join_style="mitre")
            else:
                rect = t.rectangle_m()
                if np.isfinite(a_col[i]) and a_col[i] > 0:
                    rect = (math.sqrt(a_col[i]),) * 2
                if np.isfinite(w_col[i]) and np.isfinite(l_col[i]):
                    rect = (w_col[i], l_col[i])
                if rect is None:
                    problems.append(Problem(f"een puntclaim van type {ftype!r} heeft een afmeting van het "
                                            "ruimtebeslag nodig", layer="claims", feature=str(cid),
                                            hint=f"zet width_m en length_m (of footprint_m2) in "
                                                 f"[claims.templates.{ftype}], of teken de claim"))
                    out_geoms.append(None)
                    continue
                fps = []
                for p in getattr(g, "geoms", [g]):
                    w, length = rect
                    box = shapely.box(p.x - length / 2, p.y - w / 2, p.x + length / 2, p.y + w / 2)
                    fps.append(affinity.rotate(box, rot[i], origin=p) if rot[i] else box)
                fp = shapely.union_all(fps)
        fp_area[i] = fp.area
        clearance[i] = clr
        out_geoms.append(shapely.buffer(fp, clr, join_style="mitre") if include_clearance and clr > 0 else fp)
    if problems:
        raise LayerValidationError(problems=problems)
    out = gdf.copy()
    out["footprint_source"] = source
    out["footprint_m2"] = fp_area
    out["clearance_m"] = clearance
    out = out.set_geometry(gpd.GeoSeries(out_geoms, index=out.index, crs=RD_NEW))
    out["area_m2"] = out.geometry.area
    out["facility_label"] = [templates[t].label for t in out["facility_type"]]
    return out


def klic_protection_strips(
    cables: gpd.GeoDataFrame,
    *,
    widths_m: Mapping[str, float] | None = None,
    thema_column: str = "thema",
) -> gpd.GeoDataFrame:
    """Protection strips around high-pressure gas, hazardous-pipeline and high-voltage cables.

    Parameters
    ----------
    cables
        Cable/pipe lines (e.g. from a KLIC delivery) with a ``thema`` column (IMKL code list
        values such as ``gasHogeDruk``, ``hoogspanning``).
    widths_m
        Half width (m, each side) per thema; default :func:`load_klic_protection_widths`
        (assumptions). Themes not listed get no strip.

    Returns
    -------
    GeoDataFrame
        One polygon per protected cable with ``thema``, ``protection_m`` and ``object_id``
        (from ``object_id``/``identificatie``/``lokaalid``/``gml_id``/``id`` or the index).
    """
    widths = dict(widths_m) if widths_m is not None else load_klic_protection_widths()
    if thema_column not in cables.columns:
        raise WlrGeoInputError(
            f"de laag cables heeft geen kolom {thema_column!r}", layer="cables",
            hint="lees de KLIC-levering met wlr_geo.io.klic.read_klic, dat thema invult",
        )
    gdf = _prepared(cables, "cables")
    thema = gdf[thema_column].astype("string")
    half = thema.map(lambda t: widths.get(str(t), 0.0) if t is not pd.NA else 0.0).to_numpy(dtype=float)
    keep = half > 0
    sel = gdf.loc[keep]
    ids = _object_ids(sel, None)
    strips = shapely.buffer(np.asarray(sel.geometry.values), half[keep])
    return gpd.GeoDataFrame(
        {"object_id": list(ids), "thema": list(thema[keep].astype(str)), "protection_m": half[keep]},
        geometry=gpd.GeoSeries(strips, crs=RD_NEW), crs=RD_NEW,
    )


def _object_ids(gdf: gpd.GeoDataFrame, column: str | None) -> np.ndarray:
    if column and column in gdf.columns:
        return gdf[column].astype(str).to_numpy(dtype=object)
    for c in ("object_id", "identificatie", "lokaalid", "gml_id", "id", "claim_id"):
        if c in gdf.columns:
            return gdf[c].astype(str).to_numpy(dtype=object)
    return np.asarray([str(v) for v in gdf.index], dtype=object)
