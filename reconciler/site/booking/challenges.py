"""One-time codes: every patient action (book, move, cancel) and every SMS login waits for a
six-digit code sent by SMS (and by e-mail too when UseCodeChallange is on), unless the site
skips confirmation. A code lapses after CODE_TTL, and after MAX_ATTEMPTS wrong tries the
challenge fails; either way the time it held is freed. Wrong codes also count against the
patient over all their challenges (limits.code_attempts), so fresh challenges do not give
fresh guesses. Codes are kept only as hashes.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from reconciler.site.api.limits import Caller, Meters, code_attempts
from reconciler.site.api.problems import HttpProblem
from reconciler.site.booking.messages import Outbox
from reconciler.site.booking.times import to_text
from reconciler.site.store import keys
from reconciler.site.store.database import Store

CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
DECOY_HASH = "decoy"  # no code hashes to this (hashes are 64 hex digits)


def open_challenge(
    db: sqlite3.Connection,
    store: Store,
    account_id: str,
    action: str,
    *,
    hold_id: int | None = None,
    patient_key: str | None = None,
    mobile: str | None,
    email: str | None,
    announce: list[str] | None = None,
    decoy: bool = False,
) -> dict[str, Any]:
    """Create a challenge and send its code; the response body telling the caller so.

    `announce` is the list of channels the answer names (by default, those used): where the
    answer must not tell whether anything was sent, the caller announces what a match would
    use. A `decoy` challenge answers like any other but has no code: nothing is sent and no
    code confirms it (a login of an unknown patient, a change of a booking that is not the
    caller's)."""
    challenge_id = keys.new_id()
    code = keys.new_code()
    expires = store.now() + CODE_TTL
    db.execute(
        "INSERT INTO challenges (id, account_id, action, hold_id, patient_key, code_hash,"
        " expires_at, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?)",
        (
            challenge_id,
            account_id,
            action,
            hold_id,
            patient_key,
            DECOY_HASH if decoy else keys.code_hash(code, challenge_id),
            to_text(expires),
            store.now_text(),
        ),
    )
    minutes = int(CODE_TTL.total_seconds() // 60)
    channels: list[str] = []
    if not decoy:
        channels = Outbox(db, store, account_id).send_code(
            action, code, mobile=mobile, email=email, minutes=minutes
        )
    answer: dict[str, Any] = {
        "ChallengeId": challenge_id,
        "Action": action,
        "Channels": announce if announce is not None else channels,
        "ExpiresAt": to_text(expires),
        "AttemptsLeft": MAX_ATTEMPTS,
    }
    if hold_id is not None:
        answer["BookingId"] = hold_id
    return answer


def challenge_row(db: sqlite3.Connection, account_id: str, challenge_id: str) -> sqlite3.Row | None:
    """The challenge `challenge_id` of the account, if there is one."""
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM challenges WHERE id = ? AND account_id = ?", (challenge_id, account_id)
    ).fetchone()
    return row


@dataclass(frozen=True)
class Verdict:
    """The outcome of a code: `challenge` when it matched, else `problem` to answer with
    (after committing the attempt, so that wrong tries count)."""

    challenge: sqlite3.Row | None
    problem: HttpProblem | None


def check_code(
    meters: Meters, caller: Caller, account_id: str, challenge_id: str, code: str
) -> Verdict:
    """Check the code: 404 for no such challenge, 410 for a closed one, and 429 for a patient
    with too many wrong codes lately (over all their challenges, before this code is looked
    at). A wrong code counts against the challenge and the patient."""
    db, now = meters.db, meters.store.now()
    row = challenge_row(db, account_id, challenge_id)
    if row is None:
        raise HttpProblem(404, "not-found", "no such confirmation", "start the action again")
    if row["state"] != "open":
        raise HttpProblem(
            410,
            "challenge-closed",
            "this confirmation is already used or has failed",
            "start the action again to get a new code",
        )
    if row["expires_at"] <= to_text(now):
        fail(db, row, now)
        return Verdict(
            None,
            HttpProblem(
                410, "code-expired", "the code has expired", "start again to get a new code"
            ),
        )
    attempts_meter = code_attempts(caller, account_id, row["patient_key"] or challenge_id)
    meters.check(attempts_meter)
    if not keys.codes_match(code, challenge_id, row["code_hash"]):
        meters.count(attempts_meter)
        return Verdict(None, _wrong(db, row, now))
    db.execute("UPDATE challenges SET state = 'done' WHERE id = ?", (challenge_id,))
    return Verdict(row, None)


def _wrong(db: sqlite3.Connection, row: sqlite3.Row, now: datetime) -> HttpProblem:
    """Count a wrong code against the challenge (closing it at MAX_ATTEMPTS); the answer."""
    attempts = row["attempts"] + 1
    db.execute("UPDATE challenges SET attempts = ? WHERE id = ?", (attempts, row["id"]))
    if attempts >= MAX_ATTEMPTS:
        fail(db, row, now)
        return HttpProblem(
            429,
            "too-many-attempts",
            "too many wrong codes; this confirmation is closed",
            "start again to get a new code",
        )
    left = MAX_ATTEMPTS - attempts
    return HttpProblem(
        422,
        "wrong-code",
        f"the code is wrong; {left} attempt{'s' if left != 1 else ''} left",
        "check the latest code sent to you",
        extra={"AttemptsLeft": left},
    )


def fail(db: sqlite3.Connection, row: sqlite3.Row, now: datetime) -> None:
    """Close the challenge as failed and free the time it held."""
    db.execute("UPDATE challenges SET state = 'failed' WHERE id = ?", (row["id"],))
    if row["hold_id"] is not None and row["action"] in ("book", "move"):
        db.execute(
            "UPDATE holds SET status = 'released', updated_at = ?"
            " WHERE id = ? AND status = 'pending'",
            (to_text(now), row["hold_id"]),
        )
