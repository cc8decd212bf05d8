"""Evidence reports for auditors: one party on one day, or a whole crisis window."""

from __future__ import annotations

from pathlib import Path

import click

from cli.params import DateParam, known_at_option, now, open_ledger, today


@click.command()
@click.argument("party", required=False)
@click.option("--at", type=DateParam(), help="The day the answer is about  [default: today]")
@known_at_option
@click.option("--format", "fmt", type=click.Choice(["html", "json", "csv"]), default="html",
              show_default=True)
@click.option("--crisis", is_flag=True,
              help="All parties: designations and the countermeasures that answered them.")
@click.option("--from", "start", type=DateParam(), help="First day of the crisis window.")
@click.option("--to", "end", type=DateParam(), help="Last day of the crisis window.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to this file (a regular file is replaced whole or "
                   "not at all)  [default: stdout]")
def report(party, at, known_at, fmt, crisis, start, end, output) -> None:
    """A self-contained evidence report: the answer, every line it rests on with its
    sources, the corrections, the chain's head hash and a timeline picture.

    \b
    Examples:
      sanctions-ledger report "Chen Mingguo" --at 2021-03-23 -o chen.html
      sanctions-ledger report --crisis --from 2021-03-15 --to 2021-03-31 -o crisis.html
    """
    _check_arguments(party, crisis, start, end, fmt)
    with open_ledger() as ledger:
        if crisis:
            from ledger.audit.report.html import crisis_html

            found = ledger.get_crisis_report(start=start, end=end, known_at=known_at or now())
            _write(output, crisis_html(found))
            return
        evidence = ledger.get_report(party, at=at or today(), known_at=known_at or now())
    _write(output, _render(evidence, fmt))


def _write(output: Path | None, text: str) -> None:
    from cli.output import write_out

    if output is None or str(output) == "-":
        click.echo(text, nl=False)
    else:
        write_out(output, [text])


def _render(evidence, fmt: str) -> str:
    from cli.terminal import json_text
    from ledger.audit.report import html, tabular

    if fmt == "json":
        return json_text(tabular.evidence_json(evidence), indent=2) + "\n"
    return tabular.evidence_csv(evidence) if fmt == "csv" else html.evidence_html(evidence)


def _check_arguments(party, crisis, start, end, fmt) -> None:
    if crisis:
        if party:
            raise click.UsageError("--crisis covers every party: give no PARTY")
        if start is None or end is None:
            raise click.UsageError("--crisis needs --from DATE and --to DATE")
        if fmt != "html":
            raise click.UsageError("the crisis report is HTML only: --format html")
    elif not party:
        raise click.UsageError("name a PARTY (id, name or alias), or ask for --crisis")
