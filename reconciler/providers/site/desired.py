"""The booking site the config wants: the config (with the Opus rows it names) compiled into
resources, in the shape `live.py` reads the site in."""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from reconciler.config.loader import ConfigPath
from reconciler.config.model import Account
from reconciler.config.values import LocalFile
from reconciler.domain.resources import Resource, quoted
from reconciler.errors import Mark
from reconciler.providers.protocol import SourceOf
from reconciler.providers.site import certificate_of
from reconciler.providers.site.resources import (
    CITY_MAX,
    FROM_OPUS,
    PROFILE_IMAGE_MAX,
    TREATMENT_FIELDS,
    OpusFacts,
    database_id,
    digest,
    treatment_prefix,
)


def data_uri(path: Path) -> str:
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode()}"


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
