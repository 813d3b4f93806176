"""An account's lock, journal and applied state, kept in its lead database (the first active
one), so that two applies of one account, on any machines, never run at once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa

from reconciler.config.model import Account, Database
from reconciler.domain.resources import Action, Resource
from reconciler.errors import ReconcilerError
from reconciler.providers.opus import OpusSchema, create_bookkeeping, schema_for
from reconciler.providers.opus import bookkeeping as books
from reconciler.providers.opus.connection import (
    connected,
    create_engine,
    failing_as_database_error,
    permitted,
)
from reconciler.providers.protocol import Entry


def lead_database(name: str, account: Account) -> tuple[str, Database]:
    """The database that holds the account's lock, journal and state."""
    for db_name, db in account.databases.items():
        if db.active:
            return db_name, db
    raise ReconcilerError(
        f"account '{name}' has no active database", "set active: true on one database"
    )


@dataclass
class OpusLedger:
    """The Ledger of account `account` in database `db_name` (reached through `engine`,
    which its opener disposes of)."""

    account: str
    db_name: str
    db: Database
    engine: sa.Engine
    schema: OpusSchema

    @contextmanager
    def lock(self, plan_id: str) -> Iterator[None]:
        with permitted(self.db, self.db_name):
            books.acquire(self.engine, self.schema, self.account, plan_id)
        try:
            yield
        finally:
            books.release(self.engine, self.schema, self.account)

    def unlock(self) -> str | None:
        with self._connected() as connection:
            holder = books.holder_of(connection, self.schema, self.account)
        books.release(self.engine, self.schema, self.account)
        return None if holder is None else str(holder)

    def journal(self, entry: Entry, status: str, detail: str = "") -> None:
        with self._connected() as connection:
            self.journal_in(connection, entry, status, detail)

    def done(self, entry: Entry) -> None:
        with self._connected() as connection:
            self.done_in(connection, entry)

    def applied_state(self) -> dict[str, Resource]:
        with self._connected() as connection:
            return books.read_state(connection, self.schema, self.account)

    def journal_in(
        self, connection: sa.Connection, entry: Entry, status: str, detail: str = ""
    ) -> None:
        """Journal in the caller's transaction (on this ledger's database)."""
        books.journal(
            connection,
            self.schema,
            account=self.account,
            plan_id=entry.plan_id,
            step=entry.number,
            address=entry.label,
            action=entry.changes[0].action.value,
            status=status,
            detail=detail,
        )

    def done_in(self, connection: sa.Connection, entry: Entry) -> None:
        """`done`, in the caller's transaction (the step's own, on this database)."""
        self.journal_in(connection, entry, "applied")
        applied = [c.after for c in entry.changes if c.after is not None]
        removed = [c.address for c in entry.changes if c.action is Action.DELETE]
        books.record_state(connection, self.schema, self.account, applied, removed)

    @contextmanager
    def _connected(self) -> Iterator[sa.Connection]:
        with failing_as_database_error(), connected(self.engine, self.db, self.db_name) as c:
            yield c


@contextmanager
def open_ledger(name: str, account: Account) -> Iterator[OpusLedger]:
    """The account's ledger on its own connection pool, with the reconciler's tables made
    where they are missing."""
    db_name, db = lead_database(name, account)
    schema = schema_for(db, db_name)
    engine = create_engine(db, db_name)
    try:
        with connected(engine, db, db_name) as connection:
            create_bookkeeping(connection, schema)
        yield OpusLedger(name, db_name, db, engine, schema)
    finally:
        engine.dispose()
