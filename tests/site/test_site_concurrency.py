"""No double booking, ever: concurrent requests for overlapping times resolve to exactly one
winner each; the rest get 409. Run over real sockets against the threaded site."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import FAST, NewAccount, People, SiteAccount, at, next_monday

from reconciler.errors import SiteConflict
from reconciler.providers.site import PublicClient, connect_public
from reconciler.providers.site.models import BookingDTO, Outcome, TimeSlotDTO


def storgata(public: PublicClient) -> str:
    return next(c.ID for c in public.clinics() if c.Name == "Storgata")


def attempt_all(
    public: PublicClient, people: People, attempts: list[TimeSlotDTO]
) -> list[Outcome | SiteConflict]:
    """Book every slot of `attempts` at once (released together by a barrier), each for its
    own patient with its own mobile; each attempt's outcome or its 409."""
    barrier = threading.Barrier(len(attempts))

    def one(n: int) -> Outcome | SiteConflict:
        patient = people.patient(n % len(people.ids), MobilePhoneNumber=f"40{n:06d}")
        barrier.wait()
        try:
            return public.book(BookingDTO(Patient=patient, TimeSlot=attempts[n]))
        except SiteConflict as conflict:
            return conflict

    with ThreadPoolExecutor(max_workers=len(attempts)) as pool:
        return list(pool.map(one, range(len(attempts))))


def overlapping(a: tuple[dt.datetime, dt.datetime], b: tuple[dt.datetime, dt.datetime]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def test_200_attempts_on_20_slots_make_exactly_20_bookings(
    account: SiteAccount, people: People
) -> None:
    public = connect_public(
        account.site.url, account.subdomain, retry=FAST, limits=httpx.Limits(max_connections=200)
    )
    account.opened.append(public)
    monday = next_monday()
    slots = public.available_times(
        5,
        start=at(monday, 0),
        end=at(monday + dt.timedelta(days=5), 0),
        clinic_id=storgata(public),
        clinician_id=10,
    )[:20]
    assert len(slots) == 20
    attempts = [slots[n % 20] for n in range(200)]
    outcomes = attempt_all(public, people, attempts)

    winners = [(n, o) for n, o in enumerate(outcomes) if isinstance(o, Outcome)]
    conflicts = [o for o in outcomes if isinstance(o, SiteConflict)]
    assert len(winners) == 20 and len(conflicts) == 180
    assert {c.code for c in conflicts} == {"time-taken"}
    assert Counter(attempts[n].Start for n, _ in winners) == Counter(s.Start for s in slots)

    for n, outcome in winners:  # confirm each winner with the code sent to its mobile
        assert outcome.challenge is not None
        public.confirm(outcome.challenge.ChallengeId, account.code(f"+4740{n:06d}"))
    events = list(account.backend.events())
    assert len(events) == 20 and {e.Kind for e in events} == {"new"}
    times = sorted((e.Booking.TimeSlot.Start, e.Booking.TimeSlot.End) for e in events)
    assert all(not overlapping(a, b) for a, b in pairwise(times))
    with account.site.store.read() as db:
        confirmed = db.execute(
            "SELECT count(*) FROM holds WHERE account_id = ? AND status = 'confirmed'",
            (account.id,),
        ).fetchone()[0]
    assert confirmed == 20
    assert (
        public.available_times(
            5, start=slots[0].Start, end=slots[-1].End, clinic_id=storgata(public), clinician_id=10
        )
        == []
    )


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(starts=st.lists(st.integers(min_value=0, max_value=(210 // 5)), min_size=2, max_size=16))
def test_overlapping_attempts_never_both_win(
    new_account: NewAccount, people: People, starts: list[int]
) -> None:
    """Any set of 30-minute attempts on one provider's morning (on a 5-minute grid, so they
    overlap in every way): the winners never overlap, and every loser overlaps a winner."""
    account = new_account()
    public = account.public()
    clinic = storgata(public)
    monday = next_monday()
    attempts = [
        TimeSlotDTO(
            Start=at(monday, 8) + dt.timedelta(minutes=5 * s),
            End=at(monday, 8, 30) + dt.timedelta(minutes=5 * s),
            ClinicID=clinic,
            ClinicianID=10,
            TreatmentID=5,
        )
        for s in starts
    ]
    outcomes = attempt_all(public, people, attempts)
    won = [
        (a.Start, a.End) for a, o in zip(attempts, outcomes, strict=True) if isinstance(o, Outcome)
    ]
    lost = [
        (a.Start, a.End)
        for a, o in zip(attempts, outcomes, strict=True)
        if isinstance(o, SiteConflict)
    ]
    assert len(won) + len(lost) == len(attempts)
    assert won, "someone always wins"
    assert all(not overlapping(a, b) for i, a in enumerate(won) for b in won[i + 1 :])
    assert all(any(overlapping(loser, w) for w in won) for loser in lost)
