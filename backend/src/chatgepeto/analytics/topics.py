"""The most asked topics: key phrases of the students' questions, counted over questions.

Why key phrases of the questions, not the documents the answers cited: a teacher most needs
the topics the material does not cover, and an answer that found nothing cites nothing. The
questions carry the topic whatever became of the answer.

How: YAKE (unsupervised, per text, pt and en stop words) proposes phrases of one to three words
for each question; question and instruction words ("quais", "explique", "what") are dropped,
and a question keeps its best two phrases that share no word. A topic is then
counted over *all* questions whose words contain it, case- and accent-insensitively
("Seleção natural" and "selecao natural" meet), so "seleção natural" counts "Quais as causas
da seleção natural?" too. A phrase inside a longer topic asked exactly as often adds nothing
and gives way to it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import yake

from chatgepeto.analytics.questions import AskedQuestion
from chatgepeto.ingestion.text import detect_language
from chatgepeto.retrieval.lexical import STOPWORDS, fold

MAX_WORDS = 3
PHRASES_PER_QUESTION = 2
# YAKE's candidates looked at per question: enough to find two after the filter.
_CANDIDATES = 6
# The newest questions the topics are drawn from: YAKE takes about a millisecond per question
# on a busy machine (measured: 5,000 questions in 4.5 s the first time, 0.16 s once cached), so
# a year of a big class still shows its topics in a couple of seconds.
MAX_TOPIC_QUESTIONS = 3000

_TOKEN = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
# Words of asking, not of the topic, that the retrieval stop words leave in (folded).
_ASKING_WORDS = (
    "quais qual quê porquê porque explique explica explicar expliques defina definir "
    "descreva descrever diga dizer fale falar resuma resumir resumo cite citar exemplo exemplos "
    "funciona funcionam significa significado serve diferença diferenças entre sobre fica ficam "
    "ocorre ocorrem acontece acontecem existe existem faz fazem pode podem posso devo "
    "explain define describe tell give example examples difference differences between "
    "mean means meaning does work works please favor about summary summarize happen happens "
    "occur occurs located"
)
_ASKING = frozenset(fold(w) for w in _ASKING_WORDS.split())


@dataclass(frozen=True)
class Topic:
    phrase: str  # as students wrote it most often
    count: int  # questions that mention it
    example: str  # the newest of them
    last_asked_at: datetime


@lru_cache(maxsize=2)
def _extractor(language: str) -> yake.KeywordExtractor:
    return yake.KeywordExtractor(lan=language, n=MAX_WORDS, top=_CANDIDATES, dedup_lim=0.9)


def words(text: str) -> tuple[str, ...]:
    """Folded words, stop words kept (a topic such as "causas da seleção" holds one)."""
    return tuple(_TOKEN.findall(fold(text)))


def _is_topic(key: tuple[str, ...]) -> bool:
    if not key or key[0] in STOPWORDS or key[-1] in STOPWORDS:
        return False
    if any(w in _ASKING for w in key):
        return False
    return not (len(key) == 1 and (len(key[0]) < 3 or key[0].isdigit()))


def _content(key: tuple[str, ...]) -> set[str]:
    return {w for w in key if w not in STOPWORDS}


def _contains(longer: tuple[str, ...], shorter: tuple[str, ...]) -> bool:
    n = len(shorter)
    return any(longer[i : i + n] == shorter for i in range(len(longer) - n + 1))


@lru_cache(maxsize=20_000)
def key_phrases(text: str) -> tuple[tuple[tuple[str, ...], str], ...]:
    """A question's best phrases, as (folded words, the phrase as written); cached, since the
    same questions come back on every look at the page."""
    try:
        found = _extractor(detect_language(text)).extract_keywords(text)
    except (ValueError, ZeroDivisionError):  # YAKE on a text of symbols only
        return ()
    chosen: list[tuple[tuple[str, ...], str]] = []
    for phrase, _score in found:  # best first
        key = words(phrase)
        if not _is_topic(key):
            continue
        # Phrases of one question that share a word say the same thing twice ("seleção
        # natural" and "natural e adaptação"): the better one is kept.
        if any(_content(k) & _content(key) for k, _ in chosen):
            continue
        chosen.append((key, phrase.strip()))
        if len(chosen) == PHRASES_PER_QUESTION:
            break
    return tuple(chosen)


def _ngrams(tokens: tuple[str, ...]) -> set[tuple[str, ...]]:
    return {tokens[i : i + n] for n in range(1, MAX_WORDS + 1) for i in range(len(tokens) - n + 1)}


def top_topics(questions: Sequence[AskedQuestion], limit: int = 10) -> list[Topic]:
    """The `limit` topics asked about most, from questions given newest first."""
    questions = questions[:MAX_TOPIC_QUESTIONS]
    spellings: dict[tuple[str, ...], Counter[str]] = {}
    for q in questions:
        for key, phrase in key_phrases(q.about):
            spellings.setdefault(key, Counter())[phrase] += 1
    if not spellings:
        return []

    counts: Counter[tuple[str, ...]] = Counter()
    newest: dict[tuple[str, ...], AskedQuestion] = {}
    for q in questions:
        for key in _ngrams(words(q.about)) & spellings.keys():
            counts[key] += 1
            newest.setdefault(key, q)  # the first seen is the newest

    # A phrase inside a longer topic is in every question the longer one is in: asked as
    # often, it is the same topic said shorter.
    shadowed = {
        part
        for key in counts
        if len(key) > 1
        for part in _ngrams(key)
        if part != key and counts.get(part) == counts[key]
    }
    kept = [key for key in counts if key not in shadowed]
    kept.sort(key=lambda k: (-counts[k], -len(k), -newest[k].asked_at.timestamp(), k))
    return [
        Topic(
            phrase=spellings[key].most_common(1)[0][0],
            count=counts[key],
            example=newest[key].question,
            last_asked_at=newest[key].asked_at,
        )
        for key in kept[:limit]
    ]
