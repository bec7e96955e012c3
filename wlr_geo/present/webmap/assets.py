"""Vendored JavaScript/CSS for the web maps and their inlining into one self-contained HTML file.

folium's templates point at CDNs (jsdelivr, cdnjs, code.jquery.com; folium issue 1985). wlr_geo
instead references its own copies (``wlr_geo/webmap/assets/``, see the README there for versions
and licences) with ``wlr-asset:`` URLs and :func:`inline_assets` replaces every such
``<script src>`` / ``<link href>`` with the file's content; ``url(...)`` references inside CSS
become ``data:`` URIs. Anything left that would make the browser fetch a file raises
:class:`SelfContainedError`.
"""

from __future__ import annotations

import base64
import functools
import mimetypes
import re
from pathlib import Path

from wlr_geo._errors import WlrGeoError

__all__ = [
    "ASSETS",
    "ASSET_SCHEME",
    "SelfContainedError",
    "asset_path",
    "asset_url",
    "external_urls",
    "inline_assets",
]

ASSET_SCHEME = "wlr-asset:"

_HERE = Path(__file__).resolve().parent

#: name → file, relative to this package folder.
ASSETS: dict[str, str] = {
    "leaflet_js": "assets/leaflet/leaflet.js",
    "leaflet_css": "assets/leaflet/leaflet.css",
    "fullscreen_js": "assets/leaflet-fullscreen/Control.FullScreen.js",
    "fullscreen_css": "assets/leaflet-fullscreen/Control.FullScreen.css",
    "minimap_js": "assets/leaflet-minimap/Control.MiniMap.min.js",
    "minimap_css": "assets/leaflet-minimap/Control.MiniMap.min.css",
    "measure_js": "assets/leaflet-measure/leaflet-measure.nl.js",
    "measure_css": "assets/leaflet-measure/leaflet-measure.css",
    "wlr_js": "static/wlr_map.js",
    "wlr_css": "static/wlr_map.css",
}


class SelfContainedError(WlrGeoError, RuntimeError):
    """The rendered page would still load a script, style sheet or image from a URL."""


def asset_path(name: str) -> Path:
    """Absolute path of a vendored asset."""
    return _HERE / ASSETS[name]


def asset_url(name: str) -> str:
    """The placeholder URL used in templates for asset ``name`` (replaced by :func:`inline_assets`)."""
    if name not in ASSETS:
        raise KeyError(f"unknown asset {name!r}")
    return f"{ASSET_SCHEME}{name}"


@functools.lru_cache(maxsize=64)
def _data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix == ".svg":
        mime = "image/svg+xml"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")


@functools.lru_cache(maxsize=32)
def _css_inlined(name: str) -> str:
    path = asset_path(name)
    # comments go (they hold links to bug trackers that would only confuse URL audits)
    css = re.sub(r"/\*.*?\*/", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)

    def repl(m: re.Match[str]) -> str:
        ref = m.group(2).strip()
        if ref.startswith(("data:", "#")):
            return m.group(0)
        target = (path.parent / ref).resolve()
        if not target.is_file() or _HERE not in target.parents:
            raise SelfContainedError(f"CSS-bestand {name} verwijst naar {ref!r}, dat niet is meegeleverd")
        return f'url("{_data_uri(target)}")'

    return _CSS_URL.sub(repl, css)


@functools.lru_cache(maxsize=32)
def _js(name: str) -> str:
    text = asset_path(name).read_text(encoding="utf-8")
    # a literal "</script" inside the code would end the inline <script> element early
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)


_SCRIPT_TAG = re.compile(r"""<script\b[^>]*\bsrc\s*=\s*(['"])(.*?)\1[^>]*>\s*</script>""", re.IGNORECASE | re.DOTALL)
_LINK_TAG = re.compile(r"""<link\b[^>]*\bhref\s*=\s*(['"])(.*?)\1[^>]*/?>""", re.IGNORECASE | re.DOTALL)


def inline_assets(html: str) -> str:
    """Replace every ``wlr-asset:`` script/link tag of ``html`` with inline ``<script>``/``<style>``.

    Raises
    ------
    SelfContainedError
        A ``<script src>`` or ``<link href>`` that is not a vendored asset remains.
    """

    def script(m: re.Match[str]) -> str:
        url = m.group(2)
        if not url.startswith(ASSET_SCHEME):
            raise SelfContainedError(f"de pagina zou het script {url!r} van het netwerk laden")
        return f"<script>{_js(url.removeprefix(ASSET_SCHEME))}</script>"

    def link(m: re.Match[str]) -> str:
        url = m.group(2)
        if not url.startswith(ASSET_SCHEME):
            raise SelfContainedError(f"de pagina zou {url!r} van het netwerk laden")
        return f"<style>{_css_inlined(url.removeprefix(ASSET_SCHEME))}</style>"

    return _LINK_TAG.sub(link, _SCRIPT_TAG.sub(script, html))


_URL = re.compile(r"""https?://[^\s"'<>()\\]+""")


def external_urls(html: str) -> list[str]:
    """Every ``http(s)://`` URL that occurs in ``html`` (for checks and tests), each once."""
    seen: dict[str, None] = {}
    for m in _URL.finditer(html):
        seen.setdefault(m.group(0), None)
    return list(seen)
