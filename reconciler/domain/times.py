"""Weekdays, time windows and date spans as written in config ("mon-fri", "08:00-12:00",
"2026-12-24..2027-01-01"), parsed into plain values. Each parser raises ValueError with a
message fit to show the user."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time
from enum import IntEnum
from functools import lru_cache


class Weekday(IntEnum):
    MON = 0
    TUE = 1
    WED = 2
    THU = 3
    FRI = 4
    SAT = 5
    SUN = 6

    @property
    def label(self) -> str:
        return self.name.lower()

    @property
    def is_weekend(self) -> bool:
        return self >= Weekday.SAT


DAY_NAMES = tuple(d.label for d in Weekday)


@lru_cache(maxsize=4096)
def parse_days(spec: str) -> tuple[Weekday, ...]:
    """'mon', 'mon-fri' or 'sat-sun' to the weekdays they cover, in order."""
    text = spec.strip().lower()
    first, sep, last = text.partition("-")
    try:
        start = Weekday[first.upper()]
        end = Weekday[last.upper()] if sep else start
    except KeyError:
        raise ValueError(
            f"'{spec}' is not a weekday or range; "
            f"use {', '.join(DAY_NAMES)} or a range like mon-fri"
        ) from None
    if end < start:
        raise ValueError(
            f"day range '{spec}' runs backwards; write it as {end.label}-{start.label}"
        )
    return tuple(Weekday(i) for i in range(start, end + 1))


_CLOCK = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])|24:00")


def _parse_clock(text: str, whole: str) -> time | None:
    if not _CLOCK.fullmatch(text):
        raise ValueError(f"'{whole}' is not a time window like 08:00-12:00 (24-hour HH:MM)")
    if text == "24:00":
        return None
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


@dataclass(frozen=True, order=True, slots=True)
class TimeWindow:
    """A half-open window [start, end) within one day, in minutes since midnight."""

    start: int
    end: int

    @classmethod
    @lru_cache(maxsize=4096)
    def parse(cls, spec: str) -> TimeWindow:
        first, sep, last = spec.strip().partition("-")
        if not sep:
            raise ValueError(f"'{spec}' is not a time window like 08:00-12:00")
        begin = _parse_clock(first.strip(), spec)
        finish = _parse_clock(last.strip(), spec)
        if begin is None:
            raise ValueError(f"'{spec}' starts at 24:00; a window must start before midnight")
        start = begin.hour * 60 + begin.minute
        end = 24 * 60 if finish is None else finish.hour * 60 + finish.minute
        if end <= start:
            raise ValueError(f"time window '{spec}' ends before it starts")
        return cls(start, end)

    def contains(self, other: TimeWindow) -> bool:
        return self.start <= other.start and other.end <= self.end

    def overlaps(self, other: TimeWindow) -> bool:
        return self.start < other.end and other.start < self.end

    def __str__(self) -> str:
        return f"{_clock(self.start)}-{_clock(self.end)}"


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def uncovered(window: TimeWindow, cover: list[TimeWindow]) -> list[TimeWindow]:
    """The parts of `window` that no window in `cover` covers."""
    gaps: list[TimeWindow] = []
    cursor = window.start
    for piece in sorted(cover):
        if piece.end <= cursor or piece.start >= window.end:
            continue
        if piece.start > cursor:
            gaps.append(TimeWindow(cursor, piece.start))
        cursor = max(cursor, piece.end)
        if cursor >= window.end:
            break
    if cursor < window.end:
        gaps.append(TimeWindow(cursor, window.end))
    return gaps


@dataclass(frozen=True, order=True, slots=True)
class DateSpan:
    """One date or an inclusive range of dates."""

    first: date
    last: date

    @classmethod
    def parse(cls, spec: str) -> DateSpan:
        first, sep, last = spec.strip().partition("..")
        start = _parse_date(first.strip(), spec)
        end = _parse_date(last.strip(), spec) if sep else start
        if end < start:
            raise ValueError(f"date range '{spec}' ends before it starts")
        return cls(start, end)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last

    def __str__(self) -> str:
        if self.first == self.last:
            return self.first.isoformat()
        return f"{self.first.isoformat()}..{self.last.isoformat()}"


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _parse_date(text: str, whole: str) -> date:
    if _ISO_DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise ValueError(f"'{whole}' is not a date (YYYY-MM-DD) or a range (YYYY-MM-DD..YYYY-MM-DD)")
