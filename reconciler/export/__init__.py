"""`reconciler export PATH --out DIR`: a config written from the live systems, such that it
validates and a plan from it shows no changes.

From the Opus databases: every appointment type, preblock type, registration and preblock
list, the Internet-preblock access right, the e-booking settings and each provider's options.
From the booking site: its settings, and for the selected clinics and providers their order,
group, texts, title, consent and photo. From PATH: how to reach each system (secrets stay
references), which accounts, clinics and providers there are.

Publishing rules cannot be read back from preblocks: they are kept from PATH for providers
whose preblocks the reconciler placed, and left out for the rest — whose preblocks staff
place by hand and the reconciler leaves alone.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel

from reconciler.config import LoadedConfig, load_config
from reconciler.config.files import ALLOWED_DIRS_VARIABLE
from reconciler.config.model import Account, Config
from reconciler.config.values import LocalFile, named_files
from reconciler.domain.clock import clinic_today
from reconciler.domain.resources import keys_of
from reconciler.domain.secrets import Secret
from reconciler.domain.times import DateSpan, TimeWindow, Weekday
from reconciler.errors import ReconcilerError
from reconciler.export.site import read_site, site_settings, update_clinics
from reconciler.export.yaml_out import dump
from reconciler.providers.opus import OpusSchema, create_bookkeeping, queries, schema_for
from reconciler.providers.opus import records as r
from reconciler.providers.opus.connection import connected, create_engine
from reconciler.providers.opus.live import live
from reconciler.providers.opus.resources import EVERYONE, Scope, scope_of

HEADER = """\
Written by reconciler export from the live systems. Review it, commit it, and plan:
a plan from this file shows no changes until you change it."""


@dataclass(frozen=True)
class Exported:
    path: Path
    accounts: int
    objects: int
    notes: tuple[str, ...] = ()


def export(source: Path, out: Path, *, today: date | None = None) -> Exported:
    """Write `out`/reconciler.yaml from the live systems that the config at `source` reaches."""
    target = out / "reconciler.yaml"
    if target.exists():
        raise ReconcilerError(f"{target} exists already", "export into an empty directory")
    connecting = load_config(source)
    as_written = load_config(source, resolve_secrets=False).config
    made = next((p for p in [*reversed(out.absolute().parents), out] if not p.exists()), None)
    out.mkdir(parents=True, exist_ok=True)
    try:
        return _export(connecting, as_written, out, today or clinic_today())
    except BaseException:
        if made is not None:  # nothing half-written is left behind
            shutil.rmtree(made, ignore_errors=True)
        raise


def _export(connecting: LoadedConfig, as_written: Config, out: Path, today: date) -> Exported:
    data = _plain(as_written, out.resolve())
    objects = 0
    notes = _outside_notes(as_written, out.resolve())
    for name, account in connecting.config.accounts.items():
        written = data["accounts"][name]
        site = read_site(account)
        if isinstance(site, str):
            notes.append(f"account {name}: the site was not read ({site}); its settings are PATH's")
        else:
            document, master = site
            written["site"] = site_settings(document, out.resolve())
            update_clinics(written, account, master, out.resolve())
        for db_name, db in account.databases.items():
            if not db.active:
                continue
            opus, managed_providers, count = _read_opus(name, account, db_name, today)
            written["databases"][db_name]["opus"] = opus
            objects += count
            _keep_publishing(written, account, db_name, managed_providers)
    target = out / "reconciler.yaml"
    target.write_text(dump(data, HEADER), encoding="utf-8")
    return Exported(target, len(data["accounts"]), objects, tuple(notes))


def _outside_notes(config: Any, out: Path) -> list[str]:
    """Files the new config names from outside its directory: it may read them only from
    directories listed in RECONCILER_FILE_DIRS. Secrets are never copied."""
    outside = sorted(
        {
            str(path.resolve().parent)
            for _, path in named_files(config)
            if not path.resolve().is_relative_to(out)
        }
    )
    if not outside:
        return []
    listed = os.pathsep.join(outside)
    return [
        f"the new config names files in {', '.join(outside)}, outside {out}: move them in, "
        f"or allow their directories with {ALLOWED_DIRS_VARIABLE}={listed}"
    ]


def _read_opus(
    name: str, account: Account, db_name: str, today: date
) -> tuple[dict[str, Any], set[str], int]:
    """The database's appointment-book setup in config shape, and the providers that have
    preblocks the reconciler placed."""
    db = account.databases[db_name]
    schema = schema_for(db, db_name)
    engine = create_engine(db, db_name)
    try:
        with connected(engine, db, db_name) as connection:
            create_bookkeeping(connection, schema)
            scope = _everything(connection, schema, scope_of(name, account, db_name, today))
            found = live(connection, schema, scope)
    finally:
        engine.dispose()
    opus: dict[str, Any] = {
        "ebooking": {},
        "access": {},
        "preblock_types": {},
        "appointment_types": {},
        "registration_lists": {},
        "preblock_lists": {},
    }
    managed: set[str] = set()
    for res in found.resources:
        kind, key = res.kind.removeprefix("opus_"), (keys_of(res.address) or [""])[-1]
        attrs = {k: v for k, v in res.attrs.items() if v is not None}
        if kind == "ebooking":
            opus["ebooking"] = attrs
        elif kind == "access":
            grantees = attrs["grantees"]
            opus["access"] = {
                "preblock_for_internet": "everyone" if grantees == [EVERYONE] else grantees
            }
        elif kind in ("appointment_type", "preblock_type"):
            opus[f"{kind}s"][key] = attrs
        elif kind in ("registration_list", "preblock_list"):
            items = "appointment_types" if kind == "registration_list" else "preblock_types"
            opus[f"{kind}s"][key] = {
                "owner": attrs["owner"],
                items: attrs["items"],
                "linked_to": attrs["linked_to"],
            }
        elif kind == "preblock":
            managed.add(attrs["provider"])
    return opus, managed, len(found.resources)


def _everything(connection: sa.Connection, schema: OpusSchema, scope: Scope) -> Scope:
    """The scope widened to every type and list the database has."""
    scope.appointment_types = {t.name for t in queries.read(connection, schema, r.AppointmentType)}
    scope.preblock_types = {t.name for t in queries.read(connection, schema, r.PreblockType)}
    scope.registration_lists = {
        x.name for x in queries.read(connection, schema, r.RegistrationList)
    }
    scope.preblock_lists = {x.name for x in queries.read(connection, schema, r.PreblockList)}
    return scope


def _keep_publishing(
    written: dict[str, Any], account: Account, db_name: str, managed: set[str]
) -> None:
    for key, clinic in account.clinics.items():
        if account.database_of(clinic) != db_name:
            continue
        for code, provider in written["clinics"][key]["providers"].items():
            if code not in managed:
                provider["publishing"] = []


def _plain(value: Any, out: Path) -> Any:
    """A model as plain data for YAML — what it was given, not its defaults (a `dialect` beside
    a SQLite url says nothing true) — with references and files re-pointed from `out`."""
    if isinstance(value, BaseModel):
        fields = {name: getattr(value, name) for name in value.model_fields_set}
        return {
            name: _plain(field, out)
            for name, field in fields.items()
            if field is not None and not (name == "absent" and field is False)
        }
    if isinstance(value, dict):
        return {k: _plain(v, out) for k, v in value.items()}
    if isinstance(value, list | tuple):
        if value and all(isinstance(v, Weekday) for v in value):
            return f"{value[0].label}-{value[-1].label}" if len(value) > 1 else value[0].label
        return [_plain(v, out) for v in value]
    if isinstance(value, Secret):
        if value.file is not None:
            return f"${{file:{os.path.relpath(value.file, out)}}}"
        return value.reference
    if isinstance(value, LocalFile):
        return os.path.relpath(value.path.resolve(), out)
    if isinstance(value, TimeWindow | DateSpan):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, str) and value.startswith("sqlite:////"):
        return "sqlite:///" + os.path.relpath(value.removeprefix("sqlite:///"), out)
    return value


__all__ = ["Exported", "export"]
