"""The reconciler's own records in an account's lead database: the apply lock, the journal of
apply steps, and the state last applied (what drift is measured against)."""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from reconciler.domain.resources import Resource, canonical
from reconciler.errors import ReconcilerError
from reconciler.providers.opus.schema import OpusSchema


class LockHeld(ReconcilerError):
    """Another apply holds the account's lock."""


@dataclass(frozen=True)
class Holder:
    holder: str
    host: str
    pid: int
    since: datetime
    plan_id: str | None

    def __str__(self) -> str:
        return f"{self.holder} on {self.host} (pid {self.pid}) since {self.since:%Y-%m-%d %H:%M}"


def me() -> tuple[str, str, int]:
    """Who holds a lock or lease: the user, the host (each as the columns hold them) and the
    process."""
    user = os.environ.get("USER") or os.environ.get("USERNAME") or "unknown"
    return user[:100], socket.gethostname()[:100], os.getpid()


def holder_of(connection: sa.Connection, schema: OpusSchema, account: str) -> Holder | None:
    table = schema.t("rc_apply_lock")
    row = connection.execute(
        sa.select(table.c.holder, table.c.host, table.c.pid, table.c.since, table.c.plan_id).where(
            table.c.account == account
        )
    ).first()
    return Holder(*row) if row else None


def acquire(engine: sa.Engine, schema: OpusSchema, account: str, plan_id: str) -> None:
    """Take the account's apply lock, or LockHeld saying who has it."""
    user, host, pid = me()
    table = schema.t("rc_apply_lock")
    try:
        with engine.begin() as connection:
            connection.execute(
                table.insert().values(
                    account=account,
                    holder=user,
                    host=host,
                    pid=pid,
                    plan_id=plan_id,
                    since=datetime.now(),
                )
            )
    except sa.exc.IntegrityError:
        with engine.connect() as connection:
            holder = holder_of(connection, schema, account)
        raise LockHeld(
            f"account '{account}' is locked by {holder or 'another apply'}",
            "wait for that apply to finish; if it died, run reconciler unlock PATH --force",
        ) from None


def release(engine: sa.Engine, schema: OpusSchema, account: str) -> bool:
    """Drop the account's lock; whether there was one."""
    table = schema.t("rc_apply_lock")
    with engine.begin() as connection:
        return bool(connection.execute(table.delete().where(table.c.account == account)).rowcount)


def journal(
    connection: sa.Connection,
    schema: OpusSchema,
    *,
    account: str,
    plan_id: str,
    step: int,
    address: str,
    action: str,
    status: str,
    detail: str = "",
) -> None:
    table = schema.t("rc_journal")
    connection.execute(
        table.insert().values(
            account=account,
            plan_id=plan_id,
            step=step,
            address=address[:300],
            action=action,
            status=status,
            detail=detail[:4000],
            at=datetime.now(),
        )
    )


def rejections(
    connection: sa.Connection, schema: OpusSchema, account: str, cursor: int
) -> dict[int, str]:
    """Why the sync service rejected booking events, by cursor, from `cursor` on."""
    table = schema.t("rc_journal")
    rows = connection.execute(
        sa.select(table.c.step, table.c.detail).where(
            table.c.account == account,
            table.c.plan_id == "sync",
            table.c.step >= cursor,
            table.c.status == "rejected",
        )
    )
    return {int(step): str(detail) for step, detail in rows}


def journal_of(
    connection: sa.Connection, schema: OpusSchema, account: str, plan_id: str
) -> list[dict[str, Any]]:
    table = schema.t("rc_journal")
    rows = connection.execute(
        sa.select(table.c.step, table.c.address, table.c.action, table.c.status, table.c.detail)
        .where(table.c.account == account, table.c.plan_id == plan_id)
        .order_by(table.c.id)
    )
    return [dict(row._mapping) for row in rows]


def record_state(
    connection: sa.Connection,
    schema: OpusSchema,
    account: str,
    applied: list[Resource],
    removed: list[str],
) -> None:
    """Remember what was applied (resources as they now are live) and forget what was removed."""
    table = schema.t("rc_state")
    addresses = [res.address for res in applied] + removed
    for start in range(0, len(addresses), 500):
        connection.execute(
            table.delete().where(
                table.c.account == account, table.c.address.in_(addresses[start : start + 500])
            )
        )
    now = datetime.now()
    rows = [
        {
            "account": account,
            "address": res.address,
            "kind": res.kind,
            "fingerprint": res.fingerprint,
            "attrs": canonical(res.attrs),
            "applied_at": now,
        }
        for res in applied
    ]
    for start in range(0, len(rows), 1000):
        connection.execute(table.insert(), rows[start : start + 1000])


def read_state(connection: sa.Connection, schema: OpusSchema, account: str) -> dict[str, Resource]:
    table = schema.t("rc_state")
    rows = connection.execute(
        sa.select(table.c.address, table.c.kind, table.c.attrs).where(table.c.account == account)
    )
    return {address: Resource(address, kind, json.loads(attrs)) for address, kind, attrs in rows}
