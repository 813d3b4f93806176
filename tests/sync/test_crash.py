"""The sync service killed at random points (SIGKILL: no chance to tidy up) while patients
book, move and cancel on the site and staff book in the book directly — and started again
each time. Afterwards nothing is lost, nothing is doubled, no time is booked twice, every
booking the book could not take is cancelled on the site, and the site's free time is what
the sync service recorded (`rc_published`) and what `slots` computes."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import random
import signal
import sqlite3
import subprocess
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

from sync_support import EXAM, RECONCILER, Clinic, offered_as_slots, slots_say

from reconciler.demo.address import free_port
from reconciler.demo.patient import sent_code
from reconciler.domain import national_id
from reconciler.domain.clock import clinic_now
from reconciler.errors import ReconcilerError
from reconciler.providers.site import connect_public
from reconciler.providers.site.models import BookingDTO, PatientDTO, RescheduleDTO, TimeSlotDTO

ROUNDS = 14  # sync processes started, each killed at a random point
MIN_CYCLES = 50

_rng = random.Random(20261203)
PEOPLE = [
    (national_id.synthetic(dt.date(1960 + n, 3, 1 + n), _rng), f"+47912000{n:02d}")
    for n in range(16)
]


class Patients:
    """Patients acting on the site through its public API, as a browser would."""

    def __init__(self, clinic: Clinic, rng: random.Random) -> None:
        self.clinic = clinic
        self.rng = rng
        self.account = clinic.account()
        self.bookings: dict[int, int] = {}  # live booking id → person
        self.last: TimeSlotDTO | None = None  # the time booked last

    def _person(self, n: int) -> PatientDTO:
        nid, mobile = PEOPLE[n]
        return PatientDTO(
            PatientPersonalIdentification=nid,
            FirstName=f"Pasient{n}",
            LastName="Testesen",
            MobilePhoneNumber=mobile[3:],
            Email=f"pasient{n}@example.no",
        )

    def _code(self, n: int) -> str:
        return sent_code(self.clinic.site.url, self.account.subdomain, PEOPLE[n][1][3:])

    def offered(self) -> list[TimeSlotDTO]:
        with connect_public(self.account.url, self.account.subdomain) as patient:
            type_id = next(t.ID for t in patient.treatments() if t.Name == EXAM)
            start = dt.datetime.combine(dt.date.today() + dt.timedelta(days=2), dt.time())
            return patient.available_times(type_id, start=start, end=start + dt.timedelta(days=21))

    def act(self) -> None:
        """Book, move or cancel; what the site refuses (a time just taken, a deadline) is
        a patient's everyday experience, not a failure of the test."""
        try:
            choice = self.rng.random()
            if choice < 0.6 or not self.bookings:
                self._book()
            elif choice < 0.8:
                self._move()
            else:
                self._cancel()
        except ReconcilerError:
            pass

    def _book(self) -> None:
        slots = self.offered()
        if not slots:
            return
        n = self.rng.randrange(len(PEOPLE))
        with connect_public(self.account.url, self.account.subdomain) as patient:
            slot = self.rng.choice(slots)
            outcome = patient.book(BookingDTO(Patient=self._person(n), TimeSlot=slot))
            assert outcome.challenge is not None
            result = patient.confirm(outcome.challenge.ChallengeId, self._code(n))
        assert result.BookingId is not None
        self.bookings[result.BookingId] = n
        self.last = slot

    def _move(self) -> None:
        booking, n = self.rng.choice(sorted(self.bookings.items()))
        slots = self.offered()
        if not slots:
            return
        with connect_public(self.account.url, self.account.subdomain) as patient:
            outcome = patient.move(
                RescheduleDTO(
                    OriginalBookingId=booking,
                    NewTime=self.rng.choice(slots),
                    PatientToReschedule=self._person(n),
                )
            )
            assert outcome.challenge is not None
            moved = patient.confirm(outcome.challenge.ChallengeId, self._code(n))
        assert moved.BookingId is not None
        del self.bookings[booking]
        self.bookings[moved.BookingId] = n

    def _cancel(self) -> None:
        booking, n = self.rng.choice(sorted(self.bookings.items()))
        with connect_public(self.account.url, self.account.subdomain) as patient:
            outcome = patient.cancel(booking, national_id=PEOPLE[n][0])
            assert outcome.challenge is not None
            patient.confirm(outcome.challenge.ChallengeId, self._code(n))
        del self.bookings[booking]


def staff_book(clinic: Clinic, slot: TimeSlotDTO, minutes: int) -> bool:
    """Staff book a time in the book, as the book's own program does: only where nothing
    occupies it, checked and written in one transaction."""
    start = slot.Start.replace(tzinfo=None)
    end = start + dt.timedelta(minutes=minutes)
    with sqlite3.connect(clinic.workspace.database, timeout=30, isolation_level=None) as c:
        c.execute("BEGIN IMMEDIATE")
        rows = c.execute(
            "SELECT starts_at, duration FROM appointments WHERE provider_id = ?"
            " AND status NOT IN ('cancelled', 'moved')",
            (slot.ClinicianID,),
        ).fetchall()
        for starts, duration in rows:
            other = dt.datetime.fromisoformat(starts)
            if other < end and other + dt.timedelta(minutes=duration) > start:
                c.execute("ROLLBACK")
                return False
        c.execute(
            "INSERT INTO appointments (provider_id, starts_at, duration, registered_by, status,"
            " created_at) VALUES (?, ?, ?, 'SOV', 'booked', ?)",
            (
                slot.ClinicianID,
                f"{start:%Y-%m-%d %H:%M:%S}",
                minutes,
                f"{dt.datetime.now():%Y-%m-%d %H:%M:%S}",
            ),
        )
        c.execute("COMMIT")
    return True


def cycles_so_far(port: int, seen: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as answer:
            for line in answer.read().decode().splitlines():
                if line.startswith("reconciler_sync_cycles_total "):
                    return int(line.split()[1])
    except OSError:
        pass
    return seen


def test_sigkill_at_random_points_loses_and_doubles_nothing(clinic: Clinic, tmp_path: Path) -> None:
    rng = random.Random(int(os.environ.get("SEED", "3")))
    patients = Patients(clinic, rng)
    clinic.sync()
    cycles = 0
    log = tmp_path / "sync.log"
    for _ in range(ROUNDS):
        port = free_port()
        with log.open("a") as err:
            process = subprocess.Popen(
                [RECONCILER, "sync", str(clinic.config), "--interval", "0.1",
                 "--status-port", str(port)],
                stderr=err,
            )  # fmt: skip
        try:
            seen = 0
            until = time.monotonic() + rng.uniform(1.0, 4.0)
            while time.monotonic() < until and process.poll() is None:
                patients.act()
                if patients.last is not None and rng.random() < 0.3:  # a race for one time
                    staff_book(clinic, patients.last, 30)
                elif rng.random() < 0.3:
                    slots = patients.offered()
                    if slots:
                        staff_book(clinic, rng.choice(slots), rng.choice((15, 30, 60)))
                patients.last = None
                seen = cycles_so_far(port, seen)
            assert process.poll() is None, log.read_text()[-3000:]
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
            cycles += seen
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert cycles >= MIN_CYCLES, f"only {cycles} cycles ran"

    for _ in range(2):  # started again after the last kill: it catches up, then rests
        clinic.sync()
    last = clinic.sync()
    assert "free time" not in last and "bookings" not in last, last

    _nothing_lost_or_doubled(clinic)
    _the_site_publishes_what_was_recorded(clinic)


def _nothing_lost_or_doubled(clinic: Clinic) -> None:
    book = clinic.sql(
        "SELECT site_booking_id, status, provider_id, starts_at, duration FROM appointments"
    )
    by_booking: dict[str, list[str]] = defaultdict(list)
    for booking, status, *_ in book:
        if booking is not None:
            by_booking[str(booking)].append(str(status))
    assert all(len(s) == 1 for s in by_booking.values()), "a booking written twice"

    with sqlite3.connect(clinic.workspace.site) as site:
        holds = site.execute(
            "SELECT id, status, details FROM holds WHERE opus_id IS NULL"
            " AND status IN ('confirmed', 'moved', 'cancelled')"
        ).fetchall()
    assert holds, "the patients booked nothing"
    rejected = 0
    for hold_id, status, details in holds:
        in_book = by_booking.get(str(hold_id), [])
        if status == "confirmed":  # on the site: in the book, booked
            assert in_book == ["booked"], (hold_id, status, in_book)
        elif status == "moved":  # replaced: the skeleton, if it ever reached the book
            assert in_book in ([], ["moved"]), (hold_id, status, in_book)
        else:  # cancelled by the patient, or rejected: nothing left booked
            assert in_book in ([], ["cancelled"]), (hold_id, status, in_book)
            rejected += '"_rejected"' in (details or "")
    journalled = clinic.sql("SELECT count(*) FROM rc_journal WHERE status = 'rejected'")[0][0]
    assert journalled >= rejected
    moved = sum(status == "moved" for _, status, _ in holds)
    assert rejected and moved, f"{len(holds)} bookings: {rejected} rejected, {moved} moved"

    occupied: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    for _, status, provider, starts, minutes in book:
        if status not in ("cancelled", "moved"):
            start = dt.datetime.fromisoformat(str(starts))
            occupied[int(provider)].append((start, start + dt.timedelta(minutes=int(minutes))))
    for provider, spans in occupied.items():
        spans.sort()
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert start >= end, f"provider {provider} is booked twice at {start}"


def _the_site_publishes_what_was_recorded(clinic: Clinic) -> None:
    with sqlite3.connect(clinic.workspace.site) as site:
        on_site = sorted(
            (
                int(c),
                dt.datetime.fromisoformat(s).replace(tzinfo=None),
                dt.datetime.fromisoformat(e).replace(tzinfo=None),
            )
            for c, s, e in site.execute("SELECT clinician_id, start_at, end_at FROM batches")
        )
    recorded = sorted(
        (int(p), dt.datetime.fromisoformat(str(s)), dt.datetime.fromisoformat(str(e)))
        for p, s, e in clinic.sql("SELECT provider_id, starts_at, ends_at FROM rc_published")
    )
    assert on_site == recorded
    with sqlite3.connect(clinic.workspace.site) as site:  # patients halfway through booking
        held = [
            (int(c), dt.datetime.fromisoformat(s), dt.datetime.fromisoformat(e))
            for c, s, e in site.execute(
                "SELECT clinician_id, start_at, end_at FROM holds"
                " WHERE status IN ('reserved', 'pending') AND expires_at > ?",
                (f"{clinic_now():%Y-%m-%dT%H:%M:%S}",),
            )
        ]
    exam = dt.timedelta(minutes=30)
    free = [
        (c, start)
        for c, start in slots_say(clinic)
        if not any(
            c == h
            and s < dt.datetime.fromisoformat(start) + exam
            and dt.datetime.fromisoformat(start) < e
            for h, s, e in held
        )
    ]
    site = offered_as_slots(clinic)
    assert site == free, (set(site) - set(free), set(free) - set(site))
