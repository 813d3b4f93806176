"""What the site sends patients — one-time codes, and confirmations of booked, moved and
cancelled appointments — written to the outbox (the reference site's SMS and e-mail gateway;
`--dev` exposes it). Confirmations use the account's templates with merge fields, or the
vendor's standard wording when a template is not set.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from reconciler.domain.templates import render
from reconciler.site.api.backend.models import CONSENT_TITLE
from reconciler.site.booking.settings import SENDER_FALLBACK, SiteSettings
from reconciler.site.store.database import Store

WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
ACTIONS = {
    "book": "bekrefte timebestillingen",
    "move": "bekrefte flyttingen av timen",
    "cancel": "bekrefte avbestillingen",
    "login": "logge inn",
}
DEFAULT_SMS = {
    "booked": "Hei {{ patient_first_name }}! Du har time hos {{ clinic_name }} "
    "{{ weekday }} {{ date }} kl. {{ time }}.",
    "changed": "Hei {{ patient_first_name }}! Timen din hos {{ clinic_name }} er flyttet til "
    "{{ weekday }} {{ date }} kl. {{ time }}.",
    "cancelled": "Hei {{ patient_first_name }}! Timen din hos {{ clinic_name }} "
    "{{ weekday }} {{ date }} kl. {{ time }} er avbestilt.",
}
DEFAULT_SUBJECT = {
    "booked": "Timebekreftelse",
    "changed": "Timen din er flyttet",
    "cancelled": "Timen din er avbestilt",
}


@dataclass(frozen=True)
class Outbox:
    """The account's outgoing SMS and e-mail, written in the caller's transaction."""

    db: sqlite3.Connection
    store: Store
    account_id: str

    def send(self, channel: str, recipient: str, body: str, subject: str | None = None) -> None:
        self.db.execute(
            "INSERT INTO outbox (account_id, channel, recipient, subject, body, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (self.account_id, channel, recipient, subject, body, self.store.now_text()),
        )

    def send_code(
        self, action: str, code: str, *, mobile: str | None, email: str | None, minutes: int
    ) -> list[str]:
        """Send the one-time code; returns the channels used."""
        text = (
            f"Koden din er {code}. Bruk den for å {ACTIONS[action]}. "
            f"Den gjelder i {minutes} minutter."
        )
        channels = []
        if mobile:
            self.send("sms", mobile, text)
            channels.append("sms")
        if email:
            self.send("email", email, text, subject="Din engangskode")
            channels.append("email")
        return channels

    def notify(
        self,
        settings: SiteSettings,
        kind: str,
        values: dict[str, str],
        *,
        mobile: str | None,
        email: str | None,
    ) -> None:
        """Confirm a booked / changed / cancelled appointment by SMS and e-mail."""
        sms_template = getattr(settings.Messages.Sms, kind.capitalize()) or DEFAULT_SMS[kind]
        if mobile:
            self.send("sms", mobile, render(sms_template, values))
        if email:
            template = getattr(settings.Messages.Email, kind.capitalize())
            subject = render(template.Subject or DEFAULT_SUBJECT[kind], values)
            body = render(template.Body or sms_template, values)
            sender = settings.Messages.Email.SenderAddress or SENDER_FALLBACK
            self.send("email", email, f"From: {sender}\n\n{body}", subject=subject)


def merge_values(
    patient: dict[str, Any],
    clinic: dict[str, Any],
    clinician: dict[str, Any],
    treatment: dict[str, Any] | None,
    *,
    start: datetime,
    deadline_hours: int,
    subdomain: str,
) -> dict[str, str]:
    consents = set(clinician.get("ClinicianPersonalDataConsents", []))
    return {
        "patient_first_name": patient.get("FirstName", ""),
        "patient_last_name": patient.get("LastName", ""),
        "clinic_name": clinic.get("Name", ""),
        "clinic_address": clinic.get("Address1", ""),
        "clinic_phone": clinic.get("Work") or clinic.get("Home") or "",
        "clinic_email": clinic.get("Email", ""),
        "provider_name": clinician.get("Name", ""),
        "provider_title": clinician.get("Title", "") if CONSENT_TITLE in consents else "",
        "treatment": treatment["Name"] if treatment else "",
        "date": start.strftime("%d.%m.%Y"),
        "weekday": WEEKDAYS[start.weekday()],
        "time": start.strftime("%H:%M"),
        "duration": str(treatment["Duration"]) if treatment else "",
        "change_deadline": (start - timedelta(hours=deadline_hours)).strftime("%d.%m.%Y %H:%M"),
        "booking_url": f"https://{subdomain}.opusdentalonline.com",
    }
