"""Public API: reservations, the vendor's temporary holds on a slot (PUT /reservations,
DELETE /reservations/{ReservationId}). A reservation lapses after RESERVATION_TTL; booking with
`reservationId` turns it into the booking in place (see api.public.bookings).

The answer to PUT is the vendor's: the reservation's int32 id. The reference site adds the
holder's token in `X-Reservation-Token` (an extension: the id alone is guessable); releasing
the reservation, or booking with it, needs that token in the same header.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reconciler.site.api.accounts import Account, caller, context, open_site, require_enabled
from reconciler.site.api.http import body_as, path_int, respond, run
from reconciler.site.api.idempotency import idempotent
from reconciler.site.api.limits import Caller, Meters, client_holds
from reconciler.site.api.problems import HttpProblem
from reconciler.site.api.public.models import TimeSlotDTO
from reconciler.site.booking.catalog import Catalog
from reconciler.site.booking.times import to_text
from reconciler.site.store.database import Store
from reconciler.site.store.holds import (
    RESERVATION_TTL,
    bind_token,
    claim,
    held_reservation,
    resolve,
    set_status,
)

TOKEN_HEADER = "X-Reservation-Token"


async def put_reservation(request: Request) -> Response:
    account = await run(open_site, request)
    require_enabled(account.settings.FlexibilitySettings.NewBookingEnabled, "booking online")
    slot = await body_as(request, TimeSlotDTO)
    store = context(request).store
    who = caller(request)
    return await idempotent(
        request, store, account.id, lambda: run(_reserve, store, account, slot, who)
    )


def _reserve(store: Store, account: Account, slot: TimeSlotDTO, who: Caller) -> Response:
    now = store.now()
    expires = now + RESERVATION_TTL
    with store.write() as db:
        resolved = resolve(Catalog.load(db, account.id), slot, account.settings, now)
        hold_id = claim(db, account.id, resolved, status="reserved", now=now, expires=expires)
        Meters(db, store, who.limits).take(client_holds(who, account.id))
        token = bind_token(db, hold_id)
    return respond(
        hold_id, headers={"X-Reservation-Expires-At": to_text(expires), TOKEN_HEADER: token}
    )


async def delete_reservation(request: Request) -> Response:
    account = await run(open_site, request)
    reservation_id = path_int(request, "ReservationId")
    token = request.headers.get(TOKEN_HEADER)
    store = context(request).store
    return await run(_release, store, account, reservation_id, token)


def _release(store: Store, account: Account, reservation_id: int, token: str | None) -> Response:
    now = store.now()
    with store.write() as db:
        if held_reservation(db, account.id, reservation_id, token, now) is None:
            raise HttpProblem(
                404,
                "not-found",
                "no such reservation (or it has lapsed)",
                f"release only a reservation you made, with its {TOKEN_HEADER}",
            )
        set_status(db, reservation_id, "released", now)
    return respond({})


ROUTES = [
    Route("/reservations", put_reservation, methods=["PUT"]),
    Route("/reservations/{ReservationId}", delete_reservation, methods=["DELETE"]),
]
