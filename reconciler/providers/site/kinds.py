"""The booking site's resource kinds, and for each kind of master data (treatments, clinics,
providers) one table: every attribute of the resource, the field of the vendor's model it
lives in, and where the config side takes it from. `live.py` reads the site through these
tables, `applier.py` writes it through them and `desired.py` compiles the config into the
same attributes: a field is added to a kind by adding a line to its table.

A master-data resource also names its database (the vendor's OpusDatabaseID); its id, order
and (a provider's) clinic `desired.py` places itself rather than taking them by name from the
config or the book.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from reconciler.providers.site.models import (
    CONSENT_PHOTO,
    CONSENT_TITLE,
    Clinic,
    Clinician,
    Payload,
    Treatment,
)
from reconciler.providers.site.resources import uri_digest

CERTIFICATE = "site_certificate"
SUBDOMAIN = "site_subdomain"
SETTINGS = "site_settings"
DATABASE = "site_database"


@dataclass(frozen=True)
class Field:
    """Where an attribute lives in the vendor's model. `config`: the config's name for it,
    a dotted path in the clinic, provider or appointment type; `book`: taken from the Opus
    row instead — changed in the book, it changes on the site at the next apply (and shows
    in drift)."""

    vendor: str
    config: str | None = None
    book: bool = False

    def read(self, value: Any) -> Any:
        """The vendor's value as the attribute's."""
        return value

    def write(self, body: dict[str, Any], value: Any) -> None:
        """The attribute's value into a vendor payload."""
        body[self.vendor] = value


@dataclass(frozen=True)
class Image(Field):
    """An image: the config names its file, the site holds it as a data URI and the resource
    its content digest, so that a plan never carries the image itself."""

    def read(self, value: Any) -> Any:
        return uri_digest(value)


@dataclass(frozen=True)
class Consent(Field):
    """A yes or no the site keeps as a code in a list: whether the list holds `code`."""

    code: int = field(kw_only=True)

    def read(self, value: Any) -> Any:
        return self.code in value

    def write(self, body: dict[str, Any], value: Any) -> None:
        codes = body.setdefault(self.vendor, [])
        if value:
            bisect.insort(codes, self.code)


@dataclass(frozen=True)
class MasterDataKind:
    """A kind of master data: its vendor model, the name of its lists in the vendor's master
    data and diffs (Clinics, AddedClinics …), its table, the vendor field holding the last
    key of its address (if any) and values the vendor gets whatever the config says."""

    name: str
    model: type[Payload]
    lists: str
    fields: dict[str, Field]
    key: str | None = None
    fixed: dict[str, Any] = field(default_factory=dict)

    def read(self, model: Payload) -> dict[str, Any]:
        """The attributes as the vendor's model holds them."""
        return {attr: f.read(getattr(model, f.vendor)) for attr, f in self.fields.items()}

    def key_of(self, model: Payload) -> Any:
        return getattr(model, self.key) if self.key is not None else None

    def config_names(self) -> dict[str, str]:
        """The attributes the config gives, by the config's name for them."""
        return {attr: f.config for attr, f in self.fields.items() if f.config is not None}

    def from_book(self) -> tuple[str, ...]:
        """The attributes taken from the Opus database rather than the config."""
        return tuple(attr for attr, f in self.fields.items() if f.book)


CONSENTS = "ClinicianPersonalDataConsents"

TREATMENT = MasterDataKind(
    "site_treatment",
    Treatment,
    "Treatments",
    {
        "description": Field("Description", "description"),
        "duration": Field("Duration", "duration"),
        "change_in_web": Field("ChangeInWeb", "change_in_ebooking"),
        "cancel_in_web": Field("CancelInWeb", "cancel_in_ebooking"),
        "change_in_web_limit": Field("ChangeInWebLimit", "move_max_days"),
    },
    key="Name",
    fixed={"CreateInWeb": True},  # the site gets only the types offered for e-booking
)
CLINIC = MasterDataKind(
    "site_clinic",
    Clinic,
    "Clinics",
    {
        "id": Field("ID"),
        "order": Field("Order"),
        "name": Field("Name", book=True),
        "address": Field("Address1", book=True),
        "postal_code": Field("Postalcode", book=True),
        "city": Field("City", book=True),
        "phone": Field("Work", book=True),
        "email": Field("Email", book=True),
        "group": Field("Group", "group"),
        "text.header": Field("ClinicTextHeader", "text.header"),
        "text.body": Field("ClinicTextBody", "text.body"),
    },
)
CLINICIAN = MasterDataKind(
    "site_clinician",
    Clinician,
    "Clinicians",
    {
        "id": Field("ID"),
        "clinic": Field("ClinicID"),
        "order": Field("Order"),
        "name": Field("Name", book=True),
        "title": Field("Title", "title"),
        "text": Field("Info", "text"),
        "photo": Image("ProfileImage", "photo"),
        "consent.photo": Consent(CONSENTS, "consent.photo", code=CONSENT_PHOTO),
        "consent.title": Consent(CONSENTS, "consent.title", code=CONSENT_TITLE),
    },
    key="ExternalID",  # the provider's code
)
MASTER_DATA = {kind.name: kind for kind in (TREATMENT, CLINIC, CLINICIAN)}

# The order in which site changes are applied (deletes run in reverse).
KINDS = (CERTIFICATE, SUBDOMAIN, SETTINGS, DATABASE, *MASTER_DATA)

# What an appointment type gives the site: whether it is offered at all, and its fields.
TREATMENT_FIELDS = ("use_in_ebooking", *TREATMENT.config_names().values())
