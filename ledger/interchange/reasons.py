"""Why a line is refused, in the words of the interchange spec.

msgspec says what it expected and where (``Expected `str`, got `int` - at
`$.name```); the spec, the tests and the ledger's users know the messages
below, which name the field and what it must be (``field 'name' must be a
string``). Each message follows from the field's declared type, so a new line
type brings no new messages unless it needs a new kind of value.

Where a line has several faults, the one named is the one the spec's order
puts first: a field its type does not define, then a field it lacks, then the
first wrong value in the line's own order, then the rules across fields.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any, Literal, NamedTuple, get_args, get_origin, get_type_hints

import msgspec
import msgspec.inspect as mi

_AT = re.compile(r"(?P<what>.*?)(?: - at `\$(?P<path>[^`]*)`)?", re.DOTALL)
_STEP = re.compile(r"\.(?P<field>[^.\[]+)|\[(?P<index>[^\]]*)\]")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class _Owner(NamedTuple):
    """The object holding a field that is wrong, and the Struct it was to become."""

    cls: type
    value: dict[str, Any]


def reason(error: msgspec.ValidationError, obj: dict[str, Any],
           line_type: type[msgspec.Struct]) -> str:
    """The reason ``obj`` is refused, from msgspec's ``error`` converting it to
    ``line_type``; the text of a rule's own error (``__post_init__``) is kept as it is."""
    match = _AT.fullmatch(str(error))
    assert match is not None  # the pattern matches any text
    what, holder, struct = match["what"], None, _struct_info(line_type)
    for step in _fields_on(match["path"] or ""):
        left_out = _unknown_or_missing(struct, obj, holder)
        if left_out is not None:
            return left_out
        field = next(f for f in struct.fields if f.name == step)
        inner = _bare(field.type)
        if not isinstance(inner, mi.StructType) or not isinstance(obj.get(step), dict):
            return _about_field(field, _Owner(struct.cls, obj), what)
        holder, struct, obj = step, inner, obj[step]
    return _unknown_or_missing(struct, obj, holder) or what


def _fields_on(path: str) -> list[str]:
    """The field names on msgspec's path: ``.set.measures[1]`` -> ``["set", "measures"]``."""
    return [step["field"] for step in _STEP.finditer(path) if step["field"] is not None]


@cache
def _struct_info(cls: type[msgspec.Struct]) -> mi.StructType:
    info = mi.type_info(cls)
    assert isinstance(info, mi.StructType)
    return info


def _unknown_or_missing(struct: mi.StructType, obj: dict[str, Any],
                        holder: str | None) -> str | None:
    """A field the type does not define, else one it requires, in the object ``holder``
    names (``None``: the line itself)."""
    where = f" in '{holder}'" if holder else ""
    known = {field.name for field in struct.fields} | {struct.tag_field}
    unknown = next((name for name in obj if name not in known), None)
    if unknown is not None:
        return f"unknown field '{unknown}'{where}"
    missing = next((field.name for field in struct.fields
                    if field.required and field.name not in obj), None)
    return None if missing is None else f"missing required field '{missing}'{where}"


def _bare(kind: mi.Type) -> mi.Type:
    """The type a field holds when it is given: without ``Annotated`` metadata and
    ``None`` (``UNSET`` never shows: msgspec.inspect leaves it out)."""
    if isinstance(kind, mi.Metadata):
        return _bare(kind.type)
    if isinstance(kind, mi.UnionType):
        given = [t for t in kind.types if not isinstance(t, mi.NoneType)]
        if len(given) == 1:
            return _bare(given[0])
    return kind


def _about_field(field: mi.Field, owner: _Owner, what: str) -> str:
    name = field.name
    value = owner.value.get(name)
    kind = _as_given(_bare(field.type), value)
    if isinstance(kind, mi.DateType):
        if isinstance(value, str) and _DAY.fullmatch(value):
            return f"field '{name}' is not a calendar date: {value}"
        return f"field '{name}' must be a date YYYY-MM-DD, got {json.dumps(value)}"
    if isinstance(kind, mi.LiteralType):  # in the order written, which msgspec sorts
        return f"field '{name}' must be one of {', '.join(_choices(owner.cls, name))}"
    if isinstance(kind, mi.ListType) and _all_strings(value):
        if not value:
            return f"field '{name}' must not be empty"
        unknown = _unknown_items(kind, value)
        if unknown:
            return f"unknown {_title(kind.item_type)} '{unknown[0]}' in '{name}'"
    described = _describe(kind)
    if described is None:
        return f"field '{name}' is invalid: {what}"
    return f"field '{name}' must be {described}"


def _as_given(kind: mi.Type, value: Any) -> mi.Type:
    """Of a union of an object and something else (a date or a date window), the one the
    value was meant as: the object when it is one, else the other."""
    if not isinstance(kind, mi.UnionType):
        return kind
    objects = [t for t in kind.types if isinstance(t, mi.DictType | mi.StructType)]
    others = [t for t in kind.types if t not in objects and not isinstance(t, mi.NoneType)]
    if len(objects) == 1 and len(others) == 1:
        return _bare(objects[0] if isinstance(value, dict) else others[0])
    return kind


def _all_strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _unknown_items(kind: mi.ListType, value: list[str]) -> list[str]:
    """The items of a list of allowed values that are not allowed, sorted."""
    allowed = _bare(kind.item_type)
    if not isinstance(allowed, mi.LiteralType):
        return []
    return sorted(set(value) - set(allowed.values))


def _title(kind: mi.Type) -> str:
    """What an item of a list is called (``Meta(title=...)``)."""
    schema = kind.extra_json_schema if isinstance(kind, mi.Metadata) else None
    return str((schema or {}).get("title", "value"))


def _choices(cls: type, name: str) -> list[str]:
    """The values a field allows, as its annotation lists them."""
    return [str(value) for value in _literal(get_type_hints(cls)[name])]


def _literal(hint: Any) -> tuple[Any, ...]:
    if get_origin(hint) is Literal:
        return get_args(hint)
    return next((found for arg in get_args(hint) if (found := _literal(arg))), ())


def _describe(kind: mi.Type) -> str | None:
    """What a value of this type is, for ``field 'x' must be ...``."""
    if isinstance(kind, mi.ListType):
        return f"a list of {_plural(kind.item_type)}"
    if isinstance(kind, mi.DictType):
        return f"an object of {_plural(kind.value_type)}"
    if isinstance(kind, mi.StructType):
        return "an object"
    if isinstance(kind, mi.StrType):
        return "a string" + (f" matching {kind.pattern}" if kind.pattern else "")
    if isinstance(kind, mi.BoolType):
        return "true or false"
    if isinstance(kind, mi.IntType):
        return "a whole number"
    return None


def _plural(kind: mi.Type) -> str:
    bare = _bare(kind)
    if isinstance(bare, mi.UnionType):  # strings, or (version 2) objects or lists too
        return "strings" if any(isinstance(t, mi.StrType) for t in bare.types) else "values"
    if isinstance(bare, mi.DictType | mi.StructType):
        return "objects"
    return "strings" if isinstance(bare, mi.StrType | mi.LiteralType) else "values"
