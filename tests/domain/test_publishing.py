from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from reconciler.domain.publishing import Interval, Rule, expand, merged
from reconciler.domain.times import DateSpan, TimeWindow, Weekday

MONDAY = date(2026, 11, 30)


def rule(**kw: object) -> Rule:
    values: dict[str, object] = {
        "days": frozenset({Weekday.MON, Weekday.WED}),
        "windows": (TimeWindow.parse("12:30-15:00"), TimeWindow.parse("08:00-11:00")),
        "horizon_days": 14,
    }
    values.update(kw)
    return Rule(**values)  # type: ignore[arg-type]


def test_windows_on_the_rule_days_within_the_horizon() -> None:
    out = expand(rule(), MONDAY)
    assert len(out) == 2 * 2 * 2
    assert out[0] == Interval(datetime(2026, 11, 30, 8), datetime(2026, 11, 30, 11))
    assert out[1].starts_at == datetime(2026, 11, 30, 12, 30)
    assert out[-1].starts_at.date() == MONDAY + timedelta(days=9)


def test_dates_off_and_validity() -> None:
    out = expand(rule(dates_off=(DateSpan.parse("2026-12-02..2026-12-07"),)), MONDAY)
    assert sorted({i.starts_at.date() for i in out}) == [MONDAY, date(2026, 12, 9)]
    bounded = expand(rule(valid_from=date(2026, 12, 2), valid_until=date(2026, 12, 7)), MONDAY)
    assert sorted({i.starts_at.date() for i in bounded}) == [date(2026, 12, 2), date(2026, 12, 7)]


def test_today_counts_and_the_horizon_is_exclusive() -> None:
    out = expand(rule(days=frozenset(Weekday), horizon_days=1), MONDAY)
    assert {i.starts_at.date() for i in out} == {MONDAY}


times = st.builds(
    lambda d, a, b: Interval(
        datetime(2026, 12, 1) + timedelta(minutes=d * 15),
        datetime(2026, 12, 1) + timedelta(minutes=d * 15 + max(a, 1) * 15),
    ),
    st.integers(0, 60),
    st.integers(1, 20),
    st.integers(0, 0),
)


@given(st.lists(times, max_size=12))
def test_merged_covers_exactly_the_same_minutes(intervals: list[Interval]) -> None:
    def minutes(items: list[Interval]) -> set[datetime]:
        return {
            i.starts_at + timedelta(minutes=m)
            for i in items
            for m in range(int((i.ends_at - i.starts_at).total_seconds() // 60))
        }

    out = merged(intervals)
    assert minutes(out) == minutes(intervals)
    assert all(a.ends_at < b.starts_at for a, b in pairwise(out))
