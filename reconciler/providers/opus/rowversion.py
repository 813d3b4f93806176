"""`change_no` as SQL Server's rowversion behaves, on the databases that lack it.

On SQL Server the column *is* a rowversion: the server stamps every insert and update with
the next number of a database-wide counter. Elsewhere, triggers do the same from one
database-wide sequence, so that "what changed since X" works whoever writes the row — the
reconciler, a test standing in for staff, or anything else.

Deletions leave no row behind to stamp; readers that must see them compare id sets.
"""

from __future__ import annotations

import sqlalchemy as sa

from reconciler.errors import ReconcilerError
from reconciler.providers.opus.schema import OpusSchema

SEQUENCE = "rc_rowversion"


def install(connection: sa.Connection, schema: OpusSchema) -> None:
    """Create the sequence and triggers (idempotent). Nothing to do on SQL Server."""
    dialect = connection.dialect.name
    if dialect == "mssql":
        return
    quote = connection.dialect.identifier_preparer
    statements: list[str] = []
    if dialect == "sqlite":
        statements += [
            f"CREATE TABLE IF NOT EXISTS {SEQUENCE} "
            "(id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL)",
            f"INSERT OR IGNORE INTO {SEQUENCE} (id, value) VALUES (1, 0)",
        ]
    elif dialect == "postgresql":
        statements.append(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE}")
    elif dialect in ("mysql", "mariadb"):
        statements.append(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE} NOCACHE")
    else:
        raise ReconcilerError(
            f"the Opus layer does not support {dialect} databases",
            "use SQL Server, PostgreSQL, MariaDB or SQLite",
        )
    for table in schema.versioned:
        name = quote.format_table(table)
        column = quote.quote(table.c.change_no.name)
        trigger = f"rc_rv_{table.info['logical']}"
        statements += _triggers(dialect, name, column, trigger)
    for statement in statements:
        connection.exec_driver_sql(statement)


def _triggers(dialect: str, table: str, column: str, trigger: str) -> list[str]:
    if dialect == "sqlite":
        stamp = (
            f"UPDATE {SEQUENCE} SET value = value + 1 WHERE id = 1; "
            f"UPDATE {table} SET {column} = (SELECT value FROM {SEQUENCE} WHERE id = 1) "
            "WHERE rowid = NEW.rowid;"
        )
        return [
            f"CREATE TRIGGER IF NOT EXISTS {trigger}_insert AFTER INSERT ON {table} "
            f"BEGIN {stamp} END",
            f"CREATE TRIGGER IF NOT EXISTS {trigger}_update AFTER UPDATE ON {table} "
            f"WHEN NEW.{column} IS OLD.{column} BEGIN {stamp} END",
        ]
    if dialect == "postgresql":
        return [
            f"CREATE OR REPLACE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN NEW.{column} := nextval('{SEQUENCE}'); RETURN NEW; END $$",
            f"DROP TRIGGER IF EXISTS {trigger} ON {table}",
            f"CREATE TRIGGER {trigger} BEFORE INSERT OR UPDATE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {trigger}()",
        ]
    return [  # MariaDB
        f"CREATE OR REPLACE TRIGGER {trigger}_insert BEFORE INSERT ON {table} "
        f"FOR EACH ROW SET NEW.{column} = NEXT VALUE FOR {SEQUENCE}",
        f"CREATE OR REPLACE TRIGGER {trigger}_update BEFORE UPDATE ON {table} "
        f"FOR EACH ROW SET NEW.{column} = NEXT VALUE FOR {SEQUENCE}",
    ]


def current(connection: sa.Connection) -> int:
    """The latest change number handed out in this database (0 if none yet)."""
    dialect = connection.dialect.name
    if dialect == "mssql":
        value = connection.exec_driver_sql("SELECT CAST(@@DBTS AS BIGINT)").scalar()
    elif dialect == "sqlite":
        value = connection.exec_driver_sql(f"SELECT value FROM {SEQUENCE} WHERE id = 1").scalar()
    elif dialect == "postgresql":
        value = connection.exec_driver_sql(
            f"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {SEQUENCE}"
        ).scalar()
    else:
        value = connection.exec_driver_sql(
            f"SELECT next_not_cached_value - 1 FROM {SEQUENCE}"
        ).scalar()
    return int(value or 0)
