"""An account's live systems, read for a plan: its active Opus databases, read one after
another, and its booking site, read in a thread meanwhile (it needs nothing from them; only
what the config wants of it does). The planner and apply see them as Providers."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from reconciler.config.model import Account
from reconciler.errors import ReconcilerError
from reconciler.providers.opus.ledger import open_ledger
from reconciler.providers.opus.live import Live
from reconciler.providers.opus.provider import (
    OpusDatabase,
    database_counters,
    read_database,
)
from reconciler.providers.opus.resources import Scope
from reconciler.providers.protocol import Ledger, Provider, SourceOf
from reconciler.providers.site import backend_client
from reconciler.providers.site.applier import TypeIds
from reconciler.providers.site.kinds import CLINIC, CLINICIAN, TREATMENT_FIELDS
from reconciler.providers.site.provider import (
    Site,
    SiteState,
    fetch_site,
    site_counter,
    site_of,
)
from reconciler.providers.site.resources import OpusFacts


@dataclass
class AccountLive:
    """One account's providers as read, and its ledger. Close it when done."""

    name: str
    account: Account
    databases: dict[str, OpusDatabase] = field(default_factory=dict)
    site: Site | None = None  # None when the plan leaves the site out
    ledger: Ledger | None = None  # the caller's; else the lead database's

    @property
    def counters(self) -> Counters | None:
        """The counters read before the rows (`read_account(counted=True)`); None when not
        read, or when a system keeps none."""
        values = [db.counters for db in self.databases.values()]
        if any(v is None for v in values):
            return None
        site = self.site.counter if self.site is not None else ""  # "": not read
        return Counters.of([v for v in values if v is not None], site)

    @property
    def providers(self) -> list[Provider]:
        """The Opus databases first: the site takes what they hold."""
        found: list[Provider] = list(self.databases.values())
        return found + ([self.site] if self.site is not None else [])

    @property
    def books(self) -> Ledger:
        if self.ledger is not None:
            return self.ledger
        return next(iter(self.databases.values())).ledger()

    def close(self) -> None:
        for provider in self.providers:
            provider.close()


def read_account(
    name: str,
    account: Account,
    source_of: SourceOf,
    today: date,
    *,
    with_site: bool = True,
    ledger: Ledger | None = None,
    counted: bool = False,
) -> AccountLive:
    """Read the account's active databases and (unless left out) its site; `counted`: with
    the counters of each, read before its rows. On failure, whatever was opened is closed
    before the error goes on."""
    active = [db_name for db_name, db in account.databases.items() if db.active]
    if not active:
        raise ReconcilerError(
            f"account '{name}' has no active database", "set active: true on one database"
        )
    read = AccountLive(name, account, ledger=ledger)
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="site-read")
    state = pool.submit(fetch_site, account, active) if with_site else None
    try:
        for db_name in active:
            read.databases[db_name] = read_database(
                name, account, db_name, source_of, today, counted=counted
            )
        if state is not None:
            facts = [facts_of(db.db_name, db.scope, db.found) for db in read.databases.values()]
            type_ids = _type_ids(read.databases)
            read.site = site_of(
                name, account, facts, source_of, state=state.result(), type_ids=type_ids
            )
    except BaseException:
        read.close()
        if state is not None and read.site is None:  # its client is closed once it is read
            state.add_done_callback(_close_unused)
        raise
    finally:
        pool.shutdown(wait=False)
    return read


def opened_ledger(name: str, account: Account) -> AbstractContextManager[Ledger]:
    """The account's ledger on a connection of its own: apply holds its lock before it reads."""
    return open_ledger(name, account)


def _type_ids(databases: dict[str, OpusDatabase]) -> TypeIds:
    return lambda db_name: databases[db_name].type_ids()


def _close_unused(state: Future[SiteState]) -> None:
    if not state.cancelled() and state.exception() is None:
        state.result().client.close()


def facts_of(db_name: str, scope: Scope, found: Live) -> OpusFacts:
    """What the site's master data takes from one Opus database."""
    rows = found.clinic_rows
    return OpusFacts(
        db_name,
        clinics={
            key: _row(row, CLINIC.from_book())
            for key, cid in scope.clinics.items()
            if (row := rows.get(cid)) is not None
        },
        providers={code: _row(p, CLINICIAN.from_book()) for code, p in found.provider_rows.items()},
        types={
            name: {f: getattr(row, f) for f in TREATMENT_FIELDS}
            for name, row in found.type_rows.items()
        },
    )


def _row(row: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {"id": row.id, **{f: getattr(row, f) for f in fields}}


@dataclass(frozen=True)
class Counters:
    """What tells whether an account's live systems changed since they were last read:
    per database, its address and each table's change counters; the site's account,
    certificate and state version."""

    values: tuple[tuple[str, str], ...]  # (system, its counters as text)
    count: int  # how many counters were read

    @classmethod
    def of(cls, databases: list[tuple[str, str]], site: str | None) -> Counters | None:
        """From the databases' counters and the site's (None: it keeps none, "": not read)."""
        if site is None:
            return None
        count = sum(text.count(";") for _, text in databases) + (1 if site else 0)
        return cls((*databases, *([("site", site)] if site else [])), count)


def read_counters(name: str, account: Account, *, with_site: bool = True) -> Counters | None:
    """The account's counters, the site read in a thread meanwhile; None when a system
    keeps none (a booking site that sends no state version)."""
    active = [db_name for db_name, db in account.databases.items() if db.active]
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="site-counters") as pool:
        site = pool.submit(_site_counter, account) if with_site else None
        values = [database_counters(account, db_name) for db_name in active]
        return Counters.of(values, site.result() if site is not None else "")


def _site_counter(account: Account) -> str | None:
    with backend_client(account) as client:
        return site_counter(client.account())
