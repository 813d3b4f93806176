"""The booking flow at the page's root: one step at a time in the site's order (see
choices.py) — clinics under their group headings, treatments with the clinic's text,
providers with photo and title only by their consent, free times as a week — then the
details form, which POSTs to /bestill.

Everything is read from the site's store through the functions its public API uses
(Catalog, find_slots, check_booking, book); nothing is kept apart from it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from reconciler.site.api.accounts import caller, require_enabled
from reconciler.site.api.http import run
from reconciler.site.api.limits import Caller
from reconciler.site.api.problems import HttpProblem
from reconciler.site.api.public.bookings import book, check_booking, check_login_rule
from reconciler.site.api.public.models import BookingDTO, TimeSlotDTO
from reconciler.site.booking.catalog import Catalog, clinician_dto, public_clinic_id
from reconciler.site.booking.free_times import SlotQuery
from reconciler.site.page import details
from reconciler.site.page.choices import (
    ALL,
    CLINIC,
    COMBINED,
    PROVIDER,
    TIME,
    TREATMENT,
    BadChoice,
    Choices,
)
from reconciler.site.page.confirmation import confirmation_page
from reconciler.site.page.forms import read_form
from reconciler.site.page.render import render
from reconciler.site.page.site_view import PageSite, error_page, page
from reconciler.site.page.texts import moment_label, site_text
from reconciler.site.page.week import free_week, search_window

UNGROUPED = "Andre klinikker"


@dataclass(frozen=True)
class Option:
    """Something to choose: a clinic, a treatment or a provider."""

    link: str
    name: str
    value: str = ""
    details: list[str] = field(default_factory=list)
    title: str | None = None
    photo: str | None = None
    text: str | None = None


@dataclass(frozen=True)
class Chosen:
    label: str
    value: str
    change: str


@dataclass
class Form:
    """The details form as shown again after a refusal."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    message: str | None = None


@page
async def booking_page(request: Request, site: PageSite) -> Response:
    choices = Choices.from_query(request.query_params)
    patient_key = await run(site.patient_key, request)
    return await run(_page, site, choices, patient_key, Form(), 200)


@page
async def post_booking(request: Request, site: PageSite) -> Response:
    form = await read_form(request)
    choices = Choices.from_query(form)
    patient_key = await run(site.patient_key, request)
    return await run(_book, site, choices, form, patient_key, caller(request))


@page
async def back_to_start(request: Request, site: PageSite) -> Response:
    return RedirectResponse(site.url("/"), status_code=303)


def _book(
    site: PageSite, choices: Choices, form: dict[str, str], patient_key: str | None, who: Caller
) -> Response:
    account = site.account
    inputs = details.fields(account.settings, account.culture)
    filled = details.read(form, inputs)
    if choices.time is None or choices.treatment is None:
        if site.flexibility.UseCombinedView and choices.treatment is not None:
            filled.errors["tid"] = "Velg en tid."
            return _page(site, choices, patient_key, Form(filled.values, filled.errors), 422)
        raise BadChoice()
    if filled.errors or filled.patient is None:
        return _page(site, choices, patient_key, Form(filled.values, filled.errors), 422)
    slot = choices.time
    try:
        require_enabled(site.flexibility.NewBookingEnabled, "booking online")
        body = BookingDTO(
            Patient=filled.patient,
            TimeSlot=TimeSlotDTO(
                Start=slot.start,
                End=slot.end,
                ClinicID=slot.clinic_id,
                ClinicianID=slot.clinician_id,
                TreatmentID=choices.treatment,
            ),
            CampaignCode=filled.extra.get("CampaignCode"),
            FreeTextMessage=filled.extra.get("FreeTextMessage"),
        )
        check_login_rule(account, patient_key)
        new = check_booking(
            site.store, account, body, patient_key, reservation=(None, None), notify=True
        )
        outcome = book(site.store, account, new, who)
    except ValidationError:  # a time the page did not offer (out of the site's range)
        raise BadChoice() from None
    except HttpProblem as problem:
        if problem.code == "invalid-patient":
            errors = details.field_errors(problem, account.culture)
            return _page(site, choices, patient_key, Form(filled.values, errors), 422)
        if problem.status in (409, 410, 422):
            return error_page(site, problem, back=choices.link(site.base, time=None))
        raise
    if isinstance(outcome, int):  # the site skips confirmation: booked at once
        return confirmation_page(site, "book", outcome)
    return RedirectResponse(site.url(f"/kode/{outcome['ChallengeId']}"), status_code=303)


def _page(
    site: PageSite, choices: Choices, patient_key: str | None, form: Form, status: int
) -> Response:
    flexibility = site.flexibility
    common: dict[str, Any] = {"site": site, "logged_in": patient_key is not None}
    if not flexibility.NewBookingEnabled:
        return render("stengt.html", status, **common)
    if flexibility.NewBookingRequireLogin and patient_key is None:
        text = site_text(site.settings, "information.new_appointment_requires_login")
        return render("logg_inn_forst.html", status, text=text, **common)
    with site.store.read() as db:
        catalog = Catalog.load(db, site.account.id)
    step = choices.next_step(flexibility)
    common.update(
        step=step,
        choices=choices,
        chosen=_chosen(site, catalog, choices),
        welcome=site.welcome if choices == Choices() else None,
    )
    if step == CLINIC:
        return render(
            "klinikk.html", status, groups=_clinic_groups(site, catalog, choices), **common
        )
    if step in (TREATMENT, COMBINED):
        common.update(
            treatments=_treatments(site, catalog, choices),
            clinic_text=_clinic_text(site, catalog, choices),
        )
    if step in (PROVIDER, COMBINED):
        common.update(providers=_providers(site, catalog, choices))
    if step == TREATMENT:
        return render("behandling.html", status, **common)
    if step == PROVIDER:
        return render("behandler.html", status, **common)
    if step == COMBINED:
        return render("kombinert.html", status, **common)
    assert choices.treatment is not None
    combined = flexibility.UseCombinedView
    if step == TIME:
        query = SlotQuery(
            treatment_id=choices.treatment,
            window=search_window(site.store.now(), choices.week),
            clinic_id=choices.clinic_id,
            clinician_id=choices.clinician_id,
        )
        week = free_week(site.store, site.account, query)
        later = choices.link(site.base, week=week.next_week, time=None) if week.first else None
        common.update(
            week=week,
            earlier=_earlier(site, choices),
            later=later,
            slot_link=lambda option: choices.link(
                site.base,
                time=option.slot,
                clinic=option.slot.clinic_id,
                provider=option.slot.clinician_id,
            ),
        )
        if not combined:
            return render("tid.html", status, **common)
    return render(
        "detaljer.html",
        status,
        combined=combined,
        fields=details.fields(site.settings, site.account.culture),
        form=form,
        patient_info=site_text(site.settings, "patient_info"),
        note_info=site_text(site.settings, "information.patient_note"),
        **common,
    )


def _earlier(site: PageSite, choices: Choices) -> str | None:
    if choices.week is None:
        return None
    back = choices.week - dt.timedelta(days=7)
    week = back if back > site.store.now().date() else None
    return choices.link(site.base, week=week, time=None)


def _chosen(site: PageSite, catalog: Catalog, choices: Choices) -> list[Chosen]:
    base = site.base
    found: list[Chosen] = []
    if choices.clinic is not None:
        name = "Alle klinikker" if choices.clinic == ALL else _clinic_name(catalog, choices.clinic)
        found.append(
            Chosen("Klinikk", name, choices.link(base, clinic=None, provider=None, time=None))
        )
    if choices.treatment is not None:
        treatment = _treatment_name(catalog, choices)
        found.append(Chosen("Behandling", treatment, choices.link(base, treatment=None, time=None)))
    if choices.provider is not None:
        name = "Alle behandlere" if choices.provider == ALL else _provider_name(catalog, choices)
        found.append(Chosen("Behandler", name, choices.link(base, provider=None, time=None)))
    if choices.time is not None:
        found.append(Chosen("Tid", moment_label(choices.time.start), choices.link(base, time=None)))
    return found


def _clinic_name(catalog: Catalog, public_id: str) -> str:
    _, clinic = catalog.clinic(public_id, "klinikk")
    return str(clinic["Name"])


def _databases(catalog: Catalog, choices: Choices) -> set[str]:
    if choices.clinic_id is not None:
        return {catalog.clinic(choices.clinic_id, "klinikk")[0]}
    return {d for d, _ in catalog.clinics}


def _treatment_name(catalog: Catalog, choices: Choices) -> str:
    for database_id in sorted(_databases(catalog, choices)):
        treatment = catalog.treatments.get((database_id, choices.treatment or 0))
        if treatment is not None:
            return str(treatment["Name"])
    raise HttpProblem(404, "not-found", "no such treatment", "choose again")


def _provider_name(catalog: Catalog, choices: Choices) -> str:
    for database_id in sorted(_databases(catalog, choices)):
        clinician = catalog.clinicians.get((database_id, choices.clinician_id or 0))
        if clinician is not None:
            return str(clinician_dto(database_id, clinician)["Name"])
    raise HttpProblem(404, "not-found", "no such provider", "choose again")


def _bookable(catalog: Catalog, database_id: str, treatment_id: int | None) -> bool:
    if treatment_id is None:
        return True
    treatment = catalog.treatments.get((database_id, treatment_id))
    return treatment is not None and bool(treatment.get("CreateInWeb", True))


def _clinic_groups(
    site: PageSite, catalog: Catalog, choices: Choices
) -> list[tuple[str | None, list[Option]]]:
    """Clinics under their group headings (in display order); ungrouped ones last, under
    their own heading when others have groups."""
    groups: dict[str | None, list[Option]] = {}
    for (database_id, _), clinic in catalog.sorted_clinics():
        if not _bookable(catalog, database_id, choices.treatment):
            continue
        public_id = public_clinic_id(clinic["ID"], database_id)
        where = ", ".join(
            str(clinic[k]) for k in ("Address1", "Postalcode", "City") if clinic.get(k)
        )
        option = Option(
            choices.link(site.base, clinic=public_id, provider=None, time=None),
            str(clinic["Name"]),
            public_id,
            [where] if where else [],
        )
        groups.setdefault(clinic.get("Group") or None, []).append(option)
    if None in groups and len(groups) > 1:
        groups[UNGROUPED] = groups.pop(None)
    result = list(groups.items())
    if site.flexibility.AnyClinicOption and result:
        every = Option(choices.link(site.base, clinic=ALL, time=None), "Alle klinikker", ALL)
        result.insert(0, (None, [every]))
    return result


def _treatments(site: PageSite, catalog: Catalog, choices: Choices) -> list[Option]:
    databases = _databases(catalog, choices)
    seen: set[int] = set()
    found: list[Option] = []
    for (database_id, treatment_id), treatment in sorted(catalog.treatments.items()):
        if database_id not in databases or not treatment.get("CreateInWeb", True):
            continue
        if treatment_id in seen:
            continue
        seen.add(treatment_id)
        found.append(
            Option(
                choices.link(site.base, treatment=treatment_id, time=None),
                str(treatment["Name"]),
                str(treatment_id),
                [f"{treatment['Duration']} minutter"],
                text=treatment.get("Description"),
            )
        )
    return found


def _clinic_text(site: PageSite, catalog: Catalog, choices: Choices) -> tuple[str | None, str]:
    """The chosen clinic's own text (heading, body), or the site's standard clinic text."""
    if choices.clinic_id is not None:
        _, clinic = catalog.clinic(choices.clinic_id, "klinikk")
        if clinic.get("ClinicTextHeader") or clinic.get("ClinicTextBody"):
            return clinic.get("ClinicTextHeader"), clinic.get("ClinicTextBody") or ""
    return None, site_text(site.settings, "clinic_standard")


def _providers(site: PageSite, catalog: Catalog, choices: Choices) -> list[Option]:
    clinics = catalog.sorted_clinics()
    if choices.clinic_id is not None:
        database_id, clinic = catalog.clinic(choices.clinic_id, "klinikk")
        clinics = [((database_id, clinic["ID"]), clinic)]
    several = len(clinics) > 1
    found: list[Option] = []
    for (database_id, _), clinic in clinics:
        if not _bookable(catalog, database_id, choices.treatment):
            continue
        public_id = public_clinic_id(clinic["ID"], database_id)
        for clinician in catalog.clinicians_of(database_id, clinic["ID"]):
            shown = clinician_dto(database_id, clinician)
            photo = shown.get("ProfileImage")
            found.append(
                Option(
                    choices.link(site.base, provider=clinician["ID"], clinic=public_id, time=None),
                    str(shown["Name"]),
                    f"{clinician['ID']}",
                    [str(clinic["Name"])] if several else [],
                    title=shown.get("Title"),
                    photo=photo
                    if isinstance(photo, str) and photo.startswith("data:image/")
                    else None,
                    text=shown.get("Info"),
                )
            )
    if site.flexibility.AnyClinicianOption and found:
        found.insert(
            0, Option(choices.link(site.base, provider=ALL, time=None), "Alle behandlere", ALL)
        )
    return found
