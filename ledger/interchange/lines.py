"""The lines of the interchange format, version 1, as typed records.

Each line type is one msgspec ``Struct`` tagged by its ``type``; a field the
type does not define is refused. This module knows the shape of a line and
nothing of the ledger's state: ``check_shape`` turns a line's JSON object into
its typed line (dates are ``datetime.date``, measures a sorted list without
repeats) or raises ``LineError`` naming the line and the reason, in the words
of ``ledger.interchange.reasons``. Checks that need the ledger (references,
idempotency, the sanction rules) live in ``ledger.write.recording``.

A new line type is one ``Struct`` here, added to ``AnyLine``, plus the domain
command that records it (``ledger.write.recording``).
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Annotated, Any, ClassVar, Literal, TypeVar, get_args

import msgspec
import orjson
from msgspec import UNSET, Meta, Struct, UnsetType

from ledger.domain.rules import check_name_count, ends_before_it_starts
from ledger.errors import LineError, RuleViolationError
from ledger.interchange.reasons import reason

#: The documented limits (docs/interchange.md): bytes in one line of a file, and
#: characters in one text value. A party's names are limited in ``ledger.domain.rules``.
MAX_LINE_BYTES = 1_048_576
MAX_TEXT = 65_536

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$"
_ID = re.compile(ID_PATTERN.removeprefix("^").removesuffix("$"))

LineId = Annotated[str, Meta(pattern=ID_PATTERN, min_length=1, max_length=200,
                             description="unique across the ledger, whatever the type")]
Measure = Annotated[
    Literal["asset_freeze", "travel_ban", "entry_ban", "visa_restriction", "transaction_ban",
            "business_ban", "export_control", "investment_ban", "other"],
    Meta(title="measure")]
Measures = Annotated[list[Measure], Meta(min_length=1)]
PartyKind = Literal["person", "organization", "authority"]

T = TypeVar("T")


def given(value: T | UnsetType) -> T | None:
    """An optional field's value, ``None`` when the line leaves it out."""
    return None if value is UNSET else value


class Line(Struct, tag_field="type", forbid_unknown_fields=True, kw_only=True, gc=False):
    """What every line may carry besides its own fields.

    ``gc=False``: a line holds strings, dates and lists or objects of strings, never
    itself, so the garbage collector need not follow the many an import makes.
    """

    id: LineId
    sources: list[str] = []
    note: str | UnsetType = UNSET

    #: The fields every line has; the others are its type's own.
    COMMON: ClassVar[tuple[str, ...]] = ("id", "sources", "note")
    #: What the JSON Schema says of the type beyond its fields' types (``json_schema``).
    SCHEMA_RULES: ClassVar[dict[str, Any]] = {}

    @property
    def type(self) -> str:
        return str(self.__struct_config__.tag)

    def own_fields(self) -> dict[str, Any]:
        """The type's own fields, those left out as ``None``."""
        return {name: given(getattr(self, name)) for name in self.__struct_fields__
                if name not in self.COMMON}


class SourceLine(Line, tag="source"):
    """A document lines can cite."""

    publisher: str
    title: str
    url: str | UnsetType = UNSET
    published: date | UnsetType = UNSET
    excerpt: str | UnsetType = UNSET


class PartyLine(Line, tag="party"):
    """A person, organization or authority."""

    kind: PartyKind
    name: str
    aliases: list[str] = []
    country: str | UnsetType = UNSET
    attributes: dict[str, str] = {}

    def __post_init__(self) -> None:
        _refuse_blank("name", self.name)
        for alias in self.aliases:
            _refuse_blank("aliases", alias)


class AliasLine(Line, tag="alias"):
    """Another name for a party, learnt later."""

    party: str
    name: str

    def __post_init__(self) -> None:
        _refuse_blank("name", self.name)


class SanctionLine(Line):
    """The fields a designation and a countermeasure share."""

    authority: str
    target: str
    measures: Measures
    effective_from: date
    program: str | UnsetType = UNSET
    legal_basis: str | UnsetType = UNSET
    announced: date | UnsetType = UNSET
    effective_until: date | None = None
    reason: str | UnsetType = UNSET

    def __post_init__(self) -> None:
        self.measures = sorted(set(self.measures))
        _refuse_end_before_start(self.effective_from, self.effective_until)


class DesignationLine(SanctionLine, tag="designation"):
    """A sanction imposed by an authority."""


class CountermeasureLine(SanctionLine, tag="countermeasure"):
    """A sanction imposed in answer to others."""

    in_response_to: list[str] = []


class AmendmentLine(Line, tag="amendment"):
    """A change of a sanction from a date on; needs ``measures`` or ``effective_until``."""

    SCHEMA_RULES: ClassVar[dict[str, Any]] = {
        "anyOf": [{"required": ["measures"]}, {"required": ["effective_until"]}]}
    sanction: str
    effective_from: date
    measures: Measures | UnsetType = UNSET
    effective_until: date | None | UnsetType = UNSET
    reason: str | UnsetType = UNSET

    def __post_init__(self) -> None:
        if self.measures is UNSET and self.effective_until is UNSET:
            raise ValueError("an amendment needs 'measures' or 'effective_until'")
        if self.measures is not UNSET:
            self.measures = sorted(set(self.measures))
        _refuse_end_before_start(self.effective_from, given(self.effective_until))


class LiftingLine(Line, tag="lifting"):
    """The sanction ends: ``effective_from`` is its first day not in force."""

    sanction: str
    effective_from: date
    reason: str | UnsetType = UNSET


class CorrectionSet(Struct, forbid_unknown_fields=True, kw_only=True):
    """What a correction sets: the fields of a sanction's line it may change."""

    authority: str | UnsetType = UNSET
    target: str | UnsetType = UNSET
    measures: Measures | UnsetType = UNSET
    effective_from: date | UnsetType = UNSET
    effective_until: date | None | UnsetType = UNSET
    program: str | UnsetType = UNSET
    legal_basis: str | UnsetType = UNSET

    def __post_init__(self) -> None:
        if self.measures is not UNSET:
            self.measures = sorted(set(self.measures))

    def changes(self) -> dict[str, Any]:
        """The fields the correction sets, and only those."""
        return {name: value for name in self.__struct_fields__
                if (value := getattr(self, name)) is not UNSET}


class CorrectionLine(Line, tag="correction"):
    """What the original line of a sanction should have said."""

    sanction: str
    set: CorrectionSet
    reason: str | UnsetType = UNSET


class RetractionLine(Line, tag="retraction"):
    """The sanction was recorded in error and never existed."""

    sanction: str
    reason: str | UnsetType = UNSET


class StatementLine(Line, tag="statement"):
    """Something an official said."""

    speaker: str
    date: date
    text: str
    on_behalf_of: str | UnsetType = UNSET
    about: list[str] = []


AnyLine = (SourceLine | PartyLine | AliasLine | DesignationLine | CountermeasureLine
           | AmendmentLine | LiftingLine | CorrectionLine | RetractionLine | StatementLine)

#: type -> the Struct of lines of that type.
LINE_TYPES: dict[str, type[Line]] = {cls.__struct_config__.tag: cls for cls in get_args(AnyLine)}


def _refuse_blank(field: str, name: str) -> None:
    """A party's name or alias must have something in it: a blank one would be matched
    by a blank query."""
    if not name.strip():
        raise ValueError(f"field '{field}' must not be empty or blank")


def _refuse_end_before_start(effective_from: date, effective_until: date | None) -> None:
    if ends_before_it_starts(effective_from, effective_until):
        raise ValueError(f"effective_until {effective_until} is before effective_from "
                         f"{effective_from}")


def check_shape(lineno: int, obj: dict[str, Any]) -> Line:
    """Check one object against the Struct of its type; return it typed."""
    line_id(lineno, obj)
    if "type" not in obj:
        raise LineError(lineno, "missing required field 'type'")
    struct = LINE_TYPES.get(kind) if isinstance(kind := obj["type"], str) else None
    if struct is None:
        raise LineError(lineno, f"unknown type {json.dumps(kind)}")
    try:
        for name, value in obj.items():
            _refuse_unstorable(name, value)
        line = msgspec.convert(obj, struct)  # a class, not the union: msgspec caches its plan
        if isinstance(line, PartyLine):
            check_name_count(1 + len(line.aliases))
    except msgspec.ValidationError as error:
        raise LineError(lineno, reason(error, obj, struct)) from None
    except (ValueError, RuleViolationError) as error:
        raise LineError(lineno, str(error)) from None
    return line


def _refuse_unstorable(name: str, value: Any) -> None:
    """Text the ledger keeps as given on both backends, within the documented length:
    every string of the line, in lists and objects too (``name`` is the line's field).

    PostgreSQL cannot store a NUL character in text (SQLite can), so it is refused
    here, for both, before anything is written.
    """
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise ValueError(f"field '{name}' is {len(value):,} characters long, "
                             f"over the limit of {MAX_TEXT:,}")
        if "\x00" in value:
            raise ValueError(f"field '{name}' contains a NUL character (\\u0000), "
                             "which cannot be stored")
    elif isinstance(value, list):
        for item in value:
            _refuse_unstorable(name, item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_unstorable(name, key)
            _refuse_unstorable(name, item)


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


def json_schema() -> str:
    """The JSON Schema of one line, as ``docs/interchange.schema.json`` holds it."""
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
              "title": "A line of a sanctions-ledger interchange file, version 1",
              **msgspec.json.schema(AnyLine)}
    for line_type in LINE_TYPES.values():
        schema["$defs"][line_type.__name__].update(line_type.SCHEMA_RULES)
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


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
