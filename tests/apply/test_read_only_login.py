"""apply with a database login that may only read: a clear error naming the login and what
to grant, exit 1, no traceback (PostgreSQL and MariaDB)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from opus_support import admin_engine, demo_on_server
from support import RunCli

GRANT_READ = {  # run as the administrator, then in the demo's database
    "postgresql": (
        ["CREATE ROLE {user} LOGIN PASSWORD '{password}'"],
        [
            "GRANT USAGE ON SCHEMA public TO {user}",
            "GRANT SELECT ON ALL TABLES IN SCHEMA public TO {user}",
        ],
    ),
    "mariadb-pymysql": (
        [
            "CREATE USER '{user}'@'localhost' IDENTIFIED BY '{password}'",
            "CREATE USER '{user}'@'127.0.0.1' IDENTIFIED BY '{password}'",
            "GRANT SELECT ON {database}.* TO '{user}'@'localhost'",
            "GRANT SELECT ON {database}.* TO '{user}'@'127.0.0.1'",
        ],
        [],
    ),
}
DROP = {  # after the demo's database is dropped (with the grants in it)
    "postgresql": ["DROP ROLE IF EXISTS {user}"],
    "mariadb-pymysql": [
        "DROP USER IF EXISTS '{user}'@'localhost'",
        "DROP USER IF EXISTS '{user}'@'127.0.0.1'",
    ],
}
LOGIN = {"postgresql": "user: 'postgres'", "mariadb-pymysql": "user: 'root'"}


@pytest.fixture(params=list(GRANT_READ))
def read_only(
    request: pytest.FixtureRequest, tmp_path: Path, cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """The demo on a server, the reconciler's rc_* tables made, and its config logging in
    as a user that may only read."""
    backend = request.param
    names = {"user": f"rc_reader_{uuid.uuid4().hex[:8]}", "password": uuid.uuid4().hex}
    admin = admin_engine(backend)
    try:
        with demo_on_server(backend, tmp_path) as demo:
            assert cli("plan", demo.config).code == 0  # makes the reconciler's tables
            names["database"] = str(demo.engine.url.database)
            server, database = GRANT_READ[backend]
            with admin.connect() as c:
                for statement in server:
                    c.exec_driver_sql(statement.format(**names))
            with demo.engine.begin() as c:
                for statement in database:
                    c.exec_driver_sql(statement.format(**names))
            root = demo.config / "reconciler.yaml"
            text = root.read_text()
            assert LOGIN[backend] in text
            login = f"user: '{names['user']}'\n        password: ${{env:RO_PASSWORD}}"
            root.write_text(text.replace(LOGIN[backend], login))
            monkeypatch.setenv("RO_PASSWORD", names["password"])
            yield demo.config
    finally:
        with admin.connect() as c:
            for statement in DROP[backend]:
                c.exec_driver_sql(statement.format(**names))
        admin.dispose()


def test_apply_with_a_read_only_login_says_what_to_grant(
    cli: RunCli, read_only: Path, tmp_path: Path
) -> None:
    planned = cli("plan", read_only, "--out", tmp_path / "plan.json", "--detailed-exitcode")
    assert planned.code == 2, planned.err  # reading is enough to plan
    applied = cli("apply", tmp_path / "plan.json")
    assert applied.code == 1
    assert "Traceback" not in applied.err and "internal error" not in applied.err
    assert "the database login 'rc_reader_" in applied.err
    assert "cannot write what the reconciler needs" in applied.err
    assert "grant it SELECT, INSERT, UPDATE and DELETE" in applied.err
