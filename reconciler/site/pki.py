"""A private certificate authority for running the reference site with TLS on one machine
(demo, tests): a CA, the site's server certificate, and clients' password-protected PKCS#12
certificates like the ones the vendor sends. Not for production use.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from reconciler.site.server import TlsFiles


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@dataclass(frozen=True)
class CertificateAuthority:
    name: str
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @classmethod
    def create(cls, name: str = "Reference booking site CA") -> CertificateAuthority:
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(_name(name))
            .issuer_name(_name(name))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .sign(key, hashes.SHA256())
        )
        return cls(name, certificate, key)

    def _issue(
        self,
        subject: str,
        usage: x509.ObjectIdentifier,
        valid: tuple[dt.datetime, dt.datetime] | None,
        names: list[x509.GeneralName] | None = None,
    ) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        start, end = valid or (now - dt.timedelta(days=1), now + dt.timedelta(days=365))
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(subject))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        )
        if names:
            builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        return builder.sign(self.key, hashes.SHA256()), key

    def write_server(
        self, directory: Path, hosts: tuple[str, ...] = ("127.0.0.1", "localhost")
    ) -> TlsFiles:
        """The site's certificate for `hosts`, its key and this CA (as the client CA), as PEM
        files in `directory`."""
        names: list[x509.GeneralName] = []
        for host in hosts:
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                names.append(x509.DNSName(host))
        certificate, key = self._issue(hosts[0], ExtendedKeyUsageOID.SERVER_AUTH, None, names)
        directory.mkdir(parents=True, exist_ok=True)
        files = TlsFiles(directory / "server.pem", directory / "server.key", directory / "ca.pem")
        files.certificate.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        files.key.write_bytes(_pem(key))
        files.key.chmod(0o600)
        files.client_ca.write_bytes(self.certificate.public_bytes(serialization.Encoding.PEM))
        return files

    def client_p12(
        self,
        subject: str,
        password: str,
        *,
        valid: tuple[dt.datetime, dt.datetime] | None = None,
    ) -> bytes:
        """A client certificate with its key as password-protected PKCS#12 (like the vendor's)."""
        certificate, key = self._issue(subject, ExtendedKeyUsageOID.CLIENT_AUTH, valid)
        return pkcs12.serialize_key_and_certificates(
            subject.encode(),
            key,
            certificate,
            None,
            serialization.BestAvailableEncryption(password.encode()),
        )
