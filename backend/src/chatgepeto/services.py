"""The service container: every engine built once from settings and passed in.

Nothing here touches the network or loads a model at import time; the embedding models
load on first use, or when `warm_up()` is called at start-up (`serve` has it build the BM25
indexes and open the vector indexes too).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial

from langchain_core.embeddings import Embeddings
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from chatgepeto.answering.providers import ProviderChain, make_provider_chain
from chatgepeto.answering.service import Answerer
from chatgepeto.ingestion.jobs import STUDY, InProcessJobRunner, JobRunner
from chatgepeto.ingestion.pipeline import Ingestor
from chatgepeto.ingestion.reader_process import ParseLimits
from chatgepeto.observability.logging import get_logger
from chatgepeto.resources.collections import Collections
from chatgepeto.resources.conversations import Conversations
from chatgepeto.resources.documents import Documents, UploadLimits
from chatgepeto.resources.jobs import JobBoard
from chatgepeto.retrieval.embeddings import (
    MULTILINGUAL,
    TORCH,
    available_cpus,
    canonical_name,
    effective_backend,
    make_embeddings,
    model_slug,
)
from chatgepeto.retrieval.hybrid import FusionWeights, HybridRetriever
from chatgepeto.retrieval.lexical import LexicalIndexCache
from chatgepeto.retrieval.vectorstore import VectorIndex, make_chroma_client
from chatgepeto.settings import Settings
from chatgepeto.storage.db import make_engine, make_session_factory
from chatgepeto.storage.files import FileStore, make_file_store
from chatgepeto.storage.migrate import migrate as run_migrations
from chatgepeto.study.builder import StudyBuilder
from chatgepeto.study.service import StudyService

log = get_logger(__name__)


@dataclass
class Services:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    files: FileStore
    vectors: VectorIndex
    retriever: HybridRetriever
    providers: ProviderChain | None
    ingestor: Ingestor
    jobs: JobRunner
    answerer: Answerer
    study: StudyService
    study_builder: StudyBuilder
    # The application layer (resources/): what the API, the CLI and the tools call.
    collections: Collections
    documents: Documents
    conversations: Conversations
    job_board: JobBoard

    def warm_up(self, *, search: bool = False) -> None:
        """Load the embedding models now rather than on the first request. With `search` (a
        process that answers searches), then also every collection's vector indexes and BM25
        index (loaded if saved, else built)."""
        # One after the other: on a thread beside the models, the BM25 build (Python, holding
        # the GIL) delayed them about threefold and ended later (docs/benchmarks.md, Scaling).
        started = time.perf_counter()
        self.vectors.warm_up()
        if not search:
            return
        loaded = time.perf_counter()
        self.retriever.warm_up_dense()
        collections = self.retriever.warm_up_lexical()
        log.info(
            "warmed_up",
            models_seconds=round(loaded - started, 2),
            indexes_seconds=round(time.perf_counter() - loaded, 2),
            collections=collections,
        )

    def close(self) -> None:
        self.jobs.shutdown(wait=False)
        self.engine.dispose()


def model_loaders(
    settings: Settings, embeddings: Embeddings | None = None
) -> dict[str, Callable[[], Embeddings]]:
    """A loader for each configured embedding model, by slug (nothing is loaded yet)."""
    # Each encoder runs on EMBEDDING_THREADS threads (1 by default); parallelism comes from
    # running several at once: the models of one search together, and in ingestion one
    # (slice, model) task per core. Measured on 2 cores (docs/benchmarks.md): more threads per
    # encoder oversubscribed the cores (search p95 several times slower under load) and
    # embedded a book more slowly than two single-threaded tasks.
    return {
        model_slug(name, settings.embeddings.embedding_backend): (
            (lambda: embeddings)
            if embeddings is not None
            else partial(
                make_embeddings,
                name,
                backend=settings.embeddings.embedding_backend,
                cache_dir=settings.embeddings.model_cache_path,
                threads=settings.embeddings.embedding_threads or 1,
                max_tokens=settings.embeddings.embedding_max_tokens,
            )
        )
        for name in settings.embeddings.embedding_models
    }


def load_models_before_fork(settings: Settings) -> dict[str, Embeddings]:
    """The configured models that a process may load and then fork, loaded now, by slug (for
    `build_services(models=...)` in each forked worker): all but those on ONNX Runtime.

    Only the multilingual encoder runs once (it reads its weights at its first call; numpy
    alone, no thread starts): running the others would start thread pools (the tokenizer's,
    torch's) that a forked child inherits without their threads. ONNX Runtime is not imported
    at all: its import starts a thread, and a child forked after it hangs or aborts when it
    exits (its exit handlers wait for that thread; microsoft/onnxruntime#31961). The modules
    the ONNX models need are imported, so that the workers share them too.
    """
    models: dict[str, Embeddings] = {}
    for name, (slug, load) in zip(
        settings.embeddings.embedding_models, model_loaders(settings).items(), strict=True
    ):
        if effective_backend(name, settings.embeddings.embedding_backend) == TORCH:
            models[slug] = load()
            if canonical_name(name) == MULTILINGUAL:
                models[slug].embed_query("warm up")
        else:
            import langchain_huggingface  # noqa: F401
            import sentence_transformers  # noqa: F401
    if "onnxruntime" in sys.modules:  # a dependency changed: forking now would hang workers
        raise RuntimeError("onnxruntime was imported before the fork")
    return models


def build_services(
    settings: Settings,
    *,
    migrate: bool = True,
    embeddings: Embeddings | None = None,
    models: Mapping[str, Embeddings] | None = None,
) -> Services:
    """Build the engines the settings name; run database migrations first.

    `embeddings` lets a caller share an already loaded model (tests); it then serves every
    configured model name. `models`: some of the configured models already loaded, by slug
    (`load_models_before_fork`); the others load on first use.
    """
    settings.storage.data_dir.mkdir(parents=True, exist_ok=True)
    if migrate:
        run_migrations(settings.storage.sqlalchemy_url)
    engine = make_engine(settings.storage.sqlalchemy_url)
    sessions = make_session_factory(engine)
    files = make_file_store(settings)
    encoders = model_loaders(settings, embeddings)
    for slug, model in (models or {}).items():
        encoders[slug] = partial(lambda loaded: loaded, model)
    # Threads per encoder (model_loaders): one ingestion task per core.
    threads = settings.embeddings.embedding_threads or 1
    vectors = VectorIndex(
        partial(
            make_chroma_client,
            host=settings.storage.chroma_host,
            port=settings.storage.chroma_port,
            ssl=settings.storage.chroma_ssl,
            persist_dir=settings.storage.chroma_dir,
        ),
        encoders,
        ingest_workers=max(1, available_cpus() // threads),
        slice_size=settings.embeddings.embedding_batch_size,
        ef_search=settings.retrieval.hnsw_ef_search,
    )
    retriever = HybridRetriever(
        sessions,
        vectors,
        LexicalIndexCache(
            settings.storage.lexical_dir,
            background_from=settings.retrieval.bm25_background_rebuild_chunks,
        ),
        default_mode=settings.retrieval.retriever,
        candidate_k=settings.retrieval.candidate_k,
        rrf_k=settings.retrieval.rrf_k,
        fusion=settings.retrieval.fusion,
        weights=FusionWeights(*settings.retrieval.fusion_weight_maps),
        coverage_weight=settings.retrieval.coverage_weight,
    )
    providers = make_provider_chain(settings)
    ingestor = Ingestor(
        sessions,
        files,
        vectors,
        chunk_size=settings.ingestion.chunk_size,
        chunk_overlap=settings.ingestion.chunk_overlap,
        heartbeat_seconds=settings.jobs.job_heartbeat_seconds,
        max_attempts=len(settings.jobs.retry_intervals) + 1,
        parse_limits=parse_limits(settings),
    )
    study_builder = StudyBuilder(sessions, ingestor, providers)
    jobs = make_job_runner(settings, sessions, ingestor, study_builder)
    collections = Collections(sessions, vectors, files, retriever.lexical)
    conversations = Conversations(sessions)
    return Services(
        settings=settings,
        engine=engine,
        sessions=sessions,
        files=files,
        vectors=vectors,
        retriever=retriever,
        providers=providers,
        ingestor=ingestor,
        jobs=jobs,
        answerer=Answerer(
            collections,
            conversations,
            retriever,
            providers,
            k=settings.retrieval.search_k,
            allowed_link_hosts=tuple(settings.answering.allowed_link_hosts),
            llm_budget_seconds=settings.answering.llm_budget_seconds,
        ),
        study=StudyService(sessions),
        study_builder=study_builder,
        collections=collections,
        documents=Documents(
            sessions,
            files,
            vectors,
            jobs,
            ingestor,
            UploadLimits(settings.limits.max_upload_files, settings.limits.max_upload_bytes),
            settings.storage.data_dir / "tmp",
        ),
        conversations=conversations,
        job_board=JobBoard(sessions, jobs),
    )


def parse_limits(settings: Settings) -> ParseLimits:
    """What reading one document may use, from the PARSE_* settings."""
    megabyte = 1024 * 1024
    return ParseLimits(
        memory_bytes=settings.ingestion.parse_memory_mb * megabyte,
        cpu_seconds=settings.ingestion.parse_cpu_seconds,
        max_chars=settings.ingestion.parse_max_chars,
        max_unpacked_bytes=settings.ingestion.parse_max_unpacked_mb * megabyte,
    )


def make_job_runner(
    settings: Settings,
    sessions: sessionmaker[Session],
    ingestor: Ingestor,
    study_builder: StudyBuilder | None = None,
) -> JobRunner:
    """The RQ queue in Redis when REDIS_URL is set (`chatgepeto worker` runs the jobs), else a
    thread of this process. Ingestion and study-set jobs share it."""
    if settings.jobs_on_queue:
        from chatgepeto.ingestion.queue import RQJobRunner, connect

        if not settings.storage.redis_url:
            raise ValueError("JOB_RUNNER=rq needs REDIS_URL: the queue lives in Redis.")

        return RQJobRunner(
            sessions,
            ingestor,
            connect(settings.storage.redis_url),
            settings.jobs.job_queue,
            retry_intervals=settings.jobs.retry_intervals,
            job_timeout=settings.jobs.job_timeout,
        )
    handlers = {STUDY: study_builder.run_job} if study_builder is not None else None
    return InProcessJobRunner(sessions, ingestor, handlers=handlers)
