"""The sync journey on PostgreSQL and MariaDB (PyMySQL and ODBC), and the safety lag that
keeps a writer whose change number commits late from being missed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from opus_support import SERVER_SETTINGS, ServerDemo, demo_on_server
from support import FAST, RunCli

from reconciler.config import load_config
from reconciler.domain.clock import clinic_now, clinic_today
from reconciler.providers.opus import OpusSchema
from reconciler.providers.site import connect_public
from reconciler.sync.service import Service, Settings

EXAM = "- Undersøkelse"


@pytest.fixture(params=list(SERVER_SETTINGS))
def server(request: pytest.FixtureRequest, tmp_path: Path, cli: RunCli) -> Iterator[ServerDemo]:
    with demo_on_server(request.param, tmp_path, dev=True) as demo:
        assert cli("apply", demo.config, "--auto-approve").code == 0
        yield demo


def offered(server: ServerDemo) -> list[tuple[int, datetime]]:
    account = load_config(server.config).config.accounts["demo"]
    with connect_public(account.url, account.subdomain, retry=FAST) as patient:
        type_id = next(t.ID for t in patient.treatments() if t.Name == EXAM)
        start = datetime.combine(clinic_today(), datetime.min.time())
        found = patient.available_times(type_id, start=start, end=start + timedelta(days=28))
    return sorted((s.ClinicianID, s.Start) for s in found)


def test_sync_publishes_what_slots_says_and_staff_bookings_leave_the_site(
    cli: RunCli, server: ServerDemo
) -> None:
    assert cli("sync", server.config, "--once").code == 0
    result = cli("slots", server.config, "--type", EXAM, "--days", "28", "--format", "json")
    with server.engine.connect() as c:
        ids = {code: pid for pid, code in c.execute(sa.text("SELECT id, code FROM providers"))}
    said = sorted(
        (ids[s["provider"]], datetime.fromisoformat(s["start"]))
        for s in json.loads(result.out)["slots"]
    )
    assert offered(server) == said != []
    provider, start = said[0]
    appointments = OpusSchema().t("appointments")
    with server.engine.begin() as c:
        c.execute(
            appointments.insert().values(
                provider_id=provider,
                starts_at=start,
                duration=30,
                registered_by="SOV",
                status="booked",
                created_at=clinic_now(),
            )
        )
    assert cli("sync", server.config, "--once").code == 0
    assert (provider, start) not in offered(server)


@pytest.mark.parametrize("lag", [timedelta(seconds=10), timedelta(0)], ids=["lag", "no-lag"])
def test_a_change_number_that_commits_late_is_not_missed(
    server: ServerDemo, lag: timedelta
) -> None:
    """Two staff members change the book at once: the first moves an appointment onto free
    time, taking its change number; the second books, takes the next number and commits
    first; a cycle runs in between. With the safety lag the move is seen when it commits;
    without it (the control), it is missed."""
    clock = [clinic_now()]
    service = Service(
        load_config(server.config),
        settings=Settings(lag=lag),
        clock=lambda: clock[0],
        wait=lambda _: True,
        log=lambda _: None,
    )
    service._start()
    try:
        service.cycle()
        clock[0] += timedelta(seconds=20)
        service.cycle()  # quiet: the first observation is trusted now
        (first, first_at), (second, second_at) = _two_providers(offered(server))
        appointments = OpusSchema().t("appointments")

        def booking(provider: int, start: datetime) -> dict[str, object]:
            return {
                "provider_id": provider,
                "starts_at": start,
                "duration": 30,
                "registered_by": "SOV",
                "status": "booked",
                "created_at": clinic_now(),
            }

        with server.engine.connect() as c:
            moving = c.execute(
                sa.select(appointments.c.id).where(appointments.c.provider_id == first).limit(1)
            ).scalar_one()
        slow = server.engine.connect()
        slow_transaction = slow.begin()
        slow.execute(  # number n: an update, which neither count nor id gives away
            appointments.update()
            .where(appointments.c.id == moving)
            .values(starts_at=first_at, duration=30, status="booked")
        )
        with server.engine.begin() as fast:  # number n + 1, committed first
            fast.execute(appointments.insert().values(**booking(second, second_at)))
        clock[0] += timedelta(seconds=20)
        service.cycle()
        assert (second, second_at) not in offered(server)
        slow_transaction.commit()
        slow.close()
        clock[0] += timedelta(seconds=5)
        service.cycle()
        missed = (first, first_at) in offered(server)
        assert missed is (lag == timedelta(0))
    finally:
        service._stop()


def _two_providers(
    slots: list[tuple[int, datetime]],
) -> tuple[tuple[int, datetime], tuple[int, datetime]]:
    later = [s for s in slots if s[1] > clinic_now() + timedelta(days=1)]
    first = later[0]
    second = next(s for s in later if s[0] != first[0])
    return first, second
