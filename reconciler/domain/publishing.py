"""Publishing rules turned into time: the intervals Internet preblocks should cover.

A rule publishes its windows on its weekdays, from today for `horizon_days` days (today
counts as the first), except on its dates off and outside its valid_from … valid_until.
Overlapping or touching intervals of one provider merge into one preblock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from reconciler.domain.times import DateSpan, TimeWindow, Weekday


@dataclass(frozen=True, order=True, slots=True)
class Interval:
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class Rule:
    days: frozenset[Weekday]
    windows: tuple[TimeWindow, ...]
    horizon_days: int
    dates_off: tuple[DateSpan, ...] = ()
    valid_from: date | None = None
    valid_until: date | None = None


def _at(day: date, minutes: int) -> datetime:
    return datetime.combine(day, time()) + timedelta(minutes=minutes)


def expand(rule: Rule, today: date) -> list[Interval]:
    """The intervals one rule publishes, in order."""
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
        out += [Interval(_at(day, w.start), _at(day, w.end)) for w in sorted(rule.windows)]
    return out


def merged(intervals: Iterable[Interval]) -> list[Interval]:
    """Overlapping or touching intervals joined, in order."""
    out: list[Interval] = []
    for interval in sorted(intervals):
        if out and interval.starts_at <= out[-1].ends_at:
            if interval.ends_at > out[-1].ends_at:
                out[-1] = Interval(out[-1].starts_at, interval.ends_at)
        else:
            out.append(interval)
    return out
