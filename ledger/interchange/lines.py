"""The shape of each line of the interchange format, versions 1 and 2.

This module knows the shape of a line and nothing of the ledger's state: it
turns a line's JSON object into a ``FiledLine`` whose fields are typed (dates
are ``datetime.date``, measures a sorted list without repeats), or raises
``LineError`` naming the line and the reason. Checks that need the ledger
(references, idempotency, the sanction rules) live in ``ledger.write.recording``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson

from ledger.domain.dates import DateWindow, window_of
from ledger.domain.rules import ATTRIBUTE_KINDS, CORRECTABLE, PARTY_KINDS, ends_before_it_starts
from ledger.errors import LineError

MEASURES = frozenset(
    {
        "asset_freeze",
        "travel_ban",
        "entry_ban",
        "visa_restriction",
        "transaction_ban",
        "business_ban",
        "export_control",
        "investment_ban",
        "other",
    }
)

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]*")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


_AMENDED = {"measures", "effective_until", "programs", "legal_bases"}
#: type -> fields of which a line carries exactly one (or at most one, when not required).
_ONE_OF = {"retraction": (("sanction", "same_party"), True),
           "designation": (("program", "programs"), False),
           "countermeasure": (("program", "programs"), False),
           "party_amendment": (("name", "country", "set_attributes"), None)}


def _check_one_of(kind: str, fields: dict[str, Any]) -> None:
    names, exactly = _ONE_OF.get(kind, ((), False))
    given = [name for name in names if name in fields]
    if exactly is None:  # at least one
        if not given:
            raise ShapeError(f"a {kind} needs {' or '.join(repr(n) for n in names)}")
    elif len(given) > 1 or (exactly and not given):
        raise ShapeError(f"a {kind} has {' or '.join(repr(n) for n in names)}"
                         f"{', exactly one' if exactly else ', not both'}")
    if kind in ("designation", "countermeasure") and fields.keys() >= {"legal_basis",
                                                                        "legal_bases"}:
        raise ShapeError(f"a {kind} has 'legal_basis' or 'legal_bases', not both")


class ShapeError(ValueError):
    """A value does not have the shape its field needs (line number added by the caller)."""


def _string(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ShapeError(f"field '{name}' must be a string")
    return value


def _date(name: str, value: Any) -> date:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise ShapeError(f"field '{name}' must be a date YYYY-MM-DD, got {json.dumps(value)}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ShapeError(f"field '{name}' is not a calendar date: {value}") from None


def _date_or_null(name: str, value: Any) -> date | None:
    return None if value is None else _date(name, value)


def _date_or_window(name: str, value: Any) -> date | DateWindow:
    """A date, or (version 2) a window: ``{"on_or_before": D}`` or ``{"between": [D1, D2]}``."""
    if not isinstance(value, dict):
        return _date(name, value)
    shape = f"field '{name}' must be a date or {{\"on_or_before\": D}} or {{\"between\": [D1, D2]}}"
    if set(value) == {"on_or_before"}:
        typed: dict[str, Any] = {"on_or_before": _date(name, value["on_or_before"])}
    elif set(value) == {"between"} and isinstance(value["between"], list) \
            and len(value["between"]) == 2:
        typed = {"between": [_date(name, day) for day in value["between"]]}
    else:
        raise ShapeError(shape)
    try:
        return window_of(typed)
    except ValueError as error:
        raise ShapeError(f"field '{name}': {error}") from None


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ShapeError(f"field '{name}' must be true or false")
    return value


def _count(name: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ShapeError(f"field '{name}' must be a whole number")
    return value


def _objects(name: str, value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ShapeError(f"field '{name}' must be a list of objects")
    return list(value)


def _string_set(name: str, value: Any) -> list[str]:
    """A list read as a set: sorted, each once."""
    return sorted(set(_strings(name, value)))


def _parties(name: str, value: Any) -> list[str]:
    listed = _strings(name, value)
    if len(set(listed)) < 2:
        raise ShapeError(f"field '{name}' must name at least two different parties")
    return listed


_ALIAS_KEYS = {"name": _string, "quality": lambda n, v: _choice(n, v, ("strong", "weak")),
               "former": _flag, "script": _string}


def _choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ShapeError(f"field '{name}' must be one of {', '.join(allowed)}")
    return str(value)


def _aliases(name: str, value: Any) -> list[str]:
    """Aliases as names: strings (version 1) or objects with ``name`` and optionally
    ``quality``, ``former``, ``script`` (version 2; the filed line keeps them)."""
    if not isinstance(value, list):
        raise ShapeError(f"field '{name}' must be a list of strings")
    return [item if isinstance(item, str) else _alias_object(name, item) for item in value]


def _alias_object(name: str, item: Any) -> str:
    if not isinstance(item, dict) or "name" not in item:
        raise ShapeError(f"field '{name}' must hold strings or objects with a 'name'")
    unknown = [key for key in item if key not in _ALIAS_KEYS]
    if unknown:
        raise ShapeError(f"unknown field '{unknown[0]}' in '{name}'")
    for key, value in item.items():
        _ALIAS_KEYS[key](key, value)
    return str(item["name"])


def _attributes(name: str, value: Any) -> dict[str, Any]:
    """Free string attributes (version 1), or typed ones (version 2): a known kind whose
    value is a list of strings or objects."""
    if not isinstance(value, dict):
        raise ShapeError(f"field '{name}' must be an object of strings")
    for key, item in value.items():
        if isinstance(item, str):
            continue
        if not isinstance(item, list):
            raise ShapeError(f"field '{name}' must be an object of strings or lists")
        if key not in ATTRIBUTE_KINDS:
            raise ShapeError(f"unknown attribute '{key}' in '{name}'")
        if not all(isinstance(v, str | dict) for v in item):
            raise ShapeError(f"attribute '{key}' must list strings or objects")
    return dict(value)


def _typed_attributes(name: str, value: Any) -> dict[str, Any]:
    attributes = _attributes(name, value)
    loose = [key for key, item in attributes.items() if not isinstance(item, list)]
    if loose:
        raise ShapeError(f"attribute '{loose[0]}' in '{name}' must be a list")
    return attributes


def _strings(name: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ShapeError(f"field '{name}' must be a list of strings")
    return list(value)


def _measures(name: str, value: Any) -> list[str]:
    listed = _strings(name, value)
    if not listed:
        raise ShapeError(f"field '{name}' must not be empty")
    unknown = sorted(set(listed) - MEASURES)
    if unknown:
        raise ShapeError(f"unknown measure '{unknown[0]}' in '{name}'")
    return sorted(set(listed))


def _party_kind(name: str, value: Any) -> str:
    if value not in PARTY_KINDS:
        raise ShapeError(f"field '{name}' must be one of {', '.join(PARTY_KINDS)}")
    return value


def _correction_set(name: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ShapeError(f"field '{name}' must be an object")
    unknown = [key for key in value if key not in CORRECTABLE]
    if unknown:
        raise ShapeError(f"unknown field '{unknown[0]}' in 'set'")
    return {key: _CORRECTION_FIELDS[key](key, v) for key, v in value.items()}


Check = Callable[[str, Any], Any]
_SANCTION_REQUIRED: dict[str, Check] = {
    "authority": _string, "target": _string, "measures": _measures,
    "effective_from": _date_or_window,
}
_SANCTION_OPTIONAL: dict[str, Check] = {
    "program": _string, "legal_basis": _string, "announced": _date,
    "effective_until": _date_or_null, "reason": _string,
    "programs": _string_set, "legal_bases": _string_set,
}
_CORRECTION_FIELDS: dict[str, Check] = {
    "authority": _string, "target": _string, "measures": _measures, "effective_from": _date,
    "effective_until": _date_or_null, "program": _string, "legal_basis": _string,
    "programs": _string_set, "legal_bases": _string_set,
}
COMMON_OPTIONAL: dict[str, Check] = {"sources": _strings, "note": _string}

#: type -> (required fields, optional fields), each field with its shape check.
SCHEMA: dict[str, tuple[dict[str, Check], dict[str, Check]]] = {
    "source": ({"publisher": _string, "title": _string},
               {"url": _string, "published": _date, "excerpt": _string,
                "list": _string, "files": _objects, "rows": _count}),
    "party": ({"kind": _party_kind, "name": _string},
              {"aliases": _aliases, "country": _string, "attributes": _attributes}),
    "alias": ({"party": _string, "name": _string},
              {"quality": _ALIAS_KEYS["quality"], "former": _flag, "script": _string,
               "effective_from": _date}),
    "alias_end": ({"party": _string, "name": _string, "effective_from": _date},
                  {"reason": _string}),
    "party_amendment": ({"party": _string, "effective_from": _date},
                        {"name": _string, "country": _string,
                         "set_attributes": _typed_attributes, "reason": _string}),
    "same_party": ({"parties": _parties}, {"reason": _string}),
    "designation": (_SANCTION_REQUIRED, _SANCTION_OPTIONAL),
    "countermeasure": (_SANCTION_REQUIRED, {**_SANCTION_OPTIONAL, "in_response_to": _strings}),
    "amendment": ({"sanction": _string, "effective_from": _date},
                  {"measures": _measures, "effective_until": _date_or_null, "reason": _string,
                   "programs": _string_set, "legal_bases": _string_set}),
    "lifting": ({"sanction": _string, "effective_from": _date_or_window}, {"reason": _string}),
    "correction": ({"sanction": _string, "set": _correction_set}, {"reason": _string}),
    "retraction": ({}, {"sanction": _string, "same_party": _string, "reason": _string}),
    "statement": ({"speaker": _string, "date": _date, "text": _string},
                  {"on_behalf_of": _string, "about": _strings}),
}

@dataclass(frozen=True)
class FiledLine:
    """One line of an interchange file, shape-checked and typed.

    ``filed`` is the line's JSON object re-serialised compactly in its own key
    order: the ledger keeps it verbatim so that export gives back what was filed
    and re-import can be recognised as the same content.
    """

    lineno: int
    type: str
    id: str
    fields: dict[str, Any]
    filed: str

    @property
    def sources(self) -> list[str]:
        return self.fields.get("sources", [])

    @property
    def note(self) -> str | None:
        return self.fields.get("note")


def same_content(filed_a: str, filed_b: str) -> bool:
    """True when two filed lines are the same JSON value, key order and spacing aside."""
    return canonical(json.loads(filed_a)) == canonical(json.loads(filed_b))


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def compact(value: Any) -> str:
    """The line as filed: JSON without spaces, keys in the order written.

    orjson writes the same text as ``json.dumps(value, ensure_ascii=False,
    separators=(",", ":"))``, faster; json is kept for integers
    beyond 64 bits, which orjson refuses (such a line fails its checks later).
    """
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def line_id(lineno: int, obj: dict[str, Any]) -> str:
    """The line's id, checked against the id rule (needed before any other check)."""
    if "id" not in obj:
        raise LineError(lineno, "missing required field 'id'")
    value = obj["id"]
    if not isinstance(value, str):
        raise LineError(lineno, "field 'id' must be a string")
    if not 1 <= len(value) <= 200 or not _ID.fullmatch(value):
        raise LineError(lineno, f"invalid id {json.dumps(value)}: 1-200 characters, "
                                "letters, digits and . _ : / - (not first)")
    return value


def check_shape(lineno: int, obj: dict[str, Any]) -> FiledLine:
    """Check one object against the schema of its type; return it typed."""
    ident = line_id(lineno, obj)
    kind = obj.get("type")
    if "type" not in obj:
        raise LineError(lineno, "missing required field 'type'")
    if not isinstance(kind, str) or kind not in SCHEMA:
        raise LineError(lineno, f"unknown type {json.dumps(kind)}")
    required, optional = SCHEMA[kind]
    try:
        fields = _typed_fields(obj, required, optional)
        _check_own_dates(kind, fields)
    except ShapeError as error:
        raise LineError(lineno, str(error)) from None
    return FiledLine(lineno=lineno, type=kind, id=ident, fields=fields, filed=compact(obj))


def _typed_fields(obj: dict[str, Any], required: dict[str, Check],
                  optional: dict[str, Check]) -> dict[str, Any]:
    allowed = {"type", "id", *required, *optional, *COMMON_OPTIONAL}
    unknown = [key for key in obj if key not in allowed]
    if unknown:
        raise ShapeError(f"unknown field '{unknown[0]}'")
    missing = [key for key in required if key not in obj]
    if missing:
        raise ShapeError(f"missing required field '{missing[0]}'")
    checks = {**required, **optional, **COMMON_OPTIONAL}
    return {key: checks[key](key, value) for key, value in obj.items() if key in checks}


def _check_own_dates(kind: str, fields: dict[str, Any]) -> None:
    if kind == "amendment" and not fields.keys() & _AMENDED:
        raise ShapeError("an amendment needs 'measures' or 'effective_until'")
    _check_one_of(kind, fields)
    if isinstance(window := fields.get("effective_from"), DateWindow):
        fields["effective_from"], fields["window"] = window.latest, window
    until, start = fields.get("effective_until"), fields.get("effective_from")
    if ends_before_it_starts(start, until):
        raise ShapeError(f"effective_until {until} is before effective_from {start}")
