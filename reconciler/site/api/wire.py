"""Shared pieces of the wire models: the strict base class and small field types.

Field names are the vendor's (PascalCase, with its spellings: `Adress1`,
`HourBeforModifyBookingClosing`, `UseCodeChallange`) so that payloads read like the vendor's.
Requests are strict: unknown fields and wrongly typed values are refused with a clear problem
rather than guessed at.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from reconciler.site.booking.times import normalize


class Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    def out(self) -> dict[str, Any]:
        """As JSON data for a response: unset optional fields are left out."""
        return self.model_dump(mode="json", exclude_none=True)


Text10 = Annotated[str, StringConstraints(max_length=10)]
Text20 = Annotated[str, StringConstraints(max_length=20)]
Text30 = Annotated[str, StringConstraints(max_length=30)]
Text50 = Annotated[str, StringConstraints(max_length=50)]
Text60 = Annotated[str, StringConstraints(max_length=60)]
Text100 = Annotated[str, StringConstraints(max_length=100)]
Text150 = Annotated[str, StringConstraints(max_length=150)]
Text174 = Annotated[str, StringConstraints(max_length=174)]
Text300 = Annotated[str, StringConstraints(max_length=300)]
Text1000 = Annotated[str, StringConstraints(max_length=1000)]
LongText = Annotated[str, StringConstraints(max_length=4000)]
Name100 = Annotated[str, StringConstraints(min_length=1, max_length=100)]

LocalTime = Annotated[datetime, AfterValidator(normalize)]
"""A datetime in the clinic's local time; an offset, if sent, is converted to it."""

Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
Count = Annotated[int, Field(ge=0, le=10_000)]
Minutes = Annotated[int, Field(ge=0, le=24 * 60)]


def row_version(number: int) -> str:
    """A version counter as the vendor's RowVersion: 8 bytes big-endian, base64."""
    return base64.b64encode(number.to_bytes(8, "big")).decode("ascii")


def row_version_number(text: str) -> int | None:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return int.from_bytes(raw, "big") if len(raw) == 8 else None
