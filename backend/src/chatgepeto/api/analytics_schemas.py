"""Request and response models of the teacher analytics API (api/analytics.py).

The `*Out` models read the analytics package's records (`from_attributes`): each is the one
description of its shape, in the OpenAPI spec and in the answer.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chatgepeto.analytics.report import MAX_LISTED
from chatgepeto.analytics.topics import MAX_TOPIC_QUESTIONS

# The most weeks one look takes in (a year).
MAX_WEEKS = 52


class AnalyticsPath(BaseModel):
    collection_id: str = Field(max_length=64)


class AnalyticsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    weeks: int = Field(
        default=8,
        ge=1,
        le=MAX_WEEKS,
        description="ISO weeks (Monday to Sunday, UTC) to cover, the current one included.",
    )


class ExportQuery(AnalyticsQuery):
    delimiter: Literal["comma", "semicolon"] = Field(
        default="comma",
        description='"semicolon" for Excel in locales whose decimal mark is a comma (pt-BR).',
    )


class WeekOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    week: str = Field(description='ISO week, such as "2026-W49".')
    start: date = Field(description="Its Monday (UTC).")
    questions: int
    unanswered: int
    thumbs_down: int


class TopicOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    phrase: str = Field(description="A key phrase of the questions, as most often written.")
    count: int = Field(
        description="Questions that mention it (case and accents aside), of the newest "
        f"{MAX_TOPIC_QUESTIONS:,}."
    )
    example: str = Field(description="The newest of those questions.")
    last_asked_at: datetime


class UnansweredOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    question: str
    asked_at: datetime
    retrieval_score: float | None
    reason: Literal["not_in_material", "low_score"]


class ThumbsDownOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    question: str
    answer_excerpt: str
    comment: str | None
    asked_at: datetime
    rated_at: datetime


class AnalyticsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    collection_id: str
    timezone: Literal["UTC"] = "UTC"
    since: datetime = Field(description="Monday 00:00 UTC of the first week covered.")
    low_score: float | None = Field(
        description="Answers whose best passage scored below this count as unanswered; null "
        "when the retriever's scores are ranks (FUSION=rrf) and no answer is judged by them."
    )
    questions_total: int
    unanswered_total: int
    thumbs_down_total: int
    weeks: list[WeekOut] = Field(description="Oldest first, every week of the window.")
    topics: list[TopicOut] = Field(description="The most asked first.")
    unanswered: list[UnansweredOut] = Field(description=f"Newest first, at most {MAX_LISTED}.")
    thumbs_down: list[ThumbsDownOut] = Field(
        description=f"Newest rating first, at most {MAX_LISTED}."
    )
