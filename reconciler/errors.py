"""The project's one exception tree, and the problem records that config errors carry.

    ReconcilerError              anything the user can act on; the CLI prints it, exit 1
    ├── ConfigError              the config could not be loaded or is invalid (carries Problems)
    ├── UsageError               a command was called wrongly
    ├── DatabaseError            an Opus database refused a login or an operation
    │   └── DatabaseUnavailable  …could not be reached, or lost a statement to a lock or a
    │                            dropped connection (retryable)
    ├── CertificateError         the client certificate cannot be used
    │   └── CertificateRejected  …the booking site refused it
    ├── SiteError                the booking site refused a request or could not be reached
    │   ├── SiteUnavailable      no connection, a timeout, a 5xx (retryable)
    │   ├── AccountKeyRejected   401: the account key
    │   ├── SiteConflict         409/412: its state moved (read again)
    │   └── SiteRejected         any other 4xx
    │       └── SiteRateLimited  429 (retryable, after the site's Retry-After)
    ├── CannotListen             the reference booking site could not listen on its address
    ├── LockHeld (apply), StalePlan (apply), LeaseHeld (sync)

`retryable` says whether the same call may succeed later unchanged (kopf's temporary versus
permanent errors); `delay` is the least wait the source asked for, in seconds, if any. The
site transport's retries and the sync service's back-off both read them.

Every message says what went wrong, where, and what to do. No message ever contains a
secret or a national identity number: callers pass names and addresses, never values.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple


class Mark(NamedTuple):
    """A place in a config file; line and column count from 1."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a config: where, what, and a stable code for tools."""

    mark: Mark | None
    message: str
    code: str = "invalid"
    severity: Severity = Severity.ERROR

    def sort_key(self) -> tuple[str, int, int, str]:
        if self.mark is None:
            return ("", 0, 0, self.message)
        return (self.mark.file, self.mark.line, self.mark.col, self.message)


class ReconcilerError(Exception):
    """The root: a failure the user can act on. `hint` says what to do about it."""

    retryable: bool = False  # the same call may succeed later
    delay: float | None = None  # the least wait before that, when the source named one

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message


class ConfigError(ReconcilerError):
    """The config is invalid; `problems` lists every problem found, each with its place."""

    def __init__(
        self, problems: list[Problem], hint: str = "fix them and run the command again"
    ) -> None:
        self.problems = sorted(set(problems), key=Problem.sort_key)
        files = {p.mark.file for p in self.problems if p.mark is not None}
        count = len(self.problems)
        where = f" in {len(files)} file{'s' if len(files) != 1 else ''}" if files else ""
        super().__init__(f"{count} problem{'s' if count != 1 else ''}{where}", hint)


class UsageError(ReconcilerError):
    """A command was called with wrong arguments."""


class DatabaseError(ReconcilerError):
    """An Opus database refused the login, or failed an operation."""


class DatabaseUnavailable(DatabaseError):
    """An Opus database could not be reached, or a statement lost to a lock, a deadlock or
    a dropped connection (its transaction was rolled back): worth trying again."""

    retryable = True


class CertificateError(ReconcilerError):
    """The client certificate (PKCS#12) cannot be used: unreadable, wrong password, expired."""


class CertificateRejected(CertificateError):
    """The booking site refused the client certificate: during the TLS handshake (unknown
    issuer, expired, missing) or because it is not the certificate activated for the account."""


class CannotListen(ReconcilerError):
    """The reference booking site could not listen on its address: the port is taken, or the
    host is not this machine's."""


class SiteError(ReconcilerError):
    """The booking site could not be reached or refused a request. `status` is the HTTP
    status when there was a response, `code` the site's stable problem code."""

    def __init__(self, message: str, hint: str = "", *, status: int | None = None, code: str = ""):
        super().__init__(message, hint)
        self.status = status
        self.code = code


class SiteUnavailable(SiteError):
    """No connection, a timeout, or a server error that outlasted the retries."""

    retryable = True


class AccountKeyRejected(SiteError):
    """The site refused the account key (401)."""


class SiteConflict(SiteError):
    """The request conflicts with the site's current state (409, 412): the time is taken, a
    token is stale, or another service is online for the account."""


class SiteRejected(SiteError):
    """Any other refusal (4xx) — the message carries the site's reason."""


class SiteRateLimited(SiteRejected):
    """The site refused because a rate limit was reached (429). `retry_after` is the wait the
    site asked for: seconds, or an HTTP date as sent; None if it named none. Not retried by
    the transport: the message says when to try again, and `delay` holds the seconds."""

    retryable = True

    def __init__(
        self,
        message: str,
        hint: str = "",
        *,
        status: int | None = 429,
        code: str = "",
        retry_after: int | str | None = None,
        delay: float | None = None,
    ):
        super().__init__(message, hint, status=status, code=code)
        self.retry_after = retry_after
        self.delay = delay
