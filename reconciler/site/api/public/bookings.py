"""Public API: booking (POST /bookings) and a patient's own bookings
(GET /patients/me/bookings), with the vendor's v1 paths and DTOs. The vendor's path for the
latter is /patients/{pid}/bookings with the national id as `pid`, which puts it in every URL
(and so in proxy and access logs); the login session already names the patient, so the
reference site serves it at `me`.

A booking counts once its one-time code is confirmed (POST /confirmations/{ChallengeId}):
until then the answer is 202 with the challenge and the time is held. With SkipConfirmation on
it counts at once and the answer is the vendor's: 200 with the booking's id (the vendor documents
only 200, so a client generated from its description reads it). With `reservationId`
(and the reservation's token in X-Reservation-Token) the caller's reservation becomes the
booking in place, so the time is never free between.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reconciler.site.api.accounts import Account, caller, context, open_site, require_enabled
from reconciler.site.api.http import Query, body_as, respond, run
from reconciler.site.api.idempotency import idempotent
from reconciler.site.api.limits import Caller, Meters, client_holds
from reconciler.site.api.problems import HttpProblem
from reconciler.site.api.public.models import BookingDTO
from reconciler.site.api.public.reservations import TOKEN_HEADER
from reconciler.site.booking.catalog import Catalog, public_clinic_id
from reconciler.site.booking.challenges import CODE_TTL, open_challenge
from reconciler.site.booking.outcomes import finish_booking
from reconciler.site.booking.patients import Patient, public_patient, validate
from reconciler.site.booking.settings import INFO_REQUIRES_LOGIN
from reconciler.site.booking.times import to_text
from reconciler.site.store.database import Store
from reconciler.site.store.holds import (
    Slot,
    claim,
    confirmed_bookings,
    held_reservation,
    resolve,
)
from reconciler.site.store.sessions import session_patient


@dataclass(frozen=True)
class NewBooking:
    """A booking request, checked against the form and the session."""

    body: BookingDTO
    patient: Patient
    patient_key: str
    reservation_id: int | None
    reservation_token: str | None
    details: dict[str, Any]


async def post_booking(request: Request) -> Response:
    account = await run(open_site, request)
    require_enabled(account.settings.FlexibilitySettings.NewBookingEnabled, "booking online")
    store = context(request).store
    logged_in = await run(session_patient, request, store, account.id)
    check_login_rule(account, logged_in)
    body = await body_as(request, BookingDTO)
    query = Query(request, "reservationId", "notifyPatient", "activatePatient")
    query.boolean("activatePatient", False)
    new = check_booking(
        store,
        account,
        body,
        logged_in,
        reservation=(query.integer("reservationId", low=1), request.headers.get(TOKEN_HEADER)),
        notify=query.boolean("notifyPatient", True),
    )
    who = caller(request)
    return await idempotent(
        request, store, account.id, lambda: run(_booked, store, account, new, who)
    )


def check_login_rule(account: Account, logged_in: str | None) -> None:
    """401 when the site books only logged-in patients and this one is not."""
    if account.settings.FlexibilitySettings.NewBookingRequireLogin and logged_in is None:
        text = account.settings.MediaSettings.TextContainer.get(INFO_REQUIRES_LOGIN)
        raise HttpProblem(
            401,
            "login-required",
            text or "booking on this site requires logging in first",
            "log in by SMS code: POST /api/public/v1/auth/patient/login",
        )


def check_booking(
    store: Store,
    account: Account,
    body: BookingDTO,
    logged_in: str | None,
    *,
    reservation: tuple[int | None, str | None],
    notify: bool,
) -> NewBooking:
    """The booking request checked against the site's form and the login session."""
    flexibility = account.settings.FlexibilitySettings
    patient = validate(body.Patient, account.settings, account.culture, "body.Patient")
    patient_key = store.patient_key(patient.digits)
    if logged_in is not None and logged_in != patient_key:
        raise HttpProblem(
            403, "not-this-patient", "you are logged in as another patient", "book for yourself"
        )
    if body.CampaignCode and not flexibility.RegistrationSettings.CampaignCodeEnabled:
        raise _not_on_form("CampaignCode")
    if body.FreeTextMessage and not flexibility.UserMessageInputEnabled:
        raise _not_on_form("FreeTextMessage")
    details = {
        "CampaignCode": body.CampaignCode,
        "FreeTextMessage": body.FreeTextMessage,
        "CategoryDescription": body.CategoryDescription,
        "CategoryCode": body.CategoryCode,
        "_logged_in": logged_in is not None,
        "_notify": notify,
    }
    return NewBooking(body, patient, patient_key, *reservation, details)


def _booked(store: Store, account: Account, new: NewBooking, who: Caller) -> Response:
    outcome = book(store, account, new, who)
    return respond(outcome, 202 if isinstance(outcome, dict) else 200)


def book(store: Store, account: Account, new: NewBooking, who: Caller) -> int | dict[str, Any]:
    """Hold the time for the booking: its id when it counts at once (skip confirmation), else
    the challenge whose code confirms it (the code is sent)."""
    now = store.now()
    flexibility = account.settings.FlexibilitySettings
    skip = flexibility.SkipConfirmation
    fields: dict[str, Any] = {
        "status": "confirmed" if skip else "pending",
        "now": now,
        "expires": None if skip else now + CODE_TTL,
        "patient_key": new.patient_key,
        "patient": new.patient.record,
        "details": new.details,
    }
    with store.write() as db:
        slot = resolve(Catalog.load(db, account.id), new.body.TimeSlot, account.settings, now)
        meters = Meters(db, store, who.limits)
        if new.reservation_id is not None:
            hold_id = _take_reservation(db, account, new, slot, fields)
        else:  # claimed first: a time taken is the answer, before any limit
            hold_id = claim(db, account.id, slot, **fields)
            meters.take(client_holds(who, account.id))
        recipients = _recipients(account, new)
        if recipients:
            meters.allow_send(who, account.id, patient_key=new.patient_key, named=recipients)
        if skip:
            finish_booking(db, store, account, hold_id)
            return hold_id
        challenge = open_challenge(
            db,
            store,
            account.id,
            "book",
            hold_id=hold_id,
            patient_key=new.patient_key,
            mobile=new.patient.mobile,
            email=new.patient.email if flexibility.UseCodeChallange else None,
        )
    return challenge


def _recipients(account: Account, new: NewBooking) -> tuple[str | None, ...]:
    """Where this booking sends a message now: the code, or (skipping confirmation) the
    confirmation if the patient is to be told."""
    flexibility = account.settings.FlexibilitySettings
    if not flexibility.SkipConfirmation:
        return (new.patient.mobile, new.patient.email if flexibility.UseCodeChallange else None)
    if not new.details["_notify"]:
        return ()
    email = new.patient.record.get("Email")
    return (new.patient.mobile, email if flexibility.RegistrationSettings.EmailEnabled else None)


def _not_on_form(name: str) -> HttpProblem:
    return HttpProblem(
        422,
        "invalid-patient",
        f"{name} is not on this site's form",
        f"leave {name} out",
        errors=[{"field": f"body.{name}", "message": f"{name} is not on this site's form"}],
    )


def _take_reservation(
    db: sqlite3.Connection,
    account: Account,
    new: NewBooking,
    slot: Slot,
    fields: dict[str, Any],
) -> int:
    """Turn the caller's reservation into the booking, in place (no moment when it is free).
    A wrong or missing token is answered like a reservation that does not exist."""
    now: datetime = fields["now"]
    assert new.reservation_id is not None
    reservation_id = new.reservation_id
    row = held_reservation(db, account.id, reservation_id, new.reservation_token, now)
    if row is None:
        raise HttpProblem(
            410,
            "reservation-lapsed",
            "the reservation has lapsed or does not exist",
            f"reserve the time again, and send its {TOKEN_HEADER} with the booking",
        )
    same = (
        row["database_id"] == slot.database_id
        and row["clinician_id"] == slot.clinician_id
        and row["treatment_id"] == slot.treatment_id
        and row["start_at"] == to_text(slot.interval.start)
        and row["end_at"] == to_text(slot.interval.end)
    )
    if not same:
        raise HttpProblem(
            409, "reservation-mismatch", "the reservation is for another time", "book that time"
        )
    expires = fields["expires"]
    db.execute(
        "UPDATE holds SET status = ?, expires_at = ?, patient_key = ?, patient = ?, details = ?,"
        " updated_at = ? WHERE id = ?",
        (
            fields["status"],
            to_text(expires) if expires else None,
            fields["patient_key"],
            json.dumps(fields["patient"]),
            json.dumps(fields["details"]),
            to_text(now),
            reservation_id,
        ),
    )
    return reservation_id


async def patient_bookings(request: Request) -> Response:
    account = await run(open_site, request)
    flexibility = account.settings.FlexibilitySettings
    require_enabled(flexibility.ViewBookingsEnabled, "showing bookings online")
    store = context(request).store
    past = Query(request, "request.includePastBookings").boolean(
        "request.includePastBookings", False
    )
    logged_in = await run(session_patient, request, store, account.id)
    if logged_in is None:
        raise HttpProblem(
            401, "login-required", "log in to see your bookings", "log in by SMS code"
        )
    return respond(await run(bookings_of, store, account, logged_in, past))


def bookings_of(
    store: Store, account: Account, patient_key: str, past: bool
) -> list[dict[str, Any]]:
    """The patient's confirmed bookings (from now on, or all with `past`), as the API shows
    them."""
    return [_public_booking(r) for r in confirmed_bookings(store, account.id, patient_key, past)]


def _public_booking(row: sqlite3.Row) -> dict[str, Any]:
    details = json.loads(row["details"] or "{}")
    booking: dict[str, Any] = {
        "ID": row["id"],
        "Patient": public_patient(json.loads(row["patient"] or "{}")),
        "TimeSlot": {
            "Start": row["start_at"],
            "End": row["end_at"],
            "ClinicID": public_clinic_id(row["clinic_id"], row["database_id"]),
            "ClinicianID": row["clinician_id"],
            "TreatmentID": row["treatment_id"],
        },
    }
    booking.update({k: v for k, v in details.items() if v is not None and not k.startswith("_")})
    return booking


ROUTES = [
    Route("/bookings", post_booking, methods=["POST"]),
    Route("/patients/me/bookings", patient_bookings, methods=["GET"]),
]
