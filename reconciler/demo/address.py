"""Where a demo workspace's booking site runs: the loopback address that its config names as
the account's site_url (http://127.0.0.1:8443 unless `demo init --site-url` said otherwise).
The demo, the tests and the benchmarks start the site there; none of them edits the config.
"""

from __future__ import annotations

import contextlib
import socket
from pathlib import Path
from urllib.parse import urlsplit

from reconciler.config import load_config
from reconciler.demo import DEFAULT_SITE_URL
from reconciler.demo.workspace import ACCOUNT
from reconciler.errors import ReconcilerError
from reconciler.site.background import BackgroundSite

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def site_address(config: Path) -> tuple[str, int]:
    """The loopback host and port that the demo config at `config` (its directory or its
    reconciler.yaml) names for its booking site."""
    loaded = load_config(config)
    account = loaded.config.accounts.get(ACCOUNT)
    if account is None:
        raise ReconcilerError(
            f"{loaded.root_dir} has no account '{ACCOUNT}': it is not a demo workspace's config",
            "make one with reconciler demo init DIR",
        )
    parts = urlsplit(account.url)
    host, port = parts.hostname or "", None
    with contextlib.suppress(ValueError):  # a port out of range
        port = parts.port
    if parts.scheme == "http" and host in LOOPBACK and port and parts.path in ("", "/"):
        return host, port
    where = loaded.mark_of(("accounts", ACCOUNT, "site_url")) or loaded.root_dir
    raise ReconcilerError(
        f"{where}: the demo runs its booking site on this machine, at http://127.0.0.1:PORT "
        f"(or localhost, [::1]), but the account's site is {account.url}",
        f'write site_url: "{DEFAULT_SITE_URL}" in the account (or another free port)',
    )


def workspace_site(directory: Path, *, dev: bool = False) -> BackgroundSite:
    """The booking site of the demo workspace in `directory`, not started yet: its store
    (site.db), at the address its config names."""
    host, port = site_address(directory / "config")
    return BackgroundSite(directory / "site.db", dev=dev, host=host, port=port)


def free_port() -> int:
    """A loopback port that is free now, for a server started soon after."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def free_site_url() -> str:
    """A site_url on a free loopback port: for a workspace whose site runs beside others'
    (tests, benchmarks)."""
    return f"http://127.0.0.1:{free_port()}"
