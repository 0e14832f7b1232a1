"""The lexical index: BM25 (bm25s) over stemmed, accent-folded terms, per collection.

Terms are computed once at ingestion (`analyze`) and stored with each chunk in SQL, so an
index is rebuilt from the database quickly. Every worker keeps its own in-memory index per
collection, keyed by the collection's `index_version`; a search first reads that version, so
an upload handled by another worker is never missed.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_PORTUGUESE

# bm25s sets its logger to DEBUG on import, which prints every index build.
logging.getLogger("bm25s").setLevel(logging.WARNING)

_TOKEN = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")


def fold(text: str) -> str:
    """Lowercase and strip accents, so "seleção" and "selecao" meet."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# Question words too: they carry no topic ("what is …", "o que é …").
_QUESTION_WORDS = ("what", "which", "who", "whom", "whose", "why", "how", "when", "where", "whats")
STOPWORDS = frozenset(fold(w) for w in (*STOPWORDS_EN, *STOPWORDS_PORTUGUESE, *_QUESTION_WORDS))

# Portuguese plurals whose folded forms the Snowball stemmer leaves apart from the singular
# ("populacoes" → "populaco" but "populacao" → "populaca"); map them to the singular first.
_PT_PLURALS = (("coes", "cao"), ("oes", "ao"), ("aes", "ao"), ("ais", "al"), ("eis", "el"))


def _pt_singular(word: str) -> str:
    if len(word) > 4:
        for plural, singular in _PT_PLURALS:
            if word.endswith(plural):
                return word[: -len(plural)] + singular
    return word


@lru_cache(maxsize=4)
def _stemmer(language: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer({"pt": "portuguese", "en": "english"}[language])


def _words(text: str) -> list[str]:
    return [w for w in _TOKEN.findall(fold(text)) if w not in STOPWORDS and len(w) > 1]


def _stem(words: list[str], language: str) -> list[str]:
    if language == "pt":
        words = [_pt_singular(w) for w in words]
    return _stemmer(language).stemWords(words)


def analyze(text: str, language: str) -> list[str]:
    """Terms of a passage: folded, stop words out, stemmed in the passage's language."""
    return _stem(_words(text), language if language in ("pt", "en") else "en")


def analyze_query(text: str) -> list[str]:
    """Terms of a question: stemmed both ways, since questions and material may differ."""
    words = _words(text)
    return list(dict.fromkeys(_stem(words, "pt") + _stem(words, "en")))


@dataclass(frozen=True)
class LexicalHit:
    chunk_id: str
    score: float


class Bm25Index:
    """A BM25 index over a fixed list of (chunk id, terms)."""

    def __init__(self, ids: Sequence[str], terms: Sequence[Sequence[str]]) -> None:
        self.ids = list(ids)
        self._retriever: bm25s.BM25 | None = None
        if self.ids:
            self._retriever = bm25s.BM25(k1=1.2, b=0.75)
            self._retriever.index([list(t) for t in terms], show_progress=False)

    def search(self, query_terms: Sequence[str], k: int) -> list[LexicalHit]:
        if self._retriever is None:
            return []
        vocab = self._retriever.vocab_dict
        known = [t for t in query_terms if t in vocab and t != ""]
        if not known:
            return []
        scores = self._retriever.get_scores(known)
        k = min(k, len(self.ids))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [LexicalHit(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]


class LexicalIndexCache:
    """Per-collection BM25 indexes, rebuilt when the collection's version moves."""

    def __init__(self) -> None:
        self._indexes: dict[str, tuple[int, Bm25Index]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(
        self,
        collection_id: str,
        version: int,
        load: Callable[[], tuple[list[str], list[list[str]]]],
    ) -> Bm25Index:
        cached = self._indexes.get(collection_id)
        if cached and cached[0] == version:
            return cached[1]
        with self._guard:
            lock = self._locks.setdefault(collection_id, threading.Lock())
        with lock:
            cached = self._indexes.get(collection_id)
            if cached and cached[0] == version:
                return cached[1]
            ids, terms = load()
            index = Bm25Index(ids, terms)
            self._indexes[collection_id] = (version, index)
            return index

    def forget(self, collection_id: str) -> None:
        self._indexes.pop(collection_id, None)
