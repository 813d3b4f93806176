"""The Opus Dental database: its tables as this project models them (schema.py, documented
in docs/opus-schema.md), connections (connection.py), bulk readers (queries.py), batched
writes (writes.py) and change numbers (rowversion.py)."""

from __future__ import annotations

import sqlalchemy as sa

from reconciler.config.model import Database
from reconciler.errors import DatabaseError
from reconciler.providers.opus import rowversion
from reconciler.providers.opus.schema import OpusSchema, UnknownName


def schema_for(db: Database, name: str) -> OpusSchema:
    """The tables as database `name` names them (its `names:` setting applied)."""
    try:
        return OpusSchema(db.names)
    except UnknownName as e:
        raise DatabaseError(
            f"databases.{name}.names: no table or column {', '.join(e.names)}",
            "use the logical names of docs/opus-schema.md (table or table.column)",
        ) from None


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
