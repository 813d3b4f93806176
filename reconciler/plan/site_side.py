"""The booking site of one account, read for a plan: its live state through the backend API,
and what the config (with the Opus rows it names) wants it to hold."""

from __future__ import annotations

from dataclasses import dataclass, field

from reconciler.config.loader import ConfigPath
from reconciler.config.model import Account
from reconciler.domain.resources import Resource
from reconciler.plan.database_side import DatabaseSide, SourceOf
from reconciler.providers.site import backend_client
from reconciler.providers.site.backend import BackendClient
from reconciler.providers.site.desired import desired, problems
from reconciler.providers.site.live import live
from reconciler.providers.site.models import MasterData, Subdomain
from reconciler.providers.site.resources import TREATMENT_FIELDS, OpusFacts, database_id


@dataclass
class SiteSide:
    client: BackendClient
    desired: list[Resource]
    live: list[Resource]
    problems: list[tuple[ConfigPath, str]] = field(default_factory=list)
    readable: bool = True  # False before the account's certificate is activated

    def close(self) -> None:
        self.client.close()


def facts_of(side: DatabaseSide) -> OpusFacts:
    rows = side.live.clinic_rows
    return OpusFacts(
        side.name,
        clinics={
            key: {
                "id": row.id,
                "name": row.name,
                "address": row.address,
                "postal_code": row.postal_code,
                "city": row.city,
                "phone": row.phone,
                "email": row.email,
            }
            for key, cid in side.scope.clinics.items()
            if (row := rows.get(cid)) is not None
        },
        providers={
            code: {"id": p.id, "name": p.name} for code, p in side.live.provider_rows.items()
        },
        types={
            name: {f: getattr(row, f) for f in TREATMENT_FIELDS}
            for name, row in side.live.type_rows.items()
        },
    )


@dataclass
class SiteState:
    """What the site holds, as read: nothing is readable before the certificate is
    activated (no thumbprint)."""

    client: BackendClient
    thumbprint: str | None = None
    document: Subdomain | None = None
    master: dict[str, MasterData] = field(default_factory=dict)  # by config database name


def fetch_site(account: Account, databases: list[str]) -> SiteState:
    """Read the site: one request per kind of object. It needs nothing from Opus, so that
    the planner reads it while it reads the databases."""
    client = backend_client(account)
    try:
        info = client.account()
        if info.Thumbprint is None:
            return SiteState(client)
        registered = {d.OpusDatabaseID for d in client.databases()}
        master: dict[str, MasterData] = {}
        for db_name in databases:
            db_id = database_id(account.subdomain, db_name)
            if db_id in registered:
                master[db_name] = client.master_data(db_id)
        return SiteState(client, info.Thumbprint, client.subdomain(), master)
    except BaseException:
        client.close()
        raise


def read_site(
    name: str,
    account: Account,
    databases: dict[str, DatabaseSide],
    source_of: SourceOf,
    state: SiteState,
) -> SiteSide:
    """The site as read (`state`), and what the config — with the Opus rows it names —
    wants it to hold."""
    facts = [facts_of(side) for side in databases.values()]
    wanted = desired(name, account, facts, source_of)
    trouble = [(("accounts", name, *path), message) for path, message in problems(account)]
    if state.thumbprint is None or state.document is None:
        return SiteSide(state.client, wanted, [], trouble, readable=False)
    found = live(account, state.thumbprint, state.document, state.master)
    return SiteSide(state.client, wanted, found, trouble)
