"""What the demo's patient reads of the booking page's HTML: its option links (with the name
each shows), its forms (action, hidden values, field names) and the attributes of elements by
id. A reader for the page's stable hooks, not a general HTML parser."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Link:
    href: str
    attrs: dict[str, str]
    name: str = ""  # the text of its <span class="navn">, where it has one


@dataclass
class Form:
    action: str
    hidden: dict[str, str] = field(default_factory=dict)
    fields: list[str] = field(default_factory=list)  # the names of its other inputs


class PageReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[Link] = []
        self.forms: dict[str, Form] = {}
        self.ids: dict[str, dict[str, str]] = {}
        self._link: Link | None = None
        self._form: Form | None = None
        self._in_name = False

    @classmethod
    def read(cls, text: str) -> PageReader:
        reader = cls()
        reader.feed(text)
        reader.close()
        return reader

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: html.unescape(v or "") for k, v in attrs}
        if "id" in a:
            self.ids[a["id"]] = a
        if tag == "a" and "href" in a:
            self._link = Link(a["href"], a)
            self.links.append(self._link)
        elif tag == "span" and self._link is not None and "navn" in a.get("class", "").split():
            self._in_name = True
        elif tag == "form":
            self._form = Form(a.get("action", ""))
            self.forms[a.get("id", "")] = self._form
        elif tag in ("input", "textarea") and self._form is not None and "name" in a:
            if a.get("type") == "hidden":
                self._form.hidden[a["name"]] = a.get("value", "")
            else:
                self._form.fields.append(a["name"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._link = None
        elif tag == "span":
            self._in_name = False
        elif tag == "form":
            self._form = None

    def handle_data(self, data: str) -> None:
        if self._in_name and self._link is not None:
            self._link.name += data

    def options(self, data: str) -> list[Link]:
        """The links carrying data-<data>, in the page's order."""
        return [link for link in self.links if f"data-{data}" in link.attrs]
