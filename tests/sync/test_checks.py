"""doctor: three statuses, one line each, against a real booking site and database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import RunCli, served

from reconciler.demo.address import free_site_url
from reconciler.demo.workspace import Workspace, init
from reconciler.site.background import BackgroundSite
from reconciler.site.pki import CertificateAuthority


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return init(tmp_path / "demo", site_url=free_site_url())


@pytest.fixture
def site(workspace: Workspace) -> Iterator[BackgroundSite]:
    running = served(workspace)
    yield running
    running.stop()


def with_certificate(workspace: Workspace, valid: tuple[dt.datetime, dt.datetime]) -> None:
    """Replace the demo's client certificate with one valid only `valid`."""
    password = (workspace.config.parent / "secrets" / "certificate-password").read_text().strip()
    authority = CertificateAuthority.create("Doctor test CA")
    p12 = workspace.config.parent / "certs" / "demo.p12"
    p12.write_bytes(authority.client_p12("doctor", password, valid=valid))


def test_all_ok_with_the_site_up(cli: RunCli, workspace: Workspace, site: BackgroundSite) -> None:
    result = cli("doctor", workspace.config.parent)
    assert result.code == 0, result.out
    assert result.out == "database: OK\ncertificate: OK\naccount: OK\n"
    assert result.err == ""


def test_the_site_down(cli: RunCli, tmp_path: Path) -> None:
    workspace = init(tmp_path / "down", site_url="http://127.0.0.1:1")
    result = cli("doctor", workspace.config.parent)
    assert result.code == 1
    lines = result.out.splitlines()
    assert lines[:2] == ["database: OK", "certificate: OK"]
    assert lines[2].startswith("account: FAIL the booking site at 127.0.0.1:1 cannot be reached")


def test_a_wrong_key_and_a_missing_database(
    cli: RunCli, workspace: Workspace, site: BackgroundSite
) -> None:
    (workspace.config.parent / "secrets" / "account-key").write_text("not-the-key\n")
    workspace.database.unlink()
    result = cli("doctor", workspace.config.parent)
    assert result.code == 1
    database, certificate, account = result.out.splitlines()
    assert database.startswith("database: FAIL database 'opus': the SQLite file")
    assert certificate == "certificate: OK"
    assert account.startswith("account: FAIL") and "account key" in account
    assert "not-the-key" not in result.out + result.err


def test_certificates_expired_and_expiring(
    cli: RunCli, workspace: Workspace, site: BackgroundSite
) -> None:
    now = dt.datetime.now(dt.UTC)
    with_certificate(workspace, (now - dt.timedelta(days=400), now - dt.timedelta(days=2)))
    expired = cli("doctor", workspace.config.parent)
    assert expired.code == 1
    assert "certificate: FAIL expired on" in expired.out
    soon = init(workspace.directory.parent / "soon", site_url=site.url)
    with_certificate(soon, (now - dt.timedelta(days=300), now + dt.timedelta(days=12)))
    expiring = cli("doctor", soon.config.parent)
    assert "certificate: OK" in expiring.out
    assert "warning: certificate: the certificate expires in 11 days" in expiring.err or (
        "expires in 12 days" in expiring.err
    )
