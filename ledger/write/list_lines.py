"""Official list entries as interchange lines: what a party, a designation and a change say.

Pure functions of the entry and the snapshot's dates; ``ledger.write.ingest``
decides which of them a snapshot needs.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import msgspec

from ledger.sources import ListEntry, Snapshot

#: Authorities of the lists that have one, as the ledger registers them.
AUTHORITIES: dict[str, dict[str, Any]] = {
    "ofac": {"type": "party", "id": "auth:ofac", "kind": "authority",
             "name": "Office of Foreign Assets Control", "aliases": ["OFAC"], "country": "US"},
    "un-sc": {"type": "party", "id": "auth:un-sc", "kind": "authority",
              "name": "United Nations Security Council", "aliases": ["UN Security Council"]},
}
#: list -> (authority key, publisher, title, measures). Lists state no measures: these are
#: what each list's listing means (OFAC SDN: blocking; UN: asset freeze and travel ban).
LISTS: dict[str, tuple[str | None, str, str, list[str]]] = {
    "ofac-sdn": ("ofac", "US Treasury, OFAC", "Specially Designated Nationals list",
                 ["asset_freeze"]),
    "ofac-cons": ("ofac", "US Treasury, OFAC", "Consolidated (non-SDN) sanctions list",
                  ["other"]),
    "un": ("un-sc", "United Nations Security Council", "UN Security Council Consolidated List",
           ["asset_freeze", "travel_ban"]),
    "ftm": (None, "OpenSanctions", "FollowTheMoney entities", ["other"]),
}
_FULL_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def source_line(snapshot: Snapshot, kind: str, published: date, rows: int) -> dict[str, Any]:
    _, publisher, title, _ = LISTS[kind]
    return {"type": "source", "id": source_id(snapshot, published), "publisher": publisher,
            "title": f"{title} ({snapshot.list_name}) as published on {published}",
            "published": published.isoformat(), "list": snapshot.list_name,
            "files": [{"name": f.name, "sha256": f.sha256, "size": f.size}
                      for f in snapshot.files], "rows": rows}


def source_id(snapshot: Snapshot, published: date) -> str:
    return f"src:{snapshot.list_name}:{published.isoformat()}"


def authority_line(kind: str, entry: ListEntry) -> dict[str, Any]:
    """The authority a designation of ``entry`` names: the list's own, or for FtM the
    first authority the entry names (else the dataset)."""
    key = LISTS[kind][0]
    if key is not None:
        return AUTHORITIES[key]
    name = min(entry.authorities) if entry.authorities else entry.list_name
    return {"type": "party", "id": f"auth:{_slug(name)}", "kind": "authority", "name": name}


def facts(entry: ListEntry) -> dict[str, Any]:
    """What the diff compares of an entry, as plain JSON values."""
    attributes = _plain(msgspec.to_builtins(entry.attributes))
    attributes["list_uids"] = [entry.list_id]
    return {"kind": entry.kind, "name": entry.name,
            "aliases": [_alias(a) for a in entry.aliases], "attributes": attributes,
            "programs": sorted(entry.programs), "legal_bases": sorted(entry.legal_bases)}


def party_line(entry: ListEntry, known: dict[str, Any], source: str) -> dict[str, Any]:
    line = {"type": "party", "id": entry.party_id, "kind": known["kind"], "name": known["name"],
            "aliases": known["aliases"], "attributes": known["attributes"], "sources": [source]}
    return {key: value for key, value in line.items() if value != []}


def designation_line(kind: str, entry: ListEntry, known: dict[str, Any], number: int,
                     start: Any, authority: str, source: str) -> dict[str, Any]:
    line: dict[str, Any] = {
        "type": "designation", "id": f"{entry.party_id}:{number}", "authority": authority,
        "target": entry.party_id, "measures": LISTS[kind][3], "effective_from": start,
        "programs": known["programs"], "legal_bases": known["legal_bases"],
        "sources": [source]}
    return {key: value for key, value in line.items() if value != []}


def start_of(entry: ListEntry, published: date, previous: date | None) -> Any:
    """When a newly seen entry's designation starts: the list's own date if it has one
    (and it is after the previous snapshot), else on or before this publication (first
    snapshot), else between the day after the previous one and this one."""
    own = entry.listed_on
    if own and _FULL_DATE.fullmatch(own) and (previous is None
                                              or date.fromisoformat(own) > previous):
        return own
    return gone_between(published, previous)


def gone_between(published: date, previous: date | None) -> Any:
    """The window of a change first seen in this snapshot."""
    if previous is None:
        return {"on_or_before": published.isoformat()}
    return {"between": [(previous + timedelta(days=1)).isoformat(), published.isoformat()]}


def change_lines(party: str, sanction: str | None, old: dict[str, Any], new: dict[str, Any],
                 published: date, source: str) -> list[dict[str, Any]]:
    """The v2 lines that take a party (and its designation) from ``old`` to ``new``."""
    day, cite = published.isoformat(), [source]
    lines = []
    amended: dict[str, Any] = {}
    if new["name"] != old["name"]:
        amended["name"] = new["name"]
    keys = old["attributes"].keys() | new["attributes"].keys()
    changed = {k: new["attributes"].get(k, []) for k in sorted(keys)
               if old["attributes"].get(k) != new["attributes"].get(k)}
    if changed:
        amended["set_attributes"] = changed
    if amended:
        lines.append({"type": "party_amendment", "id": f"{party}:amended:{day}", "party": party,
                      "effective_from": day, **amended, "sources": cite})
    lines += _alias_lines(party, old["aliases"], new["aliases"], day, cite)
    if sanction and (old["programs"], old["legal_bases"]) != (new["programs"],
                                                              new["legal_bases"]):
        lines.append({"type": "amendment", "id": f"{sanction}:programs:{day}",
                      "sanction": sanction, "effective_from": day,
                      "programs": new["programs"], "legal_bases": new["legal_bases"],
                      "sources": cite})
    return lines


def _alias_lines(party: str, old: list[Any], new: list[Any], day: str,
                 cite: list[str]) -> list[dict[str, Any]]:
    names_before = {_name(a) for a in old}
    names_after = {_name(a) for a in new}
    lines = [{"type": "alias", "id": f"{party}:alias:{day}:{n}", "party": party,
              **({"name": a} if isinstance(a, str) else a), "effective_from": day,
              "sources": cite}
             for n, a in enumerate(a for a in new if _name(a) not in names_before)]
    lines += [{"type": "alias_end", "id": f"{party}:alias-end:{day}:{n}", "party": party,
               "name": name, "effective_from": day, "sources": cite}
              for n, name in enumerate(sorted(names_before - names_after))]
    return lines


def lifting_line(sanction: str, published: date, previous: date | None,
                 source: str) -> dict[str, Any]:
    return {"type": "lifting", "id": f"{sanction}:lifted", "sanction": sanction,
            "effective_from": gone_between(published, previous),
            "reason": f"absent from the snapshot published on {published}",
            "sources": [source]}


def _alias(alias: Any) -> Any:
    """An alias as the party line writes it: a string when it is a plain strong name."""
    if alias.quality == "strong" and not alias.former and alias.script is None:
        return alias.name
    return _plain({"name": alias.name, "quality": alias.quality,
                   "former": alias.former or None, "script": alias.script})


def _name(alias: Any) -> str:
    return alias if isinstance(alias, str) else str(alias["name"])


def _plain(value: Any) -> Any:
    """JSON values without nulls, empty lists and false flags: compact, and equal when
    the list says the same."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v not in (None, [], (), False)}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:120] or "unknown"
