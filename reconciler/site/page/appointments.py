""" "Mine timer": the patient's own appointments, when the site shows appointments and has
SMS login. The patient logs in with their national id (POSTed, never in a URL) and the code
sent by SMS; the session is an HttpOnly, SameSite=Strict cookie. From the list an appointment
can be moved or cancelled where the site allows it: the setting on, before the change
deadline, and for an appointment type that may be changed online."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from reconciler.site.api.accounts import caller
from reconciler.site.api.http import run
from reconciler.site.api.limits import Caller
from reconciler.site.api.problems import HttpProblem
from reconciler.site.api.public.changes import Cancel, Move, Requester, cancel_booking, move_booking
from reconciler.site.api.public.confirm import start_login
from reconciler.site.api.public.models import CancelBooking, RescheduleDTO, TimeSlotDTO
from reconciler.site.booking.catalog import Catalog, public_clinic_id
from reconciler.site.booking.changes import NO_TREATMENT, check_change, matching_booking
from reconciler.site.booking.free_times import SlotQuery
from reconciler.site.booking.patients import national_id_digits
from reconciler.site.page.choices import BadChoice, SlotChoice, parse_date
from reconciler.site.page.confirmation import Appointment, appointment, confirmation_page
from reconciler.site.page.forms import read_form
from reconciler.site.page.render import render
from reconciler.site.page.site_view import SESSION_COOKIE, PageSite, page
from reconciler.site.page.texts import NATIONAL_ID_INVALID, NATIONAL_ID_LABELS, problem_text
from reconciler.site.page.week import free_week, search_window
from reconciler.site.store.holds import confirmed_bookings


@dataclass(frozen=True)
class Listed:
    appointment: Appointment
    move: bool  # the move button is shown
    cancel: bool
    why_not: str | None  # why neither is possible online, where the site offers them


def _require(site: PageSite) -> None:
    if not site.appointments:
        raise HttpProblem(403, "not-enabled", "no appointments on this site", "")


@page
async def appointments_page(request: Request, site: PageSite) -> Response:
    _require(site)
    key = await run(site.patient_key, request)
    if key is None:
        return _login_form(site)
    return await run(_listing, site, key)


def _login_form(site: PageSite, error: str | None = None, status: int = 200) -> Response:
    return render(
        "logg_inn.html",
        status,
        site=site,
        label=NATIONAL_ID_LABELS.get(site.account.culture, "Fødselsnummer"),
        error=error,
    )


def _listing(site: PageSite, key: str) -> Response:
    rows = confirmed_bookings(site.store, site.account.id, key)
    now = site.store.now()
    flexibility = site.flexibility
    listed: list[Listed] = []
    with site.store.read() as db:
        catalog = Catalog.load(db, site.account.id)
        for row in rows:
            move = flexibility.ModifyBookingEnabled and _allowed(db, site, row, "move", now)
            cancel = flexibility.CancelBookingsEnabled and _allowed(db, site, row, "cancel", now)
            offered = flexibility.ModifyBookingEnabled or flexibility.CancelBookingsEnabled
            why = None
            if offered and not (move or cancel):
                why = _reason(db, site, row, now)
            listed.append(Listed(appointment(catalog, row), move, cancel, why))
    return render("mine_timer.html", site=site, appointments=listed)


def _allowed(
    db: sqlite3.Connection, site: PageSite, row: sqlite3.Row, action: str, now: dt.datetime
) -> bool:
    if action == "move" and row["treatment_id"] == NO_TREATMENT:
        return False  # the page moves only appointments with a type (it searches by it)
    try:
        check_change(db, site.account, row, action, now)
    except HttpProblem:
        return False
    return True


def _reason(db: sqlite3.Connection, site: PageSite, row: sqlite3.Row, now: dt.datetime) -> str:
    action = "move" if site.flexibility.ModifyBookingEnabled else "cancel"
    try:
        check_change(db, site.account, row, action, now)
    except HttpProblem as problem:
        if problem.code == "change-deadline-passed":
            hours = site.flexibility.HourBeforModifyBookingClosing
            return f"Timen kan ikke endres på nett mindre enn {hours} timer før. Ring klinikken."
        return problem_text(problem)
    return "Denne timen kan ikke endres på nett. Ring klinikken."


@page
async def post_login(request: Request, site: PageSite) -> Response:
    _require(site)
    form = await read_form(request)
    return await run(_login, site, form.get("fodselsnummer", ""), caller(request))


def _login(site: PageSite, number: str, who: Caller) -> Response:
    culture = site.account.culture
    if not number.strip():
        label = NATIONAL_ID_LABELS.get(culture, "Fødselsnummer").lower()
        return _login_form(site, f"Fyll inn {label}.", 422)
    try:
        digits = national_id_digits(number[:40], None, "fodselsnummer", culture)
    except HttpProblem:
        return _login_form(site, NATIONAL_ID_INVALID.get(culture, NATIONAL_ID_INVALID["NO"]), 422)
    challenge = start_login(site.store, site.account, site.store.patient_key(digits), who)
    return RedirectResponse(site.url(f"/kode/{challenge['ChallengeId']}"), status_code=303)


@page
async def post_logout(request: Request, site: PageSite) -> Response:
    response = RedirectResponse(site.url("/"), status_code=303)
    response.delete_cookie(SESSION_COOKIE, path=site.url("/"), httponly=True, samesite="strict")
    return response


def _own(site: PageSite, key: str | None, booking: str) -> sqlite3.Row:
    if key is None:
        raise HttpProblem(401, "identify-patient", "log in", "")
    if not (booking.isascii() and booking.isdigit() and len(booking) <= 10):
        raise HttpProblem(404, "not-found", "no such booking", "")
    with site.store.read() as db:
        row = matching_booking(db, site.account, int(booking), key)
    if row is None:
        raise HttpProblem(404, "not-found", "no such booking", "")
    return row


@page
async def move_page(request: Request, site: PageSite) -> Response:
    _require(site)
    key = await run(site.patient_key, request)
    row = await run(_own, site, key, str(request.path_params["booking"]))
    week = parse_date(request.query_params.get("fra"))
    return await run(_move_page, site, row, week)


def _move_page(site: PageSite, row: sqlite3.Row, start: dt.date | None) -> Response:
    now = site.store.now()
    with site.store.read() as db:
        check_change(db, site.account, row, "move", now)
        catalog = Catalog.load(db, site.account.id)
        shown = appointment(catalog, row)
    query = SlotQuery(
        treatment_id=row["treatment_id"],
        window=search_window(now, start),
        clinic_id=public_clinic_id(row["clinic_id"], row["database_id"]),
        clinician_id=row["clinician_id"],
    )
    week = free_week(site.store, site.account, query, moving=row)
    later = None
    if week.next_week is not None:
        later = site.url(f"/mine-timer/{row['id']}/flytt?fra={week.next_week.isoformat()}")
    return render("flytt.html", site=site, appointment=shown, week=week, later=later)


@page
async def post_move(request: Request, site: PageSite) -> Response:
    _require(site)
    key = await run(site.patient_key, request)
    row = await run(_own, site, key, str(request.path_params["booking"]))
    form = await read_form(request)
    if not form.get("tid"):
        raise BadChoice()
    slot = SlotChoice.parse(form["tid"])
    assert key is not None
    return await run(_move, site, row, slot, Requester(key, True, caller(request)))


def _move(site: PageSite, row: sqlite3.Row, slot: SlotChoice, who: Requester) -> Response:
    try:
        new_time = TimeSlotDTO(
            Start=slot.start,
            End=slot.end,
            ClinicID=slot.clinic_id,
            ClinicianID=slot.clinician_id,
            TreatmentID=row["treatment_id"],
        )
    except ValidationError:  # a time the page did not offer (out of the site's range)
        raise BadChoice() from None
    move = Move(
        RescheduleDTO(
            OriginalBookingId=row["id"],
            NewTime=new_time,
        ),
        who,
        notify=True,
    )
    outcome = move_booking(site.store, site.account, move)
    if isinstance(outcome, int):
        return confirmation_page(site, "move", outcome)
    return RedirectResponse(site.url(f"/kode/{outcome['ChallengeId']}"), status_code=303)


@page
async def post_cancel(request: Request, site: PageSite) -> Response:
    _require(site)
    key = await run(site.patient_key, request)
    row = await run(_own, site, key, str(request.path_params["booking"]))
    assert key is not None
    return await run(_cancel, site, row, Requester(key, True, caller(request)))


def _cancel(site: PageSite, row: sqlite3.Row, who: Requester) -> Response:
    outcome = cancel_booking(
        site.store, site.account, Cancel(CancelBooking(BookingID=row["id"]), who)
    )
    if "ChallengeId" in outcome:
        return RedirectResponse(site.url(f"/kode/{outcome['ChallengeId']}"), status_code=303)
    return confirmation_page(site, "cancel", row["id"])
