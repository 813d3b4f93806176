"""Request bodies, checked before any handler sees them: a size limit and a nesting limit.

`BodyGuard` is ASGI middleware. It reads the whole body of every request that has one (up to
the limit of its API: MAX_PUBLIC_BODY for the patients' API, MAX_BACKEND_BODY for the backend,
whose free-time uploads are large), answers 413 when it is larger, and 400 `too-deep` when a
JSON body nests arrays and objects more than MAX_DEPTH levels. A body that passes is handed
on unchanged. Python's JSON parser recurses, so without this check `[[[[…]]]]` a hundred
thousand deep would end in a RecursionError (a 500); the deepest shape the contract has is
six levels.

Whether the JSON is valid, and whether it is JSON at all, is left to `http.body_as` (400
`invalid-json`, 415 for another media type): this check never parses.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Any

from reconciler.site.api.problems import HttpProblem

MAX_DEPTH = 32
MAX_PUBLIC_BODY = 256 * 1024
MAX_BACKEND_BODY = 8 * 1024 * 1024
BACKEND_PREFIX = "/api/backend/"

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_INNERMOST = re.compile(rb"\[\]|\{\}")

Message = MutableMapping[str, Any]


def nesting_exceeds(body: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether the JSON text nests containers deeper than `limit`, without parsing it: strings
    are dropped, then innermost bracket pairs are removed a level at a time (each pass in C).
    Unbalanced brackets are not "too deep": the parser reports them as invalid JSON."""
    brackets = _STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    for _ in range(limit):
        if not brackets:
            return False
        brackets, removed = _INNERMOST.subn(b"", brackets)
        if not removed:
            return False
    return _INNERMOST.search(brackets) is not None


def too_large(limit: int) -> HttpProblem:
    return HttpProblem(
        413,
        "body-too-large",
        f"the request body is larger than {limit // 1024} KiB",
        "send a smaller request (split a large upload into several)",
    )


def too_deep() -> HttpProblem:
    return HttpProblem(
        400,
        "too-deep",
        f"the JSON body nests arrays and objects more than {MAX_DEPTH} levels deep",
        "send the shape the API contract documents",
    )


def _limit(scope: MutableMapping[str, Any]) -> int:
    path = str(scope.get("path", ""))
    return MAX_BACKEND_BODY if path.startswith(BACKEND_PREFIX) else MAX_PUBLIC_BODY


def _is_json(scope: MutableMapping[str, Any]) -> bool:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-type":
            media = value.split(b";")[0].strip().lower()
            return bool(media == b"application/json")
    return False


class BodyGuard:
    """Reads, limits and checks each request body, then replays it to the app."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = _limit(scope)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await too_large(limit).response()(scope, receive, send)
            return
        body, complete = await _read(receive, limit)
        if not complete:
            await too_large(limit).response()(scope, receive, send)
            return
        if body and _is_json(scope) and nesting_exceeds(body):
            await too_deep().response()(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)


def _content_length(scope: MutableMapping[str, Any]) -> int | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _read(receive: Any, limit: int) -> tuple[bytes, bool]:
    """The body, and False if it grew past `limit` (the rest is not read)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message: Message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), True
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return b"", False
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), True


def _replay(body: bytes, receive: Any) -> Any:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        message: Message = await receive()
        return message

    return replay
