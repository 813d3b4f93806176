"""TLS for the site under uvicorn, with the client certificate handed to the app.

uvicorn does not pass the peer certificate into the ASGI scope, and asyncio's TLS layer drops
the alert of a failed handshake (it closes the connection without sending what OpenSSL
wrote), so a client with an expired or unknown certificate would see only "connection
closed". The site therefore terminates TLS itself, per connection:

- `tls_protocol_factory(context)` is given to uvicorn as its HTTP protocol; each connection
  gets `_AlertingSSLProtocol` (asyncio's own TLS protocol, which sends the alert before it
  closes) wrapped around `ClientCertificateProtocol`.
- `ClientCertificateProtocol` is uvicorn's h11 protocol that, once the handshake has verified
  the certificate, adds the ASGI TLS extension to every request of the connection:
  `scope["extensions"]["tls"] = {"client_cert_chain": [PEM], "tls_version": …}`.

Tested end to end in tests/site/test_site_tls.py: expired and foreign certificates get their
alert; a certificate from the right CA that is not the activated one is refused by thumbprint.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from asyncio import sslproto
from collections.abc import Callable
from pathlib import Path
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

_TLS_VERSIONS = {"TLSv1.2": 0x0303, "TLSv1.3": 0x0304}


def server_context(certificate: Path, key: Path, client_ca: Path) -> ssl.SSLContext:
    """TLS 1.2+ with the site's certificate. Every client is asked for a certificate; one not
    issued by `client_ca`, or expired, fails the handshake. A client without one gets in (the
    public API needs none); the backend API refuses its requests."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(client_ca))
    context.load_cert_chain(str(certificate), str(key))
    context.verify_mode = ssl.CERT_OPTIONAL
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


class ClientCertificateProtocol(H11Protocol):
    """uvicorn's h11 protocol, adding the ASGI TLS extension to each request's scope, and
    without uvicorn's access log (it logs paths and queries, which can hold national ids; the
    app logs each request by endpoint instead)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.access_log = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        ssl_object = transport.get_extra_info("ssl_object")
        if isinstance(ssl_object, ssl.SSLObject):
            self.scheme = "https"
            self.app = _WithTls(self.app, tls_extension(ssl_object))


class _AlertingSSLProtocol(sslproto.SSLProtocol):
    """asyncio's TLS protocol, but a failed handshake first sends the alert OpenSSL wrote
    (which names the reason: unknown CA, expired certificate …) before the connection closes."""

    def _on_handshake_complete(self, handshake_exc: BaseException | None) -> None:
        if handshake_exc is not None:
            with contextlib.suppress(Exception):  # the connection is failing anyway
                self._process_outgoing()  # type: ignore[attr-defined]
        super()._on_handshake_complete(handshake_exc)


def tls_protocol_factory(context: ssl.SSLContext) -> Callable[..., asyncio.BaseProtocol]:
    """A uvicorn `http` protocol "class": each call makes one connection's protocol pair."""

    def make(
        config: Any,
        server_state: Any,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> asyncio.BaseProtocol:
        loop = _loop or asyncio.get_event_loop()
        application = ClientCertificateProtocol(config, server_state, app_state, loop)
        waiter = None  # nobody waits for the handshake: uvicorn's protocol is told by it
        return _AlertingSSLProtocol(loop, application, context, waiter, server_side=True)  # type: ignore[arg-type]

    return make


def tls_extension(ssl_object: ssl.SSLObject) -> dict[str, Any]:
    der = ssl_object.getpeercert(binary_form=True)
    chain = [ssl.DER_cert_to_PEM_cert(der)] if der else []
    cipher = ssl_object.cipher()
    version = ssl_object.version() or ""
    return {
        "server_cert": None,
        "client_cert_chain": chain,
        "client_cert_name": None,
        "client_cert_error": None,
        "tls_version": _TLS_VERSIONS.get(version),
        "cipher_suite": None,
        "cipher_name": cipher[0] if cipher else None,
    }


class _WithTls:
    """An ASGI app that adds a connection's TLS extension to the scope, then calls `app`."""

    def __init__(self, app: Any, extension: dict[str, Any]) -> None:
        self.app = app
        self.extension = extension

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            extensions = dict(scope.get("extensions") or {})
            extensions["tls"] = self.extension
            scope = {**scope, "extensions": extensions}
        await self.app(scope, receive, send)
