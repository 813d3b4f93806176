"""Publishing rules turned into time: the spans Internet preblocks should cover.

A rule publishes its windows on its weekdays, from today for `horizon_days` days (today
counts as the first), except on its dates off and outside its valid_from … valid_until.
Overlapping or touching spans of one provider merge into one preblock (`spans.merge`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from reconciler.domain.spans import Span
from reconciler.domain.times import DateSpan, TimeWindow, Weekday


@dataclass(frozen=True, slots=True)
class Rule:
    days: frozenset[Weekday]
    windows: tuple[TimeWindow, ...]
    horizon_days: int
    dates_off: tuple[DateSpan, ...] = ()
    valid_from: date | None = None
    valid_until: date | None = None


def expand(rule: Rule, today: date) -> list[Span]:
    """The spans one rule publishes, in order."""
    out = []
    for offset in range(rule.horizon_days):
        day = today + timedelta(days=offset)
        if Weekday(day.weekday()) not in rule.days:
            continue
        if rule.valid_from and day < rule.valid_from:
            continue
        if rule.valid_until and day > rule.valid_until:
            continue
        if any(day in off for off in rule.dates_off):
            continue
        out += [Span.of_day(day, w.start, w.end) for w in sorted(rule.windows)]
    return out
