"""Claims on a provider's time — reservations, bookings awaiting their code, and bookings —
and the rule that no two active claims on one provider's book ever overlap.

Every claim is made inside a write transaction (`Store.write`, BEGIN IMMEDIATE): check that the
time is published and free, then insert. Concurrent requests for overlapping times therefore
resolve to exactly one winner; the others get 409. The store's triggers refuse an overlapping
claim even if this code were wrong.

A claim is active when confirmed, or reserved / pending and not yet expired.

A reservation belongs to whoever made it: its id is the vendor's int32 (sequential, so
guessable), and using it — booking with it or releasing it — also needs the token handed out
with it (`bind_token`), kept only as a hash. A wrong or missing token gets the same answer as
an id that does not exist (`held_reservation` returns None for all three).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from reconciler.domain.spans import Span
from reconciler.site.api.problems import HttpProblem
from reconciler.site.api.public.models import TimeSlotDTO
from reconciler.site.booking.availability import allows, free_ranges, is_weekend
from reconciler.site.booking.catalog import Catalog, treatment_minutes
from reconciler.site.booking.settings import SiteSettings
from reconciler.site.booking.times import to_text
from reconciler.site.store import keys
from reconciler.site.store.database import Store

RESERVATION_TTL = timedelta(minutes=10)
ACTIVE = "(status = 'confirmed' OR (status IN ('reserved', 'pending') AND expires_at > ?))"


@dataclass(frozen=True)
class Slot:
    """A requested time resolved to internal ids."""

    database_id: str
    clinic_id: int
    clinician_id: int
    treatment_id: int
    interval: Span
    treatment: dict[str, Any]


def resolve(
    catalog: Catalog,
    slot: TimeSlotDTO,
    settings: SiteSettings,
    now: datetime,
    *,
    field: str = "TimeSlot",
    new_booking: bool = True,
) -> Slot:
    """The slot in internal terms, checked against the catalog and the site's rules."""
    database_id, clinic = catalog.clinic(slot.ClinicID, f"{field}.ClinicID")
    clinician = catalog.clinician(database_id, slot.ClinicianID)
    if clinician["ClinicID"] != clinic["ID"]:
        raise HttpProblem(404, "not-found", f"{field}.ClinicianID does not work at that clinic", "")
    treatment = catalog.treatment(database_id, slot.TreatmentID)
    if new_booking and not treatment.get("CreateInWeb", True):
        raise HttpProblem(
            403,
            "treatment-not-bookable",
            "this treatment cannot be booked online",
            "choose a treatment from GET /treatments, or call the clinic",
        )
    interval = Span(slot.Start, slot.End)
    minutes = treatment_minutes(treatment)
    if interval.end - interval.start != timedelta(minutes=minutes):
        raise HttpProblem(
            422,
            "wrong-length",
            f"the time must be {minutes} minutes long for this treatment",
            "use a slot from GET /appointments/schedule/availabletimes",
        )
    if interval.start < now:
        raise HttpProblem(422, "in-the-past", "the time has already begun", "choose a later time")
    if is_weekend(interval.start) and not settings.FlexibilitySettings.WeekendBookingEnabled:
        raise HttpProblem(
            422,
            "weekend-booking-disabled",
            "this site does not take bookings on Saturdays and Sundays",
            "choose a weekday",
        )
    return Slot(database_id, clinic["ID"], clinician["ID"], treatment["ID"], interval, treatment)


def busy(
    db: sqlite3.Connection,
    account_id: str,
    database_id: str,
    clinician_id: int,
    *,
    window: Span,
    now: datetime,
    exclude: tuple[int, ...] = (),
) -> list[Span]:
    rows = db.execute(
        "SELECT id, start_at, end_at FROM holds WHERE account_id = ? AND database_id = ?"
        f" AND clinician_id = ? AND start_at < ? AND end_at > ? AND {ACTIVE}",
        (
            account_id,
            database_id,
            clinician_id,
            to_text(window.end),
            to_text(window.start),
            to_text(now),
        ),
    ).fetchall()
    return [
        Span(datetime.fromisoformat(r["start_at"]), datetime.fromisoformat(r["end_at"]))
        for r in rows
        if r["id"] not in exclude
    ]


def published_batch(db: sqlite3.Connection, account_id: str, slot: Slot) -> int | None:
    """The batch whose free time holds the slot wholly, allowing its treatment."""
    rows = db.execute(
        "SELECT id, data FROM batches WHERE account_id = ? AND database_id = ? AND clinic_id = ?"
        " AND clinician_id = ? AND start_at <= ? AND end_at >= ?",
        (
            account_id,
            slot.database_id,
            slot.clinic_id,
            slot.clinician_id,
            to_text(slot.interval.start),
            to_text(slot.interval.end),
        ),
    ).fetchall()
    for row in rows:
        batch = json.loads(row["data"])
        if allows(batch, slot.treatment_id) and any(
            slot.interval.within(r) for r in free_ranges(batch)
        ):
            return int(row["id"])
    return None


def claim(
    db: sqlite3.Connection,
    account_id: str,
    slot: Slot,
    *,
    status: str,
    now: datetime,
    expires: datetime | None = None,
    replaces: int | None = None,
    overlap_replaced: bool = True,
    patient_key: str | None = None,
    patient: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
) -> int:
    """Claim the slot: 409 if it is not published or any active claim overlaps it — except,
    with `overlap_replaced`, the booking it `replaces` (a move within its own time)."""
    if published_batch(db, account_id, slot) is None:
        raise HttpProblem(
            409,
            "time-not-available",
            "this time is not offered for booking",
            "choose a time from GET /appointments/schedule/availabletimes",
        )
    exclude = (replaces,) if replaces is not None and overlap_replaced else ()
    if busy(
        db,
        account_id,
        slot.database_id,
        slot.clinician_id,
        window=slot.interval,
        now=now,
        exclude=exclude,
    ):
        raise taken()
    try:
        cursor = db.execute(
            "INSERT INTO holds (account_id, database_id, clinic_id, clinician_id, treatment_id,"
            " start_at, end_at, status, expires_at, replaces_id, patient_key, patient, details,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                account_id,
                slot.database_id,
                slot.clinic_id,
                slot.clinician_id,
                slot.treatment_id,
                to_text(slot.interval.start),
                to_text(slot.interval.end),
                status,
                to_text(expires) if expires else None,
                replaces,
                patient_key,
                json.dumps(patient) if patient is not None else None,
                json.dumps(details) if details is not None else None,
                to_text(now),
                to_text(now),
            ),
        )
    except sqlite3.IntegrityError as e:
        if "overlapping hold" in str(e):
            raise taken() from None
        raise
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def taken() -> HttpProblem:
    return HttpProblem(
        409,
        "time-taken",
        "someone else has this time, or holds it while they confirm",
        "choose another time from GET /appointments/schedule/availabletimes",
    )


def set_status(
    db: sqlite3.Connection, hold_id: int, status: str, now: datetime, **columns: Any
) -> None:
    assignments = "".join(f", {name} = ?" for name in columns)
    try:
        db.execute(
            f"UPDATE holds SET status = ?, updated_at = ?{assignments} WHERE id = ?",
            (status, to_text(now), *columns.values(), hold_id),
        )
    except sqlite3.IntegrityError as e:
        if "overlapping hold" in str(e):
            raise taken() from None
        raise


def hold(db: sqlite3.Connection, account_id: str, hold_id: int) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM holds WHERE account_id = ? AND id = ?", (account_id, hold_id)
    ).fetchone()
    return row


def confirmed_bookings(
    store: Store, account_id: str, patient_key: str, past: bool = False
) -> list[sqlite3.Row]:
    """The patient's confirmed bookings in time order: from now on, or all with `past`."""
    with store.read() as db:
        rows: list[sqlite3.Row] = db.execute(
            "SELECT * FROM holds WHERE account_id = ? AND patient_key = ? AND status = 'confirmed'"
            " AND (? OR end_at > ?) ORDER BY start_at",
            (account_id, patient_key, past, store.now_text()),
        ).fetchall()
    return rows


def is_active(row: sqlite3.Row, now: datetime) -> bool:
    if row["status"] == "confirmed":
        return True
    return row["status"] in ("reserved", "pending") and row["expires_at"] > to_text(now)


def bind_token(db: sqlite3.Connection, hold_id: int) -> str:
    """A fresh token for the hold's holder; only its hash is kept."""
    token = keys.new_token()
    db.execute(
        "INSERT INTO hold_tokens (hold_id, token_hash) VALUES (?, ?)",
        (hold_id, keys.token_hash(token)),
    )
    return token


def held_reservation(
    db: sqlite3.Connection, account_id: str, hold_id: int, token: str | None, now: datetime
) -> sqlite3.Row | None:
    """The active reservation `hold_id` if `token` is its holder's; else None, whether the id
    is unknown, lapsed, not a reservation, or the token is wrong or missing."""
    row = db.execute(
        "SELECT h.*, t.token_hash FROM holds h JOIN hold_tokens t ON t.hold_id = h.id"
        " WHERE h.account_id = ? AND h.id = ?",
        (account_id, hold_id),
    ).fetchone()
    if row is None or row["status"] != "reserved" or not is_active(row, now):
        return None
    if not keys.tokens_match(token or "", row["token_hash"]):
        return None
    matched: sqlite3.Row = row
    return matched
