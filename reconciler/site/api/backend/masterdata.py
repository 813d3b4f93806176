"""Backend API: the clinics, clinicians and treatments of an Opus database, read whole and
changed by `OpusDatabaseDiff` (added / changed / removed of each kind).

A diff is applied whole or not at all. Adding what exists, or changing or removing what does
not, is a 409 listing each case: the sender's picture of the site is stale and it should read
again. With `BaseRowVersion` the diff is refused if anything changed since that version.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reconciler.site.api.accounts import Account, by_token, context
from reconciler.site.api.backend.account import database_or_404
from reconciler.site.api.backend.models import (
    Clinic,
    Clinician,
    OpusDatabaseDiff,
    Removed,
    Treatment,
)
from reconciler.site.api.http import body_as, path_uuid, respond, run
from reconciler.site.api.idempotency import idempotent
from reconciler.site.api.problems import HttpProblem, invalid
from reconciler.site.api.wire import Wire, row_version, row_version_number
from reconciler.site.store.database import Store

KINDS = ("clinic", "clinician", "treatment")
PLURAL = {"clinic": "Clinics", "clinician": "Clinicians", "treatment": "Treatments"}


def read_entities(
    db: sqlite3.Connection, account_id: str, database_id: str, kind: str
) -> list[dict[str, Any]]:
    rows = db.execute(
        "SELECT data FROM entities WHERE account_id = ? AND database_id = ? AND kind = ?",
        (account_id, database_id, kind),
    ).fetchall()
    items = [json.loads(r["data"]) for r in rows]
    items.sort(key=lambda e: (e.get("Order", 0), e["ID"]))
    for item in items:
        item["OpusDatabaseID"] = database_id
    return items


async def get_masterdata(request: Request) -> Response:
    account = await run(by_token, request)
    database_id = path_uuid(request, "OpusDatabaseID")
    with context(request).store.read() as db:
        row = database_or_404(db, account.id, database_id)
        document: dict[str, Any] = {"OpusDatabaseID": str(database_id)}
        for kind in KINDS:
            document[PLURAL[kind]] = read_entities(db, account.id, str(database_id), kind)
    document["RowVersion"] = row_version(row["masterdata_version"])
    return respond(document)


async def post_masterdata(request: Request) -> Response:
    account = await run(by_token, request)
    database_id = path_uuid(request, "OpusDatabaseID")
    diff = await body_as(request, OpusDatabaseDiff)
    _check_database_ids(diff, database_id)
    store = context(request).store
    return await idempotent(
        request, store, account.id, lambda: run(_apply, store, account, database_id, diff)
    )


def _check_database_ids(diff: OpusDatabaseDiff, database_id: UUID) -> None:
    errors = []
    if diff.OpusDatabaseID is not None and diff.OpusDatabaseID != database_id:
        errors.append(
            {"field": "body.OpusDatabaseID", "message": "is not the database in the path"}
        )
    for name in type(diff).model_fields:
        items = getattr(diff, name)
        if not isinstance(items, list):
            continue
        for i, item in enumerate(items):
            if item.OpusDatabaseID is not None and item.OpusDatabaseID != database_id:
                errors.append(
                    {
                        "field": f"body.{name}.{i}.OpusDatabaseID",
                        "message": "is not the database in the path",
                    }
                )
    if errors:
        raise invalid(errors, "the diff")


def _groups(
    diff: OpusDatabaseDiff,
) -> list[tuple[str, Sequence[Wire], Sequence[Wire], Sequence[Removed]]]:
    return [
        ("clinic", diff.AddedClinics, diff.ChangedClinics, diff.RemovedClinics),
        ("clinician", diff.AddedClinicians, diff.ChangedClinicians, diff.RemovedClinicians),
        ("treatment", diff.AddedTreatments, diff.ChangedTreatments, diff.RemovedTreatments),
    ]


def _apply(store: Store, account: Account, database_id: UUID, diff: OpusDatabaseDiff) -> Response:
    dbid = str(database_id)
    counts = {"Added": 0, "Changed": 0, "Removed": 0}
    with store.write() as db:
        row = database_or_404(db, account.id, database_id)
        if diff.BaseRowVersion is not None and (
            row_version_number(diff.BaseRowVersion) != row["masterdata_version"]
        ):
            raise HttpProblem(
                409,
                "stale-row-version",
                "the master data changed since the version this diff was made against",
                "read it again and build the diff on what is there now",
                extra={"RowVersion": row_version(row["masterdata_version"])},
            )
        conflicts: list[dict[str, str]] = []
        for kind, added, changed, removed in _groups(diff):
            existing = {
                r["id"]
                for r in db.execute(
                    "SELECT id FROM entities WHERE account_id = ? AND database_id = ? AND kind = ?",
                    (account.id, dbid, kind),
                )
            }
            conflicts += _conflicts(kind, existing, added, changed, removed)
        if conflicts:
            raise HttpProblem(
                409,
                "masterdata-conflict",
                f"{len(conflicts)} change(s) do not fit the master data as it is",
                "read the master data again and send a diff against it",
                errors=conflicts,
            )
        for kind, added, changed, removed in _groups(diff):
            for gone in removed:
                db.execute(
                    "DELETE FROM entities WHERE account_id = ? AND database_id = ? AND kind = ?"
                    " AND id = ?",
                    (account.id, dbid, kind, gone.ID),
                )
            for item in [*changed, *added]:
                data = item.model_dump(mode="json", exclude_none=True, exclude={"OpusDatabaseID"})
                db.execute(
                    "INSERT OR REPLACE INTO entities (account_id, database_id, kind, id, data)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (account.id, dbid, kind, data["ID"], json.dumps(data)),
                )
            counts["Added"] += len(added)
            counts["Changed"] += len(changed)
            counts["Removed"] += len(removed)
        _check_clinicians_have_clinics(db, account.id, dbid)
        version = row["masterdata_version"] + (1 if any(counts.values()) else 0)
        db.execute(
            "UPDATE databases SET masterdata_version = ? WHERE account_id = ? AND id = ?",
            (version, account.id, dbid),
        )
    return respond({"RowVersion": row_version(version), **counts})


def _conflicts(
    kind: str,
    existing: set[int],
    added: Sequence[Wire],
    changed: Sequence[Wire],
    removed: Sequence[Removed],
) -> list[dict[str, str]]:
    plural = PLURAL[kind]
    conflicts = []
    seen: set[int] = set()
    for verb, items in (("Added", added), ("Changed", changed), ("Removed", removed)):
        for item in items:
            ident: int = item.ID  # type: ignore[attr-defined]
            field = f"body.{verb}{plural}.ID={ident}"
            if ident in seen:
                conflicts.append({"field": field, "message": f"{kind} {ident} appears twice"})
            seen.add(ident)
            if verb == "Added" and ident in existing:
                conflicts.append({"field": field, "message": f"{kind} {ident} already exists"})
            if verb != "Added" and ident not in existing:
                conflicts.append({"field": field, "message": f"{kind} {ident} does not exist"})
    return conflicts


def _check_clinicians_have_clinics(db: sqlite3.Connection, account_id: str, dbid: str) -> None:
    orphans = db.execute(
        "SELECT c.id FROM entities c WHERE c.account_id = ? AND c.database_id = ?"
        " AND c.kind = 'clinician' AND NOT EXISTS (SELECT 1 FROM entities k"
        " WHERE k.account_id = c.account_id AND k.database_id = c.database_id"
        " AND k.kind = 'clinic' AND k.id = json_extract(c.data, '$.ClinicID'))",
        (account_id, dbid),
    ).fetchall()
    if orphans:
        ids = ", ".join(str(r["id"]) for r in orphans[:10])
        raise HttpProblem(
            422,
            "clinician-without-clinic",
            f"clinician(s) {ids} would belong to a clinic that does not exist",
            "add the clinic in the same diff, or move or remove its clinicians",
        )


__all__ = ["Clinic", "Clinician", "Treatment"]

ROUTES = [
    Route("/databases/{OpusDatabaseID}/masterdata", get_masterdata, methods=["GET"]),
    Route("/databases/{OpusDatabaseID}/masterdata", post_masterdata, methods=["POST"]),
]
