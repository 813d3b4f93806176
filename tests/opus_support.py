"""Helpers for the Opus layer's tests (fixtures are in tests/providers/opus/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from reconciler.config.model import Database
from reconciler.providers.opus import OpusSchema
from reconciler.providers.opus.connection import create_engine

BACKENDS = ("sqlite", "postgresql", "mariadb-pymysql", "mariadb-odbc")

SERVER_SETTINGS = {
    "postgresql": {
        "dialect": "postgresql",
        "server": "127.0.0.1",
        "port": 5432,
        "user": "postgres",
    },
    "mariadb-pymysql": {"dialect": "mysql", "server": "127.0.0.1", "port": 3306, "user": "root"},
    "mariadb-odbc": {
        "dialect": "mysql",
        "server": "127.0.0.1",
        "port": 3306,
        "user": "root",
        "driver": "MariaDB Unicode",
    },
}


@dataclass
class Backend:
    name: str
    db: Database
    engine: sa.Engine
    schema: OpusSchema


def database_settings(backend: str, database: str) -> Database:
    settings = {**SERVER_SETTINGS[backend], "database": database}
    return Database.model_validate(settings)


def admin_engine(backend: str) -> sa.Engine:
    admin = database_settings(backend, "postgres" if backend == "postgresql" else "mysql")
    return create_engine(admin, "admin").execution_options(isolation_level="AUTOCOMMIT")
