"""The sync service over real HTTP, on a demo workspace: free time out exactly as `slots`
says, bookings, moves and cancellations back into the book, staff's changes off the site,
a conflict rejected rather than double booked, and one service per account."""

from __future__ import annotations

from datetime import datetime, timedelta

from sync_support import Clinic, offered_as_slots, slots_say

from reconciler.domain.clock import clinic_now
from reconciler.providers.site import backend_client


def test_the_site_offers_exactly_what_slots_says(clinic: Clinic) -> None:
    assert clinic.offered() == []  # nothing before the first sync
    log = clinic.sync()
    assert "free time: " in log and "batches added" in log
    assert offered_as_slots(clinic) == slots_say(clinic) != []
    again = clinic.sync()
    assert "free time" not in again  # nothing changed: nothing sent


def test_a_booking_reaches_the_book_and_its_time_leaves_the_site(clinic: Clinic) -> None:
    root = clinic.workspace.config
    root.write_text(
        root.read_text().replace(
            "    site:\n",
            "    site:\n      flexibility: {patient_note: true}\n"
            "      registration: {fields: {campaign_code: true}}\n",
        )
    )
    assert clinic.cli("apply", clinic.config, "--auto-approve").code == 0
    clinic.sync()
    slot = clinic.offered()[0]
    booking = clinic.book(slot, 0, CampaignCode="VAR26", FreeTextMessage="Vondt i en jeksel")
    clinic.sync()
    rows = clinic.sql(
        "SELECT a.registered_by, a.category, a.book_text, a.duration, a.status, p.first_name"
        " FROM appointments a JOIN patients p ON p.id = a.patient_id"
        " WHERE a.site_booking_id = ?",
        str(booking),
    )
    assert rows == [
        ("ITB", "Undersøkelse", "E-time: undersøkelse CC: VAR26 – Vondt i en jeksel", 30,
         "booked", "Kari0")
    ]  # fmt: skip
    assert (slot.ClinicianID, f"{slot.Start:%Y-%m-%dT%H:%M}") not in offered_as_slots(clinic)
    assert offered_as_slots(clinic) == slots_say(clinic)
    clinic.sync()  # the event is not written twice
    assert clinic.sql(
        "SELECT count(*) FROM appointments WHERE site_booking_id = ?", str(booking)
    ) == [(1,)]


def test_staff_booking_in_the_book_removes_the_time_from_the_site(clinic: Clinic) -> None:
    clinic.sync()
    slot = clinic.offered()[1]
    clinic.staff_book(slot, 30)
    clinic.sync()
    assert (slot.ClinicianID, f"{slot.Start:%Y-%m-%dT%H:%M}") not in offered_as_slots(clinic)
    assert offered_as_slots(clinic) == slots_say(clinic)


def test_a_conflict_is_rejected_never_double_booked(clinic: Clinic) -> None:
    clinic.sync()
    slot = clinic.offered()[0]
    booking = clinic.book(slot, 1)
    clinic.staff_book(slot, 60)  # staff book the same time before the sync brings the booking in
    log = clinic.sync()
    assert "1 rejected" in log
    assert clinic.sql(
        "SELECT count(*) FROM appointments WHERE site_booking_id = ?", str(booking)
    ) == [(0,)]
    assert clinic.sql("SELECT status FROM rc_journal WHERE plan_id = 'sync'") == [("rejected",)]
    with backend_client(clinic.account()) as site:
        assert list(site.events()) == []  # acknowledged
    account = clinic.account()
    from reconciler.providers.site import connect_dev  # noqa: PLC0415

    with connect_dev(clinic.site.url) as dev:
        told = [m for m in dev.outbox(subdomain=account.subdomain) if "avbestilt" in m.Body.lower()]
    assert told, "the patient was not told"


def test_a_move_and_a_cancellation_keep_skeletons_and_journal(clinic: Clinic) -> None:
    from reconciler.providers.site import connect_public  # noqa: PLC0415

    clinic.sync()
    ahead = [s for s in clinic.offered() if s.Start > datetime.now() + timedelta(days=2)]
    first, later = ahead[0], ahead[4]  # beyond the site's change deadline
    booking = clinic.book(first, 2)
    clinic.sync()
    moved = clinic.move(booking, later, 2)
    assert moved.BookingId is not None
    clinic.sync()
    statuses = dict(
        clinic.sql(
            "SELECT site_booking_id, status FROM appointments WHERE site_booking_id IN (?, ?)",
            str(booking),
            str(moved.BookingId),
        )
    )
    assert statuses == {str(booking): "moved", str(moved.BookingId): "booked"}
    assert (first.ClinicianID, f"{first.Start:%Y-%m-%dT%H:%M}") in offered_as_slots(clinic)
    account = clinic.account()
    with connect_public(account.url, account.subdomain) as patient:
        outcome = patient.cancel(
            moved.BookingId, national_id=clinic.patient(2).PatientPersonalIdentification
        )
        assert outcome.challenge is not None
        patient.confirm(outcome.challenge.ChallengeId, clinic.code(2))
    clinic.sync()
    assert clinic.sql(
        "SELECT status FROM appointments WHERE site_booking_id = ?", str(moved.BookingId)
    ) == [("cancelled",)]
    journal = [text for (text,) in clinic.sql("SELECT text FROM journal_entries ORDER BY id")]
    assert any(t.startswith("Time flyttet fra") for t in journal)
    assert any(t.endswith("avbestilt (e-timebok)") for t in journal)
    assert (later.ClinicianID, f"{later.Start:%Y-%m-%dT%H:%M}") in offered_as_slots(clinic)
    assert offered_as_slots(clinic) == slots_say(clinic)


def test_a_second_sync_refuses_and_names_the_first(clinic: Clinic) -> None:
    from reconciler.providers.opus import OpusSchema  # noqa: PLC0415
    from reconciler.providers.opus.connection import create_engine  # noqa: PLC0415
    from reconciler.sync.lease import Lease  # noqa: PLC0415

    clinic.sync()
    db = clinic.account().databases["opus"]
    engine = create_engine(db, "opus")
    Lease(engine, OpusSchema(), "demo", timedelta(minutes=5)).acquire(clinic_now())
    try:
        result = clinic.cli("sync", clinic.config, "--once")
    finally:
        engine.dispose()
    assert result.code == 1
    assert "account 'demo' is synced by another service:" in result.err
    assert "since " + f"{clinic_now():%Y-%m-%d}" in result.err


def test_a_booking_moved_before_the_sync_saw_it_reaches_the_book_at_its_new_time(
    clinic: Clinic,
) -> None:
    """Its first time was taken by staff meanwhile (that event is rejected); the move is the
    patient's booking all the same: written as new, and the rejection does not cancel it."""
    clinic.sync()
    ahead = [s for s in clinic.offered() if s.Start > datetime.now() + timedelta(days=2)]
    first, later = ahead[0], ahead[6]
    booking = clinic.book(first, 3)
    clinic.staff_book(first, 30)
    moved = clinic.move(booking, later, 3)
    log = clinic.sync()
    assert "1 written, 1 rejected" in log
    assert clinic.sql(
        "SELECT status, starts_at FROM appointments WHERE site_booking_id = ?", str(moved.BookingId)
    ) == [("booked", later.Start.strftime("%Y-%m-%d %H:%M:%S.%f"))]
    assert (later.ClinicianID, f"{later.Start:%Y-%m-%dT%H:%M}") not in offered_as_slots(clinic)
    again = clinic.sync()  # nothing is written or rejected twice
    assert "bookings" not in again
