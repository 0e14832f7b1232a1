"""The teacher's summary of a collection: counts per week, top topics, the questions the
material did not answer and the answers rated down, from the questions of a window."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from chatgepeto.analytics.questions import AskedQuestion
from chatgepeto.analytics.topics import Topic, top_topics
from chatgepeto.analytics.unanswered import LOW_SCORE, Reason, unanswered_reason
from chatgepeto.analytics.weeks import Window, week_label, week_start

# The most unanswered questions and rated-down answers listed (the counts cover them all).
MAX_LISTED = 50
MAX_TOPICS = 10
EXCERPT_CHARS = 280


@dataclass(frozen=True)
class WeekCounts:
    week: str  # ISO week, "2026-W49"
    start: date  # its Monday (UTC)
    questions: int
    unanswered: int
    thumbs_down: int


@dataclass(frozen=True)
class UnansweredQuestion:
    question: str
    asked_at: datetime
    retrieval_score: float | None
    reason: Reason


@dataclass(frozen=True)
class ThumbsDown:
    question: str
    answer_excerpt: str
    comment: str | None
    asked_at: datetime
    rated_at: datetime


@dataclass(frozen=True)
class Report:
    weeks: list[WeekCounts]
    topics: list[Topic]
    unanswered: list[UnansweredQuestion]
    thumbs_down: list[ThumbsDown]
    questions_total: int
    unanswered_total: int
    thumbs_down_total: int


def in_window(questions: Sequence[AskedQuestion], window: Window) -> list[AskedQuestion]:
    """The questions asked in one of the window's weeks (not in a later one: a clock ahead)."""
    return [q for q in questions if week_start(q.asked_at) in window]


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The start of `text`, cut at a word, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] or text[:limit]
    return cut.rstrip(" ,.;:") + "…"


def build_report(
    questions: Sequence[AskedQuestion],
    window: Window,
    low_score: float | None = LOW_SCORE,
    limit: int = MAX_LISTED,
) -> Report:
    """Summarise `questions` (newest first, all in `window`) week by week.

    A question counts in the week it was asked, and so does its rating, even when the
    student rated the answer later: one question, one week, as in the CSV export."""
    counts = {monday: [0, 0, 0] for monday in window.mondays}
    unanswered: list[UnansweredQuestion] = []
    disliked: list[ThumbsDown] = []
    for q in questions:
        week = counts[week_start(q.asked_at)]
        week[0] += 1
        reason = unanswered_reason(q, low_score)
        if reason is not None:
            week[1] += 1
            unanswered.append(UnansweredQuestion(q.question, q.asked_at, q.retrieval_score, reason))
        rating = q.rating
        if rating is not None and rating.rating == "down":
            week[2] += 1
            answer = excerpt(q.answer)
            disliked.append(
                ThumbsDown(q.question, answer, rating.comment, q.asked_at, rating.rated_at)
            )
    disliked.sort(key=lambda d: d.rated_at, reverse=True)
    return Report(
        weeks=[
            WeekCounts(week_label(monday), monday, *values) for monday, values in counts.items()
        ],
        topics=top_topics(questions, MAX_TOPICS),
        unanswered=unanswered[:limit],
        thumbs_down=disliked[:limit],
        questions_total=len(questions),
        unanswered_total=len(unanswered),
        thumbs_down_total=len(disliked),
    )
