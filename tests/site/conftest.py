"""Fixtures for the reference booking site: a private PKI, the site under uvicorn on a loopback
port (plain with the dev API, and TLS with client certificates), a clock the tests can move,
and isolated accounts seeded through the real client."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import (
    FAST,
    P12_PASSWORD,
    MovableClock,
    NewAccount,
    People,
    Pki,
    SiteAccount,
    seed,
)

from reconciler.domain import national_id
from reconciler.providers.site import ClientCertificate, connect_backend
from reconciler.site.background import BackgroundSite
from reconciler.site.pki import CertificateAuthority
from reconciler.site.server import TlsFiles


@pytest.fixture(scope="session")
def pki_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Pki, TlsFiles]:
    directory = tmp_path_factory.mktemp("pki")
    authority = CertificateAuthority.create("Test booking-site CA")
    tls = authority.write_server(directory)
    now = dt.datetime.now(dt.UTC)
    p12 = {
        "good": authority.client_p12("client good", P12_PASSWORD),
        "second": authority.client_p12("client second", P12_PASSWORD),
        "expired": authority.client_p12(
            "client expired",
            P12_PASSWORD,
            valid=(now - dt.timedelta(days=60), now - dt.timedelta(days=1)),
        ),
        "foreign": CertificateAuthority.create("Another CA").client_p12(
            "client foreign", P12_PASSWORD
        ),
    }
    paths: dict[str, Path] = {}
    for name, data in p12.items():
        paths[name] = directory / f"{name}.p12"
        paths[name].write_bytes(data)
    return Pki(ca=tls.client_ca, **paths), tls


@pytest.fixture(scope="session")
def pki(pki_files: tuple[Pki, TlsFiles]) -> Pki:
    return pki_files[0]


@pytest.fixture(scope="session")
def site_clock() -> MovableClock:
    return MovableClock()


@pytest.fixture(scope="session")
def site(
    tmp_path_factory: pytest.TempPathFactory, site_clock: MovableClock
) -> Iterator[BackgroundSite]:
    """The plain-HTTP site with the dev API, shared by the session's tests."""
    path = tmp_path_factory.mktemp("site") / "site.db"
    with BackgroundSite(path, dev=True, clock=site_clock) as running:
        yield running


@pytest.fixture(scope="session")
def tls_site(
    tmp_path_factory: pytest.TempPathFactory, pki_files: tuple[Pki, TlsFiles]
) -> Iterator[BackgroundSite]:
    """The site over TLS, taking client certificates issued by the test CA."""
    path = tmp_path_factory.mktemp("tls-site") / "site.db"
    with BackgroundSite(path, dev=True, tls=pki_files[1]) as running:
        yield running


@pytest.fixture
def clock(site_clock: MovableClock) -> Iterator[MovableClock]:
    """The plain site's clock; moved back to real time after the test."""
    yield site_clock
    site_clock.offset = dt.timedelta()


@pytest.fixture(scope="session")
def people() -> People:
    rng = random.Random(20260302)
    ids = tuple(
        national_id.synthetic(dt.date(1950 + n, 1 + n % 12, 1 + n % 28), rng) for n in range(40)
    )
    return People(ids)


def load(pki: Pki, name: str) -> ClientCertificate:
    return ClientCertificate.load(getattr(pki, name), P12_PASSWORD)


@pytest.fixture
def new_account(site: BackgroundSite, pki: Pki) -> Iterator[NewAccount]:
    """Register a fresh account on a site (the plain one by default), activate its
    certificate and seed it; accounts are isolated from each other."""
    made: list[SiteAccount] = []

    def make(
        on: BackgroundSite | None = None,
        *,
        seeded: bool = True,
        certificate: str = "good",
        activate: bool = True,
    ) -> SiteAccount:
        running = on or site
        account_id = str(uuid.uuid4())
        key = f"key-{uuid.uuid4().hex}"
        subdomain = f"klinikk-{uuid.uuid4().hex[:12]}"
        running.store.register_account(account_id, key, subdomain)
        ca = running.tls.client_ca if running.tls else None
        backend = connect_backend(running.url, key, load(pki, certificate), ca_file=ca, retry=FAST)
        account = SiteAccount(account_id, key, subdomain, running, backend, uuid.uuid4())
        made.append(account)
        if activate:
            backend.activate()
        if seeded:
            seed(backend, account.database_id)
        return account

    yield make
    for account in made:
        account.close()


@pytest.fixture
def account(new_account: NewAccount) -> SiteAccount:
    return new_account()
