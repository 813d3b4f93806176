"""Bulk readers: each reads one kind of row in one query, however many rows there are.

Filters narrow the read in SQL: `clinics` (Opus clinic ids), `providers` (Opus provider
ids, for rows that belong to one), `between` (a time window, for rows that have one) and
`changed_since` (a change number, for versioned rows). Rows come
back as records (records.py), in primary-key order.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles

from reconciler.domain.spans import Span
from reconciler.providers.opus.records import columns_of
from reconciler.providers.opus.schema import OpusSchema

R = TypeVar("R")

LONGEST_APPOINTMENT = timedelta(hours=12)
MAX_IN = 1000  # ids in one IN list (SQL Server takes at most 2,100 parameters)


def select_for(schema: OpusSchema, record: type[Any]) -> sa.Select[Any]:
    table = schema.t(record.table)
    return sa.select(*(table.c[name] for name in columns_of(record))).order_by(
        *table.primary_key.columns
    )


def read(
    connection: sa.Connection,
    schema: OpusSchema,
    record: type[R],
    *,
    clinics: Collection[int] | None = None,
    providers: Collection[int] | None = None,
    between: tuple[datetime, datetime] | None = None,
    changed_since: int | None = None,
) -> list[R]:
    """Every row of `record`'s table that passes the filters, as records."""
    query = _filtered(
        schema,
        select_for(schema, record),
        record,
        clinics=clinics,
        between=between,
        changed_since=changed_since,
    )
    if providers is not None:
        wanted = sorted(set(providers))
        query = query.where(schema.t(record.table).c.provider_id.in_(wanted))  # type: ignore[attr-defined]
    return [record(*row) for row in connection.execute(query).all()]


class MinuteStamp(sa.sql.expression.FunctionElement[str]):
    """A time column as text to the minute, `2026-12-01T08:00` (what `resources.stamp`
    makes of a datetime), computed by the database on each backend: a large read then
    carries no DateTime for the driver and SQLAlchemy to make and Python to format."""

    type = sa.String()
    inherit_cache = True


@compiles(MinuteStamp, "sqlite")
def _sqlite_stamp(element: MinuteStamp, compiler: Any, **kw: Any) -> str:
    text = compiler.process(element.clauses, **kw)  # ISO 8601 text: cut, not parsed
    return f"substr({text}, 1, 10) || 'T' || substr({text}, 12, 5)"


@compiles(MinuteStamp, "postgresql")
def _postgresql_stamp(element: MinuteStamp, compiler: Any, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM-DD\"T\"HH24:MI')"


@compiles(MinuteStamp, "mysql")
def _mysql_stamp(element: MinuteStamp, compiler: Any, **kw: Any) -> str:
    text = compiler.process(sa.literal("%Y-%m-%dT%H:%i"), **kw)  # a parameter: no % escaping
    return f"DATE_FORMAT({compiler.process(element.clauses, **kw)}, {text})"


@compiles(MinuteStamp, "mssql")
def _mssql_stamp(element: MinuteStamp, compiler: Any, **kw: Any) -> str:
    return f"CONVERT(CHAR(16), {compiler.process(element.clauses, **kw)}, 126)"  # ISO 8601


def managed_preblocks(
    connection: sa.Connection, schema: OpusSchema, since: datetime
) -> list[tuple[int, int, int, str, str]]:
    """The reconciler's preblocks from `since` on, as plain tuples (id, provider id,
    preblock type id, start, end; the times as `MinuteStamp`s): the one read that grows
    with the chain, so only the columns a plan compares, and no records or DateTimes."""
    p = schema.t("preblocks")
    query = sa.select(
        p.c.id,
        p.c.provider_id,
        p.c.preblock_type_id,
        MinuteStamp(p.c.starts_at),
        MinuteStamp(p.c.ends_at),
    ).where(p.c.managed == sa.true(), p.c.starts_at >= since, p.c.ends_at > since)
    return list(connection.execute(query.order_by(p.c.id)).tuples().all())


def recall_hours(
    connection: sa.Connection,
    schema: OpusSchema,
    start: datetime,
    end: datetime,
    providers: Collection[int] | None = None,
) -> dict[int, list[Span]]:
    """Working hours with Recall that overlap [start, end), by provider id (of `providers`,
    or of all): plain tuples, one query."""
    t = schema.t("working_hours")
    query = sa.select(t.c.provider_id, t.c.starts_at, t.c.ends_at).where(
        t.c.recall == sa.true(), t.c.starts_at < end, t.c.ends_at > start
    )
    if providers is not None and len(providers) <= MAX_IN:
        query = query.where(t.c.provider_id.in_(sorted(providers)))
    hours: dict[int, list[Span]] = {}
    for provider_id, starts_at, ends_at in connection.execute(query):
        hours.setdefault(provider_id, []).append(Span(starts_at, ends_at))
    return hours


def unheld_preblocks(
    connection: sa.Connection, schema: OpusSchema, since: datetime
) -> list[tuple[int, datetime, datetime]]:
    """The reconciler's preblocks ending after `since` that the last working-hours interval
    with Recall starting at or before them does not hold whole (provider id, start, end):
    the database does the work, one index seek per preblock, so that what is fine costs
    one query. A candidate may still be held, by intervals that meet: the caller judges."""
    p, w = schema.t("preblocks"), schema.t("working_hours")
    last_end = (
        sa.select(w.c.ends_at)
        .where(
            w.c.provider_id == p.c.provider_id,
            w.c.starts_at <= p.c.starts_at,
            w.c.recall == sa.true(),
        )
        .order_by(w.c.starts_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    query = sa.select(p.c.provider_id, p.c.starts_at, p.c.ends_at).where(
        p.c.managed == sa.true(),
        p.c.ends_at > since,
        sa.func.coalesce(last_end, since) < p.c.ends_at,  # none at all: not held
    )
    return [(int(pid), start, end) for pid, start, end in connection.execute(query)]


def read_ids(
    connection: sa.Connection,
    schema: OpusSchema,
    record: type[Any],
    *,
    clinics: Collection[int] | None = None,
    between: tuple[datetime, datetime] | None = None,
) -> set[int]:
    """The ids of the rows that pass the filters: what deletions are found against."""
    table = schema.t(record.table)
    query = _filtered(schema, sa.select(table.c.id), record, clinics=clinics, between=between)
    return set(connection.execute(query).scalars())


def _filtered(
    schema: OpusSchema,
    query: sa.Select[Any],
    record: type[Any],
    *,
    clinics: Collection[int] | None = None,
    between: tuple[datetime, datetime] | None = None,
    changed_since: int | None = None,
) -> sa.Select[Any]:
    table = schema.t(record.table)
    c = table.c
    if clinics is not None:
        wanted = sorted(set(clinics))
        if record.table == "clinics":
            query = query.where(c.id.in_(wanted))
        elif "clinic_id" in c:
            query = query.where(c.clinic_id.in_(wanted))
        elif "provider_id" in c:
            providers = schema.t("providers")
            query = query.where(
                c.provider_id.in_(
                    sa.select(providers.c.id).where(providers.c.clinic_id.in_(wanted))
                )
            )
        else:
            raise ValueError(f"{record.table} cannot be filtered by clinic")
    if between is not None:
        start, end = between
        if "ends_at" in c:
            query = query.where(c.starts_at < end, c.ends_at > start)
        elif "duration" in c and "starts_at" in c:
            # coarse in SQL (portable), exact below: an appointment overlaps the window
            query = query.where(c.starts_at < end, c.starts_at > start - LONGEST_APPOINTMENT)
        else:
            raise ValueError(f"{record.table} has no time to filter on")
    if changed_since is not None:
        if "change_no" not in c:
            raise ValueError(f"{record.table} carries no change number")
        query = query.where(c.change_no > changed_since)
    return query


def overlapping(rows: list[R], start: datetime, end: datetime) -> list[R]:
    """Appointments (starts_at + duration minutes) that really overlap [start, end)."""
    return [
        r
        for r in rows
        if r.starts_at < end and r.starts_at + timedelta(minutes=r.duration) > start  # type: ignore[attr-defined]
    ]
