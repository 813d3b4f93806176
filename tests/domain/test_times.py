from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.domain.times import DateSpan, TimeWindow, Weekday, parse_days, uncovered


@pytest.mark.parametrize(
    ("spec", "days"),
    [
        ("mon", (Weekday.MON,)),
        ("mon-fri", tuple(Weekday(i) for i in range(5))),
        ("SAT-sun", (Weekday.SAT, Weekday.SUN)),
        (" thu ", (Weekday.THU,)),
    ],
)
def test_parse_days(spec: str, days: tuple[Weekday, ...]) -> None:
    assert parse_days(spec) == days


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [("monday", "not a weekday"), ("fri-mon", "runs backwards"), ("", "not a weekday")],
)
def test_parse_days_rejects(spec: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        parse_days(spec)


def test_time_window_parses_and_prints() -> None:
    window = TimeWindow.parse("08:00-12:30")
    assert (window.start, window.end) == (480, 750)
    assert str(window) == "08:00-12:30"
    assert TimeWindow.parse("22:00-24:00").end == 24 * 60


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("8:00-12:00", "HH:MM"),
        ("25:00-26:00", "HH:MM"),
        ("12:00-08:00", "ends before it starts"),
        ("12:00-12:00", "ends before it starts"),
        ("24:00-24:00", "before midnight"),
        ("0800", "not a time window"),
    ],
)
def test_time_window_rejects(spec: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        TimeWindow.parse(spec)


def test_uncovered_finds_the_gaps() -> None:
    hours = [TimeWindow.parse("08:00-12:00"), TimeWindow.parse("12:30-16:00")]
    assert uncovered(TimeWindow.parse("09:00-11:00"), hours) == []
    assert [str(g) for g in uncovered(TimeWindow.parse("11:00-17:00"), hours)] == [
        "12:00-12:30",
        "16:00-17:00",
    ]
    assert [str(g) for g in uncovered(TimeWindow.parse("07:00-08:30"), [])] == ["07:00-08:30"]


windows = st.builds(
    lambda a, b: TimeWindow(min(a, b), max(a, b) + 1),
    st.integers(0, 24 * 60 - 2),
    st.integers(0, 24 * 60 - 2),
)


@given(windows, st.lists(windows, max_size=6))
def test_uncovered_is_exactly_what_no_cover_touches(
    window: TimeWindow, cover: list[TimeWindow]
) -> None:
    gaps = uncovered(window, cover)
    for minute in range(window.start, window.end):
        in_gap = any(g.start <= minute < g.end for g in gaps)
        covered = any(c.start <= minute < c.end for c in cover)
        assert in_gap != covered
    assert all(window.contains(g) for g in gaps)


def test_date_span() -> None:
    span = DateSpan.parse("2026-12-24..2027-01-01")
    assert date(2026, 12, 31) in span
    assert date(2027, 1, 2) not in span
    assert str(DateSpan.parse("2026-05-17")) == "2026-05-17"
    for bad in ["2026-02-30", "24.12.2026", "2027-01-01..2026-12-24", "2026-1-1"]:
        with pytest.raises(ValueError, match="date"):
            DateSpan.parse(bad)
