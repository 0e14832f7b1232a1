"""Benchmark: ingestion time of course PDFs, /api/search and /api/ask latency.

Starts `chatgepeto serve` (gunicorn, gthread) on a free port with a fresh data folder, uploads
the PDFs of --docs through the HTTP API and times each until it is ready, then sends N
sequential search and extractive ask requests (questions from docs_questions.jsonl) and
prints median and p95 latency. The last line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import httpx
from common import percentile, running_server

HERE = Path(__file__).parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=Path, required=True, help="folder of PDFs to ingest")
    parser.add_argument("--questions", type=Path, default=HERE / "docs_questions.jsonl")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--embedding-model", default=None)
    args = parser.parse_args()

    pdfs = sorted(p for p in args.docs.glob("*.pdf"))
    questions = [json.loads(line)["question"] for line in args.questions.open() if line.strip()]
    token = "bench-token"
    env = {"ADMIN_TOKEN": token, "GROQ_API_KEY": ""}
    if args.embedding_model:
        env["EMBEDDING_MODEL"] = args.embedding_model
    with running_server(env) as base:
        report = run(base, token, pdfs, questions, args.requests)
    print(json.dumps(report))


def run(base: str, token: str, pdfs: list[Path], questions: list[str], n: int) -> dict:
    auth = {"Authorization": f"Bearer {token}"}
    client = httpx.Client(base_url=base, timeout=600)
    collection = client.post("/api/collections", json={"name": "bench"}, headers=auth).json()["id"]
    # Wait for the embedding model to be loaded, so ingestion time excludes start-up.
    deadline = time.monotonic() + 120
    while client.get("/api/ready").json()["checks"]["embedding_model"]["status"] != "loaded":
        if time.monotonic() > deadline:
            break
        time.sleep(0.5)
    ingestion: dict[str, dict] = {}
    total_started = time.perf_counter()
    for pdf in pdfs:
        started = time.perf_counter()
        with pdf.open("rb") as fh:
            response = client.post(
                f"/api/collections/{collection}/documents",
                files={"files": (pdf.name, fh, "application/pdf")},
                headers=auth,
            )
        document_id = response.json()["items"][0]["id"]
        while True:
            document = client.get(f"/api/documents/{document_id}").json()
            if document["status"] in ("ready", "failed"):
                break
            time.sleep(0.1)
        ingestion[pdf.name] = {
            "seconds": round(time.perf_counter() - started, 2),
            "pages": document["pages"],
            "chunks": document["chunks"],
            "status": document["status"],
        }
        print(f"ingested {pdf.name}: {ingestion[pdf.name]}", file=sys.stderr)
    total_ingest = time.perf_counter() - total_started

    def timed(path: str, question: str) -> float:
        started = time.perf_counter()
        response = client.post(path, json={"question": question, "collection_id": collection})
        elapsed = (time.perf_counter() - started) * 1000
        response.raise_for_status()
        return elapsed

    for q in questions[:5]:  # warm caches (lexical index, Chroma segments)
        timed("/api/search", q)
    figures = {}
    for path in ("/api/search", "/api/ask"):
        latencies = [timed(path, questions[i % len(questions)]) for i in range(n)]
        figures[path] = {
            "requests": n,
            "median_ms": round(statistics.median(latencies), 1),
            "p95_ms": round(percentile(latencies, 0.95), 1),
            "max_ms": round(max(latencies), 1),
        }
        print(f"{path}: {figures[path]}", file=sys.stderr)
    return {
        "ingestion": ingestion,
        "ingestion_total_seconds": round(total_ingest, 2),
        "latency": figures,
    }


if __name__ == "__main__":
    main()
