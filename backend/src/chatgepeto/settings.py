"""Typed settings, read from environment variables (and a `.env` file), grouped by concern.

Each group reads the flat variables it owns (CHUNK_SIZE, not INGESTION_CHUNK_SIZE: the names
predate the groups and deployments set them), and `Settings` holds one of each, so CHUNK_SIZE
is `settings.ingestion.chunk_size`. This module is also the one place that reads the process
environment, and that sets the variables some libraries read themselves.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit, urlunsplit

from pydantic import BaseModel, BeforeValidator, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_model_cache_dir() -> Path:
    """$XDG_CACHE_HOME/chatgepeto/models (~/.cache/...): exports serve every DATA_DIR."""
    cache_home = os.environ.get("XDG_CACHE_HOME") or "~/.cache"
    return (Path(cache_home) / "chatgepeto" / "models").expanduser().resolve()


# Variables that libraries read from the environment themselves, not through these settings.
# huggingface_hub and transformers: never reach a hub at run time, and no progress bars (they
# would break the JSON log lines on stderr). Set before a model loads (retrieval/embeddings.py).
HUB_OFFLINE = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
}
# Chroma: our clients are built with telemetry off (retrieval/vectorstore.py). One opened with
# Chroma's defaults in the same process (a test, a shell) must carry the same settings, or
# Chroma refuses it ("already exists ... with different settings"). Set as a client is built.
CHROMA_DEFAULTS = {"ANONYMIZED_TELEMETRY": "False"}


def set_library_environment(variables: Mapping[str, str]) -> None:
    """Give each variable its value, unless the environment sets it already."""
    for name, value in variables.items():
        os.environ.setdefault(name, value)


def _empty_is_none(value: object) -> object:
    return None if value in ("", None) else value


# An optional value: empty (`GROQ_API_KEY=` in a .env) means unset too.
EmptyIsNone = BeforeValidator(_empty_is_none)


class _Group(BaseSettings):
    """One concern's settings, each read from its flat environment variable."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)


class ServerSettings(_Group):
    """How `chatgepeto serve` runs the API: address, gunicorn processes, timeouts, proxies."""

    host: str = "0.0.0.0"
    port: int = 8000
    workers: int = 1
    threads: int = 8
    # `serve` loads the embedding models that survive a fork (all but the ONNX ones, which
    # each worker loads) and the app's modules once, in gunicorn's master, before forking the
    # workers: they share that memory instead of each loading a copy (docs/operations.md,
    # Memory), and a worker gunicorn replaces starts with them. Needs EMBEDDING_THREADS=1.
    preload_models: bool = False
    # Seconds `serve` gives in-flight requests (streamed answers too) after SIGTERM, while
    # refusing new connections; then gunicorn kills what is left. Keep a container's stop
    # grace period (docker/compose.yaml `stop_grace_period`) a few seconds longer.
    graceful_timeout: int = Field(default=30, ge=1)
    # Seconds `serve` keeps an idle keep-alive connection open. It must be longer than the idle
    # timeout of whatever reuses connections in front of it (Node's agent in the web app's /api
    # proxy: 5 s; nginx: 60 s; the ALB: its idle_timeout), or that client may send a request on
    # a connection gunicorn is closing at that very moment (ECONNRESET, a 502).
    keepalive_seconds: int = Field(default=75, ge=1, le=4000)
    # Reverse proxies in front of the API whose X-Forwarded-For/-Proto/-Host are trusted:
    # 0 = none (clients connect directly); 1 behind the ALB or the compose proxy.
    proxy_hops: int = Field(default=0, ge=0, le=5)


class ObservabilitySettings(_Group):
    """Logs of every process and the worker's Prometheus metrics."""

    log_level: str = "INFO"
    log_json: bool = True
    # `chatgepeto worker` serves Prometheus metrics (jobs, seconds per page, queue depth) on
    # this port, at /metrics; 0: none.
    worker_metrics_port: int = Field(default=9101, ge=0, le=65535)
    worker_metrics_host: str = "0.0.0.0"


class AuthSettings(_Group):
    """Who is who: the admin token and the secrets that sign each browser's anonymous id."""

    admin_token: Annotated[SecretStr | None, EmptyIsNone] = None
    # Signs the anonymous id each browser is given in a cookie (api/identity.py), so nobody can
    # pass for another student. Unset: generated on first start and kept in
    # DATA_DIR/session_secret. Every API process must use the same one (SSM in production).
    session_secret: Annotated[SecretStr | None, EmptyIsNone] = None
    # The secret before the last rotation: cookies it signed still count (and are signed again
    # with SESSION_SECRET), so a rotation keeps every student's history. Drop it after a while.
    session_secret_previous: Annotated[SecretStr | None, EmptyIsNone] = None
    # The id cookie's Secure flag: "auto" = when the request came over HTTPS (as the trusted
    # proxies say, PROXY_HOPS), "always", "never".
    cookie_secure: str = Field(default="auto", pattern="^(auto|always|never)$")


class StorageSettings(_Group):
    """Where data is kept: under DATA_DIR by the embedded engines, or in the services that
    several processes share (an SQL database, a Chroma server, S3, Redis)."""

    # Where embedded engines keep their data: SQLite, Chroma, uploaded files, the admin token.
    data_dir: Path = Path("data")
    # SQL database; SQLite under DATA_DIR when empty.
    database_url: str = ""
    # The password of DATABASE_URL's user, kept out of the URL so that the URL is no secret
    # (ECS injects it from SSM on its own); used unless the URL carries a password itself.
    database_password: Annotated[SecretStr | None, EmptyIsNone] = None
    # Chroma server; embedded PersistentClient under DATA_DIR when empty.
    chroma_host: str = ""
    chroma_port: int = 8000
    chroma_ssl: bool = False
    # Original files in this S3 bucket (shared by every process) instead of DATA_DIR/files.
    # Credentials come from the standard AWS chain (environment, profile, task/instance role).
    s3_bucket: str = ""
    s3_prefix: str = "uploads/"
    # An S3-compatible endpoint (MinIO, a local test server); empty for AWS itself.
    s3_endpoint_url: str = ""
    aws_region: str = ""
    # Redis: shared breaker state across workers (more uses arrive with the production topology).
    redis_url: str = ""

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @cached_property
    def sqlalchemy_url(self) -> str:
        """The database URL, SQLite under DATA_DIR unless DATABASE_URL is set."""
        url = self.database_url
        if not url:
            return f"sqlite:///{self.data_dir / 'chatgepeto.sqlite3'}"
        if self.database_password is not None:
            url = _with_password(url, self.database_password.get_secret_value())
        # Heroku-style and plain postgres URLs → the psycopg 3 driver.
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def lexical_dir(self) -> Path:
        """Saved BM25 indexes, one folder per collection and index version."""
        return self.data_dir / "lexical"


class EmbeddingSettings(_Group):
    """Which embedding models index and search the chunks, and how they run."""

    # Comma-separated embedding models, each ranked and fused with BM25: "multilingual"
    # (Universal Sentence Encoder multilingual v3), "minilm" (all-MiniLM-L6-v2), or any
    # sentence-transformers model name or local path. The default is the best measured setting
    # (docs/benchmarks.md).
    embedding_model: str = "multilingual,minilm"
    # Chunks per embedding task: ingestion embeds and stores a document's chunks in slices of
    # this size, one task per slice and model, and reports progress per slice. (How many texts
    # an encoder takes per forward pass is tuned per backend: retrieval/embeddings.py.)
    embedding_batch_size: int = Field(default=32, ge=1, le=4096)
    # How sentence-transformers models (minilm) run: "onnx-int8" (the default: ONNX Runtime
    # with int8 weights, about 2.3x torch's speed at the same SciFact nDCG@10; its vectors
    # differ slightly, so they live in Chroma collections of their own), "onnx" (ONNX Runtime,
    # fp32: torch's vectors, about 1.4x) or "torch" (the weights as shipped). After changing
    # it, `chatgepeto reindex` embeds the documents indexed before. The multilingual encoder
    # is numpy-only and ignores it. Figures: docs/benchmarks.md.
    embedding_backend: str = Field(default="onnx-int8", pattern="^(torch|onnx|onnx-int8)$")
    # Intra-op threads of each encoder (torch, ONNX Runtime, numpy). Parallelism comes from
    # running encoders at once instead: a search runs its models together, and ingestion runs
    # CPUs / EMBEDDING_THREADS embedding tasks at once. 1 was fastest on 2 cores both for
    # search under load and for ingestion (docs/benchmarks.md). 0, the old default, means 1.
    embedding_threads: int = Field(default=1, ge=0, le=256)
    # Tokens of a passage a sentence-transformers model (minilm) reads, 0 for the model's own
    # limit (256 for MiniLM, which was fine-tuned on 128): 224 found the same course pages
    # and SciFact abstracts as 256 (nDCG@10 0.728 against 0.727) for 8 % less of MiniLM's
    # time (docs/benchmarks.md, issue 14). Questions are shorter: only passages change.
    embedding_max_tokens: int = Field(default=224, ge=0, le=8192)
    # Where ONNX exports of the models are kept (exported once, on first use or by
    # `chatgepeto prepare-models`, shared by every data folder); when empty,
    # $XDG_CACHE_HOME/chatgepeto/models (~/.cache/chatgepeto/models).
    model_cache_dir: Annotated[Path | None, EmptyIsNone] = None

    @property
    def embedding_models(self) -> list[str]:
        names = [name.strip() for name in self.embedding_model.split(",") if name.strip()]
        return list(dict.fromkeys(names)) or ["multilingual"]

    @property
    def model_cache_path(self) -> Path:
        """MODEL_CACHE_DIR, or the user's cache folder (exports are the same for every DATA_DIR)."""
        if self.model_cache_dir is None:
            return default_model_cache_dir()
        return self.model_cache_dir.expanduser().resolve()


class RetrievalSettings(_Group):
    """How a question finds passages: the retrievers, how many passages, how lists are fused."""

    retriever: str = Field(default="hybrid", pattern="^(hybrid|dense|bm25)$")
    search_k: int = Field(default=6, ge=1, le=50)
    # Passages each retriever hands to the fusion (100 beat 40 on SciFact: docs/benchmarks.md).
    candidate_k: int = Field(default=100, ge=5, le=500)
    # How far each vector index's HNSW graph is searched for those candidates (Chroma's
    # ef_search; it had 100). At 100 a top-100 list is approximate, and differs from one
    # ingestion of the same files to another (the graph depends on the order vectors arrive
    # in); at 400 it is near exact (recall@100 0.75 → 0.96 on a 10k-vector test) at the same
    # 2 ms a query (docs/benchmarks.md, issue 14). Collections made before take it too.
    hnsw_ef_search: int = Field(default=400, ge=10, le=10000)
    # How the retrievers' lists are fused: "weighted" (a weighted sum of z-normalised
    # scores, the measured best) or "rrf" (reciprocal rank fusion with RRF_K, kept to compare).
    fusion: str = Field(default="weighted", pattern="^(weighted|rrf)$")
    # Weights per retriever ("bm25" and each embedding model) when the question and the
    # passage are both English, and for every other pair; an English-only model (minilm)
    # weighs 0 outside English pairs unless named here. Learnt on the tuning halves of
    # SciFact and the course questions (docs/benchmarks.md, issue 14).
    fusion_weights_english: str = "multilingual=0.3,minilm=1,bm25=1"
    fusion_weights: str = "multilingual=1,bm25=1,minilm=0.2"
    rrf_k: int = Field(default=10, ge=1)
    # The fused top ten ordered again with how much of the question each passage holds (its
    # words weighed by their idf): + this weight × the coverage's z-score, in the fused
    # scores' units. 0 turns it off. Chosen on the tuning halves of the course questions and
    # of SciFact (docs/benchmarks.md, issue 14); hybrid retrieval only (it reads BM25's index).
    coverage_weight: float = Field(default=0.5, ge=0, le=5)
    # A collection's BM25 index is rebuilt in full when the collection changes (an upload, a
    # delete). From this many chunks on, the rebuild runs on a thread while searches keep
    # using the previous index: for those seconds (about 0.5 s per 10k chunks) a new document
    # is found by the embedding models only, and a deleted one's passages are left out as
    # always. Below it, the next search waits for the rebuild (a few tenths of a second), so
    # BM25 sees every change at once. 0: always wait. Figures: docs/benchmarks.md, Scaling.
    bm25_background_rebuild_chunks: int = Field(default=10000, ge=0)

    @field_validator("fusion_weights_english", "fusion_weights")
    @classmethod
    def _weights(cls, value: str) -> str:
        from chatgepeto.retrieval.hybrid import parse_weights

        parse_weights(value)  # raises ValueError with the bad part
        return value

    @property
    def fusion_weight_maps(self) -> tuple[dict[str, float], dict[str, float]]:
        """(weights for English question and passage, weights for every other pair)."""
        from chatgepeto.retrieval.hybrid import parse_weights

        return parse_weights(self.fusion_weights_english), parse_weights(self.fusion_weights)


class IngestionSettings(_Group):
    """How an uploaded document is read and cut into chunks, and the limits its reading runs in."""

    chunk_size: int = Field(default=1000, ge=200, le=8000)
    chunk_overlap: int = Field(default=150, ge=0, le=2000)
    # Every document is read in a parser process within these limits (docs/security.md,
    # "Hostile files"); a file that exceeds one fails with its own error_code. Its address
    # space (RLIMIT_AS) in MB: the process itself takes about 170, the evaluation PDFs at
    # most 190 (95 MB resident).
    parse_memory_mb: int = Field(default=1024, ge=256)
    # CPU seconds reading one document may take (RLIMIT_CPU): Think Python (288 pages) takes 7.
    parse_cpu_seconds: int = Field(default=120, ge=1)
    # Characters of text one document may hold (a 1,000-page book holds about 3 million).
    parse_max_chars: int = Field(default=10_000_000, ge=1000)
    # What a DOCX's parts may add up to once inflated, in MB (checked before inflating).
    parse_max_unpacked_mb: int = Field(default=256, ge=1)


class AnsweringSettings(_Group):
    """The LLM providers that write answers, their budgets and fallbacks, and what answers
    may link to."""

    groq_api_key: Annotated[SecretStr | None, EmptyIsNone] = None
    groq_base_url: Annotated[str | None, EmptyIsNone] = None
    groq_model: str = "llama-3.3-70b-versatile"
    llm_max_tokens: int = Field(default=1024, ge=16, le=8192)
    llm_temperature: float = Field(default=0.1, ge=0, le=2)
    # Fallback providers, tried in order when the one before fails before its first token.
    groq_fallback_model: Annotated[str | None, EmptyIsNone] = None
    openai_base_url: Annotated[str | None, EmptyIsNone] = None
    openai_api_key: Annotated[SecretStr | None, EmptyIsNone] = None
    openai_model: Annotated[str | None, EmptyIsNone] = None
    # Upstream retries (the provider SDK's own: retry-after, backoff with jitter): 3 attempts.
    llm_max_retries: int = Field(default=2, ge=0, le=5)
    # Time one answer may spend on LLM calls, retries and fallbacks included, before the
    # extractive answer takes over.
    llm_budget_seconds: float = Field(default=20.0, gt=0)
    llm_connect_timeout: float = Field(default=5.0, gt=0)
    # A stream silent for this long is cut (the read timeout of every upstream call).
    llm_stream_idle_timeout: float = Field(default=20.0, gt=0)
    # Circuit breaker per provider: open after this many consecutive failures, for this long.
    breaker_fail_max: int = Field(default=5, ge=1)
    breaker_reset_seconds: float = Field(default=30.0, gt=0)
    # Hosts whose links and images may appear in answers (comma-separated; subdomains too).
    link_allowlist: str = ""
    # A comment line on a streamed answer while nothing else is sent, so proxies keep it open.
    stream_keepalive_seconds: float = Field(default=10.0, gt=0)

    @property
    def allowed_link_hosts(self) -> list[str]:
        return [h.strip().lower() for h in self.link_allowlist.split(",") if h.strip()]

    @property
    def llm_enabled(self) -> bool:
        return self.groq_api_key is not None


class JobSettings(_Group):
    """Who runs ingestion jobs, and how crashed or stalled ones are retried."""

    # Who runs ingestion jobs: "rq" (an RQ queue in Redis, run by `chatgepeto worker`
    # processes), "thread" (a thread of the API process), "auto": rq when REDIS_URL is set.
    job_runner: str = Field(default="auto", pattern="^(auto|rq|thread)$")
    # The RQ queue's name.
    job_queue: str = Field(default="ingest", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    # A job that crashes (not a broken file: that fails at once) is retried after these many
    # seconds, one retry per value; empty: no retries.
    job_retry_intervals: str = "10,60,300"
    # A job running longer than this is stopped and retried.
    job_timeout: int = Field(default=3600, ge=10)
    # A process running a job (API thread or worker) beats this often; a job whose runner
    # missed 3 beats (killed, machine gone) is taken up again by any other runner or API
    # process, at its next beat: within 40 s with the default.
    job_heartbeat_seconds: int = Field(default=10, ge=1, le=600)

    @field_validator("job_retry_intervals")
    @classmethod
    def _retry_intervals(cls, value: str) -> str:
        parts = [v.strip() for v in value.split(",") if v.strip()]
        if not all(p.isdigit() for p in parts):
            raise ValueError(f"{value!r} is not a list of seconds like '10,60,300'")
        return ",".join(parts)

    @property
    def retry_intervals(self) -> list[int]:
        return [int(v) for v in self.job_retry_intervals.split(",") if v.strip()]


class LimitSettings(_Group):
    """What one client may send: request bodies, uploads, and questions and uploads per period."""

    max_upload_mb: int = Field(default=50, ge=1)
    max_upload_files: int = Field(default=20, ge=1)
    # Every route but the upload takes a body of at most this many KiB (JSON: a question, a
    # name, feedback); a larger one is refused with 413 before it is read.
    max_json_kb: int = Field(default=64, ge=1, le=10240)
    # Rate limits ("N per second|minute|hour|day"), counted in Redis when REDIS_URL is set
    # (shared by every API process), else in each process's memory.
    ratelimit_enabled: bool = True
    # Questions (POST /api/ask and /api/search together) per user (the signed id cookie, else
    # the client IP), and per client IP whatever cookie it sends.
    ratelimit_ask: str = "30 per minute"
    ratelimit_ask_per_ip: str = "120 per minute"
    # Upload requests (POST /api/collections/{id}/documents) per client IP.
    ratelimit_upload: str = "60 per hour"

    @field_validator("ratelimit_ask", "ratelimit_ask_per_ip", "ratelimit_upload")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a rate limit like '30 per minute'") from exc
        return value

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @property
    def max_json_bytes(self) -> int:
        return self.max_json_kb * 1024


class Settings(BaseModel):
    """Every knob of the service, one group per concern; defaults run everything embedded on
    one machine. What depends on two groups is here: the job runner (JOB_RUNNER, REDIS_URL),
    the secrets kept in DATA_DIR, and the preload check."""

    server: ServerSettings
    observability: ObservabilitySettings
    auth: AuthSettings
    storage: StorageSettings
    embeddings: EmbeddingSettings
    retrieval: RetrievalSettings
    ingestion: IngestionSettings
    answering: AnsweringSettings
    jobs: JobSettings
    limits: LimitSettings

    def __init__(self, /, **values: Any) -> None:
        """Read every group. A keyword argument named as a setting (`chunk_size=500`, any case)
        goes to the group that owns it and wins over the environment; one starting with `_`
        (`_env_file=None`, `_secrets_dir=...`) goes to every group's pydantic-settings sources.
        Other names are ignored, as unknown environment variables are."""
        options = {key: value for key, value in values.items() if key.startswith("_")}
        given: dict[str, dict[str, Any]] = {name: {} for name in _GROUPS}
        for key, value in values.items():
            if (group := _GROUP_OF_FIELD.get(key.lower())) is not None:
                given[group][key] = value
        super().__init__(**{name: cls(**options, **given[name]) for name, cls in _GROUPS.items()})

    @model_validator(mode="after")
    def _preload_single_threaded(self) -> Settings:
        if self.server.preload_models and self.embeddings.embedding_threads > 1:
            # An encoder's intra-op pool started in the master has no threads after the fork:
            # a worker's first call would wait for them forever.
            raise ValueError("PRELOAD_MODELS needs EMBEDDING_THREADS=1 (thread pools do not fork)")
        return self

    @property
    def jobs_on_queue(self) -> bool:
        """Whether ingestion jobs go to the RQ queue (run by `chatgepeto worker`)."""
        if self.jobs.job_runner == "auto":
            return bool(self.storage.redis_url)
        return self.jobs.job_runner == "rq"

    def ensure_admin_token(self) -> tuple[str, bool]:
        """Return the admin token, generating and keeping one in DATA_DIR if unset.

        The second value says whether the token was generated (so start-up can print it).
        """
        if self.auth.admin_token is not None:
            return self.auth.admin_token.get_secret_value(), False
        data_dir = self.storage.data_dir
        path = data_dir / "admin_token"
        if path.exists():
            token = path.read_text().strip()
            if token:
                return token, True
        data_dir.mkdir(parents=True, exist_ok=True)
        token = secrets.token_urlsafe(32)
        path.write_text(token + "\n")
        path.chmod(0o600)
        return token, True

    def ensure_session_secret(self) -> tuple[str, str | None]:
        """The secret that signs user ids and the previous one (or None), generating and
        keeping one in DATA_DIR if SESSION_SECRET is unset."""
        previous = self.auth.session_secret_previous
        previous_value = previous.get_secret_value() if previous is not None else None
        if self.auth.session_secret is not None:
            return self.auth.session_secret.get_secret_value(), previous_value
        data_dir = self.storage.data_dir
        path = data_dir / "session_secret"
        if not path.exists():
            data_dir.mkdir(parents=True, exist_ok=True)
            # Written aside and linked into place: processes starting together all end up
            # with the first one's secret, never with an empty or half-written file.
            draft = path.with_name(f".session_secret.{os.getpid()}.{secrets.token_hex(4)}")
            draft.write_text(secrets.token_urlsafe(48) + "\n")
            draft.chmod(0o600)
            try:
                os.link(draft, path)
            except FileExistsError:
                pass
            finally:
                draft.unlink()
        secret = path.read_text().strip()
        if not secret:
            raise ValueError(f"{path} is empty: delete it to have a new secret generated")
        return secret, previous_value


# Each group of Settings by its attribute name, and the group owning each setting's name.
_GROUPS: dict[str, type[_Group]] = {
    name: field.annotation for name, field in Settings.model_fields.items()
}
_GROUP_OF_FIELD = {field: name for name, cls in _GROUPS.items() for field in cls.model_fields}


def _with_password(url: str, password: str) -> str:
    """`url` with `password` (percent-encoded) for its user, unless it holds a password already."""
    parts = urlsplit(url)
    userinfo, _, host = parts.netloc.rpartition("@")
    if ":" in userinfo:
        return url
    return urlunsplit(parts._replace(netloc=f"{userinfo}:{quote(password, safe='')}@{host}"))
