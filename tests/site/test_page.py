"""The patient's page, over a real socket: what it lists comes from the site's state, and a
whole booking made through its HTML forms reaches the clinic's booking feed."""

from __future__ import annotations

import html
import re

from page_support import Page, home, page_client
from support import People, SiteAccount

from reconciler.providers.site.models import Clinician, OpusDatabaseDiff


def test_the_page_lists_clinics_providers_and_times_the_site_holds(account: SiteAccount) -> None:
    client = page_client(account)
    response = client.get(home(account))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = Page.of(response)
    assert page.find("html")[0].attrs["lang"] == "nb"
    assert page.by_id("steg-tittel").text.strip() == "Velg klinikk"
    clinics = page.links("klinikk")
    # display order (Majorstuen has Order 0), each under its group heading
    assert [n.split(" ")[0] for n in clinics] == ["Alle", "Majorstuen", "Storgata"]
    assert [e.text for e in page.find("h2", **{"class": "gruppe-tittel"})] == ["Vest", "Oslo"]
    storgata = next(link for name, link in clinics.items() if name.startswith("Storgata"))
    page = Page.of(client.get(storgata))
    assert page.by_id("steg-tittel").text.strip() == "Velg behandling"
    treatments = page.links("behandling")
    assert [n.split(" ")[0:2] for n in treatments] == [["-", "Undersøkelse"], ["-", "Tannrens"]]
    page = Page.of(client.get(page.link_values("behandling")["5"]))
    assert page.by_id("steg-tittel").text.strip() == "Velg behandler"
    providers = page.links("behandler")
    # the configured order: Kjell Olsen (Order 0) before Hanne Hansen (Order 1)
    assert [n.split(" ")[0:2] for n in providers] == [
        ["Alle", "behandlere"],
        ["Kjell", "Olsen"],
        ["Hanne", "Hansen"],
    ]
    page = Page.of(client.get(page.link_values("behandler")["10"]))
    assert page.by_id("steg-tittel").text.strip() == "Velg tid"
    times = page.links("tid")
    assert times and all(re.fullmatch(r"\d\d:\d\d", t) for t in times)
    public = account.public()
    first = public.available_times(5, clinic_id=_storgata(public), clinician_id=10)[0]
    assert next(iter(times)) == f"{first.Start:%H:%M}"
    days = page.find("div", **{"class": "dag"})
    assert days[0].attrs["data-dag"] == first.Start.date().isoformat()  # next free day first


def _storgata(public: object) -> str:
    return next(c.ID for c in public.clinics() if c.Name == "Storgata")  # type: ignore[attr-defined]


def test_a_whole_booking_through_the_forms_reaches_the_booking_feed(
    account: SiteAccount, people: People
) -> None:
    client = page_client(account)
    page = Page.of(client.get(home(account)))
    storgata = next(link for name, link in page.links("klinikk").items() if "Storgata" in name)
    page = Page.of(client.get(storgata))
    page = Page.of(client.get(page.link_values("behandling")["5"]))
    page = Page.of(client.get(page.link_values("behandler")["10"]))
    page = Page.of(client.get(next(iter(page.links("tid").values()))))
    assert page.by_id("steg-tittel").text.strip() == "Dine opplysninger"
    action, hidden = page.form("skjema-bestill")
    names = [e.attrs["name"] for e in page.inputs("skjema-bestill")]
    assert names == ["fornavn", "etternavn", "fodselsnummer", "mobil", "epost", "melding"]
    for element in page.inputs("skjema-bestill"):  # every field has its label
        assert page.find("label", **{"for": element.attrs["id"]})
    response = client.post(
        action,
        data={
            **hidden,
            "fornavn": "Kari",
            "etternavn": "Nordmann",
            "fodselsnummer": people.ids[0],
            "mobil": people.mobiles[0],
            "epost": "kari@example.no",
            "melding": "Vondt i en jeksel",
        },
    )
    assert response.status_code == 303
    location = response.headers["location"]
    assert re.fullmatch(rf"/sites/{account.subdomain}/kode/[0-9a-zA-Z]{{32}}", location)
    assert list(account.backend.events()) == []  # not a booking until the code is confirmed
    page = Page.of(client.get(location))
    assert "på SMS" in page.text()
    code = account.code(people.mobile(0))
    response = client.post(location, data={"kode": code})
    assert response.status_code == 303
    confirmed = client.get(response.headers["location"])
    page = Page.of(confirmed)
    assert page.by_id("bekreftet-tittel").text == "Timen er bestilt"
    assert "Hanne Hansen" in page.text() and "Storgata" in page.text()
    [event] = account.backend.events()
    assert event.Kind == "new" and event.Booking.FreeTextMessage == "Vondt i en jeksel"
    assert event.Booking.TimeSlot.ClinicianID == 10


def test_a_provider_without_free_time_says_so(account: SiteAccount) -> None:
    newcomer = Clinician(
        ID=13, ClinicID=1, Order=2, Name="Nina Ny", ClinicianPersonalDataConsents=[]
    )
    account.backend.apply_master_data(
        account.database_id, OpusDatabaseDiff(AddedClinicians=[newcomer])
    )
    client = page_client(account)
    page = Page.of(client.get(home(account)))
    storgata = next(link for name, link in page.links("klinikk").items() if "Storgata" in name)
    page = Page.of(client.get(Page.of(client.get(storgata)).link_values("behandling")["5"]))
    every = Page.of(client.get(page.link_values("behandler")["alle"]))
    assert every.links("tid")
    assert [e.text for e in every.find("li") if "ingen ledig tid" in e.text] == [
        "Nina Ny: ingen ledig tid"
    ]
    alone = Page.of(client.get(page.link_values("behandler")["13"]))
    assert alone.has_id("ingen-ledige-tider") and not alone.links("tid")


def test_the_week_pages_on_to_the_next(account: SiteAccount) -> None:
    client = page_client(account)
    page = Page.of(client.get(home(account)))
    storgata = next(link for name, link in page.links("klinikk").items() if "Storgata" in name)
    page = Page.of(client.get(Page.of(client.get(storgata)).link_values("behandling")["5"]))
    page = Page.of(client.get(page.link_values("behandler")["10"]))
    first = page.find("div", **{"class": "dag"})[0].attrs["data-dag"]
    later = Page.of(client.get(html.unescape(page.by_id("neste-uke").attrs["href"])))
    # the seeded free time is one week long: the next has none
    assert later.has_id("ingen-ledige-tider") and later.has_id("forrige-uke")
    assert first


def test_the_theme_colour_and_logo_come_from_the_site(account: SiteAccount) -> None:
    logo = "data:image/png;base64,iVBORw0KGgo="
    document = account.backend.subdomain()
    media = document.MediaSettings.model_copy(
        update={"ColorCode": "#AA3366", "MediaContainer": {"logo": logo}}
    )
    account.backend.put_subdomain(document.model_copy(update={"MediaSettings": media}))
    client = page_client(account)
    page = Page.of(client.get(home(account)))
    sheets = [e.attrs["href"] for e in page.find("link", rel="stylesheet")]
    assert sheets == [home(account) + "static/side.css", home(account) + "tema.css"]
    assert "--farge: #AA3366" in client.get(sheets[1]).text
    assert page.find("img", **{"class": "logo"})[0].attrs["src"] == logo
