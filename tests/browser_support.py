"""What the browser tests share: where Chromium is, how it is launched, the guard that keeps
every request on this machine, and the demo site's page."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from reconciler.demo.workspace import SUBDOMAIN, Workspace
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
    workspace: Workspace
    site: BackgroundSite

    @property
    def page_url(self) -> str:
        return f"{self.site.url}/sites/{SUBDOMAIN}/"
