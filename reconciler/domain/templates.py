"""Merge fields (koblingsfelt) in e-mail and SMS templates: `{{ field }}`."""

from __future__ import annotations

import difflib
import re

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


def merge_field_problems(template: str) -> list[str]:
    """One message per unknown merge field in `template`, each naming the known ones."""
    problems = []
    for name in dict.fromkeys(m.group(1) for m in _FIELD.finditer(template)):
        if name in MERGE_FIELDS:
            continue
        close = difflib.get_close_matches(name, MERGE_FIELDS, n=1)
        hint = f"did you mean {{{{{close[0]}}}}}? " if close else ""
        problems.append(
            f"unknown merge field {{{{{name}}}}}; {hint}known fields: {', '.join(MERGE_FIELDS)}"
        )
    return problems


def render(template: str, values: dict[str, str]) -> str:
    """Fill the merge fields of `template`; unknown fields stay as written."""
    return _FIELD.sub(lambda m: values.get(m.group(1), m.group(0)), template)
