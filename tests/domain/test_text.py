"""Control characters: shown as escapes, and named (never repeated) when refused."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.domain.text import control_problem, escape_controls

UNSAFE = [
    "\x00",
    "\x07",
    "\x1b",
    "\r",
    "\x7f",
    "\x85",
    "\x9b",
    "\u061c",
    "\u200e",
    "\u200f",
    *(chr(c) for c in range(0x202A, 0x202F)),
    *(chr(c) for c in range(0x2066, 0x206A)),
    "\u2028",
    "\u2029",
]


@pytest.mark.parametrize("char", UNSAFE)
def test_unsafe_characters_are_escaped_and_refused(char: str) -> None:
    text = f"Hei{char}du"
    shown = escape_controls(text)
    assert char not in shown
    assert json.loads(f'"{shown}"') == text  # the escapes are JSON's
    problem = control_problem(text, lines=True)
    assert problem is not None
    assert f"U+{ord(char):04X}" in problem
    assert "at character 4" in problem


def test_tabs_and_line_breaks_are_kept_only_where_text_spans_lines() -> None:
    text = "Velkommen\n\tTil oss"
    assert escape_controls(text, lines=True) == text
    assert escape_controls(text) == "Velkommen\\n\\tTil oss"
    assert control_problem(text, lines=True) is None
    assert control_problem(text) == "must be one line: it holds a line break (at character 10)"
    assert control_problem("a\tb") == "must be one line: it holds a tab (at character 2)"


def test_bidi_controls_are_named_for_what_they_do() -> None:
    problem = control_problem("abc\u202eevil")
    assert problem is not None
    assert "bidirectional control character (U+202E) at character 4" in problem


@given(st.text(st.characters(exclude_characters='\\"')))
def test_escaped_text_holds_nothing_unsafe_and_reads_back(text: str) -> None:
    shown = escape_controls(text)
    assert control_problem(shown) is None
    assert json.loads(f'"{shown}"') == text


@pytest.mark.parametrize("text", ["Tannlege Hansen", "Æøå – «sitat» 😀", ""])
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert escape_controls(text) == text
    assert control_problem(text) is None
