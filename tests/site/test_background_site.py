"""The site in a background thread: where it listens, what a taken port says, and answers on
a kept-alive connection as fast as uvicorn gives them."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import httpx
import pytest

from reconciler.errors import CannotListen
from reconciler.site.background import BackgroundSite


def test_a_taken_port_is_an_error_that_names_the_address(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(CannotListen) as refused:
            BackgroundSite(tmp_path / "site.db", port=port).start()
    assert refused.value.message.startswith(
        f"the booking site cannot listen on http://127.0.0.1:{port}: "
    )
    with BackgroundSite(tmp_path / "site.db", port=port) as site:  # the port, once it is free
        assert site.url == f"http://127.0.0.1:{port}"
        assert httpx.get(f"{site.url}/").status_code == 404


def test_answers_on_a_kept_alive_connection_are_not_held_back(tmp_path: Path) -> None:
    """Nagle's algorithm off, as uvicorn has it: 20 requests on one connection take a few
    milliseconds each, not the ~40 ms of a delayed acknowledgement."""
    with BackgroundSite(tmp_path / "site.db") as site, httpx.Client(base_url=site.url) as client:
        client.get("/")
        started = time.perf_counter()
        for _ in range(20):
            client.get("/")
        assert time.perf_counter() - started < 0.4
