"""Renderers: sensitive values never shown, field-level before → after, sources, collapsing."""

from __future__ import annotations

import json
from datetime import date, datetime

from reconciler.domain.resources import Action, Change, Resource
from reconciler.errors import Mark
from reconciler.plan import planfile
from reconciler.plan.diff import diff, matches
from reconciler.plan.model import AccountPlan, Plan
from reconciler.plan.render import render_markdown, render_text

SECRET = "s3cr3t-value-never-shown"


def plan_of(*changes: Change) -> Plan:
    account = AccountPlan("demo", tuple(changes), "fp")
    return Plan("id", datetime(2026, 11, 27, 12), date(2026, 11, 27), "config", "cfp", (account,))


def test_sensitive_values_are_masked_everywhere() -> None:
    before = Resource(
        "site.x", "site_x", {"token": "old-" + SECRET, "n": 1}, sensitive=frozenset({"token"})
    )
    after = Resource(
        "site.x",
        "site_x",
        {"token": SECRET, "n": 2},
        {"n": Mark("c.yaml", 3, 5)},
        frozenset({"token"}),
    )
    [change] = diff([after], [before])
    assert change.fields == ("token", "n")
    plan = plan_of(change)
    for text in (render_text(plan), render_markdown(plan), planfile.dumps(plan)):
        assert SECRET not in text
        assert "(sensitive)" in text
    assert "n: 1 → 2   c.yaml:3:5" in render_text(plan)


def test_long_runs_of_preblocks_collapse_per_provider() -> None:
    changes = [
        Change(
            Action.CREATE,
            f'opus.preblock["HAN@2026-12-0{d}T08:00"]',
            "opus_preblock",
            None,
            Resource(
                f'opus.preblock["HAN@2026-12-0{d}T08:00"]',
                "opus_preblock",
                {
                    "provider": "HAN",
                    "starts_at": f"2026-12-0{d}T08:00",
                    "ends_at": f"2026-12-0{d}T11:00",
                },
            ),
        )
        for d in range(1, 8)
    ]
    text = render_text(plan_of(*changes))
    assert "+ 7 preblocks for HAN: 2026-12-01T08:00 … 2026-12-07T11:00" in text
    document = json.loads(planfile.dumps(plan_of(*changes)))
    assert len(document["accounts"][0]["changes"]) == 7  # JSON lists every one


def test_address_matching() -> None:
    assert matches('site.clinic["a"].provider["B"]', ['site.clinic["a"]'])
    assert matches('opus.preblock["HAN@x"]', ["opus.preblock"])
    assert not matches('opus.preblock_type["x"]', ["opus.preblock"])
    assert not matches('site.clinic["ab"]', ['site.clinic["a"]'])
