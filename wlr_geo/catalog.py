"""The layer catalogue: what every embedded or registered layer is, who published it and under
which licence, and whether it is real or indicative.

The embedded default data set for the Leidse regio lives in the repository's ``layers/`` folder
(installed as ``wlr_geo/_embedded/layers``); ``layers/catalog.toml`` describes it. Attribution
text shown on maps and in reports always comes from here.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from wlr_geo._errors import ConfigError
from wlr_geo._toml import read_toml

__all__ = [
    "THEMES",
    "Catalog",
    "CatalogEntry",
    "embedded_dir",
    "embedded_maps_dir",
    "embedded_path",
    "load_catalog",
    "load_catalogs",
]

THEMES = (
    "route", "boundaries", "districts", "underground", "topography", "nature", "heat",
    "claims", "landing",
)
Status = Literal["real", "indicative"]
_REQUIRED = ("name", "theme", "file", "publisher", "licence", "date", "accuracy", "status", "attribution")


def _package_root() -> Path:
    return Path(__file__).resolve().parent


def embedded_dir() -> Path:
    """Folder of the embedded layers: the installed copy, else the checkout's ``layers/``."""
    env = os.environ.get("WLR_GEO_LAYERS")
    if env:
        return Path(env)
    installed = _package_root() / "_embedded" / "layers"
    if installed.is_dir():
        return installed
    return _package_root().parent / "layers"


def embedded_maps_dir() -> Path:
    """Folder of the map definitions: the installed copy, else the checkout's ``maps/``."""
    installed = _package_root() / "_embedded" / "maps"
    if installed.is_dir():
        return installed
    return _package_root().parent / "maps"


def embedded_path(relative: str) -> Path:
    """Absolute path of a file of the embedded data set, e.g. ``"boundaries.gpkg"``."""
    return embedded_dir() / relative


@dataclass(frozen=True)
class CatalogEntry:
    """One layer of the catalogue.

    ``id_column`` names the column holding a unique id; ``columns`` maps column roles
    (``municipality_name``, ``wijk_name``, ``inhabitants``, ... see
    :data:`wlr_geo.io.pdok.datasets.ROLE_COLUMNS`) to the column playing them. Layers fetched from PDOK
    carry both, so a config can name them as they are.
    """

    name: str
    theme: str
    file: str
    publisher: str
    licence: str
    date: str
    accuracy: str
    status: Status
    attribution: str
    title: str = ""
    layer: str | None = None
    format: str = "vector"
    source: str = ""
    notes: str = ""
    features: int | None = None
    id_column: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)
    base_dir: str | None = None

    @property
    def path(self) -> Path:
        p = Path(self.file)
        if p.is_absolute():
            return p
        return (Path(self.base_dir) if self.base_dir else embedded_dir()) / p

    @property
    def indicative(self) -> bool:
        return self.status == "indicative"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["path"] = str(self.path)
        return d


class Catalog(Mapping[str, CatalogEntry]):
    """Read-only mapping of layer name → :class:`CatalogEntry`, with registration of new layers."""

    def __init__(self, entries: list[CatalogEntry], *, source: Path | None = None) -> None:
        self._entries = {e.name: e for e in entries}
        self.source = source

    def __getitem__(self, key: str) -> CatalogEntry:
        try:
            return self._entries[key]
        except KeyError:
            raise KeyError(f"geen laag {key!r} in de catalogus; bekend: {', '.join(self._entries)}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def by_theme(self, theme: str) -> list[CatalogEntry]:
        return [e for e in self._entries.values() if e.theme == theme]

    def register(self, entry: CatalogEntry) -> Catalog:
        """Return a new catalogue with ``entry`` added (or replacing one of the same name)."""
        entries = dict(self._entries)
        entries[entry.name] = entry
        return Catalog(list(entries.values()), source=self.source)

    def merged(self, other: Catalog) -> Catalog:
        """A new catalogue with every entry of ``other`` added; ``other`` wins on equal names."""
        entries = dict(self._entries)
        entries.update(other._entries)
        return Catalog(list(entries.values()), source=self.source)

    def attribution(self, names: list[str] | None = None) -> str:
        """Attribution text for the named layers (all when None), each publisher once."""
        seen: list[str] = []
        for e in self._entries.values():
            if names is not None and e.name not in names:
                continue
            if e.attribution not in seen:
                seen.append(e.attribution)
        return "; ".join(seen)


def _entry_from_table(table: dict[str, Any], *, where: str, base_dir: Path | None) -> CatalogEntry:
    missing = [k for k in _REQUIRED if not table.get(k)]
    if missing:
        raise ConfigError(
            f"catalogusregel {table.get('name', '?')!r} mist {', '.join(missing)}",
            source=where, hint="geef elke laag name, theme, file, publisher, licence, date, accuracy, status en "
                               "attribution",
        )
    if table["theme"] not in THEMES:
        raise ConfigError(
            f"catalogusregel {table['name']!r} heeft onbekend theme {table['theme']!r}",
            source=where, hint=f"gebruik een van: {', '.join(THEMES)}",
        )
    if table["status"] not in ("real", "indicative"):
        raise ConfigError(
            f"catalogusregel {table['name']!r} heeft onbekende status {table['status']!r}",
            source=where, hint="zet status op 'real' of 'indicative'",
        )
    known = set(CatalogEntry.__dataclass_fields__)
    extra = set(table) - known
    if extra:
        raise ConfigError(
            f"catalogusregel {table['name']!r} heeft onbekende sleutels {', '.join(sorted(extra))}",
            source=where, hint=f"gebruik alleen de bekende sleutels: {', '.join(sorted(known))}",
        )
    entry = CatalogEntry(**dict(table))
    if base_dir is not None and entry.base_dir is None:
        entry = replace(entry, base_dir=str(base_dir))
    return entry


def load_catalog(path: str | os.PathLike[str] | None = None) -> Catalog:
    """Load a catalogue TOML file (default: the embedded ``layers/catalog.toml``).

    Examples
    --------
    >>> import wlr_geo
    >>> catalog = wlr_geo.load_catalog()
    >>> "wijken" in catalog
    True
    >>> catalog["municipalities"].publisher, catalog["municipalities"].licence
    ('CBS / Kadaster via PDOK', 'CC BY 4.0')
    """
    p = Path(path) if path is not None else embedded_dir() / "catalog.toml"
    data = read_toml(p, what="catalogue file")
    base = None if path is None else p.parent
    entries = [_entry_from_table(t, where=str(p), base_dir=base) for t in data.get("layer", [])]
    return Catalog(entries, source=p)


def load_catalogs(paths: list[str] | tuple[str, ...], *, base_dir: str | os.PathLike[str] | None = None,
                  catalog: Catalog | None = None) -> Catalog:
    """The embedded catalogue (or ``catalog``) with the entries of further catalogue files.

    ``paths`` are TOML catalogues such as the ``catalog.toml`` that ``wlr-geo fetch`` writes;
    relative paths are taken from ``base_dir``. A later file's entry replaces an earlier one of
    the same name (a fetched ``wijken`` replaces the embedded one).
    """
    out = catalog if catalog is not None else load_catalog()
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    for value in paths:
        p = Path(value).expanduser()
        out = out.merged(load_catalog(p if p.is_absolute() else base / p))
    return out
