"""Public API: moving (PATCH /bookings, RescheduleDTO) and cancelling (DELETE /bookings) a
booking, each confirmed with a one-time code sent to the phone the booking was made with.

Only the patient can: named by the login session or by the national id in the body. A caller
who gives only a national id gets the same answer whether or not a booking matches — a 202
with a challenge (the code goes out only when one does) — so the site is no oracle for who
has which booking; the change rules are told once the code is confirmed (see booking/changes.py).
Matched or not, the request counts against the same rate limits (api/limits.py).
Such a caller always needs the code, even where the site skips confirmation: a national id
proves nothing. A logged-in patient is answered at once (404 for a booking not theirs, the
change deadline, the treatment's rules) and, with SkipConfirmation, the change is made at once.

The reference site takes the cancellation as a JSON body (the vendor's
Bookings.CancelBooking.Request), or in the vendor's query parameters (`request.bookingID`,
`request.clinicID`, `request.requestedBy`, `request.notifyPatient`) for a logged-in patient.
The vendor's `request.requestedByPersonalId.*` would put the national id in every URL, and so
in proxy and access logs: they are refused by name, pointing to the body.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from functools import partial
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reconciler.site.api.accounts import Account, caller, context, open_site, require_enabled
from reconciler.site.api.http import Query, body_as, respond, run
from reconciler.site.api.idempotency import idempotent
from reconciler.site.api.limits import Caller, Meters, client_holds
from reconciler.site.api.problems import HttpProblem, from_validation_error, invalid
from reconciler.site.api.public.models import CancelBooking, PersonalIdentification, RescheduleDTO
from reconciler.site.booking.catalog import Catalog
from reconciler.site.booking.challenges import CODE_TTL, open_challenge
from reconciler.site.booking.changes import (
    check_change,
    check_move,
    matching_booking,
    no_such_booking,
)
from reconciler.site.booking.outcomes import finish_cancel, finish_move
from reconciler.site.booking.patients import national_id_digits
from reconciler.site.store.database import Store
from reconciler.site.store.holds import claim, resolve
from reconciler.site.store.sessions import session_patient


@dataclass(frozen=True)
class Requester:
    """The patient asking: their key, whether a login session proves it, and the client."""

    patient_key: str
    proven: bool
    caller: Caller


def _requester(
    request: Request,
    store: Store,
    account: Account,
    *,
    whole: str | None,
    split: PersonalIdentification | None,
    field: str,
) -> Requester:
    logged_in = session_patient(request, store, account.id)
    if whole is None and split is None:
        if logged_in is None:
            raise HttpProblem(
                401,
                "identify-patient",
                "say who you are: log in, or give the patient's national id",
                f"send {field}, or log in by SMS code",
            )
        return Requester(logged_in, proven=True, caller=caller(request))
    key = store.patient_key(national_id_digits(whole, split, field, account.culture))
    if logged_in is not None and logged_in != key:
        raise HttpProblem(403, "not-this-patient", "you are logged in as another patient", "")
    return Requester(key, proven=logged_in is not None, caller=caller(request))


def _channels(account: Account) -> list[str]:
    """The channels a code goes by on this site (what every answer announces)."""
    return ["sms", "email"] if account.settings.FlexibilitySettings.UseCodeChallange else ["sms"]


def _code_for(
    meters: Meters,
    account: Account,
    action: str,
    *,
    booking: sqlite3.Row | None,
    hold_id: int,
    requester: Requester,
) -> dict[str, Any]:
    """202 with a challenge. The code goes to the phone (and e-mail) the booking was made
    with, unless one is at its rate limit; without a matching `booking` nothing is sent. The
    answer looks the same either way, and counts against the limits the same."""
    patient = json.loads(booking["patient"]) if booking is not None else {}
    use_email = account.settings.FlexibilitySettings.UseCodeChallange
    mobile, email = meters.allow_send(
        requester.caller,
        account.id,
        patient_key=requester.patient_key,
        derived=(patient.get("MobilePhoneNumber"), patient.get("Email") if use_email else None),
    )
    challenge = open_challenge(
        meters.db,
        meters.store,
        account.id,
        action,
        hold_id=hold_id,
        patient_key=requester.patient_key,
        mobile=mobile,
        email=email,
        announce=_channels(account),
        decoy=booking is None,
    )
    return challenge


def _count_at_once(meters: Meters, account: Account, row: sqlite3.Row, who: Requester) -> None:
    """A change made at once (a logged-in patient, skip confirmation) tells the patient:
    count that message against the limits (the patient named the recipients by logging in)."""
    patient = json.loads(row["patient"] or "{}")
    email_on = account.settings.FlexibilitySettings.RegistrationSettings.EmailEnabled
    meters.allow_send(
        who.caller,
        account.id,
        patient_key=who.patient_key,
        named=(patient.get("MobilePhoneNumber"), patient.get("Email") if email_on else None),
    )


@dataclass(frozen=True)
class Move:
    body: RescheduleDTO
    who: Requester
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
    requester = await run(
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
    move = Move(body, requester, notify)
    return await idempotent(request, store, account.id, lambda: run(_moved, store, account, move))


def _moved(store: Store, account: Account, move: Move) -> Response:
    return _answer(move_booking(store, account, move))


def _answer(outcome: int | dict[str, Any]) -> Response:
    """202 with the challenge, or 200 when the change was made at once."""
    if isinstance(outcome, dict) and "ChallengeId" in outcome:
        return respond(outcome, 202)
    return respond(outcome)


def move_booking(store: Store, account: Account, move: Move) -> int | dict[str, Any]:
    """Hold the new time: the new booking's id when the move is made at once (a logged-in
    patient, skip confirmation), else the challenge whose code confirms it."""
    now = store.now()
    who = move.who
    with store.write() as db:
        meters = Meters(db, store, who.caller.limits)
        catalog = Catalog.load(db, account.id)
        slot = resolve(
            catalog, move.body.NewTime, account.settings, now, field="NewTime", new_booking=False
        )
        original = matching_booking(db, account, move.body.OriginalBookingId, who.patient_key)
        if who.proven:
            if original is None:
                raise no_such_booking()
            check_change(db, account, original, "move", now)
            check_move(original, slot.treatment, slot.interval.start)
        at_once = who.proven and account.settings.FlexibilitySettings.SkipConfirmation
        hold_id = claim(
            db,
            account.id,
            slot,
            status="confirmed" if at_once else "pending",
            now=now,
            expires=None if at_once else now + CODE_TTL,
            replaces=original["id"] if original is not None else None,
            overlap_replaced=who.proven,
            patient_key=who.patient_key,
            patient=json.loads(original["patient"]) if original is not None else None,
            details=_details(original, move.notify),
        )
        meters.take(client_holds(who.caller, account.id))
        if at_once:
            assert original is not None
            if move.notify:
                _count_at_once(meters, account, original, who)
            finish_move(db, store, account, hold_id)
            return hold_id
        return _code_for(meters, account, "move", booking=original, hold_id=hold_id, requester=who)


def _details(original: sqlite3.Row | None, notify: bool) -> dict[str, object] | None:
    if original is None:
        return None
    return {**json.loads(original["details"] or "{}"), "_notify": notify}


@dataclass(frozen=True)
class Cancel:
    body: CancelBooking
    who: Requester


async def delete_booking(request: Request) -> Response:
    account = await run(open_site, request)
    require_enabled(
        account.settings.FlexibilitySettings.CancelBookingsEnabled, "cancelling bookings online"
    )
    body = await _cancel_request(request)
    store = context(request).store
    requester = await run(
        partial(
            _requester,
            request,
            store,
            account,
            whole=body.RequestedByPersonalIdentification,
            split=body.RequestedByPersonalId,
            field="body.RequestedByPersonalId",
        )
    )
    cancel = Cancel(body, requester)
    return await idempotent(
        request, store, account.id, lambda: run(_cancelled, store, account, cancel)
    )


# The vendor's query names for Bookings.CancelBooking.Request, less the national id's (which
# Query refuses by name: it is taken only in the body).
_CANCEL_QUERY = {
    "request.bookingID": "BookingID",
    "request.clinicID": "ClinicID",
    "request.requestedBy": "RequestedBy",
    "request.notifyPatient": "NotifyPatient",
}


async def _cancel_request(request: Request) -> CancelBooking:
    """The cancellation as a JSON body, or in the vendor's query parameters (then without a
    national id: the session names the patient); not both."""
    query = Query(request, *_CANCEL_QUERY)
    if not query.params:
        return await body_as(request, CancelBooking)
    if await request.body():
        raise invalid(
            [{"field": "query", "message": "send the cancellation as the body or the query"}],
            "the request",
        )
    fields: dict[str, object] = {
        "BookingID": query.integer("request.bookingID", required=True, low=1),
        "ClinicID": query.text("request.clinicID", max_length=100),
        "RequestedBy": query.text("request.requestedBy", max_length=100),
        "NotifyPatient": query.boolean("request.notifyPatient", True),
    }
    try:
        return CancelBooking.model_validate({k: v for k, v in fields.items() if v is not None})
    except ValidationError as e:
        raise from_validation_error(e, "query") from None


def _cancelled(store: Store, account: Account, cancel: Cancel) -> Response:
    return _answer(cancel_booking(store, account, cancel))


def cancel_booking(store: Store, account: Account, cancel: Cancel) -> dict[str, Any]:
    """Cancel at once ({}: a logged-in patient, skip confirmation), or the challenge whose
    code confirms it."""
    body, who = cancel.body, cancel.who
    with store.write() as db:
        meters = Meters(db, store, who.caller.limits)
        row = matching_booking(db, account, body.BookingID, who.patient_key, body.ClinicID)
        if who.proven:
            if row is None:
                raise no_such_booking()
            check_change(db, account, row, "cancel", store.now())
            if account.settings.FlexibilitySettings.SkipConfirmation:
                notify = body.NotifyPatient is not False
                if notify:
                    _count_at_once(meters, account, row, who)
                finish_cancel(db, store, account, body.BookingID, notify_patient=notify)
                return {}
        return _code_for(
            meters, account, "cancel", booking=row, hold_id=body.BookingID, requester=who
        )


ROUTES = [
    Route("/bookings", patch_booking, methods=["PATCH"]),
    Route("/bookings", delete_booking, methods=["DELETE"]),
]
