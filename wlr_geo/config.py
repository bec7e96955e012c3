"""Project configuration (TOML): which layer plays which role, and the analysis parameters.

A config file has a ``[project]`` table, a ``[layers]`` table that maps *roles* (``route``,
``municipalities``, ``wijken``, ``cables``, ...) to layer references, and one table per analysis
(``[strips]``, ``[impact]``, ``[claims]``, ``[landing]``, ``[routing]``, ``[maps]``, ...) whose
keys each analysis module validates itself.

A layer reference is a table with either ``catalog = "name"`` (a layer of the catalogue) or
``file = "path"`` (relative to the config file's folder; ``embedded:`` prefix = the embedded
data folder) plus optional ``layer``, ``format`` (vector, klic, bgt, raster, parquet),
``assume_crs``, ``encoding``, ``id_column`` and free extra keys for the analysis (e.g.
``category_column``). A role may hold an array of such tables. ``[project] catalogs = [...]``
adds catalogue files (such as the ``catalog.toml`` written by ``wlr-geo fetch``) to the
embedded catalogue, so ``catalog = "wijken"`` can name a fetched layer; a catalogue entry's
``id_column`` is the default of a reference to it.

Example::

    [project]
    name = "Demo"

    [layers.municipalities]
    catalog = "municipalities"

    [layers.route]
    file = "route.gpkg"
    layer = "route"
    reverse = false
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd

from wlr_geo._errors import ConfigError, Problem, WlrGeoInputError
from wlr_geo.catalog import Catalog, embedded_dir, load_catalog, load_catalogs

__all__ = ["LayerRef", "ProjectConfig", "load_config", "reject_unknown_keys", "validate_config"]

_REF_KEYS = {"catalog", "file", "layer", "format", "assume_crs", "encoding", "id_column", "name"}
_FORMATS = {"vector", "klic", "bgt", "raster", "parquet"}


@dataclass(frozen=True)
class LayerRef:
    """Where a role's layer comes from, resolved to an absolute path."""

    role: str
    path: Path
    layer: str | None = None
    format: str = "vector"
    assume_crs: str | None = None
    encoding: str | None = None
    id_column: str | None = None
    catalog_name: str | None = None
    name: str | None = None
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.path}:{self.layer}" if self.layer else str(self.path)

    def read(self, **kwargs: Any) -> Any:
        """Read the layer with the reader its format calls for (vector → GeoDataFrame)."""
        if self.format in ("vector", "parquet"):
            from wlr_geo.io.vector import read_layer

            opts: dict[str, Any] = {
                "assume_crs": self.assume_crs,
                "encoding": self.encoding,
                "id_column": self.id_column,
            }
            opts.update(kwargs)
            return read_layer(self.path, self.layer, **opts)
        if self.format == "klic":
            from wlr_geo.io.klic import read_klic

            data = read_klic(self.path)
            name = self.layer or "lines"
            frame = getattr(data, name.removeprefix("klic_"), None)
            if frame is None:
                raise ConfigError(
                    f"a KLIC delivery has no layer {self.layer!r}", source=str(self.path),
                    hint="use lines, points, areas, precautions or request_areas",
                )
            return frame
        if self.format == "bgt":
            import pandas as pd

            from wlr_geo.io.bgt import read_bgt

            layers = read_bgt(self.path, classes=[self.layer] if self.layer else None)
            frames = [f for f in layers.values() if len(f)]
            if not frames:
                return next(iter(layers.values()))
            return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)
        raise ConfigError(
            f"layer role {self.role!r} has format {self.format!r}, which cannot be read as one layer",
            source=str(self.path), hint="use a vector, klic or bgt layer here",
        )


@dataclass
class ProjectConfig:
    """A loaded project config. ``raw`` holds the whole TOML document."""

    path: Path | None
    raw: dict[str, Any]
    layers: dict[str, list[LayerRef]]
    catalog: Catalog

    @property
    def name(self) -> str:
        return str(self.raw.get("project", {}).get("name", "wlr_geo project"))

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    def section(self, name: str) -> dict[str, Any]:
        """The table ``[name]`` of the config (empty dict when absent)."""
        value = self.raw.get(name, {})
        if not isinstance(value, dict):
            raise ConfigError(f"[{name}] must be a table", source=str(self.path))
        return value

    def layer(self, role: str) -> LayerRef:
        """The single layer of ``role``; raises if the role is missing or holds several."""
        refs = self.layers.get(role)
        if not refs:
            raise ConfigError(
                f"the config names no layer for role {role!r}",
                source=str(self.path), hint=f"add a [layers.{role}] table",
            )
        if len(refs) > 1:
            raise ConfigError(
                f"role {role!r} holds {len(refs)} layers where one is expected",
                source=str(self.path), hint=f"keep one [layers.{role}] table",
            )
        return refs[0]

    def layers_of(self, role: str) -> list[LayerRef]:
        """All layers of ``role`` (empty when absent)."""
        return list(self.layers.get(role, []))

    def has(self, role: str) -> bool:
        return bool(self.layers.get(role))

    def iter_refs(self) -> Iterator[LayerRef]:
        for refs in self.layers.values():
            yield from refs

    def resolve_path(self, value: str) -> Path:
        """A path from the config: ``embedded:`` prefix, absolute, or relative to the config."""
        if value.startswith("embedded:"):
            return embedded_dir() / value.removeprefix("embedded:")
        p = Path(value).expanduser()
        return p if p.is_absolute() else self.base_dir / p


def _parse_ref(role: str, table: Any, cfg_path: Path | None, catalog: Catalog, problems: list[Problem]) -> LayerRef | None:
    src = str(cfg_path) if cfg_path else None
    if not isinstance(table, dict):
        problems.append(Problem(f"[layers.{role}] must be a table", source=src))
        return None
    base = cfg_path.parent if cfg_path else Path.cwd()
    options = {k: v for k, v in table.items() if k not in _REF_KEYS}
    fmt = table.get("format")
    if "catalog" in table:
        name = table["catalog"]
        if name not in catalog:
            problems.append(Problem(
                f"[layers.{role}] names catalogue layer {name!r}, which does not exist",
                source=src, hint=f"use one of: {', '.join(catalog)}",
            ))
            return None
        entry = catalog[name]
        path = entry.path
        layer = table.get("layer", entry.layer)
        fmt = fmt or entry.format
        id_column = table.get("id_column", entry.id_column)
    elif "file" in table:
        value = str(table["file"])
        if value.startswith("embedded:"):
            path = embedded_dir() / value.removeprefix("embedded:")
        else:
            p = Path(value).expanduser()
            path = p if p.is_absolute() else base / p
        layer = table.get("layer")
        name = None
        id_column = table.get("id_column")
    else:
        problems.append(Problem(
            f"[layers.{role}] has neither 'file' nor 'catalog'", source=src,
            hint="add file = \"path/to/data.gpkg\" (and layer = \"...\") or catalog = \"name\"",
        ))
        return None
    if fmt is None:
        suffix = path.suffix.lower()
        fmt = "parquet" if suffix in {".parquet", ".geoparquet"} else "raster" if suffix in {".tif", ".tiff"} else "vector"
    if fmt not in _FORMATS:
        problems.append(Problem(
            f"[layers.{role}] has format {fmt!r}", source=src, hint=f"use one of {', '.join(sorted(_FORMATS))}",
        ))
        return None
    return LayerRef(
        role=role, path=path, layer=layer, format=fmt, assume_crs=table.get("assume_crs"),
        encoding=table.get("encoding"), id_column=id_column, catalog_name=name,
        name=table.get("name"), options=options,
    )


def reject_unknown_keys(section: Mapping[str, Any], allowed: Iterable[str], where: str) -> None:
    """Raise :class:`ConfigError` naming the keys of ``section`` that are not ``allowed``.

    ``where`` is the table's name as written in the config, e.g. ``"[impact]"``.
    """
    allowed = set(allowed)
    unknown = sorted(set(section) - allowed)
    if unknown:
        raise ConfigError(f"{where} has unknown key(s) {', '.join(unknown)}",
                          hint=f"allowed: {', '.join(sorted(allowed))}")


def load_config(path: str | os.PathLike[str], *, catalog: Catalog | None = None) -> ProjectConfig:
    """Load and check the structure of a project config (not yet the layers themselves).

    Raises
    ------
    ConfigError
        The file is missing or not valid TOML, or layer references are malformed (all such
        problems are reported together).
    """
    p = Path(path)
    if not p.exists():
        raise ConfigError("the config file does not exist", source=str(p), hint="check the path")
    if p.is_dir():
        raise ConfigError("expected a config file but got a folder", source=str(p))
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", source=str(p), hint="fix the TOML syntax at the position given") from None
    except UnicodeDecodeError:
        raise ConfigError("the config file is not UTF-8 text", source=str(p), hint="save it as UTF-8") from None
    return config_from_dict(raw, path=p, catalog=catalog)


def config_from_dict(raw: dict[str, Any], *, path: Path | None = None, catalog: Catalog | None = None) -> ProjectConfig:
    """Build a :class:`ProjectConfig` from an already parsed TOML document."""
    catalog = catalog or load_catalog()
    project = raw.get("project", {})
    extra = project.get("catalogs") if isinstance(project, dict) else None
    if extra is not None:  # catalogue files such as the catalog.toml of 'wlr-geo fetch'
        if not isinstance(extra, list) or not all(isinstance(x, str) for x in extra):
            raise ConfigError("[project] catalogs must be a list of catalogue files", source=str(path),
                              hint='write catalogs = ["pdok/catalog.toml"] (relative to this config)')
        catalog = load_catalogs(extra, base_dir=path.parent if path else None, catalog=catalog)
    problems: list[Problem] = []
    layers: dict[str, list[LayerRef]] = {}
    layer_tables = raw.get("layers", {})
    if not isinstance(layer_tables, dict):
        raise ConfigError("[layers] must be a table of roles", source=str(path))
    for role, value in layer_tables.items():
        tables = value if isinstance(value, list) else [value]
        refs = [r for t in tables if (r := _parse_ref(role, t, path, catalog, problems)) is not None]
        if refs:
            layers[role] = refs
    if problems:
        raise ConfigError(problems=problems)
    return ProjectConfig(path=path, raw=raw, layers=layers, catalog=catalog)


def validate_config(cfg: ProjectConfig) -> list[Problem]:
    """Check every layer the config names: file present, layer present, readable, valid.

    Returns all problems found (an empty list means the config is usable).
    """
    from wlr_geo.io.vector import list_layers, read_layer

    problems: list[Problem] = []
    for ref in cfg.iter_refs():
        where = f"[layers.{ref.role}]"
        if not ref.path.exists():
            problems.append(Problem(
                f"{where} names a file that does not exist", source=str(ref.path),
                hint="fix the path (relative paths are taken from the config file's folder)",
            ))
            continue
        if ref.format in ("vector", "parquet"):
            try:
                if ref.layer is not None and ref.format == "vector":
                    names = list_layers(ref.path)
                    if ref.layer not in names:
                        problems.append(Problem(
                            f"{where} names layer {ref.layer!r}, which is not in the file; it has: {', '.join(names)}",
                            source=str(ref.path), layer=ref.layer, hint="use one of the layer names listed",
                        ))
                        continue
                read_layer(ref.path, ref.layer, assume_crs=ref.assume_crs, encoding=ref.encoding, id_column=ref.id_column)
            except WlrGeoInputError as exc:
                problems.extend(exc.problems)
        elif ref.format == "raster":
            from wlr_geo.io.raster import check_raster

            problems.extend(check_raster(ref.path))
        elif ref.format in ("klic", "bgt"):
            import zipfile

            if ref.path.is_file() and ref.path.suffix.lower() == ".zip" and not zipfile.is_zipfile(ref.path):
                problems.append(Problem(f"{where} is not a valid zip file", source=str(ref.path), hint="re-download it"))
    return problems
