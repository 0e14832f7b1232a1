"""The dense index: chunk vectors in Chroma, one collection per ChatGepeto collection and model.

Several embedding models can index the same chunks (EMBEDDING_MODEL="multilingual,minilm"):
each gets its own Chroma collection and its own ranking, which the hybrid retriever fuses.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


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
    ) -> None:
        if not encoders:
            raise ValueError("at least one embedding model is needed")
        self._client = _Lazy(client_factory)
        self._encoders = {slug: _Lazy(factory) for slug, factory in encoders.items()}
        self._stores: dict[tuple[str, str], Any] = {}
        # One thread per model: embedding and searching with every model at once.
        self._pool = ThreadPoolExecutor(max_workers=len(encoders), thread_name_prefix="embed")

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

    def _store(self, collection_id: str, model: str) -> Any:
        key = (collection_id, model)
        store = self._stores.get(key)
        if store is None:
            from langchain_chroma import Chroma

            store = Chroma(
                collection_name=self.collection_name(collection_id, model),
                embedding_function=self._encoders[model].get(),
                client=self.client,
                collection_configuration={"hnsw": {"space": "cosine"}},
            )
            self._stores[key] = store
        return store

    def _each_model(self, models: Sequence[str], work: Callable[[str], Any]) -> dict[str, Any]:
        """Run `work(model)` for every model, concurrently when there are several.

        Encoders spend their time in numpy / ONNX Runtime / torch kernels, which release the
        GIL: two models on two threads overlap their serial parts (tokenising, Python glue).
        """
        if len(models) == 1:
            return {models[0]: work(models[0])}
        futures = {model: self._pool.submit(work, model) for model in models}
        return {model: future.result() for model, future in futures.items()}

    def upsert(
        self,
        collection_id: str,
        ids: Sequence[str],
        texts: Sequence[str],
        metadatas: Sequence[dict[str, Any]],
        *,
        batch_size: int = 128,
        on_batch: Callable[[int, int], None] | None = None,
        models: Sequence[str] | None = None,
    ) -> None:
        """Embed and upsert slices of `batch_size` texts with every model, or `models`.

        Same ids overwrite. Only ids, vectors and metadata go to Chroma: the text is in SQL
        (a copy in Chroma was most of its disk, and its full-text index cost ingestion time).
        Each slice is embedded by all models at once; a large slice lets
        the encoder sort texts by length and pad less. Progress is reported as (done, total)
        over all models' vectors.
        """
        models = list(models) if models is not None else self.models
        stores = {model: self._store(collection_id, model) for model in models}
        total = len(ids) * len(models)
        for start in range(0, len(ids), batch_size):
            end = min(start + batch_size, len(ids))
            part = list(texts[start:end])
            vectors = self._each_model(
                models, lambda model, part=part: self._encoder(model).embed_documents(part)
            )
            for model in models:
                stores[model]._collection.upsert(
                    ids=list(ids[start:end]),
                    embeddings=vectors[model],
                    metadatas=list(metadatas[start:end]),
                )
            if on_batch is not None:
                on_batch(end * len(models), total)

    def search(self, collection_id: str, query: str, k: int) -> dict[str, list[DenseHit]]:
        """The k nearest chunks for each model, best first (models searched concurrently)."""

        def nearest(model: str) -> list[DenseHit]:
            collection = self._store(collection_id, model)._collection
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
            self._store(collection_id, model).delete(where={"document_id": document_id})

    def drop_collection(self, collection_id: str) -> None:
        for model in self.models:
            self._stores.pop((collection_id, model), None)
            try:
                self.client.delete_collection(self.collection_name(collection_id, model))
            except Exception as exc:
                message = str(exc).lower()
                if "does not exist" not in message and "not found" not in message:
                    raise

    def count(self, collection_id: str, model: str | None = None) -> int:
        """Vectors of the collection for one model, or the most any model holds."""
        models = [model] if model else self.models
        return max(int(self._store(collection_id, m)._collection.count()) for m in models)

    def heartbeat(self) -> None:
        """Raise if the vector store cannot be reached."""
        self.client.heartbeat()
