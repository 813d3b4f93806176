"""The site's settings as patients see them on the page: weekend booking, the form's fields,
a provider's consent, maintenance mode, the 'all …' options, the step order, the combined
view, the code channels and skipping confirmation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from page_support import Page, book_through_the_page, home, page_client
from support import CLINICIANS, CLINICS, People, SiteAccount

from reconciler.providers.site.models import OpusDatabaseDiff


def registration(account: SiteAccount, **fields: Any) -> None:
    """Change the booking form's registration settings through the backend API."""
    document = account.backend.subdomain()
    flexibility = document.FlexibilitySettings
    form = flexibility.RegistrationSettings.model_copy(update=fields)
    account.settings(RegistrationSettings=form)


def texts(account: SiteAccount, **texts: str) -> None:
    document = account.backend.subdomain()
    media = document.MediaSettings.model_copy(
        update={"TextContainer": {**document.MediaSettings.TextContainer, **texts}}
    )
    account.backend.put_subdomain(document.model_copy(update={"MediaSettings": media}))


def time_step(account: SiteAccount, clinician: int = 10) -> Page:
    """The week view for '- Undersøkelse' with `clinician` at Storgata."""
    client = page_client(account)
    page = Page.of(client.get(home(account)))
    storgata = next(link for name, link in page.links("klinikk").items() if "Storgata" in name)
    page = Page.of(client.get(storgata))
    page = Page.of(client.get(page.link_values("behandling")["5"]))
    return Page.of(client.get(page.link_values("behandler")[str(clinician)]))


def days_shown(page: Page) -> list[dt.date]:
    return [dt.date.fromisoformat(e.attrs["data-dag"]) for e in page.find(**{"class": "dag"})]


def test_weekend_times_only_with_weekend_booking_on(account: SiteAccount) -> None:
    days = days_shown(time_step(account))
    assert days and all(d.weekday() < 5 for d in days)
    account.settings(WeekendBookingEnabled=True)
    page = time_step(account)
    days = days_shown(page)
    assert [d.weekday() for d in days] == [0, 1, 2, 3, 4, 5, 6]
    saturday = page.find(**{"class": "dag", "data-dag": days[5].isoformat()})
    assert saturday and page.links("tid")


def details_form(account: SiteAccount) -> tuple[Any, Page]:
    client = page_client(account)
    page = time_step(account)
    return client, Page.of(client.get(next(iter(page.links("tid").values()))))


def test_the_form_has_exactly_the_configured_fields_required_where_configured(
    account: SiteAccount, people: People
) -> None:
    registration(account, Address1Enabled=True, PostalCodeEnabled=True, CampaignCodeEnabled=True)
    account.settings(UserMessageInputEnabled=False)
    client, page = details_form(account)
    inputs = {e.attrs["name"]: e for e in page.inputs("skjema-bestill")}
    assert list(inputs) == [
        "fornavn",
        "etternavn",
        "fodselsnummer",
        "adresse1",
        "postnummer",
        "mobil",
        "epost",
        "kampanjekode",
    ]
    assert "required" in inputs["adresse1"].attrs and "required" in inputs["postnummer"].attrs
    assert "required" not in inputs["kampanjekode"].attrs
    action, hidden = page.form("skjema-bestill")
    response = client.post(
        action,
        data={
            **hidden,
            "fornavn": "Kari",
            "etternavn": "Nordmann",
            "fodselsnummer": people.ids[0],
            "postnummer": "0150",
            "mobil": people.mobiles[0],
            "epost": "kari@example.no",
        },
    )
    assert response.status_code == 422
    page = Page.of(response)
    assert page.by_id("feil-adresse1").text == "Fyll inn adresse."
    assert "felt-fodselsnummer" in response.text and people.ids[0] not in response.text


def test_a_providers_title_shows_only_with_consent(account: SiteAccount) -> None:
    client = page_client(account)
    page = Page.of(client.get(home(account)))
    storgata = next(link for name, link in page.links("klinikk").items() if "Storgata" in name)
    treatment_step = Page.of(client.get(storgata)).link_values("behandling")["5"]
    page = Page.of(client.get(treatment_step))
    providers = page.links("behandler")
    assert any("Hanne Hansen Tannlege" in name for name in providers)
    assert any(name.startswith("Kjell Olsen") and "Tannpleier" not in name for name in providers)
    hanne = CLINICIANS[0].model_copy(update={"ClinicianPersonalDataConsents": []})
    account.backend.apply_master_data(
        account.database_id, OpusDatabaseDiff(ChangedClinicians=[hanne])
    )
    page = Page.of(client.get(treatment_step))
    assert "Tannlege" not in page.text() and "Hanne Hansen" in page.text()


def test_maintenance_mode_shows_the_maintenance_page(account: SiteAccount) -> None:
    texts(account, **{"information.maintenance_mode": "Vi oppgraderer systemet i kveld."})
    account.settings(MaintenanceMode=True)
    client = page_client(account)
    for path in ("", "mine-timer", "kode/" + "a" * 32):
        response = client.get(home(account) + path)
        assert response.status_code == 503
        page = Page.of(response)
        assert page.has_id("vedlikehold") and "Vi oppgraderer systemet i kveld." in page.text()
        assert not page.find("form")
    account.settings(MaintenanceMode=False)
    assert client.get(home(account)).status_code == 200


def test_the_all_options_show_only_when_on(account: SiteAccount) -> None:
    account.settings(AnyClinicOption=False, AnyClinicianOption=False)
    client = page_client(account)
    page = Page.of(client.get(home(account)))
    assert "alle" not in page.link_values("klinikk")
    storgata = next(link for name, link in page.links("klinikk").items() if "Storgata" in name)
    page = Page.of(client.get(Page.of(client.get(storgata)).link_values("behandling")["5"]))
    assert set(page.link_values("behandler")) == {"10", "11"}


def test_the_steps_come_in_the_configured_order(account: SiteAccount) -> None:
    account.settings(FirstStep=1, SecondStep=3, ThirdStep=0, FourthStep=2)
    client = page_client(account)
    page = Page.of(client.get(home(account)))
    assert page.by_id("steg-tittel").text == "Velg behandling"
    page = Page.of(client.get(page.link_values("behandling")["5"]))
    # the time step second: over all clinics and providers (both options are on)
    assert page.by_id("steg-tittel").text == "Velg tid"
    times = page.links("tid")
    assert any("Hanne Hansen" in t for t in times) and any("Kjell Olsen" in t for t in times)
    page = Page.of(client.get(next(iter(times.values()))))
    assert page.by_id("steg-tittel").text == "Dine opplysninger"  # the time named the rest


def test_without_the_all_options_the_time_step_waits_for_its_choices(
    account: SiteAccount,
) -> None:
    account.settings(FirstStep=3, SecondStep=1, ThirdStep=0, FourthStep=2, AnyClinicOption=False)
    client = page_client(account)
    page = Page.of(client.get(home(account)))
    assert page.by_id("steg-tittel").text == "Velg behandling"
    page = Page.of(client.get(page.link_values("behandling")["5"]))
    assert page.by_id("steg-tittel").text == "Velg klinikk"


def test_the_combined_view_asks_time_and_details_on_one_page(
    account: SiteAccount, people: People
) -> None:
    account.settings(UseCombinedView=True)
    client = page_client(account)
    page = Page.of(client.get(home(account)))
    storgata = next(link for name, link in page.links("klinikk").items() if "Storgata" in name)
    page = Page.of(client.get(storgata))
    assert page.has_id("skjema-kombinert")
    assert page.find("input", name="behandling") and page.find("input", name="behandler")
    clinic = page.form("skjema-kombinert")[1]["klinikk"]
    page = Page.of(
        client.get(home(account), params={"klinikk": clinic, "behandling": 5, "behandler": 10})
    )
    radios = [e.attrs["value"] for e in page.find("input", type="radio", name="tid")]
    assert radios and page.inputs("skjema-bestill")
    action, hidden = page.form("skjema-bestill")
    details = {
        "fornavn": "Kari",
        "etternavn": "Nordmann",
        "fodselsnummer": people.ids[2],
        "mobil": people.mobiles[2],
        "epost": "kari@example.no",
    }
    response = client.post(action, data={**hidden, **details})
    assert (
        response.status_code == 422 and Page.of(response).by_id("feil-tid").text == "Velg en tid."
    )
    response = client.post(action, data={**hidden, **details, "tid": radios[0]})
    assert response.status_code == 303 and "/kode/" in response.headers["location"]


def test_the_code_goes_by_e_mail_too_where_the_site_says_so(
    account: SiteAccount, people: People
) -> None:
    account.settings(UseCodeChallange=True)
    _, page = book_through_the_page(account, people, 1)
    assert "på SMS og e-post" in page.text()


def test_with_confirmation_skipped_the_booking_is_made_at_once(
    account: SiteAccount, people: People
) -> None:
    account.settings(SkipConfirmation=True)
    _, page = book_through_the_page(account, people, 3)
    assert page.by_id("bekreftet-tittel").text == "Timen er bestilt"
    [event] = account.backend.events()
    assert event.Kind == "new"


def test_clinics_without_a_group_come_under_their_own_heading(account: SiteAccount) -> None:
    ungrouped = CLINICS[1].model_copy(update={"Group": None})
    account.backend.apply_master_data(
        account.database_id, OpusDatabaseDiff(ChangedClinics=[ungrouped])
    )
    page = Page.of(page_client(account).get(home(account)))
    assert [e.text for e in page.find("h2", **{"class": "gruppe-tittel"})] == [
        "Oslo",
        "Andre klinikker",
    ]


def test_a_providers_photo_shows_only_with_consent(account: SiteAccount) -> None:
    photo = "data:image/png;base64,iVBORw0KGgo="
    hanne = CLINICIANS[0].model_copy(update={"ProfileImage": photo})  # consent: title only
    account.backend.apply_master_data(
        account.database_id, OpusDatabaseDiff(ChangedClinicians=[hanne])
    )
    client = page_client(account)
    page = Page.of(client.get(home(account)))
    storgata = next(link for name, link in page.links("klinikk").items() if "Storgata" in name)
    treatment_step = Page.of(client.get(storgata)).link_values("behandling")["5"]
    assert not Page.of(client.get(treatment_step)).find("img", **{"class": "foto"})
    consented = hanne.model_copy(update={"ClinicianPersonalDataConsents": [1, 2]})
    account.backend.apply_master_data(
        account.database_id, OpusDatabaseDiff(ChangedClinicians=[consented])
    )
    [img] = Page.of(client.get(treatment_step)).find("img", **{"class": "foto"})
    assert img.attrs["src"] == photo and img.attrs["alt"] == "Bilde av Hanne Hansen"
