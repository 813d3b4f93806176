"""How soon the sync service carries a change across, with `reconciler sync --interval 0.5`
running as a process against the reference booking site (over real HTTP):

- **booking → book**: from a patient's confirmed booking on the site to its appointment in
  the Opus book;
- **staff → site**: from an appointment staff write in the book to its time leaving the
  site's free time (its batches, from which it cuts what patients are offered).

Each is measured several times and printed as median and worst, and as a ratio to the
interval (the pause after each cycle) measured in the same run: a change waits at most one
pause and about two cycles. Target (issue: sync): ≤ 1 s each. Fails nothing.

    .venv/bin/python bench/latency.py [--clinics 20] [--repeat 5]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

from reconciler.apply.engine import apply
from reconciler.config import load_config
from reconciler.config.model import Account
from reconciler.demo.address import free_port, free_site_url, workspace_site
from reconciler.demo.patient import sent_code
from reconciler.demo.workspace import init
from reconciler.domain import national_id
from reconciler.plan.planner import compute
from reconciler.providers.site import connect_public
from reconciler.providers.site.models import BookingDTO, PatientDTO, TimeSlotDTO

INTERVAL = 0.5
RECONCILER = str(Path(sys.executable).parent / "reconciler")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clinics", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workspace = init(Path(tmp) / "demo", clinics=args.clinics, site_url=free_site_url())
        site = workspace_site(workspace.directory, dev=True).start()
        config = workspace.config.parent
        computed = compute(config, force=True)
        assert all(r.ok for r in apply(computed.plan, computed.loaded, force=True))
        account = load_config(config).config.accounts["demo"]
        port = free_port()
        service = subprocess.Popen(
            [RECONCILER, "sync", str(config), "--interval", str(INTERVAL), "--status-port",
             str(port)],
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            started = time.perf_counter()
            _wait(lambda: _metric(port, "reconciler_sync_cycles_total") >= 1, timeout=600)
            print(
                f"{args.clinics} clinics; the service started and published everything in "
                f"{time.perf_counter() - started:.1f}s"
            )
            book = Booker(account, site.url, workspace.database, workspace.site)
            _report("booking → book", [book.booking_latency() for _ in range(args.repeat)])
            _report("staff → site", [book.staff_latency() for _ in range(args.repeat)])
            cycle = _metric(port, "reconciler_sync_cycle_seconds")
            print(f"cycle: {cycle * 1000:.0f} ms (the last one, from /metrics)")
        finally:
            service.terminate()
            service.wait(timeout=60)
            site.stop()


class Booker:
    def __init__(self, account: Account, site_url: str, database: Path, store: Path) -> None:
        self.account = account
        self.site_url = site_url
        self.database = database
        self.store = store  # the site's: the free time it offers is its batches
        self.rng = random.Random(5)
        self.n = 0

    def offered(self, day: date | None = None) -> list[TimeSlotDTO]:
        """What the site offers from the day after tomorrow for a week, or on `day`."""
        start = datetime.combine(day or date.today() + timedelta(days=2), datetime.min.time())
        with connect_public(self.account.url, self.account.subdomain) as patient:
            type_id = next(t.ID for t in patient.treatments() if t.Name == "- Undersøkelse")
            days = 1 if day else 7
            return patient.available_times(type_id, start=start, end=start + timedelta(days=days))

    def booking_latency(self) -> float:
        self.n += 1
        mobile = f"9{self.n:07d}"
        person = PatientDTO(
            PatientPersonalIdentification=national_id.synthetic(date(1970, 1, self.n), self.rng),
            FirstName="Latens",
            LastName="Måler",
            MobilePhoneNumber=mobile,
            Email=f"latens{self.n}@example.no",
        )
        with connect_public(self.account.url, self.account.subdomain) as patient:
            outcome = patient.book(BookingDTO(Patient=person, TimeSlot=self.offered()[0]))
            assert outcome.challenge is not None
            code = sent_code(self.site_url, self.account.subdomain, mobile)
            result = patient.confirm(outcome.challenge.ChallengeId, code)
        confirmed = time.perf_counter()
        _wait(lambda: bool(_rows(
            self.database,
            "SELECT 1 FROM appointments WHERE site_booking_id = ?", str(result.BookingId),
        )))  # fmt: skip
        return time.perf_counter() - confirmed

    def staff_latency(self) -> float:
        slot = self.offered()[-1]
        start = slot.Start.replace(tzinfo=None)
        _rows(
            self.database,
            "INSERT INTO appointments (provider_id, starts_at, duration, registered_by, status,"
            " created_at) VALUES (?, ?, 30, 'SOV', 'booked', ?)",
            slot.ClinicianID,
            f"{start:%Y-%m-%d %H:%M:%S}",
            f"{datetime.now():%Y-%m-%d %H:%M:%S}",
        )
        written = time.perf_counter()
        stamp = f"{start:%Y-%m-%dT%H:%M:%S}"
        _wait(lambda: not _rows(
            self.store,
            "SELECT 1 FROM batches WHERE clinician_id = ? AND start_at <= ? AND end_at > ?",
            slot.ClinicianID, stamp, stamp,
        ))  # fmt: skip
        return time.perf_counter() - written


def _rows(database: Path, statement: str, *params: object) -> list[tuple[object, ...]]:
    """Poll (or write) a store directly: exact to the poll, and light on the service."""
    with sqlite3.connect(database, timeout=30) as c:
        return c.execute(statement, params).fetchall()


def _report(what: str, seconds: list[float]) -> None:
    median, worst = statistics.median(seconds), max(seconds)
    print(
        f"{what}: median {median:.2f}s, worst {worst:.2f}s over {len(seconds)} "
        f"({median / INTERVAL:.1f}x / {worst / INTERVAL:.1f}x the {INTERVAL}s interval; "
        f"target ≤ 1 s)"
    )


def _wait(done: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.perf_counter() + timeout
    while not done():
        if time.perf_counter() > deadline:
            raise SystemExit("timed out")
        time.sleep(0.01)


def _metric(port: int, name: str) -> float:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as answer:
            for line in answer.read().decode().splitlines():
                if line.startswith(name + " "):
                    return float(line.split()[1])
    except OSError:
        pass
    return 0.0


if __name__ == "__main__":
    main()
