"""The booking site's side of plan/apply: what the config says ends up on the site, in the
vendor's shapes, and what changes there behind the config's back shows up as drift."""

from __future__ import annotations

import json
import sqlite3

from support import RunCli

from reconciler.config import load_config
from reconciler.demo.workspace import Workspace
from reconciler.providers.site import backend_client, connect_public
from reconciler.providers.site.models import CONSENT_PHOTO, CONSENT_TITLE
from reconciler.providers.site.resources import database_id
from reconciler.site.api.backend import models as site_contract


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
    assert all(p.ClinicianPersonalDataConsents == [CONSENT_TITLE] for p in master.Clinicians)
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


def test_consent_codes_are_the_contracts() -> None:
    assert (CONSENT_TITLE, CONSENT_PHOTO) == (
        site_contract.CONSENT_TITLE,
        site_contract.CONSENT_IMAGE,
    )


# the smallest PNG: one transparent pixel
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a3a70000000049454e44ae426082"
)


def test_a_patient_sees_only_what_each_provider_consented_to(
    cli: RunCli, workspace: Workspace
) -> None:
    """Config consent → apply → what a patient's browser receives from the public API."""
    config = workspace.config.parent
    (config / "clinics" / "pixel.png").write_bytes(PIXEL)
    clinic = config / "clinics" / "0001.yaml"
    lines = clinic.read_text(encoding="utf-8").splitlines()
    codes = [line.strip().rstrip(":") for line in lines if _provider_line(line)][:3]
    consents = {
        codes[0]: "{photo: true, title: false}",
        codes[1]: "{photo: false, title: true}",
        codes[2]: "{photo: false, title: false}",
    }
    out = []
    for line in lines:
        out.append(line)
        code = line.strip().rstrip(":")
        if _provider_line(line) and code in consents:
            out += ["      photo: pixel.png", f"      consent: {consents[code]}"]
    clinic.write_text("\n".join(out) + "\n", encoding="utf-8")
    applied = cli("apply", config, "--auto-approve")
    assert applied.code == 0, applied.err
    account = load_config(config).config.accounts["demo"]
    with connect_public(account.url, account.subdomain) as patient:
        seen = {p.ID: p for p in patient.clinicians()}
    with backend_client(account) as client:
        ids = {
            p.ExternalID: p.ID
            for p in client.master_data(database_id(account.subdomain, "opus")).Clinicians
        }
    shown = {
        code: (seen[ids[code]].ProfileImage is not None, seen[ids[code]].Title is not None)
        for code in codes
    }
    assert shown == {codes[0]: (True, False), codes[1]: (False, True), codes[2]: (False, False)}
    assert cli("plan", config, "--detailed-exitcode").code == 0


def test_names_come_from_the_book_and_a_rename_there_is_drift(
    cli: RunCli, workspace: Workspace
) -> None:
    config = workspace.config.parent
    provider = workspace.seed.providers[0]
    clinic = config / "clinics" / "0001.yaml"
    text = clinic.read_text(encoding="utf-8")
    assert f'name: "{provider.name}"' in text
    clinic.write_text(text.replace(f'name: "{provider.name}"', 'name: "Someone Else"', 1))
    planned = cli("plan", config)
    assert f"the config says 'Someone Else', the book '{provider.name}'" in planned.out
    assert "the site shows the book's name" in planned.out
    assert cli("apply", config, "--auto-approve").code == 0
    account, client = site_of(workspace)
    db_id = database_id(account.subdomain, "opus")
    with client:
        names = {p.ExternalID: p.Name for p in client.master_data(db_id).Clinicians}
    assert names[provider.code] == provider.name
    assert cli("drift", config).code == 0
    with sqlite3.connect(workspace.database) as c:  # renamed in Opus
        c.execute("UPDATE providers SET name = 'Renamed In Opus' WHERE code = ?", (provider.code,))
    drift = cli("drift", config)
    assert drift.code == 2
    assert f'name: "{provider.name}" → "Renamed In Opus"' in drift.out
    assert cli("apply", config, "--auto-approve").code == 0
    with backend_client(account) as client:
        names = {p.ExternalID: p.Name for p in client.master_data(db_id).Clinicians}
    assert names[provider.code] == "Renamed In Opus"
    assert cli("drift", config).code == 0
