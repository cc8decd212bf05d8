"""Reading an interchange file: UTF-8 lines, one JSON object each, no key twice."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from typing import Any

from ledger.errors import LineError
from ledger.interchange.lines import MAX_LINE_BYTES


class ShapeError(ValueError):
    """A line's object repeats a key (line number added by the caller)."""


def read_objects(lines: Iterable[bytes | str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line number, JSON object)`` for every line that is not blank or a comment."""
    for lineno, text in enumerate(decode_lines(lines), start=1):
        if not text.strip() or text.startswith("#"):
            continue
        yield lineno, _parse_object(lineno, text)


def decode_lines(lines: Iterable[bytes | str]) -> Iterator[str]:
    """Lines of a UTF-8 file as text, without a leading byte-order mark.

    Bad UTF-8 and a line longer than ``MAX_LINE_BYTES`` are a ``LineError`` naming
    the line, never a traceback (any input file a user hands the ledger goes
    through here).
    """
    for lineno, line in enumerate(lines, start=1):
        _check_length(lineno, line)
        if isinstance(line, bytes):
            try:
                line = line.decode("utf-8")
            except UnicodeDecodeError:
                raise LineError(lineno, "not valid UTF-8") from None
        yield line.removeprefix("\ufeff") if lineno == 1 else line


def _check_length(lineno: int, line: bytes | str) -> None:
    if len(line) * (1 if isinstance(line, bytes) else 4) <= MAX_LINE_BYTES:
        return  # a character is at most four bytes of UTF-8
    raw = line if isinstance(line, bytes) else line.encode("utf-8", "surrogatepass")
    size = len(raw.rstrip(b"\r\n"))  # the line break is not counted
    if size > MAX_LINE_BYTES:
        raise LineError(lineno, f"the line is {size:,} bytes long, over the limit of "
                                f"{MAX_LINE_BYTES:,} bytes per line")


def _parse_object(lineno: int, text: str) -> dict[str, Any]:
    try:
        value = _LINE_DECODER.decode(text)
    except ShapeError as error:
        raise LineError(lineno, str(error)) from None
    except json.JSONDecodeError as error:
        raise LineError(lineno, f"invalid JSON: {error.msg} at column {error.colno}") from None
    except RecursionError:
        raise LineError(lineno, "invalid JSON: nested too deep") from None
    except ValueError:  # the decoder's only other refusal: an integer past Python's limit
        raise LineError(lineno, "invalid JSON: a number of more than "
                        f"{sys.get_int_max_str_digits()} digits") from None
    if not isinstance(value, dict):
        raise LineError(lineno, "a line must be a JSON object")
    if "\\u" in text:
        _refuse_lone_surrogates(lineno, value)
    return value


def _refuse_lone_surrogates(lineno: int, value: dict[str, Any]) -> None:
    """A ``\\udXXX`` escape without its pair is valid JSON but no Unicode character:
    UTF-8 cannot store it. (Pairs are joined into one character by the parser.)"""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as error:
        lone = ord(error.object[error.start])
        raise LineError(lineno, f"\\u{lone:04x} is a lone surrogate escape, "
                                "not a Unicode character") from None


def _refuse_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ShapeError(f"field '{key}' appears twice")
            seen.add(key)
    return obj


# One decoder for every line: ``json.loads`` with a hook builds a new one per call, which
# cost as much as the decoding.
_LINE_DECODER = json.JSONDecoder(object_pairs_hook=_refuse_repeated_keys)
