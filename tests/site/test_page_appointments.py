""" "Mine timer" on the patient's page: SMS login, the patient's appointments, and moving and
cancelling them where the site allows it (its settings, the change deadline, the
appointment type)."""

from __future__ import annotations

from page_support import (
    Page,
    book_through_the_page,
    confirm_booking,
    home,
    log_in,
    page_client,
)
from support import People, SiteAccount


def booked(account: SiteAccount, people: People, n: int = 0, **kwargs: int) -> Page:
    client, code_page = book_through_the_page(account, people, n, **kwargs)
    return confirm_booking(client, account, code_page, people.mobile(n))


def test_log_in_move_and_cancel(account: SiteAccount, people: People) -> None:
    booked(account, people)
    client = page_client(account)
    login = Page.of(client.get(home(account) + "mine-timer"))
    assert login.has_id("skjema-logg-inn") and login.find("label", **{"for": "felt-fodselsnummer"})
    page = log_in(client, account, people.ids[0], people.mobile(0))
    [appointment] = page.find("article", **{"class": "avtale"})
    booking = appointment.attrs["id"].removeprefix("time-")
    assert page.has_id(f"flytt-{booking}") and page.has_id(f"avbestill-{booking}")
    assert "Hanne Hansen" in page.text() and "Undersøkelse" in page.text()

    move = Page.of(client.get(page.by_id(f"flytt-{booking}").attrs["href"]))
    times = [e.attrs["value"] for e in move.find("input", type="radio", name="tid")]
    action = move.form("skjema-flytt")[0]
    response = client.post(action, data={"tid": times[1]})
    assert response.status_code == 303
    moved = confirm_booking(
        client, account, Page.of(client.get(response.headers["location"])), people.mobile(0)
    )
    assert moved.by_id("bekreftet-tittel").text == "Timen er flyttet"

    page = Page.of(client.get(home(account) + "mine-timer"))
    [appointment] = page.find("article", **{"class": "avtale"})
    booking = appointment.attrs["id"].removeprefix("time-")
    response = client.post(home(account) + f"mine-timer/{booking}/avbestill")
    assert response.status_code == 303
    cancelled = confirm_booking(
        client, account, Page.of(client.get(response.headers["location"])), people.mobile(0)
    )
    assert cancelled.by_id("bekreftet-tittel").text == "Timen er avbestilt"
    assert [e.Kind for e in account.backend.events()] == ["new", "moved", "cancelled"]
    assert Page.of(client.get(home(account) + "mine-timer")).has_id("ingen-timer")

    response = client.post(home(account) + "mine-timer/logg-ut")
    assert response.status_code == 303
    assert Page.of(client.get(home(account) + "mine-timer")).has_id("skjema-logg-inn")


def test_no_move_or_cancel_after_the_deadline_or_for_a_type_that_forbids_it(
    account: SiteAccount, people: People
) -> None:
    booked(account, people, 1, treatment=6)  # '- Tannrens': not to be changed online
    client = page_client(account)
    page = log_in(client, account, people.ids[1], people.mobile(1))
    [appointment] = page.find("article", **{"class": "avtale"})
    booking = appointment.attrs["id"].removeprefix("time-")
    assert not page.has_id(f"flytt-{booking}") and not page.has_id(f"avbestill-{booking}")
    assert "kan ikke gjøres på nett" in page.text()
    response = client.post(home(account) + f"mine-timer/{booking}/avbestill")
    assert response.status_code == 403 and Page.of(response).by_id("feilmelding").text

    booked(account, people, 1, time=3)
    account.settings(HourBeforModifyBookingClosing=24 * 60)  # 60 days: the booking is nearer
    page = Page.of(client.get(home(account) + "mine-timer"))
    assert len(page.find("article", **{"class": "avtale"})) == 2
    ids = [e.attrs.get("id", "") for e in page.elements]
    assert not [i for i in ids if i.startswith(("flytt-", "avbestill-"))]
    assert "mindre enn 1440 timer før" in page.text()


def test_mine_timer_only_where_the_site_shows_appointments(account: SiteAccount) -> None:
    client = page_client(account)
    assert Page.of(client.get(home(account))).has_id("lenke-mine-timer")
    account.settings(ViewBookingsEnabled=False)
    assert not Page.of(client.get(home(account))).has_id("lenke-mine-timer")
    assert client.get(home(account) + "mine-timer").status_code == 403


def test_a_login_for_a_patient_the_site_does_not_know_looks_the_same(
    account: SiteAccount, people: People
) -> None:
    client = page_client(account)
    response = client.post(
        home(account) + "mine-timer/logg-inn", data={"fodselsnummer": people.ids[5]}
    )
    assert response.status_code == 303 and "/kode/" in response.headers["location"]
    page = Page.of(client.get(response.headers["location"]))
    assert page.has_id("skjema-kode")
    response = client.post(page.url, data={"kode": "123456"})
    assert response.status_code == 422 and "Feil kode" in response.text


def test_booking_that_requires_login_asks_for_it_first(
    account: SiteAccount, people: People
) -> None:
    booked(account, people, 2)
    account.settings(NewBookingRequireLogin=True)
    client = page_client(account)
    page = Page.of(client.get(home(account)))
    assert page.has_id("krever-innlogging") and not page.links("klinikk")
    log_in(client, account, people.ids[2], people.mobile(2))
    page = Page.of(client.get(home(account)))
    assert page.links("klinikk")
