"""Griffe extension for the API pages: Sphinx roles in wlr_geo's docstrings become links.

wlr_geo's docstrings are numpydoc and refer to other objects with Sphinx roles
(``:func:`~wlr_geo.io.vector.read_layer```). mkdocstrings renders docstrings as Markdown, where
such a role would show up literally. This extension rewrites every role into an *optional*
mkdocs-autorefs cross-reference: a link where the target is on one of the API pages, plain code
where it is not (optional references never warn, so ``mkdocs build --strict`` stays quiet about
private helpers that the pages do not show).

Unqualified targets are taken relative to the docstring's module (``:meth:`` and ``:attr:``
relative to the class first). A reStructuredText literal-block marker (``Example::``) loses one
colon, so the Markdown reads "Example:".
"""

from __future__ import annotations

import html
import re
from typing import Any

import griffe

__all__ = ["SphinxRoles", "rewrite_roles"]

_ROLE = re.compile(
    r":(?:py:)?(?P<role>func|meth|class|mod|attr|data|exc|obj|const):`(?P<body>[^`]+)`"
)
_TITLED = re.compile(r"^(?P<title>.+?)\s*<(?P<target>[^<>]+)>$")
_LITERAL_MARKER = re.compile(r"(?<=\S)::$", re.MULTILINE)


def _identifier(target: str, role: str, module: str, cls: str | None) -> str:
    """The autorefs identifier of a role's target (targets outside wlr_geo stay unresolved: code)."""
    target = target.lstrip(".")
    if target.startswith("wlr_geo"):
        return target
    if role in ("meth", "attr") and cls and "." not in target:
        return f"{cls}.{target}"
    return f"{module}.{target}"


def rewrite_roles(text: str, *, module: str = "wlr_geo", cls: str | None = None) -> str:
    """``text`` with every Sphinx role as an optional autorefs reference.

    Parameters
    ----------
    text
        A docstring.
    module
        Path of the docstring's module (for unqualified targets).
    cls
        Path of the class the docstring belongs to, if any (for ``:meth:`` and ``:attr:``).
    """

    def repl(match: re.Match[str]) -> str:
        body = match["body"].strip()
        titled = _TITLED.match(body)
        if titled:
            title, target = titled["title"], titled["target"].strip()
        else:
            target = body
            title = target.lstrip("~.").rsplit(".", 1)[-1] if target.startswith("~") else target.lstrip(".")
        target = target.lstrip("~")
        if match["role"] in ("func", "meth") and not title.endswith(")"):
            title += "()"
        ident = _identifier(target, match["role"], module, cls)
        return (f'<autoref identifier="{html.escape(ident, quote=True)}" optional>'
                f"<code>{html.escape(title)}</code></autoref>")

    return _LITERAL_MARKER.sub(":", _ROLE.sub(repl, text))


class SphinxRoles(griffe.Extension):
    """Rewrite Sphinx roles in every docstring that griffe loads (see the module docstring)."""

    def on_instance(self, *, obj: Any, **kwargs: Any) -> None:
        doc = getattr(obj, "docstring", None)
        if doc is None or not doc.value:
            return
        module = obj.module.path if getattr(obj, "module", None) is not None else obj.path
        if obj.is_class:
            cls = obj.path
        elif obj.parent is not None and getattr(obj.parent, "is_class", False):
            cls = obj.parent.path
        else:
            cls = None
        doc.value = rewrite_roles(doc.value, module=module, cls=cls)
