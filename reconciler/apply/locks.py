"""The apply lock of an account: a row in its lead database (the first active one), so that
two applies of one account, on any machines, never run at once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from reconciler.config.model import Account, Database
from reconciler.errors import ReconcilerError
from reconciler.providers.opus import OpusSchema, create_bookkeeping, schema_for
from reconciler.providers.opus import bookkeeping as books
from reconciler.providers.opus.connection import connected, create_engine, permitted


def lead_database(name: str, account: Account) -> tuple[str, Database]:
    """The database that holds the account's lock, journal and state."""
    for db_name, db in account.databases.items():
        if db.active:
            return db_name, db
    raise ReconcilerError(
        f"account '{name}' has no active database", "set active: true on one database"
    )


@contextmanager
def _lead(name: str, account: Account) -> Iterator[tuple[sa.Engine, OpusSchema]]:
    """An engine on the account's lead database, with the reconciler's own tables there."""
    db_name, db = lead_database(name, account)
    schema = schema_for(db, db_name)
    engine = create_engine(db, db_name)
    try:
        with connected(engine, db, db_name) as connection:
            create_bookkeeping(connection, schema)
        yield engine, schema
    finally:
        engine.dispose()


@contextmanager
def account_lock(name: str, account: Account, plan_id: str) -> Iterator[None]:
    """Hold the account's lock for the block; LockHeld (before the block) if another apply
    has it."""
    db_name, db = lead_database(name, account)
    with _lead(name, account) as (engine, schema):
        with permitted(db, db_name):
            books.acquire(engine, schema, name, plan_id)
        try:
            yield
        finally:
            books.release(engine, schema, name)


def unlock(name: str, account: Account) -> books.Holder | None:
    """Clear the account's lock; who held it, or None when it was not locked."""
    with _lead(name, account) as (engine, schema):
        with engine.connect() as connection:
            holder = books.holder_of(connection, schema, name)
        books.release(engine, schema, name)
    return holder
