"""The client's transport against a scripted HTTP server on a loopback port: retries with
back-off (the pauses are recorded, not slept), one idempotency key across the retries of a
write, no retry where a retry cannot help, timeouts, and every failure mapped to an error
that says what to do."""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from reconciler.domain.secrets import Secret
from reconciler.errors import (
    AccountKeyRejected,
    CertificateRejected,
    SiteConflict,
    SiteRateLimited,
    SiteRejected,
    SiteUnavailable,
)
from reconciler.providers.site import RetryPolicy, SiteTransport

DELAYS = (0.25, 0.5, 1.0)


@dataclass
class Script:
    """What the server answers, in order (the last answer repeats), and what it received."""

    answers: list[tuple[int, dict[str, Any] | None]] = field(default_factory=list)
    received: list[dict[str, Any]] = field(default_factory=list)
    hold: threading.Event | None = None  # when set, requests wait for it
    headers: dict[str, str] = field(default_factory=dict)  # sent with every answer

    def next(self) -> tuple[int, dict[str, Any] | None]:
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def _handler(script: Script) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            script.received.append(
                {
                    "method": self.command,
                    "path": self.path,
                    "headers": dict(self.headers),
                    "body": body,
                }
            )
            if script.hold is not None:
                script.hold.wait(30)
            status, document = script.next()
            payload = json.dumps(document if document is not None else {"ok": True}).encode()
            self.send_response(status)
            kind = "application/problem+json" if status >= 400 else "application/json"
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in script.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timed out) is expected here, not worth a traceback."""


@pytest.fixture
def scripted() -> Iterator[tuple[Script, str]]:
    script = Script()
    server = _QuietServer(("127.0.0.1", 0), _handler(script))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield script, f"http://127.0.0.1:{server.server_address[1]}"
    if script.hold is not None:
        script.hold.set()
    server.shutdown()
    server.server_close()


def transport(url: str, pauses: list[float], **options: Any) -> SiteTransport:
    return SiteTransport(url, retry=RetryPolicy(DELAYS, jitter=0), sleep=pauses.append, **options)


def problem(
    status: int, code: str, detail: str, hint: str = "", **extra: Any
) -> tuple[int, dict[str, Any]]:
    return status, {
        "type": f"https://x/{code}",
        "title": "t",
        "status": status,
        "code": code,
        "detail": detail,
        "hint": hint,
        **extra,
    }


def test_5xx_is_retried_with_back_off_and_one_idempotency_key(scripted: tuple[Script, str]) -> None:
    script, url = scripted
    script.answers = [
        problem(503, "busy", "busy"),
        problem(502, "gateway", "gateway"),
        (200, {"done": 1}),
    ]
    pauses: list[float] = []
    with transport(url, pauses) as site:
        response = site.request("POST", "/api/backend/v1/events/ack", json_body={"Cursor": "1"})
    assert response.json() == {"done": 1}
    assert pauses == [0.25, 0.5]
    keys = {r["headers"]["Idempotency-Key"] for r in script.received}
    assert len(script.received) == 3 and len(keys) == 1
    assert json.loads(script.received[0]["body"]) == {"Cursor": "1"}


def test_reads_carry_no_idempotency_key(scripted: tuple[Script, str]) -> None:
    script, url = scripted
    script.answers = [(200, [])]
    with transport(url, []) as site:
        site.request("GET", "/x")
    assert "Idempotency-Key" not in script.received[0]["headers"]


def test_persistent_5xx_gives_up_after_the_policy(scripted: tuple[Script, str]) -> None:
    script, url = scripted
    script.answers = [problem(500, "internal-error", "the site failed", "try again later")]
    pauses: list[float] = []
    with (
        transport(url, pauses) as site,
        pytest.raises(SiteUnavailable, match="failed: the site failed — try again later"),
    ):
        site.request("GET", "/x")
    assert len(script.received) == 4 and pauses == list(DELAYS)


def test_maintenance_is_not_retried(scripted: tuple[Script, str]) -> None:
    script, url = scripted
    script.answers = [problem(503, "maintenance-mode", "Stengt til 10:00", "try again later")]
    pauses: list[float] = []
    with transport(url, pauses) as site, pytest.raises(SiteUnavailable, match="Stengt til 10:00"):
        site.request("GET", "/api/public/v1/clinics")
    assert len(script.received) == 1 and pauses == []


@pytest.mark.parametrize(
    ("answer", "error", "message"),
    [
        (
            problem(401, "account-key-rejected", "the account key was not accepted"),
            AccountKeyRejected,
            "did not accept the account key — check accounts.<name>.key",
        ),
        (
            problem(401, "token-expired", "the backend token has expired", "get a new one"),
            AccountKeyRejected,
            "the backend token has expired — get a new one",
        ),
        (
            problem(403, "certificate-mismatch", "not the activated certificate", "activate it"),
            CertificateRejected,
            "refused the client certificate: not the activated certificate — activate it",
        ),
        (
            problem(409, "time-taken", "someone else has this time", "choose another time"),
            SiteConflict,
            "someone else has this time — choose another time",
        ),
        (
            problem(412, "stale-row-version", "changed since", "read again"),
            SiteConflict,
            "changed since",
        ),
        (
            problem(
                422,
                "invalid-patient",
                "x",
                "fix",
                errors=[{"field": "body.Patient.Email", "message": "not an e-mail address"}],
            ),
            SiteRejected,
            "body.Patient.Email: not an e-mail address — fix",
        ),
        ((404, {"nothing": "problem-shaped"}), SiteRejected, "refused the request: Not Found"),
    ],
)
def test_refusals_become_errors_that_say_what_to_do(
    scripted: tuple[Script, str],
    answer: tuple[int, dict[str, Any]],
    error: type[Exception],
    message: str,
) -> None:
    script, url = scripted
    script.answers = [answer]
    with transport(url, []) as site, pytest.raises(error, match=re.escape(message)):
        site.request("POST", "/x", json_body={})
    assert len(script.received) == 1  # a refusal is not retried


@pytest.mark.parametrize(
    ("retry_after", "expected", "when"),
    [
        ("720", 720, "try again in 12 minutes (the site's Retry-After)"),
        ("30", 30, "try again in 30 seconds (the site's Retry-After)"),
        (
            "Wed, 02 Dec 2026 14:05:00 GMT",
            "Wed, 02 Dec 2026 14:05:00 GMT",
            "try again after Wed, 02 Dec 2026 14:05:00 GMT",
        ),
        (None, None, "wait a minute"),
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_429_says_when_to_retry_and_is_not_retried(
    scripted: tuple[Script, str],
    method: str,
    retry_after: str | None,
    expected: int | str | None,
    when: str,
) -> None:
    script, url = scripted
    script.answers = [
        problem(429, "rate-limited", "too many codes for this patient", "wait a minute")
    ]
    if retry_after is not None:
        script.headers = {"Retry-After": retry_after}
    pauses: list[float] = []
    with transport(url, pauses) as site, pytest.raises(SiteRateLimited) as limited:
        site.request(method, "/x", json_body={} if method == "POST" else None)
    error = limited.value
    assert isinstance(error, SiteRejected) and error.status == 429
    assert error.retry_after == expected and error.code == "rate-limited"
    assert "refused the request: too many codes for this patient" in str(error)
    assert when in str(error) and "not retried" in str(error)
    assert len(script.received) == 1 and pauses == []


def test_a_retry_waits_at_least_the_sites_retry_after_up_to_a_cap(
    scripted: tuple[Script, str],
) -> None:
    script, url = scripted
    script.answers = [problem(503, "busy", "busy"), problem(503, "busy", "busy"), (200, {})]
    script.headers = {"Retry-After": "3"}
    pauses: list[float] = []
    with transport(url, pauses) as site:
        site.request("GET", "/x")
    assert pauses == [3.0, 3.0]  # longer than the policy's 0.25 and 0.5
    script.answers = [problem(503, "busy", "busy"), (200, {})]
    script.headers = {"Retry-After": "3600"}
    pauses.clear()
    with transport(url, pauses) as site:
        site.request("GET", "/x")
    assert pauses == [30.0]  # never an hour inside one call


def test_pauses_are_spread_at_random_within_the_jitter() -> None:
    policy = RetryPolicy((1.0, 2.0), jitter=0.25)
    first = {policy.pause(1) for _ in range(200)}
    assert all(0.75 <= p <= 1.25 for p in first) and len(first) > 100
    assert all(1.5 <= policy.pause(2) <= 2.5 for _ in range(200))
    assert RetryPolicy((1.0,), jitter=0).pause(1, asked=0.5) == 1.0


def test_a_rate_limit_carries_its_wait_in_seconds(scripted: tuple[Script, str]) -> None:
    script, url = scripted
    script.answers = [problem(429, "rate-limited", "slow down")]
    script.headers = {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}  # in the past
    with transport(url, []) as site, pytest.raises(SiteRateLimited) as limited:
        site.request("GET", "/x")
    assert limited.value.retryable and limited.value.delay == 0.0
    script.headers = {"Retry-After": "120"}
    with transport(url, []) as site, pytest.raises(SiteRateLimited) as limited:
        site.request("GET", "/x")
    assert limited.value.delay == 120.0


def test_nothing_listening_is_unreachable_after_retries() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    pauses: list[float] = []
    with (
        transport(f"http://127.0.0.1:{port}", pauses) as site,
        pytest.raises(SiteUnavailable, match="cannot be reached") as failed,
    ):
        site.request("GET", "/x")
    assert pauses == list(DELAYS)
    assert "check site_url and the network" in str(failed.value)


def test_a_silent_site_times_out(scripted: tuple[Script, str]) -> None:
    script, url = scripted
    script.answers = [(200, {})]
    script.hold = threading.Event()
    with (
        transport(url, [], timeout=httpx.Timeout(0.2)) as site,
        pytest.raises(SiteUnavailable, match="did not answer in time"),
    ):
        site.request("GET", "/x")
    script.hold.set()
    assert len(script.received) == 4


def test_national_ids_in_urls_are_masked_in_httpx_logs(
    scripted: tuple[Script, str], caplog: pytest.LogCaptureFixture
) -> None:
    script, url = scripted
    script.answers = [(200, [])]
    with caplog.at_level(logging.INFO, logger="httpx"), transport(url, []) as site:
        site.request(
            "GET",
            "/api/public/v1/patients/02013299997/bookings",
            params={"request.requestedByPersonalIdentification": "30108299920"},
        )
    assert "HTTP Request" in caplog.text
    assert "02013299997" not in caplog.text and "30108299920" not in caplog.text


def test_a_header_http_refuses_is_reported_without_its_value(
    scripted: tuple[Script, str],
) -> None:
    script, url = scripted
    script.answers = [(200, {})]
    secret = Secret.given("visible-key")
    with transport(url, []) as site, pytest.raises(SiteRejected) as info:
        site.request("GET", "/x", headers={"apiKey": secret, "X-Other": "visible-value\n"})
    assert "visible" not in str(info.value)
    with transport(url, []) as site, pytest.raises(SiteRejected) as info:
        site.request("GET", "/x", headers={"apiKey": Secret.given("visible-nøkkel")})
    assert "visible" not in str(info.value)
    assert "a header holds a character HTTP does not allow" in str(info.value)
    assert script.received == []


def test_a_secret_header_is_sent_revealed(scripted: tuple[Script, str]) -> None:
    script, url = scripted
    script.answers = [(200, {})]
    with transport(url, []) as site:
        site.request("GET", "/x", headers={"apiKey": Secret.given("sent-as-is")})
    assert script.received[0]["headers"]["apiKey"] == "sent-as-is"
