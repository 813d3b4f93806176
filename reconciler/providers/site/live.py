"""The booking site as it is: its settings document and master data read as resources, in
the shape `desired.py` compiles the config into."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reconciler.config.model import Account
from reconciler.domain.resources import Resource, quoted
from reconciler.providers.site.kinds import (
    CERTIFICATE,
    CLINIC,
    CLINICIAN,
    DATABASE,
    SETTINGS,
    SUBDOMAIN,
    TREATMENT,
    MasterDataKind,
)
from reconciler.providers.site.models import MasterData, Payload, Subdomain
from reconciler.providers.site.resources import (
    LOGO,
    SECTIONS,
    STEP_CODES,
    STEPS,
    treatment_prefix,
    uri_digest,
)


@dataclass
class SiteLive:
    """The site's live resources, and the documents they were read from."""

    resources: list[Resource]
    subdomain: Subdomain
    master: dict[str, MasterData]  # by config database name
    registered: set[str]  # config database names the site knows


def live_settings(document: Subdomain) -> dict[str, dict[str, Any]]:
    body = document.model_dump(mode="json")
    sections: dict[str, dict[str, Any]] = {}
    for section, paths in SECTIONS.items():
        sections[section] = {attr: _get(body, path) for attr, path in paths.items()}
    flex = body.get("FlexibilitySettings", {})
    codes = {v: k for k, v in STEP_CODES.items()}
    sections["registration"]["order"] = [
        codes.get(flex.get(step), str(flex.get(step))) for step in STEPS
    ]
    sections["theme"]["logo"] = uri_digest(_get(body, LOGO))
    return sections


def _get(body: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = body
    for part in path:
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def live(
    account: Account,
    thumbprint: str | None,
    document: Subdomain,
    master: dict[str, MasterData],
) -> list[Resource]:
    """The site's state as resources, in the same shape as `desired`."""
    out: list[Resource] = []
    if thumbprint is not None:
        out.append(Resource("site.certificate", CERTIFICATE, {"thumbprint": thumbprint}))
    out.append(Resource("site.subdomain", SUBDOMAIN, {"name": document.Name}))
    for section, attrs in live_settings(document).items():
        out.append(Resource(f"site.{section}", SETTINGS, attrs))
    keys = {(account.database_of(c), c.opus_id): key for key, c in account.clinics.items()}
    for db_name, data in master.items():
        out.append(
            Resource(
                f"site.database{quoted(db_name)}",
                DATABASE,
                {"id": str(data.OpusDatabaseID), "active": True},
            )
        )
        prefix = treatment_prefix(account, db_name)
        for t in data.Treatments:
            address = f"{prefix}treatment{quoted(TREATMENT.key_of(t))}"
            out.append(Resource(address, TREATMENT.name, _attrs(TREATMENT, db_name, t)))
        clinic_keys: dict[int, str] = {}
        for c in data.Clinics:
            key = keys.get((db_name, c.ID), f"#{c.ID}")
            clinic_keys[c.ID] = key
            out.append(
                Resource(f"site.clinic{quoted(key)}", CLINIC.name, _attrs(CLINIC, db_name, c))
            )
        for p in data.Clinicians:
            clinic_key = clinic_keys.get(p.ClinicID, f"#{p.ClinicID}")
            code = CLINICIAN.key_of(p) or f"#{p.ID}"
            address = f"site.clinic{quoted(clinic_key)}.provider{quoted(code)}"
            out.append(Resource(address, CLINICIAN.name, _attrs(CLINICIAN, db_name, p)))
    return out


def _attrs(kind: MasterDataKind, database: str, model: Payload) -> dict[str, Any]:
    return {"database": database, **kind.read(model)}
