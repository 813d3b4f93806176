"""The reference-site extension for the clinic's own appointments: uploaded by the sync
service, shown to the patient, kept as the book says, and checked like any other body."""

from __future__ import annotations

import datetime as dt

import pytest
from support import People, SiteAccount, at, book, login, next_monday, slots_of

from reconciler.errors import SiteRejected
from reconciler.providers.site.models import BookAppointment, BookAppointments


def appointment(
    opus_id: int, national_id: str, start: dt.datetime, **fields: object
) -> BookAppointment:
    values: dict[str, object] = {
        "OpusAppointmentID": opus_id,
        "PatientPersonalIdentification": national_id,
        "ClinicID": 1,
        "ClinicianID": 10,
        "TreatmentID": 5,
        "Start": start,
        "End": start + dt.timedelta(minutes=30),
        **fields,
    }
    return BookAppointment.model_validate(values)


def test_the_clinics_appointments_are_shown_as_the_book_says(
    account: SiteAccount, people: People
) -> None:
    public = account.public()
    slot = slots_of(public)[0]
    booking = book(account, people, slot, n=2)
    upload, db = account.backend.upload_appointments, account.database_id
    day = next_monday(3)
    typed = appointment(901, people.ids[2], at(day, 9))
    untyped = appointment(902, people.ids[2], slot.Start, TreatmentID=None)  # over the booking
    assert upload(db, BookAppointments(Replace=True, Upserts=[typed, untyped])) == {
        "Upserted": 2,
        "Removed": 0,
        "Gone": 0,
    }
    assert upload(db, BookAppointments(Upserts=[typed, untyped]))["Upserted"] == 0  # no change
    patient = login(account, people, 2)
    shown = {
        (b.TimeSlot.Start.replace(tzinfo=None), b.TimeSlot.TreatmentID) for b in patient.bookings()
    }
    assert shown == {
        (slot.Start.replace(tzinfo=None), 5),
        (at(day, 9), 5),
        (slot.Start.replace(tzinfo=None), 0),
    }

    moved = typed.model_copy(update={"Start": at(day, 10), "End": at(day, 10, 30)})
    assert upload(db, BookAppointments(Replace=True, Upserts=[moved]))["Removed"] == 1
    assert upload(db, BookAppointments(Gone=[booking]))["Gone"] == 1
    assert upload(db, BookAppointments(Gone=[booking]))["Gone"] == 0
    assert [b.TimeSlot.Start.replace(tzinfo=None) for b in patient.bookings()] == [at(day, 10)]


def test_an_upload_is_checked_and_never_echoes_a_national_id(
    account: SiteAccount, people: People
) -> None:
    upload, db = account.backend.upload_appointments, account.database_id
    start = at(next_monday(3), 9)
    wrong = "01018012345"
    with pytest.raises(SiteRejected, match="national identity number") as refused:
        upload(db, BookAppointments(Upserts=[appointment(1, wrong, start)]))
    assert wrong not in str(refused.value)
    with pytest.raises(SiteRejected, match="no such clinician"):
        upload(db, BookAppointments(Upserts=[appointment(2, people.ids[0], start, ClinicianID=99)]))
    with pytest.raises(SiteRejected, match="End"):
        upload(db, BookAppointments(Upserts=[appointment(3, people.ids[0], start, End=start)]))
