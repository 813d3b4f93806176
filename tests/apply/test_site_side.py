"""The booking site's side of plan/apply: what the config says ends up on the site, in the
vendor's shapes, and what changes there behind the config's back shows up as drift."""

from __future__ import annotations

import json

from support import RunCli

from reconciler.config import load_config
from reconciler.demo.workspace import Workspace
from reconciler.providers.site import backend_client
from reconciler.providers.site.resources import database_id


def site_of(workspace: Workspace):  # type: ignore[no-untyped-def]
    account = load_config(workspace.config.parent).config.accounts["demo"]
    return account, backend_client(account)


def edit(workspace: Workspace, old: str, new: str, file: str = "reconciler.yaml") -> None:
    path = workspace.config.parent / file
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_config_reaches_the_site_in_the_vendors_shapes(
    cli: RunCli, workspace: Workspace
) -> None:
    settings = (
        "    site:\n      flexibility: {weekend_booking: true, login: false}\n"
        "      registration: {order: [treatment, clinic, provider, time]}\n"
    )
    edit(workspace, "    site:\n", settings)
    assert cli("apply", workspace.config.parent, "--auto-approve").code == 0
    account, client = site_of(workspace)
    with client:
        document = client.subdomain()
        flex = document.FlexibilitySettings
        assert (flex.WeekendBookingEnabled, flex.LoginEnabled) == (True, False)
        assert (flex.FirstStep, flex.SecondStep, flex.ThirdStep, flex.FourthStep) == (1, 0, 2, 3)
        assert document.MediaSettings.TextContainer["heading"] == "Bestill time hos Tannlegene"
        assert document.Messages.Email.SenderAddress == "post@tannlegene.example"
        master = client.master_data(database_id(account.subdomain, "opus"))
    clinics = {c.ID: c for c in master.Clinics}
    assert sorted(clinics) == [1, 2, 3]
    assert [c.Order for c in sorted(clinics.values(), key=lambda c: c.ID)] == [1, 2, 3]
    codes = {p.ExternalID for p in master.Clinicians}
    assert codes == {p.code for p in workspace.seed.providers}
    assert all(p.ClinicianPersonalDataConsents == [2] for p in master.Clinicians)  # title only
    assert {t.Name for t in master.Treatments} == {"- Undersøkelse", "- Tannrens", "- Akutt"}
    assert cli("plan", workspace.config.parent, "--detailed-exitcode").code == 0


def test_deselecting_a_provider_removes_it_from_the_site(cli: RunCli, workspace: Workspace) -> None:
    assert cli("apply", workspace.config.parent, "--auto-approve").code == 0
    clinic = workspace.config.parent / "clinics" / "0001.yaml"
    lines = clinic.read_text().splitlines()
    starts = [i for i, line in enumerate(lines) if _provider_line(line)]
    code = lines[starts[0]].strip().rstrip(":")
    end = starts[1] if len(starts) > 1 else len(lines)
    clinic.write_text("\n".join(lines[: starts[0]] + lines[end:]) + "\n")
    plan = cli("plan", workspace.config.parent, "--format", "json")
    changes = json.loads(plan.out)["accounts"][0]["changes"]
    removed = [c["address"] for c in changes if c["action"] == "delete"]
    assert any(f'provider["{code}"]' in a for a in removed)
    assert cli("apply", workspace.config.parent, "--auto-approve").code == 0
    account, client = site_of(workspace)
    with client:
        master = client.master_data(database_id(account.subdomain, "opus"))
    assert code not in {p.ExternalID for p in master.Clinicians}
    assert cli("plan", workspace.config.parent, "--detailed-exitcode").code == 0


def _provider_line(line: str) -> bool:
    """A provider's key line in a demo clinic file (four spaces in)."""
    return line.startswith("    ") and not line.startswith("     ") and line.endswith(":")


def test_a_change_made_on_the_site_is_drift(cli: RunCli, workspace: Workspace) -> None:
    assert cli("apply", workspace.config.parent, "--auto-approve").code == 0
    assert cli("drift", workspace.config.parent).code == 0
    _, client = site_of(workspace)
    with client:
        document = client.subdomain()
        flexibility = document.FlexibilitySettings.model_copy(update={"MaintenanceMode": True})
        changed = document.model_copy(update={"FlexibilitySettings": flexibility})
        client.put_subdomain(changed, if_match=document.RowVersion)
    drift = cli("drift", workspace.config.parent)
    assert drift.code == 2
    assert "site.flexibility" in drift.out
    assert "maintenance_mode: false → true" in drift.out
    assert cli("apply", workspace.config.parent, "--auto-approve").code == 0
    assert cli("drift", workspace.config.parent).code == 0
