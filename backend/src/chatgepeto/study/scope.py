"""Which part of the material a study set covers, whether it can be used, and its passages."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from chatgepeto.errors import Conflict, InvalidInput
from chatgepeto.storage.lookup import get_or_404, not_found
from chatgepeto.storage.models import Chunk, Collection, Document
from chatgepeto.study.drafts import Passage


class DocumentNotReady(Conflict):
    code = "document_not_ready"


class EmptyRange(InvalidInput):
    code = "empty_range"


class NoText(InvalidInput):
    code = "no_text"


@dataclass(frozen=True)
class Scope:
    """A whole collection, one document, or pages `page_from`..`page_to` of one document."""

    collection_id: str
    document_id: str | None = None
    page_from: int | None = None
    page_to: int | None = None


def check(session: Session, scope: Scope) -> tuple[Collection, Document | None]:
    """The scope's collection and document, or the error a person can act on: NotFound,
    DocumentNotReady (still ingesting, or failed), EmptyRange, NoText."""
    collection = get_or_404(session, Collection, scope.collection_id)
    if scope.document_id is None:
        ready = session.scalar(
            select(func.count())
            .select_from(Document)
            .where(
                Document.collection_id == collection.id,
                Document.status == "ready",
                Document.chunks > 0,
            )
        )
        if not ready:
            raise NoText(
                "This collection has no document with text yet: upload one and wait until it "
                "is ready."
            )
        return collection, None
    document = session.get(Document, scope.document_id)
    if document is None or document.collection_id != collection.id:
        raise not_found("Document", scope.document_id, " in this collection")
    if document.status in ("queued", "running"):
        raise DocumentNotReady(
            f"{document.filename!r} is still being processed; try again when it is ready."
        )
    if document.status != "ready":
        raise DocumentNotReady(
            f"{document.filename!r} could not be processed, so it has no text to study from."
        )
    if not document.chunks:
        raise NoText(f"{document.filename!r} has no text to study from.")
    first, last = scope.page_from, scope.page_to
    if first is not None and last is not None and first > last:
        raise EmptyRange(
            f"The page range {first}–{last} is empty: the first page comes after the last."
        )
    pages = document.pages or 0
    if first is not None and pages and first > pages:
        raise EmptyRange(f"{document.filename!r} has {pages} pages; page {first} is past its end.")
    if (first is not None or last is not None) and not _has_chunks(session, scope):
        raise NoText(f"Pages {_range(scope)} of {document.filename!r} have no text.")
    return collection, document


def passages(session: Session, scope: Scope) -> list[Passage]:
    """The scope's chunks in reading order (documents oldest first, then chunk order)."""
    rows = session.execute(
        _chunks(scope)
        .add_columns(Document.filename)
        .join(Document, Document.id == Chunk.document_id)
        .where(Document.status == "ready")
        .order_by(Document.created_at, Document.id, Chunk.chunk_index)
    ).all()
    return [
        Passage(
            chunk_id=chunk.id,
            document_id=chunk.document_id,
            filename=filename,
            page=chunk.page,
            text=chunk.text,
            language=chunk.language,
            chunk_index=chunk.chunk_index,
        )
        for chunk, filename in rows
    ]


def main_language(items: list[Passage]) -> str:
    """The language most of the text is in."""
    sizes: dict[str, int] = {}
    for passage in items:
        sizes[passage.language] = sizes.get(passage.language, 0) + len(passage.text)
    return max(sizes, key=lambda language: sizes[language]) if sizes else "en"


def _chunks(scope: Scope) -> Select[tuple[Chunk]]:
    stmt = select(Chunk).where(Chunk.collection_id == scope.collection_id)
    if scope.document_id is not None:
        stmt = stmt.where(Chunk.document_id == scope.document_id)
    if scope.page_from is not None:
        stmt = stmt.where(Chunk.page >= scope.page_from)
    if scope.page_to is not None:
        stmt = stmt.where(Chunk.page <= scope.page_to)
    return stmt


def _has_chunks(session: Session, scope: Scope) -> bool:
    return session.scalar(_chunks(scope).with_only_columns(Chunk.id).limit(1)) is not None


def _range(scope: Scope) -> str:
    return f"{scope.page_from or 1}–{scope.page_to or '…'}"
