"""ISO weeks in UTC: the window of the last N weeks and the week a moment falls in.

Weeks are computed here, in Python, rather than in SQL: SQLite and PostgreSQL have no common
function for ISO weeks, and the query only needs a lower time bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta


def as_utc(moment: datetime) -> datetime:
    """A stored time as aware UTC (SQLite gives times back naive: they are UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def week_start(moment: datetime) -> date:
    """The Monday (UTC) of the ISO week `moment` falls in."""
    day = as_utc(moment).date()
    return day - timedelta(days=day.weekday())


def week_label(monday: date) -> str:
    """ISO 8601 week name, such as "2026-W49" (the ISO year can differ from the calendar's)."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class Window:
    """The last `len(mondays)` ISO weeks, the current one included, oldest first."""

    mondays: tuple[date, ...]

    @property
    def since(self) -> datetime:
        """Monday 00:00 UTC of the oldest week: the query's lower bound."""
        return datetime.combine(self.mondays[0], time.min, tzinfo=UTC)

    def __contains__(self, monday: object) -> bool:
        return monday in self.mondays


def last_weeks(weeks: int, now: datetime | None = None) -> Window:
    """The window of `weeks` ISO weeks ending with the one `now` is in."""
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    current = week_start(now or datetime.now(UTC))
    return Window(tuple(current - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)))
