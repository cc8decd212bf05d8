"""Self-contained HTML pages: one template per report, the timeline inlined as SVG."""

from __future__ import annotations

from functools import cache
from typing import Any

from ledger.audit.report.model import CrisisReport, EvidenceReport
from ledger.audit.report.svg import colours, crisis_timeline, party_timeline


@cache
def _environment() -> Any:
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(loader=PackageLoader("ledger.audit.report", "templates"),
                       autoescape=select_autoescape(["html", "j2"]),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def _render(template: str, **context: Any) -> str:
    from markupsafe import Markup

    context["svg"] = Markup(context["svg"])  # built in code from escaped parts
    return str(_environment().get_template(template).render(**context))


def evidence_html(report: EvidenceReport) -> str:
    answer = report.answer
    return _render("evidence.html.j2", r=report, a=answer,
                   svg=party_timeline(report.spans, answer.at, report.names),
                   colours=colours(s.authority for s in report.spans))


def crisis_html(report: CrisisReport) -> str:
    answered = {ref for m in report.marks for ref in m.in_response_to}
    return _render("crisis.html.j2", r=report, answered=answered,
                   svg=crisis_timeline(report.marks, report.start, report.end, report.names))
