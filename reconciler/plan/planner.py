"""Compute a plan: load the config, read each account's live systems in bulk, diff, order,
filter by target, and check the safety limits. What was read stays open for apply."""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa

from reconciler.config import LoadedConfig, load_config
from reconciler.config.diagnostics import format_path
from reconciler.config.loader import Path_
from reconciler.config.model import Account, Database
from reconciler.config.yaml12 import paused_gc
from reconciler.domain.resources import Action, Change, Resource
from reconciler.errors import Mark, Problem, ReconcilerError, UsageError
from reconciler.plan.diff import diff, matches
from reconciler.plan.model import AccountPlan, Plan, fingerprint
from reconciler.plan.site_side import SiteSide, read_site
from reconciler.providers.opus import OpusSchema, create_bookkeeping, schema_for
from reconciler.providers.opus import bookkeeping as books
from reconciler.providers.opus.connection import connected, create_engine
from reconciler.providers.opus.resources import KINDS, Live, Scope, desired, live, scope_of
from reconciler.providers.site.resources import KINDS as SITE_KINDS

SourceOf = Callable[[Path_], Mark | None]


@dataclass
class DatabaseSide:
    """One Opus database of an account, as read for this plan."""

    name: str
    db: Database
    engine: sa.Engine
    schema: OpusSchema
    scope: Scope
    live: Live
    desired: list[Resource]


@dataclass
class AccountSides:
    name: str
    account: Account
    databases: dict[str, DatabaseSide] = field(default_factory=dict)
    site: SiteSide | None = None  # None when the plan leaves the site out

    @property
    def lead(self) -> DatabaseSide:
        """Where the account's lock, journal and state live: its first active database."""
        return next(iter(self.databases.values()))

    def live_resources(self) -> list[Resource]:
        site = self.site.live if self.site else []
        return [res for side in self.databases.values() for res in side.live.resources] + site

    def close(self) -> None:
        for side in self.databases.values():
            side.engine.dispose()
        if self.site is not None:
            self.site.close()


@dataclass
class Computed:
    """A plan with what it was computed from, ready for apply. Close it when done."""

    plan: Plan
    loaded: LoadedConfig
    accounts: dict[str, AccountSides]

    def close(self) -> None:
        for account in self.accounts.values():
            account.close()


def config_fingerprint(loaded: LoadedConfig) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for name in sorted(loaded.files):
        digest.update(name.encode())
        digest.update(Path(name).read_bytes())
    return digest.hexdigest()


ORDER = (*KINDS, *SITE_KINDS)  # the Opus side first: the site takes what it holds


def _order(change: Change) -> tuple[int, int, str]:
    rank = ORDER.index(change.kind) if change.kind in ORDER else len(ORDER)
    if change.action is Action.DELETE:
        return (1, -rank, change.address)
    return (0, rank, change.address)


def read_account(
    name: str, account: Account, loaded: LoadedConfig, today: date, *, with_site: bool = True
) -> AccountSides:
    """Read the account's active databases and (unless left out) its site. On failure,
    whatever was opened is closed before the error goes on."""
    sides = AccountSides(name, account)
    try:
        for db_name, db in account.databases.items():
            if db.active:
                sides.databases[db_name] = _read_database(name, account, db_name, loaded, today)
        if with_site and sides.databases:
            sides.site = read_site(name, account, sides.databases, loaded.source_of)
    except BaseException:
        sides.close()
        raise
    return sides


def _read_database(
    name: str, account: Account, db_name: str, loaded: LoadedConfig, today: date
) -> DatabaseSide:
    db = account.databases[db_name]
    schema = schema_for(db, db_name)
    engine = create_engine(db, db_name)
    try:
        scope = scope_of(name, account, db_name, today)
        with connected(engine, db, db_name) as connection:
            create_bookkeeping(connection, schema)
            found = live(connection, schema, scope)
    except BaseException:
        engine.dispose()
        raise
    wanted = desired(scope, account, loaded.source_of)
    return DatabaseSide(db_name, db, engine, schema, scope, found, wanted)


def _missing_problems(sides: AccountSides, loaded: LoadedConfig) -> list[Problem]:
    """Clinics and providers the config selects that the database does not have, and what
    the site cannot take."""
    found: list[tuple[Path_, str]] = list(sides.site.problems) if sides.site else []
    for side in sides.databases.values():
        for key in side.live.missing_clinics:
            opus_id = side.scope.clinics[key]
            found.append(
                (
                    ("accounts", sides.name, "clinics", key, "opus_id"),
                    f"clinic {opus_id} is not in database '{side.name}'",
                )
            )
        for code in side.live.missing_providers:
            clinic = side.scope.providers[code]
            found.append(
                (
                    ("accounts", sides.name, "clinics", clinic, "providers", code),
                    f"provider {code} is not in database '{side.name}'",
                )
            )
    return [
        Problem(
            loaded.mark_of(path),
            f"{format_path(path)}: {message} — the config selects clinics and providers, "
            "it cannot create them",
            "missing-in-opus",
        )
        for path, message in found
    ]


def _account_plan(
    sides: AccountSides,
    loaded: LoadedConfig,
    *,
    targets: Sequence[str],
    excludes: Sequence[str],
    refresh_only: bool,
    force: bool,
) -> AccountPlan:
    problems = _missing_problems(sides, loaded)
    if refresh_only:
        changes = drift_changes(sides)
    else:
        changes = []
        for side in sides.databases.values():
            wanted = [res for res in side.desired if side.live.can_plan(res)]
            changes += diff(wanted, side.live.resources)
        if sides.site is not None:
            changes += diff(sides.site.desired, sides.site.live)
    if targets:
        changes = [c for c in changes if matches(c.address, targets)]
    if excludes:
        changes = [c for c in changes if not matches(c.address, excludes)]
    changes.sort(key=_order)
    refused = "" if force or refresh_only else _refusal(changes, sides, loaded)
    return AccountPlan(
        sides.name, tuple(changes), fingerprint(sides.live_resources()), tuple(problems), refused
    )


def _refusal(changes: list[Change], sides: AccountSides, loaded: LoadedConfig) -> str:
    """Why the plan changes too much of a kind to apply without --force ("" if it does not)."""
    limits = loaded.config.safety
    existing = Counter(res.kind for res in sides.live_resources())
    touched = Counter(c.kind for c in changes if c.action is not Action.CREATE)
    for kind, count in sorted(touched.items()):
        have = existing[kind]
        if have >= limits.min_objects and count * 100 > have * limits.max_change_percent:
            return (
                f"it would change or delete {count} of {have} {kind.replace('_', ' ')} objects "
                f"(more than {limits.max_change_percent} %); review it, then apply with --force"
            )
    return ""


def drift_changes(sides: AccountSides) -> list[Change]:
    """What changed outside the config since the last apply: live against the state applied.
    An update goes from the applied value (before) to the live one (after)."""
    lead = sides.lead
    with connected(lead.engine, lead.db, lead.name) as connection:
        state = books.read_state(connection, lead.schema, sides.name)
    live_by_address = {res.address: res for res in sides.live_resources()}
    changes = []
    for address, applied in state.items():
        now = live_by_address.get(address)
        if now is None:
            changes.append(Change(Action.DELETE, address, applied.kind, applied, None))
        elif now.fingerprint != applied.fingerprint:
            fields = tuple(n for n in now.attrs if now.attrs.get(n) != applied.attrs.get(n))
            changes.append(Change(Action.UPDATE, address, applied.kind, applied, now, fields))
    return changes


def compute(
    path: str | Path,
    *,
    accounts: Sequence[str] = (),
    targets: Sequence[str] = (),
    excludes: Sequence[str] = (),
    refresh_only: bool = False,
    force: bool = False,
    today: date | None = None,
) -> Computed:
    """The plan for the config at `path`. Raises ReconcilerError (ConfigError, DatabaseError…)
    when the config is invalid or a live system cannot be read."""
    with paused_gc():  # tens of thousands of acyclic resources: collecting only costs time
        return _compute(
            path,
            accounts=accounts,
            targets=targets,
            excludes=excludes,
            refresh_only=refresh_only,
            force=force,
            today=today,
        )


def _compute(
    path: str | Path,
    *,
    accounts: Sequence[str],
    targets: Sequence[str],
    excludes: Sequence[str],
    refresh_only: bool,
    force: bool,
    today: date | None,
) -> Computed:
    loaded = load_config(path)
    unknown = [a for a in accounts if a not in loaded.config.accounts]
    if unknown:
        known = ", ".join(loaded.config.accounts)
        raise UsageError(
            f"no account {', '.join(unknown)} in the config", f"the accounts are: {known}"
        )
    today = today or date.today()
    chosen = [a for a in loaded.config.accounts if not accounts or a in accounts]
    read: dict[str, AccountSides] = {}
    try:
        for name in chosen:
            read[name] = read_account(
                name,
                loaded.config.accounts[name],
                loaded,
                today,
                with_site=_reads_site(targets, excludes),
            )
            if not read[name].databases:
                raise ReconcilerError(
                    f"account '{name}' has no active database", "set active: true on one database"
                )
    except BaseException:
        Computed(_empty_plan(), loaded, read).close()
        raise
    plans = tuple(
        _account_plan(
            read[name],
            loaded,
            targets=targets,
            excludes=excludes,
            refresh_only=refresh_only,
            force=force,
        )
        for name in chosen
    )
    plan = Plan(
        id=uuid.uuid4().hex,
        created_at=datetime.now().replace(microsecond=0),
        today=today,
        config_path=str(path),
        config_fingerprint=config_fingerprint(loaded),
        accounts=plans,
        refresh_only=refresh_only,
        targets=tuple(targets),
        excludes=tuple(excludes),
    )
    return Computed(plan, loaded, read)


def _reads_site(targets: Sequence[str], excludes: Sequence[str]) -> bool:
    """Whether the plan needs the booking site: not when every target is on the Opus side or
    the site is excluded."""
    if "site" in excludes:
        return False
    return not targets or any(t.startswith("site") for t in targets)


def _empty_plan() -> Plan:
    return Plan("", datetime.now(), date.today(), "", "", ())
