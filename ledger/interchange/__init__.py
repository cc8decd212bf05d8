"""The interchange format, version 1: the ledger's outside write contract.

``reading`` turns a file into JSON objects (UTF-8, byte-order mark, one key
once), ``lines`` types each object as the Struct of its line type, and
``reasons`` says why one is refused in the spec's words.
"""

from ledger.interchange.lines import (
    LINE_TYPES,
    AnyLine,
    Line,
    check_shape,
    compact,
    json_schema,
    line_id,
    same_content,
)
from ledger.interchange.reading import decode_lines, read_objects

__all__ = ["LINE_TYPES", "AnyLine", "Line", "check_shape", "compact", "decode_lines",
           "json_schema", "line_id", "read_objects", "same_content"]
