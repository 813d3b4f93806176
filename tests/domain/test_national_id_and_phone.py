from __future__ import annotations

import random
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.domain.national_id import (
    InvalidNationalId,
    Kind,
    is_valid,
    mask,
    parse,
    positions_in,
    synthetic,
)
from reconciler.domain.phone import is_mobile, mobile_positions_in, normalize_mobile


def test_the_tax_authoritys_2032_vectors() -> None:
    assert is_valid("02013299997")
    assert is_valid("30108299920")
    assert is_valid("30108299939")  # only under the rule that applies from 2032
    assert not is_valid("30108299939", allow_relaxed=False)
    assert parse("30108299939").relaxed
    assert not parse("30108299920").relaxed
    assert parse("30108299920").birth_date == date(1982, 10, 30)
    assert parse("02013299997").birth_date == date(2032, 1, 2)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("0201329999", "11 digits"),
        ("0201329999a", "11 digits"),
        ("٠٢٠١٣٢٩٩٩٩٧", "11 digits"),  # Arabic-Indic digits are digits, but not ours
        ("02013299998", "control digits"),
        ("32013299995", "control digits"),
    ],
)
def test_invalid_numbers_say_why_without_the_number(text: str, fragment: str) -> None:
    with pytest.raises(InvalidNationalId, match=fragment) as info:
        parse(text)
    assert text not in str(info.value)


def test_an_impossible_birth_date_is_invalid() -> None:
    rng = random.Random(3)
    good = synthetic(date(1990, 1, 31), rng)
    assert parse(good).synthetic
    # 31 February with valid control digits: craft it by searching individual numbers
    for individual in range(1000):
        base = f"3182{90:02d}{individual:03d}"
        for tail in range(100):
            candidate = f"{base}{tail:02d}"
            try:
                parse(candidate)
            except InvalidNationalId as e:
                if "birth date" in str(e):
                    return
    pytest.fail("no candidate with valid control digits and an impossible date")


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2039, 12, 31)),
    st.sampled_from([Kind.ORDINARY, Kind.D_NUMBER]),
    st.integers(0, 2**32),
)
def test_synthetic_numbers_parse_back(born: date, kind: Kind, seed: int) -> None:
    number = synthetic(born, random.Random(seed), kind)
    parsed = parse(number)
    assert (parsed.kind, parsed.synthetic, parsed.birth_date) == (kind, True, born)
    assert not parsed.relaxed
    assert number not in repr(parsed)
    assert mask(number) == "*" * 11


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_k2_is_always_checked(digits: str) -> None:
    weights = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1)
    if sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11:
        assert not is_valid(digits)


def test_an_h_number_parses() -> None:
    # 28 Feb 1985 as an H-number (month + 40), control digits computed
    base = "284285123"
    k1 = (
        11 - sum(int(d) * w for d, w in zip(base, (3, 7, 6, 1, 8, 9, 4, 5, 2), strict=True)) % 11
    ) % 11
    k2 = (
        11
        - sum(
            int(d) * w for d, w in zip(base + str(k1), (5, 4, 3, 2, 7, 6, 5, 4, 3, 2), strict=True)
        )
        % 11
    ) % 11
    assert parse(f"{base}{k1}{k2}").kind is Kind.H_NUMBER


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("41234567", "+4741234567"),
        ("+47 912 34 567", "+4791234567"),
        ("0047 48 00 00 00", "+4748000000"),
        ("(+47) 45-12-34-56", "+4745123456"),
    ],
)
def test_mobiles(text: str, normal: str) -> None:
    assert normalize_mobile(text) == normal


@pytest.mark.parametrize("text", ["22123456", "42123456", "4912345", "+46 701234567", "9123456x"])
def test_not_mobiles(text: str) -> None:
    assert not is_mobile(text)


@pytest.mark.parametrize(
    ("text", "positions"),
    [
        ("fnr 02013299997 her", [4]),
        ("020132 99997 og 020132-99997", [0, 16]),
        ("30108299939.", [0]),
        ("02013299998", []),  # control digits do not match
        ("konto 1234.56.78903", []),
        ("x02013299997", []),  # part of a word
        ("102013299997", []),  # part of a longer number
        ("02013299997,5", []),
    ],
)
def test_national_ids_in_free_text(text: str, positions: list[int]) -> None:
    assert positions_in(text) == positions


@pytest.mark.parametrize(
    ("text", "positions"),
    [
        ("Ring 912 34 567 i dag", [5]),
        ("tlf: +47 912 34 567.", [5]),
        ("(+47) 45-12-34-56 eller 0047 48000000", [0, 24]),
        ("Ring 22 12 34 56", []),  # a landline
        ("UA-91234567-1", []),  # part of an identifier
        ("sum 91234567,50 kr", []),
        ("Org.nr. 912 345 678", []),  # nine digits
        ("Sentralbord 800 12 345", []),
    ],
)
def test_mobiles_in_free_text(text: str, positions: list[int]) -> None:
    assert mobile_positions_in(text) == positions


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("fnr 01018012345.", "fnr (national id)."),
        ('{"id": "010180 12345"}', '{"id": "(national id)"}'),
        ("blake2b-256:2eea384227700ed6047076e6fd1a83920571946b14693c7d", None),  # a digest
        ("plan 0da71aaae1ff4512abd783947c58203719465", None),
    ],
)
def test_output_masks_national_ids_but_not_digits_inside_a_digest(
    text: str, shown: str | None
) -> None:
    from reconciler.domain.secrets import redact  # noqa: PLC0415

    assert redact(text) == (shown if shown is not None else text)
