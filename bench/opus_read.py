"""How fast the bulk readers read a large Opus database, against the raw SELECT.

Builds the demo database at --clinics N (SQLite, in a temporary directory; ~10 providers per
clinic, eight weeks of working hours, appointments and preblocks), then for each kind times,
in the same run, (a) the raw SELECT of the same columns through the DBAPI cursor — rows as
plain tuples, the floor — and (b) `queries.read`, which returns records. Prints rows, rows per
second and the ratio. Fails nothing.

    .venv/bin/python bench/opus_read.py [--clinics 200] [--repeat 3] [--url URL]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from timing import best

from reconciler.demo.workspace import init
from reconciler.providers.opus import OpusSchema, queries
from reconciler.providers.opus.records import (
    Appointment,
    Patient,
    Preblock,
    PreblockType,
    Provider,
    WorkingHours,
)

KINDS = [Provider, WorkingHours, Preblock, PreblockType, Appointment, Patient]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clinics", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        workspace = init(Path(tmp) / "demo", clinics=args.clinics)
        print(f"demo init --clinics {args.clinics}: {time.perf_counter() - start:.1f}s")
        engine = sa.create_engine(f"sqlite:///{workspace.database}")
        schema = OpusSchema()
        print(
            f"{'kind':<16} {'rows':>8} {'raw SELECT':>11} {'reader':>9} {'rows/s':>10} {'ratio':>6}"
        )
        total_raw = total_read = 0.0
        with engine.connect() as connection:
            for kind in KINDS:
                sql = str(queries.select_for(schema, kind).compile(dialect=engine.dialect))

                def raw(sql: str = sql) -> int:
                    cursor = connection.connection.cursor()
                    cursor.execute(sql)
                    return len(cursor.fetchall())

                def read(kind: type = kind) -> int:
                    return len(queries.read(connection, schema, kind))

                raw_time, rows = best(args.repeat, raw)
                read_time, read_rows = best(args.repeat, read)
                assert rows == read_rows
                total_raw += raw_time
                total_read += read_time
                print(
                    f"{kind.__name__:<16} {rows:>8} {raw_time:>10.3f}s {read_time:>8.3f}s "
                    f"{rows / read_time:>10,.0f} {read_time / raw_time:>5.1f}x"
                )
        print(
            f"{'all':<16} {'':>8} {total_raw:>10.3f}s {total_read:>8.3f}s {'':>10} "
            f"{total_read / total_raw:>5.1f}x"
        )
        engine.dispose()


if __name__ == "__main__":
    main()
