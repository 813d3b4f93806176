"""The booking site as resources, in the config's own words: their addresses and the
settings' sections (their kinds and the master data's fields are in `kinds.py`). What the
config wants is compiled in `desired.py`, what the site holds is read in `live.py` — in the
same shape, so that plans read like the config.

    site.certificate                          the certificate activated for the account
    site.subdomain                            <subdomain>.opusdentalonline.com
    site.flexibility, site.registration, site.booking, site.texts, site.theme, site.email,
    site.sms, site.analytics                  the settings document, section by section
    site.database["opus"]                     an Opus database registered with the site
    site.clinic["oslo"]                       a selected clinic: Opus data, group, order, text
    site.clinic["oslo"].provider["HAN"]       a selected provider: order, title, text, photo …
    site.treatment["- Undersøkelse"]          an appointment type offered for e-booking

Master data (clinics, providers, treatments) is what Opus holds, with the site-only settings
from the config on top. With several databases in an account, treatments are addressed
`site["name"].treatment[…]`. The settings belong to the config whole: a key left out means
its default.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any

from reconciler.config.model import Account
from reconciler.domain.resources import quoted

STEP_CODES = {"clinic": 0, "treatment": 1, "provider": 2, "time": 3}
PROFILE_IMAGE_MAX = 1000  # the vendor's Clinician.ProfileImage limit
CITY_MAX = 10  # the vendor's Clinic.City limit: longer names are cut


# Each settings section: config attribute → where it lives in the Subdomain document.
SECTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "flexibility": {
        "show_appointments": ("FlexibilitySettings", "ViewBookingsEnabled"),
        "login": ("FlexibilitySettings", "LoginEnabled"),
        "sms_login": ("FlexibilitySettings", "LoginSMSEnabled"),
        "new_appointment_requires_login": ("FlexibilitySettings", "NewBookingRequireLogin"),
        "weekend_booking": ("FlexibilitySettings", "WeekendBookingEnabled"),
        "email_and_sms_code": ("FlexibilitySettings", "UseCodeChallange"),
        "maintenance_mode": ("FlexibilitySettings", "MaintenanceMode"),
        "publish_on_boka_vard": ("FlexibilitySettings", "IsPublishedOnBokaVard"),
        "publish_on_opus_dental_online": ("FlexibilitySettings", "IsPublishedOnOpusDentalOnline"),
        "patient_note": ("FlexibilitySettings", "UserMessageInputEnabled"),
        "all_providers_option": ("FlexibilitySettings", "AnyClinicianOption"),
        "all_clinics_option": ("FlexibilitySettings", "AnyClinicOption"),
        "skip_confirmation": ("FlexibilitySettings", "SkipConfirmation"),
        "months_to_sync": ("FlexibilitySettings", "MonthsToSync"),
    },
    "registration": {
        **{
            name: ("FlexibilitySettings", "RegistrationSettings", vendor)
            for name, vendor in (
                ("address1", "Address1Enabled"),
                ("address2", "Address2Enabled"),
                ("postal_code", "PostalCodeEnabled"),
                ("mobile", "MobilePhoneNumberEnabled"),
                ("email", "EmailEnabled"),
                ("phone", "PhoneNumberEnabled"),
                ("campaign_code", "CampaignCodeEnabled"),
            )
        },
        "combined_view": ("FlexibilitySettings", "UseCombinedView"),
    },
    "booking": {
        "new_appointment": ("FlexibilitySettings", "NewBookingEnabled"),
        "change_appointment": ("FlexibilitySettings", "ModifyBookingEnabled"),
        "cancellation": ("FlexibilitySettings", "CancelBookingsEnabled"),
        "change_without_appointment_type": ("FlexibilitySettings", "AllowAllReschedule"),
        "cancel_without_appointment_type": ("FlexibilitySettings", "AllowAllCancel"),
        "journal_move": ("FlexibilitySettings", "RegisterRescheduleInJournal"),
        "journal_cancellation": ("FlexibilitySettings", "RegisterCancellationInJournal"),
        "deadline_hours": ("FlexibilitySettings", "HourBeforModifyBookingClosing"),
    },
    "texts": {
        name: ("MediaSettings", "TextContainer", name)
        for name in (
            "heading",
            "welcome",
            "patient_info",
            "clinic_standard",
            "information.maintenance_mode",
            "information.new_appointment_requires_login",
            "information.patient_note",
        )
    },
    "theme": {"color": ("MediaSettings", "ColorCode")},
    "email": {
        "sender_name": ("Messages", "Email", "SenderName"),
        "sender_address": ("Messages", "Email", "SenderAddress"),
        **{
            f"{event}.{part}": ("Messages", "Email", event.capitalize(), part.capitalize())
            for event in ("booked", "changed", "cancelled")
            for part in ("subject", "body")
        },
    },
    "sms": {
        event: ("Messages", "Sms", event.capitalize())
        for event in ("booked", "changed", "cancelled")
    },
    "analytics": {
        "script": ("Analytics", "Script"),
        "in_header": ("FlexibilitySettings", "PlaceJavaScriptInHeader"),
    },
}
STEPS = ("FirstStep", "SecondStep", "ThirdStep", "FourthStep")
LOGO = ("MediaSettings", "MediaContainer", "logo")


def database_id(subdomain: str, database: str) -> uuid.UUID:
    """The id a database is registered with at the site: stable for an account's database."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"opus-reconciler:{subdomain}/{database}")


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()[:32]


def uri_digest(uri: str | None) -> str | None:
    """The content digest of an image the site holds (a data URI), or the URL as it is."""
    if uri is None:
        return None
    if uri.startswith("data:") and ";base64," in uri:
        return digest(base64.b64decode(uri.split(";base64,", 1)[1]))
    return uri


@dataclass
class OpusFacts:
    """What the site's master data takes from one Opus database, by the config's names:
    clinic rows by clinic key, provider rows by code."""

    database: str
    clinics: dict[str, dict[str, Any]] = field(default_factory=dict)
    providers: dict[str, dict[str, Any]] = field(default_factory=dict)
    types: dict[str, dict[str, Any]] = field(default_factory=dict)  # every appointment type


def treatment_prefix(account: Account, database: str) -> str:
    return "site." if len(account.databases) == 1 else f"site{quoted(database)}."
