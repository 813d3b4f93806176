"""The client's payload models against the contract (schemas/booking-site.openapi.yaml), as
the server is checked against it: every field the client reads or sends is one the contract
names, and every field the contract requires the client can hold. So client and server cannot
drift apart with each side agreeing only with itself."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.providers.site import models

CONTRACT = Path(__file__).parents[2] / "schemas" / "booking-site.openapi.yaml"
SCHEMAS: dict[str, Any] = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))["components"][
    "schemas"
]
# The client's name for a payload where the contract names it otherwise.
CONTRACT_NAME = {
    "OpusDatabaseInfo": "OpusDatabaseInformation",
    "Removed": "RemovedEntity",
    "Subdomain": "SubdomainDocument",  # as read, with its RowVersion
    "Challenge": "ConfirmationChallenge",
    "FreeTime": "TimeslotPage",  # its pages, joined
}
# The client's own shapes: an outcome it makes of an answer, and a reservation whose token
# comes in a header (X-Reservation-Token), not the body.
CLIENT_ONLY = {"Payload", "Outcome", "Reservation"}


def _client_models() -> list[type[models.Payload]]:
    return [
        cls
        for name, cls in inspect.getmembers(models, inspect.isclass)
        if issubclass(cls, models.Payload) and name not in CLIENT_ONLY
    ]


def _properties(schema: dict[str, Any]) -> tuple[set[str], set[str]]:
    """Properties and required ones, through allOf."""
    names, required = set(schema.get("properties", {})), set(schema.get("required", []))
    for part in schema.get("allOf", []):
        ref = part.get("$ref")
        more, needed = _properties(SCHEMAS[ref.rsplit("/", 1)[1]] if ref else part)
        names |= more
        required |= needed
    return names, required


@pytest.mark.parametrize("model", _client_models(), ids=lambda m: m.__name__)
def test_the_client_reads_and_sends_what_the_contract_names(model: type[models.Payload]) -> None:
    name = CONTRACT_NAME.get(model.__name__, model.__name__)
    assert name in SCHEMAS, f"{model.__name__}: the contract has no schema {name}"
    properties, required = _properties(SCHEMAS[name])
    fields = {f.alias or n for n, f in model.model_fields.items()}
    assert fields - properties == set(), f"{name}: the client has fields the contract lacks"
    assert required - fields == set(), f"{name}: the contract requires fields the client lacks"


def test_every_client_model_is_checked() -> None:
    assert len(_client_models()) >= 40
