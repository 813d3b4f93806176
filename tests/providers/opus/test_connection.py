"""URLs from settings, and failed connections explained — against real servers."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from opus_support import SERVER_SETTINGS, database_settings

from reconciler.config.model import Database
from reconciler.domain.secrets import Secret
from reconciler.errors import DatabaseError, DatabaseUnavailable
from reconciler.providers.opus.connection import check, create_engine, database_url

PASSWORD = "S3cret;pw}"  # braces and semicolons must be escaped for ODBC


def check_once(db: Database) -> None:
    engine = create_engine(db, "main")
    try:
        check(engine, db, "main")
    finally:
        engine.dispose()


def settings(**values: object) -> Database:
    db = Database.model_validate(values, context={"resolve_secrets": False})
    if "password" in values:
        db = db.model_copy(update={"password": Secret("${env:X}", PASSWORD)})
    return db


def test_sql_server_with_odbc_driver_18() -> None:
    url = database_url(
        settings(
            server="KLINIKK-SRV01\\OPUS",
            database="OpusDental",
            password="${env:X}",
            options={"TrustServerCertificate": "yes"},
        )
    )
    assert url.drivername == "mssql+pyodbc"
    odbc = url.query["odbc_connect"]
    assert odbc == (
        "DRIVER=ODBC Driver 18 for SQL Server;SERVER=KLINIKK-SRV01\\OPUS;DATABASE=OpusDental;"
        "UID=sa;PWD={S3cret;pw}}};TrustServerCertificate=yes"
    )
    assert PASSWORD not in repr(url)


def test_sql_server_with_a_port_and_freetds() -> None:
    odbc = database_url(
        settings(server="sql01", port=1433, database="Opus", driver="FreeTDS")
    ).query["odbc_connect"]
    assert odbc == "DRIVER=FreeTDS;SERVER=sql01;PORT=1433;DATABASE=Opus;UID=sa;TDS_Version=7.4"
    odbc18 = database_url(settings(server="sql01", port=1444, database="Opus")).query[
        "odbc_connect"
    ]
    assert "SERVER=sql01,1444;" in str(odbc18)


def test_other_dialects() -> None:
    pg = database_url(settings(dialect="postgresql", server="h", database="d", user="u"))
    assert pg.render_as_string() == "postgresql+psycopg://u@h/d"
    my = database_url(settings(dialect="mysql", server="h", port=3307, database="d", user="u"))
    assert my.render_as_string() == "mysql+pymysql://u@h:3307/d?charset=utf8mb4"
    odbc = database_url(
        settings(dialect="mysql", server="h", database="d", user="u", driver="MariaDB Unicode")
    )
    assert odbc.drivername == "mysql+pyodbc"
    assert odbc.query["odbc_connect"] == "DRIVER=MariaDB Unicode;SERVER=h;DATABASE=d;UID=u;OPTION=2"
    url = database_url(settings(url="postgresql://u@h/d", password="${env:X}"))
    assert url.password == PASSWORD


@pytest.mark.parametrize("backend", list(SERVER_SETTINGS))
def test_a_good_connection(backend: str) -> None:
    db = database_settings(backend, "test")
    check_once(db)


@pytest.mark.parametrize("backend", list(SERVER_SETTINGS))
def test_an_unknown_database_is_named(backend: str) -> None:
    db = database_settings(backend, "no_such_database_here")
    with pytest.raises(DatabaseError) as info:
        check_once(db)
    assert str(info.value) == (
        "database 'main': 127.0.0.1 has no database 'no_such_database_here' — "
        "check databases.main.database (the GUI's Databasenavn)"
    )


@pytest.mark.parametrize("backend", ["mariadb-pymysql", "mariadb-odbc"])
def test_a_refused_login_does_not_show_the_password(backend: str) -> None:
    db = database_settings(backend, "test").model_copy(
        update={"password": Secret("${env:X}", PASSWORD)}
    )
    with pytest.raises(DatabaseError) as info:
        check_once(db)
    message = str(info.value)
    assert message == (
        "database 'main': the server refused the login for user 'root' — "
        "check databases.main.user and databases.main.password"
    )


@pytest.mark.parametrize("backend", list(SERVER_SETTINGS))
def test_an_unreachable_server(backend: str) -> None:
    db = database_settings(backend, "test").model_copy(update={"port": 1, "connect_timeout": 2})
    with pytest.raises(DatabaseError) as info:
        check_once(db)
    assert str(info.value).startswith("database 'main': cannot reach 127.0.0.1 — check")
    assert info.value.retryable


def test_a_statement_that_loses_to_a_lock_may_be_tried_again(tmp_path: Path) -> None:
    """Staff's program holds the book's write lock longer than the wait: the work in hand is
    rolled back and the error says it may pass (the sync service backs off and retries)."""
    import sqlite3  # noqa: PLC0415

    import sqlalchemy as sa  # noqa: PLC0415

    from reconciler.providers.opus.connection import connected  # noqa: PLC0415

    path = tmp_path / "book.db"
    with sqlite3.connect(path) as c:
        c.execute("CREATE TABLE t (x INTEGER)")
    db = settings(url=f"sqlite:///{path}").model_copy(update={"connect_timeout": 1})
    engine = create_engine(db, "main")
    staff = sqlite3.connect(path, isolation_level=None)
    staff.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(DatabaseUnavailable) as info, connected(engine, db, "main") as c:
            c.execute(sa.text("INSERT INTO t VALUES (1)"))
    finally:
        staff.execute("ROLLBACK")
        staff.close()
        engine.dispose()
    assert info.value.retryable
    assert str(info.value).startswith("database 'main': database is locked (what was in hand")


def test_a_missing_sqlite_file_is_not_created(tmp_path: Path) -> None:
    db = settings(url=f"sqlite:///{tmp_path / 'missing.db'}")
    with pytest.raises(DatabaseError, match="does not exist"):
        create_engine(db, "main")
    assert not (tmp_path / "missing.db").exists()


def test_a_missing_odbc_driver_says_what_to_install() -> None:
    pyodbc = pytest.importorskip("pyodbc")
    if "ODBC Driver 18 for SQL Server" in pyodbc.drivers():
        pytest.skip("this machine has Microsoft's driver")
    db = settings(server="127.0.0.1", database="opus", user="sa")
    with pytest.raises(DatabaseError, match="'ODBC Driver 18 for SQL Server' is not installed"):
        check_once(db)
    with pytest.raises(DatabaseError, match="msodbcsql18"):
        check_once(db)


@pytest.mark.parametrize(
    ("url", "module", "extra"),
    [("postgresql://u@h/db", "psycopg", "postgresql"), ("mysql://u@h/db", "pymysql", "mysql")],
)
def test_a_missing_python_driver_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, url: str, module: str, extra: str
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # as if it were not installed
    with pytest.raises(DatabaseError, match=rf"pip install 'opus-reconciler\[{extra}\]'"):
        create_engine(settings(url=url), "main")
