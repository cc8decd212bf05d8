"""The interchange format, version 1: the ledger's outside write contract.

``reading`` turns a file into JSON objects (UTF-8, byte-order mark, one key
once), ``lines`` checks each object's shape and types its fields.
"""

from ledger.interchange.lines import (
    COMMON_OPTIONAL,
    SCHEMA,
    FiledLine,
    check_shape,
    compact,
    line_id,
    same_content,
)
from ledger.interchange.reading import decode_lines, read_objects

__all__ = ["COMMON_OPTIONAL", "SCHEMA", "FiledLine", "check_shape", "compact", "decode_lines",
           "line_id", "read_objects", "same_content"]
