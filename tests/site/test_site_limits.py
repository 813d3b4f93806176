"""Rate limits over a real socket, with the site's clock moved instead of waiting: messages per
recipient and per client, wrong codes per patient across challenges, time held per client,
and wrong account keys per client. Each refusal is a 429 problem with Retry-After, which the
client turns into an error that says when to try again."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import httpx
import pytest
from support import FAST, MovableClock, NewAccount, People, SiteAccount

from reconciler.errors import AccountKeyRejected, SiteRateLimited, SiteRejected
from reconciler.providers.site import PublicClient, connect_backend
from reconciler.providers.site.models import BookingDTO, TimeSlotDTO
from reconciler.site.api.limits import Limit, RateLimits
from reconciler.site.background import BackgroundSite


def slots_of(public: PublicClient) -> list[TimeSlotDTO]:
    return public.available_times(5)


def login_url(account: SiteAccount) -> str:
    return f"{account.site.url}/sites/{account.subdomain}/api/public/v1/auth/patient/login"


def logins(account: SiteAccount, national_id: str, times: int) -> list[httpx.Response]:
    with httpx.Client() as raw:
        return [
            raw.post(login_url(account), json={"PatientPersonalIdentification": national_id})
            for _ in range(times)
        ]


def assert_rate_limited(response: httpx.Response, what: str) -> int:
    """A 429 in the site's problem format, with Retry-After; the seconds it says."""
    assert response.status_code == 429
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "rate-limited" and problem["status"] == 429
    assert problem["title"] == "Too Many Requests"
    assert what in problem["detail"] and "try again in" in problem["detail"]
    assert problem["type"].endswith("/rate-limited") and problem["hint"]
    seconds = int(response.headers["Retry-After"])
    assert 0 < seconds <= 3600
    return seconds


def test_logins_send_at_most_five_codes_an_hour_to_a_patient(
    account: SiteAccount, people: People, clock: MovableClock
) -> None:
    public = account.public()
    outcome = public.book(BookingDTO(Patient=people.patient(0), TimeSlot=slots_of(public)[0]))
    assert outcome.challenge is not None
    public.confirm(outcome.challenge.ChallengeId, account.code(people.mobile(0)))
    clock.advance(minutes=61)  # the booking's code no longer counts
    known, unknown = logins(account, people.ids[0], 6), logins(account, people.ids[7], 6)
    assert [r.status_code for r in known] == [202] * 5 + [429]
    assert [r.status_code for r in unknown] == [202] * 5 + [429]  # alike: no oracle
    seconds = assert_rate_limited(known[5], "codes and messages for this patient")
    assert seconds > 3500
    codes = [
        m
        for m in account.dev().outbox(subdomain=account.subdomain, recipient=people.mobile(0))
        if m.Body.startswith("Koden")
    ]
    assert len(codes) == 1 + 5  # the booking's, then five logins
    clock.advance(seconds=seconds)
    assert logins(account, people.ids[0], 1)[0].status_code == 202


def test_a_client_asks_for_at_most_twenty_messages_an_hour(
    new_account: NewAccount, people: People
) -> None:
    account = new_account()
    answers = [logins(account, national_id, 1)[0] for national_id in people.ids[:21]]
    assert [a.status_code for a in answers] == [202] * 20 + [429]
    assert_rate_limited(answers[20], "messages asked for from your address")
    other = new_account()  # counted per site
    assert logins(other, people.ids[0], 1)[0].status_code == 202


def test_wrong_codes_count_per_patient_across_challenges(
    account: SiteAccount, people: People, clock: MovableClock
) -> None:
    """Four wrong codes on each of two challenges, two on a third: the patient's ten are
    spent, and the third challenge refuses even the right code until the hour has passed."""
    public = account.public()
    slots = slots_of(public)
    booked = public.book(BookingDTO(Patient=people.patient(0), TimeSlot=slots[0])).challenge
    assert booked is not None
    public.confirm(booked.ChallengeId, account.code(people.mobile(0)))
    first, second = public.login(people.ids[0]), public.login(people.ids[0])
    third = public.login(people.ids[0])
    right = account.code(people.mobile(0))
    wrong = "000000" if right != "000000" else "111111"
    for challenge, times in ((first, 4), (second, 4), (third, 2)):
        for _ in range(times):
            with pytest.raises(SiteRejected, match="the code is wrong"):
                public.confirm(challenge.ChallengeId, wrong)
    with pytest.raises(SiteRateLimited, match="wrong codes for this patient") as limited:
        public.confirm(third.ChallengeId, right)
    error = limited.value
    assert isinstance(error.retry_after, int) and error.retry_after > 3000
    assert "try again in" in str(error) and "the request was not retried" in str(error)
    clock.advance(minutes=61)
    fresh = public.login(people.ids[0])
    result = public.confirm(fresh.ChallengeId, account.code(people.mobile(0)))
    assert result.Status == "logged-in"


def test_a_cancel_that_matches_nothing_counts_like_one_that_matches(
    account: SiteAccount, people: People
) -> None:
    public = account.public()
    booked = public.book(BookingDTO(Patient=people.patient(0), TimeSlot=slots_of(public)[0]))
    assert booked.challenge is not None
    result = public.confirm(booked.challenge.ChallengeId, account.code(people.mobile(0)))
    assert result.BookingId is not None
    for national_id in (people.ids[0], people.ids[1]):  # the booking's patient, and not
        answers = [
            account.public().cancel(result.BookingId, national_id=national_id)
            for _ in range(5 if national_id != people.ids[0] else 4)
        ]
        assert all(a.challenge is not None for a in answers)
        with pytest.raises(SiteRateLimited, match="codes and messages for this patient"):
            account.public().cancel(result.BookingId, national_id=national_id)


def test_a_client_holds_at_most_thirty_times_an_hour(account: SiteAccount) -> None:
    public = account.public()
    slots = slots_of(public)
    assert len(slots) > 31
    held = [public.reserve(slot) for slot in slots[:30]]
    assert len({r.ID for r in held}) == 30
    with pytest.raises(SiteRateLimited, match="times held from your address"):
        public.reserve(slots[30])
    assert public.is_available(slots[30])  # refused, not held


def test_skip_confirmation_bookings_count_their_messages(
    account: SiteAccount, people: People
) -> None:
    account.settings(SkipConfirmation=True)
    public = account.public()
    slots = slots_of(public)
    for n in range(5):
        assert public.book(BookingDTO(Patient=people.patient(0), TimeSlot=slots[n])).done
    with pytest.raises(SiteRateLimited, match="this patient"):
        public.book(BookingDTO(Patient=people.patient(0), TimeSlot=slots[5]))
    assert public.is_available(slots[5])
    quiet = public.book(BookingDTO(Patient=people.patient(0), TimeSlot=slots[6]), notify=False)
    assert quiet.done  # sends nothing, so counts nothing


def test_wrong_account_keys_are_limited_per_client(tmp_path: Path) -> None:
    limits = RateLimits(key_failures_per_client=Limit(3, dt.timedelta(minutes=10)))
    with BackgroundSite(tmp_path / "site.db", limits=limits) as site:
        key = f"key-{uuid.uuid4().hex}"
        site.store.register_account(str(uuid.uuid4()), key, "nokler")
        for n in range(3):
            with (
                connect_backend(site.url, f"guess-{n:04d}", retry=FAST) as guess,
                pytest.raises(AccountKeyRejected),
            ):
                guess.account()
        with (
            connect_backend(site.url, key, retry=FAST) as right,
            pytest.raises(SiteRateLimited, match="rejected account keys") as limited,
        ):
            right.account()  # guessing stops, whatever the key
        assert limited.value.retry_after is not None and int(limited.value.retry_after) <= 600
