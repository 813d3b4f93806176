"""Properties of plan/apply over many configs: apply then plan is empty, export then plan is
empty, and a plan's JSON reads back to the same plan."""

from __future__ import annotations

import json
import os
import shutil
from datetime import date
from pathlib import Path
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.apply.engine import apply
from reconciler.demo.workspace import Workspace, init
from reconciler.export import export
from reconciler.plan import planfile
from reconciler.plan.model import Plan
from reconciler.plan.planner import compute
from reconciler.site.background import BackgroundSite

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat"]

appointment_type = st.fixed_dictionaries(
    {
        "duration": st.sampled_from([15, 30, 45, 60]),
        "category": st.sampled_from(["Undersøkelse", "Akutt", "NO", "010"]),
        "use_in_ebooking": st.booleans(),
        "change_in_ebooking": st.booleans(),
        "move_max_days": st.one_of(st.none(), st.integers(0, 60)),
        "book_text": st.one_of(st.none(), st.text("abcæøå -:", min_size=1, max_size=20)),
    }
)
window = st.sampled_from(
    ["08:00-10:00", "09:00-11:30", "12:00-13:00", "12:30-15:30", "14:00-16:00"]
)
rule = st.fixed_dictionaries(
    {
        "days": st.lists(st.sampled_from(DAYS), min_size=1, max_size=3, unique=True),
        "hours": st.lists(window, min_size=1, max_size=3, unique=True),
        "horizon_days": st.integers(1, 21),
        "dates_off": st.lists(
            st.sampled_from(["2026-12-24", "2026-12-31..2027-01-02"]), unique=True
        ),
    }
)
configs = st.fixed_dictionaries(
    {
        "types": st.dictionaries(
            st.sampled_from(["- A", "- B", "- Kontroll", "- Undersøkelse"]),
            appointment_type,
            min_size=1,
            max_size=3,
        ),
        "rules": st.lists(rule, min_size=0, max_size=2),
        "weekend": st.booleans(),
        "access": st.sampled_from(["everyone", ["RESEPSJON"], ["HAN", "RESEPSJON"]]),
        "expiry": st.one_of(st.none(), st.integers(1, 72)),
    }
)


def _config(workspace: Workspace, values: dict[str, object]) -> None:
    """Rewrite the demo's root config from generated values (clinic files stay)."""
    types = "\n".join(
        " " * 12
        + f"{json.dumps(name, ensure_ascii=False)}: {json.dumps(attrs, ensure_ascii=False)}"
        for name, attrs in values["types"].items()  # type: ignore[attr-defined]
    )
    rules = json.dumps(values["rules"], ensure_ascii=False)
    access = json.dumps(values["access"])
    expiry = values["expiry"]
    workspace.config.write_text(
        f"""version: 1
defaults:
  provider:
    publishing: {rules}
accounts:
  demo:
    key: ${{file:secrets/account-key}}
    subdomain: demo-tannlegene
    site_url: {values["site_url"]}
    certificates:
      demo: {{file: certs/demo.p12, password: "${{file:secrets/certificate-password}}"}}
    site:
      flexibility: {{weekend_booking: {json.dumps(values["weekend"])}}}
    databases:
      opus:
        url: sqlite:///../opus.db
        opus:
          ebooking: {{preblock_expiry_hours: {json.dumps(expiry)}}}
          access: {{preblock_for_internet: {access}}}
          preblock_types:
            "Internett e-time": {{kind: internet, color: "#D6F5D6"}}
          appointment_types:
{types}
    clinics:
      include: "clinics/*.yaml"
""",
        encoding="utf-8",
    )
    for clinic in (workspace.config.parent / "clinics").glob("*.yaml"):  # rules come from defaults
        text = clinic.read_text(encoding="utf-8")
        kept = [line for line in text.splitlines() if "publishing:" not in line]
        clinic.write_text("\n".join(kept) + "\n")


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=configs)
def test_apply_then_plan_is_empty_and_export_then_plan_is_empty(
    tmp_path_factory: object, values: dict[str, object]
) -> None:
    base = Path(tmp_path_factory.mktemp("prop"))  # type: ignore[attr-defined]
    workspace = init(base / "demo", start=date.today())
    site = BackgroundSite(workspace.site).start()
    try:
        _config(workspace, {**values, "site_url": site.url})
        _check(workspace, base / "exported")
    finally:
        site.stop()
        shutil.rmtree(base)


def _addresses(plan: Plan) -> list[str]:
    return [c.address for a in plan.accounts for c in a.changes][:5]


def _check(workspace: Workspace, exported: Path) -> None:
    computed = compute(workspace.config.parent, force=True)
    document = planfile.to_json(computed.plan)
    assert planfile.to_json(planfile.from_json(document)) == document
    assert all(r.ok for r in apply(computed.plan, computed.loaded, force=True))
    again = compute(workspace.config.parent)
    assert not again.plan.has_changes, _addresses(again.plan)
    export(workspace.config.parent, exported)
    # the exported config names the secrets and the certificate where they are
    with mock.patch.dict(os.environ, {"RECONCILER_FILE_DIRS": str(workspace.config.parent)}):
        from_export = compute(exported)
    assert not from_export.plan.has_changes, _addresses(from_export.plan)
