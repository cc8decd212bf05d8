"""Timelines drawn as inline SVG, in code: no script, no font or file from the network.

Both pictures share one layout: a lane per authority, time running left to
right, a legend of authority colours. The party timeline draws a bar per
valid-time span in which a sanction is in force; the crisis timeline draws a
mark per sanction that started in the window, and a curve from each
countermeasure to each sanction it answers (``in_response_to``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from xml.sax.saxutils import escape as escape_xml
from xml.sax.saxutils import quoteattr

from ledger.audit.report.escaping import visible
from ledger.audit.report.model import CrisisMark
from ledger.domain.answers import SpanInForce

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
           "#17becf", "#bcbd22", "#7f7f7f"]
WIDTH, LABEL, RIGHT, TOP, ROW, MARK_ROW = 1000, 190, 30, 40, 22, 18


def escape(text: str) -> str:
    """Text from the ledger inside the drawing: controls and overrides written out, then
    escaped for XML."""
    return escape_xml(visible(text))


def colours(authorities: Iterable[str]) -> dict[str, str]:
    """One stable colour per authority, in sorted order."""
    return {a: PALETTE[i % len(PALETTE)] for i, a in enumerate(sorted(set(authorities)))}


@dataclass(frozen=True)
class Axis:
    """Maps days to x positions between the label column and the right margin."""

    first: date
    last: date

    def x(self, day: date) -> float:
        total = max((self.last - self.first).days, 1)
        return LABEL + (WIDTH - LABEL - RIGHT) * (day - self.first).days / total

    def ticks(self) -> list[tuple[date, str]]:
        """Year starts on a long axis, month starts on a shorter one, Mondays on a window."""
        length = (self.last - self.first).days
        if length > 400:
            return [(date(y, 1, 1), str(y)) for y in range(self.first.year + 1,
                                                           self.last.year + 1)]
        if length <= 62:
            days = (self.first + timedelta(days=i) for i in range(length + 1))
            return [(d, d.strftime("%d %b")) for d in days if d.weekday() == 0]
        found, day = [], date(self.first.year, self.first.month, 1)
        while day <= self.last:
            if day >= self.first:
                found.append((day, day.strftime("%b %Y")))
            day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        return found


def party_timeline(spans: list[SpanInForce], at: date, names: dict[str, str]) -> str:
    """A bar per sanction span, a lane per authority, a marker on the ``at`` day."""
    if not spans:
        return _svg(80, '<text x="20" y="45" class="empty">No sanction against this party '
                        'was in force at any time, as known at this moment.</text>')
    days = [at, *(s.valid_from for s in spans), *(s.valid_until for s in spans if s.valid_until)]
    pad = timedelta(days=max(30, (max(days) - min(days)).days // 12))
    axis = Axis(min(days) - pad, max(days) + pad)
    palette = colours(s.authority for s in spans)
    rows = {sid: i for i, sid in enumerate(dict.fromkeys(s.sanction_id for s in spans))}
    height = TOP + ROW * len(rows) + 70
    parts = [_grid(axis, TOP + ROW * len(rows))]
    parts += _lane_labels(spans, rows, names, palette)
    parts += [_bar(s, axis, TOP + ROW * rows[s.sanction_id], palette[s.authority])
              for s in spans]
    parts.append(_marker(axis.x(at), TOP + ROW * len(rows), f"at {at}"))
    parts.append(_legend(palette, names, TOP + ROW * len(rows) + 40))
    return _svg(height, "".join(parts))


def _lane_labels(spans: list[SpanInForce], rows: dict[str, int], names: dict[str, str],
                 palette: dict[str, str]) -> list[str]:
    parts, seen = [], set()
    for s in spans:
        if s.sanction_id in seen:
            continue
        seen.add(s.sanction_id)
        y = TOP + ROW * rows[s.sanction_id]
        parts.append(f'<g class="lane" data-authority={quoteattr(s.authority)}>'
                     f'<rect x="0" y="{y}" width="{WIDTH}" height="{ROW}" '
                     f'fill="{palette[s.authority]}" fill-opacity="0.06"/>'
                     f'<text x="8" y="{y + 15}" class="label">'
                     f'{escape(names.get(s.authority, s.authority)[:30])}</text></g>')
    return parts


def _bar(span: SpanInForce, axis: Axis, y: float, colour: str) -> str:
    x1 = axis.x(span.valid_from)
    x2 = axis.x(span.valid_until + timedelta(days=1)) if span.valid_until else WIDTH - RIGHT
    until = span.valid_until or "open-ended"
    title = (f"{span.sanction_id}: {', '.join(span.measures)}, in force "
             f"{span.valid_from} to {until}")
    arrow = "" if span.valid_until else (
        f'<path d="M{x2:.1f},{y + 4} l10,7 l-10,7 z" fill="{colour}"/>')
    return (f'<g class="span" data-sanction={quoteattr(span.sanction_id)}>'
            f'<title>{escape(title)}</title><rect x="{x1:.1f}" y="{y + 4}" '
            f'width="{max(x2 - x1, 2):.1f}" height="{ROW - 8}" rx="3" fill="{colour}"/>'
            f'{arrow}</g>')


def crisis_timeline(marks: list[CrisisMark], start: date, end: date,
                    names: dict[str, str]) -> str:
    """A mark per sanction started in the window, labelled with its target; curves join
    countermeasures to what they answer."""
    if not marks:
        return _svg(80, '<text x="20" y="45" class="empty">No designation or countermeasure '
                        'started in this window, as known at this moment.</text>')
    axis = Axis(start - timedelta(days=1), end + timedelta(days=1))
    palette = colours(m.authority for m in marks)
    order = sorted(palette, key=lambda a: _first(marks, a))
    clusters = Counter((m.authority, m.start) for m in marks)
    heights = {a: 36 + MARK_ROW * max(n for (b, _), n in clusters.items() if b == a)
               for a in order}
    tops = {a: TOP + sum(heights[b] for b in order[:i]) for i, a in enumerate(order)}
    where = _place(marks, axis, tops)
    bottom = TOP + sum(heights.values())
    parts = [_grid(axis, bottom)]
    for authority in order:
        parts.append(f'<g class="lane" data-authority={quoteattr(authority)}>'
                     f'<rect x="0" y="{tops[authority]}" width="{WIDTH}" '
                     f'height="{heights[authority]}" fill="{palette[authority]}" '
                     f'fill-opacity="0.06"/><text x="8" y="{tops[authority] + 18}" '
                     f'class="label">{escape(names.get(authority, authority)[:30])}</text></g>')
    parts += [_link(where[m.id], where[ref], m.id, ref) for m in marks
              for ref in m.in_response_to if ref in where]
    parts += [_mark(m, where[m.id], palette[m.authority], names) for m in marks]
    parts += [_target_label(m, where[m.id], _room(m, marks, axis), names) for m in marks]
    parts.append(_legend(palette, names, bottom + 40))
    return _svg(bottom + 70, "".join(parts))


def _first(marks: list[CrisisMark], authority: str) -> tuple[date, int]:
    """Lanes in the order the authorities first acted, so the story reads top-down."""
    return next((m.start, i) for i, m in enumerate(marks) if m.authority == authority)


def _place(marks: list[CrisisMark], axis: Axis,
           tops: Mapping[str, float]) -> dict[str, tuple[float, float]]:
    """Marks of one lane and day stack in a column on their day."""
    where, counts = {}, Counter[tuple[str, date]]()
    for m in marks:
        row = counts[(m.authority, m.start)]
        counts[(m.authority, m.start)] += 1
        where[m.id] = (axis.x(m.start), tops[m.authority] + 28 + MARK_ROW * row)
    return where


def _room(mark: CrisisMark, marks: list[CrisisMark], axis: Axis) -> float:
    """Width free to the right of a mark: up to the lane's next busy day, or the edge."""
    later = [m.start for m in marks if m.authority == mark.authority and m.start > mark.start]
    edge = axis.x(min(later)) - 8 if later else WIDTH - 4
    return edge - axis.x(mark.start) - 12


def _target_label(mark: CrisisMark, at: tuple[float, float], room: float,
                  names: dict[str, str]) -> str:
    name = names.get(mark.target, mark.target)
    fits = max(int(room / 6.5), 0)
    text = name if len(name) <= fits else name[:max(fits - 1, 0)] + "\u2026"
    return (f'<text x="{at[0] + 11:.1f}" y="{at[1] + 4:.1f}" class="target">'
            f'{escape(text)}</text>' if fits > 1 else "")


def _mark(mark: CrisisMark, at: tuple[float, float], colour: str, names: dict[str, str]) -> str:
    x, y = at
    title = (f"{mark.id}: {names.get(mark.authority, mark.authority)} "
             f"{'designates' if mark.kind == 'designation' else 'countermeasure against'} "
             f"{names.get(mark.target, mark.target)} from {mark.start}")
    shape = (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="{colour}"/>'
             if mark.kind == "designation" else
             f'<path d="M{x:.1f},{y - 7:.1f} l7,7 l-7,7 l-7,-7 z" fill="{colour}"/>')
    return (f'<g class="mark {mark.kind}" data-sanction={quoteattr(mark.id)}>'
            f'<title>{escape(title)}</title>{shape}</g>')


def _link(source: tuple[float, float], target: tuple[float, float], sid: str, ref: str) -> str:
    (x1, y1), (x2, y2) = source, target
    bend = max(abs(y2 - y1) / 2, 40)
    return (f'<path class="response" data-from={quoteattr(sid)} data-to={quoteattr(ref)} '
            f'd="M{x1:.1f},{y1:.1f} C{x1 - bend:.1f},{y1:.1f} {x2 - bend:.1f},{y2:.1f} '
            f'{x2:.1f},{y2:.1f}" fill="none" stroke="#555" stroke-opacity="0.35"/>')


def _grid(axis: Axis, bottom: float) -> str:
    parts = [f'<line x1="{LABEL}" y1="{TOP}" x2="{LABEL}" y2="{bottom}" stroke="#999"/>']
    for day, label in axis.ticks():
        x = axis.x(day)
        parts.append(f'<line class="tick" x1="{x:.1f}" y1="{TOP - 6}" x2="{x:.1f}" '
                     f'y2="{bottom}" stroke="#ddd"/><text x="{x:.1f}" y="{TOP - 10}" '
                     f'text-anchor="middle" class="tick-label">{escape(label)}</text>')
    return "".join(parts)


def _marker(x: float, bottom: float, label: str) -> str:
    return (f'<g class="at-marker"><line x1="{x:.1f}" y1="{TOP - 4}" x2="{x:.1f}" '
            f'y2="{bottom + 6}" stroke="#c00" stroke-width="2" stroke-dasharray="5 3"/>'
            f'<text x="{x + 4:.1f}" y="{bottom + 20}" class="marker-label">'
            f'{escape(label)}</text></g>')


def _legend(palette: dict[str, str], names: dict[str, str], y: float) -> str:
    parts, x = ['<g class="legend">'], LABEL
    for authority, colour in palette.items():
        label = escape(names.get(authority, authority)[:30])
        parts.append(f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{x + 16}" y="{y}" class="label">{label}</text>')
        x += 30 + 7 * len(label)
    return "".join(parts) + "</g>"


def _svg(height: float, body: str) -> str:
    return (f'<svg class="timeline" width="{WIDTH}" '
            f'height="{height:.0f}" viewBox="0 0 {WIDTH} {height:.0f}" role="img">'
            f'<style>.label{{font:12px sans-serif}}.tick-label{{font:11px sans-serif;'
            f'fill:#555}}.marker-label{{font:bold 11px sans-serif;fill:#c00}}'
            f'.empty{{font:14px sans-serif;fill:#555}}.target{{font:11px sans-serif;'
            f'fill:#333}}</style>{body}</svg>')
