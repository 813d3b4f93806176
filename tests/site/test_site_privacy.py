"""The site tells a stranger nothing about who has booked: a move or cancellation by national id
gets the same answer whether or not the booking is that patient's (and only a matching patient
gets a code); a booking id alone opens nothing. No national id, phone number or e-mail address
ever travels in a URL — checked with uvicorn's own access log switched on, which writes every
path and query — nor comes back in an error."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import uvicorn
from support import MovableClock, NewAccount, People, SiteAccount

from reconciler.errors import SiteRejected
from reconciler.providers.site import PublicClient
from reconciler.providers.site.models import BookingDTO, RescheduleDTO, TimeSlotDTO
from reconciler.site.app import create_app
from reconciler.site.background import BackgroundSite
from reconciler.site.server import SiteServer


def slots_of(public: PublicClient) -> list[TimeSlotDTO]:
    clinic = next(c.ID for c in public.clinics() if c.Name == "Storgata")
    return public.available_times(5, clinic_id=clinic, clinician_id=10)


def book(account: SiteAccount, people: People, slot: TimeSlotDTO, n: int) -> int:
    public = account.public()
    outcome = public.book(BookingDTO(Patient=people.patient(n), TimeSlot=slot))
    assert outcome.challenge is not None
    result = public.confirm(outcome.challenge.ChallengeId, account.code(people.mobile(n)))
    assert result.BookingId is not None
    return result.BookingId


def base(account: SiteAccount) -> str:
    return f"{account.site.url}/sites/{account.subdomain}/api/public/v1"


def shape(response: httpx.Response) -> tuple[int, dict[str, Any]]:
    """The answer without what differs on every call (the challenge's id and expiry)."""
    document = response.json()
    return response.status_code, {
        k: v for k, v in document.items() if k not in ("ChallengeId", "ExpiresAt", "BookingId")
    }


def sent(account: SiteAccount) -> list[str]:
    return [m.Recipient for m in account.dev().outbox(subdomain=account.subdomain)]


def cancel(raw: httpx.Client, booking_id: int, national_id: str, **more: Any) -> httpx.Response:
    body = {"BookingID": booking_id, "RequestedByPersonalIdentification": national_id, **more}
    return raw.request("DELETE", "/bookings", json=body)


@pytest.mark.parametrize("by_email_too", [False, True])
def test_cancel_by_national_id_answers_alike_whether_or_not_it_matches(
    account: SiteAccount, people: People, by_email_too: bool
) -> None:
    account.settings(UseCodeChallange=by_email_too)
    booking_id = book(account, people, slots_of(account.public())[0], n=0)
    before = sent(account)
    with httpx.Client(base_url=base(account)) as raw:
        match = cancel(raw, booking_id, people.ids[0])
        answers = [
            cancel(raw, booking_id, people.ids[1]),  # someone else's booking
            cancel(raw, booking_id + 1000, people.ids[0]),  # no such booking
            cancel(raw, booking_id, people.ids[0], ClinicID="1-" + "0" * 36),  # another clinic
        ]
    assert match.status_code == 202
    channels = ["sms", "email"] if by_email_too else ["sms"]
    assert match.json()["Channels"] == channels
    assert all(shape(a) == shape(match) for a in answers)
    new = sent(account)[len(before) :]
    assert set(new) <= {people.mobile(0), "kari0@example.no"} and len(new) == len(channels)


def test_move_by_national_id_answers_alike_and_holds_the_time_alike(
    account: SiteAccount, people: People
) -> None:
    public = account.public()
    slots = slots_of(public)
    booking_id = book(account, people, slots[0], n=0)
    before = sent(account)

    def move(raw: httpx.Client, n: int, target: TimeSlotDTO) -> httpx.Response:
        body = RescheduleDTO(
            OriginalBookingId=booking_id, NewTime=target, PatientToReschedule=people.patient(n)
        ).body()
        return raw.patch("/bookings", json=body)

    with httpx.Client(base_url=base(account)) as raw:
        match, other = move(raw, 0, slots[2]), move(raw, 1, slots[4])
        assert shape(match) == shape(other) and match.status_code == 202
        assert not public.is_available(slots[2]) and not public.is_available(slots[4])
        # its own time is not free for a caller who has proven nothing
        overlapping = slots[0].model_copy(
            update={"Start": slots[0].Start + dt.timedelta(minutes=15)}
        )
        overlapping = overlapping.model_copy(
            update={"End": overlapping.Start + dt.timedelta(minutes=30)}
        )
        assert move(raw, 0, overlapping).status_code == 409
    assert sent(account)[len(before) :] == [people.mobile(0)]


def test_skip_confirmation_never_lets_a_national_id_alone_change_a_booking(
    account: SiteAccount, people: People
) -> None:
    booking_id = book(account, people, slots_of(account.public())[0], n=0)
    account.settings(SkipConfirmation=True)
    public = account.public()
    outcome = public.cancel(booking_id, national_id=people.ids[0])
    assert outcome.challenge is not None  # the code is still needed
    assert [e.Kind for e in account.backend.events()] == ["new"]
    challenge = public.login(people.ids[0])
    public.confirm(challenge.ChallengeId, account.code(people.mobile(0)))
    assert public.cancel(booking_id).done  # a session proves the phone: at once
    assert [e.Kind for e in account.backend.events()] == ["new", "cancelled"]


def test_a_booking_id_alone_reveals_nothing(account: SiteAccount, people: People) -> None:
    booking_id = book(account, people, slots_of(account.public())[0], n=0)
    with httpx.Client(base_url=base(account)) as raw:
        answers = [
            raw.get("/appointments/reschedule/availabletimes", params={"request.bookingID": number})
            for number in (booking_id, booking_id + 1000)
        ]
    assert answers[0].status_code == answers[1].status_code == 404
    assert answers[0].json() == answers[1].json()


def test_personal_data_in_urls_is_refused_without_echo(
    account: SiteAccount, people: People
) -> None:
    national_id = people.ids[0]
    with httpx.Client(base_url=base(account)) as raw:
        answers = [
            raw.get(f"/patients/{national_id}/bookings"),  # the vendor's path: not served
            raw.get("/clinics", params={national_id: "1"}),
            raw.request(
                "DELETE",
                "/bookings",
                params={"request.requestedByPersonalIdentification": national_id},
                json={"BookingID": 1, "RequestedByPersonalIdentification": national_id},
            ),
        ]
    assert [a.status_code for a in answers] == [404, 400, 400]
    assert all(national_id not in a.text for a in answers)


# --- uvicorn's access log, switched on --------------------------------------------------------


@pytest.fixture
def logged_site(tmp_path: Path, site_clock: MovableClock) -> Iterator[BackgroundSite]:
    """A site served by uvicorn with its stock access log on (the reference site turns it off;
    a proxy in front of it logs the same): every request's path and query is logged."""
    running = BackgroundSite(tmp_path / "site.db", dev=True, clock=site_clock)
    config = uvicorn.Config(
        create_app(running.store, dev=True, clock=site_clock),
        host="127.0.0.1",
        port=0,
        lifespan="off",
        access_log=True,
        log_config=None,
    )
    running._server = SiteServer(config, tls=False)
    with running:
        yield running


def test_no_personal_data_reaches_a_url(
    new_account: NewAccount,
    logged_site: BackgroundSite,
    people: People,
    caplog: pytest.LogCaptureFixture,
) -> None:
    account = new_account(logged_site)
    with caplog.at_level(logging.INFO):
        _every_patient_journey(account, people)
    lines = [r.getMessage() for r in caplog.records if r.name == "uvicorn.access"]
    assert len(lines) > 20 and any("/bookings" in line for line in lines)
    personal = [
        *people.ids[:3],
        *(people.mobile(n) for n in range(3)),
        *(people.mobiles[n] for n in range(3)),
        *(f"kari{n}@example.no" for n in range(3)),
    ]
    for value in personal:
        for form in {value, quote(value, safe=""), quote(value)}:
            assert form not in caplog.text, value


def _every_patient_journey(account: SiteAccount, people: People) -> None:
    """Browse, reserve and release, book with a reservation, log in, read, move and cancel by
    national id and by session, and fail on the way."""
    public = account.public()
    slots = slots_of(public)
    public.is_available(slots[0])
    public.release(public.reserve(slots[1]))
    reservation = public.reserve(slots[0])
    outcome = public.book(
        BookingDTO(Patient=people.patient(0), TimeSlot=slots[0]), reservation=reservation
    )
    assert outcome.challenge is not None
    public.confirm(outcome.challenge.ChallengeId, account.code(people.mobile(0)))
    moved = public.move(
        RescheduleDTO(
            OriginalBookingId=reservation.ID,
            NewTime=slots[3],
            PatientToReschedule=people.patient(0),
        )
    )
    assert moved.challenge is not None
    result = public.confirm(moved.challenge.ChallengeId, account.code(people.mobile(0)))
    assert result.BookingId is not None
    public.cancel(result.BookingId, national_id=people.ids[1])
    with pytest.raises(SiteRejected):
        public.book(BookingDTO(Patient=people.patient(2, MobilePhoneNumber="1"), TimeSlot=slots[5]))
    challenge = public.login(people.ids[0])
    public.confirm(challenge.ChallengeId, account.code(people.mobile(0)))
    public.bookings()
    public.reschedule_times(booking_id=result.BookingId)
    cancelled = public.cancel(result.BookingId)
    assert cancelled.challenge is not None
    public.confirm(cancelled.challenge.ChallengeId, account.code(people.mobile(0)))
    account.public().login(people.ids[2])  # unknown here
