"""Idempotency keys: a write sent again with the same `Idempotency-Key` gets the first answer
again instead of being done twice (a retried booking must not book twice).

The first request with a key claims it before running; a concurrent duplicate gets 409 while
it runs. The same key with a different request (method, path, query or body) is refused.
Answers below 500 are kept; a 5xx releases the key so the retry really runs.

Kept answers can hold secrets (a reservation's token, a patient's session token), and the
store keeps secrets only as hashes. So a kept answer is sealed (AES-GCM) with a key derived
from the Idempotency-Key, which only the client has; the store holds the SHA-256 of the
Idempotency-Key to find it, and an HMAC of the request keyed by it to recognise a retry.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from starlette.requests import Request
from starlette.responses import Response

from reconciler.site.api.http import run
from reconciler.site.api.problems import HttpProblem
from reconciler.site.booking.times import to_text
from reconciler.site.store.database import Store

HEADER = "idempotency-key"
KEPT_FOR = timedelta(days=1)
ABANDONED_AFTER = timedelta(minutes=2)


async def idempotent(
    request: Request, store: Store, scope: str, produce: Callable[[], Awaitable[Response]]
) -> Response:
    key = request.headers.get(HEADER)
    if key is None:
        return await _answer(produce)
    if not 1 <= len(key) <= 200 or not key.isascii() or not key.isprintable():
        raise HttpProblem(
            400,
            "invalid-idempotency-key",
            "Idempotency-Key must be 1 to 200 printable ASCII characters",
            "send a fresh UUID with each distinct write",
        )
    fingerprint = hmac.new(
        key.encode("ascii"),
        b"\0".join(
            [
                request.method.encode(),
                request.url.path.encode(),
                request.url.query.encode(),
                await request.body(),
            ]
        ),
        hashlib.sha256,
    ).hexdigest()
    kept = await run(_claim, store, scope, key, fingerprint)
    if kept is not None:
        return kept
    try:
        response = await _answer(produce)
    except BaseException:
        await run(_release, store, scope, key)
        raise
    if response.status_code >= 500:
        await run(_release, store, scope, key)
    else:
        await run(_keep, store, scope, key, response)
    return response


async def _answer(produce: Callable[[], Awaitable[Response]]) -> Response:
    try:
        return await produce()
    except HttpProblem as problem:
        return problem.response()


def _lookup(key: str) -> str:
    return hashlib.sha256(b"idempotency-key\0" + key.encode("ascii")).hexdigest()


def _sealer(key: str) -> AESGCM:
    return AESGCM(hashlib.sha256(b"idempotency-seal\0" + key.encode("ascii")).digest())


def _seal(key: str, document: dict[str, Any]) -> bytes:
    nonce = os.urandom(12)
    return nonce + _sealer(key).encrypt(nonce, json.dumps(document).encode("utf-8"), None)


def _unseal(key: str, sealed: bytes) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(_sealer(key).decrypt(sealed[:12], sealed[12:], None))
    return document


def _claim(store: Store, scope: str, key: str, fingerprint: str) -> Response | None:
    """None when this request now owns the key; the kept answer when it was answered before.
    Keys are kept for a day; a claim whose request died unanswered lapses after two minutes."""
    now = store.now()
    with store.write() as db:
        db.execute(
            "DELETE FROM idempotency WHERE created_at < ? OR (status IS NULL AND created_at < ?)",
            (to_text(now - KEPT_FOR), to_text(now - ABANDONED_AFTER)),
        )
        row = db.execute(
            "SELECT request_hash, status, body FROM idempotency WHERE scope = ? AND key = ?",
            (scope, _lookup(key)),
        ).fetchone()
        if row is None:
            db.execute(
                "INSERT INTO idempotency (scope, key, request_hash, created_at)"
                " VALUES (?, ?, ?, ?)",
                (scope, _lookup(key), fingerprint, to_text(now)),
            )
            return None
    if not hmac.compare_digest(row["request_hash"], fingerprint):
        raise HttpProblem(
            422,
            "idempotency-key-reused",
            "this Idempotency-Key was used for a different request",
            "send a fresh key with each distinct write",
        )
    if row["status"] is None:
        raise HttpProblem(
            409,
            "request-in-progress",
            "a request with this Idempotency-Key is still being handled",
            "wait for it to finish, then retry with the same key to get its answer",
        )
    kept = _unseal(key, row["body"])
    return Response(
        kept["body"].encode("utf-8"),
        status_code=row["status"],
        media_type=kept["media_type"],
        headers={**kept["headers"], "Idempotent-Replayed": "true"},
    )


def _keep(store: Store, scope: str, key: str, response: Response) -> None:
    body = bytes(response.body).decode("utf-8")
    headers = {k: v for k, v in response.headers.items() if k.lower().startswith("x-")}
    document = {"media_type": response.media_type, "headers": headers, "body": body}
    with store.write() as db:
        db.execute(
            "UPDATE idempotency SET status = ?, body = ? WHERE scope = ? AND key = ?",
            (response.status_code, _seal(key, document), scope, _lookup(key)),
        )


def _release(store: Store, scope: str, key: str) -> None:
    with store.write() as db:
        db.execute("DELETE FROM idempotency WHERE scope = ? AND key = ?", (scope, _lookup(key)))
