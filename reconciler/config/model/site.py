"""The booking site's settings (held by the site; the Online Client's "Web" screens).

These belong to the config whole: a key left out means its default, and apply sets it so.
"""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from reconciler.config.model.base import (
    EmailAddress,
    HexColor,
    LongText,
    Model,
    Script,
    Subject,
    Template,
    Text100,
    Text174,
    setting,
)
from reconciler.config.values import LocalFile, local_file

Step = Literal["clinic", "treatment", "provider", "time"]
DEFAULT_ORDER: list[Step] = ["clinic", "treatment", "provider", "time"]

Logo = local_file(2 * 1024 * 1024, (".png", ".jpg", ".jpeg", ".svg", ".gif", ".webp"))


class Flexibility(Model):
    """General settings of the booking site."""

    show_appointments: bool = setting(
        True,
        gui="Visning av timeavtaler aktivert",
        doc="The patient sees their booked appointments on the site.",
        vendor="ViewBookingsEnabled",
    )
    login: bool = setting(
        True,
        gui="Innlogging aktivert",
        doc='"Log in" is shown on the site. Works only together with sms_login.',
        vendor="LoginEnabled",
    )
    sms_login: bool = setting(
        True,
        gui="SMS-login enabled",
        doc="The patient logs in with a code sent by SMS.",
        vendor="LoginSMSEnabled",
    )
    new_appointment_requires_login: bool = setting(
        False,
        gui="Ny timeavtale krever innlogging",
        doc="Only patients already in the database can book. The vendor advises off.",
        vendor="NewBookingRequireLogin",
    )
    weekend_booking: bool = setting(
        False,
        gui="Bestilling i helg er aktivert",
        doc="Time published on Saturday and Sunday is shown only when this is on.",
        vendor="WeekendBookingEnabled",
    )
    email_and_sms_code: bool = setting(
        False,
        gui="Bruk E-post/SMS-kode bekreftelse",
        doc="The confirmation code goes by both SMS and e-mail.",
        vendor="UseCodeChallange",
    )
    maintenance_mode: bool = setting(
        False,
        gui="Aktivere vedlikeholdsinnstilling",
        doc="The site is closed to the public.",
        vendor="MaintenanceMode",
    )
    publish_on_boka_vard: bool = setting(
        False,
        gui='Publicera på "Boka Vård"',
        doc="Publish on the Swedish national portal Boka Vård. Only for Swedish accounts.",
        vendor="IsPublishedOnBokaVard",
    )
    publish_on_opus_dental_online: bool = setting(
        False,
        gui='Publiser på "Opus Dental Online"',
        doc="Publish on Opus Dental Online. Only with the vendor's API solution.",
        vendor="IsPublishedOnOpusDentalOnline",
    )
    patient_note: bool = setting(
        True,
        gui="Pasientmerknad aktivert",
        doc="The patient can leave a message with the booking.",
        vendor="UserMessageInputEnabled",
    )
    all_providers_option: bool = setting(
        True,
        gui='Vis valg "Alle behandlere"',
        doc="The patient can search free time across all providers at once.",
        vendor="AnyClinicianOption",
    )
    all_clinics_option: bool = setting(
        True,
        gui='Vis valg "Alle klinikker"',
        doc="The patient can search free time across all clinics at once.",
        vendor="AnyClinicOption",
    )
    skip_confirmation: bool = setting(
        False,
        gui="Hoppe over bekreftelse",
        doc="Booking without the SMS code. The vendor advises against it (patient safety).",
        vendor="SkipConfirmation",
    )
    months_to_sync: int = setting(
        3,
        doc="How many months ahead free time is sent to the site.",
        vendor="MonthsToSync",
        ge=1,
        le=24,
    )


class RegistrationFields(Model):
    """Which patient fields the booking form asks for. First name, last name and the
    national identity number are always asked for."""

    address1: bool = setting(
        False,
        gui="Adresse 1 aktivert",
        doc="Address line 1 (required when on).",
        vendor="Address1Enabled",
    )
    address2: bool = setting(
        False,
        gui="Adresse 2 aktivert",
        doc="Address line 2 (optional for the patient).",
        vendor="Address2Enabled",
    )
    postal_code: bool = setting(
        False,
        gui="Postnummer aktivert",
        doc="Postal code (required when on).",
        vendor="PostalCodeEnabled",
    )
    mobile: bool = setting(
        True,
        gui="Mobilnummer aktivert",
        doc="Mobile number (required when on).",
        vendor="MobilePhoneNumberEnabled",
    )
    email: bool = setting(
        True,
        gui="E-post aktivert",
        doc="E-mail address (required when on).",
        vendor="EmailEnabled",
    )
    phone: bool = setting(
        False,
        doc="Home phone number (optional for the patient).",
        vendor="PhoneNumberEnabled",
    )
    campaign_code: bool = setting(
        False,
        gui="Kampanjekode aktivert (also under Endre registreringsinnstillinger)",
        doc="An extra optional field for a campaign code; the appointment book text then "
        "shows it as 'CC: <code>'.",
        vendor="CampaignCodeEnabled",
    )


class Registration(Model):
    """The booking form: its fields and the order of its steps."""

    fields: RegistrationFields = setting(
        RegistrationFields, gui="Registrer innstillinger", doc="Patient fields on the form."
    )
    order: list[Step] = setting(
        DEFAULT_ORDER,
        gui="Registreringsrekkefølge",
        doc="Order of the first four booking steps (clinic, treatment, provider, time); "
        "personal details and confirmation always follow.",
        vendor="FirstStep … FourthStep",
    )
    combined_view: bool = setting(
        False,
        gui="Bruk kombinert visning",
        doc="Treatment and provider on one page. The order is then fixed: clinic → "
        "treatment & provider → time & personal details → confirm.",
        vendor="UseCombinedView",
    )

    @model_validator(mode="after")
    def _order_is_a_permutation(self) -> Registration:
        if sorted(self.order) != sorted(DEFAULT_ORDER):
            raise ValueError(
                "registration.order must name each of clinic, treatment, provider, time once"
            )
        return self


class Booking(Model):
    """What patients may do with appointments, and until when."""

    new_appointment: bool = setting(
        True, gui="Ny timeavtale aktivert", doc="Patients may book.", vendor="NewBookingEnabled"
    )
    change_appointment: bool = setting(
        True,
        gui="Endre timeavtale aktivert",
        doc="Patients may move a booking.",
        vendor="ModifyBookingEnabled",
    )
    cancellation: bool = setting(
        True,
        gui="Avbestilling aktivert",
        doc="Patients may cancel a booking.",
        vendor="CancelBookingsEnabled",
    )
    change_without_appointment_type: bool = setting(
        False,
        gui="Tillat endring av time uten forhåndslagret timeavtale",
        doc="Patients may move appointments the clinic booked without a category.",
        vendor="AllowAllReschedule",
    )
    cancel_without_appointment_type: bool = setting(
        False,
        gui="Tillat avbestilling uten forhåndslagret timeavtale",
        doc="Patients may cancel appointments the clinic booked without a category.",
        vendor="AllowAllCancel",
    )
    journal_move: bool = setting(
        True,
        gui="Registrer flytting i journalen",
        doc="A move is written to the patient's journal.",
        vendor="RegisterRescheduleInJournal",
    )
    journal_cancellation: bool = setting(
        True,
        gui="Registrer avbestilling i journalen",
        doc="A cancellation is written to the patient's journal.",
        vendor="RegisterCancellationInJournal",
    )
    deadline_hours: int = setting(
        24,
        gui="Frist for endring av timeavtalen (timer)",
        doc="Moves and cancellations are allowed only up to this many hours before the "
        "appointment; 0 means until it starts.",
        vendor="HourBeforModifyBookingClosing",
        ge=0,
        le=24 * 60,
    )


class InformationTexts(Model):
    """The three information texts tied to the flexibility settings of the same names;
    the site shows its default text where none is set."""

    maintenance_mode: LongText | None = setting(
        None, gui="Informasjon: vedlikehold", doc="Shown while the site is in maintenance mode."
    )
    new_appointment_requires_login: LongText | None = setting(
        None,
        gui="Informasjon: ny timeavtale krever innlogging",
        doc="Shown when booking requires the patient to log in.",
    )
    patient_note: LongText | None = setting(
        None, gui="Informasjon: pasientmerknad", doc="Shown beside the patient's note field."
    )


class Texts(Model):
    """General texts on the booking site (Media › Generelle tekster and Klinikk tekster)."""

    heading: Text174 | None = setting(None, gui="Overskrift", doc="The site's heading.")
    welcome: LongText | None = setting(None, gui="Velkomsttekst", doc="The welcome text.")
    patient_info: LongText | None = setting(
        None,
        gui="Pasientinfo tekst",
        doc="The box beside the personal-details form; a default text when empty.",
    )
    clinic_standard: LongText | None = setting(
        None,
        gui="Standard klinikktekst",
        doc="Shown at the treatment step; a clinic's own text (clinics.*.text) replaces it.",
    )
    information: InformationTexts = setting(
        InformationTexts, gui="Informasjon", doc="Texts tied to flexibility settings."
    )


class Theme(Model):
    """Colours and logo of the booking site."""

    color: HexColor | None = setting(
        None,
        gui="Fargepalett",
        doc="The site's main colour, #RRGGBB; the site derives its palette from it.",
        vendor="MediaSettings.ColorCode",
    )
    logo: Logo | None = setting(  # type: ignore[valid-type]
        None,
        gui="Logo",
        doc="An image file (PNG, JPEG, SVG, GIF or WebP, at most 2 MB), "
        "relative to this YAML file.",
        vendor="MediaSettings.MediaContainer",
    )


class EmailTemplate(Model):
    subject: Subject | None = setting(None, doc="The subject line, one line; merge fields allowed.")
    body: Template | None = setting(None, doc="The message; merge fields allowed.")


class Email(Model):
    """Confirmation e-mails; unset texts mean the vendor's standard texts."""

    sender_name: Text100 | None = setting(None, gui="Avsender for E-post", doc="Sender's name.")
    sender_address: EmailAddress | None = setting(
        None, gui="Avsender for E-post", doc="Sender's e-mail address."
    )
    booked: EmailTemplate = setting(
        EmailTemplate, gui="E-post: bestilt", doc="Sent when an appointment is booked."
    )
    changed: EmailTemplate = setting(
        EmailTemplate, gui="E-post: endret", doc="Sent when an appointment is moved."
    )
    cancelled: EmailTemplate = setting(
        EmailTemplate, gui="E-post: avbestilt", doc="Sent when an appointment is cancelled."
    )


class Sms(Model):
    """SMS confirmations; unset texts mean the vendor's standard texts."""

    booked: Template | None = setting(None, gui="SMS: bestilt", doc="Sent when booked.")
    changed: Template | None = setting(None, gui="SMS: endret", doc="Sent when moved.")
    cancelled: Template | None = setting(None, gui="SMS: avbestilt", doc="Sent when cancelled.")


class Analytics(Model):
    """A web-analytics script injected into the site (the vendor does not support its use)."""

    script: Script | None = setting(None, gui="Avansert: script", doc="The script, as text.")
    in_header: bool = setting(
        False,
        doc="Place the script in the page header instead of the body.",
        vendor="PlaceJavaScriptInHeader",
    )


class Site(Model):
    """Everything the booking site holds for one account."""

    flexibility: Flexibility = setting(
        Flexibility, gui="Fleksibilitet › Allmenne innstillinger", doc="General switches."
    )
    registration: Registration = setting(
        Registration,
        gui="Registrer innstillinger / Registreringsrekkefølge",
        doc="The booking form.",
    )
    booking: Booking = setting(
        Booking, gui="Endre registreringsinnstillinger", doc="Change and cancellation rules."
    )
    texts: Texts = setting(Texts, gui="Media › Tekster", doc="Texts on the site.")
    theme: Theme = setting(Theme, gui="Media › Media", doc="Colour and logo.")
    email: Email = setting(Email, gui="Media › E-post", doc="Confirmation e-mails.")
    sms: Sms = setting(Sms, gui="Media › SMS", doc="Confirmation text messages.")
    analytics: Analytics = setting(Analytics, gui="Avansert", doc="Web-analytics script.")


__all__ = ["DEFAULT_ORDER", "LocalFile", "Site"]
