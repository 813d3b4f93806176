"""Rate limits: how often the site sends messages for one recipient or one client, how many
wrong codes one patient may try, how much time one client may hold, and how many wrong
account keys one client may try. Over a limit the answer is 429 `rate-limited`, with
`Retry-After` (seconds) saying when the next one is allowed.

Each limit is a sliding window (`Limit`): at most `count` in any `window`. The defaults:

    messages_per_recipient     5 an hour   sends to one phone number or e-mail address, and
                                           codes for one patient (national id), on one site
    messages_per_client       20 an hour   sends asked for from one client address, on one site
    code_attempts_per_patient 10 an hour   wrong codes for one patient, over all their challenges
                                           (a fresh challenge does not reset it; each challenge
                                           also closes after challenges.MAX_ATTEMPTS wrong codes)
    holds_per_client          30 an hour   times held from one client (reservations, and
                                           bookings and moves awaiting their code)
    key_failures_per_client   20 an hour   rejected account keys from one client (all sites)

A *send* is one code or confirmation, by SMS, e-mail or both. The client is the connection's
remote address: behind a reverse proxy every patient would share the proxy's, so the site must
be reached directly (it trusts no X-Forwarded-For).

Where a recipient is not the caller's to name — the phone of a patient logging in, or of the
booking a move or cancellation is for — a recipient over its limit is skipped silently, and
the patient's own limit (which counts whether or not anyone matched) is what answers 429: so
the answer never tells whether a national id has a phone or a booking here.

The counts are kept in the site's store (`rate_events`), not in memory: they then hold across
restarts and across processes sharing the store, are checked and counted in the same
transaction as the action they limit (so concurrent requests cannot slip past), and follow
the store's clock (which tests move). Each row holds only a keyed hash of what it counts,
and rows older than the longest window are deleted as new ones come.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from reconciler.site.api.problems import HttpProblem
from reconciler.site.booking.times import to_text
from reconciler.site.store.database import Store

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Limit:
    """At most `count` in any `window`."""

    count: int
    window: timedelta = HOUR


@dataclass(frozen=True)
class RateLimits:
    messages_per_recipient: Limit = Limit(5)
    messages_per_client: Limit = Limit(20)
    code_attempts_per_patient: Limit = Limit(10)
    holds_per_client: Limit = Limit(30)
    key_failures_per_client: Limit = Limit(20)

    @property
    def longest(self) -> timedelta:
        limits: list[Limit] = [getattr(self, f.name) for f in fields(self)]
        return max(limit.window for limit in limits)


@dataclass(frozen=True)
class Caller:
    """Who is asking (their address) and the limits that apply."""

    address: str
    limits: RateLimits


@dataclass(frozen=True)
class Meter:
    """One thing counted: its kind, whose (`subject`, hashed before it is stored), its limit,
    and what it counts in words (for the refusal)."""

    kind: str
    subject: str
    limit: Limit
    what: str


def recipient(caller: Caller, account_id: str, address: str) -> Meter:
    return Meter(
        "recipient",
        f"{account_id}\0address\0{address.strip().lower()}",
        caller.limits.messages_per_recipient,
        "messages to this phone number or e-mail address",
    )


def patient(caller: Caller, account_id: str, patient_key: str) -> Meter:
    return Meter(
        "recipient",
        f"{account_id}\0patient\0{patient_key}",
        caller.limits.messages_per_recipient,
        "codes and messages for this patient",
    )


def client_messages(caller: Caller, account_id: str) -> Meter:
    return Meter(
        "client-messages",
        f"{account_id}\0{caller.address}",
        caller.limits.messages_per_client,
        "messages asked for from your address",
    )


def code_attempts(caller: Caller, account_id: str, patient_key: str) -> Meter:
    return Meter(
        "code-attempts",
        f"{account_id}\0{patient_key}",
        caller.limits.code_attempts_per_patient,
        "wrong codes for this patient",
    )


def client_holds(caller: Caller, account_id: str) -> Meter:
    return Meter(
        "client-holds",
        f"{account_id}\0{caller.address}",
        caller.limits.holds_per_client,
        "times held from your address",
    )


def key_failures(caller: Caller) -> Meter:
    return Meter(
        "key-failures",
        caller.address,
        caller.limits.key_failures_per_client,
        "rejected account keys from your address",
    )


class Meters:
    """The counts, read and written in the caller's transaction (`db`)."""

    def __init__(self, db: sqlite3.Connection, store: Store, limits: RateLimits) -> None:
        self.db = db
        self.store = store
        self.limits = limits

    def _subject(self, meter: Meter) -> str:
        return self.store.keyed(f"{meter.kind}\0{meter.subject}")

    def wait(self, meter: Meter) -> int | None:
        """Seconds until one more is allowed; None if it is allowed now."""
        now = self.store.now()
        rows = self.db.execute(
            "SELECT at FROM rate_events WHERE kind = ? AND subject = ? AND at > ? ORDER BY at",
            (meter.kind, self._subject(meter), to_text(now - meter.limit.window)),
        ).fetchall()
        if len(rows) < meter.limit.count:
            return None
        frees = rows[len(rows) - meter.limit.count]["at"]  # the event whose expiry frees one
        seconds = (_moment(frees) + meter.limit.window - now).total_seconds()
        return max(1, min(math.ceil(seconds), int(meter.limit.window.total_seconds())))

    def check(self, *meters: Meter) -> None:
        """429 if any of `meters` is at its limit (naming the one that frees up last)."""
        waits = [(w, m) for m in meters if (w := self.wait(m)) is not None]
        if waits:
            seconds, meter = max(waits, key=lambda pair: pair[0])
            raise rate_limited(meter, seconds)

    def take(self, *meters: Meter) -> None:
        """Check, then count: 429 at a limit, else one more of each."""
        self.check(*meters)
        self.count(*meters)

    def count(self, *meters: Meter) -> None:
        now = self.store.now()
        self.db.execute(
            "DELETE FROM rate_events WHERE at <= ?", (to_text(now - self.limits.longest),)
        )
        self.db.executemany(
            "INSERT INTO rate_events (kind, subject, at) VALUES (?, ?, ?)",
            [(m.kind, self._subject(m), to_text(now)) for m in meters],
        )

    def allow_send(
        self,
        caller: Caller,
        account_id: str,
        *,
        patient_key: str,
        named: tuple[str | None, ...] = (),
        derived: tuple[str | None, ...] = (),
    ) -> list[str | None]:
        """Check and count one send for the patient, asked for by `caller`: 429 if the client,
        the patient, or a recipient the caller `named` is at its limit. Returns `derived` (the
        recipients the caller did not name) with those at their limit replaced by None."""
        fixed = [client_messages(caller, account_id), patient(caller, account_id, patient_key)]
        fixed += [recipient(caller, account_id, a) for a in named if a]
        self.take(*fixed)
        allowed: list[str | None] = []
        for address in derived:
            meter = recipient(caller, account_id, address) if address else None
            if meter is not None and self.wait(meter) is None:
                self.count(meter)
                allowed.append(address)
            else:
                allowed.append(None)
        return allowed


def rate_limited(meter: Meter, seconds: int) -> HttpProblem:
    later = f"{math.ceil(seconds / 60)} minutes" if seconds >= 90 else f"{seconds} seconds"
    hours = meter.limit.window.total_seconds() / 3600
    window = "an hour" if hours == 1 else f"{hours:g} hours"
    return HttpProblem(
        429,
        "rate-limited",
        f"too many {meter.what} (at most {meter.limit.count} in {window}); try again in {later}",
        "wait as long as Retry-After says (seconds), then try again",
        headers={"Retry-After": str(seconds)},
    )


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)
