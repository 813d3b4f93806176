"""Compute a plan: load the config, read each account's providers in bulk, diff, order,
filter by target, and check the safety limits. The planner sees providers only: never SQL,
never HTTP."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from reconciler.config import LoadedConfig, load_config
from reconciler.config.diagnostics import format_path
from reconciler.config.include_paths import display_path
from reconciler.config.yaml12 import paused_gc
from reconciler.domain.clock import clinic_today
from reconciler.domain.resources import Action, Change, Resource
from reconciler.domain.words import count as counted
from reconciler.errors import Problem, ReconcilerError, UsageError
from reconciler.plan import unchanged
from reconciler.plan.diff import closest, diff, matches, unmatched
from reconciler.plan.fingerprints import config_fingerprint, live_fingerprint
from reconciler.plan.model import AccountPlan, Plan
from reconciler.providers.account import AccountLive, Counters, read_account, read_counters
from reconciler.providers.protocol import Provider


@dataclass
class Computed:
    """A plan with the config it was computed from (what it read is closed)."""

    plan: Plan
    loaded: LoadedConfig
    notes: tuple[str, ...] = ()  # how it was read, when not in full


def _order(providers: list[Provider]) -> Callable[[Change], tuple[int, int, str]]:
    """Creations in the order of the providers and their kinds (the Opus side first: the
    site takes what it holds); deletions the other way round."""
    ranks: dict[str, int] = {}
    for provider in providers:
        for kind in provider.kinds:
            ranks.setdefault(kind, len(ranks))

    def key(change: Change) -> tuple[int, int, str]:
        rank = ranks.get(change.kind, len(ranks))
        if change.action is Action.DELETE:
            return (1, -rank, change.address)
        return (0, rank, change.address)

    return key


def _problems(
    read: AccountLive, loaded: LoadedConfig, placed: dict[str, list[Change]]
) -> list[Problem]:
    """What the config asks of the live systems that they cannot give, where the config
    asks it."""
    return [
        Problem(loaded.mark_of(path), f"{format_path(path)}: {message}", code, severity)
        for provider in read.providers
        for path, message, code, severity in provider.findings(placed.get(provider.name, []))
    ]


def account_plan(read: AccountLive, loaded: LoadedConfig, options: Options) -> AccountPlan:
    targets, excludes = options.targets, options.excludes
    placed: dict[str, list[Change]] = {}  # by provider, before any --target
    if options.refresh_only:
        changes = drift_changes(read, from_opus=options.from_opus)
    else:
        changes = []
        for provider in read.providers:
            placed[provider.name] = diff(provider.wanted(), provider.live)
            changes += placed[provider.name]
    if targets:
        changes = [c for c in changes if matches(c.address, targets)]
    if excludes:
        changes = [c for c in changes if not matches(c.address, excludes)]
    changes.sort(key=_order(read.providers))
    live = _live(read)
    refused = "" if options.force or options.refresh_only else _refusal(changes, live, loaded)
    return AccountPlan(
        read.name,
        tuple(changes),
        live_fingerprint(live),
        tuple(_problems(read, loaded, placed)),
        refused,
    )


def _live(read: AccountLive) -> list[Resource]:
    return [res for provider in read.providers for res in provider.live]


def _refusal(changes: list[Change], live: list[Resource], loaded: LoadedConfig) -> str:
    """Why the plan changes too much of a kind to apply without --force ("" if it does not)."""
    limits = loaded.config.safety
    existing = Counter(res.kind for res in live)
    touched = Counter(c.kind for c in changes if c.action is not Action.CREATE)
    for kind, count in sorted(touched.items()):
        have = existing[kind]
        if have >= limits.min_objects and count * 100 > have * limits.max_change_percent:
            return (
                f"it would change or delete {count} of {have} {kind.replace('_', ' ')} objects "
                f"(more than {limits.max_change_percent} %); review it, then apply with --force"
            )
    return ""


def drift_changes(read: AccountLive, *, from_opus: bool = False) -> list[Change]:
    """What changed outside the config since the last apply: live against the state applied.
    An update goes from the applied value (before) to the live one (after). With
    `from_opus`, also what a provider takes from another system that now holds it otherwise
    (a provider renamed in Opus, which the site shows): it goes there at the next apply."""
    state = read.books.applied_state()
    live_by_address = {res.address: res for res in _live(read)}
    changes = []
    for address, applied in state.items():
        now = live_by_address.get(address)
        if now is None:
            changes.append(Change(Action.DELETE, address, applied.kind, applied, None))
        elif now.fingerprint != applied.fingerprint:
            fields = tuple(n for n in now.attrs if now.attrs.get(n) != applied.attrs.get(n))
            changes.append(Change(Action.UPDATE, address, applied.kind, applied, now, fields))
    if from_opus:
        reported = {c.address for c in changes}
        for provider in read.providers:
            changes += [c for c in provider.drift_from_sources(state) if c.address not in reported]
    return changes


@dataclass(frozen=True)
class Options:
    """How to plan: which addresses, drift only or all, past the safety limits or not."""

    targets: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    refresh_only: bool = False  # only what changed outside the config
    force: bool = False  # no refusal for changing too much
    from_opus: bool = False  # refresh_only: with what the site takes from Opus (drift)
    refresh: bool = False  # read every row, even when the counters say nothing changed

    @property
    def recorded(self) -> bool:
        """Whether a no-change plan is recorded for the next one (unchanged.py): a whole
        plan, not drift."""
        return not (self.refresh_only or self.targets or self.excludes)

    @property
    def may_skip_read(self) -> bool:
        """Whether a recorded no-change plan may stand in for a full read."""
        return self.recorded and not self.refresh

    @property
    def reads_site(self) -> bool:
        """Whether the plan needs the booking site: not when every target is on the Opus
        side or the site is excluded."""
        if "site" in self.excludes:
            return False
        return not self.targets or any(t.startswith("site") for t in self.targets)


def compute(
    path: str | Path,
    *,
    accounts: Sequence[str] = (),
    targets: Sequence[str] = (),
    excludes: Sequence[str] = (),
    refresh_only: bool = False,
    force: bool = False,
    from_opus: bool = False,
    refresh: bool = False,
    today: date | None = None,
    now: datetime | None = None,
) -> Computed:
    """The plan for the config at `path`. Raises ReconcilerError (ConfigError, DatabaseError…)
    when the config is invalid or a live system cannot be read."""
    options = Options(tuple(targets), tuple(excludes), refresh_only, force, from_opus, refresh)
    with paused_gc():  # tens of thousands of acyclic resources: collecting only costs time
        return _Planning(options, today or clinic_today(), now or datetime.now()).run(
            path, tuple(accounts)
        )


@dataclass
class _Planning:
    options: Options
    today: date
    now: datetime
    notes: list[str] = field(default_factory=list)

    def run(self, path: str | Path, accounts: tuple[str, ...]) -> Computed:
        loaded = load_config(path)
        unknown = [a for a in accounts if a not in loaded.config.accounts]
        if unknown:
            known = ", ".join(loaded.config.accounts)
            raise UsageError(
                f"no account {', '.join(unknown)} in the config", f"the accounts are: {known}"
            )
        chosen = [a for a in loaded.config.accounts if not accounts or a in accounts]
        fingerprint = config_fingerprint(loaded)
        if self.options.recorded:
            planned = tuple(self._account(loaded, name, fingerprint) for name in chosen)
        else:
            planned = self._read_all(loaded, chosen)
        plan = Plan(
            id=uuid.uuid4().hex,
            created_at=self.now.replace(microsecond=0),
            today=self.today,
            config_path=display_path(loaded.root_dir),
            config_fingerprint=fingerprint,
            accounts=planned,
            refresh_only=self.options.refresh_only,
            targets=self.options.targets,
            excludes=self.options.excludes,
            selected=accounts,
        )
        return Computed(plan, loaded, tuple(self.notes))

    def _read_all(self, loaded: LoadedConfig, chosen: list[str]) -> tuple[AccountPlan, ...]:
        read: dict[str, AccountLive] = {}
        try:
            for name in chosen:
                read[name] = self._read(loaded, name)
            _check_patterns(self.options, read)
            return tuple(account_plan(read[name], loaded, self.options) for name in chosen)
        finally:
            for each in read.values():
                each.close()

    def _read(self, loaded: LoadedConfig, name: str, *, counted: bool = False) -> AccountLive:
        account = loaded.config.accounts[name]
        with_site = self.options.reads_site
        return read_account(
            name, account, loaded.source_of, self.today, with_site=with_site, counted=counted
        )

    def _account(self, loaded: LoadedConfig, name: str, fingerprint: str) -> AccountPlan:
        """The account's plan from its record when its counters say nothing moved since;
        else from a full read, which reads the counters before the rows and records them
        when there is nothing to change: what is written meanwhile misses the next lookup."""
        if self.options.may_skip_read:
            record = self._record(loaded, name, fingerprint)
            if record is not None:
                self.notes.append(
                    f"account {name}: live state unchanged since "
                    f"{record.recorded_at:%Y-%m-%d %H:%M:%S}: read "
                    f"{counted(record.counters, 'counter')}, no rows "
                    "(plan --refresh reads them all)"
                )
                return record.plan
        read = self._read(loaded, name, counted=True)
        try:
            planned = account_plan(read, loaded, self.options)
            counters = read.counters
        finally:
            read.close()
        if counters is not None and not planned.changes:
            unchanged.keep(self._lookup(loaded, name, fingerprint, counters), planned, self.now)
        return planned

    def _record(self, loaded: LoadedConfig, name: str, fingerprint: str) -> unchanged.Record | None:
        """The account's record, if the counters read now are the ones it was kept with."""
        account = loaded.config.accounts[name]
        try:
            counters = read_counters(name, account, with_site=self.options.reads_site)
        except ReconcilerError:
            return None  # the full read says what is wrong
        if counters is None:
            return None
        return unchanged.find(self._lookup(loaded, name, fingerprint, counters))

    def _lookup(
        self, loaded: LoadedConfig, name: str, fingerprint: str, counters: Counters
    ) -> unchanged.Lookup:
        root = display_path(loaded.root_dir)
        what = f"{fingerprint} {self.today.isoformat()}"
        return unchanged.Lookup.of(loaded.root_dir, root, name, what, counters)


def _check_patterns(options: Options, read: dict[str, AccountLive]) -> None:
    """A --target or --exclude that names nothing is a typo, not an empty plan."""
    addresses = {
        res.address
        for account in read.values()
        for provider in account.providers
        for res in (*provider.desired, *provider.live)
    }
    if not options.reads_site:  # the site's addresses are not known: its patterns cannot be judged
        addresses |= {p for p in options.excludes if p.startswith("site")}
    for option, patterns in (("--target", options.targets), ("--exclude", options.excludes)):
        for pattern in unmatched(patterns, addresses):
            raise UsageError(
                f"{option} {pattern} matches no resource of the config or the live systems",
                closest(pattern, addresses),
            )
