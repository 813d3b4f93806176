"""docs/opus-schema.md's tables, generated from schema.py so that the two never differ."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.mssql.pyodbc import MSDialect_pyodbc

from reconciler.providers.opus.schema import TABLE_DOCS, VERSIONED, OpusSchema

INTRO = """\
# The Opus tables

The vendor's database schema is not public, so the reconciler works against its own model of
the tables it touches, defined in `reconciler/providers/opus/schema.py` and listed here
(generated from it by `scripts/docs`). Where a database names a table or column differently,
map it in the config:

```yaml
databases:
  main:
    server: KLINIKK-SRV01
    database: OpusDental
    names:
      clinics: dbo.KLINIKK          # table: physical name (schema.name)
      clinics.name: NAVN            # table.column: physical name
```

Tables marked *versioned* carry `change_no`: SQL Server's `rowversion`, emulated elsewhere by
triggers on one database-wide sequence, so that sync can ask what changed since a number.
Tables named `rc_*` are the reconciler's own; on a real Opus database they are the only ones
it creates.
"""


def _type(column: sa.Column[object]) -> str:
    kind = column.type.compile(dialect=MSDialect_pyodbc())  # type: ignore[no-untyped-call]
    flags = []
    if column.primary_key:
        flags.append("key")
    if not column.nullable and not column.primary_key:
        flags.append("required")
    if column.foreign_keys:
        target = next(iter(column.foreign_keys)).column
        flags.append(f"→ {target.table.info['logical']}.{target.key}")
    return f"{kind}" + (f" ({', '.join(flags)})" if flags else "")


def schema_reference() -> str:
    schema = OpusSchema()
    parts = [INTRO]
    for logical, table in schema.tables.items():
        versioned = " *(versioned)*" if logical in VERSIONED else ""
        rows = [f"| `{c.key}` | {_type(c)} |" for c in table.columns]
        parts.append(
            f"## `{logical}`{versioned}\n\n{TABLE_DOCS[logical]}\n\n"
            "| column | SQL Server type |\n|---|---|\n" + "\n".join(rows) + "\n"
        )
    return "\n".join(parts)
