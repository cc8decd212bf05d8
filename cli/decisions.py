"""The analyst's screening decisions: recorded as lines of their own, listed per customer."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from cli.params import open_ledger, print_json
from cli.render import decision_json
from cli.terminal import say

if TYPE_CHECKING:
    from ledger.domain.answers import KnownAt, ScreeningDecision


@click.command()
@click.argument("customer_key")
@click.argument("party")
@click.option("--verdict", type=click.Choice(["false-positive", "true-match"]), required=True,
              help="Whether the customer is the party the screening put forward.")
@click.option("--reason", help="Why, for the auditor.")
@click.option("--by", help="Who decided.")
@click.option("--json", "as_json", is_flag=True, help="Print the decision as JSON.")
def decide(customer_key: str, party: str, verdict: str, reason: str | None, by: str | None,
           as_json: bool) -> None:
    """Record a screening decision about CUSTOMER_KEY and PARTY (an id, name or alias).

    A false positive stops a batch screening with --key from counting the party as a
    match for that customer, until the party's names or sanctions change.

    Example: sanctions-ledger decide c-1042 "Chen Mingguo" --verdict false-positive
    --reason "born 1985, not 1956" --by "A. Analyst"
    """
    with open_ledger() as ledger:
        decision = ledger.decide(customer_key, party, verdict, reason=reason, by=by)
    if as_json:
        print_json(decision_json(decision))
        return
    say(f"Recorded {decision.line_id}: {decision.customer} is "
        f"{'not ' if decision.verdict == 'false-positive' else ''}{decision.party} "
        f"({decision.verdict}), at {decision.recorded_at.isoformat()}.")


def echo_decisions(customer: str, known: KnownAt, decisions: list[ScreeningDecision]) -> None:
    """The decisions taken about a customer, oldest first."""
    say(f"Decisions about customer {customer}, {known.text}: {len(decisions)}")
    for d in decisions:
        said = [d.verdict, f"party {d.party}", f"recorded {d.recorded_at.isoformat()}"]
        said += [f"by {d.by}"] if d.by else []
        said += [f"reason: {d.reason}"] if d.reason else []
        say(f"  {d.line_id}: " + "; ".join(said))
