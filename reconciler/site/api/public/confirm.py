"""Public API: confirming an action with its one-time code, and logging in by SMS code.

Login works only with both "login" and "SMS login" on (one does not work without the other).
A login for a patient the site does not know answers exactly like one for a known patient —
the code simply never arrives — so the site does not tell who has booked here. Both count
against the rate limits alike (api/limits.py).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reconciler.site.api.accounts import Account, caller, context, open_site
from reconciler.site.api.http import body_as, respond, run
from reconciler.site.api.idempotency import idempotent
from reconciler.site.api.limits import Caller, Meters
from reconciler.site.api.problems import HttpProblem
from reconciler.site.api.public.models import Confirmation, PatientLogin
from reconciler.site.booking.challenges import Verdict, check_code, fail, open_challenge
from reconciler.site.booking.outcomes import finish_booking, finish_cancel, finish_move
from reconciler.site.booking.patients import national_id_digits
from reconciler.site.store.database import Store
from reconciler.site.store.sessions import open_session

FINISH = {"book": finish_booking, "move": finish_move, "cancel": finish_cancel}
STATUS = {"book": "confirmed", "move": "moved", "cancel": "cancelled", "login": "logged-in"}


async def confirm(request: Request) -> Response:
    account = await run(open_site, request)
    challenge_id = str(request.path_params["ChallengeId"])
    if not (len(challenge_id) == 32 and challenge_id.isalnum() and challenge_id.isascii()):
        raise HttpProblem(404, "not-found", "no such confirmation", "start the action again")
    body = await body_as(request, Confirmation)
    store = context(request).store
    who = caller(request)
    return await idempotent(
        request,
        store,
        account.id,
        lambda: run(_confirmed, store, account, challenge_id, body.Code, who),
    )


def _confirmed(
    store: Store, account: Account, challenge_id: str, code: str, who: Caller
) -> Response:
    return respond(confirm_code(store, account, challenge_id, code, who))


def confirm_code(
    store: Store, account: Account, challenge_id: str, code: str, who: Caller
) -> dict[str, Any]:
    """Confirm the challenge with its code: what happened (the action, its status, and the
    booking's id or the login session), or the HttpProblem why not."""
    now = store.now()
    with store.write() as db:
        meters = Meters(db, store, who.limits)
        verdict: Verdict = check_code(meters, who, account.id, challenge_id, code)
        problem, result = verdict.problem, None
        if verdict.challenge is not None:
            try:
                result = _finish(db, store, account, verdict.challenge)
            except HttpProblem as refused:  # a rule the change fails, told only now
                fail(db, verdict.challenge, now)
                problem = refused
    if problem is not None:
        raise problem
    assert result is not None  # no problem: the challenge was finished
    return result


def _finish(
    db: sqlite3.Connection, store: Store, account: Account, challenge: sqlite3.Row
) -> dict[str, Any]:
    action = challenge["action"]
    result: dict[str, Any] = {"Action": action, "Status": STATUS[action]}
    if action == "login":
        result.update(open_session(db, store, account.id, challenge["patient_key"]))
    else:
        FINISH[action](db, store, account, challenge["hold_id"])
        result["BookingId"] = challenge["hold_id"]
    return result


async def login(request: Request) -> Response:
    account = await run(open_site, request)
    flexibility = account.settings.FlexibilitySettings
    if not (flexibility.LoginEnabled and flexibility.LoginSMSEnabled):
        raise HttpProblem(
            403,
            "login-disabled",
            "this site has no login (it needs both login and SMS login on)",
            "book without logging in",
        )
    body = await body_as(request, PatientLogin)
    digits = national_id_digits(
        body.PatientPersonalIdentification,
        body.PersonalNumber,
        "body.PatientPersonalIdentification",
        account.culture,
    )
    store = context(request).store
    challenge = await run(start_login, store, account, store.patient_key(digits), caller(request))
    return respond(challenge, 202)


def start_login(store: Store, account: Account, patient_key: str, who: Caller) -> dict[str, Any]:
    """The login challenge (its code sent by SMS to the patient's known mobile, if any)."""
    with store.write() as db:
        known = db.execute(
            "SELECT mobile FROM patients WHERE account_id = ? AND patient_key = ?",
            (account.id, patient_key),
        ).fetchone()
        [mobile] = Meters(db, store, who.limits).allow_send(
            who,
            account.id,
            patient_key=patient_key,
            derived=(known["mobile"] if known is not None else None,),
        )
        challenge = open_challenge(
            db,
            store,
            account.id,
            "login",
            patient_key=patient_key,
            mobile=mobile,
            email=None,
            announce=["sms"],
            decoy=mobile is None,
        )
    return challenge


ROUTES = [
    Route("/confirmations/{ChallengeId}", confirm, methods=["POST"]),
    Route("/auth/patient/login", login, methods=["POST"]),
]
