"""The page's words (Norwegian bokmål), the site's own texts with their defaults, and
refusals of the site's rules said to a patient.

The site's texts are kept under the names the reconciler writes (`heading`, `welcome`,
`patient_info`, `clinic_standard`, `information.<setting>`), which the public API reads too.
"""

from __future__ import annotations

import datetime as dt

from reconciler.site.api.problems import HttpProblem
from reconciler.site.booking.settings import INFO_MAINTENANCE, INFO_REQUIRES_LOGIN, SiteSettings

DEFAULTS = {
    "heading": "Bestill time",
    "welcome": "Velkommen! Her kan du bestille time hos oss.",
    "patient_info": "Vi bruker opplysningene bare til å registrere timen din hos klinikken.",
    "clinic_standard": "",
    INFO_MAINTENANCE: (
        "Bookingsiden er stengt for vedlikehold. Prøv igjen senere, eller ring klinikken."
    ),
    INFO_REQUIRES_LOGIN: (
        "For å bestille ny time må du logge inn først. Du logger inn med en kode på SMS."
    ),
    "information.patient_note": "Her kan du skrive en kort beskjed til klinikken.",
}


def site_text(settings: SiteSettings, name: str) -> str:
    """The site's text `name`, or its default when the site has none."""
    container = settings.MediaSettings.TextContainer
    return container.get(name) or DEFAULTS.get(name, "")


WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
MONTHS = (
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
)


def day_label(day: dt.date) -> str:
    """`mandag 7. desember`."""
    return f"{WEEKDAYS[day.weekday()]} {day.day}. {MONTHS[day.month - 1]}"


def moment_label(moment: dt.datetime) -> str:
    """`mandag 7. desember 2026 kl. 08:00`."""
    return f"{day_label(moment.date())} {moment.year} kl. {moment:%H:%M}"


NATIONAL_ID_LABELS = {"NO": "Fødselsnummer", "SE": "Personnummer", "DK": "CPR-nummer"}
NATIONAL_ID_HINTS = {
    "NO": "11 siffer",
    "SE": "12 siffer (ååååmmddnnnn)",
    "DK": "10 siffer",
}
NATIONAL_ID_INVALID = {
    "NO": "Fødselsnummeret er ikke gyldig. Sjekk at du har skrevet alle 11 sifrene riktig.",
    "SE": "Personnummeret er ikke gyldig. Sjekk sifrene.",
    "DK": "CPR-nummeret er ikke gyldig. Sjekk sifrene.",
}

PROBLEMS = {
    "not-found": "Vi fant ikke det du lette etter.",
    "no-site": "Det finnes ingen bookingside på denne adressen.",
    "not-enabled": "Dette kan ikke gjøres på nett her. Ring klinikken.",
    "login-disabled": "Denne klinikken har ikke innlogging på nett.",
    "login-required": "Du må logge inn før du kan bestille ny time.",
    "not-this-patient": "Du er logget inn som en annen pasient. Logg ut og prøv igjen.",
    "time-taken": "Tiden er dessverre ikke ledig lenger. Velg en annen tid.",
    "time-not-available": "Tiden er dessverre ikke ledig lenger. Velg en annen tid.",
    "timeslot-conflict": "Tiden er dessverre ikke ledig lenger. Velg en annen tid.",
    "in-the-past": "Tiden har allerede vært. Velg en annen tid.",
    "weekend-booking-disabled": "Denne klinikken tar ikke imot bestillinger i helgene.",
    "treatment-not-bookable": "Denne behandlingen kan ikke bestilles på nett.",
    "wrong-length": "Tiden passer ikke til behandlingen. Velg en annen tid.",
    "rate-limited": "For mange forsøk på kort tid. Vent litt og prøv igjen.",
    "code-expired": "Koden er utløpt. Start på nytt for å få en ny kode.",
    "challenge-closed": "Koden er allerede brukt eller utløpt. Start på nytt.",
    "too-many-attempts": "For mange feil koder. Start på nytt for å få en ny kode.",
    "change-deadline-passed": "Fristen for å endre eller avbestille på nett er ute. Ring oss.",
    "moved-too-far": "Timen kan ikke flyttes så langt. Velg en tid nærmere den gamle.",
    "other-treatment": "En flytting beholder behandlingen.",
    "session-expired": "Du er logget ut. Logg inn igjen.",
    "identify-patient": "Logg inn for å se og endre timene dine.",
    "maintenance-mode": DEFAULTS["information.maintenance_mode"],
    "bad-choice": "Vi forstod ikke valget. Start bestillingen på nytt.",
    "bad-form": "Skjemaet kunne ikke leses. Gå tilbake og prøv igjen.",
    "method-not-allowed": "Siden finnes ikke slik. Start på nytt.",
}
SOMETHING_WRONG = "Noe gikk galt. Prøv igjen, eller ring klinikken."


def problem_text(problem: HttpProblem) -> str:
    """What to tell a patient about a refusal."""
    return PROBLEMS.get(problem.code, SOMETHING_WRONG)
