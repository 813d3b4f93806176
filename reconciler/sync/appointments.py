"""The clinic's own appointments out to the site: so that a patient who has booked on the site
sees there the appointments the clinic booked for them at the front desk (and may move or
cancel them where the site's rules allow), and stops seeing a site booking the clinic
cancelled or moved in the book (the guide: "Visning av timeavtaler").

Only while the site shows appointments or lets patients move or cancel them. Per database,
after the free time: when the appointments changed (their change counter, trusted only once
`lag` old, as the publisher does), the upcoming appointments of the patients the site
knows are read in one query and what differs from the last upload is sent. The first upload
after a start replaces what the site holds, so nothing a crash interrupted is left behind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from reconciler.domain.freetime import FREEING
from reconciler.providers.opus.connection import connected
from reconciler.providers.opus.counters import Count
from reconciler.providers.opus.site_patients import PatientAppointment, site_patients_appointments
from reconciler.providers.site.backend import BackendClient
from reconciler.providers.site.models import BookAppointment, BookAppointments
from reconciler.sync.publish import DEFAULT_LAG, Target


def wanted_by(target: Target) -> bool:
    """Whether the site has any use for the clinic's appointments."""
    site = target.settings.site
    return (
        site.flexibility.show_appointments
        or site.booking.change_appointment
        or (site.booking.cancellation)
    )


@dataclass
class _Memory:
    shown: dict[int, BookAppointment] | None = None  # by Opus id; None until the first upload
    gone: set[int] = field(default_factory=set)  # site bookings said to be gone
    count: Count | None = None
    counted_at: datetime | None = None  # when the count last changed
    day: date | None = None


@dataclass
class Uploader:
    """Keeps one database's appointments for the site's patients on the site."""

    target: Target
    site: BackendClient
    lag: timedelta = DEFAULT_LAG
    memory: _Memory = field(default_factory=_Memory)

    def cycle(self, now: datetime, count: Count | None) -> int:
        """Upload what changed, given the appointments' change counter: how many
        appointments the site changed."""
        memory = self.memory
        if count != memory.count:
            memory.count, memory.counted_at = count, now
        settled = memory.counted_at is not None and memory.counted_at <= now - self.lag
        if memory.shown is not None and memory.day == now.date() and settled:
            return 0
        shown, gone = self._read(now)
        upload = self._difference(shown, gone)
        if upload is None:
            return 0
        result = self.site.upload_appointments(self.target.site_id, upload)
        memory.shown, memory.day = shown, now.date()
        memory.gone |= gone
        return sum(result.values())

    def _read(self, now: datetime) -> tuple[dict[int, BookAppointment], set[int]]:
        """What the site should show (by Opus id), and the site bookings the book ended."""
        t = self.target
        scope = t.scope(now.date())
        start = datetime.combine(now.date(), datetime.min.time())
        with connected(t.engine, t.db, t.name) as connection:
            found = site_patients_appointments(connection, t.schema, start, t.until(now))
        shown: dict[int, BookAppointment] = {}
        gone: set[int] = set()
        for a in found:
            end = a.starts_at + timedelta(minutes=a.duration)
            if a.provider_code not in scope.providers or end <= now:
                continue
            if a.site_booking_id is not None:
                if a.status in FREEING and a.site_booking_id.isdigit():
                    gone.add(int(a.site_booking_id))
            elif a.status not in FREEING:
                clinic = t.settings.clinics[scope.providers[a.provider_code]]
                shown[a.id] = _shown(a, clinic.opus_id)
        return shown, gone

    def _difference(
        self, shown: dict[int, BookAppointment], gone: set[int]
    ) -> BookAppointments | None:
        """The upload that brings the site from the last upload to `shown` and `gone`; the
        whole of it the first time; None when there is nothing to send."""
        before = self.memory.shown
        new_gone = sorted(gone - self.memory.gone)
        if before is None:
            return BookAppointments(Replace=True, Upserts=list(shown.values()), Gone=new_gone)
        upserts = [a for i, a in shown.items() if before.get(i) != a]
        removals = sorted(set(before) - set(shown))
        if not (upserts or removals or new_gone):
            return None
        return BookAppointments(Upserts=upserts, Removals=removals, Gone=new_gone)


def _shown(a: PatientAppointment, clinic_id: int) -> BookAppointment:
    return BookAppointment(
        OpusAppointmentID=a.id,
        PatientPersonalIdentification=a.national_id,
        ClinicID=clinic_id,
        ClinicianID=a.provider_id,
        TreatmentID=a.treatment_id,
        Start=a.starts_at,
        End=a.starts_at + timedelta(minutes=a.duration),
    )
