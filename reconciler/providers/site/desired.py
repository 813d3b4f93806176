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
from reconciler.providers.protocol import SourceOf
from reconciler.providers.site import certificate_of
from reconciler.providers.site.kinds import (
    CERTIFICATE,
    CLINIC,
    CLINICIAN,
    DATABASE,
    MASTER_DATA,
    SETTINGS,
    SUBDOMAIN,
    TREATMENT,
    TREATMENT_FIELDS,
    Image,
    MasterDataKind,
)
from reconciler.providers.site.resources import (
    CITY_MAX,
    PROFILE_IMAGE_MAX,
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
        out.append(_resource(address, kind, attrs, path, source_of))

    certificate = account.certificate_in_use
    loaded = certificate_of(account)
    if certificate is not None and loaded is not None:
        path: ConfigPath = (*base, "certificates", certificate)
        make("site.certificate", CERTIFICATE, {"thumbprint": loaded.thumbprint}, path)
    make("site.subdomain", SUBDOMAIN, {"name": account.subdomain}, base)
    for section, attrs in settings_of(account).items():
        make(f"site.{section}", SETTINGS, attrs, (*base, "site", section))
    for fact in facts:
        db = account.databases[fact.database]
        make(
            f"site.database{quoted(fact.database)}",
            DATABASE,
            {"id": str(database_id(account.subdomain, fact.database)), "active": db.active},
            (*base, "databases", fact.database),
        )
        prefix = treatment_prefix(account, fact.database)
        for type_name, atype in _treatments(db, fact).items():
            attrs = {
                "database": fact.database,
                **{attr: atype[name] for attr, name in TREATMENT.config_names().items()},
            }
            attrs["change_in_web_limit"] = attrs["change_in_web_limit"] or 0  # 0: no limit
            tpath = (*base, "databases", fact.database, "opus", "appointment_types", type_name)
            make(f"{prefix}treatment{quoted(type_name)}", TREATMENT.name, attrs, tpath)
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
    flat["theme"]["logo"] = _digest(site.theme.logo)
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
        city = (row["city"] or "")[:CITY_MAX] or None
        attrs = _compiled(CLINIC, fact.database, row, clinic, id=row["id"], order=order, city=city)
        path: ConfigPath = ("accounts", name, "clinics", key)
        address = f"site.clinic{quoted(key)}"
        yield _resource(address, CLINIC.name, attrs, path, source_of)
        for number, (code, provider) in enumerate(clinic.providers.items(), start=1):
            if code not in fact.providers:
                continue
            person = fact.providers[code]
            attrs = _compiled(
                CLINICIAN,
                fact.database,
                person,
                provider,
                id=person["id"],
                clinic=row["id"],
                order=number,
            )
            ppath: ConfigPath = (*path, "providers", code)
            yield _resource(
                f"{address}.provider{quoted(code)}", CLINICIAN.name, attrs, ppath, source_of
            )


def _compiled(
    kind: MasterDataKind, database: str, row: dict[str, Any], entry: Any, **placed: Any
) -> dict[str, Any]:
    """A clinic's or provider's attributes: those `placed`, those the book gives from its
    `row`, and the rest from its `entry` in the config (an image as its file's digest)."""
    config = kind.config_names()
    attrs: dict[str, Any] = {"database": database}
    for attr, field in kind.fields.items():
        if attr in placed:
            attrs[attr] = placed[attr]
        elif field.book:
            attrs[attr] = row[attr]
        else:
            value = _at(entry, config[attr])
            attrs[attr] = _digest(value) if isinstance(field, Image) else value
    return attrs


def _at(entry: Any, path: str) -> Any:
    for part in path.split("."):
        entry = getattr(entry, part)
    return entry


def _resource(
    address: str, kind: str, attrs: dict[str, Any], path: ConfigPath, source_of: SourceOf
) -> Resource:
    """The resource, with where the config set each attribute: none for what the Opus
    database gives."""
    from_book = MASTER_DATA[kind].from_book() if kind in MASTER_DATA else ()
    sources = {
        a: m
        for a in attrs
        if a not in from_book and (m := source_of((*path, *a.split(".")))) is not None
    }
    return Resource(address, kind, attrs, sources)


def _digest(file: LocalFile | None) -> str | None:
    return digest(file.path.read_bytes()) if file is not None else None
