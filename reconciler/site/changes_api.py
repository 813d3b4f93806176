"""Public API: moving (PATCH /bookings, RescheduleDTO) and cancelling (DELETE /bookings) a
booking, each confirmed with a one-time code unless the site skips confirmation.

Only the patient can: named by the login session or by the national id in the request (and
the code goes to the phone the booking was made with). Refused after the change deadline
(HourBeforModifyBookingClosing), where the site or the treatment does not allow it, and for a
move further than the treatment's ChangeInWebLimit days.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reconciler.site.accounts import Account, context, open_site, require_enabled
from reconciler.site.catalog import Catalog, public_clinic_id
from reconciler.site.challenges import CODE_TTL, open_challenge
from reconciler.site.holds import Slot, claim, hold, resolve
from reconciler.site.http import Query, body_as, respond, run
from reconciler.site.idempotency import idempotent
from reconciler.site.outcomes import finish_cancel, finish_move
from reconciler.site.patients import national_id_digits
from reconciler.site.problems import Problem
from reconciler.site.public_models import PersonalIdentification, RescheduleDTO
from reconciler.site.sessions import session_patient
from reconciler.site.store import Store


def _requester(
    request: Request,
    store: Store,
    account: Account,
    *,
    whole: str | None,
    split: PersonalIdentification | None,
    field: str,
) -> str:
    """The key of the patient asking: from the login session or the national id given."""
    logged_in = session_patient(request, store, account.id)
    if whole is None and split is None:
        if logged_in is None:
            raise Problem(
                401,
                "identify-patient",
                "say who you are: log in, or give the patient's national id",
                f"send {field}, or log in by SMS code",
            )
        return logged_in
    key = store.patient_key(national_id_digits(whole, split, field, account.culture))
    if logged_in is not None and logged_in != key:
        raise Problem(403, "not-this-patient", "you are logged in as another patient", "")
    return key


def _own_booking(
    db: sqlite3.Connection, account: Account, booking_id: int, patient_key: str, now: datetime
) -> sqlite3.Row:
    row = hold(db, account.id, booking_id)
    if row is None or row["status"] != "confirmed" or row["patient_key"] != patient_key:
        raise Problem(404, "not-found", "you have no such booking", "look at your bookings")
    hours = account.settings.FlexibilitySettings.HourBeforModifyBookingClosing
    if datetime.fromisoformat(row["start_at"]) - now < timedelta(hours=hours):
        raise Problem(
            422,
            "change-deadline-passed",
            f"bookings can be changed or cancelled online only up to {hours} hours before",
            "call the clinic",
        )
    return row


def _treatment_allows(
    catalog: Catalog, row: sqlite3.Row, flag: str, allow_all: bool, what: str
) -> None:
    treatment = catalog.treatments.get((row["database_id"], row["treatment_id"]))
    allowed = allow_all if treatment is None else treatment.get(flag, True)
    if not allowed:
        raise Problem(
            403, "not-enabled", f"this appointment cannot be {what} online", "call the clinic"
        )


def _code_for(
    db: sqlite3.Connection,
    store: Store,
    account: Account,
    action: str,
    *,
    booking: sqlite3.Row,
    hold_id: int,
) -> Response:
    """Send the code to the phone (and e-mail) the booking was made with."""
    patient = json.loads(booking["patient"])
    use_email = account.settings.FlexibilitySettings.UseCodeChallange
    challenge = open_challenge(
        db,
        store,
        account.id,
        action,
        hold_id=hold_id,
        patient_key=booking["patient_key"],
        mobile=patient.get("MobilePhoneNumber"),
        email=patient.get("Email") if use_email else None,
    )
    return respond(challenge, 202)


@dataclass(frozen=True)
class Move:
    body: RescheduleDTO
    patient_key: str
    notify: bool


async def patch_booking(request: Request) -> Response:
    account = await run(open_site, request)
    require_enabled(
        account.settings.FlexibilitySettings.ModifyBookingEnabled, "moving bookings online"
    )
    body = await body_as(request, RescheduleDTO)
    notify = Query(request, "notifyPatient").boolean("notifyPatient", True)
    store = context(request).store
    who = body.PatientToReschedule
    patient_key = await run(
        partial(
            _requester,
            request,
            store,
            account,
            whole=who.PatientPersonalIdentification if who else None,
            split=(who.PersonalNumber if who else None) or body.ReschedulerIdentity,
            field="body.PatientToReschedule",
        )
    )
    move = Move(body, patient_key, notify)
    return await idempotent(request, store, account.id, lambda: run(_move, store, account, move))


def _move(store: Store, account: Account, move: Move) -> Response:
    now = store.now()
    flexibility = account.settings.FlexibilitySettings
    skip = flexibility.SkipConfirmation
    with store.write() as db:
        original = _own_booking(db, account, move.body.OriginalBookingId, move.patient_key, now)
        catalog = Catalog.load(db, account.id)
        _treatment_allows(catalog, original, "ChangeInWeb", flexibility.AllowAllReschedule, "moved")
        slot = resolve(
            catalog, move.body.NewTime, account.settings, now, field="NewTime", new_booking=False
        )
        _check_move(original, slot)
        hold_id = claim(
            db,
            account.id,
            slot,
            status="confirmed" if skip else "pending",
            now=now,
            expires=None if skip else now + CODE_TTL,
            replaces=original["id"],
            patient_key=move.patient_key,
            patient=json.loads(original["patient"]),
            details={**json.loads(original["details"] or "{}"), "_notify": move.notify},
        )
        if skip:
            finish_move(db, store, account, hold_id)
            return respond(hold_id)
        return _code_for(db, store, account, "move", booking=original, hold_id=hold_id)


def _check_move(original: sqlite3.Row, slot: Slot) -> None:
    if slot.treatment_id != original["treatment_id"]:
        raise Problem(422, "other-treatment", "a move keeps the treatment", "book anew instead")
    limit = slot.treatment.get("ChangeInWebLimit", 0)
    was = datetime.fromisoformat(original["start_at"]).date()
    if limit and abs((slot.interval.start.date() - was).days) > limit:
        raise Problem(
            422,
            "moved-too-far",
            f"this appointment can be moved at most {limit} days",
            "choose a nearer time",
        )


CANCEL_PARAMETERS = (
    "request.bookingID",
    "request.clinicID",
    "request.requestedBy",
    "request.notifyPatient",
    "request.requestedByPersonalIdentification",
    *(f"request.requestedByPersonalId.{p}" for p in ("year", "month", "day", "extraDigits")),
)


def _split_id(query: Query, prefix: str) -> PersonalIdentification | None:
    parts = {
        name: query.text(prefix + name.lower()) for name in ("Year", "Month", "Day", "ExtraDigits")
    }
    if all(v is None for v in parts.values()):
        return None
    try:
        return PersonalIdentification.model_validate_json(
            json.dumps(
                {
                    k: int(v) if k != "ExtraDigits" and v and v.isdigit() else v
                    for k, v in parts.items()
                }
            )
        )
    except ValueError:
        raise Problem(
            400,
            "invalid-request",
            f"{prefix}year/month/day/extraDigits do not form a national id",
            "send all four parts, or the whole number",
        ) from None


@dataclass(frozen=True)
class Cancel:
    booking_id: int
    clinic_id: str | None
    patient_key: str
    notify: bool


async def delete_booking(request: Request) -> Response:
    account = await run(open_site, request)
    require_enabled(
        account.settings.FlexibilitySettings.CancelBookingsEnabled, "cancelling bookings online"
    )
    query = Query(request, *CANCEL_PARAMETERS)
    booking_id = query.integer("request.bookingID", required=True, low=1) or 0
    clinic_id = query.text("request.clinicID")
    query.text("request.requestedBy")
    notify = query.boolean("request.notifyPatient", True)
    store = context(request).store
    patient_key = await run(
        partial(
            _requester,
            request,
            store,
            account,
            whole=query.text("request.requestedByPersonalIdentification", max_length=20),
            split=_split_id(query, "request.requestedByPersonalId."),
            field="query.request.requestedByPersonalId",
        )
    )
    cancel = Cancel(booking_id, clinic_id, patient_key, notify)
    return await idempotent(
        request, store, account.id, lambda: run(_cancel, store, account, cancel)
    )


def _cancel(store: Store, account: Account, cancel: Cancel) -> Response:
    flexibility = account.settings.FlexibilitySettings
    with store.write() as db:
        row = _own_booking(db, account, cancel.booking_id, cancel.patient_key, store.now())
        if cancel.clinic_id is not None and cancel.clinic_id.lower() != public_clinic_id(
            row["clinic_id"], row["database_id"]
        ):
            raise Problem(404, "not-found", "you have no such booking at that clinic", "")
        catalog = Catalog.load(db, account.id)
        _treatment_allows(catalog, row, "CancelInWeb", flexibility.AllowAllCancel, "cancelled")
        if flexibility.SkipConfirmation:
            finish_cancel(db, store, account, cancel.booking_id, notify_patient=cancel.notify)
            return respond({})
        return _code_for(db, store, account, "cancel", booking=row, hold_id=cancel.booking_id)


ROUTES = [
    Route("/bookings", patch_booking, methods=["PATCH"]),
    Route("/bookings", delete_booking, methods=["DELETE"]),
]
