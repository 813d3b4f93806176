"""The rows free time is made of, read in bulk (one query per kind, however large the
chain) and handed to the pure engine (reconciler.domain.freetime) as Books and a Setup.

What is read, for one database and the providers the config selects there: the providers
(code, id, whether their working hours are linked), their working hours with Recall, their
preblocks and appointments in the window, the preblock types with what each excludes, the
appointment types used in e-booking, and the e-booking settings. Publishing rules with
`appointment_types` become Offers: in the time such a rule places, only those types.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from reconciler.config.model import Account
from reconciler.domain.freetime import Block, BlockType, Book, Busy, Offer, Setup
from reconciler.domain.publishing import expand
from reconciler.domain.spans import Span
from reconciler.providers.opus import queries
from reconciler.providers.opus import records as r
from reconciler.providers.opus.counters import PER_PROVIDER
from reconciler.providers.opus.desired import publishing_rule
from reconciler.providers.opus.resources import Scope
from reconciler.providers.opus.schema import OpusSchema

FEW = 200  # up to this many providers, their rows are picked out in SQL


@dataclass
class Books:
    """One database's books, what holds for all of them, and the rows behind them (for
    explanations and for writing bookings back)."""

    setup: Setup
    books: dict[str, Book]  # by provider code
    provider_ids: dict[str, int]
    clinic_of: dict[str, int]  # provider code → Opus clinic id
    appointment_types: dict[int, r.AppointmentType]
    preblock_types: dict[int, r.PreblockType]
    preblocks: dict[int, r.Preblock] = field(default_factory=dict)
    appointments: dict[int, r.Appointment] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)  # selected codes the book lacks
    owners: dict[str, dict[int, int]] = field(default_factory=dict)  # table → row id → provider

    def type_named(self, name: str) -> r.AppointmentType | None:
        return next((t for t in self.appointment_types.values() if t.name == name), None)


def read_books(
    connection: sa.Connection,
    schema: OpusSchema,
    scope: Scope,
    account: Account,
    *,
    now: datetime,
    until: datetime,
) -> Books:
    """The books of the providers `scope` selects, over [now, until)."""

    def read(record: type[queries.R], **filters: object) -> list[queries.R]:
        return queries.read(connection, schema, record, **filters)  # type: ignore[arg-type]

    providers = {p.code: p for p in read(r.Provider) if p.code in scope.providers}
    ids = {code: p.id for code, p in providers.items()}
    # narrowed in SQL when a few providers are asked for (a sync cycle after a booking)
    few = list(ids.values()) if len(ids) <= FEW else None
    code_of = {p.id: code for code, p in providers.items()}
    window = (now, max(now, until))
    atypes = {t.id: t for t in read(r.AppointmentType)}
    ptypes = {t.id: t for t in read(r.PreblockType)}
    excluded: dict[int, set[int]] = defaultdict(set)
    for ex in read(r.PreblockTypeExclusion):
        excluded[ex.preblock_type_id].add(ex.appointment_type_id)
    settings = {s.name: s.value for s in read(r.EBookingSetting)}
    expiry = settings.get("preblock_expiry_hours")
    setup = Setup(
        types={
            t.id: BlockType(
                t.id,
                t.name,
                internet=t.kind == "internet",
                blocking=t.blocking,
                expires_days_before=t.expires_days_before,
                excluded=frozenset(excluded[t.id]),
            )
            for t in ptypes.values()
        },
        treatments=frozenset(t.id for t in atypes.values() if t.use_in_ebooking),
        until=until,
        expiry_hours=int(expiry) if expiry not in (None, "") else None,
    )
    owners: dict[str, dict[int, int]] = {name: {} for name in PER_PROVIDER}
    working: dict[str, list[Span]] = defaultdict(list)
    for w in read(r.WorkingHours, between=window, providers=few):
        if w.provider_id in code_of:
            owners["working_hours"][w.id] = w.provider_id
            if w.recall:
                working[code_of[w.provider_id]].append(Span(w.starts_at, w.ends_at))
    blocks: dict[str, list[Block]] = defaultdict(list)
    preblocks = {}
    for b in read(r.Preblock, between=window, providers=few):
        if b.provider_id in code_of:
            preblocks[b.id] = b
            owners["preblocks"][b.id] = b.provider_id
            span = Span(b.starts_at, b.ends_at)
            blocks[code_of[b.provider_id]].append(Block(b.id, b.preblock_type_id, span, b.managed))
    busy: dict[str, list[Busy]] = defaultdict(list)
    appointments = {}
    for a in queries.overlapping(read(r.Appointment, between=window, providers=few), *window):
        if a.provider_id in code_of:
            appointments[a.id] = a
            owners["appointments"][a.id] = a.provider_id
            span = Span(a.starts_at, a.starts_at + timedelta(minutes=a.duration))
            busy[code_of[a.provider_id]].append(Busy(a.id, span, a.status))
    by_name = {t.name: t.id for t in atypes.values()}
    books = {
        code: Book(
            code,
            tuple(working[code]),
            tuple(blocks[code]),
            tuple(busy[code]),
            tuple(rule_offers(scope, account, code, now.date(), by_name)),
            linked=providers[code].working_hours_linked,
        )
        for code in providers
    }
    return Books(
        setup,
        books,
        ids,
        {code: p.clinic_id for code, p in providers.items()},
        atypes,
        ptypes,
        preblocks,
        appointments,
        missing=[code for code in scope.providers if code not in providers],
        owners=owners,
    )


def rule_offers(
    scope: Scope, account: Account, code: str, today: date, type_ids: dict[str, int]
) -> Iterable[Offer]:
    """The time each of the provider's rules with appointment types places, and those types
    (names the database lacks offer nothing)."""
    clinic = scope.providers[code]
    rules = account.clinics[clinic].providers[code].publishing
    if not any(rule.appointment_types is not None for rule in rules):
        return
    for index, rule in enumerate(rules):
        wanted = rule.appointment_types
        treatments = (
            None if wanted is None else frozenset(type_ids[n] for n in wanted if n in type_ids)
        )
        where = ("clinics", clinic, "providers", code, "publishing", index)
        for span in expand(publishing_rule(rule), today):
            yield Offer(span, treatments, where)
