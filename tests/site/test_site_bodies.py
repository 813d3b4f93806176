"""Hostile request bodies, sent over a real socket to every operation of the contract that
takes one: JSON nested a hundred thousand deep, bodies over the size limit, and bodies that are
not JSON. Each gets a 4xx problem that says what is wrong — never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import yaml
from support import REPO, SiteAccount

from reconciler.site.api.bodies import MAX_BACKEND_BODY, MAX_PUBLIC_BODY, nesting_exceeds

CONTRACT = yaml.safe_load((REPO / "schemas" / "booking-site.openapi.yaml").read_text("utf-8"))
WRITES = ("post", "put", "patch", "delete")
WITH_BODY = sorted(
    (method.upper(), path)
    for path, item in CONTRACT["paths"].items()
    for method, operation in item.items()
    if method in WRITES and "requestBody" in operation
)
DEEP = b"[" * 100_000 + b"]" * 100_000


@dataclass(frozen=True)
class Target:
    """Where to send, with the credentials that get a request as far as reading its body."""

    url: str
    headers: dict[str, str]
    limit: int


@pytest.fixture
def targets(account: SiteAccount) -> dict[tuple[str, str], Target]:
    token = account.backend.token().reveal()
    values = {
        "OpusDatabaseID": str(account.database_id),
        "ChallengeId": "0" * 32,
        "ReservationId": "1",
        "name": "anything",
    }
    found = {}
    for method, path in WITH_BODY:
        concrete = path.format(**values)
        headers = {"Content-Type": "application/json"}
        if path.startswith("/api/backend/"):
            headers |= {"apiKey": account.key, "Authorization": f"Bearer {token}"}
            url, limit = account.site.url + concrete, MAX_BACKEND_BODY
        else:
            url = f"{account.site.url}/sites/{account.subdomain}{concrete}"
            limit = MAX_PUBLIC_BODY
        found[method, path] = Target(url, headers, limit)
    return found


def send(target: Target, method: str, content: bytes, **headers: str) -> httpx.Response:
    with httpx.Client(timeout=60) as raw:
        return raw.request(method, target.url, content=content, headers=target.headers | headers)


def problem(response: httpx.Response) -> dict[str, Any]:
    assert response.headers["content-type"] == "application/problem+json", response.text[:200]
    document: dict[str, Any] = response.json()
    return document


def test_the_contract_lists_the_operations_with_bodies() -> None:
    assert len(WITH_BODY) >= 15
    assert ("POST", "/api/public/v1/bookings") in WITH_BODY
    assert ("PUT", "/api/backend/v1/databases/{OpusDatabaseID}/timeslots") not in WITH_BODY


@pytest.mark.parametrize(("method", "path"), WITH_BODY)
def test_deeply_nested_json_is_refused(
    targets: dict[tuple[str, str], Target], method: str, path: str
) -> None:
    response = send(targets[method, path], method, DEEP)
    assert response.status_code == 400
    document = problem(response)
    assert document["code"] == "too-deep"
    assert "32 levels" in document["detail"]


@pytest.mark.parametrize(("method", "path"), WITH_BODY)
def test_bodies_over_the_limit_are_refused(
    targets: dict[tuple[str, str], Target], method: str, path: str
) -> None:
    target = targets[method, path]
    large = b'"' + b"a" * target.limit + b'"'
    response = send(target, method, large)
    assert response.status_code == 413
    assert problem(response)["code"] == "body-too-large"


@pytest.mark.parametrize(("method", "path"), WITH_BODY)
def test_bodies_that_are_not_json_are_refused(
    targets: dict[tuple[str, str], Target], method: str, path: str
) -> None:
    target = targets[method, path]
    garbage = send(target, method, b"{not json")
    assert garbage.status_code == 400
    assert problem(garbage)["code"] == "invalid-json"
    other = send(target, method, b"a=1", **{"Content-Type": "text/plain"})
    assert other.status_code == 415
    assert problem(other)["code"] == "unsupported-media-type"


def test_a_chunked_body_over_the_limit_is_refused(account: SiteAccount) -> None:
    """Without Content-Length the limit holds while reading."""
    url = f"{account.site.url}/sites/{account.subdomain}/api/public/v1/auth/patient/login"

    def chunks() -> Iterator[bytes]:
        yield b'{"PatientPersonalIdentification": "'
        for _ in range(MAX_PUBLIC_BODY // 4096 + 1):
            yield b"1" * 4096
        yield b'"}'

    with httpx.Client(timeout=60) as raw:
        response = raw.post(url, content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("text", "deep"),
    [
        (b"[]", False),
        (b"{" * 32 + b"}" * 32, False),
        (b"[" * 33 + b"]" * 33, True),
        (b'{"a": "' + b"[" * 100 + b'"}', False),  # brackets inside strings do not count
        (b'["\\"[[[[", {"b": [1, {"c": []}]}]', False),
        (b"[" * 40, False),  # unbalanced: invalid JSON, for the parser to report
        (b"[" * 40 + b"]" * 39 + b"x", True),
    ],
)
def test_nesting_is_measured_without_parsing(text: bytes, deep: bool) -> None:
    assert nesting_exceeds(text) is deep
