"""Request and response models of the study tools (quizzes, flashcards, study guides).

The `*Out` models read what the study service returns, ORM rows or pairs of them
(`from_attributes`, `AliasPath` into a pair): each is the one description of its response,
used both to serialise it and for the OpenAPI spec.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from chatgepeto.api.schemas import Citation, Out, Progress, read_off

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


class StudyItemOut(Out):
    """A question, card or topic. A quiz question's `answer` and `explanation` are null until
    the student has submitted an attempt (then in AttemptOut)."""

    id: str
    position: int
    kind: ItemKind
    prompt: str
    answer: str | None
    choices: list[str]
    explanation: str | None
    citations: list[Citation]


class StudySetSummary(Out):
    """A set as listed: its scope, and its build job's status, progress and error."""

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
    progress: Progress
    error: str | None
    error_code: str | None
    job_id: str | None
    items_count: int
    created_at: datetime


class StudySetOut(StudySetSummary):
    items: list[StudyItemOut]

    @model_validator(mode="after")
    def _a_quiz_keeps_its_answers_for_the_attempt(self) -> StudySetOut:
        if self.kind == "quiz":
            for item in self.items:
                item.answer = item.explanation = None
        return self


class StudySetList(Out):
    items: list[StudySetSummary]


class AttemptAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item_id: str = Field(max_length=64)
    answer: Answer


class AttemptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answers: list[AttemptAnswer] = Field(max_length=100)


class AttemptResult(Out):
    """One answer as marked, with the question's right answer, explanation and citations."""

    # Read off a storage.models.MarkedAnswer: the marked answer and its question.

    item_id: str
    given: str
    correct: bool
    answer: str = Field("", validation_alias=read_off("question", "answer"))
    explanation: str = Field("", validation_alias=read_off("question", "explanation"))
    citations: list[Citation] = Field([], validation_alias=read_off("question", "citations"))


class AttemptOut(Out):
    id: str
    set_id: str
    correct: int
    total: int
    score: float = Field(description="correct / total, 0..1.")
    results: list[AttemptResult]
    created_at: datetime


class AttemptList(Out):
    items: list[AttemptOut]


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rating: Rating


class CardOut(Out):
    """A flashcard with the asking student's schedule (`due` null: never reviewed)."""

    # Read off a study.cards.StudentCard: the card's item and the student's schedule or None.

    id: str = Field(validation_alias=read_off("item", "id"))
    set_id: str = Field(validation_alias=read_off("item", "set_id"))
    term: str = Field(validation_alias=read_off("item", "prompt", "term"))
    definition: str = Field(validation_alias=read_off("item", "answer", "definition"))
    citations: list[Citation] = Field(validation_alias=read_off("item", "citations"))
    due: datetime | None = Field(None, validation_alias=read_off("schedule", "due"))
    reviews: int = Field(0, validation_alias=read_off("schedule", "reviews"))
    last_rating: Rating | None = Field(None, validation_alias=read_off("schedule", "last_rating"))


class CardList(Out):
    items: list[CardOut]
    due_now: int = Field(description="Cards due now (never reviewed included).")
