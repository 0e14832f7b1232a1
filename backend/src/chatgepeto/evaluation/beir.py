"""Evaluate retrieval on a BEIR-format data set (corpus.jsonl, queries.jsonl, qrels .tsv).

Each corpus document becomes one chunk (title + text), indexed through the same dense and
lexical indexes the service uses, in a collection of its own.
"""

from __future__ import annotations

import csv
import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from chatgepeto.errors import NotFound
from chatgepeto.evaluation.metrics import summarize_splits
from chatgepeto.resources.documents import ChunkedText, TextPiece
from chatgepeto.services import Services


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    with path.open(encoding="utf-8") as fh:
        reader = csv.reader(fh, delimiter="\t")
        for row in reader:
            if not row or row[0] in ("query-id", "query_id"):
                continue
            qrels[row[0]][row[1]] = int(row[2])
    return dict(qrels)


def index_corpus(
    svc: Services, corpus_path: Path, name: str, on_progress: Callable[[int, int], None]
) -> str:
    """Index the corpus into a collection named `name`, once per embedding model; its id."""
    docs = list(read_jsonl(corpus_path))
    texts = [f"{d.get('title', '')}\n{d.get('text', '')}".strip() for d in docs]
    ids = [str(d["_id"]) for d in docs]
    collection_id = _stored_corpus(svc, name) or _store_corpus(svc, corpus_path, name, ids, texts)
    document_id = svc.documents.list(collection_id)[0].id
    # Vectors per model: a model added later is indexed on its own, the others are kept.
    missing = [m for m in svc.vectors.models if svc.vectors.count(collection_id, m) < len(ids)]
    if missing:
        svc.vectors.upsert(
            collection_id,
            ids,
            texts,
            [{"document_id": document_id}] * len(ids),
            batch_size=128,
            on_batch=on_progress,
            models=missing,
        )
    return collection_id


def _stored_corpus(svc: Services, name: str) -> str | None:
    """The id of the collection `name` if it holds a stored corpus, else None (a collection
    left without its document by a run stopped halfway is removed)."""
    try:
        collection = svc.collections.find(name)
    except NotFound:
        return None
    if svc.documents.list(collection.id):
        return collection.id
    svc.collections.delete(collection.id)
    return None


def _store_corpus(
    svc: Services, corpus_path: Path, name: str, ids: list[str], texts: list[str]
) -> str:
    """The collection and its one document with a chunk per corpus entry; the collection's
    id. A run stopped between the two leaves a collection with no document, which
    `index_corpus` removes the next time."""
    # The file's name, not its path: collections are listed by the API.
    collection = svc.collections.create(name, f"BEIR corpus {corpus_path.name}")
    corpus = ChunkedText(
        filename=corpus_path.name,
        sha256=name[:64],
        size_bytes=corpus_path.stat().st_size,
        pieces=[TextPiece(i, None, 0, text) for i, text in zip(ids, texts, strict=True)],
    )
    try:
        svc.documents.add_chunked(collection.id, corpus)
    except BaseException:
        svc.collections.delete(collection.id)
        raise
    return collection.id


def evaluate(
    svc: Services,
    collection_id: str,
    queries_path: Path,
    qrels_path: Path,
    retriever: str,
    on_query: Callable[[], None] | None = None,
) -> dict[str, Any]:
    qrels = read_qrels(qrels_path)
    queries = [q for q in read_jsonl(queries_path) if str(q["_id"]) in qrels]
    started = time.perf_counter()
    runs = []
    for query in queries:
        ranked = svc.retriever.rank(collection_id, query["text"], 100, retriever)
        qid = str(query["_id"])
        runs.append((qid, [chunk_id for chunk_id, _ in ranked], qrels[qid]))
        if on_query:
            on_query()
    seconds = time.perf_counter() - started
    return {
        **summarize_splits(runs),
        "queries": len(queries),
        "seconds": round(seconds, 2),
        "retriever": retriever,
        "embedding_model": svc.settings.embeddings.embedding_model,
    }
