"""Request and response models of the study tools (quizzes, flashcards, study guides).

The `*Out` models read ORM rows (`from_attributes`): each is the one description of its
response, used both to serialise it and for the OpenAPI spec.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from chatgepeto.api.schemas import Citation

StudyKind = Literal["quiz", "flashcards", "guide"]
ItemKind = Literal["mcq", "short", "cloze", "card", "topic"]
JobState = Literal["queued", "running", "ready", "failed"]
Rating = Literal["again", "hard", "good", "easy"]
Answer = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class StudySetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: StudyKind
    collection_id: str = Field(max_length=64)
    document_id: str | None = Field(
        default=None, max_length=64, description="Only this document (else the whole collection)."
    )
    page_from: int | None = Field(default=None, ge=1, le=100_000, description="With document_id.")
    page_to: int | None = Field(default=None, ge=1, le=100_000, description="With document_id.")
    count: int = Field(default=10, ge=1, le=50, description="Questions or cards wanted.")

    @model_validator(mode="after")
    def _pages_need_a_document(self) -> StudySetIn:
        if (self.page_from is not None or self.page_to is not None) and not self.document_id:
            raise ValueError("A page range needs a document_id.")
        return self


class StudySetPath(BaseModel):
    set_id: str = Field(max_length=64)


class StudyItemPath(BaseModel):
    item_id: str = Field(max_length=64)


class StudySetQuery(BaseModel):
    collection_id: str = Field(max_length=64)
    kind: StudyKind | None = None


class StudyItemOut(BaseModel):
    """A question, card or topic. A quiz question's `answer` and `explanation` are null until
    the student has submitted an attempt (then in AttemptOut)."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    position: int
    kind: ItemKind
    prompt: str
    answer: str | None
    choices: list[str]
    explanation: str | None
    citations: list[Citation]


class StudySetSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    kind: StudyKind
    collection_id: str
    document_id: str | None
    page_from: int | None
    page_to: int | None
    title: str
    language: str
    mode: Literal["generated", "extractive"] | None
    requested: int
    status: JobState
    progress: float
    error: str | None
    error_code: str | None
    job_id: str | None
    items_count: int
    created_at: datetime


class StudySetOut(StudySetSummary):
    items: list[StudyItemOut]


class StudySetList(BaseModel):
    items: list[StudySetSummary]


class AttemptAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item_id: str = Field(max_length=64)
    answer: Answer


class AttemptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answers: list[AttemptAnswer] = Field(max_length=100)


class AttemptResult(BaseModel):
    item_id: str
    given: str
    correct: bool
    answer: str
    explanation: str
    citations: list[Citation]


class AttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    set_id: str
    correct: int
    total: int
    score: float = Field(description="correct / total, 0..1.")
    results: list[AttemptResult]
    created_at: datetime


class AttemptList(BaseModel):
    items: list[AttemptOut]


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rating: Rating


class CardOut(BaseModel):
    """A flashcard with the asking student's schedule (`due` null: never reviewed)."""

    id: str
    set_id: str
    term: str
    definition: str
    citations: list[Citation]
    due: datetime | None
    reviews: int
    last_rating: Rating | None


class CardList(BaseModel):
    items: list[CardOut]
    due_now: int = Field(description="Cards due now (never reviewed included).")
