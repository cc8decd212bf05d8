"""Self-contained HTML pages: one template per report, the timeline inlined as SVG."""

from __future__ import annotations

from functools import cache
from typing import Any

from ledger.audit.report.escaping import visible
from ledger.audit.report.model import CrisisReport, EvidenceReport
from ledger.audit.report.svg import colours, crisis_timeline, party_timeline


@cache
def _environment() -> Any:
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    environment = Environment(loader=PackageLoader("ledger.audit.report", "templates"),
                              autoescape=select_autoescape(["html", "j2"]),
                              finalize=_shown, undefined=StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True)
    environment.tests["web_url"] = is_web_url
    return environment


def _shown(value: Any) -> Any:
    """Every ``{{ value }}`` of a template: stored text with its controls and bidirectional
    overrides written out (then HTML-escaped by autoescape); markup built in code stays."""
    from markupsafe import Markup

    return value if isinstance(value, Markup) or value is None else visible(value)


def is_web_url(value: Any) -> bool:
    """Only an http or https address becomes a link: ``javascript:`` or ``data:`` would run
    or show what the source's publisher never wrote."""
    from urllib.parse import urlsplit

    return isinstance(value, str) and urlsplit(value.strip()).scheme.lower() in ("http", "https")


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
