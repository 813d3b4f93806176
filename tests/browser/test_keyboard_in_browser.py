"""The whole booking with the keyboard alone: Tab to each link, field and button, Enter to
follow or submit, typing into the fields."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from browser_support import MOBILE, NATIONAL_ID, DemoSite

MOST_TABS = 60  # more than any step of the page has focusable elements before its target


def tab_to(page: Any, selector: str) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(MOST_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector} on {page.url}")


def enter(page: Any) -> None:
    """Press Enter on what has the focus, and wait for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_a_whole_booking_with_tab_and_enter_only(
    page: Any, shoot: Callable[[str], Path], demo_site: DemoSite
) -> None:
    page.goto(demo_site.page_url)
    for data in ("klinikk", "behandling", "behandler", "tid"):
        tab_to(page, f"a[data-{data}]:not([data-{data}='alle'])")
        enter(page)
    assert page.locator("#steg-tittel").inner_text() == "Dine opplysninger"
    for name, value in (
        ("fornavn", "Kari"),
        ("etternavn", "Nordmann"),
        ("fodselsnummer", NATIONAL_ID),
        ("mobil", MOBILE),
        ("epost", "kari@example.no"),
    ):
        tab_to(page, f"#felt-{name}")
        page.keyboard.type(value)
    shoot("details by keyboard")
    tab_to(page, "#bestill")
    enter(page)
    tab_to(page, "#felt-kode")
    page.keyboard.type(demo_site.code(MOBILE))
    enter(page)  # submits the code's form
    assert page.locator("#bekreftelse[data-handling='book']").count() == 1
    shoot("booked by keyboard")
