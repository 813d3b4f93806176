"""The Opus side as resources: their kinds, addresses and scope. What the config wants is
compiled in `desired.py`, what the database holds is read in `live.py` — in the same shape,
so that a plan after apply is empty.

Managed, per database:

    opus.ebooking                              e-booking settings
    opus.access["Preblock for Internet"]       who may place Internet preblocks
    opus.appointment_type["- Undersøkelse"]    appointment types the config names
    opus.preblock_type["Internett"]            preblock types the config names
    opus.registration_list["…"], opus.preblock_list["…"]
    opus.provider["HAN"]                       the provider's Opus options
    opus.preblock["HAN@2026-12-01T08:00"]      Internet preblocks from publishing rules

Only what the config names is read and changed; a preblock is managed only if the reconciler
placed it. With more than one database in an account, addresses start `opus["name"].`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from reconciler.config.model import Account
from reconciler.domain.resources import Resource, quoted

R = TypeVar("R")

PREBLOCK_ACCESS = "Preblock for Internet"
ACCESS_CATEGORY = "Timebok"
EVERYONE = "*"
EBOOKING_SETTINGS = ("preblock_expiry_hours", "preblock_length_minutes")
FAR_FUTURE = datetime(9999, 1, 1)

# The order in which changes are applied (deletes run in the reverse order).
KINDS = (
    "opus_ebooking",
    "opus_access",
    "opus_appointment_type",
    "opus_preblock_type",
    "opus_registration_list",
    "opus_preblock_list",
    "opus_provider",
    "opus_preblock",
)

APPOINTMENT_TYPE_FIELDS = (
    "duration",
    "category",
    "description",
    "resource",
    "use_in_book",
    "use_in_ebooking",
    "change_in_ebooking",
    "cancel_in_ebooking",
    "use_in_recall",
    "move_next_recall",
    "move_max_days",
    "book_text",
)
PREBLOCK_TYPE_FIELDS = (
    "text",
    "code",
    "color",
    "valid_for",
    "blocking",
    "disallow_treatment",
    "kind",
    "expires_days_before",
)


def prefix(account: Account, database: str) -> str:
    return "opus." if len(account.databases) == 1 else f"opus{quoted(database)}."


def stamp(moment: datetime) -> str:
    """2026-12-01T08:00: how preblock times appear in addresses and attributes."""
    return moment.isoformat(timespec="minutes")  # the book's times are naive: no offset


@dataclass
class Scope:
    """What one database's resources cover: the names the config uses, so that live reads
    look at exactly those objects."""

    account: str
    database: str
    prefix: str
    clinics: dict[str, int] = field(default_factory=dict)  # config key → Opus clinic id
    providers: dict[str, str] = field(default_factory=dict)  # code → config clinic key
    appointment_types: set[str] = field(default_factory=set)
    preblock_types: set[str] = field(default_factory=set)
    registration_lists: set[str] = field(default_factory=set)
    preblock_lists: set[str] = field(default_factory=set)
    today: date = field(default_factory=date.today)

    def address(self, kind: str, key: str | None = None) -> str:
        return f"{self.prefix}{kind}" + (quoted(key) if key is not None else "")

    def preblock_head(self, code: str) -> str:
        """What the addresses of a provider's preblocks start with; `f'{head}{start}"]'` is
        `address("preblock", f"{code}@{start}")`, made without quoting each of thousands."""
        return f"{self.prefix}preblock{quoted(code)[:-2]}@"


def scope_of(account_name: str, account: Account, db_name: str, today: date) -> Scope:
    opus = account.databases[db_name].opus
    scope = Scope(account_name, db_name, prefix(account, db_name), today=today)
    for key, clinic in account.clinics.items():
        if account.database_of(clinic) == db_name:
            scope.clinics[key] = clinic.opus_id
            scope.providers.update(dict.fromkeys(clinic.providers, key))
    scope.appointment_types = set(opus.appointment_types)
    scope.preblock_types = set(opus.preblock_types)
    scope.registration_lists = set(opus.registration_lists)
    scope.preblock_lists = set(opus.preblock_lists)
    return scope


def iter_kinds(resources: list[Resource]) -> Iterator[str]:
    return iter(sorted({res.kind for res in resources}, key=KINDS.index))


__all__ = ["KINDS", "Scope", "scope_of", "stamp"]
