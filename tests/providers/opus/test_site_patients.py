"""The appointments of the patients the site knows, read in one query on every backend."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from opus_support import Backend

from reconciler.demo.seed import generate
from reconciler.demo.workspace import write_seed
from reconciler.providers.opus.site_patients import site_patients_appointments

START = date(2026, 11, 30)


def test_only_patients_who_booked_on_the_site_and_their_types_if_ebooking(
    backend: Backend,
) -> None:
    schema = backend.schema
    a, k = schema.t("appointments"), schema.t("appointment_types")
    with backend.engine.begin() as connection:
        write_seed(connection, schema, generate(seed=5, clinics=1, start=START))
        patient_id, first = connection.execute(
            sa.select(a.c.patient_id, a.c.id)
            .where(a.c.patient_id.is_not(None))
            .order_by(a.c.id)
            .limit(1)
        ).one()
        connection.execute(a.update().where(a.c.id == first).values(site_booking_id="77"))
        plain = connection.execute(
            sa.select(k.c.id).where(k.c.use_in_ebooking.is_(False)).limit(1)
        ).scalar()
        provider = connection.execute(sa.select(a.c.provider_id).where(a.c.id == first)).scalar()
        staff = {
            "provider_id": provider,
            "patient_id": patient_id,
            "duration": 45,
            "registered_by": "SOV",
            "status": "booked",
            "created_at": datetime(2026, 11, 30, 8),
        }
        connection.execute(
            a.insert(),
            [
                {**staff, "starts_at": datetime(2026, 12, 14, 9), "appointment_type_id": plain},
                {
                    **staff,
                    "starts_at": datetime(2027, 6, 1, 9),
                    "appointment_type_id": None,
                },  # beyond the window
            ],
        )
    window = (datetime(2026, 11, 30), datetime(2026, 11, 30) + timedelta(days=90))
    with backend.engine.connect() as connection:
        found = site_patients_appointments(connection, schema, *window)
        expected = (
            connection.execute(
                sa.select(a.c.id)
                .where(a.c.patient_id == patient_id, a.c.starts_at >= window[0])
                .where(a.c.starts_at < window[1])
                .order_by(a.c.id)
            )
            .scalars()
            .all()
        )
    assert [f.id for f in found] == list(expected)
    assert {f.site_booking_id for f in found} >= {"77", None}
    staff_row = next(f for f in found if f.starts_at == datetime(2026, 12, 14, 9))
    assert staff_row.duration == 45 and staff_row.treatment_id is None  # not an e-booking type
    assert "national_id" not in repr(staff_row)
