"""Helpers for the Opus layer's tests (fixtures are in tests/providers/opus/conftest.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from reconciler.config.model import Database
from reconciler.demo.address import free_site_url, workspace_site
from reconciler.demo.seed import generate
from reconciler.demo.workspace import SUBDOMAIN, write_config, write_seed
from reconciler.domain.clock import clinic_today
from reconciler.providers.opus import OpusSchema, create_tables
from reconciler.providers.opus.connection import create_engine
from reconciler.site import register_account
from reconciler.site.background import BackgroundSite

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


@dataclass
class ServerDemo:
    """The demo's data in a fresh database on a server, its config beside, its site running."""

    config: Path
    engine: sa.Engine
    site: BackgroundSite


@contextmanager
def demo_on_server(backend: str, directory: Path, *, dev: bool = False) -> Iterator[ServerDemo]:
    """The demo (two clinics) in a new database on `backend`, dropped afterwards."""
    name = f"rc_demo_{uuid.uuid4().hex[:10]}"
    admin = admin_engine(backend)
    with admin.connect() as c:
        c.exec_driver_sql(f"CREATE DATABASE {name}")
    engine = create_engine(database_settings(backend, name), "opus")
    data = generate(seed=5, clinics=2, start=clinic_today())
    site = None
    try:
        with engine.begin() as c:
            create_tables(c, OpusSchema())
            write_seed(c, OpusSchema(), data)
        config = directory / "config"
        key = write_config(config, data, free_site_url())
        register_account(directory / "site.db", str(uuid.uuid4()), key, SUBDOMAIN)
        root = config / "reconciler.yaml"
        connection = "\n".join(
            f"        {k}: {v!r}" if isinstance(v, str) else f"        {k}: {v}"
            for k, v in {**SERVER_SETTINGS[backend], "database": name}.items()
        )
        root.write_text(root.read_text().replace("        url: sqlite:///../opus.db", connection))
        site = workspace_site(directory, dev=dev).start()
        yield ServerDemo(config, engine, site)
    finally:
        if site is not None:
            site.stop()
        engine.dispose()
        with admin.connect() as c:
            c.exec_driver_sql(f"DROP DATABASE {name}")
        admin.dispose()
