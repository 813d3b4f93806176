"""A plan: per account, the ordered changes, with what they were computed from (config and
live fingerprints, the day, the options) so that a saved plan can be refused unless planning
again gives exactly the same plan."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from reconciler.domain.resources import Action, Change
from reconciler.errors import Problem


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
    config_path: str  # the config's directory, relative to where plan ran when inside it
    config_fingerprint: str
    accounts: tuple[AccountPlan, ...]
    refresh_only: bool = False
    targets: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    selected: tuple[str, ...] = ()  # the accounts asked for (--account); none means all

    @property
    def has_changes(self) -> bool:
        return any(a.changes for a in self.accounts)

    def counts(self) -> Counter[Action]:
        total: Counter[Action] = Counter()
        for account in self.accounts:
            total.update(account.counts())
        return total
