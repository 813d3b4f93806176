"""Bulk readers and batched writes on every backend, against realistic demo data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from opus_support import Backend

from reconciler.demo.seed import Seed, generate
from reconciler.demo.workspace import write_seed
from reconciler.domain.resources import keys_of
from reconciler.providers.opus import queries, writes
from reconciler.providers.opus.records import (
    RECORDS,
    AccessRight,
    Appointment,
    Patient,
    Preblock,
    PreblockType,
    Provider,
    WorkingHours,
)
from reconciler.providers.opus.resources import Scope, stamp

START = date(2026, 11, 30)


@pytest.fixture(scope="module")
def seeded(backend: Backend) -> tuple[Backend, Seed]:
    data = generate(seed=3, clinics=3, start=START)
    with backend.engine.begin() as connection:
        write_seed(connection, backend.schema, data)
    return backend, data


class Statements:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *args: Any) -> None:
        self.count += 1


@pytest.fixture
def statements(seeded: tuple[Backend, Seed]) -> Iterator[Statements]:
    counter = Statements()
    engine = seeded[0].engine
    sa.event.listen(engine, "before_cursor_execute", counter)
    yield counter
    sa.event.remove(engine, "before_cursor_execute", counter)


@pytest.mark.parametrize("table", sorted(RECORDS))
def test_every_kind_is_read_in_one_query(
    seeded: tuple[Backend, Seed], statements: Statements, table: str
) -> None:
    backend, _ = seeded
    with backend.engine.connect() as connection:
        statements.count = 0
        rows = queries.read(connection, backend.schema, RECORDS[table])
        assert statements.count == 1
    assert all(isinstance(r, RECORDS[table]) for r in rows)


def test_what_was_written_reads_back(seeded: tuple[Backend, Seed]) -> None:
    backend, data = seeded
    schema = backend.schema
    with backend.engine.connect() as c:
        providers = queries.read(c, schema, Provider)
        assert [p.code for p in providers] == [p.code for p in data.providers]
        hours = queries.read(c, schema, WorkingHours)
        assert len(hours) == len(data.working_hours)
        assert hours[0].starts_at == data.working_hours[0]["starts_at"]
        assert all(h.recall is True for h in hours)
        patients = queries.read(c, schema, Patient)
        assert sorted(p.national_id for p in patients) == sorted(
            p["national_id"] for p in data.patients
        )
        assert "national_id" not in repr(patients[0]) and patients[0].national_id not in repr(
            patients[0]
        )
        appointments = queries.read(c, schema, Appointment)
        assert len(appointments) == len(data.appointments)
        assert {a.registered_by for a in appointments} <= {p.code for p in data.providers}
        types = {t.name: t for t in queries.read(c, schema, PreblockType)}
        assert types["Internett e-time"].kind == "internet"
        assert types["Møte"].blocking is True  # the column's default
        [right] = queries.read(c, schema, AccessRight)
        assert (right.function, right.grantee) == ("Preblock for Internet", "*")


def test_filters_by_clinic_time_and_change(seeded: tuple[Backend, Seed]) -> None:
    backend, data = seeded
    schema = backend.schema
    first_clinic = {p.code for p in data.providers if p.clinic_id == 1}
    with backend.engine.connect() as c:
        ids = {p.id: p.code for p in queries.read(c, schema, Provider)}
        hours = queries.read(c, schema, WorkingHours, clinics=[1])
        assert {ids[h.provider_id] for h in hours} == first_clinic
        week = (
            datetime.combine(START, datetime.min.time()),
            datetime.combine(START + timedelta(days=7), datetime.min.time()),
        )
        in_week = queries.read(c, schema, WorkingHours, between=week)
        assert in_week and all(week[0] <= h.starts_at < week[1] for h in in_week)
        assert len(in_week) == sum(
            1 for h in data.working_hours if week[0] <= h["starts_at"] < week[1]
        )
        appointments = queries.overlapping(
            queries.read(c, schema, Appointment, between=week), *week
        )
        assert len(appointments) == sum(
            1 for a in data.appointments if week[0] <= a["starts_at"] < week[1]
        )
        newest = max(p.change_no or 0 for p in queries.read(c, schema, Preblock))
        assert queries.read(c, schema, Preblock, changed_since=newest) == []


def test_batched_writes_in_one_transaction(seeded: tuple[Backend, Seed]) -> None:
    backend, _ = seeded
    schema = backend.schema
    with backend.engine.begin() as c:
        provider = queries.read(c, schema, Provider)[0]
        internet = next(t for t in queries.read(c, schema, PreblockType) if t.kind == "internet")
        day = datetime(2027, 3, 1, 8, 0)
        rows = [
            {
                "provider_id": provider.id,
                "preblock_type_id": internet.id,
                "starts_at": day + timedelta(days=i),
                "ends_at": day + timedelta(days=i, hours=3),
                "created_by": "RECON",
                "created_at": day,
                "managed": True,
            }
            for i in range(2500)  # more than one batch
        ]
        assert writes.insert(c, schema, "preblocks", rows) == 2500
        mine = [p for p in queries.read(c, schema, Preblock) if p.managed]
        assert len(mine) == 2500
        assert (
            writes.update(
                c,
                schema,
                "preblocks",
                [(p.id, {"ends_at": p.ends_at + timedelta(hours=1)}) for p in mine[:1200]],
            )
            == 1200
        )
        assert writes.delete(c, schema, "preblocks", [p.id for p in mine]) == 2500
        assert not [p for p in queries.read(c, schema, Preblock) if p.managed]


def test_a_failed_step_leaves_nothing_behind(seeded: tuple[Backend, Seed]) -> None:
    backend, _ = seeded
    schema = backend.schema
    with backend.engine.connect() as c:
        before = len(queries.read(c, schema, PreblockType))
    with pytest.raises(sa.exc.IntegrityError), backend.engine.begin() as c:
        writes.insert(c, schema, "preblock_types", [{"name": "Ny type"}, {"name": "Ny type"}])
    with backend.engine.connect() as c:
        assert len(queries.read(c, schema, PreblockType)) == before


def test_managed_preblocks_are_the_reconcilers_from_a_moment_on(
    seeded: tuple[Backend, Seed],
) -> None:
    """The plain-tuple read a plan makes of its preblocks gives exactly what the record read
    gives, filtered: managed ones only, starting at or after `since`."""
    backend, _ = seeded
    schema = backend.schema
    since = datetime(2027, 5, 3, 9, 0)
    with backend.engine.begin() as c:
        provider = queries.read(c, schema, Provider)[0]
        internet = next(t for t in queries.read(c, schema, PreblockType) if t.kind == "internet")
        rows = [
            {
                "provider_id": provider.id,
                "preblock_type_id": internet.id,
                "starts_at": since + timedelta(hours=hours),
                "ends_at": since + timedelta(hours=hours + 2),
                "created_by": "RECON",
                "created_at": since,
                "managed": managed,
            }
            for hours in (-24, -1, 0, 5, 48)  # before, overlapping, at, after
            for managed in (True, False)
        ]
        writes.insert(c, schema, "preblocks", rows)
        expected = [
            (p.id, p.provider_id, p.preblock_type_id, stamp(p.starts_at), stamp(p.ends_at))
            for p in queries.read(c, schema, Preblock)
            if p.managed and p.starts_at >= since
        ]
        got = queries.managed_preblocks(c, schema, since)
        mine = [p.id for p in queries.read(c, schema, Preblock) if p.created_by == "RECON"]
        writes.delete(c, schema, "preblocks", mine)
    assert [tuple(row) for row in got] == expected
    assert [row[3] for row in got] == ["2027-05-03T09:00", "2027-05-03T14:00", "2027-05-05T09:00"]


@pytest.mark.parametrize("code", ["HAN", 'A"B', "C\\D", "Ø@1"])
def test_a_preblock_head_is_the_start_of_its_address(code: str) -> None:
    scope = Scope("demo", "opus", "opus.")
    start = "2026-12-07T08:00"
    assert f'{scope.preblock_head(code)}{start}"]' == scope.address("preblock", f"{code}@{start}")
    assert keys_of(f'{scope.preblock_head(code)}{start}"]') == [f"{code}@{start}"]
