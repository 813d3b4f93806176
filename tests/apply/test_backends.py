"""Plan, apply and drift on PostgreSQL and MariaDB (PyMySQL and ODBC), not only SQLite."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from opus_support import SERVER_SETTINGS, admin_engine, database_settings
from support import RunCli

from reconciler.demo.seed import generate
from reconciler.demo.workspace import SUBDOMAIN, write_config, write_seed
from reconciler.providers.opus import OpusSchema, create_tables
from reconciler.providers.opus.connection import create_engine
from reconciler.site import register_account
from reconciler.site.background import BackgroundSite


@pytest.fixture(params=list(SERVER_SETTINGS))
def server_config(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Path, sa.Engine]]:
    backend: str = request.param
    name = f"rc_apply_{uuid.uuid4().hex[:10]}"
    admin = admin_engine(backend)
    with admin.connect() as c:
        c.exec_driver_sql(f"CREATE DATABASE {name}")
    db = database_settings(backend, name)
    engine = create_engine(db, "opus")
    data = generate(seed=5, clinics=2, start=date.today())
    try:
        with engine.begin() as c:
            create_tables(c, OpusSchema())
            write_seed(c, OpusSchema(), data)
        config = tmp_path / "config"
        key = write_config(config, data, "http://127.0.0.1:1")
        register_account(tmp_path / "site.db", str(uuid.uuid4()), key, SUBDOMAIN)
        site = BackgroundSite(tmp_path / "site.db").start()
        root = config / "reconciler.yaml"
        root.write_text(root.read_text().replace("http://127.0.0.1:1", site.url))
        settings = SERVER_SETTINGS[backend]
        connection = "\n".join(
            f"        {k}: {v!r}" if isinstance(v, str) else f"        {k}: {v}"
            for k, v in {**settings, "database": name}.items()
        )
        root.write_text(root.read_text().replace("        url: sqlite:///../opus.db", connection))
        yield config, engine
        site.stop()
    finally:
        engine.dispose()
        with admin.connect() as c:
            c.exec_driver_sql(f"DROP DATABASE {name}")
        admin.dispose()


def test_plan_apply_plan_and_drift(cli: RunCli, server_config: tuple[Path, sa.Engine]) -> None:
    config, engine = server_config
    assert cli("validate", config).code == 0
    first = cli("plan", config, "--detailed-exitcode")
    assert first.code == 2, first.err
    assert cli("apply", config, "--auto-approve").code == 0
    assert cli("plan", config, "--detailed-exitcode").code == 0
    table = OpusSchema().t("appointment_types")
    with engine.begin() as c:
        c.execute(sa.update(table).where(table.c.name == "- Akutt").values(duration=20))
    drift = cli("drift", config)
    assert drift.code == 2
    assert "duration: 30 → 20" in drift.out
    assert cli("apply", config, "--auto-approve").code == 0
    assert cli("drift", config).code == 0
