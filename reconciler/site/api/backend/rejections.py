"""Backend API, a reference-site extension: the clinic rejects the booking of a new or moved
event that it cannot write into the book (its time was taken there meanwhile). The site
cancels that booking and tells the patient, and gives back the booking a move replaced
where its time is still free: nothing is double booked, nothing is lost."""

from __future__ import annotations

import json
import sqlite3

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reconciler.site.api.accounts import Account, by_token, context
from reconciler.site.api.backend.models import EventRejection
from reconciler.site.api.http import body_as, respond, run
from reconciler.site.api.problems import HttpProblem
from reconciler.site.booking.outcomes import tell
from reconciler.site.store.database import Store
from reconciler.site.store.holds import hold, set_status


async def reject_event(request: Request) -> Response:
    """Reference-site extension: the clinic could not write the booking of a new or moved
    event (its time was taken in the book meanwhile)."""
    account = await run(by_token, request)
    body = await body_as(request, EventRejection)
    store = context(request).store
    return await run(_reject, store, account, int(body.Cursor), body.Reason)


def _reject(store: Store, account: Account, cursor: int, reason: str) -> Response:
    with store.write() as db:
        event = db.execute(
            "SELECT kind, booking_id FROM events WHERE account_id = ? AND seq = ?",
            (account.id, cursor),
        ).fetchone()
        if event is None:
            raise HttpProblem(404, "not-found", "no event with that Cursor", "")
        if event["kind"] not in ("new", "moved"):
            raise HttpProblem(
                422,
                "not-a-booking",
                f"a {event['kind']} event has no booking to reject",
                "reject only new and moved events",
            )
        restored = reject_booking(db, store, account, event["booking_id"], reason)
    return respond({"BookingId": event["booking_id"], "Restored": restored})


def reject_booking(
    db: sqlite3.Connection, store: Store, account: Account, hold_id: int, reason: str
) -> bool:
    """The clinic could not take the booking: cancel it (and tell the patient), and give the
    patient back the booking it replaced, if any, where its time is still free and the clinic
    did take that one. Whether one was restored. A booking the patient has moved on or
    cancelled since is no longer theirs to lose: it is only marked. Doing it again changes
    nothing."""
    now = store.now()
    row = hold(db, account.id, hold_id)
    assert row is not None
    details = json.loads(row["details"] or "{}")
    if details.get("_rejected"):
        return bool(details.get("_restored"))
    restored = False
    if row["status"] == "confirmed":
        set_status(db, hold_id, "cancelled", now)
        original = hold(db, account.id, row["replaces_id"]) if row["replaces_id"] else None
        if original is not None and _restorable(original):
            try:
                set_status(db, original["id"], "confirmed", now)
                restored = True
            except sqlite3.IntegrityError:  # its time was booked by someone else meanwhile
                pass
        fresh = hold(db, account.id, hold_id)
        assert fresh is not None
        tell(db, store, account, fresh, kind="cancelled")
    details |= {"_rejected": reason, "_restored": restored}
    db.execute("UPDATE holds SET details = ? WHERE id = ?", (json.dumps(details), hold_id))
    return restored


def _restorable(original: sqlite3.Row) -> bool:
    """Whether a moved booking may be given back: the clinic took it (it was not rejected
    itself)."""
    rejected = json.loads(original["details"] or "{}").get("_rejected")
    return original["status"] == "moved" and not rejected


ROUTES = [Route("/events/reject", reject_event, methods=["POST"])]
