"""The booking site's public API, as a patient's browser uses it (the vendor's v1 paths):
browsing clinics and free times, reserving, booking, moving and cancelling with the one-time
code step, logging in by SMS code, and a patient's own bookings.

No national id, phone number or e-mail address is ever put in a URL: they travel in bodies
(the cancellation, too, where the vendor's API has query parameters), and a patient's own
bookings are read at /patients/me/bookings, named by the session.

Used by the demo, `preview` and tests; the reconciler itself works through the backend API.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from reconciler.providers.site.models import (
    BookingDTO,
    Challenge,
    ClinicDTO,
    ClinicianDTO,
    ConfirmationResult,
    OutboxMessage,
    Outcome,
    RescheduleDTO,
    Reservation,
    TimeSlotDTO,
    TreatmentDTO,
)
from reconciler.providers.site.transport import SiteTransport

PUBLIC = "/api/public/v1"
RESERVATION_TOKEN = "X-Reservation-Token"
OUTBOX_PAGE = 1000  # the dev API's page size


def public_base_url(site_url: str, subdomain: str) -> str:
    """Where a site's public API lives: its own host (`<subdomain>.…`), or the reference
    site's `/sites/<subdomain>` prefix on a bare address."""
    host = urlsplit(site_url).hostname or ""
    if host.split(".")[0] == subdomain:
        return site_url.rstrip("/")
    return f"{site_url.rstrip('/')}/sites/{subdomain}"


def _params(**values: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, datetime):
            out[name] = value.replace(microsecond=0).isoformat()
        elif isinstance(value, bool):
            out[name] = "true" if value else "false"
        else:
            out[name] = value
    return out


def _holder(reservation: Reservation) -> dict[str, str]:
    return {RESERVATION_TOKEN: reservation.Token} if reservation.Token else {}


def _outcome(response: httpx.Response) -> Outcome:
    if response.status_code == 202:
        return Outcome(challenge=Challenge.model_validate(response.json()))
    data = response.json()
    return Outcome(booking_id=data if isinstance(data, int) else None)


class PublicClient:
    """One booking site, as a patient sees it. After `confirm` of a login the client keeps
    the session (`session_token`) and sends it with every call."""

    def __init__(self, transport: SiteTransport, session_token: str | None = None) -> None:
        self.transport = transport
        self.session_token = session_token

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> PublicClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(
        self,
        method: str,
        path: str,
        body: Any = None,
        params: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        headers = dict(headers or {})
        if self.session_token:
            headers["Authorization"] = f"Bearer {self.session_token}"
        return self.transport.request(
            method, PUBLIC + path, json_body=body, params=params, headers=headers
        )

    def clinics(
        self,
        *,
        clinician_id: int | None = None,
        treatment_id: int | None = None,
        only_with_free_times: bool | None = None,
        group: str | None = None,
    ) -> list[ClinicDTO]:
        params = _params(
            **{
                "request.clinicianID": clinician_id,
                "request.treatmentID": treatment_id,
                "request.onlyWithFreeTimes": only_with_free_times,
                "request.groupName": group,
            }
        )
        return [
            ClinicDTO.model_validate(c) for c in self._send("GET", "/clinics", params=params).json()
        ]

    def clinic(self, clinic_id: str) -> ClinicDTO:
        return ClinicDTO.model_validate(self._send("GET", f"/clinics/{clinic_id}").json())

    def clinicians(
        self,
        *,
        clinic_id: str | None = None,
        treatment_id: int | None = None,
        only_with_free_times: bool | None = None,
        group: str | None = None,
    ) -> list[ClinicianDTO]:
        params = _params(
            **{
                "request.clinicID": clinic_id,
                "request.treatmentID": treatment_id,
                "request.onlyWithFreeTimes": only_with_free_times,
                "request.groupName": group,
            }
        )
        response = self._send("GET", "/clinicians", params=params)
        return [ClinicianDTO.model_validate(c) for c in response.json()]

    def treatments(
        self,
        *,
        clinic_id: str | None = None,
        clinician_id: int | None = None,
        group: str | None = None,
    ) -> list[TreatmentDTO]:
        params = _params(
            **{
                "request.clinicID": clinic_id,
                "request.clinicianID": clinician_id,
                "request.groupName": group,
            }
        )
        response = self._send("GET", "/treatments", params=params)
        return [TreatmentDTO.model_validate(t) for t in response.json()]

    def available_times(
        self,
        treatment_id: int,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        clinic_id: str | None = None,
        clinician_id: int | None = None,
        group: str | None = None,
    ) -> list[TimeSlotDTO]:
        params = _params(
            **{
                "request.treatmentID": treatment_id,
                "request.from": start,
                "request.to": end,
                "request.clinicID": clinic_id,
                "request.clinicianID": clinician_id,
                "request.groupName": group,
            }
        )
        response = self._send("GET", "/appointments/schedule/availabletimes", params=params)
        return [TimeSlotDTO.model_validate(s) for s in response.json()]

    def reschedule_times(
        self,
        *,
        booking_id: int | None = None,
        treatment_id: int | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
        clinic_id: str | None = None,
        clinician_id: int | None = None,
        length: int | None = None,
    ) -> list[TimeSlotDTO]:
        params = _params(
            **{
                "request.bookingID": booking_id,
                "request.treatmentID": treatment_id,
                "request.from": start,
                "request.to": end,
                "request.clinicID": clinic_id,
                "request.clinicianID": clinician_id,
                "request.timeslotLength": length,
            }
        )
        response = self._send("GET", "/appointments/reschedule/availabletimes", params=params)
        return [TimeSlotDTO.model_validate(s) for s in response.json()]

    def is_available(self, slot: TimeSlotDTO) -> bool:
        prefix = "timeSlotToCheck."
        params = _params(
            **{
                prefix + "start": slot.Start,
                prefix + "end": slot.End,
                prefix + "clinicID": slot.ClinicID,
                prefix + "clinicianID": slot.ClinicianID,
                prefix + "treatmentID": slot.TreatmentID,
            }
        )
        return bool(self._send("GET", "/reservations/available", params=params).json())

    def reserve(self, slot: TimeSlotDTO) -> Reservation:
        """Hold the slot; keep the Reservation: its token is needed to use or release it."""
        response = self._send("PUT", "/reservations", slot.body())
        return Reservation(
            ID=int(response.json()),
            ExpiresAt=response.headers.get("X-Reservation-Expires-At"),
            Token=response.headers.get(RESERVATION_TOKEN),
        )

    def release(self, reservation: Reservation) -> None:
        self._send("DELETE", f"/reservations/{reservation.ID}", headers=_holder(reservation))

    def book(
        self, booking: BookingDTO, *, reservation: Reservation | None = None, notify: bool = True
    ) -> Outcome:
        """Book; with `reservation`, the time that reservation holds becomes the booking."""
        params = _params(
            reservationId=reservation.ID if reservation else None, notifyPatient=notify
        )
        headers = _holder(reservation) if reservation else None
        return _outcome(self._send("POST", "/bookings", booking.body(), params, headers=headers))

    def move(self, reschedule: RescheduleDTO, *, notify: bool = True) -> Outcome:
        params = _params(notifyPatient=notify)
        return _outcome(self._send("PATCH", "/bookings", reschedule.body(), params))

    def cancel(
        self,
        booking_id: int,
        *,
        national_id: str | None = None,
        clinic_id: str | None = None,
        requested_by: str | None = None,
        notify: bool = True,
    ) -> Outcome:
        """Cancel, as the logged-in patient or the one `national_id` names. Without a session
        the answer is a challenge whether or not the booking is theirs: only the patient it
        belongs to gets the code."""
        request = {
            "BookingID": booking_id,
            "ClinicID": clinic_id,
            "RequestedBy": requested_by,
            "RequestedByPersonalIdentification": national_id,
            "NotifyPatient": notify,
        }
        body = {k: v for k, v in request.items() if v is not None}
        response = self._send("DELETE", "/bookings", body)
        return Outcome(booking_id=booking_id) if response.status_code != 202 else _outcome(response)

    def confirm(self, challenge_id: str, code: str) -> ConfirmationResult:
        response = self._send("POST", f"/confirmations/{challenge_id}", {"Code": code})
        result = ConfirmationResult.model_validate(response.json())
        if result.SessionToken:
            self.session_token = result.SessionToken
        return result

    def login(self, national_id: str) -> Challenge:
        """Ask for an SMS login code; confirm it with `confirm` to start a session."""
        response = self._send(
            "POST", "/auth/patient/login", {"PatientPersonalIdentification": national_id}
        )
        return Challenge.model_validate(response.json())

    def bookings(self, *, include_past: bool = False) -> list[BookingDTO]:
        """The logged-in patient's bookings (log in first)."""
        params = _params(**{"request.includePastBookings": include_past})
        response = self._send("GET", "/patients/me/bookings", params=params)
        return [BookingDTO.model_validate(b) for b in response.json()]


class DevClient:
    """The reference site's dev API (only when it runs with --dev): the outbox."""

    def __init__(self, transport: SiteTransport) -> None:
        self.transport = transport

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> DevClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def outbox(
        self, *, subdomain: str | None = None, recipient: str | None = None, after: int = 0
    ) -> list[OutboxMessage]:
        """The messages after `after`, to `recipient` if given (filtered here, so that no
        phone number or address goes into a URL)."""
        messages: list[OutboxMessage] = []
        while True:
            params = _params(subdomain=subdomain, after=after or None)
            response = self.transport.request("GET", "/api/dev/v1/outbox", params=params)
            page = [OutboxMessage.model_validate(m) for m in response.json()]
            messages += [m for m in page if recipient is None or m.Recipient == recipient]
            if len(page) < OUTBOX_PAGE:
                return messages
            after = page[-1].ID
