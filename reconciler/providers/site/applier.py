"""Carrying out planned changes on the booking site through its backend API. One call per
step: the certificate is activated, the settings document is replaced as a whole (only if
unchanged since it was read), a database is registered, and one database's master-data
changes go as one diff."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from reconciler.config.model import Account
from reconciler.domain.resources import Action, Change, keys_of
from reconciler.errors import SiteError
from reconciler.providers.site.backend import BackendClient
from reconciler.providers.site.desired import data_uri
from reconciler.providers.site.kinds import (
    CERTIFICATE,
    DATABASE,
    MASTER_DATA,
    SETTINGS,
    SUBDOMAIN,
    TREATMENT,
    Image,
)
from reconciler.providers.site.models import OpusDatabaseDiff, Payload, Removed, Subdomain
from reconciler.providers.site.resources import (
    LOGO,
    PROFILE_IMAGE_MAX,
    SECTIONS,
    STEP_CODES,
    STEPS,
    database_id,
)

TypeIds = Callable[[str], dict[str, int]]  # config database name → appointment type ids


def _set(body: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = body
    for part in path[:-1]:
        node = node.setdefault(part, {})
    if value is None and path[-2:-1] in (("TextContainer",), ("MediaContainer",)):
        node.pop(path[-1], None)
    else:
        node[path[-1]] = value


class SiteApplier:
    """Applies changes of one account's site."""

    def __init__(self, client: BackendClient, account: Account, type_ids: TypeIds) -> None:
        self.client = client
        self.account = account
        self.type_ids = type_ids
        self._ids: dict[str, dict[str, int]] = {}  # type_ids, by database, as read this step

    def apply(self, changes: Sequence[Change]) -> None:
        kind = changes[0].kind
        if kind == CERTIFICATE:
            self.client.activate()
        elif kind in (SUBDOMAIN, SETTINGS):
            self._settings(changes)
        elif kind == DATABASE:
            for change in changes:
                self._database(change)
        else:
            self._master_data(changes)

    def _settings(self, changes: Sequence[Change]) -> None:
        document = self.client.subdomain()
        body = document.model_dump(mode="json", exclude_none=True)
        for change in changes:
            if change.after is None:
                continue
            attrs = change.after.attrs
            if change.kind == SUBDOMAIN:
                body["Name"] = attrs["name"]
                continue
            section = change.address.removeprefix("site.")
            for attr, path in SECTIONS[section].items():
                _set(body, path, attrs.get(attr))
            if section == "registration":
                flex = body.setdefault("FlexibilitySettings", {})
                for step, name in zip(STEPS, attrs["order"], strict=True):
                    flex[step] = STEP_CODES[name]
            if section == "theme":
                logo = self.account.site.theme.logo
                _set(body, LOGO, data_uri(logo.path) if logo else None)
        body.pop("RowVersion", None)
        self.client.put_subdomain(Subdomain.model_validate(body), if_match=document.RowVersion)

    def _database(self, change: Change) -> None:
        name = keys_of(change.address)[0]
        active = change.after.attrs["active"] if change.after else False
        self.client.register_database(
            database_id(self.account.subdomain, name), name, active=active
        )

    def _master_data(self, changes: Sequence[Change]) -> None:
        database = changes[0].resource.attrs["database"]
        db_id = database_id(self.account.subdomain, database)
        current = self.client.master_data(db_id)
        lists: dict[str, list[Any]] = {}
        for change in changes:
            label = MASTER_DATA[change.kind].lists
            if change.action is Action.DELETE:
                assert change.before is not None
                lists.setdefault(f"Removed{label}", []).append(
                    Removed(ID=self._id(change, database, change.before.attrs))
                )
                continue
            verb = "Added" if change.action is Action.CREATE else "Changed"
            lists.setdefault(f"{verb}{label}", []).append(self._payload(change, db_id, database))
        diff = OpusDatabaseDiff(BaseRowVersion=current.RowVersion, **lists)
        self.client.apply_master_data(db_id, diff)

    def _id(self, change: Change, database: str, attrs: dict[str, Any]) -> int:
        if change.kind != TREATMENT.name:
            return int(attrs["id"])
        name = keys_of(change.address)[-1]
        ids = self._ids.get(database)
        if ids is None:  # read once per step, after the Opus steps before it
            ids = self._ids[database] = self.type_ids(database)
        if name not in ids:
            raise SiteError(
                f"appointment type '{name}' is not in database '{database}'",
                "apply the Opus side first (it creates the type), then apply again",
            )
        return ids[name]

    def _payload(self, change: Change, db_id: Any, database: str) -> Payload:
        assert change.after is not None
        attrs = change.after.attrs
        kind = MASTER_DATA[change.kind]
        body = {"ID": self._id(change, database, attrs), "OpusDatabaseID": db_id, **kind.fixed}
        if kind.key is not None:
            body[kind.key] = keys_of(change.address)[-1]
        for attr, field in kind.fields.items():
            field.write(body, self._photo(change) if isinstance(field, Image) else attrs[attr])
        return kind.model.model_validate(body)

    def _photo(self, change: Change) -> str | None:
        """A provider's photo: the config's file, as the data URI the site holds."""
        clinic_key, code = keys_of(change.address)
        provider = self.account.clinics[clinic_key].providers[code]
        photo = data_uri(provider.photo.path) if provider.photo is not None else None
        if photo is not None and len(photo) > PROFILE_IMAGE_MAX:
            raise SiteError(
                f"the photo of provider {code} is too large for the site's profile image",
                f"use an image that fits {PROFILE_IMAGE_MAX} characters as a data URI",
            )
        return photo
