"""The sync service as a process: it runs until SIGTERM and then stops cleanly (offline at
the site, the lease released), serves its status port, and stops at once on a fault that
will not pass."""

from __future__ import annotations

import signal
import subprocess
import time
import urllib.request
from datetime import datetime, timedelta

import pytest
from sync_support import RECONCILER, Clinic

from reconciler.config import load_config
from reconciler.demo.address import free_port
from reconciler.sync.service import Health, Service, Settings
from reconciler.sync.status import metrics, serve_status


def test_sigterm_stops_cleanly_and_the_status_port_answers(clinic: Clinic) -> None:
    port = free_port()
    process = subprocess.Popen(
        [RECONCILER, "sync", str(clinic.config), "--interval", "0.2", "--status-port", str(port)],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        healthy = False
        while time.monotonic() < deadline and not healthy:
            time.sleep(0.2)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz") as answer:
                    healthy = answer.status == 200
            except OSError:
                continue
        assert healthy, "the status port never said healthy"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics") as answer:
            text = answer.read().decode()
        assert "reconciler_sync_up 1" in text and "reconciler_sync_lease_held 1" in text
        assert 'reconciler_sync_total{what="added"}' in text
        assert clinic.sql("SELECT count(*) FROM rc_sync_lease") == [(1,)]
        process.send_signal(signal.SIGTERM)
        _, log = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, log
    assert "sync demo: stopped" in log
    assert clinic.sql("SELECT count(*) FROM rc_sync_lease") == [(0,)]  # released
    for line in log.splitlines():  # one line each, no personal data
        assert "Kari" not in line and "+47" not in line


def test_a_refused_key_stops_the_service_with_the_reason(clinic: Clinic) -> None:
    clinic.sync()
    key = clinic.config / "secrets" / "account-key"
    key.write_text("a-key-the-site-does-not-know\n")
    result = clinic.cli("sync", clinic.config, "--once")
    assert result.code == 1
    assert "sync does not start: account:" in result.err
    assert "a-key-the-site-does-not-know" not in result.err


def test_faults_that_may_pass_back_off_with_jitter(clinic: Clinic) -> None:
    service = Service(
        load_config(clinic.config),
        settings=Settings(interval=timedelta(seconds=10), max_backoff=timedelta(seconds=60)),
        wait=lambda _: True,
        log=lambda _: None,
        jitter=lambda: 0.5,
    )
    assert [service._pause(n) for n in range(5)] == [10, 20, 40, 60, 60]


def test_metrics_say_what_the_cycles_did() -> None:
    now = datetime(2026, 12, 7, 9, 0)
    health = Health(last_success=now - timedelta(seconds=5), cycles=3, lease_held=True)
    health.totals = {"added": 4, "events": 1}
    health.errors = {"SiteUnavailable": 2}
    text = metrics(health, now, interval=30)
    assert "reconciler_sync_up 1" in text
    assert 'reconciler_sync_errors_total{kind="SiteUnavailable"} 2' in text
    stale = metrics(health, now + timedelta(minutes=5), interval=30)
    assert "reconciler_sync_up 0" in stale


@pytest.mark.parametrize("path", ["/nope", "/healthz"])
def test_the_status_port_answers_only_what_it_knows(path: str) -> None:
    status = serve_status(Health(), 0, 30)
    try:
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(f"http://127.0.0.1:{status.port}{path}")
        assert info.value.code == (404 if path == "/nope" else 503)
        info.value.close()
    finally:
        status.close()
