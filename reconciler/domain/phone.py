"""Norwegian mobile numbers: 8 digits in the ranges 4[015-8]xxxxxx and 9xxxxxxx, with an
optional +47 or 0047 country prefix. Stored as +47 and the eight digits."""

from __future__ import annotations

import re

_MOBILE = re.compile(r"(?:\+47|0047)?(4[015-8]\d{6}|9\d{7})")


def normalize_mobile(text: str) -> str:
    """`text` as +47 and its eight digits, or ValueError saying what a mobile number is."""
    compact = re.sub(r"[\s\-().]", "", text)
    match = _MOBILE.fullmatch(compact)
    if match is None:
        raise ValueError(
            "not a Norwegian mobile number: 8 digits starting with 4 or 9, "
            "optionally with +47 in front"
        )
    return "+47" + match.group(1)


def is_mobile(text: str) -> bool:
    try:
        normalize_mobile(text)
    except ValueError:
        return False
    return True
