"""An account's booking site as a Provider: its live state read through the backend API,
what the config (with the Opus rows it names) wants it to hold, and its steps applied one
request each."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from reconciler.config.loader import ConfigPath
from reconciler.config.model import Account
from reconciler.domain.resources import Action, Change, Resource
from reconciler.errors import Severity
from reconciler.providers.protocol import Entry, Finding, Ledger, SourceOf
from reconciler.providers.site import backend_client
from reconciler.providers.site.applier import SiteApplier, TypeIds
from reconciler.providers.site.backend import BackendClient
from reconciler.providers.site.desired import desired, problems
from reconciler.providers.site.kinds import KINDS, MASTER_DATA, SETTINGS, SUBDOMAIN
from reconciler.providers.site.live import live
from reconciler.providers.site.models import AccountInfo, MasterData, Subdomain
from reconciler.providers.site.resources import CITY_MAX, OpusFacts, database_id


@dataclass
class SiteState:
    """What the site holds, as read: nothing is readable before the certificate is
    activated (no thumbprint)."""

    client: BackendClient
    counter: str | None  # see `site_counter`
    thumbprint: str | None = None
    document: Subdomain | None = None
    master: dict[str, MasterData] = field(default_factory=dict)  # by config database name


def site_counter(info: AccountInfo) -> str | None:
    """What tells whether the site changed since it was last read: its account, certificate
    and state version (None for a site that keeps no state version, such as the vendor's)."""
    if info.StateVersion is None:
        return None
    return f"{info.ID} {info.Thumbprint} {info.StateVersion}"


def fetch_site(account: Account, databases: list[str]) -> SiteState:
    """Read the site: one request per kind of object. It needs nothing from Opus, so that
    it can be read while the databases are."""
    client = backend_client(account)
    try:
        info = client.account()  # first: its counter is read before the rest
        counter = site_counter(info)
        if info.Thumbprint is None:
            return SiteState(client, counter)
        registered = {d.OpusDatabaseID for d in client.databases()}
        master: dict[str, MasterData] = {}
        for db_name in databases:
            db_id = database_id(account.subdomain, db_name)
            if db_id in registered:
                master[db_name] = client.master_data(db_id)
        return SiteState(client, counter, info.Thumbprint, client.subdomain(), master)
    except BaseException:
        client.close()
        raise


@dataclass
class Site:
    """The booking site of one account, as read for a plan."""

    account: str
    config: Account
    client: BackendClient
    facts: list[OpusFacts]
    desired: list[Resource]
    live: list[Resource]
    type_ids: TypeIds  # appointment type ids by database, as the book has them when asked
    counter: str | None  # as read before its objects; see `site_counter`
    kinds: tuple[str, ...] = KINDS
    name: str = "the booking site"

    def wanted(self) -> list[Resource]:
        return self.desired

    def holds(self, change: Change) -> bool:
        return change.kind in self.kinds

    def findings(self, changes: Sequence[Change]) -> list[Finding]:
        account: ConfigPath = ("accounts", self.account)
        found: list[Finding] = [
            ((*account, *path), message, "site-limit", Severity.ERROR)
            for path, message in problems(self.config)
        ]
        return found + list(self._cut_to_fit())

    def drift_from_sources(self, applied: dict[str, Resource]) -> list[Change]:
        """Master data the site takes from the Opus database, which the book now holds
        otherwise than when it was applied (a provider renamed in Opus)."""
        changes = []
        for res in self.desired:
            before = applied.get(res.address)
            if before is None or res.kind not in MASTER_DATA:
                continue
            from_book = MASTER_DATA[res.kind].from_book()
            fields = tuple(f for f in from_book if res.attrs[f] != before.attrs.get(f))
            if fields:
                now = Resource(res.address, res.kind, {**before.attrs, **res.attrs})
                changes.append(Change(Action.UPDATE, res.address, res.kind, before, now, fields))
        return changes

    def step_key(self, change: Change) -> str:
        return step_key(change)

    def apply(self, step: Sequence[Change], now: datetime, ledger: Ledger, entry: Entry) -> None:
        """One call to the site (idempotent), then the ledger."""
        SiteApplier(self.client, self.config, self.type_ids).apply(step)
        ledger.done(entry)

    def close(self) -> None:
        self.client.close()

    def _cut_to_fit(self) -> Iterator[Finding]:
        """Values from the book the site holds only in part: a clinic's city (the vendor's
        limit)."""
        for fact in self.facts:
            for key, row in fact.clinics.items():
                city = row["city"]
                if city and len(city) > CITY_MAX:
                    yield (
                        ("accounts", self.account, "clinics", key, "opus_id"),
                        f"the book's city '{city}' has {len(city)} characters; the site holds "
                        f"at most {CITY_MAX} and shows '{city[:CITY_MAX]}' — shorten it in "
                        "Opus to choose how it reads",
                        "site-limit",
                        Severity.WARNING,
                    )


def step_key(change: Change) -> str:
    """The site's steps: its settings as one document, one database's master data as one
    diff, anything else one request each."""
    if change.kind in (SUBDOMAIN, SETTINGS):
        return "site settings"
    if change.kind in MASTER_DATA:
        removals = " (removals)" if change.action is Action.DELETE else ""
        return f"site master data of {change.resource.attrs['database']}{removals}"
    return change.address


def site_of(
    name: str,
    account: Account,
    facts: list[OpusFacts],
    source_of: SourceOf,
    *,
    state: SiteState,
    type_ids: TypeIds,
) -> Site:
    """The site as read (`state`), and what the config — with the Opus rows it names
    (`facts`) — wants it to hold."""
    wanted = desired(name, account, facts, source_of)
    found = []
    if state.thumbprint is not None and state.document is not None:
        found = live(account, state.thumbprint, state.document, state.master)
    return Site(name, account, state.client, facts, wanted, found, type_ids, state.counter)
