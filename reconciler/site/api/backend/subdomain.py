"""Backend API: the account's Subdomain document (name and all site settings) and the
availability check for a subdomain name.

GET returns every setting explicitly with its RowVersion (also as ETag). PUT replaces the
document — a field left out takes its default — and, with `If-Match: <RowVersion>`, only if
nobody changed it since that version. Renaming checks that the new name is a valid DNS label
and free.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reconciler.domain.labels import subdomain_problem
from reconciler.site.api.accounts import Account, by_token, context
from reconciler.site.api.http import body_as, respond, run
from reconciler.site.api.idempotency import idempotent
from reconciler.site.api.problems import HttpProblem, invalid
from reconciler.site.api.wire import row_version
from reconciler.site.booking.settings import SiteSettings, Subdomain
from reconciler.site.store.database import Store

RESERVED = frozenset({"www", "api", "admin", "mail", "static", "sites"})


def _document(row: sqlite3.Row) -> tuple[dict[str, Any], str]:
    version = row_version(row["settings_version"])
    document = {
        "Name": row["subdomain"],
        "AccountID": row["id"],
        **SiteSettings.model_validate_json(row["settings"]).out(),
        "RowVersion": version,
    }
    return document, version


async def get_subdomain(request: Request) -> Response:
    account = await run(by_token, request)
    with context(request).store.read() as db:
        row = db.execute("SELECT * FROM accounts WHERE id = ?", (account.id,)).fetchone()
    document, version = _document(row)
    return respond(document, headers={"ETag": f'"{version}"'})


async def put_subdomain(request: Request) -> Response:
    account = await run(by_token, request)
    body = await body_as(request, Subdomain)
    if body.AccountID is not None and str(body.AccountID) != account.id:
        raise HttpProblem(
            403, "account-mismatch", "AccountID is not this account", "leave it out or correct it"
        )
    if body.Name is not None:
        problem = subdomain_problem(body.Name)
        if problem:
            raise HttpProblem(422, "invalid-subdomain", problem, "choose a valid DNS label")
    if body.FlexibilitySettings.IsPublishedOnBokaVard and account.culture != "SE":
        raise HttpProblem(
            422,
            "boka-vard-not-sweden",
            "IsPublishedOnBokaVard is only for Swedish accounts",
            "turn it off for this account",
        )
    if_match = request.headers.get("if-match")
    store = context(request).store
    return await idempotent(
        request, store, account.id, lambda: run(_put, store, account, body, if_match)
    )


def _put(store: Store, account: Account, body: Subdomain, if_match: str | None) -> Response:
    settings = SiteSettings(
        FlexibilitySettings=body.FlexibilitySettings,
        MediaSettings=body.MediaSettings,
        Messages=body.Messages,
        Analytics=body.Analytics,
    )
    with store.write() as db:
        row = db.execute("SELECT * FROM accounts WHERE id = ?", (account.id,)).fetchone()
        current = row_version(row["settings_version"])
        if if_match is not None and if_match.strip().strip('"') != current:
            raise HttpProblem(
                412,
                "stale-row-version",
                "the site settings changed since the version in If-Match",
                "read them again (GET /api/backend/v1/subdomain) and apply on top of that",
                extra={"RowVersion": current},
            )
        name = body.Name or row["subdomain"]
        if name != row["subdomain"] and not _available(db, name, account.id):
            raise HttpProblem(
                409,
                "subdomain-taken",
                f"the subdomain {name} is taken",
                "choose another name (check with GET /api/backend/v1/subdomains/{name})",
            )
        new_settings = json.dumps(settings.out())
        changed = name != row["subdomain"] or new_settings != row["settings"]
        db.execute(
            "UPDATE accounts SET subdomain = ?, settings = ?,"
            " settings_version = settings_version + ? WHERE id = ?",
            (name, new_settings, 1 if changed else 0, account.id),
        )
        row = db.execute("SELECT * FROM accounts WHERE id = ?", (account.id,)).fetchone()
    document, version = _document(row)
    return respond(document, headers={"ETag": f'"{version}"'})


def _available(db: sqlite3.Connection, name: str, account_id: str) -> bool:
    if name in RESERVED:
        return False
    row = db.execute("SELECT id FROM accounts WHERE subdomain = ?", (name,)).fetchone()
    return row is None or row["id"] == account_id


async def check_availability(request: Request) -> Response:
    account = await run(by_token, request)
    name = str(request.path_params["name"])
    if len(name) > 100:
        raise invalid(
            [{"field": "path.name", "message": "name is longer than 100 characters"}], "the path"
        )
    problem = subdomain_problem(name)
    if problem:
        return respond({"Name": name, "Available": False, "Reason": problem})
    with context(request).store.read() as db:
        free = _available(db, name, account.id)
    answer: dict[str, Any] = {"Name": name, "Available": free}
    if not free:
        answer["Reason"] = "the subdomain is taken"
    return respond(answer)


ROUTES = [
    Route("/subdomain", get_subdomain, methods=["GET"]),
    Route("/subdomain", put_subdomain, methods=["PUT"]),
    Route("/subdomains/{name}", check_availability, methods=["GET"]),
]
