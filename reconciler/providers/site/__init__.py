"""The booking site as a live system: an httpx client for its backend API (what the
reconciler reads and changes) and its public API (what patients do), with the account's
client certificate, timeouts, retries, idempotency keys and errors that say what to do.

Works against the reference site (`reconciler site serve`) and the vendor's alike: nothing
here imports the reference site.

    with backend_client(account) as site:     # account: reconciler.config.model.Account
        site.activate()
        site.put_subdomain(…)
"""

from __future__ import annotations

import os
import ssl
from typing import cast

import httpx

from reconciler.config.model import Account
from reconciler.config.values import LocalFile
from reconciler.domain.secrets import Secret
from reconciler.errors import CertificateError, UsageError
from reconciler.providers.site.backend import BackendClient
from reconciler.providers.site.certificate import ClientCertificate, trust_context
from reconciler.providers.site.public import DevClient, PublicClient, public_base_url
from reconciler.providers.site.transport import (
    DEFAULT_TIMEOUT,
    NO_RETRY,
    RetryPolicy,
    SiteTransport,
)

CaFile = str | os.PathLike[str] | None


def certificate_of(account: Account) -> ClientCertificate | None:
    """The account's certificate in use, loaded; None when it names none."""
    name = account.certificate_in_use
    if name is None:
        if account.certificates:
            raise CertificateError(
                "the account has several certificates and none is chosen",
                "set use_certificate to the one in use",
            )
        return None
    entry = account.certificates[name]
    try:
        password = entry.password.reveal()
    except LookupError:
        raise UsageError(
            f"the password of certificate {name} was not read",
            "load the config with its secrets (not with --no-secrets)",
        ) from None
    file = cast(LocalFile, entry.file)
    return ClientCertificate.load(file.path, password)


def _verify(
    url: str, certificate: ClientCertificate | None, ca_file: CaFile
) -> ssl.SSLContext | bool:
    if not url.startswith("https://"):
        return True
    return certificate.ssl_context(ca_file) if certificate else trust_context(ca_file)


def connect_backend(
    url: str,
    account_key: Secret | str,
    certificate: ClientCertificate | None = None,
    *,
    ca_file: CaFile = None,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    retry: RetryPolicy | None = None,
) -> BackendClient:
    """A backend client for the site at `url` (the account's site_url). A key given as
    text is held as a Secret from here on."""
    key = account_key if isinstance(account_key, Secret) else Secret.given(account_key)
    transport = SiteTransport(
        url, verify=_verify(url, certificate, ca_file), timeout=timeout, retry=retry
    )
    return BackendClient(transport, key, certificate)


def backend_client(
    account: Account,
    *,
    ca_file: CaFile = None,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    retry: RetryPolicy | None = None,
) -> BackendClient:
    """The backend client for a configured account (its site_url, key and certificate)."""
    if not account.key.resolved:
        raise UsageError(
            "the account key was not read",
            "load the config with its secrets (not with --no-secrets)",
        )
    return connect_backend(
        account.url,
        account.key,
        certificate_of(account),
        ca_file=ca_file,
        timeout=timeout,
        retry=retry,
    )


def connect_public(
    site_url: str,
    subdomain: str,
    *,
    ca_file: CaFile = None,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    retry: RetryPolicy | None = None,
    limits: httpx.Limits | None = None,
) -> PublicClient:
    """A patient's view of the site `subdomain` served at `site_url`."""
    url = public_base_url(site_url, subdomain)
    verify = trust_context(ca_file) if url.startswith("https://") else True
    transport = SiteTransport(url, verify=verify, timeout=timeout, retry=retry, limits=limits)
    return PublicClient(transport)


def connect_dev(site_url: str, *, ca_file: CaFile = None) -> DevClient:
    """The reference site's dev API (outbox), when it runs with --dev."""
    verify = trust_context(ca_file) if site_url.startswith("https://") else True
    return DevClient(SiteTransport(site_url, verify=verify, retry=NO_RETRY))


__all__ = [
    "BackendClient",
    "ClientCertificate",
    "DevClient",
    "PublicClient",
    "RetryPolicy",
    "SiteTransport",
    "backend_client",
    "certificate_of",
    "connect_backend",
    "connect_dev",
    "connect_public",
]
