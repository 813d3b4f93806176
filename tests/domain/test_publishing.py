from __future__ import annotations

from datetime import date, datetime, timedelta

from reconciler.domain.publishing import Rule, expand
from reconciler.domain.spans import Span
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
    assert out[0] == Span(datetime(2026, 11, 30, 8), datetime(2026, 11, 30, 11))
    assert out[1].start == datetime(2026, 11, 30, 12, 30)
    assert out[-1].start.date() == MONDAY + timedelta(days=9)


def test_dates_off_and_validity() -> None:
    out = expand(rule(dates_off=(DateSpan.parse("2026-12-02..2026-12-07"),)), MONDAY)
    assert sorted({i.start.date() for i in out}) == [MONDAY, date(2026, 12, 9)]
    bounded = expand(rule(valid_from=date(2026, 12, 2), valid_until=date(2026, 12, 7)), MONDAY)
    assert sorted({i.start.date() for i in bounded}) == [date(2026, 12, 2), date(2026, 12, 7)]


def test_today_counts_and_the_horizon_is_exclusive() -> None:
    out = expand(rule(days=frozenset(Weekday), horizon_days=1), MONDAY)
    assert {i.start.date() for i in out} == {MONDAY}
