"""Norwegian national identity numbers (fødsels- og personnummer), D- and H-numbers and
synthetic test numbers (Test-Norge / Tenor), with the control-digit rule as relaxed from 2032.

A number is DDMMYY, a three-digit individual number and two control digits.

- k1 (classic): the first ten digits weighted [3,7,6,1,8,9,4,5,2,1] sum to 0 mod 11.
  From 2032 numbers are issued where that sum may be 0, 1, 2 or 3 mod 11 (and the
  individual number no longer tells gender).
- k2 (unchanged): all eleven digits weighted [5,4,3,2,7,6,5,4,3,2,1] sum to 0 mod 11.
- D-number: 4 added to the first digit. H-number: 4 added to the third (month + 40).
  Synthetic: 80 added to the month.

Never log a number or put one in an error: messages here name the problem, not the value,
and `NationalId`'s repr is masked.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

K1_WEIGHTS = (3, 7, 6, 1, 8, 9, 4, 5, 2, 1)
K2_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1)
RELAXED_K1_REMAINDERS = frozenset({0, 1, 2, 3})


class Kind(StrEnum):
    ORDINARY = "ordinary"
    D_NUMBER = "d-number"
    H_NUMBER = "h-number"


class InvalidNationalId(ValueError):
    """Why a text is not a valid national identity number (the number is never included)."""


@dataclass(frozen=True)
class NationalId:
    digits: str = field(repr=False)
    kind: Kind
    synthetic: bool  # a test number (month + 80), never issued to a person
    birth_date: date = field(repr=False)
    relaxed: bool  # valid only under the rule that applies from 2032

    def __repr__(self) -> str:
        test = ", synthetic" if self.synthetic else ""
        return f"NationalId(***********, {self.kind.value}{test})"

    __str__ = __repr__


def _weighted(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11


def parse(text: str, *, allow_relaxed: bool = True) -> NationalId:
    """The number in `text` (spaces allowed), or InvalidNationalId saying what is wrong.
    `allow_relaxed` accepts the control digits of numbers issued from 2032."""
    digits = "".join(text.split())
    if len(digits) != 11 or not digits.isascii() or not digits.isdigit():
        raise InvalidNationalId("a national identity number has 11 digits")
    if _weighted(digits, K2_WEIGHTS) != 0:
        raise InvalidNationalId("the national identity number's control digits do not match")
    k1 = _weighted(digits, K1_WEIGHTS)
    if k1 != 0 and not (allow_relaxed and k1 in RELAXED_K1_REMAINDERS):
        raise InvalidNationalId("the national identity number's control digits do not match")
    day, month = int(digits[0:2]), int(digits[2:4])
    test = month > 80
    month -= 80 if test else 0
    kind = Kind.D_NUMBER if day > 40 else Kind.H_NUMBER if month > 40 else Kind.ORDINARY
    day -= 40 if kind is Kind.D_NUMBER else 0
    month -= 40 if kind is Kind.H_NUMBER else 0
    born = _birth_date(day, month, int(digits[4:6]), int(digits[6:9]))
    if born is None:
        raise InvalidNationalId("the national identity number does not hold a valid birth date")
    return NationalId(digits, kind, test, born, relaxed=k1 != 0)


def is_valid(text: str, *, allow_relaxed: bool = True) -> bool:
    try:
        parse(text, allow_relaxed=allow_relaxed)
    except InvalidNationalId:
        return False
    return True


def _centuries(year: int, individual: int) -> list[int]:
    """The centuries a birth year may fall in, by the individual number's ranges."""
    if individual <= 499:
        return [1900]
    if individual <= 749 and year >= 54:
        return [1800]
    if individual >= 900 and year >= 40:
        return [1900]
    if year <= 39:
        return [2000]
    return [1900, 2000]  # not a combination issued by the classic ranges; be lenient


def _birth_date(day: int, month: int, year: int, individual: int) -> date | None:
    for century in _centuries(year, individual):
        try:
            return date(century + year, month, day)
        except ValueError:
            continue
    return None


def synthetic(born: date, rng: random.Random, kind: Kind = Kind.ORDINARY) -> str:
    """A valid synthetic number (month + 80) for someone born on `born`, optionally a
    D-number: for test and demo data — synthetic numbers are never issued to people."""
    if kind is Kind.H_NUMBER:
        raise ValueError("there are no synthetic H-numbers (the month would pass 99)")
    day = born.day + (40 if kind is Kind.D_NUMBER else 0)
    month = born.month + 80
    year = born.year % 100
    century = born.year - year
    while True:
        individual = rng.randint(500, 999) if century == 2000 else rng.randint(0, 499)
        base = f"{day:02d}{month:02d}{year:02d}{individual:03d}"
        k1 = (11 - _weighted(base, K1_WEIGHTS[:9])) % 11
        if k1 == 10:
            continue
        k2 = (11 - _weighted(base + str(k1), K2_WEIGHTS[:10])) % 11
        if k2 == 10:
            continue
        return f"{base}{k1}{k2}"


# Eleven digits standing alone (a space or hyphen allowed after the birth date): not part of
# a longer number, a word, or a dotted number such as a bank account (1234.56.78903).
_IN_TEXT = re.compile(r"(?<![\w.,+-])\d{6}[ -]?\d{5}(?![\w-]|[.,]\d)")


def positions_in(text: str) -> list[int]:
    """Where (0-based) a valid number, or a synthetic one, stands in free text. The numbers
    themselves are not returned, so that callers cannot show them."""
    return [m.start() for m in _IN_TEXT.finditer(text) if is_valid(m.group(0).replace("-", ""))]


def mask(text: str) -> str:
    """What may be shown of a number: nothing but its length."""
    return "*" * len("".join(text.split()))
