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


# Eight digits, grouped by spaces or hyphens as people write them, with an optional +47 or
# 0047 (in brackets or not), standing alone: not part of a longer number or a word.
_IN_TEXT = re.compile(
    r"(?<![\w.,+-])(?:\(?(?:\+|00)47\)?[ \u00a0-]?)?\d(?:[ \u00a0-]?\d){7}(?![\w-]|[.,]\d)"
)


def mobile_positions_in(text: str) -> list[int]:
    """Where (0-based) a Norwegian mobile number stands in free text; landlines and other
    numbers are not reported. The numbers themselves are not returned."""
    return [m.start() for m in _IN_TEXT.finditer(text) if is_mobile(m.group(0))]
