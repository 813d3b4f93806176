"""The site as the page shows it — its heading, logo, theme, analytics script and which
parts are on — and the wrapper every page handler runs in: the site found by its address,
the maintenance page while maintenance mode is on, and a friendly page for every refusal."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import wraps

from starlette.requests import Request
from starlette.responses import Response

from reconciler.site.api.accounts import Account, by_site, context
from reconciler.site.api.http import run
from reconciler.site.api.problems import HttpProblem
from reconciler.site.booking.settings import FlexibilitySettings, SiteSettings
from reconciler.site.page.render import render
from reconciler.site.page.texts import problem_text, site_text
from reconciler.site.store.database import Store
from reconciler.site.store.sessions import session_key

log = logging.getLogger("reconciler.site.page")
SESSION_COOKIE = "timebok_okt"


@dataclass(frozen=True)
class PageSite:
    """One request's site: the account, where its page lives, and what the page shows."""

    account: Account
    store: Store
    base: str  # "" on <subdomain>.<domain>, "/sites/<subdomain>" on a bare address
    secure: bool

    @property
    def settings(self) -> SiteSettings:
        return self.account.settings

    @property
    def flexibility(self) -> FlexibilitySettings:
        return self.account.settings.FlexibilitySettings

    @property
    def heading(self) -> str:
        return site_text(self.account.settings, "heading")

    @property
    def welcome(self) -> str:
        return site_text(self.account.settings, "welcome")

    @property
    def logo(self) -> str | None:
        """The logo as a data URI (the only form the page shows: nothing from another host)."""
        logo = self.account.settings.MediaSettings.MediaContainer.get("logo")
        return logo if logo and logo.startswith("data:image/") else None

    @property
    def theme(self) -> bool:
        return self.account.settings.MediaSettings.ColorCode is not None

    @property
    def analytics(self) -> bool:
        return bool(self.account.settings.Analytics.Script)

    @property
    def analytics_in_header(self) -> bool:
        return self.account.settings.FlexibilitySettings.PlaceJavaScriptInHeader

    @property
    def login(self) -> bool:
        """SMS login works only with both login and SMS login on."""
        flexibility = self.account.settings.FlexibilitySettings
        return flexibility.LoginEnabled and flexibility.LoginSMSEnabled

    @property
    def appointments(self) -> bool:
        """Whether "Mine timer" is there: showing appointments, reached by SMS login."""
        return self.account.settings.FlexibilitySettings.ViewBookingsEnabled and self.login

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def patient_key(self, request: Request) -> str | None:
        """The logged-in patient (by the session cookie), or None."""
        token = request.cookies.get(SESSION_COOKIE)
        if not token or len(token) > 200:
            return None
        return session_key(self.store, self.account.id, token)


def base_of(request: Request, account: Account) -> str:
    return f"/sites/{account.subdomain}" if "subdomain" in request.path_params else ""


PageHandler = Callable[[Request, PageSite], Awaitable[Response]]


def page(handler: PageHandler) -> Callable[[Request], Awaitable[Response]]:
    """A page endpoint: finds the site, shows the maintenance page while it is closed, and
    turns every refusal into a page that says what to do (never a traceback)."""

    @wraps(handler)
    async def endpoint(request: Request) -> Response:
        try:
            account = await run(by_site, request)
        except HttpProblem as problem:
            return render("feil.html", problem.status, site=None, message=problem_text(problem))
        site = PageSite(
            account,
            context(request).store,
            base_of(request, account),
            request.url.scheme == "https",
        )
        if account.settings.FlexibilitySettings.MaintenanceMode:
            text = site_text(account.settings, "information.maintenance_mode")
            response = render("vedlikehold.html", 503, site=site, text=text)
            response.headers["Retry-After"] = "3600"
            return response
        try:
            return await handler(request, site)
        except HttpProblem as problem:
            return error_page(site, problem)

    return endpoint


def error_page(site: PageSite, problem: HttpProblem, back: str | None = None) -> Response:
    status = problem.status if 400 <= problem.status < 600 else 400
    response = render(
        "feil.html", status, site=site, message=problem_text(problem), back=back or site.url("/")
    )
    if "Retry-After" in problem.headers:
        response.headers["Retry-After"] = problem.headers["Retry-After"]
    return response
