"""The account's state version (GET /account's StateVersion, a reference-site extension): it
grows with every write to what a plan reads — the Subdomain document, the certificate, the
databases, the master data — by the API or by anyone writing to the store, and with nothing
the sync does (free time, bookings, the booking feed, the service's heartbeat). A planner that
skips reading the site while it is unchanged relies on that, so each kind of write is tried."""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import httpx
import pytest
from support import (
    FAST,
    P12_PASSWORD,
    NewAccount,
    People,
    Pki,
    SiteAccount,
    book,
    free_day,
    next_monday,
    slots_of,
)

from reconciler.providers.site import ClientCertificate, connect_backend
from reconciler.providers.site.models import (
    BookAppointment,
    BookAppointments,
    BookingDTO,
    Clinic,
    Clinician,
    OpusDatabaseDiff,
    Removed,
    TimeSlotDiffV2,
    Treatment,
)
from reconciler.site.background import BackgroundSite
from reconciler.site.store import Store

# What a plan reads of each table, and what it does not: every column is one or the other, so
# that a column added later has to be sorted before this passes.
READ = {
    "accounts": {"id", "subdomain", "culture", "settings", "settings_version"},
    "certificates": {
        "account_id",
        "thumbprint",
        "sha256",
        "serial_number",
        "subject",
        "effective_date",
        "expiration_date",
        "raw_data",
        "activated_at",
    },
    "databases": {
        "account_id",
        "id",
        "name",
        "active",
        "culture",
        "version",
        "client_version",
        "masterdata_version",
    },
    "entities": {"account_id", "database_id", "kind", "id", "data"},
}
NOT_READ = {
    "accounts": {"key_hash", "created_at", "events_acked"},
    "certificates": set(),
    "databases": {
        "target_state",
        "heartbeat_time",
        "service_id",
        "machine_name",
        "timeslot_version",
    },
    "entities": set(),
}

NEW_VALUE = {("entities", "kind"): "'clinician'"}  # any other value breaks its CHECK


def version(account: SiteAccount) -> int:
    found = account.backend.account().StateVersion
    assert isinstance(found, int)
    return found


class Watch:
    """The account's version before and after each step."""

    def __init__(self, account: SiteAccount) -> None:
        self.account = account
        self.last = version(account)

    def rose(self) -> bool:
        now = version(self.account)
        rose, self.last = now > self.last, now
        return rose

    def same(self) -> bool:
        now = version(self.account)
        same, self.last = now == self.last, now
        return same


@pytest.fixture
def raw(site: BackgroundSite) -> Iterator[sqlite3.Connection]:
    """The running site's store file, opened as anyone could (the sqlite3 shell, a script)."""
    with closing(sqlite3.connect(site.store.path, timeout=30, isolation_level=None)) as db:
        yield db


def test_the_account_answers_with_its_version(new_account: NewAccount) -> None:
    account = new_account(seeded=False, activate=False)
    with httpx.Client(base_url=account.site.url) as client:
        answer = client.get("/api/backend/v1/account", headers={"apiKey": account.key})
    assert answer.status_code == 200
    number = answer.json()["StateVersion"]
    assert isinstance(number, int) and not isinstance(number, bool)
    assert number > 1_000_000  # starts at the account's making, in µs: never 0 or 1 again
    assert account.backend.account().StateVersion == number
    other = new_account(seeded=False, activate=False)
    assert version(other) != number  # each account has its own


def test_settings_and_subdomain_writes_raise_it(account: SiteAccount) -> None:
    watch = Watch(account)
    account.settings(WeekendBookingEnabled=True)
    assert watch.rose()
    document = account.backend.subdomain()
    account.backend.put_subdomain(document)  # the same document again: nothing changed
    assert watch.same()
    media = document.MediaSettings.model_copy(update={"ColorCode": "#123456"})
    account.backend.put_subdomain(document.model_copy(update={"MediaSettings": media}))
    assert watch.rose()
    renamed = f"ny-{uuid.uuid4().hex[:10]}"
    account.backend.put_subdomain(account.backend.subdomain().model_copy(update={"Name": renamed}))
    assert watch.rose()
    assert account.backend.account().SubdomainName == renamed


def test_certificate_activation_and_renewal_raise_it(new_account: NewAccount, pki: Pki) -> None:
    account = new_account(seeded=False, activate=False)
    watch = Watch(account)
    account.backend.activate()
    assert watch.rose()
    renewed = ClientCertificate.load(pki.second, P12_PASSWORD)
    account.backend.activate(renewed)
    assert watch.rose()
    assert account.backend.account().Thumbprint == renewed.thumbprint


def test_database_registration_raises_it(account: SiteAccount, raw: sqlite3.Connection) -> None:
    backend, watch = account.backend, Watch(account)
    second = uuid.uuid4()
    backend.register_database(second, "Opus filial", culture="NO", version="2026.1")
    assert watch.rose()
    backend.register_database(second, "Opus filial", culture="NO", version="2026.1")
    assert watch.same()  # registered again as it is
    backend.register_database(second, "Opus filial", culture="NO", version="2026.2")
    assert watch.rose()
    backend.register_database(second, "Opus filial", active=False, culture="NO", version="2026.2")
    assert watch.rose()
    raw.execute(
        "DELETE FROM databases WHERE account_id = ? AND id = ?", (account.id, str(second))
    )  # there is no call to unregister one: the site's operator does it in the store
    assert watch.rose()
    assert second not in {d.OpusDatabaseID for d in backend.databases()}


def test_master_data_writes_raise_it(account: SiteAccount) -> None:
    backend, db, watch = account.backend, account.database_id, Watch(account)
    for diff in (
        OpusDatabaseDiff(AddedClinics=[Clinic(ID=3, Name="Grünerløkka", Order=2)]),
        OpusDatabaseDiff(ChangedClinics=[Clinic(ID=3, Name="Grünerløkka tannklinikk", Order=2)]),
        OpusDatabaseDiff(AddedClinicians=[Clinician(ID=14, ClinicID=3, Name="Per Lie")]),
        OpusDatabaseDiff(ChangedClinicians=[Clinician(ID=14, ClinicID=3, Name="Per Lien")]),
        OpusDatabaseDiff(RemovedClinicians=[Removed(ID=14)]),
        OpusDatabaseDiff(AddedTreatments=[Treatment(ID=8, Name="Bleking", Duration=60)]),
        OpusDatabaseDiff(ChangedTreatments=[Treatment(ID=8, Name="Bleking", Duration=90)]),
        OpusDatabaseDiff(RemovedTreatments=[Removed(ID=8)]),
        OpusDatabaseDiff(RemovedClinics=[Removed(ID=3)]),
    ):
        backend.apply_master_data(db, diff)
        assert watch.rose(), diff
    backend.apply_master_data(db, OpusDatabaseDiff())  # an empty diff changes nothing
    assert watch.same()


def test_what_the_sync_does_leaves_it_alone(account: SiteAccount, people: People) -> None:
    backend, db = account.backend, account.database_id
    watch = Watch(account)
    state = backend.free_time(db)
    monday = next_monday()
    backend.apply_free_time(
        db,
        TimeSlotDiffV2(
            Removed=[state.Items[0]], Added=[free_day(monday + dt.timedelta(days=8), 2, 12)]
        ),
    )
    assert watch.same()
    backend.register_online([db], service_id="svc-a", machine="KLINIKK-SRV01")
    backend.heartbeat([db], service_id="svc-a")
    backend.register_offline([db], service_id="svc-a")
    backend.token()
    assert watch.same()
    booking = book(account, people, slots_of(account.public())[0])  # code, outbox, hold
    public = account.public()
    cancelled = public.cancel(booking, national_id=people.ids[0])
    assert cancelled.challenge is not None
    public.confirm(cancelled.challenge.ChallengeId, account.code(people.mobile(0)))
    assert watch.same()
    events = list(backend.events())
    assert [e.Kind for e in events] == ["new", "cancelled"]
    backend.acknowledge(events[-1].Cursor)
    assert watch.same()
    upload = BookAppointments(
        Upserts=[
            BookAppointment.model_validate(
                {
                    "OpusAppointmentID": 901,
                    "PatientPersonalIdentification": people.ids[1],
                    "ClinicID": 1,
                    "ClinicianID": 10,
                    "TreatmentID": 5,
                    "Start": dt.datetime.combine(monday, dt.time(15)),
                    "End": dt.datetime.combine(monday, dt.time(15, 30)),
                }
            )
        ]
    )
    assert backend.upload_appointments(db, upload)["Upserted"] == 1
    assert watch.same()


def test_a_skip_confirmation_booking_leaves_it_alone(account: SiteAccount, people: People) -> None:
    account.settings(SkipConfirmation=True)
    watch = Watch(account)
    public = account.public()
    outcome = public.book(BookingDTO(Patient=people.patient(3), TimeSlot=slots_of(public)[1]))
    assert outcome.booking_id is not None
    (event,) = account.backend.events()
    account.backend.acknowledge(event.Cursor)
    assert watch.same()


def test_direct_writes_to_the_store_raise_it(account: SiteAccount, raw: sqlite3.Connection) -> None:
    watch, db = Watch(account), str(account.database_id)
    raw.execute(
        "INSERT INTO entities (account_id, database_id, kind, id, data) VALUES (?, ?, ?, ?, ?)",
        (account.id, db, "treatment", 42, '{"ID": 42, "Name": "Skrevet rett inn", "Duration": 30}'),
    )
    assert watch.rose()
    raw.execute(
        "UPDATE entities SET data = json_set(data, '$.Duration', 45)"
        " WHERE account_id = ? AND kind = 'treatment' AND id = 42",
        (account.id,),
    )
    assert watch.rose()
    assert {t.ID: t.Duration for t in account.backend.master_data(account.database_id).Treatments}[
        42
    ] == 45
    raw.execute(
        "DELETE FROM entities WHERE account_id = ? AND kind = 'treatment' AND id = 42",
        (account.id,),
    )
    assert watch.rose()
    raw.execute(
        "UPDATE accounts SET settings = json_set(settings, '$.FlexibilitySettings.MonthsToSync', 7)"
        " WHERE id = ?",
        (account.id,),
    )
    assert watch.rose()
    raw.execute(
        "UPDATE certificates SET activated_at = '2000-01-01' WHERE account_id = ?", (account.id,)
    )
    assert watch.rose()
    raw.execute("UPDATE databases SET name = 'Omdøpt' WHERE account_id = ?", (account.id,))
    assert watch.rose()
    raw.execute("UPDATE accounts SET events_acked = events_acked + 7 WHERE id = ?", (account.id,))
    raw.execute(
        "UPDATE databases SET heartbeat_time = '2000-01-01', timeslot_version = 99"
        " WHERE account_id = ?",
        (account.id,),
    )
    assert watch.same()


def test_a_write_to_one_account_leaves_the_others_alone(new_account: NewAccount) -> None:
    first, second = new_account(), new_account()
    watch = Watch(second)
    first.settings(WeekendBookingEnabled=True)
    first.backend.apply_master_data(
        first.database_id, OpusDatabaseDiff(RemovedTreatments=[Removed(ID=7)])
    )
    assert watch.same()


@pytest.mark.parametrize("table", sorted(READ))
def test_each_column_is_sorted_and_its_writes_judged_so(tmp_path: Path, table: str) -> None:
    """Each column's change alone, rolled back after: a column a plan reads raises the
    version, one it does not read leaves it."""
    path = tmp_path / "site.db"
    store = Store(path)
    account_id = store.register_account(str(uuid.uuid4()), "key-for-columns", "kolonner")
    with store.write() as db:
        db.execute(
            "INSERT INTO certificates VALUES (?, 'AB', 'CD', '1', 'CN=x', '2026-01-01',"
            " '2027-01-01', x'00', '2026-01-01')",
            (account_id,),
        )
        db.execute(
            "INSERT INTO databases (account_id, id, name, active) VALUES (?, 'd', 'n', 1)",
            (account_id,),
        )
        db.execute("INSERT INTO entities VALUES (?, 'd', 'clinic', 1, '{}')", (account_id,))
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        columns = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        assert columns == READ[table] | NOT_READ[table]
        raised = set()
        for column in sorted(columns):
            db.execute("BEGIN")
            before = _version(db, account_id)
            value = NEW_VALUE.get((table, column), f"coalesce({column}, '') || '~'")
            changed = db.execute(f"UPDATE {table} SET {column} = {value}").rowcount
            assert changed == 1
            if _version(db, account_id) > before:
                raised.add(column)
            db.execute("ROLLBACK")
    assert raised == READ[table]


def _version(db: sqlite3.Connection, account_id: str) -> int:
    row = db.execute(
        "SELECT version FROM state_versions WHERE account_id = ?", (account_id,)
    ).fetchone()
    assert row is not None
    return int(row[0])


def test_a_store_from_before_state_versions_gets_them(tmp_path: Path, pki: Pki) -> None:
    path = tmp_path / "site.db"
    account_id, key = str(uuid.uuid4()), "older-store-key"
    store = Store(path)
    store.register_account(account_id, key, "eldre")
    with closing(sqlite3.connect(path, isolation_level=None)) as db:  # as the store was before
        names = [
            r[0]
            for r in db.execute(
                "SELECT name FROM sqlite_master"
                " WHERE type = 'trigger' AND name LIKE 'state_version%'"
            )
        ]
        assert len(names) == 12  # insert, update, delete of four tables
        for name in names:
            db.execute(f"DROP TRIGGER {name}")
        db.execute("DROP TABLE state_versions")
    certificate = ClientCertificate.load(pki.good, P12_PASSWORD)
    with (
        BackgroundSite(path) as site,
        connect_backend(site.url, key, certificate, retry=FAST) as backend,
    ):
        first = backend.account().StateVersion
        assert first is not None and first > 1_000_000
        backend.activate()
        backend.register_database(uuid.UUID(int=7), "OpusDental")
        second = backend.account().StateVersion
        assert second is not None and second > first
        with closing(sqlite3.connect(path, timeout=30, isolation_level=None)) as db:
            db.execute(
                'INSERT INTO entities VALUES (?, ?, \'clinic\', 1, \'{"ID": 1, "Name": "A"}\')',
                (account_id, str(uuid.UUID(int=7))),
            )
        third = backend.account().StateVersion
        assert third is not None and third > second


def test_a_store_made_anew_does_not_repeat_versions(tmp_path: Path) -> None:
    """The demo registers the same account id in each store it makes: a version recorded
    from the old store must not come back in the new one."""
    account_id = str(uuid.uuid4())
    seen = []
    for n in range(2):
        store = Store(tmp_path / f"site-{n}.db")
        store.register_account(account_id, "same-key-each-time", "samme")
        with store.read() as db:
            seen.append(_version(db, account_id))
        with store.write() as db:
            db.execute("UPDATE accounts SET culture = 'SE' WHERE id = ?", (account_id,))
    assert seen[1] > seen[0] + 1
