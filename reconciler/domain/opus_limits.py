"""What the Opus database's columns hold, for the values the config writes to them.

The config model checks its values against these at validate, so that a value Opus cannot
hold is a problem with a file and line rather than a driver error during apply; the table
definitions (reconciler.providers.opus.schema) are declared with the same numbers.

Opus runs on SQL Server: `int` columns hold -2,147,483,648 … 2,147,483,647, text columns
are `nvarchar(n)` (n characters), and the default collation compares text
case-insensitively and ignores trailing spaces, so that names which differ only so are one
row (`opus_key`).
"""

from __future__ import annotations

from typing import Final

INT_MAX: Final = 2_147_483_647  # SQL Server's int

# nvarchar lengths, by the column the config's value is written to (table.column)
PROVIDER_CODE: Final = 16  # providers.code
NAME: Final = 174  # clinics.name, providers.name
TITLE: Final = 50  # providers.title
APPOINTMENT_TYPE_NAME: Final = 30  # appointment_types.name
CATEGORY: Final = 50  # appointment_types.category
DESCRIPTION: Final = 150  # appointment_types.description
RESOURCE: Final = 30  # appointment_types.resource
BOOK_TEXT: Final = 100  # appointment_types.book_text
PREBLOCK_TYPE_NAME: Final = 30  # preblock_types.name
PREBLOCK_TYPE_TEXT: Final = 100  # preblock_types.text
PREBLOCK_TYPE_CODE: Final = 30  # preblock_types.code
LIST_NAME: Final = 50  # registration_lists.name, preblock_lists.name
GRANTEE: Final = 30  # access_rights.grantee: an Opus user or user group
SETTING_VALUE: Final = 100  # ebooking_settings.value


def opus_key(name: str) -> str:
    """`name` as SQL Server's default collation compares it: case folded, trailing spaces
    ignored. Two names with the same key are one row in Opus."""
    return name.rstrip(" ").casefold()
