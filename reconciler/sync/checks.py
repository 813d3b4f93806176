"""The Online Client's three statuses, per account — the database is reachable, the
certificate is valid, the site accepts the account — each OK or FAIL with the reason and
what to do: what `reconciler doctor` shows, and what `sync` checks before it starts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from reconciler.config.model import Account
from reconciler.errors import ReconcilerError
from reconciler.providers.opus.connection import check, create_engine
from reconciler.providers.site import backend_client, certificate_of

WARN_DAYS = 30


@dataclass(frozen=True)
class Status:
    check: str  # database | certificate | account
    ok: bool
    reason: str = ""  # why it failed
    warning: str = ""  # OK, but something to act on soon


def statuses(account: Account) -> Iterator[Status]:
    yield _database(account)
    yield _certificate(account)
    yield _account(account)


def _database(account: Account) -> Status:
    active = [(name, db) for name, db in account.databases.items() if db.active]
    if not active:
        return Status("database", False, "no active database — set active: true on one")
    for name, db in active:
        try:
            engine = create_engine(db, name)
            try:
                check(engine, db, name)
            finally:
                engine.dispose()
        except ReconcilerError as e:
            return Status("database", False, str(e))
    return Status("database", True)


def _certificate(account: Account) -> Status:
    try:
        certificate = certificate_of(account)
    except ReconcilerError as e:
        return Status("certificate", False, str(e))
    if certificate is None:
        if account.url.startswith("https://"):
            return Status(
                "certificate",
                False,
                "no certificate configured — add the .p12 from the welcome e-mail "
                "under certificates",
            )
        return Status("certificate", True, warning=f"none needed: {account.url} is plain http")
    days = certificate.days_left()
    if days < 0:
        return Status(
            "certificate",
            False,
            f"expired on {certificate.not_after:%Y-%m-%d} — ask the vendor for a new one",
        )
    if days < WARN_DAYS:
        return Status(
            "certificate",
            True,
            warning=f"the certificate expires in {int(days)} days "
            f"({certificate.not_after:%Y-%m-%d}) — renew it",
        )
    return Status("certificate", True)


def _account(account: Account) -> Status:
    try:
        with backend_client(account) as site:
            site.account()
    except ReconcilerError as e:
        return Status("account", False, str(e))
    return Status("account", True)
