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

import sqlalchemy as sa

from reconciler.apply.locks import account_lock
from reconciler.config import LoadedConfig
from reconciler.config.include_paths import display_path
from reconciler.domain.clock import clinic_now, clinic_today
from reconciler.domain.resources import Action, Change, Resource
from reconciler.domain.secrets import redact
from reconciler.domain.words import count
from reconciler.errors import ReconcilerError
from reconciler.plan.database_side import DatabaseSide
from reconciler.plan.fingerprints import config_fingerprint
from reconciler.plan.model import AccountPlan, Plan
from reconciler.plan.planner import AccountSides, Options, account_plan, read_account
from reconciler.plan.staleness import account_difference, plan_difference
from reconciler.providers.opus import bookkeeping as books
from reconciler.providers.opus import queries
from reconciler.providers.opus.applier import OpusApplier
from reconciler.providers.opus.connection import connected
from reconciler.providers.opus.records import AppointmentType
from reconciler.providers.site.applier import SiteApplier


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


Progress = Callable[[str], None]


def apply(
    reviewed: Plan,
    loaded: LoadedConfig,
    *,
    force: bool = False,
    today: date | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
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
    run = _Run(reviewed, loaded, force, today, now or clinic_now(), progress or _quiet)
    return [run.account(saved) for saved in reviewed.accounts]


def _quiet(_: str) -> None:
    pass


@dataclass
class _Run:
    reviewed: Plan
    loaded: LoadedConfig
    force: bool
    today: date
    now: datetime
    progress: Progress

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
            with account_lock(saved.account, account, self.reviewed.id):
                sides = read_account(
                    saved.account,
                    account,
                    self.loaded,
                    self.today,
                    with_site=self.options.reads_site,
                )
                try:
                    self._checked(saved, sides, report)
                finally:
                    sides.close()
        except ReconcilerError as e:  # the lock is held, a live system cannot be read…
            if report.applied:  # … or the bookkeeping failed after steps were applied
                report.failed = report.failed or (Step("the journal and lock", 0), str(e))
            else:
                report.refused = str(e)
        return report

    def _checked(self, saved: AccountPlan, sides: AccountSides, report: AccountReport) -> None:
        """Plan the account again under its lock; apply only what was reviewed."""
        reviewed = self.reviewed
        fresh = account_plan(sides, self.loaded, self.options)
        here = display_path(self.loaded.root_dir)
        why = account_difference(saved, fresh, reviewed.config_path, here)
        if why is not None:
            report.refused = f"plan is stale: {why} — run plan again"
        elif any(p.severity.value == "error" for p in fresh.problems):
            report.refused = "the plan has problems (shown with it); fix them first"
        elif fresh.refused:
            report.refused = fresh.refused
        else:
            _AccountApply(reviewed, fresh, sides, report, self.now, self.progress).run()


def _step_key(change: Change) -> str:
    """Changes with the same key, next to each other, make one step."""
    if change.kind == "opus_preblock":
        return f"preblocks of {change.resource.attrs.get('provider')} ({change.action.value})"
    if change.kind in ("site_subdomain", "site_settings"):
        return "site settings"
    if change.kind in ("site_treatment", "site_clinic", "site_clinician"):
        removals = " (removals)" if change.action is Action.DELETE else ""
        return f"site master data of {change.resource.attrs['database']}{removals}"
    return change.address


def steps(changes: Sequence[Change]) -> Iterator[tuple[str, list[Change]]]:
    """(label, changes) per step: one change each, except what goes together — one provider's
    preblocks (one transaction), the site's settings (one document), one database's master
    data on the site (one diff)."""
    for label, group in groupby(changes, key=_step_key):
        yield label, list(group)


def _side_of(sides: AccountSides, address: str) -> DatabaseSide:
    for side in sides.databases.values():
        if address.startswith(side.scope.prefix):
            return side
    raise ReconcilerError(f"no database holds {address}", "this is a bug; report it")


@dataclass
class _AccountApply:
    """One account's apply: its steps, journal and report."""

    plan: Plan
    account: AccountPlan
    sides: AccountSides
    report: AccountReport
    now: datetime
    progress: Progress

    @property
    def lead(self) -> DatabaseSide:
        return self.sides.lead

    def run(self) -> None:
        """Every step in order, until one fails. (The caller holds the account's lock.)"""
        all_steps = list(steps(self.account.changes))
        for number, (label, step) in enumerate(all_steps, start=1):
            if not self._step(number, label, step):
                self.report.not_attempted = [Step(lbl, len(c)) for lbl, c in all_steps[number:]]
                return

    def _step(self, number: int, label: str, step: list[Change]) -> bool:
        lead = self.lead
        with connected(lead.engine, lead.db, lead.name) as connection:
            self._journal(connection, number, label, step, "intent")
        try:
            if step[0].kind.startswith("site_"):
                self._site_step(number, label, step)
            else:
                self._opus_step(number, label, step)
        except (ReconcilerError, sa.exc.SQLAlchemyError) as e:
            message = _message(e)
            with connected(lead.engine, lead.db, lead.name) as connection:
                self._journal(connection, number, label, step, "failed", detail=message)
            self.report.failed = (Step(label, len(step)), message)
            self.progress(f"failed step {number}, {label}: {message}")
            return False
        self.report.applied.append(Step(label, len(step)))
        done = "recorded" if self.plan.refresh_only else "applied"
        self.progress(f"{done} step {number}, {label}: {count(len(step), 'change')}")
        return True

    def _opus_step(self, number: int, label: str, step: list[Change]) -> None:
        """One transaction on the database the step changes; state and journal in it too
        when that is the lead database."""
        side = _side_of(self.sides, step[0].address)
        lead = self.lead
        with connected(side.engine, side.db, side.name) as connection:
            if not self.plan.refresh_only:
                OpusApplier(connection, side.schema, side.live).apply(step, self.now)
            if side is lead:
                self._done(connection, number, label, step)
        if side is not lead:
            with connected(lead.engine, lead.db, lead.name) as connection:
                self._done(connection, number, label, step)

    def _site_step(self, number: int, label: str, step: list[Change]) -> None:
        """One call to the site (idempotent), then the journal and state."""
        site = self.sides.site
        if site is None:
            raise ReconcilerError("the site was not read for this plan", "run plan again")
        if not self.plan.refresh_only:
            SiteApplier(site.client, self.sides.account, self._type_ids).apply(step)
        lead = self.lead
        with connected(lead.engine, lead.db, lead.name) as connection:
            self._done(connection, number, label, step)

    def _type_ids(self, database: str) -> dict[str, int]:
        """Appointment type ids as the database has them now (after the Opus steps)."""
        side = self.sides.databases[database]
        with connected(side.engine, side.db, side.name) as connection:
            return {t.name: t.id for t in queries.read(connection, side.schema, AppointmentType)}

    def _journal(
        self,
        connection: sa.Connection,
        number: int,
        label: str,
        step: list[Change],
        status: str,
        *,
        detail: str = "",
    ) -> None:
        books.journal(
            connection,
            self.lead.schema,
            account=self.account.account,
            plan_id=self.plan.id,
            step=number,
            address=label,
            action=step[0].action.value,
            status=status,
            detail=detail,
        )

    def _done(self, connection: sa.Connection, number: int, label: str, step: list[Change]) -> None:
        """Journal the step applied and remember the state, in the step's transaction."""
        self._journal(connection, number, label, step, "applied")
        applied: list[Resource] = [c.after for c in step if c.after is not None]
        removed = [c.address for c in step if c.action is Action.DELETE]
        books.record_state(connection, self.lead.schema, self.account.account, applied, removed)


def _message(error: Exception) -> str:
    if isinstance(error, ReconcilerError):
        return str(error)
    original = getattr(error, "orig", None) or error
    return redact((str(original).strip().splitlines() or [type(error).__name__])[0])
