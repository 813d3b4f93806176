"""Running the site under uvicorn, plain or with TLS and client certificates.

With TLS, the handshake asks every client for a certificate and refuses one not issued by the
client CA, or expired, with a TLS alert that names the reason. Patients' browsers have no
certificate, so a client without one gets in; the backend API then refuses its requests (403
certificate-required) and checks the thumbprint of those that have one (see tls.py).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import ssl
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from reconciler.errors import CannotListen, ReconcilerError
from reconciler.site.api.limits import RateLimits
from reconciler.site.app import create_app
from reconciler.site.booking.times import Clock, local_now
from reconciler.site.store.database import Store
from reconciler.site.tls import ClientCertificateProtocol, server_context, tls_protocol_factory

log = logging.getLogger("reconciler.site")


@dataclass(frozen=True)
class TlsFiles:
    """The server's certificate and key (PEM), and the CA that issues client certificates."""

    certificate: Path
    key: Path
    client_ca: Path


class SiteServer(uvicorn.Server):
    """uvicorn's server that says where it listens (https when it terminates TLS itself) and
    sets `ready` once it listens or has failed to."""

    def __init__(self, config: uvicorn.Config, *, tls: bool) -> None:
        super().__init__(config)
        self.tls = tls
        self.ready = threading.Event()

    @property
    def port(self) -> int:
        port: int = self.servers[0].sockets[0].getsockname()[1]
        return port

    async def startup(self, sockets: Any = None) -> None:
        try:
            await super().startup(sockets)
        finally:
            self.ready.set()
        if self.started:
            scheme = "https" if self.tls else "http"
            log.info("booking site listening on %s://%s:%d", scheme, self.config.host, self.port)


def site_server(
    store: Store | str | os.PathLike[str],
    *,
    host: str = "127.0.0.1",
    port: int = 8443,
    dev: bool = False,
    tls: TlsFiles | None = None,
    clock: Clock = local_now,
    limits: RateLimits | None = None,
) -> SiteServer:
    app = create_app(
        store, dev=dev, require_client_certificate=tls is not None, clock=clock, limits=limits
    )
    protocol: Any = ClientCertificateProtocol
    if tls is not None:
        protocol = tls_protocol_factory(server_context(tls.certificate, tls.key, tls.client_ca))
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        http=protocol,
        lifespan="off",
        access_log=False,
        server_header=False,
        proxy_headers=False,
        log_config=None,
    )
    return SiteServer(config, tls=tls is not None)


def open_server(
    data: str | os.PathLike[str],
    *,
    host: str,
    port: int,
    dev: bool,
    tls: TlsFiles | None,
) -> SiteServer:
    """`site_server` for the command line: unusable files become errors that say what to do."""
    try:
        store = Store(data)
    except (OSError, sqlite3.Error) as e:
        raise ReconcilerError(
            f"cannot open the site's store {data}: {e}",
            "give --data a writable file path (it is created if missing)",
        ) from None
    try:
        return site_server(store, host=host, port=port, dev=dev, tls=tls)
    except (OSError, ssl.SSLError) as e:
        raise ReconcilerError(
            f"cannot use the TLS files: {getattr(e, 'reason', None) or e.strerror or e}",
            "give PEM files: --tls-cert (the site's certificate), --tls-key (its key), "
            "--client-ca (the CA that issues client certificates)",
        ) from None


def serve(server: SiteServer) -> None:
    """Run until stopped (Ctrl-C or SIGTERM), logging to stderr."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("uvicorn.error").setLevel(logging.WARNING)
    try:
        server.run()
    except SystemExit:  # uvicorn exits when it cannot listen
        pass
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl-C after a clean shutdown
        if server.started:
            return
    if not server.started:
        raise CannotListen(
            f"the booking site could not listen on {server.config.host}:{server.config.port}",
            "choose another --port (or stop what uses it) and check --host",
        )
