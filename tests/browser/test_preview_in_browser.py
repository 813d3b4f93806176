"""The preview in a real browser: what a clinic sees before it applies."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from browser_support import DemoSite, Guard
from support import REPO

from reconciler.preview.server import Preview

EXAMPLE = REPO / "examples" / "single-clinic"


def test_the_single_clinic_preview_shows_the_clinic(
    page: Any, shoot: Callable[[str], Path], preview_of: Callable[..., Preview]
) -> None:
    preview = preview_of(EXAMPLE)
    response = page.goto(preview.page_url)
    assert response is not None
    assert response.status == 200
    shoot("the page")
    assert "Tannlegene i Storgata" in page.content()
    page.goto(preview.url + "/")  # the bare address leads to the page too
    assert "Tannlegene i Storgata" in page.content()
    shoot("the bare address")


def test_a_request_leaving_the_machine_is_refused(page: Any, guard: Guard) -> None:
    page.set_content('<img src="http://example.com/tracker.png" alt="">')
    page.wait_for_load_state("load")
    assert guard.refused == ["http://example.com/tracker.png"]
    guard.refused.clear()  # seen: this test is the guard's own


def test_the_demo_site_answers_in_the_browser(page: Any, demo_site: DemoSite) -> None:
    response = page.goto(demo_site.page_url + "api/public/v1/clinics")
    assert response is not None
    assert response.status == 200
    assert demo_site.workspace.seed.clinics[0]["name"] in page.content()
