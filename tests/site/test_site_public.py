"""The public API through the real client: browsing with consent gating and the site's
options, free times with the weekend rule, reservations, booking with the one-time code (expiry
and attempt limit), skip-confirmation, moves and cancellations with the change deadline, the
registration form, SMS login, and maintenance mode."""

from __future__ import annotations

import datetime as dt
import logging

import httpx
import pytest
from support import (
    MovableClock,
    People,
    SiteAccount,
    at,
    book,
    login,
    next_monday,
    slots_of,
    storgata,
)

from reconciler.errors import AccountKeyRejected, SiteConflict, SiteRejected, SiteUnavailable
from reconciler.providers.site.models import BookingDTO, RescheduleDTO

# --- browsing ------------------------------------------------------------------------------


def test_clinics_in_display_order_with_consent_gating(account: SiteAccount) -> None:
    public = account.public()
    clinics = public.clinics()
    assert [c.Name for c in clinics] == ["Majorstuen", "Storgata"]
    by_name = {p.Name: p for c in clinics for p in c.Clinicians}
    assert [p.Name for p in clinics[1].Clinicians] == ["Kjell Olsen", "Hanne Hansen"]
    assert by_name["Hanne Hansen"].Title == "Tannlege"  # consent to the title only
    assert by_name["Hanne Hansen"].ProfileImage is None
    assert by_name["Kjell Olsen"].Title is None and by_name["Kjell Olsen"].ProfileImage is None
    assert by_name["Mia Berg"].Title == "Tannlege" and by_name["Mia Berg"].ProfileImage
    assert [c.Name for c in public.clinics(group="Vest")] == ["Majorstuen"]
    assert [c.Name for c in public.clinics(clinician_id=12)] == ["Majorstuen"]
    assert public.clinic(clinics[1].ID).City == "Oslo"
    with pytest.raises(SiteRejected, match="names no clinic"):
        public.clinic("99-00000000-0000-0000-0000-000000000000")


def test_clinicians_and_treatments(account: SiteAccount) -> None:
    public = account.public()
    assert [c.ID for c in public.clinicians(clinic_id=storgata(public))] == [11, 10]
    assert {c.ID for c in public.clinicians(only_with_free_times=True)} == {10, 11, 12}
    assert {t.Name for t in public.treatments()} == {"- Undersøkelse", "- Tannrens"}
    assert public.treatments(clinician_id=404) == []


def test_free_times_are_cut_from_free_time(account: SiteAccount) -> None:
    public = account.public()
    monday = next_monday()
    week = (at(monday, 0), at(monday + dt.timedelta(days=7), 0))
    exams = public.available_times(
        5, start=week[0], end=week[1], clinic_id=storgata(public), clinician_id=10
    )
    assert len(exams) == 5 * 8  # Monday to Friday, 08-12 in 30 minutes; no weekend
    assert exams[0].Start == at(monday, 8) and exams[-1].End == at(
        monday + dt.timedelta(days=4), 12
    )
    cleanings = public.available_times(
        6, start=week[0], end=at(monday, 23), clinician_id=10, clinic_id=storgata(public)
    )
    assert [s.Start.time() for s in cleanings] == [
        dt.time(8),
        dt.time(8, 45),
        dt.time(9, 30),
        dt.time(10, 15),
        dt.time(11),
    ]


def test_weekend_time_is_shown_only_with_weekend_booking(
    account: SiteAccount, people: People
) -> None:
    public = account.public()
    saturday = next_monday() + dt.timedelta(days=5)
    window = {"start": at(saturday, 0), "end": at(saturday, 23)}
    assert public.available_times(5, **window) == []
    account.settings(WeekendBookingEnabled=True)
    weekend = public.available_times(5, **window)
    assert len(weekend) == 16  # two clinicians
    account.settings(WeekendBookingEnabled=False, SkipConfirmation=True)
    with pytest.raises(SiteRejected, match="Saturdays and Sundays"):
        public.book(BookingDTO(Patient=people.patient(0), TimeSlot=weekend[0]))


def test_all_clinics_and_all_providers_options(account: SiteAccount) -> None:
    public = account.public()
    assert {s.ClinicianID for s in public.available_times(5)} == {10, 11, 12}
    account.settings(AnyClinicOption=False, AnyClinicianOption=False)
    with pytest.raises(SiteRejected, match="choose a clinic"):
        public.available_times(5)
    with pytest.raises(SiteRejected, match="choose a provider"):
        public.available_times(5, clinic_id=storgata(public))
    assert {s.ClinicianID for s in slots_of(public)} == {10}


def test_bad_windows_and_unknown_ids_are_clear(account: SiteAccount) -> None:
    public = account.public()
    monday = next_monday()
    with pytest.raises(SiteRejected, match=r"must be after request\.from"):
        public.available_times(5, start=at(monday, 12), end=at(monday, 8))
    with pytest.raises(SiteRejected, match="at most 93 days"):
        public.available_times(5, start=at(monday, 0), end=at(monday + dt.timedelta(days=200), 0))
    assert public.available_times(404) == []


# --- booking with the one-time code ------------------------------------------------------


def test_booking_waits_for_its_code_and_holds_the_time(
    account: SiteAccount, people: People
) -> None:
    public = account.public()
    slot = slots_of(public)[0]
    outcome = public.book(
        BookingDTO(Patient=people.patient(0), TimeSlot=slot, FreeTextMessage="Vondt i en jeksel")
    )
    assert outcome.challenge is not None and outcome.challenge.Channels == ["sms"]
    assert slot.Start not in [s.Start for s in slots_of(public)]  # held while confirming
    with pytest.raises(SiteConflict, match="someone else has this time"):
        public.book(BookingDTO(Patient=people.patient(1), TimeSlot=slot))
    assert list(account.backend.events()) == []  # not a booking until confirmed
    code = account.code(people.mobile(0))
    result = public.confirm(outcome.challenge.ChallengeId, code)
    assert result.Status == "confirmed" and result.BookingId == outcome.challenge.BookingId
    [event] = account.backend.events()
    assert event.Kind == "new" and event.Booking.FreeTextMessage == "Vondt i en jeksel"
    booked = [
        m for m in account.dev().outbox(subdomain=account.subdomain) if "Du har time" in m.Body
    ]
    assert booked and "Storgata" in booked[0].Body and "kl. 08:00" in booked[0].Body
    with pytest.raises(SiteRejected, match="already used"):
        public.confirm(outcome.challenge.ChallengeId, code)


def test_wrong_codes_are_limited_and_free_the_time(account: SiteAccount, people: People) -> None:
    public = account.public()
    slot = slots_of(public)[0]
    challenge = public.book(BookingDTO(Patient=people.patient(0), TimeSlot=slot)).challenge
    assert challenge is not None
    right = account.code(people.mobile(0))
    wrong = "000000" if right != "000000" else "111111"
    for left in (4, 3, 2, 1):
        with pytest.raises(SiteRejected, match=f"{left} attempts? left"):
            public.confirm(challenge.ChallengeId, wrong)
    with pytest.raises(SiteRejected, match="too many wrong codes") as closed:
        public.confirm(challenge.ChallengeId, wrong)
    assert closed.value.status == 429
    with pytest.raises(SiteRejected, match="already used or has failed"):
        public.confirm(challenge.ChallengeId, right)
    assert slot.Start in [s.Start for s in slots_of(public)]  # free again


def test_codes_expire(account: SiteAccount, people: People, clock: MovableClock) -> None:
    public = account.public()
    slot = slots_of(public)[0]
    challenge = public.book(BookingDTO(Patient=people.patient(0), TimeSlot=slot)).challenge
    assert challenge is not None
    clock.advance(minutes=11)
    with pytest.raises(SiteRejected, match="the code has expired") as expired:
        public.confirm(challenge.ChallengeId, account.code(people.mobile(0)))
    assert expired.value.status == 410
    assert slot.Start in [s.Start for s in slots_of(public)]


def test_code_by_sms_and_email(account: SiteAccount, people: People) -> None:
    account.settings(UseCodeChallange=True)
    challenge = (
        account.public()
        .book(BookingDTO(Patient=people.patient(2), TimeSlot=slots_of(account.public())[0]))
        .challenge
    )
    assert challenge is not None and challenge.Channels == ["sms", "email"]
    channels = {
        m.Channel
        for m in account.dev().outbox(subdomain=account.subdomain)
        if m.Body.startswith("Koden")
    }
    assert channels == {"sms", "email"}


def test_skip_confirmation_books_at_once(account: SiteAccount, people: People) -> None:
    account.settings(SkipConfirmation=True)
    outcome = account.public().book(
        BookingDTO(Patient=people.patient(0), TimeSlot=slots_of(account.public())[0])
    )
    assert outcome.done and outcome.booking_id is not None
    assert [e.BookingId for e in account.backend.events()] == [outcome.booking_id]


def test_booking_can_be_switched_off(account: SiteAccount, people: People) -> None:
    account.settings(NewBookingEnabled=False)
    public = account.public()
    with pytest.raises(SiteRejected, match="does not allow booking online"):
        public.book(BookingDTO(Patient=people.patient(0), TimeSlot=slots_of(public)[0]))


def test_times_not_offered_cannot_be_booked(account: SiteAccount, people: People) -> None:
    public = account.public()
    slot = slots_of(public)[0]
    odd = slot.model_copy(
        update={
            "Start": slot.Start + dt.timedelta(hours=6),
            "End": slot.End + dt.timedelta(hours=6),
        }
    )
    with pytest.raises(SiteConflict, match="not offered"):
        public.book(BookingDTO(Patient=people.patient(0), TimeSlot=odd))
    short = slot.model_copy(update={"End": slot.End - dt.timedelta(minutes=10)})
    with pytest.raises(SiteRejected, match="30 minutes long"):
        public.book(BookingDTO(Patient=people.patient(0), TimeSlot=short))
    with pytest.raises(SiteRejected, match="cannot be booked online"):
        public.book(
            BookingDTO(
                Patient=people.patient(0), TimeSlot=slot.model_copy(update={"TreatmentID": 7})
            )
        )


# --- reservations --------------------------------------------------------------------------


def test_reservations_hold_and_lapse(
    account: SiteAccount, people: People, clock: MovableClock
) -> None:
    public = account.public()
    slot = slots_of(public)[0]
    reservation = public.reserve(slot)
    assert reservation.ExpiresAt is not None
    assert not public.is_available(slot)
    with pytest.raises(SiteConflict):
        public.reserve(slot)
    clock.advance(minutes=11)
    assert public.is_available(slot)
    again = public.reserve(slot)
    public.release(again)
    assert public.is_available(slot)
    with pytest.raises(SiteRejected, match="no such reservation"):
        public.release(again)


def test_a_reservation_becomes_the_booking(account: SiteAccount, people: People) -> None:
    account.settings(SkipConfirmation=True)
    public = account.public()
    slot = slots_of(public)[0]
    reservation = public.reserve(slot)
    with pytest.raises(SiteConflict):
        public.book(BookingDTO(Patient=people.patient(1), TimeSlot=slot))  # without the reservation
    with pytest.raises(SiteConflict, match="another time"):
        public.book(
            BookingDTO(Patient=people.patient(0), TimeSlot=slots_of(public)[0]),
            reservation=reservation,
        )
    outcome = public.book(
        BookingDTO(Patient=people.patient(0), TimeSlot=slot), reservation=reservation
    )
    assert outcome.booking_id == reservation.ID


# --- the registration form -----------------------------------------------------------------


def test_registration_fields_follow_the_settings(account: SiteAccount, people: People) -> None:
    public = account.public()
    slot = slots_of(public)[0]
    document = account.backend.subdomain()
    form = document.FlexibilitySettings.RegistrationSettings.model_copy(
        update={"Address1Enabled": True, "PostalCodeEnabled": True}
    )
    account.settings(RegistrationSettings=form)
    with pytest.raises(SiteRejected, match=r"Adress1 is required; .*PostalCode is required"):
        public.book(BookingDTO(Patient=people.patient(0), TimeSlot=slot))
    with pytest.raises(SiteRejected, match="not a postal code"):
        public.book(
            BookingDTO(
                Patient=people.patient(0, Adress1="Storgata 1", PostalCode="01500"), TimeSlot=slot
            )
        )
    with pytest.raises(SiteRejected, match="CampaignCode is not on this site's form"):
        public.book(
            BookingDTO(
                Patient=people.patient(0, Adress1="Storgata 1", PostalCode="0150"),
                TimeSlot=slot,
                CampaignCode="VÅR26",
            )
        )
    outcome = public.book(
        BookingDTO(
            Patient=people.patient(0, Adress1="Storgata 1", PostalCode="0150"), TimeSlot=slot
        )
    )
    assert outcome.challenge is not None


def test_national_id_and_mobile_are_validated_without_echo(
    account: SiteAccount, people: People
) -> None:
    public = account.public()
    slot = slots_of(public)[0]
    bad_id = people.ids[0][:-1] + str((int(people.ids[0][-1]) + 1) % 10)
    with pytest.raises(SiteRejected, match="control digits do not match") as refused:
        public.book(
            BookingDTO(
                Patient=people.patient(0, PatientPersonalIdentification=bad_id), TimeSlot=slot
            )
        )
    assert bad_id not in str(refused.value)
    with pytest.raises(SiteRejected, match="not a Norwegian mobile number"):
        public.book(
            BookingDTO(Patient=people.patient(0, MobilePhoneNumber="22334455"), TimeSlot=slot)
        )
    with pytest.raises(SiteRejected, match="FirstName is required"):
        public.book(BookingDTO(Patient=people.patient(0, FirstName=" "), TimeSlot=slot))
    relaxed = "30108299939"  # valid only under the rule from 2032 (the tax authority's vector)
    outcome = public.book(
        BookingDTO(Patient=people.patient(0, PatientPersonalIdentification=relaxed), TimeSlot=slot)
    )
    assert outcome.challenge is not None


# --- moving and cancelling ------------------------------------------------------------------


def test_move_with_code(account: SiteAccount, people: People) -> None:
    public = account.public()
    slots = slots_of(public)
    booking_id = book(account, people, slots[0])
    options = login(account, people, 0).reschedule_times(
        booking_id=booking_id, clinic_id=storgata(public), clinician_id=10
    )
    assert options[0].Start == slots[0].Start  # its own time is not busy for its patient
    target = options[3]
    outcome = public.move(
        RescheduleDTO(
            OriginalBookingId=booking_id, NewTime=target, PatientToReschedule=people.patient(0)
        )
    )
    assert outcome.challenge is not None and outcome.challenge.Action == "move"
    result = public.confirm(outcome.challenge.ChallengeId, account.code(people.mobile(0)))
    assert result.Status == "moved"
    events = list(account.backend.events())
    assert [e.Kind for e in events] == ["new", "moved"]
    assert events[1].PreviousBookingId == booking_id and events[1].BookingId == result.BookingId
    assert events[1].RegisterInJournal
    assert slots[0].Start in [s.Start for s in slots_of(public)]  # the old time is free again


def test_only_the_patient_can_move_or_cancel(account: SiteAccount, people: People) -> None:
    public = account.public()
    slots = slots_of(public)
    booking_id = book(account, people, slots[0])
    sent = len(account.dev().outbox(subdomain=account.subdomain))
    moved = public.move(
        RescheduleDTO(
            OriginalBookingId=booking_id, NewTime=slots[2], PatientToReschedule=people.patient(1)
        )
    )
    cancelled = public.cancel(booking_id, national_id=people.ids[1])
    assert moved.challenge is not None and cancelled.challenge is not None
    assert len(account.dev().outbox(subdomain=account.subdomain)) == sent  # nothing was sent
    for challenge in (moved.challenge, cancelled.challenge):
        with pytest.raises(SiteRejected, match="the code is wrong"):
            public.confirm(challenge.ChallengeId, account.code(people.mobile(0)))
    with pytest.raises(AccountKeyRejected, match="say who you are"):
        public.cancel(booking_id)
    book(account, people, slots[4], n=1)
    with pytest.raises(SiteRejected, match="no such booking"):
        login(account, people, 1).cancel(booking_id)  # logged in: told at once
    assert [e.Kind for e in account.backend.events()] == ["new", "new"]


def test_change_deadline(account: SiteAccount, people: People, clock: MovableClock) -> None:
    public = account.public()
    slots = slots_of(public)
    booking_id = book(account, people, slots[2])  # Monday 09:00
    clock.set_to(slots[2].Start - dt.timedelta(hours=23))
    challenge = public.cancel(booking_id, national_id=people.ids[0]).challenge
    assert challenge is not None  # by national id: told only with the code
    with pytest.raises(SiteRejected, match="up to 24 hours before"):
        public.confirm(challenge.ChallengeId, account.code(people.mobile(0)))
    with pytest.raises(SiteRejected, match="up to 24 hours before"):
        login(account, people, 0).cancel(booking_id)  # logged in: told at once
    account.settings(HourBeforModifyBookingClosing=12)
    challenge = public.cancel(booking_id, national_id=people.ids[0]).challenge
    assert challenge is not None
    assert public.confirm(challenge.ChallengeId, account.code(people.mobile(0))).Status == (
        "cancelled"
    )


def test_cancel_with_code_and_treatment_rules(account: SiteAccount, people: People) -> None:
    public = account.public()
    booking_id = book(account, people, slots_of(public)[0])
    outcome = public.cancel(booking_id, national_id=people.ids[0])
    assert outcome.challenge is not None
    public.confirm(outcome.challenge.ChallengeId, account.code(people.mobile(0)))
    assert [e.Kind for e in account.backend.events()] == ["new", "cancelled"]
    cleaning = book(account, people, slots_of(public, treatment=6)[-1], n=1)
    challenge = public.cancel(cleaning, national_id=people.ids[1]).challenge
    assert challenge is not None
    with pytest.raises(SiteRejected, match="cannot be cancelled online"):
        public.confirm(challenge.ChallengeId, account.code(people.mobile(1)))
    assert [e.Kind for e in account.backend.events()] == ["new", "cancelled", "new"]
    account.settings(CancelBookingsEnabled=False)
    with pytest.raises(SiteRejected, match="does not allow cancelling"):
        public.cancel(cleaning, national_id=people.ids[1])


# --- login ----------------------------------------------------------------------------------


def test_sms_login_and_own_bookings(account: SiteAccount, people: People) -> None:
    public = account.public()
    booking_id = book(account, people, slots_of(public)[0], n=3)
    with pytest.raises(AccountKeyRejected, match="log in"):
        public.bookings()
    challenge = public.login(people.ids[3])
    result = public.confirm(challenge.ChallengeId, account.code(people.mobile(3)))
    assert result.Status == "logged-in" and public.session_token
    [mine] = public.bookings()
    assert booking_id == mine.ID and mine.Patient.FirstName == "Kari3"
    assert mine.Patient.PatientPersonalIdentification is None  # never sent back
    book(account, people, slots_of(public)[1], n=0)
    [theirs] = login(account, people, 0).bookings()  # the session names the patient
    assert booking_id != theirs.ID and theirs.Patient.FirstName == "Kari0"


def test_login_of_an_unknown_patient_looks_the_same(account: SiteAccount, people: People) -> None:
    public = account.public()
    challenge = public.login(people.ids[5])
    assert challenge.Channels == ["sms"]
    assert account.dev().outbox(subdomain=account.subdomain) == []  # nothing was sent


def test_login_needs_both_switches(account: SiteAccount, people: People) -> None:
    account.settings(LoginSMSEnabled=False)
    with pytest.raises(SiteRejected, match="needs both login and SMS login"):
        account.public().login(people.ids[0])


def test_booking_may_require_login(account: SiteAccount, people: People) -> None:
    public = account.public()
    slots = slots_of(public)
    book(account, people, slots[0], n=2)
    account.settings(NewBookingRequireLogin=True)
    with pytest.raises(AccountKeyRejected, match="requires logging in"):
        public.book(BookingDTO(Patient=people.patient(2), TimeSlot=slots[1]))
    challenge = public.login(people.ids[2])
    public.confirm(challenge.ChallengeId, account.code(people.mobile(2)))
    with pytest.raises(SiteRejected, match="logged in as another patient"):
        public.book(BookingDTO(Patient=people.patient(1), TimeSlot=slots[1]))
    assert (
        public.book(BookingDTO(Patient=people.patient(2), TimeSlot=slots[1])).challenge is not None
    )


# --- maintenance and malformed requests ---------------------------------------------------


def test_maintenance_mode_closes_the_public_site(account: SiteAccount) -> None:
    document = account.backend.subdomain()
    media = document.MediaSettings.model_copy(
        update={"TextContainer": {"information.maintenance_mode": "Stengt til 10:00"}}
    )
    flexibility = document.FlexibilitySettings.model_copy(update={"MaintenanceMode": True})
    account.backend.put_subdomain(
        document.model_copy(update={"MediaSettings": media, "FlexibilitySettings": flexibility})
    )
    with pytest.raises(SiteUnavailable, match="Stengt til 10:00"):
        account.public().clinics()
    assert account.backend.databases()  # the backend is not affected


def test_malformed_requests_get_problems_not_500(account: SiteAccount) -> None:
    base = f"{account.site.url}/sites/{account.subdomain}/api/public/v1"
    with httpx.Client() as raw:
        garbage = raw.post(
            f"{base}/bookings", content=b"{not json", headers={"Content-Type": "application/json"}
        )
        assert garbage.status_code == 400
        assert garbage.headers["content-type"] == "application/problem+json"
        assert garbage.json()["code"] == "invalid-json"
        assert (
            raw.post(
                f"{base}/bookings", content=b"x=1", headers={"Content-Type": "text/plain"}
            ).status_code
            == 415
        )
        assert raw.get(f"{base}/nothing-here").json()["code"] == "no-such-path"
        assert (
            raw.get(f"{account.site.url}/sites/no-such-site/api/public/v1/clinics").status_code
            == 404
        )
        assert (
            raw.get(
                f"{base}/appointments/schedule/availabletimes?request.treatmentID=x"
            ).status_code
            == 400
        )
        assert raw.delete(f"{base}/clinics").status_code == 405


def test_logs_hold_no_national_id_key_or_code(
    account: SiteAccount, people: People, caplog: pytest.LogCaptureFixture
) -> None:
    """Everything the site and the client log while booking, failing and logging in."""
    with caplog.at_level(logging.DEBUG):
        public = account.public()
        slots = slots_of(public)
        booking_id = book(account, people, slots[0], n=4)
        challenge = public.login(people.ids[4])
        code = account.code(people.mobile(4))
        public.confirm(challenge.ChallengeId, code)
        public.bookings()
        account.public().cancel(booking_id, national_id=people.ids[5])
        with pytest.raises(SiteRejected):
            public.book(
                BookingDTO(Patient=people.patient(6, MobilePhoneNumber="1"), TimeSlot=slots[1])
            )
    assert "booking_api" in caplog.text or "post_booking" in caplog.text  # the site did log
    for secret in (people.ids[4], people.ids[5], people.ids[6], account.key, code):
        assert secret not in caplog.text
