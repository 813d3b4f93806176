"""Plan, apply and drift on PostgreSQL and MariaDB (PyMySQL and ODBC), not only SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from opus_support import SERVER_SETTINGS, demo_on_server
from support import RunCli

from reconciler.providers.opus import OpusSchema


@pytest.fixture(params=list(SERVER_SETTINGS))
def server_config(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Path, sa.Engine]]:
    with demo_on_server(request.param, tmp_path) as demo:
        yield demo.config, demo.engine


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
