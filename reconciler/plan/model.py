"""A plan: per account, the ordered changes, with what they were computed from (config and
live fingerprints) so that a saved plan can be refused when either has moved."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from reconciler.domain.resources import Action, Change, Resource
from reconciler.errors import Problem


def fingerprint(resources: Iterable[Resource]) -> str:
    """One hash for a set of resources: their addresses and attributes. (Providers build
    attributes in a fixed order, so their repr is stable; repr is much cheaper than JSON.)"""
    digest = hashlib.blake2b(digest_size=16)
    for res in sorted(resources, key=lambda r: r.address):
        digest.update(f"{res.address}\0{res.attrs!r}\0".encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class AccountPlan:
    account: str
    changes: tuple[Change, ...]
    live_fingerprint: str
    problems: tuple[Problem, ...] = ()
    refused: str = ""  # why this account's plan may not be applied (safety), if so

    def counts(self) -> Counter[Action]:
        return Counter(c.action for c in self.changes)


@dataclass(frozen=True)
class Plan:
    id: str
    created_at: datetime
    today: date
    config_path: str
    config_fingerprint: str
    accounts: tuple[AccountPlan, ...]
    refresh_only: bool = False
    targets: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def has_changes(self) -> bool:
        return any(a.changes for a in self.accounts)

    def counts(self) -> Counter[Action]:
        total: Counter[Action] = Counter()
        for account in self.accounts:
            total.update(account.counts())
        return total
