"""The sync service's own records in an account's lead database: the free time it has
published to the site (`rc_published`, batch by batch, with the site's IDs), and where each
of its streams got to (`rc_sync_cursors`). Both are written in the transaction that records
what the site confirmed, so they never disagree with each other; with the site they are
brought back in line by reading the site (the site is the truth of what is published)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from reconciler.domain.freetime import Published
from reconciler.providers.opus.schema import OpusSchema


@dataclass(frozen=True)
class SyncRecords:
    """One account's sync records, on a connection in a transaction."""

    connection: sa.Connection
    schema: OpusSchema
    account: str

    def published(self, database: str, providers: set[int] | None = None) -> list[Published]:
        """What was published from `database`: about `providers`, or about all when None."""
        t = self.schema.t("rc_published")
        query = sa.select(
            t.c.site_id,
            t.c.provider_id,
            t.c.starts_at,
            t.c.ends_at,
            t.c.treatments,
            t.c.row_version,
        ).where(t.c.account == self.account, t.c.database_name == database)
        if providers is not None:
            query = query.where(t.c.provider_id.in_(sorted(providers)))
        return [
            Published(site_id, provider, start, end, _ids(treatments), version)
            for site_id, provider, start, end, treatments, version in self.connection.execute(query)
        ]

    def record(
        self, database: str, *, removed: Iterable[int], added: Iterable[Published], now: datetime
    ) -> None:
        """Forget the batches removed (by site ID) and remember those added."""
        t = self.schema.t("rc_published")
        mine = (t.c.account == self.account, t.c.database_name == database)
        gone = list(removed)
        for start in range(0, len(gone), 500):
            self.connection.execute(
                t.delete().where(*mine, t.c.site_id.in_(gone[start : start + 500]))
            )
        rows = [
            {
                "account": self.account,
                "database_name": database,
                "site_id": p.site_id,
                "provider_id": p.provider_id,
                "starts_at": p.starts_at,
                "ends_at": p.ends_at,
                "treatments": ",".join(str(i) for i in p.treatments),
                "row_version": p.row_version,
                "published_at": now,
            }
            for p in added
        ]
        for start in range(0, len(rows), 1000):
            self.connection.execute(t.insert(), rows[start : start + 1000])

    def replace(self, database: str, batches: Iterable[Published], now: datetime) -> None:
        """Remember exactly `batches` (what the site was found to hold)."""
        t = self.schema.t("rc_published")
        self.connection.execute(
            t.delete().where(t.c.account == self.account, t.c.database_name == database)
        )
        self.record(database, removed=(), added=batches, now=now)

    def cursor(self, name: str) -> str | None:
        t = self.schema.t("rc_sync_cursors")
        query = sa.select(t.c.value).where(t.c.account == self.account, t.c.name == name)
        value = self.connection.execute(query).scalar_one_or_none()
        return None if value is None else str(value)

    def set_cursor(self, name: str, value: str, now: datetime) -> None:
        t = self.schema.t("rc_sync_cursors")
        done = self.connection.execute(
            t.update()
            .where(t.c.account == self.account, t.c.name == name)
            .values(value=value, updated_at=now)
        ).rowcount
        if not done:
            self.connection.execute(
                t.insert().values(account=self.account, name=name, value=value, updated_at=now)
            )


def _ids(text: str) -> tuple[int, ...]:
    return tuple(sorted(int(part) for part in text.split(",") if part))
