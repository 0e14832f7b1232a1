"""Evaluate retrieval on real course PDFs with a question set of known answer pages.

Questions: the course question set (`evaluation/questions.py`), answerable ones only. A
retrieved passage counts when its (document, page) is one of the answer's pages. Documents go
through the real ingestion pipeline, timed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from chatgepeto.evaluation.metrics import mrr_at, ndcg_at, recall_at
from chatgepeto.evaluation.questions import read_questions
from chatgepeto.services import Services


def ingest_files(
    svc: Services,
    paths: Sequence[Path],
    name: str,
    on_file: Callable[[str, float, str], None] | None = None,
) -> tuple[str, dict[str, float]]:
    """Ingest `paths` through the real ingestion path into collection `name` (made if new).

    Returns the collection id and the seconds each newly ingested file took; `on_file(name,
    seconds, "ingested" | "reused")` follows. A file whose ingestion fails raises
    RuntimeError: its questions could not be scored.
    """
    collection_id = svc.collections.find(name, create=True).id
    timings: dict[str, float] = {}
    for path in paths:
        started = time.perf_counter()
        document, new = svc.documents.ingest_local(collection_id, path)
        if document.status != "ready":
            raise RuntimeError(
                f"{path.name} was not ingested ({document.status}): {document.error}"
            )
        if new:
            timings[path.name] = round(time.perf_counter() - started, 2)
        if on_file:
            on_file(path.name, timings.get(path.name, 0.0), "ingested" if new else "reused")
    return collection_id, timings


def evaluate_questions(
    svc: Services, collection_id: str, questions_path: Path, retriever: str, k: int = 10
) -> dict[str, Any]:
    questions = [q for q in read_questions(questions_path) if not q.unanswerable]
    names = {d.id: d.filename for d in svc.documents.list(collection_id)}
    groups: dict[str, list[tuple[list[str], dict[str, int]]]] = {"all": []}
    started = time.perf_counter()
    for q in questions:
        relevant = {f"{document}#{page}": 1 for document, page in q.expected}
        results = svc.retriever.search(collection_id, q.question, k, retriever)
        # Several passages of one page count once, at the best rank.
        ranked = list(
            dict.fromkeys(f"{names.get(r.document_id, r.filename)}#{r.page}" for r in results)
        )
        run = (ranked, relevant)
        groups["all"].append(run)
        key = "cross_language" if q.cross_language else "same_language"
        groups.setdefault(key, []).append(run)
        groups.setdefault(f"question_{q.language}", []).append(run)
        if q.split:
            groups.setdefault(f"split_{q.split}", []).append(run)
    seconds = time.perf_counter() - started
    report: dict[str, Any] = {
        "retriever": retriever,
        "embedding_model": svc.settings.embeddings.embedding_model,
    }
    for name, runs in groups.items():
        n = len(runs) or 1
        report[name] = {
            "questions": len(runs),
            "hit@1": round(sum(recall_at(r, j, 1) > 0 for r, j in runs) / n, 4),
            "hit@5": round(sum(recall_at(r, j, 5) > 0 for r, j in runs) / n, 4),
            "mrr@10": round(sum(mrr_at(r, j, 10) for r, j in runs) / n, 4),
            "ndcg@10": round(sum(ndcg_at(r, j, 10) for r, j in runs) / n, 4),
        }
    report["seconds"] = round(seconds, 2)
    return report
