"""The appointments the clinic books in the book, for a patient who has booked on the site,
reach the site: the patient sees them, may cancel and move them there (the book follows),
and stops seeing a site booking the clinic cancelled or moved in the book."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from sync_support import EXAM, Clinic

from reconciler.errors import SiteRejected
from reconciler.providers.site import connect_public
from reconciler.providers.site.models import BookingDTO, RescheduleDTO, TimeSlotDTO
from reconciler.providers.site.public import Outcome, PublicClient

PATIENT = 1


def staff_book(
    clinic: Clinic, patient_id: object, at: datetime, provider: int, **row: object
) -> int:
    """An appointment registered at the front desk, straight into the book; its id."""
    values = {
        "provider_id": provider,
        "patient_id": patient_id,
        "starts_at": at.strftime("%Y-%m-%d %H:%M:%S"),
        "duration": 30,
        "registered_by": "SOV",
        "status": "booked",
        "created_at": datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
        **row,
    }
    clinic.sql(
        f"INSERT INTO appointments ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
        *values.values(),
    )
    return int(clinic.sql("SELECT max(id) FROM appointments")[0][0])  # type: ignore[arg-type]


@contextmanager
def logged_in(clinic: Clinic) -> Iterator[PublicClient]:
    """The patient's session on the site, after logging in by SMS code (each code counts
    against the site's limit of five an hour per patient: one session serves the test)."""
    account = clinic.account()
    with connect_public(account.url, account.subdomain) as site:
        challenge = site.login(clinic.patient(PATIENT).PatientPersonalIdentification or "")
        site.confirm(challenge.ChallengeId, clinic.code(PATIENT))
        yield site


def allow_cancelling_without_a_type(clinic: Clinic) -> None:
    root = clinic.workspace.config
    root.write_text(
        root.read_text().replace(
            "    site:\n", "    site:\n      booking: {cancel_without_appointment_type: true}\n"
        )
    )
    assert clinic.cli("apply", clinic.config, "--auto-approve").code == 0


def starts(bookings: list[BookingDTO]) -> set[str]:
    return {f"{b.TimeSlot.Start:%Y-%m-%d %H:%M}" for b in bookings}


def with_code(clinic: Clinic, site: PublicClient, outcome: Outcome) -> int | None:
    assert outcome.challenge is not None
    return site.confirm(outcome.challenge.ChallengeId, clinic.code(PATIENT)).BookingId


def test_the_clinics_appointments_show_and_follow_the_book(clinic: Clinic) -> None:
    clinic.sync()
    ahead = [s for s in clinic.offered() if s.Start > datetime.now() + timedelta(days=2)]
    booking = clinic.book(ahead[0], PATIENT)
    clinic.sync()
    ((patient_id, type_id),) = clinic.sql(
        "SELECT a.patient_id, t.id FROM appointments a, appointment_types t"
        " WHERE a.site_booking_id = ? AND t.name = ?",
        str(booking),
        EXAM,
    )
    provider = ahead[0].ClinicianID
    later = ahead[0].Start + timedelta(days=7)
    typed = staff_book(clinic, patient_id, later, provider, appointment_type_id=type_id)
    untyped = staff_book(clinic, patient_id, later + timedelta(hours=1), provider, duration=45)
    staff_book(clinic, None, later + timedelta(hours=2), provider)  # no patient the site knows

    assert "the clinic's appointments: 2 changed on the site" in clinic.sync()
    with logged_in(clinic) as site:
        seen = site.bookings()
        assert starts(seen) == {
            f"{ahead[0].Start:%Y-%m-%d %H:%M}",
            f"{later:%Y-%m-%d %H:%M}",
            f"{later + timedelta(hours=1):%Y-%m-%d %H:%M}",
        }
        by_start = {b.TimeSlot.Start.replace(tzinfo=None): b for b in seen}
        assert by_start[later].TimeSlot.TreatmentID == type_id
        assert by_start[later + timedelta(hours=1)].TimeSlot.TreatmentID == 0  # booked without one

        # the clinic moves its untyped appointment, and cancels the site's booking, in the book
        clinic.sql(
            "UPDATE appointments SET starts_at = ? WHERE id = ?",
            (later + timedelta(hours=3)).strftime("%Y-%m-%d %H:%M:%S"),
            untyped,
        )
        clinic.sql(
            "UPDATE appointments SET status = 'cancelled' WHERE site_booking_id = ?", str(booking)
        )
        clinic.sync()
        assert starts(site.bookings()) == {
            f"{later:%Y-%m-%d %H:%M}",
            f"{later + timedelta(hours=3):%Y-%m-%d %H:%M}",
        }

        # the patient moves the clinic's typed appointment on the site: the book follows
        target = ahead[4]
        new = TimeSlotDTO(
            Start=target.Start,
            End=target.End,
            ClinicID=target.ClinicID,
            ClinicianID=target.ClinicianID,
            TreatmentID=type_id,
        )
        reschedule = RescheduleDTO(OriginalBookingId=by_start[later].ID, NewTime=new)
        moved = with_code(clinic, site, site.move(reschedule))
        assert moved is not None
        clinic.sync()
        assert clinic.sql("SELECT status FROM appointments WHERE id = ?", typed) == [("moved",)]
        assert clinic.sql(
            "SELECT patient_id, registered_by, status FROM appointments WHERE site_booking_id = ?",
            str(moved),
        ) == [(patient_id, "ITB", "booked")]

        # and cancels the clinic's other appointment there
        untyped_on_site = next(b for b in site.bookings() if b.TimeSlot.TreatmentID == 0)
        assert untyped_on_site.ID is not None
        with pytest.raises(SiteRejected, match="cannot be cancelled online"):
            with_code(clinic, site, site.cancel(untyped_on_site.ID))  # by the site's rules
        allow_cancelling_without_a_type(clinic)
        with_code(clinic, site, site.cancel(untyped_on_site.ID))
        clinic.sync()
        assert clinic.sql("SELECT status FROM appointments WHERE id = ?", untyped) == [
            ("cancelled",)
        ]
        journal = [t for (t,) in clinic.sql("SELECT text FROM journal_entries ORDER BY id")]
        assert any(t.startswith("Time flyttet fra") for t in journal)
        assert any(t.endswith("avbestilt (e-timebok)") for t in journal)
        assert starts(site.bookings()) == {f"{target.Start:%Y-%m-%d %H:%M}"}
