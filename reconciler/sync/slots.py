"""`reconciler slots`: the start times a patient would be offered, computed from the live
books with the free-time engine and the site's cutting rules, without touching the site."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from reconciler.config import LoadedConfig
from reconciler.domain.freetime import slots
from reconciler.domain.spans import Span
from reconciler.errors import UsageError
from reconciler.sync.books import DatabaseBooks, selected_books


@dataclass(frozen=True, order=True)
class Offered:
    """One time a patient would be offered."""

    start: datetime
    end: datetime
    account: str
    clinic: str
    provider: str
    treatment: str

    def as_json(self) -> dict[str, Any]:
        """As in schemas/slots.schema.json."""
        return {
            "account": self.account,
            "clinic": self.clinic,
            "provider": self.provider,
            "treatment": self.treatment,
            "start": self.start.isoformat(timespec="minutes"),
            "end": self.end.isoformat(timespec="minutes"),
        }


@dataclass
class SlotsFound:
    offered: list[Offered]
    notes: list[str]  # providers the book lacks, or whose time is not synced


def offered(
    loaded: LoadedConfig,
    *,
    now: datetime,
    first: date,
    days: int,
    clinic: str | None = None,
    provider: str | None = None,
    treatment: str | None = None,
) -> SlotsFound:
    """The times offered from `first` for `days` days (and not before `now`)."""
    start = max(now, datetime.combine(first, time()))
    end = datetime.combine(first + timedelta(days=days), time())
    found = SlotsFound([], [])
    named = False
    for database in selected_books(loaded, now, clinic=clinic, provider=provider):
        books = database.books
        found.notes += [
            f"provider {code} is not in database '{database.database}'" for code in books.missing
        ]
        types = {
            t.id: t
            for t in books.appointment_types.values()
            if t.id in books.setup.treatments and treatment in (None, t.name)
        }
        named = named or bool(types)
        weekends = database.settings.site.flexibility.weekend_booking
        for code, book in books.books.items():
            if book.linked:
                found.notes.append(
                    f"provider {code}: working hours are linked to the provider in Opus, "
                    "so its time is not synced (turn working_hours_linked off)"
                )
            batches = database.free_time(code)
            for type_id, atype in types.items():
                for span in slots(batches, type_id, atype.duration, weekends=weekends):
                    if start <= span.start and span.end <= end:
                        found.offered.append(_offered(database, code, atype.name, span))
    if treatment is not None and not named:
        raise UsageError(
            f"no appointment type '{treatment}' is used in e-booking in the selected databases",
            "give the name patients see, e.g. '- Undersøkelse'",
        )
    found.offered.sort()
    return found


def _offered(database: DatabaseBooks, code: str, treatment: str, span: Span) -> Offered:
    return Offered(
        span.start,
        span.end,
        database.account,
        database.clinic_key(code),
        code,
        treatment,
    )


def by_day(offered: list[Offered]) -> Iterator[tuple[tuple[str, str, str, str], date, list[str]]]:
    """(account, clinic, provider, treatment), day, and the start times that day."""
    groups: dict[tuple[str, str, str, str], dict[date, list[str]]] = {}
    for item in offered:
        key = (item.account, item.clinic, item.provider, item.treatment)
        groups.setdefault(key, {}).setdefault(item.start.date(), []).append(f"{item.start:%H:%M}")
    for key in sorted(groups):
        for day, times in sorted(groups[key].items()):
            yield key, day, times


def slots_schema() -> dict[str, Any]:
    """The JSON Schema of `slots --format json` (schemas/slots.schema.json)."""
    text = {"type": "string"}
    minute = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$"}
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://opus-reconciler.example/schemas/slots.schema.json",
        "title": "The times a patient would be offered",
        "type": "object",
        "required": ["slots", "notes"],
        "properties": {
            "slots": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["account", "clinic", "provider", "treatment", "start", "end"],
                    "properties": {
                        "account": text,
                        "clinic": {**text, "description": "The clinic's key in the config."},
                        "provider": {**text, "description": "The provider's code."},
                        "treatment": {**text, "description": "The appointment type's name."},
                        "start": {**minute, "description": "Local time."},
                        "end": minute,
                    },
                    "additionalProperties": False,
                },
            },
            "notes": {"type": "array", "items": text},
        },
        "additionalProperties": False,
    }
