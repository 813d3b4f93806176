"""Apply a reviewed plan, account by account: take the account's lock, read its live systems
again, plan again, and go on only if the new plan is identical to the reviewed one; then run
its changes in dependency order — each step one transaction, its intent journalled before it
runs and its outcome after — and stop that account at the first failure. Other accounts go
on, whatever happens to one (a held lock, a stale plan, a failure), and each gets a report.

The next plan shows exactly what is left: applied steps are in the live systems, failed and
unattempted ones are not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import groupby

from reconciler.config import LoadedConfig
from reconciler.config.include_paths import display_path
from reconciler.config.model import Account
from reconciler.domain.clock import clinic_now, clinic_today
from reconciler.domain.resources import Change
from reconciler.domain.words import count
from reconciler.errors import ReconcilerError
from reconciler.plan.fingerprints import config_fingerprint
from reconciler.plan.model import AccountPlan, Plan
from reconciler.plan.planner import Options, account_plan
from reconciler.plan.staleness import account_difference, plan_difference
from reconciler.providers.account import AccountLive, opened_ledger, read_account
from reconciler.providers.protocol import Entry, Ledger, Provider


class StalePlan(ReconcilerError):
    """The saved plan is no longer the plan that would be made now."""


@dataclass(frozen=True)
class Step:
    """Changes applied together: one label, one transaction or one request."""

    label: str
    changes: int


@dataclass
class AccountReport:
    account: str
    applied: list[Step] = field(default_factory=list)
    failed: tuple[Step, str] | None = None  # the step, and why it failed
    not_attempted: list[Step] = field(default_factory=list)
    refused: str = ""  # why nothing was applied: stale, locked, unreadable, problems, safety
    baseline_only: bool = False  # a refresh-only plan: drift accepted, nothing written live

    @property
    def ok(self) -> bool:
        return self.failed is None and not self.refused


@dataclass(frozen=True)
class StepEvent:
    """What apply tells its listener as each step ends: the CLI prints it, a CI job or the
    sync service may render or count it otherwise."""

    account: str
    number: int
    label: str
    changes: int
    outcome: str  # "applied"; "recorded" (a refresh-only plan: state only); "failed"
    detail: str = ""  # why it failed

    def __str__(self) -> str:
        if self.outcome == "failed":
            return f"failed step {self.number}, {self.label}: {self.detail}"
        return f"{self.outcome} step {self.number}, {self.label}: {count(self.changes, 'change')}"


Listener = Callable[[StepEvent], None]


def apply(
    reviewed: Plan,
    loaded: LoadedConfig,
    *,
    force: bool = False,
    today: date | None = None,
    now: datetime | None = None,
    events: Listener | None = None,
) -> list[AccountReport]:
    """Apply the reviewed plan to what `loaded` reaches; a report per account. StalePlan
    when the plan as a whole no longer holds (config, day, accounts)."""
    today = today or clinic_today()
    accounts = loaded.config.accounts
    selection = list(reviewed.selected) or list(accounts)
    unknown = [a.account for a in reviewed.accounts if a.account not in accounts]
    why = plan_difference(reviewed, config_fingerprint(loaded), today, selection) or (
        f"it names accounts the config does not have: {', '.join(unknown)}" if unknown else None
    )
    if why is not None:
        raise StalePlan(f"plan is stale: {why}", "run plan again")
    run = _Run(reviewed, loaded, force, today, now or clinic_now(), events or _quiet)
    return [run.account(saved) for saved in reviewed.accounts]


def _quiet(_: StepEvent) -> None:
    pass


@dataclass
class _Run:
    reviewed: Plan
    loaded: LoadedConfig
    force: bool
    today: date
    now: datetime
    events: Listener

    @property
    def options(self) -> Options:
        """The reviewed plan's options: planning again must plan the same way."""
        plan = self.reviewed
        return Options(plan.targets, plan.excludes, plan.refresh_only, self.force)

    def account(self, saved: AccountPlan) -> AccountReport:
        report = AccountReport(saved.account, baseline_only=self.reviewed.refresh_only)
        if not saved.changes:
            return report
        account = self.loaded.config.accounts[saved.account]
        try:
            with opened_ledger(saved.account, account) as ledger, ledger.lock(self.reviewed.id):
                read = read_account(
                    saved.account,
                    account,
                    self.loaded.source_of,
                    self.today,
                    with_site=self.options.reads_site,
                    ledger=ledger,
                )
                try:
                    self._checked(saved, read, report)
                finally:
                    read.close()
        except ReconcilerError as e:  # the lock is held, a live system cannot be read…
            if report.applied:  # … or the bookkeeping failed after steps were applied
                report.failed = report.failed or (Step("the journal and lock", 0), str(e))
            else:
                report.refused = str(e)
        return report

    def _checked(self, saved: AccountPlan, read: AccountLive, report: AccountReport) -> None:
        """Plan the account again under its lock; apply only what was reviewed."""
        reviewed = self.reviewed
        fresh = account_plan(read, self.loaded, self.options)
        here = display_path(self.loaded.root_dir)
        why = account_difference(saved, fresh, reviewed.config_path, here)
        if why is not None:
            report.refused = f"plan is stale: {why} — run plan again"
        elif any(p.severity.value == "error" for p in fresh.problems):
            report.refused = "the plan has problems (shown with it); fix them first"
        elif fresh.refused:
            report.refused = fresh.refused
        else:
            _AccountApply(reviewed, fresh, read, report, self.now, self.events).run()


def unlock(name: str, account: Account) -> str | None:
    """Clear the account's apply lock; who held it, or None when it was not locked."""
    with opened_ledger(name, account) as ledger:
        return ledger.unlock()


def steps(
    changes: Sequence[Change], providers: Sequence[Provider]
) -> Iterator[tuple[str, list[Change]]]:
    """(label, changes) per step: one change each, except what its provider applies
    together (one provider's preblocks in one transaction, the site's settings as one
    document, one database's master data on the site as one diff)."""
    for label, group in groupby(changes, key=lambda c: _owner(providers, c).step_key(c)):
        yield label, list(group)


def _owner(providers: Sequence[Provider], change: Change) -> Provider:
    for provider in providers:
        if provider.holds(change):
            return provider
    raise ReconcilerError(f"no live system that was read holds {change.address}", "run plan again")


@dataclass
class _AccountApply:
    """One account's apply: its steps, journal and report."""

    plan: Plan
    account: AccountPlan
    read: AccountLive
    report: AccountReport
    now: datetime
    events: Listener

    @property
    def ledger(self) -> Ledger:
        return self.read.books

    def run(self) -> None:
        """Every step in order, until one fails. (The caller holds the account's lock.)"""
        all_steps = list(steps(self.account.changes, self.read.providers))
        for number, (label, step) in enumerate(all_steps, start=1):
            if not self._step(number, label, step):
                self.report.not_attempted = [Step(lbl, len(c)) for lbl, c in all_steps[number:]]
                return

    def _step(self, number: int, label: str, step: list[Change]) -> bool:
        entry = Entry(self.account.account, self.plan.id, number, label, tuple(step))
        self.ledger.journal(entry, "intent")
        try:
            if self.plan.refresh_only:  # drift accepted: only the state is written
                self.ledger.done(entry)
            else:
                _owner(self.read.providers, step[0]).apply(step, self.now, self.ledger, entry)
        except ReconcilerError as e:
            self.ledger.journal(entry, "failed", detail=str(e))
            self.report.failed = (Step(label, len(step)), str(e))
            self._tell(entry, "failed", str(e))
            return False
        self.report.applied.append(Step(label, len(step)))
        self._tell(entry, "recorded" if self.plan.refresh_only else "applied")
        return True

    def _tell(self, entry: Entry, outcome: str, detail: str = "") -> None:
        changes = len(entry.changes)
        self.events(StepEvent(entry.account, entry.number, entry.label, changes, outcome, detail))
