"""Flashcard schedules: when a student sees a card next, by the FSRS algorithm (py-fsrs)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fsrs import Card, Rating, Scheduler

RATINGS = {"again": Rating.Again, "hard": Rating.Hard, "good": Rating.Good, "easy": Rating.Easy}

# No fuzzing: the same review gives the same next date, which a student can be told.
_scheduler = Scheduler(enable_fuzzing=False)


def review(
    state: dict[str, Any] | None, rating: str, now: datetime | None = None
) -> tuple[dict[str, Any], datetime]:
    """The card's new state and next due time after a review rated `rating`."""
    card = Card.from_dict(state) if state else Card()
    card, _log = _scheduler.review_card(
        card, RATINGS[rating], review_datetime=now or datetime.now(UTC)
    )
    return card.to_dict(), card.due
