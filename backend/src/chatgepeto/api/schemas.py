"""Request and response models of the HTTP API (validation and the OpenAPI spec)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from flask_openapi3 import FileStorage
from pydantic import (
    AfterValidator,
    AliasChoices,
    AliasPath,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)

Question = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
# Times as Python writes them (`2026-12-04T01:20:28.123456+00:00`; SQLite's come back naive).
Timestamp = Annotated[
    datetime,
    PlainSerializer(datetime.isoformat, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
]
# A fraction done, to a tenth of a percent.
Progress = Annotated[float, AfterValidator(lambda value: round(value, 3))]


class Out(BaseModel):
    """A response body: built from the rows and results the application layer returns
    (`Model.model_validate(row)`), and what the OpenAPI spec describes: every field, defaulted
    or not, is always sent, so the spec marks each one required."""

    model_config = ConfigDict(
        from_attributes=True, json_schema_serialization_defaults_required=True
    )


def read_off(owner: str, attribute: str, field: str | None = None) -> AliasChoices:
    """Where a field is read: `owner.attribute` of what the application layer returns (a row
    inside a pair), or the field's own name (`field`, else `attribute`) in a body being
    checked."""
    return AliasChoices(AliasPath(owner, attribute), field or attribute)


class ErrorBody(Out):
    code: str
    message: str
    request_id: str | None = None


class ErrorOut(Out):
    error: ErrorBody


# -- collections ------------------------------------------------------------------------------


class CollectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    description: Annotated[str, StringConstraints(max_length=2000)] = ""


class CollectionPath(BaseModel):
    collection_id: str = Field(max_length=64)


class CollectionOut(Out):
    id: str
    name: str
    description: str
    # A row's `document_count`; `documents` in the body.
    documents: int = Field(validation_alias=AliasChoices("document_count", "documents"))
    created_at: Timestamp


class CollectionList(Out):
    items: list[CollectionOut]


# -- documents and jobs -----------------------------------------------------------------------


class UploadForm(BaseModel):
    files: list[FileStorage]


class DocumentPath(BaseModel):
    document_id: str = Field(max_length=64)


class DocumentOut(Out):
    id: str
    collection_id: str
    filename: str
    content_type: str
    size_bytes: int
    pages: int | None
    chunks: int
    status: Literal["queued", "running", "ready", "failed"]
    progress: Progress
    error: str | None
    error_code: str | None
    created_at: Timestamp


class DocumentList(Out):
    items: list[DocumentOut]


# The most documents one listing can be asked for by id (`?ids=a&ids=b`).
MAX_DOCUMENT_IDS = 100


class DocumentListQuery(BaseModel):
    # Only these documents (those still being processed, for a page that follows them); ids
    # not in the collection are left out of the answer. Omitted: the whole collection.
    ids: list[Annotated[str, StringConstraints(max_length=64)]] | None = Field(
        default=None, max_length=MAX_DOCUMENT_IDS
    )


class UploadItem(Out):
    # Read off an ingestion.uploads.Registered: the document, its job, whether a duplicate.
    id: str = Field(validation_alias=read_off("document", "id"))
    filename: str = Field(validation_alias=read_off("document", "filename"))
    status: str = Field(validation_alias=read_off("document", "status"))
    job_id: str | None
    duplicate: bool = False


class UploadOut(Out):
    items: list[UploadItem]


class JobPath(BaseModel):
    job_id: str = Field(max_length=64)


JobStatus = Literal["queued", "running", "ready", "failed"]


class JobOut(Out):
    id: str
    status: JobStatus
    progress: Progress
    error: str | None
    error_code: str | None
    document_id: str | None
    # Runs started so far (a crashed run is retried; while a retry waits the job is `queued`,
    # with the error of the last run).
    attempts: int
    created_at: Timestamp
    started_at: Timestamp | None
    finished_at: Timestamp | None


class JobQuery(BaseModel):
    status: JobStatus | None = None
    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, max_length=200)


class JobListItem(JobOut):
    # The job's document's (none for a study set's job).
    filename: str | None
    collection_id: str | None


class JobList(Out):
    items: list[JobListItem]
    next_cursor: str | None


# -- search and ask ---------------------------------------------------------------------------


class SearchIn(BaseModel):
    question: Question
    collection_id: str = Field(max_length=64)
    k: int = Field(default=6, ge=1, le=50)


class SearchHit(Out):
    chunk_id: str
    document_id: str
    filename: str
    page: int | None
    text: str
    score: float


class SearchOut(Out):
    results: list[SearchHit]


class AskIn(BaseModel):
    question: Question
    collection_id: str = Field(max_length=64)
    conversation_id: str | None = Field(
        default=None,
        max_length=64,
        description="One of the asking student's conversations (the id cookie's); omitted: "
        "a new one. Anybody else's is a 404.",
    )
    tutor: bool = Field(
        default=False,
        description="Tutor mode: a hint and a guiding question instead of the answer (the "
        "full answer: ask the same question again with `tutor` false, in the same "
        "conversation).",
    )
    # No `user_id`: the student is the signed id cookie. Older clients' `user_id` is ignored.


class Citation(Out):
    id: int
    document_id: str
    filename: str
    page: int | None
    quote: str
    chunk_id: str | None = None


class Usage(Out):
    input_tokens: int | None = None
    output_tokens: int | None = None


class AskOut(Out):
    answer: str
    citations: list[Citation]
    conversation_id: str
    message_id: str
    mode: Literal["generated", "extractive"]
    provider: str | None = None
    model: str | None = None
    fallback: bool = False
    incomplete: bool = False
    tutor: bool = Field(
        default=False, description="A tutor's hint and guiding question, not the full answer."
    )
    latency_ms: float | None = None
    first_token_ms: float | None = None
    usage: Usage | None = None


# -- conversations ----------------------------------------------------------------------------


class ConversationQuery(BaseModel):
    user_id: str | None = Field(
        default=None,
        max_length=200,
        description="With the admin token only: that student's conversations. Without it, a "
        "student always gets their own (the id cookie's) and this is ignored.",
    )
    collection_id: str | None = Field(default=None, max_length=64)
    q: str | None = Field(default=None, max_length=200)
    from_: datetime | None = Field(default=None, alias="from")
    to: datetime | None = None
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=200)


class ConversationPath(BaseModel):
    conversation_id: str = Field(max_length=64)


class ConversationSummary(Out):
    id: str
    collection_id: str
    user_id: str | None
    title: str
    created_at: Timestamp
    updated_at: Timestamp


class ConversationList(Out):
    items: list[ConversationSummary]
    next_cursor: str | None


class MessageOut(Out):
    id: str
    role: Literal["user", "assistant"]
    content: str
    mode: Literal["generated", "extractive"] | None
    citations: Annotated[list[Citation], BeforeValidator(lambda value: value or [])]
    provider: str | None
    model: str | None
    # A fallback provider or model answered (the view tells, from the configured chain).
    fallback: bool = False
    incomplete: bool
    tutor: bool = Field(
        default=False, description="A tutor's hint and guiding question, not the full answer."
    )
    latency_ms: float | None
    first_token_ms: float | None
    usage: Usage
    created_at: Timestamp


class ConversationOut(ConversationSummary):
    messages: list[MessageOut]


class ChunkPath(BaseModel):
    chunk_id: str = Field(max_length=64)


class ChunkOut(Out):
    id: str
    document_id: str
    filename: str
    page: int | None
    text: str
    before: str | None
    after: str | None


class ClientConfig(Out):
    max_upload_mb: int
    max_upload_files: int
    supported_extensions: list[str]
    generation: bool


class MessagePath(BaseModel):
    message_id: str = Field(max_length=64)


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rating: Literal["up", "down"]
    comment: Annotated[str, StringConstraints(max_length=2000)] | None = None
