"""The Opus layer's tests run on every backend this machine has: SQLite, PostgreSQL, and
MariaDB through both PyMySQL and pyodbc with MariaDB's ODBC driver. Each test module gets a
fresh database per backend, created here and dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from opus_support import BACKENDS, Backend, admin_engine, database_settings

from reconciler.config.model import Database
from reconciler.providers.opus import OpusSchema, create_tables
from reconciler.providers.opus.connection import create_engine


@pytest.fixture(scope="module", params=BACKENDS)
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    name: str = request.param
    schema = OpusSchema()
    if name == "sqlite":
        path: Path = tmp_path_factory.mktemp("opus") / "opus.db"
        db = Database.model_validate({"url": f"sqlite:///{path}"})
        engine = create_engine(db, "test", create=True)
        with engine.begin() as connection:
            create_tables(connection, schema)
        yield Backend(name, db, engine, schema)
        engine.dispose()
        return
    database = f"rc_test_{uuid.uuid4().hex[:12]}"
    admin = admin_engine(name)
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {database}")
    db = database_settings(name, database)
    engine = create_engine(db, "test")
    try:
        with engine.begin() as connection:
            create_tables(connection, schema)
        yield Backend(name, db, engine, schema)
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE {database}")
        admin.dispose()
