"""ISO weeks in UTC: Mondays, labels across a year's end, the window of the last N weeks."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from chatgepeto.analytics.weeks import last_weeks, week_label, week_start

SAO_PAULO = timezone(timedelta(hours=-3))


def test_a_week_starts_on_monday_utc():
    assert week_start(datetime(2026, 12, 3, 8, tzinfo=UTC)) == date(2026, 11, 30)  # Thursday
    assert week_start(datetime(2026, 11, 30, 0, 0, tzinfo=UTC)) == date(2026, 11, 30)
    assert week_start(datetime(2026, 12, 6, 23, 59, 59, tzinfo=UTC)) == date(2026, 11, 30)
    assert week_start(datetime(2026, 12, 7, tzinfo=UTC)) == date(2026, 12, 7)


def test_times_are_read_in_utc():
    # Sunday 22:00 in São Paulo is Monday 01:00 UTC: the next week.
    assert week_start(datetime(2026, 12, 6, 22, tzinfo=SAO_PAULO)) == date(2026, 12, 7)
    # SQLite gives naive times back: they are UTC.
    assert week_start(datetime(2026, 12, 6, 23)) == date(2026, 11, 30)


def test_labels_follow_the_iso_year():
    assert week_label(date(2026, 11, 30)) == "2026-W49"
    assert week_label(date(2026, 12, 28)) == "2026-W53"  # 2026 has 53 ISO weeks
    assert week_label(date(2027, 1, 4)) == "2027-W01"
    assert week_label(date(2024, 12, 30)) == "2025-W01"  # a Monday of December in 2025's W01


def test_the_window_ends_with_the_current_week():
    window = last_weeks(3, now=datetime(2026, 12, 3, 8, tzinfo=UTC))
    assert window.mondays == (date(2026, 11, 16), date(2026, 11, 23), date(2026, 11, 30))
    assert window.since == datetime(2026, 11, 16, tzinfo=UTC)
    assert date(2026, 11, 23) in window and date(2026, 12, 7) not in window
    assert len(last_weeks(52).mondays) == 52


def test_no_window_of_zero_weeks():
    with pytest.raises(ValueError):
        last_weeks(0)
