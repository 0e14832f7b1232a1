"""Flashcard schedules: when a student sees a card next, by the FSRS algorithm (py-fsrs)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple

from fsrs import Card, Rating, Scheduler

from chatgepeto.storage.models import CardSchedule, StudyItem

RATINGS = {"again": Rating.Again, "hard": Rating.Hard, "good": Rating.Good, "easy": Rating.Easy}


class StudentCard(NamedTuple):
    """A flashcard as one student sees it: the card, and their schedule (None: never
    reviewed, so due now)."""

    item: StudyItem
    schedule: CardSchedule | None

    @property
    def due(self) -> datetime | None:
        if self.schedule is None:
            return None
        due = self.schedule.due
        return due if due.tzinfo else due.replace(tzinfo=UTC)  # SQLite gives it back naive


class Deck(NamedTuple):
    """A student's cards of one deck, due ones first, and how many are due now."""

    items: list[StudentCard]
    due_now: int


def deck(cards: list[StudentCard], now: datetime | None = None) -> Deck:
    """Order the cards: due ones first (new ones count as due), then by due date and place."""
    now = now or datetime.now(UTC)
    earliest = datetime.min.replace(tzinfo=UTC)

    def order(card: StudentCard) -> tuple[bool, datetime, int]:
        due = card.due
        return (due is not None and due > now, due or earliest, card.item.position)

    ordered = sorted(cards, key=order)
    return Deck(ordered, sum(c.due is None or c.due <= now for c in ordered))


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
