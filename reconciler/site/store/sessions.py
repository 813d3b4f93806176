"""Patients logged in by SMS code: a session token (`Authorization: Bearer …` on the public
API) naming the patient by their key. Stored only as a hash; it lapses after SESSION_TTL."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from typing import Any

from starlette.requests import Request

from reconciler.site.api.problems import HttpProblem
from reconciler.site.booking.times import to_text
from reconciler.site.store import keys
from reconciler.site.store.database import Store

SESSION_TTL = timedelta(minutes=30)


def open_session(
    db: sqlite3.Connection, store: Store, account_id: str, patient_key: str
) -> dict[str, Any]:
    token = keys.new_token()
    expires = store.now() + SESSION_TTL
    db.execute(
        "INSERT INTO sessions (token_hash, account_id, patient_key, expires_at)"
        " VALUES (?, ?, ?, ?)",
        (keys.token_hash(token), account_id, patient_key, to_text(expires)),
    )
    return {"SessionToken": token, "SessionExpiresAt": to_text(expires)}


def session_patient(request: Request, store: Store, account_id: str) -> str | None:
    """The logged-in patient's key, None without a session; 401 for a bad or lapsed one."""
    authorization = request.headers.get("authorization")
    if authorization is None:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HttpProblem(
            401, "session-invalid", "Authorization must be Bearer <session token>", "log in again"
        )
    key = session_key(store, account_id, token.strip())
    if key is None:
        raise HttpProblem(
            401,
            "session-expired",
            "the login session has expired or is not valid",
            "log in again: POST /api/public/v1/auth/patient/login",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return key


def session_key(store: Store, account_id: str, token: str) -> str | None:
    """The patient key of a live session token; None for an unknown or lapsed one."""
    with store.read() as db:
        row = db.execute(
            "SELECT patient_key, expires_at FROM sessions WHERE token_hash = ? AND account_id = ?",
            (keys.token_hash(token), account_id),
        ).fetchone()
    if row is None or row["expires_at"] <= store.now_text():
        return None
    key: str = row["patient_key"]
    return key
