"""Backend API, part one: the account (with its state version, a reference-site extension),
activation with the public certificate, backend tokens, certificate info, the account's Opus
databases and their service state (online / heartbeat / offline, with one service per database
at a time)."""

from __future__ import annotations

import base64
import sqlite3
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reconciler.site.api.accounts import Account, by_key, by_token, check_connection_certificate
from reconciler.site.api.accounts import context as site_context
from reconciler.site.api.backend.models import (
    AccountActivation,
    BackendTokenRequest,
    DatabaseRegistration,
    ServiceState,
)
from reconciler.site.api.certificates import (
    CertificateInfo,
    from_base64,
    peer_certificate,
    utc_now,
)
from reconciler.site.api.http import body_as, path_uuid, respond, run
from reconciler.site.api.idempotency import idempotent
from reconciler.site.api.problems import HttpProblem, not_found
from reconciler.site.booking.times import to_text, utc_text
from reconciler.site.store import keys
from reconciler.site.store.database import Store

TOKEN_LIFETIME = timedelta(hours=1)
SERVICE_LEASE = timedelta(minutes=3)  # a service silent this long is taken as gone
ONLINE, OFFLINE = 1, 0


async def get_account(request: Request) -> Response:
    account = await run(by_key, request)
    store = site_context(request).store
    with store.read() as db:
        # One statement, one snapshot: the version is never newer than what it answers with.
        row = db.execute(
            "SELECT a.subdomain, a.culture, c.thumbprint, s.version FROM accounts a"
            " LEFT JOIN certificates c ON c.account_id = a.id"
            " LEFT JOIN state_versions s ON s.account_id = a.id WHERE a.id = ?",
            (account.id,),
        ).fetchone()
    found = dict(row) if row is not None else {}  # none: removed since the key was checked
    thumbprint, version = found.get("thumbprint"), found.get("version")
    info: dict[str, Any] = {
        "ID": account.id,
        "SubdomainName": found.get("subdomain", account.subdomain),
        "Culture": found.get("culture", account.culture),
        "Activated": thumbprint is not None,
    }
    if thumbprint is not None:
        info["Thumbprint"] = thumbprint
    if version is not None:  # kept by the store's triggers (schema.sql); none: unknown
        info["StateVersion"] = version
    return respond(info)


async def activate(request: Request) -> Response:
    account = await run(by_key, request)
    body = await body_as(request, AccountActivation)
    if str(body.AccountID) != account.id:
        raise HttpProblem(
            403,
            "account-mismatch",
            "AccountID is not the account that this key belongs to",
            "send the AccountId returned by GET /api/backend/v1/account",
        )
    info = from_base64(body.Certificate.RawData)
    if body.Certificate.Thumbprint and body.Certificate.Thumbprint.upper() != info.thumbprint:
        raise HttpProblem(
            400,
            "thumbprint-mismatch",
            "Certificate.Thumbprint is not the thumbprint of Certificate.RawData",
            "send the thumbprint of the same certificate, or leave it out",
        )
    if info.expired(utc_now()):
        raise HttpProblem(
            422,
            "certificate-expired",
            "the certificate is expired or not yet valid",
            "ask the vendor for a new certificate and activate that one",
        )
    check_connection_certificate(request, None)
    peer = peer_certificate(request.scope)
    if peer is not None and peer.sha256 != info.sha256:
        raise HttpProblem(
            403,
            "certificate-not-presented",
            "the certificate to activate is not the one this connection was made with",
            "connect with the certificate you activate (proof that you hold its key)",
        )
    store = site_context(request).store
    return await idempotent(
        request, store, account.id, lambda: run(_activate, store, account, info)
    )


def _activate(store: Store, account: Account, info: CertificateInfo) -> Response:
    with store.write() as db:
        db.execute(
            "INSERT OR REPLACE INTO certificates (account_id, thumbprint, sha256, serial_number,"
            " subject, effective_date, expiration_date, raw_data, activated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                account.id,
                info.thumbprint,
                info.sha256,
                info.serial_number,
                info.subject,
                info.effective_date.isoformat(),
                info.expiration_date.isoformat(),
                info.raw_data,
                store.now_text(),
            ),
        )
        db.execute(
            "DELETE FROM tokens WHERE account_id = ? AND thumbprint != ?",
            (account.id, info.thumbprint),
        )
        row = _certificate_row(db, account.id)
    assert row is not None
    return respond(_certificate_info(row))


def _certificate_row(db: sqlite3.Connection, account_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM certificates WHERE account_id = ?", (account_id,)
    ).fetchone()
    return row


def _certificate_info(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "AccountID": row["account_id"],
        "SerialNumber": row["serial_number"],
        "Thumbprint": row["thumbprint"],
        "Subject": row["subject"],
        "EffectiveDate": row["effective_date"],
        "ExpirationDate": row["expiration_date"],
        "RawData": base64.b64encode(row["raw_data"]).decode("ascii"),
    }


async def issue_token(request: Request) -> Response:
    account = await run(by_key, request)
    body = await body_as(request, BackendTokenRequest)
    if str(body.AccountId) != account.id:
        raise HttpProblem(
            403,
            "account-mismatch",
            "AccountId is not the account that this key belongs to",
            "send the AccountId returned by GET /api/backend/v1/account",
        )
    store = site_context(request).store
    with store.read() as db:
        row = _certificate_row(db, account.id)
    if row is None:
        raise HttpProblem(
            403,
            "not-activated",
            "the account has no activated certificate",
            "activate one first: POST /api/backend/v1/activation",
        )
    if body.Thumbprint.upper() != row["thumbprint"]:
        raise HttpProblem(
            403,
            "certificate-not-activated",
            "the thumbprint is not that of the certificate activated for this account",
            "use the activated certificate, or activate this one with the account key",
        )
    if datetime.fromisoformat(row["expiration_date"]) < utc_now():
        raise HttpProblem(
            403,
            "certificate-expired",
            "the activated certificate has expired",
            "ask the vendor for a new certificate and activate it",
        )
    check_connection_certificate(request, row["thumbprint"])
    return await run(_issue_token, store, account.id, row["thumbprint"])


def _issue_token(store: Store, account_id: str, thumbprint: str) -> Response:
    token = keys.new_token()
    expires = store.now() + TOKEN_LIFETIME
    with store.write() as db:
        db.execute("DELETE FROM tokens WHERE expires_at <= ?", (store.now_text(),))
        db.execute(
            "INSERT INTO tokens (token_hash, account_id, thumbprint, expires_at)"
            " VALUES (?, ?, ?, ?)",
            (keys.token_hash(token), account_id, thumbprint, to_text(expires)),
        )
    return respond({"Token": token, "ExpiresAt": utc_text(expires)})


async def get_certificate(request: Request) -> Response:
    account = await run(by_token, request)
    with site_context(request).store.read() as db:
        row = _certificate_row(db, account.id)
    assert row is not None  # a token exists only for an activated certificate
    return respond(_certificate_info(row))


def _database_info(row: sqlite3.Row, subdomain: str) -> dict[str, Any]:
    info: dict[str, Any] = {
        "OpusDatabaseID": row["id"],
        "AccountID": row["account_id"],
        "Name": row["name"],
        "Active": bool(row["active"]),
        "SubdomainName": subdomain,
        "TargetState": row["target_state"],
    }
    for column, field in (
        ("culture", "Culture"),
        ("version", "Version"),
        ("client_version", "ClientVersion"),
        ("machine_name", "ClientMachineName"),
    ):
        if row[column] is not None:
            info[field] = row[column]
    if row["heartbeat_time"] is not None:
        info["HeartbeatTime"] = utc_text(datetime.fromisoformat(row["heartbeat_time"]))
    return info


async def list_databases(request: Request) -> Response:
    account = await run(by_token, request)
    with site_context(request).store.read() as db:
        rows = db.execute(
            "SELECT * FROM databases WHERE account_id = ? ORDER BY name, id", (account.id,)
        ).fetchall()
    return respond([_database_info(r, account.subdomain) for r in rows])


async def put_database(request: Request) -> Response:
    account = await run(by_token, request)
    database_id = path_uuid(request, "OpusDatabaseID")
    body = await body_as(request, DatabaseRegistration)
    store = site_context(request).store
    return await idempotent(
        request, store, account.id, lambda: run(_put_database, store, account, database_id, body)
    )


def _put_database(
    store: Store, account: Account, database_id: UUID, body: DatabaseRegistration
) -> Response:
    with store.write() as db:
        exists = db.execute(
            "SELECT 1 FROM databases WHERE account_id = ? AND id = ?",
            (account.id, str(database_id)),
        ).fetchone()
        db.execute(
            "INSERT INTO databases (account_id, id, name, active, culture, version, client_version)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (account_id, id) DO UPDATE SET"
            " name = excluded.name, active = excluded.active, culture = excluded.culture,"
            " version = excluded.version, client_version = excluded.client_version",
            (
                account.id,
                str(database_id),
                body.Name,
                int(body.Active),
                body.Culture,
                body.Version,
                body.ClientVersion,
            ),
        )
        row = db.execute(
            "SELECT * FROM databases WHERE account_id = ? AND id = ?",
            (account.id, str(database_id)),
        ).fetchone()
    return respond(_database_info(row, account.subdomain), 200 if exists else 201)


def database_or_404(db: sqlite3.Connection, account_id: str, database_id: UUID) -> sqlite3.Row:
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM databases WHERE account_id = ? AND id = ?", (account_id, str(database_id))
    ).fetchone()
    if row is None:
        raise not_found(
            "the Opus database", "register it first: PUT /api/backend/v1/databases/{id}"
        )
    return row


def check_references(
    db: sqlite3.Connection,
    account_id: str,
    database_id: str,
    references: list[tuple[str, str, int]],
    what: str,
) -> None:
    """422 naming each (field, kind, id) whose clinic, clinician or treatment the site's
    master data for the database does not have."""
    known: dict[str, set[int]] = {"clinic": set(), "clinician": set(), "treatment": set()}
    for r in db.execute(
        "SELECT kind, id FROM entities WHERE account_id = ? AND database_id = ?",
        (account_id, database_id),
    ):
        known[r["kind"]].add(r["id"])
    errors = [
        {"field": field, "message": f"no such {kind}"}
        for field, kind, value in references
        if value not in known[kind]
    ]
    if errors:
        raise HttpProblem(
            422,
            "unknown-reference",
            f"{what} names clinics, clinicians or treatments the site does not have",
            f"send the master data first (POST .../masterdata), then {what}",
            errors=errors[:50],
        )


def _service_state(target: int, *, heartbeat: bool = False) -> Any:
    async def handler(request: Request) -> Response:
        account = await run(by_token, request)
        body = await body_as(request, ServiceState)
        store = site_context(request).store
        return await run(_set_state, store, account, body, target, heartbeat)

    handler.__name__ = {ONLINE: "register_online", OFFLINE: "register_offline"}[target]
    if heartbeat:
        handler.__name__ = "ping_heartbeat"
    return handler


def _set_state(
    store: Store, account: Account, body: ServiceState, target: int, heartbeat: bool
) -> Response:
    now = store.now()
    with store.write() as db:
        rows = [database_or_404(db, account.id, d) for d in dict.fromkeys(body.Databases)]
        for row in rows:
            _check_single_service(row, body, now, heartbeat)
        for row in rows:
            going = target == OFFLINE
            db.execute(
                "UPDATE databases SET target_state = ?, heartbeat_time = ?, service_id = ?,"
                " machine_name = ? WHERE account_id = ? AND id = ?",
                (
                    target,
                    to_text(now),
                    None if going else body.ServiceId,
                    None if going else (body.ClientMachineName or row["machine_name"]),
                    account.id,
                    row["id"],
                ),
            )
        placeholders = ",".join("?" for _ in rows)
        fresh = db.execute(
            f"SELECT * FROM databases WHERE account_id = ? AND id IN ({placeholders})",
            (account.id, *(r["id"] for r in rows)),
        ).fetchall()
    return respond({"Databases": [_database_info(r, account.subdomain) for r in fresh]})


def _check_single_service(row: sqlite3.Row, body: ServiceState, now: datetime, beat: bool) -> None:
    """One service per database: another service id with a fresh heartbeat is a conflict."""
    holder = row["service_id"]
    alive = (
        row["target_state"] == ONLINE
        and row["heartbeat_time"] is not None
        and now - datetime.fromisoformat(row["heartbeat_time"]) < SERVICE_LEASE
    )
    if beat and row["target_state"] != ONLINE:
        raise HttpProblem(
            409,
            "service-not-online",
            f"database {row['name']} is not registered online",
            "register online first: POST /api/backend/v1/service/online",
        )
    if alive and holder is not None and body.ServiceId != holder:
        where = f" on {row['machine_name']}" if row["machine_name"] else ""
        raise HttpProblem(
            409,
            "another-service-online",
            f"another service{where} is online for database {row['name']}",
            "stop the other service first: only one may run per account",
            extra={"HeartbeatTime": utc_text(datetime.fromisoformat(row["heartbeat_time"]))},
        )


ROUTES = [
    Route("/account", get_account, methods=["GET"]),
    Route("/activation", activate, methods=["POST"]),
    Route("/token", issue_token, methods=["POST"]),
    Route("/certificate", get_certificate, methods=["GET"]),
    Route("/databases", list_databases, methods=["GET"]),
    Route("/databases/{OpusDatabaseID}", put_database, methods=["PUT"]),
    Route("/service/online", _service_state(ONLINE), methods=["POST"]),
    Route("/service/heartbeat", _service_state(ONLINE, heartbeat=True), methods=["POST"]),
    Route("/service/offline", _service_state(OFFLINE), methods=["POST"]),
]
