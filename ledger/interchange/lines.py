"""The shape of each line of the interchange format, version 1.

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

from ledger.domain.rules import CORRECTABLE, ends_before_it_starts
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
PARTY_KINDS = ("person", "organization", "authority")

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]*")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


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


def _strings(name: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ShapeError(f"field '{name}' must be a list of strings")
    return list(value)


def _name(name: str, value: Any) -> str:
    """A party's name or alias: text with something in it (a blank one would be matched
    by a blank query)."""
    if not _string(name, value).strip():
        raise ShapeError(f"field '{name}' must not be empty or blank")
    return value


def _names(name: str, value: Any) -> list[str]:
    for alias in _strings(name, value):
        _name(name, alias)
    return list(value)


def _string_map(name: str, value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ShapeError(f"field '{name}' must be an object of strings")
    return dict(value)


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
    "authority": _string, "target": _string, "measures": _measures, "effective_from": _date,
}
_SANCTION_OPTIONAL: dict[str, Check] = {
    "program": _string, "legal_basis": _string, "announced": _date,
    "effective_until": _date_or_null, "reason": _string,
}
_CORRECTION_FIELDS: dict[str, Check] = {
    "authority": _string, "target": _string, "measures": _measures, "effective_from": _date,
    "effective_until": _date_or_null, "program": _string, "legal_basis": _string,
}
COMMON_OPTIONAL: dict[str, Check] = {"sources": _strings, "note": _string}

#: type -> (required fields, optional fields), each field with its shape check.
SCHEMA: dict[str, tuple[dict[str, Check], dict[str, Check]]] = {
    "source": ({"publisher": _string, "title": _string},
               {"url": _string, "published": _date, "excerpt": _string}),
    "party": ({"kind": _party_kind, "name": _name},
              {"aliases": _names, "country": _string, "attributes": _string_map}),
    "alias": ({"party": _string, "name": _name}, {}),
    "designation": (_SANCTION_REQUIRED, _SANCTION_OPTIONAL),
    "countermeasure": (_SANCTION_REQUIRED, {**_SANCTION_OPTIONAL, "in_response_to": _strings}),
    "amendment": ({"sanction": _string, "effective_from": _date},
                  {"measures": _measures, "effective_until": _date_or_null, "reason": _string}),
    "lifting": ({"sanction": _string, "effective_from": _date}, {"reason": _string}),
    "correction": ({"sanction": _string, "set": _correction_set}, {"reason": _string}),
    "retraction": ({"sanction": _string}, {"reason": _string}),
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
    if kind == "amendment" and "measures" not in fields and "effective_until" not in fields:
        raise ShapeError("an amendment needs 'measures' or 'effective_until'")
    until, start = fields.get("effective_until"), fields.get("effective_from")
    if ends_before_it_starts(start, until):
        raise ShapeError(f"effective_until {until} is before effective_from {start}")
