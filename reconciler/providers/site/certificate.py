"""The account's client certificate: a password-protected PKCS#12 file from the vendor.

Loaded with `cryptography` (modern, `-legacy` and SHA1-3DES files). Python's `ssl` reads a
certificate and key only from a path, so the unencrypted key is handed to it through an
anonymous in-memory file (`memfd`, Linux) that never touches a disk; elsewhere, through a
private temporary directory, with the key re-encrypted under a one-time password and deleted at
once.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import shutil
import ssl
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from reconciler.errors import CertificateError

MAX_BYTES = 64 * 1024
PrivateKey = Any  # one of cryptography's private key types


@dataclass(frozen=True)
class ClientCertificate:
    """A certificate with its private key. Shows its subject and thumbprint, never the key."""

    certificate: x509.Certificate
    key: PrivateKey = field(repr=False)
    chain: tuple[x509.Certificate, ...] = field(default=(), repr=False)
    source: str = ""

    @classmethod
    def load(cls, path: str | os.PathLike[str], password: str) -> ClientCertificate:
        """Load a PKCS#12 file; CertificateError saying what is wrong and what to do."""
        try:
            with open(path, "rb") as f:
                data = f.read(MAX_BYTES + 1)
        except OSError as e:
            raise CertificateError(
                f"cannot read the certificate file {path}: {e.strerror}",
                "check the certificate's file: path (relative to the YAML file that names it)",
            ) from None
        if len(data) > MAX_BYTES:
            raise CertificateError(
                f"the certificate file {path} is larger than {MAX_BYTES // 1024} KB",
                "point file: at the .p12/.pfx from the vendor's welcome e-mail",
            )
        return cls.from_pkcs12(data, password, source=str(path))

    @classmethod
    def from_pkcs12(cls, data: bytes, password: str, *, source: str = "") -> ClientCertificate:
        where = source or "the certificate"
        try:
            key, certificate, extra = pkcs12.load_key_and_certificates(
                data, password.encode("utf-8") if password else None
            )
        except ValueError:
            raise CertificateError(
                f"cannot open {where}: the password is wrong, or it is not a PKCS#12 file",
                "check the certificate's password: reference and that file: is the .p12/.pfx",
            ) from None
        if key is None or certificate is None:
            raise CertificateError(
                f"{where} holds no certificate with its private key",
                "use the .p12/.pfx from the vendor's welcome e-mail",
            )
        return cls(certificate, key, tuple(extra), source)

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def thumbprint(self) -> str:
        """SHA-1 of the DER certificate, upper-case hex: the vendor's (Windows) thumbprint."""
        return hashlib.sha1(self.der, usedforsecurity=False).hexdigest().upper()

    @property
    def subject(self) -> str:
        return self.certificate.subject.rfc4514_string()

    @property
    def not_before(self) -> datetime:
        return self.certificate.not_valid_before_utc

    @property
    def not_after(self) -> datetime:
        return self.certificate.not_valid_after_utc

    def days_left(self, now: datetime | None = None) -> float:
        """Days until it expires (negative once expired)."""
        moment = now or datetime.now(UTC)
        return (self.not_after - moment).total_seconds() / 86400

    def public_certificate(self) -> dict[str, Any]:
        """The vendor's PublicCertificate: what activation sends (never the key)."""
        return {
            "SerialNumber": f"{self.certificate.serial_number:X}",
            "Thumbprint": self.thumbprint,
            "Subject": self.subject,
            "EffectiveDate": self.not_before.isoformat(),
            "ExpirationDate": self.not_after.isoformat(),
            "RawData": base64.b64encode(self.der).decode("ascii"),
        }

    def ssl_context(self, ca_file: str | os.PathLike[str] | None = None) -> ssl.SSLContext:
        """A client TLS context presenting this certificate. The site's certificate is checked
        against `ca_file`, or the system's trust store (and SSL_CERT_FILE / SSL_CERT_DIR)."""
        context = trust_context(ca_file)
        pem = self._pem()
        if hasattr(os, "memfd_create"):
            _load_via_memfd(context, pem)
        else:  # pragma: no cover - not Linux
            self._load_via_private_file(context)
        return context

    def _pem(self) -> bytes:
        key = self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        chain = b"".join(
            c.public_bytes(serialization.Encoding.PEM) for c in (self.certificate, *self.chain)
        )
        return bytes(key) + chain

    def _load_via_private_file(self, context: ssl.SSLContext) -> None:  # pragma: no cover
        password = secrets.token_hex(32)
        key = self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(password.encode()),
        )
        chain = b"".join(
            c.public_bytes(serialization.Encoding.PEM) for c in (self.certificate, *self.chain)
        )
        directory = tempfile.mkdtemp(prefix="reconciler-cert-")  # mode 0700
        try:
            path = Path(directory) / "client.pem"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(bytes(key) + chain)
            context.load_cert_chain(path, password=password)
        finally:
            shutil.rmtree(directory, ignore_errors=True)


def trust_context(ca_file: str | os.PathLike[str] | None = None) -> ssl.SSLContext:
    """A client TLS context that checks the site's certificate (TLS 1.2 at least)."""
    context = ssl.create_default_context(cafile=os.fspath(ca_file) if ca_file else None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _load_via_memfd(context: ssl.SSLContext, pem: bytes) -> None:
    fd = os.memfd_create("reconciler-client-certificate", os.MFD_CLOEXEC)
    try:
        view = memoryview(pem)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        context.load_cert_chain(f"/proc/self/fd/{fd}")
    finally:
        os.close(fd)
