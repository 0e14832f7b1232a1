"""ORM models: collections, documents, chunks, jobs, conversations, messages, feedback, and the
study tools' sets, items, quiz attempts and flashcard schedules."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, NamedTuple

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, query_expression, relationship


def new_id() -> str:
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC)


def seconds_since(stamp: datetime, now: datetime | None = None) -> float:
    """Seconds from a stored time to `now` (SQLite gives times back naive: they are UTC)."""
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return ((now or utcnow()) - stamp).total_seconds()


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: DateTime(timezone=True),
        dict[str, Any]: JSON,
    }


class Collection(Base):
    __tablename__ = "collections"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # Bumped whenever the collection's chunks change, so every worker can tell that its
    # in-memory lexical index is stale.
    index_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    documents: Mapped[list[Document]] = relationship(
        back_populates="collection", cascade="all, delete-orphan", passive_deletes=True
    )
    # How many documents it has, when a query asks (resources/collections.py).
    document_count: Mapped[int | None] = query_expression()


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("collection_id", "sha256", name="uq_document_content"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    collection_id: Mapped[str] = mapped_column(
        ForeignKey("collections.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(255))
    pages: Mapped[int | None] = mapped_column(Integer, default=None)
    chunks: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    # Machine-readable reason (encrypted_pdf, scanned_pdf, …) for clients to translate.
    error_code: Mapped[str | None] = mapped_column(String(32), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    collection: Mapped[Collection] = relationship(back_populates="documents")


class Chunk(Base):
    __tablename__ = "chunks"
    __table_args__ = (Index("ix_chunks_document_index", "document_id", "chunk_index"),)

    # Deterministic: derived from the collection, the document's content hash and the index.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    collection_id: Mapped[str] = mapped_column(
        ForeignKey("collections.id", ondelete="CASCADE"), index=True
    )
    chunk_index: Mapped[int] = mapped_column(Integer)
    page: Mapped[int | None] = mapped_column(Integer)
    start_offset: Mapped[int] = mapped_column(Integer)
    end_offset: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8), default="en")
    # Space-separated BM25 terms (see retrieval.lexical.analyze), computed once at ingestion.
    terms: Mapped[str] = mapped_column(Text, default="")
    # Entries of a bibliography, not prose (ingestion.references): ranked after other passages.
    reference_list: Mapped[bool] = mapped_column(Boolean, default=False)


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(32), default="ingest")
    document_id: Mapped[str | None] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    error_code: Mapped[str | None] = mapped_column(String(32), default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    # The lease of a running job: the process running it ("host:pid") and the last time it
    # said it was still at it. A job whose holder has been silent for a lease is taken up again.
    holder: Mapped[str | None] = mapped_column(String(200), default=None)
    heartbeat_at: Mapped[datetime | None] = mapped_column(default=None)
    # Read only (the teacher's job list shows the file); `lazy="raise"`: loaded when asked.
    document: Mapped[Document | None] = relationship(viewonly=True, lazy="raise")

    @property
    def filename(self) -> str | None:
        return self.document.filename if self.document is not None else None

    @property
    def collection_id(self) -> str | None:
        return self.document.collection_id if self.document is not None else None


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_listing", "updated_at", "id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    collection_id: Mapped[str] = mapped_column(
        ForeignKey("collections.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str | None] = mapped_column(String(200), index=True, default=None)
    title: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Message.created_at",
    )


class Message(Base):
    __tablename__ = "messages"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))  # user | assistant
    content: Mapped[str] = mapped_column(Text)
    # The standalone question used for retrieval when a follow-up was rewritten.
    standalone_question: Mapped[str | None] = mapped_column(Text, default=None)
    mode: Mapped[str | None] = mapped_column(String(16), default=None)  # generated | extractive
    citations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    provider: Mapped[str | None] = mapped_column(String(64), default=None)
    model: Mapped[str | None] = mapped_column(String(128), default=None)
    latency_ms: Mapped[float | None] = mapped_column(Float, default=None)
    # Time to the first token of a generated answer, and the tokens the model used.
    first_token_ms: Mapped[float | None] = mapped_column(Float, default=None)
    input_tokens: Mapped[int | None] = mapped_column(Integer, default=None)
    output_tokens: Mapped[int | None] = mapped_column(Integer, default=None)
    incomplete: Mapped[bool] = mapped_column(Boolean, default=False)
    # For the teacher's analytics (assistant messages): the best retrieval score of the
    # passages the answer drew on, and whether it said the material does not cover the question.
    retrieval_score: Mapped[float | None] = mapped_column(Float, default=None)
    not_in_material: Mapped[bool] = mapped_column(Boolean, default=False)
    # Answered in tutor mode (a hint and a guiding question first).
    tutor: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")

    @property
    def usage(self) -> dict[str, int | None]:
        """The tokens the model used for this answer."""
        return {"input_tokens": self.input_tokens, "output_tokens": self.output_tokens}


class Feedback(Base):
    __tablename__ = "feedback"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    message_id: Mapped[str] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    rating: Mapped[str] = mapped_column(String(8))  # up | down
    comment: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StudySet(Base):
    """A quiz, a deck of flashcards or a study guide, built from part of a collection."""

    __tablename__ = "study_sets"
    __table_args__ = (Index("ix_study_sets_listing", "collection_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(16))  # quiz | flashcards | guide
    collection_id: Mapped[str] = mapped_column(ForeignKey("collections.id", ondelete="CASCADE"))
    # The scope: the whole collection, one document, or pages of one document.
    document_id: Mapped[str | None] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True, default=None
    )
    page_from: Mapped[int | None] = mapped_column(Integer, default=None)
    page_to: Mapped[int | None] = mapped_column(Integer, default=None)
    title: Mapped[str] = mapped_column(String(300), default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    mode: Mapped[str | None] = mapped_column(String(16), default=None)  # generated | extractive
    requested: Mapped[int] = mapped_column(Integer, default=10)  # items asked for
    # The job that builds it: its status and progress are the set's.
    job_id: Mapped[str | None] = mapped_column(
        ForeignKey("jobs.id", ondelete="SET NULL"), index=True, default=None
    )
    user_id: Mapped[str | None] = mapped_column(String(200), default=None)  # who asked for it
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    items: Mapped[list[StudyItem]] = relationship(
        back_populates="study_set",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="StudyItem.position",
    )
    job: Mapped[Job | None] = relationship()
    # The number of its items, where the query asks for it (`with_expression`).
    items_count: Mapped[int | None] = query_expression()

    # Its state is its build job's; a set whose job row is gone (an old one) is what it holds.
    @property
    def status(self) -> str:
        return self.job.status if self.job is not None else "ready"

    @property
    def progress(self) -> float:
        return self.job.progress if self.job is not None else 1.0

    @property
    def error(self) -> str | None:
        return self._failed_job.error if self._failed_job is not None else None

    @property
    def error_code(self) -> str | None:
        return self._failed_job.error_code if self._failed_job is not None else None

    @property
    def _failed_job(self) -> Job | None:
        return self.job if self.job is not None and self.job.status == "failed" else None


class StudyItem(Base):
    """One question, card or guide topic of a set, with the citations it was drawn from."""

    __tablename__ = "study_items"
    __table_args__ = (Index("ix_study_items_set_position", "set_id", "position"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    set_id: Mapped[str] = mapped_column(ForeignKey("study_sets.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # mcq | short | cloze | card | topic
    # The question, the card's term, or the topic's title.
    prompt: Mapped[str] = mapped_column(Text)
    # The correct answer, the card's definition, or the topic's summary.
    answer: Mapped[str] = mapped_column(Text)
    choices: Mapped[list[str]] = mapped_column(JSON, default=list)
    explanation: Mapped[str] = mapped_column(Text, default="")
    citations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    study_set: Mapped[StudySet] = relationship(back_populates="items")


class QuizAttempt(Base):
    """A student's answers to a quiz, marked."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (Index("ix_quiz_attempts_user", "set_id", "user_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    set_id: Mapped[str] = mapped_column(ForeignKey("study_sets.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(200))
    # [{"item_id", "given", "correct"}], in the quiz's order.
    answers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    correct: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    study_set: Mapped[StudySet] = relationship()

    @property
    def score(self) -> float:
        """correct / total, 0..1."""
        return round(self.correct / self.total, 4) if self.total else 0.0

    @property
    def results(self) -> list[MarkedAnswer]:
        """Each answer as marked, with the question it answered."""
        questions = {item.id: item for item in self.study_set.items}
        return [
            MarkedAnswer(m["item_id"], m["given"], bool(m["correct"]), questions.get(m["item_id"]))
            for m in self.answers
        ]


class MarkedAnswer(NamedTuple):
    """A student's answer to one quiz question, marked; `question` None if it is gone."""

    item_id: str
    given: str
    correct: bool
    question: StudyItem | None


class CardSchedule(Base):
    """When a student sees a flashcard next: the spaced-repetition state of (card, student)."""

    __tablename__ = "card_schedules"
    __table_args__ = (
        UniqueConstraint("item_id", "user_id", name="uq_card_schedule"),
        Index("ix_card_schedules_due", "user_id", "due"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    item_id: Mapped[str] = mapped_column(ForeignKey("study_items.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(200))
    due: Mapped[datetime] = mapped_column(default=utcnow)
    # The scheduler's own card state (fsrs.Card.to_dict()).
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reviews: Mapped[int] = mapped_column(Integer, default=0)
    last_rating: Mapped[str | None] = mapped_column(String(8), default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
