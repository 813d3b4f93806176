"""Apply a plan: per account, lock, check the plan is not stale, then run its changes in
dependency order — each step one transaction, its intent journalled before it runs and its
outcome after — and stop that account at the first failure. Other accounts go on.

The next plan shows exactly what is left: applied steps are in the live systems, failed and
unattempted ones are not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby

import sqlalchemy as sa

from reconciler.domain.resources import Action, Change, Resource
from reconciler.errors import ReconcilerError
from reconciler.plan.model import AccountPlan, Plan
from reconciler.plan.planner import AccountSides, Computed, DatabaseSide
from reconciler.providers.opus import bookkeeping as books
from reconciler.providers.opus import queries
from reconciler.providers.opus.changes import OpusChanges
from reconciler.providers.opus.connection import connected
from reconciler.providers.opus.records import AppointmentType
from reconciler.providers.site.changes import SiteChanges


class StalePlan(ReconcilerError):
    """The saved plan no longer matches the config or the live systems."""


@dataclass
class AccountReport:
    account: str
    applied: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    not_attempted: list[str] = field(default_factory=list)
    refused: str = ""

    @property
    def ok(self) -> bool:
        return not self.failed and not self.refused


Progress = Callable[[str], None]


def check_not_stale(saved: Plan, fresh: Plan) -> None:
    """Refuse a saved plan when the config or any live system has moved since it was made."""
    if saved.config_fingerprint != fresh.config_fingerprint:
        raise StalePlan("plan is stale: the config has changed since it was made", "run plan again")
    fresh_accounts = {a.account: a for a in fresh.accounts}
    for account in saved.accounts:
        now = fresh_accounts.get(account.account)
        if now is None or now.live_fingerprint != account.live_fingerprint:
            raise StalePlan(
                f"plan is stale: the live state of account '{account.account}' has changed",
                "run plan again",
            )
        if [(c.action, c.address) for c in now.changes] != [
            (c.action, c.address) for c in account.changes
        ]:
            raise StalePlan(
                "plan is stale: it no longer computes the same changes", "run plan again"
            )


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
        items = list(group)
        yield (label if len(items) == 1 else f"{len(items)} {label}"), items


def _side_of(sides: AccountSides, address: str) -> DatabaseSide:
    for side in sides.databases.values():
        if address.startswith(side.scope.prefix):
            return side
    raise ReconcilerError(f"no database holds {address}", "this is a bug; report it")


def apply(
    computed: Computed, *, now: datetime | None = None, progress: Progress | None = None
) -> list[AccountReport]:
    """Apply every account's changes; returns a report per account."""
    now = now or datetime.now()
    reports = []
    for account in computed.plan.accounts:
        sides = computed.accounts[account.account]
        report = AccountReport(account.account)
        reports.append(report)
        if account.refused:
            report.refused = account.refused
            continue
        if any(p.severity.value == "error" for p in account.problems):
            report.refused = "the plan has problems (above); fix them first"
            continue
        if not account.changes:
            continue
        _AccountApply(
            computed.plan, account, sides, report, now, progress or (lambda _: None)
        ).run()
    return reports


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
        lead = self.lead
        books.acquire(lead.engine, lead.schema, self.account.account, self.plan.id)
        try:
            all_steps = list(steps(self.account.changes))
            for number, (label, step) in enumerate(all_steps, start=1):
                if not self._step(number, label, step):
                    self.report.not_attempted = [later for later, _ in all_steps[number:]]
                    return
        finally:
            books.release(lead.engine, lead.schema, self.account.account)

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
            self.report.failed.append((label, message))
            self.progress(f"failed {label}: {message}")
            return False
        self.report.applied += [c.address for c in step]
        self.progress(f"applied {label}")
        return True

    def _opus_step(self, number: int, label: str, step: list[Change]) -> None:
        """One transaction on the database the step changes; state and journal in it too
        when that is the lead database."""
        side = _side_of(self.sides, step[0].address)
        lead = self.lead
        with connected(side.engine, side.db, side.name) as connection:
            if not self.plan.refresh_only:
                OpusChanges(connection, side.schema, side.live).apply(step, self.now)
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
            SiteChanges(site.client, self.sides.account, self._type_ids).apply(step)
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
    return (str(original).strip().splitlines() or [type(error).__name__])[0]
