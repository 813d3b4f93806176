"""The client certificate: PKCS#12 files (modern and legacy), wrong passwords and wrong files
with clear errors, the vendor's thumbprint, and an SSL context built without the key ever
touching the disk."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from support import BASE, WriteConfig

from reconciler.config import load_config
from reconciler.errors import CertificateError
from reconciler.providers.site import backend_client, certificate_of
from reconciler.providers.site.certificate import ClientCertificate
from reconciler.site.pki import CertificateAuthority

PASSWORD = "Sertifikat-passord-1"


@pytest.fixture(scope="module")
def authority() -> CertificateAuthority:
    return CertificateAuthority.create("Client test CA")


@pytest.fixture
def p12(tmp_path: Path, authority: CertificateAuthority) -> Path:
    path = tmp_path / "client.p12"
    path.write_bytes(authority.client_p12("Storgata Tannlegesenter", PASSWORD))
    return path


def test_loads_and_names_the_certificate(p12: Path) -> None:
    certificate = ClientCertificate.load(p12, PASSWORD)
    assert certificate.subject == "CN=Storgata Tannlegesenter"
    assert certificate.thumbprint == hashlib.sha1(certificate.der).hexdigest().upper()
    assert 364 < certificate.days_left() <= 365
    public = certificate.public_certificate()
    assert public["Thumbprint"] == certificate.thumbprint
    assert "PRIVATE" not in repr(certificate) and "key" not in repr(certificate).lower()


def test_loads_a_legacy_sha1_3des_file(tmp_path: Path, authority: CertificateAuthority) -> None:
    modern = ClientCertificate.from_pkcs12(authority.client_p12("legacy", PASSWORD), PASSWORD)
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(2048)
        .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
        .hmac_hash(hashes.SHA1())
        .build(PASSWORD.encode())
    )
    data = pkcs12.serialize_key_and_certificates(
        b"legacy", modern.key, modern.certificate, None, encryption
    )
    assert ClientCertificate.from_pkcs12(data, PASSWORD).thumbprint == modern.thumbprint


def test_wrong_password_and_wrong_files_say_what_to_do(p12: Path, tmp_path: Path) -> None:
    with pytest.raises(CertificateError, match="the password is wrong") as wrong:
        ClientCertificate.load(p12, "not-the-password")
    assert "not-the-password" not in str(wrong.value)
    assert "password: reference" in str(wrong.value)
    text = tmp_path / "notes.p12"
    text.write_text("hello")
    with pytest.raises(CertificateError, match="not a PKCS#12 file"):
        ClientCertificate.load(text, PASSWORD)
    with pytest.raises(CertificateError, match="cannot read the certificate file"):
        ClientCertificate.load(tmp_path / "missing.p12", PASSWORD)
    big = tmp_path / "big.p12"
    big.write_bytes(b"0" * (70 * 1024))
    with pytest.raises(CertificateError, match="larger than 64 KB"):
        ClientCertificate.load(big, PASSWORD)


def _files_under(directory: str) -> set[str]:
    return {str(p) for p in Path(directory).rglob("*")}


def _open_memfds() -> list[str]:
    targets = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            targets.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:  # the listing's own descriptor, closed already
            continue
    return [t for t in targets if t.startswith("/memfd:reconciler")]


def test_ssl_context_leaves_nothing_on_disk_and_no_open_file(
    p12: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a temporary directory and a working directory of its own: the session's browser
    writes its profile into the shared one at moments of its choosing."""
    for own in ("tmp", "cwd"):
        (tmp_path / own).mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    monkeypatch.chdir(tmp_path / "cwd")
    certificate = ClientCertificate.load(p12, PASSWORD)
    before = _files_under(tempfile.gettempdir()) | _files_under(os.getcwd())
    context = certificate.ssl_context()
    assert context.verify_mode.name == "CERT_REQUIRED"
    assert _open_memfds() == []  # the in-memory file is closed (and so gone)
    assert (_files_under(tempfile.gettempdir()) | _files_under(os.getcwd())) == before


def test_certificate_of_a_configured_account(write_config: WriteConfig, p12: Path) -> None:
    config = BASE.replace(
        "    subdomain: testklinikken\n",
        "    subdomain: testklinikken\n"
        "    site_url: https://127.0.0.1:9\n"
        "    certificates:\n"
        "      main:\n"
        "        file: certs/client.p12\n"
        "        password: ${file:secrets/pw}\n",
    )
    directory = write_config(config, secrets__pw=PASSWORD + "\n")
    (directory / "certs").mkdir()
    (directory / "certs" / "client.p12").write_bytes(p12.read_bytes())
    account = load_config(directory).config.accounts["clinic"]
    certificate = certificate_of(account)
    assert certificate is not None and certificate.subject == "CN=Storgata Tannlegesenter"
    with backend_client(account) as client:
        assert client.transport.base_url == "https://127.0.0.1:9"
        assert client.certificate is not None
        assert "key" not in repr(client).lower()
