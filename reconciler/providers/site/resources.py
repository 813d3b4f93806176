"""The booking site as resources, in the config's own words: what the config wants (`desired`)
and what the site holds (`live`), so that plans read like the config.

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
import mimetypes
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.config.loader import ConfigPath
from reconciler.config.model import Account
from reconciler.config.values import LocalFile
from reconciler.domain.resources import Resource, quoted
from reconciler.errors import Mark
from reconciler.providers.site import certificate_of
from reconciler.providers.site.models import CONSENT_PHOTO, CONSENT_TITLE, MasterData, Subdomain

SourceOf = Callable[[ConfigPath], Mark | None]

# The order in which site changes are applied (deletes run in reverse).
KINDS = (
    "site_certificate",
    "site_subdomain",
    "site_settings",
    "site_database",
    "site_treatment",
    "site_clinic",
    "site_clinician",
)

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


def data_uri(path: Path) -> str:
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode()}"


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


def problems(account: Account) -> Iterator[tuple[ConfigPath, str]]:
    """What the site cannot take: photos too large for its ProfileImage field."""
    for key, clinic in account.clinics.items():
        for code, provider in clinic.providers.items():
            if provider.photo is None:
                continue
            size = len(data_uri(provider.photo.path))
            if size > PROFILE_IMAGE_MAX:
                yield (
                    ("clinics", key, "providers", code, "photo"),
                    f"the photo takes {size} characters as a data URI; the site's profile image "
                    f"holds at most {PROFILE_IMAGE_MAX} — use a smaller image (under ~700 bytes)",
                )


def treatment_prefix(account: Account, database: str) -> str:
    return "site." if len(account.databases) == 1 else f"site{quoted(database)}."


def desired(
    name: str, account: Account, facts: list[OpusFacts], source_of: SourceOf
) -> list[Resource]:
    """What the config wants the site to hold."""
    out: list[Resource] = []
    base: ConfigPath = ("accounts", name)

    def make(address: str, kind: str, attrs: dict[str, Any], path: ConfigPath) -> None:
        sources = {a: m for a in attrs if (m := source_of((*path, *a.split(".")))) is not None}
        out.append(Resource(address, kind, attrs, sources))

    certificate = account.certificate_in_use
    loaded = certificate_of(account)
    if certificate is not None and loaded is not None:
        path: ConfigPath = (*base, "certificates", certificate)
        make("site.certificate", "site_certificate", {"thumbprint": loaded.thumbprint}, path)
    make("site.subdomain", "site_subdomain", {"name": account.subdomain}, base)
    for section, attrs in settings_of(account).items():
        make(f"site.{section}", "site_settings", attrs, (*base, "site", section))
    for fact in facts:
        db = account.databases[fact.database]
        make(
            f"site.database{quoted(fact.database)}",
            "site_database",
            {"id": str(database_id(account.subdomain, fact.database)), "active": db.active},
            (*base, "databases", fact.database),
        )
        prefix = treatment_prefix(account, fact.database)
        for type_name, atype in _treatments(db, fact).items():
            attrs = {
                "database": fact.database,
                "description": atype["description"],
                "duration": atype["duration"],
                "change_in_web": atype["change_in_ebooking"],
                "cancel_in_web": atype["cancel_in_ebooking"],
                "change_in_web_limit": atype["move_max_days"] or 0,
            }
            tpath = (*base, "databases", fact.database, "opus", "appointment_types", type_name)
            make(f"{prefix}treatment{quoted(type_name)}", "site_treatment", attrs, tpath)
        out += _clinics(name, account, fact, source_of)
    return out


# What the site's master data takes from the Opus database rather than from the config:
# changed in the book, it changes on the site at the next apply (and shows in drift).
FROM_OPUS = {
    "site_clinic": ("name", "address", "postal_code", "city", "phone", "email"),
    "site_clinician": ("name",),
}

TREATMENT_FIELDS = (
    "description",
    "duration",
    "use_in_ebooking",
    "change_in_ebooking",
    "cancel_in_ebooking",
    "move_max_days",
)


def _treatments(db: Any, fact: OpusFacts) -> dict[str, dict[str, Any]]:
    """Every appointment type the database will offer for e-booking once applied: the site
    offers them all, whether the config names them or staff made them. The config's values
    win for the types it names; an absent one is gone."""
    types = {name: dict(row) for name, row in fact.types.items()}
    for name, atype in db.opus.appointment_types.items():
        if atype.absent:
            types.pop(name, None)
        else:
            types[name] = {f: getattr(atype, f) for f in TREATMENT_FIELDS}
    return {name: t for name, t in types.items() if t["use_in_ebooking"]}


def settings_of(account: Account) -> dict[str, dict[str, Any]]:
    """The settings sections in config names (nested keys dotted, e.g. booked.subject)."""
    site = account.site
    flat = {
        "flexibility": site.flexibility.model_dump(),
        "registration": {
            **site.registration.fields.model_dump(),
            "combined_view": site.registration.combined_view,
        },
        "booking": site.booking.model_dump(),
        "texts": _dotted(site.texts.model_dump()),
        "theme": {"color": site.theme.color},
        "email": _dotted(site.email.model_dump()),
        "sms": site.sms.model_dump(),
        "analytics": site.analytics.model_dump(),
    }
    flat["registration"]["order"] = list(site.registration.order)
    logo: LocalFile | None = site.theme.logo
    flat["theme"]["logo"] = digest(logo.path.read_bytes()) if logo else None
    return flat


def _dotted(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in data.items():
        if isinstance(v, dict):
            out.update(_dotted(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def _clinics(
    name: str, account: Account, fact: OpusFacts, source_of: SourceOf
) -> Iterator[Resource]:
    order = 0
    for key, clinic in account.clinics.items():
        if account.database_of(clinic) != fact.database or key not in fact.clinics:
            continue
        order += 1
        row = fact.clinics[key]
        path: ConfigPath = ("accounts", name, "clinics", key)
        attrs = {
            "database": fact.database,
            "id": row["id"],
            "order": order,
            "name": row["name"],
            "address": row["address"],
            "postal_code": row["postal_code"],
            "city": (row["city"] or "")[:CITY_MAX] or None,
            "phone": row["phone"],
            "email": row["email"],
            "group": clinic.group,
            "text.header": clinic.text.header,
            "text.body": clinic.text.body,
        }
        address = f"site.clinic{quoted(key)}"
        sources = _config_sources(attrs, "site_clinic", path, source_of)
        yield Resource(address, "site_clinic", attrs, sources)
        for number, (code, provider) in enumerate(clinic.providers.items(), start=1):
            if code not in fact.providers:
                continue
            ppath: ConfigPath = (*path, "providers", code)
            attrs = {
                "database": fact.database,
                "id": fact.providers[code]["id"],
                "clinic": row["id"],
                "order": number,
                "name": fact.providers[code]["name"],
                "title": provider.title,
                "text": provider.text,
                "photo": _photo(provider.photo),
                "consent.photo": provider.consent.photo,
                "consent.title": provider.consent.title,
            }
            sources = _config_sources(attrs, "site_clinician", ppath, source_of)
            yield Resource(f"{address}.provider{quoted(code)}", "site_clinician", attrs, sources)


def _config_sources(
    attrs: dict[str, Any], kind: str, path: ConfigPath, source_of: SourceOf
) -> dict[str, Mark]:
    """Where the config set each attribute; none for what comes from the Opus database."""
    from_opus = FROM_OPUS[kind]
    return {
        a: m
        for a in attrs
        if a not in from_opus and (m := source_of((*path, *a.split(".")))) is not None
    }


def _photo(photo: LocalFile | None) -> str | None:
    return digest(photo.path.read_bytes()) if photo is not None else None


@dataclass
class SiteLive:
    """The site's live resources, and the documents they were read from."""

    resources: list[Resource]
    subdomain: Subdomain
    master: dict[str, MasterData]  # by config database name
    registered: set[str]  # config database names the site knows


def live_settings(document: Subdomain) -> dict[str, dict[str, Any]]:
    body = document.model_dump(mode="json")
    sections: dict[str, dict[str, Any]] = {}
    for section, paths in SECTIONS.items():
        sections[section] = {attr: _get(body, path) for attr, path in paths.items()}
    flex = body.get("FlexibilitySettings", {})
    codes = {v: k for k, v in STEP_CODES.items()}
    sections["registration"]["order"] = [
        codes.get(flex.get(step), str(flex.get(step))) for step in STEPS
    ]
    sections["theme"]["logo"] = uri_digest(_get(body, LOGO))
    return sections


def _get(body: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = body
    for part in path:
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def live(
    account: Account,
    thumbprint: str | None,
    document: Subdomain,
    master: dict[str, MasterData],
) -> list[Resource]:
    """The site's state as resources, in the same shape as `desired`."""
    out: list[Resource] = []
    if thumbprint is not None:
        out.append(Resource("site.certificate", "site_certificate", {"thumbprint": thumbprint}))
    out.append(Resource("site.subdomain", "site_subdomain", {"name": document.Name}))
    for section, attrs in live_settings(document).items():
        out.append(Resource(f"site.{section}", "site_settings", attrs))
    keys = {(account.database_of(c), c.opus_id): key for key, c in account.clinics.items()}
    for db_name, data in master.items():
        out.append(
            Resource(
                f"site.database{quoted(db_name)}",
                "site_database",
                {"id": str(data.OpusDatabaseID), "active": True},
            )
        )
        prefix = treatment_prefix(account, db_name)
        for t in data.Treatments:
            attrs = {
                "database": db_name,
                "description": t.Description,
                "duration": t.Duration,
                "change_in_web": t.ChangeInWeb,
                "cancel_in_web": t.CancelInWeb,
                "change_in_web_limit": t.ChangeInWebLimit,
            }
            out.append(Resource(f"{prefix}treatment{quoted(t.Name)}", "site_treatment", attrs))
        clinic_keys: dict[int, str] = {}
        for c in data.Clinics:
            key = keys.get((db_name, c.ID), f"#{c.ID}")
            clinic_keys[c.ID] = key
            attrs = {
                "database": db_name,
                "id": c.ID,
                "order": c.Order,
                "name": c.Name,
                "address": c.Address1,
                "postal_code": c.Postalcode,
                "city": c.City,
                "phone": c.Work,
                "email": c.Email,
                "group": c.Group,
                "text.header": c.ClinicTextHeader,
                "text.body": c.ClinicTextBody,
            }
            out.append(Resource(f"site.clinic{quoted(key)}", "site_clinic", attrs))
        for p in data.Clinicians:
            clinic_key = clinic_keys.get(p.ClinicID, f"#{p.ClinicID}")
            code = p.ExternalID or f"#{p.ID}"
            attrs = {
                "database": db_name,
                "id": p.ID,
                "clinic": p.ClinicID,
                "order": p.Order,
                "name": p.Name,
                "title": p.Title,
                "text": p.Info,
                "photo": uri_digest(p.ProfileImage),
                "consent.photo": CONSENT_PHOTO in p.ClinicianPersonalDataConsents,
                "consent.title": CONSENT_TITLE in p.ClinicianPersonalDataConsents,
            }
            address = f"site.clinic{quoted(clinic_key)}.provider{quoted(code)}"
            out.append(Resource(address, "site_clinician", attrs))
    return out
