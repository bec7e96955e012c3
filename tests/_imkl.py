"""Pieces of hand-built IMKL deliveries shared by the KLIC tests."""

#: Start of an IMKL FeatureCollection; ``{ns}`` is the IMKL namespace (IMKL2 or an IMKL 1.2.1 one).
HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<gml:FeatureCollection gml:id="fc" xmlns:gml="http://www.opengis.net/gml/3.2" '
    'xmlns:imkl="{ns}" '
    'xmlns:net="http://inspire.ec.europa.eu/schemas/net/4.0" '
    'xmlns:us-net-common="http://inspire.ec.europa.eu/schemas/us-net-common/4.0" '
    'xmlns:us-net-el="http://inspire.ec.europa.eu/schemas/us-net-el/4.0" '
    'xmlns:xlink="http://www.w3.org/1999/xlink">\n'
)
IMKL2 = "http://www.geostandaarden.nl/imkl/wibon"
