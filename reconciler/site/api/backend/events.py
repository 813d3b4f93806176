"""Backend API: the booking feed. Clinic servers sit behind firewalls, so the site does not
call them; the sync service polls this feed outbound instead.

Every confirmed booking, move and cancellation adds an event (new / moved / cancelled) with
the booking as it was then — including the patient's details, which the clinic needs to find
or create the patient. `GET /events` returns events after the acknowledged cursor (or after
`after`); `POST /events/ack` moves the acknowledged cursor once the events are written to the
Opus database. Unacknowledged events come again: the reader must handle them idempotently
(by `Cursor` or booking id).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reconciler.site.api.accounts import Account, by_token, context
from reconciler.site.api.backend.models import EventAck
from reconciler.site.api.http import Query, body_as, respond, run
from reconciler.site.api.problems import HttpProblem, invalid
from reconciler.site.booking.settings import SiteSettings
from reconciler.site.store.database import Store

PAGE_DEFAULT, PAGE_MAX = 100, 1000


def booking_snapshot(hold: sqlite3.Row) -> dict[str, Any]:
    """A hold as the clinic's copy of a booking: internal ids, the whole patient record."""
    details = json.loads(hold["details"] or "{}")
    booking: dict[str, Any] = {
        "ID": hold["id"],
        "TimeSlot": {
            "Start": hold["start_at"],
            "End": hold["end_at"],
            "ClinicID": hold["clinic_id"],
            "ClinicianID": hold["clinician_id"],
            "TreatmentID": hold["treatment_id"],
            "OpusDatabaseID": hold["database_id"],
        },
        "Patient": json.loads(hold["patient"] or "{}"),
    }
    booking.update({k: v for k, v in details.items() if v is not None and not k.startswith("_")})
    if hold["opus_id"] is not None:
        booking["OpusAppointmentID"] = hold["opus_id"]
    return booking


def record_event(
    db: sqlite3.Connection,
    store: Store,
    settings: SiteSettings,
    hold: sqlite3.Row,
    kind: str,
    *,
    previous: sqlite3.Row | None = None,
    logged_in: bool = False,
) -> None:
    flexibility = settings.FlexibilitySettings
    journal = {
        "new": False,
        "moved": flexibility.RegisterRescheduleInJournal,
        "cancelled": flexibility.RegisterCancellationInJournal,
    }[kind]
    payload = {
        "Booking": booking_snapshot(hold),
        "RegisterInJournal": journal,
        "PatientLoggedIn": logged_in,
    }
    if previous is not None and previous["opus_id"] is not None:
        payload["PreviousOpusAppointmentID"] = previous["opus_id"]
    db.execute(
        "INSERT INTO events (account_id, database_id, kind, booking_id, previous_booking_id,"
        " occurred_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            hold["account_id"],
            hold["database_id"],
            kind,
            hold["id"],
            previous["id"] if previous is not None else None,
            store.now_text(),
            json.dumps(payload),
        ),
    )


def _event(row: sqlite3.Row) -> dict[str, Any]:
    event: dict[str, Any] = {
        "Cursor": str(row["seq"]),
        "Kind": row["kind"],
        "OccurredAt": row["occurred_at"],
        "OpusDatabaseID": row["database_id"],
        "BookingId": row["booking_id"],
        **json.loads(row["payload"]),
    }
    if row["previous_booking_id"] is not None:
        event["PreviousBookingId"] = row["previous_booking_id"]
    return event


async def get_events(request: Request) -> Response:
    account = await run(by_token, request)
    query = Query(request, "after", "limit")
    after = query.text("after", max_length=18)
    if after is not None and not after.isdigit():
        raise invalid([{"field": "query.after", "message": "after must be a cursor"}], "the query")
    limit = query.integer("limit", low=1) or PAGE_DEFAULT
    if limit > PAGE_MAX:
        raise invalid(
            [{"field": "query.limit", "message": f"limit must be at most {PAGE_MAX}"}], "the query"
        )
    with context(request).store.read() as db:
        acked = db.execute(
            "SELECT events_acked FROM accounts WHERE id = ?", (account.id,)
        ).fetchone()[0]
        start = int(after) if after is not None else acked
        rows = db.execute(
            "SELECT * FROM events WHERE account_id = ? AND seq > ? ORDER BY seq LIMIT ?",
            (account.id, start, limit + 1),
        ).fetchall()
    page: dict[str, Any] = {"Events": [_event(r) for r in rows[:limit]], "Acked": str(acked)}
    if len(rows) > limit:
        page["NextCursor"] = str(rows[limit - 1]["seq"])
    return respond(page)


async def ack_events(request: Request) -> Response:
    account = await run(by_token, request)
    body = await body_as(request, EventAck)
    store = context(request).store
    return await run(_ack, store, account, int(body.Cursor))


def _ack(store: Store, account: Account, cursor: int) -> Response:
    with store.write() as db:
        last = db.execute(
            "SELECT coalesce(max(seq), 0) FROM events WHERE account_id = ?", (account.id,)
        ).fetchone()[0]
        if cursor > last:
            raise HttpProblem(
                422,
                "cursor-ahead",
                "the cursor is past the last event of this account",
                "acknowledge a Cursor that GET /api/backend/v1/events returned",
            )
        db.execute(
            "UPDATE accounts SET events_acked = max(events_acked, ?) WHERE id = ?",
            (cursor, account.id),
        )
        acked = db.execute(
            "SELECT events_acked FROM accounts WHERE id = ?", (account.id,)
        ).fetchone()[0]
    return respond({"Acked": str(acked)})


ROUTES = [
    Route("/events", get_events, methods=["GET"]),
    Route("/events/ack", ack_events, methods=["POST"]),
]
