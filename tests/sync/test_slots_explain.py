"""slots and explain on a demo workspace: what the live books offer, cut as the site cuts
it, and every reason a time is not offered, naming its row or config line."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime, timedelta

import jsonschema
import pytest
from support import REPO, RunCli

from reconciler.demo.workspace import Workspace

EXAM = "- Undersøkelse"  # 30 minutes in the demo
CLEANING = "- Tannrens"  # 45 minutes


def sql(workspace: Workspace, statement: str, *params: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(workspace.database) as c:
        rows = c.execute(statement, params).fetchall()
        c.commit()
    return rows


def next_weekday(weekday: int) -> date:
    today = date.today()
    return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)


@pytest.fixture
def applied(cli: RunCli, workspace: Workspace) -> Workspace:
    """The demo applied, and the first provider's Monday cleared of appointments."""
    assert cli("apply", workspace.config.parent, "--auto-approve").code == 0
    code = workspace.seed.providers[0].code
    monday = next_weekday(0)
    sql(
        workspace,
        "DELETE FROM appointments WHERE provider_id = (SELECT id FROM providers WHERE code = ?)"
        " AND date(starts_at) = ?",
        code,
        monday.isoformat(),
    )
    return workspace


def slots_of(cli: RunCli, workspace: Workspace, *args: str) -> dict[str, list[str]]:
    result = cli("slots", workspace.config.parent, "--format", "json", *args)
    assert result.code == 0, result.err
    document = json.loads(result.out)
    schema = json.loads((REPO / "schemas" / "slots.schema.json").read_text())
    jsonschema.validate(document, schema)
    found: dict[str, list[str]] = {}
    for slot in document["slots"]:
        found.setdefault(slot["treatment"], []).append(slot["start"][11:])
    return found


def test_slots_are_the_published_time_minus_the_book_cut_by_length(
    cli: RunCli, applied: Workspace
) -> None:
    code = applied.seed.providers[0].code
    monday = next_weekday(0)
    args = ("--provider", code, "--from", monday.isoformat(), "--days", "1")
    # the demo publishes 08:00-11:00 and 12:30-15:00 inside working hours 08:00-11:30, 12:00-16:00
    before = slots_of(cli, applied, *args)
    morning, afternoon = ["08:00", "08:30", "09:00", "09:30", "10:00", "10:30"], ["12:30", "13:00"]
    assert before[EXAM] == [*morning, *afternoon, "13:30", "14:00", "14:30"]
    assert before[CLEANING] == ["08:00", "08:45", "09:30", "10:15", "12:30", "13:15", "14:00"]
    provider_id = sql(applied, "SELECT id FROM providers WHERE code = ?", code)[0][0]
    sql(
        applied,
        "INSERT INTO appointments (provider_id, starts_at, duration, registered_by, status,"
        " created_at) VALUES (?, ?, 30, 'SOV', 'booked', ?)",
        provider_id,
        f"{monday} 09:00:00",
        f"{monday} 07:00:00",
    )
    after = slots_of(cli, applied, *args)
    assert after[EXAM][:4] == ["08:00", "08:30", "09:30", "10:00"]  # 09:00 is taken
    assert after[CLEANING][:3] == ["08:00", "09:30", "10:15"]  # cut again after it
    sql(
        applied,
        "UPDATE appointments SET status = 'cancelled' WHERE starts_at = ?",
        f"{monday} 09:00:00",
    )
    assert slots_of(cli, applied, *args) == before  # a cancelled appointment frees the time


def test_staff_preblocks_publish_and_weekends_need_weekend_booking(
    cli: RunCli, applied: Workspace
) -> None:
    code = applied.seed.providers[0].code
    saturday = next_weekday(5)
    provider_id = sql(applied, "SELECT id FROM providers WHERE code = ?", code)[0][0]
    internet = sql(applied, "SELECT id FROM preblock_types WHERE kind = 'internet'")[0][0]
    sql(
        applied,
        "INSERT INTO working_hours (provider_id, starts_at, ends_at, recall) VALUES (?, ?, ?, 1)",
        provider_id,
        f"{saturday} 10:00:00",
        f"{saturday} 12:00:00",
    )
    sql(
        applied,
        "INSERT INTO preblocks (provider_id, preblock_type_id, starts_at, ends_at, created_by,"
        " created_at, managed) VALUES (?, ?, ?, ?, 'SOV', ?, 0)",
        provider_id,
        internet,
        f"{saturday} 10:00:00",
        f"{saturday} 11:00:00",
        f"{saturday} 07:00:00",
    )
    args = ("--provider", code, "--from", saturday.isoformat(), "--days", "1")
    assert slots_of(cli, applied, *args) == {}
    explained = cli(
        "explain", applied.config.parent, "--provider", code, "--at", f"{saturday} 10:00",
        "--type", EXAM,
    )  # fmt: skip
    assert explained.code == 0
    assert "it is a weekend day and weekend booking is off" in explained.out
    assert "reconciler.yaml:" in explained.out or "its default" in explained.out
    root = applied.config
    root.write_text(
        root.read_text().replace(
            "    site:\n", "    site:\n      flexibility: {weekend_booking: true}\n"
        )
    )
    assert slots_of(cli, applied, *args)[EXAM] == ["10:00", "10:30"]  # staff's preblock counts


def test_explain_names_the_row_or_line_of_every_reason(cli: RunCli, applied: Workspace) -> None:
    code = applied.seed.providers[0].code
    monday = next_weekday(0)

    def explain(at: str, *args: str) -> str:
        result = cli(
            "explain", applied.config.parent, "--provider", code, "--at", f"{monday} {at}", *args
        )
        assert result.code == 0, result.err
        return result.out

    offered = explain("09:00", "--type", EXAM)
    assert f"offered for {EXAM}" in offered
    assert "placed by RECON), from rule accounts.demo.clinics" in offered
    assert ".providers." in offered and "publishing[0] (" in offered
    assert "config/clinics/0001.yaml:" in offered
    assert "not one of them" in explain("09:15", "--type", EXAM)
    assert "covers only part of it" in explain("10:30", "--type", CLEANING)
    assert "no Internet preblock covers it" in explain("11:00", "--type", EXAM)
    assert "outside the provider's working hours with Recall" in explain("07:00", "--type", EXAM)
    provider_id = sql(applied, "SELECT id FROM providers WHERE code = ?", code)[0][0]
    sql(
        applied,
        "INSERT INTO appointments (provider_id, starts_at, duration, registered_by, status,"
        " created_at) VALUES (?, ?, 60, 'SOV', 'booked', ?)",
        provider_id,
        f"{monday} 12:30:00",
        f"{monday} 07:00:00",
    )
    appointment = sql(applied, "SELECT max(id) FROM appointments")[0][0]
    taken = explain("13:00", "--type", EXAM)
    assert (
        f"appointment #{appointment} {monday} 12:30–13:30 (registered by SOV) occupies it" in taken
    )
    sql(applied, "UPDATE providers SET working_hours_linked = 1 WHERE id = ?", provider_id)
    assert "working hours are linked to the provider in Opus" in explain("09:00", "--type", EXAM)
    past = f"{(datetime.now() - timedelta(days=1)):%Y-%m-%d} 09:00"
    result = cli("explain", applied.config.parent, "--provider", code, "--at", past)
    assert "it is in the past" in result.out


def test_a_rule_with_appointment_types_offers_only_those(cli: RunCli, applied: Workspace) -> None:
    code = applied.seed.providers[0].code
    monday = next_weekday(0)
    clinic = applied.config.parent / "clinics" / "0001.yaml"
    text = clinic.read_text(encoding="utf-8")
    first = text.index("publishing: [{days:")
    text = text[:first] + text[first:].replace(
        "horizon_days: 28}]", f'horizon_days: 28, appointment_types: ["{CLEANING}"]}}]', 1
    )
    clinic.write_text(text, encoding="utf-8")
    args = ("--provider", code, "--from", monday.isoformat(), "--days", "1")
    assert set(slots_of(cli, applied, *args)) == {CLEANING}
    result = cli(
        "explain", applied.config.parent, "--provider", code, "--at", f"{monday} 09:00",
        "--type", EXAM,
    )  # fmt: skip
    assert f"the rule that placed this time offers only {CLEANING}" in result.out
    assert "publishing[0], " in result.out and "config/clinics/0001.yaml:" in result.out


def test_bad_arguments_are_clear(cli: RunCli, applied: Workspace) -> None:
    config = applied.config.parent
    assert "no provider 'ZZZ'" in cli("slots", config, "--provider", "ZZZ").err
    assert "is not a date" in cli("slots", config, "--from", "monday").err
    assert "no appointment type '- Nope'" in cli("slots", config, "--type", "- Nope").err
    result = cli("explain", config, "--provider", "ZZZ", "--at", "2027-01-01 25:00")
    assert result.code == 1 and "is not a time like" in result.err
