"""Change numbers behave like SQL Server's rowversion on every backend."""

from __future__ import annotations

import sqlalchemy as sa
from opus_support import Backend

from reconciler.providers.opus import queries, rowversion, writes
from reconciler.providers.opus.records import Clinic


def test_every_insert_and_update_gets_a_higher_number(backend: Backend) -> None:
    schema = backend.schema
    with backend.engine.begin() as c:
        start = rowversion.current(c)
        writes.insert(
            c, schema, "clinics", [{"id": 1, "name": "Sentrum"}, {"id": 2, "name": "Nord"}]
        )
        clinics = queries.read(c, schema, Clinic)
    numbers = [cl.change_no for cl in clinics]
    assert all(n is not None and n > start for n in numbers)
    assert len(set(numbers)) == 2
    with backend.engine.begin() as c:
        writes.update(c, schema, "clinics", [(2, {"name": "Nordre"})])
        changed = queries.read(c, schema, Clinic, changed_since=max(numbers))  # type: ignore[type-var]
        assert [cl.name for cl in changed] == ["Nordre"]
        assert rowversion.current(c) == changed[0].change_no
        # a write by someone else (plain SQL, as staff's tools would) is stamped too
        table = schema.t("clinics")
        c.execute(sa.update(table).where(table.c.id == 1).values(name="Sentrum 2"))
        again = queries.read(c, schema, Clinic, changed_since=changed[0].change_no)  # type: ignore[type-var]
        assert [cl.id for cl in again] == [1]
