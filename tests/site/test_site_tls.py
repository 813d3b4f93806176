"""The site over TLS with client certificates: the handshake refuses certificates from another
CA and expired ones; the backend API refuses calls without a certificate and calls whose
certificate is not the activated one (its thumbprint reaches the app through the ASGI TLS
extension that reconciler.site.tls adds); the public API needs no certificate."""

from __future__ import annotations

import pytest
from support import FAST, P12_PASSWORD, NewAccount, People, Pki

from reconciler.errors import AccountKeyRejected, CertificateRejected, SiteRejected
from reconciler.providers.site import ClientCertificate, connect_backend
from reconciler.providers.site.models import BookingDTO
from reconciler.site.background import BackgroundSite


def certificate(pki: Pki, name: str) -> ClientCertificate:
    return ClientCertificate.load(getattr(pki, name), P12_PASSWORD)


def test_every_backend_call_works_over_tls(
    new_account: NewAccount, tls_site: BackgroundSite, pki: Pki, people: People
) -> None:
    account = new_account(tls_site)  # activated and seeded over TLS with the good certificate
    backend = account.backend
    assert backend.certificate_info().Thumbprint == certificate(pki, "good").thumbprint
    assert len(backend.free_time(account.database_id).Items) == 15
    account.settings(SkipConfirmation=True)
    public = account.public()  # no client certificate: patients have none
    slot = public.available_times(5)[0]
    booking = public.book(BookingDTO(Patient=people.patient(0), TimeSlot=slot))
    assert [e.BookingId for e in backend.events()] == [booking.booking_id]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("expired", "refused the client certificate: it has expired"),
        ("foreign", "refused the client certificate: it was not issued by the site's certificate"),
    ],
)
def test_handshake_refuses_expired_and_foreign_certificates(
    tls_site: BackgroundSite, pki: Pki, name: str, reason: str
) -> None:
    tls_site.store.register_account(
        "00000000-0000-4000-8000-0000000000" + {"expired": "01", "foreign": "02"}[name],
        f"tls-key-{name}-1234",
        f"tls-{name}",
    )
    with (
        connect_backend(
            tls_site.url, f"tls-key-{name}-1234", certificate(pki, name), ca_file=pki.ca, retry=FAST
        ) as backend,
        pytest.raises(CertificateRejected, match=reason) as refused,
    ):
        backend.account()
    assert "welcome e-mail" in str(refused.value)


def test_backend_calls_need_a_certificate(
    new_account: NewAccount, tls_site: BackgroundSite, pki: Pki
) -> None:
    account = new_account(tls_site, seeded=False)
    with (
        connect_backend(tls_site.url, account.key, None, ca_file=pki.ca, retry=FAST) as bare,
        pytest.raises(CertificateRejected, match="none was presented"),
    ):
        bare.databases()


def test_a_token_works_only_with_the_activated_certificate(
    new_account: NewAccount, tls_site: BackgroundSite, pki: Pki
) -> None:
    account = new_account(tls_site, seeded=False)
    token = account.backend.token()
    with connect_backend(
        tls_site.url, account.key, certificate(pki, "second"), ca_file=pki.ca, retry=FAST
    ) as other:
        other._token = token  # a token taken to another machine with another certificate
        with pytest.raises(CertificateRejected, match="not the one activated for the account"):
            other.databases()
        other._token = None
        with pytest.raises(CertificateRejected, match="not that of the certificate activated"):
            other.databases()


def test_activation_needs_the_certificate_in_hand(
    new_account: NewAccount, tls_site: BackgroundSite, pki: Pki
) -> None:
    account = new_account(tls_site, seeded=False, activate=False)
    with connect_backend(
        tls_site.url, account.key, certificate(pki, "second"), ca_file=pki.ca, retry=FAST
    ) as other:
        with pytest.raises(CertificateRejected, match="not the one this connection was made with"):
            other.activate(certificate(pki, "good"))
        assert other.activate().Thumbprint == certificate(pki, "second").thumbprint
        assert other.databases() == []


def test_wrong_account_key_over_tls(tls_site: BackgroundSite, pki: Pki) -> None:
    with (
        connect_backend(
            tls_site.url, "not-the-key-0000", certificate(pki, "good"), ca_file=pki.ca, retry=FAST
        ) as backend,
        pytest.raises(AccountKeyRejected, match="did not accept the account key"),
    ):
        backend.account()


def test_untrusted_site_certificate(tls_site: BackgroundSite, pki: Pki) -> None:
    with (
        connect_backend(
            tls_site.url, "any-key-00000", certificate(pki, "good"), retry=FAST
        ) as backend,
        pytest.raises(SiteRejected, match="certificate this machine does not trust"),
    ):
        backend.account()
