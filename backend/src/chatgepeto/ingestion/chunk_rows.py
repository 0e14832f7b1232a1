"""A document's chunks as SQL rows, with their language, BM25 terms and whether they are a
reference list: the one place chunks are written.

Ingestion writes them at the end of a run (ingestion/pipeline.py); the evaluation and benchmark
corpora, which have no file to read, write theirs through the same function. Either way the
collection's `index_version` is bumped in the same transaction, so that every process drops
its in-memory BM25 index of the collection (retrieval/lexical.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session

from chatgepeto.ingestion.chunking import ChunkRecord
from chatgepeto.ingestion.references import is_reference_list
from chatgepeto.ingestion.text import detect_language
from chatgepeto.retrieval.lexical import analyze
from chatgepeto.storage.models import Chunk
from chatgepeto.storage.versions import bump_index_version


class ChunkFields(NamedTuple):
    """What is worked out from a chunk's text and stored with it."""

    language: str
    terms: str  # BM25 terms, space-separated
    reference_list: bool


def chunk_fields(text: str) -> ChunkFields:
    """A chunk's language, its BM25 terms and whether it reads as a reference list."""
    language = detect_language(text)
    return ChunkFields(language, " ".join(analyze(text, language)), is_reference_list(text))


def store_chunks(
    session: Session,
    records: Sequence[ChunkRecord],
    fields: Sequence[ChunkFields] | None = None,
) -> None:
    """Make `records` (one document's chunks, at least one) that document's chunks in SQL, in
    the caller's transaction: earlier ones removed, the collection's index marked changed.

    `fields` holds each record's `ChunkFields` when the caller worked them out already
    (ingestion does, while the encoders run); else they are worked out here.
    """
    document_id, collection_id = records[0].document_id, records[0].collection_id
    if fields is None:
        fields = [chunk_fields(r.text) for r in records]
    session.execute(delete(Chunk).where(Chunk.document_id == document_id))
    session.execute(
        insert(Chunk),
        [
            {
                "id": r.id,
                "document_id": r.document_id,
                "collection_id": r.collection_id,
                "chunk_index": r.chunk_index,
                "page": r.page,
                "start_offset": r.start_offset,
                "end_offset": r.end_offset,
                "text": r.text,
                "language": f.language,
                "terms": f.terms,
                "reference_list": f.reference_list,
            }
            for r, f in zip(records, fields, strict=True)
        ],
    )
    bump_index_version(session, collection_id)
