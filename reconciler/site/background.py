"""The site in a background thread of this process, on a loopback port (one the OS chooses
unless given): for integration tests and the demo, which talk to it over a real socket.

    with BackgroundSite("site.db", dev=True) as site:
        … site.url …

Listens before the thread starts, so a port that is taken raises CannotListen to the caller;
waits for the server to run (an event, not a poll) and stops it cleanly.
"""

from __future__ import annotations

import os
import socket
import threading

from reconciler.errors import CannotListen
from reconciler.site.api.limits import RateLimits
from reconciler.site.booking.times import Clock, local_now
from reconciler.site.server import TlsFiles, site_server
from reconciler.site.store.database import Store


class BackgroundSite:
    def __init__(
        self,
        store: Store | str | os.PathLike[str],
        *,
        dev: bool = False,
        tls: TlsFiles | None = None,
        clock: Clock = local_now,
        host: str = "127.0.0.1",
        port: int = 0,
        limits: RateLimits | None = None,
    ) -> None:
        self.store = store if isinstance(store, Store) else Store(store, clock)
        self.tls = tls
        self.host = host
        self.port = port
        self._server = site_server(
            self.store, host=host, port=port, dev=dev, tls=tls, clock=clock, limits=limits
        )
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host  # an IPv6 address
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"

    def start(self, timeout: float = 30) -> BackgroundSite:
        listening = self._listen()
        self._thread = threading.Thread(
            target=self._server.run, args=([listening],), name="booking-site", daemon=True
        )
        self._thread.start()
        if not self._server.ready.wait(timeout) or not self._server.started:
            raise RuntimeError(f"the booking site did not start on {self.host}:{self.port}")
        self.port = self._server.port
        return self

    def _listen(self) -> socket.socket:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # IPPROTO_TCP named, as getaddrinfo names it for uvicorn: asyncio turns Nagle off only
        # on connections from such a socket (else each keep-alive answer waits ~40 ms)
        listening = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            listening.bind((self.host, self.port))
        except OSError as e:
            listening.close()
            raise CannotListen(
                f"the booking site cannot listen on {self.url}: {e.strerror or e}",
                "stop what listens there, or choose another port",
            ) from None
        return listening

    def stop(self, timeout: float = 30) -> None:
        if self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise RuntimeError("the booking site did not stop")
        self._thread = None

    def __enter__(self) -> BackgroundSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
