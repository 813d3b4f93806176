"""axe-core (vendored: vendor/README.md) on each step of the patient's page — booking, the
form's errors, the code, the confirmation, Mine timer and moving — finds nothing serious or
critical. The page's own Content-Security-Policy would refuse the injected checker, so this
test's context bypasses it (the `axe_page` fixture); no other test does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from browser_support import DemoSite, Patient

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SERIOUS = ("serious", "critical")


class Axe:
    """Runs axe on the page as it is, and keeps the serious and critical violations by step."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.found: dict[str, list[str]] = {}
        self.steps: list[str] = []

    def __call__(self, step: str) -> None:
        self.page.add_script_tag(path=str(AXE))
        violations = self.page.evaluate("async () => (await axe.run(document)).violations")
        self.steps.append(step)
        for v in violations:
            if v["impact"] in SERIOUS:
                where = ", ".join(n["target"][0] for n in v["nodes"][:3])
                self.found.setdefault(step, []).append(f"{v['id']} ({v['impact']}): {where}")


def test_no_serious_accessibility_violations_on_any_step(
    axe_page: Any, demo_site: DemoSite
) -> None:
    page = axe_page
    axe = Axe(page)
    patient = Patient(page, demo_site, at_each_step=axe)
    patient.to_the_week()
    patient.choose("tid")
    page.locator("#bestill").click()  # nothing filled in: the form's errors
    assert page.locator("#feiloppsummering").count() == 1
    axe("details with errors")
    patient.fill_details()
    axe("details")
    page.locator("#bestill").click()
    patient.enter_code("booking")
    patient.confirmed("book")
    patient.log_in()
    axe("mine timer")
    [booking] = patient.appointments()
    page.locator(f"#flytt-{booking}").click()
    axe("move")
    assert len(axe.steps) == 12
    assert axe.found == {}, "\n".join(
        f"{step}: {'; '.join(found)}" for step, found in axe.found.items()
    )
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<input type=text>')")
    axe("an unlabelled field")  # the check does see a violation
    assert list(axe.found) == ["an unlabelled field"]
