"""The questions asked of a collection since a moment, each with its answer and rating.

A question is a student's message followed by the assistant's answer in the same
conversation (a question whose answer never came, because it failed or is still streaming, is
left out). Two queries whatever the number of questions: the messages, then the ratings; both
plain joins and comparisons, so they run alike on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from chatgepeto.analytics.weeks import as_utc
from chatgepeto.storage.models import Conversation, Feedback, Message


@dataclass(frozen=True)
class Rating:
    rating: str  # up | down
    comment: str | None
    rated_at: datetime


@dataclass(frozen=True)
class AskedQuestion:
    """One question and what became of it."""

    conversation_id: str
    answer_id: str
    question: str
    # The follow-up rewritten to stand alone ("and in small populations?" → "what is genetic
    # drift in small populations?"), when it was: what the question is about.
    standalone: str | None
    asked_at: datetime
    answer: str
    retrieval_score: float | None
    not_in_material: bool
    rating: Rating | None = None

    @property
    def about(self) -> str:
        """The text that says what the question is about."""
        return self.standalone or self.question


def load_questions(session: Session, collection_id: str, since: datetime) -> list[AskedQuestion]:
    """The collection's questions asked at or after `since`, newest first."""
    rows = session.execute(
        select(
            Message.id,
            Message.conversation_id,
            Message.role,
            Message.content,
            Message.standalone_question,
            Message.created_at,
            Message.retrieval_score,
            Message.not_in_material,
        )
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(Conversation.collection_id == collection_id, Message.created_at >= since)
        # A question and its answer stored in the same instant: "user" sorts after
        # "assistant", so descending role puts the question first.
        .order_by(Message.conversation_id, Message.created_at, Message.role.desc())
    ).all()
    ratings = _ratings(session, collection_id, since)

    questions: list[AskedQuestion] = []
    pending = None  # the conversation's last question still waiting for its answer
    for row in rows:
        if pending is not None and pending.conversation_id != row.conversation_id:
            pending = None
        if row.role == "user":
            pending = row
        elif row.role == "assistant" and pending is not None:
            questions.append(
                AskedQuestion(
                    conversation_id=row.conversation_id,
                    answer_id=row.id,
                    question=pending.content,
                    standalone=pending.standalone_question,
                    asked_at=as_utc(pending.created_at),
                    answer=row.content,
                    retrieval_score=row.retrieval_score,
                    not_in_material=bool(row.not_in_material),
                    rating=ratings.get(row.id),
                )
            )
            pending = None
    questions.sort(key=lambda q: (q.asked_at, q.answer_id), reverse=True)
    return questions


def _ratings(session: Session, collection_id: str, since: datetime) -> dict[str, Rating]:
    """The rating of every answer given since `since`, by answer id (the latest one, should an
    answer hold several: the feedback API keeps one per answer)."""
    rows = session.execute(
        select(Feedback.message_id, Feedback.rating, Feedback.comment, Feedback.created_at)
        .join(Message, Message.id == Feedback.message_id)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(Conversation.collection_id == collection_id, Message.created_at >= since)
        .order_by(Feedback.created_at)
    ).all()
    return {row.message_id: Rating(row.rating, row.comment, as_utc(row.created_at)) for row in rows}
