"""Errors as `application/problem+json` (RFC 9457): what went wrong and what to do.

Every refusal the site makes is a `HttpProblem` with a stable `code` (also the last part of its
`type`), a `title`, a `detail` saying what happened and a `hint` saying what to do. No problem
ever carries a secret, an account key or a national identity number: details name fields, not
their values. Anything unexpected becomes a plain 500 with no traceback in the response.
"""

from __future__ import annotations

import http
import json
import logging
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

PROBLEM_TYPE_BASE = "https://opusdentalonline.com/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"

log = logging.getLogger("reconciler.site")


class HttpProblem(Exception):
    """A refusal with an HTTP status. `errors` lists field-level problems ({field, message})."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        hint: str = "",
        *,
        errors: list[dict[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.hint = hint
        self.errors = errors or []
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})

    def body(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "type": PROBLEM_TYPE_BASE + self.code,
            "title": http.HTTPStatus(self.status).phrase,
            "status": self.status,
            "code": self.code,
            "detail": self.detail,
        }
        if self.hint:
            document["hint"] = self.hint
        if self.errors:
            document["errors"] = self.errors
        document.update(self.extra)
        return document

    def response(self) -> Response:
        return Response(
            json.dumps(self.body(), ensure_ascii=False),
            status_code=self.status,
            media_type=PROBLEM_MEDIA_TYPE,
            headers=self.headers,
        )


def invalid(errors: list[dict[str, str]], what: str = "the request") -> HttpProblem:
    fields = ", ".join(e["field"] for e in errors[:5]) + (" …" if len(errors) > 5 else "")
    return HttpProblem(
        400,
        "invalid-request",
        f"{what} is not valid: {fields}",
        "correct the fields listed in errors and send it again",
        errors=errors,
    )


def from_validation_error(error: ValidationError, where: str) -> HttpProblem:
    """A pydantic error as a HttpProblem. Only locations and messages are kept — never the input,
    which may hold a national id or a secret."""
    errors = []
    for e in error.errors(include_url=False, include_input=False, include_context=False):
        location = ".".join(str(part) for part in e["loc"]) or where
        errors.append({"field": f"{where}.{location}" if e["loc"] else where, "message": e["msg"]})
    return invalid(errors, where)


def not_found(what: str, hint: str = "check the id and the address") -> HttpProblem:
    return HttpProblem(404, "not-found", f"{what} was not found", hint)


async def handle_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HttpProblem)
    return exc.response()


async def handle_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    if status == 404:
        problem = HttpProblem(
            404, "no-such-path", "there is no such path on this site", "see the API contract"
        )
    elif status == 405:
        problem = HttpProblem(
            405,
            "method-not-allowed",
            f"{request.method} is not allowed on this path",
            "see the API contract for the methods this path takes",
            headers=exc.headers,
        )
    elif status == 413:
        problem = HttpProblem(
            413, "body-too-large", "the request body is too large", "send a smaller request"
        )
    else:
        problem = HttpProblem(status, "http-error", http.HTTPStatus(status).phrase, "")
    return problem.response()


def handle_unexpected_response(scope: dict[str, Any], exc: Exception) -> Response:
    """The last line: log the failure (type and endpoint, never the request) and answer 500."""
    endpoint = getattr(scope.get("endpoint"), "__name__", "?")
    log.error("internal error in %s: %s", endpoint, type(exc).__name__, exc_info=exc)
    return HttpProblem(
        500,
        "internal-error",
        "the site failed to handle the request",
        "try again later; if it persists, report it to the site's operator",
    ).response()
