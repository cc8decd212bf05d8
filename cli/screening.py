"""Screening by name: who a name may be, scored and explained, with what is in force."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cli.params import answering, at_option, json_option, known_at_option, now, print_json, today
from cli.render import screening_json
from cli.tables import Grid, print_table
from cli.terminal import shown

if TYPE_CHECKING:
    from ledger.read.screening import ScreeningAnswer, ScreeningCandidate

KINDS = ("person", "organization", "vessel", "aircraft", "unknown")
DEFAULT_THRESHOLD = 0.8  # ledger.matching.THRESHOLD, without importing the matcher for --help


@click.command()
@click.argument("name", required=False)
@click.option("--batch", type=click.Path(exists=True, dir_okay=False, allow_dash=True,
                                         path_type=Path),
              help="Screen every row of FILE (one name a line, or a CSV with --column; "
                   "'-': standard input); prints one JSON line per row.")
@click.option("--column", metavar="NAME", help="With --batch: the CSV column to screen.")
@click.option("--key", metavar="NAME", help="With --batch and --column: the CSV column "
                                            "holding the customer's key, carried through.")
@at_option
@known_at_option
@click.option("--threshold", type=click.FloatRange(0, 1), default=DEFAULT_THRESHOLD,
              show_default=True, help="A candidate scoring at least this is a match.")
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True,
              help="At most this many candidates, best first.")
@click.option("--authority", help="Only parties this authority (id, name or alias) has "
                                  "sanctions in force against, and only those sanctions.")
@click.option("--kind", type=click.Choice(KINDS), default="unknown", show_default=True,
              help="What NAME belongs to: a person is never matched to an organisation, "
                   "nor anything but a vessel to a vessel.")
@json_option
def screen(name: str | None, batch: Path | None, column: str | None, key: str | None,
           at, known_at, threshold: float, limit: int, authority: str | None,
           kind: str, as_json: bool) -> None:
    """Who NAME may be: candidates over every name and alias valid at --at as known at
    --known-at, each scored in [0, 1] and explained, with the sanctions in force against it.

    Example: sanctions-ledger screen "Chen Minguo" --at 2021-03-22

    Or a whole file: sanctions-ledger screen --batch customers.csv --column name --key id
    """
    from ledger.read.screening import ScreeningQuestion

    if (name is None) == (batch is None):
        raise click.UsageError("give either NAME or --batch FILE")
    if (column or key) and batch is None:
        raise click.UsageError("--column and --key need --batch FILE")
    asked = ScreeningQuestion(at=at or today(), known_at=known_at or now(),
                              threshold=threshold, limit=limit, kind=kind,  # type: ignore[arg-type]
                              authority=authority)
    if batch is not None:
        from cli.screening_batch import screen_file

        screen_file(batch, column, key, asked)
        return
    assert name is not None  # exactly one of NAME and --batch is given
    with answering() as reader:
        answer = reader.screen_name(name, asked)
    print_json(screening_json(answer)) if as_json else print_table(screening_table(answer))


def screening_table(answer: ScreeningAnswer) -> Grid:
    """One row per candidate. Stored text goes in escaped, never as markup."""
    rows: list[Sequence[str]] = [(f"{c.hit.score.value:.3f}", "match" if c.match else "",
             shown(f"{c.party.name} ({c.party.id})"), shown(c.hit.name), shown(_how(c)),
             shown(_in_force(c))) for c in answer.candidates]
    matches = sum(c.match for c in answer.candidates)
    caption = (f"{len(answer.candidates)} candidates, {matches} at or above the threshold"
               if answer.candidates else "no candidates")
    return Grid(shown(f"Screening {answer.query!r} on {answer.at}, {answer.known.text}, "
                      f"threshold {answer.threshold}"),
                ("Score", "Match", "Party", "Matched name", "How", "In force"), rows, caption)


def _how(candidate: ScreeningCandidate) -> str:
    explanation = candidate.hit.score.explanation
    said = [f"{' '.join(m.query)}~{' '.join(m.candidate)}: {m.method}"
            for m in explanation.matched]
    if explanation.unmatched_query:
        said.append(f"missing from the name: {' '.join(explanation.unmatched_query)}")
    if explanation.unmatched_candidate:
        said.append(f"not in the query: {' '.join(explanation.unmatched_candidate)}")
    return "; ".join(said)


def _in_force(candidate: ScreeningCandidate) -> str:
    sanctions = candidate.sanctions
    return ", ".join(f"{s.id} ({s.authority})" for s in sanctions) or "none"
