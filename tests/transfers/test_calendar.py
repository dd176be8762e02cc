"""TRF-10: the 学社衔接 calendar at each edge of its default dates (5/1, 8/31, 9/30), in two years."""

from datetime import date

import pytest

from transfers.calendar import closing_end, closing_start, period_of


@pytest.mark.parametrize("year", [2025, 2026])
def test_periods_at_each_edge(year):
    """申请期 5/1–8/31, 审核期 9/1–9/30, 收尾期 from 10/1 to the next 4/30."""
    days = [(1, 1), (4, 30), (5, 1), (8, 31), (9, 1), (9, 30), (10, 1), (12, 31)]
    assert [period_of(date(year, m, d)) for m, d in days] == [
        "closing",
        "closing",
        "apply",
        "apply",
        "review",
        "review",
        "closing",
        "closing",
    ]


@pytest.mark.parametrize("year", [2025, 2026])
def test_closing_period_bounds(year):
    """收尾期 runs from the day after 审核期 (10/1) to the day before the next 申请期 (4/30):
    a day up to 9/30 belongs to (or precedes) the one that began last October."""
    this_one, last_one = date(year, 10, 1), date(year - 1, 10, 1)
    assert closing_start(date(year, 10, 1)) == this_one
    assert closing_start(date(year, 12, 31)) == this_one
    assert closing_start(date(year, 9, 30)) == last_one
    assert closing_start(date(year, 1, 1)) == last_one
    assert closing_end(date(year, 10, 1)) == date(year + 1, 4, 30)
    assert closing_end(date(year, 4, 30)) == date(year, 4, 30)
    assert closing_end(date(year, 9, 30)) == date(year, 4, 30)


def test_calendar_follows_the_settings(settings):
    """The dates are settings (TRF_APPLY_START, TRF_APPLY_END, TRF_REVIEW_END), not literals."""
    settings.ZHTJ = {**settings.ZHTJ, "TRF_APPLY_START": (4, 1), "TRF_APPLY_END": (7, 31), "TRF_REVIEW_END": (8, 31)}
    assert [period_of(date(2026, m, d)) for m, d in ((3, 31), (4, 1), (7, 31), (8, 1), (8, 31), (9, 1))] == [
        "closing",
        "apply",
        "apply",
        "review",
        "review",
        "closing",
    ]
    assert closing_start(date(2026, 9, 1)) == date(2026, 9, 1)
    assert closing_end(date(2026, 9, 1)) == date(2027, 3, 31)
