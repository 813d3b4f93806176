"""The booking site as it is: its settings document and master data read as resources, in
the shape `desired.py` compiles the config into."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reconciler.config.model import Account
from reconciler.domain.resources import Resource, quoted
from reconciler.providers.site.models import CONSENT_PHOTO, CONSENT_TITLE, MasterData, Subdomain
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
        out.append(Resource("site.certificate", "site_certificate", {"thumbprint": thumbprint}))
    out.append(Resource("site.subdomain", "site_subdomain", {"name": document.Name}))
    for section, attrs in live_settings(document).items():
        out.append(Resource(f"site.{section}", "site_settings", attrs))
    keys = {(account.database_of(c), c.opus_id): key for key, c in account.clinics.items()}
    for db_name, data in master.items():
        out.append(
            Resource(
                f"site.database{quoted(db_name)}",
                "site_database",
                {"id": str(data.OpusDatabaseID), "active": True},
            )
        )
        prefix = treatment_prefix(account, db_name)
        for t in data.Treatments:
            attrs = {
                "database": db_name,
                "description": t.Description,
                "duration": t.Duration,
                "change_in_web": t.ChangeInWeb,
                "cancel_in_web": t.CancelInWeb,
                "change_in_web_limit": t.ChangeInWebLimit,
            }
            out.append(Resource(f"{prefix}treatment{quoted(t.Name)}", "site_treatment", attrs))
        clinic_keys: dict[int, str] = {}
        for c in data.Clinics:
            key = keys.get((db_name, c.ID), f"#{c.ID}")
            clinic_keys[c.ID] = key
            attrs = {
                "database": db_name,
                "id": c.ID,
                "order": c.Order,
                "name": c.Name,
                "address": c.Address1,
                "postal_code": c.Postalcode,
                "city": c.City,
                "phone": c.Work,
                "email": c.Email,
                "group": c.Group,
                "text.header": c.ClinicTextHeader,
                "text.body": c.ClinicTextBody,
            }
            out.append(Resource(f"site.clinic{quoted(key)}", "site_clinic", attrs))
        for p in data.Clinicians:
            clinic_key = clinic_keys.get(p.ClinicID, f"#{p.ClinicID}")
            code = p.ExternalID or f"#{p.ID}"
            attrs = {
                "database": db_name,
                "id": p.ID,
                "clinic": p.ClinicID,
                "order": p.Order,
                "name": p.Name,
                "title": p.Title,
                "text": p.Info,
                "photo": uri_digest(p.ProfileImage),
                "consent.photo": CONSENT_PHOTO in p.ClinicianPersonalDataConsents,
                "consent.title": CONSENT_TITLE in p.ClinicianPersonalDataConsents,
            }
            address = f"site.clinic{quoted(clinic_key)}.provider{quoted(code)}"
            out.append(Resource(address, "site_clinician", attrs))
    return out
