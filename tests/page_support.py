"""Helpers for the patient's page tests: an httpx client on an account's page (over the real
socket), and a small reader of the HTML it answers (links, forms, texts by id)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from html.parser import HTMLParser

import httpx
from support import People, SiteAccount


def home(account: SiteAccount) -> str:
    """The path of the account's page on the site's bare address."""
    return f"/sites/{account.subdomain}/"


def page_client(account: SiteAccount, **kwargs: object) -> httpx.Client:
    """A client of the site the account's page is on (redirects not followed); the page's
    links are absolute paths."""
    client = httpx.Client(
        base_url=account.site.url,
        follow_redirects=False,
        timeout=30,
        **kwargs,  # type: ignore[arg-type]
    )
    account.opened.append(client)
    return client


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""


class Page(HTMLParser):
    """The elements of a page with their attributes, and the text inside each <a>, <label>,
    <button>, <h1>…<h3>, <p>, <li>, <dd> and <span>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.url = ""

    TEXT_TAGS = frozenset({"a", "label", "button", "h1", "h2", "h3", "p", "li", "dd", "span"})

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.elements.append(element)
        if tag in self.TEXT_TAGS:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for n in range(len(self._open) - 1, -1, -1):
            if self._open[n].tag == tag:
                del self._open[n:]
                break

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text += data

    @classmethod
    def of(cls, response: httpx.Response) -> Page:
        page = cls()
        page.url = response.url.raw_path.decode("ascii")
        page.feed(response.text)
        page.close()
        return page

    def find(self, tag: str | None = None, **attrs: str) -> list[Element]:
        return [
            e
            for e in self.elements
            if (tag is None or e.tag == tag)
            and all(e.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]

    def by_id(self, element_id: str) -> Element:
        [element] = self.find(id=element_id)
        return element

    def has_id(self, element_id: str) -> bool:
        return bool(self.find(id=element_id))

    def links(self, data: str) -> dict[str, str]:
        """Links carrying `data-<data>`: their text (squeezed) → href."""
        return {
            " ".join(e.text.split()): html.unescape(e.attrs["href"])
            for e in self.elements
            if e.tag == "a" and f"data-{data}" in e.attrs
        }

    def link_values(self, data: str) -> dict[str, str]:
        """Links carrying `data-<data>`: the value of that attribute → href."""
        return {
            e.attrs[f"data-{data}"]: e.attrs["href"]
            for e in self.elements
            if e.tag == "a" and f"data-{data}" in e.attrs
        }

    def form(self, form_id: str) -> tuple[str, dict[str, str]]:
        """The form's action and its hidden inputs' values."""
        start = self.elements.index(self.by_id(form_id))
        action = self.elements[start].attrs["action"]
        hidden: dict[str, str] = {}
        for e in self.elements[start + 1 :]:
            if e.tag == "form":
                break
            if e.tag == "input" and e.attrs.get("type") == "hidden":
                hidden[e.attrs["name"]] = e.attrs.get("value", "")
        return action, hidden

    def inputs(self, form_id: str) -> list[Element]:
        """The form's visible inputs and textareas, in order."""
        start = self.elements.index(self.by_id(form_id))
        found = []
        for e in self.elements[start + 1 :]:
            if e.tag == "form":
                break
            if (e.tag == "input" and e.attrs.get("type") not in ("hidden", "radio")) or (
                e.tag == "textarea"
            ):
                found.append(e)
        return found

    def text(self) -> str:
        return " ".join(" ".join(e.text.split()) for e in self.elements if e.text)


def book_through_the_page(
    account: SiteAccount,
    people: People,
    n: int = 0,
    *,
    fields: dict[str, str] | None = None,
    treatment: int = 5,
    time: int = 0,
) -> tuple[httpx.Client, Page]:
    """Clinic Storgata, `treatment` ('- Undersøkelse'), Hanne Hansen, the `time`-th time
    offered; then patient n's details: the page that answers them (the code page, followed
    from its redirect)."""
    client = page_client(account)
    page = Page.of(client.get(home(account)))
    storgata = next(link for name, link in page.links("klinikk").items() if "Storgata" in name)
    page = Page.of(client.get(storgata))
    page = Page.of(client.get(page.link_values("behandling")[str(treatment)]))
    page = Page.of(client.get(page.link_values("behandler")["10"]))
    page = Page.of(client.get(list(page.links("tid").values())[time]))
    action, hidden = page.form("skjema-bestill")
    details = {
        "fornavn": f"Kari{n}",
        "etternavn": "Nordmann",
        "fodselsnummer": people.ids[n],
        "mobil": people.mobiles[n % len(people.mobiles)],
        "epost": f"kari{n}@example.no",
        **(fields or {}),
    }
    response = client.post(action, data={**hidden, **details})
    if response.status_code == 303:
        response = client.get(response.headers["location"])
    return client, Page.of(response)


def confirm_booking(
    client: httpx.Client, account: SiteAccount, code_page: Page, mobile: str
) -> Page:
    """Confirm a booking on its code page with the code sent to `mobile`: the confirmation."""
    response = client.post(code_page.url, data={"kode": account.code(mobile)})
    assert response.status_code == 303, response.text
    return Page.of(client.get(response.headers["location"]))


def log_in(client: httpx.Client, account: SiteAccount, national_id: str, mobile: str) -> Page:
    """Log in to Mine timer by SMS code: the list of appointments."""
    response = client.post(
        home(account) + "mine-timer/logg-inn", data={"fodselsnummer": national_id}
    )
    assert response.status_code == 303, response.text
    response = client.post(response.headers["location"], data={"kode": account.code(mobile)})
    assert response.status_code == 303, response.text
    return Page.of(client.get(response.headers["location"]))
