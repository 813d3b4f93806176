"""Cutting bookable slots out of free time: pure functions, no store, no clock.

A batch's free ranges (those with an employee time left, in batches that allow the treatment)
minus the provider's active holds give free intervals; slots of the treatment's length
(warm-up + duration + cool-down) are cut back to back from the start of each interval. A
requested time is bookable when it lies wholly inside one free range and overlaps no hold.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

SATURDAY = 5


@dataclass(frozen=True, order=True)
class Interval:
    start: datetime
    end: datetime

    def overlaps(self, other: Interval) -> bool:
        return self.start < other.end and other.start < self.end

    def within(self, other: Interval) -> bool:
        return other.start <= self.start and self.end <= other.end


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for interval in sorted(intervals):
        if merged and interval.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = Interval(last.start, max(last.end, interval.end))
        else:
            merged.append(interval)
    return merged


def subtract(free: Iterable[Interval], busy: Iterable[Interval]) -> list[Interval]:
    """The parts of `free` that no interval of `busy` covers."""
    blocked = merge(busy)
    result: list[Interval] = []
    for interval in merge(free):
        start = interval.start
        for b in blocked:
            if b.end <= start or b.start >= interval.end:
                continue
            if b.start > start:
                result.append(Interval(start, b.start))
            start = max(start, b.end)
        if start < interval.end:
            result.append(Interval(start, interval.end))
    return result


def cut(free: Iterable[Interval], length: timedelta) -> list[Interval]:
    slots = []
    for interval in free:
        start = interval.start
        while start + length <= interval.end:
            slots.append(Interval(start, start + length))
            start += length
    return slots


def is_weekend(moment: datetime) -> bool:
    return moment.weekday() >= SATURDAY


def allows(batch: dict[str, Any], treatment_id: int) -> bool:
    return any(t["TreatmentId"] == treatment_id for t in batch["Treatments"])


def free_ranges(batch: dict[str, Any]) -> list[Interval]:
    """The batch's ranges that still have an employee time left."""
    return [
        Interval(
            datetime.fromisoformat(t["Range"]["From"]), datetime.fromisoformat(t["Range"]["To"])
        )
        for t in batch["AvailableTimes"]
        if t.get("NumberOfFreeEmployeeTimesLeft", 1) > 0
        and t.get("NumberOfFreeResourceTimesLeft", 1) != 0
    ]


def offered(
    ranges: list[Interval],
    busy: list[Interval],
    length: timedelta,
    window: Interval,
    *,
    now: datetime,
    weekends: bool,
) -> list[Interval]:
    """The slots a patient is offered: cut from free time, inside the window, after now,
    and on weekdays unless weekend booking is on."""
    return [
        slot
        for slot in cut(subtract(ranges, busy), length)
        if slot.within(window) and slot.start >= now and (weekends or not is_weekend(slot.start))
    ]
