"""The appointments of the patients the booking site knows — those who have booked there
(an appointment with a `site_booking_id`) — in a window: what the sync service shows the
site, so that a patient sees the appointments the clinic booked for them too."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from reconciler.providers.opus.schema import OpusSchema


@dataclass(frozen=True)
class PatientAppointment:
    id: int
    provider_id: int
    provider_code: str
    treatment_id: int | None  # its appointment type, if one used in e-booking
    starts_at: datetime
    duration: int
    status: str
    site_booking_id: str | None
    national_id: str = field(repr=False)  # never shown


def site_patients_appointments(
    connection: sa.Connection, schema: OpusSchema, start: datetime, until: datetime
) -> list[PatientAppointment]:
    """Every appointment starting in [start, until) of a patient who has booked on the site,
    whatever its status, in id order — one query."""
    a, p, v = schema.t("appointments"), schema.t("patients"), schema.t("providers")
    k = schema.t("appointment_types")
    ebooking = k.c.use_in_ebooking == sa.true()
    known = sa.select(a.c.patient_id).where(a.c.site_booking_id.is_not(None))
    rows = connection.execute(
        sa.select(
            a.c.id,
            v.c.id,
            v.c.code,
            sa.case((ebooking, a.c.appointment_type_id), else_=None),
            a.c.starts_at,
            a.c.duration,
            a.c.status,
            a.c.site_booking_id,
            p.c.national_id,
        )
        .select_from(
            a.join(p, p.c.id == a.c.patient_id)
            .join(v, v.c.id == a.c.provider_id)
            .outerjoin(k, k.c.id == a.c.appointment_type_id)
        )
        .where(a.c.starts_at >= start, a.c.starts_at < until, a.c.patient_id.in_(known))
        .order_by(a.c.id)
    )
    return [PatientAppointment(*row) for row in rows]
