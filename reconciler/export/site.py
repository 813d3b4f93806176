"""The booking site's part of an export: its settings document and, for the clinics and
providers the config selects, what the site holds for them (order, group, texts, title,
consent, photo). Images come back as files beside the exported YAML."""

from __future__ import annotations

import base64
import mimetypes
from pathlib import Path
from typing import Any

from reconciler.config.model import Account
from reconciler.errors import ReconcilerError
from reconciler.providers.site import backend_client
from reconciler.providers.site.live import live_settings
from reconciler.providers.site.models import CONSENT_PHOTO, CONSENT_TITLE, MasterData, Subdomain
from reconciler.providers.site.resources import LOGO, database_id

REGISTRATION_FIELDS = (
    "address1",
    "address2",
    "postal_code",
    "mobile",
    "email",
    "phone",
    "campaign_code",
)


def read_site(account: Account) -> tuple[Subdomain, dict[str, MasterData]] | str:
    """The site's settings document and master data by database, or why they cannot be read."""
    try:
        with backend_client(account) as client:
            if client.account().Thumbprint is None:
                return "the account's certificate is not activated yet (apply activates it)"
            registered = {d.OpusDatabaseID for d in client.databases()}
            master = {
                name: client.master_data(database_id(account.subdomain, name))
                for name in account.databases
                if database_id(account.subdomain, name) in registered
            }
            return client.subdomain(), master
    except ReconcilerError as e:
        return str(e)


def _nested(flat: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in flat.items():
        if value is None:
            continue
        node = out
        *parents, last = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return out


def _image(uri: str | None, out: Path, stem: str) -> str | None:
    """Write a data-URI image into out/media/ and return its path relative to `out`."""
    if not uri or not uri.startswith("data:") or ";base64," not in uri:
        return None
    kind, data = uri.removeprefix("data:").split(";base64,", 1)
    suffix = mimetypes.guess_extension(kind) or ".bin"
    path = out / "media" / f"{stem}{suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(data))
    return str(path.relative_to(out))


def site_settings(document: Subdomain, out: Path) -> dict[str, Any]:
    """The settings document in the config's shape (`accounts.<name>.site`)."""
    sections = live_settings(document)
    registration = sections["registration"]
    theme: dict[str, Any] = {"color": sections["theme"]["color"]}
    logo = _image(_get(document, LOGO), out, "logo")
    if logo:
        theme["logo"] = logo
    return {
        "flexibility": sections["flexibility"],
        "registration": {
            "fields": {f: registration[f] for f in REGISTRATION_FIELDS},
            "order": registration["order"],
            "combined_view": registration["combined_view"],
        },
        "booking": sections["booking"],
        "texts": _nested(sections["texts"]),
        "theme": {k: v for k, v in theme.items() if v is not None},
        "email": _nested(sections["email"]),
        "sms": {k: v for k, v in sections["sms"].items() if v is not None},
        "analytics": {k: v for k, v in sections["analytics"].items() if v is not None},
    }


def _get(document: Subdomain, path: tuple[str, ...]) -> Any:
    node: Any = document.model_dump(mode="json")
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    return node


def update_clinics(
    written: dict[str, Any], account: Account, master: dict[str, MasterData], out: Path
) -> None:
    """Give the selected clinics and providers what the site holds, in the site's order."""
    clinics: dict[str, Any] = written["clinics"]
    order: dict[str, int] = {}
    for db_name, data in master.items():
        by_id = {c.ID: c for c in data.Clinics}
        people = {p.ExternalID: p for p in data.Clinicians if p.ExternalID}
        for key, clinic in account.clinics.items():
            site = by_id.get(clinic.opus_id) if account.database_of(clinic) == db_name else None
            if site is None:
                continue
            order[key] = site.Order
            entry = clinics[key]
            entry["group"] = site.Group
            entry["text"] = {"header": site.ClinicTextHeader, "body": site.ClinicTextBody}
            providers = entry["providers"]
            for code in list(providers):
                person = people.get(code)
                if person is None:
                    continue
                provider = providers[code]
                provider.update(title=person.Title, text=person.Info)
                provider["consent"] = {
                    "photo": CONSENT_PHOTO in person.ClinicianPersonalDataConsents,
                    "title": CONSENT_TITLE in person.ClinicianPersonalDataConsents,
                }
                photo = _image(person.ProfileImage, out, f"provider-{code}")
                if photo:
                    provider["photo"] = photo
            ranks = {p.ExternalID: p.Order for p in data.Clinicians}
            entry["providers"] = dict(sorted(providers.items(), key=lambda kv: ranks.get(kv[0], 0)))
    written["clinics"] = dict(sorted(clinics.items(), key=lambda kv: order.get(kv[0], 0)))
