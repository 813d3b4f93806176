"""HTTP to the booking site: timeouts, retries with back-off, idempotency keys, and failures
turned into errors that say what to do.

- Every write (POST, PUT, PATCH, DELETE) carries an `Idempotency-Key`, the same on each retry,
  so a retried write is recognised instead of done twice.
- Retried, with the delays of `RetryPolicy` (each spread at random, so that many clients do
  not come back at once, and never shorter than a Retry-After the site sent, up to a cap):
  connection errors and timeouts, and 500, 502, 503 and 504 (but not a site in maintenance
  mode, which is a state, not a hiccup).
- Never retried: TLS refusals, which say something about the certificate, and 4xx — a 429
  (rate limited) included: it becomes SiteRateLimited, whose message says when to try again
  (from Retry-After).
"""

from __future__ import annotations

import json
import logging
import random
import re
import ssl
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from reconciler.domain.secrets import Secret, redact
from reconciler.errors import (
    AccountKeyRejected,
    CertificateRejected,
    SiteConflict,
    SiteError,
    SiteRateLimited,
    SiteRejected,
    SiteUnavailable,
)

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
RETRY_STATUSES = frozenset({500, 502, 503, 504})
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and after what pauses (seconds) a failed call is tried again."""

    delays: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0)
    jitter: float = 0.25  # each pause stretched or shrunk by up to this share, at random
    longest: float = 30.0  # the most a site's Retry-After may make one pause

    @property
    def attempts(self) -> int:
        return len(self.delays) + 1

    def pause(self, attempt: int, asked: float | None = None) -> float:
        """The pause before try `attempt` (from 1), at least what the site `asked` for."""
        base = self.delays[attempt - 1] * (1 + self.jitter * (2 * random.random() - 1))
        return max(base, min(asked, self.longest)) if asked else base


NO_RETRY = RetryPolicy(delays=())

# TLS alerts the site sends about the client certificate, and what they mean to the user.
_CERTIFICATE_ALERTS = {
    "CERTIFICATE_EXPIRED": "it has expired (or is not valid yet)",
    "UNKNOWN_CA": "it was not issued by the site's certificate authority",
    "CERTIFICATE_REQUIRED": "none was sent, and the site requires one",
    "BAD_CERTIFICATE": "the site found it invalid",
    "CERTIFICATE_UNKNOWN": "the site does not accept it",
    "CERTIFICATE_REVOKED": "it has been revoked",
    "UNSUPPORTED_CERTIFICATE": "the site does not support its kind",
    "ACCESS_DENIED": "the site denied access with it",
    "HANDSHAKE_FAILURE": "the TLS handshake failed (no acceptable certificate?)",
}
_CERTIFICATE_HINT = (
    "use the certificate from the vendor's welcome e-mail (accounts.<name>.certificates), "
    "or ask the vendor for a new one and activate it"
)


class _MaskNationalIds(logging.Filter):
    """httpx logs request URLs at INFO; the vendor's paths and queries can hold national ids."""

    _DIGITS = re.compile(r"\d{10,13}")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(
                self._DIGITS.sub("***", str(a)) if isinstance(a, httpx.URL | str) else a
                for a in (record.args if isinstance(record.args, tuple) else (record.args,))
            )
        return True


_httpx_log = logging.getLogger("httpx")
if not any(isinstance(f, _MaskNationalIds) for f in _httpx_log.filters):
    _httpx_log.addFilter(_MaskNationalIds())


class SiteTransport:
    """One connection pool to one site. Thread-safe; close it (or use `with`)."""

    def __init__(
        self,
        base_url: str,
        *,
        verify: ssl.SSLContext | bool = True,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        limits: httpx.Limits | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.retry = retry if retry is not None else RetryPolicy()
        self._sleep = sleep
        self._client = httpx.Client(
            base_url=self.base_url,
            verify=verify,
            timeout=timeout,
            limits=limits or httpx.Limits(max_connections=100, max_keepalive_connections=20),
            transport=transport,
            headers={"Accept": "application/json"},
        )

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc or self.base_url

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> SiteTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str | Secret] | None = None,
    ) -> httpx.Response:
        """Send with retries; the response if 2xx, else the matching SiteError. A header
        given as a Secret is revealed here, for the request only."""
        sent_headers = {
            name: value.reveal() if isinstance(value, Secret) else value
            for name, value in (headers or {}).items()
        }
        if method in WRITES:
            sent_headers.setdefault("Idempotency-Key", str(uuid.uuid4()))
        content = None
        if json_body is not None:
            content = json.dumps(json_body).encode("utf-8")
            sent_headers["Content-Type"] = "application/json"
        last: SiteError | CertificateRejected | None = None
        for attempt in range(self.retry.attempts):
            if attempt:
                self._sleep(self.retry.pause(attempt, last.delay if last else None))
            try:
                response = self._client.request(
                    method, path, content=content, params=params, headers=sent_headers
                )
            except (httpx.LocalProtocolError, UnicodeEncodeError):
                # the library refused to send what it was given (its message quotes it)
                raise SiteRejected(
                    f"a request to the booking site at {self.host} could not be sent: a header "
                    "holds a character HTTP does not allow",
                    "check the account key and the other values sent to the site",
                ) from None
            except httpx.TransportError as e:
                last = self._transport_failure(e)
                if isinstance(last, CertificateRejected | SiteRejected):
                    raise last from None
                continue
            if response.status_code < 400:
                return response
            last = failure(response, self.host)
            code = getattr(last, "code", "")
            if response.status_code in RETRY_STATUSES and code != "maintenance-mode":
                continue
            raise last
        assert last is not None
        raise last

    def _transport_failure(self, error: httpx.TransportError) -> SiteError | CertificateRejected:
        ssl_error = _ssl_cause(error)
        if ssl_error is not None:
            reason = (getattr(ssl_error, "reason", None) or "").upper()
            if "CERTIFICATE_VERIFY_FAILED" in reason or isinstance(
                ssl_error, ssl.SSLCertVerificationError
            ):
                return SiteRejected(
                    f"the booking site at {self.host} has a certificate this machine does not "
                    "trust",
                    "check site_url; for a private site, point SSL_CERT_FILE at its CA",
                )
            for alert, meaning in _CERTIFICATE_ALERTS.items():
                if alert in reason:
                    return CertificateRejected(
                        f"the booking site at {self.host} refused the client certificate: "
                        f"{meaning}",
                        _CERTIFICATE_HINT,
                    )
        if isinstance(error, httpx.TimeoutException):
            what = "did not answer in time"
        elif isinstance(error, httpx.ConnectError):
            what = "cannot be reached"
        else:
            what = "broke off the connection"
        detail = redact(str(error))[:200]
        return SiteUnavailable(
            f"the booking site at {self.host} {what}" + (f" ({detail})" if detail else ""),
            "check site_url and the network; if the site is down, try again later",
        )


def _ssl_cause(error: BaseException) -> ssl.SSLError | None:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLError):
            return current
        current = current.__cause__ or current.__context__
    return None


def failure(response: httpx.Response, host: str) -> SiteError | CertificateRejected:
    """The SiteError for a refusal, with the site's own reason and advice when it gave one."""
    problem = _problem(response)
    status = response.status_code
    code = str(problem.get("code", ""))
    detail = redact(_reason(problem) or response.reason_phrase or f"HTTP {status}")
    hint = redact(str(problem.get("hint", "")))
    message = f"the booking site at {host} refused the request: {detail}"
    if status == 401 and code.startswith("account-key"):
        return AccountKeyRejected(
            f"the booking site at {host} did not accept the account key",
            "check accounts.<name>.key: it must be the key from the vendor's welcome e-mail",
            status=status,
            code=code,
        )
    if status == 401:
        return AccountKeyRejected(message, hint, status=status, code=code)
    if status == 403 and code.startswith("certificate"):
        return CertificateRejected(
            f"the booking site at {host} refused the client certificate: {detail}", hint
        )
    if status == 429:
        return _rate_limited(response, message, hint, code)
    if status in (409, 412):
        return SiteConflict(message, hint or "read again and retry", status=status, code=code)
    if status >= 500:
        unavailable = SiteUnavailable(
            f"the booking site at {host} failed: {detail}",
            hint or "try again later",
            status=status,
            code=code,
        )
        unavailable.delay = retry_after_seconds(response)
        return unavailable
    return SiteRejected(message, hint, status=status, code=code)


def _rate_limited(response: httpx.Response, message: str, hint: str, code: str) -> SiteRateLimited:
    """A 429 as an error that says when to try again: in Retry-After's seconds, or after its
    date, or (without it) whatever the site advised."""
    header = (response.headers.get("retry-after") or "").strip()
    retry_after: int | str | None = None
    if header.isdigit():
        retry_after = int(header)
        when = f"try again in {_wait(retry_after)} (the site's Retry-After)"
    elif header:
        retry_after = header[:64]
        when = f"try again after {retry_after} (the site's Retry-After)"
    else:
        when = hint or "wait a while before trying again"
    return SiteRateLimited(
        message,
        f"{when}; the request was not retried",
        status=429,
        code=code,
        retry_after=retry_after,
        delay=retry_after_seconds(response),
    )


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The site's Retry-After in seconds from now (either form), or None without one."""
    header = (response.headers.get("retry-after") or "").strip()
    if header.isdigit():
        return float(header)
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _wait(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = -(-seconds // 60)
    if minutes < 90:
        return f"{minutes} minutes"
    return f"{minutes / 60:.1f} hours"


def _reason(problem: dict[str, Any]) -> str:
    """The problem's detail, or its field errors when it lists them."""
    errors = [e for e in problem.get("errors") or [] if isinstance(e, dict)]
    if not errors:
        return str(problem.get("detail") or "")
    listed = "; ".join(f"{e.get('field')}: {e.get('message')}" for e in errors[:3])
    more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
    return listed + more


def _problem(response: httpx.Response) -> dict[str, Any]:
    if "json" not in response.headers.get("content-type", ""):
        return {}
    try:
        document = response.json()
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}
