"""Cutting bookable slots out of free time: pure functions, no store, no clock.

A batch's free ranges (those with an employee time left, in batches that allow the treatment)
minus the provider's active holds give free intervals; slots of the treatment's length
(warm-up + duration + cool-down) are cut back to back from the start of each interval. A
requested time is bookable when it lies wholly inside one free range and overlaps no hold.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from reconciler.domain.spans import Span, cut, subtract

SATURDAY = 5


def is_weekend(moment: datetime) -> bool:
    return moment.weekday() >= SATURDAY


def allows(batch: dict[str, Any], treatment_id: int) -> bool:
    return any(t["TreatmentId"] == treatment_id for t in batch["Treatments"])


def free_ranges(batch: dict[str, Any]) -> list[Span]:
    """The batch's ranges that still have an employee time left."""
    return [
        Span(datetime.fromisoformat(t["Range"]["From"]), datetime.fromisoformat(t["Range"]["To"]))
        for t in batch["AvailableTimes"]
        if t.get("NumberOfFreeEmployeeTimesLeft", 1) > 0
        and t.get("NumberOfFreeResourceTimesLeft", 1) != 0
    ]


def offered(
    ranges: list[Span],
    busy: list[Span],
    length: timedelta,
    window: Span,
    *,
    now: datetime,
    weekends: bool,
) -> list[Span]:
    """The slots a patient is offered: cut from free time, inside the window, after now,
    and on weekdays unless weekend booking is on."""
    return [
        slot
        for slot in cut(subtract(ranges, busy), length)
        if slot.within(window) and slot.start >= now and (weekends or not is_weekend(slot.start))
    ]
