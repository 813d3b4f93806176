"""`reconciler site serve` in a real process: it listens, serves, survives nothing it should
not, stops cleanly on Ctrl-C, and refuses bad options with one clear line and exit 1."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from support import FAST, P12_PASSWORD, Pki

from reconciler.providers.site import ClientCertificate, connect_backend
from reconciler.site.server import TlsFiles
from reconciler.site.store.database import register_account

# `reconciler` with the site command group registered (as reconciler/cli registers it).
RUN = (
    "import sys; from reconciler.cli import cli, main; "
    "from reconciler.cli.site_commands import site_group; "
    "cli.add_command(site_group); sys.exit(main(sys.argv[1:]))"
)


@contextmanager
def serving(*args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """Start `reconciler site serve ARGS` and wait (by reading its log) until it listens."""
    process = subprocess.Popen(
        [sys.executable, "-c", RUN, "site", "serve", *args],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert process.stderr is not None
    url = ""
    try:
        for line in process.stderr:
            if "booking site listening on " in line:
                url = line.rsplit(" ", 1)[1].strip()
                break
        assert url, "the site did not start"
        yield process, url
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        process.wait(30)
        process.stderr.close()


def test_serve_plain_then_stop_with_ctrl_c(tmp_path: Path) -> None:
    data = tmp_path / "site.db"
    register_account(data, str(uuid.uuid4()), "cli-account-key", "cli")
    with serving("--data", str(data), "--port", "0", "--dev") as (process, url):
        assert url.startswith("http://127.0.0.1:")
        with connect_backend(url, "cli-account-key", retry=FAST) as backend:
            assert backend.account().SubdomainName == "cli"
        process.send_signal(signal.SIGINT)
        assert process.wait(30) == 0


def test_serve_with_tls(tmp_path: Path, pki: Pki, pki_files: tuple[Pki, TlsFiles]) -> None:
    tls = pki_files[1]
    data = tmp_path / "site.db"
    register_account(data, str(uuid.uuid4()), "cli-account-key", "cli")
    certificate = ClientCertificate.load(pki.good, P12_PASSWORD)
    options = [
        "--tls-cert",
        str(tls.certificate),
        "--tls-key",
        str(tls.key),
        "--client-ca",
        str(tls.client_ca),
    ]
    with serving("--data", str(data), "--port", "0", *options) as (_, url):
        assert url.startswith("https://")
        with connect_backend(
            url, "cli-account-key", certificate, ca_file=pki.ca, retry=FAST
        ) as backend:
            assert backend.activate().Thumbprint == certificate.thumbprint


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", RUN, "site", "serve", *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_tls_options_go_together(tmp_path: Path, pki_files: tuple[Pki, TlsFiles]) -> None:
    result = run("--data", str(tmp_path / "s.db"), "--tls-cert", str(pki_files[1].certificate))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: --tls-cert, --tls-key and --client-ca go together — "
        "give all three for https, or none for plain http"
    )


def test_a_taken_port_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("--data", str(tmp_path / "s.db"), "--port", str(port))
    assert result.returncode == 1
    assert f"error: the booking site could not listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_tls_files_that_are_not_pem(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    result = run(
        "--data",
        str(tmp_path / "s.db"),
        "--tls-cert",
        str(junk),
        "--tls-key",
        str(junk),
        "--client-ca",
        str(junk),
    )
    assert result.returncode == 1
    assert "error: cannot use the TLS files" in result.stderr
    assert "Traceback" not in result.stderr
