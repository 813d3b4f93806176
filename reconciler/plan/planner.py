"""Compute a plan: load the config, read each account's live systems in bulk, diff, order,
filter by target, and check the safety limits. What was read stays open for apply."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from reconciler.config import LoadedConfig, load_config
from reconciler.config.diagnostics import format_path
from reconciler.config.include_paths import display_path
from reconciler.config.loader import ConfigPath
from reconciler.config.model import Account
from reconciler.config.yaml12 import paused_gc
from reconciler.domain.clock import clinic_today
from reconciler.domain.resources import Action, Change, Resource
from reconciler.domain.spans import Span, subtract
from reconciler.domain.times import Weekday
from reconciler.domain.words import count as counted
from reconciler.errors import Problem, ReconcilerError, Severity, UsageError
from reconciler.plan.database_side import DatabaseSide
from reconciler.plan.diff import closest, diff, matches, unmatched
from reconciler.plan.fingerprints import config_fingerprint, live_fingerprint
from reconciler.plan.model import AccountPlan, Plan
from reconciler.plan.site_side import SiteSide, SiteState, fetch_site, read_site
from reconciler.providers.opus import bookkeeping as books
from reconciler.providers.opus import create_bookkeeping, schema_for
from reconciler.providers.opus.connection import connected, create_engine
from reconciler.providers.opus.desired import desired
from reconciler.providers.opus.live import live
from reconciler.providers.opus.queries import recall_hours, unheld_preblocks
from reconciler.providers.opus.resources import KINDS, scope_of, stamp
from reconciler.providers.site.resources import CITY_MAX, FROM_OPUS
from reconciler.providers.site.resources import KINDS as SITE_KINDS


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

    def addresses(self) -> set[str]:
        """Every address the plan knows of, wanted or live."""
        site = self.site.desired if self.site else []
        wanted = [res for side in self.databases.values() for res in side.desired] + site
        return {res.address for res in [*wanted, *self.live_resources()]}

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


ORDER = (*KINDS, *SITE_KINDS)  # the Opus side first: the site takes what it holds


def _order(change: Change) -> tuple[int, int, str]:
    rank = ORDER.index(change.kind) if change.kind in ORDER else len(ORDER)
    if change.action is Action.DELETE:
        return (1, -rank, change.address)
    return (0, rank, change.address)


def read_account(
    name: str, account: Account, loaded: LoadedConfig, today: date, *, with_site: bool = True
) -> AccountSides:
    """Read the account's active databases and (unless left out) its site — the site in a
    thread while the databases are read, since it needs nothing from them. On failure,
    whatever was opened is closed before the error goes on."""
    if not any(db.active for db in account.databases.values()):
        raise ReconcilerError(
            f"account '{name}' has no active database", "set active: true on one database"
        )
    sides = AccountSides(name, account)
    active = [db_name for db_name, db in account.databases.items() if db.active]
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="site-read")
    site = pool.submit(fetch_site, account, active) if with_site else None
    try:
        for db_name in active:
            sides.databases[db_name] = _read_database(name, account, db_name, loaded, today)
        if site is not None:
            state = site.result()
            sides.site = read_site(name, account, sides.databases, loaded.source_of, state)
    except BaseException:
        sides.close()
        if site is not None and sides.site is None:  # its client closed once it is read
            site.add_done_callback(_close_unused)
        raise
    finally:
        pool.shutdown(wait=False)
    return sides


def _close_unused(site: Future[SiteState]) -> None:
    if not site.cancelled() and site.exception() is None:
        site.result().client.close()


def _read_database(
    name: str, account: Account, db_name: str, loaded: LoadedConfig, today: date
) -> DatabaseSide:
    db = account.databases[db_name]
    schema = schema_for(db, db_name)
    engine = create_engine(db, db_name)
    try:
        scope = scope_of(name, account, db_name, today)
        wanted = desired(scope, account, loaded.source_of)
        with connected(engine, db, db_name) as connection:
            create_bookkeeping(connection, schema)
            found = live(connection, schema, scope)
            since = datetime.combine(today, datetime.min.time())
            unheld = unheld_preblocks(connection, schema, since)
    except BaseException:
        engine.dispose()
        raise
    return DatabaseSide(db_name, db, engine, schema, scope, found, wanted, unheld)


def _outside_hours(side: DatabaseSide, changes: list[Change]) -> dict[str, list[Span]]:
    """Of the time the config publishes, by provider code, what the book's working hours
    with Recall do not hold: of the preblocks the plan places (`changes`), and of those in
    the book that it keeps, which the database singled out when it was read."""
    code_of = {pid: code for code, pid in side.live.provider_ids.items()}
    moved = {c.address for c in changes if c.kind == "opus_preblock"}
    spans: dict[str, list[Span]] = {}
    for provider_id, start, end in side.unheld:
        code = code_of.get(provider_id)
        if (
            code is not None
            and side.scope.address("preblock", f"{code}@{stamp(start)}") not in moved
        ):
            spans.setdefault(code, []).append(Span(start, end))
    for change in changes:
        if change.kind == "opus_preblock" and change.after is not None:
            a = change.after.attrs
            span = Span(
                datetime.fromisoformat(a["starts_at"]), datetime.fromisoformat(a["ends_at"])
            )
            spans.setdefault(a["provider"], []).append(span)
    if not spans:
        return {}
    every = [s for group in spans.values() for s in group]
    ids = {side.live.provider_ids[code] for code in spans if code in side.live.provider_ids}
    with connected(side.engine, side.db, side.name) as connection:
        hours = recall_hours(
            connection, side.schema, min(s.start for s in every), max(s.end for s in every), ids
        )
    gaps = {
        code: subtract(group, hours.get(side.live.provider_ids.get(code, -1), []))
        for code, group in spans.items()
    }
    return {code: outside for code, outside in gaps.items() if outside}


def _live_problems(
    sides: AccountSides, loaded: LoadedConfig, placed: dict[str, list[Change]]
) -> list[Problem]:
    """What the config asks of the live systems that they cannot give: clinics and providers
    the database lacks, what the site cannot take, and names the config writes otherwise
    than the book has them."""
    account = ("accounts", sides.name)
    found: list[tuple[ConfigPath, str, str, Severity]] = [
        ((*account, *path), message, "site-limit", Severity.ERROR)
        for path, message in (sides.site.problems if sides.site else [])
    ]
    cannot = "the config selects clinics and providers, it cannot create them"
    for side in sides.databases.values():
        for key in side.live.missing_clinics:
            opus_id = side.scope.clinics[key]
            message = f"clinic {opus_id} is not in database '{side.name}' — {cannot}"
            found.append(((*account, "clinics", key, "opus_id"), message, "missing-in-opus", _E))
        for code in side.live.missing_providers:
            clinic = side.scope.providers[code]
            message = f"provider {code} is not in database '{side.name}' — {cannot}"
            path: ConfigPath = (*account, "clinics", clinic, "providers", code)
            found.append((path, message, "missing-in-opus", _E))
        found += _other_names(sides.name, sides.account, side)
        found += _outside_recall(sides.name, side, placed.get(side.name, []))
        if sides.site is not None:
            found += _cut_to_fit(sides.name, side)
    return [
        Problem(loaded.mark_of(path), f"{format_path(path)}: {message}", code, severity)
        for path, message, code, severity in found
    ]


_E = Severity.ERROR


def _other_names(
    name: str, account: Account, side: DatabaseSide
) -> list[tuple[ConfigPath, str, str, Severity]]:
    """Clinic and provider names in the config that differ from the book's: the site shows
    the book's (the config's `name` is a label for its readers)."""
    found = []
    rows = side.live.clinic_rows
    for key, clinic in account.clinics.items():
        if key not in side.scope.clinics:  # in another database
            continue
        path: ConfigPath = ("accounts", name, "clinics", key)
        row = rows.get(side.scope.clinics[key])
        if row is not None and clinic.name is not None and clinic.name != row.name:
            found.append((path, clinic.name, row.name))
        for code, provider in clinic.providers.items():
            prow = side.live.provider_rows.get(code)
            if prow is not None and provider.name is not None and provider.name != prow.name:
                found.append(((*path, "providers", code), provider.name, prow.name))
    return [
        (
            (*path, "name"),
            f"the config says '{written}', the book '{booked}'; the site shows the book's "
            "name — correct the label here, or the name in Opus",
            "name-differs",
            Severity.WARNING,
        )
        for path, written, booked in found
    ]


def _outside_recall(
    name: str, side: DatabaseSide, changes: list[Change]
) -> list[tuple[ConfigPath, str, str, Severity]]:
    """Published time outside the provider's working hours with Recall in the book: the sync
    service offers patients none of it (lint checks the config's own working hours; this,
    the book's)."""
    found: list[tuple[ConfigPath, str, str, Severity]] = []
    for code, gaps in _outside_hours(side, changes).items():
        if code not in side.scope.providers:
            continue
        dates: dict[tuple[int, str], list[date]] = {}
        for gap in gaps:
            end = "24:00" if gap.end.date() > gap.start.date() else f"{gap.end:%H:%M}"
            key = (gap.start.weekday(), f"{gap.start:%H:%M}–{end}")
            dates.setdefault(key, []).append(gap.start.date())
        shown = [
            f"{Weekday(day).label} {hours} ({counted(len(on), 'date')} from {min(on):%Y-%m-%d})"
            for (day, hours), on in sorted(dates.items())
        ]
        more = f" and {len(shown) - 4} more" if len(shown) > 4 else ""
        clinic = side.scope.providers[code]
        found.append(
            (
                ("accounts", name, "clinics", clinic, "providers", code, "publishing"),
                f"{', '.join(shown[:4])}{more} lie outside {code}'s working hours with Recall "
                f"in database '{side.name}': patients are offered none of that time — give "
                "those hours Recall [R] in Opus, or narrow the rule",
                "outside-recall-hours",
                Severity.WARNING,
            )
        )
    return found


def _cut_to_fit(name: str, side: DatabaseSide) -> list[tuple[ConfigPath, str, str, Severity]]:
    """Values from the book the site holds only in part: a clinic's city (the vendor's limit)."""
    found: list[tuple[ConfigPath, str, str, Severity]] = []
    for key, clinic_id in side.scope.clinics.items():
        row = side.live.clinic_rows.get(clinic_id)
        if row is not None and row.city and len(row.city) > CITY_MAX:
            found.append(
                (
                    ("accounts", name, "clinics", key, "opus_id"),
                    f"the book's city '{row.city}' has {len(row.city)} characters; the site "
                    f"holds at most {CITY_MAX} and shows '{row.city[:CITY_MAX]}' — shorten it "
                    "in Opus to choose how it reads",
                    "site-limit",
                    Severity.WARNING,
                )
            )
    return found


def account_plan(sides: AccountSides, loaded: LoadedConfig, options: Options) -> AccountPlan:
    targets, excludes = options.targets, options.excludes
    placed: dict[str, list[Change]] = {}  # by database, before any --target
    if options.refresh_only:
        changes = drift_changes(sides, from_opus=options.from_opus)
    else:
        changes = []
        for side in sides.databases.values():
            wanted = [res for res in side.desired if side.live.can_plan(res)]
            placed[side.name] = diff(wanted, side.live.resources)
            changes += placed[side.name]
        if sides.site is not None:
            changes += diff(sides.site.desired, sides.site.live)
    if targets:
        changes = [c for c in changes if matches(c.address, targets)]
    if excludes:
        changes = [c for c in changes if not matches(c.address, excludes)]
    changes.sort(key=_order)
    problems = _live_problems(sides, loaded, placed)
    refused = "" if options.force or options.refresh_only else _refusal(changes, sides, loaded)
    return AccountPlan(
        sides.name,
        tuple(changes),
        live_fingerprint(sides.live_resources()),
        tuple(problems),
        refused,
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


def drift_changes(sides: AccountSides, *, from_opus: bool = False) -> list[Change]:
    """What changed outside the config since the last apply: live against the state applied.
    An update goes from the applied value (before) to the live one (after). With
    `from_opus`, also what the site takes from the Opus database and the book now holds
    otherwise (a provider renamed in Opus): the site gets it at the next apply."""
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
    if from_opus and sides.site is not None:
        reported = {c.address for c in changes}
        changes += [
            c for c in _changed_in_opus(sides.site.desired, state) if c.address not in reported
        ]
    return changes


def _changed_in_opus(desired: list[Resource], state: dict[str, Resource]) -> Iterator[Change]:
    for res in desired:
        applied = state.get(res.address)
        if applied is None or res.kind not in FROM_OPUS:
            continue
        fields = tuple(f for f in FROM_OPUS[res.kind] if res.attrs[f] != applied.attrs.get(f))
        if fields:
            now = Resource(res.address, res.kind, {**applied.attrs, **res.attrs})
            yield Change(Action.UPDATE, res.address, res.kind, applied, now, fields)


@dataclass(frozen=True)
class Options:
    """How to plan: which addresses, drift only or all, past the safety limits or not."""

    targets: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    refresh_only: bool = False  # only what changed outside the config
    force: bool = False  # no refusal for changing too much
    from_opus: bool = False  # refresh_only: with what the site takes from Opus (drift)

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
    today: date | None = None,
) -> Computed:
    """The plan for the config at `path`. Raises ReconcilerError (ConfigError, DatabaseError…)
    when the config is invalid or a live system cannot be read."""
    options = Options(tuple(targets), tuple(excludes), refresh_only, force, from_opus)
    with paused_gc():  # tens of thousands of acyclic resources: collecting only costs time
        return _compute(path, tuple(accounts), options, today or clinic_today())


def _compute(
    path: str | Path, accounts: tuple[str, ...], options: Options, today: date
) -> Computed:
    loaded = load_config(path)
    unknown = [a for a in accounts if a not in loaded.config.accounts]
    if unknown:
        known = ", ".join(loaded.config.accounts)
        raise UsageError(
            f"no account {', '.join(unknown)} in the config", f"the accounts are: {known}"
        )
    chosen = [a for a in loaded.config.accounts if not accounts or a in accounts]
    read: dict[str, AccountSides] = {}
    try:
        for name in chosen:
            account = loaded.config.accounts[name]
            read[name] = read_account(name, account, loaded, today, with_site=options.reads_site)
        _check_patterns(options, read)
    except BaseException:
        Computed(_empty_plan(), loaded, read).close()
        raise
    plan = Plan(
        id=uuid.uuid4().hex,
        created_at=datetime.now().replace(microsecond=0),
        today=today,
        config_path=display_path(loaded.root_dir),
        config_fingerprint=config_fingerprint(loaded),
        accounts=tuple(account_plan(read[name], loaded, options) for name in chosen),
        refresh_only=options.refresh_only,
        targets=options.targets,
        excludes=options.excludes,
        selected=accounts,
    )
    return Computed(plan, loaded, read)


def _check_patterns(options: Options, read: dict[str, AccountSides]) -> None:
    """A --target or --exclude that names nothing is a typo, not an empty plan."""
    addresses = {address for sides in read.values() for address in sides.addresses()}
    if not options.reads_site:  # the site's addresses are not known: its patterns cannot be judged
        addresses |= {p for p in options.excludes if p.startswith("site")}
    for option, patterns in (("--target", options.targets), ("--exclude", options.excludes)):
        for pattern in unmatched(patterns, addresses):
            raise UsageError(
                f"{option} {pattern} matches no resource of the config or the live systems",
                closest(pattern, addresses),
            )


def _empty_plan() -> Plan:
    return Plan("", datetime.now(), clinic_today(), "", "", ())
