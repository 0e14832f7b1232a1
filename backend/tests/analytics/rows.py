"""Builders for analytics tests: questions, answers and ratings written straight to the
database, at chosen times, as the Answerer and the feedback API would leave them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from chatgepeto.analytics.questions import AskedQuestion, Rating
from chatgepeto.storage.models import Conversation, Feedback, Message

_SECOND = timedelta(seconds=1)


def add_question(
    session: Session,
    collection_id: str,
    question: str,
    asked_at: datetime,
    *,
    answer: str = "A resposta, com citações.",
    score: float | None = 3.0,
    not_in_material: bool = False,
    rating: str | None = None,
    comment: str | None = None,
    conversation: Conversation | None = None,
    standalone: str | None = None,
) -> Conversation:
    """A question and its answer (one second later), in a new conversation or `conversation`;
    the conversation, to ask follow-ups in."""
    if conversation is None:
        conversation = Conversation(collection_id=collection_id, user_id="aluno-1", title=question)
        session.add(conversation)
        session.flush()
    session.add(
        Message(
            conversation_id=conversation.id,
            role="user",
            content=question,
            standalone_question=standalone,
            created_at=asked_at,
        )
    )
    reply = Message(
        conversation_id=conversation.id,
        role="assistant",
        content=answer,
        retrieval_score=score,
        not_in_material=not_in_material,
        created_at=asked_at + _SECOND,
    )
    session.add(reply)
    session.flush()
    if rating:
        session.add(
            Feedback(message_id=reply.id, rating=rating, comment=comment, created_at=asked_at)
        )
    return conversation


def asked(
    question: str,
    asked_at: datetime,
    *,
    score: float | None = 3.0,
    not_in_material: bool = False,
    rating: str | None = None,
    comment: str | None = None,
    answer: str = "A resposta.",
    standalone: str | None = None,
) -> AskedQuestion:
    """An AskedQuestion as load_questions would give it, without a database."""
    return AskedQuestion(
        conversation_id="c",
        answer_id=f"a-{asked_at.timestamp()}-{question}",
        question=question,
        standalone=standalone,
        asked_at=asked_at,
        answer=answer,
        retrieval_score=score,
        not_in_material=not_in_material,
        rating=Rating(rating, comment, asked_at) if rating else None,
    )
