"""Reading a POSTed HTML form: `application/x-www-form-urlencoded`, UTF-8, a few dozen
fields at most. Anything else is a 400 `bad-form` (a friendly page), never a traceback."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request

from reconciler.site.api.problems import HttpProblem

MAX_FIELDS = 40


class BadForm(HttpProblem):
    def __init__(self) -> None:
        super().__init__(400, "bad-form", "the form could not be read", "send the page's form")


async def read_form(request: Request) -> dict[str, str]:
    """The form's fields (the first value of each name)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/x-www-form-urlencoded":
        raise BadForm()
    body = await request.body()
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            max_num_fields=MAX_FIELDS,
            errors="strict",
        )
    except ValueError:  # not UTF-8 (UnicodeDecodeError is one), or too many fields
        raise BadForm() from None
    form: dict[str, str] = {}
    for name, value in pairs:
        if "\x00" in value:
            raise BadForm()
        form.setdefault(name, value)
    return form
