"""The record of an account's last no-change plan, so that the next plan can read change
counters instead of rows.

When a full read of an account finds nothing to change, the plan writes down what it read
the live systems' counters as (before reading them), with the config's fingerprint (every
file it names included), the day its horizon starts, and where plan ran. The next plan reads
the counters first: when they, the config and the day are all as recorded, the live state
is the one already read and planned against, and the plan is the recorded one — no rows
read. Anything that moved — a row written or deleted by anyone, the site's state version,
the config, the day — misses the record and forces a full read. Drift, --target,
--exclude and `plan --refresh` always read in full; apply always does, under its lock.

Records live in the user's cache directory ($RECONCILER_CACHE_DIR, else
$XDG_CACHE_HOME/reconciler or ~/.cache/reconciler), one file per config and account, only
readable by the user. A record is only a hint: one that cannot be read, or that does not
match, is ignored, and apply never trusts it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from reconciler import __version__
from reconciler.config.files import read_limited
from reconciler.plan.model import AccountPlan
from reconciler.plan.planfile import account_from_json, account_json
from reconciler.providers.account import Counters

FORMAT: Final = 2  # raised whenever a recorded plan would no longer be what plan computes
_MAX_RECORD = 16 * 1024 * 1024


def cache_dir() -> Path:
    given = os.environ.get("RECONCILER_CACHE_DIR")
    if given:
        return Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "reconciler"


@dataclass(frozen=True)
class Lookup:
    """Where an account's record lives, and the key the current plan would record."""

    path: Path
    key: str
    counters: int  # how many the key holds

    @classmethod
    def of(cls, root: Path, shown_root: str, account: str, what: str, counters: Counters) -> Lookup:
        """`what`: the config's fingerprint and the day, as text."""
        place = hashlib.blake2b(f"{root}\0{account}".encode(), digest_size=16).hexdigest()
        key = hashlib.blake2b(digest_size=32)
        parts = (__version__, shown_root, account, what, *(f"{s}\0{t}" for s, t in counters.values))
        for part in parts:
            key.update(part.encode() + b"\0\0")
        return cls(cache_dir() / f"{place}.json", key.hexdigest(), counters.count)


@dataclass(frozen=True)
class Record:
    plan: AccountPlan
    recorded_at: datetime
    counters: int  # read to find it


def find(lookup: Lookup) -> Record | None:
    """The recorded plan if its key is the lookup's; None for anything else."""
    try:
        data = json.loads(read_limited(lookup.path, _MAX_RECORD))
        if data.get("format") != FORMAT or data.get("key") != lookup.key:
            return None
        plan = account_from_json(data["plan"])
        return Record(plan, datetime.fromisoformat(data["recorded_at"]), lookup.counters)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None  # a record is a hint: whatever is wrong with it, read all


def keep(lookup: Lookup, plan: AccountPlan, at: datetime) -> None:
    """Record a no-change plan (whole or not at all); a cache that cannot be written is
    skipped."""
    document: dict[str, Any] = {
        "format": FORMAT,
        "key": lookup.key,
        "recorded_at": at.isoformat(timespec="seconds"),
        "plan": account_json(plan),
    }
    try:
        lookup.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temporary = tempfile.mkstemp(prefix=".record-", dir=lookup.path.parent)
    except OSError:
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(document, f, ensure_ascii=False)
        os.replace(temporary, lookup.path)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
