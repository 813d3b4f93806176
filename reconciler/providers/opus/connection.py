"""From a config's database settings to a SQLAlchemy engine, and from a failed connection to
a message that says what is wrong: the login, the database name, or the way to the server.

    server form, dialect mssql    mssql+pyodbc (ODBC Driver 18 for SQL Server, or FreeTDS)
    server form, dialect mysql    mysql+pymysql, or mysql+pyodbc with an ODBC driver
    server form, dialect postgresql  postgresql+psycopg
    url form                      as written (sqlite, postgresql, mysql+…, mssql+…)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

import sqlalchemy as sa

from reconciler.config.model import Database
from reconciler.domain.secrets import redact
from reconciler.errors import DatabaseError, DatabaseUnavailable

SQL_SERVER_DRIVER: Final = "ODBC Driver 18 for SQL Server"
FREETDS: Final = "FreeTDS"


def _odbc_value(value: str) -> str:
    """A value for an ODBC connection string, braced when it holds ; { or }."""
    if re.search(r"[;{}]|^\s|\s$", value):
        return "{" + value.replace("}", "}}") + "}"
    return value


def _odbc(parts: dict[str, str | int | None]) -> str:
    return ";".join(f"{k}={_odbc_value(str(v))}" for k, v in parts.items() if v is not None)


# The MySQL/MariaDB ODBC drivers' flag for CLIENT_FOUND_ROWS: without it an UPDATE that
# leaves a row as it was counts it as not affected (PyMySQL sets the same flag itself).
MYSQL_FOUND_ROWS = 2


def database_url(db: Database) -> sa.URL:
    """The SQLAlchemy URL for `db`, with its password (the URL hides it when printed)."""
    password = db.password.reveal() if db.password else None
    if db.url is not None:
        url = sa.make_url(db.url)
        return url.set(password=password) if password is not None else url
    options: dict[str, str | int | None] = dict(db.options)
    if db.dialect == "postgresql":
        return sa.URL.create(
            "postgresql+psycopg",
            username=db.user,
            password=password,
            host=db.server,
            port=db.port,
            database=db.database,
            query={k: str(v) for k, v in options.items()},
        )
    driver = db.driver or (SQL_SERVER_DRIVER if db.dialect == "mssql" else "pymysql")
    if db.dialect == "mysql" and driver == "pymysql":
        return sa.URL.create(
            "mysql+pymysql",
            username=db.user,
            password=password,
            host=db.server,
            port=db.port,
            database=db.database,
            query={"charset": "utf8mb4", **{k: str(v) for k, v in options.items()}},
        )
    if db.dialect == "mysql" or driver == FREETDS:
        server: dict[str, str | int | None] = {"SERVER": db.server, "PORT": db.port}
    else:
        server = {"SERVER": f"{db.server},{db.port}" if db.port else db.server}
    extra: dict[str, str | int | None] = {"TDS_Version": "7.4"} if driver == FREETDS else {}
    if db.dialect == "mysql":
        extra["OPTION"] = MYSQL_FOUND_ROWS  # an UPDATE counts the rows it matched, as elsewhere
    connect = _odbc(
        {
            "DRIVER": driver,
            **server,
            "DATABASE": db.database,
            "UID": db.user,
            "PWD": password,
            **extra,
            **options,
        }
    )
    return sa.URL.create(f"{db.dialect}+pyodbc", query={"odbc_connect": connect})


def _connect_args(url: sa.URL, timeout: int) -> dict[str, Any]:
    driver = url.get_driver_name()
    if driver == "pyodbc":
        return {"timeout": timeout}
    if driver in ("psycopg", "pymysql"):
        return {"connect_timeout": timeout}
    if url.get_backend_name() == "sqlite":
        return {"timeout": timeout}
    return {}


def create_engine(db: Database, name: str, *, create: bool = False) -> sa.Engine:
    """An engine for database `name`. A SQLite file must exist unless `create` is set, so
    that a wrong path is an error rather than a new, empty database."""
    url = database_url(db)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        path = Path(url.database or "")
        if not create and not path.is_file():
            raise DatabaseError(
                f"database '{name}': the SQLite file {path} does not exist",
                "check databases." + name + ".url (relative paths start at the YAML file)",
            )
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if url.get_backend_name() == "mssql":
        kwargs["fast_executemany"] = True
    try:
        return sa.create_engine(url, connect_args=_connect_args(url, db.connect_timeout), **kwargs)
    except ImportError as e:  # the driver (or the system library it loads) is missing
        raise _missing_driver(url, name, e) from None


# The Python driver of each kind of database, and how to install it.
_DRIVERS = {
    "postgresql": ("psycopg", "pip install 'opus-reconciler[postgresql]'"),
    "mysql": ("PyMySQL", "pip install 'opus-reconciler[mysql]'"),
}


def _missing_driver(url: sa.URL, name: str, error: ImportError) -> DatabaseError:
    backend, module = url.get_backend_name(), (error.name or "")
    if "odbc" in url.get_driver_name() or "libodbc" in str(error):
        return DatabaseError(
            f"database '{name}': pyodbc cannot load the system's ODBC library",
            "install unixODBC (Debian/Ubuntu: apt install unixodbc; Windows has it built in)",
        )
    package, command = _DRIVERS.get(backend, (module or "its driver", "pip install it"))
    return DatabaseError(
        f"database '{name}': the {backend} driver ({package}) is not installed",
        f"install it: {command}",
    )


@contextmanager
def connected(engine: sa.Engine, db: Database, name: str) -> Iterator[sa.Connection]:
    """A connection in a transaction (committed when the block ends without error), with
    connection failures, and statements the login has no right to, turned into a
    DatabaseError that says what to do."""
    try:
        connection = engine.connect()
    except sa.exc.DBAPIError as e:
        raise explain(e, db, name) from None
    with permitted(db, name), connection, connection.begin():
        yield connection


# What each server says when the login lacks a right: PostgreSQL 42501 "permission denied",
# MariaDB/MySQL 1142 "… command denied", 1044 "access denied … to database", SQL Server 229
# "The … permission was denied", 262 "… permission denied in database".
_NO_PERMISSION = re.compile(
    r"permission denied|command denied|permission was denied|42501|\b1142\b|\b1044\b|"
    r"\b229\b|\b262\b",
    re.IGNORECASE,
)


@contextmanager
def permitted(db: Database, name: str) -> Iterator[None]:
    """The block, with a statement the database login may not run (a write with a login
    that may only read) turned into a DatabaseError naming the login and what to grant, and
    one that lost to a lock, a deadlock or a dropped connection into DatabaseUnavailable
    (worth trying again). Other errors pass unchanged."""
    try:
        yield
    except sa.exc.DBAPIError as e:
        detail = _detail(e)
        first = detail.strip().splitlines()[0] if detail.strip() else type(e.orig).__name__
        if not _NO_PERMISSION.search(f"{getattr(e.orig, 'sqlstate', None) or ''} {detail}"):
            if isinstance(e, sa.exc.OperationalError) or e.connection_invalidated:
                raise DatabaseUnavailable(
                    f"database '{name}': {first} (what was in hand was rolled back)",
                    "it may be tried again; if it lasts, check the server and who holds locks",
                ) from None
            raise
        login = f"'{db.user}'" if db.user else "of the url"
        verb = "read" if (e.statement or "").lstrip().upper().startswith("SELECT") else "write"
        raise DatabaseError(
            f"database '{name}': the database login {login} cannot {verb} what the "
            f"reconciler needs ({first})",
            "grant it SELECT, INSERT, UPDATE and DELETE on the Opus tables and the "
            "reconciler's rc_* tables (and CREATE for the first plan, which makes those), or "
            f"use a login that may (databases.{name}.user); once the rc_* tables exist, plan "
            "needs only SELECT",
        ) from None


def _detail(error: sa.exc.DBAPIError) -> str:
    return redact(" ".join(str(a) for a in getattr(error.orig, "args", ())) or str(error.orig))


def check(engine: sa.Engine, db: Database, name: str) -> None:
    """Connect and run a trivial query; DatabaseError if that fails."""
    with connected(engine, db, name) as connection:
        connection.execute(sa.text("SELECT 1"))


# What each driver says when the login, the database name or the way to the server fails.
_LOGIN = re.compile(
    r"password authentication failed|access denied|login failed|28000|28P01|\b1045\b|\b18456\b",
    re.IGNORECASE,
)
_NO_DATABASE = re.compile(
    r"unknown database|does not exist|cannot open database|3D000|\b1049\b|\b4060\b",
    re.IGNORECASE,
)
_UNREACHABLE = re.compile(
    r"connection refused|can't connect|could not connect|timeout|timed out|no route|"
    r"name or service not known|could not translate host|unable to connect|08001|HYT00|"
    r"\b2003\b|\b2005\b|server not found|getaddrinfo",
    re.IGNORECASE,
)


_NO_ODBC_DRIVER = re.compile(r"Can't open lib '([^']+)'")  # unixODBC: not installed
_ODBC_INSTALL = {
    "ODBC": "install Microsoft's msodbcsql18 (on Linux from Microsoft's package repository: "
    "https://learn.microsoft.com/sql/connect/odbc/linux-mac/installing-the-microsoft-odbc-"
    "driver-for-sql-server; on Windows its installer), or use driver: FreeTDS",
    "MariaDB": "install MariaDB's ODBC driver (Debian/Ubuntu: apt install odbc-mariadb)",
    "FreeTDS": "install FreeTDS's ODBC driver (Debian/Ubuntu: apt install tdsodbc)",
}


def explain(error: sa.exc.DBAPIError, db: Database, name: str) -> DatabaseError:
    """A DatabaseError for a failed connection: which of login, database name or network,
    and what to change. Never repeats the password."""
    detail = _detail(error)
    code = getattr(error.orig, "sqlstate", None) or ""
    text = f"{code} {detail}"
    where = db.server or (sa.make_url(db.url).host if db.url else None) or "the server"
    key = f"databases.{name}"
    if _LOGIN.search(text):
        return DatabaseError(
            f"database '{name}': the server refused the login for user '{db.user}'",
            f"check {key}.user and {key}.password",
        )
    if _NO_DATABASE.search(text):
        return DatabaseError(
            f"database '{name}': {where} has no database '{db.database or db.url}'",
            f"check {key}.database (the GUI's Databasenavn)",
        )
    missing = _NO_ODBC_DRIVER.search(text)
    if missing:
        return DatabaseError(
            f"database '{name}': the ODBC driver '{missing[1]}' is not installed here",
            _ODBC_INSTALL.get(
                missing[1].split()[0],
                "install it, or name another in "
                f"{key}.driver (odbcinst -q -d lists those installed)",
            ),
        )
    if _UNREACHABLE.search(text):
        return DatabaseUnavailable(
            f"database '{name}': cannot reach {where}",
            f"check {key}.server and port, and that the server accepts TCP connections "
            f"(connect_timeout is {db.connect_timeout} s)",
        )
    first_line = detail.strip().splitlines()[0] if detail.strip() else type(error.orig).__name__
    return DatabaseError(f"database '{name}': {first_line}", f"check {key}")


@contextmanager
def failing_as_database_error() -> Iterator[None]:
    """The block, with any database error that is still raw turned into a DatabaseError
    that says what the server said (its first line, secrets masked)."""
    try:
        yield
    except sa.exc.SQLAlchemyError as e:
        original = getattr(e, "orig", None) or e
        first = (str(original).strip().splitlines() or [type(e).__name__])[0]
        raise DatabaseError(
            redact(first), "what the step wrote was rolled back; the next plan shows what is left"
        ) from None
