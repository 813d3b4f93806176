"""The master-data tables (providers/site/kinds.py) against the vendor's models and the
config: every field of the vendor's Clinic, Clinician and Treatment is in its kind's table or
left out for a reason said here; the config's own notes of which vendor field a setting maps
to agree with the tables; and what apply writes through a table, a read gives back."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from pydantic import BaseModel

from reconciler.config import model as config
from reconciler.providers.site.kinds import (
    CLINIC,
    CLINICIAN,
    KINDS,
    MASTER_DATA,
    TREATMENT,
    Image,
    MasterDataKind,
)
from reconciler.providers.site.resources import digest

# Set on every payload by apply, outside the tables: the id (for a treatment, the book's id
# of the appointment type by name) and the database's id at the site.
SET_BY_APPLY = {"ID", "OpusDatabaseID"}

LEFT_OUT = {
    "Clinic": {
        "Address2": "the book's clinic gives one address line",
        "Home": "the site shows the clinic's work phone (Work) only",
        "Mobile": "the site shows the clinic's work phone (Work) only",
        "Fax": "the site shows the clinic's work phone (Work) only",
        "Profession": "neither the config nor the book says it: the vendor's default stands",
        "ExternalID": "a clinic is known by its Opus id (ID), the config's opus_id",
    },
    "Clinician": {
        "Active": "a provider the config no longer selects is removed, not made inactive",
        "FirstName": "the site shows the book's full name (Name)",
        "LastName": "the site shows the book's full name (Name)",
        "MaxConcurrentWebBookingsPerTimePeriod": "no setting in the config: the vendor's default",
        "MaxConcurrentWebBookingsPerResource": "no setting in the config: the vendor's default",
    },
    "Treatment": {
        "WarmUpDuration": "Opus appointment types have none: the vendor's default stands",
        "CoolDownDuration": "Opus appointment types have none: the vendor's default stands",
        "IsPriority": "no setting in the config: the vendor's default",
    },
}

CONFIG_MODEL: dict[str, type[BaseModel]] = {
    CLINIC.name: config.Clinic,
    CLINICIAN.name: config.Provider,
    TREATMENT.name: config.AppointmentType,
}

each_kind = pytest.mark.parametrize("kind", MASTER_DATA.values(), ids=lambda kind: kind.name)


def _vendor_fields(kind: MasterDataKind) -> set[str]:
    key = {kind.key} if kind.key is not None else set()
    return {f.vendor for f in kind.fields.values()} | key | set(kind.fixed)


@each_kind
def test_every_vendor_field_is_in_the_table_or_left_out_for_a_reason(kind: MasterDataKind) -> None:
    model = kind.model.__name__
    fields = set(kind.model.model_fields)
    mapped = _vendor_fields(kind) | SET_BY_APPLY
    assert mapped <= fields, f"{model}: the table names fields the model lacks"
    assert fields - mapped == set(LEFT_OUT[model]), (
        f"{model}: a field is neither mapped nor left out"
    )


def _config_field(model: type[BaseModel], path: str) -> Any:
    *parents, last = path.split(".")
    for part in parents:
        model = model.model_fields[part].annotation  # type: ignore[assignment]
    return model.model_fields[last]


@each_kind
def test_the_configs_vendor_notes_agree_with_the_table(kind: MasterDataKind) -> None:
    """A config setting's `vendor` note (shown in the README's reference) names the field the
    table puts it in; a note naming this kind's model names a field of the table."""
    model, noted = CONFIG_MODEL[kind.name], set()
    for attr, path in kind.config_names().items():
        extra = _config_field(model, path).json_schema_extra or {}
        if "x-vendor" in extra:
            assert extra["x-vendor"] == f"{kind.model.__name__}.{kind.fields[attr].vendor}"
            noted.add(path)
    assert noted, f"{kind.name}: no setting notes its vendor field"
    for name, info in model.model_fields.items():
        vendor = (info.json_schema_extra or {}).get("x-vendor", "")  # type: ignore[union-attr]
        owner, _, field = str(vendor).partition(".")
        if owner == kind.model.__name__ and name not in noted:
            assert field in _vendor_fields(kind), f"{name}: notes {vendor}, not in the table"


SAMPLES: dict[str, dict[str, Any]] = {
    CLINIC.name: {
        "id": 7,
        "order": 2,
        "name": "Tannlegene Sentrum",
        "address": "Storgata 1",
        "postal_code": "0155",
        "city": "Oslo",
        "phone": "22 00 00 00",
        "email": "post@tannlegene.example",
        "group": "Oslo",
        "text.header": "Velkommen",
        "text.body": None,
    },
    CLINICIAN.name: {
        "id": 11,
        "clinic": 7,
        "order": 1,
        "name": "Hanne Hansen",
        "title": "Tannlege",
        "text": "Erfaren",
        "consent.photo": True,
        "consent.title": False,
    },
    TREATMENT.name: {
        "description": "Undersøkelse",
        "duration": 30,
        "change_in_web": True,
        "cancel_in_web": False,
        "change_in_web_limit": 14,
    },
}
PIXEL = b"\x89PNG\r\n\x1a\n"


@each_kind
def test_what_apply_writes_reads_back_the_same(kind: MasterDataKind) -> None:
    attrs = SAMPLES[kind.name]
    image = "data:image/png;base64," + base64.b64encode(PIXEL).decode()
    body: dict[str, Any] = {"ID": 1, "Name": "- Undersøkelse", "ExternalID": "HAN"}
    for attr, field in kind.fields.items():
        field.write(body, image if isinstance(field, Image) else attrs[attr])
    read = kind.read(kind.model.model_validate(body))
    images = {attr for attr, field in kind.fields.items() if isinstance(field, Image)}
    assert {a: v for a, v in read.items() if a not in images} == attrs
    assert all(read[attr] == digest(PIXEL) for attr in images)


def test_consent_codes_are_sent_in_code_order() -> None:
    body: dict[str, Any] = {}
    for attr in ("consent.photo", "consent.title"):
        CLINICIAN.fields[attr].write(body, True)
    assert body == {"ClinicianPersonalDataConsents": [1, 2]}


def test_master_data_applies_after_the_databases_and_providers_after_their_clinics() -> None:
    order = [KINDS.index(name) for name in ("site_database", *MASTER_DATA)]
    assert order == sorted(order)
    assert KINDS.index(CLINIC.name) < KINDS.index(CLINICIAN.name)
