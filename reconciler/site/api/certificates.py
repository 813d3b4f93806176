"""Client certificates as the site sees them: parsed from an activation request or from the
TLS connection, and compared by thumbprint.

The thumbprint is the vendor's (Windows) one: SHA-1 of the DER certificate, upper-case hex. It
names a certificate; the site also keeps the SHA-256, which is what it compares.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from reconciler.site.api.problems import HttpProblem


@dataclass(frozen=True)
class CertificateInfo:
    thumbprint: str
    sha256: str
    serial_number: str
    subject: str
    effective_date: datetime  # UTC
    expiration_date: datetime  # UTC
    raw_data: bytes

    def expired(self, now_utc: datetime) -> bool:
        return not (self.effective_date <= now_utc <= self.expiration_date)


def thumbprint(der: bytes) -> str:
    return hashlib.sha1(der, usedforsecurity=False).hexdigest().upper()


def inspect(der: bytes) -> CertificateInfo:
    """The facts of a DER certificate; a HttpProblem (400) if it is not one."""
    try:
        certificate = x509.load_der_x509_certificate(der)
    except ValueError:
        raise HttpProblem(
            400,
            "invalid-certificate",
            "Certificate.RawData is not a DER-encoded X.509 certificate",
            "send the public certificate's DER bytes, base64-encoded",
        ) from None
    return CertificateInfo(
        thumbprint=thumbprint(der),
        sha256=hashlib.sha256(der).hexdigest(),
        serial_number=f"{certificate.serial_number:X}",
        subject=certificate.subject.rfc4514_string(),
        effective_date=certificate.not_valid_before_utc,
        expiration_date=certificate.not_valid_after_utc,
        raw_data=der,
    )


def from_base64(raw: str) -> CertificateInfo:
    try:
        der = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise HttpProblem(
            400,
            "invalid-certificate",
            "Certificate.RawData is not base64",
            "send the public certificate's DER bytes, base64-encoded",
        ) from None
    return inspect(der)


def peer_certificate(scope: Mapping[str, Any]) -> CertificateInfo | None:
    """The client certificate of this connection, from the ASGI TLS extension
    (`scope["extensions"]["tls"]["client_cert_chain"]`, PEM), or None on plain HTTP."""
    tls = (scope.get("extensions") or {}).get("tls")
    if not tls:
        return None
    chain = tls.get("client_cert_chain") or []
    if not chain:
        return None
    certificate = x509.load_pem_x509_certificate(chain[0].encode("ascii"))
    return inspect(certificate.public_bytes(serialization.Encoding.DER))


def utc_now() -> datetime:
    return datetime.now(UTC)
