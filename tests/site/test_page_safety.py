"""The patient's page keeps to itself and to the patient: clinic texts are escaped, every
page carries a strict Content-Security-Policy and loads nothing from another host, a national
id never goes into a URL, and garbage input gets a friendly page, never a traceback."""

from __future__ import annotations

import re

import httpx
import pytest
from page_support import Page, book_through_the_page, confirm_booking, home, page_client
from support import CLINICS, People, SiteAccount

from reconciler.providers.site.models import OpusDatabaseDiff

SCRIPT = '<script>alert("x")</script>'


def _texts(account: SiteAccount, **texts: str) -> None:
    document = account.backend.subdomain()
    media = document.MediaSettings.model_copy(
        update={"TextContainer": {**document.MediaSettings.TextContainer, **texts}}
    )
    account.backend.put_subdomain(document.model_copy(update={"MediaSettings": media}))


def test_an_injected_script_in_a_clinic_text_stays_text(account: SiteAccount) -> None:
    storgata = CLINICS[0].model_copy(
        update={"ClinicTextHeader": SCRIPT, "ClinicTextBody": f"Velkommen {SCRIPT}"}
    )
    account.backend.apply_master_data(
        account.database_id, OpusDatabaseDiff(ChangedClinics=[storgata])
    )
    _texts(account, welcome=f"Hei {SCRIPT}", heading=f"Tannlegen {SCRIPT}")
    client = page_client(account)
    response = client.get(home(account))
    assert "<script>alert" not in response.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in response.text
    page = Page.of(response)
    link = next(link for name, link in page.links("klinikk").items() if "Storgata" in name)
    response = client.get(link)
    assert f"Velkommen {SCRIPT}" in Page.of(response).text()  # shown as text
    assert "<script>alert" not in response.text
    assert not Page.of(response).find("script")  # and no script at all without analytics


def visit_everything(account: SiteAccount, people: People) -> list[httpx.Response]:
    """Every kind of page, with the requests that led to them (redirects included)."""
    seen: list[httpx.Response] = []
    client = page_client(account, event_hooks={"response": [seen.append]})
    base = home(account)
    page = Page.of(client.get(base))
    for link in page.link_values("klinikk").values():
        for treatment in Page.of(client.get(link)).link_values("behandling").values():
            for provider in Page.of(client.get(treatment)).link_values("behandler").values():
                Page.of(client.get(provider))
    booked_client, code_page = book_through_the_page(account, people, 0)
    booked_client.event_hooks["response"].append(seen.append)
    confirm_booking(booked_client, account, code_page, people.mobile(0))
    client.get(base + "mine-timer")
    client.get(base + "static/side.css")
    client.get(base + "tema.css")
    client.get(base + "kode/" + "0" * 32)  # not found
    response = client.post(base + "mine-timer/logg-inn", data={"fodselsnummer": people.ids[0]})
    assert response.status_code == 303, response.text
    code = account.code(people.mobile(0))
    client.post(response.headers["location"], data={"kode": "12"})  # too short: 422
    response = client.post(response.headers["location"], data={"kode": code})
    client.get(response.headers["location"])  # Mine timer, logged in
    return seen


def test_every_page_has_a_strict_csp_and_nothing_from_another_host(
    account: SiteAccount, people: People
) -> None:
    responses = visit_everything(account, people)
    pages = [r for r in responses if r.headers.get("content-type", "").startswith("text/html")]
    assert len(pages) > 10
    for response in pages:
        csp = response.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp and "http" not in csp
        assert not re.search(r"(?:https?:)?//[a-z0-9]", response.text, re.IGNORECASE), str(
            response.url
        )
        page = Page.of(response)
        assert not [s for s in page.find("script") if not s.attrs.get("src", "").startswith("/")]
        assert not page.find("style") and not [e for e in page.elements if "style" in e.attrs]
        assert not [e for e in page.elements if any(a.startswith("on") for a in e.attrs)]


def test_a_national_id_never_goes_into_a_url(account: SiteAccount, people: People) -> None:
    responses = visit_everything(account, people)
    for response in responses:
        for text in (str(response.url), response.headers.get("location", "")):
            assert people.ids[0] not in text
        assert people.ids[0] not in response.text  # nor back into a page
    forms = [
        e
        for r in responses
        if r.headers.get("content-type", "").startswith("text/html")
        for e in Page.of(r).find("form")
        if Page.of(r).find("input", name="fodselsnummer")
    ]
    assert forms and all(f.attrs["method"] == "post" for f in forms)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", b"\xff\xfe\x00garbage"),
        ("application/x-www-form-urlencoded", b"fornavn=%ff%fe"),
        ("application/x-www-form-urlencoded", b"&".join(b"f%d=1" % n for n in range(100))),
        ("application/x-www-form-urlencoded", b"tid=notatime&behandling=5"),
        ("application/x-www-form-urlencoded", b"tid=20261207080000~20261207083000~10~1-xx"),
        ("application/x-www-form-urlencoded", b"behandling=99999999999"),
        (
            "application/x-www-form-urlencoded",
            b"behandling=5&tid=19000101080000~19000101083000~10~1-"
            + b"00000000-0000-0000-0000-000000000000&fornavn=K&etternavn=N&fodselsnummer=1"
            + b"&mobil=41234567&epost=k%40example.no",
        ),
        ("application/x-www-form-urlencoded", b"behandling=5&tid=x~y~9999999999~1"),
        ("application/x-www-form-urlencoded", b""),
        ("application/json", b'{"fornavn": "Kari"}'),
        ("multipart/form-data; boundary=x", b"--x--"),
        ("text/plain", b"\x00" * 100),
    ],
)
def test_garbage_to_the_booking_form_gets_a_friendly_page(
    account: SiteAccount, content_type: str, body: bytes
) -> None:
    client = page_client(account)
    response = client.post(
        home(account) + "bestill", content=body, headers={"content-type": content_type}
    )
    assert response.status_code in (400, 422)
    assert response.headers["content-type"].startswith("text/html")
    assert "Traceback" not in response.text and "Error" not in response.text
    assert Page.of(response).by_id("feilmelding").text


@pytest.mark.parametrize(
    "query",
    [
        {"klinikk": SCRIPT},
        {"behandling": "-1"},
        {"behandler": "ti"},
        {"tid": "x~y~z~w"},
        {"fra": "i morgen"},
        {"klinikk": "1-00000000-0000-0000-0000-000000000000"},  # well formed, no such clinic
    ],
)
def test_garbage_in_the_query_gets_a_friendly_page(
    account: SiteAccount, query: dict[str, str]
) -> None:
    response = page_client(account).get(home(account), params=query)
    assert response.status_code in (400, 404)
    assert "<script>alert" not in response.text and "Traceback" not in response.text
    assert Page.of(response).by_id("feilmelding").text


def test_a_wrong_national_id_is_told_in_norwegian_and_not_echoed(
    account: SiteAccount, people: People
) -> None:
    wrong = people.ids[0][:-1] + str((int(people.ids[0][-1]) + 1) % 10)
    _, page = book_through_the_page(account, people, 0, fields={"fodselsnummer": wrong})
    assert page.by_id("feil-fodselsnummer").text.startswith("Fødselsnummeret er ikke gyldig")
    assert wrong not in page.text()
    _, page = book_through_the_page(account, people, 0, fields={"mobil": "22334455"})
    assert "norsk mobilnummer" in page.by_id("feil-mobil").text


def test_the_page_on_a_subdomain_host_is_at_the_root(account: SiteAccount) -> None:
    client = page_client(account)
    response = client.get("/", headers={"host": f"{account.subdomain}.localhost"})
    assert response.status_code == 200
    page = Page.of(response)
    assert page.by_id("steg-tittel").text == "Velg klinikk"
    assert all(link.startswith("/?klinikk=") for link in page.link_values("klinikk").values())
    bare = client.get("/")
    assert bare.status_code == 404 and "/sites/" in bare.text


def test_the_analytics_script_comes_only_from_the_advanced_setting(
    account: SiteAccount,
) -> None:
    client = page_client(account)
    assert not Page.of(client.get(home(account))).find("script")
    assert client.get(home(account) + "analyse.js").status_code == 404
    document = account.backend.subdomain()
    analytics = document.Analytics.model_copy(update={"Script": "window.besok = 1;"})
    account.backend.put_subdomain(document.model_copy(update={"Analytics": analytics}))
    page = Page.of(client.get(home(account)))
    [script] = page.find("script")
    assert script.attrs["src"] == home(account) + "analyse.js"
    served = client.get(script.attrs["src"])
    assert served.text == "window.besok = 1;" and "javascript" in served.headers["content-type"]
