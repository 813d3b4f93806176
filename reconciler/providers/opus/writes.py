"""Batched writes. Inserts and updates go as one executemany per batch; deletes as one
statement per batch of ids. Callers decide the transaction: one apply step, one
transaction (connection.connected)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any, TypeVar

import sqlalchemy as sa

from reconciler.providers.opus.schema import OpusSchema

BATCH = 1000

T = TypeVar("T")


def _batches(items: Iterable[T], size: int = BATCH) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def insert(
    connection: sa.Connection, schema: OpusSchema, table: str, rows: Iterable[Mapping[str, Any]]
) -> int:
    """Insert rows given by logical column names; returns how many. Rows that give the same
    columns go together (the others get their defaults)."""
    target = schema.t(table)
    count = 0
    for batch in _batches(rows):
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in batch:
            groups.setdefault(tuple(row), []).append(dict(row))
        for group in groups.values():
            connection.execute(target.insert(), group)
        count += len(batch)
    return count


def update(
    connection: sa.Connection,
    schema: OpusSchema,
    table: str,
    changes: Sequence[tuple[int, Mapping[str, Any]]],
) -> int:
    """Set columns on rows by id: (id, {column: value}) pairs. Rows that change the same
    columns go together in one executemany."""
    target = schema.t(table)
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row_id, values in changes:
        key = tuple(sorted(values))
        groups.setdefault(key, []).append(
            {"_id": row_id, **{f"_{k}": v for k, v in values.items()}}
        )
    count = 0
    for columns, params in groups.items():
        statement = (
            target.update()
            .where(target.c.id == sa.bindparam("_id"))
            .values({target.c[name]: sa.bindparam(f"_{name}") for name in columns})
        )
        for batch in _batches(params):
            connection.execute(statement, batch)
            count += len(batch)
    return count


def delete(connection: sa.Connection, schema: OpusSchema, table: str, ids: Iterable[int]) -> int:
    """Delete rows by id; returns how many were deleted."""
    target = schema.t(table)
    count = 0
    for batch in _batches(sorted(set(ids))):
        result = connection.execute(target.delete().where(target.c.id.in_(batch)))
        count += result.rowcount
    return count
