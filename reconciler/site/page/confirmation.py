"""The one-time code step and the confirmation. A booking, move or cancellation (and an SMS
login) waits for the code the site sent (by SMS, and by e-mail too where the site says so),
unless the site skips confirmation. The page's address names the challenge by its opaque id
(`/kode/<id>`, `/bekreftet/<id>`), nothing else."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from reconciler.site.api.accounts import caller
from reconciler.site.api.http import run
from reconciler.site.api.limits import Caller
from reconciler.site.api.problems import HttpProblem
from reconciler.site.api.public.confirm import confirm_code
from reconciler.site.booking.catalog import Catalog, clinician_dto
from reconciler.site.booking.challenges import challenge_row
from reconciler.site.booking.times import from_text
from reconciler.site.page.forms import read_form
from reconciler.site.page.render import render
from reconciler.site.page.site_view import SESSION_COOKIE, PageSite, error_page, page
from reconciler.site.page.texts import moment_label
from reconciler.site.store.holds import hold
from reconciler.site.store.sessions import SESSION_TTL

HEADINGS = {
    "book": "Timen er bestilt",
    "move": "Timen er flyttet",
    "cancel": "Timen er avbestilt",
}


@dataclass(frozen=True)
class Appointment:
    id: int
    when: str
    clinic: str
    address: str
    provider: str
    title: str | None
    treatment: str


def appointment(catalog: Catalog, row: sqlite3.Row) -> Appointment:
    """A booking as the patient sees it: when, where, with whom, for what."""
    database_id = row["database_id"]
    clinic = catalog.clinics.get((database_id, row["clinic_id"]), {})
    clinician = catalog.clinicians.get((database_id, row["clinician_id"]))
    shown = clinician_dto(database_id, clinician) if clinician else {}
    treatment = catalog.treatments.get((database_id, row["treatment_id"]), {})
    address = ", ".join(str(clinic[k]) for k in ("Address1", "Postalcode", "City") if clinic.get(k))
    return Appointment(
        row["id"],
        moment_label(from_text(row["start_at"])),
        str(clinic.get("Name", "")),
        address,
        str(shown.get("Name", "")),
        shown.get("Title"),
        str(treatment.get("Name", "Time hos klinikken")),
    )


def confirmation_page(site: PageSite, action: str, hold_id: int) -> Response:
    with site.store.read() as db:
        row = hold(db, site.account.id, hold_id)
        catalog = Catalog.load(db, site.account.id)
    if row is None:
        raise HttpProblem(404, "not-found", "no such booking", "")
    return render(
        "bekreftet.html",
        site=site,
        heading=HEADINGS[action],
        action=action,
        appointment=appointment(catalog, row),
    )


def _challenge(site: PageSite, challenge_id: str) -> sqlite3.Row:
    if not (len(challenge_id) == 32 and challenge_id.isascii() and challenge_id.isalnum()):
        raise HttpProblem(404, "not-found", "no such confirmation", "")
    with site.store.read() as db:
        row = challenge_row(db, site.account.id, challenge_id)
    if row is None:
        raise HttpProblem(404, "not-found", "no such confirmation", "")
    return row


def _channels(site: PageSite, action: str) -> str:
    if action != "login" and site.flexibility.UseCodeChallange:
        return "på SMS og e-post"
    return "på SMS"


def _code_form(
    site: PageSite, row: sqlite3.Row, *, error: str | None = None, status: int = 200
) -> Response:
    return render(
        "kode.html",
        status,
        site=site,
        action=row["action"],
        channels=_channels(site, row["action"]),
        challenge_id=row["id"],
        error=error,
    )


@page
async def code_page(request: Request, site: PageSite) -> Response:
    row = await run(_challenge, site, str(request.path_params["challenge"]))
    if row["state"] == "done" and row["action"] in HEADINGS:
        return RedirectResponse(site.url(f"/bekreftet/{row['id']}"), status_code=303)
    if row["state"] != "open":
        raise HttpProblem(410, "challenge-closed", "closed", "")
    return _code_form(site, row)


@page
async def post_code(request: Request, site: PageSite) -> Response:
    row = await run(_challenge, site, str(request.path_params["challenge"]))
    form = await read_form(request)
    code = "".join(form.get("kode", "").split())
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return _code_form(site, row, error="Koden har seks siffer.", status=422)
    return await run(_confirm, site, row, code, caller(request))


def _confirm(site: PageSite, row: sqlite3.Row, code: str, who: Caller) -> Response:
    try:
        result = confirm_code(site.store, site.account, row["id"], code, who)
    except HttpProblem as problem:
        if problem.code == "wrong-code":
            left = problem.extra.get("AttemptsLeft", 0)
            error = f"Feil kode. Du har {left} forsøk igjen."
            return _code_form(site, row, error=error, status=422)
        return error_page(site, problem)
    if result["Action"] == "login":
        response = RedirectResponse(site.url("/mine-timer"), status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            result["SessionToken"],
            max_age=int(SESSION_TTL.total_seconds()),
            path=site.url("/"),
            secure=site.secure,
            httponly=True,
            samesite="strict",
        )
        return response
    return RedirectResponse(site.url(f"/bekreftet/{row['id']}"), status_code=303)


@page
async def confirmed_page(request: Request, site: PageSite) -> Response:
    row = await run(_challenge, site, str(request.path_params["challenge"]))
    if row["state"] != "done" or row["action"] not in HEADINGS:
        raise HttpProblem(404, "not-found", "not confirmed", "")
    return await run(confirmation_page, site, row["action"], row["hold_id"])
