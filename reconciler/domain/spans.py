"""Stretches of time: the one interval type, and the arithmetic free time is made of.

A Span is half-open, [start, end): two spans that touch do not overlap. Lists of spans that
the functions here return are sorted, and `merge`d ones neither overlap nor touch.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, time, timedelta
from typing import NamedTuple


class Span(NamedTuple):
    """A tuple, so that sorting and comparing thousands of them stays in C."""

    start: datetime
    end: datetime

    @classmethod
    def of_day(cls, day: date, start_minute: int, end_minute: int) -> Span:
        """The span from `start_minute` to `end_minute` after midnight on `day`."""
        midnight = datetime.combine(day, time())
        return cls(
            midnight + timedelta(minutes=start_minute), midnight + timedelta(minutes=end_minute)
        )

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end

    def within(self, other: Span) -> bool:
        return other.start <= self.start and self.end <= other.end

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def clipped(self, start: datetime, end: datetime) -> Span | None:
        """This span cut to [start, end); None when nothing is left."""
        first, last = max(self.start, start), min(self.end, end)
        return Span(first, last) if first < last else None

    def __str__(self) -> str:
        if self.start.date() == self.end.date() or self.end == datetime.combine(
            self.start.date() + timedelta(days=1), time()
        ):
            return f"{self.start:%Y-%m-%d %H:%M}–{self.end:%H:%M}"
        return f"{self.start:%Y-%m-%d %H:%M}–{self.end:%Y-%m-%d %H:%M}"


def near(merged: Sequence[Span], span: Span) -> Sequence[Span]:
    """Of `merged` spans (sorted, apart), those that overlap `span`: found by bisection."""
    first = bisect_right(merged, span.start, key=lambda s: s.end)
    last = bisect_left(merged, span.end, key=lambda s: s.start)
    return merged[first:last]


def merge(spans: Iterable[Span]) -> list[Span]:
    """The spans joined where they overlap or touch, in order."""
    out: list[Span] = []
    for span in sorted(spans):
        if out and span.start <= out[-1].end:
            if span.end > out[-1].end:
                out[-1] = Span(out[-1].start, span.end)
        else:
            out.append(span)
    return out


def subtract(spans: Iterable[Span], holes: Iterable[Span]) -> list[Span]:
    """What of `spans` no span of `holes` covers, merged."""
    blocked = merge(holes)
    out: list[Span] = []
    index = 0
    for span in merge(spans):
        while index < len(blocked) and blocked[index].end <= span.start:
            index += 1
        start = span.start
        for hole in blocked[index:]:
            if hole.start >= span.end:
                break
            if hole.start > start:
                out.append(Span(start, hole.start))
            start = max(start, hole.end)
            if start >= span.end:
                break
        if start < span.end:
            out.append(Span(start, span.end))
    return out


def intersect(spans: Iterable[Span], others: Iterable[Span]) -> list[Span]:
    """What `spans` and `others` both cover, merged."""
    a, b = merge(spans), merge(others)
    out: list[Span] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i].start, b[j].start), min(a[i].end, b[j].end)
        if start < end:
            out.append(Span(start, end))
        if a[i].end <= b[j].end:
            i += 1
        else:
            j += 1
    return out


def cut(spans: Iterable[Span], length: timedelta) -> Iterator[Span]:
    """Pieces of `length`, back to back from the start of each span, as many as fit."""
    if length <= timedelta(0):
        raise ValueError("a piece must last longer than nothing")
    for span in spans:
        start = span.start
        while start + length <= span.end:
            yield Span(start, start + length)
            start += length
