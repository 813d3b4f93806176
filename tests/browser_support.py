"""What the browser tests share: where Chromium is, how it is launched, the guard that keeps
every request on this machine, the demo site (its config edited, applied and synced), and a
patient going through its page."""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from support import RunCli

from reconciler.demo.patient import sent_code
from reconciler.demo.workspace import SUBDOMAIN, Workspace
from reconciler.domain import national_id
from reconciler.site.background import BackgroundSite

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")
NOT_NETWORK = ("data", "about", "blob")


def chromium() -> str | None:
    """Debian's Chromium (CHROMIUM names another), or None when there is none."""
    named = os.environ.get("CHROMIUM")
    if named:
        return named if Path(named).is_file() else None
    return shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None
    )


def is_local(url: str) -> bool:
    """Whether a request to `url` stays on this machine."""
    parts = urlsplit(url)
    if parts.scheme in NOT_NETWORK:
        return True
    host = (parts.hostname or "").lower()
    return host in LOCAL_HOSTS or host.endswith(".localhost")


@dataclass
class Guard:
    """The requests refused for leaving this machine."""

    refused: list[str] = field(default_factory=list)

    def route(self, route: Any) -> None:
        url = route.request.url
        if is_local(url):
            route.continue_()
        else:
            self.refused.append(url)
            route.abort("blockedbyclient")


@dataclass
class DemoSite:
    """The demo workspace applied to its running site, with one sync cycle done."""

    workspace: Workspace
    site: BackgroundSite
    cli: RunCli

    @property
    def page_url(self) -> str:
        return f"{self.site.url}/sites/{SUBDOMAIN}/"

    @property
    def config(self) -> Path:
        return self.workspace.config.parent

    def edit(self, file: str, old: str, new: str) -> None:
        """Replace `old` (which must be there once) by `new` in the config's `file`."""
        path = self.config / file
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} is not once in {file}"
        path.write_text(text.replace(old, new), encoding="utf-8")

    def apply(self) -> None:
        result = self.cli("apply", self.config, "--auto-approve")
        assert result.code == 0, result.err

    def sync(self) -> None:
        result = self.cli("sync", self.config, "--once")
        assert result.code == 0, result.err

    def code(self, mobile: str) -> str:
        """The last code the site sent to `mobile` (its dev outbox)."""
        return sent_code(self.site.url, SUBDOMAIN, mobile)

    def booked_in_opus(self) -> list[tuple[object, ...]]:
        """The appointments the site's bookings became: (category, registered by, status)."""
        with sqlite3.connect(self.workspace.database) as c:
            return c.execute(
                "SELECT category, registered_by, status FROM appointments"
                " WHERE site_booking_id IS NOT NULL ORDER BY id"
            ).fetchall()


MOBILE = "41234567"  # a test number
NATIONAL_ID = national_id.synthetic(dt.date(1990, 3, 14), random.Random(11))


@dataclass
class Patient:
    """A patient on the demo's page, in the browser: the steps of a booking and of Mine timer,
    each ending where the next begins. `at_each_step` (e.g. `shoot`) is called with each
    step's name once the page shows it."""

    page: Any
    demo: DemoSite
    national_id: str = NATIONAL_ID
    mobile: str = MOBILE
    at_each_step: Callable[[str], object] | None = None

    def snap(self, step: str) -> None:
        if self.at_each_step is not None:
            self.at_each_step(step)

    def heading(self) -> str:
        return str(self.page.locator("h1").first.inner_text()).strip()

    def choose(self, data: str, value: str | None = None) -> str:
        """Follow the first option link carrying data-<data> (not an 'all …' one), or the one
        whose value is `value`; the option's text."""
        if value is None:
            link = self.page.locator(f"a[data-{data}]:not([data-{data}='alle'])").first
        else:
            link = self.page.locator(f"a[data-{data}='{value}']")
        text = str(link.inner_text())
        link.click()
        return text

    def to_the_week(self) -> None:
        """From the first page to the week view: the first clinic, treatment and provider."""
        self.page.goto(self.demo.page_url)
        self.snap("clinics")
        self.choose("klinikk")
        self.snap("treatments")
        self.choose("behandling")
        self.snap("providers")
        self.choose("behandler")
        assert self.page.locator("#steg-tittel").inner_text() == "Velg tid"
        self.snap("week")

    def fill_details(self) -> None:
        form = self.page.locator("#skjema-bestill")
        form.locator("#felt-fornavn").fill("Kari")
        form.locator("#felt-etternavn").fill("Nordmann")
        form.locator("#felt-fodselsnummer").fill(self.national_id)
        form.locator("#felt-mobil").fill(self.mobile)
        form.locator("#felt-epost").fill("kari@example.no")

    def enter_code(self, step: str) -> None:
        """On the code page: the code the site sent, then the confirmation."""
        assert self.page.locator("#skjema-kode").count() == 1
        self.snap(f"{step} code")
        self.page.locator("#felt-kode").fill(self.demo.code(self.mobile))
        self.page.locator("#bekreft").click()

    def confirmed(self, action: str) -> None:
        assert self.page.locator(f"#bekreftelse[data-handling='{action}']").count() == 1
        self.snap(f"{action} confirmed")

    def book(self) -> None:
        self.to_the_week()
        self.choose("tid")
        assert self.page.locator("#steg-tittel").inner_text() == "Dine opplysninger"
        self.fill_details()
        self.snap("details")
        self.page.locator("#bestill").click()
        self.enter_code("booking")
        self.confirmed("book")

    def log_in(self) -> None:
        self.page.locator("#lenke-mine-timer").click()
        self.page.locator("#felt-fodselsnummer").fill(self.national_id)
        self.snap("log in")
        self.page.locator("#send-kode").click()
        self.enter_code("log in")
        assert self.page.locator("#mine-timer").count() == 1

    def appointments(self) -> list[str]:
        """The ids of the appointments under Mine timer."""
        ids = self.page.locator("article.avtale").evaluate_all("all => all.map(a => a.id)")
        return [str(i).removeprefix("time-") for i in ids]
