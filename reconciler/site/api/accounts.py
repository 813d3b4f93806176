"""Who is asking: the account behind an account key, a backend token or a site address.

- Backend setup calls (account, activation, token) carry the account key in the `apiKey`
  header, as the vendor's API does.
- All other backend calls carry `Authorization: Bearer <token>`. A token is bound to the
  activated certificate's thumbprint; over TLS, the connection's client certificate must be
  that certificate on every request.
- Public calls name the site by its subdomain: the first label of the Host header
  (`storgata.opusdentalonline.com`), or the `/sites/{subdomain}` prefix on a bare address.
"""

from __future__ import annotations

import ipaddress
import sqlite3
from dataclasses import dataclass, field

from starlette.requests import Request

from reconciler.site.api.certificates import peer_certificate
from reconciler.site.api.limits import Caller, Meters, RateLimits, key_failures
from reconciler.site.api.problems import HttpProblem
from reconciler.site.booking.settings import INFO_MAINTENANCE, SiteSettings, load_settings
from reconciler.site.store import keys
from reconciler.site.store.database import Store

KEY_HINT = "check the account key from the welcome e-mail (accounts.<name>.key in the config)"


@dataclass(frozen=True)
class SiteContext:
    """What every handler needs, kept on the app's state."""

    store: Store
    dev: bool = False
    require_client_certificate: bool = False
    limits: RateLimits = field(default_factory=RateLimits)


@dataclass(frozen=True)
class Account:
    id: str
    subdomain: str
    culture: str
    settings: SiteSettings
    settings_version: int

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Account:
        return cls(
            id=row["id"],
            subdomain=row["subdomain"],
            culture=row["culture"],
            settings=load_settings(row["settings"]),
            settings_version=row["settings_version"],
        )


def context(request: Request) -> SiteContext:
    site: SiteContext = request.app.state.site
    return site


def caller(request: Request) -> Caller:
    """Who is asking, for the rate limits: the connection's remote address."""
    address = request.client.host if request.client is not None else "unknown"
    return Caller(address, context(request).limits)


def _one(db: sqlite3.Connection, where: str, value: str) -> Account | None:
    row = db.execute(f"SELECT * FROM accounts WHERE {where} = ?", (value,)).fetchone()
    return Account.from_row(row) if row is not None else None


def by_key(request: Request) -> Account:
    """The account whose key is in the `apiKey` header, or 401; 429 for a client that sent
    too many wrong keys (checked before the key is, so that guessing stops)."""
    key = request.headers.get("apikey")
    if not key:
        raise HttpProblem(
            401,
            "account-key-missing",
            "this call needs the account key in the apiKey header",
            KEY_HINT,
            headers={"WWW-Authenticate": 'ApiKey header="apiKey"'},
        )
    store = context(request).store
    who = caller(request)
    with store.read() as db:
        Meters(db, store, who.limits).check(key_failures(who))
    key_hash = store.account_key_hash(key)
    with store.read() as db:
        account = _one(db, "key_hash", key_hash)
    if account is None:
        with store.write() as db:
            Meters(db, store, who.limits).count(key_failures(who))
        raise HttpProblem(
            401,
            "account-key-rejected",
            "the account key was not accepted",
            KEY_HINT,
            headers={"WWW-Authenticate": 'ApiKey header="apiKey"'},
        )
    return account


def by_token(request: Request) -> Account:
    """The account of the bearer token, checked against the connection's certificate."""
    site = context(request)
    authorization = request.headers.get("authorization", "")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HttpProblem(
            401,
            "token-missing",
            "this call needs a backend token: Authorization: Bearer <token>",
            "get one with POST /api/backend/v1/token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    with site.store.read() as db:
        row = db.execute(
            "SELECT account_id, thumbprint, expires_at FROM tokens WHERE token_hash = ?",
            (keys.token_hash(token.strip()),),
        ).fetchone()
        if row is None or row["expires_at"] <= site.store.now_text():
            raise HttpProblem(
                401,
                "token-expired" if row is not None else "token-rejected",
                "the backend token has expired" if row else "the backend token is not valid",
                "get a new one with POST /api/backend/v1/token",
                headers={"WWW-Authenticate": "Bearer"},
            )
        account = _one(db, "id", row["account_id"])
    assert account is not None  # tokens reference accounts
    check_connection_certificate(request, row["thumbprint"])
    return account


def check_connection_certificate(request: Request, thumbprint: str | None) -> None:
    """The connection's client certificate must be there (on a site that requires one) and be
    the one with `thumbprint` (when given)."""
    peer = peer_certificate(request.scope)
    if peer is None:
        if context(request).require_client_certificate:
            raise HttpProblem(
                403,
                "certificate-required",
                "backend calls need the account's client certificate, and none was presented",
                "connect over https with the certificate from the vendor's welcome e-mail",
            )
        return
    if thumbprint is not None and peer.thumbprint != thumbprint:
        raise HttpProblem(
            403,
            "certificate-mismatch",
            "the client certificate of this connection is not the one activated for the account",
            "connect with the activated certificate, or activate this one with the account key",
        )


def by_site(request: Request) -> Account:
    """The account whose booking site this is (by subdomain), or 404."""
    subdomain = request.path_params.get("subdomain") or host_label(request)
    if subdomain is None:
        raise HttpProblem(
            404,
            "no-site",
            "this address names no booking site",
            "use <subdomain>.<domain>, or /sites/<subdomain>/api/public/v1 on a bare address",
        )
    store = context(request).store
    with store.read() as db:
        account = _one(db, "subdomain", subdomain.lower())
    if account is None:
        raise HttpProblem(404, "no-site", "there is no booking site at this address", "check it")
    return account


def require_enabled(enabled: bool, what: str) -> None:
    """403 unless the site's setting for `what` is on."""
    if not enabled:
        raise HttpProblem(403, "not-enabled", f"this site does not allow {what}", "call the clinic")


def open_site(request: Request) -> Account:
    """The account of this booking site, or 503 while it is in maintenance mode."""
    account = by_site(request)
    if account.settings.FlexibilitySettings.MaintenanceMode:
        text = account.settings.MediaSettings.TextContainer.get(INFO_MAINTENANCE)
        raise HttpProblem(
            503,
            "maintenance-mode",
            text or "the booking site is closed for maintenance",
            "try again later, or call the clinic",
            headers={"Retry-After": "3600"},
        )
    return account


def host_label(request: Request) -> str | None:
    host = request.headers.get("host", "").rsplit(":", 1)[0].strip("[]")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        label, dot, _ = host.partition(".")
        return label if dot and label else None
    return None
