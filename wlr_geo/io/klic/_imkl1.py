"""IMKL versions: namespaces, version detection and the IMKL 1.2.1 (IMKL2015) differences.

Since 2022 KLIC delivers IMKL 2.x only (namespace ``http://www.geostandaarden.nl/imkl/wibon``);
archives hold IMKL2015 version 1.2.1. The 1.2.1 files seen in practice (Kadaster's examples in
kadaster/klic-win) use ``http://www.geostandaarden.nl/imkl/2015/wion/1.2``; Geonovum's early
drafts used ``http://www.geonovum.nl/wion/2015/1.0``. Both are accepted.

The network part of IMKL 1.2.1 is the same INSPIRE-based model as 2.x (``UtilityLink``,
``Utiliteitsnet`` with ``thema``, the same cable, pipe and container types), so one streaming
parser reads both (:mod:`wlr_geo.io.klic._imkl2`). What differs is handled here:

* 1.2.1 network-information files (``netinformatie ... .xml``) have no delivery envelope: no
  ``GebiedsinformatieLevering``/``Aanvraag``, hence no meldnummer and no ``Beheerder``. The
  meldnummer then falls back to the file name (``meldnummer_from_name``) and the operator to
  the ``bronhoudercode`` in the gml:id (``nl.imkl-KL9999.…``).
* Some 1.2.1 object names were renamed in 2.0; :data:`RENAMED_1_TO_2` maps them.
"""

from __future__ import annotations

import re

__all__ = [
    "IMKL1_NAMESPACES",
    "IMKL2_NAMESPACE",
    "RENAMED_1_TO_2",
    "bronhoudercode_from_id",
    "detect_version",
    "meldnummer_from_name",
]

IMKL2_NAMESPACE = "http://www.geostandaarden.nl/imkl/wibon"
IMKL1_NAMESPACES: tuple[str, ...] = (
    "http://www.geostandaarden.nl/imkl/2015/wion/1.2",
    "http://www.geonovum.nl/wion/2015/1.0",
    "http://www.geostandaarden.nl/imkl/2015/wion/1.1",
    "http://www.geostandaarden.nl/imkl/2015/wion/1.0",
)

#: IMKL 1.2.1 feature names that carry another name in IMKL 2.x.
RENAMED_1_TO_2: dict[str, str] = {
    "Informatiepolygoon": "Informatiepolygoon",
    "Aandachtsgebied": "Orientatiepolygoon",
}

_BRONHOUDER = re.compile(r"^nl\.imkl-([A-Za-z0-9]+)[._]")
_MELDNUMMER = re.compile(r"(\d{2}[A-Z]\d{6})")


def detect_version(namespaces: set[str]) -> str | None:
    """``"2.x"``, ``"1.2.1"`` or ``None`` for a set of namespace URIs declared in the file."""
    if IMKL2_NAMESPACE in namespaces or any(ns.startswith(IMKL2_NAMESPACE + "/") for ns in namespaces):
        return "2.x"
    if any(ns in IMKL1_NAMESPACES for ns in namespaces):
        return "1.2.1"
    if any("/imkl/2015/" in ns or "/wion/2015/" in ns for ns in namespaces):
        return "1.2.1"
    return None


def bronhoudercode_from_id(gml_id: str | None) -> str | None:
    """The operator code in an IMKL gml:id (``nl.imkl-KL1031.EKBL_…`` → ``KL1031``)."""
    if not gml_id:
        return None
    m = _BRONHOUDER.match(gml_id)
    return m.group(1) if m else None


def meldnummer_from_name(name: str) -> str | None:
    """A KLIC meldnummer (``22C001966``) found in a file name, else ``None``."""
    m = _MELDNUMMER.search(name)
    return m.group(1) if m else None
