"""Merge fields (koblingsfelt) in e-mail and SMS templates: `{{ field }}`."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

MERGE_FIELDS: dict[str, str] = {
    "patient_first_name": "the patient's first name",
    "patient_last_name": "the patient's last name",
    "clinic_name": "the clinic's name",
    "clinic_address": "the clinic's street address",
    "clinic_phone": "the clinic's phone number",
    "clinic_email": "the clinic's e-mail address",
    "provider_name": "the provider's name",
    "provider_title": "the provider's title (shown only with the provider's consent)",
    "treatment": "the appointment type's name as shown to the patient",
    "date": "the appointment's date, e.g. 03.12.2026",
    "weekday": "the appointment's weekday, e.g. torsdag",
    "time": "the appointment's start time, e.g. 08:30",
    "duration": "the appointment's length in minutes",
    "change_deadline": "the latest time the patient may move or cancel",
    "booking_url": "the address of the booking site",
}

_FIELD = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
# Malformed fields in the text between well-formed ones: doubled braces that do not pair
# up, or a merge field's name in single braces.
_STRAY = re.compile(
    r"\{\{\s*[^{}\s]{0,40}\s*\}?|\{?\s*[^{}\s]{0,40}\s*\}\}|\{\s*(?P<single>[A-Za-z_]\w{0,40})\s*\}"
)


def merge_field_problems(template: str) -> list[str]:
    """One message per malformed or unknown merge field in `template`. A field is written
    `{{name}}` (spaces inside allowed); doubled braces that do not pair up, a brace against
    a field (`{{{name}}}`) or a field's name in single braces would reach patients as
    written, and are problems too."""
    problems = [_malformed(bit) for bit in dict.fromkeys(_malformed_bits(template))]
    for name in dict.fromkeys(m.group(1) for m in _FIELD.finditer(template)):
        if name in MERGE_FIELDS:
            continue
        close = difflib.get_close_matches(name, MERGE_FIELDS, n=1)
        hint = f"did you mean {{{{{close[0]}}}}}? " if close else ""
        problems.append(
            f"unknown merge field {{{{{name}}}}}; {hint}known fields: {', '.join(MERGE_FIELDS)}"
        )
    return problems


def _malformed_bits(template: str) -> Iterator[str]:
    position = 0
    for field in _FIELD.finditer(template):
        yield from _stray(template[position : field.start()])
        before = template[field.start() - 1 : field.start()]
        after = template[field.end() : field.end() + 1]
        if "{" in before or "}" in after:
            yield before.strip() + field.group(0) + after.strip()
        position = field.end()
    yield from _stray(template[position:])


def _stray(text: str) -> Iterator[str]:
    for match in _STRAY.finditer(text):
        single = match.group("single")
        if single is None or _field_like(single):
            yield match.group(0)


def _field_like(name: str) -> bool:
    return name in MERGE_FIELDS or bool(difflib.get_close_matches(name, MERGE_FIELDS, n=1))


def _malformed(bit: str) -> str:
    bit = bit.strip()
    name = bit.strip("{} ")
    close = difflib.get_close_matches(name, MERGE_FIELDS, n=1)
    fix = f"{{{{{close[0]}}}}}" if close else "{{name}}"
    return (
        f"malformed merge field '{bit}': patients would get it as written; "
        f"write {fix}, with two braces on each side"
    )


def render(template: str, values: dict[str, str]) -> str:
    """Fill the merge fields of `template`; unknown fields stay as written."""
    return _FIELD.sub(lambda m: values.get(m.group(1), m.group(0)), template)
