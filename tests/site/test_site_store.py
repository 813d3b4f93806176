"""The store without HTTP (create_store / register_account, as `demo init` uses them), the
store's own guard against double booking, idempotent writes, and the slot arithmetic."""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import People, SiteAccount, next_monday

from reconciler.domain.spans import Span, cut, merge, subtract
from reconciler.errors import UsageError
from reconciler.providers.site.models import BookingDTO
from reconciler.site import create_store, register_account
from reconciler.site.booking.availability import offered
from reconciler.site.store import keys

KEY = "demo-account-key-1"


def test_register_account_keeps_only_a_hash_of_the_key(tmp_path: Path) -> None:
    path = tmp_path / "demo" / "site.db"
    account_id = register_account(path, str(uuid.uuid4()), KEY, "demo-klinikk")
    assert path.exists()
    assert KEY.encode() not in path.read_bytes()
    store = create_store(path)  # opening again keeps what is there
    with store.read() as db:
        row = db.execute("SELECT * FROM accounts WHERE id = ?", (account_id,)).fetchone()
    assert row["subdomain"] == "demo-klinikk"
    assert row["key_hash"] == store.account_key_hash(KEY) != KEY


def test_a_key_is_hashed_once_and_never_remembered_as_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client's every call sends the key: its scrypt is remembered, under a keyed hash of
    the key, for the last few keys; a new key costs a scrypt again."""
    store = create_store(tmp_path / "site.db")
    hashed: list[str] = []
    real = keys.account_key_hash

    def counted(key: str, salt: bytes) -> str:
        hashed.append(key)
        return real(key, salt)

    monkeypatch.setattr(keys, "account_key_hash", counted)
    first = store.account_key_hash(KEY)
    assert store.account_key_hash(KEY) == first == real(KEY, store.key_salt)
    assert hashed == [KEY]
    assert KEY not in repr(store.__dict__)
    for i in range(100):  # more keys than it remembers: the first is forgotten
        store.account_key_hash(f"guess-{i}")
    assert store.account_key_hash(KEY) == first and hashed.count(KEY) == 2


@pytest.mark.parametrize(
    ("account_id", "key", "subdomain", "message"),
    [
        ("not-a-uuid", KEY, "ok", "not a UUID"),
        (str(uuid.uuid4()), "short", "ok", "8 to 200 characters"),
        (str(uuid.uuid4()), KEY, "Storgata", "lower case"),
        (str(uuid.uuid4()), KEY, "taken", "already has an account with subdomain taken"),
        (str(uuid.uuid4()), "another-key-1", "taken", "already has an account with subdomain"),
    ],
)
def test_register_account_refuses_clearly(
    tmp_path: Path, account_id: str, key: str, subdomain: str, message: str
) -> None:
    path = tmp_path / "site.db"
    register_account(path, str(uuid.uuid4()), KEY + "-first", "taken")
    with pytest.raises(UsageError, match=message) as refused:
        register_account(path, account_id, key, subdomain)
    assert key not in str(refused.value) or key == "short"


def _hold(db: sqlite3.Connection, start: str, end: str, status: str, expires: str | None) -> None:
    db.execute(
        "INSERT INTO holds (account_id, database_id, clinic_id, clinician_id, treatment_id,"
        " start_at, end_at, status, expires_at, created_at, updated_at)"
        " VALUES ('a', 'd', 1, 10, 5, ?, ?, ?, ?, '2030-01-01T09:00:00', '2030-01-01T09:00:00')",
        (start, end, status, expires),
    )


def test_the_store_itself_refuses_overlapping_holds(tmp_path: Path) -> None:
    store = create_store(tmp_path / "site.db")
    with store.write() as db:
        _hold(db, "2030-01-02T08:00:00", "2030-01-02T08:30:00", "confirmed", None)
        _hold(db, "2030-01-02T09:00:00", "2030-01-02T09:30:00", "pending", "2030-01-01T08:00:00")
        _hold(db, "2030-01-02T09:15:00", "2030-01-02T09:45:00", "confirmed", None)  # lapsed one
        _hold(db, "2030-01-02T08:30:00", "2030-01-02T09:00:00", "cancelled", None)
    with pytest.raises(sqlite3.IntegrityError, match="overlapping hold"), store.write() as db:
        _hold(db, "2030-01-02T08:15:00", "2030-01-02T08:45:00", "reserved", "2030-01-01T10:00:00")
    with store.write() as db:  # a cancelled hold moved over the confirmed one is harmless …
        db.execute("UPDATE holds SET start_at = '2030-01-02T08:10:00' WHERE status = 'cancelled'")
    with pytest.raises(sqlite3.IntegrityError, match="overlapping hold"), store.write() as db:
        db.execute("UPDATE holds SET status = 'confirmed' WHERE status = 'cancelled'")  # … not so


def test_a_retried_booking_is_booked_once(account: SiteAccount, people: People) -> None:
    account.settings(SkipConfirmation=True)
    public = account.public()
    slot = public.available_times(5)[0]
    body = BookingDTO(Patient=people.patient(0), TimeSlot=slot).body()
    url = f"{account.site.url}/sites/{account.subdomain}/api/public/v1/bookings"
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    with httpx.Client() as raw:
        first = raw.post(url, json=body, headers=headers)
        again = raw.post(url, json=body, headers=headers)
        other = raw.post(url, json={**body, "FreeTextMessage": "x"}, headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert other.status_code == 422 and other.json()["code"] == "idempotency-key-reused"
    assert len(list(account.backend.events())) == 1


# --- slot arithmetic -------------------------------------------------------------------------

BASE = dt.datetime(2030, 1, 7, 8)


def _intervals(max_size: int) -> st.SearchStrategy[list[Span]]:
    pair = st.tuples(st.integers(0, 480), st.integers(5, 120))
    return st.lists(pair, max_size=max_size).map(
        lambda pairs: [
            Span(BASE + dt.timedelta(minutes=a), BASE + dt.timedelta(minutes=a + n))
            for a, n in pairs
        ]
    )


@given(free=_intervals(5), busy=_intervals(8), length=st.integers(5, 90))
def test_slots_lie_in_free_time_and_never_touch_busy_time(
    free: list[Span], busy: list[Span], length: int
) -> None:
    rest = subtract(free, busy)
    slots = list(cut(rest, dt.timedelta(minutes=length)))
    for slot in slots:
        assert slot.end - slot.start == dt.timedelta(minutes=length)
        assert any(slot.within(f) for f in merge(free))
        assert not any(slot.overlaps(b) for b in busy)
    assert all(not a.overlaps(b) for i, a in enumerate(slots) for b in slots[i + 1 :])
    minutes = sum((r.end - r.start).total_seconds() for r in rest) / 60
    assert len(slots) <= minutes // length


def test_offered_slots_honour_window_now_and_weekends() -> None:
    monday = next_monday()
    saturday = monday + dt.timedelta(days=5)
    ranges = [
        Span(dt.datetime.combine(day, dt.time(8)), dt.datetime.combine(day, dt.time(10)))
        for day in (monday, saturday)
    ]
    window = Span(
        dt.datetime.combine(monday, dt.time(0)), dt.datetime.combine(saturday, dt.time(23))
    )
    now = dt.datetime.combine(monday, dt.time(8, 45))
    weekdays = offered(ranges, [], dt.timedelta(minutes=30), window, now=now, weekends=False)
    assert [s.start.time() for s in weekdays] == [dt.time(9), dt.time(9, 30)]
    everything = offered(ranges, [], dt.timedelta(minutes=30), window, now=now, weekends=True)
    assert len(everything) == 6
