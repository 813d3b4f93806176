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
from reconciler.providers.site.kinds import CLINIC, CLINICIAN, Image, MasterDataKind
from reconciler.providers.site.live import live_settings
from reconciler.providers.site.models import MasterData, Payload, Subdomain
from reconciler.providers.site.resources import LOGO, database_id


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
    """Dotted keys as nested mappings: text.header → text: {header: …}."""
    out: dict[str, Any] = {}
    for key, value in flat.items():
        node = out
        *parents, last = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return out


def _given(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


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
    fields = sections["registration"]  # the fields asked for, once these two are taken out
    order, combined_view = fields.pop("order"), fields.pop("combined_view")
    theme: dict[str, Any] = {"color": sections["theme"]["color"]}
    logo = _image(_get(document, LOGO), out, "logo")
    if logo:
        theme["logo"] = logo
    return {
        "flexibility": sections["flexibility"],
        "registration": {"fields": fields, "order": order, "combined_view": combined_view},
        "booking": sections["booking"],
        "texts": _nested(_given(sections["texts"])),
        "theme": _given(theme),
        "email": _nested(_given(sections["email"])),
        "sms": _given(sections["sms"]),
        "analytics": _given(sections["analytics"]),
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
        people = {code: p for p in data.Clinicians if (code := CLINICIAN.key_of(p))}
        for key, clinic in account.clinics.items():
            site = by_id.get(clinic.opus_id) if account.database_of(clinic) == db_name else None
            if site is None:
                continue
            order[key] = site.Order
            entry = clinics[key]
            entry.update(_as_configured(CLINIC, site, out, f"clinic-{key}"))
            providers = entry["providers"]
            for code in list(providers):
                person = people.get(code)
                if person is not None:
                    providers[code].update(
                        _as_configured(CLINICIAN, person, out, f"provider-{code}")
                    )
            ranks = {CLINICIAN.key_of(p): p.Order for p in data.Clinicians}
            entry["providers"] = dict(sorted(providers.items(), key=lambda kv: ranks.get(kv[0], 0)))
    written["clinics"] = dict(sorted(clinics.items(), key=lambda kv: order.get(kv[0], 0)))


def _as_configured(kind: MasterDataKind, model: Payload, out: Path, stem: str) -> dict[str, Any]:
    """What the site holds of a clinic or provider for the config to say, in the config's
    shape; an image after the rest, written into out/media/ as `stem`, if there is one."""
    found: dict[str, Any] = {}
    images: dict[str, str] = {}
    for attr, name in kind.config_names().items():
        field = kind.fields[attr]
        value = getattr(model, field.vendor)
        if not isinstance(field, Image):
            found[name] = field.read(value)
        elif (path := _image(value, out, stem)) is not None:
            images[name] = path
    return {**_nested(found), **images}
