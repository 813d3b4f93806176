"""The books a config selects, read from each account's active databases: what `slots`,
`explain` and the sync service start from."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time

from reconciler.config import LoadedConfig
from reconciler.config.model import Account
from reconciler.domain.freetime import Batch, free_time, months_ahead
from reconciler.errors import UsageError
from reconciler.providers.opus import schema_for
from reconciler.providers.opus.books import Books, read_books
from reconciler.providers.opus.connection import connected, create_engine
from reconciler.providers.opus.resources import scope_of


@dataclass
class DatabaseBooks:
    """One active database's books, for one account, read at `now`."""

    account: str
    settings: Account
    database: str
    books: Books
    now: datetime

    def clinic_key(self, code: str) -> str:
        return next(k for k, c in self.settings.clinics.items() if code in c.providers)

    def free_time(self, code: str) -> list[Batch]:
        return free_time(self.books.books[code], self.books.setup, self.now)


def selected_books(
    loaded: LoadedConfig,
    now: datetime,
    *,
    clinic: str | None = None,
    provider: str | None = None,
) -> Iterator[DatabaseBooks]:
    """Per account and active database, the books of the selected providers (narrowed to
    one clinic key or provider code when given). UsageError when those name nothing."""
    found = False
    today = datetime.combine(now.date(), time())
    for name, account in loaded.config.accounts.items():
        until = months_ahead(today, account.site.flexibility.months_to_sync)
        for db_name, db in account.databases.items():
            if not db.active:
                continue
            scope = scope_of(name, account, db_name, now.date())
            scope.providers = {
                code: key
                for code, key in scope.providers.items()
                if clinic in (None, key) and provider in (None, code)
            }
            if not scope.providers:
                continue
            found = True
            schema = schema_for(db, db_name)
            engine = create_engine(db, db_name)
            try:
                with connected(engine, db, db_name) as connection:
                    books = read_books(connection, schema, scope, account, now=now, until=until)
            finally:
                engine.dispose()
            yield DatabaseBooks(name, account, db_name, books, now)
    if not found:
        raise UsageError(_nothing_selected(loaded, clinic, provider), "check the config")


def _nothing_selected(loaded: LoadedConfig, clinic: str | None, provider: str | None) -> str:
    what = " and ".join(
        part
        for part in (
            f"clinic '{clinic}'" if clinic else "",
            f"provider '{provider}'" if provider else "",
        )
        if part
    )
    if not what:
        return "the config selects no provider in an active database"
    return f"the config selects no {what} in an active database"
