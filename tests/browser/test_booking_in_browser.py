"""A patient books through the demo's page in the browser, with the code the site texts them;
the next sync writes the booking into the Opus book. Then, under Mine timer, they log in with
a code, move the appointment and cancel it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from browser_support import DemoSite, Patient


def test_a_booking_through_the_page_lands_in_the_opus_book(
    page: Any, shoot: Callable[[str], Path], demo_site: DemoSite
) -> None:
    patient = Patient(page, demo_site, at_each_step=shoot)
    patient.book()
    assert "Du får en bekreftelse på SMS." in page.locator("#bekreftelse").inner_text()
    assert demo_site.booked_in_opus() == []  # not in the book until the sync brings it
    demo_site.sync()
    assert demo_site.booked_in_opus() == [("Undersøkelse", "ITB", "booked")]


def test_mine_timer_log_in_move_and_cancel(
    page: Any, shoot: Callable[[str], Path], demo_site: DemoSite
) -> None:
    patient = Patient(page, demo_site, at_each_step=shoot)
    patient.book()
    patient.log_in()
    [booking] = patient.appointments()
    shoot("mine timer")
    before = page.locator(f"#time-{booking}").inner_text()

    page.locator(f"#flytt-{booking}").click()
    page.locator("#skjema-flytt label.tid").nth(1).click()  # another time than the first
    shoot("move to")
    page.locator("#velg-ny-tid").click()
    patient.enter_code("move")
    patient.confirmed("move")

    page.locator("#lenke-mine-timer").click()
    [moved] = patient.appointments()
    assert page.locator(f"#time-{moved}").inner_text() != before
    page.locator(f"#avbestill-{moved}").click()
    patient.enter_code("cancel")
    patient.confirmed("cancel")

    page.locator("#lenke-mine-timer").click()
    assert page.locator("#ingen-timer").count() == 1
    page.locator("#logg-ut").click()
    page.locator("#lenke-mine-timer").click()
    assert page.locator("#skjema-logg-inn").count() == 1
