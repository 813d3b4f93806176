"""The details form: exactly the fields the registration settings ask for (required where
they say), the patient note and the campaign code when on; read from a POSTed form, and
its refusals told per field in Norwegian.

The national id is never written back into the form or anywhere else on a page: after an
error the patient types it again. Errors name the field, never its value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from reconciler.site.api.problems import HttpProblem
from reconciler.site.api.public.models import PatientDTO
from reconciler.site.booking.patients import form_fields
from reconciler.site.booking.settings import SiteSettings
from reconciler.site.page.texts import NATIONAL_ID_HINTS, NATIONAL_ID_INVALID, NATIONAL_ID_LABELS

NATIONAL_ID = "fodselsnummer"
NOTE = "melding"
CAMPAIGN = "kampanjekode"


@dataclass(frozen=True)
class Field:
    """One input of the form."""

    name: str  # the form's name, also the input's id ("felt-<name>")
    dto: str  # the PatientDTO / BookingDTO field it fills
    label: str
    required: bool
    kind: str = "text"  # the input's type, or "textarea"
    autocomplete: str = "off"
    inputmode: str = ""
    hint: str = ""
    max_length: int = 150


# form name → (PatientDTO field, label, type, autocomplete, inputmode, max length)
_PATIENT: dict[str, tuple[str, str, str, str, str, int]] = {
    "fornavn": ("FirstName", "Fornavn", "text", "given-name", "", 50),
    "etternavn": ("LastName", "Etternavn", "text", "family-name", "", 50),
    "adresse1": ("Adress1", "Adresse", "text", "address-line1", "", 150),
    "adresse2": ("Adress2", "Adresse, linje 2", "text", "address-line2", "", 150),
    "postnummer": ("PostalCode", "Postnummer", "text", "postal-code", "numeric", 10),
    "telefon": ("HomePhoneNumber", "Telefon", "tel", "tel", "tel", 50),
    "mobil": ("MobilePhoneNumber", "Mobilnummer", "tel", "tel", "tel", 50),
    "epost": ("Email", "E-postadresse", "email", "email", "email", 300),
}
_BY_DTO = {spec[0]: name for name, spec in _PATIENT.items()}


def fields(settings: SiteSettings, culture: str) -> list[Field]:
    """The form's inputs, in order."""
    asked = form_fields(settings)
    found: list[Field] = []
    for name, (dto, label, kind, autocomplete, inputmode, length) in _PATIENT.items():
        on, required = asked[dto]
        if on:
            hint = "Norsk mobilnummer, 8 siffer" if name == "mobil" and culture == "NO" else ""
            found.append(
                Field(name, dto, label, required, kind, autocomplete, inputmode, hint, length)
            )
    found.insert(2, _national_id(culture))
    flexibility = settings.FlexibilitySettings
    if flexibility.RegistrationSettings.CampaignCodeEnabled:
        found.append(Field(CAMPAIGN, "CampaignCode", "Kampanjekode", False, max_length=50))
    if flexibility.UserMessageInputEnabled:
        found.append(
            Field(
                NOTE, "FreeTextMessage", "Melding til klinikken", False, "textarea", max_length=1000
            )
        )
    return found


def _national_id(culture: str) -> Field:
    return Field(
        NATIONAL_ID,
        "PatientPersonalIdentification",
        NATIONAL_ID_LABELS.get(culture, "Fødselsnummer"),
        True,
        "text",
        "off",
        "numeric",
        NATIONAL_ID_HINTS.get(culture, ""),
        20,
    )


@dataclass
class Filled:
    """The form as sent: the patient, the note and the campaign code; or the errors."""

    patient: PatientDTO | None
    extra: dict[str, str]
    values: dict[str, str]  # to fill the form again (never the national id)
    errors: dict[str, str]


def read(form: Mapping[str, str], inputs: list[Field]) -> Filled:
    """The inputs' values from the form (only the form's own fields are read)."""
    values = {f.name: form.get(f.name, "").strip() for f in inputs}
    errors: dict[str, str] = {}
    for f in inputs:
        if len(values[f.name]) > f.max_length:
            errors[f.name] = f"{f.label} kan ha høyst {f.max_length} tegn."
        elif f.required and not values[f.name]:
            errors[f.name] = f"Fyll inn {f.label.lower()}."
    patient: dict[str, Any] = {
        f.dto: values[f.name] for f in inputs if f.name in _PATIENT or f.name == NATIONAL_ID
    }
    extra = {f.dto: values[f.name] for f in inputs if f.name in (NOTE, CAMPAIGN)}
    shown = {k: v for k, v in values.items() if k != NATIONAL_ID}
    if errors:
        return Filled(None, extra, shown, errors)
    try:
        dto = PatientDTO(**{k: v for k, v in patient.items() if v})
    except ValidationError:
        return Filled(None, extra, shown, {NATIONAL_ID: "Sjekk feltene og prøv igjen."})
    return Filled(dto, {k: v for k, v in extra.items() if v}, shown, {})


def field_errors(problem: HttpProblem, culture: str) -> dict[str, str]:
    """The site's refusal of the patient's details, per form field, in Norwegian."""
    errors: dict[str, str] = {}
    for error in problem.errors:
        dto = error.get("field", "").rsplit(".", 1)[-1]
        message = error.get("message", "")
        if dto in ("PatientPersonalIdentification", "ExtraDigits"):
            errors[NATIONAL_ID] = NATIONAL_ID_INVALID.get(culture, NATIONAL_ID_INVALID["NO"])
        elif dto == "MobilePhoneNumber":
            errors["mobil"] = (
                "Skriv et norsk mobilnummer med 8 siffer (det begynner på 4 eller 9)."
                if culture == "NO"
                else "Skriv et gyldig mobilnummer."
            )
        elif dto == "Email":
            errors["epost"] = "Skriv en gyldig e-postadresse, for eksempel navn@eksempel.no."
        elif dto == "PostalCode":
            errors["postnummer"] = "Postnummeret er ikke gyldig (4 siffer)."
        elif dto in _BY_DTO:
            name = _BY_DTO[dto]
            label = _PATIENT[name][1].lower()
            required = message.endswith("is required")
            errors[name] = f"Fyll inn {label}." if required else f"Sjekk {label}."
        elif dto == "CampaignCode":
            errors[CAMPAIGN] = "Kampanjekoden kan ikke brukes her."
        elif dto == "FreeTextMessage":
            errors[NOTE] = "Meldingen kan ikke sendes her."
    return errors or {NATIONAL_ID: "Sjekk feltene og prøv igjen."}
