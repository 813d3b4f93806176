"""The sync service's lease: one active service per account (the guide: "kan bare være
aktivert på en maskin av gangen").

A row in the account's lead database (`rc_sync_lease`), taken with an expiry and renewed
every cycle. A second service — on this machine or another — is refused while the lease
holds, and told whose it is; it may take the lease over once it has expired, or at once when
its holder is a process on this machine that no longer runs (killed without releasing it).
The booking site's own online registration is the second guard.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from reconciler.errors import ReconcilerError
from reconciler.providers.opus.bookkeeping import me
from reconciler.providers.opus.schema import OpusSchema


class LeaseHeld(ReconcilerError):
    """Another sync service holds the account's lease."""


@dataclass(frozen=True)
class Holder:
    holder: str
    host: str
    pid: int
    acquired_at: datetime
    expires_at: datetime

    def __str__(self) -> str:
        return (
            f"{self.holder} on {self.host} (pid {self.pid}) since "
            f"{self.acquired_at:%Y-%m-%d %H:%M}, until {self.expires_at:%H:%M:%S}"
        )


@dataclass
class Lease:
    """The lease of `account`, held through `engine` for `length` at a time."""

    engine: sa.Engine
    schema: OpusSchema
    account: str
    length: timedelta

    def holder(self) -> Holder | None:
        t = self.schema.t("rc_sync_lease")
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(t.c.holder, t.c.host, t.c.pid, t.c.acquired_at, t.c.expires_at).where(
                    t.c.account == self.account
                )
            ).first()
        return Holder(*row) if row else None

    def acquire(self, now: datetime) -> None:
        """Take the lease, or LeaseHeld naming its holder. An expired lease is taken over, and
        so is one whose holder was a process on this machine that has gone."""
        t = self.schema.t("rc_sync_lease")
        user, host, pid = me()
        values = {
            "holder": user,
            "host": host,
            "pid": pid,
            "acquired_at": now,
            "expires_at": now + self.length,
        }
        try:
            with self.engine.begin() as connection:
                connection.execute(t.insert().values(account=self.account, **values))
            return
        except sa.exc.IntegrityError:
            pass  # someone has it: take it over only if it has expired or its process has gone
        over = t.c.expires_at <= now
        whose = self.holder()
        if whose is not None and whose.host == host and not running(whose.pid):
            over = (t.c.host == host) & (t.c.pid == whose.pid)  # its process has gone
        with self.engine.begin() as connection:
            taken = connection.execute(
                t.update().where(t.c.account == self.account, over).values(**values)
            ).rowcount
        if taken:
            return
        holder = self.holder()
        raise LeaseHeld(
            f"account '{self.account}' is synced by another service: {holder or 'unknown'}",
            "run one sync per account; stop the other first (or wait until its lease expires "
            "if it died)",
        )

    def renew(self, now: datetime) -> None:
        """Extend the lease; LeaseHeld if it is no longer ours (it expired and was taken)."""
        t = self.schema.t("rc_sync_lease")
        _, host, pid = me()
        with self.engine.begin() as connection:
            done = connection.execute(
                t.update()
                .where(t.c.account == self.account, t.c.host == host, t.c.pid == pid)
                .values(expires_at=now + self.length)
            ).rowcount
        if not done:
            raise LeaseHeld(
                f"account '{self.account}': this service lost its lease to another",
                "stop this one: only one sync may run per account",
            )

    def release(self) -> None:
        t = self.schema.t("rc_sync_lease")
        _, host, pid = me()
        with self.engine.begin() as connection:
            connection.execute(
                t.delete().where(t.c.account == self.account, t.c.host == host, t.c.pid == pid)
            )


def running(pid: int) -> bool:
    """Whether a process with this id runs on this machine (when unsure: yes)."""
    if sys.platform == "win32":
        import ctypes  # noqa: PLC0415

        kernel = ctypes.windll.kernel32
        handle = kernel.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return kernel.GetLastError() != 87  # ERROR_INVALID_PARAMETER: no such process
        code = ctypes.c_ulong()
        kernel.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's
    return True
