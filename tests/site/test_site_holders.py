"""What the site hands out binds to whoever got it: a reservation is used or released only with
its token (a stranger who guesses the sequential id gets the answer an unknown id gets), and
tokens, session tokens and answers kept for retries are never stored in the clear."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
from support import People, SiteAccount

from reconciler.providers.site import PublicClient
from reconciler.providers.site.models import BookingDTO, TimeSlotDTO

UNKNOWN = 2**31 - 1


def first_slot(public: PublicClient) -> TimeSlotDTO:
    clinic = next(c.ID for c in public.clinics() if c.Name == "Storgata")
    return public.available_times(5, clinic_id=clinic, clinician_id=10)[0]


def base(account: SiteAccount) -> str:
    return f"{account.site.url}/sites/{account.subdomain}/api/public/v1"


def answer(response: httpx.Response) -> tuple[int, dict[str, Any]]:
    return response.status_code, response.json()


def test_a_stranger_cannot_release_or_book_with_a_reservation(
    account: SiteAccount, people: People
) -> None:
    account.settings(SkipConfirmation=True)
    public = account.public()
    slot = first_slot(public)
    reservation = public.reserve(slot)
    assert reservation.Token and len(reservation.Token) >= 40
    booking = BookingDTO(Patient=people.patient(1), TimeSlot=slot).body()
    with httpx.Client(base_url=base(account)) as stranger:
        unknown_release = answer(stranger.delete(f"/reservations/{UNKNOWN}"))
        assert unknown_release[0] == 404
        for headers in ({}, {"X-Reservation-Token": "guess"}, {"X-Reservation-Token": ""}):
            released = stranger.delete(f"/reservations/{reservation.ID}", headers=headers)
            assert answer(released) == unknown_release
        unknown_booking = answer(
            stranger.post("/bookings", params={"reservationId": UNKNOWN}, json=booking)
        )
        assert unknown_booking[0] == 410
        for headers in ({}, {"X-Reservation-Token": reservation.Token[:-1] + "x"}):
            booked = stranger.post(
                "/bookings", params={"reservationId": reservation.ID}, json=booking, headers=headers
            )
            assert answer(booked) == unknown_booking
    assert not public.is_available(slot)  # still held for its holder
    outcome = public.book(
        BookingDTO(Patient=people.patient(0), TimeSlot=slot), reservation=reservation
    )
    assert outcome.booking_id == reservation.ID
    assert [e.Booking.Patient.FirstName for e in account.backend.events()] == ["Kari0"]


def test_another_holders_token_does_not_fit(account: SiteAccount) -> None:
    public = account.public()
    slots = public.available_times(5)
    mine, theirs = public.reserve(slots[0]), public.reserve(slots[3])
    with httpx.Client(base_url=base(account)) as raw:
        crossed = raw.delete(
            f"/reservations/{mine.ID}", headers={"X-Reservation-Token": theirs.Token or ""}
        )
    assert crossed.status_code == 404
    public.release(mine)
    public.release(theirs)
    assert public.is_available(slots[0]) and public.is_available(slots[3])


def _stored_bytes(path: Path) -> bytes:
    return b"".join(
        p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists()
    )


def test_tokens_are_never_stored_in_the_clear(account: SiteAccount, people: People) -> None:
    """Reservation and session tokens are kept as hashes; answers kept for retries (which
    carry them) are sealed with the Idempotency-Key, and still replay."""
    public = account.public()
    slot = first_slot(public)
    key = str(uuid.uuid4())
    with httpx.Client(base_url=base(account)) as raw:
        first = raw.put("/reservations", json=slot.body(), headers={"Idempotency-Key": key})
        again = raw.put("/reservations", json=slot.body(), headers={"Idempotency-Key": key})
    token = first.headers["X-Reservation-Token"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["X-Reservation-Token"] == token and again.json() == first.json()
    booking_id = public.book(BookingDTO(Patient=people.patient(2), TimeSlot=first_slot(public)))
    assert booking_id.challenge is not None
    public.confirm(booking_id.challenge.ChallengeId, account.code(people.mobile(2)))
    login = public.login(people.ids[2])
    public.confirm(login.ChallengeId, account.code(people.mobile(2)))
    assert public.session_token
    stored = _stored_bytes(account.site.store.path)
    for secret in (token, public.session_token, key):
        assert secret.encode() not in stored
