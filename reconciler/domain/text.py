"""Control characters in text: which are unsafe, how to show them, and why a text may not
hold them.

Unsafe are the C0 controls (NUL, ESC …), DEL, the C1 controls (0x80–0x9F; U+009B is a
one-character CSI to some terminals), the Unicode bidirectional controls that reorder what
is shown (U+202A–U+202E, U+2066–U+2069, and the marks U+061C, U+200E, U+200F), and the line
and paragraph separators U+2028 and U+2029. Printed raw they can retitle a terminal, clear or
rewrite the screen, or make text read differently from what it holds ("Trojan Source").
Tab and newline are safe where a text may span lines.
"""

from __future__ import annotations

import re
from typing import Final

_BIDI: Final = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
UNSAFE: Final = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}\u2028\u2029]")
_UNSAFE = UNSAFE
_UNSAFE_IN_LINES = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}\u2028\u2029]")
_BIDI_CHARS = re.compile(f"[{_BIDI}]")

_NAMES: Final = {
    "\x00": "NUL",
    "\t": "a tab",
    "\n": "a line break",
    "\r": "a carriage return",
    "\x1b": "ESC, which starts terminal escape sequences",
    "\x7f": "DEL",
}
_SHORT: Final = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_controls(text: str, *, lines: bool = False) -> str:
    """`text` with every unsafe character shown as an escape: `\\n`, `\\r`, `\\t`, or
    `\\u001b` for the others (the same escapes JSON uses, so that JSON stays JSON). With
    `lines`, tab and newline are kept: for output that spans lines."""
    pattern = _UNSAFE_IN_LINES if lines else _UNSAFE
    if pattern.search(text) is None:
        return text
    return pattern.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    return _SHORT.get(char) or f"\\u{ord(char):04x}"


def control_problem(text: str, *, lines: bool = False) -> str | None:
    """Why `text` may not be used where people read it (the character is named by its
    code, the text is not repeated), or None. With `lines`, tab and newline are allowed."""
    found = (_UNSAFE_IN_LINES if lines else _UNSAFE).search(text)
    if found is None:
        return None
    char = found.group(0)
    if char in "\t\n" and not lines:
        return f"must be one line: it holds {_NAMES[char]} (at character {found.start() + 1})"
    code = f"U+{ord(char):04X}"
    where = f"at character {found.start() + 1}"
    if _BIDI_CHARS.fullmatch(char):
        return (
            f"holds a bidirectional control character ({code}) {where}: it reorders how "
            "the text is shown; remove it"
        )
    name = _NAMES.get(char)
    return f"holds a control character ({code}{', ' + name if name else ''}) {where}; remove it"
