"""The wlr_geo error and warning hierarchy.

Every error a user can cause subclasses :class:`WlrGeoError` *and* a built-in exception, so
callers may catch either. Messages say what was received, what was expected and how to fix it;
:class:`WlrGeoInputError` carries the file, layer and feature it is about so the CLI can print
one clear line per problem.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = [
    "CRSError",
    "CRSMismatchError",
    "ConfigError",
    "DownloadError",
    "GeographicCRSError",
    "KlicError",
    "LayerNotFoundError",
    "LayerReadError",
    "LayerValidationError",
    "OutOfBoundsError",
    "Problem",
    "RepairLog",
    "UnsafeInputError",
    "WlrGeoError",
    "WlrGeoInputError",
    "WlrGeoWarning",
]


class WlrGeoWarning(UserWarning):
    """A warning about input that wlr_geo repaired or skipped (also written to run reports)."""


class WlrGeoError(Exception):
    """Base class of every error raised on purpose by wlr_geo."""


@dataclass(frozen=True)
class Problem:
    """One problem found while validating input, in a form that prints as one line (in Dutch:
    ``bestand X, laag 'Y', object Z: <message> — oplossing: <hint>``)."""

    message: str
    source: str | None = None
    layer: str | None = None
    feature: str | None = None
    hint: str | None = None

    def __str__(self) -> str:
        where = ", ".join(
            part
            for part in (
                f"bestand {self.source}" if self.source else "",
                f"laag {self.layer!r}" if self.layer else "",
                f"object {self.feature}" if self.feature else "",
            )
            if part
        )
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f" — oplossing: {self.hint}"
        return text


class WlrGeoInputError(WlrGeoError, ValueError):
    """Bad input: names the file, layer and feature concerned and how to fix it.

    May carry several :class:`Problem` objects (validation reports all problems at once).
    """

    def __init__(
        self,
        message: str | None = None,
        *,
        source: str | None = None,
        layer: str | None = None,
        feature: str | None = None,
        hint: str | None = None,
        problems: Sequence[Problem] | None = None,
    ) -> None:
        self.problems: list[Problem] = list(problems or [])
        if message is not None:
            self.problems.insert(
                0, Problem(message, source=source, layer=layer, feature=feature, hint=hint)
            )
        if not self.problems:
            self.problems.append(Problem("ongeldige invoer", source=source, layer=layer))
        first = self.problems[0]
        self.source = first.source
        self.layer = first.layer
        self.feature = first.feature
        self.hint = first.hint
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def from_problems(cls, problems: Iterable[Problem]) -> WlrGeoInputError:
        return cls(problems=list(problems))


class LayerReadError(WlrGeoInputError, OSError):
    """A file or layer could not be read (missing, truncated, not a GIS format)."""


class LayerNotFoundError(LayerReadError):
    """The file exists but has no layer of that name; the message lists the layers it has."""


class LayerValidationError(WlrGeoInputError):
    """A layer was read but cannot be used (empty, wrong geometry type, duplicate ids, ...)."""


class CRSError(WlrGeoInputError):
    """A layer has no CRS, or one that cannot be used."""


class CRSMismatchError(CRSError):
    """Two layers given to one operation are in different CRSs."""


class GeographicCRSError(CRSError):
    """A metric operation (length, area, buffer) was asked of geographic coordinates."""


class OutOfBoundsError(LayerValidationError):
    """Coordinates fall outside the area of use of their CRS (unit or axis-order mix-up)."""


class ConfigError(WlrGeoInputError):
    """A project config file is missing, not valid TOML or names things that do not exist."""


class KlicError(WlrGeoInputError):
    """A file is not a readable KLIC delivery."""


class UnsafeInputError(WlrGeoInputError):
    """Input rejected for safety: XML entities, zip path traversal, zip bombs, oversized files."""


class DownloadError(WlrGeoError, OSError):
    """A download failed after its retries; nothing half-written is left in the cache."""


@dataclass
class RepairLog:
    """Repairs and skips made while reading, for the run report."""

    entries: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        self.entries.append(text)
