"""Secrets as a type: a value whose text is masked wherever it goes, taken out only where it
is sent.

`Secret` shows as `(sensitive)` in `str`, `repr`, f-strings, logs and exception messages;
`reveal()` gives the value, and is called only by the code that hands it to a driver or puts
it in a request header. A secret may not hold control characters: a key with a stray line
break would be refused by the HTTP library with an error quoting the whole header.

`redact()` is the second net, for text that comes from outside the project (a driver's or a
library's error message): it replaces every secret value made in this process, in the forms
that libraries print (as is, and escaped as in a bytes repr), and anything shaped like a
national identity number (eleven digits, DDMMYY and five).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

from reconciler.domain.text import UNSAFE

MASK: Final = "(sensitive)"

# besides what is unsafe in any text (control and bidi characters, tab and line breaks
# included): the invisible ones a copied key may carry (zero-width spaces, a byte-order mark)
_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff]")

_MADE: set[str] = set()
# Eleven digits standing on their own: not a run of digits inside a longer word or a hex
# digest (a plan's digest is no national id, and must print whole).
_NATIONAL_ID = re.compile(r"(?<![0-9A-Za-z])\d{6}[ -]?\d{5}(?![0-9A-Za-z])")


class SecretProblem(ValueError):
    """A secret's value cannot be used; the message names the reference, never the value."""


def control_character(text: str) -> str | None:
    """A description of the first control character in `text`, or None."""
    m = UNSAFE.search(text) or _INVISIBLE.search(text)
    if m is None:
        return None
    names = {"\n": "a line break", "\r": "a carriage return", "\t": "a tab"}
    return names.get(m.group(), f"the control character U+{ord(m.group()):04X}")


class Secret:
    """A secret held with the reference it was given by (`${env:NAME}`, `${file:path}`).
    `value` is None when the config was loaded without its secrets (`--no-secrets`)."""

    __slots__ = ("_value", "file", "reference")

    def __init__(self, reference: str, value: str | None, file: Path | None = None) -> None:
        if value is not None:
            if not value:
                raise SecretProblem(f"{reference} is empty")
            found = control_character(value)
            if found is not None:
                raise SecretProblem(
                    f"{reference} holds {found}; a secret is one line of text — "
                    "remove it (a file may end in one line break, no more)"
                )
            if len(value) >= 3:
                _MADE.add(value)
        self.reference = reference
        self.file = file  # for ${file:…}: the file, wherever the config that named it is
        self._value = value

    @classmethod
    def given(cls, value: str, reference: str = "(given)") -> Secret:
        """A secret handed over in code rather than read from a config."""
        return cls(reference, value)

    def prefixed(self, prefix: str) -> Secret:
        """This secret with `prefix` before it (`Bearer ` for an Authorization header)."""
        return Secret(self.reference, prefix + self.reveal(), self.file)

    def reveal(self) -> str:
        """The value, for the one place that sends it. LookupError if it was not read."""
        if self._value is None:
            raise LookupError(f"secret {self.reference} was not read")
        return self._value

    @property
    def resolved(self) -> bool:
        return self._value is not None

    def __str__(self) -> str:
        return MASK

    def __repr__(self) -> str:
        return f"Secret({self.reference})"

    def __format__(self, spec: str) -> str:
        return MASK

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Secret is not serialised")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other.reference == self.reference

    def __hash__(self) -> int:
        return hash(self.reference)


def redact(text: str) -> str:
    """`text` with national identity numbers replaced by (national id), and every secret
    value made in this process by (sensitive), as is and in the escaped forms a repr of
    bytes or str would print."""
    text = _NATIONAL_ID.sub("(national id)", text)
    for secret in sorted(_MADE, key=len, reverse=True):
        for form in _forms(secret):
            if form in text:
                text = text.replace(form, MASK)
    return text


def _forms(secret: str) -> tuple[str, ...]:
    as_bytes = repr(secret.encode("utf-8"))[2:-1]
    as_str = repr(secret)[1:-1]
    return tuple(dict.fromkeys((secret, as_bytes, as_str)))
