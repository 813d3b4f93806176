"""The texts of a config that reach patients: on the booking site, in e-mails and in text
messages. Lint looks in them for personal data that has no place there."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel

from reconciler.config.loader import ConfigPath
from reconciler.config.model import Account

PublicText = tuple[ConfigPath, str]


def public_texts(path: ConfigPath, account: Account) -> Iterator[PublicText]:
    """Every text of `account` that patients can read, with its path in the config: the
    site's texts, e-mail and SMS templates and analytics script; clinics' groups and texts;
    providers' names, titles and profile texts; the names and descriptions of appointment
    types (the site shows them as treatments)."""
    site = account.site
    for section in ("texts", "email", "sms", "analytics"):
        yield from _strings((*path, "site", section), getattr(site, section))
    for cid, clinic in account.clinics.items():
        cpath: ConfigPath = (*path, "clinics", cid)
        if clinic.group:
            yield (*cpath, "group"), clinic.group
        yield from _strings((*cpath, "text"), clinic.text)
        for code, provider in clinic.providers.items():
            ppath: ConfigPath = (*cpath, "providers", code)
            for field in ("name", "title", "text"):
                value = getattr(provider, field)
                if value:
                    yield (*ppath, field), value
    for db_name, database in account.databases.items():
        tpath: ConfigPath = (*path, "databases", db_name, "opus", "appointment_types")
        for name, atype in database.opus.appointment_types.items():
            yield (*tpath, name), name
            if atype.description:
                yield (*tpath, name, "description"), atype.description


def _strings(path: ConfigPath, model: BaseModel) -> Iterator[PublicText]:
    """The text fields of `model` and of the models it holds."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, str) and value:
            yield (*path, name), value
        elif isinstance(value, BaseModel):
            yield from _strings((*path, name), value)
