"""Typed, documented options: the field metadata every option class uses, and its checks.

Each option of a config section is a dataclass field made with :func:`option`, which records
its help text, unit and allowed range next to its type and default::

    @dataclass(frozen=True)
    class ImpactOptions:
        segment_m: float = option(100.0, unit="m", gt=0, le=MAX_DISTANCE_M,
                                  help="Length of the route segments of the cable density table.")

:func:`field_problems` checks a value against its field (type, finite, range, choices) — the one
check behind reading a config (:mod:`wlr_geo.config`), the CLI options and the option classes'
own ``__post_init__``. :func:`describe` lists the options of a class for generated
documentation. This module imports nothing else of wlr_geo but the errors, so option classes can
live next to their analyses.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import difflib
import math
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import MISSING, dataclass
from typing import Any, Literal, Union, get_args, get_origin

from wlr_geo._errors import ConfigError, Problem
from wlr_geo._nl import nl

__all__ = [
    "MAX_DISTANCE_M",
    "MAX_WIDTH_M",
    "OptionInfo",
    "OptionMeta",
    "coerce",
    "describe",
    "field_problems",
    "object_problems",
    "option",
    "option_fields",
    "raise_problems",
    "type_name",
]

#: Upper bound of distances and lengths (m): far beyond the RD area, but finite.
MAX_DISTANCE_M = 1e9
#: Widths (strips, buffers) are below one kilometre.
MAX_WIDTH_M = 1000.0


@dataclass(frozen=True)
class OptionMeta:
    """What :func:`option` records about a field (``field.metadata["wlr_geo"]``)."""

    help: str
    unit: str | None = None
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None
    choices: tuple[Any, ...] | None = None
    key: str | None = None
    example: str | None = None

    def range_text(self) -> str:
        """The allowed range in words, e.g. ``"> 0 and < 1000"`` (empty when unbounded)."""
        parts = [f"{op} {_num(v)}" for op, v in ((">=", self.ge), (">", self.gt), ("<=", self.le), ("<", self.lt))
                 if v is not None]
        if self.choices is not None:
            parts.append("one of " + ", ".join(repr(c) for c in self.choices))
        return " and ".join(parts).replace(">=", "≥").replace("<=", "≤")


    def range_text_nl(self) -> str:
        """The allowed range for Dutch messages, e.g. ``"> 0 en < 1.000"`` (empty when unbounded)."""
        parts = [f"{op} {nl(v)}" for op, v in (("≥", self.ge), (">", self.gt), ("≤", self.le), ("<", self.lt))
                 if v is not None]
        if self.choices is not None:
            parts.append("een van " + ", ".join(repr(c) for c in self.choices))
        return " en ".join(parts)


def _num(v: float) -> str:
    return f"{v:g}"


def option(default: Any = MISSING, *, help: str, unit: str | None = None, ge: float | None = None,
           gt: float | None = None, le: float | None = None, lt: float | None = None,
           choices: Sequence[Any] | None = None, default_factory: Any = MISSING, key: str | None = None,
           example: str | None = None) -> Any:
    """A dataclass field with its help text, unit and allowed range.

    Parameters
    ----------
    default, default_factory
        As for :func:`dataclasses.field`.
    help
        One sentence for the config reference and ``--help``.
    unit
        Unit of the value (``"m"``, ``"m2"``, ``"deg"``, ...); None for counts and text.
    ge, gt, le, lt
        Bounds of numbers (every number inside tables and lists too); floats must be finite.
    choices
        The allowed values.
    key
        The key in the config when it differs from the field name.
    example
        A TOML example value for the documentation.
    """
    meta = OptionMeta(help=help, unit=unit, ge=ge, gt=gt, le=le, lt=lt,
                      choices=tuple(choices) if choices is not None else None, key=key, example=example)
    kwargs: dict[str, Any] = {"metadata": {"wlr_geo": meta}}
    if default_factory is not MISSING:
        kwargs["default_factory"] = default_factory
    elif default is not MISSING:
        kwargs["default"] = default
    return dataclasses.field(**kwargs)


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def option_fields(cls: type) -> list[tuple[dataclasses.Field[Any], OptionMeta, Any]]:
    """(field, metadata, type) of every field of ``cls`` made with :func:`option`."""
    hints = _hints(cls)
    return [(f, f.metadata["wlr_geo"], hints[f.name]) for f in dataclasses.fields(cls) if "wlr_geo" in f.metadata]


# ------------------------------------------------------------------------------------ types
def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def type_name(tp: Any) -> str:
    """A short, readable name of a type hint (for messages and documentation)."""
    origin = get_origin(tp)
    args = get_args(tp)
    if tp is float:
        return "number"
    if tp is int:
        return "integer"
    if tp is bool:
        return "true/false"
    if tp is str:
        return "text"
    if tp is type(None):
        return "none"
    if tp is Any:
        return "any"
    if origin in (Union, types.UnionType):
        named = [type_name(a) for a in args if a is not type(None)]
        return " or ".join(named) + (" (optional)" if type(None) in args else "")
    if origin is Literal:
        return " | ".join(repr(a) for a in args)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return f"list of {type_name(args[0])}"
        return "[" + ", ".join(type_name(a) for a in args) + "]"
    if origin in (list, collections.abc.Sequence):
        return f"list of {type_name(args[0])}" if args else "list"
    if origin in (dict, collections.abc.Mapping):
        return f"table of {type_name(args[1])}" if len(args) == 2 else "table"
    return getattr(tp, "__name__", str(tp))


#: Dutch names of the simple types, and their plurals (for lists).
_DUTCH_TYPES = {float: ("getal", "getallen"), int: ("geheel getal", "gehele getallen"),
                bool: ("true/false", "true/false-waarden"), str: ("tekst", "teksten"), type(None): ("niets", "niets")}


def _type_nl(tp: Any, *, plural: bool = False) -> str:
    """The Dutch name of a type hint, for messages (:func:`type_name` is the English one of the docs)."""
    origin = get_origin(tp)
    args = get_args(tp)
    if tp in _DUTCH_TYPES:
        return _DUTCH_TYPES[tp][1 if plural else 0]
    if tp is Any:
        return "willekeurige waarden" if plural else "willekeurige waarde"
    if origin in (Union, types.UnionType):
        named = [_type_nl(a, plural=plural) for a in args if a is not type(None)]
        return " of ".join(named) + (" (optioneel)" if type(None) in args else "")
    if origin is Literal:
        return " | ".join(repr(a) for a in args)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return ("lijsten" if plural else "lijst") + f" van {_type_nl(args[0], plural=True)}"
        return "[" + ", ".join(_type_nl(a) for a in args) + "]"
    if origin in (list, collections.abc.Sequence):
        word = "lijsten" if plural else "lijst"
        return f"{word} van {_type_nl(args[0], plural=True)}" if args else word
    if origin in (dict, collections.abc.Mapping):
        word = "tabellen" if plural else "tabel"
        return f"{word} van {_type_nl(args[1], plural=True)}" if len(args) == 2 else word
    return getattr(tp, "__name__", str(tp))


def _type_ok(value: Any, tp: Any) -> bool:
    origin = get_origin(tp)
    args = get_args(tp)
    if tp is Any:
        return True
    if tp is float:
        return _is_number(value)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp is bool:
        return isinstance(value, bool)
    if tp is str:
        return isinstance(value, str)
    if tp is type(None):
        return value is None
    if origin in (Union, types.UnionType):
        return any(_type_ok(value, a) for a in args)
    if origin is Literal:
        return value in args
    if origin is tuple:
        if not isinstance(value, list | tuple):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(_type_ok(v, args[0]) for v in value)
        return len(value) == len(args) and all(_type_ok(v, a) for v, a in zip(value, args, strict=True))
    if origin in (list, collections.abc.Sequence):
        return isinstance(value, list | tuple) and (not args or all(_type_ok(v, args[0]) for v in value))
    if origin in (dict, collections.abc.Mapping):
        if not isinstance(value, Mapping):
            return False
        if len(args) == 2:
            return all(_type_ok(k, args[0]) and _type_ok(v, args[1]) for k, v in value.items())
        return True
    if isinstance(tp, type):
        return isinstance(value, tp)
    return True


def coerce(value: Any, tp: Any) -> Any:
    """``value`` (already checked) in the field's Python form: ints as floats, lists as tuples."""
    origin = get_origin(tp)
    args = get_args(tp)
    if tp is float and _is_number(value):
        return float(value)
    if origin in (Union, types.UnionType):
        for a in args:
            if a is not type(None) and _type_ok(value, a):
                return coerce(value, a)
        return value
    if origin is tuple and isinstance(value, list | tuple):
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(coerce(v, args[0]) for v in value)
        return tuple(coerce(v, a) for v, a in zip(value, args, strict=True))
    if origin in (list, collections.abc.Sequence) and isinstance(value, list | tuple):
        return [coerce(v, args[0]) for v in value] if args else list(value)
    if origin in (dict, collections.abc.Mapping) and isinstance(value, Mapping):
        if len(args) == 2:
            return {coerce(k, args[0]): coerce(v, args[1]) for k, v in value.items()}
        return dict(value)
    return value


def _numbers(value: Any) -> list[float]:
    """Every number inside ``value`` (itself, list items, table values)."""
    if _is_number(value):
        return [value]
    if isinstance(value, Mapping):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list | tuple):
        return [n for v in value for n in _numbers(v)]
    return []


def _range_message(n: float, meta: OptionMeta) -> str | None:
    if isinstance(n, float) and not math.isfinite(n):
        return "is geen eindig getal"
    for bound, ok in ((meta.ge, lambda b: n >= b), (meta.gt, lambda b: n > b),
                      (meta.le, lambda b: n <= b), (meta.lt, lambda b: n < b)):
        if bound is not None and not ok(bound):
            return "valt buiten het toegestane bereik"
    return None


def field_problems(value: Any, tp: Any, meta: OptionMeta, where: str, *, source: str | None = None) -> list[Problem]:
    """Problems of one option value: wrong type, not finite, out of range, not a choice.

    ``where`` names the option as written, e.g. ``"[impact] segment_m"``.
    """
    if not _type_ok(value, tp):
        name = _type_nl(tp)
        what = f"is niet van de vorm {name}" if name.startswith(("[", "'")) else f"is geen {name}"
        return [Problem(f"{where} = {value!r} {what}", source=source, hint=_hint(meta, tp))]
    if meta.choices is not None and value not in meta.choices:
        near = difflib.get_close_matches(str(value), [str(c) for c in meta.choices], n=1, cutoff=0.6)
        hint = f"bedoeld: {near[0]!r}?" if near else f"gebruik een van: {', '.join(repr(c) for c in meta.choices)}"
        return [Problem(f"{where} = {value!r} is niet toegestaan", source=source, hint=hint)]
    for n in _numbers(value):
        msg = _range_message(n, meta)
        if msg:
            text = f"{where} = {value!r} {msg}" if _is_number(value) else f"{where} = {value!r}: {n!r} {msg}"
            return [Problem(text, source=source, hint=_hint(meta, tp))]
    return []


def _hint(meta: OptionMeta, tp: Any) -> str:
    name = _type_nl(tp)
    rng = meta.range_text_nl()
    text = "geef " + (name if name.startswith(("[", "'", "true")) else "een " + name)
    text += (f" {rng}" if rng else "") + (f" ({meta.unit})" if meta.unit else "")
    if meta.example:
        text += f", bijvoorbeeld {meta.example}"
    return text


def object_problems(obj: Any, where: str) -> list[Problem]:
    """Problems of every :func:`option` field of a dataclass instance (for ``__post_init__``)."""
    out: list[Problem] = []
    for f, meta, tp in option_fields(type(obj)):
        out.extend(field_problems(getattr(obj, f.name), tp, meta, f"{where} {meta.key or f.name}"))
    return out


def raise_problems(problems: Sequence[Problem]) -> None:
    """Raise one :class:`ConfigError` carrying ``problems`` (nothing when empty)."""
    if problems:
        raise ConfigError(problems=list(problems))


# ------------------------------------------------------------------------------- documentation
@dataclass(frozen=True)
class OptionInfo:
    """One option, as a config reference lists it."""

    key: str
    type: str
    default: Any
    unit: str | None
    range: str
    help: str
    example: str | None


def describe(cls: type) -> list[OptionInfo]:
    """The documented options of an option class, in field order (for a config reference)."""
    out = []
    for f, meta, tp in option_fields(cls):
        if f.default is not MISSING:
            default = f.default
        elif f.default_factory is not MISSING:
            default = f.default_factory()
        else:
            default = None
        out.append(OptionInfo(meta.key or f.name, type_name(tp), default, meta.unit, meta.range_text(), meta.help,
                              meta.example))
    return out
