"""A patient of the demo: books through the patient's page as a browser would — its links
and HTML forms, over HTTP — the first time offered from tomorrow, confirming with the code the
reference site "sends" (its dev outbox), and what the appointment book then holds of it."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime

import httpx
import sqlalchemy as sa

from reconciler.config.model import Account
from reconciler.demo.page_reader import Link, PageReader
from reconciler.domain import national_id
from reconciler.errors import ReconcilerError
from reconciler.providers.opus import schema_for
from reconciler.providers.opus.connection import connected, create_engine
from reconciler.providers.site import connect_dev

MOBILE = "41234567"  # a test number
WEEKS = 3  # how many weeks of the week view the patient looks through
STEPS = ("klinikk", "behandling", "behandler", "tid")  # the page's option links, any order
DETAILS = {  # what the patient writes in each field the form has
    "fornavn": "Demo",
    "etternavn": "Pasient",
    "fodselsnummer": national_id.synthetic(date(1985, 5, 17), random.Random(3)),
    "adresse1": "Storgata 1",
    "postnummer": "0155",
    "mobil": MOBILE,
    "epost": "demo.pasient@example.no",
}


@dataclass(frozen=True)
class Booked:
    booking_id: int
    clinic: str
    provider: str
    treatment: str
    start: datetime
    confirmation: str  # the confirmation page's address


class Visit:
    """The patient's tab: the page it shows now, and the names of what was chosen."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.page = PageReader()
        self.url = ""
        self.chosen: dict[str, Link] = {}
        self.providers: dict[str, str] = {}

    def show(self, response: httpx.Response) -> None:
        if response.status_code >= 400:
            raise ReconcilerError(f"the patient page answered {response.status_code}")
        self.url = str(response.url)
        self.page = PageReader.read(response.text)
        self.providers.update(
            {o.attrs["data-behandler"]: o.name.strip() for o in self.page.options("behandler")}
        )

    def follow(self, href: str) -> None:
        self.show(self.client.get(href))

    def choose(self, step: str, today: date) -> bool:
        """Follow this step's option: a clinic and a treatment of their own, all providers
        at once (the earliest time), the first time after `today`; False if none is offered."""
        if step == "tid":
            return self._first_time(today)
        options = self.page.options(step)
        alle = [o for o in options if o.attrs[f"data-{step}"] == "alle"]
        own = [o for o in options if o not in alle]
        picked = (alle + own) if step == "behandler" else (own + alle)
        if not picked:
            return False
        self.chosen[step] = picked[0]
        self.follow(picked[0].href)
        return True

    def _first_time(self, today: date) -> bool:
        for _ in range(WEEKS):
            later = [o for o in self.page.options("tid") if _start(o) > today]
            if later:
                self.chosen["tid"] = later[0]
                self.follow(later[0].href)
                return True
            if "neste-uke" not in self.page.ids:
                return False
            self.follow(self.page.ids["neste-uke"]["href"])
        return False

    def post(self, form_id: str, values: dict[str, str]) -> None:
        form = self.page.forms.get(form_id)
        if form is None:
            raise ReconcilerError(f"the patient page has no form {form_id!r} at {self.url}")
        data = {**form.hidden, **{n: values.get(n, "") for n in form.fields}}
        self.show(self.client.post(form.action, data=data))


def _start(option: Link) -> date:
    """The day of a time option, from its token (YYYYMMDDhhmmss~…)."""
    return datetime.strptime(option.attrs["data-tid"][:8], "%Y%m%d").date()


def book_first_time(account: Account, site_url: str, today: date) -> Booked | None:
    """Book through the patient's page the first time offered after `today` for the first
    treatment of the first clinic; None if the page offers none."""
    with httpx.Client(base_url=site_url, follow_redirects=True, timeout=30) as client:
        visit = Visit(client)
        visit.follow(f"/sites/{account.subdomain}/")
        while len(visit.chosen) < len(STEPS):  # each page offers one step, in the site's order
            if not any(visit.choose(s, today) for s in STEPS if s not in visit.chosen):
                return None
        visit.post("skjema-bestill", DETAILS)
        if "skjema-kode" in visit.page.forms:  # unless confirmation is skipped
            visit.post("skjema-kode", {"kode": sent_code(site_url, account.subdomain, MOBILE)})
        confirmed = visit.page.ids.get("bekreftelse", {})
        if confirmed.get("data-handling") != "book":
            raise ReconcilerError(f"the booking was not confirmed: {visit.url}")
    _, _, provider_id, _ = visit.chosen["tid"].attrs["data-tid"].split("~", 3)
    return Booked(
        int(confirmed["data-bestilling"]),
        visit.chosen["klinikk"].name.strip(),
        visit.providers.get(provider_id, provider_id),
        visit.chosen["behandling"].name.strip(),
        datetime.strptime(visit.chosen["tid"].attrs["data-tid"][:14], "%Y%m%d%H%M%S"),
        visit.url,
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
