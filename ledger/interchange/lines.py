"""The lines of the interchange format, versions 1 and 2, as typed records.

Each line type is one msgspec ``Struct`` tagged by its ``type``; a field the
type does not define is refused. This module knows the shape of a line and
nothing of the ledger's state: ``check_shape`` turns a line's JSON object into
its typed line (dates are ``datetime.date``, or in version 2 a window's typed
days when a date is known only within one; measures a sorted list without
repeats) or raises ``LineError`` naming the line and the reason, in the words
of ``ledger.interchange.reasons``. Checks that need the ledger (references,
idempotency, the sanction rules) live in ``ledger.write.recording``.

A new line type is one ``Struct`` here, added to ``AnyLine``, plus the domain
command that records it (``ledger.write.recording``).
"""

from __future__ import annotations

import builtins
import json
import re
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, ClassVar, Literal, TypeVar, get_args

import msgspec
import orjson
from msgspec import UNSET, Meta, Struct, UnsetType

from ledger.domain.dates import DateWindow, window_of
from ledger.domain.rules import ATTRIBUTE_KINDS, check_name_count, ends_before_it_starts
from ledger.errors import LineError, RuleViolationError
from ledger.interchange.reasons import reason

#: The documented limits (docs/interchange.md): bytes in one line of a file, and
#: characters in one text value. A party's names are limited in ``ledger.domain.rules``.
MAX_LINE_BYTES = 1_048_576
MAX_TEXT = 65_536

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$"
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ID = re.compile(ID_PATTERN.removeprefix("^").removesuffix("$"))

LineId = Annotated[str, Meta(pattern=ID_PATTERN, min_length=1, max_length=200,
                             description="unique across the ledger, whatever the type")]
Measure = Annotated[
    Literal["asset_freeze", "travel_ban", "entry_ban", "visa_restriction", "transaction_ban",
            "business_ban", "export_control", "investment_ban", "other"],
    Meta(title="measure")]
Measures = Annotated[list[Measure], Meta(min_length=1)]
PartyKind = Literal["person", "organization", "authority", "vessel", "aircraft"]
#: A date, or (version 2) a window: ``{"on_or_before": D}`` or ``{"between": [D1, D2]}``.
DateOrWindow = date | dict[str, Any]
#: An alias: a name (version 1) or an object with ``name`` and optionally ``quality``,
#: ``former``, ``script`` (version 2; the filed line keeps them, the party the name).
AliasItem = str | dict[str, Any]
#: A party's attributes: free strings (version 1) or lists under a known kind (version 2).
Attributes = dict[str, str | list[str | dict[str, Any]]]

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
    list: str | UnsetType = UNSET  # version 2: an official list's snapshot
    files: builtins.list[dict[str, Any]] | UnsetType = UNSET
    rows: Annotated[int, Meta(ge=0)] | UnsetType = UNSET


class PartyLine(Line, tag="party"):
    """A person, organization or authority."""

    kind: PartyKind
    name: str
    aliases: list[AliasItem] = []
    country: str | UnsetType = UNSET
    attributes: Attributes = {}

    def __post_init__(self) -> None:
        _refuse_blank("name", self.name)
        for alias in self.aliases:
            _refuse_blank("aliases", _alias_name("aliases", alias))
        _check_attributes("attributes", self.attributes)

    def own_fields(self) -> dict[str, Any]:
        """The party's fields, its aliases as names (the filed line keeps the objects)."""
        return {**super().own_fields(),
                "aliases": [_alias_name("aliases", alias) for alias in self.aliases]}


class AliasLine(Line, tag="alias"):
    """Another name for a party, learnt later."""

    party: str
    name: str
    quality: Literal["strong", "weak"] | UnsetType = UNSET
    former: bool | UnsetType = UNSET
    script: str | UnsetType = UNSET
    effective_from: date | UnsetType = UNSET

    def __post_init__(self) -> None:
        _refuse_blank("name", self.name)


class AliasEndLine(Line, tag="alias_end"):
    """A name of a party stops being valid: ``effective_from`` is its first day not valid."""

    party: str
    name: str
    effective_from: date
    reason: str | UnsetType = UNSET


class PartyAmendmentLine(Line, tag="party_amendment"):
    """A change of a party from a date on: a new name, country or typed attributes."""

    SCHEMA_RULES: ClassVar[dict[str, Any]] = {"anyOf": [
        {"required": ["name"]}, {"required": ["country"]}, {"required": ["set_attributes"]}]}
    party: str
    effective_from: date
    name: str | UnsetType = UNSET
    country: str | UnsetType = UNSET
    set_attributes: Attributes | UnsetType = UNSET
    reason: str | UnsetType = UNSET

    def __post_init__(self) -> None:
        if self.name is UNSET and self.country is UNSET and self.set_attributes is UNSET:
            raise ValueError("a party_amendment needs 'name' or 'country' or 'set_attributes'")
        if self.name is not UNSET:
            _refuse_blank("name", self.name)
        if self.set_attributes is not UNSET:
            _check_attributes("set_attributes", self.set_attributes)
            loose = [key for key, item in self.set_attributes.items() if isinstance(item, str)]
            if loose:
                raise ValueError(f"attribute '{loose[0]}' in 'set_attributes' must be a list")

    def changes(self) -> dict[str, Any]:
        """What the amendment changes, and only that."""
        return {name: value for name in ("name", "country", "set_attributes")
                if (value := getattr(self, name)) is not UNSET}


class SamePartyLine(Line, tag="same_party"):
    """Two or more parties are the same real-world party (from different lists)."""

    parties: list[str]
    reason: str | UnsetType = UNSET

    def __post_init__(self) -> None:
        if len(set(self.parties)) < 2:
            raise ValueError("field 'parties' must name at least two different parties")


class SanctionLine(Line):
    """The fields a designation and a countermeasure share."""

    authority: str
    target: str
    measures: Measures
    effective_from: DateOrWindow
    program: str | UnsetType = UNSET
    legal_basis: str | UnsetType = UNSET
    announced: date | UnsetType = UNSET
    effective_until: date | None = None
    reason: str | UnsetType = UNSET
    programs: list[str] | UnsetType = UNSET
    legal_bases: list[str] | UnsetType = UNSET

    def __post_init__(self) -> None:
        self.measures = sorted(set(self.measures))
        self.effective_from = _typed_window("effective_from", self.effective_from)
        for one, many in (("program", "programs"), ("legal_basis", "legal_bases")):
            if getattr(self, one) is not UNSET and getattr(self, many) is not UNSET:
                raise ValueError(f"a {self.type} has '{one}' or '{many}', not both")
        self.programs, self.legal_bases = _as_set(self.programs), _as_set(self.legal_bases)
        _refuse_end_before_start(self.start, self.effective_until)

    @property
    def start(self) -> date:
        """The first day in force, as the rules use it: a window's latest day."""
        return _latest(self.effective_from)

    @property
    def window(self) -> DateWindow | None:
        """The window the first day lies in, when it is known only so (version 2)."""
        return _window(self.effective_from)

    def own_fields(self) -> dict[str, Any]:
        """The sanction's fields as its event holds them: the start a day, and its window."""
        window = self.window
        return {**super().own_fields(), "effective_from": self.start,
                "start_window": window.state() if window else None}


class DesignationLine(SanctionLine, tag="designation"):
    """A sanction imposed by an authority."""


class CountermeasureLine(SanctionLine, tag="countermeasure"):
    """A sanction imposed in answer to others."""

    in_response_to: list[str] = []


class AmendmentLine(Line, tag="amendment"):
    """A change of a sanction from a date on; needs ``measures`` or ``effective_until``."""

    SCHEMA_RULES: ClassVar[dict[str, Any]] = {"anyOf": [
        {"required": [name]} for name in ("measures", "effective_until", "programs",
                                          "legal_bases")]}
    sanction: str
    effective_from: date
    measures: Measures | UnsetType = UNSET
    effective_until: date | None | UnsetType = UNSET
    reason: str | UnsetType = UNSET
    programs: list[str] | UnsetType = UNSET
    legal_bases: list[str] | UnsetType = UNSET

    def __post_init__(self) -> None:
        if all(getattr(self, name) is UNSET
               for name in ("measures", "effective_until", "programs", "legal_bases")):
            raise ValueError("an amendment needs 'measures' or 'effective_until'")
        if self.measures is not UNSET:
            self.measures = sorted(set(self.measures))
        self.programs, self.legal_bases = _as_set(self.programs), _as_set(self.legal_bases)
        _refuse_end_before_start(self.effective_from, given(self.effective_until))


class LiftingLine(Line, tag="lifting"):
    """The sanction ends: ``effective_from`` is its first day not in force (version 2:
    or a window that day lies in)."""

    sanction: str
    effective_from: DateOrWindow
    reason: str | UnsetType = UNSET

    def __post_init__(self) -> None:
        self.effective_from = _typed_window("effective_from", self.effective_from)

    @property
    def end(self) -> date:
        """The first day not in force, as the rules use it: a window's latest day."""
        return _latest(self.effective_from)

    @property
    def window(self) -> DateWindow | None:
        return _window(self.effective_from)


class CorrectionSet(Struct, forbid_unknown_fields=True, kw_only=True):
    """What a correction sets: the fields of a sanction's line it may change."""

    authority: str | UnsetType = UNSET
    target: str | UnsetType = UNSET
    measures: Measures | UnsetType = UNSET
    effective_from: date | UnsetType = UNSET
    effective_until: date | None | UnsetType = UNSET
    program: str | UnsetType = UNSET
    legal_basis: str | UnsetType = UNSET
    programs: list[str] | UnsetType = UNSET
    legal_bases: list[str] | UnsetType = UNSET

    def __post_init__(self) -> None:
        if self.measures is not UNSET:
            self.measures = sorted(set(self.measures))
        self.programs, self.legal_bases = _as_set(self.programs), _as_set(self.legal_bases)

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
    """The sanction, or (version 2) the same-party link, was recorded in error and never
    existed: names exactly one of ``sanction`` and ``same_party``."""

    SCHEMA_RULES: ClassVar[dict[str, Any]] = {
        "oneOf": [{"required": ["sanction"]}, {"required": ["same_party"]}]}
    sanction: str | UnsetType = UNSET
    same_party: str | UnsetType = UNSET
    reason: str | UnsetType = UNSET

    def __post_init__(self) -> None:
        if (self.sanction is UNSET) == (self.same_party is UNSET):
            raise ValueError("a retraction has 'sanction' or 'same_party', exactly one")


class StatementLine(Line, tag="statement"):
    """Something an official said."""

    speaker: str
    date: date
    text: str
    on_behalf_of: str | UnsetType = UNSET
    about: list[str] = []


Verdict = Literal["false-positive", "true-match"]


class DecisionLine(Line, tag="decision"):
    """An analyst's verdict on whether a customer is a party a screening put forward."""

    customer: Annotated[str, Meta(min_length=1, max_length=200,
                                  description="the customer's own key, as screened")]
    party: str
    verdict: Verdict
    reason: str | UnsetType = UNSET
    by: str | UnsetType = UNSET


AnyLine = (SourceLine | PartyLine | AliasLine | AliasEndLine | PartyAmendmentLine
           | SamePartyLine | DesignationLine | CountermeasureLine | AmendmentLine
           | LiftingLine | CorrectionLine | RetractionLine | StatementLine | DecisionLine)

#: type -> the Struct of lines of that type.
LINE_TYPES: dict[str, type[Line]] = {cls.__struct_config__.tag: cls for cls in get_args(AnyLine)}


def _refuse_blank(field: str, name: str) -> None:
    """A party's name or alias must have something in it: a blank one would be matched
    by a blank query."""
    if not name.strip():
        raise ValueError(f"field '{field}' must not be empty or blank")


def _typed_window(name: str, value: DateOrWindow) -> DateOrWindow:
    """A date as it is; a window checked and its days typed (``_window`` reads it back)."""
    if not isinstance(value, dict):
        return value
    shape = f"field '{name}' must be a date or {{\"on_or_before\": D}} or {{\"between\": [D1, D2]}}"
    between = value.get("between")
    if set(value) == {"on_or_before"}:
        typed: dict[str, Any] = {"on_or_before": _day(name, value["on_or_before"])}
    elif set(value) == {"between"} and isinstance(between, list) and len(between) == 2:
        typed = {"between": [_day(name, day) for day in between]}
    else:
        raise ValueError(shape)
    try:
        window_of(typed)
    except ValueError as error:
        raise ValueError(f"field '{name}': {error}") from None
    return typed


def _day(name: str, value: Any) -> date:
    """One day of a window, refused in the words a date field's are."""
    if not isinstance(value, str) or not _DAY.fullmatch(value):
        raise ValueError(f"field '{name}' must be a date YYYY-MM-DD, got {json.dumps(value)}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"field '{name}' is not a calendar date: {value}") from None


def _window(value: DateOrWindow) -> DateWindow | None:
    return window_of(value) if isinstance(value, dict) else None


def _latest(value: DateOrWindow) -> date:
    window = _window(value)
    return window.latest if window else value  # type: ignore[return-value]  # a date then


def _as_set(value: list[str] | UnsetType) -> list[str] | UnsetType:
    """A list read as a set: sorted, each once."""
    return value if value is UNSET else sorted(set(value))


def _alias_name(field: str, alias: AliasItem) -> str:
    """An alias's name: the string, or a version 2 object's ``name`` (checked)."""
    if isinstance(alias, str):
        return alias
    if not isinstance(alias.get("name"), str):
        raise ValueError(f"field '{field}' must hold strings or objects with a 'name'")
    unknown = [key for key in alias if key not in _ALIAS_KEYS]
    if unknown:
        raise ValueError(f"unknown field '{unknown[0]}' in '{field}'")
    for key, check in _ALIAS_KEYS.items():
        if key in alias and not check(alias[key]):
            raise ValueError(f"field '{key}' must be {_ALIAS_SHAPES[key]}")
    return str(alias["name"])


_ALIAS_KEYS: dict[str, Callable[[Any], bool]] = {
    "name": lambda v: isinstance(v, str), "quality": lambda v: v in ("strong", "weak"),
    "former": lambda v: isinstance(v, bool), "script": lambda v: isinstance(v, str)}
_ALIAS_SHAPES = {"name": "a string", "quality": "one of strong, weak",
                 "former": "true or false", "script": "a string"}


def _check_attributes(field: str, attributes: dict[str, Any]) -> None:
    """Typed attributes (lists) only under the kinds the spec knows."""
    for key, item in attributes.items():
        if isinstance(item, list) and key not in ATTRIBUTE_KINDS:
            raise ValueError(f"unknown attribute '{key}' in '{field}'")


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
              "title": "A line of a sanctions-ledger interchange file, versions 1 and 2",
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
