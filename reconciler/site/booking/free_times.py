"""Free times as patients are offered them: the slots of a treatment's length cut out of the
published free time, less what is held, honouring weekend booking — for the public API's
search and for the patient's page alike.

The "all clinics" / "all providers" options are the caller's to check: a SlotQuery without a
clinic (or provider) searches them all.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from reconciler.domain.spans import Span
from reconciler.site.booking.availability import allows, free_ranges, offered
from reconciler.site.booking.catalog import Catalog, public_clinic_id, treatment_minutes
from reconciler.site.booking.times import to_text
from reconciler.site.store.database import Store
from reconciler.site.store.holds import busy

if TYPE_CHECKING:
    from reconciler.site.api.accounts import Account

Target = tuple[str, dict[str, Any], dict[str, Any]]  # (database id, clinic, clinician)


@dataclass(frozen=True)
class SlotQuery:
    """One search: a treatment over a window, at one clinic (its public id) or all, with one
    provider or all, optionally only clinics of a group or slots of another length."""

    treatment_id: int
    window: Span
    clinic_id: str | None = None
    clinician_id: int | None = None
    group: str | None = None
    length: int | None = None


def targets(catalog: Catalog, query: SlotQuery) -> list[Target]:
    """(database, clinic, clinician) to search, in display order."""
    clinics = catalog.sorted_clinics()
    if query.clinic_id is not None:
        database_id, clinic = catalog.clinic(query.clinic_id, "request.clinicID")
        clinics = [((database_id, clinic["ID"]), clinic)]
    return [
        (database_id, clinic, clinician)
        for (database_id, _), clinic in clinics
        if query.group is None or clinic.get("Group") == query.group
        for clinician in catalog.clinicians_of(database_id, clinic["ID"])
        if query.clinician_id is None or clinician["ID"] == query.clinician_id
    ]


def find_slots(
    store: Store, account: Account, query: SlotQuery, moving: sqlite3.Row | None = None
) -> list[dict[str, Any]]:
    """The free slots (TimeSlotDTO shapes) in start order; `moving` is a booking being moved,
    whose own time counts as free and whose treatment need not be bookable online."""
    now = store.now()
    exclude = (moving["id"],) if moving is not None else ()
    slots: dict[tuple[str, int, datetime], dict[str, Any]] = {}
    with store.read() as db:
        catalog = Catalog.load(db, account.id)
        search = _Search(db, account, query.window, now, query.treatment_id, exclude)
        for database_id, clinic, clinician in targets(catalog, query):
            treatment = catalog.treatments.get((database_id, query.treatment_id))
            if treatment is None or (moving is None and not treatment.get("CreateInWeb", True)):
                continue
            minutes = query.length or treatment_minutes(treatment)
            for key, slot in search.slots(database_id, clinic, clinician, minutes).items():
                slots.setdefault(key, slot)
    return sorted(slots.values(), key=lambda s: (s["Start"], s["ClinicID"], s["ClinicianID"]))


@dataclass(frozen=True)
class _Search:
    """One search for free slots, inside a read transaction."""

    db: sqlite3.Connection
    account: Account
    window: Span
    now: datetime
    treatment_id: int
    exclude: tuple[int, ...]

    def slots(
        self, database_id: str, clinic: dict[str, Any], clinician: dict[str, Any], minutes: int
    ) -> dict[tuple[str, int, datetime], dict[str, Any]]:
        """The clinician's slots at the clinic, by (database, clinician, start)."""
        taken = busy(
            self.db,
            self.account.id,
            database_id,
            clinician["ID"],
            window=self.window,
            now=self.now,
            exclude=self.exclude,
        )
        found: dict[tuple[str, int, datetime], dict[str, Any]] = {}
        rows = _batches(
            self.db,
            self.account.id,
            database_id,
            clinic_id=clinic["ID"],
            clinician_id=clinician["ID"],
            window=self.window,
        )
        for row in rows:
            batch = json.loads(row["data"])
            if not allows(batch, self.treatment_id):
                continue
            for slot in offered(
                free_ranges(batch),
                taken,
                timedelta(minutes=minutes),
                self.window,
                now=self.now,
                weekends=self.account.settings.FlexibilitySettings.WeekendBookingEnabled,
            ):
                found.setdefault(
                    (database_id, clinician["ID"], slot.start),
                    {
                        "ID": row["id"],
                        "Start": to_text(slot.start),
                        "End": to_text(slot.end),
                        "ClinicID": public_clinic_id(clinic["ID"], database_id),
                        "ClinicianID": clinician["ID"],
                        "TreatmentID": self.treatment_id,
                    },
                )
        return found


def _batches(
    db: sqlite3.Connection,
    account_id: str,
    database_id: str,
    *,
    clinic_id: int,
    clinician_id: int,
    window: Span,
) -> list[sqlite3.Row]:
    return db.execute(
        "SELECT id, data FROM batches WHERE account_id = ? AND database_id = ? AND clinic_id = ?"
        " AND clinician_id = ? AND start_at < ? AND end_at > ? ORDER BY start_at",
        (
            account_id,
            database_id,
            clinic_id,
            clinician_id,
            to_text(window.end),
            to_text(window.start),
        ),
    ).fetchall()
