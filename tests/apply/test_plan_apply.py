"""The plan/apply journey on a demo workspace, through the command line."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import jsonschema
import pytest
from support import REPO, RunCli

from reconciler.config import load_config
from reconciler.demo.workspace import Workspace
from reconciler.providers.opus import OpusSchema
from reconciler.providers.opus import bookkeeping as books
from reconciler.providers.opus.connection import create_engine


def sql(workspace: Workspace, statement: str, *params: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(workspace.database) as c:
        rows = c.execute(statement, params).fetchall()
        c.commit()
    return rows


def edit(workspace: Workspace, old: str, new: str, file: str = "reconciler.yaml") -> None:
    path = workspace.config.parent / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_plan_apply_plan(cli: RunCli, workspace: Workspace) -> None:
    config = workspace.config.parent
    first = cli("plan", config, "--detailed-exitcode")
    assert first.code == 2, first.err
    assert '~ opus.appointment_type["- Tannrens"]' in first.out
    assert "move_max_days: 14 → 30" in first.out
    assert "preblocks for" in first.out
    applied = cli("apply", config, "--auto-approve")
    assert applied.code == 0, applied.err
    assert re.search(r"^account demo: applied \d+ changes in \d+ steps$", applied.out, re.M)
    second = cli("plan", config, "--detailed-exitcode")
    assert (second.code, second.err) == (0, "")
    assert "No changes" in second.out
    managed = sql(
        workspace, "SELECT count(*) FROM preblocks WHERE managed = 1 AND created_by = 'RECON'"
    )
    assert managed[0][0] > 0
    staff = sql(workspace, "SELECT count(*) FROM preblocks WHERE managed = 0")
    assert staff[0][0] == len(workspace.seed.preblocks)  # staff's preblocks untouched


def test_apply_needs_confirmation_without_a_terminal(cli: RunCli, workspace: Workspace) -> None:
    result = cli("apply", workspace.config.parent)
    assert result.code == 1
    assert "--auto-approve" in result.err
    assert cli("plan", workspace.config.parent, "--detailed-exitcode").code == 2  # nothing applied


def test_a_saved_plan_applies_once_and_is_refused_when_stale(
    cli: RunCli, workspace: Workspace, tmp_path: Path
) -> None:
    config = workspace.config.parent
    plan_file = tmp_path / "plan.json"
    assert cli("plan", config, "--out", plan_file).code == 0
    sql(workspace, "UPDATE appointment_types SET duration = 50 WHERE name = 'Fylling'")  # unmanaged
    assert cli("apply", plan_file).code == 0  # staff-only types are not read: not stale
    plan_file2 = tmp_path / "plan2.json"
    edit(workspace, "welcome: Velg klinikk", "welcome: Velkommen! Velg klinikk")
    assert cli("plan", config, "--out", plan_file2).code == 0
    sql(workspace, "UPDATE appointment_types SET duration = 50 WHERE name = '- Akutt'")
    stale = cli("apply", plan_file2)
    assert stale.code == 1
    assert stale.err == (
        "error: account demo: plan is stale: the live state has changed — run plan again\n"
    )
    assert cli("plan", config, "--out", plan_file2).code == 0
    edit(workspace, "heading: Bestill", "heading: Bestill en")
    changed = cli("apply", plan_file2)
    assert changed.code == 1
    assert "the config (or a file it names) has changed" in changed.err


def test_drift_shows_changes_made_outside_and_refresh_only_accepts_them(
    cli: RunCli, workspace: Workspace, tmp_path: Path
) -> None:
    config = workspace.config.parent
    assert cli("apply", config, "--auto-approve").code == 0
    assert cli("drift", config).code == 0
    sql(workspace, "UPDATE appointment_types SET duration = 40 WHERE name = '- Tannrens'")
    drift = cli("drift", config)
    assert drift.code == 2
    assert "duration: 45 → 40" in drift.out
    assert drift.out.endswith("0 added, 1 changed, 0 removed outside the config.\n")
    heading = cli("drift", config, "--format", "markdown").out.splitlines()[0]
    assert heading == "### reconciler drift: 0 added, 1 changed, 0 removed outside the config"
    accept = tmp_path / "accept.json"
    assert cli("plan", config, "--refresh-only", "--out", accept).code == 0
    assert cli("apply", accept).code == 0
    assert cli("drift", config).code == 0
    assert sql(workspace, "SELECT duration FROM appointment_types WHERE name = '- Tannrens'") == [
        (40,)
    ]
    back = cli("plan", config, "--detailed-exitcode")  # the config still wants 45
    assert back.code == 2
    assert "duration: 40 → 45" in back.out


def test_formats_and_no_secret_anywhere(cli: RunCli, workspace: Workspace, tmp_path: Path) -> None:
    config = workspace.config.parent
    key = (config / "secrets" / "account-key").read_text().strip()
    schema = json.loads((REPO / "schemas" / "plan.schema.json").read_text())
    outputs = []
    for fmt in ("text", "markdown", "json"):
        result = cli("plan", config, "--format", fmt)
        assert result.code == 0
        outputs += [result.out, result.err]
    document = json.loads(outputs[4])
    jsonschema.validate(document, schema)
    assert document["summary"]["update"] == 3
    change = next(c for c in document["accounts"][0]["changes"] if c["action"] == "update")
    assert (
        change["sources"]["move_max_days"].endswith(":87")
        or ":" in change["sources"]["move_max_days"]
    )
    assert outputs[2].startswith("### reconciler plan: ")
    assert "```diff" in outputs[2]
    saved = tmp_path / "p.json"
    cli("plan", config, "--out", saved)
    shown = cli("show", saved, "--format", "json")
    assert json.loads(shown.out)["plan_id"] == json.loads(saved.read_text())["plan_id"]
    assert all(key not in text for text in [*outputs, saved.read_text(), shown.out])


def test_a_held_lock_refuses_apply_until_unlocked(cli: RunCli, workspace: Workspace) -> None:
    config = workspace.config.parent
    loaded = load_config(config)
    db = loaded.config.accounts["demo"].databases["opus"]
    engine = create_engine(db, "opus")
    schema = OpusSchema()
    cli("plan", config)  # creates the bookkeeping tables
    books.acquire(engine, schema, "demo", "someone-elses-plan")
    engine.dispose()
    held = cli("apply", config, "--auto-approve")
    assert held.code == 1
    assert "account 'demo' is locked by" in held.err
    assert "reconciler unlock PATH --force" in held.err
    assert cli("unlock", config).code == 1
    unlocked = cli("unlock", config, "--force")
    assert unlocked.code == 0
    assert "cleared the lock of" in unlocked.out
    assert cli("apply", config, "--auto-approve").code == 0


def test_target_and_exclude(cli: RunCli, workspace: Workspace) -> None:
    config = workspace.config.parent
    only = cli("plan", config, "--target", 'opus.appointment_type["- Akutt"]', "--format", "json")
    changes = json.loads(only.out)["accounts"][0]["changes"]
    assert [c["address"] for c in changes] == ['opus.appointment_type["- Akutt"]']
    without = cli(
        "plan", config, "--exclude", "opus.preblock", "--exclude", "site", "--format", "json"
    )
    kinds = {c["kind"] for c in json.loads(without.out)["accounts"][0]["changes"]}
    assert kinds == {"opus_appointment_type"}
    typo = cli("plan", config, "--target", 'opus.appointment_type["- Akut"]')
    assert typo.code == 1 and typo.out == ""  # a typo plans nothing silently no more
    assert 'did you mean opus.appointment_type["- Akutt"]' in typo.err
    assert (
        "--exclude opus.prebock matches no resource"
        in cli("plan", config, "--exclude", "opus.prebock").err
    )
    assert cli("apply", config, "--auto-approve").code == 0  # apply takes no target: all


def test_too_large_a_change_needs_force(cli: RunCli, workspace: Workspace) -> None:
    config = workspace.config.parent
    assert cli("apply", config, "--auto-approve").code == 0
    edit(
        workspace, 'hours: ["08:00-11:00", "12:30-15:00"]', 'hours: ["08:00-10:00", "12:30-14:00"]'
    )
    planned = cli("plan", config)
    assert "refused: it would change or delete" in planned.out
    refused = cli("apply", config, "--auto-approve")
    assert refused.code == 1
    assert "then apply with --force" in refused.err
    assert cli("apply", config, "--auto-approve", "--force").code == 0
    assert cli("plan", config, "--detailed-exitcode").code == 0


def test_a_failed_step_stops_the_account_and_the_next_plan_shows_what_is_left(
    cli: RunCli, workspace: Workspace
) -> None:
    config = workspace.config.parent
    victim = workspace.seed.providers[4].code
    sql(
        workspace,
        "CREATE TRIGGER refuse BEFORE INSERT ON preblocks "
        f"WHEN NEW.provider_id = (SELECT id FROM providers WHERE code = '{victim}') "
        "BEGIN SELECT RAISE(ABORT, 'the book is closed'); END",
    )
    before = cli("plan", config, "--format", "json")
    total = sum(json.loads(before.out)["summary"].values())
    result = cli("apply", config, "--auto-approve")
    assert result.code == 1
    assert "failed at" in result.err and victim in result.err
    assert "the book is closed" in result.err
    assert "not attempted" in result.err
    journal = sql(workspace, "SELECT status, address FROM rc_journal ORDER BY id")
    assert ("failed", next(a for s, a in journal if s == "failed")) in journal
    left = json.loads(cli("plan", config, "--format", "json").out)
    remaining = sum(left["summary"].values())
    assert 0 < remaining < total
    assert any(victim in c["address"] for c in left["accounts"][0]["changes"])
    assert sql(workspace, "SELECT count(*) FROM rc_apply_lock") == [(0,)]  # lock released
    sql(workspace, "DROP TRIGGER refuse")
    assert cli("apply", config, "--auto-approve").code == 0
    assert cli("plan", config, "--detailed-exitcode").code == 0


def test_a_provider_the_database_lacks_is_a_located_problem(
    cli: RunCli, workspace: Workspace
) -> None:
    clinic = workspace.config.parent / "clinics" / "0001.yaml"
    clinic.write_text(clinic.read_text() + "    ZZZ: {name: Ny Behandler}\n")
    result = cli("plan", workspace.config.parent)
    assert result.code == 1
    assert (
        "clinics/0001.yaml:" in result.out
        and "provider ZZZ is not in database 'opus'" in result.out
    )
    refused = cli("apply", workspace.config.parent, "--auto-approve")
    assert refused.code == 1


@pytest.mark.parametrize("args", [["--account", "nope"]])
def test_unknown_account(cli: RunCli, workspace: Workspace, args: list[str]) -> None:
    result = cli("plan", workspace.config.parent, *args)
    assert result.code == 1
    assert result.err.startswith("error: no account nope in the config — the accounts are: demo")


def test_a_value_the_site_cuts_is_named_with_its_limit(cli: RunCli, workspace: Workspace) -> None:
    plan = json.loads(cli("plan", workspace.config.parent, "--format", "json").out)
    [cut] = [p for p in plan["accounts"][0]["problems"] if p["code"] == "site-limit"]
    assert cut["severity"] == "warning" and cut["file"].endswith("0003.yaml")
    assert "city 'Grünerløkka' has 11 characters; the site holds at most 10" in cut["message"]


def test_publishing_outside_the_books_recall_hours_is_named(
    cli: RunCli, workspace: Workspace
) -> None:
    """The config's working hours may say nothing; the book's decide what is offered. Named
    for preblocks the plan would place, and for those already placed."""
    provider_id, code = sql(workspace, "SELECT id, code FROM providers ORDER BY id LIMIT 1")[0]

    def found() -> list[dict[str, object]]:
        plan = json.loads(cli("plan", workspace.config.parent, "--format", "json").out)
        return [p for p in plan["accounts"][0]["problems"] if p["code"] == "outside-recall-hours"]

    assert found() == []
    sql(  # Mondays' afternoons lose their Recall mark
        workspace,
        "UPDATE working_hours SET recall = 0 WHERE provider_id = ?"
        " AND strftime('%w', starts_at) = '1' AND strftime('%H', starts_at) >= '12'",
        provider_id,
    )
    before_apply = found()
    assert cli("apply", workspace.config.parent, "--auto-approve").code == 0
    assert sql(workspace, "SELECT count(*) FROM preblocks WHERE managed = 1")[0][0] > 0
    after_apply = found()
    assert before_apply == after_apply and len(after_apply) == 1
    [problem] = after_apply
    message = str(problem["message"])
    assert problem["severity"] == "warning" and str(problem["file"]).endswith(".yaml")
    assert problem["line"]
    assert f"providers.{code}.publishing:" in message
    assert re.search(r": mon 1\d:\d\d–1\d:\d\d \(\d+ dates from \d{4}-", message), message
    assert f"outside {code}'s working hours with Recall in database 'opus'" in message


def test_the_configured_maintenance_text_is_what_the_closed_site_says(
    cli: RunCli, workspace: Workspace
) -> None:
    """The texts the config writes are the texts the site's API answers with."""
    from reconciler.config import load_config  # noqa: PLC0415
    from reconciler.errors import SiteUnavailable  # noqa: PLC0415
    from reconciler.providers.site import connect_public  # noqa: PLC0415

    edit(
        workspace,
        "      texts:\n",
        "      flexibility: {maintenance_mode: true}\n      texts:\n"
        "        information: {maintenance_mode: Stengt for oppussing til mandag.}\n",
    )
    assert cli("apply", workspace.config.parent, "--auto-approve").code == 0
    account = load_config(workspace.config.parent).config.accounts["demo"]
    with (
        connect_public(account.url, account.subdomain) as patient,
        pytest.raises(SiteUnavailable, match="Stengt for oppussing til mandag"),
    ):
        patient.clinics()
