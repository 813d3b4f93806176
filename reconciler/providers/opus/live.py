"""The Opus side as the database holds it: what the scope names, read in bulk (a constant
number of queries however large the chain), in the shape `desired.py` compiles the config
into."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any, TypeVar

import sqlalchemy as sa

from reconciler.domain.resources import Resource, keys_of
from reconciler.providers.opus import queries
from reconciler.providers.opus import records as r
from reconciler.providers.opus.resources import (
    ACCESS_CATEGORY,
    APPOINTMENT_TYPE_FIELDS,
    EBOOKING_SETTINGS,
    EVERYONE,
    PREBLOCK_ACCESS,
    PREBLOCK_TYPE_FIELDS,
    Scope,
)
from reconciler.providers.opus.schema import OpusSchema

R = TypeVar("R")


@dataclass
class Live:
    """The live resources of one database, and the row ids behind their addresses (what
    apply needs to change them)."""

    resources: list[Resource]
    ids: dict[str, int]
    clinic_ids: dict[int, str]  # Opus clinic id → config key
    provider_ids: dict[str, int]  # code → Opus provider id
    missing_clinics: list[str] = field(default_factory=list)  # config keys
    missing_providers: list[str] = field(default_factory=list)  # codes
    clinic_rows: dict[int, r.Clinic] = field(default_factory=dict)  # for the site's master data
    provider_rows: dict[str, r.Provider] = field(default_factory=dict)
    type_rows: dict[str, r.AppointmentType] = field(default_factory=dict)  # every type, by name

    def can_plan(self, res: Resource) -> bool:
        """False for what hangs on a provider the database does not have."""
        provider = res.attrs.get("provider") if res.kind == "opus_preblock" else None
        if res.kind == "opus_provider":
            provider = keys_of(res.address)[-1]
        return provider not in self.missing_providers


def live(connection: sa.Connection, schema: OpusSchema, scope: Scope) -> Live:
    """Read what the scope covers, a constant number of queries however large the chain."""

    def read(record: type[R], **filters: Any) -> list[R]:
        return queries.read(connection, schema, record, **filters)

    providers = {p.code: p for p in read(r.Provider) if p.code in scope.providers}
    clinic_rows = {c.id: c for c in read(r.Clinic, clinics=list(scope.clinics.values()))}
    atypes = {t.id: t for t in read(r.AppointmentType)}
    ptypes = {t.id: t for t in read(r.PreblockType)}
    out = Live([], {}, {cid: key for key, cid in scope.clinics.items()}, {})
    out.provider_ids = {code: p.id for code, p in providers.items()}
    out.clinic_rows, out.provider_rows = clinic_rows, providers
    out.type_rows = {t.name: t for t in atypes.values()}
    out.missing_clinics = [k for k, cid in scope.clinics.items() if cid not in clinic_rows]
    out.missing_providers = [code for code in scope.providers if code not in providers]

    def add(kind: str, key: str | None, attrs: dict[str, Any], row_id: int = 0) -> None:
        address = scope.address(kind, key)
        out.resources.append(Resource(address, f"opus_{kind}", attrs))
        out.ids[address] = row_id

    settings = {s.name: s.value for s in read(r.EBookingSetting)}
    add("ebooking", None, {name: _int(settings.get(name)) for name in EBOOKING_SETTINGS})
    grantees = sorted(
        a.grantee
        for a in read(r.AccessRight)
        if (a.category, a.function) == (ACCESS_CATEGORY, PREBLOCK_ACCESS)
    )
    add("access", PREBLOCK_ACCESS, {"grantees": grantees or [EVERYONE]})
    for t in atypes.values():
        if t.name in scope.appointment_types:
            add(
                "appointment_type",
                t.name,
                {f: getattr(t, f) for f in APPOINTMENT_TYPE_FIELDS},
                t.id,
            )
    excluded: dict[int, list[str]] = defaultdict(list)
    for ex in read(r.PreblockTypeExclusion):
        if ex.appointment_type_id in atypes:
            excluded[ex.preblock_type_id].append(atypes[ex.appointment_type_id].name)
    for p_type in ptypes.values():
        if p_type.name in scope.preblock_types:
            attrs = {f: getattr(p_type, f) for f in PREBLOCK_TYPE_FIELDS}
            attrs["disallowed_appointment_types"] = sorted(excluded[p_type.id])
            add("preblock_type", p_type.name, attrs, p_type.id)
    _lists(read, out, scope, {"registration": atypes, "preblock": ptypes}, add)
    for code, p in providers.items():
        add("provider", code, {"working_hours_linked": p.working_hours_linked}, p.id)
    since = datetime.combine(scope.today, time())
    heads = {p.id: scope.preblock_head(code) for code, p in providers.items()}
    codes = {p.id: code for code, p in providers.items()}
    type_names = {t.id: t.name for t in ptypes.values()}
    for row_id, provider_id, type_id, starts_at, ends_at in queries.managed_preblocks(
        connection, schema, since
    ):
        if provider_id not in heads:
            continue
        address = f'{heads[provider_id]}{starts_at}"]'
        attrs = {
            "provider": codes[provider_id],
            "type": type_names[type_id],
            "starts_at": starts_at,
            "ends_at": ends_at,
        }
        out.resources.append(Resource(address, "opus_preblock", attrs))
        out.ids[address] = row_id
    return out


def _lists(
    read: Any, out: Live, scope: Scope, members: dict[str, dict[int, Any]], add: Any
) -> None:
    """Registration and preblock lists: their items by name, in order, and their links."""
    links: dict[tuple[str, int], list[r.ListLink]] = defaultdict(list)
    for link in read(r.ListLink):
        links[(link.list_kind, link.list_id)].append(link)
    code_of = {pid: code for code, pid in out.provider_ids.items()}
    for kind, lists_record, items_record, wanted in (
        ("registration", r.RegistrationList, r.RegistrationListItem, scope.registration_lists),
        ("preblock", r.PreblockList, r.PreblockListItem, scope.preblock_lists),
    ):
        names = members[kind]
        items: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for item in read(items_record):
            member = item.appointment_type_id if kind == "registration" else item.preblock_type_id
            if member in names:
                items[item.list_id].append((item.position, names[member].name))
        for lst in read(lists_record):
            if lst.name not in wanted:
                continue
            linked = links[(kind, lst.id)]
            attrs = {
                "owner": lst.owner,
                "items": [name for _, name in sorted(items[lst.id])],
                "linked_to": {
                    "organisation": any(k.target_kind == "organisation" for k in linked),
                    "clinics": sorted(
                        out.clinic_ids.get(k.target_id, f"#{k.target_id}")
                        for k in linked
                        if k.target_kind == "company"
                    ),
                    "providers": sorted(
                        code_of.get(k.target_id, f"#{k.target_id}")
                        for k in linked
                        if k.target_kind == "provider"
                    ),
                },
            }
            add(f"{kind}_list", lst.name, attrs, lst.id)


def _int(value: str | None) -> int | None:
    return int(value) if value not in (None, "") else None
