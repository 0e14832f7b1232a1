"""Hybrid retrieval: dense (Chroma, one ranking per embedding model) and lexical (BM25),
fused by a weighted sum of normalised scores (or reciprocal rank fusion, for comparison).

Why weighted scores (docs/benchmarks.md, issue 14): a rank says nothing about how far ahead
the first passage is; a score does. Each retriever's scores are z-normalised over its own
candidates (a passage missing from one retriever's list gets that list's lowest score) and
summed with per-retriever weights. The weights depend on the languages of the question and
of the passage: an English-only model (MiniLM) is weighed fully only when both are English
(the multilingual encoder then weighs less), and little for every other pair, where it still
recognises the English technical terms of Portuguese material ("perceptron", "SVM").

The fused top ten are then ordered again with how much of the question each holds (its
words weighed by their idf, `Bm25Index.coverage`): of two near-tied passages, the one with
more of the question's rarer words comes first (course page recall@1 0.547 → 0.587).

Passages that are entries of a reference list (ingestion/references.py) come after every
other passage, or before them when the question asks for references.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from chatgepeto.errors import Unavailable
from chatgepeto.ingestion.references import asks_for_references
from chatgepeto.ingestion.text import detect_language
from chatgepeto.observability.logging import get_logger
from chatgepeto.observability.metrics import RETRIEVAL_SECONDS
from chatgepeto.retrieval.embeddings import ENGLISH_ONLY, slug_model
from chatgepeto.retrieval.lexical import (
    Bm25Index,
    LexicalIndexCache,
    analyze_query,
    query_words,
)
from chatgepeto.retrieval.vectorstore import VectorIndex
from chatgepeto.storage.models import Chunk, Collection, Document

log = get_logger(__name__)

RETRIEVERS = ("hybrid", "dense", "bm25")
FUSIONS = ("weighted", "rrf")
BM25 = "bm25"
# search() ranks k × this many passages, then puts each page's best passage first.
PAGE_SPREAD_DEPTH = 3
# The fused passages ordered again with their coverage of the question (`weigh_coverage`).
COVERAGE_DEPTH = 10


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


def parse_weights(spec: str) -> dict[str, float]:
    """ "multilingual=1,minilm=0.5,bm25=1" -> {"multilingual": 1.0, ...}; ValueError if bad."""
    weights: dict[str, float] = {}
    for part in spec.split(","):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        try:
            weight = float(value)
        except ValueError:
            weight = math.nan
        if not sep or not name.strip() or not math.isfinite(weight) or weight < 0:
            raise ValueError(f"{part.strip()!r}: expected name=weight with a weight of 0 or more")
        weights[name.strip().lower()] = weight
    return weights


@dataclass(frozen=True)
class FusionWeights:
    """Per-retriever weights ("bm25" and each embedding model's name): `english` when the
    question and the passage are both English, `other` for every other pair. A retriever not
    named weighs 1, except an English-only model outside English pairs, which weighs 0 unless
    `other` names it."""

    english: Mapping[str, float] = field(default_factory=dict)
    other: Mapping[str, float] = field(default_factory=dict)

    def weight(self, retriever: str, question_language: str, passage_language: str) -> float:
        retriever = slug_model(retriever)
        english = question_language == "en" and passage_language == "en"
        weights = self.english if english else self.other
        if retriever in weights:
            return weights[retriever]
        # Alone, MiniLM finds 0.17 of the Portuguese questions' pages at rank 1 against the
        # multilingual encoder's 0.43: unweighted, it would add more noise than signal.
        return 0.0 if retriever in ENGLISH_ONLY and not english else 1.0


Scored = Sequence[tuple[str, float]]  # (chunk id, score: higher is better), best first


def mean_and_spread(values: Sequence[float]) -> tuple[float, float]:
    """The mean and standard deviation (population) of `values`, which are not empty."""
    mean = sum(values) / len(values)
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))


def weighted_fusion(
    lists: Mapping[str, Scored],
    weights: FusionWeights,
    question_language: str,
    languages: Mapping[str, str],
) -> list[tuple[str, float]]:
    """Fuse each retriever's scored list: Σ weight × z-score, best first.

    A list's scores are z-normalised by its own mean and spread; a passage a list does not
    hold gets that list's lowest score (measured: as good as fetching its true score).
    `languages`: each passage's language ("en" when unknown).
    """
    stats: dict[str, tuple[float, dict[str, float]]] = {}
    for name, scored in lists.items():
        if not scored:
            continue
        values = [score for _, score in scored]
        mean, spread = mean_and_spread(values)
        spread = spread or 1.0
        floor = (min(values) - mean) / spread
        stats[name] = (floor, {cid: (score - mean) / spread for cid, score in scored})
    fused = dict.fromkeys((cid for _, z in stats.values() for cid in z), 0.0)
    for chunk_id in fused:
        language = languages.get(chunk_id, "en")
        total = 0.0
        for name, (floor, z) in stats.items():
            weight = weights.weight(name, question_language, language)
            if weight:
                total += weight * z.get(chunk_id, floor)
        fused[chunk_id] = total
    return sorted(fused.items(), key=lambda pair: (-pair[1], pair[0]))


def weigh_coverage(
    ranked: Sequence[tuple[str, float]], coverage: Sequence[float], weight: float
) -> list[tuple[str, float]]:
    """`ranked` with its first `len(coverage)` passages' scores raised or lowered by their
    coverage of the question, then sorted again: + weight × the z-score of the coverage among
    them, in units of their scores' own spread (so that the weight means the same whatever
    the fusion's scale), as `z(score) + weight × z(coverage)` would order them.

    Measured on the course questions (docs/benchmarks.md, issue 14): the right page is often
    a near tie with its neighbour in the fused list, and the passage that holds more of the
    question's rarer words is the better bet; page recall@1 0.547 → 0.587 at weight 0.5."""
    top = list(ranked[: len(coverage)])
    cover = list(coverage[: len(top)])
    if len(top) < 2 or not weight:
        return list(ranked)
    _, spread = mean_and_spread([score for _, score in top])
    cover_mean, cover_spread = mean_and_spread(cover)
    if not spread or not cover_spread:
        return list(ranked)
    scale = weight * spread / cover_spread
    moved = [(cid, s + scale * (c - cover_mean)) for (cid, s), c in zip(top, cover, strict=True)]
    return sorted([*moved, *ranked[len(top) :]], key=lambda pair: (-pair[1], pair[0]))


def place_reference_lists(
    ranked: Sequence[tuple[str, float]], reference_lists: set[str], question: str
) -> list[tuple[str, float]]:
    """`ranked` with the passages of reference lists after all others, or before them when
    the question asks for references (each part keeps its order).

    A bibliography's titles resemble many questions and answer none: the BIO312 handout's
    was the first passage for 10 of the 172 course questions (docs/benchmarks.md). A student
    who asks for the references ("quais referências sobre modularidade?") wants its entries,
    which the ranking alone put 7th and 10th for that question."""
    if not reference_lists:
        return list(ranked)
    prose = [pair for pair in ranked if pair[0] not in reference_lists]
    entries = [pair for pair in ranked if pair[0] in reference_lists]
    return entries + prose if asks_for_references(question) else prose + entries


def spread_pages(results: Sequence[SearchResult]) -> list[SearchResult]:
    """The best passage of each page first, in rank order, then the other passages.

    Five passages of one page leave no room for the page that holds the answer; one passage
    per page first raised course-PDF page recall@5 (docs/benchmarks.md)."""
    seen: set[tuple[str, int | None]] = set()
    first: list[SearchResult] = []
    rest: list[SearchResult] = []
    for result in results:
        place = (result.document_id, result.page)
        (rest if place in seen and result.page is not None else first).append(result)
        seen.add(place)
    return first + rest


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
        fusion: str = "weighted",
        weights: FusionWeights | None = None,
        coverage_weight: float = 0.0,
    ) -> None:
        if default_mode not in RETRIEVERS:
            raise ValueError(f"unknown retriever {default_mode!r}; choose one of {RETRIEVERS}")
        if fusion not in FUSIONS:
            raise ValueError(f"unknown fusion {fusion!r}; choose one of {FUSIONS}")
        self.sessions = sessions
        self.vectors = vectors
        self.lexical = lexical
        self.default_mode = default_mode
        self.candidate_k = candidate_k
        self.rrf_k = rrf_k
        self.fusion = fusion
        self.weights = weights or FusionWeights()
        self.coverage_weight = coverage_weight

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

    def _lexical_index(self, collection_id: str) -> Bm25Index | None:
        """The collection's BM25 index at its current version; None for no collection."""
        with self.sessions() as session:
            version = session.scalar(
                select(Collection.index_version).where(Collection.id == collection_id)
            )
        if version is None:
            return None
        return self.lexical.get(collection_id, version, self._lexical_loader(collection_id))

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

    def _dense_rankings(
        self, collection_id: str, question: str, k: int
    ) -> dict[str, list[tuple[str, float]]]:
        """One scored list per embedding model (cosine similarity, best first)."""
        rankings = self.vectors.search(collection_id, question, k)
        return {
            model: [(hit.chunk_id, 1.0 - hit.distance) for hit in hits]
            for model, hits in rankings.items()
        }

    def _candidates(self, chunk_ids: set[str]) -> tuple[dict[str, str], set[str]]:
        """The candidates' languages, and which of them are reference lists: one read."""
        if not chunk_ids:
            return {}, set()
        with self.sessions() as session:
            rows = session.execute(
                select(Chunk.id, Chunk.language, Chunk.reference_list).where(
                    Chunk.id.in_(chunk_ids)
                )
            ).all()
        return {id_: language for id_, language, _ in rows}, {id_ for id_, _, ref in rows if ref}

    def _fuse(
        self, lists: dict[str, list[tuple[str, float]]], question: str, languages: dict[str, str]
    ) -> list[tuple[str, float]]:
        if self.fusion == "rrf":
            return reciprocal_rank_fusion(
                [[cid for cid, _ in scored] for scored in lists.values()], self.rrf_k
            )
        return weighted_fusion(lists, self.weights, detect_language(question), languages)

    def rank(
        self, collection_id: str, question: str, k: int, mode: str | None = None
    ) -> list[tuple[str, float]]:
        """Ranked (chunk id, score) pairs, best first."""
        mode = mode or self.default_mode
        depth = max(k, self.candidate_k)
        lists = {} if mode == "bm25" else self._dense_rankings(collection_id, question, depth)
        index = None if mode == "dense" else self._lexical_index(collection_id)
        if mode != "dense":
            hits = index.search(analyze_query(question), depth) if index is not None else []
            lists[BM25] = [(hit.chunk_id, hit.score) for hit in hits]
        languages, reference_lists = self._candidates(
            {cid for scored in lists.values() for cid, _ in scored}
        )
        ranked = lists[BM25] if mode == "bm25" else self._fuse(lists, question, languages)
        if mode == "hybrid" and index is not None and self.coverage_weight:
            top = [chunk_id for chunk_id, _ in ranked[:COVERAGE_DEPTH]]
            coverage = index.coverage(query_words(question), top)
            ranked = weigh_coverage(ranked, coverage, self.coverage_weight)
        return place_reference_lists(ranked, reference_lists, question)[:k]

    def search(
        self, collection_id: str, question: str, k: int, mode: str | None = None
    ) -> list[SearchResult]:
        """The top-k passages of the collection for the question, with their sources."""
        started = time.perf_counter()
        mode = mode or self.default_mode
        try:
            # Deeper than k, so that spreading the passages over pages has pages to take.
            ranked = self.rank(collection_id, question, k * PAGE_SPREAD_DEPTH, mode)
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
        return spread_pages(results)[:k]
