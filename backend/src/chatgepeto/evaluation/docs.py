"""Evaluate retrieval on real course PDFs with a question set of known answer pages.

Questions are JSON lines: {"id", "question", "lang", "doc", "pages", "cross_language",
"also"?: [{"doc", "pages"}]}. A retrieved passage counts when its (document, page) is one of
the answer's pages. Documents go through the real ingestion pipeline, timed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select

from chatgepeto.evaluation.beir import read_jsonl
from chatgepeto.evaluation.metrics import mrr_at, ndcg_at, recall_at
from chatgepeto.ingestion.filetypes import SUPPORTED_EXTENSIONS
from chatgepeto.ingestion.uploads import register_local_file
from chatgepeto.services import Services
from chatgepeto.storage.db import session_scope
from chatgepeto.storage.models import Collection, Document


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
    with session_scope(svc.sessions) as session:
        collection = session.scalar(select(Collection).where(Collection.name == name))
        if collection is None:
            collection = Collection(name=name)
            session.add(collection)
            session.flush()
        collection_id = collection.id
    timings: dict[str, float] = {}
    for path in paths:
        items, jobs = register_local_file(
            svc.sessions, svc.files, collection_id, path, svc.settings.max_upload_bytes
        )
        started = time.perf_counter()
        for job_id in jobs:
            svc.ingestor.run_job(job_id)
        with svc.sessions() as session:
            document = session.get(Document, items[0]["id"])
            status, error = (document.status, document.error) if document else ("missing", None)
        if status != "ready":
            raise RuntimeError(f"{path.name} was not ingested ({status}): {error}")
        if jobs:
            timings[path.name] = round(time.perf_counter() - started, 2)
        if on_file:
            on_file(path.name, timings.get(path.name, 0.0), "ingested" if jobs else "reused")
    return collection_id, timings


def supported_files(folder: Path) -> list[Path]:
    """The files of `folder` (not recursive) ingestion accepts, by name."""
    return sorted(
        p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUPPORTED_EXTENSIONS
    )


def evaluate_questions(
    svc: Services, collection_id: str, questions_path: Path, retriever: str, k: int = 10
) -> dict[str, Any]:
    questions = list(read_jsonl(questions_path))
    with svc.sessions() as session:
        names = dict(
            session.execute(
                select(Document.id, Document.filename).where(
                    Document.collection_id == collection_id
                )
            ).all()
        )
    groups: dict[str, list[tuple[list[str], dict[str, int]]]] = {"all": []}
    started = time.perf_counter()
    for q in questions:
        relevant = {f"{q['doc']}#{p}": 1 for p in q["pages"]}
        for alt in q.get("also", []):
            relevant.update({f"{alt['doc']}#{p}": 1 for p in alt["pages"]})
        results = svc.retriever.search(collection_id, q["question"], k, retriever)
        # Several passages of one page count once, at the best rank.
        ranked = list(
            dict.fromkeys(f"{names.get(r.document_id, r.filename)}#{r.page}" for r in results)
        )
        run = (ranked, relevant)
        groups["all"].append(run)
        key = "cross_language" if q.get("cross_language") else "same_language"
        groups.setdefault(key, []).append(run)
        groups.setdefault(f"question_{q.get('lang', '?')}", []).append(run)
    seconds = time.perf_counter() - started
    report: dict[str, Any] = {
        "retriever": retriever,
        "embedding_model": svc.settings.embedding_model,
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
