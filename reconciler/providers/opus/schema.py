"""The tables of the Opus database that the reconciler touches, and its own bookkeeping.

The vendor's schema is not public: this is the project's model of it, documented in
docs/opus-schema.md. Every table and column name lives here and only here; a site whose
database names them differently maps them with `names:` in the config (logical name →
physical name, `table` or `table.column`), and `OpusSchema(names)` builds the tables under
those names while the rest of the code keeps using the logical ones.

Rows that sync must follow carry `change_no`, a number that grows with every insert and
update: SQL Server's `rowversion`, emulated elsewhere by triggers on one database-wide
sequence (see `rowversion.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mssql
from sqlalchemy.engine import Dialect

from reconciler.domain import opus_limits as limits

# Tables whose rows carry a change number.
VERSIONED = (
    "clinics",
    "providers",
    "working_hours",
    "preblock_types",
    "preblocks",
    "appointment_types",
    "appointments",
    "patients",
)

TABLE_DOCS = {
    "clinics": "Clinics (Klinikker); `id` is the clinic's id in Opus, which the config's "
    "`opus_id` names.",
    "providers": "Providers (Behandlere) by clinic; `code` is the provider's signature (HAN) "
    "that the config's provider keys name. `working_hours_linked` is the Opus option "
    "'Arbeidstid koblet til behandler'.",
    "working_hours": "Working hours (Arbeidstid) as concrete intervals; `recall` marks hours "
    "registered with Recall [R], the only ones that may publish.",
    "appointment_types": "Stored appointment types (Forhåndslagrede timeavtaler).",
    "preblock_types": "Preblock types (Preblokkeringer); `kind` internet publishes time.",
    "preblock_type_exclusions": "Appointment types not allowed on a preblock type.",
    "preblocks": "Preblocks placed on a provider's book; `created_by` is the user who placed "
    "it (RECON for the reconciler), `managed` marks those the reconciler placed.",
    "patients": "Patients; `national_id` is never logged or shown.",
    "appointments": "Appointments; `registered_by` ITB marks bookings from the site, "
    "`site_booking_id` ties them to the site's booking.",
    "journal_entries": "The patient's journal: moves and cancellations are written here.",
    "patient_updates": "Pending patient-card updates from the site, for staff to accept.",
    "registration_lists": "Registration lists (Registreringsliste).",
    "registration_list_items": "The appointment types of a registration list, in order.",
    "preblock_lists": "Preblock lists (Preblokkering – Registreringsliste).",
    "preblock_list_items": "The preblock types of a preblock list, in order.",
    "list_links": "Where lists are linked (E-timebok reg.mod / Preblokk reg.mod): the "
    "organisation (target_id 0), a company (clinic id) or a provider (provider id).",
    "access_rights": "The access system (Tilgangssystem): `grantee` * is everyone.",
    "ebooking_settings": "E-booking settings of the appointment-type setup, by name.",
    "rc_apply_lock": "The reconciler's apply lock: one row per account while an apply runs.",
    "rc_sync_lease": "The sync service's lease: one active instance per account.",
    "rc_journal": "Intent and outcome of every apply step.",
    "rc_state": "What the reconciler last applied, per resource: drift is live against this.",
    "rc_sync_cursors": "Where sync got to, per account and stream.",
    "rc_published": "The free time the sync service has published to the site, batch by batch.",
}

RECONCILER_USER = "RECON"  # who the reconciler is, in created_by columns
SITE_USER = "ITB"  # who bookings from the site are registered by (the vendor's convention)


class ChangeNo(sa.types.TypeDecorator[int]):
    """SQL Server's rowversion (8 bytes, compared as a big-endian number); a BIGINT kept by
    triggers elsewhere. Python always sees an int."""

    impl = sa.BigInteger
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "mssql":
            return dialect.type_descriptor(mssql.ROWVERSION())  # type: ignore[no-untyped-call]
        return dialect.type_descriptor(sa.BigInteger())

    def process_bind_param(self, value: int | None, dialect: Dialect) -> Any:
        if value is not None and dialect.name == "mssql":
            return int(value).to_bytes(8, "big")
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> int | None:
        if isinstance(value, bytes | bytearray):
            return int.from_bytes(value, "big")
        return None if value is None else int(value)


class _Builder:
    """Declares tables under their physical names, with each column's `key` its logical
    name: code says `t.c.starts_at`, SQL says whatever the site's schema calls it."""

    def __init__(self, metadata: sa.MetaData, names: Mapping[str, str]) -> None:
        self.metadata = metadata
        self.names = names
        self.tables: dict[str, sa.Table] = {}

    def table(self, logical: str, *columns: Callable[[str], Any]) -> sa.Table:
        physical = self.names.get(logical, logical)
        schema, _, name = physical.rpartition(".")
        items = [make(logical) for make in columns]
        table = sa.Table(name, self.metadata, *items, schema=schema or None)
        table.info["logical"] = logical
        self.tables[logical] = table
        return table

    def col(self, logical: str, *args: Any, **kwargs: Any) -> Callable[[str], sa.Column[Any]]:
        def make(table: str) -> sa.Column[Any]:
            name = self.names.get(f"{table}.{logical}", logical)
            return sa.Column(name, *args, key=logical, **kwargs)

        return make

    def ref(self, table: str) -> sa.ForeignKey:
        return sa.ForeignKey(self.tables[table].c.id)

    def id(self) -> Callable[[str], sa.Column[Any]]:
        return self.col("id", sa.Integer, primary_key=True, autoincrement=True)

    def change_no(self) -> Callable[[str], sa.Column[Any]]:
        return self.col("change_no", ChangeNo, nullable=True, index=True)

    def managed(self) -> Callable[[str], sa.Column[Any]]:
        """Set on rows the reconciler created: only such rows, and rows the config names,
        are ever changed or deleted by it."""
        return self.col("managed", sa.Boolean, nullable=False, default=False)


def _index(name: str, *columns: str) -> Callable[[str], sa.Index]:
    return lambda _table: sa.Index(name, *columns)


def _unique(name: str, *columns: str) -> Callable[[str], sa.UniqueConstraint]:
    return lambda _table: sa.UniqueConstraint(*columns, name=name)


def _declare(b: _Builder) -> None:
    """Every table, by its logical name. Referenced tables come first."""
    col, text, flag = b.col, sa.Unicode, sa.Boolean
    b.table(
        "clinics",
        col("id", sa.Integer, primary_key=True, autoincrement=False),
        col("name", text(limits.NAME), nullable=False),
        col("address", text(150)),
        col("postal_code", text(10)),
        col("city", text(50)),
        col("phone", text(30)),
        col("email", text(300)),
        b.change_no(),
    )
    b.table(
        "providers",
        b.id(),
        col("clinic_id", sa.Integer, b.ref("clinics"), nullable=False, index=True),
        col("code", text(limits.PROVIDER_CODE), nullable=False, unique=True),
        col("name", text(limits.NAME), nullable=False),
        col("title", text(limits.TITLE)),
        col("active", flag, nullable=False, default=True),
        col("working_hours_linked", flag, nullable=False, default=False),
        b.change_no(),
    )
    b.table(
        "working_hours",
        b.id(),
        col("provider_id", sa.Integer, b.ref("providers"), nullable=False),
        col("starts_at", sa.DateTime, nullable=False),
        col("ends_at", sa.DateTime, nullable=False),
        col("recall", flag, nullable=False, default=True),
        b.change_no(),
        _index("ix_working_hours_provider_start", "provider_id", "starts_at"),
    )
    b.table(
        "appointment_types",
        b.id(),
        col("name", text(limits.APPOINTMENT_TYPE_NAME), nullable=False, unique=True),
        col("duration", sa.Integer, nullable=False),
        col("category", text(limits.CATEGORY)),
        col("description", text(limits.DESCRIPTION)),
        col("resource", text(limits.RESOURCE)),
        col("use_in_book", flag, nullable=False, default=True),
        col("use_in_ebooking", flag, nullable=False, default=False),
        col("change_in_ebooking", flag, nullable=False, default=False),
        col("cancel_in_ebooking", flag, nullable=False, default=False),
        col("use_in_recall", flag, nullable=False, default=False),
        col("move_next_recall", flag, nullable=False, default=False),
        col("move_max_days", sa.Integer),
        col("book_text", text(limits.BOOK_TEXT)),
        b.managed(),
        b.change_no(),
    )
    b.table(
        "preblock_types",
        b.id(),
        col("name", text(limits.PREBLOCK_TYPE_NAME), nullable=False, unique=True),
        col("text", text(limits.PREBLOCK_TYPE_TEXT)),
        col("code", text(limits.PREBLOCK_TYPE_CODE)),
        col("color", text(7)),
        col("valid_for", text(10), nullable=False, default="resources"),
        col("blocking", flag, nullable=False, default=True),
        col("disallow_treatment", flag, nullable=False, default=False),
        col("kind", text(10), nullable=False, default="internet"),
        col("expires_days_before", sa.Integer),
        b.managed(),
        b.change_no(),
    )
    b.table(
        "preblock_type_exclusions",
        col("preblock_type_id", sa.Integer, b.ref("preblock_types"), primary_key=True),
        col("appointment_type_id", sa.Integer, b.ref("appointment_types"), primary_key=True),
    )
    b.table(
        "preblocks",
        b.id(),
        col("provider_id", sa.Integer, b.ref("providers"), nullable=False),
        col("preblock_type_id", sa.Integer, b.ref("preblock_types"), nullable=False),
        col("starts_at", sa.DateTime, nullable=False),
        col("ends_at", sa.DateTime, nullable=False),
        col("created_by", text(16), nullable=False),
        col("created_at", sa.DateTime, nullable=False),
        b.managed(),
        b.change_no(),
        _index("ix_preblocks_provider_start", "provider_id", "starts_at"),
    )
    b.table(
        "patients",
        b.id(),
        col("national_id", text(11), nullable=False, unique=True),
        col("first_name", text(50), nullable=False),
        col("last_name", text(50), nullable=False),
        col("address1", text(150)),
        col("address2", text(150)),
        col("postal_code", text(10)),
        col("city", text(50)),
        col("mobile", text(30)),
        col("email", text(300)),
        b.change_no(),
    )
    b.table(
        "appointments",
        b.id(),
        col("provider_id", sa.Integer, b.ref("providers"), nullable=False),
        col("patient_id", sa.Integer, b.ref("patients")),
        col("appointment_type_id", sa.Integer, b.ref("appointment_types")),
        col("starts_at", sa.DateTime, nullable=False),
        col("duration", sa.Integer, nullable=False),
        col("category", text(50)),
        col("book_text", text(200)),
        col("registered_by", text(16), nullable=False),
        col("status", text(10), nullable=False, default="booked"),
        col("site_booking_id", text(64), unique=True),
        col("created_at", sa.DateTime, nullable=False),
        b.change_no(),
        _index("ix_appointments_provider_start", "provider_id", "starts_at"),
    )
    b.table(
        "journal_entries",
        b.id(),
        col("patient_id", sa.Integer, b.ref("patients"), nullable=False, index=True),
        col("written_at", sa.DateTime, nullable=False),
        col("author", text(16), nullable=False),
        col("text", sa.UnicodeText, nullable=False),
    )
    b.table(
        "patient_updates",
        b.id(),
        col("patient_id", sa.Integer, b.ref("patients"), nullable=False, index=True),
        col("requested_at", sa.DateTime, nullable=False),
        col("attribute", text(30), nullable=False),  # which field of the patient card
        col("new_value", text(300)),
        col("status", text(10), nullable=False, default="pending"),
        col("source", text(16), nullable=False),
    )
    for kind, member in (("registration", "appointment_type"), ("preblock", "preblock_type")):
        b.table(
            f"{kind}_lists",
            b.id(),
            col("name", text(limits.LIST_NAME), nullable=False, unique=True),
            col("owner", text(12), nullable=False, default="organisation"),
            b.managed(),
        )
        b.table(
            f"{kind}_list_items",
            col("list_id", sa.Integer, b.ref(f"{kind}_lists"), primary_key=True),
            col(f"{member}_id", sa.Integer, b.ref(f"{member}s"), primary_key=True),
            col("position", sa.Integer, nullable=False),
        )
    b.table(
        "list_links",
        b.id(),
        col("list_kind", text(12), nullable=False),  # registration | preblock
        col("list_id", sa.Integer, nullable=False),
        col("target_kind", text(12), nullable=False),  # organisation | company | provider
        col("target_id", sa.Integer, nullable=False),  # 0 for the organisation
        _unique("uq_list_links_target", "list_kind", "target_kind", "target_id"),
    )
    b.table(
        "access_rights",
        b.id(),
        col("category", text(30), nullable=False),
        col("function", text(50), nullable=False),
        col("grantee", text(limits.GRANTEE), nullable=False),  # a user or group; * is everyone
        _unique("uq_access_rights", "category", "function", "grantee"),
    )
    b.table(
        "ebooking_settings",
        col("name", text(50), primary_key=True),
        col("value", text(limits.SETTING_VALUE)),
    )
    _declare_bookkeeping(b)


def _declare_bookkeeping(b: _Builder) -> None:
    """The reconciler's own tables, all named rc_*."""
    col, text = b.col, sa.Unicode
    b.table(
        "rc_apply_lock",
        col("account", text(64), primary_key=True),
        col("holder", text(100), nullable=False),
        col("host", text(100), nullable=False),
        col("pid", sa.Integer, nullable=False),
        col("plan_id", text(64)),
        col("since", sa.DateTime, nullable=False),
    )
    b.table(
        "rc_sync_lease",
        col("account", text(64), primary_key=True),
        col("holder", text(100), nullable=False),
        col("host", text(100), nullable=False),
        col("pid", sa.Integer, nullable=False),
        col("acquired_at", sa.DateTime, nullable=False),
        col("expires_at", sa.DateTime, nullable=False),
    )
    b.table(
        "rc_journal",
        b.id(),
        col("account", text(64), nullable=False),
        col("plan_id", text(64), nullable=False),
        col("step", sa.Integer, nullable=False),
        col("address", text(300), nullable=False),
        col("action", text(10), nullable=False),  # create | update | delete
        col("status", text(10), nullable=False),  # intent | applied | failed
        col("detail", sa.UnicodeText),
        col("at", sa.DateTime, nullable=False),
        _index("ix_rc_journal_plan", "account", "plan_id", "step"),
    )
    b.table(
        "rc_state",
        col("account", text(64), primary_key=True),
        col("address", text(300), primary_key=True),
        col("kind", text(40), nullable=False),
        col("fingerprint", text(32), nullable=False),
        col("attrs", sa.UnicodeText, nullable=False),  # JSON
        col("applied_at", sa.DateTime, nullable=False),
    )
    b.table(
        "rc_sync_cursors",
        col("account", text(64), primary_key=True),
        col("name", text(50), primary_key=True),
        col("value", text(200), nullable=False),
        col("updated_at", sa.DateTime, nullable=False),
    )
    b.table(
        "rc_published",
        col("account", text(64), primary_key=True),
        col("database_name", text(64), primary_key=True),
        col("site_id", sa.Integer, primary_key=True),  # the site's batch ID
        col("provider_id", sa.Integer, nullable=False),
        col("starts_at", sa.DateTime, nullable=False),
        col("ends_at", sa.DateTime, nullable=False),
        col(
            "treatments", text(2000), nullable=False
        ),  # appointment type ids, sorted, comma-separated
        col("row_version", text(32), nullable=False),  # the site's RowVersion of the batch
        col("published_at", sa.DateTime, nullable=False),
    )


class OpusSchema:
    """The tables under the physical names one database uses; look them up by logical
    name: `schema.t("preblocks").c.starts_at`."""

    def __init__(self, names: Mapping[str, str] | None = None) -> None:
        self.names = dict(names or {})
        unknown = sorted(set(self.names) - _known_names())
        if unknown:
            raise UnknownName(unknown)
        self.metadata = sa.MetaData()
        builder = _Builder(self.metadata, self.names)
        _declare(builder)
        self.tables = builder.tables

    def t(self, logical: str) -> sa.Table:
        return self.tables[logical]

    @property
    def versioned(self) -> list[sa.Table]:
        return [self.tables[n] for n in VERSIONED]


class UnknownName(KeyError):
    """`names:` mentions a table or column the schema does not have."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(", ".join(names))
        self.names = names


def logical_names() -> dict[str, list[str]]:
    """Every logical table and its columns (for documentation and `names:` checks)."""
    builder = _Builder(sa.MetaData(), {})
    _declare(builder)
    return {name: [c.key for c in t.columns] for name, t in builder.tables.items()}


@cache
def _known_names() -> frozenset[str]:
    return frozenset(
        name
        for table, columns in logical_names().items()
        for name in (table, *(f"{table}.{c}" for c in columns))
    )
