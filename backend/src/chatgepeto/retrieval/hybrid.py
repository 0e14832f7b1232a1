"""Hybrid retrieval: dense (Chroma) and lexical (BM25) fused by reciprocal rank fusion."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from chatgepeto.errors import Unavailable
from chatgepeto.observability.logging import get_logger
from chatgepeto.observability.metrics import RETRIEVAL_SECONDS
from chatgepeto.retrieval.lexical import LexicalIndexCache, analyze_query
from chatgepeto.retrieval.vectorstore import VectorIndex
from chatgepeto.storage.models import Chunk, Collection, Document

log = get_logger(__name__)

RETRIEVERS = ("hybrid", "dense", "bm25")


@dataclass(frozen=True)
class SearchResult:
    chunk_id: str
    document_id: str
    filename: str
    page: int | None
    text: str
    score: float
    start_offset: int = 0
    end_offset: int = 0


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[str]], k: int = 60
) -> list[tuple[str, float]]:
    """Fuse ranked id lists: score(d) = Σ 1 / (k + rank), rank starting at 1."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))


class HybridRetriever:
    """Search one collection with the configured retriever."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        vectors: VectorIndex,
        lexical: LexicalIndexCache,
        *,
        default_mode: str = "hybrid",
        candidate_k: int = 40,
        rrf_k: int = 60,
    ) -> None:
        if default_mode not in RETRIEVERS:
            raise ValueError(f"unknown retriever {default_mode!r}; choose one of {RETRIEVERS}")
        self.sessions = sessions
        self.vectors = vectors
        self.lexical = lexical
        self.default_mode = default_mode
        self.candidate_k = candidate_k
        self.rrf_k = rrf_k

    @property
    def uses_lexical(self) -> bool:
        return self.default_mode in ("hybrid", "bm25")

    def _lexical_loader(self, collection_id: str) -> Callable[[], tuple[list[str], list[str]]]:
        # Called after the version was read: the rows are then at least that version's (a
        # change commits its chunks and the version bump together), never older.
        def load() -> tuple[list[str], list[str]]:
            with self.sessions() as session:
                rows = session.execute(
                    select(Chunk.id, Chunk.terms)
                    .where(Chunk.collection_id == collection_id)
                    .order_by(Chunk.id)
                ).all()
            return [r[0] for r in rows], [r[1] for r in rows]

        return load

    def _lexical_ranking(self, collection_id: str, question: str, k: int) -> list[str]:
        with self.sessions() as session:
            version = session.scalar(
                select(Collection.index_version).where(Collection.id == collection_id)
            )
        if version is None:
            return []
        index = self.lexical.get(collection_id, version, self._lexical_loader(collection_id))
        return [hit.chunk_id for hit in index.search(analyze_query(question), k)]

    def _collection_versions(self) -> dict[str, int]:
        with self.sessions() as session:
            return dict(session.execute(select(Collection.id, Collection.index_version)).all())

    def warm_up_lexical(self) -> int:
        """Have every collection's BM25 index in memory for its current version (loaded if
        saved, else built); the number of collections. Nothing to do without BM25."""
        if not self.uses_lexical:
            return 0
        versions = self._collection_versions()
        self.lexical.prune(versions)
        for collection_id, version in versions.items():
            self.lexical.warm(collection_id, version, self._lexical_loader(collection_id))
        return len(versions)

    def warm_up_dense(self) -> None:
        """Query every collection's vector indexes once: embedded Chroma reads a collection's
        HNSW index from disk at its first query (about 0.5 s at 100k chunks)."""
        if self.default_mode == "bm25":
            return
        for collection_id in self._collection_versions():
            try:
                self.vectors.search(collection_id, "warm up", 1)
            except Exception as exc:  # the vector store down: /api/ready reports it
                log.warning(
                    "dense_warm_up_failed", collection_id=collection_id, error=type(exc).__name__
                )
                return

    def _dense_rankings(self, collection_id: str, question: str, k: int) -> list[list[str]]:
        """One ranking per embedding model."""
        rankings = self.vectors.search(collection_id, question, k)
        return [[hit.chunk_id for hit in hits] for hits in rankings.values()]

    def rank(
        self, collection_id: str, question: str, k: int, mode: str | None = None
    ) -> list[tuple[str, float]]:
        """Ranked (chunk id, score) pairs, best first."""
        mode = mode or self.default_mode
        depth = max(k, self.candidate_k)
        if mode == "bm25":
            ranking = self._lexical_ranking(collection_id, question, depth)
            return reciprocal_rank_fusion([ranking], self.rrf_k)[:k]
        dense = self._dense_rankings(collection_id, question, depth)
        if mode == "dense":
            return reciprocal_rank_fusion(dense, self.rrf_k)[:k]
        lexical = self._lexical_ranking(collection_id, question, depth)
        return reciprocal_rank_fusion([*dense, lexical], self.rrf_k)[:k]

    def search(
        self, collection_id: str, question: str, k: int, mode: str | None = None
    ) -> list[SearchResult]:
        """The top-k passages of the collection for the question, with their sources."""
        started = time.perf_counter()
        mode = mode or self.default_mode
        try:
            ranked = self.rank(collection_id, question, k, mode)
        except Exception as exc:  # a vector store down is the service's state, not a bug
            log.error("retrieval_failed", error=str(exc), retriever=mode)
            raise Unavailable(
                "The search index is unavailable right now; please try again in a moment."
            ) from exc
        ids = [chunk_id for chunk_id, _ in ranked]
        with self.sessions() as session:
            rows = session.execute(
                select(Chunk, Document.filename)
                .join(Document, Document.id == Chunk.document_id)
                .where(Chunk.id.in_(ids), Document.status == "ready")
            ).all()
        by_id = {chunk.id: (chunk, filename) for chunk, filename in rows}
        results = []
        for chunk_id, score in ranked:
            if chunk_id not in by_id:  # a vector whose document is gone or not ready
                continue
            chunk, filename = by_id[chunk_id]
            results.append(
                SearchResult(
                    chunk_id=chunk.id,
                    document_id=chunk.document_id,
                    filename=filename,
                    page=chunk.page,
                    text=chunk.text,
                    score=round(score, 6),
                    start_offset=chunk.start_offset,
                    end_offset=chunk.end_offset,
                )
            )
        RETRIEVAL_SECONDS.labels(retriever=mode).observe(time.perf_counter() - started)
        return results
