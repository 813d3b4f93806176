"""Dev API (only with `--dev`): the outbox of SMS and e-mails the site sent, so that tests and
the demo can read one-time codes. It shows phone numbers, addresses and codes: never run a
site with `--dev` where real patients book. It takes no phone number or address in its query
(the client filters by recipient), so none reaches a URL."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reconciler.site.api.accounts import context
from reconciler.site.api.http import Query, respond, run


async def outbox(request: Request) -> Response:
    query = Query(request, "subdomain", "after")
    subdomain = query.text("subdomain", max_length=63)
    after = query.integer("after") or 0
    return respond(await run(_read, request, subdomain, after))


def _read(request: Request, subdomain: str | None, after: int) -> list[dict[str, Any]]:
    sql = (
        "SELECT o.*, a.subdomain FROM outbox o JOIN accounts a ON a.id = o.account_id"
        " WHERE o.id > ?"
    )
    params: list[Any] = [after]
    if subdomain is not None:
        sql += " AND a.subdomain = ?"
        params.append(subdomain)
    with context(request).store.read() as db:
        rows = db.execute(sql + " ORDER BY o.id LIMIT 1000", params).fetchall()
    messages = []
    for r in rows:
        message = {
            "ID": r["id"],
            "Subdomain": r["subdomain"],
            "Channel": r["channel"],
            "Recipient": r["recipient"],
            "Body": r["body"],
            "CreatedAt": r["created_at"],
        }
        if r["subject"] is not None:
            message["Subject"] = r["subject"]
        messages.append(message)
    return messages


ROUTES = [Route("/outbox", outbox, methods=["GET"])]
