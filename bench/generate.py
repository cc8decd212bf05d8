"""Seeded generator of valid sanctions histories in the interchange format.

``generate(lines, seed)`` writes a history of about ``lines`` lines: authorities
and sources, parties with aliases, designations and countermeasures (with
``in_response_to``), amendments, liftings, corrections, retractions and
statements. A second, smaller file continues the same history (recorded later,
so that queries "as known at" the time between the two files have something to
miss). Both files obey every rule of the spec, so importing them must succeed:
the generator keeps, for each sanction, just what the rules look at (its
start, whether it is lifted or retracted).

Run as ``python -m bench.generate 10000 OUT.jsonl`` (the second file is written
beside it as ``OUT.stage2.jsonl``).
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

AUTHORITIES = {
    "auth:eu": ("Council of the European Union", ["EU"]),
    "auth:uk": ("HM Treasury", ["UK", "OFSI"]),
    "auth:us": ("US Department of the Treasury", ["US", "OFAC"]),
    "auth:ca": ("Government of Canada", ["Canada"]),
    "auth:au": ("Australian Government", ["Australia"]),
    "auth:cn": ("Ministry of Foreign Affairs of the PRC", ["China"]),
    "auth:ru": ("Ministry of Foreign Affairs of Russia", ["Russia"]),
}
DESIGNATORS = ["auth:eu", "auth:uk", "auth:us", "auth:ca", "auth:au"]
RESPONDERS = ["auth:cn", "auth:ru"]
MEASURES = ["asset_freeze", "travel_ban", "entry_ban", "visa_restriction", "transaction_ban",
            "business_ban", "export_control", "investment_ban", "other"]
PROGRAMS = ["Global Human Rights", "Cyber", "Chemical Weapons", "Belarus", "Myanmar",
            "Counter-terrorism", "Countermeasures"]
SYLLABLES = ["an", "bo", "chen", "da", "el", "fa", "gu", "ha", "ir", "jo", "ka", "li", "mo",
             "na", "ol", "pe", "qu", "ra", "si", "to", "ul", "va", "wei", "xi", "ya", "zo"]
COUNTRIES = ["CN", "RU", "BY", "IR", "KP", "MM", "SY", "VE", "NI", "ER"]
FIRST_DAY = date(2012, 1, 1).toordinal()
LAST_DAY = date(2025, 12, 31).toordinal()

#: line type -> relative weight once the history has parties and sanctions.
MIX = {"party": 24, "alias": 5, "designation": 24, "countermeasure": 5, "amendment": 15,
       "lifting": 8, "correction": 6, "retraction": 1, "statement": 2, "source": 1}


@dataclass
class SanctionState:
    """What the spec's rules look at for one generated sanction."""

    id: str
    start: int  # date ordinal
    lifted: bool = False
    retracted: bool = False


class History:
    """The generator's view of the ledger so far: enough to only emit valid lines."""

    def __init__(self, seed: int, prefix: str = ""):
        self.rng = random.Random(seed)
        self.prefix = prefix
        self.counter = 0
        self.parties: list[str] = []
        self.sources: list[str] = []
        self.sanctions: list[SanctionState] = []
        self.names: dict[str, str] = {}

    def next_id(self, kind: str) -> str:
        self.counter += 1
        return f"{self.prefix}{kind}:{self.counter:07d}"

    def opening(self) -> Iterator[dict[str, Any]]:
        for ident, (name, aliases) in AUTHORITIES.items():
            yield {"type": "party", "id": ident, "kind": "authority", "name": name,
                   "aliases": aliases}
        for _ in range(5):
            yield self.source()

    def line(self, kind: str) -> dict[str, Any] | None:
        return getattr(self, kind.replace("-", "_"))()

    def lines(self, count: int, mix: dict[str, int]) -> Iterator[dict[str, Any]]:
        kinds, weights = list(mix), list(mix.values())
        produced = 0
        while produced < count:
            needs_target = not self.parties or not self.sanctions
            kind = "party" if not self.parties else (
                "designation" if needs_target else self.rng.choices(kinds, weights)[0])
            obj = self.line(kind)
            if obj is not None:
                produced += 1
                yield obj

    # One method per line type.

    def source(self) -> dict[str, Any]:
        ident = self.next_id("src")
        self.sources.append(ident)
        day = date.fromordinal(self.rng.randint(FIRST_DAY, LAST_DAY)).isoformat()
        return {"type": "source", "id": ident, "publisher": "Official Journal",
                "title": f"Regulation {ident}", "published": day,
                "url": f"https://example.org/{ident}"}

    def party(self) -> dict[str, Any]:
        kind = self.rng.choice(["person", "person", "organization"])
        ident = self.next_id(kind[:3])
        name = self.name(3 if kind == "person" else 2)
        obj: dict[str, Any] = {"type": "party", "id": ident, "kind": kind, "name": name,
                               "country": self.rng.choice(COUNTRIES)}
        aliases = [self.name(2) for _ in range(self.rng.choice([0, 0, 1, 2]))]
        if aliases:
            obj["aliases"] = aliases
        self.parties.append(ident)
        self.names[ident] = name
        return obj

    def alias(self) -> dict[str, Any]:
        return {"type": "alias", "id": self.next_id("alias"),
                "party": self.rng.choice(self.parties), "name": self.name(2)}

    def designation(self, kind: str = "designation") -> dict[str, Any]:
        rng = self.rng
        authority = rng.choice(RESPONDERS if kind == "countermeasure" else DESIGNATORS)
        ident = self.next_id(authority.removeprefix("auth:"))
        start = rng.randint(FIRST_DAY, LAST_DAY - 400)
        obj: dict[str, Any] = {
            "type": kind, "id": ident, "authority": authority,
            "target": rng.choice(self.parties), "measures": self.measures(),
            "program": rng.choice(PROGRAMS), "effective_from": _iso(start),
            "sources": [rng.choice(self.sources)]}
        if rng.random() < 0.3:
            obj["effective_until"] = _iso(start + rng.randint(180, 1500))
        responds_to = self.live(rng.randint(1, 2)) if kind == "countermeasure" else []
        if responds_to:
            obj["in_response_to"] = [s.id for s in responds_to]
        self.sanctions.append(SanctionState(ident, start))
        return obj

    def countermeasure(self) -> dict[str, Any]:
        return self.designation("countermeasure")

    def amendment(self) -> dict[str, Any] | None:
        sanction = self.pick()
        if sanction is None:
            return None
        start = sanction.start + self.rng.randint(1, 900)
        obj: dict[str, Any] = {"type": "amendment", "id": self.next_id("amend"),
                               "sanction": sanction.id, "effective_from": _iso(start)}
        roll = self.rng.random()
        if roll < 0.5:
            obj["measures"] = self.measures()
        if roll > 0.3:
            obj["effective_until"] = (None if self.rng.random() < 0.2 else
                                      _iso(start + self.rng.randint(30, 1500)))
        return obj

    def lifting(self) -> dict[str, Any] | None:
        sanction = self.pick(unlifted=True)
        if sanction is None:
            return None
        sanction.lifted = True
        return {"type": "lifting", "id": self.next_id("lift"), "sanction": sanction.id,
                "effective_from": _iso(sanction.start + self.rng.randint(30, 2000)),
                "reason": "delisted"}

    def correction(self) -> dict[str, Any] | None:
        sanction = self.pick()
        if sanction is None:
            return None
        roll = self.rng.random()
        if roll < 0.4:  # moving the start earlier never breaks a later line's date rule
            sanction.start -= self.rng.randint(1, 30)
            changes: dict[str, Any] = {"effective_from": _iso(sanction.start)}
        elif roll < 0.8:
            changes = {"measures": self.measures()}
        else:
            changes = {"program": self.rng.choice(PROGRAMS)}
        return {"type": "correction", "id": self.next_id("fix"), "sanction": sanction.id,
                "set": changes, "reason": "clerical error"}

    def retraction(self) -> dict[str, Any] | None:
        sanction = self.pick()
        if sanction is None:
            return None
        sanction.retracted = True
        return {"type": "retraction", "id": self.next_id("retract"), "sanction": sanction.id,
                "reason": "listed in error"}

    def statement(self) -> dict[str, Any]:
        about = [s.id for s in self.live(1)] + [self.rng.choice(self.parties)]
        return {"type": "statement", "id": self.next_id("stmt"),
                "speaker": self.rng.choice(list(AUTHORITIES)), "about": about,
                "date": _iso(self.rng.randint(FIRST_DAY, LAST_DAY)),
                "text": "The measures are unjustified and will be answered."}

    # Helpers.

    def name(self, words: int) -> str:
        return " ".join("".join(self.rng.choices(SYLLABLES, k=self.rng.randint(2, 3))).title()
                        for _ in range(words))

    def measures(self) -> list[str]:
        return self.rng.sample(MEASURES, self.rng.randint(1, 3))

    def pick(self, unlifted: bool = False, tries: int = 8) -> SanctionState | None:
        for _ in range(tries):
            sanction = self.rng.choice(self.sanctions)
            if not sanction.retracted and not (unlifted and sanction.lifted):
                return sanction
        return None

    def live(self, count: int) -> list[SanctionState]:
        found = {s.id: s for s in (self.pick() for _ in range(count)) if s is not None}
        return list(found.values())


def _iso(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()


def generate(lines: int, out: Path, seed: int = 2021) -> tuple[Path, Path]:
    """Write the history and its continuation; return both paths."""
    history = History(seed)
    stage2 = out.with_suffix(".stage2.jsonl")
    with out.open("w", encoding="utf-8") as stream:
        opening = list(history.opening())
        _write(stream, opening)
        _write(stream, history.lines(lines - len(opening), MIX))
    history.prefix = "s2-"
    with stage2.open("w", encoding="utf-8") as stream:
        later = {"amendment": 4, "lifting": 3, "correction": 2, "designation": 2, "party": 1}
        _write(stream, history.lines(max(50, lines // 100), later))
    return out, stage2


def _write(stream: Any, objects: Any) -> None:
    for obj in objects:
        stream.write(json.dumps(obj, separators=(", ", ": ")) + "\n")


if __name__ == "__main__":
    generate(int(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 2021)
