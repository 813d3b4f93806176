"""The contract (schemas/booking-site.openapi.yaml) against the running site, so that they
cannot drift apart: schemathesis generates requests for every operation from the contract,
sends them over a real socket, and checks that the site never fails with a 5xx and answers
only with the statuses, content types, headers and bodies the contract documents."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from support import FAST, P12_PASSWORD, REPO, Pki, seed

from reconciler.providers.site import ClientCertificate, connect_backend
from reconciler.site.background import BackgroundSite

CONTRACT = REPO / "schemas" / "booking-site.openapi.yaml"
schema = schemathesis.openapi.from_path(CONTRACT)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@dataclass(frozen=True)
class Credentials:
    url: str
    key: str
    token: str
    public_host: str  # names the seeded account's site by Host


@pytest.fixture(scope="module")
def credentials(site: BackgroundSite, pki: Pki) -> Iterator[Credentials]:
    """Two accounts: one the backend operations may change at random, one seeded account
    whose public site the public operations use (out of the first one's reach)."""
    certificate = ClientCertificate.load(pki.good, P12_PASSWORD)
    made = []
    for seeded in (False, True):
        key, subdomain = f"contract-{uuid.uuid4().hex}", f"contract-{uuid.uuid4().hex[:10]}"
        site.store.register_account(str(uuid.uuid4()), key, subdomain)
        backend = connect_backend(site.url, key, certificate, retry=FAST)
        backend.activate()
        if seeded:
            seed(backend, uuid.uuid4())
        made.append((backend, key, subdomain))
    (fuzzed, key, _), (seeded_backend, _, public) = made
    yield Credentials(site.url, key, fuzzed.token().reveal(), f"{public}.localhost")
    fuzzed.close()
    seeded_backend.close()


def test_the_contract_is_valid_openapi_3_1() -> None:
    document = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
    validate(document)
    assert document["openapi"] == "3.1.0"


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_site_conforms_to_the_contract(case: schemathesis.Case, credentials: Credentials) -> None:
    case.call_and_validate(
        base_url=credentials.url, headers=_headers(case, credentials), checks=CHECKS
    )


def _headers(case: schemathesis.Case, credentials: Credentials) -> dict[str, str]:
    """Credentials for the operation's security scheme; the Host naming the public site."""
    headers: dict[str, str] = {}
    security = case.operation.definition.raw.get("security", [])
    schemes = {name for requirement in security for name in requirement}
    if "accountKey" in schemes:
        headers["apiKey"] = credentials.key
    if "backendToken" in schemes:
        headers["Authorization"] = f"Bearer {credentials.token}"
    if case.path.startswith("/api/public/"):
        headers["Host"] = credentials.public_host
    return headers


negative = schemathesis.openapi.from_path(CONTRACT)
negative.config.generation.update(modes=[schemathesis.GenerationMode.NEGATIVE])


@negative.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_site_refuses_what_the_contract_forbids(
    case: schemathesis.Case, credentials: Credentials
) -> None:
    """Requests the contract calls invalid get a documented 4xx problem, never a 5xx: the
    contract is no stricter than the site, and bad input never reaches a traceback."""
    case.call_and_validate(
        base_url=credentials.url,
        headers=_headers(case, credentials),
        checks=[
            not_a_server_error,
            negative_data_rejection,
            status_code_conformance,
            content_type_conformance,
        ],
    )
