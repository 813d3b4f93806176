"""The Opus Dental database: its tables as this project models them (schema.py, documented
in docs/opus-schema.md), connections (connection.py), bulk readers (queries.py), batched
writes (writes.py) and change numbers (rowversion.py)."""

from __future__ import annotations

from functools import lru_cache

import sqlalchemy as sa

from reconciler.config.model import Database
from reconciler.errors import DatabaseError
from reconciler.providers.opus import rowversion
from reconciler.providers.opus.schema import OpusSchema, UnknownName


def schema_for(db: Database, name: str) -> OpusSchema:
    """The tables as database `name` names them (its `names:` setting applied). Declaring
    them takes longer than a plan's queries of a small book: one schema per naming."""
    try:
        return _schema(tuple(sorted(db.names.items())))
    except UnknownName as e:
        raise DatabaseError(
            f"databases.{name}.names: no table or column {', '.join(e.names)}",
            "use the logical names of docs/opus-schema.md (table or table.column)",
        ) from None


@lru_cache(maxsize=32)
def _schema(names: tuple[tuple[str, str], ...]) -> OpusSchema:
    return OpusSchema(dict(names))


def create_tables(connection: sa.Connection, schema: OpusSchema) -> None:
    """Create every table, the vendor's included, with change-number triggers: for the
    embedded demo database and for tests. A real Opus database already has its tables;
    there only `create_bookkeeping` runs."""
    schema.metadata.create_all(connection)
    rowversion.install(connection, schema)


def create_bookkeeping(connection: sa.Connection, schema: OpusSchema) -> None:
    """Create the reconciler's own rc_* tables where they are missing."""
    own = [t for name, t in schema.tables.items() if name.startswith("rc_")]
    schema.metadata.create_all(connection, tables=own)


__all__ = ["OpusSchema", "create_bookkeeping", "create_tables", "schema_for"]
