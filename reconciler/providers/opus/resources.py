"""The Opus side as resources: what the config wants (`desired`) and what the database holds
(`live`), in the same shape, so that a plan after apply is empty.

Managed, per database:

    opus.ebooking                              e-booking settings
    opus.access["Preblock for Internet"]       who may place Internet preblocks
    opus.appointment_type["- Undersøkelse"]    appointment types the config names
    opus.preblock_type["Internett"]            preblock types the config names
    opus.registration_list["…"], opus.preblock_list["…"]
    opus.provider["HAN"]                       the provider's Opus options
    opus.preblock["HAN@2026-12-01T08:00"]      Internet preblocks from publishing rules

Only what the config names is read and changed; a preblock is managed only if the reconciler
placed it. With more than one database in an account, addresses start `opus["name"].`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any, TypeVar

import sqlalchemy as sa

from reconciler.config.loader import ConfigPath
from reconciler.config.model import Account
from reconciler.config.model.base import all_days
from reconciler.config.model.opus import AppointmentType as AppointmentTypeConfig
from reconciler.config.model.opus import PreblockType as PreblockTypeConfig
from reconciler.domain.publishing import Rule, expand
from reconciler.domain.resources import Resource, keys_of, quoted
from reconciler.domain.spans import merge
from reconciler.errors import Mark
from reconciler.providers.opus import queries
from reconciler.providers.opus import records as r
from reconciler.providers.opus.schema import OpusSchema

R = TypeVar("R")

PREBLOCK_ACCESS = "Preblock for Internet"
ACCESS_CATEGORY = "Timebok"
EVERYONE = "*"
EBOOKING_SETTINGS = ("preblock_expiry_hours", "preblock_length_minutes")
FAR_FUTURE = datetime(9999, 1, 1)

# The order in which changes are applied (deletes run in the reverse order).
KINDS = (
    "opus_ebooking",
    "opus_access",
    "opus_appointment_type",
    "opus_preblock_type",
    "opus_registration_list",
    "opus_preblock_list",
    "opus_provider",
    "opus_preblock",
)

APPOINTMENT_TYPE_FIELDS = (
    "duration",
    "category",
    "description",
    "resource",
    "use_in_book",
    "use_in_ebooking",
    "change_in_ebooking",
    "cancel_in_ebooking",
    "use_in_recall",
    "move_next_recall",
    "move_max_days",
    "book_text",
)
PREBLOCK_TYPE_FIELDS = (
    "text",
    "code",
    "color",
    "valid_for",
    "blocking",
    "disallow_treatment",
    "kind",
    "expires_days_before",
)


def prefix(account: Account, database: str) -> str:
    return "opus." if len(account.databases) == 1 else f"opus{quoted(database)}."


def stamp(moment: datetime) -> str:
    """2026-12-01T08:00: how preblock times appear in addresses and attributes."""
    return f"{_day(moment.date())}T{moment.hour:02d}:{moment.minute:02d}"


@lru_cache(maxsize=4096)
def _day(day: date) -> str:
    return day.isoformat()


@dataclass
class Scope:
    """What one database's resources cover: the names the config uses, so that live reads
    look at exactly those objects."""

    account: str
    database: str
    prefix: str
    clinics: dict[str, int] = field(default_factory=dict)  # config key → Opus clinic id
    providers: dict[str, str] = field(default_factory=dict)  # code → config clinic key
    appointment_types: set[str] = field(default_factory=set)
    preblock_types: set[str] = field(default_factory=set)
    registration_lists: set[str] = field(default_factory=set)
    preblock_lists: set[str] = field(default_factory=set)
    today: date = field(default_factory=date.today)

    def address(self, kind: str, key: str | None = None) -> str:
        return f"{self.prefix}{kind}" + (quoted(key) if key is not None else "")


SourceOf = Any  # Callable[[ConfigPath], Mark | None]: LoadedConfig.source_of


def scope_of(account_name: str, account: Account, db_name: str, today: date) -> Scope:
    opus = account.databases[db_name].opus
    scope = Scope(account_name, db_name, prefix(account, db_name), today=today)
    for key, clinic in account.clinics.items():
        if account.database_of(clinic) == db_name:
            scope.clinics[key] = clinic.opus_id
            scope.providers.update(dict.fromkeys(clinic.providers, key))
    scope.appointment_types = set(opus.appointment_types)
    scope.preblock_types = set(opus.preblock_types)
    scope.registration_lists = set(opus.registration_lists)
    scope.preblock_lists = set(opus.preblock_lists)
    return scope


def desired(scope: Scope, account: Account, source_of: SourceOf) -> list[Resource]:
    """The resources the config wants in this database. Objects marked `absent: true` are
    left out, so that a live one is planned for deletion."""
    base: ConfigPath = ("accounts", scope.account, "databases", scope.database, "opus")
    opus = account.databases[scope.database].opus
    out: list[Resource] = []

    def make(kind: str, key: str | None, attrs: dict[str, Any], path: ConfigPath) -> None:
        sources = {name: m for name in attrs if (m := source_of((*path, name))) is not None}
        out.append(Resource(scope.address(kind, key), f"opus_{kind}", attrs, sources))

    make("ebooking", None, opus.ebooking.model_dump(), (*base, "ebooking"))
    who = opus.access.preblock_for_internet
    grantees = [EVERYONE] if who == "everyone" else sorted(who)
    make("access", PREBLOCK_ACCESS, {"grantees": grantees}, (*base, "access"))
    for name, atype in opus.appointment_types.items():
        if not atype.absent:
            make(
                "appointment_type",
                name,
                _appointment_type(atype),
                (*base, "appointment_types", name),
            )
    for name, ptype in opus.preblock_types.items():
        if not ptype.absent:
            make("preblock_type", name, _preblock_type(ptype), (*base, "preblock_types", name))
    for section, kind, member in (
        ("registration_lists", "registration_list", "appointment_types"),
        ("preblock_lists", "preblock_list", "preblock_types"),
    ):
        for name, lst in getattr(opus, section).items():
            if lst.absent:
                continue
            links = lst.linked_to
            attrs = {
                "owner": lst.owner,
                "items": list(getattr(lst, member)),
                "linked_to": {
                    "organisation": links.organisation,
                    "clinics": sorted(links.clinics),
                    "providers": sorted(links.providers),
                },
            }
            make(kind, name, attrs, (*base, section, name))
    for code, clinic_key in scope.providers.items():
        provider = account.clinics[clinic_key].providers[code]
        path: ConfigPath = ("accounts", scope.account, "clinics", clinic_key, "providers", code)
        make("provider", code, {"working_hours_linked": provider.working_hours_linked}, path)
    out += _preblocks(scope, account, source_of)
    return out


def _appointment_type(atype: AppointmentTypeConfig) -> dict[str, Any]:
    return {name: getattr(atype, name) for name in APPOINTMENT_TYPE_FIELDS}


def _preblock_type(ptype: PreblockTypeConfig) -> dict[str, Any]:
    attrs = {name: getattr(ptype, name) for name in PREBLOCK_TYPE_FIELDS}
    attrs["disallowed_appointment_types"] = sorted(ptype.disallowed_appointment_types)
    return attrs


def _preblocks(scope: Scope, account: Account, source_of: SourceOf) -> list[Resource]:
    opus = account.databases[scope.database].opus
    internet = opus.internet_preblock_types()
    out = []
    for code, clinic_key in scope.providers.items():
        provider = account.clinics[clinic_key].providers[code]
        path: ConfigPath = ("accounts", scope.account, "clinics", clinic_key, "providers", code)
        rules: dict[str, list[Rule]] = defaultdict(list)
        marks: dict[str, Mark | None] = {}
        for i, rule in enumerate(provider.publishing):
            ptype = rule.preblock_type or (internet[0] if internet else "")
            marks.setdefault(ptype, source_of((*path, "publishing", i)))
            rules[ptype].append(publishing_rule(rule))
        for ptype, group in rules.items():
            mark = marks[ptype]
            sources = (
                dict.fromkeys(("provider", "type", "starts_at", "ends_at"), mark) if mark else {}
            )
            for starts_at, ends_at in _published(tuple(group), scope.today):
                attrs = {
                    "provider": code,
                    "type": ptype,
                    "starts_at": starts_at,
                    "ends_at": ends_at,
                }
                address = scope.address("preblock", f"{code}@{starts_at}")
                out.append(Resource(address, "opus_preblock", attrs, sources))
    return out


@lru_cache(maxsize=1024)
def _published(rules: tuple[Rule, ...], today: date) -> tuple[tuple[str, str], ...]:
    """The (start, end) stamps the rules publish: shared by every provider with the same
    rules, which in a chain is most of them."""
    spans = [span for rule in rules for span in expand(rule, today)]
    return tuple((stamp(s.start), stamp(s.end)) for s in merge(spans))


def publishing_rule(rule: Any) -> Rule:
    """A config publishing rule as the domain's Rule."""
    return Rule(
        days=frozenset(all_days(rule.days)),
        windows=tuple(rule.hours),
        horizon_days=rule.horizon_days,
        dates_off=tuple(rule.dates_off),
        valid_from=rule.valid_from.first if rule.valid_from else None,
        valid_until=rule.valid_until.first if rule.valid_until else None,
    )


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
    code_of = {p.id: code for code, p in providers.items()}
    since = datetime.combine(scope.today, time())
    for b in read(r.Preblock, between=(since, FAR_FUTURE), managed_only=True):
        if b.provider_id in code_of and b.starts_at >= since:
            attrs = {
                "provider": code_of[b.provider_id],
                "type": ptypes[b.preblock_type_id].name,
                "starts_at": stamp(b.starts_at),
                "ends_at": stamp(b.ends_at),
            }
            add("preblock", f"{attrs['provider']}@{attrs['starts_at']}", attrs, b.id)
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


def iter_kinds(resources: list[Resource]) -> Iterator[str]:
    return iter(sorted({res.kind for res in resources}, key=KINDS.index))


__all__ = ["KINDS", "Live", "Scope", "desired", "live", "scope_of"]
