"""A patient of the demo: books the first time the site offers, confirming with the code the
reference site "sends" (its dev outbox), and what the appointment book then holds of it."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from reconciler.config.model import Account
from reconciler.domain import national_id
from reconciler.providers.opus import schema_for
from reconciler.providers.opus.connection import connected, create_engine
from reconciler.providers.site import connect_dev, connect_public
from reconciler.providers.site.models import BookingDTO, PatientDTO

MOBILE = "41234567"  # a test number


@dataclass(frozen=True)
class Booked:
    booking_id: int
    clinic: str
    provider: str
    treatment: str
    start: datetime


def book_first_time(account: Account, site_url: str, today: date) -> Booked | None:
    """Book the first time offered for the first treatment, from tomorrow; None if the site
    offers none."""
    patient = PatientDTO(
        PatientPersonalIdentification=national_id.synthetic(date(1985, 5, 17), random.Random(3)),
        FirstName="Demo",
        LastName="Pasient",
        MobilePhoneNumber=MOBILE,
        Email="demo.pasient@example.no",
    )
    with connect_public(site_url, account.subdomain) as site:
        clinic = site.clinics()[0]
        treatment = site.treatments(clinic_id=clinic.ID)[0]
        start = datetime.combine(today + timedelta(days=1), time())
        offered = site.available_times(
            treatment.ID, start=start, end=start + timedelta(days=14), clinic_id=clinic.ID
        )
        if not offered:
            return None
        slot = offered[0]
        outcome = site.book(BookingDTO(Patient=patient, TimeSlot=slot))
        if outcome.challenge is None:
            return None
        code = sent_code(site_url, account.subdomain, MOBILE)
        result = site.confirm(outcome.challenge.ChallengeId, code)
        provider = next(
            (c.Name for c in site.clinicians(clinic_id=clinic.ID) if slot.ClinicianID == c.ID),
            str(slot.ClinicianID),
        )
    assert result.BookingId is not None
    return Booked(
        result.BookingId, clinic.Name or "", provider or "", treatment.Name or "", slot.Start
    )


def sent_code(site_url: str, subdomain: str, mobile: str) -> str:
    """The last code the site texted the Norwegian `mobile` (read from its dev outbox)."""
    with connect_dev(site_url) as dev:
        codes = [
            m.Body.split()[3].rstrip(".")
            for m in dev.outbox(subdomain=subdomain, recipient="+47" + mobile)
            if m.Body.startswith("Koden din er ")
        ]
    if not codes:
        raise LookupError("the site sent no code")
    return codes[-1]


def in_the_book(account: Account, booking_id: int) -> str | None:
    """The appointment the booking became, as the book shows it; None if not (yet) there."""
    db_name, db = next((n, d) for n, d in account.databases.items() if d.active)
    schema = schema_for(db, db_name)
    engine = create_engine(db, db_name)
    t = schema.t("appointments")
    try:
        with connected(engine, db, db_name) as connection:
            row = connection.execute(
                sa.select(t.c.starts_at, t.c.duration, t.c.book_text, t.c.registered_by).where(
                    t.c.site_booking_id == str(booking_id)
                )
            ).first()
    finally:
        engine.dispose()
    if row is None:
        return None
    starts, minutes, text, who = row
    return f"{starts:%a %Y-%m-%d %H:%M}, {minutes} min, “{text}”, registered by {who}"
