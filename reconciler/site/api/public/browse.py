"""Public API, reading: clinics, clinicians, treatments and free times, with the vendor's v1
paths and `request.<field>` query names. Every call is refused with 503 in maintenance mode.

Searching across all clinics or all providers is possible only when the site offers the
"all clinics" / "all providers" option; weekend slots only with weekend booking on.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reconciler.domain.spans import Span
from reconciler.site.api.accounts import Account, context, open_site
from reconciler.site.api.http import Query, respond, run
from reconciler.site.api.problems import HttpProblem, from_validation_error, invalid
from reconciler.site.api.public.models import TimeSlotDTO
from reconciler.site.booking.catalog import Catalog, clinic_dto, clinician_dto, treatment_dto
from reconciler.site.booking.free_times import SlotQuery, find_slots
from reconciler.site.store.holds import busy, hold, published_batch, resolve
from reconciler.site.store.sessions import session_patient

MAX_WINDOW = timedelta(days=93)


def _load(request: Request, account: Account) -> Catalog:
    with context(request).store.read() as db:
        return Catalog.load(db, account.id)


def _with_free_time(request: Request, account: Account) -> set[tuple[str, int, int]]:
    """(database, clinic, clinician) that have free time from now on."""
    store = context(request).store
    with store.read() as db:
        rows = db.execute(
            "SELECT DISTINCT database_id, clinic_id, clinician_id FROM batches"
            " WHERE account_id = ? AND end_at > ?",
            (account.id, store.now_text()),
        ).fetchall()
    return {(r["database_id"], r["clinic_id"], r["clinician_id"]) for r in rows}


FILTERS = ("request.clinicID", "request.clinicianID", "request.treatmentID", "request.groupName")
SEARCH = (*FILTERS, "request.from", "request.to")


async def list_clinics(request: Request) -> Response:
    account = await run(open_site, request)
    query = Query(request, *FILTERS, "request.onlyWithFreeTimes")
    clinician_id = query.integer("request.clinicianID", low=1)
    treatment_id = query.integer("request.treatmentID", low=1)
    only_free = query.boolean("request.onlyWithFreeTimes", False)
    group = query.text("request.groupName")
    catalog = await run(_load, request, account)
    free = await run(_with_free_time, request, account) if only_free else set()
    result = []
    for (database_id, _), clinic in catalog.sorted_clinics():
        clinicians = catalog.clinicians_of(database_id, clinic["ID"])
        if group is not None and clinic.get("Group") != group:
            continue
        if clinician_id is not None and all(c["ID"] != clinician_id for c in clinicians):
            continue
        if treatment_id is not None and (database_id, treatment_id) not in catalog.treatments:
            continue
        if only_free and not any((database_id, clinic["ID"], c["ID"]) in free for c in clinicians):
            continue
        result.append(clinic_dto(database_id, clinic, clinicians))
    return respond(result)


async def get_clinic(request: Request) -> Response:
    account = await run(open_site, request)
    catalog = await run(_load, request, account)
    database_id, clinic = catalog.clinic(str(request.path_params["id"]), "id")
    return respond(
        clinic_dto(database_id, clinic, catalog.clinicians_of(database_id, clinic["ID"]))
    )


async def list_clinicians(request: Request) -> Response:
    account = await run(open_site, request)
    query = Query(request, *FILTERS, "request.onlyWithFreeTimes")
    clinic_id = query.text("request.clinicID")
    treatment_id = query.integer("request.treatmentID", low=1)
    only_free = query.boolean("request.onlyWithFreeTimes", False)
    group = query.text("request.groupName")
    catalog = await run(_load, request, account)
    free = await run(_with_free_time, request, account) if only_free else set()
    clinics = catalog.sorted_clinics()
    if clinic_id is not None:
        database_id, clinic = catalog.clinic(clinic_id, "request.clinicID")
        clinics = [((database_id, clinic["ID"]), clinic)]
    result = []
    for (database_id, _), clinic in clinics:
        if group is not None and clinic.get("Group") != group:
            continue
        if treatment_id is not None and (database_id, treatment_id) not in catalog.treatments:
            continue
        for clinician in catalog.clinicians_of(database_id, clinic["ID"]):
            if only_free and (database_id, clinic["ID"], clinician["ID"]) not in free:
                continue
            result.append(clinician_dto(database_id, clinician))
    return respond(result)


async def list_treatments(request: Request) -> Response:
    account = await run(open_site, request)
    query = Query(request, *FILTERS)
    clinic_id = query.text("request.clinicID")
    clinician_id = query.integer("request.clinicianID", low=1)
    group = query.text("request.groupName")
    catalog = await run(_load, request, account)
    databases = {d for d, _ in catalog.clinics}
    if clinic_id is not None:
        databases = {catalog.clinic(clinic_id, "request.clinicID")[0]}
    if group is not None:
        databases &= {d for (d, _), c in catalog.clinics.items() if c.get("Group") == group}
    if clinician_id is not None:
        databases &= {d for (d, i) in catalog.clinicians if i == clinician_id}
    found = [
        t
        for (d, _), t in sorted(catalog.treatments.items())
        if d in databases and t.get("CreateInWeb", True)
    ]
    return respond([treatment_dto(t) for t in found])


def _window(query: Query, now: datetime) -> Span:
    start = query.moment("request.from") or now
    end = query.moment("request.to") or start + timedelta(days=31)
    if end <= start:
        raise invalid(
            [{"field": "query.request.to", "message": "request.to must be after request.from"}],
            "the query",
        )
    if end - start > MAX_WINDOW:
        raise invalid(
            [{"field": "query.request.to", "message": "ask for at most 93 days at a time"}],
            "the query",
        )
    return Span(start, end)


def _search(
    request: Request, account: Account, query: Query, moving: sqlite3.Row | None
) -> list[dict[str, Any]]:
    """The API's search: the query read into a SlotQuery, refused where it needs an 'all …'
    option the site does not offer."""
    store = context(request).store
    window = _window(query, store.now())
    treatment_id: int = (
        moving["treatment_id"]
        if moving is not None
        else query.integer("request.treatmentID", required=True, low=1) or 0
    )
    length = query.integer("request.timeslotLength", low=1)
    flexibility = account.settings.FlexibilitySettings
    clinic_id = query.text("request.clinicID")
    clinician_id = query.integer("request.clinicianID", low=1)
    if clinic_id is None and not flexibility.AnyClinicOption:
        raise _choose("request.clinicID", "a clinic", "all clinics")
    if clinician_id is None and not flexibility.AnyClinicianOption:
        raise _choose("request.clinicianID", "a provider", "all providers")
    search = SlotQuery(
        treatment_id=treatment_id,
        window=window,
        clinic_id=clinic_id,
        clinician_id=clinician_id,
        group=query.text("request.groupName"),
        length=length,
    )
    return find_slots(store, account, search, moving)


def _choose(field: str, what: str, option: str) -> HttpProblem:
    return invalid(
        [{"field": f"query.{field}", "message": f"choose {what}: this site has no '{option}'"}],
        "the query",
    )


async def schedule_times(request: Request) -> Response:
    account = await run(open_site, request)
    return respond(await run(_search, request, account, Query(request, *SEARCH), None))


async def reschedule_times(request: Request) -> Response:
    account = await run(open_site, request)
    query = Query(request, *SEARCH, "request.timeslotLength", "request.bookingID")
    booking_id = query.integer("request.bookingID", low=1)
    moving = None
    if booking_id is not None:
        moving = await run(_own_booking, request, account, booking_id)
    elif query.integer("request.treatmentID", low=1) is None:
        raise invalid(
            [
                {
                    "field": "query.request.treatmentID",
                    "message": "give request.bookingID or request.treatmentID",
                }
            ],
            "the query",
        )
    return respond(await run(_search, request, account, query, moving))


def _own_booking(request: Request, account: Account, booking_id: int) -> sqlite3.Row:
    """The logged-in patient's booking `booking_id`; the same 404 for anyone else's, for one
    that does not exist, and without a login (a booking id is guessable)."""
    store = context(request).store
    logged_in = session_patient(request, store, account.id)
    with store.read() as db:
        moving = hold(db, account.id, booking_id)
    if moving is None or moving["status"] != "confirmed" or moving["patient_key"] != logged_in:
        raise HttpProblem(
            404,
            "not-found",
            "request.bookingID names no booking of yours",
            "log in as the booking's patient, or search by request.treatmentID",
        )
    return moving


async def reservation_available(request: Request) -> Response:
    account = await run(open_site, request)
    prefix = "timeSlotToCheck."
    query = Query(
        request,
        *(prefix + n for n in ("start", "end", "clinicID", "clinicianID", "treatmentID", "iD")),
    )
    query.integer(prefix + "iD")  # the vendor's slot id: checked, not used (the fields name it)
    start = query.moment(prefix + "start", required=True)
    end = query.moment(prefix + "end", required=True)
    try:
        slot = TimeSlotDTO(
            Start=start,  # type: ignore[arg-type]
            End=end,  # type: ignore[arg-type]
            ClinicID=query.text(prefix + "clinicID", required=True) or "",
            ClinicianID=query.integer(prefix + "clinicianID", required=True) or 0,
            TreatmentID=query.integer(prefix + "treatmentID", required=True) or 0,
        )
    except ValidationError as e:
        raise from_validation_error(e, "query.timeSlotToCheck") from None
    return respond(await run(_is_available, request, account, slot))


def _is_available(request: Request, account: Account, slot: TimeSlotDTO) -> bool:
    store = context(request).store
    now = store.now()
    with store.read() as db:
        try:
            resolved = resolve(Catalog.load(db, account.id), slot, account.settings, now)
        except HttpProblem:
            return False
        if published_batch(db, account.id, resolved) is None:
            return False
        return not busy(
            db,
            account.id,
            resolved.database_id,
            resolved.clinician_id,
            window=resolved.interval,
            now=now,
        )


ROUTES = [
    Route("/clinics", list_clinics, methods=["GET"]),
    Route("/clinics/{id}", get_clinic, methods=["GET"]),
    Route("/clinicians", list_clinicians, methods=["GET"]),
    Route("/treatments", list_treatments, methods=["GET"]),
    Route("/appointments/schedule/availabletimes", schedule_times, methods=["GET"]),
    Route("/appointments/reschedule/availabletimes", reschedule_times, methods=["GET"]),
    Route("/reservations/available", reservation_available, methods=["GET"]),
]
