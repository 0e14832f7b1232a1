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
from chatgepeto.ingestion.chunk_rows import store_chunks
from chatgepeto.ingestion.chunking import ChunkRecord
from chatgepeto.services import Services
from chatgepeto.storage.db import session_scope
from chatgepeto.storage.models import Collection, Document


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
    try:
        collection_id = svc.collections.find(name).id
    except NotFound:
        collection_id = _store_corpus(svc, corpus_path, name, ids, texts)
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


def _store_corpus(
    svc: Services, corpus_path: Path, name: str, ids: list[str], texts: list[str]
) -> str:
    """The collection, its one document and its chunks, in one transaction (a run stopped
    halfway leaves no collection to be mistaken for a stored corpus); the collection's id."""
    with session_scope(svc.sessions) as session:
        # The file's name, not its path: collections are listed by the API.
        collection = Collection(name=name, description=f"BEIR corpus {corpus_path.name}")
        session.add(collection)
        session.flush()
        document = Document(
            collection_id=collection.id,
            filename=corpus_path.name,
            content_type="text/plain",
            size_bytes=corpus_path.stat().st_size,
            sha256=name[:64],
            storage_key="",
            status="ready",
            progress=1.0,
            chunks=len(ids),
        )
        session.add(document)
        session.flush()
        store_chunks(
            session,
            [
                ChunkRecord(
                    id=doc_id,
                    document_id=document.id,
                    collection_id=collection.id,
                    filename=corpus_path.name,
                    page=None,
                    chunk_index=i,
                    start_offset=0,
                    end_offset=len(text),
                    text=text,
                )
                for i, (doc_id, text) in enumerate(zip(ids, texts, strict=True))
            ],
        )
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
