"""One Opus database of an account as a Provider: read in bulk for a plan, what the config
wants of it, what it cannot give, and its steps applied one transaction each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from reconciler.config.loader import ConfigPath
from reconciler.config.model import Account, Database
from reconciler.domain.resources import Change, Resource
from reconciler.domain.spans import Span, subtract
from reconciler.domain.times import Weekday
from reconciler.domain.words import count as counted
from reconciler.errors import Severity
from reconciler.providers.opus import create_bookkeeping, queries, schema_for
from reconciler.providers.opus.applier import OpusApplier
from reconciler.providers.opus.connection import (
    connected,
    create_engine,
    database_url,
    failing_as_database_error,
)
from reconciler.providers.opus.counters import PLANNED, PLANNED_UNVERSIONED, signature
from reconciler.providers.opus.desired import desired
from reconciler.providers.opus.ledger import OpusLedger
from reconciler.providers.opus.live import Live, live
from reconciler.providers.opus.queries import recall_hours, unheld_preblocks
from reconciler.providers.opus.records import AppointmentType
from reconciler.providers.opus.resources import KINDS, Scope, scope_of, stamp
from reconciler.providers.opus.schema import OpusSchema
from reconciler.providers.protocol import Entry, Finding, Ledger, SourceOf

_CANNOT = "the config selects clinics and providers, it cannot create them"


@dataclass
class OpusDatabase:
    """One Opus database of an account, as read for a plan."""

    account: str
    config: Account
    db_name: str
    db: Database
    engine: sa.Engine
    schema: OpusSchema
    scope: Scope
    found: Live
    desired: list[Resource]
    unheld: list[tuple[int, datetime, datetime]] = field(default_factory=list)  # see queries
    counters: tuple[str, str] | None = None  # read before the rows, when asked for
    kinds: tuple[str, ...] = KINDS

    @property
    def name(self) -> str:
        return f"database '{self.db_name}'"

    @property
    def live(self) -> list[Resource]:
        return self.found.resources

    def wanted(self) -> list[Resource]:
        if not self.found.missing_providers:  # the usual case: all of it, unfiltered
            return self.desired
        return [res for res in self.desired if self.found.can_plan(res)]

    def holds(self, change: Change) -> bool:
        return change.address.startswith(self.scope.prefix)

    def ledger(self) -> OpusLedger:
        """The account's ledger, were this its lead database (the engine stays this one's)."""
        return OpusLedger(self.account, self.db_name, self.db, self.engine, self.schema)

    def findings(self, changes: Sequence[Change]) -> list[Finding]:
        account: ConfigPath = ("accounts", self.account)
        found: list[Finding] = []
        for key in self.found.missing_clinics:
            message = f"clinic {self.scope.clinics[key]} is not in {self.name} — {_CANNOT}"
            found.append(((*account, "clinics", key, "opus_id"), message, "missing-in-opus", _E))
        for code in self.found.missing_providers:
            clinic = self.scope.providers[code]
            message = f"provider {code} is not in {self.name} — {_CANNOT}"
            path: ConfigPath = (*account, "clinics", clinic, "providers", code)
            found.append((path, message, "missing-in-opus", _E))
        return found + self._other_names() + self._outside_recall(changes)

    def drift_from_sources(self, applied: dict[str, Resource]) -> list[Change]:
        return []  # the book takes nothing from another system

    def step_key(self, change: Change) -> str:
        if change.kind == "opus_preblock":  # one provider's preblocks: one transaction
            return f"preblocks of {change.resource.attrs.get('provider')} ({change.action.value})"
        return change.address

    def apply(self, step: Sequence[Change], now: datetime, ledger: Ledger, entry: Entry) -> None:
        """One transaction; the ledger's record in it too when the ledger is kept here."""
        kept_here = (
            ledger if isinstance(ledger, OpusLedger) and ledger.db_name == self.db_name else None
        )
        with failing_as_database_error(), connected(self.engine, self.db, self.db_name) as c:
            OpusApplier(c, self.schema, self.found).apply(step, now)
            if kept_here is not None:
                kept_here.done_in(c, entry)
        if kept_here is None:
            ledger.done(entry)

    def type_ids(self) -> dict[str, int]:
        """Appointment type ids as the database has them now (after apply's Opus steps)."""
        with failing_as_database_error(), connected(self.engine, self.db, self.db_name) as c:
            return {t.name: t.id for t in queries.read(c, self.schema, AppointmentType)}

    def close(self) -> None:
        self.engine.dispose()

    def _other_names(self) -> list[Finding]:
        """Clinic and provider names in the config that differ from the book's: the site
        shows the book's (the config's `name` is a label for its readers)."""
        found = []
        rows = self.found.clinic_rows
        for key, clinic_id in self.scope.clinics.items():
            clinic = self.config.clinics[key]
            path: ConfigPath = ("accounts", self.account, "clinics", key)
            row = rows.get(clinic_id)
            if row is not None and clinic.name is not None and clinic.name != row.name:
                found.append((path, clinic.name, row.name))
            for code, provider in clinic.providers.items():
                prow = self.found.provider_rows.get(code)
                if prow is not None and provider.name is not None and provider.name != prow.name:
                    found.append(((*path, "providers", code), provider.name, prow.name))
        return [
            (
                (*path, "name"),
                f"the config says '{written}', the book '{booked}'; the site shows the book's "
                "name — correct the label here, or the name in Opus",
                "name-differs",
                Severity.WARNING,
            )
            for path, written, booked in found
        ]

    def _outside_recall(self, changes: Sequence[Change]) -> list[Finding]:
        """Published time outside the provider's working hours with Recall in the book: the
        sync service offers patients none of it (lint checks the config's own working hours;
        this, the book's)."""
        found: list[Finding] = []
        for code, gaps in self._outside_hours(changes).items():
            if code not in self.scope.providers:
                continue
            dates: dict[tuple[int, str], list[date]] = {}
            for gap in gaps:
                end = "24:00" if gap.end.date() > gap.start.date() else f"{gap.end:%H:%M}"
                key = (gap.start.weekday(), f"{gap.start:%H:%M}–{end}")
                dates.setdefault(key, []).append(gap.start.date())
            shown = [
                f"{Weekday(day).label} {hours} ({counted(len(on), 'date')} from {min(on):%Y-%m-%d})"
                for (day, hours), on in sorted(dates.items())
            ]
            more = f" and {len(shown) - 4} more" if len(shown) > 4 else ""
            clinic = self.scope.providers[code]
            found.append(
                (
                    ("accounts", self.account, "clinics", clinic, "providers", code, "publishing"),
                    f"{', '.join(shown[:4])}{more} lie outside {code}'s working hours with "
                    f"Recall in {self.name}: patients are offered none of that time — give "
                    "those hours Recall [R] in Opus, or narrow the rule",
                    "outside-recall-hours",
                    Severity.WARNING,
                )
            )
        return found

    def _outside_hours(self, changes: Sequence[Change]) -> dict[str, list[Span]]:
        """Of the time the config publishes, by provider code, what the book's working hours
        with Recall do not hold: of the preblocks the plan places (`changes`), and of those
        in the book that it keeps, which the database singled out when it was read."""
        ids = self.found.provider_ids
        code_of = {pid: code for code, pid in ids.items()}
        moved = {c.address for c in changes if c.kind == "opus_preblock"}
        spans: dict[str, list[Span]] = {}
        for provider_id, start, end in self.unheld:
            code = code_of.get(provider_id)
            address = self.scope.address("preblock", f"{code}@{stamp(start)}")
            if code is not None and address not in moved:
                spans.setdefault(code, []).append(Span(start, end))
        for change in changes:
            if change.kind == "opus_preblock" and change.after is not None:
                a = change.after.attrs
                span = Span(
                    datetime.fromisoformat(a["starts_at"]), datetime.fromisoformat(a["ends_at"])
                )
                spans.setdefault(a["provider"], []).append(span)
        if not spans:
            return {}
        every = [s for group in spans.values() for s in group]
        wanted = {ids[code] for code in spans if code in ids}
        with connected(self.engine, self.db, self.db_name) as connection:
            hours = recall_hours(
                connection,
                self.schema,
                min(s.start for s in every),
                max(s.end for s in every),
                wanted,
            )
        gaps = {
            code: subtract(group, hours.get(ids.get(code, -1), [])) for code, group in spans.items()
        }
        return {code: outside for code, outside in gaps.items() if outside}


_E = Severity.ERROR


def read_database(
    account_name: str,
    account: Account,
    db_name: str,
    source_of: SourceOf,
    today: date,
    *,
    counted: bool = False,
) -> OpusDatabase:
    """Read what the config covers in database `db_name`, in bulk; `counted`: with its
    change counters, read first (see `database_counters`)."""
    db = account.databases[db_name]
    schema = schema_for(db, db_name)
    engine = create_engine(db, db_name)
    counters = None
    try:
        scope = scope_of(account_name, account, db_name, today)
        wanted = desired(scope, account, source_of)
        with connected(engine, db, db_name) as connection:
            create_bookkeeping(connection, schema)
            if counted:
                counters = _counters(db, db_name, connection, schema)
            found = live(connection, schema, scope)
            since = datetime.combine(today, datetime.min.time())
            unheld = unheld_preblocks(connection, schema, since)
    except BaseException:
        engine.dispose()
        raise
    return OpusDatabase(
        account_name, account, db_name, db, engine, schema, scope, found, wanted, unheld, counters
    )


def database_counters(account: Account, db_name: str) -> tuple[str, str]:
    """("database NAME", its address and each table the plan reads with its counters, one
    `table=highest,rows,last id;` each)."""
    db = account.databases[db_name]
    schema = schema_for(db, db_name)
    engine = create_engine(db, db_name)
    try:
        with connected(engine, db, db_name) as connection:
            return _counters(db, db_name, connection, schema)
    finally:
        engine.dispose()


def _counters(
    db: Database, db_name: str, connection: sa.Connection, schema: OpusSchema
) -> tuple[str, str]:
    found = signature(connection, schema, PLANNED, PLANNED_UNVERSIONED)
    where = database_url(db).render_as_string(hide_password=True)
    tables = "".join(f"{name}={c.top},{c.rows},{c.last_id};" for name, c in sorted(found.items()))
    return f"database {db_name}", f"{where} {tables}"
