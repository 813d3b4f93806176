"""Small helpers for handlers: read and validate bodies and query parameters into Problems
that name the field, answer JSON, and run store work off the event loop."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from anyio import to_thread
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from reconciler.site.api.bodies import too_deep
from reconciler.site.api.problems import HttpProblem, from_validation_error, invalid
from reconciler.site.booking.times import normalize

M = TypeVar("M", bound=BaseModel)
_NAME = re.compile(r"[A-Za-z][A-Za-z._]{0,59}")
# The vendor's query names that carry a national id (request.requestedByPersonalId.year,
# request.patientPersonalIdentification, request.personalIdentification.extraDigits, ...):
# matched without regard to case, so that no spelling of them passes as merely unknown.
_PERSONAL = re.compile(r"personalid|personalnumber|(?:^|\.)ssn(?:\.|$)", re.IGNORECASE)
T = TypeVar("T")


async def body_as(request: Request, model: type[M]) -> M:
    """The JSON body as `model`, or a 400 HttpProblem naming what is wrong."""
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise HttpProblem(
            415,
            "unsupported-media-type",
            "the request body must be JSON",
            "send it with Content-Type: application/json",
        )
    raw = await request.body()
    try:
        nulls = _null_fields(json.loads(raw), "body")
    except RecursionError:  # bodies.BodyGuard refuses deep nesting first; this is a second net
        raise too_deep() from None
    except ValueError:
        raise HttpProblem(
            400, "invalid-json", "the request body is not valid JSON", "send valid JSON"
        ) from None
    if nulls:
        raise invalid(
            [
                {"field": f, "message": "leave an optional field out instead of sending null"}
                for f in nulls
            ],
            "the body",
        )
    try:
        return model.model_validate_json(raw)
    except ValidationError as e:
        raise from_validation_error(e, "body") from None


def _null_fields(data: Any, where: str) -> list[str]:
    """Where the JSON holds null: the contract has no nullable fields."""
    if data is None:
        return [where]
    if isinstance(data, dict):
        return [f for k, v in data.items() for f in _null_fields(v, f"{where}.{k}")]
    if isinstance(data, list):
        return [f for i, v in enumerate(data) for f in _null_fields(v, f"{where}.{i}")]
    return []


def respond(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(data, ensure_ascii=False),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


async def run(function: Callable[..., T], *args: Any) -> T:
    """Run blocking store work in a worker thread."""
    return await to_thread.run_sync(function, *args)


class Query:
    """Typed access to query parameters; every failure is a 400 naming the parameter."""

    def __init__(self, request: Request, *allowed: str) -> None:
        self.params = request.query_params
        unknown = sorted(set(self.params.keys()) - set(allowed))
        personal = [
            {
                "field": f"query.{n}",
                "message": f"{n} would put a national id in the URL, which this site never"
                " takes: send it in the JSON body, or log in",
            }
            for n in unknown[:5]
            if _NAME.fullmatch(n) and _PERSONAL.search(n)
        ]
        if personal:
            raise invalid(personal, "the query")
        if unknown:
            # Named only when it looks like a parameter name: a name could be personal data.
            names = ", ".join(repr(n) for n in unknown[:5] if _NAME.fullmatch(n))
            raise invalid(
                [{"field": "query", "message": f"unknown query parameter(s) {names}".strip()}],
                "the query",
            )

    def text(self, name: str, *, required: bool = False, max_length: int = 200) -> str | None:
        values = self.params.getlist(name)
        if not values:
            if required:
                raise _bad(name, "is required")
            return None
        if len(values) > 1:
            raise _bad(name, "is given more than once")
        if len(values[0]) > max_length:
            raise _bad(name, f"is longer than {max_length} characters")
        return values[0]

    def integer(self, name: str, *, required: bool = False, low: int = 0) -> int | None:
        value = self.text(name, required=required)
        if value is None:
            return None
        if not (value.isascii() and value.lstrip("-").isdigit()) or len(value) > 10:
            raise _bad(name, "must be a whole number")
        number = int(value)
        if number < low or number > 2**31 - 1:
            raise _bad(name, f"must be between {low} and {2**31 - 1}")
        return number

    def boolean(self, name: str, default: bool) -> bool:
        value = self.text(name)
        if value is None:
            return default
        if value.lower() not in ("true", "false"):
            raise _bad(name, "must be true or false")
        return value.lower() == "true"

    def moment(self, name: str, *, required: bool = False) -> datetime | None:
        value = self.text(name, required=required)
        if value is None:
            return None
        try:
            return normalize(datetime.fromisoformat(value))
        except ValueError:
            raise _bad(name, "must be a date-time like 2026-03-02T08:00:00 in 2000-2099") from None

    def uuid(self, name: str, *, required: bool = False) -> UUID | None:
        value = self.text(name, required=required)
        if value is None:
            return None
        try:
            return UUID(value)
        except ValueError:
            raise _bad(name, "must be a UUID") from None


def _bad(name: str, message: str) -> HttpProblem:
    return invalid([{"field": f"query.{name}", "message": f"{name} {message}"}], "the query")


def path_uuid(request: Request, name: str) -> UUID:
    try:
        return UUID(request.path_params[name])
    except ValueError:
        raise invalid(
            [{"field": f"path.{name}", "message": f"{name} must be a UUID"}], "the path"
        ) from None


def path_int(request: Request, name: str) -> int:
    value = str(request.path_params[name])
    if not (value.isascii() and value.isdigit()) or len(value) > 10 or int(value) > 2**31 - 1:
        raise invalid(
            [{"field": f"path.{name}", "message": f"{name} must be a whole number"}], "the path"
        )
    return int(value)
