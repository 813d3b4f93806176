"""Bookings back: the site's booking events written into the books, each in one database
transaction, then acknowledged at the site.

An event seen again (the service stopped between writing and acknowledging) is judged again
and changes nothing: the book knows each booking by its site id. A booking whose time the
book took meanwhile is rejected at the site, which cancels it and tells the patient. The
rejection is journalled (`rc_journal`) before the site hears of it, and counted: an event
seen again after its rejection is rejected again (the site answers as the first time), never
written, even if its time has come free since. A move of a booking the book never took (its
own time was rejected, or it was moved again before the service saw it) is the patient's
booking all the same: it is written as new.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from reconciler.config.model import Account
from reconciler.domain.national_id import InvalidNationalId, parse
from reconciler.errors import ReconcilerError
from reconciler.providers.opus import bookkeeping
from reconciler.providers.opus.bookings import Booking, BookWriter, Patient, Ref, Result
from reconciler.providers.opus.connection import connected
from reconciler.providers.site.backend import BackendClient
from reconciler.providers.site.models import BookingEvent
from reconciler.sync.publish import Target

WHY = {
    Result.TAKEN: "the time was taken in the appointment book before the booking reached it",
    Result.INVALID: "the booking holds no valid national identity number",
    Result.GONE: "the appointment it moves is no longer in the appointment book",
}


@dataclass
class Written:
    applied: int = 0
    rejected: int = 0
    skipped: int = 0  # seen before, or about something the book does not have


class Writer:
    """Writes one account's booking events into its databases."""

    def __init__(
        self, account: str, settings: Account, targets: list[Target], site: BackendClient
    ) -> None:
        self.account = account
        self.settings = settings
        self.targets = {t.site_id: t for t in targets}
        self.lead = targets[0]
        self.site = site

    def cycle(self, now: datetime) -> Written:
        written = Written()
        events = list(self.site.events())
        if not events:
            return written
        earlier = self._rejected_since(min(int(e.Cursor) for e in events))
        for event in events:
            why = earlier.get(int(event.Cursor), "")
            if not why:
                result = self._write(event, now)
                if result in WHY:
                    why = WHY[result]
                    self._journal_rejection(event, why)
                    written.rejected += 1
                elif result is Result.WRITTEN:
                    written.applied += 1
                else:
                    written.skipped += 1
            if why:  # again, when rejected before: the site answers as it did the first time
                self.site.reject(event.Cursor, why)
        self.site.acknowledge(events[-1].Cursor)
        return written

    def _write(self, event: BookingEvent, now: datetime) -> Result:
        target = self.targets.get(event.OpusDatabaseID)
        if target is None:
            raise ReconcilerError(
                f"a booking event names database {event.OpusDatabaseID}, which this "
                f"account's active databases are not",
                "check the account's databases (active: true) and apply",
            )
        journal = event.RegisterInJournal
        moves = event.Kind == "moved" and event.PreviousBookingId is not None
        clinics_own = moves and event.PreviousOpusAppointmentID is not None
        booking = _booking(event, with_patient=not clinics_own)
        with connected(target.engine, target.db, target.name) as connection:
            book = BookWriter(connection, target.schema, now)
            if event.Kind == "cancelled":
                return book.cancel(_ref(event.Booking.OpusAppointmentID, event.BookingId), journal)
            if booking is None:
                return Result.INVALID
            if moves:
                previous = _ref(event.PreviousOpusAppointmentID, event.PreviousBookingId)
                return book.move(previous, booking, journal)
            return book.new(booking)

    def _rejected_since(self, cursor: int) -> dict[int, str]:
        """The events from `cursor` on that were rejected before (the service stopped before
        the site heard of it, or before it was acknowledged): why, by cursor."""
        lead = self.lead
        with connected(lead.engine, lead.db, lead.name) as connection:
            return bookkeeping.rejections(connection, lead.schema, self.account, cursor)

    def _journal_rejection(self, event: BookingEvent, why: str) -> None:
        lead = self.lead
        with connected(lead.engine, lead.db, lead.name) as connection:
            bookkeeping.journal(
                connection,
                lead.schema,
                account=self.account,
                plan_id="sync",
                step=int(event.Cursor),
                address=f"booking {event.BookingId} ({event.Kind})",
                action="create",
                status="rejected",
                detail=why,
            )


def _ref(opus_id: int | None, booking_id: int | None) -> Ref:
    """The book's appointment for a site booking: the clinic's own by its id, else by the
    site's booking id."""
    return Ref(opus_id=opus_id) if opus_id is not None else Ref(site_id=str(booking_id))


def _booking(event: BookingEvent, *, with_patient: bool) -> Booking | None:
    """The event's booking in the book's terms; None when it needs a patient and has no
    valid national id."""
    found = event.Booking
    patient = _patient(event) if with_patient else None
    if with_patient and patient is None:
        return None
    return Booking(
        site_id=str(event.BookingId),
        provider_id=found.TimeSlot.ClinicianID,
        starts_at=found.TimeSlot.Start.replace(tzinfo=None),
        appointment_type_id=found.TimeSlot.TreatmentID,
        patient=patient,
        campaign_code=found.CampaignCode,
        note=found.FreeTextMessage,
        logged_in=event.PatientLoggedIn,
    )


def _patient(event: BookingEvent) -> Patient | None:
    person = event.Booking.Patient
    try:
        national_id = parse(person.PatientPersonalIdentification or "").digits
    except InvalidNationalId:
        return None
    return Patient(
        national_id,
        person.FirstName or "",
        person.LastName or "",
        {
            "address1": person.Adress1,
            "address2": person.Adress2,
            "postal_code": person.PostalCode,
            "city": person.City,
            "mobile": person.MobilePhoneNumber,
            "email": person.Email,
        },
    )
