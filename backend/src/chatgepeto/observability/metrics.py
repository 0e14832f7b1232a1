"""Prometheus metrics of the pipeline (HTTP metrics come from prometheus-flask-exporter)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)

INGESTION_SECONDS = Histogram(
    "chatgepeto_ingestion_seconds",
    "Time to ingest one document, by outcome.",
    ["outcome"],
    buckets=_SECONDS,
)
INGESTED_CHUNKS = Counter("chatgepeto_ingested_chunks_total", "Chunks stored by ingestion.")
INGESTION_JOBS = Counter(
    "chatgepeto_ingestion_jobs_total",
    "Ingestion runs ended, by outcome (ready, failed, crashed, cancelled, superseded…).",
    ["outcome"],
)
INGESTION_SECONDS_PER_PAGE = Histogram(
    "chatgepeto_ingestion_seconds_per_page",
    "Time per page of a document ingested (ready ones), reading, embedding and storing.",
    buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10),
)
RETRIEVAL_SECONDS = Histogram(
    "chatgepeto_retrieval_seconds", "Time to retrieve passages.", ["retriever"], buckets=_SECONDS
)
LLM_SECONDS = Histogram(
    "chatgepeto_llm_seconds", "Time of a whole LLM answer.", ["provider", "model"], buckets=_SECONDS
)
LLM_FIRST_TOKEN_SECONDS = Histogram(
    "chatgepeto_llm_first_token_seconds",
    "Time to the first streamed token.",
    ["provider", "model"],
    buckets=_SECONDS,
)
LLM_TOKENS = Counter(
    "chatgepeto_llm_tokens_total", "LLM tokens used.", ["provider", "model", "kind"]
)
ANSWERS = Counter(
    "chatgepeto_answers_total", "Answers given, by mode and outcome.", ["mode", "outcome"]
)
LLM_BREAKER_OPEN = Gauge(
    "chatgepeto_llm_breaker_open", "1 while a provider's circuit breaker is open.", ["provider"]
)
RATE_LIMITED = Counter(
    "chatgepeto_rate_limited_total", "Requests refused by a rate limit (429).", ["limit"]
)
LEXICAL_INDEX_SECONDS = Histogram(
    "chatgepeto_lexical_index_seconds",
    "Time to have a collection's BM25 index in memory: built from SQL, or loaded as saved.",
    ["source"],
    buckets=_SECONDS,
)
