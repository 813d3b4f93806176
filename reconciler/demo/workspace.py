"""`reconciler demo init DIR`: an Opus database filled with demo data, and a config that
points at it and validates, lints and plans with nothing set up by hand.

    DIR/opus.db                   the Opus database (SQLite)
    DIR/site.db                   the reference booking site's store, the account registered
    DIR/config/reconciler.yaml    the config (version 1), with clinics/*.yaml included
    DIR/config/certs/demo.p12     the account's client certificate (from a demo CA)
    DIR/config/secrets/           the account key and certificate password, read with ${file:…}
"""

from __future__ import annotations

import json
import random
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from reconciler.config.model import Database
from reconciler.demo import DEFAULT_SITE_URL
from reconciler.demo.seed import (
    APPOINTMENT_TYPES,
    INTERNET_TYPE,
    PREBLOCK_TYPES,
    DemoProvider,
    Seed,
    generate,
)
from reconciler.domain.clock import clinic_today
from reconciler.domain.times import DAY_NAMES
from reconciler.errors import ReconcilerError
from reconciler.providers.opus import OpusSchema, create_tables, queries, writes
from reconciler.providers.opus.connection import create_engine
from reconciler.providers.opus.records import AppointmentType, Patient, PreblockType, Provider
from reconciler.site import register_account
from reconciler.site.pki import CertificateAuthority

HOURS = '"08:00-11:30", "12:00-16:00"'  # as seed.MORNING and seed.AFTERNOON
PUBLISHED = '"08:00-11:00", "12:30-15:00"'
FULL_WEEK = (0, 1, 2, 3, 4)
ACCOUNT = "demo"
SUBDOMAIN = "demo-tannlegene"


@dataclass(frozen=True)
class Workspace:
    directory: Path
    database: Path
    site: Path
    config: Path
    seed: Seed


def init(
    directory: Path,
    *,
    seed: int = 1,
    clinics: int = 3,
    site_url: str = DEFAULT_SITE_URL,
    start: date | None = None,
) -> Workspace:
    """Write a demo workspace into `directory` (which must not hold one already)."""
    database = directory / "opus.db"
    site = directory / "site.db"
    config_dir = directory / "config"
    if database.exists() or site.exists() or (config_dir / "reconciler.yaml").exists():
        raise ReconcilerError(
            f"{directory} already holds a demo workspace", "choose an empty directory"
        )
    if clinics < 1:
        raise ReconcilerError("--clinics must be at least 1", "give a number like 3 or 200")
    data = generate(seed, clinics, start or clinic_today())
    directory.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        Database.model_validate({"url": f"sqlite:///{database}"}), "demo", create=True
    )
    try:
        with engine.begin() as connection:
            schema = OpusSchema()
            create_tables(connection, schema)
            write_seed(connection, schema, data)
    finally:
        engine.dispose()
    key = write_config(config_dir, data, site_url)
    account_id = uuid.UUID(int=random.Random(seed).getrandbits(128), version=4)
    register_account(site, str(account_id), key, SUBDOMAIN)
    return Workspace(directory, database, site, config_dir / "reconciler.yaml", data)


def write_seed(connection: sa.Connection, schema: OpusSchema, data: Seed) -> None:
    """Insert the demo data into tables that `create_tables` made: by natural keys first,
    then rows that refer to ids. A constant number of statements per table."""
    writes.insert(connection, schema, "clinics", data.clinics)
    writes.insert(
        connection,
        schema,
        "providers",
        (
            {"clinic_id": p.clinic_id, "code": p.code, "name": p.name, "title": p.title}
            for p in data.providers
        ),
    )
    writes.insert(connection, schema, "preblock_types", PREBLOCK_TYPES)
    writes.insert(connection, schema, "appointment_types", APPOINTMENT_TYPES)
    writes.insert(connection, schema, "patients", data.patients)
    provider = {p.code: p.id for p in queries.read(connection, schema, Provider)}
    preblock_type = {t.name: t.id for t in queries.read(connection, schema, PreblockType)}
    appointment_type = {t.name: t.id for t in queries.read(connection, schema, AppointmentType)}
    patient_ids = {p.national_id: p.id for p in queries.read(connection, schema, Patient)}
    patient = [patient_ids[p["national_id"]] for p in data.patients]
    created = datetime.combine(data.start, datetime.min.time())
    writes.insert(
        connection,
        schema,
        "working_hours",
        (
            {**_without(w, "provider"), "provider_id": provider[w["provider"]]}
            for w in data.working_hours
        ),
    )
    writes.insert(
        connection,
        schema,
        "preblocks",
        (
            {
                **_without(b, "provider", "type"),
                "provider_id": provider[b["provider"]],
                "preblock_type_id": preblock_type[b["type"]],
                "created_at": created,
            }
            for b in data.preblocks
        ),
    )
    writes.insert(
        connection,
        schema,
        "appointments",
        (
            {
                **_without(a, "provider", "patient", "type"),
                "provider_id": provider[a["provider"]],
                "patient_id": patient[a["patient"]],
                "appointment_type_id": appointment_type[a["type"]],
                "created_at": created,
            }
            for a in data.appointments
        ),
    )
    writes.insert(
        connection,
        schema,
        "access_rights",
        [{"category": "Timebok", "function": "Preblock for Internet", "grantee": "*"}],
    )
    writes.insert(
        connection,
        schema,
        "ebooking_settings",
        [{"name": "preblock_length_minutes", "value": "480"}],
    )


def _secret(path: Path, value: str) -> None:
    path.write_text(value + "\n", encoding="utf-8")
    path.chmod(0o600)


def _without(row: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in keys}


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def write_config(config_dir: Path, data: Seed, site_url: str) -> str:
    """The demo's config: the account, the Opus setup, and a file per clinic. Returns the
    account key it made (kept in secrets/account-key, read by reference)."""
    (config_dir / "clinics").mkdir(parents=True, exist_ok=True)
    (config_dir / "secrets").mkdir(exist_ok=True)
    key = secrets.token_urlsafe(24)
    _secret(config_dir / "secrets" / "account-key", key)
    password = secrets.token_urlsafe(16)
    _secret(config_dir / "secrets" / "certificate-password", password)
    (config_dir / "certs").mkdir(exist_ok=True)
    authority = CertificateAuthority.create("Demo certificate authority")
    (config_dir / "certs" / "demo.p12").write_bytes(
        authority.client_p12("demo-tannlegene", password)
    )
    (config_dir / "reconciler.yaml").write_text(_root(site_url), encoding="utf-8")
    for clinic in data.clinics:
        providers = [p for p in data.providers if p.clinic_id == clinic["id"]]
        path = config_dir / "clinics" / f"{clinic['id']:04d}.yaml"
        path.write_text(_clinic(clinic, providers), encoding="utf-8")
    return key


def _root(site_url: str) -> str:
    types = "\n".join(
        f"            {_q(t['name'])}: {{duration: {t['duration']}, category: {_q(t['category'])}, "
        f"move_max_days: 30, book_text: {_q(t.get('book_text', ''))}}}"
        for t in APPOINTMENT_TYPES
        if t.get("use_in_ebooking")
    )
    return f"""\
# The demo: one account on the reference booking site, one Opus database (../opus.db).
version: 1

defaults:
  provider:
    consent: {{photo: false, title: true}}
    working_hours:
      - days: [mon-fri]
        hours: [{HOURS}]
    publishing:
      - days: [mon-fri]
        hours: [{PUBLISHED}]
        horizon_days: 28

accounts:
  {ACCOUNT}:
    key: ${{file:secrets/account-key}}
    subdomain: {SUBDOMAIN}
    certificates:
      demo: {{file: certs/demo.p12, password: "${{file:secrets/certificate-password}}"}}
    site_url: {_q(site_url)}
    databases:
      opus:
        url: sqlite:///../opus.db
        opus:
          preblock_types:
            {_q(INTERNET_TYPE)}: {{text: "Ledig for e-timebok", color: "#D6F5D6", kind: internet}}
          appointment_types:
{types}
    site:
      texts:
        heading: Bestill time hos Tannlegene
        welcome: Velg klinikk, behandling og tid.
      email:
        sender_name: Tannlegene
        sender_address: post@tannlegene.example
    clinics:
      include: "clinics/*.yaml"
"""


def _clinic(clinic: dict[str, Any], providers: Iterable[DemoProvider]) -> str:
    lines = [
        f"{clinic['id']:04d}-{_slug(clinic['city'])}:",
        f"  opus_id: {clinic['id']}",
        f"  name: {_q(clinic['name'])}",
        "  providers:",
    ]
    for p in providers:
        lines += [f"    {p.code}:", f"      name: {_q(p.name)}", f"      title: {_q(p.title)}"]
        if p.weekdays != FULL_WEEK:
            days = ", ".join(DAY_NAMES[d] for d in p.weekdays)
            lines += [
                f"      working_hours: [{{days: [{days}], hours: [{HOURS}]}}]",
                f"      publishing: [{{days: [{days}], hours: [{PUBLISHED}], horizon_days: 28}}]",
            ]
    return "\n".join(lines) + "\n"


def _slug(text: str) -> str:
    table = str.maketrans({"ø": "o", "å": "a", "æ": "ae", "ü": "u", " ": "-"})
    return text.lower().translate(table)
