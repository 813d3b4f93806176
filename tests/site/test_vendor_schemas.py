"""The site's answers against the vendor's own response schemas (tests/site/vendor/): every
one of the 13 operations shared with the vendor's public v1 API is called over a real socket
and each successful body must validate against the schema the vendor publishes for it."""

from __future__ import annotations

import json
from typing import Any

import httpx
from jsonschema import Draft4Validator, FormatChecker
from support import REPO, People, SiteAccount, login, storgata

from reconciler.providers.site.models import BookingDTO

VENDOR = json.loads((REPO / "tests" / "site" / "vendor" / "opus-v1-shared.json").read_text("utf-8"))
INT32 = FormatChecker(formats=())


@INT32.checks("int32")
def _int32(value: object) -> bool:
    return not isinstance(value, int) or -(2**31) <= value < 2**31


class Vendor:
    """Checks each answer against the vendor's schema for its operation and keeps count."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.checked: dict[str, list[str]] = {}

    def call(self, operation: str, path: str, **kwargs: Any) -> httpx.Response:
        method = operation.split(maxsplit=1)[0]
        response = self.client.request(method, path, **kwargs)
        assert response.status_code == 200, (operation, response.text)
        schema = {"definitions": VENDOR["definitions"], **VENDOR["responses"][operation]["200"]}
        errors = Draft4Validator(schema, format_checker=INT32).iter_errors(response.json())
        self.checked[operation] = [f"{list(e.absolute_path)}: {e.message}" for e in errors]
        return response


def test_every_shared_operation_answers_in_the_vendors_schema(
    account: SiteAccount, people: People
) -> None:
    account.settings(SkipConfirmation=True)
    clinic = storgata(account.public())
    base = f"{account.site.url}/sites/{account.subdomain}/api/public/v1"
    with httpx.Client(base_url=base) as raw:
        vendor = Vendor(raw)
        vendor.call("GET /clinics", "/clinics")
        vendor.call("GET /clinics/{id}", f"/clinics/{clinic}")
        vendor.call("GET /clinicians", "/clinicians", params={"request.clinicID": clinic})
        vendor.call("GET /treatments", "/treatments", params={"request.clinicID": clinic})
        search = {"request.clinicID": clinic, "request.clinicianID": 10}
        slots = vendor.call(
            "GET /appointments/schedule/availabletimes",
            "/appointments/schedule/availabletimes",
            params={**search, "request.treatmentID": 5},
        ).json()
        reserved = vendor.call("PUT /reservations", "/reservations", json=slots[0])
        # the vendor binds TimeSlotDTO fields as timeSlotToCheck.<name, first letter lower-case>
        check = {f"timeSlotToCheck.{k[0].lower()}{k[1:]}": v for k, v in slots[0].items()}
        vendor.call("GET /reservations/available", "/reservations/available", params=check)
        vendor.call(
            "DELETE /reservations/{ReservationId}",
            f"/reservations/{reserved.json()}",
            headers={"X-Reservation-Token": reserved.headers["X-Reservation-Token"]},
        )
        booking = BookingDTO(Patient=people.patient(0), TimeSlot=slots[0]).body()
        booking_id = vendor.call("POST /bookings", "/bookings", json=booking).json()
    session = login(account, people, 0).session_token
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {session}"}) as raw:
        vendor.client = raw
        options = vendor.call(
            "GET /appointments/reschedule/availabletimes",
            "/appointments/reschedule/availabletimes",
            params={**search, "request.bookingID": booking_id},
        ).json()
        move = {"OriginalBookingId": booking_id, "NewTime": options[3]}
        moved = vendor.call("PATCH /bookings", "/bookings", json=move).json()
        vendor.call(
            "GET /patients/{patientPersonalIdentification}/bookings",
            "/patients/me/bookings",  # the session names the patient: no national id in the URL
        )
        vendor.call("DELETE /bookings", "/bookings", params={"request.bookingID": moved})
    assert sorted(vendor.checked) == sorted(VENDOR["responses"])  # all 13, each answered 200
    assert {op: problems for op, problems in vendor.checked.items() if problems} == {}
