"""What an account's booking site would hold after apply, computed from the config alone or
with its Opus databases read (read only: one connection per database, rolled back).

The site side is the plan's own: `providers.site.resources.desired` over the Opus rows the
site takes (clinic and provider names, appointment types). Free time is the sync engine's
(`domain.freetime.free_time`) over the book as apply would leave it: the preblocks the
publishing rules place instead of those placed before. Without the database, the rules
alone: their time, with the appointment types they name, and the names the config gives.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, time

import sqlalchemy as sa

from reconciler.config import LoadedConfig
from reconciler.config.model import Account, Database
from reconciler.domain.freetime import Batch, Block, BlockType, Book, Setup, free_time, months_ahead
from reconciler.domain.publishing import expand
from reconciler.domain.resources import Resource
from reconciler.domain.secrets import redact
from reconciler.domain.spans import Span, merge
from reconciler.errors import ReconcilerError
from reconciler.providers.account import facts_of
from reconciler.providers.opus import schema_for
from reconciler.providers.opus.books import Books, read_books, rule_offers
from reconciler.providers.opus.connection import create_engine, explain
from reconciler.providers.opus.desired import publishing_rule
from reconciler.providers.opus.live import live
from reconciler.providers.opus.resources import Scope, scope_of
from reconciler.providers.site.desired import desired
from reconciler.providers.site.kinds import CLINIC, CLINICIAN
from reconciler.providers.site.resources import OpusFacts

FROM_DATABASE = "the Opus database (read only)"
FROM_RULES = "the publishing rules alone"
RULES_TYPE = 1  # the one Internet preblock type of a book made from the rules alone


@dataclass
class Freed:
    """One provider's free time, where the site files it."""

    database: str
    provider_id: int
    clinic_id: int
    batches: list[Batch]


@dataclass
class Wanted:
    """An account's site after apply: its resources, the ids the site files them by, and
    the free time it would offer."""

    account: str
    settings: Account
    resources: list[Resource]
    type_ids: dict[str, dict[str, int]]  # database → appointment type name → id
    free: list[Freed]
    sources: dict[str, str]  # database → where its free time comes from
    notes: list[str] = field(default_factory=list)  # why a database was not read


def wanted(loaded: LoadedConfig, name: str, account: Account, now: datetime) -> Wanted:
    """The site of account `name` as apply would leave it. Never writes anything."""
    facts: list[OpusFacts] = []
    out = Wanted(name, account, [], {}, [], {})
    for db_name, db in account.databases.items():
        if not db.active:
            continue
        scope = scope_of(name, account, db_name, now.date())
        try:
            fact, books, type_ids = _read(account, db_name, scope, now)
        except (ReconcilerError, sa.exc.SQLAlchemyError) as e:
            out.notes.append(f"database '{db_name}' was not read: {_reason(e)}")
            fact, books, type_ids = _from_config(account, db_name, scope, now)
            out.sources[db_name] = FROM_RULES
        else:
            out.sources[db_name] = FROM_DATABASE
        facts.append(fact)
        out.type_ids[db_name] = type_ids
        out.free += _free_time(account, scope, books, now)
    out.resources = desired(name, account, facts, loaded.source_of)
    return out


def _reason(error: Exception) -> str:
    if isinstance(error, ReconcilerError):
        return error.message
    original = getattr(error, "orig", None) or error
    return redact((str(original).strip().splitlines() or [type(error).__name__])[0])


@contextmanager
def _reading(engine: sa.Engine, db: Database, name: str) -> Iterator[sa.Connection]:
    """A connection whose transaction is always rolled back: nothing it does stays."""
    try:
        opened = engine.connect()
    except sa.exc.DBAPIError as e:
        raise explain(e, db, name) from None
    with opened as connection:
        try:
            yield connection
        finally:
            connection.rollback()


def _read(
    account: Account, db_name: str, scope: Scope, now: datetime
) -> tuple[OpusFacts, Books, dict[str, int]]:
    db = account.databases[db_name]
    schema = schema_for(db, db_name)
    engine = create_engine(db, db_name)
    try:
        with _reading(engine, db, db_name) as connection:
            found = live(connection, schema, scope)
            until = months_ahead(_midnight(now), account.site.flexibility.months_to_sync)
            books = read_books(connection, schema, scope, account, now=now, until=until)
    finally:
        engine.dispose()
    type_ids = {t.name: t.id for t in found.type_rows.values()}
    after = max(type_ids.values(), default=0)
    for type_name in account.databases[db_name].opus.appointment_types:
        if type_name not in type_ids:  # apply would create it: a number after the others
            after += 1
            type_ids[type_name] = after
    return facts_of(db_name, scope, found), _as_applied(account, scope, books), type_ids


def _midnight(now: datetime) -> datetime:
    return datetime.combine(now.date(), time())


def _rule_blocks(account: Account, scope: Scope) -> dict[str, dict[str, list[Span]]]:
    """Per provider code, per preblock type name: the spans its publishing rules place (as
    apply places them: one preblock per merged stretch)."""
    internet = account.databases[scope.database].opus.internet_preblock_types()
    out: dict[str, dict[str, list[Span]]] = {}
    for code, clinic_key in scope.providers.items():
        rules = account.clinics[clinic_key].providers[code].publishing
        by_type: dict[str, list[Span]] = defaultdict(list)
        for rule in rules:
            ptype = rule.preblock_type or (internet[0] if internet else "")
            by_type[ptype] += expand(publishing_rule(rule), scope.today)
        out[code] = {ptype: merge(spans) for ptype, spans in by_type.items()}
    return out


def _as_applied(account: Account, scope: Scope, books: Books) -> Books:
    """The books with the preblocks apply would place in place of those placed before."""
    configured = account.databases[scope.database].opus.preblock_types
    ids = {t.name: t.id for t in books.preblock_types.values()}
    types = dict(books.setup.types)
    for type_name, ptype in configured.items():
        if type_name not in ids and not ptype.absent:  # apply would make it
            ids[type_name] = -len(ids) - 1
            internet = ptype.kind == "internet"
            types[ids[type_name]] = BlockType(ids[type_name], type_name, internet, ptype.blocking)
    placed = _rule_blocks(account, scope)
    new_books = {}
    for code, book in books.books.items():
        blocks = [b for b in book.blocks if not b.managed]
        for type_name, spans in placed.get(code, {}).items():
            if type_name in ids:
                blocks += [Block(-1, ids[type_name], span, managed=True) for span in spans]
        new_books[code] = replace(book, blocks=tuple(blocks))
    books.books = new_books
    books.setup = replace(books.setup, types=types)
    return books


def _from_config(
    account: Account, db_name: str, scope: Scope, now: datetime
) -> tuple[OpusFacts, Books, dict[str, int]]:
    """The site's Opus facts and the books as the config alone tells them: its names, its
    appointment types, and the time its publishing rules place (nothing booked)."""
    opus = account.databases[db_name].opus
    fact = OpusFacts(db_name)
    for key, cid in scope.clinics.items():
        clinic = account.clinics[key]
        fact.clinics[key] = {
            "id": cid,
            **dict.fromkeys(CLINIC.from_book()),
            "name": clinic.name or key,
        }
    for number, code in enumerate(scope.providers, start=1):
        provider = account.clinics[scope.providers[code]].providers[code]
        fact.providers[code] = {
            "id": number,
            **dict.fromkeys(CLINICIAN.from_book()),
            "name": provider.name or code,
        }
    type_ids = {name: number for number, name in enumerate(opus.appointment_types, start=1)}
    used = frozenset(
        type_ids[name]
        for name, atype in opus.appointment_types.items()
        if atype.use_in_ebooking and not atype.absent
    )
    until = months_ahead(_midnight(now), account.site.flexibility.months_to_sync)
    setup = Setup({RULES_TYPE: BlockType(RULES_TYPE, "rules", internet=True)}, used, until)
    books: dict[str, Book] = {}
    for code, by_type in _rule_blocks(account, scope).items():
        spans = merge(span for spans in by_type.values() for span in spans)
        books[code] = Book(
            code,
            working=tuple(spans),  # the rules alone: no working hours to cut them
            blocks=tuple(Block(-1, RULES_TYPE, span, managed=True) for span in spans),
            offers=tuple(rule_offers(scope, account, code, now.date(), type_ids)),
        )
    ids = {code: row["id"] for code, row in fact.providers.items()}
    clinic_of = {code: scope.clinics[key] for code, key in scope.providers.items()}
    return fact, Books(setup, books, ids, clinic_of, {}, {}), type_ids


def _free_time(account: Account, scope: Scope, books: Books, now: datetime) -> list[Freed]:
    out = []
    for code, book in books.books.items():
        clinic_id = account.clinics[scope.providers[code]].opus_id
        batches = free_time(book, books.setup, now)
        out.append(Freed(scope.database, books.provider_ids[code], clinic_id, batches))
    return out
