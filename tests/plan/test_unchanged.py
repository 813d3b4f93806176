"""The no-change plan from counters (plan/unchanged.py) is sound: after a full read that
found nothing to change, the next plan skips the rows only while nothing moved — every kind
of write, by anyone, forces a full read. On SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from opus_support import demo_on_server

from reconciler.apply.engine import apply
from reconciler.domain.clock import clinic_today
from reconciler.plan.planner import Computed, compute
from reconciler.providers.opus import OpusSchema
from reconciler.providers.opus import provider as opus_provider

T = OpusSchema()


@dataclass
class Demo:
    config: Path
    engine: sa.Engine
    site_store: Path


@pytest.fixture(params=["sqlite", "postgresql", "mariadb-pymysql"])
def demo(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Demo]:
    if request.param == "sqlite":
        workspace = request.getfixturevalue("workspace")
        engine = sa.create_engine(f"sqlite:///{workspace.database}")
        yield Demo(workspace.config.parent, engine, workspace.site)
        engine.dispose()
        return
    with demo_on_server(request.param, tmp_path) as server:
        yield Demo(server.config, server.engine, tmp_path / "site.db")


def skipped(computed: Computed) -> bool:
    return any("live state unchanged since" in note for note in computed.notes)


def applied_and_recorded(demo: Demo) -> None:
    """Apply the config, then a full no-change plan records; the next one skips the rows."""
    first = compute(demo.config)
    assert all(r.ok for r in apply(first.plan, first.loaded))
    full = compute(demo.config)
    assert not skipped(full) and not full.plan.has_changes
    again = compute(demo.config)
    assert skipped(again), "a second plan with nothing moved reads counters only"
    assert again.plan.accounts == full.plan.accounts
    assert "read " in again.notes[0] and "counters" in again.notes[0]


def sql(demo: Demo, statement: Callable[[sa.Connection], Any]) -> None:
    with demo.engine.begin() as c:
        statement(c)


def managed_preblock_id(c: sa.Connection) -> int:
    p = T.t("preblocks")
    return int(
        c.execute(sa.select(sa.func.max(p.c.id)).where(p.c.managed == sa.true())).scalar_one()
    )


# Each write, done as staff would (plain SQL), and whether the plan must show a change
# (None: it may or may not, as the demo's config has it).
WRITES: dict[str, tuple[Callable[[sa.Connection], Any], bool | None]] = {
    "update a versioned row": (
        lambda c: c.execute(
            sa.update(T.t("appointment_types"))
            .where(T.t("appointment_types").c.name == "- Akutt")
            .values(duration=20)
        ),
        True,
    ),
    "delete a versioned row": (
        lambda c: c.execute(
            sa.delete(T.t("preblocks")).where(T.t("preblocks").c.id == managed_preblock_id(c))
        ),
        True,
    ),
    "insert a versioned row": (
        lambda c: c.execute(
            sa.insert(T.t("working_hours")).values(
                provider_id=sa.select(sa.func.min(T.t("providers").c.id)).scalar_subquery(),
                starts_at=dt.datetime(2031, 1, 6, 8),
                ends_at=dt.datetime(2031, 1, 6, 9),
                recall=True,
            )
        ),
        False,
    ),
    "delete a row without change numbers": (
        lambda c: c.execute(sa.delete(T.t("access_rights"))),
        None,
    ),
    "update a row without change numbers": (
        lambda c: c.execute(sa.update(T.t("ebooking_settings")).values(value="240")),
        True,
    ),
    "insert a row without change numbers": (
        lambda c: c.execute(
            sa.insert(T.t("preblock_type_exclusions")).values(
                preblock_type_id=sa.select(
                    sa.func.min(T.t("preblock_types").c.id)
                ).scalar_subquery(),
                appointment_type_id=sa.select(
                    sa.func.min(T.t("appointment_types").c.id)
                ).scalar_subquery(),
            )
        ),
        None,
    ),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_every_staff_write_forces_a_full_read(demo: Demo, write: str) -> None:
    applied_and_recorded(demo)
    statement, shows = WRITES[write]
    sql(demo, statement)
    after = compute(demo.config)
    assert not skipped(after), f"{write}: the plan trusted its record"
    assert shows is None or after.plan.has_changes is shows


def test_a_write_between_the_counters_and_the_rows_misses_the_next_lookup(
    demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A concurrent writer: the counters are read before the rows, so a write in between
    is in what was read but not in what was recorded — the next plan reads in full."""
    applied_and_recorded(demo)
    sql(demo, WRITES["insert a versioned row"][0])  # the record misses: a full read
    real = opus_provider.live

    def racing(*args: Any, **kwargs: Any) -> Any:
        sql(demo, WRITES["insert a versioned row"][0])  # after the counters, before the rows
        return real(*args, **kwargs)

    monkeypatch.setattr(opus_provider, "live", racing)
    raced = compute(demo.config)
    assert not skipped(raced) and not raced.plan.has_changes
    monkeypatch.setattr(opus_provider, "live", real)
    after = compute(demo.config)
    assert not skipped(after), "the write made during the read was not noticed"
    assert skipped(compute(demo.config))


def test_the_reconcilers_own_apply_forces_a_full_read(demo: Demo) -> None:
    applied_and_recorded(demo)
    sql(demo, WRITES["update a versioned row"][0])
    changed = compute(demo.config)
    assert changed.plan.has_changes
    assert all(r.ok for r in apply(changed.plan, changed.loaded))
    after = compute(demo.config)
    assert not skipped(after) and not after.plan.has_changes


def test_a_change_on_the_site_forces_a_full_read(demo: Demo) -> None:
    applied_and_recorded(demo)
    with sqlite3.connect(demo.site_store) as db:
        db.execute("DELETE FROM entities WHERE rowid = (SELECT max(rowid) FROM entities)")
    after = compute(demo.config)
    assert not skipped(after) and after.plan.has_changes


def test_the_config_the_day_and_refresh_force_a_full_read(demo: Demo) -> None:
    applied_and_recorded(demo)
    assert not skipped(compute(demo.config, refresh=True))
    assert skipped(compute(demo.config)), "a full read with --refresh records too"
    assert not skipped(compute(demo.config, today=clinic_today() + dt.timedelta(days=1)))
    assert not skipped(compute(demo.config, refresh_only=True))
    assert not skipped(compute(demo.config, targets=["site"]))
    root = demo.config / "reconciler.yaml"
    root.write_text(root.read_text() + "\n# a comment changes the fingerprint\n")
    assert not skipped(compute(demo.config))
    assert skipped(compute(demo.config))
