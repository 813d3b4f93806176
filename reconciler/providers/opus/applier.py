"""Carrying out planned changes on an Opus database. Each call runs inside the caller's
transaction; the apply engine decides what one step (one transaction) holds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from reconciler.domain.resources import Action, Change, keys_of
from reconciler.errors import DatabaseError
from reconciler.providers.opus import queries, writes
from reconciler.providers.opus import records as r
from reconciler.providers.opus.live import Live
from reconciler.providers.opus.resources import ACCESS_CATEGORY, EBOOKING_SETTINGS, PREBLOCK_ACCESS
from reconciler.providers.opus.schema import RECONCILER_USER, OpusSchema


class OpusApplier:
    """Applies changes to one database, looking up ids by name as the database has them."""

    def __init__(self, connection: sa.Connection, schema: OpusSchema, live: Live) -> None:
        self.c = connection
        self.schema = schema
        self.live = live
        self._types: dict[str, dict[str, int]] = {}

    def ids_of(self, record: type[Any]) -> dict[str, int]:
        """name → id for appointment or preblock types, read once per step."""
        key = record.table
        if key not in self._types:
            self._types[key] = {t.name: t.id for t in queries.read(self.c, self.schema, record)}
        return self._types[key]

    def apply(self, changes: Sequence[Change], now: datetime) -> None:
        if changes and changes[0].kind == "opus_preblock":
            self._preblocks(changes, now)
            return
        for change in changes:
            handler = getattr(self, "_" + change.kind.removeprefix("opus_"))
            handler(change)
            self._types.clear()

    def _row_id(self, change: Change) -> int:
        return self.live.ids[change.address]

    def _ebooking(self, change: Change) -> None:
        after = change.resource.attrs if change.after else {}
        table = self.schema.t("ebooking_settings")
        self.c.execute(table.delete().where(table.c.name.in_(EBOOKING_SETTINGS)))
        writes.insert(
            self.c,
            self.schema,
            "ebooking_settings",
            [{"name": n, "value": str(v)} for n, v in after.items() if v is not None],
        )

    def _access(self, change: Change) -> None:
        table = self.schema.t("access_rights")
        self.c.execute(
            table.delete().where(
                table.c.category == ACCESS_CATEGORY, table.c.function == PREBLOCK_ACCESS
            )
        )
        grantees = change.after.attrs["grantees"] if change.after else []
        writes.insert(
            self.c,
            self.schema,
            "access_rights",
            [
                {"category": ACCESS_CATEGORY, "function": PREBLOCK_ACCESS, "grantee": g}
                for g in grantees
            ],
        )

    def _appointment_type(self, change: Change) -> None:
        self._simple(change, "appointment_types", {"name": keys_of(change.address)[-1]})

    def _simple(self, change: Change, table: str, identity: dict[str, Any]) -> dict[str, Any]:
        """Create, update or delete one row whose attributes are columns."""
        attrs = dict(change.after.attrs) if change.after else {}
        columns = {k: v for k, v in attrs.items() if k in self.schema.t(table).c}
        if change.action is Action.CREATE:
            writes.insert(self.c, self.schema, table, [{**identity, **columns, "managed": True}])
        elif change.action is Action.UPDATE:
            changed = {k: columns[k] for k in change.fields if k in columns}
            if changed:
                writes.update(self.c, self.schema, table, [(self._row_id(change), changed)])
        else:
            writes.delete(self.c, self.schema, table, [self._row_id(change)])
        return attrs

    def _preblock_type(self, change: Change) -> None:
        name = keys_of(change.address)[-1]
        exclusions = self.schema.t("preblock_type_exclusions")
        if change.action is not Action.CREATE:
            self.c.execute(
                exclusions.delete().where(exclusions.c.preblock_type_id == self._row_id(change))
            )
        attrs = self._simple(change, "preblock_types", {"name": name})
        if change.action is Action.DELETE:
            return
        type_id = self.ids_of(r.PreblockType)[name]
        atypes = self.ids_of(r.AppointmentType)
        missing = [t for t in attrs["disallowed_appointment_types"] if t not in atypes]
        if missing:
            raise DatabaseError(
                f"preblock type '{name}': appointment types {', '.join(missing)} do not exist",
                "declare them under appointment_types, or remove them from the list",
            )
        writes.insert(
            self.c,
            self.schema,
            "preblock_type_exclusions",
            [
                {"preblock_type_id": type_id, "appointment_type_id": atypes[t]}
                for t in attrs["disallowed_appointment_types"]
            ],
        )

    def _registration_list(self, change: Change) -> None:
        self._list(change, "registration", r.AppointmentType, "appointment_type_id")

    def _preblock_list(self, change: Change) -> None:
        self._list(change, "preblock", r.PreblockType, "preblock_type_id")

    def _list(self, change: Change, kind: str, member: type[Any], member_column: str) -> None:
        name = keys_of(change.address)[-1]
        items = self.schema.t(f"{kind}_list_items")
        links = self.schema.t("list_links")
        if change.action is not Action.CREATE:
            list_id = self._row_id(change)
            self.c.execute(items.delete().where(items.c.list_id == list_id))
            self.c.execute(
                links.delete().where(links.c.list_kind == kind, links.c.list_id == list_id)
            )
        attrs = self._simple(change, f"{kind}_lists", {"name": name})
        if change.action is Action.DELETE:
            return
        lists_record = r.RegistrationList if kind == "registration" else r.PreblockList
        list_id = self.ids_of(lists_record)[name]
        names = self.ids_of(member)
        missing = [n for n in attrs["items"] if n not in names]
        if missing:
            raise DatabaseError(
                f"{kind} list '{name}': {', '.join(missing)} do not exist in the database",
                "declare them in the config first",
            )
        writes.insert(
            self.c,
            self.schema,
            f"{kind}_list_items",
            [
                {"list_id": list_id, member_column: names[n], "position": i + 1}
                for i, n in enumerate(attrs["items"])
            ],
        )
        linked = attrs["linked_to"]
        clinic_ids = {key: cid for cid, key in self.live.clinic_ids.items()}
        targets = [("organisation", 0)] if linked["organisation"] else []
        targets += [("company", clinic_ids[c]) for c in linked["clinics"]]
        targets += [("provider", self.live.provider_ids[p]) for p in linked["providers"]]
        writes.insert(
            self.c,
            self.schema,
            "list_links",
            [
                {"list_kind": kind, "list_id": list_id, "target_kind": t, "target_id": i}
                for t, i in targets
            ],
        )

    def _provider(self, change: Change) -> None:
        if change.after is not None:
            writes.update(
                self.c,
                self.schema,
                "providers",
                [(self._row_id(change), {f: change.after.attrs[f] for f in change.fields})],
            )

    def _preblocks(self, changes: Sequence[Change], now: datetime) -> None:
        """Preblocks of one provider: deletes, updates and creates together."""
        deletes = [self._row_id(c) for c in changes if c.action is Action.DELETE]
        writes.delete(self.c, self.schema, "preblocks", deletes)
        types = self.ids_of(r.PreblockType)
        updates = [
            (
                self._row_id(c),
                {
                    "ends_at": _time(c.resource.attrs["ends_at"]),
                    "preblock_type_id": types[c.resource.attrs["type"]],
                },
            )
            for c in changes
            if c.action is Action.UPDATE
        ]
        writes.update(self.c, self.schema, "preblocks", updates)
        creates = [c.resource.attrs for c in changes if c.action is Action.CREATE]
        writes.insert(
            self.c,
            self.schema,
            "preblocks",
            (
                {
                    "provider_id": self.live.provider_ids[a["provider"]],
                    "preblock_type_id": types[a["type"]],
                    "starts_at": _time(a["starts_at"]),
                    "ends_at": _time(a["ends_at"]),
                    "created_by": RECONCILER_USER,
                    "created_at": now,
                    "managed": True,
                }
                for a in creates
            ),
        )


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)
