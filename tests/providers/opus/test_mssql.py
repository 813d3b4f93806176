"""SQL Server cannot run here: its statements are compiled for the mssql dialect and checked."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mssql
from sqlalchemy.dialects.mssql import pyodbc as mssql_pyodbc
from support import REPO

from reconciler.providers.opus import OpusSchema, queries
from reconciler.providers.opus.bookings import BookWriter
from reconciler.providers.opus.records import RECORDS, Appointment, Preblock
from reconciler.providers.opus.reference import schema_reference
from reconciler.providers.opus.schema import ChangeNo, UnknownName
from reconciler.providers.opus.site_patients import site_patients_appointments


def dialect() -> sa.engine.Dialect:
    d = mssql_pyodbc.dialect()
    d.server_version_info = (16, 0)
    d._setup_version_attributes()
    return d


def test_the_ddl_compiles_with_rowversion_columns() -> None:
    captured: list[str] = []
    engine = sa.create_mock_engine(
        "mssql+pyodbc://", lambda sql, *a, **k: captured.append(str(sql.compile(dialect=dialect())))
    )
    OpusSchema().metadata.create_all(engine, checkfirst=False)
    ddl = "\n".join(captured)
    assert ddl.count("CREATE TABLE") == len(OpusSchema().tables)
    assert "change_no ROWVERSION NULL" in ddl
    assert "id INTEGER NOT NULL IDENTITY" in ddl


@pytest.mark.parametrize("table", sorted(RECORDS))
def test_every_reader_compiles(table: str) -> None:
    sql = str(queries.select_for(OpusSchema(), RECORDS[table]).compile(dialect=dialect()))
    assert sql.startswith("SELECT ")
    assert "ORDER BY" in sql


def test_filters_compile_with_subqueries_and_rowversion_comparison() -> None:
    schema = OpusSchema({"preblocks": "dbo.PREBLOKK", "preblocks.starts_at": "FRA"})
    window = (datetime(2026, 12, 1), datetime(2026, 12, 8))
    query = queries._filtered(
        schema,
        queries.select_for(schema, Preblock),
        Preblock,
        clinics=[1, 2],
        between=window,
        changed_since=42,
    )
    compiled = query.compile(dialect=dialect())
    sql = str(compiled)
    assert "FROM dbo.[PREBLOKK]" in sql
    assert "[PREBLOKK].[FRA] <" in sql
    assert "IN (SELECT providers.id" in sql
    assert "change_no >" in sql
    change = next(v for k, v in compiled.params.items() if k.startswith("change_no"))
    assert change == 42  # bound as 8 big-endian bytes by ChangeNo on SQL Server:
    assert ChangeNo().process_bind_param(42, dialect()) == (42).to_bytes(8, "big")
    assert ChangeNo().process_result_value(b"\x00" * 7 + b"\x2a", dialect()) == 42
    appointments = queries._filtered(
        schema, queries.select_for(schema, Appointment), Appointment, between=window
    )
    assert "appointments.starts_at >" in str(appointments.compile(dialect=dialect()))


def test_names_map_tables_and_columns_and_refuse_unknown_ones() -> None:
    schema = OpusSchema({"clinics": "dbo.Klinikk", "clinics.name": "Navn"})
    sql = str(sa.select(schema.t("clinics").c.name).compile(dialect=mssql.dialect()))
    assert sql == "SELECT dbo.[Klinikk].[Navn] \nFROM dbo.[Klinikk]"
    with pytest.raises(UnknownName) as info:
        OpusSchema({"klinikker": "x", "clinics.navn": "y"})
    assert info.value.names == ["clinics.navn", "klinikker"]


def test_docs_opus_schema_is_up_to_date() -> None:
    assert (REPO / "docs" / "opus-schema.md").read_text(encoding="utf-8") == schema_reference(), (
        "run scripts/docs"
    )


class Compiling:
    """Stands in for a SQL Server connection: compiles each statement for mssql and answers
    as if nothing were there."""

    def __init__(self) -> None:
        self.sql: list[str] = []

    def execute(self, statement: sa.Executable) -> sa.engine.Result[tuple[int]]:
        self.sql.append(str(statement.compile(dialect=dialect())))
        engine = sa.create_engine("sqlite://")
        return engine.connect().execute(sa.select(sa.literal(0)).where(sa.false()))


def test_boolean_filters_compile_to_comparisons_sql_server_accepts() -> None:
    """T-SQL has no `IS 1`: a BIT column is compared with `= 1`."""
    connection = Compiling()
    window = (datetime(2026, 12, 1), datetime(2026, 12, 8))
    queries.managed_preblocks(connection, OpusSchema(), window[0])  # type: ignore[arg-type]
    site_patients_appointments(connection, OpusSchema(), *window)  # type: ignore[arg-type]
    writer = BookWriter(connection, OpusSchema(), window[0])  # type: ignore[arg-type]
    with pytest.raises(sa.exc.NoResultFound):  # the stand-in has no rows to count
        writer._taken(1, *window, spare=None)
    sql = "\n".join(connection.sql)
    assert ".managed = 1" in sql and ".blocking = 1" in sql and ".use_in_ebooking = 1" in sql
    assert " IS 1" not in sql and " IS 0" not in sql
    assert "CONVERT(CHAR(16), preblocks.starts_at, 126)" in sql  # 2026-12-01T08:00
    assert "appointments WITH (UPDLOCK, HOLDLOCK)" in sql  # the checked time stays locked
