"""The appointment-book setup held in one Opus database (Opus Dental's own screens).

Only what the config names is managed; objects staff made by hand are left alone. To remove
a managed object, keep it in the config with `absent: true` — leaving it out is not deletion.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import PlainValidator, WithJsonSchema, model_validator

from reconciler.config.model.base import (
    AppointmentTypeName,
    BookText,
    Category,
    Description,
    HexColor,
    ListName,
    Model,
    PreblockCode,
    PreblockText,
    PreblockTypeName,
    ProviderCode,
    ResourceLetters,
    setting,
)
from reconciler.config.values import Invalid
from reconciler.domain import opus_limits as limits
from reconciler.domain.text import control_problem

Owner = Literal["organisation", "company", "provider"]

SITE_TREATMENT_MINUTES = 480  # the longest treatment the booking site holds

ABSENT_DOC = "Set to true to remove this object from Opus; leaving it out leaves it alone."


class PreblockType(Model):
    """A preblock type (Preblokkering); the Internet type is what publishes free time."""

    text: PreblockText | None = setting(None, gui="Tekst", doc="A short description.")
    code: PreblockCode | None = setting(None, gui="Kode", doc="A code; the vendor advises none.")
    color: HexColor | None = setting(
        None,
        gui="Farge",
        doc="Colour in the appointment book, #RRGGBB; a light one keeps it clean.",
    )
    valid_for: Literal["resources", "providers", "both"] = setting(
        "resources", gui="Gyldig for", doc="What the preblock may be placed on."
    )
    blocking: bool = setting(
        True,
        gui="Blokkerende",
        doc="Other bookings cannot be placed over it. The vendor advises yes.",
    )
    disallow_treatment: bool = setting(
        False,
        gui="Ikke tillat på Behandling",
        doc="Lets patients move appointments without an appointment type (e.g. from "
        "fully automatic recall) that lie on this preblock.",
    )
    disallowed_appointment_types: list[AppointmentTypeName] = setting(
        [], gui="Ikke tillat på", doc="Appointment types that may not be booked on it."
    )
    kind: Literal["internet", "normal"] = setting(
        "internet", gui="Type", doc="internet publishes time to the booking site."
    )
    expires_days_before: int | None = setting(
        None,
        gui="Vilkår for preblokkering skal opphøre x dager før forekomst",
        doc="The preblock lapses this many days before it occurs. The vendor is unsure it "
        "works and advises leaving it unset.",
        ge=0,
        le=365,
    )
    absent: bool = setting(False, doc=ABSENT_DOC)


class AppointmentType(Model):
    """A stored appointment type (Forhåndslagret timeavtale): what a patient can book. The
    key is the name the patient sees (convention: it starts with "- ")."""

    duration: int = setting(
        gui="Antall minutter",
        doc=f"Length in minutes; at most {SITE_TREATMENT_MINUTES} for a type offered for "
        "e-booking (the booking site's limit).",
        ge=5,
        le=600,
    )
    category: Category | None = setting(
        None,
        gui="Kategori for timeavtale",
        doc="The appointment category. Opus requires one; bookings get it.",
    )
    description: Description | None = setting(
        None, doc="A description shown to the patient.", vendor="Treatment.Description"
    )
    resource: ResourceLetters | None = setting(
        None, gui="Pride (ressursbestilling)", doc="Resource booking, in the book's own letters."
    )
    use_in_book: bool = setting(True, gui="Bruk i timebok", doc="Usable in the appointment book.")
    use_in_ebooking: bool = setting(
        True,
        gui="Bruk i E-timebok",
        doc="Offered on the booking site. No free time syncs until at least one type has it.",
        vendor="Treatment.CreateInWeb",
    )
    change_in_ebooking: bool = setting(
        True, gui="Endre i E-timebok", doc="Patients may move it.", vendor="Treatment.ChangeInWeb"
    )
    cancel_in_ebooking: bool = setting(
        True,
        gui="Avbestill i E-timebok",
        doc="Patients may cancel it.",
        vendor="Treatment.CancelInWeb",
    )
    use_in_recall: bool = setting(False, gui="Bruk i recall", doc="Can be linked to recall.")
    move_next_recall: bool = setting(
        False, gui="Flytt neste recall", doc="Booking it moves the patient's next recall."
    )
    move_max_days: int | None = setting(
        None,
        gui="Flytte maks dager",
        doc="How many days forward or back a patient may move it.",
        vendor="Treatment.ChangeInWebLimit",
        ge=0,
        le=365,
    )
    book_text: BookText | None = setting(
        None,
        gui="Timeboktekst",
        doc="Text in the appointment book; say that it is an e-booking.",
    )
    absent: bool = setting(False, doc=ABSENT_DOC)

    @model_validator(mode="after")
    def _fits_the_site(self) -> AppointmentType:
        if self.use_in_ebooking and self.duration > SITE_TREATMENT_MINUTES:
            raise Invalid(
                f"duration {self.duration}: a type offered for e-booking lasts at most "
                f"{SITE_TREATMENT_MINUTES} minutes on the booking site",
                "site-limit",
            )
        return self


class ListLinks(Model):
    """Where a list is linked (E-timebok reg.mod / Preblokk reg.mod)."""

    organisation: bool = setting(
        False, gui="Organisasjonsopplysninger", doc="Linked in the organisation record."
    )
    clinics: list[str] = setting(
        [], gui="Firmaopplysninger", doc="Clinics (companies) whose record links the list."
    )
    providers: list[ProviderCode] = setting(
        [], gui="Personalia – Privat", doc="Providers whose record links the list."
    )


class RegistrationList(Model):
    """A registration list (Registreringsliste): which appointment types are offered, in order."""

    owner: Owner = setting("organisation", gui="Eier", doc="Who has access to the list.")
    appointment_types: list[AppointmentTypeName] = setting(
        gui="Valgte timeavtaler", doc="The appointment types in the list, in order."
    )
    linked_to: ListLinks = setting(ListLinks, gui="E-timebok reg.mod", doc="Where it is linked.")
    absent: bool = setting(False, doc=ABSENT_DOC)


class PreblockList(Model):
    """A preblock list (Preblokkering – Registreringsliste): which preblock types are
    offered, in order."""

    owner: Owner = setting("organisation", gui="Eier", doc="Who has access to the list.")
    preblock_types: list[PreblockTypeName] = setting(
        gui="Valgte preblokkeringer", doc="The preblock types in the list, in order."
    )
    linked_to: ListLinks = setting(ListLinks, gui="Preblokk reg.mod", doc="Where it is linked.")
    absent: bool = setting(False, doc=ABSENT_DOC)


def _who(value: Any) -> str | list[str]:
    if value == "everyone":
        return "everyone"
    if (
        isinstance(value, list)
        and value
        and all(isinstance(v, str) and 0 < len(v) <= limits.GRANTEE for v in value)
    ):
        for v in value:
            problem = control_problem(v)
            if problem:
                raise Invalid(f"a name {problem}", "control-character")
        return [str(v) for v in value]
    raise ValueError(
        "must be everyone, or a list of Opus user and group names "
        f"(each at most {limits.GRANTEE} characters)"
    )


Who = Annotated[
    str | list[str],
    PlainValidator(_who),
    WithJsonSchema(
        {
            "x-kind": "`everyone` or list of names",
            "anyOf": [
                {"const": "everyone"},
                {
                    "type": "array",
                    "items": {"type": "string", "maxLength": limits.GRANTEE},
                    "minItems": 1,
                },
            ],
        }
    ),
]


class AccessRights(Model):
    """The access system (Tilgangssystem), category Timebok."""

    preblock_for_internet: Who = setting(
        "everyone",
        gui="Timebok › Preblock for Internett",
        doc="Who may place Internet preblocks: everyone (the default), or a list of Opus "
        "users and user groups.",
    )


class EBooking(Model):
    """E-booking settings of the appointment-type setup, named for what they really do."""

    preblock_expiry_hours: int | None = setting(
        None,
        gui="Frist for avbestilling xx antall timer",
        doc="Despite its GUI name, the Internet preblock lapses this many hours before it "
        "occurs: with 48, all online time vanishes 48 hours ahead. The vendor advises unset.",
        ge=0,
        le=24 * 365,
    )
    preblock_length_minutes: int = setting(
        480,
        gui="Lengde på E-timer xx minutter",
        doc="Despite its GUI name, the length of an Internet preblock; 480 covers a working day.",
        ge=5,
        le=24 * 60,
    )


class Opus(Model):
    """The appointment-book setup in one Opus database."""

    ebooking: EBooking = setting(
        EBooking, gui="Forhåndslagrede timeavtaler", doc="E-booking setup."
    )
    preblock_types: dict[PreblockTypeName, PreblockType] = setting(
        {}, gui="Preblokkeringer i timebok", doc="Preblock types, by name."
    )
    appointment_types: dict[AppointmentTypeName, AppointmentType] = setting(
        {}, gui="Forhåndslagrede timeavtaler", doc="Appointment types, by the name patients see."
    )
    registration_lists: dict[ListName, RegistrationList] = setting(
        {}, gui="Registreringsliste", doc="Registration lists, by name."
    )
    preblock_lists: dict[ListName, PreblockList] = setting(
        {}, gui="Preblokkering – Registreringsliste", doc="Preblock lists, by name."
    )
    access: AccessRights = setting(AccessRights, gui="Tilgangssystem", doc="Access rights.")

    def ebooking_types(self) -> list[str]:
        return [
            name for name, t in self.appointment_types.items() if t.use_in_ebooking and not t.absent
        ]

    def internet_preblock_types(self) -> list[str]:
        return [
            name for name, t in self.preblock_types.items() if t.kind == "internet" and not t.absent
        ]
