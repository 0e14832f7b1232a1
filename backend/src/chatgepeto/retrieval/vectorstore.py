"""The dense index: one Chroma collection per ChatGepeto collection and embedding model."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


@dataclass(frozen=True)
class DenseHit:
    chunk_id: str
    distance: float


def make_chroma_client(*, host: str, port: int, ssl: bool, persist_dir: Path) -> Any:
    """A Chroma HttpClient when CHROMA_HOST is set, else an embedded PersistentClient."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if host:
        return chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=chroma_settings)
    persist_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(persist_dir), settings=chroma_settings)


class VectorIndex:
    """Upsert, search and delete chunk vectors; the embedding model is built lazily, once."""

    def __init__(
        self,
        client_factory: Callable[[], Any],
        embeddings_factory: Callable[[], Embeddings],
        model_slug: str,
    ) -> None:
        self._client_factory = client_factory
        self._embeddings_factory = embeddings_factory
        self._model_slug = model_slug
        self._client: Any = None
        self._embeddings: Embeddings | None = None
        self._stores: dict[str, Any] = {}
        self._lock = threading.Lock()

    @property
    def client(self) -> Any:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._client_factory()
        return self._client

    @property
    def embeddings(self) -> Embeddings:
        if self._embeddings is None:
            with self._lock:
                if self._embeddings is None:
                    self._embeddings = self._embeddings_factory()
        return self._embeddings

    @property
    def embeddings_loaded(self) -> bool:
        return self._embeddings is not None

    def collection_name(self, collection_id: str) -> str:
        return f"cg-{collection_id}-{self._model_slug}"

    def _store(self, collection_id: str) -> Any:
        store = self._stores.get(collection_id)
        if store is None:
            from langchain_chroma import Chroma

            store = Chroma(
                collection_name=self.collection_name(collection_id),
                embedding_function=self.embeddings,
                client=self.client,
                collection_configuration={"hnsw": {"space": "cosine"}},
            )
            self._stores[collection_id] = store
        return store

    def upsert(
        self,
        collection_id: str,
        ids: Sequence[str],
        texts: Sequence[str],
        metadatas: Sequence[dict[str, Any]],
        *,
        batch_size: int = 64,
        on_batch: Callable[[int, int], None] | None = None,
    ) -> None:
        """Embed and upsert in batches (same ids overwrite), reporting (done, total)."""
        store = self._store(collection_id)
        total = len(ids)
        for start in range(0, total, batch_size):
            end = min(start + batch_size, total)
            store.add_texts(
                list(texts[start:end]),
                metadatas=list(metadatas[start:end]),
                ids=list(ids[start:end]),
            )
            if on_batch is not None:
                on_batch(end, total)

    def search(self, collection_id: str, query: str, k: int) -> list[DenseHit]:
        store = self._store(collection_id)
        if store._collection.count() == 0:
            return []
        pairs = store.similarity_search_with_score(query, k=k)
        return [DenseHit(str(doc.id), float(distance)) for doc, distance in pairs]

    def delete_ids(self, collection_id: str, ids: Sequence[str]) -> None:
        if ids:
            self._store(collection_id).delete(ids=list(ids))

    def delete_document(self, collection_id: str, document_id: str) -> None:
        self._store(collection_id).delete(where={"document_id": document_id})

    def drop_collection(self, collection_id: str) -> None:
        self._stores.pop(collection_id, None)
        try:
            self.client.delete_collection(self.collection_name(collection_id))
        except Exception as exc:
            if "does not exist" not in str(exc).lower() and "not found" not in str(exc).lower():
                raise

    def count(self, collection_id: str) -> int:
        return int(self._store(collection_id)._collection.count())

    def heartbeat(self) -> None:
        """Raise if the vector store cannot be reached."""
        self.client.heartbeat()
