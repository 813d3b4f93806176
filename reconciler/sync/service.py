"""`reconciler sync`: the service that keeps the booking site equal to the books, for one
account, until it is told to stop.

Start: the three checks (`checks.statuses`) must all be OK; then the account's lease in its
lead database, then "online" at the site — either refuses a second service, naming the
first. Each cycle: renew the lease; write the site's booking events into the books
(`bookings.Writer`); per active database, publish what changed in the free time
(`publish.Publisher`), so that it reflects the bookings just written, then the clinic's
own appointments for the site's patients (`appointments.Uploader`); tell the site it is
alive. A failure that may pass (a site or database
that cannot be reached) waits and tries again, longer each time, with jitter; one that will
not (a refused certificate or key, a lost lease) stops the service. A stop (SIGTERM,
SIGINT) finishes the step in hand, says "offline" to the site and releases the lease.

The clock, the waiting and the randomness are given, so that tests run cycles without
waiting; the service never prints — it reports each cycle that did something to `log`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from time import monotonic
from uuid import UUID

from reconciler.config import LoadedConfig
from reconciler.config.model import Account
from reconciler.domain.clock import clinic_now
from reconciler.domain.freetime import months_ahead
from reconciler.domain.words import count
from reconciler.errors import (
    AccountKeyRejected,
    CertificateRejected,
    ReconcilerError,
    UsageError,
)
from reconciler.providers.opus import create_bookkeeping, schema_for
from reconciler.providers.opus.connection import connected, create_engine
from reconciler.providers.site import backend_client
from reconciler.providers.site.resources import database_id
from reconciler.sync.appointments import Uploader, wanted_by
from reconciler.sync.bookings import Writer
from reconciler.sync.checks import statuses
from reconciler.sync.lease import Lease, LeaseHeld
from reconciler.sync.publish import DEFAULT_LAG, Publisher, Target

Log = Callable[[str], None]
PERMANENT = (CertificateRejected, AccountKeyRejected, LeaseHeld)


@dataclass
class Settings:
    interval: timedelta = timedelta(seconds=30)
    lag: timedelta = DEFAULT_LAG  # how long a change number takes to be trusted
    lease: timedelta = timedelta(minutes=5)  # renewed every cycle
    max_backoff: timedelta = timedelta(minutes=5)


@dataclass
class Outcome:
    """What one cycle did."""

    added: int = 0
    removed: int = 0
    events: int = 0
    rejected: int = 0
    shown: int = 0  # the clinic's appointments the site changed
    error: str = ""
    wait: float = 0.0  # the least pause the failure asked for (a site's Retry-After)

    @property
    def did_something(self) -> bool:
        return bool(self.added or self.removed or self.events or self.rejected or self.shown)


@dataclass
class Health:
    """The service's state, as the status port shows it."""

    started_at: datetime | None = None
    last_success: datetime | None = None
    cycles: int = 0
    totals: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    cycle_seconds: float = 0.0
    lease_held: bool = False


def _window_end(months: int) -> Callable[[datetime], datetime]:
    """The end of the window the site is given: `months` on from the start of today."""

    def end(now: datetime) -> datetime:
        return months_ahead(datetime.combine(now.date(), time()), months)

    return end


def account_of(loaded: LoadedConfig, name: str | None) -> tuple[str, Account]:
    """The account to sync: the one named, or the config's only one."""
    accounts = loaded.config.accounts
    if name is None:
        if len(accounts) > 1:
            raise UsageError(
                "the config has several accounts, and one sync serves one account",
                f"name it with --account (one of: {', '.join(accounts)})",
            )
        name = next(iter(accounts))
    if name not in accounts:
        raise UsageError(
            f"no account {name} in the config", f"the accounts are: {', '.join(accounts)}"
        )
    return name, accounts[name]


class Service:
    def __init__(
        self,
        loaded: LoadedConfig,
        account: str | None = None,
        *,
        settings: Settings | None = None,
        clock: Callable[[], datetime] = clinic_now,
        wait: Callable[[float], bool],  # waits up to the seconds given; True once stopping
        log: Log,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.name, self.account = account_of(loaded, account)
        self.loaded = loaded
        self.settings = settings or Settings()
        self.clock = clock
        self.wait = wait
        self.log = log
        self.jitter = jitter
        self.health = Health()
        self._closers: list[Callable[[], None]] = []  # undone last first

    # --- start and stop ---------------------------------------------------------------

    def run(self, *, once: bool = False) -> None:
        """Start, cycle until told to stop (or once), then stop cleanly."""
        self._start()
        try:
            failures = 0
            while True:
                outcome = self.cycle()
                failures = failures + 1 if outcome.error else 0
                if once:
                    if outcome.error:
                        raise ReconcilerError(f"the sync cycle failed: {outcome.error}", "")
                    return
                if self.wait(max(self._pause(failures), outcome.wait)):
                    return
        finally:
            self._stop()

    def _start(self) -> None:
        failed = [s for s in statuses(self.account) if not s.ok]
        if failed:
            reasons = "; ".join(f"{s.check}: {s.reason}" for s in failed)
            raise ReconcilerError(
                f"account {self.name}: sync does not start: {reasons}",
                "fix what reconciler doctor shows, then start it again",
            )
        now = self.clock()
        self.targets, self.lease = self._connect()
        self.lease.acquire(now)
        self.health.lease_held = True
        self._closers.append(self._release)
        self.site = backend_client(self.account)
        self._closers.append(self.site.close)
        self.site.register_online(self._site_ids, machine=None)
        self._closers.append(self._offline)
        self.publishers = [
            Publisher(target, self.site, lag=self.settings.lag) for target in self.targets
        ]
        self.uploaders = [
            (publisher, Uploader(publisher.target, self.site, lag=self.settings.lag))
            for publisher in self.publishers
            if wanted_by(publisher.target)
        ]
        self.writer = Writer(self.name, self.account, self.targets, self.site)
        self.health.started_at = now
        self.log(f"sync {self.name}: started for {len(self.targets)} database(s)")

    def _connect(self) -> tuple[list[Target], Lease]:
        targets = []
        for db_name, db in self.account.databases.items():
            if not db.active:
                continue
            schema = schema_for(db, db_name)
            engine = create_engine(db, db_name)
            self._closers.append(engine.dispose)
            with connected(engine, db, db_name) as connection:
                create_bookkeeping(connection, schema)
            months = self.account.site.flexibility.months_to_sync
            targets.append(
                Target(
                    self.name,
                    self.account,
                    db_name,
                    db,
                    engine,
                    schema,
                    database_id(self.account.subdomain, db_name),
                    _window_end(months),
                )
            )
        lead = targets[0]
        return targets, Lease(lead.engine, lead.schema, self.name, self.settings.lease)

    @property
    def _site_ids(self) -> list[UUID]:
        return [t.site_id for t in self.targets]

    def _offline(self) -> None:
        self.site.register_offline(self._site_ids)

    def _release(self) -> None:
        self.lease.release()
        self.health.lease_held = False

    def _stop(self) -> None:
        """Offline at the site, the lease released, connections closed — in the reverse of
        the order they were opened, each tried whatever the one before did."""
        problems = []
        for close in reversed(self._closers):
            try:
                close()
            except ReconcilerError as e:
                problems.append(str(e))
        self._closers.clear()
        self.log(f"sync {self.name}: stopped" + (f" ({'; '.join(problems)})" if problems else ""))

    # --- cycles -----------------------------------------------------------------------

    def cycle(self) -> Outcome:
        """One round. A failure that may pass is reported in the outcome; one that will not
        is raised."""
        started, began = self.clock(), monotonic()
        outcome = Outcome()
        try:
            self.lease.renew(started)
            written = self.writer.cycle(started)  # first: the free time then reflects it
            outcome.events, outcome.rejected = written.applied, written.rejected
            for publisher in self.publishers:
                report = publisher.cycle(started)
                outcome.added += report.added
                outcome.removed += report.removed
            for publisher, uploader in self.uploaders:
                count = publisher.memory.signature.get("appointments")
                outcome.shown += uploader.cycle(started, count)
            self.site.heartbeat(self._site_ids)
        except PERMANENT:
            raise
        except ReconcilerError as e:  # retryable or not, it may pass: the books may change
            outcome.error = str(e)
            outcome.wait = e.delay or 0.0
            kind = type(e).__name__
            self.health.errors[kind] = self.health.errors.get(kind, 0) + 1
        self._tally(outcome, started, monotonic() - began)
        return outcome

    def _tally(self, outcome: Outcome, started: datetime, seconds: float) -> None:
        """Count the cycle in the health figures, and log it if it did something."""
        health = self.health
        health.cycles += 1
        health.cycle_seconds = seconds
        for name in ("added", "removed", "events", "rejected", "shown"):
            health.totals[name] = health.totals.get(name, 0) + getattr(outcome, name)
        if outcome.error:
            self.log(f"sync {self.name}: cycle failed, will try again: {outcome.error}")
            return
        health.last_success = started
        if outcome.did_something:
            self.log(
                f"sync {self.name}: free time: {count(outcome.added, 'batch', 'batches')} "
                f"added, {outcome.removed} removed; bookings: {outcome.events} written, "
                f"{outcome.rejected} rejected; the clinic's appointments: {outcome.shown} "
                "changed on the site"
            )

    def _pause(self, failures: int) -> float:
        """The interval; after failures, twice as long each time up to the cap, with jitter."""
        base = self.settings.interval.total_seconds()
        if failures:
            cap = self.settings.max_backoff.total_seconds()
            base = min(cap, base * 2**failures)
        return base * (0.75 + 0.5 * self.jitter()) if failures else base
