"""The config model refuses at validate what the Opus columns cannot hold: every text the
config writes to Opus is at most as long as its column, every integer within SQL Server's
int, so that no such value reaches the driver."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from reconciler.config.model import Config
from reconciler.domain import opus_limits
from reconciler.providers.opus.schema import OpusSchema

SCHEMA = Config.model_json_schema()
DEFS = SCHEMA["$defs"]

# model (definition, field) → the Opus column its value is written to; "[key]" is the key of
# the mapping the field holds (the name of each object)
WRITTEN_TO = [
    (("Clinic", "opus_id"), "clinics.id"),
    (("Clinic", "providers", "[key]"), "providers.code"),
    (("Opus", "appointment_types", "[key]"), "appointment_types.name"),
    (("AppointmentType", "duration"), "appointment_types.duration"),
    (("AppointmentType", "category"), "appointment_types.category"),
    (("AppointmentType", "description"), "appointment_types.description"),
    (("AppointmentType", "resource"), "appointment_types.resource"),
    (("AppointmentType", "move_max_days"), "appointment_types.move_max_days"),
    (("AppointmentType", "book_text"), "appointment_types.book_text"),
    (("Opus", "preblock_types", "[key]"), "preblock_types.name"),
    (("PreblockType", "text"), "preblock_types.text"),
    (("PreblockType", "code"), "preblock_types.code"),
    (("PreblockType", "expires_days_before"), "preblock_types.expires_days_before"),
    (("Opus", "registration_lists", "[key]"), "registration_lists.name"),
    (("Opus", "preblock_lists", "[key]"), "preblock_lists.name"),
    (("RegistrationList", "appointment_types", "[item]"), "appointment_types.name"),
    (("PreblockList", "preblock_types", "[item]"), "preblock_types.name"),
    (("PreblockType", "disallowed_appointment_types", "[item]"), "appointment_types.name"),
    (("PublishingRule", "preblock_type"), "preblock_types.name"),
    (("PublishingRule", "appointment_types", "[item]"), "appointment_types.name"),
]


def field_schema(definition: str, field: str, part: str | None) -> dict[str, Any]:
    node: dict[str, Any] = DEFS[definition]["properties"][field]
    node = next((b for b in node.get("anyOf", [node]) if b.get("type") != "null"), node)
    if part == "[key]":
        patterns = list(node.get("patternProperties", {}))
        node = {"pattern": patterns[0]} if patterns else node.get("propertyNames", {})
    elif part == "[item]":
        node = node["items"]
    return node


def pattern_length(pattern: str) -> int:
    """The longest text a pattern `^[first][rest]{0,n}$` allows: n + 1."""
    return int(pattern.rsplit(",", 1)[1].split("}", 1)[0]) + 1


@pytest.mark.parametrize(("field", "column"), WRITTEN_TO, ids=[c for _, c in WRITTEN_TO])
def test_the_model_holds_no_more_than_the_column(field: tuple[str, ...], column: str) -> None:
    definition, name, *part = field
    node = field_schema(definition, name, part[0] if part else None)
    table, column_name = column.split(".")
    sql_type = OpusSchema().t(table).c[column_name].type
    if isinstance(sql_type, sa.String):
        assert sql_type.length is not None
        most = node.get("maxLength") or pattern_length(node["pattern"])
        assert most <= sql_type.length, f"{field} holds {most}, {column} {sql_type.length}"
    else:
        assert isinstance(sql_type, sa.Integer)
        assert node["type"] == "integer"
        assert node.get("minimum", -opus_limits.INT_MAX - 1) >= -opus_limits.INT_MAX - 1
        assert node.get("maximum") is not None, f"{field} has no upper bound"
        assert node["maximum"] <= opus_limits.INT_MAX


def test_access_grantees_fit_their_column() -> None:
    grantee = OpusSchema().t("access_rights").c.grantee.type
    assert isinstance(grantee, sa.String)
    assert grantee.length == opus_limits.GRANTEE
    items = DEFS["AccessRights"]["properties"]["preblock_for_internet"]["anyOf"][1]["items"]
    assert items["maxLength"] == opus_limits.GRANTEE
