"""Backend API, a reference-site extension: the appointments the clinic booked in the book
(at the front desk, by phone) for patients the site knows, uploaded by the sync service —
so that "my appointments" shows them, and a patient may move or cancel them online where
the site's rules allow (the guide: "Visning av timeavtaler … Viser pasientens bestilling").

Each is kept as a confirmed hold marked with its `opus_id`: it takes its time on the
site's book like any booking, and is kept as the book says even where it overlaps another
(the book is the truth of it). A patient's move or cancellation of one goes to the
clinic's feed as usual, naming the appointment (`OpusAppointmentID`). A hold the patient
already moved or cancelled is not brought back by an upload made before the book knew.

`Gone` names bookings made on the site that the clinic cancelled or moved in the book: the
site stops showing them (the clinic has told the patient; the site sends nothing).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from uuid import UUID

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reconciler.site.api.accounts import Account, by_token, context
from reconciler.site.api.backend.account import check_references, database_or_404
from reconciler.site.api.backend.models import BookAppointment, BookAppointments
from reconciler.site.api.http import body_as, path_uuid, respond, run
from reconciler.site.booking.changes import NO_TREATMENT
from reconciler.site.booking.patients import national_id_digits
from reconciler.site.booking.times import to_text
from reconciler.site.store.database import Store


async def put_appointments(request: Request) -> Response:
    account = await run(by_token, request)
    database_id = path_uuid(request, "OpusDatabaseID")
    body = await body_as(request, BookAppointments)
    store = context(request).store
    return await run(_apply, store, account, database_id, body)


def _apply(store: Store, account: Account, database_id: UUID, body: BookAppointments) -> Response:
    with store.write() as db:
        database_or_404(db, account.id, database_id)
        book = _Book(db, store.now_text(), account.id, str(database_id))
        check_references(
            db,
            account.id,
            book.dbid,
            [
                (f"body.Upserts.{i}.{kind.title()}ID", kind, value)
                for i, a in enumerate(body.Upserts)
                for kind, value in (
                    ("clinic", a.ClinicID),
                    ("clinician", a.ClinicianID),
                    ("treatment", a.TreatmentID),
                )
                if value is not None
            ],
            "the appointments",
        )
        keys = [
            store.patient_key(
                national_id_digits(
                    a.PatientPersonalIdentification,
                    None,
                    f"body.Upserts.{i}.PatientPersonalIdentification",
                    account.culture,
                )
            )
            for i, a in enumerate(body.Upserts)
        ]
        upserted = sum(book.upsert(a, key) for a, key in zip(body.Upserts, keys, strict=True))
        removals = book.all_but(body.Upserts) if body.Replace else body.Removals
        removed = sum(book.end("opus_id", i) for i in removals)
        gone = sum(book.end("id", i) for i in body.Gone)
    return respond({"Upserted": upserted, "Removed": removed, "Gone": gone})


@dataclass(frozen=True)
class _Book:
    """The site's copy of one database's book appointments, inside a write transaction."""

    db: sqlite3.Connection
    now: str
    account_id: str
    dbid: str

    def upsert(self, appointment: BookAppointment, patient_key: str) -> int:
        """Add the appointment, or bring a confirmed one up to date: 1 if anything changed."""
        values = {
            "clinic_id": appointment.ClinicID,
            "clinician_id": appointment.ClinicianID,
            "treatment_id": appointment.TreatmentID or NO_TREATMENT,
            "start_at": to_text(appointment.Start),
            "end_at": to_text(appointment.End),
            "patient_key": patient_key,
        }
        found = self.db.execute(
            "SELECT * FROM holds WHERE account_id = ? AND database_id = ? AND opus_id = ?",
            (self.account_id, self.dbid, appointment.OpusAppointmentID),
        ).fetchone()
        if found is None:
            self.db.execute(
                "INSERT INTO holds (account_id, database_id, status, patient, opus_id,"
                f" created_at, updated_at, {', '.join(values)})"
                f" VALUES (?, ?, 'confirmed', ?, ?, ?, ?{', ?' * len(values)})",
                (
                    self.account_id,
                    self.dbid,
                    self._patient_record(patient_key),
                    appointment.OpusAppointmentID,
                    self.now,
                    self.now,
                    *values.values(),
                ),
            )
            return 1
        if found["status"] != "confirmed" or all(found[k] == v for k, v in values.items()):
            return 0
        assignments = ", ".join(f"{k} = ?" for k in values)
        self.db.execute(
            f"UPDATE holds SET {assignments}, updated_at = ? WHERE id = ?",
            (*values.values(), self.now, found["id"]),
        )
        return 1

    def _patient_record(self, patient_key: str) -> str:
        """The patient as the site last had them from a booking of theirs (names, phone,
        e-mail: where its messages go), or nothing for a patient who never booked here."""
        row = self.db.execute(
            "SELECT patient FROM holds WHERE account_id = ? AND patient_key = ?"
            " AND opus_id IS NULL AND patient IS NOT NULL ORDER BY id DESC LIMIT 1",
            (self.account_id, patient_key),
        ).fetchone()
        return str(row["patient"]) if row is not None else "{}"

    def all_but(self, kept: list[BookAppointment]) -> list[int]:
        """The book appointments still to come that are not among `kept`."""
        keep = {a.OpusAppointmentID for a in kept}
        rows = self.db.execute(
            "SELECT opus_id FROM holds WHERE account_id = ? AND database_id = ?"
            " AND opus_id IS NOT NULL AND status = 'confirmed' AND end_at > ?",
            (self.account_id, self.dbid, self.now),
        )
        return [r["opus_id"] for r in rows if r["opus_id"] not in keep]

    def end(self, column: str, value: int) -> int:
        """Cancel the confirmed hold whose `column` is `value`, as the book did: 1 if so.
        One that is over stays in the patient's history as it was."""
        return self.db.execute(
            f"UPDATE holds SET status = 'cancelled', updated_at = ? WHERE account_id = ?"
            f" AND database_id = ? AND {column} = ? AND status = 'confirmed' AND end_at > ?",
            (self.now, self.account_id, self.dbid, value, self.now),
        ).rowcount


ROUTES = [Route("/databases/{OpusDatabaseID}/appointments", put_appointments, methods=["PUT"])]
