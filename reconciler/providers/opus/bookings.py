"""Bookings from the site, written into the appointment book: each in the transaction the
caller holds, so that a booking and the record that it was written commit together.

- **new**: the patient found by national identity number, or created; the appointment on
  the provider at that time, with the appointment type's duration, category and book text
  (plus `CC: <code>` for a campaign code, and the patient's note), registered by ITB and
  tied to the site's booking (`site_booking_id`).
- **moved**: the old appointment kept as the book's skeleton (status moved), the new one
  written; a journal entry when the site asks for one. A move of a booking the book never
  took (rejected, or moved on before it reached the book) is written as a new booking.
- **cancelled**: status cancelled (the skeleton kept); a journal entry when asked for.
- **the patient card**: a changed address, mobile or e-mail is written to the card when the
  patient logged in by SMS, else queued for staff to accept (`patient_updates`).

A booking seen again changes nothing (by `site_booking_id`). A booking whose time the book
has taken meanwhile (an appointment or a blocking preblock over it) is not written: the
caller rejects it at the site — nothing is ever double booked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final

import sqlalchemy as sa

from reconciler.domain.freetime import FREEING
from reconciler.providers.opus.queries import LONGEST_APPOINTMENT
from reconciler.providers.opus.schema import OpusSchema

SITE_USER: Final = "ITB"  # who the book says registered a booking from the site
CARD_FIELDS: Final = ("address1", "address2", "postal_code", "city", "mobile", "email")


class Result(StrEnum):
    WRITTEN = "written"
    SEEN = "seen"  # written before: nothing to do
    TAKEN = "taken"  # its time is taken in the book: to be rejected
    UNKNOWN = "unknown"  # what it refers to is not in the book (moved or cancelled booking)
    INVALID = "invalid"  # it cannot be written as it is: to be rejected
    GONE = "gone"  # it moves an appointment the clinic booked that the book no longer has


@dataclass(frozen=True)
class Patient:
    national_id: str
    first_name: str
    last_name: str
    card: dict[str, str | None]  # CARD_FIELDS as given (None: not given)

    def __repr__(self) -> str:
        return "Patient(…)"  # personal data is never shown


@dataclass(frozen=True)
class Ref:
    """An appointment in the book: by the site's booking id, or, for one the clinic booked
    (which the site knows from the sync's upload), by its own id."""

    site_id: str | None = None
    opus_id: int | None = None


@dataclass(frozen=True)
class Booking:
    """A booking as the site sends it, in the book's terms. A move of an appointment the
    clinic booked has no patient: it stays the appointment's patient."""

    site_id: str
    provider_id: int
    starts_at: datetime
    appointment_type_id: int
    patient: Patient | None
    campaign_code: str | None = None
    note: str | None = None
    logged_in: bool = False


@dataclass
class BookWriter:
    connection: sa.Connection
    schema: OpusSchema
    now: datetime

    def t(self, name: str) -> sa.Table:
        return self.schema.t(name)

    # --- the three kinds ----------------------------------------------------------------

    def new(self, booking: Booking) -> Result:
        if self._appointment(Ref(booking.site_id)) is not None:
            return Result.SEEN
        atype = self._type(booking.appointment_type_id)
        if atype is None or booking.patient is None:
            return Result.UNKNOWN
        end = booking.starts_at + timedelta(minutes=atype.duration)
        if self._taken(booking.provider_id, booking.starts_at, end, spare=None):
            return Result.TAKEN
        patient_id = self._patient(booking)
        self._insert_appointment(booking, atype, patient_id)
        return Result.WRITTEN

    def move(self, previous: Ref, booking: Booking, journal: bool) -> Result:
        if self._appointment(Ref(booking.site_id)) is not None:
            return Result.SEEN
        old = self._appointment(previous)
        if old is None and booking.patient is not None:
            return self.new(booking)  # the booking it moves never reached the book
        if old is None:
            return Result.GONE
        atype = self._type(booking.appointment_type_id)
        if atype is None:
            return Result.UNKNOWN
        end = booking.starts_at + timedelta(minutes=atype.duration)
        if self._taken(booking.provider_id, booking.starts_at, end, spare=old.id):
            return Result.TAKEN
        patient_id = old.patient_id if booking.patient is None else self._patient(booking)
        self._status(old.id, "moved")
        self._insert_appointment(booking, atype, patient_id)
        if journal:
            self._journal(
                patient_id,
                f"Time flyttet fra {old.starts_at:%d.%m.%Y %H:%M} til "
                f"{booking.starts_at:%d.%m.%Y %H:%M} (e-timebok)",
            )
        return Result.WRITTEN

    def cancel(self, ref: Ref, journal: bool) -> Result:
        old = self._appointment(ref)
        if old is None:
            return Result.UNKNOWN
        if old.status == "cancelled":
            return Result.SEEN
        self._status(old.id, "cancelled")
        if journal and old.patient_id is not None:
            self._journal(
                old.patient_id, f"Time {old.starts_at:%d.%m.%Y %H:%M} avbestilt (e-timebok)"
            )
        return Result.WRITTEN

    # --- rows ---------------------------------------------------------------------------

    def _appointment(self, ref: Ref) -> Any:
        t = self.t("appointments")
        if ref.opus_id is not None:
            found = t.c.id == ref.opus_id
        else:
            found = t.c.site_booking_id == ref.site_id
        return self.connection.execute(
            sa.select(t.c.id, t.c.patient_id, t.c.starts_at, t.c.status).where(found)
        ).first()

    def _type(self, type_id: int) -> Any:
        t = self.t("appointment_types")
        return self.connection.execute(
            sa.select(t.c.name, t.c.duration, t.c.category, t.c.book_text).where(t.c.id == type_id)
        ).first()

    def _taken(self, provider_id: int, start: datetime, end: datetime, spare: int | None) -> bool:
        """Whether an appointment (other than `spare`) or a blocking preblock that is not for
        Internet occupies any of [start, end). The appointments read stay locked until the
        caller's transaction ends, so that the time cannot be booked between this check and
        the write: on SQL Server the whole key range (UPDLOCK, HOLDLOCK: staff inserting
        there wait), on MariaDB the rows and the gaps between them (InnoDB's next-key
        locks), on PostgreSQL the rows only; SQLite lets one writer in at a time."""
        a = self.t("appointments")
        nearby = self.connection.execute(
            sa.select(a.c.id, a.c.starts_at, a.c.duration, a.c.status)
            .where(
                a.c.provider_id == provider_id,
                a.c.starts_at < end,
                a.c.starts_at > start - LONGEST_APPOINTMENT,
            )
            .with_for_update()  # row and gap locks where the database takes them
            .with_hint(a, "WITH (UPDLOCK, HOLDLOCK)", "mssql")  # SQL Server: the key range
        )
        for row_id, starts, minutes, status in nearby:
            occupies = row_id != spare and status not in FREEING
            if occupies and starts + timedelta(minutes=minutes) > start:
                return True
        p, k = self.t("preblocks"), self.t("preblock_types")
        blocking = self.connection.execute(
            sa.select(sa.func.count())
            .select_from(p.join(k, p.c.preblock_type_id == k.c.id))
            .where(
                p.c.provider_id == provider_id,
                p.c.starts_at < end,
                p.c.ends_at > start,
                k.c.blocking == sa.true(),
                k.c.kind != "internet",
            )
        ).scalar_one()
        return bool(blocking)

    def _patient(self, booking: Booking) -> int:
        """The patient's id: found by national identity number (their card updated or the
        update queued), or created."""
        t = self.t("patients")
        given = booking.patient
        assert given is not None
        row = self.connection.execute(
            sa.select(t.c.id, *(t.c[f] for f in CARD_FIELDS)).where(
                t.c.national_id == given.national_id
            )
        ).first()
        if row is None:
            values = {
                "national_id": given.national_id,
                "first_name": given.first_name,
                "last_name": given.last_name,
                **{f: v for f, v in given.card.items() if v},
            }
            made = self.connection.execute(t.insert().values(**values)).inserted_primary_key
            assert made is not None
            return int(made[0])
        patient_id = int(row[0])
        current = dict(zip(CARD_FIELDS, row[1:], strict=True))
        changed = {f: v for f, v in given.card.items() if v and v != current.get(f)}
        if changed and booking.logged_in:
            self.connection.execute(t.update().where(t.c.id == patient_id).values(**changed))
        elif changed:
            updates = self.t("patient_updates")
            self.connection.execute(
                updates.insert(),
                [
                    {
                        "patient_id": patient_id,
                        "requested_at": self.now,
                        "attribute": field,
                        "new_value": value,
                        "status": "pending",
                        "source": SITE_USER,
                    }
                    for field, value in changed.items()
                ],
            )
        return patient_id

    def _insert_appointment(self, booking: Booking, atype: Any, patient_id: int | None) -> None:
        t = self.t("appointments")
        text, rest = book_text(atype.book_text or atype.name, booking)
        self.connection.execute(
            t.insert().values(
                provider_id=booking.provider_id,
                patient_id=patient_id,
                appointment_type_id=booking.appointment_type_id,
                starts_at=booking.starts_at,
                duration=atype.duration,
                category=atype.category,
                book_text=text,
                registered_by=SITE_USER,
                status="booked",
                site_booking_id=booking.site_id,
                created_at=self.now,
            )
        )
        if rest and patient_id is not None:  # the note did not fit: the journal keeps it
            self._journal(patient_id, f"Melding fra pasienten (e-timebok): {rest}")

    def _status(self, appointment_id: int, status: str) -> None:
        t = self.t("appointments")
        self.connection.execute(t.update().where(t.c.id == appointment_id).values(status=status))

    def _journal(self, patient_id: int, text: str) -> None:
        self.connection.execute(
            self.t("journal_entries")
            .insert()
            .values(patient_id=patient_id, written_at=self.now, author=SITE_USER, text=text)
        )


BOOK_TEXT_MAX: Final = 200


def book_text(base: str, booking: Booking) -> tuple[str, str]:
    """The appointment's book text — the type's, `CC: <code>`, and the patient's note — and
    the note when it does not fit (for the journal)."""
    text = base
    if booking.campaign_code:
        text += f" CC: {booking.campaign_code}"
    text = text[:BOOK_TEXT_MAX]
    note = (booking.note or "").strip()
    if not note:
        return text, ""
    joined = f"{text} – {note}"
    if len(joined) <= BOOK_TEXT_MAX:
        return joined, ""
    return text, note
