"""A setting changed in the demo's YAML shows on the patient's page once applied — and in the
preview before any apply. A clinic text with a <script> in it stays text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from browser_support import DemoSite, Patient

from reconciler.demo.workspace import init
from reconciler.preview.server import Preview

ROOT = "reconciler.yaml"
CLINIC = "clinics/0001.yaml"
SITE = "    site:\n"


def applied(demo: DemoSite, file: str, old: str, new: str) -> None:
    demo.edit(file, old, new)
    demo.apply()


def days_shown(page: Any) -> list[dt.date]:
    days = page.locator("div.dag").evaluate_all("all => all.map(d => d.dataset.dag)")
    return [dt.date.fromisoformat(d) for d in days]


def test_weekend_days_appear_with_weekend_booking_on(
    page: Any, shoot: Callable[[str], Path], demo_site: DemoSite
) -> None:
    patient = Patient(page, demo_site)
    patient.to_the_week()
    assert days_shown(page) and all(d.weekday() < 5 for d in days_shown(page))
    applied(demo_site, ROOT, SITE, SITE + "      flexibility: {weekend_booking: true}\n")
    page.reload()
    shoot("weekend booking on")
    assert {5, 6} <= {d.weekday() for d in days_shown(page)}


def test_a_field_made_required_is_marked_and_refused_empty(
    page: Any, shoot: Callable[[str], Path], demo_site: DemoSite
) -> None:
    patient = Patient(page, demo_site)
    patient.to_the_week()
    patient.choose("tid")
    assert page.locator("#felt-adresse1").count() == 0
    applied(demo_site, ROOT, SITE, SITE + "      registration: {fields: {address1: true}}\n")
    page.reload()
    label = page.locator("label[for='felt-adresse1']")
    assert "(må fylles ut)" in label.inner_text()
    assert page.locator("#felt-adresse1").get_attribute("aria-required") == "true"
    patient.fill_details()
    page.locator("#bestill").click()
    shoot("address refused empty")
    assert page.locator("#feil-adresse1").count() == 1
    assert page.locator("#felt-adresse1").get_attribute("aria-invalid") == "true"
    assert page.locator("#skjema-kode").count() == 0  # no code was sent: not booked


def test_a_title_consent_withdrawn_takes_the_title_away(
    page: Any, shoot: Callable[[str], Path], demo_site: DemoSite
) -> None:
    patient = Patient(page, demo_site)
    page.goto(demo_site.page_url)
    patient.choose("klinikk")
    patient.choose("behandling")
    ola = page.locator("a[data-behandler]", has_text="Ola Johansen")
    assert ola.locator(".tittel").inner_text() == "Tannpleier"
    applied(
        demo_site,
        CLINIC,
        '      name: "Ola Johansen"\n',
        '      name: "Ola Johansen"\n      consent: {title: false}\n',
    )
    page.reload()
    shoot("title consent withdrawn")
    assert ola.locator(".navn").inner_text() == "Ola Johansen"
    assert ola.locator(".tittel").count() == 0


def test_maintenance_mode_shows_the_maintenance_page(
    page: Any, shoot: Callable[[str], Path], demo_site: DemoSite
) -> None:
    page.goto(demo_site.page_url)
    assert page.locator("a[data-klinikk]").count() > 0
    applied(demo_site, ROOT, SITE, SITE + "      flexibility: {maintenance_mode: true}\n")
    page.reload()
    shoot("maintenance")
    assert page.locator("#vedlikehold").count() == 1
    assert page.locator("a[data-klinikk]").count() == 0


def test_a_script_in_a_clinic_text_stays_text(page: Any, demo_site: DemoSite) -> None:
    script = "<script>alert('innsmett')</script>"
    dialogs: list[str] = []

    def dialog(opened: Any) -> None:
        dialogs.append(opened.message)
        opened.dismiss()

    page.on("dialog", dialog)
    applied(
        demo_site,
        CLINIC,
        '  name: "Tannlegene Oslo Sentrum"\n',
        f'  name: "Tannlegene Oslo Sentrum"\n  text: {{header: "Velkommen", body: "{script}"}}\n',
    )
    page.goto(demo_site.page_url)
    page.locator("a[data-klinikk]", has_text="Tannlegene Oslo Sentrum").click()
    assert page.locator("#klinikktekst .tekst").inner_text() == script
    assert page.locator("#klinikktekst script").count() == 0
    assert dialogs == [], f"a clinic text ran as script: {dialogs}"
    page.evaluate("alert('kontroll')")  # the listener does hear a dialog
    assert dialogs == ["kontroll"]


def test_a_change_shows_in_the_preview_before_any_apply(
    page: Any,
    shoot: Callable[[str], Path],
    preview_of: Callable[..., Preview],
    tmp_path: Path,
) -> None:
    config = init(tmp_path / "demo", seed=1).config.parent
    preview = preview_of(config)
    page.goto(preview.page_url)
    page.locator("a[data-klinikk]:not([data-klinikk='alle'])").first.click()
    page.locator("a[data-behandling]").first.click()
    ola = page.locator("a[data-behandler]", has_text="Ola Johansen")
    assert ola.locator(".tittel").inner_text() == "Tannpleier"
    clinic = config / CLINIC
    text = clinic.read_text(encoding="utf-8")
    clinic.write_text(
        text.replace(
            '      name: "Ola Johansen"\n',
            '      name: "Ola Johansen"\n      consent: {title: false}\n',
        ),
        encoding="utf-8",
    )
    page.reload()
    shoot("preview title consent withdrawn")
    assert ola.locator(".navn").inner_text() == "Ola Johansen"
    assert ola.locator(".tittel").count() == 0
