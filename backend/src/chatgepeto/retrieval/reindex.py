"""Fill the dense indexes of the configured models from the chunks kept in SQL.

SQL holds every chunk's text (the source of truth); each embedding model keeps its vectors
in a Chroma collection of its own (`cg-{collection_id}-{model slug}`). A model added to
EMBEDDING_MODEL, or a backend whose vectors differ (EMBEDDING_BACKEND=onnx-int8 →
`minilm-int8`), starts with empty collections: `reindex()` embeds the chunks missing from
them, so old documents keep their dense ranking. Collections already complete cost one id
listing each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from chatgepeto.retrieval.vectorstore import VectorIndex, chunk_metadata
from chatgepeto.storage.models import Chunk, Collection, Document

_PAGE = 1000


class ChunkStores(Protocol):
    """What reindexing reads (the chunks, in SQL) and writes (the vectors). The application's
    `services.Services` has both; so may anything else that holds the two."""

    sessions: sessionmaker[Session]
    vectors: VectorIndex


@dataclass(frozen=True)
class ReindexResult:
    collection_id: str
    model: str
    chunks: int
    missing: int
    embedded: int


def reindex(
    stores: ChunkStores,
    collection_id: str | None = None,
    *,
    batch_size: int | None = None,
    on_progress: Callable[[str, str, int, int], None] | None = None,
) -> list[ReindexResult]:
    """Embed, with every configured model, the chunks its vector collection lacks.

    For one collection, or every collection when `collection_id` is None. Chunks are those of
    documents that finished ingestion (SQL); vectors of other ids are left alone (a document
    being ingested writes its vectors before its chunks). `on_progress(collection_id, model,
    done, total)` follows the embedding, `batch_size` chunks per task (by default the vector
    index's EMBEDDING_BATCH_SIZE). Safe to run again: complete collections are skipped, and an
    interrupted run resumes where it stopped.
    """
    sessions, vectors = stores.sessions, stores.vectors
    if collection_id is None:
        with sessions() as session:
            collection_ids = list(session.scalars(select(Collection.id).order_by(Collection.id)))
    else:
        collection_ids = [collection_id]
    results: list[ReindexResult] = []
    for cid in collection_ids:
        with sessions() as session:
            chunk_ids = list(
                session.scalars(
                    select(Chunk.id)
                    .where(Chunk.collection_id == cid)
                    .order_by(Chunk.document_id, Chunk.chunk_index)
                )
            )
        for model in vectors.models:
            present = _vector_ids(vectors, cid, model) if chunk_ids else set()
            missing = [chunk_id for chunk_id in chunk_ids if chunk_id not in present]
            embedded = 0
            for start in range(0, len(missing), _PAGE):
                page = missing[start : start + _PAGE]
                ids, texts, metadatas = _chunk_records(sessions, page)
                vectors.upsert(
                    cid,
                    ids,
                    texts,
                    metadatas,
                    batch_size=batch_size,
                    on_batch=_progress(on_progress, cid, model, embedded, len(missing)),
                    models=[model],
                )
                embedded += len(ids)
            results.append(ReindexResult(cid, model, len(chunk_ids), len(missing), embedded))
    return results


def _progress(
    report: Callable[[str, str, int, int], None] | None,
    collection_id: str,
    model: str,
    offset: int,
    total: int,
) -> Callable[[int, int], None] | None:
    """An upsert's (done, total) of one page as (collection, model, done, total) overall."""
    if report is None:
        return None
    return lambda done, _page_total: report(collection_id, model, offset + done, total)


def _vector_ids(vectors: VectorIndex, collection_id: str, model: str) -> set[str]:
    """The ids the model's vector collection holds (created empty if missing)."""
    # Through the index first: it creates the collection with its configuration (cosine).
    total = vectors.count(collection_id, model)
    collection = vectors.client.get_collection(vectors.collection_name(collection_id, model))
    ids: set[str] = set()
    for offset in range(0, total, 5000):
        ids.update(collection.get(include=[], limit=5000, offset=offset)["ids"])
    return ids


def _chunk_records(
    sessions: sessionmaker[Session], chunk_ids: list[str]
) -> tuple[list[str], list[str], list[dict[str, Any]]]:
    """Ids, texts and the Chroma metadata ingestion writes (ingestion/pipeline.py)."""
    with sessions() as session:
        rows = session.execute(
            select(
                Chunk.id,
                Chunk.text,
                Chunk.document_id,
                Chunk.page,
                Chunk.chunk_index,
                Document.filename,
            )
            .join(Document, Document.id == Chunk.document_id)
            .where(Chunk.id.in_(chunk_ids))
        ).all()
    by_id = {row.id: row for row in rows}
    ordered = [by_id[chunk_id] for chunk_id in chunk_ids if chunk_id in by_id]
    return (
        [row.id for row in ordered],
        [row.text for row in ordered],
        [chunk_metadata(r.document_id, r.filename, r.page, r.chunk_index) for r in ordered],
    )
