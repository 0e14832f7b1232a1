"""Answer a question in a conversation: rewrite, retrieve, generate or extract, store.

Tutor mode (`tutor=True`) answers with a hint and a guiding question instead of the answer
(`answering/prompts.TUTOR_SYSTEM`, or `answering/tutor.py` without an LLM); the student gets the
full answer by asking the same question again with tutor mode off, in the same conversation.

Every stored answer carries two signals for the teacher's analytics: `retrieval_score`, the
best score of the passages retrieved for it, and `not_in_material`, whether the material does
not cover the question (see `not_in_material`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from chatgepeto.answering.citations import citations_for
from chatgepeto.answering.extractive import NOTHING_FOUND, extractive_answer
from chatgepeto.answering.prompts import (
    NOT_IN_MATERIAL,
    answer_prompt,
    condense_prompt,
    format_history,
    format_passages,
    format_question,
    tutor_prompt,
)
from chatgepeto.answering.providers import DEADLINE, ProviderChain
from chatgepeto.answering.safety import StreamSanitizer, new_canary, sanitize
from chatgepeto.answering.tutor import tutor_hint
from chatgepeto.ingestion.text import detect_language
from chatgepeto.observability.logging import get_logger
from chatgepeto.observability.metrics import (
    ANSWERS,
    LLM_FIRST_TOKEN_SECONDS,
    LLM_SECONDS,
    LLM_TOKENS,
)
from chatgepeto.retrieval.hybrid import HybridRetriever, SearchResult
from chatgepeto.retrieval.lexical import fold
from chatgepeto.storage.models import Message, new_id

log = get_logger(__name__)


class CollectionLookup(Protocol):
    """What answering needs to know of collections (resources.collections.Collections)."""

    def chunk_count(self, collection_id: str, up_to: int) -> int: ...


class ConversationStore(Protocol):
    """Where turns are read and written (resources.conversations.Conversations): somebody
    else's conversation is a NotFound, as if it did not exist."""

    def recent(
        self, conversation_id: str, user_id: str | None, collection_id: str, turns: int
    ) -> list[Message]: ...

    def add_question(
        self,
        conversation_id: str | None,
        collection_id: str,
        user_id: str | None,
        question: str,
        standalone: str | None,
    ) -> str: ...

    def add_answer(self, message: Message) -> None: ...


HISTORY_TURNS = 6

# Below this best score (weighted fusion: Σ weight × z-score over each retriever's candidates)
# no passage stands out of the collection, and the answer counts as "not in the material".
# See `weak_retrieval` for the measurements.
WEAK_SCORE = 1.0
# z-scores over fewer candidates are bounded by √(n − 1) and too noisy to judge by.
WEAK_SCORE_MIN_CHUNKS = 50

# How answers say that the material does not cover the question: the prompts' sentences and
# the extractive "nothing found", both languages, folded (accents and case aside); the
# sentences' stems, so "não contém essas informações" or "does not contain the answer" count.
_NOT_COVERED = tuple(
    fold(text)
    for text in (
        "O material não contém",
        "The material does not contain",
        *NOT_IN_MATERIAL.values(),
        *NOTHING_FOUND.values(),
    )
)


def says_not_in_material(answer: str) -> bool:
    """Whether an answer says the material does not cover the question."""
    folded = " ".join(fold(answer).split())
    return any(sentence.rstrip(".") in folded for sentence in _NOT_COVERED)


@dataclass
class AnswerResult:
    answer: str
    citations: list[dict[str, Any]]
    conversation_id: str
    message_id: str
    mode: str  # generated | extractive
    provider: str | None = None
    model: str | None = None
    incomplete: bool = False
    # A fallback provider or model answered because the primary one failed.
    fallback: bool = False
    usage: dict[str, int] = field(default_factory=dict)
    latency_ms: float = 0.0
    first_token_ms: float | None = None
    # A tutor's hint and guiding question, not the full answer.
    tutor: bool = False
    # The passages retrieved for the answer, best first (not part of the API's JSON).
    passages: list[SearchResult] = field(default_factory=list)


@dataclass(frozen=True)
class Started:
    conversation_id: str
    message_id: str


@dataclass(frozen=True)
class Delta:
    text: str


@dataclass(frozen=True)
class Finished:
    result: AnswerResult


@dataclass(frozen=True)
class Failed:
    message: str
    result: AnswerResult


Event = Started | Delta | Finished | Failed


@dataclass
class _Turn:
    question: str
    language: str
    conversation_id: str
    message_id: str
    standalone: str
    results: list[SearchResult]
    started: float
    tutor: bool = False
    # The collection's chunks, counted up to WEAK_SCORE_MIN_CHUNKS (enough to judge scores).
    chunks: int = 0


def best_score(results: list[SearchResult]) -> float | None:
    """The best retrieval score of an answer's passages (None without passages)."""
    return max((r.score for r in results), default=None)


def weak_retrieval(results: list[SearchResult], chunks: int) -> bool:
    """Whether the best passage scored too weakly for the material to cover the question.

    Scores are the weighted fusion's Σ weight × z-score (retrieval/hybrid.py): how far a
    passage leads each retriever's average candidate, in standard deviations. An off-topic
    question has no BM25 match and a flat dense ranking. Measured with five of the project's
    docs as a collection (161 chunks, multilingual + BM25): ten covered questions (pt and en)
    scored 2.8–6.5 at best; ten off-topic ones 0.7–3.7, five of them under 1.0 ("What is
    photosynthesis?", "How do I bake a chocolate cake?", "Quem escreveu Dom Casmurro?"); with
    part of the docs ingested, a covered question scored 1.3. So WEAK_SCORE (1.0) only
    catches the clear cases, never a covered question there; the answer's own words ("the
    material does not contain …") catch the rest. Over fewer than WEAK_SCORE_MIN_CHUNKS
    chunks z-scores are bounded by √(n − 1) and say nothing: small collections are judged by
    the answer alone.
    """
    best = best_score(results)
    if best is None:
        return True
    return chunks >= WEAK_SCORE_MIN_CHUNKS and best < WEAK_SCORE


def _same_question(question: str, recent: list[Message]) -> str | None:
    """The stored rewrite of the conversation's last question if `question` repeats it."""
    last = next((m for m in reversed(recent) if m.role == "user"), None)
    if last is None or " ".join(fold(last.content).split()) != " ".join(fold(question).split()):
        return None
    return last.standalone_question or question


class Answerer:
    """The question-answering pipeline over one collection."""

    def __init__(
        self,
        collections: CollectionLookup,
        conversations: ConversationStore,
        retriever: HybridRetriever,
        providers: ProviderChain | None,
        *,
        k: int = 6,
        allowed_link_hosts: tuple[str, ...] = (),
        llm_budget_seconds: float = 20.0,
    ) -> None:
        self.collections = collections
        self.conversations = conversations
        self.retriever = retriever
        self.providers = providers
        self.allowed_link_hosts = allowed_link_hosts
        self.llm_budget_seconds = llm_budget_seconds
        self.k = k

    # -- preparation -------------------------------------------------------------------------

    def _prepare(
        self,
        question: str,
        collection_id: str,
        conversation_id: str | None,
        user_id: str | None,
        tutor: bool = False,
    ) -> _Turn:
        started = time.perf_counter()
        question = question.strip()
        # NotFound for a collection that does not exist, in the same read.
        chunks = self.collections.chunk_count(collection_id, WEAK_SCORE_MIN_CHUNKS)
        history: list[tuple[str, str]] = []
        asked_before: str | None = None
        if conversation_id:
            recent = self.conversations.recent(
                conversation_id, user_id, collection_id, HISTORY_TURNS
            )
            history = [(m.role, m.content) for m in recent]
            asked_before = _same_question(question, recent)
        # No transaction is open: the rewrite may take a while and must not hold a lock.
        # The same question asked again (the full answer after a tutor's hint) keeps its
        # rewrite: the hint in between is no follow-up to resolve.
        standalone = asked_before or self._standalone(question, history)
        # Retrieval before anything is written: if the index is down, nothing is half-stored.
        results = self.retriever.search(collection_id, standalone, self.k)
        # The question is stored before the answer, so it survives whatever happens to it.
        conversation_id = self.conversations.add_question(
            conversation_id,
            collection_id,
            user_id,
            question,
            standalone if standalone != question else None,
        )
        return _Turn(
            question=question,
            language=detect_language(question),
            conversation_id=conversation_id,
            message_id=new_id(),
            standalone=standalone,
            results=results,
            started=started,
            tutor=tutor,
            chunks=chunks or 0,
        )

    def not_in_material(self, turn: _Turn, answer: str) -> bool:
        """Whether the material does not cover the question: no passage was found, the answer
        says so, or the best passage scored weakly (weighted fusion only: RRF's scores are
        ranks; see `weak_retrieval`)."""
        if not turn.results or says_not_in_material(answer):
            return True
        fusion = getattr(self.retriever, "fusion", "weighted")
        return fusion == "weighted" and weak_retrieval(turn.results, turn.chunks)

    def _standalone(self, question: str, history: list[tuple[str, str]]) -> str:
        """Rewrite a follow-up into a standalone question (needs an LLM and some history)."""
        if self.providers is None or not history:
            return question
        try:
            chain = condense_prompt | self.providers.runnable
            rewritten = "".join(
                part.chunk.content
                for part in chain.stream({"history": format_history(history), "question": question})
                if isinstance(part.chunk.content, str)
            ).strip()
        except Exception as exc:
            log.warning("condense_failed", error=str(exc))
            return question
        return rewritten[:4000] or question

    # -- storing -----------------------------------------------------------------------------

    def _store(self, turn: _Turn, result: AnswerResult) -> None:
        self.conversations.add_answer(
            Message(
                id=result.message_id,
                conversation_id=turn.conversation_id,
                role="assistant",
                content=result.answer,
                mode=result.mode,
                citations=result.citations,
                provider=result.provider,
                model=result.model,
                latency_ms=result.latency_ms,
                first_token_ms=result.first_token_ms,
                input_tokens=result.usage.get("input_tokens"),
                output_tokens=result.usage.get("output_tokens"),
                incomplete=result.incomplete,
                tutor=result.tutor,
                retrieval_score=best_score(turn.results),
                not_in_material=self.not_in_material(turn, result.answer),
            )
        )
        ANSWERS.labels(result.mode, "incomplete" if result.incomplete else "ok").inc()

    def _result(
        self, turn: _Turn, answer: str, citations: list[dict[str, Any]], **kw: Any
    ) -> AnswerResult:
        return AnswerResult(
            answer=answer,
            citations=citations,
            conversation_id=turn.conversation_id,
            message_id=turn.message_id,
            latency_ms=round((time.perf_counter() - turn.started) * 1000, 1),
            passages=list(turn.results),
            tutor=turn.tutor,
            **kw,
        )

    def _generated(
        self, turn: _Turn, answer: str, provider: str, model: str, **kw: Any
    ) -> AnswerResult:
        """A model-written answer with the citations it actually uses."""
        citations = citations_for(answer, turn.results, turn.standalone)
        fallback = self.providers is not None and self.providers.is_fallback(provider, model)
        return self._result(
            turn,
            answer,
            citations,
            mode="generated",
            provider=provider,
            model=model,
            fallback=fallback,
            **kw,
        )

    @staticmethod
    def _note_canary(sanitizer: StreamSanitizer) -> None:
        """Log (never the marker itself) that the model echoed its instructions."""
        if sanitizer.secrets_removed:
            log.warning("canary_echoed", removed=sanitizer.secrets_removed)

    def _extractive(self, turn: _Turn) -> AnswerResult:
        build = tutor_hint if turn.tutor else extractive_answer
        answer, citations = build(turn.standalone, turn.results, turn.language)
        # The quotes are document text, rendered as markdown: the same rule as model output
        # (the citations keep the exact quote, shown as text).
        answer = sanitize(answer, self.allowed_link_hosts)
        return self._result(turn, answer, citations, mode="extractive", provider="extractive")

    # -- answering ---------------------------------------------------------------------------

    def answer(
        self,
        question: str,
        collection_id: str,
        conversation_id: str | None = None,
        user_id: str | None = None,
        *,
        tutor: bool = False,
    ) -> AnswerResult:
        """Answer and store; the whole answer at once."""
        final: AnswerResult | None = None
        for event in self.stream(question, collection_id, conversation_id, user_id, tutor=tutor):
            if isinstance(event, Finished | Failed):
                final = event.result
        assert final is not None
        return final

    def stream(
        self,
        question: str,
        collection_id: str,
        conversation_id: str | None = None,
        user_id: str | None = None,
        *,
        tutor: bool = False,
    ) -> Iterator[Event]:
        """Answer as events: Started, Delta…, then Finished or Failed; stored either way.

        `tutor`: a hint and a guiding question instead of the answer."""
        # Every LLM call of this answer (rewrite, retries, fallbacks) shares one time budget.
        DEADLINE.set(time.monotonic() + self.llm_budget_seconds)
        turn = self._prepare(question, collection_id, conversation_id, user_id, tutor)
        yield Started(turn.conversation_id, turn.message_id)

        if self.providers is None or not turn.results:
            if not turn.results and self.providers is not None:
                result = self._result(
                    turn,
                    NOTHING_FOUND.get(turn.language, NOTHING_FOUND["en"]),
                    [],
                    mode="generated",
                    provider="none",
                )
            else:
                result = self._extractive(turn)
            yield Delta(result.answer)
            self._store(turn, result)
            yield Finished(result)
            return

        yield from self._generate(turn)

    def _generate(self, turn: _Turn) -> Iterator[Event]:
        provider, model = self.providers.primary.name, self.providers.primary.model
        chain = (tutor_prompt if turn.tutor else answer_prompt) | self.providers.runnable
        # A fresh canary per answer: the model writes it only when echoing its instructions.
        canary = new_canary()
        inputs = {
            "passages": format_passages(turn.results),
            "question": format_question(turn.question),
            "canary": canary,
        }
        parts: list[str] = []
        usage: dict[str, int] = {}
        started = time.perf_counter()
        first_token_at: float | None = None
        # The model's text is data: links and images to unknown hosts never reach a student,
        # nor does the canary, whatever became of the answer (stored, streamed, cut short).
        sanitizer = StreamSanitizer(self.allowed_link_hosts, secrets=(canary,))
        try:
            for part in chain.stream(inputs):
                provider, model, chunk = part.provider, part.model, part.chunk
                raw = chunk.content if isinstance(chunk.content, str) else ""
                if getattr(chunk, "usage_metadata", None):
                    usage = dict(chunk.usage_metadata)
                text = sanitizer.feed(raw) if raw else ""
                if not text:
                    continue
                if first_token_at is None:
                    first_token_at = time.perf_counter()
                    LLM_FIRST_TOKEN_SECONDS.labels(provider, model).observe(
                        first_token_at - started
                    )
                parts.append(text)
                yield Delta(text)
        except GeneratorExit:
            # The client went away mid-answer: keep what was said, marked incomplete.
            self._note_canary(sanitizer)
            if parts:
                self._store(
                    turn,
                    self._generated(turn, "".join(parts), provider, model, incomplete=True),
                )
            raise
        except Exception as exc:
            log.warning("llm_failed", error=str(exc), tokens_sent=bool(parts))
            self._note_canary(sanitizer)
            if not parts:
                # Nothing reached the student yet: the extractive answer never fails.
                result = self._extractive(turn)
                yield Delta(result.answer)
                self._store(turn, result)
                yield Finished(result)
                return
            result = self._generated(turn, "".join(parts), provider, model, incomplete=True)
            self._store(turn, result)
            yield Failed("The language model stopped before finishing the answer.", result)
            return
        tail = sanitizer.flush()
        if tail:
            parts.append(tail)
            yield Delta(tail)
        self._note_canary(sanitizer)
        LLM_SECONDS.labels(provider, model).observe(time.perf_counter() - started)
        for kind in ("input_tokens", "output_tokens"):
            if usage.get(kind):
                LLM_TOKENS.labels(provider, model, kind).inc(usage[kind])
        first_token_ms = round(((first_token_at or started) - started) * 1000, 1)
        result = self._generated(
            turn,
            "".join(parts).strip(),
            provider,
            model,
            usage=usage,
            first_token_ms=first_token_ms,
        )
        self._store(turn, result)
        log.info(
            "answered",
            provider=provider,
            model=model,
            latency_ms=result.latency_ms,
            first_token_ms=first_token_ms,
            usage=usage,
        )
        yield Finished(result)
