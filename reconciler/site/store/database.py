"""The site's SQLite store: opening it, its transactions, and registering accounts.

Writes run in `BEGIN IMMEDIATE` transactions, so two writers never interleave — within this
process a lock queues them (no busy-waiting), and across processes SQLite's own lock does.
That is what makes "check the time is free, then claim it" atomic. Reads use WAL snapshots
and never wait for writers.

Usable without HTTP: `create_store(path)` and `register_account(path, …)` are what
`reconciler demo init` calls to prepare `site.db`.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from importlib import resources
from pathlib import Path

from reconciler.domain.labels import subdomain_problem
from reconciler.errors import UsageError
from reconciler.site.booking.settings import default_settings
from reconciler.site.booking.times import Clock, local_now, to_text
from reconciler.site.store import keys

SCHEMA_VERSION = "1"
CULTURES = ("NO", "SE", "DK")


_KNOWN_KEYS = 64  # account keys whose hashes a store remembers


class Store:
    """One store file. Cheap to share between threads; each call opens its own connection."""

    def __init__(self, path: str | os.PathLike[str], clock: Clock = local_now) -> None:
        self.path = Path(path)
        self.clock = clock
        self._write_lock = threading.Lock()
        self._key_hashes: OrderedDict[str, str] = OrderedDict()  # see account_key_hash
        self._key_hashes_lock = threading.Lock()
        self._create()
        with self.read() as db:
            meta = dict(db.execute("SELECT name, value FROM meta").fetchall())
        self.key_salt = bytes.fromhex(meta["key_salt"])
        self.patient_secret = bytes.fromhex(meta["patient_secret"])

    def now(self) -> datetime:
        return self.clock()

    def now_text(self) -> str:
        return to_text(self.clock())

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA synchronous = NORMAL")
        return db

    def _create(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        script = resources.files("reconciler.site.store").joinpath("schema.sql").read_text("utf-8")
        db = self._connect()
        try:
            db.execute("PRAGMA journal_mode = WAL")
            with self._write_lock:
                db.execute("BEGIN IMMEDIATE")
                try:
                    _add_missing_columns(db)
                    for statement in _statements(script):
                        db.execute(statement)
                    for name, value in (
                        ("schema_version", SCHEMA_VERSION),
                        ("key_salt", secrets.token_hex(16)),
                        ("patient_secret", secrets.token_hex(32)),
                    ):
                        db.execute(
                            "INSERT OR IGNORE INTO meta (name, value) VALUES (?, ?)", (name, value)
                        )
                    db.execute("COMMIT")
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
        finally:
            db.close()

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        db = self._connect()
        try:
            yield db
        finally:
            db.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: committed when the block ends, rolled back if it raises."""
        db = self._connect()
        try:
            with self._write_lock:
                db.execute("BEGIN IMMEDIATE")
                try:
                    yield db
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
        finally:
            db.close()

    def account_key_hash(self, key: str) -> str:
        """The key's scrypt hash, by which its account is found. The last few are remembered
        (under a keyed hash of the key, never the key), so that a client's every call does
        not cost a scrypt; the account is still looked up by the hash each time, so a key
        changed since is refused as before, and each new guess still costs a scrypt."""
        lookup = self.keyed(key)
        with self._key_hashes_lock:
            known = self._key_hashes.get(lookup)
            if known is not None:
                self._key_hashes.move_to_end(lookup)
                return known
        hashed = keys.account_key_hash(key, self.key_salt)
        with self._key_hashes_lock:
            self._key_hashes[lookup] = hashed
            if len(self._key_hashes) > _KNOWN_KEYS:
                self._key_hashes.popitem(last=False)
        return hashed

    def patient_key(self, national_id_digits: str) -> str:
        return keys.patient_key(national_id_digits, self.patient_secret)

    def keyed(self, text: str) -> str:
        """A keyed hash of `text` (what the rate limits count: addresses, phone numbers)."""
        return keys.patient_key(text, self.patient_secret)

    def register_account(
        self,
        account_id: str,
        key: str,
        subdomain: str,
        *,
        culture: str = "NO",
    ) -> str:
        """Register an account (as the vendor does before sending the welcome e-mail) and
        return its id. Only a hash of `key` is kept."""
        account_id = _checked_registration(account_id, key, subdomain, culture)
        key_hash = self.account_key_hash(key)
        with self.write() as db:
            clash = db.execute(
                "SELECT id = ? AS same_id, subdomain = ? AS same_subdomain,"
                " key_hash = ? AS same_key FROM accounts"
                " WHERE id = ? OR subdomain = ? OR key_hash = ?",
                (account_id, subdomain, key_hash, account_id, subdomain, key_hash),
            ).fetchone()
            if clash is not None:
                what = (
                    "an account with this id"
                    if clash["same_id"]
                    else f"an account with subdomain {subdomain}"
                    if clash["same_subdomain"]
                    else "an account with this key"
                )
                raise UsageError(
                    f"the site store {self.path} already has {what}",
                    "use another id, subdomain and key, or a fresh store",
                )
            db.execute(
                "INSERT INTO accounts (id, key_hash, subdomain, culture, created_at, settings)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    account_id,
                    key_hash,
                    subdomain,
                    culture,
                    self.now_text(),
                    json.dumps(default_settings()),
                ),
            )
        return account_id


def _checked_registration(account_id: str, key: str, subdomain: str, culture: str) -> str:
    """The account id in canonical form; UsageError for anything that cannot be registered."""
    try:
        account_id = str(uuid.UUID(account_id))
    except ValueError:
        raise UsageError(
            "the account id is not a UUID", "give it as 8-4-4-4-12 hex digits"
        ) from None
    problem = subdomain_problem(subdomain)
    if problem:
        raise UsageError(problem, "choose a valid subdomain label")
    if len(key) < 8 or len(key) > 200 or key.strip() != key:
        raise UsageError(
            "the account key must be 8 to 200 characters without surrounding spaces",
            "choose a longer key",
        )
    if culture not in CULTURES:
        raise UsageError(f"unknown culture {culture!r}", f"use one of {', '.join(CULTURES)}")
    return account_id


ADDED_COLUMNS = {"holds": {"opus_id": "INTEGER"}}
"""Columns added since a store was first made: added to an older store when it is opened."""


def _add_missing_columns(db: sqlite3.Connection) -> None:
    for table, columns in ADDED_COLUMNS.items():
        have = {row["name"] for row in db.execute(f"PRAGMA table_info({table})")}
        if not have:
            continue  # a new store: the script makes the table whole
        for name, kind in columns.items():
            if name not in have:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")


def _statements(script: str) -> Iterator[str]:
    """The script's statements, one by one (triggers hold semicolons inside BEGIN … END)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        if line.lstrip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            yield buffer.strip()
            buffer = ""
    if buffer.strip():
        raise ValueError("schema.sql ends inside a statement")


def create_store(path: str | os.PathLike[str], clock: Clock = local_now) -> Store:
    """Create (or open) the store at `path` with its schema in place."""
    return Store(path, clock)


def register_account(
    path: str | os.PathLike[str],
    account_id: str,
    key: str,
    subdomain: str,
    *,
    culture: str = "NO",
) -> str:
    """Register an account in the store at `path` (created if missing); returns its id."""
    return Store(path).register_account(account_id, key, subdomain, culture=culture)
