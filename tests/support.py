"""Test helpers shared by the test modules (fixtures live in conftest.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reconciler.providers.site import (
    BackendClient,
    DevClient,
    PublicClient,
    RetryPolicy,
    connect_dev,
    connect_public,
)
from reconciler.providers.site.models import (
    AvailableTime,
    AvailableTimeslotBatch,
    BatchTreatment,
    BookingDTO,
    Clinic,
    Clinician,
    DateRange,
    OpusDatabaseDiff,
    PatientDTO,
    TimeSlotDiffV2,
    TimeSlotDTO,
    Treatment,
)
from reconciler.site.background import BackgroundSite
from reconciler.site.booking.times import local_now

REPO = Path(__file__).resolve().parent.parent

# A small valid config; tests change it with str.replace or add files beside it.
BASE = """\
version: 1
accounts:
  clinic:
    key: ${env:TEST_ACCOUNT_KEY}
    subdomain: testklinikken
    databases:
      main:
        url: sqlite:///opus.db
        opus:
          preblock_types:
            Internett: {kind: internet, color: "#D6F5D6"}
          appointment_types:
            "- Undersøkelse": {duration: 30, category: Undersøkelse}
            "- Tannrens": {duration: 45, category: Tannrens}
    clinics:
      sentrum:
        opus_id: 1
        providers:
          HAN:
            title: Tannlege
            consent: {photo: false, title: true}
            working_hours:
              - days: [mon-fri]
                hours: ["08:00-12:00", "12:30-16:00"]
            publishing:
              - days: [mon-thu]
                hours: ["08:00-11:30", "12:30-15:00"]
"""

ACCOUNT_KEY = "k3y-Zq8-never-shown"


WriteConfig = Callable[..., Path]


@dataclass
class Result:
    code: int
    out: str
    err: str


RunCli = Callable[..., Result]


# --- the reference booking site (tests/site, tests/providers) ------------------------------
# The site runs under uvicorn in a thread (reconciler.site.background); its fixtures are in
# tests/site/conftest.py. These are the types and helpers that test modules name.

P12_PASSWORD = "p12-Pass-w0rd"  # the test certificates' password
FAST = RetryPolicy(delays=(0.0, 0.0))  # retries without waiting


class MovableClock:
    """The site's clock: real local time plus an offset that tests move forward."""

    def __init__(self) -> None:
        self.offset = dt.timedelta()

    def __call__(self) -> dt.datetime:
        return local_now() + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += dt.timedelta(**delta)

    def set_to(self, moment: dt.datetime) -> None:
        self.offset = moment - local_now()


@dataclass(frozen=True)
class Pki:
    """The test PKI's files: the CA (issuing the server's and clients' certificates) and
    client certificates as password-protected PKCS#12."""

    ca: Path
    good: Path
    second: Path  # same CA, never activated
    expired: Path
    foreign: Path  # issued by another CA


def next_monday(weeks_ahead: int = 2) -> dt.date:
    """A Monday at least a week away, so that deadlines and weekdays are predictable."""
    today = local_now().date()
    return today + dt.timedelta(days=(7 - today.weekday()) + 7 * (weeks_ahead - 1))


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute))


@dataclass
class SiteAccount:
    """An account registered on a running site, with its backend client."""

    id: str
    key: str = field(repr=False)
    subdomain: str
    site: BackgroundSite
    backend: BackendClient
    database_id: uuid.UUID
    opened: list[Any] = field(default_factory=list)

    @property
    def ca(self) -> Path | None:
        return self.site.tls.client_ca if self.site.tls else None

    def public(self) -> PublicClient:
        client = connect_public(self.site.url, self.subdomain, retry=FAST, ca_file=self.ca)
        self.opened.append(client)
        return client

    def dev(self) -> DevClient:
        client = connect_dev(self.site.url, ca_file=self.ca)
        self.opened.append(client)
        return client

    def code(self, recipient: str) -> str:
        """The latest one-time code sent to `recipient`, read from the dev outbox."""
        messages = [
            m
            for m in self.dev().outbox(subdomain=self.subdomain, recipient=recipient)
            if m.Body.startswith("Koden din er ")
        ]
        assert messages, f"no code was sent to {recipient}"
        return messages[-1].Body.split()[3].rstrip(".")

    def settings(self, **flexibility: Any) -> None:
        """Change flexibility settings through the backend API."""
        document = self.backend.subdomain()
        changed = document.FlexibilitySettings.model_copy(update=flexibility)
        self.backend.put_subdomain(document.model_copy(update={"FlexibilitySettings": changed}))

    def close(self) -> None:
        self.backend.close()
        for client in self.opened:
            client.close()


NewAccount = Callable[..., SiteAccount]


@dataclass(frozen=True)
class People:
    """Synthetic national ids (month + 80: never issued to anyone) and test mobiles."""

    ids: tuple[str, ...]
    mobiles: tuple[str, ...] = ("41234567", "91234567", "45000001", "98765432")

    def patient(self, n: int = 0, **fields: Any) -> PatientDTO:
        values: dict[str, Any] = {
            "PatientPersonalIdentification": self.ids[n],
            "FirstName": f"Kari{n}",
            "LastName": "Nordmann",
            "MobilePhoneNumber": self.mobiles[n % len(self.mobiles)],
            "Email": f"kari{n}@example.no",
        }
        values.update(fields)
        return PatientDTO(**{k: v for k, v in values.items() if v is not None})

    def mobile(self, n: int = 0) -> str:
        """Patient n's mobile as the site stores it (+47…)."""
        return "+47" + self.mobiles[n % len(self.mobiles)]


CLINICS = [
    Clinic(ID=1, Name="Storgata", Order=1, Group="Oslo", City="Oslo", Work="22000000"),
    Clinic(ID=2, Name="Majorstuen", Order=0, Group="Vest"),
]
CLINICIANS = [
    Clinician(
        ID=10,
        ClinicID=1,
        Order=1,
        Name="Hanne Hansen",
        Title="Tannlege",
        ProfileImage="https://img.example/han.png",
        ClinicianPersonalDataConsents=[1],
    ),
    Clinician(
        ID=11,
        ClinicID=1,
        Order=0,
        Name="Kjell Olsen",
        Title="Tannpleier",
        ProfileImage="https://img.example/kjo.png",
        ClinicianPersonalDataConsents=[],
    ),
    Clinician(
        ID=12,
        ClinicID=2,
        Order=0,
        Name="Mia Berg",
        Title="Tannlege",
        ProfileImage="https://img.example/mia.png",
        ClinicianPersonalDataConsents=[1, 2],
    ),
]
TREATMENTS = [
    Treatment(ID=5, Name="- Undersøkelse", Duration=30),
    Treatment(ID=6, Name="- Tannrens", Duration=45, ChangeInWeb=False, CancelInWeb=False),
    Treatment(ID=7, Name="Rotfylling", Duration=60, CreateInWeb=False),
]


def free_day(
    day: dt.date,
    clinic: int,
    clinician: int,
    hours: tuple[int, int] = (8, 12),
    treatments: tuple[int, ...] = (5, 6),
) -> AvailableTimeslotBatch:
    start, end = at(day, hours[0]), at(day, hours[1])
    return AvailableTimeslotBatch(
        Start=start,
        End=end,
        ClinicID=clinic,
        ClinicianID=clinician,
        AvailableTimes=[AvailableTime(Range=DateRange(From=start, To=end))],
        Treatments=[BatchTreatment(TreatmentId=t) for t in treatments],
    )


def seed(backend: BackendClient, database_id: uuid.UUID) -> None:
    """Two clinics, three clinicians, three treatments; free time 08-12 every day of the week
    from next_monday() for clinicians 10 and 11 (clinic 1), and that Monday for 12 (clinic 2)."""
    backend.register_database(database_id, "OpusDental", culture="NO", version="2026.1")
    backend.apply_master_data(
        database_id,
        OpusDatabaseDiff(
            AddedClinics=CLINICS, AddedClinicians=CLINICIANS, AddedTreatments=TREATMENTS
        ),
    )
    monday = next_monday()
    batches = [
        free_day(monday + dt.timedelta(days=d), 1, clinician)
        for d in range(7)
        for clinician in (10, 11)
    ] + [free_day(monday, 2, 12)]
    backend.apply_free_time(database_id, TimeSlotDiffV2(Added=batches))


def served(workspace: Any, *, dev: bool = False) -> BackgroundSite:
    """Start a demo workspace's booking site where its config says."""
    from reconciler.demo.address import workspace_site  # noqa: PLC0415

    return workspace_site(workspace.directory, dev=dev).start()


# --- a patient on the site ------------------------------------------------------------


def storgata(public: PublicClient) -> str:
    return next(c.ID for c in public.clinics() if c.Name == "Storgata")


def slots_of(public: PublicClient, clinician: int = 10, treatment: int = 5) -> list[TimeSlotDTO]:
    return public.available_times(treatment, clinic_id=storgata(public), clinician_id=clinician)


def book(account: SiteAccount, people: People, slot: TimeSlotDTO, n: int = 0) -> int:
    """Book and confirm with the code from the outbox; the booking's id."""
    public = account.public()
    outcome = public.book(BookingDTO(Patient=people.patient(n), TimeSlot=slot))
    assert outcome.challenge is not None
    result = public.confirm(outcome.challenge.ChallengeId, account.code(people.mobile(n)))
    assert result.Status == "confirmed" and result.BookingId is not None
    return result.BookingId


def login(account: SiteAccount, people: People, n: int) -> PublicClient:
    """A client logged in as patient n."""
    public = account.public()
    challenge = public.login(people.ids[n])
    public.confirm(challenge.ChallengeId, account.code(people.mobile(n)))
    return public
