"""Free times as a week: seven days from the first day with free time (from today, or from
the day the patient paged to), weekend days only where the site books weekends; and the
providers searched who have no free time at all, so that the page can say so."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from reconciler.domain.spans import Span
from reconciler.site.api.accounts import Account
from reconciler.site.booking.catalog import Catalog, clinician_dto, public_clinic_id
from reconciler.site.booking.free_times import SlotQuery, find_slots, targets
from reconciler.site.booking.times import from_text
from reconciler.site.page.choices import SlotChoice
from reconciler.site.page.texts import day_label
from reconciler.site.store.database import Store

SEARCH_DAYS = 93  # the public API's longest window
WEEK = 7


@dataclass(frozen=True)
class TimeOption:
    slot: SlotChoice
    label: str  # "08:00"
    provider: str  # the provider's name
    clinic: str  # the clinic's name


@dataclass(frozen=True)
class Day:
    day: dt.date
    label: str
    times: list[TimeOption]


@dataclass(frozen=True)
class Week:
    days: list[Day]
    idle: list[str]  # providers searched who have no free time in the search window
    first: dt.date | None  # the first day shown (None: no free time at all)
    several_providers: bool
    several_clinics: bool
    names: dict[tuple[str, int], str] = field(default_factory=dict)

    @property
    def next_week(self) -> dt.date | None:
        return self.first + dt.timedelta(days=WEEK) if self.first else None


def free_week(
    store: Store,
    account: Account,
    query: SlotQuery,
    *,
    moving: sqlite3.Row | None = None,
) -> Week:
    """The week of free times for `query` (whose window is where to search)."""
    slots = find_slots(store, account, query, moving)
    with store.read() as db:
        catalog = Catalog.load(db, account.id)
    searched = [
        (public_clinic_id(clinic["ID"], database_id), clinic, clinician)
        for database_id, clinic, clinician in targets(catalog, query)
        if (database_id, query.treatment_id) in catalog.treatments
    ]
    names = {
        (clinic_id, clinician["ID"]): clinician_dto(clinic_id.split("-", 1)[1], clinician)["Name"]
        for clinic_id, _, clinician in searched
    }
    clinic_names = {clinic_id: clinic["Name"] for clinic_id, clinic, _ in searched}
    with_time = {(s["ClinicID"], s["ClinicianID"]) for s in slots}
    idle = [
        names[(clinic_id, clinician["ID"])]
        for clinic_id, _, clinician in searched
        if (clinic_id, clinician["ID"]) not in with_time
    ]
    several_providers = len(searched) > 1
    several_clinics = len(clinic_names) > 1
    if not slots:
        return Week([], idle, None, several_providers, several_clinics, names)
    first = from_text(slots[0]["Start"]).date()
    weekends = account.settings.FlexibilitySettings.WeekendBookingEnabled
    days = [
        first + dt.timedelta(days=n)
        for n in range(WEEK)
        if weekends or (first + dt.timedelta(days=n)).weekday() < 5
    ]
    by_day: dict[dt.date, list[TimeOption]] = {d: [] for d in days}
    for slot in slots:
        start = from_text(slot["Start"])
        if start.date() in by_day:
            by_day[start.date()].append(_option(slot, start, names, clinic_names))
    return Week(
        [Day(d, day_label(d), by_day[d]) for d in days],
        idle,
        first,
        several_providers,
        several_clinics,
        names,
    )


def _option(
    slot: dict[str, Any],
    start: dt.datetime,
    names: dict[tuple[str, int], str],
    clinic_names: dict[str, str],
) -> TimeOption:
    choice = SlotChoice(start, from_text(slot["End"]), slot["ClinicianID"], slot["ClinicID"])
    return TimeOption(
        choice,
        f"{start:%H:%M}",
        names.get((slot["ClinicID"], slot["ClinicianID"]), ""),
        clinic_names.get(slot["ClinicID"], ""),
    )


def search_window(now: dt.datetime, start: dt.date | None) -> Span:
    """From now (or from `start`, if later) for SEARCH_DAYS."""
    begin = max(now, dt.datetime.combine(start, dt.time())) if start else now
    return Span(begin, begin + dt.timedelta(days=SEARCH_DAYS))
