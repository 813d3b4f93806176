"""What changed in the book since a change number: the cheap questions a sync cycle asks
before it reads any rows.

Every versioned table carries `change_no` (SQL Server's rowversion, or the triggers of
rowversion.py). `signature` is each table's highest change number, row count and highest
id: a row written raises the first, a row deleted lowers the second, so two equal
signatures mean nothing changed. The two small tables without change numbers (exclusions,
e-booking settings) are read whole and hashed. `changed_rows` lists the rows written since
a number, with their providers; whether rows were also deleted, `deleted_any` tells.
"""

from __future__ import annotations

import hashlib
from typing import Final, NamedTuple

import sqlalchemy as sa

from reconciler.providers.opus.schema import OpusSchema

# The tables free time is made of. Those with a provider_id narrow a change to providers;
# a change in the others (providers, types, exclusions, settings) concerns every provider.
PER_PROVIDER: Final = ("preblocks", "appointments", "working_hours")
SHARED: Final = ("providers", "preblock_types", "appointment_types")
UNVERSIONED: Final = ("preblock_type_exclusions", "ebooking_settings")

# The tables a plan reads (live.py, and the Recall hours of queries.py): the same questions
# tell a planner that nothing it would read has changed since it last read it all.
PLANNED: Final = (
    "clinics",
    "providers",
    "working_hours",
    "appointment_types",
    "preblock_types",
    "preblocks",
)
PLANNED_UNVERSIONED: Final = (
    "preblock_type_exclusions",
    "ebooking_settings",
    "registration_lists",
    "registration_list_items",
    "preblock_lists",
    "preblock_list_items",
    "list_links",
    "access_rights",
)


class Count(NamedTuple):
    top: int  # the highest change number (0 for a table without them)
    rows: int
    last_id: int  # the highest id (0 for a table without one)


Signature = dict[str, Count]


def signature(
    connection: sa.Connection,
    schema: OpusSchema,
    versioned: tuple[str, ...] = (*PER_PROVIDER, *SHARED),
    unversioned: tuple[str, ...] = UNVERSIONED,
) -> Signature:
    """Per table: its Count — one query for the versioned tables, and one per table
    without change numbers (read whole and hashed: they are small)."""
    parts = []
    for name in versioned:
        table = schema.t(name)
        parts.append(
            sa.select(
                sa.literal(name).label("name"),
                sa.func.coalesce(sa.func.max(table.c.change_no), 0).label("top"),
                sa.func.count().label("rows"),
                sa.func.coalesce(sa.func.max(table.c.id), 0).label("last_id"),
            ).select_from(table)
        )
    rows = connection.execute(sa.union_all(*parts))
    found = {name: Count(int(top), int(count), int(last)) for name, top, count, last in rows}
    for name in unversioned:
        table = schema.t(name)
        content = sorted(repr(tuple(row)) for row in connection.execute(sa.select(table)))
        digest = int.from_bytes(hashlib.blake2b(repr(content).encode(), digest_size=7).digest())
        found[name] = Count(digest, len(content), 0)
    return found


def highest(found: Signature) -> int:
    """The highest change number of all the tables that have them."""
    return max((found[name].top for name in (*PER_PROVIDER, *SHARED) if name in found), default=0)


def changed_rows(
    connection: sa.Connection, schema: OpusSchema, since: int
) -> dict[str, list[tuple[int, int]]]:
    """Per provider-level table, the (id, provider id) of the rows written with a change
    number above `since`."""
    out: dict[str, list[tuple[int, int]]] = {}
    for name in PER_PROVIDER:
        table = schema.t(name)
        query = sa.select(table.c.id, table.c.provider_id).where(table.c.change_no > since)
        out[name] = [(int(i), int(p)) for i, p in connection.execute(query)]
    return out


def shared_changed(before: Signature, now: Signature) -> bool:
    """Whether anything every provider depends on changed (types, settings, providers)."""
    return any(before.get(name) != now.get(name) for name in (*SHARED, *UNVERSIONED))


def deleted_any(
    connection: sa.Connection, schema: OpusSchema, before: Signature, now: Signature
) -> bool:
    """Whether a provider-level table lost rows since `before`: its count grew by less than
    the number of rows it gained (ids above the highest it had)."""
    for name in PER_PROVIDER:
        old, new = before.get(name), now.get(name)
        if old is None or new is None:
            return True
        if old == new:
            continue
        table = schema.t(name)
        gained = connection.execute(
            sa.select(sa.func.count()).select_from(table).where(table.c.id > old.last_id)
        ).scalar_one()
        if new.rows - old.rows != gained:
            return True
    return False
