"""export writes a config that validates and plans empty, and reads back what it wrote."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from support import RunCli

from reconciler.config import load_config
from reconciler.config.loader import to_data
from reconciler.config.yaml12 import parse
from reconciler.demo.workspace import Workspace
from reconciler.export.yaml_out import dump
from reconciler.providers.site import backend_client


def test_yaml_out_reads_back_exactly() -> None:
    data = {
        "country": "NO",
        "flags": ["on", "yes", "010", True, None, 1.5],
        "odd key": {"- Undersøkelse": {"category": "0150"}},
        "rules": [{"days": ["mon-fri"], "hours": ["08:00-11:00"]}],
        "empty": {},
    }
    node = parse(dump(data), "x.yaml")
    assert node is not None
    back = to_data(node)
    assert back["country"] == "NO" and back["flags"][:3] == ["on", "yes", "010"]
    assert back["flags"][3:] == [True, None, 1.5]
    assert back["odd key"]["- Undersøkelse"]["category"] == "0150"
    assert back["rules"][0]["hours"] == ["08:00-11:00"]


def test_export_after_apply_plans_empty(
    cli: RunCli, workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = workspace.config.parent
    assert cli("apply", config, "--auto-approve").code == 0
    with sqlite3.connect(workspace.database) as c:  # staff change a type in the GUI
        c.execute("UPDATE appointment_types SET move_max_days = 7 WHERE name = 'Fylling'")
    out = tmp_path / "exported"
    result = cli("export", config, "--out", out)
    assert result.code == 0, result.err
    assert "1 account" in result.out
    # the secrets and the certificate stay where they are, outside the new directory
    assert f"RECONCILER_FILE_DIRS={config.resolve() / 'certs'}:" in result.err
    assert cli("validate", out).code == 1
    monkeypatch.setenv("RECONCILER_FILE_DIRS", str(config.resolve()))
    exported = load_config(out)
    opus = exported.config.accounts["demo"].databases["opus"].opus
    assert opus.appointment_types["Fylling"].move_max_days == 7  # staff types too
    assert set(opus.preblock_types) == {"Internett e-time", "Møte", "Lunsj"}
    provider = next(iter(exported.config.accounts["demo"].clinics.values())).providers
    assert all(p.publishing for p in provider.values())  # the reconciler placed their preblocks
    assert cli("validate", out).code == 0
    plan = cli("plan", out, "--detailed-exitcode")
    assert plan.code == 0, plan.out
    again = cli("export", config, "--out", out)
    assert again.code == 1
    assert "exists already" in again.err
    assert "dialect" not in (out / "reconciler.yaml").read_text()  # what was given, not defaults


def test_a_failed_export_leaves_no_directory(
    cli: RunCli, workspace: Workspace, tmp_path: Path
) -> None:
    workspace.database.unlink()  # the Opus database is gone
    out = tmp_path / "nested" / "exported"
    result = cli("export", workspace.config.parent, "--out", out)
    assert result.code == 1 and "Traceback" not in result.err
    assert not (tmp_path / "nested").exists()


def test_export_reads_the_sites_settings(
    cli: RunCli, workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = workspace.config.parent
    monkeypatch.setenv("RECONCILER_FILE_DIRS", str(config.resolve()))
    assert cli("apply", config, "--auto-approve").code == 0
    account = load_config(config).config.accounts["demo"]
    with backend_client(account) as client:  # someone changes the site outside the config
        document = client.subdomain()
        flexibility = document.FlexibilitySettings.model_copy(
            update={"WeekendBookingEnabled": True}
        )
        client.put_subdomain(
            document.model_copy(update={"FlexibilitySettings": flexibility}),
            if_match=document.RowVersion,
        )
    out = tmp_path / "from-site"
    assert cli("export", config, "--out", out).code == 0
    exported = load_config(out).config.accounts["demo"]
    assert exported.site.flexibility.weekend_booking is True
    assert exported.site.texts.heading == "Bestill time hos Tannlegene"
    assert cli("plan", out, "--detailed-exitcode").code == 0
