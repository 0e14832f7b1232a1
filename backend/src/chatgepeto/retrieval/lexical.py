"""The lexical index: BM25 (bm25s) over stemmed, accent-folded terms, per collection.

Terms are computed once at ingestion (`analyze`) and stored with each chunk in SQL, so an
index is rebuilt from the database without analysing any text again. Every worker keeps its
own in-memory index per collection, keyed by the collection's `index_version`; a search first
reads that version, so an upload handled by another worker is never missed.

At 100k chunks a rebuild takes seconds (docs/benchmarks.md), so a start-up must not leave it
to the first search: `serve` builds every collection's index as it starts (`warm`), and each
index is saved under DATA_DIR/lexical/<collection>/<version>/ and memory-mapped back by the
next process that asks for that same version. After a change, a large collection's index is
rebuilt on a thread while searches go on with the previous one; a small one's is rebuilt
before the search that found the change, so a small course's new document is searchable by
BM25 at once.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import re
import shutil
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_PORTUGUESE

from chatgepeto.observability.logging import get_logger
from chatgepeto.observability.metrics import LEXICAL_INDEX_SECONDS

log = get_logger(__name__)

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


# Endings that Portuguese and English give the same learned (Latin) words, Portuguese first:
# "seleção" and "selection", "variável" and "variable", "genética" and "genetic",
# "variabilidade" and "variability". A question's word is also read as its cognate in the other
# language (`cognates`), so that BM25 and the coverage of the question find material written in
# the other language by its technical words: course page recall@1 0.587 → 0.611, cross-language
# @1 0.451 → 0.488 (docs/benchmarks.md, issue 14). A form no passage holds costs nothing.
COGNATE_ENDINGS = (
    ("ecao", "ection"),
    ("ncao", "nction"),
    ("acao", "ation"),
    ("icao", "ition"),
    ("ucao", "ution"),
    ("ocao", "otion"),
    ("ssao", "ssion"),
    ("sao", "sion"),
    ("idade", "ity"),
    ("encia", "ence"),
    ("ancia", "ance"),
    ("avel", "able"),
    ("ivel", "ible"),
    ("ismo", "ism"),
    ("ista", "ist"),
    ("oso", "ous"),
    ("osa", "ous"),
    ("ico", "ic"),
    ("ica", "ic"),
    ("ivo", "ive"),
    ("iva", "ive"),
    ("ante", "ant"),
    ("ente", "ent"),
    ("ario", "ary"),
    ("orio", "ory"),
    ("mente", "ly"),
    ("ia", "y"),
)
# Longest ending first, each way ("ecao" before "sao", "ssion" before "sion").
_PT_TO_EN = sorted(COGNATE_ENDINGS, key=lambda pair: -len(pair[0]))
_EN_TO_PT = sorted(((en, pt) for pt, en in COGNATE_ENDINGS), key=lambda pair: -len(pair[0]))
# Letters a word keeps before the ending it trades ("função" → "function": "fu").
_COGNATE_ROOT = 2


def _swap_ending(word: str, endings: Sequence[tuple[str, str]]) -> str | None:
    for old, new in endings:
        if word.endswith(old) and len(word) - len(old) >= _COGNATE_ROOT:
            return word[: -len(old)] + new
    return None


def cognates(word: str) -> tuple[str | None, str | None]:
    """A folded word as its English and its Portuguese cognate, by its ending (None where no
    ending matches): "selecao" → ("selection", None); "selection" → (None, "selecao")."""
    return _swap_ending(word, _PT_TO_EN), _swap_ending(word, _EN_TO_PT)


@lru_cache(maxsize=8192)
def _word_terms(word: str) -> tuple[str, ...]:
    """A question word's terms: its Portuguese and English stems, and its cognates' stems
    (cached: a search reads them twice, for BM25 and for the coverage, and words recur)."""
    terms = [*_stem([word], "pt"), *_stem([word], "en")]
    english, portuguese = cognates(word)
    if english:
        terms += _stem([english], "en")
    if portuguese:
        terms += _stem([portuguese], "pt")
    return tuple(dict.fromkeys(terms))


def analyze_query(text: str) -> list[str]:
    """Terms of a question: stemmed both ways, since questions and material may differ, and
    its words' cognates in the other language (`cognates`)."""
    return list(dict.fromkeys(term for word in _words(text) for term in _word_terms(word)))


def query_words(text: str) -> list[frozenset[str]]:
    """Each distinct word of a question as its terms (`analyze_query`'s terms, grouped by the
    word they come from)."""
    return [frozenset(_word_terms(word)) for word in dict.fromkeys(_words(text))]


@dataclass(frozen=True)
class LexicalHit:
    chunk_id: str
    score: float


# Bump when what a saved index holds, or how it is scored, changes: older saves are then ignored.
_SAVE_FORMAT = "1"
_IDS_FILE = "ids.json"
# A save folder still unfinished after this long belongs to a process that stopped.
_UNFINISHED_SAVE_SECONDS = 600

# (chunk ids, their terms as stored in SQL: space-separated, `" ".join(analyze(...))`)
Loader = Callable[[], tuple[list[str], list[str]]]

K1, B = 1.2, 0.75


def bm25_idf(df: int, n_docs: int) -> float:
    """Lucene's BM25 idf of a term held by `df` of `n_docs` chunks, as bm25s computes it."""
    return math.log(1 + (n_docs - df + 0.5) / (df + 0.5))


_BLOCK = 4096  # documents whose token strings are alive at once while ids are assigned


def _token_ids(joined: Sequence[str], vocab: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """The vocabulary id of every token (documents one after the other, ids assigned into
    `vocab` as terms first appear) and each document's token count. A block of documents at
    a time: 100k chunks hold about 9M tokens, too many to keep as strings all at once."""
    ids: list[np.ndarray] = []
    lengths: list[int] = []
    for start in range(0, len(joined), _BLOCK):
        block = joined[start : start + _BLOCK]
        tokens = " ".join(block).split()
        counts = [t.count(" ") + 1 if t else 0 for t in block]
        if sum(counts) != len(tokens):  # not single spaces after all
            counts = [len(t.split()) for t in block]
        ids.append(np.array([vocab.setdefault(t, len(vocab)) for t in tokens], dtype=np.int32))
        lengths.extend(counts)
    return np.concatenate(ids) if ids else np.zeros(0, np.int32), np.array(lengths, np.int64)


def _bm25s_index(joined: Sequence[str]) -> bm25s.BM25:
    """A bm25s index (Lucene BM25, k1 1.2, b 0.75) of documents given as space-separated terms.

    The same score matrix bm25s's own `index()` builds, bit for bit (tests/retrieval), in
    numpy instead of a Python loop per document and per token: 100k chunks in well under half
    the time, which is what a rebuild costs after a change or at a start with nothing saved.
    """
    vocab: dict[str, int] = {}
    term, doc_lengths = _token_ids(joined, vocab)
    n_docs = len(doc_lengths)
    # One entry per (term, document) present, sorted by term then document: the CSC order.
    key = term.astype(np.int64)
    del term
    key *= n_docs
    key += np.repeat(np.arange(n_docs, dtype=np.int64), doc_lengths)
    key.sort()
    first = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
    tf = np.diff(np.append(first, len(key))).astype(np.float64)
    key = key[first]
    cols = key // n_docs
    rows = (key - cols * n_docs).astype(np.int32)
    del key, first
    df = np.bincount(cols, minlength=len(vocab))
    # As bm25s computes them: idf with math.log, kept in float32; the rest in float64.
    idf = np.array([bm25_idf(d, n_docs) for d in df.tolist()])
    idf = idf.astype(np.float32).astype(np.float64)
    norm = K1 * ((1 - B) + B * doc_lengths[rows] / doc_lengths.mean())
    indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])
    retriever = bm25s.BM25(k1=K1, b=B)
    retriever.scores = {
        "data": (idf[cols] * (tf / (norm + tf))).astype(np.float32),
        "indices": rows,
        "indptr": indptr,
        "num_docs": n_docs,
    }
    retriever.vocab_dict = {**vocab, "": len(vocab)}  # bm25s's empty token, as index() adds
    retriever.unique_token_ids_set = set(retriever.vocab_dict.values())
    retriever.nonoccurrence_array = None
    return retriever


class Bm25Index:
    """A BM25 index over a fixed list of (chunk id, terms)."""

    def __init__(self, ids: Sequence[str], terms: Sequence[Sequence[str]]) -> None:
        """`terms`: each chunk's terms (`analyze`; none holds a space)."""
        self.ids = list(ids)
        self._retriever: bm25s.BM25 | None = None
        self._rows: dict[str, int] | None = None  # chunk id → row, built at the first need
        if self.ids:
            self._retriever = _bm25s_index([" ".join(t) for t in terms])

    @classmethod
    def from_joined(cls, ids: Sequence[str], joined: Sequence[str]) -> Bm25Index:
        """An index of terms as SQL keeps them: one space-separated string per chunk."""
        index = cls([], [])
        index.ids = list(ids)
        if index.ids:
            index._retriever = _bm25s_index(joined)
        return index

    def __len__(self) -> int:
        return len(self.ids)

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

    def coverage(self, words: Sequence[frozenset[str]], chunk_ids: Sequence[str]) -> list[float]:
        """For each chunk, the share of the question's words it holds, each word weighed by
        its idf: 1.0 when it holds them all. A word counts when the chunk holds one of its
        terms (`query_words`), at that term's idf; words no chunk holds are left out, as they
        tell no chunk from another. Read from the postings of the question's terms only."""
        held = np.zeros(len(chunk_ids))
        if self._retriever is None or not chunk_ids:
            return held.tolist()
        if self._rows is None:
            self._rows = {chunk_id: row for row, chunk_id in enumerate(self.ids)}
        targets = np.array([self._rows.get(c, -1) for c in chunk_ids], dtype=np.int64)
        vocab = self._retriever.vocab_dict
        indptr = self._retriever.scores["indptr"]
        indices = self._retriever.scores["indices"]
        n_docs = len(self.ids)
        total = 0.0
        for terms in words:
            weight = 0.0
            found = np.zeros(len(chunk_ids))
            for term in terms:
                column = vocab.get(term)
                # bm25s's empty token has no column; every other term is in some chunk.
                if column is None or column + 1 >= len(indptr):
                    continue
                # The chunks holding the term, in row order (the index is built sorted).
                posting = indices[indptr[column] : indptr[column + 1]]
                idf = bm25_idf(len(posting), n_docs)
                weight = max(weight, idf)
                at = np.minimum(np.searchsorted(posting, targets), len(posting) - 1)
                found = np.where(posting[at] == targets, np.maximum(found, idf), found)
            total += weight
            held += found
        return (held / total if total else held).tolist()

    def save(self, folder: Path) -> None:
        """Write the index into `folder` (which must not exist yet)."""
        folder.mkdir(parents=True)
        if self._retriever is not None:
            self._retriever.save(str(folder), show_progress=False)
        # Last: a folder without its ids is an unfinished save.
        (folder / _IDS_FILE).write_text(json.dumps(self.ids))

    @classmethod
    def load(cls, folder: Path) -> Bm25Index:
        """An index saved by `save`, its score matrix memory-mapped (read-only, shared)."""
        ids = json.loads((folder / _IDS_FILE).read_text())
        index = cls([], [])
        index.ids = ids
        if ids:
            index._retriever = bm25s.BM25.load(str(folder), mmap=True, show_progress=False)
        return index


class LexicalIndexCache:
    """Per-collection BM25 indexes, rebuilt when the collection's version moves.

    `folder`: where indexes are saved and looked for (none: memory only). `background_from`:
    an index of at least this many chunks, once stale, keeps serving while its successor is
    built on a thread (0: every rebuild happens before the search that needs it).
    """

    def __init__(self, folder: Path | None = None, *, background_from: int = 0) -> None:
        self.folder = folder / _SAVE_FORMAT if folder is not None else None
        self.background_from = background_from
        self._indexes: dict[str, tuple[int, Bm25Index]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._rebuilding: set[str] = set()

    def cached_version(self, collection_id: str) -> int | None:
        """The version of the index held in memory for the collection, if any."""
        cached = self._indexes.get(collection_id)
        return cached[0] if cached else None

    def get(self, collection_id: str, version: int, load: Loader) -> Bm25Index:
        """The collection's index for `version`, or, while a large one is being rebuilt in
        the background, the previous one."""
        cached = self._indexes.get(collection_id)
        if cached and cached[0] == version:
            return cached[1]
        if cached and cached[0] < version and self._in_background(cached[1]):
            self._rebuild_later(collection_id, version, load)
            return cached[1]
        with self._lock(collection_id):
            cached = self._indexes.get(collection_id) or self._from_disk(collection_id, version)
            if cached and cached[0] == version:
                return cached[1]
            if cached and self._in_background(cached[1]):
                # Saved before a change (a restart since): it serves meanwhile.
                self._rebuild_later(collection_id, version, load)
                return cached[1]
            return self._refresh(collection_id, version, load)

    def warm(self, collection_id: str, version: int, load: Loader) -> Bm25Index:
        """Have the index of `version` in memory now: loaded if saved, else built (and saved).

        A large collection whose saved index is older serves that one while the new one is
        built here.
        """
        with self._lock(collection_id):
            cached = self._indexes.get(collection_id) or self._from_disk(collection_id, version)
            if cached and cached[0] == version:
                return cached[1]
            return self._refresh(collection_id, version, load)

    def forget(self, collection_id: str) -> None:
        """Drop the collection's index, in memory and on disk (the collection is gone)."""
        self._indexes.pop(collection_id, None)
        if self.folder is not None:
            shutil.rmtree(self.folder / collection_id, ignore_errors=True)

    def prune(self, keep: Iterable[str]) -> None:
        """Delete the saved indexes of every collection but `keep` (deleted meanwhile), and
        saves a stopped process left unfinished."""
        if self.folder is None or not self.folder.is_dir():
            return
        keep = set(keep)
        unfinished_before = time.time() - _UNFINISHED_SAVE_SECONDS
        for path in self.folder.iterdir():
            if path.name not in keep:
                shutil.rmtree(path, ignore_errors=True)
                continue
            with contextlib.suppress(OSError):  # another process may be pruning too
                for entry in path.iterdir():
                    # `.<version>.<random>`: a save in progress, or one a stop interrupted.
                    if entry.name.startswith(".") and entry.stat().st_mtime < unfinished_before:
                        shutil.rmtree(entry, ignore_errors=True)

    # -- internals ------------------------------------------------------------------------

    def _lock(self, collection_id: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(collection_id, threading.Lock())

    def _in_background(self, index: Bm25Index) -> bool:
        return 0 < self.background_from <= len(index)

    def _from_disk(self, collection_id: str, version: int) -> tuple[int, Bm25Index] | None:
        """With nothing in memory: the newest saved index up to `version`, kept in memory
        if it is that version or large enough to serve while its successor is built."""
        saved = self._load_saved(collection_id, version, exact=False)
        if saved is None or (saved[0] != version and not self._in_background(saved[1])):
            return None
        self._keep(collection_id, *saved)
        return saved

    def _refresh(self, collection_id: str, version: int, load: Loader) -> Bm25Index:
        """Load the saved index of `version` or build (and save) it; the caller holds the
        collection's lock."""
        saved = self._load_saved(collection_id, version, exact=True)
        if saved is not None:
            self._keep(collection_id, *saved)
            return saved[1]
        started = time.perf_counter()
        ids, terms = load()
        index = Bm25Index.from_joined(ids, terms)
        self._save(collection_id, version, index)
        self._keep(collection_id, version, index)
        LEXICAL_INDEX_SECONDS.labels(source="built").observe(time.perf_counter() - started)
        return index

    def _keep(self, collection_id: str, version: int, index: Bm25Index) -> None:
        cached = self._indexes.get(collection_id)
        if cached is None or cached[0] <= version:  # never replace a newer one
            self._indexes[collection_id] = (version, index)

    def _rebuild_later(self, collection_id: str, version: int, load: Loader) -> None:
        with self._guard:
            if collection_id in self._rebuilding:
                return
            self._rebuilding.add(collection_id)

        def rebuild() -> None:
            try:
                with self._lock(collection_id):
                    cached = self._indexes.get(collection_id)
                    if cached is None or cached[0] < version:
                        self._refresh(collection_id, version, load)
            except Exception as exc:  # the next search tries again
                log.error(
                    "lexical_rebuild_failed",
                    collection_id=collection_id,
                    version=version,
                    error=type(exc).__name__,
                )
            finally:
                with self._guard:
                    self._rebuilding.discard(collection_id)

        threading.Thread(target=rebuild, daemon=True, name="bm25-rebuild").start()

    def _saved_versions(self, collection_id: str) -> list[tuple[int, Path]]:
        if self.folder is None:
            return []
        try:
            entries = list((self.folder / collection_id).iterdir())
        except OSError:
            return []
        saved = [(int(p.name), p) for p in entries if p.name.isdigit() and p.is_dir()]
        return sorted(saved, reverse=True)

    def _load_saved(
        self, collection_id: str, version: int, *, exact: bool
    ) -> tuple[int, Bm25Index] | None:
        """The saved index of `version`, or (not `exact`) the newest saved one up to it."""
        for saved_version, path in self._saved_versions(collection_id):
            if saved_version > version or (exact and saved_version != version):
                continue
            started = time.perf_counter()
            try:
                index = Bm25Index.load(path)
            except (OSError, ValueError, KeyError) as exc:  # damaged: rebuilt, saved anew
                log.warning(
                    "lexical_index_unreadable",
                    collection_id=collection_id,
                    version=saved_version,
                    error=type(exc).__name__,
                )
                shutil.rmtree(path, ignore_errors=True)
                continue
            LEXICAL_INDEX_SECONDS.labels(source="loaded").observe(time.perf_counter() - started)
            return saved_version, index
        return None

    def _save(self, collection_id: str, version: int, index: Bm25Index) -> None:
        """Save the index as `<collection>/<version>` (atomically: written beside it, then
        renamed into place) and delete the collection's older saves."""
        if self.folder is None:
            return
        parent = self.folder / collection_id
        target = parent / str(version)
        try:
            parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                tmp = Path(tempfile.mkdtemp(prefix=f".{version}.", dir=parent))
                try:
                    index.save(tmp / "index")
                    (tmp / "index").rename(target)
                except OSError:
                    if not target.exists():  # not another process's identical save
                        raise
                finally:
                    shutil.rmtree(tmp, ignore_errors=True)
            for saved_version, path in self._saved_versions(collection_id):
                if saved_version < version:
                    shutil.rmtree(path, ignore_errors=True)
        except OSError as exc:  # a read-only or full disk costs the next start a rebuild
            log.warning(
                "lexical_index_not_saved",
                collection_id=collection_id,
                version=version,
                error=exc.strerror or type(exc).__name__,
            )
