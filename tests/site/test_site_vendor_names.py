"""The public API takes the vendor's v1 names where they carry no national id, and refuses the
ones that do by name: cancelling with the vendor's query parameters, the split national id
with the country's number of extra digits, and skip-confirmation answered with the vendor's 200."""

from __future__ import annotations

import uuid

import httpx
from support import People, SiteAccount, book, login, slots_of

from reconciler.providers.site.models import BookingDTO


def _base(account: SiteAccount) -> str:
    return f"{account.site.url}/sites/{account.subdomain}/api/public/v1"


def _session(account: SiteAccount, people: People, n: int) -> dict[str, str]:
    token = login(account, people, n).session_token
    assert token is not None
    return {"Authorization": f"Bearer {token}"}


def test_cancel_with_the_vendors_query_parameters(account: SiteAccount, people: People) -> None:
    booking_id = book(account, people, slots_of(account.public())[0])
    account.settings(SkipConfirmation=True)
    headers = _session(account, people, 0)
    with httpx.Client(base_url=_base(account), headers=headers) as raw:
        both = raw.request(
            "DELETE",
            "/bookings",
            params={"request.bookingID": booking_id},
            json={"BookingID": booking_id},
        )
        assert both.status_code == 400
        answer = raw.delete(
            "/bookings",
            params={"request.bookingID": booking_id, "request.notifyPatient": "false"},
        )
    assert answer.status_code == 200 and answer.json() == {}
    assert [e.Kind for e in account.backend.events()] == ["new", "cancelled"]


def test_the_vendors_national_id_parameters_are_refused_by_name(
    account: SiteAccount, people: People
) -> None:
    number = people.ids[0]
    split = {
        "request.requestedByPersonalId.year": "19" + number[4:6],
        "request.requestedByPersonalId.month": number[2:4],
        "request.requestedByPersonalId.day": number[0:2],
        "request.requestedByPersonalId.extraDigits": number[6:],
    }
    with httpx.Client(base_url=_base(account)) as raw:
        cancel = raw.delete("/bookings", params={"request.bookingID": 1, **split})
        mine = raw.get(
            "/patients/me/bookings", params={"request.patientPersonalIdentification": number}
        )
    assert cancel.status_code == mine.status_code == 400
    fields = {e["field"] for e in cancel.json()["errors"]}
    assert fields == {f"query.{name}" for name in sorted(split)[:5]}
    assert "never takes" in cancel.json()["errors"][0]["message"]
    assert mine.json()["errors"][0]["field"] == "query.request.patientPersonalIdentification"
    assert number not in cancel.text + mine.text


def test_skip_confirmation_answers_200_with_the_booking_id(
    account: SiteAccount, people: People
) -> None:
    account.settings(SkipConfirmation=True)
    slot = slots_of(account.public())[0]
    body = BookingDTO(Patient=people.patient(0), TimeSlot=slot).body()
    answer = httpx.post(f"{_base(account)}/bookings", json=body)
    assert answer.status_code == 200 and isinstance(answer.json(), int)


def test_split_ids_carry_the_countrys_extra_digits(account: SiteAccount, people: People) -> None:
    number = people.ids[0]
    norwegian = {
        "Year": 1900 + int(number[4:6]),
        "Month": int(number[2:4]),
        "Day": int(number[0:2]),
        "ExtraDigits": number[6:],
    }
    with httpx.Client(base_url=_base(account)) as raw:
        assert raw.post("/auth/patient/login", json={"PersonalNumber": norwegian}).is_success
        four = raw.post(
            "/auth/patient/login", json={"PersonalNumber": {**norwegian, "ExtraDigits": "1234"}}
        )
        assert four.status_code == 422
        assert four.json()["errors"][0]["message"] == "ExtraDigits has 5 digits in Norway"
    sweden = f"sverige-{account.subdomain}"
    account.site.store.register_account(str(uuid.uuid4()), "key-" + sweden, sweden, culture="SE")
    with httpx.Client(base_url=f"{account.site.url}/sites/{sweden}/api/public/v1") as raw:
        swedish = {"Year": 1985, "Month": 4, "Day": 12, "ExtraDigits": "1234"}
        both = {"PatientPersonalIdentification": "198504121234", "PersonalNumber": swedish}
        same = raw.post("/auth/patient/login", json=both)
        assert same.is_success, same.text  # the same number
        five = raw.post(
            "/auth/patient/login", json={"PersonalNumber": {**swedish, "ExtraDigits": "12345"}}
        )
        assert (
            five.json()["errors"][0]["message"] == "ExtraDigits has 4 digits in Sweden and Denmark"
        )
