"""The audit trail at the command line: a party's history, replay, and a list's daily diff."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from cli.params import (
    DateParam,
    at_option,
    interactive,
    json_option,
    known_at_option,
    now,
    open_ledger,
    print_json,
    today,
)
from cli.render import party_json, sanction_fields
from cli.terminal import json_text, say

if TYPE_CHECKING:
    from ledger.audit.diff import ListDiff
    from ledger.audit.history import TimelineEntry
    from ledger.audit.replay import ReplayStep
    from ledger.domain.answers import RecordedLine, SanctionInForce


@click.command()
@click.argument("party")
@click.option("--decisions", is_flag=True,
              help="PARTY is a customer key: list the screening decisions taken about it.")
@known_at_option
@json_option
def history(party: str, decisions: bool, known_at, as_json: bool) -> None:
    """PARTY's whole timeline in valid-time order, each line with its sources.

    Designations, countermeasures, amendments, liftings and statements are dated
    by their own date; corrections, retractions and the party's own lines by the
    time they were recorded (marked "recorded").

    Example: sanctions-ledger history "Chen Mingguo"

    With --decisions, PARTY is a customer key and the screening decisions about that
    customer are listed: sanctions-ledger history c-1042 --decisions
    """
    from ledger.audit.report.tabular import history_shape

    if decisions:
        _decisions(party, known_at or now(), as_json)
        return
    with open_ledger() as ledger:
        found = ledger.get_history(party, known_at=known_at or now())
    if as_json:
        print_json(history_shape(found))
        return
    say(f"History of {found.party.name} ({found.party.id}), {found.known.text}: "
        f"{len(found.entries)} lines")
    for entry in found.entries:
        _echo_entry(entry, found.sources)


def _decisions(customer: str, known_at, as_json: bool) -> None:
    from cli.decisions import echo_decisions
    from cli.render import decision_json

    with open_ledger() as ledger:
        known = ledger.get_known(known_at)
        found = ledger.get_decisions(customer, known_at=known.moment)
    if as_json:
        print_json({"customer": customer, **known.fields,
                    "decisions": [decision_json(d) for d in found]})
        return
    echo_decisions(customer, known, found)


def _echo_entry(entry: TimelineEntry, sources: dict[str, RecordedLine]) -> None:
    dated = "" if entry.dated_by == "valid" else "  (dated by when it was recorded)"
    say("", f"{entry.day}  {entry.line.type:<14} {entry.line.id}{dated}",
        f"    {entry.summary}",
        f"    recorded {entry.line.recorded_at.isoformat(timespec='seconds')} "
        f"at position {entry.line.position}")
    for source_id in entry.line.sources:
        say(f"    source: {_source_text(sources.get(source_id), source_id)}")


def _source_text(source: RecordedLine | None, source_id: str) -> str:
    if source is None:
        return source_id
    c = source.content
    return f"{c['publisher']}, \u201c{c['title']}\u201d" + (f" {c['url']}" if c.get("url") else "")


@click.command()
@click.option("--from", "start", type=DateParam(), help="First step date to show.")
@click.option("--to", "end", type=DateParam(), help="Last step date to show.")
@click.option("--authority", help="Only steps about this authority's sanctions or statements.")
@click.option("--by", type=click.Choice(["valid", "recorded"]), default="valid",
              show_default=True,
              help="valid: how the world changed; recorded: how the ledger learnt it.")
@at_option
@known_at_option
@json_option
def replay(start, end, authority, by, at, known_at, as_json: bool) -> None:
    """Tell the ledger's story step by step, with the sanctions in force per authority.

    By valid time, counts are those in force on the step's date as known at
    --known-at. By recorded time, counts are as known right after the step was
    recorded, on the step's own date (--at overrides; undated lines use today).
    --json prints one JSON object per line per step, as each step is ready.

    Example: sanctions-ledger replay --from 2021-03-15 --to 2021-03-31
    """
    from cli.progress import progress

    with open_ledger() as ledger, progress(interactive(as_json)) as shown:
        story = ledger.get_replay(by=by, known_at=known_at or now(), today=today(),
                                  start=start, end=end, authority=authority, at=at)
        advance = shown.counter("replaying")
        if not as_json:
            say(f"Replay by {by} time, {story.known.text}: {len(story)} steps; counts "
                "are sanctions in force per authority after each step",
                " step  date        " + " ".join(f"{a:>8}" for a in story.authorities) + "  line")
        for step in story:
            if as_json:
                click.echo(json_text(step_json(step)))
            else:
                say(_step_text(step))
            if advance:
                advance(step.number, len(story))


def _step_text(step: ReplayStep) -> str:
    counts = " ".join(f"{n:>8}" for n in step.in_force.values())
    return (f"{step.number:>5}  {str(step.day or ''):<10}  {counts}  {step.line.type} "
            f"{step.line.id} \u2014 {step.summary}")


def step_json(step: ReplayStep) -> dict[str, Any]:
    return {"step": step.number, "date": step.day.isoformat() if step.day else None,
            "id": step.line.id, "type": step.line.type, "sanction": step.sanction,
            "authority": step.authority, "summary": step.summary,
            "recorded_at": step.line.recorded_at.isoformat(), "position": step.line.position,
            "known_at": step.known_at.isoformat(), "counted_on": step.counted_on.isoformat(),
            "in_force": step.in_force}


@click.command()
@click.option("--authority", required=True, help="The authority (id, name or alias).")
@click.option("--from", "start", type=DateParam(), required=True, help="The earlier day.")
@click.option("--to", "end", type=DateParam(), required=True, help="The later day.")
@known_at_option
@json_option
def diff(authority: str, start, end, known_at, as_json: bool) -> None:
    """What changed on an authority's list between two days: the delta a screener applies.

    Example: sanctions-ledger diff --authority EU --from 2021-03-21 --to 2021-03-23
    """
    with open_ledger() as ledger:
        found = ledger.get_diff(authority, start=start, end=end, known_at=known_at or now())
    if as_json:
        print_json(diff_json(found))
        return
    say(f"{found.authority.name} ({found.authority.id}): list on {found.start} -> "
        f"{found.end}, {found.known.text}")
    for label, mark, items in (("added", "+", found.added), ("removed", "-", found.removed)):
        say(f"{label}: {len(items)}", *(f"  {mark} {_sanction_text(s)}" for s in items))
    say(f"changed: {len(found.changed)}")
    for change in found.changed:
        what = "; ".join(f"{f}: {_value(getattr(change.before, f))} -> "
                         f"{_value(getattr(change.after, f))}" for f in change.fields)
        say(f"  ~ {change.after.id}  {what}")


def _sanction_text(s: SanctionInForce) -> str:
    return (f"{s.id}  {s.target}  {', '.join(s.measures)}  from {s.effective_from}  "
            f"until {_value(s.effective_until)}")


def _value(value: Any) -> str:
    if value is None:
        return "open-ended"
    return ", ".join(value) if isinstance(value, list) else str(value)


def diff_json(found: ListDiff) -> dict[str, Any]:
    return {"authority": party_json(found.authority), "from": found.start.isoformat(),
            "to": found.end.isoformat(), **found.known.fields,
            "added": [sanction_fields(s) for s in found.added],
            "removed": [sanction_fields(s) for s in found.removed],
            "changed": [{"id": c.after.id, "fields": c.fields, "before": sanction_fields(c.before),
                         "after": sanction_fields(c.after)} for c in found.changed]}

