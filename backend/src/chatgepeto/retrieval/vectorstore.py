"""The dense index: chunk vectors in Chroma, one collection per ChatGepeto collection and model.

Several embedding models can index the same chunks (EMBEDDING_MODEL="multilingual,minilm"):
each gets its own Chroma collection and its own ranking, which the hybrid retriever fuses.

Writing is a pipeline (`VectorIndex.writer`): chunks are cut into slices, and every (slice,
model) pair is a task for the index's pool of ingestion threads, one per core when each encoder
runs on one thread. The caller keeps reading pages meanwhile; the encoders release the GIL in
their kernels, so reading, one model and the other overlap on the cores.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from langchain_core.embeddings import Embeddings

from chatgepeto.settings import CHROMA_DEFAULTS, set_library_environment

# A document's first slices: its vectors start after the first page or two are read, not after
# `slice_size` chunks (a short document was all read before anything embedded), and a short
# document's work comes in pieces small enough to keep both cores busy to its end. A slice is
# a quarter of the chunks sent so far, from FIRST_SLICE up to `slice_size`.
FIRST_SLICE = 4
# What is left when the document ends is cut into pieces (at least one per ingestion thread)
# from this many chunks on, so its models embed it on every core instead of one core per model.
SPLIT_TAIL_FROM = 8
# The waits of the thread that runs an ingestion end this often: Python runs a signal handler
# in the main thread only, when it is back from a wait, and a worker's main thread runs its
# jobs (a SIGTERM the kernel hands to a pool thread is acted on within this, not when every
# vector of the document is written).
WAIT_SLICE_SECONDS = 0.5


@dataclass(frozen=True)
class DenseHit:
    chunk_id: str
    distance: float


def chunk_metadata(
    document_id: str, filename: str, page: int | None, chunk_index: int
) -> dict[str, Any]:
    """What Chroma keeps with each chunk vector (Chroma metadata has no null: page -1)."""
    return {
        "document_id": document_id,
        "filename": filename,
        "page": page if page is not None else -1,
        "chunk_index": chunk_index,
    }


def make_chroma_client(*, host: str, port: int, ssl: bool, persist_dir: Path) -> Any:
    """A Chroma HttpClient when CHROMA_HOST is set, else an embedded PersistentClient."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    set_library_environment(CHROMA_DEFAULTS)
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if host:
        return chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=chroma_settings)
    persist_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(persist_dir), settings=chroma_settings)


class _Lazy:
    """Build a value on first use, once, thread-safely."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        self._factory = factory
        self._value: Any = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._value is not None

    def get(self) -> Any:
        if self._value is None:
            with self._lock:
                if self._value is None:
                    self._value = self._factory()
        return self._value


class VectorIndex:
    """Upsert, search and delete chunk vectors for every configured embedding model."""

    def __init__(
        self,
        client_factory: Callable[[], Any],
        encoders: dict[str, Callable[[], Embeddings]],
        *,
        ingest_workers: int = 1,
        slice_size: int = 32,
        ef_search: int = 400,
    ) -> None:
        if not encoders:
            raise ValueError("at least one embedding model is needed")
        self.ef_search = ef_search
        self._client = _Lazy(client_factory)
        self._encoders = {slug: _Lazy(factory) for slug, factory in encoders.items()}
        self._collections: dict[tuple[str, str], Any] = {}
        self._collections_lock = threading.Lock()
        self.slice_size = slice_size
        self.ingest_workers = max(1, ingest_workers)
        # Search: one thread per model, every model's query at once.
        self._pool = ThreadPoolExecutor(max_workers=len(encoders), thread_name_prefix="embed")
        # Writing: (slice, model) tasks of every document being ingested in this process.
        self._ingest_pool = ThreadPoolExecutor(
            max_workers=self.ingest_workers, thread_name_prefix="ingest"
        )
        # Chroma writes one at a time; the embedding before them runs in parallel.
        self._write_lock = threading.Lock()
        # Seconds per chunk of each model's last slices: a writer hands the slowest model's
        # task of a slice to the pool first, so a document ends on the quick model's tasks.
        self.seconds_per_chunk: dict[str, float] = {}

    @property
    def client(self) -> Any:
        return self._client.get()

    @property
    def models(self) -> list[str]:
        return list(self._encoders)

    @property
    def embeddings_loaded(self) -> bool:
        return all(encoder.loaded for encoder in self._encoders.values())

    def warm_up(self) -> None:
        for encoder in self._encoders.values():
            encoder.get().embed_query("warm up")

    def _encoder(self, model: str) -> Embeddings:
        return self._encoders[model].get()

    def collection_name(self, collection_id: str, model: str | None = None) -> str:
        return f"cg-{collection_id}-{model or self.models[0]}"

    def collection(self, collection_id: str, model: str) -> Any:
        """The Chroma collection of one ChatGepeto collection and model, created if missing.

        Vectors come from our encoders (no Chroma embedding function); cosine distance.
        """
        key = (collection_id, model)
        found = self._collections.get(key)
        if found is None:
            with self._collections_lock:
                found = self._collections.get(key)
                if found is None:
                    found = self.client.get_or_create_collection(
                        name=self.collection_name(collection_id, model),
                        embedding_function=None,
                        configuration={"hnsw": {"space": "cosine", "ef_search": self.ef_search}},
                    )
                    self._set_ef_search(found)
                    self._collections[key] = found
        return found

    def _set_ef_search(self, collection: Any) -> None:
        """Give a collection made with another HNSW_EF_SEARCH (before issue 14's: Chroma's
        100) this one. Done before its first query in the process: the index Chroma then loads
        searches with it (one already loaded keeps the old value until a restart)."""
        hnsw = (collection.configuration_json or {}).get("hnsw") or {}
        if hnsw.get("ef_search") != self.ef_search:
            collection.modify(configuration={"hnsw": {"ef_search": self.ef_search}})

    def _each_model(self, models: Sequence[str], work: Callable[[str], Any]) -> dict[str, Any]:
        """Run `work(model)` for every model, concurrently when there are several.

        Encoders spend their time in numpy / ONNX Runtime / torch kernels, which release the
        GIL: two models on two threads overlap their serial parts (tokenising, Python glue).
        """
        if len(models) == 1:
            return {models[0]: work(models[0])}
        futures = {model: self._pool.submit(work, model) for model in models}
        return {model: future.result() for model, future in futures.items()}

    def writer(
        self,
        collection_id: str,
        *,
        models: Sequence[str] | None = None,
        slice_size: int | None = None,
    ) -> VectorWriter:
        """A pipeline that embeds and stores chunks while the caller is still adding them
        (with every model, or `models`), `slice_size` chunks per task; see VectorWriter."""
        models = list(models) if models is not None else self.models
        return VectorWriter(
            self,
            {model: self.collection(collection_id, model) for model in models},
            slice_size or self.slice_size,
        )

    def upsert(
        self,
        collection_id: str,
        ids: Sequence[str],
        texts: Sequence[str],
        metadatas: Sequence[dict[str, Any]],
        *,
        batch_size: int | None = None,
        on_batch: Callable[[int, int], None] | None = None,
        models: Sequence[str] | None = None,
    ) -> None:
        """Embed and upsert `texts` with every model, or `models`, in slices of `batch_size`.

        Same ids overwrite. Only ids, vectors and metadata go to Chroma: the text is in SQL
        (a copy in Chroma was most of its disk, and its full-text index cost ingestion time).
        Progress is reported as (done, total) over all models' vectors.
        """
        with self.writer(collection_id, models=models, slice_size=batch_size) as writer:
            writer.add(ids, texts, metadatas)
            writer.finish(on_batch)

    def _embed(self, model: str, texts: list[str]) -> list[list[float]]:
        """Embed a slice with one model (a VectorWriter's task), timing it per chunk."""
        started = time.perf_counter()
        vectors = self._encoder(model).embed_documents(texts)
        per_chunk = (time.perf_counter() - started) / max(1, len(texts))
        previous = self.seconds_per_chunk.get(model)
        self.seconds_per_chunk[model] = (
            per_chunk if previous is None else 0.8 * previous + 0.2 * per_chunk
        )
        return vectors

    def _store(
        self,
        collection: Any,
        ids: list[str],
        vectors: list[list[float]],
        metadatas: list[dict[str, Any]],
    ) -> None:
        with self._write_lock:
            collection.upsert(ids=ids, embeddings=vectors, metadatas=metadatas)

    def search(self, collection_id: str, query: str, k: int) -> dict[str, list[DenseHit]]:
        """The k nearest chunks for each model, best first (models searched concurrently)."""

        def nearest(model: str) -> list[DenseHit]:
            collection = self.collection(collection_id, model)
            # An empty collection answers with no ids (no count() first: it costs a scan).
            vector = self._encoder(model).embed_query(query)
            found = collection.query(query_embeddings=[vector], n_results=k, include=["distances"])
            return [
                DenseHit(str(chunk_id), float(distance))
                for chunk_id, distance in zip(found["ids"][0], found["distances"][0], strict=True)
            ]

        return self._each_model(self.models, nearest)

    def delete_document(self, collection_id: str, document_id: str) -> None:
        for model in self.models:
            self.collection(collection_id, model).delete(where={"document_id": document_id})

    def drop_collection(self, collection_id: str) -> None:
        for model in self.models:
            self._collections.pop((collection_id, model), None)
            try:
                self.client.delete_collection(self.collection_name(collection_id, model))
            except Exception as exc:
                message = str(exc).lower()
                if "does not exist" not in message and "not found" not in message:
                    raise

    def count(self, collection_id: str, model: str | None = None) -> int:
        """Vectors of the collection for one model, or the most any model holds."""
        models = [model] if model else self.models
        return max(int(self.collection(collection_id, m).count()) for m in models)

    def heartbeat(self) -> None:
        """Raise if the vector store cannot be reached."""
        self.client.heartbeat()


def next_slice(sent: int, slice_size: int) -> int:
    """Chunks in the next slice of a document of which `sent` chunks were sent already."""
    return min(slice_size, max(FIRST_SLICE, sent // 4))


def tail_slices(n: int, workers: int) -> list[int]:
    """The sizes the last `n` chunks of a document are sent in (as even as can be): from
    SPLIT_TAIL_FROM chunks on with several ingestion threads, pieces of FIRST_SLICE or more,
    two per thread at most; else one."""
    if n <= 0:
        return []
    pieces = 1
    if n >= SPLIT_TAIL_FROM and workers > 1:
        pieces = min(2 * workers, n // FIRST_SLICE)
    return [n // pieces + (1 if i < n % pieces else 0) for i in range(pieces)]


class VectorWriter:
    """Embeds and stores chunk vectors on the index's ingestion threads while chunks are added.

    `add()` queues chunks and hands every full slice to the pool, one task per model, without
    waiting; `finish()` sends the rest, waits for every task and raises the first failure.
    Slices start at FIRST_SLICE chunks and grow to `slice_size` (`next_slice`); the rest is cut
    into pieces for every ingestion thread (`tail_slices`). Each slice's slowest model goes to
    the pool first. A model's vectors are stored `slice_size` at a time, the rest at the end:
    a Chroma write costs about 6 ms however few its vectors, so the small first slices of a
    short document would pay it a dozen times over (docs/benchmarks.md, ingestion).
    Leaving the `with` block on an error cancels the tasks not started and waits for those
    running, so no vector is written after the caller has moved on (to clean up, say).
    """

    def __init__(self, index: VectorIndex, collections: dict[str, Any], slice_size: int) -> None:
        if slice_size < 1:
            raise ValueError("slice_size must be at least 1")
        self._index = index
        self._collections = collections
        self._slice_size = slice_size
        self._sent = 0  # chunks handed to the pool
        self._ids: list[str] = []
        self._texts: list[str] = []
        self._metadatas: list[dict[str, Any]] = []
        self._futures: list[Future[int]] = []
        self._lock = threading.Lock()
        # Per model: vectors embedded and not yet stored (ids, vectors, metadatas).
        self._unstored: dict[str, tuple[list[str], list[list[float]], list[dict[str, Any]]]] = {
            model: ([], [], []) for model in collections
        }
        self._done = 0
        self._failure: BaseException | None = None
        self.submitted = 0

    @property
    def done(self) -> int:
        """Vectors embedded so far, over all models (stored by the end of `finish`)."""
        with self._lock:
            return self._done

    def add(
        self, ids: Sequence[str], texts: Sequence[str], metadatas: Sequence[dict[str, Any]]
    ) -> None:
        """Queue chunks; raises at once if an earlier task failed."""
        if not len(ids) == len(texts) == len(metadatas):
            raise ValueError("ids, texts and metadatas must have the same length")
        self._raise_failure()
        self._ids.extend(ids)
        self._texts.extend(texts)
        self._metadatas.extend(metadatas)
        while len(self._ids) >= next_slice(self._sent, self._slice_size):
            self._submit(next_slice(self._sent, self._slice_size))

    def finish(self, on_progress: Callable[[int, int], None] | None = None) -> None:
        """Send what is queued and wait for every task, reporting (done, total) vectors."""
        try:
            for size in tail_slices(len(self._ids), self._index.ingest_workers):
                self._submit(size)
            remaining: set[Future[int]] = set(self._futures)
            while remaining:
                finished, remaining = wait(
                    remaining, timeout=WAIT_SLICE_SECONDS, return_when=FIRST_COMPLETED
                )
                for future in finished:
                    future.result()
                if finished and on_progress is not None:
                    on_progress(self.done, self.submitted)
            for model, collection in self._collections.items():
                self._write_unstored(model, collection, flush=True)
        except BaseException:
            self.abort()
            raise

    def abort(self) -> None:
        """Cancel the tasks not started and wait for the running ones."""
        for future in self._futures:
            future.cancel()
        while wait(self._futures, timeout=WAIT_SLICE_SECONDS).not_done:
            pass
        self._ids.clear()
        self._texts.clear()
        self._metadatas.clear()
        with self._lock:
            self._unstored = {model: ([], [], []) for model in self._unstored}

    def __enter__(self) -> VectorWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self.abort()
        else:
            self.finish()

    def _submit(self, n: int) -> None:
        ids, texts, metadatas = self._ids[:n], self._texts[:n], self._metadatas[:n]
        del self._ids[:n], self._texts[:n], self._metadatas[:n]
        self._sent += n
        cost = self._index.seconds_per_chunk
        # Slowest first (sorted() keeps the configured order among models not yet timed).
        models = sorted(self._collections.items(), key=lambda item: -cost.get(item[0], 0.0))
        for model, collection in models:
            future = self._index._ingest_pool.submit(
                self._task, model, collection, ids, texts, metadatas
            )
            future.add_done_callback(self._count)
            self._futures.append(future)
            self.submitted += len(ids)

    def _task(
        self,
        model: str,
        collection: Any,
        ids: list[str],
        texts: list[str],
        metadatas: list[dict[str, Any]],
    ) -> int:
        """Embed a slice with one model; store the model's vectors once a slice's worth wait."""
        vectors = self._index._embed(model, texts)
        with self._lock:
            unstored = self._unstored[model]
            unstored[0].extend(ids)
            unstored[1].extend(vectors)
            unstored[2].extend(metadatas)
        self._write_unstored(model, collection, flush=False)
        return len(ids)

    def _write_unstored(self, model: str, collection: Any, *, flush: bool) -> None:
        """Write the model's unstored vectors: all (`flush`), or a slice's worth if there."""
        with self._lock:
            ids, vectors, metadatas = self._unstored[model]
            if not ids or (not flush and len(ids) < self._slice_size):
                return
            self._unstored[model] = ([], [], [])
        self._index._store(collection, ids, vectors, metadatas)

    def _count(self, future: Future[int]) -> None:
        if future.cancelled():
            return
        failure = future.exception()
        with self._lock:
            if failure is not None:
                self._failure = self._failure or failure
            else:
                self._done += future.result()

    def _raise_failure(self) -> None:
        with self._lock:
            failure = self._failure
        if failure is not None:
            self.abort()
            raise failure
