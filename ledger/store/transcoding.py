"""How events travel into storage: eventsourcing's JSON transcoder, through orjson, with dates."""

from __future__ import annotations

from datetime import date
from typing import Any

import orjson
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Transcoding,
    TranscodingNotRegisteredError,
    UUIDAsHex,
)


class DateAsISO(Transcoding):
    """Legal dates travel as ``YYYY-MM-DD`` strings inside stored events."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class FastJSONTranscoder(JSONTranscoder):
    """eventsourcing's JSON transcoder, encoding through orjson: the same bytes, faster.

    Every event's state is encoded on the way into the store. orjson hands
    dates and datetimes to the registered transcodings (passthrough), as the
    json module does, and writes the same compact UTF-8. It writes UUIDs
    natively where eventsourcing would tag them (and would read back a ``str``),
    so no event field may hold a UUID: originator ids are columns, and
    tests/test_event_store_contract.py refuses such a field in any event
    class; tests/test_persistence.py compares the bytes of every event type
    with eventsourcing's own. Subclasses of str, int, list and dict are
    refused unless registered (eventsourcing's JSON transcoder would quietly
    store them as their base type). Decoding is eventsourcing's: orjson has
    no hook to turn the tags back into objects.
    """

    _PASSTHROUGH = (orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS
                    | orjson.OPT_PASSTHROUGH_DATACLASS)

    def encode(self, obj: Any) -> bytes:
        try:
            return orjson.dumps(obj, default=self._encode_obj, option=self._PASSTHROUGH)
        except orjson.JSONEncodeError as error:
            if isinstance(error.__cause__, TranscodingNotRegisteredError):
                raise error.__cause__ from None  # eventsourcing's message names the type
            raise



def register_transcodings(transcoder: JSONTranscoder) -> None:
    """Every ledger's transcodings: eventsourcing's defaults, plus dates."""
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), DateAsISO()):
        transcoder.register(transcoding)


def ledger_transcoder() -> FastJSONTranscoder:
    """The transcoder of every ledger."""
    transcoder = FastJSONTranscoder()
    register_transcodings(transcoder)
    return transcoder
