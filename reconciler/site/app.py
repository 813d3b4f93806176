"""The reference booking site as an ASGI app (Starlette).

    /api/backend/v1/…                   the Online Client's API: account key, then token
    /api/public/v1/…                    the patients' API; the site is the Host's first label
    /sites/{subdomain}/api/public/v1/…  the same, for a bare address (127.0.0.1, tests, demo)
    /api/dev/v1/outbox                   only with dev=True
    /  and  /sites/{subdomain}/           the patient's page (HTML; page/routes.py)

Every refusal of the APIs is problem+json (of the page: a page saying what to do); anything
unexpected is a 500 problem without a traceback. Every request body is limited in size and
JSON nesting before a handler sees it (api/bodies.py). The access log names the endpoint,
never the path or query.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import MutableMapping
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount

from reconciler.site.api import dev as dev_api
from reconciler.site.api.accounts import SiteContext
from reconciler.site.api.backend import (
    account,
    book_appointments,
    events,
    masterdata,
    rejections,
    subdomain,
    timeslots,
)
from reconciler.site.api.bodies import BodyGuard
from reconciler.site.api.limits import RateLimits
from reconciler.site.api.problems import (
    HttpProblem,
    handle_http_exception,
    handle_problem,
    handle_unexpected_response,
)
from reconciler.site.api.public import bookings, browse, changes, confirm, reservations
from reconciler.site.booking.times import Clock, local_now
from reconciler.site.page import routes as page_routes
from reconciler.site.store import Store

access_log = logging.getLogger("reconciler.site.access")

BACKEND_ROUTES: list[BaseRoute] = [
    *account.ROUTES,
    *masterdata.ROUTES,
    *subdomain.ROUTES,
    *timeslots.ROUTES,
    *events.ROUTES,
    *rejections.ROUTES,
    *book_appointments.ROUTES,
]
PUBLIC_ROUTES: list[BaseRoute] = [
    *browse.ROUTES,
    *reservations.ROUTES,
    *bookings.ROUTES,
    *changes.ROUTES,
    *confirm.ROUTES,
]


class Guard:
    """Outermost: turns an unexpected exception into a 500 problem (if nothing was sent yet)
    and writes one access-log line per request."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = {"started": False, "status": 500}

        async def watch(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                state["started"] = True
                state["status"] = message["status"]
            await send(message)

        began = time.perf_counter()
        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            response = handle_unexpected_response(scope, exc)
            if not state["started"]:
                await response(scope, receive, watch)
        finally:
            endpoint = getattr(scope.get("endpoint"), "__name__", "-")
            access_log.info(
                "%s %s %s %.1fms",
                scope["method"],
                endpoint,
                state["status"],
                (time.perf_counter() - began) * 1000,
            )


def create_app(
    store: Store | str | os.PathLike[str],
    *,
    dev: bool = False,
    require_client_certificate: bool = False,
    clock: Clock = local_now,
    limits: RateLimits | None = None,
) -> Starlette:
    """The site over `store` (a Store, or the path of its SQLite file), with `limits` (by
    default RateLimits())."""
    if not isinstance(store, Store):
        store = Store(store, clock)
    routes: list[BaseRoute] = [
        Mount("/api/backend/v1", routes=BACKEND_ROUTES),
        Mount("/api/public/v1", routes=PUBLIC_ROUTES),
        Mount("/sites/{subdomain}/api/public/v1", routes=PUBLIC_ROUTES),
    ]
    if dev:
        routes.append(Mount("/api/dev/v1", routes=dev_api.ROUTES))
    routes += [Mount("/sites/{subdomain}", routes=page_routes.ROUTES), *page_routes.ROUTES]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(Guard), Middleware(BodyGuard)],
        exception_handlers={HttpProblem: handle_problem, HTTPException: handle_http_exception},
    )
    app.state.site = SiteContext(store, dev, require_client_certificate, limits or RateLimits())
    return app
