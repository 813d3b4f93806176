"""Helpers for the sync tests: a demo workspace applied with its booking site running,
and ways to act as a patient and as the clinic's staff (the fixture is in sync/conftest.py)."""

from __future__ import annotations

import datetime as dt
import json
import random
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

from support import FAST, RunCli

from reconciler.config import load_config
from reconciler.demo.patient import sent_code
from reconciler.demo.workspace import Workspace
from reconciler.domain import national_id
from reconciler.providers.site import connect_public
from reconciler.providers.site.models import (
    BookingDTO,
    ConfirmationResult,
    PatientDTO,
    RescheduleDTO,
    TimeSlotDTO,
)
from reconciler.site.background import BackgroundSite

EXAM = "- Undersøkelse"
RECONCILER = str(Path(sys.executable).parent / "reconciler")  # the command, as users run it


@dataclass
class Clinic:
    """The demo applied, its site running, and what a test needs to act on both."""

    workspace: Workspace
    site: BackgroundSite
    cli: RunCli

    @property
    def config(self) -> Path:
        return self.workspace.config.parent

    def sql(self, statement: str, *params: object) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.workspace.database) as c:
            rows = c.execute(statement, params).fetchall()
            c.commit()
        return rows

    def sync(self, *args: str) -> str:
        result = self.cli("sync", self.config, "--once", *args)
        assert result.code == 0, result.err
        return result.err

    def staff_book(self, slot: TimeSlotDTO, minutes: int) -> None:
        """Staff book the slot's time in the book directly, as the clinic's program would."""
        self.sql(
            "INSERT INTO appointments (provider_id, starts_at, duration, registered_by, status,"
            " created_at) VALUES (?, ?, ?, 'SOV', 'booked', ?)",
            slot.ClinicianID,
            slot.Start.strftime("%Y-%m-%d %H:%M:%S"),
            minutes,
            dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
        )

    def account(self):  # type: ignore[no-untyped-def]
        return load_config(self.config).config.accounts["demo"]

    def offered(self, treatment: str = EXAM) -> list[TimeSlotDTO]:
        account = self.account()
        with connect_public(account.url, account.subdomain, retry=FAST) as patient:
            type_id = next(t.ID for t in patient.treatments() if t.Name == treatment)
            start = dt.datetime.combine(dt.date.today(), dt.time())
            return patient.available_times(type_id, start=start, end=start + dt.timedelta(days=28))

    def book(self, slot: TimeSlotDTO, n: int = 0, **fields: object) -> int:
        """Book `slot` as patient n, with the code the site texts them; the booking's id."""
        account = self.account()
        with connect_public(account.url, account.subdomain, retry=FAST) as patient:
            outcome = patient.book(BookingDTO(Patient=self.patient(n), TimeSlot=slot, **fields))
            assert outcome.challenge is not None
            result = patient.confirm(outcome.challenge.ChallengeId, self.code(n))
        assert result.BookingId is not None
        return result.BookingId

    def move(self, booking: int, to: TimeSlotDTO, n: int) -> ConfirmationResult:
        """Move patient n's booking to `to`, with the code the site texts them."""
        account = self.account()
        with connect_public(account.url, account.subdomain, retry=FAST) as patient:
            outcome = patient.move(
                RescheduleDTO(
                    OriginalBookingId=booking, NewTime=to, PatientToReschedule=self.patient(n)
                )
            )
            assert outcome.challenge is not None
            return patient.confirm(outcome.challenge.ChallengeId, self.code(n))

    def code(self, n: int) -> str:
        return sent_code(self.site.url, self.account().subdomain, MOBILES[n][3:])

    def patient(self, n: int) -> PatientDTO:
        return PatientDTO(
            PatientPersonalIdentification=IDS[n],
            FirstName=f"Kari{n}",
            LastName="Nordmann",
            MobilePhoneNumber=MOBILES[n][3:],
            Email=f"kari{n}@example.no",
        )


def offered_as_slots(clinic: Clinic) -> list[tuple[int, str]]:
    return sorted((s.ClinicianID, f"{s.Start:%Y-%m-%dT%H:%M}") for s in clinic.offered())


def slots_say(clinic: Clinic) -> list[tuple[int, str]]:
    result = clinic.cli("slots", clinic.config, "--type", EXAM, "--days", "28", "--format", "json")
    assert result.code == 0, result.err
    ids = dict(clinic.sql("SELECT code, id FROM providers"))
    return sorted((ids[s["provider"]], s["start"]) for s in json.loads(result.out)["slots"])


_rng = random.Random(7)
IDS = tuple(national_id.synthetic(dt.date(1980 + n, 2, 3), _rng) for n in range(4))
MOBILES = ("+4741234567", "+4791234567", "+4745000001", "+4798765432")
