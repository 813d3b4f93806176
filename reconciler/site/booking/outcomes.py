"""What happens once a booking, move or cancellation counts — at once when the site skips
confirmation, otherwise when the code is confirmed: the hold changes state, the clinic's feed
gets an event, the patient becomes known to the site (for SMS login), and the patient gets the
confirmation message. A move or cancellation is checked against the change rules here, since
a patient who gave only a national id learns of them only now (see booking/changes.py)."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from reconciler.site.api.accounts import Account
from reconciler.site.api.backend.events import record_event
from reconciler.site.api.problems import HttpProblem
from reconciler.site.booking.catalog import Catalog
from reconciler.site.booking.changes import check_change, check_move
from reconciler.site.booking.messages import Outbox, merge_values
from reconciler.site.store.database import Store
from reconciler.site.store.holds import hold, set_status


def _flags(row: sqlite3.Row) -> dict[str, bool]:
    details = json.loads(row["details"] or "{}")
    return {"logged_in": bool(details.get("_logged_in")), "notify": details.get("_notify", True)}


def tell(
    db: sqlite3.Connection,
    store: Store,
    account: Account,
    row: sqlite3.Row,
    *,
    kind: str,
    notify_patient: bool | None = None,
) -> None:
    if not (_flags(row)["notify"] if notify_patient is None else notify_patient):
        return
    patient = json.loads(row["patient"] or "{}")
    catalog = Catalog.load(db, account.id)
    database_id = row["database_id"]
    clinic = catalog.clinics.get((database_id, row["clinic_id"]), {})
    clinician = catalog.clinicians.get((database_id, row["clinician_id"]), {})
    treatment = catalog.treatments.get((database_id, row["treatment_id"]))
    flexibility = account.settings.FlexibilitySettings
    values = merge_values(
        patient,
        clinic,
        clinician,
        treatment,
        start=datetime.fromisoformat(row["start_at"]),
        deadline_hours=flexibility.HourBeforModifyBookingClosing,
        subdomain=account.subdomain,
    )
    email = patient.get("Email") if flexibility.RegistrationSettings.EmailEnabled else None
    Outbox(db, store, account.id).notify(
        account.settings, kind, values, mobile=patient.get("MobilePhoneNumber"), email=email
    )


def _remember_patient(db: sqlite3.Connection, row: sqlite3.Row) -> None:
    patient = json.loads(row["patient"] or "{}")
    db.execute(
        "INSERT INTO patients (account_id, patient_key, mobile, email) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (account_id, patient_key) DO UPDATE SET"
        " mobile = coalesce(excluded.mobile, mobile), email = coalesce(excluded.email, email)",
        (
            row["account_id"],
            row["patient_key"],
            patient.get("MobilePhoneNumber"),
            patient.get("Email"),
        ),
    )


def finish_booking(db: sqlite3.Connection, store: Store, account: Account, hold_id: int) -> None:
    now = store.now()
    row = hold(db, account.id, hold_id)
    assert row is not None
    if row["status"] != "confirmed":
        set_status(db, hold_id, "confirmed", now, expires_at=None)
        row = hold(db, account.id, hold_id)
        assert row is not None
    _remember_patient(db, row)
    record_event(db, store, account.settings, row, "new", logged_in=_flags(row)["logged_in"])
    tell(db, store, account, row, kind="booked")


def finish_move(db: sqlite3.Connection, store: Store, account: Account, hold_id: int) -> None:
    now = store.now()
    new = hold(db, account.id, hold_id)
    assert new is not None
    assert new["replaces_id"] is not None
    original = hold(db, account.id, new["replaces_id"])
    if original is None or original["status"] != "confirmed":
        set_status(db, hold_id, "released", now)
        raise HttpProblem(
            409,
            "booking-changed",
            "the booking to move was cancelled or moved meanwhile",
            "look at your bookings and start again",
        )
    check_change(db, account, original, "move", now)
    treatment = Catalog.load(db, account.id).treatments.get(
        (new["database_id"], new["treatment_id"]), {"ID": new["treatment_id"]}
    )
    check_move(original, treatment, datetime.fromisoformat(new["start_at"]))
    set_status(db, original["id"], "moved", now)
    if new["status"] != "confirmed":
        set_status(db, hold_id, "confirmed", now, expires_at=None)
    new = hold(db, account.id, hold_id)
    assert new is not None
    _remember_patient(db, new)
    record_event(
        db,
        store,
        account.settings,
        new,
        "moved",
        previous=original,
        logged_in=_flags(new)["logged_in"],
    )
    tell(db, store, account, new, kind="changed")


def finish_cancel(
    db: sqlite3.Connection,
    store: Store,
    account: Account,
    hold_id: int,
    *,
    notify_patient: bool = True,
) -> None:
    row = hold(db, account.id, hold_id)
    assert row is not None
    if row["status"] != "confirmed":
        raise HttpProblem(
            409,
            "booking-changed",
            "the booking was cancelled or moved meanwhile",
            "look at your bookings",
        )
    check_change(db, account, row, "cancel", store.now())
    set_status(db, hold_id, "cancelled", store.now())
    row = hold(db, account.id, hold_id)
    assert row is not None
    record_event(db, store, account.settings, row, "cancelled", logged_in=_flags(row)["logged_in"])
    tell(db, store, account, row, kind="cancelled", notify_patient=notify_patient)
