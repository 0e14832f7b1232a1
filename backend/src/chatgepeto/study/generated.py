"""Study items written by a language model from the material, each validated against its passage.

The scope's passages (possibly hundreds, in reading order) are narrowed to a few spread over
the material, the informative ones first (the sum of the BM25 idf of a passage's distinct
terms, `retrieval.lexical.analyze`), and sent a few at a time as numbered, escaped data
(`study/prompts.py`). The model replies with JSON; every item must cite a passage of its batch
and copy an exact quote from it, and its answer (or definition, or summary) must be supported
by that passage: most of its content terms occur there. What fails is dropped.

A reply that is not JSON, has the wrong shape or was cut off is asked again once, then its
batch is dropped; a provider error drops the batch at once. Model misbehaviour never raises:
the builders return what is valid, possibly nothing. Logs carry counts, never text.
"""

from __future__ import annotations

import json
import math
import random
import re
import time
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import unescape
from typing import Any, Literal, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chatgepeto.answering.providers import DEADLINE, ProviderChain, StreamEndedEarly
from chatgepeto.answering.safety import new_canary, sanitize
from chatgepeto.observability.logging import get_logger
from chatgepeto.retrieval.lexical import analyze, fold
from chatgepeto.study.drafts import CardDraft, Passage, Progress, QuizDraft, TopicDraft
from chatgepeto.study.prompts import study_inputs, study_prompt

log = get_logger(__name__)

# Passages per call: enough for a few items, small enough for the reply to fit the model's
# output limit (LLM_MAX_TOKENS, 1024 by default: about four questions with quotes).
BATCH = 4
GUIDE_BATCH = 6
MAX_ITEMS_PER_CALL = 4
# Passages offered per item asked for: validation drops some, so there is room to spare.
PASSAGES_PER_ITEM = 2
MAX_PASSAGES = 48
GUIDE_PASSAGES = 30
MAX_TOPICS = 10
# Seconds of LLM time per call (a study job has no answer deadline of its own).
CALL_SECONDS = 60.0
# A passage with fewer content terms is a heading, a page number or a caption.
MIN_TERMS = 8
# Share of an answer's content terms that must occur in its passage ("most of them").
SUPPORT_SHARE = 0.5
MIN_QUOTE_CHARS = 12

T = TypeVar("T")


# ----------------------------------------------------------------------- reply schemas


class _Item(BaseModel):
    model_config = ConfigDict(extra="ignore")


class QuizItem(_Item):
    type: Literal["mcq", "short"]
    question: str = Field(min_length=3, max_length=600)
    choices: list[str] = Field(default_factory=list, max_length=8)
    correct: int | None = None
    answer: str = Field(default="", max_length=600)
    explanation: str = Field(default="", max_length=1500)
    passage: int
    quote: str = Field(max_length=2000)


class CardItem(_Item):
    term: str = Field(min_length=1, max_length=200)
    definition: str = Field(min_length=3, max_length=1500)
    passage: int
    quote: str = Field(max_length=2000)


class SourceItem(_Item):
    passage: int
    quote: str = Field(max_length=2000)


class TopicItem(_Item):
    title: str = Field(min_length=1, max_length=200)
    summary: str = Field(min_length=3, max_length=1500)
    sources: list[SourceItem] = Field(min_length=1, max_length=10)


class Malformed(Exception):
    """The reply is not JSON of the expected shape, or was cut off."""


_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)(?:```|\Z)", re.S)


def parse_items(text: str, model: type[T]) -> tuple[list[T], int]:
    """The reply's items that fit `model`, and how many did not.

    The reply is a JSON object with one list (`{"items": [...]}`) or a bare list, possibly in a
    ```json fence. Not JSON, another shape, or no item fitting the model: `Malformed`.
    """
    body = text.strip()
    fence = _FENCE.search(body)
    if fence:
        body = fence.group(1).strip()
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise Malformed("not JSON") from exc
    if isinstance(data, dict):
        lists = [value for value in data.values() if isinstance(value, list)]
        if isinstance(data.get("items"), list):
            data = data["items"]
        elif len(lists) == 1:  # {"questions": [...]}: the model renamed the key
            data = lists[0]
        else:
            raise Malformed("no list of items")
    if not isinstance(data, list):
        raise Malformed("not a list of items")
    items: list[T] = []
    for raw in data:
        try:
            items.append(model.model_validate(raw))  # type: ignore[attr-defined]
        except ValidationError:
            continue
    if data and not items:
        raise Malformed("no item of the expected shape")
    return items, len(data) - len(items)


# ------------------------------------------------------------------------- validation


def find_quote(quote: str, text: str) -> str | None:
    """The exact substring of `text` that `quote` copies, whitespace aside; None if absent."""
    quote = unescape(quote).strip().strip("\"'“”‘’«»").strip()
    shortest = min(MIN_QUOTE_CHARS, len(" ".join(text.split())))
    # As copied first; then without the ellipses and full stops a model adds at its ends.
    for candidate in (quote, quote.strip("….").strip()):
        words = candidate.split()
        if not words or len(" ".join(words)) < shortest:
            return None
        pattern = r"\s+".join(re.escape(word) for word in words)
        match = re.search(pattern, text) or re.search(pattern, text, re.I)
        if match:
            return text[match.start() : match.end()]
    return None


def supported(claim: str, text: str, language: str) -> bool:
    """Whether most of the claim's content terms occur in `text` (its passage)."""
    claim_terms = set(analyze(claim, language))
    if not claim_terms:
        # Only stop words ("sim", "no"): it must appear as it is.
        folded = " ".join(fold(claim).split())
        return bool(folded) and folded in " ".join(fold(text).split())
    text_terms = set(analyze(text, language))
    return len(claim_terms & text_terms) / len(claim_terms) > SUPPORT_SHARE


def _clean(text: str) -> str:
    """Model text as plain text: one line of spaces, no links or images."""
    return " ".join(sanitize(text).split())


def _key(text: str) -> str:
    return " ".join(fold(text).split())


def _cited(batch: Sequence[Passage], n: int, quote: str) -> tuple[Passage, str] | None:
    if not 1 <= n <= len(batch):
        return None
    passage = batch[n - 1]
    exact = find_quote(quote, passage.text)
    return (passage, exact) if exact else None


def quiz_draft(item: QuizItem, batch: Sequence[Passage]) -> QuizDraft | None:
    """A question from a model's item, or None when it fails validation."""
    cited = _cited(batch, item.passage, item.quote)
    if cited is None:
        return None
    passage, quote = cited
    question, explanation = _clean(item.question), _clean(item.explanation)
    if len(question) < 3:
        return None
    choices: list[str] = []
    if item.type == "mcq":
        choices = [_clean(choice) for choice in item.choices]
        keys = [_key(choice) for choice in choices]
        if not 3 <= len(choices) <= 5 or not all(keys) or len(set(keys)) != len(keys):
            return None
        by_answer = keys.index(_key(item.answer)) if _key(item.answer) in keys else None
        correct = item.correct if item.correct is not None else by_answer
        if correct is None or not 0 <= correct < len(choices):
            return None
        if by_answer is not None and by_answer != correct:
            return None  # the answer names one choice and the index another
        answer = choices[correct]
        # Models put the right choice first more often than not: shuffle, the same way for
        # the same question (reproducible sets).
        random.Random(zlib.crc32(question.encode())).shuffle(choices)
    else:
        answer = _clean(item.answer)
        if not answer:
            return None
    if not supported(answer, passage.text, passage.language):
        return None
    return QuizDraft(
        kind=item.type,
        question=question,
        answer=answer,
        explanation=explanation,
        passage=passage,
        quote=quote,
        choices=choices,
    )


def card_draft(item: CardItem, batch: Sequence[Passage]) -> CardDraft | None:
    """A flashcard from a model's item, or None when it fails validation."""
    cited = _cited(batch, item.passage, item.quote)
    if cited is None:
        return None
    passage, quote = cited
    term, definition = _clean(item.term), _clean(item.definition)
    if not term or not definition:
        return None
    # The term is the passage's own, and so, mostly, is its definition.
    term_terms = set(analyze(term, passage.language))
    if term_terms and not term_terms <= set(analyze(passage.text, passage.language)):
        return None
    if not supported(definition, passage.text, passage.language):
        return None
    return CardDraft(term=term, definition=definition, passage=passage, quote=quote)


def topic_draft(item: TopicItem, batch: Sequence[Passage]) -> TopicDraft | None:
    """A study-guide topic from a model's item, or None when it fails validation."""
    sources: list[tuple[Passage, str]] = []
    for source in item.sources:
        cited = _cited(batch, source.passage, source.quote)
        if cited and all(cited[0] is not p for p, _ in sources):
            sources.append(cited)
    title, summary = _clean(item.title), _clean(item.summary)
    if not sources or not title or not summary:
        return None
    text = "\n".join(p.text for p, _ in sources)
    if not supported(summary, text, sources[0][0].language):
        return None
    return TopicDraft(title=title, summary=summary, sources=sources)


# -------------------------------------------------------------------- passage selection


def informativeness(passages: Sequence[Passage]) -> list[float]:
    """Each passage's weight: the BM25 idf of its distinct terms, summed over the scope.

    A passage of rare, specific terms (a definition, a mechanism) outweighs a heading, an
    index or boilerplate repeated on every page; passages under MIN_TERMS terms weigh 0.
    """
    terms = [set(analyze(p.text, p.language)) for p in passages]
    df = Counter(term for distinct in terms for term in distinct)
    n = len(passages)
    weights = []
    for distinct in terms:
        if len(distinct) < MIN_TERMS:
            weights.append(0.0)
            continue
        weights.append(sum(math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5)) for t in distinct))
    return weights


def select_passages(
    passages: Sequence[Passage], limit: int, weights: Sequence[float] | None = None
) -> list[int]:
    """Indexes of at most `limit` passages spread over the scope, in reading order.

    The scope is cut into `limit` consecutive stretches and each gives its most informative
    passage, so every part of the material is asked about, not only its densest chapter.
    `weights`: the passages' `informativeness`, if already computed.
    """
    weights = informativeness(passages) if weights is None else weights
    usable = [i for i, w in enumerate(weights) if w > 0] or [
        i for i, p in enumerate(passages) if p.text.strip()
    ]
    if len(usable) <= limit:
        return usable
    picked = []
    for b in range(limit):
        stretch = usable[b * len(usable) // limit : (b + 1) * len(usable) // limit]
        if stretch:
            picked.append(max(stretch, key=lambda i: (weights[i], -i)))
    return picked


# ---------------------------------------------------------------------------- calling


@dataclass
class _Stats:
    calls: int = 0
    retried: int = 0
    malformed: int = 0
    failed: int = 0
    items: int = 0
    invalid: int = 0
    duplicates: int = 0
    canary: int = 0


# What a cut-off or garbled reply raises: the SDK's JSON decoding of an SSE line, a connection
# dropped mid-body, a stream without its final chunk.
_GARBLED = (ValueError, httpx.RemoteProtocolError, StreamEndedEarly)


def _call(providers: ProviderChain, kind: str, inputs: dict[str, str]) -> tuple[str, bool]:
    """The model's whole reply, and whether it ended normally (not cut at the token limit)."""
    chain = study_prompt(kind) | providers.runnable
    parts: list[str] = []
    finish = None
    token = DEADLINE.set(time.monotonic() + CALL_SECONDS)
    try:
        for part in chain.stream(inputs):
            content = part.chunk.content
            if isinstance(content, str):
                parts.append(content)
            finish = part.chunk.response_metadata.get("finish_reason") or finish
    finally:
        DEADLINE.reset(token)
    return "".join(parts), finish in (None, "stop")


def _ask(
    providers: ProviderChain,
    kind: str,
    batch: Sequence[Passage],
    count: int,
    language: str,
    model: type[T],
    stats: _Stats,
) -> list[T]:
    """The items of one batch's reply; a malformed reply is asked again once, then dropped."""
    for attempt in range(2):
        if attempt:
            stats.retried += 1
        canary = new_canary()
        stats.calls += 1
        try:
            text, complete = _call(
                providers, kind, study_inputs(kind, batch, count, language, canary)
            )
        except _GARBLED:
            stats.malformed += 1
            continue
        except Exception as exc:  # the provider failed: this batch is lost, the next may not be
            stats.failed += 1
            log.warning("study_call_failed", kind=kind, error=type(exc).__name__)
            return []
        if canary in text:
            # The model is echoing its instructions: nothing of this reply is trusted.
            stats.canary += 1
            return []
        try:
            if not complete:
                raise Malformed("cut at the token limit")
            items, unfit = parse_items(text, model)
        except Malformed:
            stats.malformed += 1
            continue
        stats.invalid += unfit
        return items
    return []


Build = Callable[[Any, Sequence[Passage]], Any]


def _generate(
    kind: str,
    providers: ProviderChain,
    batches: list[list[Passage]],
    count: int,
    language: str,
    model: type[Any],
    build: Build,
    key: Callable[[Any], str],
    per_call: Callable[[int], int],
    on_progress: Progress | None,
) -> list[Any]:
    drafts: list[Any] = []
    seen: set[str] = set()
    stats = _Stats()
    for done, batch in enumerate(batches, start=1):
        if len(drafts) >= count:
            break
        for item in _ask(
            providers, kind, batch, per_call(count - len(drafts)), language, model, stats
        ):
            stats.items += 1
            draft = build(item, batch)
            if draft is None:
                stats.invalid += 1
                continue
            if key(draft) in seen:
                stats.duplicates += 1
                continue
            seen.add(key(draft))
            drafts.append(draft)
        if on_progress:
            on_progress(done / len(batches))
    if on_progress:
        on_progress(1.0)
    log.info(
        "study_generated",
        kind=kind,
        asked=count,
        valid=min(len(drafts), count),
        batches=len(batches),
        calls=stats.calls,
        retried=stats.retried,
        malformed=stats.malformed,
        failed=stats.failed,
        items=stats.items,
        dropped=stats.invalid,
        duplicates=stats.duplicates,
        canary_echoed=stats.canary,
    )
    return drafts[:count]


def _batches(passages: Sequence[Passage], indexes: list[int], size: int) -> list[list[Passage]]:
    return [[passages[i] for i in indexes[s : s + size]] for s in range(0, len(indexes), size)]


def _check(count: int) -> None:
    if count < 1:
        raise ValueError(f"count must be at least 1, not {count}")


def _by_weight(passages: Sequence[Passage], count: int) -> list[int]:
    """Passages spread over the scope for `count` items, the most informative first."""
    limit = min(MAX_PASSAGES, max(BATCH * 2, count * PASSAGES_PER_ITEM))
    weights = informativeness(passages)
    indexes = select_passages(passages, limit, weights)
    return sorted(indexes, key=lambda i: (-weights[i], i))


def _per_call(remaining: int) -> int:
    # One more than needed: validation drops some.
    return min(MAX_ITEMS_PER_CALL, remaining + 1)


def generate_quiz(
    providers: ProviderChain,
    passages: Sequence[Passage],
    count: int,
    language: str,
    *,
    on_progress: Progress | None = None,
) -> list[QuizDraft]:
    """Up to `count` validated questions (mostly multiple choice, some short answer)."""
    _check(count)
    batches = _batches(passages, _by_weight(passages, count), BATCH)
    return _generate(
        "quiz",
        providers,
        batches,
        count,
        language,
        QuizItem,
        quiz_draft,
        lambda d: _key(d.question),
        _per_call,
        on_progress,
    )


def generate_cards(
    providers: ProviderChain,
    passages: Sequence[Passage],
    count: int,
    language: str,
    *,
    on_progress: Progress | None = None,
) -> list[CardDraft]:
    """Up to `count` validated flashcards (term → definition, cited), one per term."""
    _check(count)
    batches = _batches(passages, _by_weight(passages, count), BATCH)
    return _generate(
        "cards",
        providers,
        batches,
        count,
        language,
        CardItem,
        card_draft,
        lambda d: _key(d.term),
        _per_call,
        on_progress,
    )


def generate_guide(
    providers: ProviderChain,
    passages: Sequence[Passage],
    language: str,
    *,
    on_progress: Progress | None = None,
) -> list[TopicDraft]:
    """The material's main topics in reading order, each summarised and cited."""
    indexes = select_passages(passages, GUIDE_PASSAGES)  # reading order
    batches = _batches(passages, indexes, GUIDE_BATCH)
    if not batches:
        return []
    per_batch = max(1, min(4, math.ceil(MAX_TOPICS / len(batches))))
    position = {id(p): i for i, p in enumerate(passages)}
    topics = _generate(
        "guide",
        providers,
        batches,
        MAX_TOPICS,
        language,
        TopicItem,
        topic_draft,
        lambda d: _key(d.title),
        lambda _remaining: per_batch,
        on_progress,
    )
    # In the order of the material: by the first passage each topic summarises.
    return sorted(topics, key=lambda t: min(position.get(id(p), 0) for p, _ in t.sources))
