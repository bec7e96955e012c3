"""Colours and Dutch labels of the IMKL themes (``thema``): the KLIC part of the style source
(:mod:`wlr_geo.present.styles` re-exports these names).

Source of the colours
---------------------
The KLIC/IMKL colour per theme is fixed in the WION regulation ("Uitvoeringsregeling
informatie-uitwisseling ondergrondse netten", wetten.overheid.nl BWBR0027409, table
"Kleurgebruik per thema") and taken over in Geonovum's IMKL visualisation rules
("Handreiking Visualisatieregels PMKL", referenced from Geonovum/imkl2015
``IMKL2.x/1-dataspecificatie`` chapter *Visualisatie*). The RGB values below are that table
converted to hex.

The Geonovum repositories as stored for this project (Geonovum/imkl, Geonovum/imkl2015) hold
only one SLD (``visualisatie/1.2RC1/sld-extradetailinfo-punt.xml``) and not the theme table,
so the values were checked against a public reproduction of the regulation table
(RGB 0/255/0 datatransport, 255/175/60 gasHogeDruk, 255/215/80 gasLageDruk, 255/127/0
buisleidingGevaarlijkeInhoud, 255/0/0 hoogspanning and landelijkHoogspanningsnet, 150/0/0
laagspanning, 200/0/0 middenspanning, 0/0/0 overig, 128/0/128 rioolOnderOverOfOnderdruk,
186/56/168 rioolVrijverval, 0/0/255 water). The values for ``warmte``, ``petrochemie`` and
``wees`` could not be checked against a stored copy of the table and are marked
``UNVERIFIED_THEMAS``; verify them against the current Handreiking before printing maps for
external use.

The theme codes are the IMKL code list ``Thema``
(http://definities.geostandaarden.nl/imkl2015/id/waarde/Thema/<code>).
"""

from __future__ import annotations

__all__ = [
    "DEFAULT_COLOUR",
    "THEMAS",
    "THEMA_COLOURS",
    "THEMA_LABELS_NL",
    "UNVERIFIED_THEMAS",
    "thema_colour",
    "thema_label",
]

#: The 15 IMKL theme codes, in the order of the KLIC legend.
THEMAS: tuple[str, ...] = (
    "landelijkHoogspanningsnet",
    "hoogspanning",
    "middenspanning",
    "laagspanning",
    "gasHogeDruk",
    "gasLageDruk",
    "buisleidingGevaarlijkeInhoud",
    "petrochemie",
    "water",
    "rioolVrijverval",
    "rioolOnderOverOfOnderdruk",
    "warmte",
    "datatransport",
    "wees",
    "overig",
)

#: thema → line colour (hex, ``#RRGGBB``), after the WION / IMKL "Kleurgebruik per thema".
THEMA_COLOURS: dict[str, str] = {
    "landelijkHoogspanningsnet": "#FF0000",  # 255,0,0
    "hoogspanning": "#FF0000",  # 255,0,0
    "middenspanning": "#C80000",  # 200,0,0
    "laagspanning": "#960000",  # 150,0,0
    "gasHogeDruk": "#FFAF3C",  # 255,175,60
    "gasLageDruk": "#FFD750",  # 255,215,80
    "buisleidingGevaarlijkeInhoud": "#FF7F00",  # 255,127,0
    "petrochemie": "#9C6F0A",  # 156,111,10 (unverified, see module docstring)
    "water": "#0000FF",  # 0,0,255
    "rioolVrijverval": "#BA38A8",  # 186,56,168
    "rioolOnderOverOfOnderdruk": "#800080",  # 128,0,128
    "warmte": "#FF7FFF",  # 255,127,255 (unverified, see module docstring)
    "datatransport": "#00FF00",  # 0,255,0
    "wees": "#808080",  # 128,128,128 (unverified, see module docstring)
    "overig": "#000000",  # 0,0,0
}

#: Themes whose colour could not be checked against a stored copy of the regulation table.
UNVERIFIED_THEMAS: frozenset[str] = frozenset({"warmte", "petrochemie", "wees"})

#: thema → Dutch legend label (as on the KLIC start page and viewer).
THEMA_LABELS_NL: dict[str, str] = {
    "landelijkHoogspanningsnet": "Landelijk hoogspanningsnet",
    "hoogspanning": "Hoogspanning",
    "middenspanning": "Middenspanning",
    "laagspanning": "Laagspanning",
    "gasHogeDruk": "Gas hoge druk",
    "gasLageDruk": "Gas lage druk",
    "buisleidingGevaarlijkeInhoud": "Buisleiding gevaarlijke inhoud",
    "petrochemie": "(Petro)chemie",
    "water": "Water",
    "rioolVrijverval": "Riool vrijverval",
    "rioolOnderOverOfOnderdruk": "Riool onder over- of onderdruk",
    "warmte": "Warmte",
    "datatransport": "Datatransport",
    "wees": "Wees (netbeheerder onbekend)",
    "overig": "Overig",
}

#: Colour for a missing or unknown theme (neutral grey, not in the IMKL table).
DEFAULT_COLOUR = "#7F7F7F"


def thema_colour(thema: str | None) -> str:
    """Hex colour of an IMKL theme; :data:`DEFAULT_COLOUR` for ``None`` or unknown codes.

    Examples
    --------
    >>> thema_colour("water")
    '#0000FF'
    >>> thema_colour(None)
    '#7F7F7F'
    """
    if thema is None:
        return DEFAULT_COLOUR
    return THEMA_COLOURS.get(thema, DEFAULT_COLOUR)


def thema_label(thema: str | None) -> str:
    """Dutch label of an IMKL theme; the code itself for unknown codes, "onbekend" for None.

    Examples
    --------
    >>> thema_label("gasLageDruk")
    'Gas lage druk'
    """
    if thema is None:
        return "Onbekend thema"
    return THEMA_LABELS_NL.get(thema, thema)
