"""The rules a patient's move or cancellation must pass, and finding the booking it is for.

A caller who names the patient only by national id has proven nothing (national ids are not
secret), so until the one-time code is confirmed the site tells them nothing about the
booking: whether it exists, is theirs, is past its change deadline or may be changed online
all show only after the code. A logged-in patient (whose session proves their phone) is told
at once. So `check_change` and `check_move` run when a logged-in patient asks, and for everyone
again when the code is confirmed (the settings may have changed meanwhile).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from typing import Any

from reconciler.site.api.accounts import Account, require_enabled
from reconciler.site.api.problems import HttpProblem
from reconciler.site.booking.catalog import Catalog, public_clinic_id
from reconciler.site.store.holds import hold

NO_TREATMENT = 0  # the treatment of an appointment the clinic booked without one
WHAT = {"move": "moved", "cancel": "cancelled"}


def matching_booking(
    db: sqlite3.Connection,
    account: Account,
    booking_id: int,
    patient_key: str,
    clinic_id: str | None = None,
) -> sqlite3.Row | None:
    """The confirmed booking `booking_id` if it is this patient's (at `clinic_id`, if given)."""
    row = hold(db, account.id, booking_id)
    if row is None or row["status"] != "confirmed" or row["patient_key"] != patient_key:
        return None
    if clinic_id is not None and clinic_id.lower() != public_clinic_id(
        row["clinic_id"], row["database_id"]
    ):
        return None
    return row


def no_such_booking() -> HttpProblem:
    return HttpProblem(404, "not-found", "you have no such booking", "look at your bookings")


def check_change(
    db: sqlite3.Connection, account: Account, row: sqlite3.Row, action: str, now: datetime
) -> None:
    """The site allows the action online, the deadline has not passed, and the booking's
    treatment may be moved / cancelled online."""
    flexibility = account.settings.FlexibilitySettings
    if action == "move":
        require_enabled(flexibility.ModifyBookingEnabled, "moving bookings online")
    else:
        require_enabled(flexibility.CancelBookingsEnabled, "cancelling bookings online")
    hours = flexibility.HourBeforModifyBookingClosing
    if datetime.fromisoformat(row["start_at"]) - now < timedelta(hours=hours):
        raise HttpProblem(
            422,
            "change-deadline-passed",
            f"bookings can be changed or cancelled online only up to {hours} hours before",
            "call the clinic",
        )
    catalog = Catalog.load(db, account.id)
    treatment = catalog.treatments.get((row["database_id"], row["treatment_id"]))
    flag, allow_all = (
        ("ChangeInWeb", flexibility.AllowAllReschedule)
        if action == "move"
        else ("CancelInWeb", flexibility.AllowAllCancel)
    )
    allowed = allow_all if treatment is None else treatment.get(flag, True)
    if not allowed:
        raise HttpProblem(
            403,
            "not-enabled",
            f"this appointment cannot be {WHAT[action]} online",
            "call the clinic",
        )


def check_move(original: sqlite3.Row, treatment: dict[str, Any], start: datetime) -> None:
    """A move keeps the treatment (an appointment the clinic booked without one takes the
    treatment the patient chose) and stays within its ChangeInWebLimit (days)."""
    booked_without = original["treatment_id"] == NO_TREATMENT  # by the clinic: any length
    if not booked_without and treatment["ID"] != original["treatment_id"]:
        raise HttpProblem(422, "other-treatment", "a move keeps the treatment", "book anew instead")
    limit = treatment.get("ChangeInWebLimit", 0)
    was = datetime.fromisoformat(original["start_at"]).date()
    if limit and abs((start.date() - was).days) > limit:
        raise HttpProblem(
            422,
            "moved-too-far",
            f"this appointment can be moved at most {limit} days",
            "choose a nearer time",
        )
