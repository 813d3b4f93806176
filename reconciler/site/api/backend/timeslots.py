"""Backend API: free time, as `TimeSlotDiffV2` of `AvailableTimeslotBatch` (one batch per
clinician and clinic per window, holding free ranges and the treatments allowed in them).

Each stored batch has an ID and a RowVersion; the database has a RowVersion that grows with
every applied diff. A diff is applied whole or not at all: removals first (by ID, or by
clinic, clinician, Start and End), then additions. A removal whose RowVersion is not the
stored one, an addition that clashes with a batch still there, or a `BaseRowVersion` that is
not the current one is a 409: two services are writing, or the sender's state is stale.

Reads are paged (cursor = the last batch ID seen).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reconciler.site.api.accounts import Account, by_token, context
from reconciler.site.api.backend.account import check_references, database_or_404
from reconciler.site.api.backend.models import AvailableTimeslotBatch, ProcessTimeSlotChanges
from reconciler.site.api.http import Query, body_as, path_uuid, respond, run
from reconciler.site.api.idempotency import idempotent
from reconciler.site.api.problems import HttpProblem, invalid
from reconciler.site.api.wire import row_version, row_version_number
from reconciler.site.booking.times import to_text
from reconciler.site.store.database import Store

PAGE_DEFAULT, PAGE_MAX = 500, 1000


def batch_document(row: sqlite3.Row) -> dict[str, Any]:
    data = json.loads(row["data"])
    return {
        "ID": row["id"],
        "Start": row["start_at"],
        "End": row["end_at"],
        "ClinicID": row["clinic_id"],
        "ClinicianID": row["clinician_id"],
        "OpusDatabaseID": row["database_id"],
        "RowVersion": row_version(row["row_version"]),
        "AvailableTimes": data["AvailableTimes"],
        "Treatments": data["Treatments"],
    }


async def get_timeslots(request: Request) -> Response:
    account = await run(by_token, request)
    database_id = path_uuid(request, "OpusDatabaseID")
    query = Query(request, "cursor", "limit")
    after = query.integer("cursor") or 0
    limit = query.integer("limit", low=1) or PAGE_DEFAULT
    if limit > PAGE_MAX:
        raise invalid(
            [{"field": "query.limit", "message": f"limit must be at most {PAGE_MAX}"}], "the query"
        )
    with context(request).store.read() as db:
        row = database_or_404(db, account.id, database_id)
        rows = db.execute(
            "SELECT * FROM batches WHERE account_id = ? AND database_id = ? AND id > ?"
            " ORDER BY id LIMIT ?",
            (account.id, str(database_id), after, limit + 1),
        ).fetchall()
    page: dict[str, Any] = {
        "Items": [batch_document(r) for r in rows[:limit]],
        "RowVersion": row_version(row["timeslot_version"]),
    }
    if len(rows) > limit:
        page["NextCursor"] = str(rows[limit - 1]["id"])
    return respond(page)


async def post_timeslots(request: Request) -> Response:
    account = await run(by_token, request)
    database_id = path_uuid(request, "OpusDatabaseID")
    body = await body_as(request, ProcessTimeSlotChanges)
    diff = body.TimeSlotDiff
    stray = [b for b in [*diff.Added, *diff.Removed] if b.OpusDatabaseID not in (None, database_id)]
    if stray or diff.OpusDatabaseID not in (None, database_id):
        raise invalid(
            [{"field": "body.TimeSlotDiff", "message": "names another database than the path"}],
            "the diff",
        )
    store = context(request).store
    return await idempotent(
        request, store, account.id, lambda: run(_apply, store, account, database_id, body)
    )


def _find(db: sqlite3.Connection, account_id: str, dbid: str, batch: AvailableTimeslotBatch) -> Any:
    if batch.ID is not None:
        return db.execute(
            "SELECT * FROM batches WHERE account_id = ? AND database_id = ? AND id = ?",
            (account_id, dbid, batch.ID),
        ).fetchone()
    return db.execute(
        "SELECT * FROM batches WHERE account_id = ? AND database_id = ? AND clinic_id = ?"
        " AND clinician_id = ? AND start_at = ? AND end_at = ?",
        (
            account_id,
            dbid,
            batch.ClinicID,
            batch.ClinicianID,
            to_text(batch.Start),
            to_text(batch.End),
        ),
    ).fetchone()


@dataclass(frozen=True)
class _Target:
    """The database a diff applies to, inside the write transaction."""

    db: sqlite3.Connection
    account_id: str
    database_id: str


def _apply(
    store: Store, account: Account, database_id: UUID, body: ProcessTimeSlotChanges
) -> Response:
    diff = body.TimeSlotDiff
    with store.write() as db:
        target = _Target(db, account.id, str(database_id))
        version = database_or_404(db, account.id, database_id)["timeslot_version"]
        if body.BaseRowVersion is not None and row_version_number(body.BaseRowVersion) != version:
            raise HttpProblem(
                409,
                "stale-row-version",
                "the free time changed since the version this diff was made against",
                "read the free time again and build the diff on what is there now",
                extra={"RowVersion": row_version(version)},
            )
        conflicts = _remove(target, diff.Removed)
        check_references(
            db,
            account.id,
            target.database_id,
            [
                ref
                for i, batch in enumerate(diff.Added)
                for ref in _references(f"body.TimeSlotDiff.Added.{i}", batch)
            ],
            "the free time",
        )
        new_version = version + 1 if (diff.Added or diff.Removed) else version
        added, clashes = _add(target, diff.Added, new_version)
        if conflicts or clashes:
            raise HttpProblem(
                409,
                "timeslot-conflict",
                f"{len(conflicts + clashes)} change(s) do not fit the free time as it is",
                "read the free time again and send a diff against it",
                errors=conflicts + clashes,
            )
        db.execute(
            "UPDATE databases SET timeslot_version = ? WHERE account_id = ? AND id = ?",
            (new_version, account.id, target.database_id),
        )
    return respond(
        {"RowVersion": row_version(new_version), "Added": added, "Removed": len(diff.Removed)}
    )


def _remove(target: _Target, batches: list[AvailableTimeslotBatch]) -> list[dict[str, str]]:
    """Delete the batches; a conflict for each that is gone or changed since (RowVersion)."""
    conflicts = []
    for i, batch in enumerate(batches):
        found = _find(target.db, target.account_id, target.database_id, batch)
        field = f"body.TimeSlotDiff.Removed.{i}"
        if found is None:
            conflicts.append({"field": field, "message": "no such batch"})
        elif batch.RowVersion is not None and (
            row_version_number(batch.RowVersion) != found["row_version"]
        ):
            conflicts.append({"field": field, "message": "the batch changed since (RowVersion)"})
        else:
            target.db.execute("DELETE FROM batches WHERE id = ?", (found["id"],))
    return conflicts


def _add(
    target: _Target, batches: list[AvailableTimeslotBatch], version: int
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Insert the batches with `version`: their IDs, and a conflict for each already there."""
    added: list[dict[str, Any]] = []
    conflicts = []
    for i, batch in enumerate(batches):
        unnamed = batch.model_copy(update={"ID": None})
        if _find(target.db, target.account_id, target.database_id, unnamed) is not None:
            conflicts.append(
                {"field": f"body.TimeSlotDiff.Added.{i}", "message": "the batch exists already"}
            )
            continue
        data = {
            "AvailableTimes": [t.out() for t in batch.AvailableTimes],
            "Treatments": [t.out() for t in batch.Treatments],
        }
        cursor = target.db.execute(
            "INSERT INTO batches (account_id, database_id, clinic_id, clinician_id, start_at,"
            " end_at, row_version, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                target.account_id,
                target.database_id,
                batch.ClinicID,
                batch.ClinicianID,
                to_text(batch.Start),
                to_text(batch.End),
                version,
                json.dumps(data),
            ),
        )
        added.append({"ID": cursor.lastrowid, "RowVersion": row_version(version)})
    return added, conflicts


def _references(field: str, batch: AvailableTimeslotBatch) -> list[tuple[str, str, int]]:
    return [
        (f"{field}.ClinicID", "clinic", batch.ClinicID),
        (f"{field}.ClinicianID", "clinician", batch.ClinicianID),
        *(
            (f"{field}.Treatments.{j}.TreatmentId", "treatment", t.TreatmentId)
            for j, t in enumerate(batch.Treatments)
        ),
    ]


ROUTES = [
    Route("/databases/{OpusDatabaseID}/timeslots", get_timeslots, methods=["GET"]),
    Route("/databases/{OpusDatabaseID}/timeslots", post_timeslots, methods=["POST"]),
]
