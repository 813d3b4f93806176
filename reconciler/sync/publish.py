"""Free time out: keep one database's free time on the booking site equal to the books.

Each cycle first asks the database what changed (`counters.signature`: one query). With
nothing new, no preblock ending or lapsing, and the day the same, the cycle is done. Else it
recomputes free time — for the providers whose rows changed when that can be told, for all
otherwise — and sends the site a `TimeSlotDiffV2` (in parts of at most CHUNK batches): the
batches no longer wanted, and the new ones, against the site's RowVersion. What the site
confirms is recorded in `rc_published` with the new RowVersion, in one transaction per
part. A 409 (the site moved: another writer, or a crash between the site's answer and that
transaction) reads the site's batches and tries once more against them: the site is the
truth of what is published.

Change numbers become visible when their transaction commits, not in their order: a number
seen is trusted only once it is older than `lag`, and until then the rows above the last
trusted one are read again each cycle. A writer whose transaction is shorter than `lag` is
never missed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from uuid import UUID

import sqlalchemy as sa

from reconciler.config.model import Account, Database
from reconciler.domain.freetime import Batch, Published, free_time, next_change
from reconciler.errors import SiteConflict
from reconciler.providers.opus import counters
from reconciler.providers.opus.books import Books, read_books
from reconciler.providers.opus.connection import connected
from reconciler.providers.opus.published import SyncRecords
from reconciler.providers.opus.resources import Scope, scope_of
from reconciler.providers.opus.schema import OpusSchema
from reconciler.providers.site.backend import BackendClient
from reconciler.providers.site.freetime import (
    BatchKey,
    key_of,
    published_on_site,
    removal,
    site_batch,
)
from reconciler.providers.site.models import TimeSlotDiffV2

DEFAULT_LAG = timedelta(seconds=10)
CHUNK = 1000  # batches per request: a first publish of a large chain is many requests


@dataclass(frozen=True)
class Target:
    """One active database of an account, as the sync service reaches it."""

    account: str
    settings: Account
    name: str
    db: Database
    engine: sa.Engine
    schema: OpusSchema
    site_id: UUID  # the database's id at the site
    until: Callable[[datetime], datetime]  # the end of the window the site is given

    def scope(self, today: date, codes: set[str] | None = None) -> Scope:
        scope = scope_of(self.account, self.settings, self.name, today)
        if codes is not None:
            scope.providers = {c: k for c, k in scope.providers.items() if c in codes}
        return scope

    def clinic_id(self, code: str, scope: Scope) -> int:
        return self.settings.clinics[scope.providers[code]].opus_id


@dataclass
class PublishReport:
    """What one cycle did."""

    added: int = 0
    removed: int = 0
    providers: int = 0  # recomputed
    quiet: bool = False  # nothing had changed


@dataclass
class _Memory:
    """What the publisher knows between cycles."""

    signature: counters.Signature = field(default_factory=dict)
    seen: list[tuple[datetime, int]] = field(default_factory=list)  # (when, highest number)
    owners: dict[str, dict[int, int]] = field(default_factory=dict)  # table → id → provider
    next_change: dict[int, datetime] = field(default_factory=dict)  # provider → moment
    day: date | None = None
    codes: dict[int, str] = field(default_factory=dict)  # provider id → code


class Publisher:
    """Keeps one database's free time on the site equal to its books."""

    def __init__(
        self, target: Target, site: BackendClient, *, lag: timedelta = DEFAULT_LAG
    ) -> None:
        self.target = target
        self.site = site
        self.lag = lag
        self.memory = _Memory()

    @property
    def _cursor_name(self) -> str:
        return f"timeslots:{self.target.name}"

    def cycle(self, now: datetime) -> PublishReport:
        """One round: read what changed, and publish what that changes."""
        t = self.target
        with connected(t.engine, t.db, t.name) as connection:
            found = counters.signature(connection, t.schema)
            providers = self._providers_to_recompute(connection, found, now)
        if providers is not None and not providers:
            self._observe(found, now)
            return PublishReport(quiet=True)
        report = self._recompute(providers, now)
        self._observe(found, now)
        return report

    # --- what to recompute ------------------------------------------------------------

    def _providers_to_recompute(
        self, connection: sa.Connection, found: counters.Signature, now: datetime
    ) -> set[int] | None:
        """The provider ids to recompute: empty for none, None for every provider."""
        memory = self.memory
        if memory.day != now.date() or not memory.signature:
            return None
        due = {p for p, moment in memory.next_change.items() if moment <= now}
        trusted = self._trusted(now)
        if found == memory.signature and trusted >= counters.highest(found):
            return due
        if trusted < 0 or counters.shared_changed(memory.signature, found):
            return None
        if counters.deleted_any(connection, self.target.schema, memory.signature, found):
            return None
        changed = set(due)
        for table, rows in counters.changed_rows(connection, self.target.schema, trusted).items():
            owners = memory.owners.get(table, {})
            for row_id, provider_id in rows:
                changed.add(provider_id)
                if row_id in owners:
                    changed.add(owners[row_id])  # it may have moved from another provider
        return {p for p in changed if p in memory.codes}

    def _trusted(self, now: datetime) -> int:
        """The highest change number seen at least `lag` ago (-1 if none is that old)."""
        old = [number for moment, number in self.memory.seen if moment <= now - self.lag]
        return max(old, default=-1)

    def _observe(self, found: counters.Signature, now: datetime) -> None:
        memory = self.memory
        memory.signature = found
        memory.seen.append((now, counters.highest(found)))
        old = [entry for entry in memory.seen if entry[0] <= now - self.lag]
        memory.seen = old[-1:] + [entry for entry in memory.seen if entry[0] > now - self.lag]

    # --- recomputing and publishing ---------------------------------------------------

    def _recompute(self, providers: set[int] | None, now: datetime) -> PublishReport:
        t, memory = self.target, self.memory
        codes = None if providers is None else {memory.codes[p] for p in providers}
        scope = t.scope(now.date(), codes)
        starting = memory.day is None
        with connected(t.engine, t.db, t.name) as connection:
            books = read_books(connection, t.schema, scope, t.settings, now=now, until=t.until(now))
        ids = None if providers is None else set(books.provider_ids.values()) | providers
        if starting:  # what the site holds is the truth: a crash may have come between
            published = self._resync(now)
        else:
            with connected(t.engine, t.db, t.name) as connection:
                published = SyncRecords(connection, t.schema, t.account).published(t.name, ids)
        if providers is None:
            memory.codes = {pid: code for code, pid in books.provider_ids.items()}
            memory.owners = books.owners
            memory.next_change = {}
            memory.day = now.date()
        else:
            self._remember_owners(books, providers)
        wanted = self._wanted(books, scope, now)
        mine = [p for p in published if ids is None or p.provider_id in ids]
        report = self._publish(wanted, mine, ids, now)
        report.providers = len(books.provider_ids)
        return report

    def _remember_owners(self, books: Books, providers: set[int]) -> None:
        for table, owners in self.memory.owners.items():
            for row_id in [i for i, p in owners.items() if p in providers]:
                del owners[row_id]
            owners.update(books.owners.get(table, {}))

    def _wanted(
        self, books: Books, scope: Scope, now: datetime
    ) -> dict[BatchKey, tuple[Batch, int, int]]:
        """The batches the books offer now, by key: (batch, provider id, clinic id); and, for
        each provider, when its free time next changes by the clock alone."""
        wanted = {}
        for code, book in books.books.items():
            provider_id = books.provider_ids[code]
            self.memory.next_change[provider_id] = next_change(book, books.setup, now)
            clinic_id = self.target.clinic_id(code, scope)
            for batch in free_time(book, books.setup, now):
                wanted[key_of(provider_id, batch)] = (batch, provider_id, clinic_id)
        return wanted

    def _publish(
        self,
        wanted: dict[BatchKey, tuple[Batch, int, int]],
        published: list[Published],
        providers: set[int] | None,
        now: datetime,
    ) -> PublishReport:
        """Send what differs between `wanted` and `published` (both about `providers`, or
        about all when None); once more against the site's own state after a 409."""
        for attempt in (1, 2):
            keys = {p.key for p in published}
            gone = [p for p in published if p.key not in wanted]
            new = [key for key in wanted if key not in keys]
            if not gone and not new:
                return PublishReport()
            try:
                return self._send(wanted, gone, new, now)
            except SiteConflict:
                if attempt == 2:
                    raise
                published = [
                    p for p in self._resync(now) if providers is None or p.provider_id in providers
                ]
        raise AssertionError("unreachable")

    def _send(
        self,
        wanted: dict[BatchKey, tuple[Batch, int, int]],
        gone: list[Published],
        new: list[BatchKey],
        now: datetime,
    ) -> PublishReport:
        """The diff in parts of at most CHUNK batches (removals first), each recorded with
        the site's new version as soon as the site has confirmed it."""
        t = self.target
        clinic_of = {provider: clinic for _, provider, clinic in wanted.values()}
        with connected(t.engine, t.db, t.name) as connection:
            version = SyncRecords(connection, t.schema, t.account).cursor(self._cursor_name)
        work: list[Published | BatchKey] = [*gone, *new]
        for start in range(0, len(work), CHUNK):
            part = work[start : start + CHUNK]
            removed = [p for p in part if isinstance(p, Published)]
            added = [k for k in part if not isinstance(k, Published)]
            diff = TimeSlotDiffV2(
                OpusDatabaseID=t.site_id,
                Removed=[
                    removal(p, clinic_id=clinic_of.get(p.provider_id, 0), database_id=t.site_id)
                    for p in removed
                ],
                Added=[
                    site_batch(batch, provider_id=pid, clinic_id=cid, database_id=t.site_id)
                    for batch, pid, cid in (wanted[key] for key in added)
                ],
            )
            result = self.site.apply_free_time(t.site_id, diff, base_row_version=version)
            made = [
                Published(int(m["ID"]), k[0], k[1], k[2], k[3], str(m["RowVersion"]))
                for k, m in zip(added, result.Added, strict=True)
            ]
            version = result.RowVersion
            with connected(t.engine, t.db, t.name) as connection:
                records = SyncRecords(connection, t.schema, t.account)
                records.record(t.name, removed=[p.site_id for p in removed], added=made, now=now)
                records.set_cursor(self._cursor_name, version, now)
        return PublishReport(added=len(new), removed=len(gone))

    def _resync(self, now: datetime) -> list[Published]:
        """Read what the site holds, and remember exactly that."""
        t = self.target
        found = self.site.free_time(t.site_id)
        on_site = list(published_on_site(found))
        with connected(t.engine, t.db, t.name) as connection:
            records = SyncRecords(connection, t.schema, t.account)
            records.replace(t.name, on_site, now)
            records.set_cursor(self._cursor_name, found.RowVersion, now)
        return on_site
